//! What the runtime calls: a project's entry points, each as the chain of code one invocation
//! runs (middleware first). Module Worker handlers, routers (Hono, itty-router, with their
//! mounts and base paths), file-based routes (Pages Functions, SvelteKit, Astro, Nuxt and
//! Nitro, Next.js), Durable Object, Workflow and `WorkerEntrypoint` classes, and service
//! worker listeners.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;

use super::body::{AppItem, AppRef, FileSummary, Node, Target};
use super::files::Files;

/// What kind of entry point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    /// A module Worker's `fetch`, `scheduled`, `queue`, `email`, `tail`.
    Handler,
    /// A service worker's `addEventListener` handler.
    Listener,
    /// A router's route (Hono, itty-router).
    Route,
    PagesFunction,
    SvelteKit,
    Astro,
    Nuxt,
    NextJs,
    DurableObject,
    Workflow,
    /// A `WorkerEntrypoint`'s method (a service binding's RPC).
    Entrypoint,
    /// An exported function, where nothing says what calls it.
    Export,
}

impl EntryKind {
    pub fn id(self) -> &'static str {
        match self {
            EntryKind::Handler => "handler",
            EntryKind::Listener => "listener",
            EntryKind::Route => "route",
            EntryKind::PagesFunction => "pages-function",
            EntryKind::SvelteKit => "sveltekit",
            EntryKind::Astro => "astro",
            EntryKind::Nuxt => "nuxt",
            EntryKind::NextJs => "nextjs",
            EntryKind::DurableObject => "durable-object",
            EntryKind::Workflow => "workflow",
            EntryKind::Entrypoint => "entrypoint",
            EntryKind::Export => "export",
        }
    }
}

/// One entry point: the code one invocation runs, as a chain whose links' `next()` is the
/// rest.
#[derive(Clone, Debug)]
pub struct Entry {
    pub kind: EntryKind,
    pub name: String,
    pub file: Arc<str>,
    pub line: usize,
    pub links: Vec<(Arc<FileSummary>, Node)>,
}

const HANDLERS: [&str; 5] = ["fetch", "scheduled", "queue", "email", "tail"];
const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
/// The methods the runtime calls on a Durable Object besides RPC.
const OBJECT_HANDLERS: [&str; 5] = [
    "fetch",
    "alarm",
    "webSocketMessage",
    "webSocketClose",
    "webSocketError",
];

fn call(file: &Arc<FileSummary>, key: &str) -> Option<(Arc<FileSummary>, Node)> {
    let id = *file.by_key.get(key)?;
    let line = file.functions[id].line;
    Some((file.clone(), Node::Call(Target::Local(id), line)))
}

/// The function an export names.
fn exported(file: &Arc<FileSummary>, name: &str) -> Option<(Arc<FileSummary>, Node)> {
    let local = file.exports.get(name)?;
    call(file, local)
}

fn line_of(file: &FileSummary, key: &str) -> usize {
    file.by_key
        .get(key)
        .map(|&id| file.functions[id].line)
        .unwrap_or(1)
}

/// Every entry of the files (read through `files`), with file-based routes relative to
/// `root`.
pub fn discover(
    files: &Files,
    root_of: &dyn Fn(&Path) -> std::path::PathBuf,
    sources: &[Arc<FileSummary>],
) -> Vec<Entry> {
    let mut out = vec![];
    let mut file_routes = FileRoutes::default();
    for f in sources {
        handlers(f, &mut out);
        classes(f, &mut out);
        let root = root_of(&f.abs);
        let rel = f.abs.strip_prefix(&root).unwrap_or(&f.abs);
        let rel = crate::fs::display_path(rel);
        file_routes.add(f, &rel);
    }
    routers(files, sources, &mut out);
    file_routes.finish(&mut out);
    out
}

/// `export default { fetch, scheduled }` and `addEventListener('fetch', …)`.
fn handlers(f: &Arc<FileSummary>, out: &mut Vec<Entry>) {
    if let Some(local) = f.exports.get("default") {
        for h in HANDLERS {
            let key = format!("{local}.{h}");
            if let Some(link) = call(f, &key) {
                out.push(Entry {
                    kind: EntryKind::Handler,
                    name: h.to_string(),
                    file: f.label.clone(),
                    line: line_of(f, &key),
                    links: vec![link],
                });
            }
        }
    }
    for (event, id) in f
        .listeners
        .iter()
        .filter(|(e, _)| HANDLERS.contains(&e.as_str()))
    {
        out.push(Entry {
            kind: EntryKind::Listener,
            name: format!("{event} (listener)"),
            file: f.label.clone(),
            line: f.functions[*id].line,
            links: vec![(
                f.clone(),
                Node::Call(Target::Local(*id), f.functions[*id].line),
            )],
        });
    }
}

/// Durable Objects, Workflows and `WorkerEntrypoint`s.
fn classes(f: &Arc<FileSummary>, out: &mut Vec<Entry>) {
    for c in &f.classes {
        let kind = match c.extends.as_deref() {
            Some("DurableObject") => EntryKind::DurableObject,
            Some("WorkflowEntrypoint") => EntryKind::Workflow,
            Some("WorkerEntrypoint") => EntryKind::Entrypoint,
            _ if c.state_param => EntryKind::DurableObject,
            _ => continue,
        };
        for (m, line) in &c.methods {
            let called = match kind {
                EntryKind::Workflow => m == "run",
                // Without the base class, only the runtime's handlers (no RPC).
                EntryKind::DurableObject if c.extends.is_none() => {
                    OBJECT_HANDLERS.contains(&m.as_str())
                }
                _ => !m.starts_with('#'),
            };
            if !called {
                continue;
            }
            let Some(link) = call(f, &format!("{}.{m}", c.name)) else {
                continue;
            };
            let rpc = kind != EntryKind::Workflow
                && !OBJECT_HANDLERS.contains(&m.as_str())
                && m != "scheduled"
                && m != "queue";
            out.push(Entry {
                kind,
                name: if rpc {
                    format!("{}.{m} (RPC)", c.name)
                } else {
                    format!("{}.{m}", c.name)
                },
                file: f.label.clone(),
                line: *line,
                links: vec![link],
            });
        }
    }
}

/// Hono apps and itty routers: the routes of every app no other app mounts (or starts from),
/// with the middleware registered before each route and the mounted apps' routes under their
/// path.
fn routers(files: &Files, sources: &[Arc<FileSummary>], out: &mut Vec<Entry>) {
    let mut used: BTreeSet<(Arc<str>, String)> = BTreeSet::new();
    for f in sources {
        for app in f.apps.values() {
            if let Some(t) = &app.from {
                if let Some((g, key)) = find_app(files, f, &AppRef::Returned(t.clone())) {
                    used.insert((g.label.clone(), key));
                }
            }
            for item in &app.items {
                if let AppItem::Mount { app: sub, .. } = item {
                    if let Some((g, key)) = find_app(files, f, sub) {
                        used.insert((g.label.clone(), key));
                    }
                }
            }
        }
    }
    for f in sources {
        let mut keys: Vec<&String> = f.apps.keys().collect();
        keys.sort();
        for key in keys {
            if used.contains(&(f.label.clone(), key.clone())) {
                continue;
            }
            expand(files, f, key, "", &vec![], out, 0);
        }
    }
}

/// The app a mount (or a factory call) refers to in a file: its own, one it imports, or the
/// one a function returns.
fn find_app(files: &Files, f: &Arc<FileSummary>, r: &AppRef) -> Option<(Arc<FileSummary>, String)> {
    match r {
        AppRef::Name(name) => {
            if f.apps.contains_key(name) {
                return Some((f.clone(), name.clone()));
            }
            let (Some(module), imported) = f.imports.get(name)? else {
                return None;
            };
            let other = files.get(module)?;
            let local = other.exports.get(imported)?.clone();
            if other.apps.contains_key(&local) {
                return Some((other, local));
            }
            // Re-exported after an import (`export { app as users }` of an imported app).
            if other.imports.contains_key(&local) && !Arc::ptr_eq(&other, f) {
                return find_app(files, &other, &AppRef::Name(local));
            }
            None
        }
        AppRef::Returned(target) => {
            let ev = super::eval::Evaluator::new(files);
            let (g, id) = ev.find(f, target).ok()??;
            let key = g.returned_apps.get(&id)?.clone();
            Some((g, key))
        }
    }
}

type Links = Vec<(Arc<FileSummary>, Node, String)>;

/// An app's items, those of the app it is made from first, each with its file.
fn items_of(
    files: &Files,
    f: &Arc<FileSummary>,
    key: &str,
    depth: usize,
) -> Vec<(Arc<FileSummary>, AppItem)> {
    let Some(app) = f.apps.get(key) else {
        return vec![];
    };
    let mut out = vec![];
    if let Some(t) = &app.from {
        if depth < 8 {
            if let Some((g, base)) = find_app(files, f, &AppRef::Returned(t.clone())) {
                out = items_of(files, &g, &base, depth + 1);
            }
        }
    }
    out.extend(app.items.iter().map(|i| (f.clone(), i.clone())));
    out
}

fn expand(
    files: &Files,
    f: &Arc<FileSummary>,
    key: &str,
    prefix: &str,
    outer: &Links,
    out: &mut Vec<Entry>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let Some(app) = f.apps.get(key) else { return };
    let base = join(prefix, &app.base);
    // Middleware registered so far: (file, handler, the path pattern it applies to).
    let mut middleware: Links = outer.clone();
    for (g, item) in items_of(files, f, key, 0) {
        match item {
            AppItem::Use { path, handlers } => {
                let pattern = join(&base, &path);
                for h in handlers {
                    middleware.push((g.clone(), h, pattern.clone()));
                }
            }
            AppItem::Route {
                method,
                path,
                handlers,
                line,
            } => {
                let full = join(&base, &path);
                let mut links: Vec<(Arc<FileSummary>, Node)> = middleware
                    .iter()
                    .filter(|(_, _, p)| applies(p, &full))
                    .map(|(g, n, _)| (g.clone(), n.clone()))
                    .collect();
                // itty-router runs every handler until one answers; Hono passes `next`.
                links.extend(handlers.into_iter().map(|h| (g.clone(), h)));
                out.push(Entry {
                    kind: EntryKind::Route,
                    name: format!("{method} {full}"),
                    file: g.label.clone(),
                    line,
                    links,
                });
            }
            AppItem::Mount { path, app: sub } => {
                if let Some((h, sub_key)) = find_app(files, &g, &sub) {
                    expand(
                        files,
                        &h,
                        &sub_key,
                        &join(&base, &path),
                        &middleware,
                        out,
                        depth + 1,
                    );
                }
            }
        }
    }
}

/// A path under a prefix, without doubled or trailing slashes.
fn join(prefix: &str, path: &str) -> String {
    let mut s = format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    while s.len() > 1 && s.ends_with('/') {
        s.pop();
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

/// Whether middleware registered for `pattern` (`*`, `/api/*`, `/login`) runs for `path`.
fn applies(pattern: &str, path: &str) -> bool {
    let p = pattern.trim_end_matches('*').trim_end_matches('/');
    if pattern.ends_with('*') {
        p.is_empty() || path == p || path.starts_with(&format!("{p}/"))
    } else {
        path == pattern || (p.is_empty() && path == "/")
    }
}

/// A file-based route: its kind, path, name, file, line and handler.
type FileRoute = (EntryKind, String, String, Arc<str>, usize, Link);
type Link = (Arc<FileSummary>, Node);

/// File-based routes and the middleware of their folders.
#[derive(Default)]
struct FileRoutes {
    /// (kind, the route's folder path, name, file, line, link)
    routes: Vec<FileRoute>,
    /// Middleware: (kind, the folder route it applies under, link).
    middleware: Vec<(EntryKind, String, (Arc<FileSummary>, Node))>,
}

impl FileRoutes {
    fn add(&mut self, f: &Arc<FileSummary>, rel: &str) {
        let (stem_path, ext) = match rel.rsplit_once('.') {
            Some((s, e)) => (s, e),
            None => return,
        };
        let _ = ext;
        let segments: Vec<&str> = stem_path.split('/').collect();
        let file_name = *segments.last().unwrap_or(&"");
        // Pages Functions: functions/**.
        if let Some(i) = segments.iter().position(|s| *s == "functions") {
            if i == 0 {
                let dir = &segments[1..segments.len() - 1];
                if file_name == "_middleware" {
                    for (_, link) in exports_like(f, "onRequest", true) {
                        self.middleware
                            .push((EntryKind::PagesFunction, route(dir, false), link));
                    }
                    return;
                }
                let path = route(&segments[1..], false);
                for (method, link) in exports_like(f, "onRequest", true) {
                    self.push(
                        EntryKind::PagesFunction,
                        &path,
                        format!("{method} {path}"),
                        f,
                        link,
                    );
                }
                return;
            }
        }
        // SvelteKit: src/routes/**/+server, +page.server, +layout.server; hooks.server.
        if let Some(i) = window(&segments, &["src", "routes"]) {
            let dir = &segments[i + 2..segments.len() - 1];
            let path = route(dir, true);
            match file_name {
                "+server" => {
                    for m in HTTP_METHODS.iter().chain(["fallback"].iter()) {
                        if let Some(link) = exported(f, m) {
                            let method = if *m == "fallback" { "ALL" } else { m };
                            self.push(
                                EntryKind::SvelteKit,
                                &path,
                                format!("{method} {path}"),
                                f,
                                link,
                            );
                        }
                    }
                }
                "+page.server" | "+layout.server" => {
                    let what = if file_name == "+page.server" {
                        "load"
                    } else {
                        "layout load"
                    };
                    if let Some(link) = exported(f, "load") {
                        self.push(
                            EntryKind::SvelteKit,
                            &path,
                            format!("GET {path} ({what})"),
                            f,
                            link,
                        );
                    }
                    if let Some(actions) = f.exports.get("actions") {
                        let mut keys: Vec<&String> = f
                            .by_key
                            .keys()
                            .filter(|k| k.starts_with(&format!("{actions}.")))
                            .collect();
                        keys.sort();
                        for k in keys {
                            let action = &k[actions.len() + 1..];
                            let name = if action == "default" {
                                format!("POST {path} (action)")
                            } else {
                                format!("POST {path}?/{action}")
                            };
                            if let Some(link) = call(f, k) {
                                self.push(EntryKind::SvelteKit, &path, name, f, link);
                            }
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        if segments.len() >= 2
            && segments[segments.len() - 2] == "src"
            && file_name == "hooks.server"
        {
            if let Some(link) = exported(f, "handle") {
                self.middleware
                    .push((EntryKind::SvelteKit, "/".into(), link));
            }
            return;
        }
        // Astro: src/pages/**.
        if let Some(i) = window(&segments, &["src", "pages"]) {
            let path = route(&segments[i + 2..], false);
            if f.label.ends_with(".astro") {
                if let Some(link) = call(f, "<module>") {
                    self.push(EntryKind::Astro, &path, format!("GET {path}"), f, link);
                }
            } else {
                for m in HTTP_METHODS.iter().chain(["ALL"].iter()) {
                    if let Some(link) = exported(f, m) {
                        self.push(EntryKind::Astro, &path, format!("{m} {path}"), f, link);
                    }
                }
            }
            return;
        }
        // Nuxt and Nitro: server/api/**, server/routes/**, server/middleware/*.
        if let Some(i) = segments.iter().position(|s| *s == "server") {
            let under = segments.get(i + 1).copied();
            let rest = &segments[(i + 2).min(segments.len())..];
            let (kind_prefix, ok) = match under {
                Some("api") => ("/api", true),
                Some("routes") => ("", true),
                Some("middleware") => {
                    if let Some(link) = exported(f, "default") {
                        self.middleware.push((EntryKind::Nuxt, "/".into(), link));
                    }
                    return;
                }
                _ => ("", false),
            };
            if ok && !rest.is_empty() {
                let mut parts: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
                let last = parts.pop().unwrap_or_default();
                let (last, method) = match last.rsplit_once('.') {
                    Some((n, m)) if HTTP_METHODS.contains(&m.to_uppercase().as_str()) => {
                        (n.to_string(), m.to_uppercase())
                    }
                    _ => (last, "ALL".to_string()),
                };
                parts.push(last);
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                let path = join(kind_prefix, &route(&parts, false));
                if let Some(link) = exported(f, "default") {
                    self.push(EntryKind::Nuxt, &path, format!("{method} {path}"), f, link);
                }
                return;
            }
        }
        // Next.js: app/**/route, pages/api/**.
        if let Some(i) = segments.iter().position(|s| *s == "app") {
            if file_name == "route" && (i == 0 || (i == 1 && segments[0] == "src")) {
                let path = route(&segments[i + 1..segments.len() - 1], true);
                for m in HTTP_METHODS {
                    if let Some(link) = exported(f, m) {
                        self.push(EntryKind::NextJs, &path, format!("{m} {path}"), f, link);
                    }
                }
                return;
            }
        }
        if let Some(i) = window(&segments, &["pages", "api"]) {
            if i == 0 || (i == 1 && segments[0] == "src") {
                let path = join("/api", &route(&segments[i + 2..], false));
                if let Some(link) = exported(f, "default") {
                    self.push(EntryKind::NextJs, &path, format!("ALL {path}"), f, link);
                }
            }
        }
    }

    fn push(
        &mut self,
        kind: EntryKind,
        path: &str,
        name: String,
        f: &Arc<FileSummary>,
        link: (Arc<FileSummary>, Node),
    ) {
        let line = match &link.1 {
            Node::Call(_, line) => *line,
            _ => 1,
        };
        self.routes
            .push((kind, path.to_string(), name, f.label.clone(), line, link));
    }

    fn finish(self, out: &mut Vec<Entry>) {
        for (kind, path, name, file, line, link) in self.routes {
            let mut links: Vec<(Arc<FileSummary>, Node)> = self
                .middleware
                .iter()
                .filter(|(k, under, _)| {
                    *k == kind && applies(&format!("{}/*", under.trim_end_matches('/')), &path)
                })
                .map(|(_, _, l)| l.clone())
                .collect();
            links.push(link);
            out.push(Entry {
                kind,
                name,
                file,
                line,
                links,
            });
        }
    }
}

/// `onRequest`, `onRequestGet`, …: each method's handler.
fn exports_like(
    f: &Arc<FileSummary>,
    base: &str,
    all: bool,
) -> Vec<(String, (Arc<FileSummary>, Node))> {
    let mut out = vec![];
    if all {
        if let Some(link) = exported(f, base) {
            out.push(("ALL".to_string(), link));
        }
    }
    for m in HTTP_METHODS {
        let camel = format!("{}{}", &m[..1], m[1..].to_lowercase());
        if let Some(link) = exported(f, &format!("{base}{camel}")) {
            out.push((m.to_string(), link));
        }
    }
    out
}

/// Where `pair` starts in the segments.
fn window(segments: &[&str], pair: &[&str; 2]) -> Option<usize> {
    segments
        .windows(2)
        .position(|w| w[0] == pair[0] && w[1] == pair[1])
}

/// A route from file path segments: `[id]` → `:id`, `[...rest]` / `[[path]]` → `*`,
/// `(group)` left out (`groups`), `index` left out.
fn route(segments: &[&str], groups: bool) -> String {
    let mut parts = vec![];
    for s in segments {
        if *s == "index" || s.is_empty() {
            continue;
        }
        if groups && s.starts_with('(') && s.ends_with(')') {
            continue;
        }
        let part = if s.starts_with("[[...")
            || s.starts_with("[...")
            || (s.starts_with("[[") && !groups)
        {
            "*".to_string()
        } else if let Some(inner) = s.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            format!(":{inner}?")
        } else if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            format!(":{inner}")
        } else {
            s.to_string()
        };
        parts.push(part);
    }
    format!("/{}", parts.join("/"))
}

/// Exported functions of files no entry reaches, as entries of their own (where nothing says
/// what calls them): those that reach a KV operation.
pub fn exports_unreached(
    sources: &[Arc<FileSummary>],
    reached: &BTreeSet<(Arc<str>, usize)>,
    with_entries: &HashSet<Arc<str>>,
) -> Vec<Entry> {
    let mut out = vec![];
    for f in sources {
        if with_entries.contains(&f.label) || f.ops.is_empty() {
            continue;
        }
        let mut names: Vec<(&String, &String)> = f.exports.iter().collect();
        names.sort();
        for (exported_as, local) in names {
            let Some(&id) = f.by_key.get(local) else {
                continue;
            };
            if reached.contains(&(f.label.clone(), id)) {
                continue;
            }
            out.push(Entry {
                kind: EntryKind::Export,
                name: format!("{exported_as}()"),
                file: f.label.clone(),
                line: f.functions[id].line,
                links: vec![(
                    f.clone(),
                    Node::Call(Target::Local(id), f.functions[id].line),
                )],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_from_file_paths() {
        assert_eq!(route(&["api", "users", "[id]"], false), "/api/users/:id");
        assert_eq!(route(&["(app)", "blog", "[...slug]"], true), "/blog/*");
        assert_eq!(route(&["[[path]]"], false), "/*");
        assert_eq!(route(&["index"], false), "/");
        assert_eq!(route(&["[[lang]]", "about"], true), "/:lang?/about");
    }

    #[test]
    fn middleware_paths() {
        assert!(applies("*", "/x"));
        assert!(applies("/api/*", "/api/users"));
        assert!(applies("/api/*", "/api"));
        assert!(!applies("/api/*", "/apiary"));
        assert!(applies("/login", "/login"));
        assert!(!applies("/login", "/logout"));
        assert_eq!(join("/api", "/users/"), "/api/users");
        assert_eq!(join("", "/"), "/");
    }
}
