//! Statement lists: block bodies and a module's items, walked alike by the rules that look
//! at consecutive statements.

use swc_ecma_ast::{ModuleItem, Stmt};

/// An element of a statement list: a statement, or a module item (imports and exports are
/// not statements, and break any run of statements).
pub trait ListItem {
    fn stmt(&self) -> Option<&Stmt>;
}

impl ListItem for Stmt {
    fn stmt(&self) -> Option<&Stmt> {
        Some(self)
    }
}

impl ListItem for ModuleItem {
    fn stmt(&self) -> Option<&Stmt> {
        self.as_stmt()
    }
}
