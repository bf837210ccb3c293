//! The packages of a monorepo's workspace (`pnpm-workspace.yaml`, or `workspaces` in a
//! `package.json`): an import of one by its name resolves to its source, as TypeScript does
//! through the links the package manager makes (`exports`, `types`, `module`, `main`).

use std::path::{Path, PathBuf};

use super::resolve::{normalize, read_json};

/// How many folders above a project its workspace's root may be.
const MAX_UP: usize = 8;
/// The most packages read.
const MAX_PACKAGES: usize = 2_000;
/// How deep a `**` in a workspace pattern looks.
const MAX_GLOB_DEPTH: usize = 4;

/// A workspace: its root and its packages, by name.
#[derive(Debug, Default)]
pub struct Workspace {
    root: PathBuf,
    packages: Vec<(String, PathBuf)>,
}

impl Workspace {
    /// The workspace a project (its root folder) belongs to, if any: the nearest folder at
    /// or above it that declares one.
    pub fn find(project_root: &Path) -> Option<Workspace> {
        let mut dir = Some(project_root);
        for _ in 0..=MAX_UP {
            let d = dir?;
            if let Some(globs) = declared_globs(d) {
                let mut packages = Vec::new();
                for glob in globs.iter().filter(|g| !g.starts_with('!')) {
                    for p in expand(d, glob) {
                        let name = read_json(&p.join("package.json"))
                            .and_then(|j| j.get("name")?.as_str().map(str::to_string));
                        if let Some(name) = name {
                            packages.push((name, p));
                        }
                        if packages.len() >= MAX_PACKAGES {
                            break;
                        }
                    }
                }
                return Some(Workspace {
                    root: d.to_path_buf(),
                    packages,
                });
            }
            dir = d.parent();
        }
        None
    }

    /// The workspace's root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether a path is inside the workspace.
    pub fn contains(&self, p: &Path) -> bool {
        p.starts_with(&self.root)
    }

    /// Where an import of a workspace package leads (a file, or a path without its
    /// extension, for the caller to look up): `@acme/kv` by its `exports['.']`, `types`,
    /// `module` or `main`; `@acme/kv/store` by `exports['./store']` or its folder.
    pub fn resolve(&self, spec: &str) -> Option<PathBuf> {
        let (name, dir) = self
            .packages
            .iter()
            .filter(|(n, _)| {
                spec == n
                    || spec
                        .strip_prefix(n.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
            .max_by_key(|(n, _)| n.len())?;
        let sub = &spec[name.len()..];
        let json = read_json(&dir.join("package.json")).unwrap_or_default();
        let key = format!(".{sub}");
        let entry = json
            .get("exports")
            .and_then(|e| export_target(e, &key))
            .or_else(|| {
                (sub.is_empty())
                    .then(|| {
                        ["types", "typings", "module", "main"]
                            .iter()
                            .find_map(|f| json.get(*f)?.as_str().map(str::to_string))
                    })
                    .flatten()
            });
        Some(match entry {
            Some(e) => normalize(&dir.join(e)),
            None if sub.is_empty() => dir.join("index"),
            None => normalize(&dir.join(&sub[1..])),
        })
    }
}

/// The package patterns a folder's workspace file declares, if it has one.
fn declared_globs(dir: &Path) -> Option<Vec<String>> {
    if let Ok(text) = std::fs::read_to_string(dir.join("pnpm-workspace.yaml")) {
        return Some(pnpm_globs(&text));
    }
    let json = read_json(&dir.join("package.json"))?;
    let w = json.get("workspaces")?;
    let list = w.as_array().or_else(|| w.get("packages")?.as_array())?;
    Some(
        list.iter()
            .filter_map(|g| g.as_str().map(str::to_string))
            .collect(),
    )
}

/// The `packages:` list of a `pnpm-workspace.yaml` (a block list of strings, quoted or not).
fn pnpm_globs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if !line.starts_with([' ', '\t', '-']) && !t.is_empty() && !t.starts_with('#') {
            inside = t.starts_with("packages:");
            continue;
        }
        if let (true, Some(item)) = (inside, t.strip_prefix('-')) {
            let item = item.split(" #").next().unwrap_or("").trim();
            out.push(item.trim_matches(|c| c == '\'' || c == '"').to_string());
        }
    }
    out
}

/// The folders a workspace pattern names (`packages/*`, `apps/**`, `tools/cli`).
fn expand(root: &Path, glob: &str) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    for segment in glob
        .trim_start_matches("./")
        .trim_end_matches('/')
        .split('/')
    {
        dirs = match segment {
            "" | "." => dirs,
            "*" => dirs.iter().flat_map(|d| subfolders(d)).collect(),
            "**" => {
                let mut all = dirs.clone();
                let mut level = dirs;
                for _ in 0..MAX_GLOB_DEPTH {
                    level = level.iter().flat_map(|d| subfolders(d)).collect();
                    all.extend(level.iter().cloned());
                }
                all
            }
            s if s.contains('*') => {
                let (pre, post) = s.split_once('*').unwrap_or((s, ""));
                dirs.iter()
                    .flat_map(|d| subfolders(d))
                    .filter(|d| {
                        let n = d.file_name().and_then(|n| n.to_str()).unwrap_or("");
                        n.len() >= pre.len() + post.len() && n.starts_with(pre) && n.ends_with(post)
                    })
                    .collect()
            }
            s => dirs
                .iter()
                .map(|d| d.join(s))
                .filter(|d| d.is_dir())
                .collect(),
        };
    }
    dirs
}

/// A folder's subfolders, without `node_modules` and hidden ones.
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n != "node_modules" && !n.starts_with('.')
        })
        .map(|e| e.path())
        .collect()
}

/// What `exports` maps a subpath (`.`, `./store`) to: a string, an object of subpaths
/// (with one `*` pattern allowed), or of conditions (`types`, `import`, `default`, …).
fn export_target(exports: &serde_json::Value, key: &str) -> Option<String> {
    match exports {
        serde_json::Value::Object(map) if map.keys().any(|k| k.starts_with('.')) => {
            if let Some(v) = map.get(key) {
                return condition_target(v, 0);
            }
            map.iter().find_map(|(pattern, v)| {
                let (pre, post) = pattern.split_once('*')?;
                let star = key.strip_prefix(pre)?.strip_suffix(post)?;
                Some(condition_target(v, 0)?.replacen('*', star, 1))
            })
        }
        other if key == "." => condition_target(other, 0),
        _ => None,
    }
}

/// The file a conditional export gives a type checker: `types` first, then the import
/// conditions.
fn condition_target(v: &serde_json::Value, depth: usize) -> Option<String> {
    if depth > 4 {
        return None;
    }
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) => a.iter().find_map(|v| condition_target(v, depth + 1)),
        serde_json::Value::Object(m) => ["types", "import", "module", "default", "node", "require"]
            .iter()
            .find_map(|c| condition_target(m.get(*c)?, depth + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pnpm_workspace_lists_its_package_patterns() {
        let yaml = "# the packages\npackages:\n  - 'packages/*'\n  - \"apps/**\" # all\n  - tools/cli\n  - '!**/test/**'\ncatalog:\n  - not-a-package\n";
        assert_eq!(
            pnpm_globs(yaml),
            ["packages/*", "apps/**", "tools/cli", "!**/test/**"]
        );
    }

    #[test]
    fn exports_give_the_file_a_type_checker_reads() {
        let e = json!({ ".": { "types": "./dist/index.d.ts", "import": "./dist/index.js" }, "./store": "./src/store.ts", "./kv/*": { "default": "./src/kv/*.ts" } });
        assert_eq!(export_target(&e, ".").as_deref(), Some("./dist/index.d.ts"));
        assert_eq!(
            export_target(&e, "./store").as_deref(),
            Some("./src/store.ts")
        );
        assert_eq!(
            export_target(&e, "./kv/cache").as_deref(),
            Some("./src/kv/cache.ts")
        );
        assert_eq!(export_target(&e, "./other"), None);
        assert_eq!(
            export_target(&json!("./src/index.ts"), ".").as_deref(),
            Some("./src/index.ts")
        );
        assert_eq!(
            export_target(&json!({ "import": "./i.js", "types": "./t.d.ts" }), ".").as_deref(),
            Some("./t.d.ts")
        );
    }

    #[test]
    fn strings_arrays_and_nested_conditions() {
        assert_eq!(export_target(&json!("./src/index.ts"), "./sub"), None);
        assert_eq!(
            export_target(&json!(["./a.ts", "./b.ts"]), ".").as_deref(),
            Some("./a.ts")
        );
        let nested = json!({ ".": [{ "import": { "types": "./t.d.ts" } }] });
        assert_eq!(export_target(&nested, ".").as_deref(), Some("./t.d.ts"));
        // Conditions nest at most four deep.
        let deep = |n: usize| {
            let mut v = json!("./deep.ts");
            for _ in 0..n {
                v = json!({ "import": v });
            }
            v
        };
        assert_eq!(condition_target(&deep(4), 0).as_deref(), Some("./deep.ts"));
        assert_eq!(condition_target(&deep(5), 0), None);
        let arrays = |n: usize| {
            let mut v = json!("./deep.ts");
            for _ in 0..n {
                v = json!([v]);
            }
            v
        };
        assert_eq!(
            condition_target(&arrays(4), 0).as_deref(),
            Some("./deep.ts")
        );
        assert_eq!(condition_target(&arrays(5), 0), None);
    }

    #[test]
    fn workspace_patterns_name_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in [
            "packages/kv-a",
            "packages/kv-b",
            "packages/other",
            "packages/.hidden",
            "packages/node_modules",
            "apps/web/nested/deep",
            "tools/cli",
            "tools/cli-extra",
            "packages/a",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let names = |glob: &str| {
            let mut v: Vec<String> = expand(root, glob)
                .iter()
                .map(|p| p.strip_prefix(root).unwrap().display().to_string())
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            names("packages/*"),
            [
                "packages/a",
                "packages/kv-a",
                "packages/kv-b",
                "packages/other"
            ]
        );
        // A prefix and a suffix do not overlap: `a` is not `a*a`.
        assert!(names("packages/a*a").is_empty());
        assert_eq!(names("packages/kv-*"), ["packages/kv-a", "packages/kv-b"]);
        assert_eq!(names("packages/*-b"), ["packages/kv-b"]);
        assert_eq!(names("packages/kv-a*"), ["packages/kv-a"]);
        assert_eq!(names("./tools/cli/"), ["tools/cli"]);
        assert!(names("tools/none").is_empty());
        assert_eq!(
            names("apps/**"),
            [
                "apps",
                "apps/web",
                "apps/web/nested",
                "apps/web/nested/deep"
            ]
        );
    }
}
