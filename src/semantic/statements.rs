//! Statement lists in code without semicolons: which expression statements follow a
//! statement that no `;` ends, so that text starting with `(`, `[` or `` ` `` put at their
//! start would continue the previous statement.

use std::collections::HashSet;

use swc_common::{BytePos, Span, Spanned};
use swc_ecma_ast::{ModuleItem, Program, Stmt};
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
        found: HashSet::new(),
    };
    program.visit_with(&mut lists);
    lists.found
}
