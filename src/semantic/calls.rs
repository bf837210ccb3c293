//! KV calls classified from their receivers' types, with how each reaches its binding,
//! and the Durable Object stub calls.

use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::builder::member_of;
use super::builder::prop_name;
use super::builder::Builder;
use super::evaluation;
use super::scope::Value;
use super::values::strip;
use super::values::Consts;
use super::BindingAccess;
use super::KvMethod;

use super::DoCall;
use super::KvCall;

impl<'p> Builder<'_, 'p> {
    pub(super) fn record(&mut self, span: Span, callee: &Expr, args: &'p [ExprOrSpread]) {
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
        let namespace = match &binding {
            Some(b) => Some(b.name.clone()),
            None => self.namespace_name(&member.obj, 0),
        };
        let alias = match strip(&member.obj) {
            Expr::Ident(i) if self.scopes.resolve(&i.sym).is_some() => Some(i.sym.clone()),
            _ => None,
        };
        // Arguments whose declared type says they are strings (`userId: string`, a member
        // declared `string`, a call of a function declared to return one).
        let declared_strings = args
            .iter()
            .enumerate()
            .take(2)
            .filter(|(_, a)| a.spread.is_none() && self.classify(&a.expr) == Value::Str)
            .map(|(i, _)| i)
            .collect();
        self.calls.push(KvCall {
            namespace,
            declared_strings,
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
    pub(super) fn stub_namespace(&self, e: &Expr, depth: usize) -> Option<String> {
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
    pub(super) fn namespace_binding(&self, e: &Expr, depth: usize) -> Option<String> {
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

    /// The binding a KV namespace expression names where [`Builder::binding_access`] cannot
    /// say how to reach it again: `E.NAME` (or a `const` alias of it) with `E` an object whose
    /// declared type gives it the KV member `NAME`, and `NAME` a KV binding of the project.
    fn namespace_name(&self, e: &Expr, depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match strip(e) {
            Expr::Member(m) => {
                let name = self.member_name(&m.prop)?;
                let typed = matches!(self.classify(&m.obj), Value::Shape(_) | Value::TypedEnv(_));
                (typed && self.bindings.is_kv(&name)).then_some(name)
            }
            Expr::Ident(i) => {
                let init = self.scopes.resolve(&i.sym)?.const_init?;
                self.namespace_name(init, depth + 1)
            }
            _ => None,
        }
    }

    /// How a KV namespace expression reaches its binding: `E.NAME` with `E` an env (through
    /// casts and `?.`), a `const` alias of such an expression, or a free global `NAME`.
    /// The env expression must be free of side effects, to be written again elsewhere.
    pub(super) fn binding_access(&self, e: &Expr, depth: usize) -> Option<BindingAccess> {
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
    pub(super) fn consts_for(&self, args: &[ExprOrSpread]) -> Consts<'p> {
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

#[derive(Default)]
pub(super) struct IdentCollector(Vec<Atom>);

impl Visit for IdentCollector {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_ident(&mut self, i: &Ident) {
        self.0.push(i.sym.clone());
    }
}
