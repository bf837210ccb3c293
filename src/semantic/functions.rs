//! Functions: their parameters (typed, JSDoc), and what their returns give.

use swc_atoms::Atom;
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
        let declared = self.next_params.take();
        self.with_function(f.span, |s| {
            for (i, p) in f.params.iter().enumerate() {
                p.visit_with(s);
                s.declare_param(&p.pat);
                s.declare_beside(&p.pat, declared.as_ref().and_then(|d| d.get(i)?.as_ref()));
                // JavaScript: `/** @param {KVNamespace} kv */`.
                if let (Pat::Ident(b), Some(doc)) = (&p.pat, &doc) {
                    if let Some(value) = s.documented_param(b, doc) {
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

    /// What a JSDoc `@param` says an untyped parameter holds.
    fn documented_param(&self, b: &BindingIdent, doc: &jsdoc::Tags) -> Option<Value> {
        let kind = doc.params.get(&*b.id.sym).copied();
        kind.filter(|_| b.type_ann.is_none())
            .and_then(|k| self.jsdoc_value(k, &b.id.sym, ("param", doc)))
    }

    /// The parameters of `const f = (a, b) => …` (or `= function (a, b) {…}`), as the
    /// declaration file beside the module declares them, and then as the JSDoc comment of
    /// the `const` documents them (the comment is the statement's, not the function's).
    pub(super) fn params_of_const(
        &self,
        name: &Atom,
        function: &Expr,
        doc: Option<&jsdoc::Tags>,
    ) -> Option<Vec<Option<Value>>> {
        let mut params = self.params_beside(name);
        let Some(doc) = doc.filter(|d| !d.params.is_empty()) else {
            return params;
        };
        let pats: Vec<&Pat> = match function {
            Expr::Arrow(a) => a.params.iter().collect(),
            Expr::Fn(f) => f.function.params.iter().map(|p| &p.pat).collect(),
            _ => return params,
        };
        for (i, pat) in pats.into_iter().enumerate() {
            let Pat::Ident(b) = pat else { continue };
            if let Some(value) = self.documented_param(b, doc) {
                let list = params.get_or_insert_with(Vec::new);
                if list.len() <= i {
                    list.resize(i + 1, None);
                }
                list[i] = Some(value);
            }
        }
        params
    }

    /// The declared parameters of the top-level function `name`, from the declaration file
    /// beside the module (compiled TypeScript ships `kv.mjs` with `kv.d.ts`).
    pub(super) fn params_beside(&self, name: &Atom) -> Option<Vec<Option<Value>>> {
        if self.functions.len() != 1 {
            return None;
        }
        self.declared_params.get(name).cloned()
    }

    /// A parameter with no written type takes the type the declaration file beside the module
    /// declares for it: `function cloudflareKV(_a)` with `cloudflareKV({ binding }: { binding:
    /// KVNamespace })` declared makes `_a.binding` a KV namespace.
    pub(super) fn declare_beside(&mut self, pat: &Pat, declared: Option<&Value>) {
        let Some(value) = declared else { return };
        // JavaScript: no parameter has a written type of its own.
        match pat {
            Pat::Ident(b) => {
                self.scopes
                    .declare(b.id.sym.clone(), Binding::of(value.clone()));
            }
            Pat::Object(o) => self.declare_object_pattern(o, value),
            Pat::Assign(a) => self.declare_beside(&a.left, declared),
            _ => {}
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
