//! Statement lists in code without semicolons: which expression statements follow a
//! statement that no `;` ends, so that text starting with `(`, `[` or `` ` `` put at their
//! start would continue the previous statement.

use rustc_hash::FxHashSet as HashSet;

use swc_common::{BytePos, Span, Spanned};
use swc_ecma_ast::{Decl, Expr, ModuleItem, Pat, Program, Stmt, UnaryOp, VarDeclKind};

use swc_ecma_visit::{Visit, VisitWith};

use crate::source::Source;

struct Lists<'a> {
    source: &'a Source,
    found: HashSet<BytePos>,
}

impl Lists<'_> {
    /// `items`: each item's statement (`None` for an import or export) and span. Like
    /// standard style, any statement not ended by `;` counts as open: a `;` after a block
    /// is harmless, a missing one after `const o = {}` is not.
    fn list<'s>(&mut self, items: impl Iterator<Item = (Option<&'s Stmt>, Span)>) {
        let mut previous_open = false;
        for (stmt, span) in items {
            if let (Some(Stmt::Expr(e)), true) = (stmt, previous_open) {
                self.found.insert(e.span.lo);
            }
            previous_open = !self.source.slice(span).trim_end().ends_with(';');
        }
    }
}

impl Visit for Lists<'_> {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        self.list(stmts.iter().map(|s| (Some(s), s.span())));
        stmts.iter().for_each(|s| s.visit_with(self));
    }

    fn visit_module_items(&mut self, items: &[ModuleItem]) {
        self.list(items.iter().map(|i| (i.as_stmt(), i.span())));
        items.iter().for_each(|i| i.visit_with(self));
    }
}

/// Starts of the expression statements that follow a statement not ended by `;`.
pub fn unterminated(program: &Program, source: &Source) -> HashSet<BytePos> {
    let mut lists = Lists {
        source,
        found: HashSet::default(),
    };
    program.visit_with(&mut lists);
    lists.found
}

/// Statements found by what they hold.
#[derive(Default)]
struct Finder<'a> {
    /// The call whose expression statement is wanted (`await kv.put(…);`).
    call: Option<Span>,
    /// The name whose declarations and `if (!name) …` guards are wanted.
    name: Option<&'a str>,
    statement: Option<Span>,
    declarations: Vec<Declaration>,
    guards: Vec<Span>,
    /// How many bindings of the name there are (variables, parameters, patterns).
    bindings: usize,
    /// How many identifiers name it.
    mentions: usize,
    /// Only what lies inside this span counts, when given.
    scope: Option<Span>,
}

impl Finder<'_> {
    fn inside(&self, span: Span) -> bool {
        self.scope
            .is_none_or(|s| s.lo <= span.lo && span.hi <= s.hi)
    }
}

/// A declaration of a name: its statement, and whether it is `const name = …;` alone.
pub struct Declaration {
    pub statement: Span,
    pub alone: bool,
}

fn unwrap_await(e: &Expr) -> &Expr {
    match e {
        Expr::Await(a) => unwrap_await(&a.arg),
        Expr::Paren(p) => unwrap_await(&p.expr),
        _ => e,
    }
}

impl Visit for Finder<'_> {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Expr(e) if Some(unwrap_await(&e.expr).span()) == self.call => {
                self.statement = Some(e.span);
            }
            Stmt::If(i) if i.alt.is_none() && self.inside(i.span) => {
                let guarded = matches!(&*i.test, Expr::Unary(u)
                    if u.op == UnaryOp::Bang
                    && matches!(&*u.arg, Expr::Ident(n) if Some(&*n.sym) == self.name));
                if guarded {
                    self.guards.push(i.span);
                }
            }
            Stmt::Decl(Decl::Var(v)) if self.inside(v.span) => {
                for d in &v.decls {
                    if matches!(&d.name, Pat::Ident(b) if Some(&*b.id.sym) == self.name) {
                        self.declarations.push(Declaration {
                            statement: v.span,
                            alone: v.decls.len() == 1 && v.kind == VarDeclKind::Const,
                        });
                    }
                }
            }
            _ => {}
        }
        s.visit_children_with(self);
    }

    fn visit_binding_ident(&mut self, b: &swc_ecma_ast::BindingIdent) {
        if Some(&*b.id.sym) == self.name && self.inside(b.span) {
            self.bindings += 1;
        }
        b.visit_children_with(self);
    }

    fn visit_ident(&mut self, i: &swc_ecma_ast::Ident) {
        if Some(&*i.sym) == self.name && self.inside(i.span) {
            self.mentions += 1;
        }
    }
}

/// The expression statement that is this call, awaited or not (`await kv.put(…);`).
pub fn expression_statement_of(program: &Program, call: Span) -> Option<Span> {
    let mut f = Finder {
        call: Some(call),
        ..Finder::default()
    };
    program.visit_with(&mut f);
    f.statement
}

/// Within `scope` (a function's span): the one declaration of a name, when it has exactly
/// one binding there and it is a variable declaration; the name's `if (!name) …` guards;
/// and how many times the name is mentioned there (its declaration included).
pub fn declaration_and_guards(
    program: &Program,
    scope: Span,
    name: &str,
) -> (Option<Declaration>, Vec<Span>, usize) {
    let mut f = Finder {
        name: Some(name),
        scope: Some(scope),
        ..Finder::default()
    };
    program.visit_with(&mut f);
    let one = (f.bindings == 1 && f.declarations.len() == 1)
        .then(|| f.declarations.pop())
        .flatten();
    (one, f.guards, f.mentions)
}
