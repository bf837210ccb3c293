//! Promises dropped on the floor, and the execution context that could keep them alive: the
//! expression statements whose value is a KV call's promise (also behind `void`, `?.`,
//! parentheses and `.then/.catch/.finally`), each with the `waitUntil` in scope, if any.
//!
//! The context is found by type (`ExecutionContext`, `DurableObjectState`, Pages'
//! `EventContext`, Hono's `Context`), or in untyped code by position: the third parameter
//! of a module handler (`fetch(request, env, ctx)`), a Pages `onRequest*` function's
//! context, the handler of a route on a `new Hono()` app, and `this.ctx` in a class that
//! extends `DurableObject`.

use rustc_hash::FxHashSet as HashSet;
use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::types::type_ref_name;

/// A promise of a call dropped by an expression statement.
#[derive(Clone, Debug)]
pub struct Dropped {
    /// The call whose promise is dropped (`kv.put(…)`).
    pub call: Span,
    /// The dropped expression: the call with its `.then/.catch/.finally` chain.
    pub expr: Span,
    /// The statement's whole expression (from `void` and outer parentheses, when there are
    /// some): what the fix replaces.
    pub whole: Span,
    /// Whether the call is optional (`kv?.put(…)`): wrapping it would change what runs.
    pub optional: bool,
    /// The function to hand the promise to: `ctx.waitUntil`, `waitUntil`, … (`None`: no
    /// execution context in scope).
    pub wait_until: Option<String>,
}

/// Every dropped promise of a call in the program.
/// `hono_apps` are the names the model saw bound to `new Hono(…)`.
pub fn dropped_calls(program: &Program, hono_apps: &HashSet<Atom>) -> Vec<Dropped> {
    let mut walk = Walk {
        scopes: vec![None],
        hono_apps: hono_apps.clone(),
        durable_class: vec![false],
        found: Vec::new(),
    };
    program.visit_with(&mut walk);
    walk.found
}

/// The call an expression statement drops, and the expression to hand on instead.
pub struct Head {
    pub call: Span,
    /// The expression without `void` and outer parentheses (the `.then` chain included).
    pub expr: Span,
    pub optional: bool,
}

/// The call whose promise an expression statement's expression `e` drops: `e` itself,
/// behind `void` and parentheses, at the head of a `.then/.catch/.finally` chain.
pub fn dropped_head(e: &Expr) -> Option<Head> {
    let mut inner = match super::values::strip(e) {
        Expr::Unary(u) if u.op == UnaryOp::Void => &*u.arg,
        _ => e,
    };
    let expr = super::values::strip(inner).span();
    // Through `.then(…)`, `.catch(…)`, `.finally(…)` to the call they hang on.
    loop {
        inner = super::values::strip(inner);
        let Expr::Call(c) = inner else { break };
        let Callee::Expr(callee) = &c.callee else {
            break;
        };
        let Expr::Member(m) = super::values::strip(callee) else {
            break;
        };
        let chained = matches!(&m.prop, MemberProp::Ident(p) if ["then", "catch", "finally"].contains(&&*p.sym));
        if !chained {
            break;
        }
        inner = &m.obj;
    }
    let (call, optional) = match super::values::strip(inner) {
        Expr::Call(c) => (c.span, false),
        Expr::OptChain(o) => match &*o.base {
            OptChainBase::Call(c) => (c.span, true),
            _ => return None,
        },
        _ => return None,
    };
    Some(Head {
        call,
        expr,
        optional,
    })
}

struct Walk {
    /// The `waitUntil` of each enclosing function, innermost last.
    scopes: Vec<Option<String>>,
    hono_apps: HashSet<Atom>,
    /// Whether each enclosing class extends `DurableObject`.
    durable_class: Vec<bool>,
    found: Vec<Dropped>,
}

/// The context a typed parameter gives: `name.waitUntil`, or Hono's `name.executionCtx…`.
fn typed_context(name: &str, t: &TsType) -> Option<String> {
    match type_ref_name(t)? {
        "ExecutionContext" | "DurableObjectState" | "EventContext" => {
            Some(format!("{name}.waitUntil"))
        }
        "Context" => Some(format!("{name}.executionCtx.waitUntil")),
        _ => None,
    }
}

fn ident_param(p: &Pat) -> Option<&BindingIdent> {
    match p {
        Pat::Ident(b) => Some(b),
        Pat::Assign(a) => ident_param(&a.left),
        _ => None,
    }
}

/// The context the parameters of a function give: by their types, else by the function's
/// role (`role` says which parameter a module handler, Pages function or Hono route has).
fn params_context(params: &[&Pat], role: Role) -> Option<String> {
    for p in params {
        if let Some(b) = ident_param(p) {
            if let Some(t) = &b.type_ann {
                if let Some(c) = typed_context(&b.id.sym, &t.type_ann) {
                    return Some(c);
                }
            }
        }
    }
    let untyped = |i: usize| {
        params
            .get(i)
            .and_then(|p| ident_param(p))
            .filter(|b| b.type_ann.is_none())
            .map(|b| b.id.sym.to_string())
    };
    match role {
        Role::ModuleHandler => untyped(2).map(|n| format!("{n}.waitUntil")),
        Role::PagesFunction => match params.first() {
            Some(Pat::Object(o)) => o
                .props
                .iter()
                .any(|p| matches!(p, ObjectPatProp::Assign(a) if &*a.key.sym == "waitUntil"))
                .then(|| "waitUntil".to_string()),
            _ => untyped(0).map(|n| format!("{n}.waitUntil")),
        },
        Role::HonoRoute => untyped(0).map(|n| format!("{n}.executionCtx.waitUntil")),
        Role::Other => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    ModuleHandler,
    PagesFunction,
    HonoRoute,
    Other,
}

const HANDLERS: [&str; 5] = ["fetch", "scheduled", "queue", "email", "tail"];
const ROUTES: [&str; 8] = ["get", "post", "put", "delete", "patch", "all", "on", "use"];

impl Walk {
    /// Runs `f` inside a function whose parameters are `params`.
    fn function(&mut self, params: &[&Pat], role: Role, f: impl FnOnce(&mut Self)) {
        let declared: Vec<Atom> = params
            .iter()
            .flat_map(|p| super::scope::pat_names(p))
            .collect();
        let inherited = self.scopes.last().cloned().flatten().filter(|c| {
            // A parameter of the same name hides the outer one.
            let root = c.split('.').next().unwrap_or(c);
            !declared.iter().any(|d| &**d == root)
        });
        let own = params_context(params, role);
        self.scopes.push(own.or(inherited));
        f(self);
        self.scopes.pop();
    }

    fn statement(&mut self, e: &Expr) {
        let Some(Head {
            call,
            expr,
            optional,
        }) = dropped_head(e)
        else {
            return;
        };
        let whole = e.span();
        self.found.push(Dropped {
            call,
            expr,
            whole,
            optional,
            wait_until: self.scopes.last().cloned().flatten(),
        });
    }

    fn role_of_method(&self, key: &PropName) -> Role {
        match key {
            PropName::Ident(i) if HANDLERS.contains(&&*i.sym) => Role::ModuleHandler,
            _ => Role::Other,
        }
    }
}

impl Visit for Walk {
    fn visit_ts_type(&mut self, _: &TsType) {}

    fn visit_expr_stmt(&mut self, s: &ExprStmt) {
        self.statement(&s.expr);
        s.visit_children_with(self);
    }

    fn visit_class(&mut self, c: &Class) {
        let durable =
            matches!(c.super_class.as_deref(), Some(Expr::Ident(i)) if &*i.sym == "DurableObject");
        self.durable_class.push(durable);
        c.visit_children_with(self);
        self.durable_class.pop();
    }

    fn visit_class_method(&mut self, m: &ClassMethod) {
        let params: Vec<&Pat> = m.function.params.iter().map(|p| &p.pat).collect();
        let role = self.role_of_method(&m.key);
        let durable = *self.durable_class.last().unwrap_or(&false);
        self.function(&params, role, |s| {
            if durable && s.scopes.last().is_some_and(Option::is_none) {
                *s.scopes.last_mut().expect("pushed") = Some("this.ctx.waitUntil".into());
            }
            m.function.body.visit_with(s);
        });
    }

    fn visit_method_prop(&mut self, m: &MethodProp) {
        let params: Vec<&Pat> = m.function.params.iter().map(|p| &p.pat).collect();
        let role = self.role_of_method(&m.key);
        self.function(&params, role, |s| m.function.body.visit_with(s));
    }

    fn visit_fn_decl(&mut self, d: &FnDecl) {
        let params: Vec<&Pat> = d.function.params.iter().map(|p| &p.pat).collect();
        let role = if d.ident.sym.starts_with("onRequest") {
            Role::PagesFunction
        } else {
            Role::Other
        };
        self.function(&params, role, |s| d.function.body.visit_with(s));
    }

    fn visit_function(&mut self, f: &Function) {
        let params: Vec<&Pat> = f.params.iter().map(|p| &p.pat).collect();
        self.function(&params, Role::Other, |s| f.body.visit_with(s));
    }

    fn visit_var_declarator(&mut self, d: &VarDeclarator) {
        // `export const onRequestPost = async (context) => …`
        if let (Pat::Ident(name), Some(init)) = (&d.name, &d.init) {
            if name.id.sym.starts_with("onRequest") {
                if let Expr::Arrow(a) = super::values::strip(init) {
                    let params: Vec<&Pat> = a.params.iter().collect();
                    self.function(&params, Role::PagesFunction, |s| a.body.visit_with(s));
                    return;
                }
            }
        }
        d.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, c: &CallExpr) {
        // `app.get('/x', async (c) => …)` on a `new Hono()` app.
        let route = c.callee.as_expr().is_some_and(|callee| {
            matches!(super::values::strip(callee), Expr::Member(m)
                if matches!(&m.prop, MemberProp::Ident(p) if ROUTES.contains(&&*p.sym))
                && matches!(super::values::strip(&m.obj), Expr::Ident(o) if self.hono_apps.contains(&o.sym)))
        });
        if !route {
            c.visit_children_with(self);
            return;
        }
        c.callee.visit_with(self);
        for arg in &c.args {
            match super::values::strip(&arg.expr) {
                Expr::Arrow(a) => {
                    let params: Vec<&Pat> = a.params.iter().collect();
                    self.function(&params, Role::HonoRoute, |s| a.body.visit_with(s));
                }
                e => e.visit_with(self),
            }
        }
    }

    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        let params: Vec<&Pat> = a.params.iter().collect();
        self.function(&params, Role::Other, |s| a.body.visit_with(s));
    }

    fn visit_constructor(&mut self, c: &Constructor) {
        let params: Vec<&Pat> = super::scope::constructor_params(c).collect();
        self.function(&params, Role::Other, |s| c.body.visit_with(s));
    }
}
