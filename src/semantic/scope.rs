//! A scope table: each name resolves to its nearest declaration.

use rustc_hash::FxHashMap as HashMap;

use swc_atoms::Atom;
use swc_ecma_ast::{
    Constructor, Decl, Expr, ImportSpecifier, ModuleDecl, ModuleItem, ObjectPatProp,
    ParamOrTsParamProp, Pat, Stmt, VarDeclKind,
};

/// What the model knows of the value a name holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A KV namespace; the text says why.
    Kv(String),
    DurableObjectNamespace,
    /// A stub of a Durable Object (`ns.get(id)`, `ns.getByName(name)`).
    DurableObjectStub,
    /// An object holding bindings (`env`).
    Env,
    /// An Env typed with an interface or type alias declared in the file.
    TypedEnv(String),
    /// An object whose declared type is a type literal: what each member holds, where its
    /// declared type says (a member typed by a literal of its own is a `Shape` too).
    Shape(Vec<(String, Option<Value>)>),
    /// A function whose calls give this value (`true`: a `Promise` of it): one declared or
    /// inferred to return a KV namespace (`getKV(env)`, `store.cache(env)` with `import * as
    /// store`) or an env object (`readEnv(): Env`).
    Returns(Box<Value>, bool),
    /// A string: declared `string` (a parameter, a variable, a member of a typed object, a
    /// function's declared return).
    Str,
    /// An object typed by an interface or type alias of the file that declares no binding:
    /// its members are what their declared types say, never binding names.
    Typed(String),
    /// A promise of a value (`p: Promise<KVNamespace | null>`): `await p` is the value.
    Promised(Box<Value>),
    /// Anything else, or unknown.
    Other,
}

#[derive(Clone, Debug)]
pub struct Binding<'p> {
    pub value: Value,
    /// The initialiser of a `const` with a small initialiser (for key and TTL values).
    pub const_init: Option<&'p Expr>,
}

impl Binding<'_> {
    /// A name that holds `value` (and no `const` initialiser worth keeping).
    pub fn of(value: Value) -> Self {
        Binding {
            value,
            const_init: None,
        }
    }

    pub fn other() -> Self {
        Binding::of(Value::Other)
    }
}

#[derive(Default)]
pub struct Scopes<'p> {
    stack: Vec<HashMap<Atom, Binding<'p>>>,
}

impl<'p> Scopes<'p> {
    pub fn push(&mut self) {
        self.stack.push(HashMap::default());
    }

    pub fn pop(&mut self) {
        self.stack.pop();
    }

    pub fn declare(&mut self, name: Atom, binding: Binding<'p>) {
        if let Some(top) = self.stack.last_mut() {
            top.insert(name, binding);
        }
    }

    pub fn resolve(&self, name: &Atom) -> Option<&Binding<'p>> {
        self.stack.iter().rev().find_map(|s| s.get(name))
    }

    /// Declares, as `Other` until their declarations are reached, the names a list of
    /// statements declares, so that a later local declaration shadows from the start of
    /// its block (as `let`/`const`/`function` do).
    pub fn predeclare_stmts<'a>(&mut self, stmts: impl Iterator<Item = &'a Stmt>) {
        for stmt in stmts {
            if let Stmt::Decl(d) = stmt {
                self.predeclare_decl(d);
            }
        }
    }

    pub fn predeclare_module(&mut self, items: &[ModuleItem]) {
        for item in items {
            match item {
                ModuleItem::Stmt(Stmt::Decl(d)) => self.predeclare_decl(d),
                ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => self.predeclare_decl(&e.decl),
                ModuleItem::ModuleDecl(ModuleDecl::Import(i)) => {
                    for s in &i.specifiers {
                        let local = match s {
                            ImportSpecifier::Named(n) => &n.local,
                            ImportSpecifier::Default(d) => &d.local,
                            ImportSpecifier::Namespace(n) => &n.local,
                        };
                        self.declare(local.sym.clone(), Binding::other());
                    }
                }
                _ => {}
            }
        }
    }

    fn predeclare_decl(&mut self, d: &Decl) {
        match d {
            Decl::Var(v) if v.kind != VarDeclKind::Var || self.stack.len() == 1 => {
                for decl in &v.decls {
                    for name in pat_names(&decl.name) {
                        self.declare(name, Binding::other());
                    }
                }
            }
            Decl::Fn(f) => self.declare(f.ident.sym.clone(), Binding::other()),
            Decl::Class(c) => self.declare(c.ident.sym.clone(), Binding::other()),
            _ => {}
        }
    }
}

/// A constructor's plain parameters (not its parameter properties, `private kv:
/// KVNamespace`, which the class declares as fields).
pub fn constructor_params(c: &Constructor) -> impl Iterator<Item = &Pat> {
    c.params.iter().filter_map(|p| match p {
        ParamOrTsParamProp::Param(p) => Some(&p.pat),
        ParamOrTsParamProp::TsParamProp(_) => None,
    })
}

/// Every name a pattern binds.
pub fn pat_names(p: &Pat) -> Vec<Atom> {
    let mut out = Vec::new();
    collect(p, &mut out);
    out
}

fn collect(p: &Pat, out: &mut Vec<Atom>) {
    match p {
        Pat::Ident(b) => out.push(b.id.sym.clone()),
        Pat::Array(a) => a.elems.iter().flatten().for_each(|e| collect(e, out)),
        Pat::Rest(r) => collect(&r.arg, out),
        Pat::Object(o) => {
            for prop in &o.props {
                match prop {
                    ObjectPatProp::KeyValue(kv) => collect(&kv.value, out),
                    ObjectPatProp::Assign(a) => out.push(a.key.id.sym.clone()),
                    ObjectPatProp::Rest(r) => collect(&r.arg, out),
                }
            }
        }
        Pat::Assign(a) => collect(&a.left, out),
        Pat::Expr(_) | Pat::Invalid(_) => {}
        #[allow(unreachable_patterns)]
        _ => {}
    }
}

/// The names an assignment assigns: `x = …`, `[a, b] = …`, `({ a, b: c } = …)` (not the
/// objects of member targets, `o.x = …`).
pub fn assigned_names(target: &swc_ecma_ast::AssignTarget) -> Vec<Atom> {
    use swc_ecma_ast::{AssignTarget, AssignTargetPat, SimpleAssignTarget};
    match target {
        AssignTarget::Simple(SimpleAssignTarget::Ident(i)) => vec![i.id.sym.clone()],
        AssignTarget::Pat(AssignTargetPat::Array(p)) => {
            p.elems.iter().flatten().flat_map(pat_names).collect()
        }
        AssignTarget::Pat(AssignTargetPat::Object(o)) => pat_names(&Pat::Object(o.clone())),
        _ => Vec::new(),
    }
}
