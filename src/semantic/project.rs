//! The project index (DESIGN §2): what other files of a project declare about KV.
//!
//! The project of a file is the folder of its nearest `package.json`, `tsconfig.json` or
//! wrangler config. The index holds the KV and Durable Object members of Env-like declarations
//! in the project's `.d.ts` files (global and module augmentations included), and, for the
//! modules a linted file imports, their exported declarations: functions and values declared
//! `KVNamespace`, Env types, and string constants used in keys, followed through re-exports.
//! Imports resolve as TypeScript's `bundler` resolution does (extension-less paths,
//! `index.ts`, tsconfig `paths` and `baseUrl` with `extends`, SvelteKit's `$lib`), never
//! outside the project. Only declared types count. Files are filtered by text before they are
//! parsed, parsed at most once per run, and cached by path.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use swc_common::Spanned;
use swc_ecma_ast::{
    Decl, DefaultDecl, Expr, ModuleDecl, ModuleExportName, ModuleItem, Pat, Program, TsType,
};

use super::bindings::Bindings;
use super::declared_bindings;
use super::types::{known_type, members, promised, KnownType};
use crate::fs::Listings;

use super::wrangler::{strip_jsonc, GENERATED_TYPES, WRANGLER_FILES};
use crate::parse::{is_declaration_file, parse, Lang};
use crate::source::Source;

/// How many files of a project's `.d.ts` search are read at most.
const MAX_DTS_FILES: usize = 2_000;
/// How deep re-exports are followed.
const MAX_REEXPORT_DEPTH: usize = 8;
/// The largest module read for its exports.
const MAX_MODULE_BYTES: u64 = 2 * 1024 * 1024;
/// Other files are parsed on the caller's thread, not isolated like linted files: deeper
/// nesting than real modules have is not parsed.
pub const MAX_INDEX_NESTING: usize = 256;

/// What a module exports that matters to KV.
#[derive(Clone, Debug)]
pub enum Export {
    /// A function declared to return `KVNamespace` (`true`: a `Promise` of one).
    KvFunction { promise: bool },
    /// A value declared `KVNamespace`.
    KvValue,
    /// An Env type: its members' names and types.
    EnvType(Vec<(String, KnownType)>),
    /// A value whose declared type is an object type with binding-typed members (`export
    /// const ENV: { CACHE?: KVNamespace } = {}`, or typed by an Env type of the module): its
    /// members' names and types.
    Object(Vec<(String, KnownType)>),
    /// A function declared to return such an object type (`export function getEnv(): Env`
    /// with `Env` a type literal or an Env type of the module; `true`: a `Promise` of it).
    ObjectFunction {
        members: Vec<(String, KnownType)>,
        promise: bool,
    },
    /// A value (or, with `call`, a function returning one: `Some(promise)`) typed by a type
    /// another module exports (`export let ENV: Bindings` with `import type { Bindings } from
    /// './types'`): an [`Export::Object`] or [`Export::ObjectFunction`] once that module's
    /// exports are read, else nothing.
    TypedAs {
        module: PathBuf,
        name: String,
        call: Option<bool>,
    },
    /// A `const` string, template or `as const` object of strings (its initialiser).
    Constant(Box<Expr>),
}

/// An export and where it is declared (`src/lib/kv.ts:12`).
#[derive(Clone, Debug)]
pub struct Fact {
    pub export: Export,
    pub at: String,
}

/// The exports of one module, re-exports followed.
pub type Exports = HashMap<String, Fact>;

/// What the modules a file imports export, by the import's specifier as written.
#[derive(Clone, Debug, Default)]
pub struct Imports {
    pub modules: HashMap<String, Arc<Exports>>,
    /// Imports resolved but not read yet, as (specifier, module): they cannot make a
    /// namespace KV, so the prefilter needs nothing of them; [`Project::read_pending`]
    /// reads their key constants once the file is linted.
    pending: Vec<(String, PathBuf)>,
}

impl Imports {
    fn add(&mut self, spec: String, exports: Arc<Exports>) {
        if !exports.is_empty() {
            self.modules.insert(spec, exports);
        }
    }

    /// Whether `text` (the importing file) may hold a finding through what it imports: it
    /// names an imported function or value declared `KVNamespace`, or a KV member of an
    /// imported Env type (the prefilter's part for imports: without one of those names, no
    /// receiver in the file can be KV through an import).
    pub fn may_hold_finding(&self, text: &str) -> bool {
        self.modules
            .values()
            .flat_map(|m| m.iter())
            .any(|(name, f)| match &f.export {
                Export::KvFunction { .. } | Export::KvValue => text.contains(name.as_str()),
                Export::EnvType(members)
                | Export::Object(members)
                | Export::ObjectFunction { members, .. } => members
                    .iter()
                    .any(|(m, k)| *k == KnownType::Kv && text.contains(m.as_str())),
                Export::Constant(_) | Export::TypedAs { .. } => false,
            })
    }
}

/// One module's own declarations and re-exports, before re-exports are followed.
#[derive(Default)]
struct ModuleFacts {
    exports: Exports,
    /// `export * from '…'`.
    stars: Vec<PathBuf>,
    /// `export { a as b } from '…'`: exported name, name in the other module, module.
    named: Vec<(String, String, PathBuf)>,
}

/// One project: its root, tsconfig paths, `.d.ts` bindings and the modules read so far.
pub struct Project {
    root: PathBuf,
    /// `paths` patterns with their targets, as absolute path patterns.
    paths: Vec<(String, Vec<PathBuf>)>,
    base_url: Option<PathBuf>,
    dts: OnceLock<Bindings>,
    /// KV bindings inferred from uses only KV has (`evidence`), read once when asked.
    inferred: OnceLock<Bindings>,
    modules: Mutex<HashMap<PathBuf, Arc<ModuleFacts>>>,
    /// Where each import specifier leads, by the importing folder.
    resolved: Mutex<HashMap<(PathBuf, String), Option<PathBuf>>>,
    listings: Arc<Listings>,
    /// Whether a module's text (or that of a module it re-exports from) says `KVNamespace`.
    says_kv: Mutex<HashMap<PathBuf, bool>>,
    /// Each module's exports, re-exports followed.
    merged: Mutex<HashMap<PathBuf, Arc<Exports>>>,
}

/// Finds and caches the project of each folder.
#[derive(Default)]
pub struct ProjectResolver {
    by_dir: Mutex<HashMap<PathBuf, Option<Arc<Project>>>>,
    by_root: Mutex<HashMap<PathBuf, Arc<Project>>>,
    /// Folder listings, shared with the other resolvers of a run.
    listings: Arc<Listings>,
}

const PROJECT_FILES: &[&str] = &["package.json", "tsconfig.json"];

impl ProjectResolver {
    pub fn with_listings(listings: Arc<Listings>) -> Self {
        ProjectResolver {
            listings,
            ..ProjectResolver::default()
        }
    }

    /// The project of a file (an absolute path), if it has one.
    pub fn for_file(&self, file: &Path) -> Option<Arc<Project>> {
        self.for_dir(file.parent()?)
    }

    /// The project of a folder: its own, or its parent's (each folder looked at once).
    fn for_dir(&self, dir: &Path) -> Option<Arc<Project>> {
        if let Some(hit) = self.by_dir.lock().unwrap().get(dir) {
            return hit.clone();
        }
        let is_root = PROJECT_FILES
            .iter()
            .chain(WRANGLER_FILES.iter())
            .any(|n| self.listings.has_file(dir, n));
        let project = if is_root {
            Some(
                self.by_root
                    .lock()
                    .unwrap()
                    .entry(dir.to_path_buf())
                    .or_insert_with(|| Arc::new(Project::new(dir, self.listings.clone())))
                    .clone(),
            )
        } else {
            dir.parent().and_then(|p| self.for_dir(p))
        };
        self.by_dir
            .lock()
            .unwrap()
            .insert(dir.to_path_buf(), project.clone());
        project
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
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

fn read_json(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&strip_jsonc(&text)).ok()
}

/// `compilerOptions.paths` and `baseUrl` of a tsconfig, following relative `extends`.
fn tsconfig_paths(path: &Path, depth: usize) -> (Option<PathBuf>, Vec<(String, Vec<PathBuf>)>) {
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
fn source_file(listings: &Listings, path: &Path) -> Option<PathBuf> {
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
    fn new(root: &Path, listings: Arc<Listings>) -> Self {
        let (base_url, mut paths) = tsconfig_paths(&root.join("tsconfig.json"), 0);
        // SvelteKit: `$lib` is `src/lib`, unless the project maps it itself.
        let svelte = ["svelte.config.js", "svelte.config.ts", "svelte.config.mjs"]
            .iter()
            .any(|f| root.join(f).is_file());
        if svelte && !paths.iter().any(|(p, _)| p.starts_with("$lib")) {
            paths.push(("$lib".into(), vec![root.join("src/lib")]));
            paths.push(("$lib/*".into(), vec![root.join("src/lib/*")]));
        }
        Project {
            root: root.to_path_buf(),
            paths,
            base_url,
            dts: OnceLock::new(),
            inferred: OnceLock::new(),
            modules: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
            listings,
            says_kv: Mutex::new(HashMap::new()),
            merged: Mutex::new(HashMap::new()),
        }
    }

    fn inside(&self, p: &Path) -> bool {
        p.starts_with(&self.root) && !p.components().any(|c| c.as_os_str() == "node_modules")
    }

    /// Where an import from `from` (a file) leads, inside the project (cached by folder).
    pub fn resolve(&self, from: &Path, spec: &str) -> Option<PathBuf> {
        // Bare package names are not the project's.
        if !spec.starts_with('.')
            && !spec.starts_with('$')
            && self.paths.is_empty()
            && self.base_url.is_none()
        {
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
        candidates
            .iter()
            .filter(|p| self.inside(p))
            .find_map(|p| source_file(&self.listings, p))
            .filter(|p| self.inside(p))
    }

    /// The bindings that the project's `.d.ts` files type (interfaces and type aliases with
    /// KV or Durable Object members, in global and module augmentations too).
    pub fn dts_bindings(&self) -> &Bindings {
        self.dts.get_or_init(|| {
            let mut out = Bindings::default();
            let walker = crate::fs::walker(&self.root).build();
            let mut read = 0;
            for entry in walker.flatten() {
                let path = entry.path();
                // A `worker-configuration.d.ts` beside a wrangler config is the wrangler
                // resolver's (DESIGN §2): not read twice.
                let generated = path.file_name().is_some_and(|n| n == GENERATED_TYPES)
                    && path.parent().is_some_and(|d| {
                        WRANGLER_FILES.iter().any(|w| self.listings.has_file(d, w))
                    });
                if !is_declaration_file(path) || generated {
                    continue;
                }
                read += 1;
                if read > MAX_DTS_FILES {
                    break;
                }
                let Ok(text) = std::fs::read_to_string(path) else {
                    continue;
                };
                if !text.contains("KVNamespace") && !text.contains("DurableObjectNamespace")
                    || crate::depth::too_deep(&text, MAX_INDEX_NESTING).is_some()
                {
                    continue;
                }
                let source = Source::new(text);
                if let Ok(parsed) = parse(&source, Lang::TypeScript, true) {
                    out.merge(&declared_bindings(&parsed.program, &self.label(path)));
                }
            }
            out
        })
    }

    /// The KV bindings uses only KV has in the project's files give (DESIGN §2), read once;
    /// none in a project that is not a Worker's (no wrangler config at its root, and no
    /// `wrangler` or `@cloudflare/` package in its `package.json`): a library's files are
    /// not read for them.
    pub fn inferred_bindings(&self) -> &Bindings {
        self.inferred.get_or_init(|| {
            if self.is_worker() {
                crate::evidence::bindings(crate::evidence::collect(&self.root))
            } else {
                Bindings::default()
            }
        })
    }

    /// Whether the project is a Worker's: a wrangler config at its root, or a `package.json`
    /// that names `wrangler` or a `@cloudflare/` package.
    fn is_worker(&self) -> bool {
        WRANGLER_FILES
            .iter()
            .any(|w| self.listings.has_file(&self.root, w))
            || std::fs::read_to_string(self.root.join("package.json"))
                .is_ok_and(|t| t.contains("\"wrangler\"") || t.contains("\"@cloudflare/"))
    }

    fn label(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Whether a module's text, or that of a module it re-exports from, says `KVNamespace`:
    /// only such a module can export a KV function, value or Env type. Read, not parsed.
    fn module_says_kv(&self, path: &Path, depth: usize) -> bool {
        if depth > MAX_REEXPORT_DEPTH {
            return false;
        }
        if let Some(&hit) = self.says_kv.lock().unwrap().get(path) {
            return hit;
        }
        // A cycle reads as `false` while the module is being looked at.
        self.says_kv
            .lock()
            .unwrap()
            .insert(path.to_path_buf(), false);
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let says = text.contains("KVNamespace")
            || (text.contains("export") && text.contains(" from ") && {
                specifiers(&text)
                    .iter()
                    .filter_map(|s| self.resolve(path, s))
                    .any(|m| self.module_says_kv(&m, depth + 1))
            });
        self.says_kv
            .lock()
            .unwrap()
            .insert(path.to_path_buf(), says);
        says
    }

    /// What the modules that `text` (the file at `file`) imports export. With `constants`
    /// false, only modules that can export KV functions, values or Env types are parsed:
    /// enough for the prefilter; key constants are read when the file is linted.
    pub fn imports(&self, file: &Path, text: &str, constants: bool) -> Imports {
        let mut out = Imports::default();
        for spec in specifiers(text) {
            let Some(target) = self.resolve(file, &spec) else {
                continue;
            };
            if constants || self.module_says_kv(&target, 0) {
                out.add(spec, self.module_exports(&target));
            } else {
                out.pending.push((spec, target));
            }
        }
        out
    }

    /// Completes imports found with `constants` false: the modules left pending are read
    /// (as [`Project::imports`] with `constants` true reads them), without resolving the
    /// file's imports again.
    pub fn read_pending(&self, imports: &mut Imports) {
        for (spec, target) in std::mem::take(&mut imports.pending) {
            imports.add(spec, self.module_exports(&target));
        }
    }

    /// A module's exports with its re-exports followed, worked out once per module: every
    /// file that imports it shares them.
    fn module_exports(&self, path: &Path) -> Arc<Exports> {
        if let Some(hit) = self.merged.lock().unwrap().get(path) {
            return hit.clone();
        }
        let exports = Arc::new(self.exports(path, 0, &mut HashSet::new()));
        self.merged
            .lock()
            .unwrap()
            .insert(path.to_path_buf(), exports.clone());
        exports
    }

    /// A module's exports with its re-exports followed (cycles and depth bounded).
    fn exports(&self, path: &Path, depth: usize, seen: &mut HashSet<PathBuf>) -> Exports {
        if depth > MAX_REEXPORT_DEPTH || !seen.insert(path.to_path_buf()) {
            return Exports::new();
        }
        let facts = self.facts(path);
        let mut out = facts.exports.clone();
        // Values typed by another module's Env type take its members (cycles read as none;
        // the walk there does not count as visiting it: a re-export of it below still reads
        // it).
        for fact in out.values_mut() {
            if let Export::TypedAs { module, name, call } = &fact.export {
                let mut beside = seen.clone();
                let members = match self.exports(module, depth + 1, &mut beside).remove(name) {
                    Some(Fact {
                        export: Export::EnvType(m),
                        ..
                    }) => Some(m),
                    _ => None,
                };
                if let Some(members) = members {
                    fact.export = typed_export(members, *call);
                }
            }
        }
        out.retain(|_, f| !matches!(f.export, Export::TypedAs { .. }));
        for (exported, name, from) in &facts.named {
            if let Some(f) = self.exports(from, depth + 1, seen).remove(name) {
                out.entry(exported.clone()).or_insert(f);
            }
        }
        for from in &facts.stars {
            for (k, v) in self.exports(from, depth + 1, seen) {
                out.entry(k).or_insert(v);
            }
        }
        out
    }

    /// One module's own facts, parsed at most once.
    fn facts(&self, path: &Path) -> Arc<ModuleFacts> {
        if let Some(hit) = self.modules.lock().unwrap().get(path) {
            return hit.clone();
        }
        let facts = Arc::new(self.read_facts(path).unwrap_or_default());
        self.modules
            .lock()
            .unwrap()
            .insert(path.to_path_buf(), facts.clone());
        facts
    }

    fn read_facts(&self, path: &Path) -> Option<ModuleFacts> {
        if std::fs::metadata(path).ok()?.len() > MAX_MODULE_BYTES {
            return None;
        }
        let text = std::fs::read_to_string(path).ok()?;
        // Without `export` there is nothing to import.
        if !text.contains("export") || crate::depth::too_deep(&text, MAX_INDEX_NESTING).is_some() {
            return None;
        }
        let lang = Lang::from_path(path)?;
        let dts = is_declaration_file(path);
        let source = Source::new(text);
        let parsed = std::panic::catch_unwind(|| parse(&source, lang, dts))
            .ok()?
            .ok()?;
        Some(self.module_facts(path, &source, &parsed.program))
    }

    fn module_facts(&self, path: &Path, source: &Source, program: &Program) -> ModuleFacts {
        let Program::Module(module) = program else {
            return ModuleFacts::default();
        };
        let label = self.label(path);
        let at = |span: swc_common::Span| {
            format!("{label}:{}", source.position(source.range(span).start).line)
        };
        // Top-level declarations, exported or not: `export { x }` may name any of them.
        let mut local: HashMap<String, Fact> = HashMap::new();
        let mut exported: Vec<(String, String)> = Vec::new();
        let mut facts = ModuleFacts::default();
        // Values typed by a type of the module (`export let ENV: Bindings`): the type's
        // members, once every declaration is known.
        let mut typed: Vec<Typed> = Vec::new();
        // Imported names: local name → (module, name there), for values typed by them.
        let mut imported: HashMap<String, (PathBuf, String)> = HashMap::new();
        for item in &module.body {
            if let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item {
                let Some(from) = i.src.value.as_str().and_then(|s| self.resolve(path, s)) else {
                    continue;
                };
                for spec in &i.specifiers {
                    if let swc_ecma_ast::ImportSpecifier::Named(n) = spec {
                        let there = n.imported.as_ref().map(export_name);
                        let name = there.unwrap_or_else(|| n.local.sym.to_string());
                        imported.insert(n.local.sym.to_string(), (from.clone(), name));
                    }
                }
            }
        }
        for item in &module.body {
            let (decl, is_export) = match item {
                ModuleItem::Stmt(swc_ecma_ast::Stmt::Decl(d)) => (Some(d), false),
                ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => (Some(&e.decl), true),
                _ => (None, false),
            };
            if let Some(d) = decl {
                for t in typed_values(d, &at) {
                    if is_export {
                        exported.push((t.name.clone(), t.name.clone()));
                    }
                    typed.push(t);
                }
                for (name, fact) in decl_facts(d, &at, source) {
                    if is_export {
                        exported.push((name.clone(), name.clone()));
                    }
                    local.insert(name, fact);
                }
            }
            match item {
                ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(n)) => {
                    let from = n
                        .src
                        .as_ref()
                        .and_then(|s| s.value.as_str())
                        .and_then(|s| self.resolve(path, s));
                    for spec in &n.specifiers {
                        let swc_ecma_ast::ExportSpecifier::Named(s) = spec else {
                            continue;
                        };
                        let orig = export_name(&s.orig);
                        let name = s.exported.as_ref().map(export_name).unwrap_or(orig.clone());
                        match (&n.src, &from) {
                            (Some(_), Some(from)) => facts.named.push((name, orig, from.clone())),
                            (None, _) => exported.push((name, orig)),
                            _ => {}
                        }
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportAll(a)) => {
                    if let Some(from) = a.src.value.as_str().and_then(|s| self.resolve(path, s)) {
                        facts.stars.push(from);
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(d)) => {
                    if let DefaultDecl::Fn(f) = &d.decl {
                        if let Some(export) = fn_export(f.function.return_type.as_deref()) {
                            let fact = Fact {
                                export,
                                at: at(f.function.span),
                            };
                            facts.exports.insert("default".into(), fact);
                        }
                    }
                }
                // `export default kv`, `export default (env: Env): KVNamespace => env.KV`.
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(d)) => {
                    let ret = match super::values::strip(&d.expr) {
                        Expr::Ident(i) => {
                            exported.push(("default".into(), i.sym.to_string()));
                            None
                        }
                        Expr::Arrow(a) => Some(a.return_type.as_deref()),
                        Expr::Fn(f) => Some(f.function.return_type.as_deref()),
                        _ => None,
                    };
                    if let Some(export) = ret.and_then(fn_export) {
                        let fact = Fact {
                            export,
                            at: at(d.span),
                        };
                        facts.exports.insert("default".into(), fact);
                    }
                }
                _ => {}
            }
        }
        for t in typed {
            let export = match (local.get(&t.type_name), imported.get(&t.type_name)) {
                (
                    Some(Fact {
                        export: Export::EnvType(members),
                        ..
                    }),
                    _,
                ) => typed_export(members.clone(), t.call),
                (None, Some((module, name))) => Export::TypedAs {
                    module: module.clone(),
                    name: name.clone(),
                    call: t.call,
                },
                _ => continue,
            };
            local.entry(t.name).or_insert(Fact { export, at: t.at });
        }
        for (name, orig) in exported {
            if let Some(f) = local.get(&orig) {
                facts.exports.insert(name, f.clone());
            }
        }
        facts
    }
}

fn export_name(n: &ModuleExportName) -> String {
    match n {
        ModuleExportName::Ident(i) => i.sym.to_string(),
        ModuleExportName::Str(s) => s.value.as_str().unwrap_or_default().to_string(),
    }
}

/// What a function's declared return type makes it: a KV function, or one returning an
/// object type literal with KV members.
fn fn_export(ret: Option<&swc_ecma_ast::TsTypeAnn>) -> Option<Export> {
    let (t, promise) = returned(ret)?;
    match t {
        _ if known_type(t) == Some(KnownType::Kv) => Some(Export::KvFunction { promise }),
        TsType::TsTypeLit(lit) => {
            let members = env_members(&lit.members);
            members
                .iter()
                .any(|(_, k)| *k == KnownType::Kv)
                .then_some(Export::ObjectFunction { members, promise })
        }
        _ => None,
    }
}

/// The members of a type literal or interface body with known binding types.
fn env_members(body: &[swc_ecma_ast::TsTypeElement]) -> Vec<(String, KnownType)> {
    members(body)
        .filter_map(|(n, t)| Some((n.to_string(), known_type(t)?)))
        .collect()
}

/// A constant usable in keys: a string, a template, a `+` of those, an object of them
/// (`as const` or not).
fn key_constant(e: &Expr) -> bool {
    use swc_ecma_ast::{Lit, Prop, PropOrSpread};
    match super::values::strip(e) {
        Expr::Lit(Lit::Str(_)) | Expr::Tpl(_) => true,
        Expr::Bin(b) => key_constant(&b.left) && key_constant(&b.right),
        Expr::Object(o) => o.props.iter().all(|p| match p {
            PropOrSpread::Prop(p) => matches!(&**p, Prop::KeyValue(kv) if key_constant(&kv.value)),
            PropOrSpread::Spread(_) => false,
        }),
        _ => false,
    }
}

/// A variable typed by a named type (`let ENV: Bindings`), or a function declared to return
/// one (`function getEnv(): Env`), for [`Export::Object`] and [`Export::ObjectFunction`] once
/// the module's types are known.
struct Typed {
    name: String,
    type_name: String,
    at: String,
    /// For a function: whether it returns a `Promise` of the type.
    call: Option<bool>,
}

/// What a value or function typed by an Env type's members exports.
fn typed_export(members: Vec<(String, KnownType)>, call: Option<bool>) -> Export {
    match call {
        None => Export::Object(members),
        Some(promise) => Export::ObjectFunction { members, promise },
    }
}

/// A written return type: the type, and whether it is a `Promise` of it.
fn returned(ret: Option<&swc_ecma_ast::TsTypeAnn>) -> Option<(&TsType, bool)> {
    let t = &*ret?.type_ann;
    Some(match promised(t) {
        Some(inner) => (inner, true),
        None => (t, false),
    })
}

/// The variables and functions of a declaration typed by a named type (see [`Typed`]).
fn typed_values(d: &Decl, at: &dyn Fn(swc_common::Span) -> String) -> Vec<Typed> {
    let named = |name: &swc_ecma_ast::Ident, t: &TsType, call: Option<bool>| {
        Some(Typed {
            name: name.sym.to_string(),
            type_name: super::types::type_ref_name(t)?.to_string(),
            at: at(name.span),
            call,
        })
    };
    match d {
        Decl::Fn(f) => returned(f.function.return_type.as_deref())
            .and_then(|(t, promise)| named(&f.ident, t, Some(promise)))
            .into_iter()
            .collect(),
        Decl::Var(v) => v
            .decls
            .iter()
            .filter_map(|d| {
                let Pat::Ident(name) = &d.name else {
                    return None;
                };
                let ret = match d.init.as_deref().map(super::values::strip) {
                    Some(Expr::Arrow(a)) => Some(a.return_type.as_deref()),
                    Some(Expr::Fn(f)) => Some(f.function.return_type.as_deref()),
                    _ => None,
                };
                match ret {
                    Some(ret) => {
                        let (t, promise) = returned(ret)?;
                        named(&name.id, t, Some(promise))
                    }
                    None => named(&name.id, declared_type(name, d.init.as_deref())?, None),
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A variable's declared type: its annotation, or the type its initialiser is cast to (`{}
/// as { CACHE: KVNamespace }`).
fn declared_type<'a>(
    name: &'a swc_ecma_ast::BindingIdent,
    init: Option<&'a Expr>,
) -> Option<&'a TsType> {
    if let Some(t) = &name.type_ann {
        return Some(&t.type_ann);
    }
    match init? {
        Expr::TsAs(a) => Some(&a.type_ann),
        Expr::TsSatisfies(s) => Some(&s.type_ann),
        Expr::TsTypeAssertion(a) => Some(&a.type_ann),
        _ => None,
    }
}

/// The Env type an interface or type literal declares, and those its members typed by type
/// literals declare under dotted names (`AppEnv.Variables`, `AppEnv.Bindings` of a Hono
/// environment type).
fn env_types(
    id: &swc_ecma_ast::Ident,
    body: &[swc_ecma_ast::TsTypeElement],
    at: &dyn Fn(swc_common::Span) -> String,
    out: &mut Vec<(String, Fact)>,
) {
    let mut add = |name: String, m: Vec<(String, KnownType)>| {
        if !m.is_empty() {
            let export = Export::EnvType(m);
            out.push((
                name,
                Fact {
                    export,
                    at: at(id.span),
                },
            ));
        }
    };
    add(id.sym.to_string(), env_members(body));
    for (member, t) in members(body) {
        if let TsType::TsTypeLit(lit) = t {
            add(format!("{}.{member}", id.sym), env_members(&lit.members));
        }
    }
}

fn decl_facts(
    d: &Decl,
    at: &dyn Fn(swc_common::Span) -> String,
    source: &Source,
) -> Vec<(String, Fact)> {
    let mut out = Vec::new();
    // JavaScript: the JSDoc comment before the declaration.
    let doc = || super::jsdoc::before(source, source.range(d.span()).start).unwrap_or_default();
    match d {
        Decl::Fn(f) => {
            let export =
                fn_export(f.function.return_type.as_deref()).or_else(|| match doc().returns {
                    Some((KnownType::Kv, promise)) => Some(Export::KvFunction { promise }),
                    _ => None,
                });
            if let Some(export) = export {
                out.push((
                    f.ident.sym.to_string(),
                    Fact {
                        export,
                        at: at(f.ident.span),
                    },
                ));
            }
        }
        Decl::Var(v) => {
            for d in &v.decls {
                let Pat::Ident(name) = &d.name else { continue };
                let declared = declared_type(name, d.init.as_deref());
                let export = match (declared, d.init.as_deref()) {
                    (Some(t), _) if known_type(t) == Some(KnownType::Kv) => Some(Export::KvValue),
                    (Some(TsType::TsTypeLit(lit)), _)
                        if env_members(&lit.members)
                            .iter()
                            .any(|(_, k)| *k == KnownType::Kv) =>
                    {
                        Some(Export::Object(env_members(&lit.members)))
                    }
                    (None, _) if doc().ty == Some(KnownType::Kv) => Some(Export::KvValue),
                    (_, Some(Expr::Arrow(a))) => fn_export(a.return_type.as_deref()),
                    (_, Some(Expr::Fn(f))) => fn_export(f.function.return_type.as_deref()),
                    (None, Some(init))
                        if v.kind == swc_ecma_ast::VarDeclKind::Const
                            && key_constant(init)
                            && init.span().hi.0 - init.span().lo.0 <= 4096 =>
                    {
                        Some(Export::Constant(Box::new(init.clone())))
                    }
                    _ => None,
                };
                if let Some(export) = export {
                    out.push((
                        name.id.sym.to_string(),
                        Fact {
                            export,
                            at: at(name.id.span),
                        },
                    ));
                }
            }
        }
        Decl::TsInterface(i) => env_types(&i.id, &i.body.body, at, &mut out),
        Decl::TsTypeAlias(t) => {
            if let TsType::TsTypeLit(lit) = &*t.type_ann {
                env_types(&t.id, &lit.members, at, &mut out);
            }
        }
        _ => {}
    }
    out
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
