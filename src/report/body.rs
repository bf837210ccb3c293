//! What one file gives the report: its KV operations, each function's control flow reduced to
//! the shape that decides how many of them run ([`Node`]), the calls it makes, its imports and
//! exports, and the routers it declares. Built from the parsed program and the semantic
//! model; owns nothing of either.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::cost::Kind;
use crate::semantic::values::{key_value, strip, Consts, KeyValue};
use crate::semantic::{KvCall, KvMethod, SemanticModel};
use crate::source::Source;

/// One KV call of a file.
#[derive(Clone, Debug)]
pub struct OpInfo {
    /// The binding (`SESSIONS`), or the receiver's text when the binding is not known.
    pub namespace: Arc<str>,
    pub known_namespace: bool,
    pub kind: Kind,
    pub method: KvMethod,
    /// Keys a call reads: one, or the length of a bulk `get([…])`; `None` for a bulk read
    /// of a key list the code computes.
    pub keys: Option<u64>,
    /// The key as a pattern (`user:${…}`, a static key, `${…}` when nothing is known).
    pub key: String,
    /// The name the key is passed in (`kv.get(key)`): a parameter's, whose callers say
    /// what the key is.
    pub key_name: Option<String>,
    /// `expirationTtl` / `expiration` as written, for writes.
    pub ttl: Option<String>,
    /// `cacheTtl` as written, for reads.
    pub cache_ttl: Option<String>,
    pub line: usize,
}

/// What calls a function makes, resolved once the project's files are read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A function of the same file, by index.
    Local(usize),
    /// A name or a member path (`helper`, `store.save`, `CacheManager.get`): the file's own
    /// declaration, else an import.
    Path(Vec<String>),
}

/// What namespace each argument of a call is, when known.
pub type Labels = Arc<[Option<Arc<str>>]>;

/// The control flow of some code, reduced to what decides how many KV operations run.
#[derive(Clone, Debug)]
pub enum Node {
    Seq(Vec<Node>),
    /// Exactly one of them.
    Alt(Vec<Node>),
    /// Run or not.
    Maybe(Box<Node>),
    /// Once per item; `Some(n)` when the code fixes the count.
    Loop(Box<Node>, Option<u64>),
    /// Handed to `waitUntil`.
    Background(Box<Node>),
    /// Runs, then the function returns.
    Return(Box<Node>),
    /// A branch that answers from a value just read (a read-through cache's hit: the same
    /// function writes what it read on a miss), with its id in the file.
    Hit(Box<Node>, usize),
    /// An operation of the file, by index.
    Op(usize),
    Call(Target, usize),
    /// A call, with what namespace and what key each argument is (a binding's name or a key
    /// pattern, or a name of the caller's), for the callee's parameters.
    CallWith(Target, usize, Labels, Labels),
    /// A method called on an instance the code made (`new CacheManager(env.CACHE)`): the
    /// method's call arguments (namespaces, keys), and the constructor's namespaces, for the
    /// fields it keeps them in.
    Method(Target, usize, Labels, Labels, Labels),
    /// A middleware's `next()`: the rest of the chain.
    Next,
    /// A call the report cannot follow: what it says about it.
    Unfollowed(String),
    /// What to say when a call's target turns out not to be the project's code (a package
    /// handed the env).
    Unresolved(Target, String),
}

impl Node {
    fn seq(mut nodes: Vec<Node>) -> Node {
        nodes.retain(|n| !matches!(n, Node::Seq(v) if v.is_empty()));
        if nodes.len() == 1 {
            nodes.pop().unwrap()
        } else {
            Node::Seq(nodes)
        }
    }

    pub fn empty() -> Node {
        Node::Seq(vec![])
    }
}

/// A function of the file: its body's flow.
#[derive(Clone, Debug)]
pub struct Func {
    pub name: String,
    pub body: Node,
    pub line: usize,
    /// Its parameters' names (`None` for a pattern).
    pub params: Vec<Option<String>>,
}

/// A router (`new Hono()`, itty's `Router()`): its routes, middleware and mounts, in order.
#[derive(Clone, Debug)]
pub struct App {
    pub itty: bool,
    pub base: String,
    /// Made by a call of the project's own code (`const app = createApp()`): the app that
    /// function returns comes first (its middleware).
    pub from: Option<Target>,
    pub items: Vec<AppItem>,
}

/// An app a mount names: by its key in the file (or an import's name), or as what a call
/// returns (`app.route('/api', createApiRouter())`).
#[derive(Clone, Debug)]
pub enum AppRef {
    Name(String),
    Returned(Target),
}

#[derive(Clone, Debug)]
pub enum AppItem {
    Route {
        method: String,
        path: String,
        handlers: Vec<Node>,
        line: usize,
    },
    Use {
        path: String,
        handlers: Vec<Node>,
    },
    /// `app.route('/base', sub)`.
    Mount {
        path: String,
        app: AppRef,
    },
}

/// A class and what the runtime calls on it.
#[derive(Clone, Debug)]
pub struct ClassInfo {
    pub name: String,
    /// `DurableObject`, `WorkflowEntrypoint`, `WorkerEntrypoint`.
    pub extends: Option<String>,
    /// The constructor takes a `DurableObjectState` (a Durable Object without the base class).
    pub state_param: bool,
    pub methods: Vec<(String, usize)>,
    /// Fields the constructor sets from its parameters (`private kv: KVNamespace`,
    /// `this.kv = kv`): (field, parameter index).
    pub fields: Vec<(String, usize)>,
}

/// One file, for the report.
#[derive(Debug)]
pub struct FileSummary {
    pub label: Arc<str>,
    pub abs: PathBuf,
    pub ops: Vec<OpInfo>,
    pub functions: Vec<Func>,
    /// Functions by name at the top level: `f`, `Class.method`, `object.method`, `default`,
    /// `default.fetch`, `<module>` (the top-level code of an Astro page).
    pub by_key: HashMap<String, usize>,
    /// Exported name → local name.
    pub exports: HashMap<String, String>,
    /// Local name → (the module, when it resolves inside the project; the imported name, or
    /// `*` for a namespace import).
    pub imports: HashMap<String, (Option<PathBuf>, String)>,
    /// Routers by key: a top-level name, or `function#name` for one made in a function.
    pub apps: HashMap<String, App>,
    /// The router each function returns (`return app`), by function id.
    pub returned_apps: HashMap<usize, String>,
    /// The app the file serves: `export default app`, `{ fetch: app.fetch }`.
    pub served: Option<String>,
    pub classes: Vec<ClassInfo>,
    /// `addEventListener('fetch', …)` and its siblings: (event, function).
    pub listeners: Vec<(String, usize)>,
    /// Local names bound to `env` values (the file's KV bindings' names, for notes).
    pub kv_names: Vec<String>,
}

/// The array methods whose callback runs once per item.
const ITERATING: [&str; 10] = [
    "map",
    "forEach",
    "filter",
    "flatMap",
    "reduce",
    "some",
    "every",
    "find",
    "findIndex",
    "reduceRight",
];
/// The router methods that register a route.
const ROUTE_METHODS: [&str; 9] = [
    "get", "post", "put", "delete", "patch", "head", "options", "all", "on",
];

/// Builds a file's summary. `resolve` says where an import specifier leads.
pub fn summarize(
    program: &Program,
    model: &SemanticModel,
    source: &Source,
    label: Arc<str>,
    abs: PathBuf,
    resolve: &dyn Fn(&str) -> Option<PathBuf>,
) -> FileSummary {
    let mut b = Builder {
        model,
        source,
        out: FileSummary {
            label,
            abs,
            ops: vec![],
            functions: vec![],
            by_key: HashMap::new(),
            exports: HashMap::new(),
            imports: HashMap::new(),
            apps: HashMap::new(),
            returned_apps: HashMap::new(),
            served: None,
            classes: vec![],
            listeners: vec![],
            kv_names: model.bindings.kv_names().map(str::to_string).collect(),
        },
        op_at: HashMap::new(),
        scopes: vec![],
        class: None,
        next: None,
        context: None,
        instances: vec![],
        frames: vec![],
        hits: 0,
        pending_id: None,
        made_by: HashMap::new(),
    };
    let script: Vec<ModuleItem>;
    let items: &[ModuleItem] = match program {
        Program::Module(m) => &m.body,
        Program::Script(s) => {
            script = s.body.iter().cloned().map(ModuleItem::Stmt).collect();
            &script
        }
    };
    b.imports(items, resolve);
    b.declare_top(items);
    b.top_level(items);
    b.out
}

/// A function being read: the names holding a value read (with the KV reads that gave it;
/// none for a helper named like a read), where its operations start, and whether it calls
/// something named like a cache write.
#[derive(Default)]
struct Frame {
    /// The function's id, when the file names it.
    id: Option<usize>,
    /// Routers made here: local name → app key.
    apps: HashMap<String, String>,
    /// Names bound to a call of the project's code (`const api = createApiRouter()`): a
    /// router if routes are added to them or they are mounted.
    made_by: HashMap<String, Target>,
    reads: Vec<(String, Vec<usize>)>,
    /// Local names bound to a KV binding (`const kv = c.env.CACHE`).
    aliases: HashMap<String, String>,
    ops_start: usize,
    setter: bool,
    /// The `if` branches that test a value read (by hit id), with the reads: kept as cache
    /// hits only where the function writes what it read.
    hits: Vec<(usize, Vec<usize>)>,
}

struct Builder<'a, 'p> {
    model: &'a SemanticModel<'p>,
    source: &'a Source,
    out: FileSummary,
    op_at: HashMap<swc_common::Span, usize>,
    /// Nested functions in scope, innermost last: name → function.
    scopes: Vec<HashMap<String, usize>>,
    /// The class whose methods are being read.
    class: Option<String>,
    /// The `next` parameter of the middleware being read.
    next: Option<String>,
    /// The `context` parameter of the Pages Function being read (`context.next()`).
    context: Option<String>,
    /// Names bound to `new C(…)` in the functions being read: name → class.
    instances: Vec<HashMap<String, (String, Labels)>>,
    /// What the functions being read have seen so far, innermost last.
    frames: Vec<Frame>,
    /// The id of the function whose body is read next.
    pending_id: Option<usize>,
    /// Top-level names bound to a call of the project's code.
    made_by: HashMap<String, Target>,
    /// Cache hits made so far (their ids).
    hits: usize,
}

fn str_lit(e: &Expr) -> Option<String> {
    match strip(e) {
        Expr::Lit(Lit::Str(s)) => s.value.as_str().map(str::to_string),
        Expr::Tpl(t) if t.exprs.is_empty() => t.quasis.first().and_then(|q| {
            q.cooked
                .as_ref()
                .and_then(|c| c.as_str().map(str::to_string))
        }),
        _ => None,
    }
}

fn prop_name(p: &PropName) -> Option<String> {
    match p {
        PropName::Ident(i) => Some(i.sym.to_string()),
        PropName::Str(s) => s.value.as_str().map(str::to_string),
        _ => None,
    }
}

fn member_name(m: &MemberProp) -> Option<&str> {
    match m {
        MemberProp::Ident(i) => Some(&i.sym),
        _ => None,
    }
}

/// `a.b.c` as its names, for a member chain of plain names.
fn path_of(e: &Expr) -> Option<Vec<String>> {
    match strip(e) {
        Expr::Ident(i) => Some(vec![i.sym.to_string()]),
        Expr::This(_) => Some(vec!["this".into()]),
        Expr::Member(m) => {
            let mut p = path_of(&m.obj)?;
            p.push(member_name(&m.prop)?.to_string());
            Some(p)
        }
        _ => None,
    }
}

impl Builder<'_, '_> {
    fn line(&self, span: swc_common::Span) -> usize {
        self.source.position(self.source.range(span).start).line
    }

    fn imports(&mut self, items: &[ModuleItem], resolve: &dyn Fn(&str) -> Option<PathBuf>) {
        for item in items {
            let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
                continue;
            };
            if i.type_only {
                continue;
            }
            let Some(spec) = i.src.value.as_str() else {
                continue;
            };
            let module = resolve(spec);
            for s in &i.specifiers {
                let (local, imported) = match s {
                    ImportSpecifier::Named(n) => {
                        let imported = match &n.imported {
                            Some(ModuleExportName::Ident(i)) => i.sym.to_string(),
                            Some(ModuleExportName::Str(s)) => {
                                s.value.as_str().unwrap_or_default().to_string()
                            }
                            None => n.local.sym.to_string(),
                        };
                        (n.local.sym.to_string(), imported)
                    }
                    ImportSpecifier::Default(d) => (d.local.sym.to_string(), "default".into()),
                    ImportSpecifier::Namespace(n) => (n.local.sym.to_string(), "*".into()),
                };
                self.out.imports.insert(local, (module.clone(), imported));
            }
        }
    }

    fn add_function(&mut self, key: String, line: usize) -> usize {
        let id = self.out.functions.len();
        self.out.functions.push(Func {
            name: key.clone(),
            body: Node::empty(),
            line,
            params: vec![],
        });
        self.out.by_key.insert(key, id);
        id
    }

    /// Gives every top-level function its id first, so that calls between them resolve
    /// whatever their order.
    fn declare_top(&mut self, items: &[ModuleItem]) {
        for item in items {
            match item {
                ModuleItem::Stmt(Stmt::Decl(d))
                | ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ExportDecl { decl: d, .. })) => {
                    let exported = matches!(item, ModuleItem::ModuleDecl(_));
                    match d {
                        Decl::Fn(f) => {
                            let name = f.ident.sym.to_string();
                            self.add_function(name.clone(), self.line(f.function.span));
                            if exported {
                                self.out.exports.insert(name.clone(), name);
                            }
                        }
                        Decl::Class(c) => {
                            let name = c.ident.sym.to_string();
                            if exported {
                                self.out.exports.insert(name.clone(), name.clone());
                            }
                            self.declare_class(&name, &c.class);
                        }
                        Decl::Var(v) => {
                            for d in &v.decls {
                                let Pat::Ident(id) = &d.name else { continue };
                                let name = id.id.sym.to_string();
                                if exported {
                                    self.out.exports.insert(name.clone(), name.clone());
                                }
                                if let Some(init) = &d.init {
                                    self.declare_value(&name, init);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(d)) => match &d.decl {
                    DefaultDecl::Fn(f) => {
                        let name = f
                            .ident
                            .as_ref()
                            .map(|i| i.sym.to_string())
                            .unwrap_or_else(|| "default".into());
                        self.add_function(name.clone(), self.line(f.function.span));
                        self.out.exports.insert("default".into(), name);
                    }
                    DefaultDecl::Class(c) => {
                        let name = c
                            .ident
                            .as_ref()
                            .map(|i| i.sym.to_string())
                            .unwrap_or_else(|| "default".into());
                        self.out.exports.insert("default".into(), name.clone());
                        self.declare_class(&name, &c.class);
                    }
                    _ => {}
                },
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(e)) => {
                    match path_of(&e.expr) {
                        Some(p) if p.len() == 1 => {
                            self.out.exports.insert("default".into(), p[0].clone());
                        }
                        _ => {
                            self.out.exports.insert("default".into(), "default".into());
                            self.declare_value("default", &e.expr);
                        }
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(n)) if n.src.is_none() => {
                    for s in &n.specifiers {
                        let ExportSpecifier::Named(n) = s else {
                            continue;
                        };
                        let name = |n: &ModuleExportName| match n {
                            ModuleExportName::Ident(i) => i.sym.to_string(),
                            ModuleExportName::Str(s) => {
                                s.value.as_str().unwrap_or_default().to_string()
                            }
                        };
                        let local = name(&n.orig);
                        let exported = n.exported.as_ref().map(name).unwrap_or(local.clone());
                        self.out.exports.insert(exported, local);
                    }
                }
                _ => {}
            }
        }
    }

    fn declare_class(&mut self, name: &str, class: &Class) {
        let extends = class.super_class.as_ref().and_then(|s| match strip(s) {
            Expr::Ident(i) => Some(i.sym.to_string()),
            Expr::Member(m) => member_name(&m.prop).map(str::to_string),
            _ => None,
        });
        let mut methods = vec![];
        let mut state_param = false;
        let mut fields = vec![];
        for m in &class.body {
            match m {
                ClassMember::Method(m) => {
                    let Some(n) = prop_name(&m.key) else { continue };
                    if m.is_static || m.kind != MethodKind::Method {
                        continue;
                    }
                    let line = self.line(m.span);
                    self.add_function(format!("{name}.{n}"), line);
                    methods.push((n, line));
                }
                ClassMember::ClassProp(p) => {
                    let Some(n) = prop_name(&p.key) else { continue };
                    if p.is_static {
                        continue;
                    }
                    if let Some(v) = &p.value {
                        if matches!(strip(v), Expr::Arrow(_) | Expr::Fn(_)) {
                            let line = self.line(p.span);
                            self.add_function(format!("{name}.{n}"), line);
                            methods.push((n, line));
                        }
                    }
                }
                ClassMember::Constructor(c) => {
                    fields = constructor_fields(c);
                    state_param = c.params.iter().any(|p| {
                        let text = match p {
                            ParamOrTsParamProp::Param(p) => self.source.slice(p.span),
                            ParamOrTsParamProp::TsParamProp(p) => self.source.slice(p.span),
                        };
                        text.contains("DurableObjectState")
                    });
                }
                _ => {}
            }
        }
        self.out.classes.push(ClassInfo {
            name: name.to_string(),
            extends,
            state_param,
            methods,
            fields,
        });
    }

    /// A top-level value: a function, an object of methods, a router, or a handler wrapped
    /// in a call (`defineEventHandler(async (event) => …)`).
    fn declare_value(&mut self, name: &str, init: &Expr) {
        let line = self.line(init.span_lo_hi());
        match strip(init) {
            Expr::Arrow(_) | Expr::Fn(_) => {
                self.add_function(name.to_string(), line);
            }
            Expr::Object(o) => {
                for p in &o.props {
                    let PropOrSpread::Prop(p) = p else { continue };
                    let (key, at) = match &**p {
                        Prop::Method(m) => (prop_name(&m.key), m.function.span),
                        Prop::KeyValue(kv)
                            if matches!(strip(&kv.value), Expr::Arrow(_) | Expr::Fn(_)) =>
                        {
                            (prop_name(&kv.key), kv.value.span_lo_hi())
                        }
                        _ => (None, init.span_lo_hi()),
                    };
                    if let Some(k) = key {
                        let line = self.line(at);
                        self.add_function(format!("{name}.{k}"), line);
                    }
                }
            }
            Expr::Call(c) => {
                if router_of(c).is_some() {
                    return;
                }
                if c.args
                    .iter()
                    .any(|a| matches!(strip(&a.expr), Expr::Arrow(_) | Expr::Fn(_)))
                {
                    self.add_function(name.to_string(), line);
                }
            }
            _ => {}
        }
    }

    fn top_level(&mut self, items: &[ModuleItem]) {
        let mut module_code = vec![];
        for item in items {
            match item {
                ModuleItem::Stmt(Stmt::Decl(d))
                | ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ExportDecl { decl: d, .. })) => {
                    match d {
                        Decl::Fn(f) => {
                            let id = self.out.by_key[&*f.ident.sym];
                            self.pending_id = Some(id);
                            let body = self.function(
                                &f.function.params_pats(),
                                f.function.body.as_ref().map(|b| Body::Block(&b.stmts)),
                            );
                            self.out.functions[id].body = body;
                        }
                        Decl::Class(c) => self.class_bodies(c.ident.sym.as_ref(), &c.class),
                        Decl::Var(v) => {
                            for d in &v.decls {
                                let (Pat::Ident(id), Some(init)) = (&d.name, &d.init) else {
                                    if let Some(init) = &d.init {
                                        module_code.push(self.expr(init));
                                    }
                                    continue;
                                };
                                let name = id.id.sym.to_string();
                                if let Some(app) = self.app_decl(init) {
                                    self.out.apps.insert(name, app);
                                    continue;
                                }
                                if let Some(t) = self.made_by_call(init) {
                                    self.made_by.insert(name.clone(), t);
                                }
                                if !self.value_bodies(&name, init) {
                                    module_code.push(self.expr(init));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(d)) => match &d.decl {
                    DefaultDecl::Fn(f) => {
                        let key = self.out.exports["default"].clone();
                        let id = self.out.by_key[&key];
                        let body = self.function(
                            &f.function.params_pats(),
                            f.function.body.as_ref().map(|b| Body::Block(&b.stmts)),
                        );
                        self.out.functions[id].body = body;
                    }
                    DefaultDecl::Class(c) => {
                        let key = self.out.exports["default"].clone();
                        self.class_bodies(&key, &c.class);
                    }
                    _ => {}
                },
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(e)) => {
                    if let Some(p) = path_of(&e.expr).filter(|p| p.len() == 1) {
                        if self.out.apps.contains_key(&p[0]) {
                            self.out.served = Some(p[0].clone());
                        }
                    } else {
                        if let Expr::Object(o) = strip(&e.expr) {
                            self.served_by(o);
                        }
                        self.value_bodies("default", &e.expr);
                    }
                }
                ModuleItem::Stmt(s) => {
                    if let Stmt::Expr(e) = s {
                        if self.app_statement(&e.expr) || self.listener(&e.expr) {
                            continue;
                        }
                    }
                    module_code.push(self.stmt(s));
                }
                _ => {}
            }
        }
        let lang_astro = self.out.label.ends_with(".astro");
        if lang_astro {
            let id = self.add_function("<module>".into(), 1);
            self.out.functions[id].body = Node::seq(module_code);
        }
    }

    /// `{ fetch: app.fetch }`: the app the default export serves.
    fn served_by(&mut self, o: &ObjectLit) {
        for p in &o.props {
            let PropOrSpread::Prop(p) = p else { continue };
            if let Prop::KeyValue(kv) = &**p {
                if let Some(path) = path_of(&kv.value) {
                    if path.len() == 2 && self.out.apps.contains_key(&path[0]) {
                        self.out.served = Some(path[0].clone());
                    }
                }
            }
        }
    }

    /// The bodies of a top-level value's functions; whether it had any.
    fn value_bodies(&mut self, name: &str, init: &Expr) -> bool {
        match strip(init) {
            Expr::Arrow(_) | Expr::Fn(_) => {
                let id = self.out.by_key[name];
                self.pending_id = Some(id);
                let body = self.function_expr(init);
                self.out.functions[id].body = body;
                true
            }
            Expr::Object(o) => {
                let mut any = false;
                for p in &o.props {
                    let PropOrSpread::Prop(p) = p else { continue };
                    let key = match &**p {
                        Prop::Method(m) => prop_name(&m.key),
                        Prop::KeyValue(kv) => prop_name(&kv.key),
                        _ => None,
                    };
                    self.pending_id =
                        key.and_then(|k| self.out.by_key.get(&format!("{name}.{k}")).copied());
                    let (key, body) = match &**p {
                        Prop::Method(m) => (
                            prop_name(&m.key),
                            Some(self.function(
                                &m.function.params_pats(),
                                m.function.body.as_ref().map(|b| Body::Block(&b.stmts)),
                            )),
                        ),
                        Prop::KeyValue(kv)
                            if matches!(strip(&kv.value), Expr::Arrow(_) | Expr::Fn(_)) =>
                        {
                            (prop_name(&kv.key), Some(self.function_expr(&kv.value)))
                        }
                        _ => (None, None),
                    };
                    if let (Some(k), Some(body)) = (key, body) {
                        if let Some(&id) = self.out.by_key.get(&format!("{name}.{k}")) {
                            self.out.functions[id].body = body;
                            any = true;
                        }
                    }
                }
                any
            }
            Expr::Call(c) => {
                let Some(f) = c
                    .args
                    .iter()
                    .find(|a| matches!(strip(&a.expr), Expr::Arrow(_) | Expr::Fn(_)))
                else {
                    return false;
                };
                let Some(&id) = self.out.by_key.get(name) else {
                    return false;
                };
                let body = self.function_expr(&f.expr);
                self.out.functions[id].body = body;
                true
            }
            _ => false,
        }
    }

    fn class_bodies(&mut self, name: &str, class: &Class) {
        let outer = self.class.replace(name.to_string());
        for m in &class.body {
            let key = match m {
                ClassMember::Method(m) => prop_name(&m.key),
                ClassMember::ClassProp(p) => prop_name(&p.key),
                _ => None,
            };
            self.pending_id =
                key.and_then(|k| self.out.by_key.get(&format!("{name}.{k}")).copied());
            let (key, body) = match m {
                ClassMember::Method(m) if !m.is_static && m.kind == MethodKind::Method => (
                    prop_name(&m.key),
                    self.function(
                        &m.function.params_pats(),
                        m.function.body.as_ref().map(|b| Body::Block(&b.stmts)),
                    ),
                ),
                ClassMember::ClassProp(p) if !p.is_static => match &p.value {
                    Some(v) if matches!(strip(v), Expr::Arrow(_) | Expr::Fn(_)) => {
                        (prop_name(&p.key), self.function_expr(v))
                    }
                    _ => continue,
                },
                _ => continue,
            };
            if let Some(&id) = key.and_then(|k| self.out.by_key.get(&format!("{name}.{k}"))) {
                self.out.functions[id].body = body;
            }
        }
        self.class = outer;
    }

    /// `addEventListener('fetch', (event) => …)`.
    fn listener(&mut self, e: &Expr) -> bool {
        let Expr::Call(c) = strip(e) else {
            return false;
        };
        let Callee::Expr(callee) = &c.callee else {
            return false;
        };
        let is = match path_of(callee) {
            Some(p) => p.last().is_some_and(|n| n == "addEventListener"),
            None => false,
        };
        let (Some(event), Some(handler)) = (c.args.first(), c.args.get(1)) else {
            return false;
        };
        let Some(event) = str_lit(&event.expr).filter(|_| is) else {
            return false;
        };
        let body = match strip(&handler.expr) {
            Expr::Arrow(_) | Expr::Fn(_) => self.function_expr(&handler.expr),
            other => match path_of(other) {
                Some(p) => Node::Call(Target::Path(p), 0),
                None => return false,
            },
        };
        let id = self.add_function(format!("<{event} listener>"), self.line(c.span));
        self.out.functions[id].body = body;
        self.out.listeners.push((event, id));
        true
    }

    /// `new Hono()`, `new Hono().basePath('/api')`, `Router({ base })`: a router.
    fn app_decl(&mut self, init: &Expr) -> Option<App> {
        match strip(init) {
            Expr::New(n) => {
                let Expr::Ident(i) = strip(&n.callee) else {
                    return None;
                };
                (&*i.sym == "Hono").then(|| App {
                    itty: false,
                    base: String::new(),
                    from: None,
                    items: vec![],
                })
            }
            Expr::Call(c) => {
                let Callee::Expr(callee) = &c.callee else {
                    return None;
                };
                match strip(callee) {
                    Expr::Member(m) if member_name(&m.prop) == Some("basePath") => {
                        let mut app = self.app_decl(&m.obj)?;
                        app.base = c.args.first().and_then(|a| str_lit(&a.expr))?;
                        Some(app)
                    }
                    Expr::Ident(_) => {
                        let base = router_of(c)?;
                        Some(App {
                            itty: true,
                            base,
                            from: None,
                            items: vec![],
                        })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `app.get('/x', h)`, `app.use(mw)`, `app.route('/x', sub)`, chained or not; whether
    /// the statement was that.
    fn app_statement(&mut self, e: &Expr) -> bool {
        let mut calls = vec![];
        let mut cur = strip(e);
        let name = loop {
            let Expr::Call(c) = cur else { return false };
            let Callee::Expr(callee) = &c.callee else {
                return false;
            };
            let Expr::Member(m) = strip(callee) else {
                return false;
            };
            let Some(method) = member_name(&m.prop) else {
                return false;
            };
            calls.push((method.to_string(), c));
            match strip(&m.obj) {
                Expr::Ident(i) => break i.sym.to_string(),
                other => cur = other,
            }
        };
        let key = match self.app_key(&name) {
            Some(k) => k,
            // A router the file did not see made (`const app = createApp()`): what is done
            // to it must look like registering routes.
            None if calls.iter().all(|(m, c)| registers(m, c)) => self.new_app(&name),
            None => return false,
        };
        for (method, c) in calls.into_iter().rev() {
            let item = self.app_item(&method, c);
            if let Some(item) = item {
                self.out.apps.get_mut(&key).unwrap().items.push(item);
            }
        }
        true
    }

    /// The key of the router a name is, in the functions being read or at the top level.
    fn app_key(&self, name: &str) -> Option<String> {
        for f in self.frames.iter().rev() {
            if let Some(k) = f.apps.get(name) {
                return Some(k.clone());
            }
        }
        self.out.apps.contains_key(name).then(|| name.to_string())
    }

    /// A router named `name` where it is first seen used as one.
    fn new_app(&mut self, name: &str) -> String {
        let from = self
            .frames
            .iter()
            .rev()
            .find_map(|f| f.made_by.get(name))
            .or_else(|| self.made_by.get(name))
            .cloned();
        let app = App {
            itty: false,
            base: String::new(),
            from,
            items: vec![],
        };
        self.add_app(name, app)
    }

    fn add_app(&mut self, name: &str, app: App) -> String {
        let key = match self.frames.last() {
            Some(f) => {
                let owner =
                    f.id.map(|id| self.out.functions[id].name.clone())
                        .unwrap_or_else(|| format!("fn{}", self.out.functions.len()));
                format!("{owner}#{name}")
            }
            None => name.to_string(),
        };
        self.out.apps.insert(key.clone(), app);
        if let Some(f) = self.frames.last_mut() {
            f.apps.insert(name.to_string(), key.clone());
        }
        key
    }

    /// `createApp()`, `await makeRouter(env)`: a call of a name the project may declare.
    fn made_by_call(&self, init: &Expr) -> Option<Target> {
        let mut e = strip(init);
        if let Expr::Await(a) = e {
            e = strip(&a.arg);
        }
        let Expr::Call(c) = e else { return None };
        let Callee::Expr(callee) = &c.callee else {
            return None;
        };
        match path_of(callee)?.as_slice() {
            [name] => Some(self.resolve_name(name)),
            _ => None,
        }
    }

    /// The app a mount's argument is.
    fn app_ref(&self, e: &Expr) -> Option<AppRef> {
        match strip(e) {
            Expr::Ident(i) => {
                let name = i.sym.to_string();
                if let Some(k) = self.app_key(&name) {
                    return Some(AppRef::Name(k));
                }
                let made = self
                    .frames
                    .iter()
                    .rev()
                    .find_map(|f| f.made_by.get(&name))
                    .or_else(|| self.made_by.get(&name));
                Some(match made {
                    Some(t) => AppRef::Returned(t.clone()),
                    None => AppRef::Name(name),
                })
            }
            other => self.made_by_call(other).map(AppRef::Returned),
        }
    }

    fn app_item(&mut self, method: &str, c: &CallExpr) -> Option<AppItem> {
        let args: Vec<&Expr> = c.args.iter().map(|a| &*a.expr).collect();
        // A chained call's span starts at the chain's start: its first argument's line.
        let line = args
            .first()
            .map(|a| self.line(a.span_lo_hi()))
            .unwrap_or_else(|| self.line(c.span));
        match method {
            "use" => {
                let (path, rest) = match args.first().and_then(|a| str_lit(a)) {
                    Some(p) => (p, &args[1..]),
                    None => ("*".to_string(), &args[..]),
                };
                let handlers = rest.iter().map(|h| self.handler(h)).collect();
                Some(AppItem::Use { path, handlers })
            }
            "route" => {
                let path = str_lit(args.first()?)?;
                let app = self.app_ref(args.get(1)?)?;
                Some(AppItem::Mount { path, app })
            }
            "on" => {
                let method = str_lit(args.first()?).unwrap_or_else(|| "ALL".into());
                let path = str_lit(args.get(1)?)?;
                let handlers = args[2..].iter().map(|h| self.handler(h)).collect();
                Some(AppItem::Route {
                    method: method.to_uppercase(),
                    path,
                    handlers,
                    line,
                })
            }
            m if ROUTE_METHODS.contains(&m) => {
                let path = str_lit(args.first()?)?;
                let handlers = args[1..].iter().map(|h| self.handler(h)).collect();
                Some(AppItem::Route {
                    method: m.to_uppercase(),
                    path,
                    handlers,
                    line,
                })
            }
            _ => None,
        }
    }

    /// A route's handler or middleware: its body with `next()` marked, or a call of the
    /// function it names.
    fn handler(&mut self, h: &Expr) -> Node {
        match strip(h) {
            Expr::Arrow(_) | Expr::Fn(_) => {
                let second = match strip(h) {
                    Expr::Arrow(a) => a.params.get(1),
                    Expr::Fn(f) => f.function.params.get(1).map(|p| &p.pat),
                    _ => None,
                };
                let next = second.and_then(|p| match p {
                    Pat::Ident(i) => Some(i.id.sym.to_string()),
                    _ => None,
                });
                let outer = std::mem::replace(&mut self.next, next);
                let body = self.function_expr(h);
                self.next = outer;
                body
            }
            other => match path_of(other) {
                Some(p) => Node::Call(Target::Path(p), self.line(other.span_lo_hi())),
                None => self.expr(other),
            },
        }
    }

    fn function_expr(&mut self, e: &Expr) -> Node {
        match strip(e) {
            Expr::Arrow(a) => match &*a.body {
                ArrowFunctionBody::FunctionBody(b) => {
                    self.function(&a.params, Some(Body::Block(&b.stmts)))
                }
                ArrowFunctionBody::Expr(e) => self.function(&a.params, Some(Body::Expr(e))),
            },
            Expr::Fn(f) => self.function(
                &f.function.params_pats(),
                f.function.body.as_ref().map(|b| Body::Block(&b.stmts)),
            ),
            _ => Node::empty(),
        }
    }

    /// A function's body, with its own nested functions in scope.
    fn function(&mut self, params: &[Pat], body: Option<Body>) -> Node {
        let Some(body) = body else {
            return Node::empty();
        };
        // A middleware's continuation: Hono's `(c, next)`, SvelteKit's `({ event, resolve })`.
        let own_next = match (params.first(), params.get(1)) {
            (_, Some(Pat::Ident(i))) if &*i.id.sym == "next" => Some("next".to_string()),
            // SvelteKit's `({ event, resolve })`, Pages Functions' `({ env, next })`.
            (Some(Pat::Object(o)), None) => o.props.iter().find_map(|p| match p {
                ObjectPatProp::Assign(a) if matches!(&*a.key.sym, "resolve" | "next") => {
                    Some(a.key.sym.to_string())
                }
                _ => None,
            }),
            _ => None,
        };
        let outer_next = own_next.map(|n| self.next.replace(n));
        // Pages Functions' `context.next()`.
        let context = match params.first() {
            Some(Pat::Ident(i)) if matches!(&*i.id.sym, "context" | "ctx") => {
                Some(i.id.sym.to_string())
            }
            _ => None,
        };
        let outer_context = context.map(|c| self.context.replace(c));
        self.instances.push(HashMap::new());
        let id = self.pending_id.take();
        if let Some(id) = id {
            self.out.functions[id].params = params
                .iter()
                .map(|p| match p {
                    Pat::Ident(i) => Some(i.id.sym.to_string()),
                    Pat::Assign(a) => match &*a.left {
                        Pat::Ident(i) => Some(i.id.sym.to_string()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
        }
        self.frames.push(Frame {
            id,
            ops_start: self.out.ops.len(),
            ..Frame::default()
        });
        let node = match body {
            Body::Block(stmts) => {
                self.nested(stmts);
                let n = self.stmts(stmts);
                self.scopes.pop();
                n
            }
            Body::Expr(e) => Node::Return(Box::new(self.expr(e))),
        };
        self.instances.pop();
        let frame = self.frames.pop().unwrap_or_default();
        let node = self.keep_caches(node, &frame);
        if let Some(outer) = outer_next {
            self.next = outer;
        }
        if let Some(outer) = outer_context {
            self.context = outer;
        }
        node
    }

    /// The functions a body declares, in scope for its calls.
    fn nested(&mut self, stmts: &[Stmt]) {
        let mut scope = HashMap::new();
        let mut bodies: Vec<(usize, Nested)> = vec![];
        for s in stmts {
            match s {
                Stmt::Decl(Decl::Fn(f)) => {
                    let id = self.add_nested(&f.ident.sym, f.function.span);
                    scope.insert(f.ident.sym.to_string(), id);
                    bodies.push((id, Nested::Decl(&f.function)));
                }
                Stmt::Decl(Decl::Var(v)) => {
                    for d in &v.decls {
                        let (Pat::Ident(i), Some(init)) = (&d.name, &d.init) else {
                            continue;
                        };
                        if matches!(strip(init), Expr::Arrow(_) | Expr::Fn(_)) {
                            let id = self.add_nested(&i.id.sym, init.span_lo_hi());
                            scope.insert(i.id.sym.to_string(), id);
                            bodies.push((id, Nested::Expr(init)));
                        }
                    }
                }
                _ => {}
            }
        }
        self.scopes.push(scope);
        for (id, n) in bodies {
            self.pending_id = Some(id);
            let body = match n {
                Nested::Expr(e) => self.function_expr(e),
                Nested::Decl(f) => self.function(
                    &f.params_pats(),
                    f.body.as_ref().map(|b| Body::Block(&b.stmts)),
                ),
            };
            self.out.functions[id].body = body;
        }
    }

    fn add_nested(&mut self, name: &str, span: swc_common::Span) -> usize {
        let id = self.out.functions.len();
        let line = self.line(span);
        self.out.functions.push(Func {
            name: name.to_string(),
            body: Node::empty(),
            line,
            params: vec![],
        });
        id
    }

    fn block(&mut self, b: &BlockStmt) -> Node {
        self.nested(&b.stmts);
        let n = self.stmts(&b.stmts);
        self.scopes.pop();
        n
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> Node {
        Node::seq(stmts.iter().map(|s| self.stmt(s)).collect())
    }

    fn stmt(&mut self, s: &Stmt) -> Node {
        match s {
            Stmt::Block(b) => self.block(b),
            Stmt::Expr(e) if self.app_statement(&e.expr) => Node::empty(),
            Stmt::Expr(e) => self.expr(&e.expr),
            Stmt::Decl(Decl::Var(v)) => self.var_decl(v),
            Stmt::Decl(_) => Node::empty(),
            Stmt::Return(ReturnStmt { arg: Some(a), .. }) if matches!(strip(a), Expr::Ident(i) if self.app_key(&i.sym).is_some()) =>
            {
                if let (Expr::Ident(i), Some(id)) =
                    (strip(a), self.frames.last().and_then(|f| f.id))
                {
                    let key = self.app_key(&i.sym).unwrap();
                    self.out.returned_apps.insert(id, key);
                }
                Node::Return(Box::new(Node::empty()))
            }
            _ => self.stmt_flow(s),
        }
    }

    fn var_decl(&mut self, v: &VarDecl) -> Node {
        {
            {
                let mut nodes = vec![];
                for d in &v.decls {
                    let Some(init) = &d.init else { continue };
                    if matches!(strip(init), Expr::Arrow(_) | Expr::Fn(_)) {
                        continue;
                    }
                    if let Pat::Ident(id) = &d.name {
                        if let Some(binding) = self.binding_of(init) {
                            if let Some(f) = self.frames.last_mut() {
                                f.aliases.insert(id.id.sym.to_string(), binding);
                            }
                        }
                        if let Some(app) = self.app_decl(init) {
                            self.add_app(&id.id.sym, app);
                            continue;
                        }
                        if let Some(t) = self.made_by_call(init) {
                            if let Some(f) = self.frames.last_mut() {
                                f.made_by.insert(id.id.sym.to_string(), t);
                            }
                        }
                    }
                    let before = self.out.ops.len();
                    nodes.push(self.expr(init));
                    self.remember(&d.name, init, before);
                }
                Node::seq(nodes)
            }
        }
    }

    /// The statements whose flow decides how many operations run.
    fn stmt_flow(&mut self, s: &Stmt) -> Node {
        match s {
            Stmt::Return(r) => Node::Return(Box::new(match &r.arg {
                Some(a) => self.expr(a),
                None => Node::empty(),
            })),
            Stmt::Throw(t) => Node::Return(Box::new(self.expr(&t.arg))),
            Stmt::If(i) => {
                let test = self.expr(&i.test);
                let hit = self.tests_a_read(&i.test).filter(|_| returns(&i.cons));
                let cons = self.stmt(&i.cons);
                let cons = match hit {
                    Some(reads) => {
                        let id = self.hits;
                        self.hits += 1;
                        if let Some(f) = self.frames.last_mut() {
                            f.hits.push((id, reads));
                        }
                        Node::Hit(Box::new(cons), id)
                    }
                    None => cons,
                };
                let alt = match &i.alt {
                    Some(a) => self.stmt(a),
                    None => Node::empty(),
                };
                Node::seq(vec![test, Node::Alt(vec![cons, alt])])
            }
            Stmt::Switch(s) => {
                let disc = self.expr(&s.discriminant);
                let mut arms: Vec<Node> = s.cases.iter().map(|c| self.stmts(&c.cons)).collect();
                if !s.cases.iter().any(|c| c.test.is_none()) {
                    arms.push(Node::empty());
                }
                Node::seq(vec![disc, Node::Alt(arms)])
            }
            Stmt::For(f) => {
                let init = match &f.init {
                    Some(VarDeclOrExpr::Expr(e)) => self.expr(e),
                    Some(VarDeclOrExpr::VarDecl(v)) => self.var_decl(v),
                    None => Node::empty(),
                };
                let count = counted_loop(f);
                let mut body = vec![self.stmt(&f.body)];
                if let Some(t) = &f.test {
                    body.push(self.expr(t));
                }
                if let Some(u) = &f.update {
                    body.push(self.expr(u));
                }
                Node::seq(vec![init, Node::Loop(Box::new(Node::seq(body)), count)])
            }
            Stmt::ForOf(f) => {
                let right = self.expr(&f.right);
                let count = literal_length(&f.right);
                let body = self.stmt(&f.body);
                Node::seq(vec![right, Node::Loop(Box::new(body), count)])
            }
            Stmt::ForIn(f) => {
                let right = self.expr(&f.right);
                let body = self.stmt(&f.body);
                Node::seq(vec![right, Node::Loop(Box::new(body), None)])
            }
            Stmt::While(w) => {
                let body = Node::seq(vec![self.expr(&w.test), self.stmt(&w.body)]);
                Node::Loop(Box::new(body), None)
            }
            Stmt::DoWhile(w) => {
                let body = Node::seq(vec![self.stmt(&w.body), self.expr(&w.test)]);
                // At least once.
                Node::seq(vec![body.clone(), Node::Loop(Box::new(body), None)])
            }
            Stmt::Try(t) => {
                let block = self.block(&t.block);
                let handler = t
                    .handler
                    .as_ref()
                    .map(|h| Node::Maybe(Box::new(self.block(&h.body))))
                    .unwrap_or_else(Node::empty);
                let finalizer = t
                    .finalizer
                    .as_ref()
                    .map(|f| self.block(f))
                    .unwrap_or_else(Node::empty);
                Node::seq(vec![block, handler, finalizer])
            }
            Stmt::Labeled(l) => self.stmt(&l.body),
            _ => Node::empty(),
        }
    }

    /// After `const x = await kv.get(…)`: `x` holds a value read; after `const c = new
    /// C(…)`: `c` is an instance of `C`.
    fn remember(&mut self, pat: &Pat, init: &Expr, ops_before: usize) {
        let Pat::Ident(id) = pat else { return };
        let name = id.id.sym.to_string();
        let reads: Vec<usize> = (ops_before..self.out.ops.len())
            .filter(|&i| self.out.ops[i].kind == Kind::Read)
            .collect();
        if !reads.is_empty() || self.calls_reading(init) {
            if let Some(f) = self.frames.last_mut() {
                f.reads.push((name.clone(), reads));
            }
        }
        let mut e = strip(init);
        if let Expr::Await(a) = e {
            e = strip(&a.arg);
        }
        if let Expr::New(n) = e {
            if let Some(p) = path_of(&n.callee).filter(|p| p.len() == 1) {
                let labels: Labels = n
                    .args
                    .iter()
                    .flatten()
                    .map(|a| self.namespace_label(&a.expr).map(Arc::from))
                    .collect();
                if let Some(i) = self.instances.last_mut() {
                    i.insert(name, (p[0].clone(), labels));
                }
            }
        }
    }

    /// Whether an initialiser calls a function or method named like a read (`cache.get(…)`,
    /// `getCached(…)`): a read-through cache often hides its read in a helper.
    fn calls_reading(&self, init: &Expr) -> bool {
        let mut e = strip(init);
        if let Expr::Await(a) = e {
            e = strip(&a.arg);
        }
        let callee = match e {
            Expr::Call(CallExpr {
                callee: Callee::Expr(callee),
                ..
            }) => callee,
            Expr::OptChain(OptChainExpr { base, .. }) => match &**base {
                OptChainBase::Call(c) => &c.callee,
                _ => return false,
            },
            _ => return false,
        };
        let name = match strip(callee) {
            Expr::Member(m) => member_name(&m.prop).unwrap_or_default().to_string(),
            Expr::OptChain(OptChainExpr { base, .. }) => match &**base {
                OptChainBase::Member(m) => member_name(&m.prop).unwrap_or_default().to_string(),
                _ => return false,
            },
            Expr::Ident(i) => i.sym.to_string(),
            _ => return false,
        };
        let n = name.to_ascii_lowercase();
        n == "get" || n.starts_with("getcached") || n.starts_with("fromcache")
    }

    /// The reads whose value an `if` test looks at (`if (cached)`, `if (hit !== null)`), if
    /// any.
    fn tests_a_read(&self, test: &Expr) -> Option<Vec<usize>> {
        let frame = self.frames.last()?;
        struct Finds<'n> {
            reads: &'n [(String, Vec<usize>)],
            found: Option<Vec<usize>>,
        }
        impl Visit for Finds<'_> {
            fn visit_ident(&mut self, i: &Ident) {
                if let Some((_, ops)) = self.reads.iter().find(|(n, _)| *n == *i.sym) {
                    self.found.get_or_insert_with(Vec::new).extend(ops);
                }
            }
            fn visit_unary_expr(&mut self, u: &UnaryExpr) {
                // `if (!cached)`: the branch is the miss.
                if u.op != UnaryOp::Bang {
                    u.visit_children_with(self);
                }
            }
        }
        let mut f = Finds {
            reads: &frame.reads,
            found: None,
        };
        test.visit_with(&mut f);
        f.found
    }

    /// A function's cache hits, kept where the function writes what it read (a KV write of
    /// the same key; for a helper's read, a KV write or a call named like a cache write);
    /// the others are plain branches (a lookup that refuses, a flag).
    fn keep_caches(&self, node: Node, frame: &Frame) -> Node {
        let writes: Vec<&OpInfo> = self.out.ops[frame.ops_start..]
            .iter()
            .filter(|o| o.kind == Kind::Write)
            .collect();
        let demoted: Vec<usize> = frame
            .hits
            .iter()
            .filter(|(_, reads)| {
                let cache = if reads.is_empty() {
                    frame.setter || !writes.is_empty()
                } else {
                    reads.iter().any(|&r| {
                        let read = &self.out.ops[r];
                        writes
                            .iter()
                            .any(|w| w.namespace == read.namespace && w.key == read.key)
                    })
                };
                !cache
            })
            .map(|(id, _)| *id)
            .collect();
        if demoted.is_empty() {
            node
        } else {
            demote(node, &demoted)
        }
    }

    fn exprs<'e>(&mut self, es: impl IntoIterator<Item = &'e Expr>) -> Vec<Node> {
        es.into_iter().map(|e| self.expr(e)).collect()
    }

    fn expr(&mut self, e: &Expr) -> Node {
        match e {
            Expr::Call(c) => self.call(c),
            Expr::Cond(c) => {
                let test = self.expr(&c.test);
                let cons = self.expr(&c.cons);
                let alt = self.expr(&c.alt);
                Node::seq(vec![test, Node::Alt(vec![cons, alt])])
            }
            Expr::Bin(b)
                if matches!(
                    b.op,
                    BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing
                ) =>
            {
                let left = self.expr(&b.left);
                let right = self.expr(&b.right);
                Node::seq(vec![left, Node::Maybe(Box::new(right))])
            }
            Expr::Arrow(_) | Expr::Fn(_) | Expr::Class(_) => Node::empty(),
            Expr::OptChain(o) => match &*o.base {
                OptChainBase::Call(c) => {
                    Node::Maybe(Box::new(self.call_at(&c.callee, &c.args, c.span)))
                }
                OptChainBase::Member(m) => self.expr(&m.obj),
            },
            other => {
                let mut children = Children {
                    b: self,
                    out: vec![],
                };
                other.visit_children_with(&mut children);
                Node::seq(children.out)
            }
        }
    }

    fn call(&mut self, c: &CallExpr) -> Node {
        match &c.callee {
            Callee::Expr(callee) => self.call_at(callee, &c.args, c.span),
            _ => Node::seq(self.exprs(c.args.iter().map(|a| &*a.expr))),
        }
    }

    /// A call: a KV operation, a known control construct (`waitUntil`, `Promise.all`, array
    /// iteration, `.then`), a call of the project's own code, or something else.
    fn call_at(
        &mut self,
        callee: &Expr,
        call_args: &[ExprOrSpread],
        span: swc_common::Span,
    ) -> Node {
        if let Some(kv) = self.model.kv_call_at(span) {
            let args = self.exprs(call_args.iter().map(|a| &*a.expr));
            let op = self.op(kv);
            return Node::seq(args.into_iter().chain([Node::Op(op)]).collect());
        }
        let line = self.line(span);
        let callee = strip(callee);
        // An immediately invoked function.
        if matches!(callee, Expr::Arrow(_) | Expr::Fn(_)) {
            return self.function_expr(callee);
        }
        let path = path_of(callee);
        let last = path
            .as_ref()
            .and_then(|p| p.last().cloned())
            .unwrap_or_default();
        let args: Vec<&Expr> = call_args.iter().map(|a| &*a.expr).collect();
        // The middleware's `next()`.
        let next = path.as_ref().is_some_and(|p| match &p[..] {
            [n] => Some(n) == self.next.as_ref(),
            [c, n] => n == "next" && Some(c) == self.context.as_ref(),
            _ => false,
        });
        if next {
            return Node::Next;
        }
        if matches!(
            last.as_str(),
            "set" | "put" | "save" | "store" | "cache" | "setCached"
        ) || last.starts_with("setCache")
            || last.starts_with("saveTo")
        {
            if let Some(f) = self.frames.last_mut() {
                f.setter = true;
            }
        }
        if last == "waitUntil" {
            let inner = Node::seq(self.callbacks_run(&args));
            return Node::Background(Box::new(inner));
        }
        if let Expr::Member(m) = callee {
            let receiver = self.expr(&m.obj);
            let count = literal_length(&m.obj);
            if ITERATING.contains(&last.as_str()) && args.iter().any(|a| is_fn(a)) {
                let body = Node::seq(self.callbacks_run(&args));
                return Node::seq(vec![receiver, Node::Loop(Box::new(body), count)]);
            }
            match last.as_str() {
                "then" | "finally" => {
                    let mut nodes = vec![receiver];
                    if let Some(first) = args.first() {
                        nodes.push(self.callback(first));
                    }
                    if let Some(second) = args.get(1) {
                        nodes.push(Node::Maybe(Box::new(self.callback(second))));
                    }
                    return Node::seq(nodes);
                }
                "catch" => {
                    let handler = args
                        .first()
                        .map(|a| self.callback(a))
                        .unwrap_or_else(Node::empty);
                    return Node::seq(vec![receiver, Node::Maybe(Box::new(handler))]);
                }
                _ => {}
            }
            let own = self.resolve_member(m, &path);
            let arg_nodes = self.callbacks_maybe(&args, &last, line);
            return match own {
                Some(callee) => {
                    let note = self.if_unresolved(&callee, call_args, &last, line);
                    let made = match strip(&m.obj) {
                        Expr::Ident(i) => self
                            .instances
                            .iter()
                            .rev()
                            .find_map(|s| s.get(&*i.sym))
                            .map(|(_, l)| l.clone()),
                        _ => None,
                    };
                    let call = match made {
                        Some(ctor) => {
                            let labels: Labels = args
                                .iter()
                                .map(|a| self.namespace_label(a).map(Arc::from))
                                .collect();
                            Node::Method(callee, line, labels, key_labels(&args), ctor)
                        }
                        None => self.call_with(callee, line, &args),
                    };
                    Node::seq(vec![receiver, Node::seq(arg_nodes), call, note])
                }
                None => {
                    let note = self.unfollowed(call_args, &last, line);
                    Node::seq(vec![receiver, Node::seq(arg_nodes), note])
                }
            };
        }
        let arg_nodes = self.callbacks_maybe(&args, &last, line);
        let own = match &path {
            Some(p) if p.len() == 1 => Some(self.resolve_name(&p[0])),
            _ => None,
        };
        match own {
            Some(callee) => {
                let note = self.if_unresolved(&callee, call_args, &last, line);
                let call = self.call_with(callee, line, &args);
                Node::seq(vec![Node::seq(arg_nodes), call, note])
            }
            None => {
                let callee_node = self.expr(callee);
                let note = self.unfollowed(call_args, &last, line);
                Node::seq(vec![callee_node, Node::seq(arg_nodes), note])
            }
        }
    }

    /// A call's arguments: a function passed is run once (`waitUntil(…)`,
    /// `Promise.all([…])`'s elements are values, run where they are).
    fn callbacks_run(&mut self, args: &[&Expr]) -> Vec<Node> {
        args.iter().map(|a| self.callback(a)).collect()
    }

    fn callback(&mut self, a: &Expr) -> Node {
        if is_fn(a) {
            self.function_expr(a)
        } else {
            self.expr(a)
        }
    }

    /// Arguments of another call: a function passed to it may run, once at most as far as
    /// the report assumes, and the report says so when it holds KV operations.
    fn callbacks_maybe(&mut self, args: &[&Expr], callee: &str, line: usize) -> Vec<Node> {
        let mut out = vec![];
        for a in args {
            if is_fn(a) {
                let before = self.out.ops.len();
                let body = self.function_expr(a);
                if self.out.ops.len() > before {
                    out.push(Node::Unfollowed(format!(
                        "{}:{line}: a function passed to `{callee}` is counted as run at most once",
                        self.out.label
                    )));
                }
                out.push(Node::Maybe(Box::new(body)));
            } else {
                out.push(self.expr(a));
            }
        }
        out
    }

    /// A call of nothing the project declares: said when it is handed the env or a KV
    /// namespace (it may use it), silent otherwise (`JSON.parse`, `fetch`, `c.json`).
    fn unfollowed(&self, args: &[ExprOrSpread], name: &str, line: usize) -> Node {
        let hands_kv = args.iter().any(|a| {
            let text = self.source.slice(a.expr.span_lo_hi());
            text == "env"
                || text.ends_with(".env")
                || self
                    .out
                    .kv_names
                    .iter()
                    .any(|n| text == n || text.ends_with(&format!(".{n}")))
        });
        if !hands_kv || name.is_empty() {
            return Node::empty();
        }
        Node::Unfollowed(format!(
            "{}:{line}: `{name}(…)` is handed the env or a KV namespace, and is not the project's code that kvlint can follow",
            self.out.label
        ))
    }

    /// A call of the project's code, with the namespace each argument is, when any is.
    fn call_with(&self, target: Target, line: usize, args: &[&Expr]) -> Node {
        let labels: Vec<Option<Arc<str>>> = args
            .iter()
            .map(|a| self.namespace_label(a).map(Arc::from))
            .collect();
        let keys = key_labels(args);
        if labels.iter().all(Option::is_none) && keys.iter().all(Option::is_none) {
            Node::Call(target, line)
        } else {
            Node::CallWith(target, line, labels.into(), keys)
        }
    }

    /// The binding an expression is (`c.env.CACHE`, `env.CACHE`, a local alias of one).
    fn binding_of(&self, e: &Expr) -> Option<String> {
        let path = path_of(e)?;
        let last = path.last()?;
        if path.len() > 1 && self.out.kv_names.iter().any(|n| n == last) {
            return Some(last.clone());
        }
        if path.len() == 1 {
            return self
                .frames
                .iter()
                .rev()
                .find_map(|f| f.aliases.get(last))
                .cloned();
        }
        None
    }

    /// What namespace an argument is, as the callee's count names it: a binding, else the
    /// caller's own name for it (its parameter, renamed in turn by its caller).
    fn namespace_label(&self, e: &Expr) -> Option<String> {
        if let Some(b) = self.binding_of(e) {
            return Some(b);
        }
        match strip(e) {
            Expr::Ident(i) => Some(i.sym.to_string()),
            _ => None,
        }
    }

    /// [`Builder::unfollowed`]'s note, said only if `target` is not the project's code.
    fn if_unresolved(
        &self,
        target: &Target,
        args: &[ExprOrSpread],
        name: &str,
        line: usize,
    ) -> Node {
        match self.unfollowed(args, name, line) {
            Node::Unfollowed(note) => Node::Unresolved(target.clone(), note),
            other => other,
        }
    }

    /// A name called: a nested function in scope, else the file's or an import's (resolved
    /// with the project).
    fn resolve_name(&self, name: &str) -> Target {
        for scope in self.scopes.iter().rev() {
            if let Some(&id) = scope.get(name) {
                return Target::Local(id);
            }
        }
        Target::Path(vec![name.to_string()])
    }

    /// A method called: `this.m()` in a class, `x.m()` on `new C()`, `obj.m()` of an
    /// object the file declares or a module imported whole.
    fn resolve_member(&self, m: &MemberExpr, path: &Option<Vec<String>>) -> Option<Target> {
        let method = member_name(&m.prop)?.to_string();
        match strip(&m.obj) {
            Expr::This(_) => {
                let class = self.class.clone()?;
                Some(Target::Path(vec![class, method]))
            }
            Expr::Ident(i) => {
                let name = i.sym.to_string();
                if let Some((class, _)) = self.instances.iter().rev().find_map(|s| s.get(&name)) {
                    return Some(Target::Path(vec![class.clone(), method]));
                }
                let declared = self.out.by_key.contains_key(&format!("{name}.{method}"));
                let imported = self.out.imports.contains_key(&name);
                (declared || imported).then(|| Target::Path(path.clone().unwrap_or_default()))
            }
            _ => None,
        }
    }

    fn op(&mut self, kv: &KvCall) -> usize {
        if let Some(&i) = self.op_at.get(&kv.span) {
            return i;
        }
        let kind = match kv.method {
            KvMethod::Get | KvMethod::GetWithMetadata => Kind::Read,
            KvMethod::Put => Kind::Write,
            KvMethod::Delete => Kind::Delete,
            KvMethod::List => Kind::List,
        };
        let (namespace, known) = match kv
            .namespace
            .clone()
            .or_else(|| kv.binding.as_ref().map(|b| b.name.clone()))
        {
            Some(n) => (n, true),
            None => {
                // `platform?.env?.KV`: the binding the code names, known or not.
                let text = self.source.slice(kv.receiver_span).replace("?.", ".");
                let named = text.rsplit_once("env.").map(|(_, n)| n).filter(|n| {
                    !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_')
                });
                match named {
                    Some(n) => (n.to_string(), self.out.kv_names.iter().any(|k| k == n)),
                    None => (text, false),
                }
            }
        };
        let first = kv.arg(0);
        let keys = match first.map(strip) {
            Some(e @ Expr::Array(_)) if kv.method.is_read() => literal_length(e),
            _ => Some(1),
        };
        let key = match (kv.method, first) {
            (KvMethod::List, _) => match kv.list_prefix() {
                Some(p) if p.is_empty() => "*".to_string(),
                Some(p) => format!("{p}*"),
                None => "${…}*".to_string(),
            },
            (_, Some(Expr::Array(a))) => a
                .elems
                .iter()
                .flatten()
                .map(|e| pattern(&e.expr, &kv.consts))
                .collect::<Vec<_>>()
                .join(", "),
            (_, Some(k)) => pattern(k, &kv.consts),
            (_, None) => "${…}".to_string(),
        };
        let option = |name: &str| -> Option<String> {
            let index = if kind == Kind::Write { 2 } else { 1 };
            let Expr::Object(o) = strip(kv.arg(index)?) else {
                return None;
            };
            o.props.iter().find_map(|p| match p {
                PropOrSpread::Prop(p) => match &**p {
                    Prop::KeyValue(p) if prop_name(&p.key).as_deref() == Some(name) => {
                        let text = self.source.slice(p.value.span_lo_hi()).to_string();
                        Some(
                            match crate::semantic::values::number(&p.value, &kv.consts) {
                                Some(n) if text.parse::<f64>().is_err() => format!("{n} ({text})"),
                                _ => text,
                            },
                        )
                    }
                    Prop::Shorthand(i) if &*i.sym == name => Some(i.sym.to_string()),
                    _ => None,
                },
                _ => None,
            })
        };
        let ttl = (kind == Kind::Write)
            .then(|| {
                option("expirationTtl").or_else(|| option("expiration").map(|e| format!("at {e}")))
            })
            .flatten();
        let cache_ttl = (kind == Kind::Read).then(|| option("cacheTtl")).flatten();
        let key_name = match (kv.method, first.map(strip)) {
            (KvMethod::List, _) => None,
            (_, Some(Expr::Ident(i))) => Some(i.sym.to_string()),
            _ => None,
        };
        let line = self.line(kv.span);
        let i = self.out.ops.len();
        self.out.ops.push(OpInfo {
            namespace: namespace.into(),
            known_namespace: known,
            kind,
            method: kv.method,
            keys,
            key,
            key_name,
            ttl,
            cache_ttl,
            line,
        });
        self.op_at.insert(kv.span, i);
        i
    }
}

/// The tree with the hits of `ids` made plain branches.
fn demote(node: Node, ids: &[usize]) -> Node {
    let all =
        |nodes: Vec<Node>| -> Vec<Node> { nodes.into_iter().map(|n| demote(n, ids)).collect() };
    match node {
        Node::Seq(v) => Node::Seq(all(v)),
        Node::Alt(v) => Node::Alt(all(v)),
        Node::Maybe(n) => Node::Maybe(Box::new(demote(*n, ids))),
        Node::Loop(n, c) => Node::Loop(Box::new(demote(*n, ids)), c),
        Node::Background(n) => Node::Background(Box::new(demote(*n, ids))),
        Node::Return(n) => Node::Return(Box::new(demote(*n, ids))),
        Node::Hit(n, id) if ids.contains(&id) => demote(*n, ids),
        Node::Hit(n, id) => Node::Hit(Box::new(demote(*n, ids)), id),
        other => other,
    }
}

/// Marks a key label that is the caller's own name (its parameter, named in turn by its
/// caller), not a pattern.
pub const NAME_MARK: char = '\u{0}';

/// What key each argument of a call is: a pattern where the text says (`'/api/metrics'`,
/// `` `user:${id}` ``), the caller's name for it (marked), or nothing.
fn key_labels(args: &[&Expr]) -> Labels {
    let none = Consts::default();
    args.iter()
        .map(|a| match strip(a) {
            Expr::Lit(Lit::Str(_)) | Expr::Tpl(_) | Expr::Bin(_) => {
                let p = pattern(a, &none);
                (!p.starts_with("${")).then(|| Arc::from(p))
            }
            Expr::Ident(i) => Some(Arc::from(format!("{NAME_MARK}{}", i.sym))),
            _ => None,
        })
        .collect()
}

/// A key as a pattern: its static parts, `${…}` for each dynamic one.
fn pattern(e: &Expr, consts: &Consts) -> String {
    if let KeyValue::Static(s) = key_value(e, consts) {
        return s;
    }
    match strip(e) {
        Expr::Tpl(t) => {
            let mut out = String::new();
            for (i, q) in t.quasis.iter().enumerate() {
                out.push_str(q.cooked.as_ref().and_then(|c| c.as_str()).unwrap_or("…"));
                if let Some(e) = t.exprs.get(i) {
                    match key_value(e, consts) {
                        KeyValue::Static(s) => out.push_str(&s),
                        _ => out.push_str("${…}"),
                    }
                }
            }
            out
        }
        Expr::Bin(b) if b.op == BinaryOp::Add => {
            format!("{}{}", pattern(&b.left, consts), pattern(&b.right, consts))
        }
        _ => match key_value(e, consts) {
            KeyValue::Prefix(p) => format!("{p}${{…}}"),
            _ => "${…}".to_string(),
        },
    }
}

/// The length of an array literal without spreads (`['a', 'b']`: 2).
fn literal_length(e: &Expr) -> Option<u64> {
    match strip(e) {
        Expr::Array(a)
            if a.elems
                .iter()
                .all(|e| e.as_ref().is_some_and(|e| e.spread.is_none())) =>
        {
            Some(a.elems.len() as u64)
        }
        _ => None,
    }
}

fn is_fn(e: &Expr) -> bool {
    matches!(strip(e), Expr::Arrow(_) | Expr::Fn(_))
}

/// Whether a branch ends by returning (its last statement, or its only one).
fn returns(s: &Stmt) -> bool {
    match s {
        Stmt::Return(_) => true,
        Stmt::Block(b) => b.stmts.last().is_some_and(returns),
        _ => false,
    }
}

/// The fields a constructor sets from its parameters: TypeScript's parameter properties
/// (`constructor(private kv: KVNamespace)`) and `this.kv = kv` in its body.
fn constructor_fields(c: &Constructor) -> Vec<(String, usize)> {
    let mut names: Vec<Option<String>> = vec![];
    let mut fields = vec![];
    for (i, p) in c.params.iter().enumerate() {
        match p {
            ParamOrTsParamProp::TsParamProp(t) => {
                let name = match &t.param {
                    TsParamPropParam::Ident(b) => Some(b.id.sym.to_string()),
                    TsParamPropParam::Assign(a) => match &*a.left {
                        Pat::Ident(b) => Some(b.id.sym.to_string()),
                        _ => None,
                    },
                };
                if let Some(n) = &name {
                    fields.push((n.clone(), i));
                }
                names.push(name);
            }
            ParamOrTsParamProp::Param(p) => names.push(match &p.pat {
                Pat::Ident(b) => Some(b.id.sym.to_string()),
                _ => None,
            }),
        }
    }
    for s in c.body.iter().flat_map(|b| &b.stmts) {
        let Stmt::Expr(e) = s else { continue };
        let Expr::Assign(a) = strip(&e.expr) else {
            continue;
        };
        let AssignTarget::Simple(SimpleAssignTarget::Member(m)) = &a.left else {
            continue;
        };
        let (Expr::This(_), Some(field)) = (strip(&m.obj), member_name(&m.prop)) else {
            continue;
        };
        let Expr::Ident(value) = strip(&a.right) else {
            continue;
        };
        if let Some(i) = names.iter().position(|n| n.as_deref() == Some(&*value.sym)) {
            fields.push((field.to_string(), i));
        }
    }
    fields
}

/// Whether `x.method(args)` registers a route, a middleware or a mount the way routers do:
/// a path first (`'/users/:id'`, `'*'`), then handlers.
fn registers(method: &str, c: &CallExpr) -> bool {
    let path = c
        .args
        .first()
        .and_then(|a| str_lit(&a.expr))
        .is_some_and(|p| p.starts_with('/') || p == "*");
    let handler = c.args.iter().skip(1).any(|a| {
        matches!(
            strip(&a.expr),
            Expr::Arrow(_) | Expr::Fn(_) | Expr::Ident(_) | Expr::Call(_) | Expr::Member(_)
        )
    });
    path && handler && (ROUTE_METHODS.contains(&method) || method == "use" || method == "route")
}

/// `for (let i = 0; i < 3; i++)`: the count, when both bounds are literal numbers.
fn counted_loop(f: &ForStmt) -> Option<u64> {
    let Some(VarDeclOrExpr::VarDecl(v)) = &f.init else {
        return None;
    };
    let start = match v.decls.first()?.init.as_deref().map(strip) {
        Some(Expr::Lit(Lit::Num(n))) => n.value,
        _ => return None,
    };
    let Expr::Bin(b) = strip(f.test.as_deref()?) else {
        return None;
    };
    let Expr::Lit(Lit::Num(end)) = strip(&b.right) else {
        return None;
    };
    let n = match b.op {
        BinaryOp::Lt => end.value - start,
        BinaryOp::LtEq => end.value - start + 1.0,
        _ => return None,
    };
    (n >= 0.0 && n.fract() == 0.0).then_some(n as u64)
}

/// `Router()`, `AutoRouter({ base: '/api' })`, `IttyRouter()`: itty-router's, with its base.
fn router_of(c: &CallExpr) -> Option<String> {
    let Callee::Expr(callee) = &c.callee else {
        return None;
    };
    let Expr::Ident(i) = strip(callee) else {
        return None;
    };
    if !matches!(&*i.sym, "Router" | "AutoRouter" | "IttyRouter") {
        return None;
    }
    let base = c.args.first().and_then(|a| match strip(&a.expr) {
        Expr::Object(o) => o.props.iter().find_map(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) if prop_name(&kv.key).as_deref() == Some("base") => {
                    str_lit(&kv.value)
                }
                _ => None,
            },
            _ => None,
        }),
        _ => None,
    });
    Some(base.unwrap_or_default())
}

/// A function a body declares: a declaration, or a `const` bound to a function expression.
enum Nested<'a> {
    Decl(&'a swc_ecma_ast::Function),
    Expr(&'a Expr),
}

enum Body<'a> {
    Block(&'a [Stmt]),
    Expr(&'a Expr),
}

trait ParamsPats {
    fn params_pats(&self) -> Vec<Pat>;
}

impl ParamsPats for swc_ecma_ast::Function {
    fn params_pats(&self) -> Vec<Pat> {
        self.params.iter().map(|p| p.pat.clone()).collect()
    }
}

trait SpanLoHi {
    fn span_lo_hi(&self) -> swc_common::Span;
}

impl SpanLoHi for Expr {
    fn span_lo_hi(&self) -> swc_common::Span {
        use swc_common::Spanned;
        self.span()
    }
}

/// The nodes of an expression's direct sub-expressions, in order, functions left out (they
/// run when called, not where they are written).
struct Children<'b, 'a, 'p> {
    b: &'b mut Builder<'a, 'p>,
    out: Vec<Node>,
}

impl Visit for Children<'_, '_, '_> {
    fn visit_expr(&mut self, e: &Expr) {
        let n = self.b.expr(e);
        self.out.push(n);
    }
    fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}
