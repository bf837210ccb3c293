//! Hono: the context a route's handler gets, typed by the app's environment type
//! (`new Hono<E>()`, `Context<E>`, `ContextVariableMap`).

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::builder::{member_of, prop_name, Builder, ROUTE_METHODS};
use super::scope::Value;
use super::types::{known_type, members, type_ref_name, KnownType};
use super::values::strip;

impl<'p> Builder<'_, 'p> {
    /// Hono's `c.get('kv')` on a context whose type says what the variable holds (`c.var.kv`
    /// is a member of the same shape).
    pub(super) fn context_variable(&self, callee: &Expr, args: &[ExprOrSpread]) -> Option<Value> {
        let m = member_of(callee)?;
        if prop_name(&m.prop)? != "get" {
            return None;
        }
        let Value::Shape(members) = self.classify(&m.obj) else {
            return None;
        };
        let Some((_, Some(Value::Shape(vars)))) = members.iter().find(|(n, _)| n == "var") else {
            return None;
        };
        let key = match strip(&args.first().filter(|a| a.spread.is_none())?.expr) {
            Expr::Lit(Lit::Str(s)) => s.value.as_str()?.to_string(),
            _ => return None,
        };
        let shown = self.text(callee.span());
        Some(match vars.iter().find(|(n, _)| *n == key) {
            Some((_, Some(Value::Kv(_)))) => {
                Value::Kv(self.why(|| {
                    format!("`{shown}('{key}')`: the app's Variables say {key}: KVNamespace")
                }))
            }
            Some((_, Some(v))) => v.clone(),
            _ => Value::Other,
        })
    }

    /// The context a route of a Hono app gives its handler: `env` (an env), `var` (the
    /// variables the app's type declares, with `ContextVariableMap`'s), and `get`.
    pub(super) fn hono_context(&self, vars: &[(String, KnownType)]) -> Value {
        let from_map = self
            .interfaces
            .get("ContextVariableMap")
            .into_iter()
            .flatten();
        let var: Vec<(String, Option<Value>)> =
            vars.iter()
                .chain(from_map)
                .map(|(n, k)| {
                    let v = match k {
                        KnownType::Kv => Value::Kv(self.why(|| {
                            format!("`c.var.{n}`: the app's Variables say {n}: KVNamespace")
                        })),
                        KnownType::DurableObjectNamespace => Value::DurableObjectNamespace,
                        KnownType::DurableObjectStub => Value::DurableObjectStub,
                        KnownType::String => Value::Str,
                        KnownType::Other => Value::Other,
                    };
                    (n.clone(), Some(v))
                })
                .collect();
        Value::Shape(vec![
            ("env".to_string(), Some(Value::Env)),
            ("var".to_string(), Some(Value::Shape(var))),
        ])
    }

    /// The variables of the Hono app a route is declared on: a name bound to `new
    /// Hono<E>()`, that expression itself, or a chain of routes on either
    /// (`new Hono<E>().use(…).get(…)`).
    pub(super) fn hono_app_variables(
        &self,
        e: &Expr,
        depth: usize,
    ) -> Option<Vec<(String, KnownType)>> {
        if depth > 64 {
            return None;
        }
        match strip(e) {
            Expr::Ident(app) => {
                self.scopes.resolve(&app.sym)?;
                self.hono_apps.get(&app.sym).cloned()
            }
            Expr::New(_) => self.hono_variables(e),
            Expr::Call(c) => {
                let m = member_of(c.callee.as_expr()?)?;
                ROUTE_METHODS
                    .contains(&prop_name(&m.prop)?.as_str())
                    .then(|| self.hono_app_variables(&m.obj, depth + 1))
                    .flatten()
            }
            _ => None,
        }
    }

    /// The variables of `new Hono<E>()`: `E['Variables']`, from a type literal, a type of
    /// the file, or an intersection of those.
    pub(super) fn hono_variables(&self, e: &Expr) -> Option<Vec<(String, KnownType)>> {
        let Expr::New(n) = strip(e) else { return None };
        let Expr::Ident(callee) = strip(&n.callee) else {
            return None;
        };
        if &*callee.sym != "Hono" && &*callee.sym != "OpenAPIHono" {
            return None;
        }
        Some(
            n.type_args
                .as_ref()
                .and_then(|a| a.params.first())
                .map(|t| self.variables_of(t, 0))
                .unwrap_or_default(),
        )
    }

    /// `E['Variables']` of a Hono environment type.
    pub(super) fn variables_of(&self, t: &TsType, depth: usize) -> Vec<(String, KnownType)> {
        if depth > 16 {
            return Vec::new();
        }
        let known = |lit: &TsTypeLit| -> Vec<(String, KnownType)> {
            members(&lit.members)
                .filter_map(|(n, t)| Some((n.to_string(), known_type(t)?)))
                .collect()
        };
        match t {
            TsType::TsParenthesizedType(p) => self.variables_of(&p.type_ann, depth + 1),
            TsType::TsUnionOrIntersectionType(TsUnionOrIntersectionType::TsIntersectionType(i)) => {
                i.types
                    .iter()
                    .flat_map(|t| self.variables_of(t, depth + 1))
                    .collect()
            }
            TsType::TsTypeLit(lit) => members(&lit.members)
                .find(|(name, _)| *name == "Variables")
                .map(|(_, t)| match t {
                    TsType::TsTypeLit(vars) => known(vars),
                    t => type_ref_name(t)
                        .and_then(|n| self.interfaces.get(n).cloned())
                        .unwrap_or_default(),
                })
                .unwrap_or_default(),
            t => type_ref_name(t)
                .and_then(|n| self.interfaces.get(&format!("{n}.Variables")).cloned())
                .unwrap_or_default(),
        }
    }
}

/// The local names of hono's `Context` type in a module (`import { type Context } from
/// 'hono'`, `import type { Context as C } from 'hono'`).
pub(super) fn context_types(program: &Program) -> rustc_hash::FxHashSet<swc_atoms::Atom> {
    let Program::Module(m) = program else {
        return Default::default();
    };
    m.body
        .iter()
        .filter_map(|item| match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(i))
                if i.src.value.as_str() == Some("hono") =>
            {
                Some(i)
            }
            _ => None,
        })
        .flat_map(|i| &i.specifiers)
        .filter_map(|spec| match spec {
            ImportSpecifier::Named(n) => {
                let imported = match &n.imported {
                    Some(ModuleExportName::Ident(id)) => &*id.sym,
                    Some(ModuleExportName::Str(s)) => s.value.as_str().unwrap_or_default(),
                    None => &*n.local.sym,
                };
                (imported == "Context").then(|| n.local.sym.clone())
            }
            _ => None,
        })
        .collect()
}
