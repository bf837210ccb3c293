//! The project index (DESIGN §2): what other files of a project declare about KV.
//!
//! The project of a file is the folder of its nearest `package.json`, `tsconfig.json` or
//! wrangler config. The index holds the KV and Durable Object members of Env-like declarations
//! in the project's `.d.ts` files (global and module augmentations included), and, for the
//! modules a linted file imports, their exported declarations: functions and values declared
//! `KVNamespace`, Env types, and string constants used in keys, followed through re-exports.
//! Imports resolve as TypeScript's `bundler` resolution does (extension-less paths,
//! `index.ts`, tsconfig `paths` and `baseUrl` with `extends`, SvelteKit's `$lib`, the
//! packages of a monorepo's workspace by name), never outside the project or its workspace,
//! never into `node_modules`. Only declared types count. Files are filtered by text before they are
//! parsed, parsed at most once per run, and cached by path.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use swc_ecma_ast::Expr;

use super::bindings::Bindings;
use super::declared_bindings;
use super::types::KnownType;
use crate::fs::Listings;

use super::wrangler::{GENERATED_TYPES, WRANGLER_FILES};
use crate::parse::{is_declaration_file, parse, Lang};
use crate::source::Source;

pub mod cache;
pub mod constructions;
mod facts;
mod infer;
mod resolve;
pub mod shared;
mod workspace;

use constructions::{Arg, Construction};
use facts::typed_export;
pub use resolve::specifiers;
use resolve::tsconfig_paths;

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
    /// A value with no written type that is the binding `name` of an env (`export const kv
    /// = env.CACHE`), or (with `call`: `Some(promise)`) a function whose every return is
    /// (`export function store(env: Env) { return env.CACHE }`): KV where the importing
    /// file's bindings say `name` is, as it would be inside its own file.
    Binding { name: String, call: Option<bool> },
    /// A value with no written type that is cast to `KVNamespace`, or (with `call`) a
    /// function whose every return is.
    Cast { call: Option<bool> },
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
    /// Hono's `ContextVariableMap` as any file of the project augments it (`declare module
    /// 'hono' { interface ContextVariableMap { … } }`): it types `c.get('x')` and `c.var.x`
    /// in every route.
    pub context_variables: Option<Arc<ContextVariables>>,
    /// For a JavaScript module, the functions its declaration file (beside it) declares.
    pub beside: Option<Arc<Signatures>>,
    /// For a JavaScript module, every construction in the project of each class it
    /// declares (`new KVHandler(HASH_URL)`), by class name.
    pub constructions: Vec<(String, Arc<Vec<Construction>>)>,
    /// Imports resolved but not read yet, as (specifier, module): they cannot make a
    /// namespace KV, so the prefilter needs nothing of them; [`Project::read_pending`]
    /// reads their key constants once the file is linted.
    pending: Vec<(String, PathBuf)>,
}

impl Imports {
    /// Feeds `state` with what the imported modules export, the same in every run for the
    /// same exports (modules by specifier, exports by name): what a cached fact of the
    /// importing file depends on.
    pub fn hash_into(&self, state: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        let mut modules: Vec<_> = self.modules.iter().collect();
        modules.sort_by(|a, b| a.0.cmp(b.0));
        for (spec, exports) in modules {
            spec.hash(state);
            let mut names: Vec<_> = exports.iter().collect();
            names.sort_by(|a, b| a.0.cmp(b.0));
            for (name, fact) in names {
                format!("{name}={fact:?}").hash(state);
            }
        }
        format!("{:?}", self.context_variables).hash(state);
        if let Some(beside) = &self.beside {
            let mut names: Vec<_> = beside.iter().collect();
            names.sort_by(|a, b| a.0.cmp(b.0));
            format!("{names:?}").hash(state);
        }
        for (spec, module) in &self.pending {
            format!("{spec}>{module:?}").hash(state);
        }
        self.constructions.hash(state);
    }

    fn add(&mut self, spec: String, exports: Arc<Exports>) {
        if !exports.is_empty() {
            self.modules.insert(spec, exports);
        }
    }

    /// Whether `text` (the importing file) may hold a finding through what it imports: it
    /// names an imported function or value declared `KVNamespace`, or a KV member of an
    /// imported Env type (the prefilter's part for imports: without one of those names, no
    /// receiver in the file can be KV through an import).
    pub fn may_hold_finding(&self, text: &str, bindings: &Bindings) -> bool {
        // A class of the file constructed with a KV binding somewhere in the project.
        let constructed = self.constructions.iter().any(|(_, list)| {
            list.iter().flat_map(|c| c.args.iter().flatten()).any(|a| {
                matches!(a, Arg::Binding(n) if bindings.kind(n) == Some(super::bindings::BindingKind::Kv))
            })
        });
        let context = self.context_variables.as_ref().is_some_and(|v| {
            v.members
                .iter()
                .any(|(m, k)| *k == KnownType::Kv && text.contains(m.as_str()))
        });
        let beside = self.beside.as_ref().is_some_and(|b| {
            b.iter().any(|(name, s)| {
                s.params.iter().flatten().any(|p| match p {
                    ParamType::Known(k) => *k == KnownType::Kv,
                    ParamType::Members(m) => m.iter().any(|(_, k)| *k == KnownType::Kv),
                }) && text.contains(name.as_str())
            })
        });
        constructed
            || context
            || beside
            || self
                .modules
                .values()
                .flat_map(|m| m.iter())
                .any(|(name, f)| match &f.export {
                    Export::KvFunction { .. }
                    | Export::KvValue
                    | Export::Binding { .. }
                    | Export::Cast { .. } => text.contains(name.as_str()),
                    Export::EnvType(members)
                    | Export::Object(members)
                    | Export::ObjectFunction { members, .. } => members
                        .iter()
                        .any(|(m, k)| *k == KnownType::Kv && text.contains(m.as_str())),
                    Export::Constant(_) | Export::TypedAs { .. } => false,
                })
    }
}

/// What a declared parameter type says the parameter holds: a runtime type (`kv:
/// KVNamespace`), or an object with members of known types (`{ binding }: { binding:
/// KVNamespace }`, or an interface of the declaration file).
#[derive(Clone, Debug)]
pub enum ParamType {
    Known(KnownType),
    Members(Vec<(String, KnownType)>),
}

/// A function a declaration file declares: what its parameters' declared types say (`None`:
/// nothing known), and where it is declared.
#[derive(Clone, Debug)]
pub struct Signature {
    pub params: Vec<Option<ParamType>>,
    pub at: String,
}

/// The exported functions of a declaration file, by name, whose parameter types say
/// something: what a JavaScript module beside it (`kv.mjs` beside `kv.d.ts`, as compiled
/// TypeScript ships) takes, as TypeScript reads that module's imports.
pub type Signatures = HashMap<String, Signature>;

/// One module's own declarations and re-exports, before re-exports are followed.
#[derive(Default)]
struct ModuleFacts {
    exports: Exports,
    /// A declaration file's exported function signatures.
    signatures: Arc<Signatures>,
    /// `export * from '…'`.
    stars: Vec<PathBuf>,
    /// `export { a as b } from '…'`: exported name, name in the other module, module.
    named: Vec<(String, String, PathBuf)>,
    /// Members of exported Env types typed by a member of a type another module exports
    /// (`kv: Bindings['KV']` with `import type { Bindings } from './types'`).
    indexed: Vec<IndexedMember>,
}

/// A member typed by another module's type's member: `member: name['key']`, on the Env type
/// exported as `iface`.
struct IndexedMember {
    iface: String,
    member: String,
    module: PathBuf,
    name: String,
    key: String,
}

/// One project: its root, tsconfig paths, `.d.ts` bindings and the modules read so far.
pub struct Project {
    root: PathBuf,
    /// `paths` patterns with their targets, as absolute path patterns.
    paths: Vec<(String, Vec<PathBuf>)>,
    base_url: Option<PathBuf>,
    dts: OnceLock<Bindings>,
    /// The project's source files, listed when first asked for.
    files: OnceLock<Vec<PathBuf>>,
    /// The monorepo workspace the project is a package of, if any.
    workspace: OnceLock<Option<workspace::Workspace>>,
    /// KV bindings inferred from uses only KV has (`evidence`), read once when asked.
    inferred: OnceLock<Bindings>,
    /// Whether the project's code runs on the Workers runtime, worked out once.
    workers: OnceLock<bool>,
    /// What a framework puts in scope without an import (Nuxt's and Nitro's `utils/`),
    /// worked out once.
    auto: OnceLock<Option<AutoImports>>,
    /// Hono's `ContextVariableMap` as the project's files augment it, read once.
    context_variables: OnceLock<Option<Arc<ContextVariables>>>,
    /// Each class's constructions in the project, by class name, looked up once.
    constructions: Mutex<HashMap<String, Arc<Vec<Construction>>>>,
    /// The files that construct a class of each name, read once.
    constructed: OnceLock<HashMap<String, Vec<PathBuf>>>,
    modules: Mutex<HashMap<PathBuf, Arc<ModuleFacts>>>,
    /// Where each import specifier leads, by the importing folder.
    resolved: Mutex<HashMap<(PathBuf, String), Option<PathBuf>>>,
    listings: Arc<Listings>,
    /// Whether a module's text (or that of a module it re-exports from) says `KVNamespace`.
    says_kv: Mutex<HashMap<PathBuf, bool>>,
    /// Each module's exports, re-exports followed.
    merged: Mutex<HashMap<PathBuf, Arc<Exports>>>,
}

/// Hono's `ContextVariableMap` as the project augments it: its members with known types, and
/// where it is declared (`src/ctx.ts:3`).
#[derive(Debug)]
pub struct ContextVariables {
    pub members: Vec<(String, KnownType)>,
    pub at: String,
}

/// The specifier under which the names a framework puts in scope are imported: Nuxt's
/// `#imports`.
pub const AUTO_IMPORTS: &str = "#imports";

/// The most modules whose exports are put in scope without an import.
const MAX_AUTO_IMPORT_MODULES: usize = 500;

/// What Nuxt or Nitro put in scope without an import: for server code, and for the rest
/// (the same for Nitro alone, which has no `server_dir`).
struct AutoImports {
    server_dir: Option<PathBuf>,
    server: Arc<Exports>,
    app: Arc<Exports>,
}

/// The packages that build a framework's app for the Workers runtime.
const WORKERS_ADAPTERS: [&str; 6] = [
    "\"@astrojs/cloudflare\"",
    "\"@sveltejs/adapter-cloudflare",
    "\"@opennextjs/cloudflare\"",
    "\"@cloudflare/next-on-pages\"",
    "\"@cloudflare/vite-plugin\"",
    "\"nitro-cloudflare-dev\"",
];

/// Whether a wrangler config's text has a `main` entry (TOML `main = …`, JSON `"main":`).
fn declares_main(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.strip_prefix("main")
            .is_some_and(|r| r.trim_start().starts_with('='))
            || l.strip_prefix("\"main\"")
                .is_some_and(|r| r.trim_start().starts_with(':'))
    })
}

/// Finds and caches the project of each folder.
#[derive(Default)]
pub struct ProjectResolver {
    by_dir: crate::fs::DirCache<Option<Arc<Project>>>,
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
        if let Some(hit) = self.by_dir.get(dir) {
            return hit;
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
        self.by_dir.insert(dir, project.clone());
        project
    }
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
            files: OnceLock::new(),
            workspace: OnceLock::new(),
            inferred: OnceLock::new(),
            workers: OnceLock::new(),
            auto: OnceLock::new(),
            context_variables: OnceLock::new(),
            constructions: Mutex::new(HashMap::new()),
            constructed: OnceLock::new(),
            modules: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
            listings,
            says_kv: Mutex::new(HashMap::new()),
            merged: Mutex::new(HashMap::new()),
        }
    }

    /// The project's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The project's source files (`.d.ts` included), listed once.
    fn source_files(&self) -> &[PathBuf] {
        self.files
            .get_or_init(|| crate::semantic::evidence::source_files(&self.root))
    }

    /// The bindings that the project's `.d.ts` files type (interfaces and type aliases with
    /// KV or Durable Object members, in global and module augmentations too).
    pub fn dts_bindings(&self) -> &Bindings {
        self.dts.get_or_init(|| {
            let mut out = Bindings::default();
            let mut read = 0;
            for path in self.source_files() {
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

    /// The KV bindings uses only KV has in the project's files give (DESIGN §2), read once per
    /// run (and per file kept between runs where the project has `node_modules`);
    /// none in a project that is not a Worker's (no wrangler config at its root, and no
    /// `wrangler` or `@cloudflare/` package in its `package.json`): a library's files are
    /// not read for them.
    pub fn inferred_bindings(&self) -> &Bindings {
        self.inferred.get_or_init(|| {
            if self.is_worker() {
                let files = self.source_files();
                crate::semantic::evidence::bindings(crate::semantic::evidence::collect(
                    &self.root, files,
                ))
            } else {
                Bindings::default()
            }
        })
    }

    /// Whether the project's code runs on the Workers runtime, where `cloudflare:workers` can
    /// be imported: a wrangler config (at the root or above it) with a `main` entry, or a
    /// framework's Workers adapter (Astro's, SvelteKit's, OpenNext's, next-on-pages, the
    /// Cloudflare Vite plugin, or a Nuxt/Nitro config with a Cloudflare preset).
    pub fn runs_on_workers(&self) -> bool {
        *self.workers.get_or_init(|| {
            let wrangler_main = self.root.ancestors().take(MAX_REEXPORT_DEPTH).any(|d| {
                WRANGLER_FILES.iter().any(|w| {
                    self.listings.has_file(d, w)
                        && std::fs::read_to_string(d.join(w)).is_ok_and(|t| declares_main(&t))
                })
            });
            let adapter = || {
                std::fs::read_to_string(self.root.join("package.json"))
                    .is_ok_and(|t| WORKERS_ADAPTERS.iter().any(|a| t.contains(a)))
            };
            let nitro = || {
                [
                    "nuxt.config.ts",
                    "nuxt.config.js",
                    "nuxt.config.mjs",
                    "nitro.config.ts",
                ]
                .iter()
                .any(|f| {
                    std::fs::read_to_string(self.root.join(f))
                        .is_ok_and(|t| t.contains("preset") && t.contains("cloudflare"))
                })
            };
            wrangler_main || adapter() || nitro()
        })
    }

    /// Whether the project is a Worker's: a wrangler config at its root or in a folder above
    /// it (Pages Functions with a `tsconfig.json` of their own in `functions/`), or a
    /// `package.json` that names `wrangler` or a `@cloudflare/` package.
    fn is_worker(&self) -> bool {
        let wrangler = self
            .root
            .ancestors()
            .take(MAX_REEXPORT_DEPTH)
            .any(|d| WRANGLER_FILES.iter().any(|w| self.listings.has_file(d, w)));
        wrangler
            || std::fs::read_to_string(self.root.join("package.json"))
                .is_ok_and(|t| t.contains("\"wrangler\"") || t.contains("\"@cloudflare/"))
    }

    /// A path as reasons show it: relative to the project, or for another package of its
    /// workspace, to the workspace's root.
    fn label(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.root).ok().or_else(|| {
            let root = self.workspace()?.root();
            path.strip_prefix(root).ok()
        });
        relative.unwrap_or(path).display().to_string()
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
        // Names a framework puts in scope without an import, as its generated declarations
        // do (and as `import { … } from '#imports'` names them).
        if let Some(auto) = self.auto_imports(file) {
            out.add(AUTO_IMPORTS.to_string(), auto);
        }
        if text.contains("hono") {
            out.context_variables = self.context_variables();
        }
        if Lang::from_path(file) == Some(Lang::JavaScript) {
            out.beside = self.declarations_beside(file);
            for class in constructions::declared_classes(text) {
                let found = self.constructions(class);
                if !found.is_empty() {
                    out.constructions.push((class.to_string(), found));
                }
            }
        }
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

    /// The exports a framework puts in scope of `file` without an import statement:
    /// - Nuxt (a `nuxt.config.*` at the root): in server code (under `server/`) those of
    ///   `server/utils/**`; elsewhere those of `utils/` and `composables/` (their top-level
    ///   files and the `index` of their folders);
    /// - Nitro alone (a `nitro.config.*`): those of `utils/**` and `server/utils/**`.
    fn auto_imports(&self, file: &Path) -> Option<Arc<Exports>> {
        let auto = self
            .auto
            .get_or_init(|| {
                let has = |names: &[&str]| names.iter().any(|n| self.root.join(n).is_file());
                let nuxt = has(&["nuxt.config.ts", "nuxt.config.js", "nuxt.config.mjs"]);
                let nitro = has(&["nitro.config.ts", "nitro.config.js", "nitro.config.mjs"]);
                if !nuxt && !nitro {
                    return None;
                }
                let under = |dir: &str, deep: bool| {
                    let dir = self.root.join(dir);
                    self.source_files()
                        .iter()
                        .filter(|f| {
                            f.strip_prefix(&dir).is_ok_and(|rel| {
                                let parts = rel.components().count();
                                deep || parts == 1
                                    || (parts == 2 && f.file_stem().is_some_and(|s| s == "index"))
                            }) && !is_declaration_file(f)
                        })
                        .cloned()
                        .collect::<Vec<_>>()
                };
                let merged = |files: Vec<PathBuf>| {
                    let mut out = Exports::new();
                    for f in files.iter().take(MAX_AUTO_IMPORT_MODULES) {
                        for (name, fact) in self.module_exports(f).iter() {
                            if name != "default" {
                                out.entry(name.clone()).or_insert_with(|| fact.clone());
                            }
                        }
                    }
                    Arc::new(out)
                };
                Some(if nuxt {
                    let mut app = under("utils", false);
                    app.extend(under("composables", false));
                    AutoImports {
                        server_dir: Some(self.root.join("server")),
                        server: merged(under("server/utils", true)),
                        app: merged(app),
                    }
                } else {
                    let mut all = under("utils", true);
                    all.extend(under("server/utils", true));
                    let all = merged(all);
                    AutoImports {
                        server_dir: None,
                        server: all.clone(),
                        app: all,
                    }
                })
            })
            .as_ref()?;
        let server = auto.server_dir.as_ref().is_none_or(|d| file.starts_with(d));
        let set = if server { &auto.server } else { &auto.app };
        (!set.is_empty()).then(|| set.clone())
    }

    /// The members of Hono's `ContextVariableMap` that the project's files declare (in a
    /// module augmentation of `hono`, or globally), and where the first is; read once, from
    /// the files whose text names it (the files read on threads of their own, searched as
    /// bytes).
    fn context_variables(&self) -> Option<Arc<ContextVariables>> {
        self.context_variables
            .get_or_init(|| {
                let files = self.source_files();
                let per_file = shared::each_of(files, |path| self.context_variables_in(path));
                let mut members = Vec::new();
                let mut at = None;
                for (found, place) in per_file.into_iter().flatten() {
                    at.get_or_insert(place);
                    members.extend(found);
                }
                let at = at?;
                (!members.is_empty()).then(|| Arc::new(ContextVariables { members, at }))
            })
            .clone()
    }

    /// Every `new <class>(…)` in the project's JavaScript and TypeScript: parsed in the files
    /// whose text constructs a class of that name ([`Project::constructed`]).
    fn constructions(&self, class: &str) -> Arc<Vec<Construction>> {
        if let Some(hit) = self.constructions.lock().unwrap().get(class) {
            return hit.clone();
        }
        let files = self
            .constructed()
            .get(class)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let per_file = shared::each_of(files, |path| {
            let (Ok(text), Some(lang)) = (std::fs::read_to_string(path), Lang::from_path(path))
            else {
                return Vec::new();
            };
            if crate::depth::too_deep(&text, MAX_INDEX_NESTING).is_some() {
                return Vec::new();
            }
            constructions::constructions_in(&self.label(path), lang, text, class)
        });
        let found = Arc::new(per_file.into_iter().flatten().collect::<Vec<_>>());
        self.constructions
            .lock()
            .unwrap()
            .insert(class.to_string(), found.clone());
        found
    }

    /// Which files of the project construct a class of each name (`new Name`, found as text),
    /// read once (on threads of their own).
    fn constructed(&self) -> &HashMap<String, Vec<PathBuf>> {
        self.constructed.get_or_init(|| {
            let files = self.source_files();
            let per_file = shared::each_of(files, |path| {
                if is_declaration_file(path) {
                    return Vec::new();
                }
                match std::fs::read(path) {
                    Ok(bytes) if bytes.len() as u64 <= MAX_MODULE_BYTES => {
                        constructions::constructed_names(&bytes)
                    }
                    _ => Vec::new(),
                }
            });
            let mut by_name: HashMap<String, Vec<PathBuf>> = HashMap::new();
            for (path, names) in files.iter().zip(per_file) {
                for name in names {
                    by_name.entry(name).or_default().push(path.clone());
                }
            }
            by_name
        })
    }

    /// The `ContextVariableMap` members one file declares, and where the first declaration
    /// is.
    fn context_variables_in(&self, path: &Path) -> Option<(Vec<(String, KnownType)>, String)> {
        let bytes = std::fs::read(path).ok()?;
        if memchr::memmem::find(&bytes, b"ContextVariableMap").is_none()
            || bytes.len() as u64 > MAX_MODULE_BYTES
        {
            return None;
        }
        let text = String::from_utf8(bytes).ok()?;
        if crate::depth::too_deep(&text, MAX_INDEX_NESTING).is_some() {
            return None;
        }
        let lang = Lang::from_path(path)?;
        let source = Source::new(text);
        let dts = is_declaration_file(path);
        let Ok(Ok(parsed)) = std::panic::catch_unwind(|| parse(&source, lang, dts)) else {
            return None;
        };
        let label = self.label(path);
        let mut members = Vec::new();
        let mut at = None;
        facts::context_variable_map(&parsed.program, &mut |found, span| {
            if at.is_none() {
                let line = source.position(source.range(span).start).line;
                at = Some(format!("{label}:{line}"));
            }
            members.extend(found);
        });
        Some((members, at?))
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
        self.resolve_typed_as(&mut out, depth, seen);
        self.resolve_indexed(&mut out, &facts.indexed, depth, seen);
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

    /// An Env type another module exports, by name: its members (cycles read as none; the
    /// walk there does not count as visiting it: a re-export of it still reads it).
    fn env_type_of(
        &self,
        module: &Path,
        name: &str,
        depth: usize,
        seen: &HashSet<PathBuf>,
    ) -> Option<Vec<(String, KnownType)>> {
        let mut beside = seen.clone();
        match self.exports(module, depth + 1, &mut beside).remove(name) {
            Some(Fact {
                export: Export::EnvType(m),
                ..
            }) => Some(m),
            _ => None,
        }
    }

    /// Values typed by another module's Env type take its members; the others are dropped.
    fn resolve_typed_as(&self, out: &mut Exports, depth: usize, seen: &HashSet<PathBuf>) {
        for fact in out.values_mut() {
            if let Export::TypedAs { module, name, call } = &fact.export {
                if let Some(members) = self.env_type_of(module, name, depth, seen) {
                    fact.export = typed_export(members, *call);
                }
            }
        }
        out.retain(|_, f| !matches!(f.export, Export::TypedAs { .. }));
    }

    /// Members typed by another module's type's member (`kv: Bindings['KV']`) take that
    /// member's type; Env types whose members all stay unknown are dropped.
    fn resolve_indexed(
        &self,
        out: &mut Exports,
        indexed: &[IndexedMember],
        depth: usize,
        seen: &HashSet<PathBuf>,
    ) {
        for m in indexed {
            let kind = self
                .env_type_of(&m.module, &m.name, depth, seen)
                .and_then(|members| members.into_iter().find(|(n, _)| *n == m.key))
                .map(|(_, k)| k);
            if let (Some(k), Some(Export::EnvType(members))) =
                (kind, out.get_mut(&m.iface).map(|f| &mut f.export))
            {
                members.push((m.member.clone(), k));
            }
        }
        out.retain(|_, f| !matches!(&f.export, Export::EnvType(m) if m.is_empty()));
    }

    /// The functions the declaration file beside a JavaScript module declares (`x.d.ts`
    /// beside `x.js`; `x.d.mts` or `x.d.ts` beside `x.mjs`; `x.d.cts` or `x.d.ts` beside
    /// `x.cjs`), when it declares a parameter type that says something.
    fn declarations_beside(&self, file: &Path) -> Option<Arc<Signatures>> {
        let stem = file.file_stem()?.to_str()?;
        let dts: &[&str] = match file.extension()?.to_str()? {
            "mjs" => &["d.mts", "d.ts"],
            "cjs" => &["d.cts", "d.ts"],
            _ => &["d.ts"],
        };
        let dir = file.parent()?;
        let name = dts
            .iter()
            .map(|ext| format!("{stem}.{ext}"))
            .find(|n| self.listings.has_file(dir, n))?;
        let found = dir.join(name);
        let signatures = self.facts(&found).signatures.clone();
        (!signatures.is_empty()).then_some(signatures)
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
}
