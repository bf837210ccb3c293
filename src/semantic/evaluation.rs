//! What runs before what: side-effect freedom of expressions and patterns, and whether a
//! statement reaches a given expression first thing, on one straight path. Fixes that move
//! an evaluation (a parse to the read, reads into one `Promise.all`) are safe only when
//! nothing observable changes order.

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    AssignExpr, BinaryOp, Callee, Decl, Expr, ExprOrSpread, MemberProp, ObjectLit, ObjectPatProp,
    Pat, Prop, PropName, PropOrSpread, Stmt, UnaryOp,
};

use super::values::strip;

/// Free of side effects: literals, identifiers, `this`, member accesses, templates and `+`
/// of those, object literals of those. (Getters and `toString` are assumed plain.)
pub fn pure(e: &Expr) -> bool {
    match strip(e) {
        Expr::Lit(_) | Expr::Ident(_) | Expr::This(_) => true,
        Expr::Member(m) => pure(&m.obj) && m.prop.as_computed().is_none_or(|c| pure(&c.expr)),
        Expr::Tpl(t) => t.exprs.iter().all(|e| pure(e)),
        Expr::Bin(b) => b.op == BinaryOp::Add && pure(&b.left) && pure(&b.right),
        Expr::Object(o) => o.props.iter().all(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => pure_key(&kv.key) && pure(&kv.value),
                Prop::Shorthand(_) => true,
                _ => false,
            },
            PropOrSpread::Spread(_) => false,
        }),
        _ => false,
    }
}

fn pure_key(key: &PropName) -> bool {
    match key {
        PropName::Computed(c) => pure(&c.expr),
        _ => true,
    }
}

/// Destructuring by this pattern runs no code of the program: no default values or computed
/// keys that may have effects. (It may still throw: destructuring `null` does.)
pub fn pure_pattern(p: &Pat) -> bool {
    match p {
        Pat::Ident(_) => true,
        Pat::Array(a) => a.elems.iter().flatten().all(pure_pattern),
        Pat::Rest(r) => pure_pattern(&r.arg),
        Pat::Object(o) => o.props.iter().all(|p| match p {
            ObjectPatProp::KeyValue(kv) => pure_key(&kv.key) && pure_pattern(&kv.value),
            ObjectPatProp::Assign(a) => a.value.as_deref().is_none_or(pure),
            ObjectPatProp::Rest(r) => pure_pattern(&r.arg),
        }),
        Pat::Assign(a) => pure(&a.right) && pure_pattern(&a.left),
        Pat::Expr(_) | Pat::Invalid(_) => false,
    }
}

/// How evaluating an expression relates to a target expression inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// The target is evaluated, unconditionally, before anything with an effect.
    First,
    /// The target is not in it, and evaluating it has no effect.
    Pure,
    /// Something with an effect runs before the target, or the target may not run, or runs
    /// later (a callback, a branch): or, without the target, it has an effect.
    Blocked,
}

fn contains(e: &Expr, target: Span) -> bool {
    let s = e.span();
    s.lo <= target.lo && target.hi <= s.hi
}

/// Evaluates `parts` in order; `effect`: whether the node itself then has an effect.
fn sequence<'a>(parts: impl IntoIterator<Item = &'a Expr>, target: Span, effect: bool) -> Reach {
    for p in parts {
        match reach(p, target) {
            Reach::Pure => {}
            other => return other,
        }
    }
    if effect {
        Reach::Blocked
    } else {
        Reach::Pure
    }
}

/// Where the target is met when `e` is evaluated.
fn reach(e: &Expr, target: Span) -> Reach {
    if e.span() == target {
        return Reach::First;
    }
    match e {
        Expr::Lit(_) | Expr::Ident(_) | Expr::This(_) => Reach::Pure,
        Expr::Paren(p) => reach(&p.expr, target),
        Expr::TsAs(a) => reach(&a.expr, target),
        Expr::TsNonNull(n) => reach(&n.expr, target),
        Expr::TsSatisfies(s) => reach(&s.expr, target),
        Expr::TsTypeAssertion(t) => reach(&t.expr, target),
        Expr::TsConstAssertion(c) => reach(&c.expr, target),
        Expr::Member(m) => {
            let prop = match &m.prop {
                MemberProp::Computed(c) => Some(&*c.expr),
                _ => None,
            };
            sequence(std::iter::once(&*m.obj).chain(prop), target, false)
        }
        Expr::Tpl(t) => sequence(t.exprs.iter().map(|e| &**e), target, false),
        Expr::Array(a) => {
            if a.elems.iter().flatten().any(|e| e.spread.is_some()) {
                // Spreading runs an iterator.
                return Reach::Blocked;
            }
            sequence(a.elems.iter().flatten().map(|e| &*e.expr), target, false)
        }
        Expr::Object(o) => reach_object(o, target),
        Expr::Unary(u) => sequence([&*u.arg], target, u.op == UnaryOp::Delete),
        Expr::Bin(b) => match b.op {
            BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing => {
                reach_branches(&b.left, &[&b.right], target)
            }
            _ => sequence([&*b.left, &*b.right], target, false),
        },
        Expr::Cond(c) => reach_branches(&c.test, &[&c.cons, &c.alt], target),
        Expr::Call(c) => {
            let callee = match &c.callee {
                Callee::Expr(e) => Some(&**e),
                _ => None,
            };
            reach_call(callee, &c.args, target)
        }
        Expr::New(n) => reach_call(
            Some(&n.callee),
            n.args.as_deref().unwrap_or_default(),
            target,
        ),
        Expr::Seq(s) => sequence(s.exprs.iter().map(|e| &**e), target, false),
        // An `await` lets other work run; an update or assignment writes.
        Expr::Await(a) => sequence([&*a.arg], target, true),
        Expr::Update(u) => sequence([&*u.arg], target, true),
        Expr::Assign(a) => reach_assign(a, target),
        // Functions and classes: their bodies run later, if ever. Everything else (optional
        // chains, tagged templates, `yield`, JSX…) is taken as having effects.
        Expr::Arrow(_) | Expr::Fn(_) if !contains(e, target) => Reach::Pure,
        _ => Reach::Blocked,
    }
}

/// `x = v`, `o.p = v`: the object, the value, then the write; other targets (patterns) are
/// taken as having effects.
fn reach_assign(a: &AssignExpr, target: Span) -> Reach {
    match a.left.as_simple().and_then(|s| s.as_member()) {
        Some(m) => sequence([&*m.obj, &*a.right], target, true),
        None if a.left.as_ident().is_some() => sequence([&*a.right], target, true),
        None => Reach::Blocked,
    }
}

/// An object literal: its computed keys and values in order; a spread runs getters.
fn reach_object(o: &ObjectLit, target: Span) -> Reach {
    let mut parts: Vec<&Expr> = Vec::new();
    for p in &o.props {
        match p {
            PropOrSpread::Spread(_) => return Reach::Blocked,
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => {
                    if let PropName::Computed(c) = &kv.key {
                        parts.push(&c.expr);
                    }
                    parts.push(&kv.value);
                }
                Prop::Shorthand(_) => {}
                // Methods, getters and setters only create functions.
                other => {
                    if contains_span(other.span(), target) {
                        return Reach::Blocked;
                    }
                }
            },
        }
    }
    sequence(parts, target, false)
}

/// `a && b`, `a ?? b`, `t ? x : y`: the first part always runs; a target in a branch that
/// may not run is not reached for sure.
fn reach_branches(first: &Expr, branches: &[&Expr], target: Span) -> Reach {
    match reach(first, target) {
        Reach::Pure if branches.iter().any(|b| contains(b, target)) => Reach::Blocked,
        Reach::Pure => sequence(branches.iter().copied(), target, false),
        other => other,
    }
}

/// A call or `new`: the callee, then the arguments (a spread runs an iterator), then the
/// call itself, which may do anything.
fn reach_call(callee: Option<&Expr>, args: &[ExprOrSpread], target: Span) -> Reach {
    if args.iter().any(|a| a.spread.is_some()) {
        return Reach::Blocked;
    }
    sequence(
        callee.into_iter().chain(args.iter().map(|a| &*a.expr)),
        target,
        true,
    )
}

fn contains_span(outer: Span, target: Span) -> bool {
    outer.lo <= target.lo && target.hi <= outer.hi
}

/// Whether executing `stmt` evaluates the expression spanned by `target` before anything
/// else with an effect, and unconditionally: `const y = JSON.parse(x)`, `return f(JSON.parse(x))`,
/// `if (JSON.parse(x).on) …`. Not when it sits in a branch, a loop body, a callback, a `try`,
/// or after a call.
pub fn evaluated_first(stmt: &Stmt, target: Span) -> bool {
    let first = |e: &Expr| reach(e, target) == Reach::First;
    match stmt {
        Stmt::Expr(e) => first(&e.expr),
        Stmt::Return(r) => r.arg.as_deref().is_some_and(first),
        Stmt::Throw(t) => first(&t.arg),
        Stmt::If(i) => first(&i.test),
        Stmt::Switch(s) => first(&s.discriminant),
        Stmt::ForOf(f) => first(&f.right),
        Stmt::Decl(Decl::Var(v)) => {
            for d in &v.decls {
                let Some(init) = &d.init else { continue };
                match reach(init, target) {
                    Reach::First => return true,
                    Reach::Blocked => return false,
                    // Destructuring the value before may run defaults or throw.
                    Reach::Pure if !matches!(d.name, Pat::Ident(_)) => return false,
                    Reach::Pure => {}
                }
            }
            false
        }
        _ => false,
    }
}
