//! Functions: their parameters (typed, JSDoc), and what their returns give.

use swc_common::Span;
use swc_ecma_ast::*;
use swc_ecma_visit::VisitWith;

use super::builder::Builder;
use super::jsdoc;
use super::scope::Value;

use super::scope::Binding;

impl Builder<'_, '_> {
    pub(super) fn visit_function_like(&mut self, f: &Function, method: bool) {
        f.decorators.visit_with(self);
        if !method {
            self.this.push(None);
        }
        let doc = jsdoc::before(self.source, self.source.range(f.span).start);
        self.with_function(f.span, |s| {
            for p in &f.params {
                p.visit_with(s);
                s.declare_param(&p.pat);
                // JavaScript: `/** @param {KVNamespace} kv */`.
                if let (Pat::Ident(b), Some(doc)) = (&p.pat, &doc) {
                    let kind = doc.params.get(&*b.id.sym).copied();
                    let value = kind
                        .filter(|_| b.type_ann.is_none())
                        .and_then(|k| s.jsdoc_value(k, &b.id.sym))
                        .map(|v| match v {
                            Value::Kv(_) => Value::Kv(s.why(|| {
                                format!(
                                    "`{}` is documented `@param {{KVNamespace}}` (JSDoc)",
                                    b.id.sym
                                )
                            })),
                            v => v,
                        });
                    if let Some(value) = value {
                        s.scopes.declare(b.id.sym.clone(), Binding::of(value));
                    }
                }
            }
            f.body.visit_with(s);
        });
        self.note_kv_return(f.span, f.is_async);
        if !method {
            self.this.pop();
        }
    }

    /// function `with_function` has just left (its id is the last one given): every return
    /// a KV namespace, at least one. Recorded by the function's span.
    pub(super) fn note_kv_return(&mut self, span: Span, is_async: bool) {
        let id = self.next_function - 1;
        if let Some(&(kv, other)) = self.returns.get(&id) {
            if kv > 0 && other == 0 {
                self.kv_returning.insert(span, is_async);
            }
        }
        if let Some(Some(value)) = self.returned.remove(&id) {
            self.value_returning.insert(span, (value, is_async));
        }
    }

    pub(super) fn note_return(&mut self, value: Option<&Expr>) {
        let value = value.map(|v| self.classify(v)).unwrap_or(Value::Other);
        let function = self.current_function();
        let entry = self.returns.entry(function).or_default();
        if matches!(value, Value::Kv(_)) {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        // An env object or a shape: every return must give the same.
        let structured = matches!(value, Value::Env | Value::TypedEnv(_) | Value::Shape(_));
        let same = self
            .returned
            .entry(function)
            .or_insert_with(|| Some(value.clone()));
        if !structured || same.as_ref() != Some(&value) {
            *same = None;
        }
    }
}
