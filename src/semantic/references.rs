//! Where a name is referred to, and which string literals a program has.

use swc_atoms::Atom;
use swc_common::Span;
use swc_ecma_ast::{Expr, Ident, Lit, Str};
use swc_ecma_visit::{Visit, VisitWith};

/// Collects the identifiers with one name.
pub struct Finder<'a> {
    name: &'a Atom,
    found: Vec<Span>,
}

impl Visit for Finder<'_> {
    fn visit_ident(&mut self, i: &Ident) {
        if &i.sym == self.name {
            self.found.push(i.span);
        }
    }
}

/// Every identifier named `name` in `node`, declarations included. Callers compare counts,
/// so a shadowing declaration can only make them find too many (and skip a fix).
pub fn references<'a, N: VisitWith<Finder<'a>> + ?Sized>(node: &N, name: &'a Atom) -> Vec<Span> {
    let mut f = Finder {
        name,
        found: Vec::new(),
    };
    node.visit_with(&mut f);
    f.found
}

/// Collects string literals.
#[derive(Default)]
pub struct StrCollector(Vec<Span>);

impl Visit for StrCollector {
    fn visit_str(&mut self, s: &Str) {
        self.0.push(s.span);
    }
}

/// The spans of all string literals in a node.
pub fn string_literals<N: VisitWith<StrCollector> + ?Sized>(node: &N) -> Vec<Span> {
    let mut c = StrCollector::default();
    node.visit_with(&mut c);
    c.0
}

/// A string literal expression, through parentheses and TypeScript wrappers.
pub fn as_str(e: &Expr) -> Option<&Str> {
    match super::values::strip(e) {
        Expr::Lit(Lit::Str(s)) => Some(s),
        _ => None,
    }
}

/// Finds the name a call's awaited result is declared as: `const x = await <call>`.
pub struct AwaitedInto {
    call: Span,
    found: Option<Atom>,
}

impl Visit for AwaitedInto {
    fn visit_var_declarator(&mut self, d: &swc_ecma_ast::VarDeclarator) {
        if let (swc_ecma_ast::Pat::Ident(name), Some(init)) = (&d.name, &d.init) {
            if let Expr::Await(a) = super::values::strip(init) {
                if matches!(super::values::strip(&a.arg), Expr::Call(c) if c.span == self.call) {
                    self.found = Some(name.id.sym.clone());
                }
            }
        }
        d.visit_children_with(self);
    }
}

/// The variable that `const x = await <call>` declares, for the call with this span.
pub fn awaited_into<N: VisitWith<AwaitedInto> + ?Sized>(node: &N, call: Span) -> Option<Atom> {
    let mut v = AwaitedInto { call, found: None };
    node.visit_with(&mut v);
    v.found
}

/// How a `Map` held in a variable is used: `m.get(k)` / `m.has(k)` lookups (a copy of each
/// key expression, spans kept), and how many other mentions of the name there are (the
/// declaration is one).
pub struct MapUses<'a> {
    name: &'a Atom,
    pub lookups: Vec<Expr>,
    pub other: usize,
}

impl Visit for MapUses<'_> {
    fn visit_call_expr(&mut self, c: &swc_ecma_ast::CallExpr) {
        let lookup = c.callee.as_expr().and_then(|callee| match &**callee {
            Expr::Member(m) => match (&*m.obj, &m.prop) {
                (Expr::Ident(o), swc_ecma_ast::MemberProp::Ident(p))
                    if &o.sym == self.name && matches!(&*p.sym, "get" | "has") =>
                {
                    Some(())
                }
                _ => None,
            },
            _ => None,
        });
        match (lookup, c.args.as_slice()) {
            (Some(()), [arg]) if arg.spread.is_none() => {
                self.lookups.push((*arg.expr).clone());
                arg.visit_with(self);
            }
            _ => c.visit_children_with(self),
        }
    }

    fn visit_ident(&mut self, i: &Ident) {
        if &i.sym == self.name {
            self.other += 1;
        }
    }
}

/// The uses of the `Map` named `name` in `node`.
pub fn map_uses<'a, N: VisitWith<MapUses<'a>> + ?Sized>(node: &N, name: &'a Atom) -> MapUses<'a> {
    let mut v = MapUses {
        name,
        lookups: Vec::new(),
        other: 0,
    };
    node.visit_with(&mut v);
    v
}
