//! Where an import leads: TypeScript's `bundler` resolution (extension-less paths, `.js` for
//! `.ts`, `index` files, tsconfig `paths` and `baseUrl` with `extends`, SvelteKit's `$lib`),
//! never outside the project; and the specifiers a file imports, found without parsing.

use std::path::{Component, Path, PathBuf};

use super::workspace::Workspace;
use super::Project;
use crate::fs::Listings;
use crate::parse::Lang;
use crate::semantic::wrangler::strip_jsonc;

/// `a/./b/../c` → `a/c`, without touching the file system.
pub(super) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

pub(super) fn read_json(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&strip_jsonc(&text)).ok()
}

/// `compilerOptions.paths` and `baseUrl` of a tsconfig, following relative `extends`.
pub(super) fn tsconfig_paths(
    path: &Path,
    depth: usize,
) -> (Option<PathBuf>, Vec<(String, Vec<PathBuf>)>) {
    let Some(json) = read_json(path).filter(|_| depth < 8) else {
        return (None, Vec::new());
    };
    let dir = path.parent().unwrap_or(Path::new("/"));
    let (mut base, mut paths) = match json.get("extends").and_then(|e| e.as_str()) {
        Some(e) if e.starts_with('.') => {
            let mut target = normalize(&dir.join(e));
            if target.extension().is_none() {
                target.set_extension("json");
            }
            tsconfig_paths(&target, depth + 1)
        }
        _ => (None, Vec::new()),
    };
    let options = json.get("compilerOptions");
    if let Some(b) = options
        .and_then(|o| o.get("baseUrl"))
        .and_then(|b| b.as_str())
    {
        base = Some(normalize(&dir.join(b)));
    }
    if let Some(p) = options
        .and_then(|o| o.get("paths"))
        .and_then(|p| p.as_object())
    {
        // Targets are relative to baseUrl, or to this tsconfig without one.
        let anchor = base.clone().unwrap_or_else(|| dir.to_path_buf());
        paths = p
            .iter()
            .map(|(pattern, targets)| {
                let targets = targets
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .filter_map(|t| t.as_str())
                            .map(|t| normalize(&anchor.join(t)))
                            .collect()
                    })
                    .unwrap_or_default();
                (pattern.clone(), targets)
            })
            .collect();
    }
    (base, paths)
}

/// The module specifiers a file's text imports or re-exports from (`from '…'`,
/// `import '…'`, `require('…')`), found without parsing: a superset is harmless.
pub fn specifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for keyword in ["from", "import", "require("] {
        for i in memchr::memmem::find_iter(bytes, keyword) {
            let mut j = i + keyword.len();
            while j < bytes.len() && (bytes[j] as char).is_whitespace()
                || bytes.get(j) == Some(&b'(')
            {
                j += 1;
            }
            let Some(&quote) = bytes.get(j).filter(|q| **q == b'\'' || **q == b'"') else {
                continue;
            };
            if let Some(len) = text[j + 1..].find(quote as char) {
                let spec = &text[j + 1..j + 1 + len];
                if !spec.contains('\n') && !out.iter().any(|s| s == spec) {
                    out.push(spec.to_string());
                }
            }
        }
    }
    out
}

const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "d.ts", "js", "jsx", "mjs", "cjs"];

/// An existing source file for a path without or with an extension (`./kv`, `./kv.js` for
/// `kv.ts`, `./lib` for `lib/index.ts`), looked up in the folders' listings.
pub(super) fn source_file(listings: &Listings, path: &Path) -> Option<PathBuf> {
    if Lang::from_path(path).is_some() && listings.exists(path) && path.is_file() {
        return Some(path.to_path_buf());
    }
    let text = path.to_string_lossy();
    // TypeScript's `.js` in an import names the `.ts` file.
    let stem = [".js", ".mjs", ".cjs", ".jsx"]
        .iter()
        .find_map(|e| text.strip_suffix(e))
        .unwrap_or(&text);
    EXTENSIONS
        .iter()
        .map(|e| PathBuf::from(format!("{stem}.{e}")))
        .chain(EXTENSIONS.iter().map(|e| path.join(format!("index.{e}"))))
        .find(|p| listings.exists(p) && p.is_file())
}

impl Project {
    /// Whether a path is the project's, or its workspace's (never a `node_modules` one).
    pub(super) fn inside(&self, p: &Path) -> bool {
        let ours = p.starts_with(&self.root) || self.workspace().is_some_and(|w| w.contains(p));
        ours && !p.components().any(|c| c.as_os_str() == "node_modules")
    }

    /// The workspace the project is a package of, found when first asked for.
    pub(super) fn workspace(&self) -> Option<&Workspace> {
        self.workspace
            .get_or_init(|| Workspace::find(&self.root))
            .as_ref()
    }

    /// Where an import from `from` (a file) leads, inside the project or its workspace
    /// (cached by folder).
    pub fn resolve(&self, from: &Path, spec: &str) -> Option<PathBuf> {
        // Bare package names are not the project's, unless its workspace has them.
        let bare = !spec.starts_with('.') && !spec.starts_with('$') && !spec.starts_with('/');
        if bare && self.paths.is_empty() && self.base_url.is_none() && self.workspace().is_none() {
            return None;
        }
        let key = (from.parent()?.to_path_buf(), spec.to_string());
        if let Some(hit) = self.resolved.lock().unwrap().get(&key) {
            return hit.clone();
        }
        let found = self.resolve_uncached(from, spec);
        self.resolved.lock().unwrap().insert(key, found.clone());
        found
    }

    fn resolve_uncached(&self, from: &Path, spec: &str) -> Option<PathBuf> {
        let candidates: Vec<PathBuf> = if spec.starts_with("./") || spec.starts_with("../") {
            vec![normalize(&from.parent()?.join(spec))]
        } else {
            let mut c: Vec<PathBuf> = Vec::new();
            for (pattern, targets) in &self.paths {
                let captured = match pattern.split_once('*') {
                    Some((pre, post)) => spec
                        .strip_prefix(pre)
                        .and_then(|r| r.strip_suffix(post))
                        .map(Some),
                    None => (spec == pattern).then_some(None),
                };
                if let Some(captured) = captured {
                    for t in targets {
                        let t = t.to_string_lossy();
                        c.push(PathBuf::from(match captured {
                            Some(s) => t.replacen('*', s, 1),
                            None => t.to_string(),
                        }));
                    }
                }
            }
            if c.is_empty() {
                if let Some(base) = &self.base_url {
                    c.push(normalize(&base.join(spec)));
                }
            }
            c
        };
        let found = candidates
            .iter()
            .filter(|p| self.inside(p))
            .find_map(|p| source_file(&self.listings, p))
            .filter(|p| self.inside(p));
        // A package of the workspace, imported by its name (`@acme/kv`).
        found.or_else(|| {
            let target = self.workspace()?.resolve(spec)?;
            source_file(&self.listings, &target).filter(|p| self.inside(p))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers_are_found_without_parsing() {
        let text = "import { a } from './a';\nimport b from \"../b\";\nexport * from './c';\nimport './side';\nconst x = require('./d');\nconst from = 1;\n";
        assert_eq!(specifiers(text), ["./a", "../b", "./c", "./side", "./d"]);
    }

    #[test]
    fn paths_normalize() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
