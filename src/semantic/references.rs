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
