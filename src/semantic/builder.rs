//! The walk that builds a file's model: its state, and the helpers every part of it uses.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;

use super::classes::ClassInfo;

use super::bindings::Bindings;
use super::scope::Binding;
use super::scope::Scopes;
use super::scope::Value;
use super::types::KnownType;
use super::values::strip;
use super::DoCall;
use super::KvCall;
use crate::source::Source;

/// The methods of a Hono app that take handlers.
pub(super) const ROUTE_METHODS: [&str; 9] = [
    "get", "post", "put", "delete", "patch", "all", "on", "use", "options",
];

/// The most members an object literal may have to be read as a shape.
pub(super) const MAX_SHAPE_MEMBERS: usize = 64;

/// The largest `const` initialiser kept for key and TTL values.
pub(super) const MAX_CONST_INIT: usize = 512;

/// The walk that builds the model. `'p` is the program's lifetime: what the model keeps of
/// the program (call arguments, `const` initialisers) borrows from it, never copies.
/// The members with known types of a file's interfaces and type aliases, by name.
pub(super) type Interfaces = HashMap<String, Vec<(String, KnownType)>>;

pub(super) struct Builder<'a, 'p> {
    pub(super) source: &'a Source,
    pub(super) bindings: &'a Bindings,
    pub(super) env_types: HashSet<String>,
    /// The members with known types of the file's interfaces and type aliases.
    pub(super) interfaces: Interfaces,
    /// Where the interfaces another module declares come from, by name here.
    pub(super) origins: HashMap<String, String>,
    /// Names assigned somewhere in the file: a `let` of one of them is not a constant.
    pub(super) reassigned: HashSet<Atom>,
    /// Types that are a runtime type by declaration (`type Store = KVNamespace`).
    pub(super) aliases: HashMap<String, KnownType>,
    /// Every type name the file declares or imports.
    pub(super) type_names: HashSet<String>,
    /// Where the file declares each of its interfaces and type aliases.
    pub(super) type_spans: HashMap<String, Span>,
    /// The file, as reasons name it.
    pub(super) label: String,
    pub(super) scopes: Scopes<'p>,
    /// What `this` is: a class, or something else (`None`).
    pub(super) this: Vec<Option<ClassInfo>>,
    /// The name of the class declaration or named class expression visited next.
    pub(super) class_name: Option<Atom>,
    /// The functions the walk is inside, innermost last (0: top level).
    pub(super) functions: Vec<usize>,
    pub(super) next_function: usize,
    /// The span of each function, by id (0: the whole program).
    pub(super) function_spans: Vec<Span>,
    pub(super) calls: Vec<KvCall<'p>>,
    pub(super) do_calls: Vec<DoCall>,
    /// Calls whose promise an expression statement drops.
    pub(super) dropped: Vec<Span>,
    /// Per function id: how many of its returns are KV namespaces, and how many not.
    pub(super) returns: HashMap<usize, (usize, usize)>,
    /// Functions (by span) whose every return is a KV namespace, and whether they are async.
    pub(super) kv_returning: HashMap<Span, bool>,
    /// Per function id: the env object or shape every return so far gives (`None` once one
    /// gives something else).
    pub(super) returned: HashMap<usize, Option<Value>>,
    /// Functions (by span) whose every return is that value, and whether they are async.
    pub(super) value_returning: HashMap<Span, (Value, bool)>,
    /// Hono apps of the file (`const app = new Hono<E>()`): the variables `E` declares.
    pub(super) hono_apps: HashMap<Atom, super::hono::AppVariables>,
    /// The names this file gives hono's `Context` type (`import type { Context } from 'hono'`).
    pub(super) hono_context_types: HashSet<Atom>,
    /// The context of the route whose handler is visited next, if any.
    pub(super) route_context: Option<Value>,
    /// What imported names hold, from the project index.
    pub(super) imported: HashMap<Atom, Binding<'p>>,
    /// What the names a framework puts in scope without an import hold.
    pub(super) auto_imported: HashMap<Atom, Binding<'p>>,
    /// For a JavaScript module, what the parameters of its top-level functions hold, as the
    /// declaration file beside it declares them (by function name, by position).
    pub(super) declared_params: HashMap<Atom, Vec<Option<Value>>>,
    /// Every construction in the project of each class the file declares (JavaScript).
    pub(super) constructions: Vec<(
        String,
        std::sync::Arc<Vec<super::project::constructions::Construction>>,
    )>,
    /// The declared parameters of the function visited next (set from `declared_params`).
    pub(super) next_params: Option<Vec<Option<Value>>>,
    /// Whether to write out why each namespace is one (only `debug bindings` shows it).
    pub(super) explain: bool,
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

pub(super) fn prop_name(p: &MemberProp) -> Option<String> {
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

pub(super) fn prop_key_name(k: &PropName) -> Option<String> {
    match k {
        PropName::Ident(i) => Some(i.sym.to_string()),
        PropName::Str(s) => s.value.as_str().map(str::to_string),
        _ => None,
    }
}

/// Initialisers that show the value is a plain local object, not an env.
pub(super) fn is_plain_value(e: &Expr) -> bool {
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

impl<'a, 'p> Builder<'a, 'p> {
    /// A walk of `program` with the file's interfaces and reassigned names (collected
    /// before it), and what its imports hold.
    pub(super) fn new(
        program: &Program,
        source: &'a Source,
        bindings: &'a Bindings,
        facts: super::declarations::TypeFacts,
        (imported, auto_imported): (HashMap<Atom, Binding<'p>>, HashMap<Atom, Binding<'p>>),
        (label, explain): (&str, bool),
    ) -> Self {
        let super::declarations::TypeFacts {
            interfaces,
            reassigned,
            origins,
            aliases,
            type_names,
            type_spans,
        } = facts;
        let env_types = interfaces
            .iter()
            .filter(|(_, props)| super::declarations::declares_binding(props))
            .map(|(name, _)| name.clone())
            .collect();
        Builder {
            source,
            bindings,
            env_types,
            interfaces,
            origins,
            reassigned,
            aliases,
            type_names,
            type_spans,
            label: label.to_string(),
            scopes: Scopes::default(),
            this: Vec::new(),
            class_name: None,
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
            hono_context_types: super::hono::context_types(program),
            route_context: None,
            imported,
            auto_imported,
            declared_params: HashMap::default(),
            constructions: Vec::new(),
            next_params: None,
            explain,
        }
    }
}

impl<'p> Builder<'_, 'p> {
    pub(super) fn text(&self, span: Span) -> &str {
        self.source.slice(span)
    }

    /// A reason, written out only when the model explains itself.
    /// Where a node of the file is: `src/app.ts:12`.
    pub(super) fn at(&self, span: Span) -> String {
        let line = self.source.position(self.source.range(span).start).line;
        format!("{}:{line}", self.label)
    }

    pub(super) fn why(&self, reason: impl FnOnce() -> String) -> String {
        if self.explain {
            reason()
        } else {
            String::new()
        }
    }

    /// Walks a function: a new scope and a new function id.
    pub(super) fn with_function(&mut self, span: Span, f: impl FnOnce(&mut Self)) {
        self.functions.push(self.next_function);
        self.function_spans.push(span);
        self.next_function += 1;
        self.with_scope(f);
        self.functions.pop();
    }

    pub(super) fn current_function(&self) -> usize {
        *self
            .functions
            .last()
            .expect("the top level is always there")
    }

    pub(super) fn with_scope(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push();
        f(self);
        self.scopes.pop();
    }
}

/// What wrangler's `getPlatformProxy()` is: a function whose (awaited) result has `env`.
pub(super) fn platform_proxy(env: Value) -> Value {
    Value::Returns(
        Box::new(Value::Shape(vec![("env".to_string(), Some(env))])),
        true,
    )
}

/// The member expression a call's callee is (`kv.get`, `kv?.get`), through parentheses and `!`.
pub(super) fn member_of(callee: &Expr) -> Option<&MemberExpr> {
    match strip_parens(callee) {
        Expr::Member(m) => Some(m),
        Expr::OptChain(OptChainExpr { base, .. }) => match &**base {
            OptChainBase::Member(m) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::TsNonNull(n) => strip_parens(&n.expr),
        _ => e,
    }
}
