//! What an export with no written type gives, inferred from its code as the model infers it
//! inside its own file: a cast to `KVNamespace`, or an env's binding (`env.CACHE`, `c.env.CACHE`,
//! `workerEnv.CACHE` with `workerEnv: Env`), in every return. Whether that binding is KV is
//! the importing file's to say, by its bindings ([`Export::Binding`]).

use swc_ecma_ast::{
    ArrowExpr, ArrowFunctionBody, Expr, Function, MemberProp, Pat, ReturnStmt, TsEntityName, TsType,
};
use swc_ecma_visit::{Visit, VisitWith};

use super::Export;
use crate::semantic::types::{known_type, KnownType};
use crate::semantic::values::strip;

/// What a value gives: `Export::KvValue` (a cast) or `Export::Binding`.
/// `envs`: the names an env has at the module's top level (`env`, or the local name of
/// `cloudflare:workers`'s `env`).
pub(super) fn value(e: &Expr, envs: &[String]) -> Option<Export> {
    match given(e, envs)? {
        Given::Kv => Some(Export::Cast { call: None }),
        Given::Binding(name) => Some(Export::Binding { name, call: None }),
    }
}

/// What a function's calls give, when every return gives the same.
pub(super) fn function(f: &Function, envs: &[String]) -> Option<Export> {
    let mut params = env_params(f.params.iter().map(|p| &p.pat));
    params.extend(envs.iter().cloned());
    let mut returns = Returns::new(params);
    f.body.as_ref()?.visit_with(&mut returns);
    called(returns.given, f.is_async)
}

/// The same for an arrow function (an expression body is its one return).
pub(super) fn arrow(a: &ArrowExpr, envs: &[String]) -> Option<Export> {
    let mut params = env_params(a.params.iter());
    params.extend(envs.iter().cloned());
    let mut returns = Returns::new(params);
    match &*a.body {
        ArrowFunctionBody::Expr(e) => returns.given.push(given(e, &returns.params)),
        ArrowFunctionBody::FunctionBody(b) => b.visit_with(&mut returns),
    }
    called(returns.given, a.is_async)
}

/// What the calls of a function with these returns give: the same thing from each.
fn called(returns: Vec<Option<Given>>, promise: bool) -> Option<Export> {
    let mut returns = returns.into_iter();
    let first = returns.next()??;
    if returns.any(|r| r.as_ref() != Some(&first)) {
        return None;
    }
    Some(match first {
        Given::Kv => Export::Cast {
            call: Some(promise),
        },
        Given::Binding(name) => Export::Binding {
            name,
            call: Some(promise),
        },
    })
}

#[derive(PartialEq, Eq)]
enum Given {
    Kv,
    Binding(String),
}

/// What one returned expression gives.
fn given(e: &Expr, params: &[String]) -> Option<Given> {
    match e {
        Expr::TsAs(a) if known_type(&a.type_ann) == Some(KnownType::Kv) => Some(Given::Kv),
        Expr::TsTypeAssertion(a) if known_type(&a.type_ann) == Some(KnownType::Kv) => {
            Some(Given::Kv)
        }
        Expr::Paren(p) => given(&p.expr, params),
        Expr::TsNonNull(n) => given(&n.expr, params),
        Expr::Member(m) => {
            let name = match &m.prop {
                MemberProp::Ident(i) => i.sym.to_string(),
                MemberProp::Computed(c) => match strip(&c.expr) {
                    Expr::Lit(swc_ecma_ast::Lit::Str(s)) => s.value.as_str()?.to_string(),
                    _ => return None,
                },
                MemberProp::PrivateName(_) => return None,
            };
            is_env(&m.obj, params).then_some(Given::Binding(name))
        }
        _ => None,
    }
}

/// An env, as the model takes one without a declared type: `env`, `anything.env`, or a
/// parameter typed `Env` (what `wrangler types` generates).
fn is_env(e: &Expr, params: &[String]) -> bool {
    match strip(e) {
        Expr::Ident(i) => &*i.sym == "env" || params.iter().any(|p| *p == *i.sym),
        Expr::Member(m) => matches!(&m.prop, MemberProp::Ident(i) if &*i.sym == "env"),
        _ => false,
    }
}

/// The parameters typed `Env` or `Cloudflare.Env`.
fn env_params<'a>(params: impl Iterator<Item = &'a Pat>) -> Vec<String> {
    params
        .filter_map(|p| {
            let Pat::Ident(b) = p else { return None };
            let TsType::TsTypeRef(r) = &*b.type_ann.as_ref()?.type_ann else {
                return None;
            };
            let env = match &r.type_name {
                TsEntityName::Ident(i) => &*i.sym == "Env",
                TsEntityName::TsQualifiedName(q) => {
                    &*q.right.sym == "Env"
                        && matches!(&q.left, TsEntityName::Ident(l) if &*l.sym == "Cloudflare")
                }
            };
            env.then(|| b.id.sym.to_string())
        })
        .collect()
}

/// What each return of a function body gives (not those of functions nested in it).
struct Returns {
    params: Vec<String>,
    given: Vec<Option<Given>>,
}

impl Returns {
    fn new(params: Vec<String>) -> Self {
        Returns {
            params,
            given: Vec::new(),
        }
    }
}

impl Visit for Returns {
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &swc_ecma_ast::Class) {}

    fn visit_return_stmt(&mut self, r: &ReturnStmt) {
        let given = r.arg.as_deref().and_then(|e| given(e, &self.params));
        self.given.push(given);
    }
}
