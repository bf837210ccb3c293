//! The semantic model (DESIGN §2): which expressions are KV namespaces, and why.
//!
//! One walk over the program with a scope table. Every call of a KV method on an
//! expression the model classifies as a KV namespace becomes a [`KvCall`]; rules work
//! from those and never match on bare names.

pub mod bindings;
mod classify;
pub mod context;
mod declarations;
pub mod evaluation;
pub mod flow;
mod hono;
mod imports;
pub mod jsdoc;
pub mod project;
pub mod references;
pub mod scope;
pub mod statements;
pub mod types;
pub mod values;
pub mod wrangler;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::source::Source;
use bindings::Bindings;
use declarations::{Declarations, FIX_GLOBALS};
use scope::{pat_names, Binding, Scopes, Value};
use types::{known_type, promised, KnownType};
use values::{strip, Consts};

/// The KV namespace methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvMethod {
    Get,
    GetWithMetadata,
    Put,
    Delete,
    List,
}

impl KvMethod {
    pub fn from_name(name: &str) -> Option<KvMethod> {
        Some(match name {
            "get" => KvMethod::Get,
            "getWithMetadata" => KvMethod::GetWithMetadata,
            "put" => KvMethod::Put,
            "delete" => KvMethod::Delete,
            "list" => KvMethod::List,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            KvMethod::Get => "get",
            KvMethod::GetWithMetadata => "getWithMetadata",
            KvMethod::Put => "put",
            KvMethod::Delete => "delete",
            KvMethod::List => "list",
        }
    }

    pub fn is_read(self) -> bool {
        matches!(self, KvMethod::Get | KvMethod::GetWithMetadata)
    }
}

/// A call of a KV method on a KV namespace.
#[derive(Clone, Debug)]
pub struct KvCall<'p> {
    /// The whole call expression.
    pub span: Span,
    pub method: KvMethod,
    /// The method name (`put` in `kv.put(…)`).
    pub method_span: Span,
    /// The namespace expression (`env.SESSIONS` in `env.SESSIONS.put(…)`).
    pub receiver_span: Span,
    pub args: &'p [ExprOrSpread],
    /// Why the receiver is a KV namespace, for `kvlint debug bindings` (empty unless the
    /// model was built with [`SemanticModel::build_explained`]).
    pub reason: String,
    /// The `const`s visible at the call that its arguments refer to.
    pub consts: Consts<'p>,
    /// The innermost function holding the call (0: the module's top level).
    pub function: usize,
    /// How the namespace is reached from the bindings, when the model can say: the env
    /// expression and the binding name (`env.SESSIONS`, or `kv` after `const kv =
    /// c.env.SESSIONS`).
    pub binding: Option<BindingAccess>,
    /// The local name the namespace is called through (`kv` in `kv.get(…)`), if any.
    pub alias: Option<Atom>,
}

/// Where a KV namespace comes from: `E.NAME`, or the global `NAME` of a service worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingAccess {
    /// The env expression's text (`c.env`, `this.env`); `None` for a global binding.
    pub env: Option<String>,
    /// The binding's name (`SESSIONS`).
    pub name: String,
}

/// A method call on a Durable Object stub (`stub.putSession(…)`).
#[derive(Clone, Debug)]
pub struct DoCall {
    pub span: Span,
    pub method: String,
    /// The innermost function holding the call (0: the module's top level).
    pub function: usize,
    /// The text of the first argument (the session id, for session methods).
    pub first_arg: Option<String>,
    /// The binding of the Durable Object namespace the stub comes from (`USER_SESSIONS` in
    /// `env.USER_SESSIONS.getByName(id).putSession(…)`, also through `const` aliases of the
    /// stub or the namespace), when the model can say.
    pub namespace: Option<String>,
}

impl<'p> KvCall<'p> {
    /// The argument at `index`, unless it or an earlier one is a spread.
    pub fn arg(&self, index: usize) -> Option<&'p Expr> {
        if self.args.iter().take(index + 1).any(|a| a.spread.is_some()) {
            return None;
        }
        self.args.get(index).map(|a| &*a.expr)
    }
}

/// What one file's program holds, borrowing from it (and from the project index) for `'p`.
pub struct SemanticModel<'p> {
    pub kv_calls: Vec<KvCall<'p>>,
    /// Index of `kv_calls` by call span.
    by_span: HashMap<Span, usize>,
    pub do_calls: Vec<DoCall>,
    /// Calls whose promise an expression statement drops (`kv.put(…);`, `void f();`, a
    /// dropped `.then` chain), by call span.
    pub dropped: Vec<Span>,
    /// The names bound to a Hono app (`const app = new Hono<E>()`).
    pub hono_apps: HashSet<Atom>,
    /// The bindings known for this file (config, wrangler, and the file's own types):
    /// the settings' own unless the file or its imports add to them.
    pub bindings: Cow<'p, Bindings>,
    /// The names of [`FIX_GLOBALS`] the file declares somewhere (as variables, parameters,
    /// functions, classes, imports, enums or namespaces).
    declared: Vec<Atom>,
    /// The span of each function, by the id calls record (0: the whole program).
    function_spans: Vec<Span>,
}

impl<'p> SemanticModel<'p> {
    /// Whether `name` can only mean the global of that name: nothing in the file declares
    /// it. Fixes that write `JSON.parse` or `Promise.all` need the real ones.
    pub fn is_global(&self, name: &str) -> bool {
        debug_assert!(FIX_GLOBALS.contains(&name), "{name} is not in FIX_GLOBALS");
        !self.declared.iter().any(|d| d == name)
    }

    /// The span of the function with this id (as `KvCall::function` gives it).
    pub fn function_span(&self, function: usize) -> Span {
        self.function_spans[function]
    }

    /// The KV call whose call expression has this span.
    pub fn kv_call_at(&self, span: Span) -> Option<&KvCall<'p>> {
        self.by_span.get(&span).map(|&i| &self.kv_calls[i])
    }
}

/// The bindings that the interfaces and type aliases of a program declare
/// (`interface Env { SESSIONS: KVNamespace }`), as the `Types` source.
pub fn declared_bindings(program: &Program, file_label: &str) -> Bindings {
    let mut decls = Declarations::default();
    program.visit_with(&mut decls);
    decls.bindings(file_label)
}

impl<'p> SemanticModel<'p> {
    /// The model of a program, for the rules: [`KvCall::reason`] is left empty.
    pub fn build(
        program: &'p Program,
        source: &Source,
        base: &'p Bindings,
        file_label: &str,
        imports: Option<&'p project::Imports>,
    ) -> Self {
        Self::build_with(program, source, base, file_label, imports, false)
    }

    /// The model with every KV call's reason written out, for `kvlint debug bindings`.
    pub fn build_explained(
        program: &'p Program,
        source: &Source,
        base: &'p Bindings,
        file_label: &str,
        imports: Option<&'p project::Imports>,
    ) -> Self {
        Self::build_with(program, source, base, file_label, imports, true)
    }

    fn build_with(
        program: &'p Program,
        source: &Source,
        base: &'p Bindings,
        file_label: &str,
        imports: Option<&'p project::Imports>,
        explain: bool,
    ) -> Self {
        let mut decls = Declarations::default();
        program.visit_with(&mut decls);
        let own = decls.bindings(file_label);
        let mut bindings = Cow::Borrowed(base);
        if !own.is_empty() {
            bindings.to_mut().merge(&own);
        }
        let imported = imports
            .map(|i| imports::imported_names(program, i, &mut decls, &mut bindings))
            .unwrap_or_default();
        let env_types = decls
            .interfaces
            .iter()
            .filter(|(_, props)| {
                props
                    .iter()
                    .any(|(_, k)| matches!(k, KnownType::Kv | KnownType::DurableObjectNamespace))
            })
            .map(|(name, _)| name.clone())
            .collect();
        let mut builder = Builder {
            source,
            bindings: &bindings,
            env_types,
            interfaces: decls.interfaces,
            reassigned: decls.reassigned,
            scopes: Scopes::default(),
            this: Vec::new(),
            functions: vec![0],
            next_function: 1,
            function_spans: vec![program.span()],
            calls: Vec::new(),
            do_calls: Vec::new(),
            dropped: Vec::new(),
            returns: HashMap::default(),
            kv_returning: HashMap::default(),
            returned: HashMap::default(),
            value_returning: HashMap::default(),
            hono_apps: HashMap::default(),
            hono_context_types: hono::context_types(program),
            route_context: None,
            imported,
            explain,
        };
        program.visit_with(&mut builder);
        let (kv_calls, do_calls, dropped) = (builder.calls, builder.do_calls, builder.dropped);
        let hono_apps = builder.hono_apps.into_keys().collect();
        let function_spans = builder.function_spans;
        let declared = decls.declared;
        let by_span = kv_calls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.span, i))
            .collect();
        SemanticModel {
            kv_calls,
            by_span,
            do_calls,
            dropped,
            hono_apps,
            bindings,
            declared,
            function_spans,
        }
    }
}

/// The KV-typed fields of the class `this` refers to.
#[derive(Default)]
struct ClassInfo {
    kv_fields: HashMap<String, String>,
    /// Fields typed by a type literal or an interface of the file: what their type says.
    fields: HashMap<String, Value>,
    /// Methods declared to return `KVNamespace` (or a `Promise` of it: `true`).
    kv_methods: HashMap<String, bool>,
}

/// The methods of a Hono app that take handlers.
const ROUTE_METHODS: [&str; 9] = [
    "get", "post", "put", "delete", "patch", "all", "on", "use", "options",
];

/// The most members an object literal may have to be read as a shape.
const MAX_SHAPE_MEMBERS: usize = 64;

/// The largest `const` initialiser kept for key and TTL values.
const MAX_CONST_INIT: usize = 512;

/// The walk that builds the model. `'p` is the program's lifetime: what the model keeps of
/// the program (call arguments, `const` initialisers) borrows from it, never copies.
struct Builder<'a, 'p> {
    source: &'a Source,
    bindings: &'a Bindings,
    env_types: HashSet<String>,
    /// The members with known types of the file's interfaces and type aliases.
    interfaces: HashMap<String, Vec<(String, KnownType)>>,
    /// Names assigned somewhere in the file: a `let` of one of them is not a constant.
    reassigned: HashSet<Atom>,
    scopes: Scopes<'p>,
    /// What `this` is: a class, or something else (`None`).
    this: Vec<Option<ClassInfo>>,
    /// The functions the walk is inside, innermost last (0: top level).
    functions: Vec<usize>,
    next_function: usize,
    /// The span of each function, by id (0: the whole program).
    function_spans: Vec<Span>,
    calls: Vec<KvCall<'p>>,
    do_calls: Vec<DoCall>,
    /// Calls whose promise an expression statement drops.
    dropped: Vec<Span>,
    /// Per function id: how many of its returns are KV namespaces, and how many not.
    returns: HashMap<usize, (usize, usize)>,
    /// Functions (by span) whose every return is a KV namespace, and whether they are async.
    kv_returning: HashMap<Span, bool>,
    /// Per function id: the env object or shape every return so far gives (`None` once one
    /// gives something else).
    returned: HashMap<usize, Option<Value>>,
    /// Functions (by span) whose every return is that value, and whether they are async.
    value_returning: HashMap<Span, (Value, bool)>,
    /// Hono apps of the file (`const app = new Hono<E>()`): the variables `E` declares.
    hono_apps: HashMap<Atom, Vec<(String, KnownType)>>,
    /// The names this file gives hono's `Context` type (`import type { Context } from 'hono'`).
    hono_context_types: HashSet<Atom>,
    /// The context of the route whose handler is visited next, if any.
    route_context: Option<Value>,
    /// What imported names hold, from the project index.
    imported: HashMap<Atom, Binding<'p>>,
    /// Whether to write out why each namespace is one (only `debug bindings` shows it).
    explain: bool,
}

/// Gives a node that swc's visitor handed the builder back the program's lifetime.
///
/// `Visit` methods take their node with an anonymous lifetime, but every node the builder
/// visits is part of the program [`SemanticModel::build`] walks, borrowed unchanged for
/// `'p`; the model keeps such references (call arguments, `const` initialisers) instead
/// of cloning subtrees.
///
/// # Safety
/// `node` must be a node of the program being walked, not a temporary.
pub(crate) unsafe fn in_program<'p, T>(node: &T) -> &'p T {
    // SAFETY: the caller guarantees `node` lives in the program, borrowed for `'p`.
    unsafe { &*(node as *const T) }
}

fn prop_name(p: &MemberProp) -> Option<String> {
    match p {
        MemberProp::Ident(i) => Some(i.sym.to_string()),
        MemberProp::PrivateName(p) => Some(format!("#{}", p.name)),
        MemberProp::Computed(c) => match strip(&c.expr) {
            Expr::Lit(Lit::Str(s)) => s.value.as_str().map(str::to_string),
            Expr::Tpl(t) if t.exprs.is_empty() => {
                t.quasis[0].cooked.as_ref()?.as_str().map(str::to_string)
            }
            _ => None,
        },
    }
}

fn prop_key_name(k: &PropName) -> Option<String> {
    match k {
        PropName::Ident(i) => Some(i.sym.to_string()),
        PropName::Str(s) => s.value.as_str().map(str::to_string),
        _ => None,
    }
}

/// Initialisers that show the value is a plain local object, not an env.
fn is_plain_value(e: &Expr) -> bool {
    matches!(
        strip(e),
        Expr::Object(_)
            | Expr::Array(_)
            | Expr::Lit(_)
            | Expr::Tpl(_)
            | Expr::New(_)
            | Expr::Arrow(_)
            | Expr::Fn(_)
            | Expr::Class(_)
    )
}

impl<'p> Builder<'_, 'p> {
    fn text(&self, span: Span) -> &str {
        self.source.slice(span)
    }

    /// A reason, written out only when the model explains itself.
    fn why(&self, reason: impl FnOnce() -> String) -> String {
        if self.explain {
            reason()
        } else {
            String::new()
        }
    }

    /// Declares a function's name with what its calls give, when that is known.
    fn declare_function(&mut self, name: Atom, value: Value) {
        if value != Value::Other {
            let const_init = None;
            self.scopes.declare(name, Binding { value, const_init });
        }
    }

    /// Declares the function declarations of a statement list (hoisted: callable before
    /// they appear) by their written return type or JSDoc `@returns`.
    fn predeclare_fns<'s>(&mut self, decls: impl Iterator<Item = &'s Decl>) {
        for d in decls {
            let Decl::Fn(f) = d else { continue };
            let value = match &f.function.return_type {
                Some(_) => self.function_value(f.function.span, f.function.return_type.as_deref()),
                // JavaScript: `/** @returns {KVNamespace} */`.
                None => {
                    let doc = jsdoc::before(self.source, self.source.range(f.function.span).start);
                    match doc.and_then(|t| t.returns) {
                        Some((KnownType::Kv, promise)) => Value::Returns(
                            Box::new(Value::Kv(
                                self.why(|| "declared to return KVNamespace".into()),
                            )),
                            promise,
                        ),
                        _ => continue,
                    }
                }
            };
            self.declare_function(f.ident.sym.clone(), value);
        }
    }

    fn const_init(init: Option<&'p Expr>, is_const: bool) -> Option<&'p Expr> {
        let init = init?;
        (is_const && (init.span().hi.0 - init.span().lo.0) as usize <= MAX_CONST_INIT)
            .then_some(init)
    }

    /// Declares the names of a `const`/`let`/`var` declarator.
    fn declare_var(&mut self, pat: &Pat, init: Option<&'p Expr>, is_const: bool) {
        match pat {
            Pat::Ident(b) => {
                let name = &b.id.sym;
                let typed = b
                    .type_ann
                    .as_ref()
                    .and_then(|t| self.value_of_type(&t.type_ann, name));
                let value = match (typed, init) {
                    (Some(v), _) => v,
                    (None, Some(init)) => match self.classify(init) {
                        Value::Kv(r) => Value::Kv(
                            self.why(|| format!("`{name}` = `{}`; {r}", self.text(init.span()))),
                        ),
                        Value::Other if &**name == "env" && !is_plain_value(init) => Value::Env,
                        v => v,
                    },
                    (None, None) => Value::Other,
                };
                // A `let` that nothing assigns again holds its initial value like a `const`
                // (`let key = \`session:${id}\`; kv.get(key)`).
                let fixed = is_const || !self.reassigned.contains(name);
                let const_init = Self::const_init(init, fixed);
                self.scopes
                    .declare(name.clone(), Binding { value, const_init });
            }
            Pat::Object(o) => {
                let from = init.map_or(Value::Other, |i| self.classify(i));
                self.declare_object_pattern(o, &from);
            }
            _ => self.declare_others(pat),
        }
    }

    /// `const { SESSIONS, CACHE: kv } = env` binds KV namespaces when taken from an env.
    fn declare_object_pattern(&mut self, o: &ObjectPat, from: &Value) {
        // What a property of the object holds: by the object's declared type, else (from an
        // env) by the binding name.
        let structured = matches!(from, Value::Env | Value::TypedEnv(_) | Value::Shape(_));
        let property = |s: &Self, key: &str, shown: &str| {
            if structured {
                s.member_value(from, key, shown)
            } else if key == "env" {
                Value::Env
            } else {
                Value::Other
            }
        };
        for prop in &o.props {
            match prop {
                ObjectPatProp::Assign(a) => {
                    let name = &a.key.id.sym;
                    let value = property(self, name, &format!("{{ {name} }}"));
                    self.scopes.declare(
                        name.clone(),
                        Binding {
                            value,
                            const_init: None,
                        },
                    );
                }
                ObjectPatProp::KeyValue(kv) => match (&*kv.value, prop_key_name(&kv.key)) {
                    // `({ env: { SESSIONS } }) => …`
                    (Pat::Object(inner), Some(key)) if key == "env" && !structured => {
                        self.declare_object_pattern(inner, &Value::Env)
                    }
                    (Pat::Ident(local), Some(key)) => {
                        let value = property(self, &key, &format!("{{ {key}: {} }}", local.id.sym));
                        self.scopes.declare(
                            local.id.sym.clone(),
                            Binding {
                                value,
                                const_init: None,
                            },
                        );
                    }
                    (p, _) => self.declare_others(p),
                },
                ObjectPatProp::Rest(r) => self.declare_others(&r.arg),
            }
        }
    }

    fn declare_others(&mut self, pat: &Pat) {
        for name in pat_names(pat) {
            self.scopes.declare(name, Binding::other());
        }
    }

    /// Declares a parameter: its type says what it is; an untyped `env` is an env.
    fn declare_param(&mut self, pat: &Pat) {
        match pat {
            Pat::Ident(b) => self.declare_ident_param(b),
            Pat::Object(o) => {
                let from = o
                    .type_ann
                    .as_ref()
                    .and_then(|t| self.value_of_type(&t.type_ann, ""))
                    .filter(|v| matches!(v, Value::TypedEnv(_)))
                    .unwrap_or(Value::Other);
                self.declare_object_pattern(o, &from);
            }
            Pat::Assign(a) => self.declare_param(&a.left),
            _ => self.declare_others(pat),
        }
    }

    fn declare_ident_param(&mut self, b: &BindingIdent) {
        let name = &b.id.sym;
        let typed = b
            .type_ann
            .as_ref()
            .and_then(|t| self.value_of_type(&t.type_ann, name));
        let value = match typed {
            Some(v) => v,
            None if &**name == "env" => Value::Env,
            None => Value::Other,
        };
        self.scopes.declare(
            name.clone(),
            Binding {
                value,
                const_init: None,
            },
        );
    }

    fn class_info(&self, class: &Class) -> ClassInfo {
        let mut info = ClassInfo::default();
        let mut add = |name: String, t: Option<&TsTypeAnn>| {
            let Some(t) = t else { return };
            if known_type(&t.type_ann) == Some(KnownType::Kv) {
                let reason =
                    self.why(|| format!("`this.{name}`: the class declares {name}: KVNamespace"));
                info.kv_fields.insert(name, reason);
                return;
            }
            // `this.config.kv` with `config: { kv: KVNamespace }` or an interface of the file.
            let shown = format!("this.{name}");
            if let Some(v @ (Value::Shape(_) | Value::TypedEnv(_))) =
                self.value_of_type(&t.type_ann, &shown)
            {
                info.fields.insert(name, v);
            }
        };
        let mut methods = Vec::new();
        for member in &class.body {
            match member {
                ClassMember::ClassProp(p) => {
                    if let Some(n) = prop_key_name(&p.key) {
                        add(n, p.type_ann.as_deref());
                    }
                }
                ClassMember::PrivateProp(p) => {
                    add(format!("#{}", p.key.name), p.type_ann.as_deref())
                }
                ClassMember::Method(m) => {
                    let ret = m.function.return_type.as_deref().map(|t| &*t.type_ann);
                    let promise = ret.and_then(promised).map(known_type);
                    let kv = match (ret.and_then(known_type), promise) {
                        (Some(KnownType::Kv), _) => Some(false),
                        (_, Some(Some(KnownType::Kv))) => Some(true),
                        _ => None,
                    };
                    if let (Some(promise), Some(name)) = (kv, prop_key_name(&m.key)) {
                        methods.push((name, promise));
                    }
                }
                ClassMember::Constructor(c) => {
                    for param in &c.params {
                        if let ParamOrTsParamProp::TsParamProp(tp) = param {
                            let b = match &tp.param {
                                TsParamPropParam::Ident(b) => b,
                                TsParamPropParam::Assign(a) => match &*a.left {
                                    Pat::Ident(b) => b,
                                    _ => continue,
                                },
                            };
                            add(b.id.sym.to_string(), b.type_ann.as_deref());
                        }
                    }
                }
                _ => {}
            }
        }
        info.kv_methods.extend(methods);
        info
    }

    /// Walks a function: a new scope and a new function id.
    fn with_function(&mut self, span: Span, f: impl FnOnce(&mut Self)) {
        self.functions.push(self.next_function);
        self.function_spans.push(span);
        self.next_function += 1;
        self.with_scope(f);
        self.functions.pop();
    }

    fn current_function(&self) -> usize {
        *self
            .functions
            .last()
            .expect("the top level is always there")
    }

    fn with_scope(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push();
        f(self);
        self.scopes.pop();
    }

    /// What a JSDoc type says a name holds.
    fn jsdoc_value(&self, kind: KnownType, name: &str) -> Option<Value> {
        match kind {
            KnownType::Kv => {
                Some(Value::Kv(self.why(|| {
                    format!("`{name}` is documented `@type {{KVNamespace}}` (JSDoc)")
                })))
            }
            KnownType::DurableObjectNamespace => Some(Value::DurableObjectNamespace),
            _ => None,
        }
    }

    fn visit_function_like(&mut self, f: &Function, method: bool) {
        f.decorators.visit_with(self);
        if !method {
            self.this.push(None);
        }
        let doc = jsdoc::before(self.source, self.source.range(f.span).start);
        self.with_function(f.span, |s| {
            for p in &f.params {
                p.visit_with(s);
                s.declare_param(&p.pat);
                // JavaScript: `/** @param {KVNamespace} kv */`.
                if let (Pat::Ident(b), Some(doc)) = (&p.pat, &doc) {
                    let kind = doc.params.get(&*b.id.sym).copied();
                    let value = kind
                        .filter(|_| b.type_ann.is_none())
                        .and_then(|k| s.jsdoc_value(k, &b.id.sym))
                        .map(|v| match v {
                            Value::Kv(_) => Value::Kv(s.why(|| {
                                format!(
                                    "`{}` is documented `@param {{KVNamespace}}` (JSDoc)",
                                    b.id.sym
                                )
                            })),
                            v => v,
                        });
                    if let Some(value) = value {
                        s.scopes.declare(
                            b.id.sym.clone(),
                            Binding {
                                value,
                                const_init: None,
                            },
                        );
                    }
                }
            }
            f.body.visit_with(s);
        });
        self.note_kv_return(f.span, f.is_async);
        if !method {
            self.this.pop();
        }
    }

    /// Whether what a function returns has the type KVNamespace, by the returns of the
    /// function `with_function` has just left (its id is the last one given): every return
    /// a KV namespace, at least one. Recorded by the function's span.
    fn note_kv_return(&mut self, span: Span, is_async: bool) {
        let id = self.next_function - 1;
        if let Some(&(kv, other)) = self.returns.get(&id) {
            if kv > 0 && other == 0 {
                self.kv_returning.insert(span, is_async);
            }
        }
        if let Some(Some(value)) = self.returned.remove(&id) {
            self.value_returning.insert(span, (value, is_async));
        }
    }

    fn note_return(&mut self, value: Option<&Expr>) {
        let value = value.map(|v| self.classify(v)).unwrap_or(Value::Other);
        let function = self.current_function();
        let entry = self.returns.entry(function).or_default();
        if matches!(value, Value::Kv(_)) {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        // An env object or a shape: every return must give the same.
        let structured = matches!(value, Value::Env | Value::TypedEnv(_) | Value::Shape(_));
        let same = self
            .returned
            .entry(function)
            .or_insert_with(|| Some(value.clone()));
        if !structured || same.as_ref() != Some(&value) {
            *same = None;
        }
    }

    fn record(&mut self, span: Span, callee: &Expr, args: &'p [ExprOrSpread]) {
        let Some(member) = member_of(callee) else {
            return;
        };
        let Some(name) = prop_name(&member.prop) else {
            return;
        };
        let reason = match self.classify(&member.obj) {
            Value::Kv(reason) => reason,
            Value::DurableObjectStub => {
                let function = self.current_function();
                let first_arg = args
                    .first()
                    .filter(|a| a.spread.is_none())
                    .map(|a| self.text(a.expr.span()).to_string());
                let namespace = self.stub_namespace(&member.obj, 0);
                self.do_calls.push(DoCall {
                    span,
                    method: name,
                    function,
                    first_arg,
                    namespace,
                });
                return;
            }
            _ => return,
        };
        let Some(method) = KvMethod::from_name(&name) else {
            return;
        };
        let consts = self.consts_for(args);
        let binding = self.binding_access(&member.obj, 0);
        let alias = match strip(&member.obj) {
            Expr::Ident(i) if self.scopes.resolve(&i.sym).is_some() => Some(i.sym.clone()),
            _ => None,
        };
        self.calls.push(KvCall {
            span,
            method,
            method_span: member.prop.span(),
            receiver_span: member.obj.span(),
            args,
            reason,
            consts,
            function: self.current_function(),
            binding,
            alias,
        });
    }

    /// The binding of the Durable Object namespace a stub expression comes from: `NS.get(…)`
    /// or `NS.getByName(…)`, or a `const` initialised with one.
    fn stub_namespace(&self, e: &Expr, depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match strip(e) {
            Expr::Await(a) => self.stub_namespace(&a.arg, depth + 1),
            Expr::Ident(i) => {
                self.stub_namespace(self.scopes.resolve(&i.sym)?.const_init?, depth + 1)
            }
            Expr::Call(c) => {
                let m = member_of(c.callee.as_expr()?)?;
                let getter = prop_name(&m.prop).is_some_and(|n| n == "get" || n == "getByName");
                getter
                    .then(|| self.namespace_binding(&m.obj, depth + 1))
                    .flatten()
            }
            _ => None,
        }
    }

    /// The binding name of a Durable Object namespace expression: `E.NAME` (whose type or
    /// binding says it is a namespace), a `const` alias of one, or a global `NAME`.
    fn namespace_binding(&self, e: &Expr, depth: usize) -> Option<String> {
        if depth > 8 || self.classify(e) != Value::DurableObjectNamespace {
            return None;
        }
        match strip(e) {
            Expr::Member(m) => prop_name(&m.prop),
            Expr::OptChain(OptChainExpr { base, .. }) => match &**base {
                OptChainBase::Member(m) => prop_name(&m.prop),
                _ => None,
            },
            Expr::Ident(i) => match self.scopes.resolve(&i.sym) {
                Some(b) => self.namespace_binding(b.const_init?, depth + 1),
                None => Some(i.sym.to_string()),
            },
            _ => None,
        }
    }

    /// How a KV namespace expression reaches its binding: `E.NAME` with `E` an env (through
    /// casts and `?.`), a `const` alias of such an expression, or a free global `NAME`.
    /// The env expression must be free of side effects, to be written again elsewhere.
    fn binding_access(&self, e: &Expr, depth: usize) -> Option<BindingAccess> {
        if depth > 8 {
            return None;
        }
        let member = match strip(e) {
            Expr::Member(m) => m,
            Expr::OptChain(OptChainExpr { base, .. }) => match &**base {
                OptChainBase::Member(m) => m,
                _ => return None,
            },
            // `env.SESSIONS ?? null`: the left side is the namespace.
            Expr::Bin(b) if matches!(b.op, BinaryOp::NullishCoalescing | BinaryOp::LogicalOr) => {
                return self.binding_access(&b.left, depth + 1);
            }
            Expr::Ident(i) => {
                return match self.scopes.resolve(&i.sym) {
                    Some(b) => self.binding_access(b.const_init?, depth + 1),
                    None if self.bindings.is_kv(&i.sym) => Some(BindingAccess {
                        env: None,
                        name: i.sym.to_string(),
                    }),
                    None => None,
                };
            }
            _ => return None,
        };
        let name = self.member_name(&member.prop)?;
        let env = strip(&member.obj);
        let is_env = matches!(self.classify(env), Value::Env | Value::TypedEnv(_));
        (is_env && self.bindings.is_kv(&name) && evaluation::pure(env)).then(|| BindingAccess {
            env: Some(self.text(env.span()).to_string()),
            name,
        })
    }

    /// The `const`s the arguments refer to, followed through their initialisers.
    fn consts_for(&self, args: &[ExprOrSpread]) -> Consts<'p> {
        let mut names = IdentCollector::default();
        args.visit_with(&mut names);
        let mut consts = Consts::default();
        let mut work = names.0;
        while let Some(name) = work.pop() {
            if consts.contains_key(&name) || consts.len() > 64 {
                continue;
            }
            if let Some(init) = self.scopes.resolve(&name).and_then(|b| b.const_init) {
                let mut more = IdentCollector::default();
                init.visit_with(&mut more);
                work.extend(more.0);
                consts.insert(name, init);
            }
        }
        consts
    }
}

/// What wrangler's `getPlatformProxy()` is: a function whose (awaited) result has `env`.
fn platform_proxy(env: Value) -> Value {
    Value::Returns(
        Box::new(Value::Shape(vec![("env".to_string(), Some(env))])),
        true,
    )
}

/// The declaration a statement is, if it is one.
fn decl_of(s: &Stmt) -> Option<&Decl> {
    match s {
        Stmt::Decl(d) => Some(d),
        _ => None,
    }
}

/// The member expression a call's callee is (`kv.get`, `kv?.get`), through parentheses and `!`.
fn member_of(callee: &Expr) -> Option<&MemberExpr> {
    match strip_parens(callee) {
        Expr::Member(m) => Some(m),
        Expr::OptChain(OptChainExpr { base, .. }) => match &**base {
            OptChainBase::Member(m) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::TsNonNull(n) => strip_parens(&n.expr),
        _ => e,
    }
}

#[derive(Default)]
struct IdentCollector(Vec<Atom>);

impl Visit for IdentCollector {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_ident(&mut self, i: &Ident) {
        self.0.push(i.sym.clone());
    }
}

impl Visit for Builder<'_, '_> {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_module(&mut self, m: &Module) {
        self.with_scope(|s| {
            s.scopes.predeclare_module(&m.body);
            s.predeclare_fns(m.body.iter().filter_map(|i| match i {
                ModuleItem::Stmt(Stmt::Decl(d)) => Some(d),
                ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => Some(&e.decl),
                _ => None,
            }));
            m.body.visit_with(s);
        });
    }

    fn visit_script(&mut self, script: &Script) {
        self.with_scope(|s| {
            s.scopes.predeclare_stmts(script.body.iter());
            s.predeclare_fns(script.body.iter().filter_map(decl_of));
            script.body.visit_with(s);
        });
    }

    fn visit_import_decl(&mut self, i: &ImportDecl) {
        for spec in &i.specifiers {
            let local = match spec {
                ImportSpecifier::Named(n) => &n.local,
                ImportSpecifier::Default(d) => &d.local,
                ImportSpecifier::Namespace(n) => &n.local,
            };
            if let Some(b) = self.imported.get(&local.sym) {
                self.scopes.declare(local.sym.clone(), b.clone());
            }
        }
        // Vitest's pool for Workers gives the test's bindings as `env` of `cloudflare:test`;
        // wrangler's `getPlatformProxy()` gives scripts an object whose `env` holds them.
        let source = i.src.value.as_str();
        for spec in &i.specifiers {
            if let ImportSpecifier::Named(n) = spec {
                let imported = match &n.imported {
                    Some(ModuleExportName::Ident(id)) => id.sym.to_string(),
                    Some(ModuleExportName::Str(s)) => {
                        s.value.as_str().unwrap_or_default().to_string()
                    }
                    None => n.local.sym.to_string(),
                };
                let value = match (source, imported.as_str()) {
                    (Some("cloudflare:workers" | "cloudflare:test"), "env") => Value::Env,
                    (Some("wrangler"), "getPlatformProxy") => platform_proxy(Value::Env),
                    _ => continue,
                };
                self.scopes.declare(
                    n.local.sym.clone(),
                    Binding {
                        value,
                        const_init: None,
                    },
                );
            }
        }
    }

    fn visit_block_stmt(&mut self, b: &BlockStmt) {
        self.with_scope(|s| {
            s.scopes.predeclare_stmts(b.stmts.iter());
            s.predeclare_fns(b.stmts.iter().filter_map(decl_of));
            b.stmts.visit_with(s);
        });
    }

    fn visit_function_body(&mut self, b: &FunctionBody) {
        self.with_scope(|s| {
            s.scopes.predeclare_stmts(b.stmts.iter());
            s.predeclare_fns(b.stmts.iter().filter_map(decl_of));
            b.stmts.visit_with(s);
        });
    }

    fn visit_for_stmt(&mut self, f: &ForStmt) {
        self.with_scope(|s| f.visit_children_with(s));
    }

    fn visit_for_in_stmt(&mut self, f: &ForInStmt) {
        self.with_scope(|s| f.visit_children_with(s));
    }

    fn visit_for_of_stmt(&mut self, f: &ForOfStmt) {
        self.with_scope(|s| f.visit_children_with(s));
    }

    fn visit_catch_clause(&mut self, c: &CatchClause) {
        self.with_scope(|s| {
            if let Some(p) = &c.param {
                s.declare_others(p);
            }
            c.body.visit_with(s);
        });
    }

    fn visit_var_decl(&mut self, v: &VarDecl) {
        // SAFETY: the builder walks only the program's own nodes.
        let v = unsafe { in_program(v) };
        let is_const = v.kind == VarDeclKind::Const;
        for d in &v.decls {
            d.init.visit_with(self);
            d.name.visit_with(self);
            self.declare_var(&d.name, d.init.as_deref(), is_const);
            // `const app = new Hono<{ Variables: { kv: KVNamespace } }>()`.
            if let (Pat::Ident(name), Some(vars)) = (
                &d.name,
                d.init.as_deref().and_then(|i| self.hono_variables(i)),
            ) {
                self.hono_apps.insert(name.id.sym.clone(), vars);
            }
        }
        // JavaScript: `/** @type {KVNamespace} */ const kv = …`.
        if let [VarDeclarator {
            name: Pat::Ident(b),
            ..
        }] = v.decls.as_slice()
        {
            if b.type_ann.is_none() {
                let doc = jsdoc::before(self.source, self.source.range(v.span).start);
                if let Some(value) = doc
                    .and_then(|t| t.ty)
                    .and_then(|k| self.jsdoc_value(k, &b.id.sym))
                {
                    self.scopes.declare(
                        b.id.sym.clone(),
                        Binding {
                            value,
                            const_init: None,
                        },
                    );
                }
            }
        }
    }

    fn visit_function(&mut self, f: &Function) {
        self.visit_function_like(f, false);
    }

    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        // The handler of a route: its untyped first parameter is the route's context.
        let context = self.route_context.take();
        self.with_function(a.span, |s| {
            for (i, p) in a.params.iter().enumerate() {
                p.visit_with(s);
                s.declare_param(p);
                if let (0, Some(context), Pat::Ident(b)) = (i, &context, p) {
                    if b.type_ann.is_none() {
                        s.scopes.declare(
                            b.id.sym.clone(),
                            Binding {
                                value: context.clone(),
                                const_init: None,
                            },
                        );
                    }
                }
            }
            a.body.visit_with(s);
            // `(env: Env) => env.INVENTORY` returns what its body is.
            if let ArrowFunctionBody::Expr(e) = &*a.body {
                s.note_return(Some(e));
            }
        });
        self.note_kv_return(a.span, a.is_async);
    }

    fn visit_return_stmt(&mut self, r: &ReturnStmt) {
        r.visit_children_with(self);
        self.note_return(r.arg.as_deref());
    }

    fn visit_fn_decl(&mut self, d: &FnDecl) {
        d.visit_children_with(self);
        // A function without a written return type returns what its returns are (from here
        // on: calls above it are judged before its body is).
        if d.function.return_type.is_none() {
            let value = self.function_value(d.function.span, None);
            self.declare_function(d.ident.sym.clone(), value);
        }
    }

    fn visit_class(&mut self, c: &Class) {
        c.decorators.visit_with(self);
        c.super_class.visit_with(self);
        let info = self.class_info(c);
        self.this.push(Some(info));
        c.body.visit_with(self);
        self.this.pop();
    }

    fn visit_class_method(&mut self, m: &ClassMethod) {
        m.key.visit_with(self);
        self.visit_function_like(&m.function, true);
    }

    fn visit_private_method(&mut self, m: &PrivateMethod) {
        self.visit_function_like(&m.function, true);
    }

    fn visit_constructor(&mut self, c: &Constructor) {
        self.with_function(c.span, |s| {
            for p in &c.params {
                p.visit_with(s);
                match p {
                    ParamOrTsParamProp::Param(p) => s.declare_param(&p.pat),
                    ParamOrTsParamProp::TsParamProp(tp) => match &tp.param {
                        TsParamPropParam::Ident(b) => s.declare_ident_param(b),
                        TsParamPropParam::Assign(a) => s.declare_param(&a.left),
                    },
                }
            }
            c.body.visit_with(s);
        });
    }

    fn visit_assign_expr(&mut self, a: &AssignExpr) {
        a.visit_children_with(self);
        // `this.kv = env.SESSIONS` in a class makes `this.kv` a namespace.
        if let AssignTarget::Simple(SimpleAssignTarget::Member(m)) = &a.left {
            if let (Expr::This(_), Some(name)) = (&*m.obj, prop_name(&m.prop)) {
                if let Value::Kv(r) = self.classify(&a.right) {
                    let reason = self
                        .why(|| format!("`this.{name}` = `{}`; {r}", self.text(a.right.span())));
                    if let Some(Some(class)) = self.this.last_mut() {
                        class.kv_fields.entry(name).or_insert(reason);
                    }
                }
            }
        }
    }

    fn visit_expr_stmt(&mut self, s: &ExprStmt) {
        if let Some(head) = context::dropped_head(&s.expr) {
            self.dropped.push(head.call);
        }
        s.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, c: &CallExpr) {
        // SAFETY: the builder walks only the program's own nodes.
        let c = unsafe { in_program(c) };
        if let Callee::Expr(callee) = &c.callee {
            self.record(c.span, callee, &c.args);
        }
        // A route of a Hono app: its handlers' context is typed by the app.
        let route = c.callee.as_expr().and_then(|callee| {
            let m = member_of(callee)?;
            if !ROUTE_METHODS.contains(&prop_name(&m.prop)?.as_str()) {
                return None;
            }
            let vars = self.hono_app_variables(&m.obj, 0)?;
            Some(self.hono_context(&vars))
        });
        match route {
            Some(context) => {
                c.callee.visit_with(self);
                for arg in &c.args {
                    // Only a handler written in place: an arrow function argument.
                    if matches!(strip(&arg.expr), Expr::Arrow(_)) {
                        self.route_context = Some(context.clone());
                    }
                    arg.visit_with(self);
                    self.route_context = None;
                }
            }
            None => c.visit_children_with(self),
        }
    }

    fn visit_opt_chain_expr(&mut self, o: &OptChainExpr) {
        // SAFETY: the builder walks only the program's own nodes.
        let o = unsafe { in_program(o) };
        if let OptChainBase::Call(call) = &*o.base {
            self.record(o.span, &call.callee, &call.args);
        }
        o.visit_children_with(self);
    }
}
