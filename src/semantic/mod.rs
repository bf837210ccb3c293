//! The semantic model (DESIGN §2): which expressions are KV namespaces, and why.
//!
//! Every call of a KV method on an expression whose type is `KVNamespace` becomes a
//! [`KvCall`]; rules work from those and never match on bare names. The parts, in the order
//! the data flows:
//! - **declarations**: the bindings ([`bindings`], [`wrangler`]), the project index
//!   ([`project`], read by `imports`), and a file's own interfaces, aliases and reassigned
//!   names (`declarations`), collected before the walk;
//! - **the walk** (`builder`, `walk`): one pass with a scope table ([`scope`]) in which
//!   `declare` gives each declared name a [`scope::Value`] (its type), `functions` what a
//!   function's calls give, and `classes` what `this` holds;
//! - **types**: `classify` evaluates an expression's type on demand from those declarations
//!   ([`types`] reads annotations, [`jsdoc`] JavaScript's, `hono` the framework's generics);
//! - **KV calls**: `calls` records each call whose receiver classifies as KV, with how it
//!   reaches its binding;
//! - **key values** ([`values`]), and what the rules about state ask of the code:
//!   [`flow`], [`evaluation`], [`context`], [`statements`], [`references`].

pub mod bindings;
mod builder;
mod calls;
mod classes;
mod classify;
pub mod context;
mod declarations;
mod declare;
pub mod evaluation;
pub mod evidence;
pub mod flow;
mod functions;
mod hono;
mod imports;
pub mod jsdoc;
pub mod project;
pub mod references;
pub mod scope;
pub mod statements;
pub mod types;
pub mod values;
mod walk;
pub mod wrangler;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use swc_atoms::Atom;
use swc_common::Span;
use swc_ecma_ast::*;
use swc_ecma_visit::VisitWith;

use crate::source::Source;
use bindings::Bindings;
pub(crate) use builder::in_program;
use builder::Builder;
use declarations::{Declarations, FIX_GLOBALS};
use values::Consts;

/// The KV namespace methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// The binding the call's namespace is, when known: [`KvCall::binding`]'s name, or a KV
    /// binding reached through an object whose declared type names it (the data a migration
    /// group moves is a binding's).
    pub namespace: Option<String>,
    /// The local name the namespace is called through (`kv` in `kv.get(…)`), if any.
    pub alias: Option<Atom>,
    /// Which of the first two arguments are declared strings (their declared type, not
    /// their text, says so).
    pub declared_strings: Vec<usize>,
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
    /// Whether argument `index` is a string: its text says so (a literal, a template, a
    /// `const` of one), or its declared type does (DESIGN §3).
    pub fn string_arg(&self, index: usize) -> bool {
        self.declared_strings.contains(&index)
            || self
                .arg(index)
                .is_some_and(|e| values::is_string(e, &self.consts))
    }

    /// The static prefix a `list` call lists by (`""` for none); `None` when it is not
    /// known.
    pub fn list_prefix(&self) -> Option<String> {
        use values::{key_value, opaque, properties, strip, KeyValue};
        let Some(options) = self.arg(0) else {
            return (self.args.is_empty()).then(String::new);
        };
        let Expr::Object(o) = strip(options) else {
            return None;
        };
        if opaque(o, &self.consts) {
            return None;
        }
        match properties(o, &self.consts).find(|p| p.name == "prefix") {
            None => Some(String::new()),
            Some(p) => match key_value(&p.value, &self.consts) {
                KeyValue::Static(s) => Some(s),
                _ => None,
            },
        }
    }

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

    /// Whether a call is I/O, whose result is not computed from its arguments: `fetch(…)`,
    /// a `fetch` method (a service binding, a Durable Object stub), or any call on a Durable
    /// Object stub (its RPC methods answer from the object's state).
    pub fn is_io_call(&self, c: &CallExpr) -> bool {
        let fetch = match &c.callee {
            Callee::Expr(e) => match values::strip(e) {
                Expr::Ident(i) => &*i.sym == "fetch",
                Expr::Member(m) => matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "fetch"),
                _ => false,
            },
            _ => false,
        };
        fetch || self.do_calls.iter().any(|d| d.span == c.span)
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
    decls.resolve_indexed();
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

    /// The model of a program that says nothing beyond `base`: a declaration file's, where
    /// `base` already names a KV namespace (its own declarations could only add bindings,
    /// and a file with no call has nothing else for the rules). A project's generated
    /// `worker-configuration.d.ts` runs to thousands of lines.
    pub fn declared_only(program: &Program, base: &'p Bindings) -> Self {
        SemanticModel {
            kv_calls: Vec::new(),
            by_span: HashMap::default(),
            do_calls: Vec::new(),
            dropped: Vec::new(),
            hono_apps: HashSet::default(),
            bindings: Cow::Borrowed(base),
            declared: Vec::new(),
            function_spans: vec![swc_common::Spanned::span(program)],
        }
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
        decls.resolve_indexed();
        let own = decls.bindings(file_label);
        let mut bindings = Cow::Borrowed(base);
        if !own.is_empty() {
            bindings.to_mut().merge(&own);
        }
        let imported = imports
            .map(|i| imports::imported_names(program, i, &mut decls, &mut bindings))
            .unwrap_or_default();
        let auto_imported = imports
            .map(|i| imports::auto_imported_names(i, &mut decls, &mut bindings))
            .unwrap_or_default();
        if let Some(i) = imports {
            imports::context_variables(i, &mut decls);
        }
        // Members typed by an imported type's member, types named after an imported one.
        if imports.is_some() {
            decls.resolve_indexed();
        }
        let mut builder = Builder::new(
            program,
            source,
            &bindings,
            decls.type_facts(),
            (imported, auto_imported),
            (file_label, explain),
        );
        if let Some(beside) = imports.and_then(|i| i.beside.as_deref()) {
            builder.declared_params = imports::declared_params(beside);
        }
        if let Some(i) = imports {
            builder.constructions = i.constructions.clone();
        }
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
