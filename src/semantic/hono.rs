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
            // The variable's own reason, said of this call (it names where it is declared).
            Some((_, Some(Value::Kv(r)))) => Value::Kv(self.why(|| match r.split_once("`: ") {
                Some((_, why)) => format!("`{shown}('{key}')`: {why}"),
                None => format!("`{shown}('{key}')`: the app's Variables say {key}: KVNamespace"),
            })),
            Some((_, Some(v))) => v.clone(),
            _ => Value::Other,
        })
    }

    /// The context a route of a Hono app gives its handler: `env` (an env), `var` (the
    /// variables the app's type declares, with `ContextVariableMap`'s), and `get`.
    pub(super) fn hono_context(&self, app: &AppVariables) -> Value {
        let from_map = self
            .interfaces
            .get("ContextVariableMap")
            .into_iter()
            .flatten()
            .map(|v| (v, true));
        let var: Vec<(String, Option<Value>)> = app
            .vars
            .iter()
            .map(|v| (v, false))
            .chain(from_map)
            .map(|((n, k), mapped)| {
                let v = match k {
                    KnownType::Kv if mapped => Value::Kv(self.why(|| {
                        format!(
                            "`c.var.{n}`: ContextVariableMap says {n}: KVNamespace{}",
                            self.declared_at("ContextVariableMap")
                        )
                    })),
                    KnownType::Kv => Value::Kv(self.why(|| {
                        format!(
                            "`c.var.{n}`: the app's Variables say {n}: KVNamespace ({})",
                            app.at
                        )
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
    pub(super) fn hono_app_variables(&self, e: &Expr, depth: usize) -> Option<AppVariables> {
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
    /// the file, or an intersection of those; and where the app is made.
    pub(super) fn hono_variables(&self, e: &Expr) -> Option<AppVariables> {
        let Expr::New(n) = strip(e) else { return None };
        let Expr::Ident(callee) = strip(&n.callee) else {
            return None;
        };
        if &*callee.sym != "Hono" && &*callee.sym != "OpenAPIHono" {
            return None;
        }
        let env = n.type_args.as_ref().and_then(|a| a.params.first());
        Some(AppVariables {
            vars: env.map(|t| self.variables_of(t, 0)).unwrap_or_default(),
            at: env
                .and_then(|t| self.variables_at(t))
                .unwrap_or_else(|| self.at(n.span)),
        })
    }

    /// Where a Hono environment type's `Variables` are declared: the type they name (in this
    /// file or the module it comes from), or the type literal that lists them.
    pub(super) fn variables_at(&self, t: &TsType) -> Option<String> {
        let named = |name: &str| {
            self.origins
                .get(name)
                .cloned()
                .or_else(|| self.type_spans.get(name).map(|s| self.at(*s)))
        };
        match t {
            TsType::TsParenthesizedType(p) => self.variables_at(&p.type_ann),
            TsType::TsTypeLit(lit) => {
                let (_, vars) = members(&lit.members).find(|(name, _)| *name == "Variables")?;
                match type_ref_name(vars) {
                    Some(n) => named(n),
                    None => Some(self.at(vars.span())),
                }
            }
            t => {
                type_ref_name(t).and_then(|n| named(&format!("{n}.Variables")).or_else(|| named(n)))
            }
        }
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

/// The variables a Hono app's type declares, and where the app (or the context type) is
/// written, for the reasons `debug bindings` gives.
#[derive(Clone, Debug)]
pub(super) struct AppVariables {
    pub(super) vars: Vec<(String, KnownType)>,
    pub(super) at: String,
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
