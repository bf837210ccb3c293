//! The visitor: scopes opened and closed as the walk goes, declarations made, calls recorded.

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::builder::in_program;
use super::builder::member_of;
use super::builder::platform_proxy;
use super::builder::prop_name;
use super::builder::Builder;
use super::builder::ROUTE_METHODS;
use super::context;
use super::jsdoc;
use super::scope::Value;
use super::values::strip;

use super::scope::Binding;

impl Builder<'_, '_> {
    /// A statement list with a scope of its own: its declarations (functions hoisted) made
    /// before it is walked.
    fn visit_scope_stmts(&mut self, stmts: &[Stmt]) {
        self.with_scope(|s| {
            s.scopes.predeclare_stmts(stmts.iter());
            s.predeclare_fns(stmts.iter().filter_map(decl_of));
            stmts.visit_with(s);
        });
    }
}

/// The declaration a statement is, if it is one.
pub(super) fn decl_of(s: &Stmt) -> Option<&Decl> {
    match s {
        Stmt::Decl(d) => Some(d),
        _ => None,
    }
}

impl Visit for Builder<'_, '_> {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_module(&mut self, m: &Module) {
        self.with_scope(|s| {
            s.scopes.predeclare_module(&m.body);
            // What a framework puts in scope without an import, unless the module declares
            // or imports the name itself.
            let auto: Vec<_> = s
                .auto_imported
                .iter()
                .filter(|(name, _)| s.scopes.resolve(name).is_none())
                .map(|(n, b)| (n.clone(), b.clone()))
                .collect();
            for (name, b) in auto {
                s.scopes.declare(name, b);
            }
            s.predeclare_fns(m.body.iter().filter_map(|i| match i {
                ModuleItem::Stmt(Stmt::Decl(d)) => Some(d),
                ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => Some(&e.decl),
                _ => None,
            }));
            m.body.visit_with(s);
        });
    }

    fn visit_script(&mut self, script: &Script) {
        self.visit_scope_stmts(&script.body);
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
                self.scopes.declare(n.local.sym.clone(), Binding::of(value));
            }
        }
    }

    fn visit_block_stmt(&mut self, b: &BlockStmt) {
        self.visit_scope_stmts(&b.stmts);
    }

    fn visit_function_body(&mut self, b: &FunctionBody) {
        self.visit_scope_stmts(&b.stmts);
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
        // The statement's JSDoc documents a lone `const f = (kv) => …`.
        let doc = match v.decls.as_slice() {
            [VarDeclarator {
                init: Some(init), ..
            }] if matches!(&**init, Expr::Arrow(_) | Expr::Fn(_)) => {
                jsdoc::before(self.source, self.source.range(v.span).start)
            }
            _ => None,
        };
        for d in &v.decls {
            // `export const f = (a) => …` in a module a declaration file describes, or with a
            // JSDoc comment.
            if let (Pat::Ident(name), Some(init @ (Expr::Arrow(_) | Expr::Fn(_)))) =
                (&d.name, d.init.as_deref())
            {
                self.next_params = self.params_of_const(&name.id.sym, init, doc.as_ref());
            }
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
                let value = doc
                    .as_ref()
                    .and_then(|d| self.jsdoc_value(d.ty?, &b.id.sym, ("type", d)));
                if let Some(value) = value {
                    self.scopes.declare(b.id.sym.clone(), Binding::of(value));
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
        let declared = self.next_params.take();
        self.with_function(a.span, |s| {
            for (i, p) in a.params.iter().enumerate() {
                p.visit_with(s);
                s.declare_param(p);
                s.declare_beside(p, declared.as_ref().and_then(|d| d.get(i)?.as_ref()));
                if let (0, Some(context), Pat::Ident(b)) = (i, &context, p) {
                    if b.type_ann.is_none() {
                        s.scopes
                            .declare(b.id.sym.clone(), Binding::of(context.clone()));
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
        self.next_params = self.params_beside(&d.ident.sym);
        d.visit_children_with(self);
        // A function without a written return type returns what its returns are (from here
        // on: calls above it are judged before its body is).
        if d.function.return_type.is_none() {
            let value = self.function_value(d.function.span, None);
            self.declare_function(d.ident.sym.clone(), value);
        }
    }

    fn visit_class_decl(&mut self, d: &ClassDecl) {
        self.class_name = Some(d.ident.sym.clone());
        d.visit_children_with(self);
    }

    fn visit_class_expr(&mut self, e: &ClassExpr) {
        self.class_name = e.ident.as_ref().map(|i| i.sym.clone());
        e.visit_children_with(self);
    }

    fn visit_class(&mut self, c: &Class) {
        c.decorators.visit_with(self);
        c.super_class.visit_with(self);
        let name = self.class_name.take();
        let info = self.class_info(c, name.as_ref());
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
            let app = self.hono_app_variables(&m.obj, 0)?;
            Some(self.hono_context(&app))
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
