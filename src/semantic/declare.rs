//! What the names a declaration introduces hold: variables, destructuring, parameters,
//! hoisted functions, JSDoc types.

use swc_atoms::Atom;
use swc_common::Spanned;
use swc_ecma_ast::*;

use super::builder::is_plain_value;
use super::builder::prop_key_name;
use super::builder::Builder;
use super::builder::MAX_CONST_INIT;
use super::jsdoc;
use super::scope::pat_names;
use super::scope::Binding;
use super::scope::Value;
use super::types::KnownType;
use super::values::strip;

impl<'p> Builder<'_, 'p> {
    /// Declares a function's name with what its calls give, when that is known.
    pub(super) fn declare_function(&mut self, name: Atom, value: Value) {
        if value != Value::Other {
            let const_init = None;
            self.scopes.declare(name, Binding { value, const_init });
        }
    }

    /// Declares the function declarations of a statement list (hoisted: callable before
    /// they appear) by their written return type or JSDoc `@returns`.
    pub(super) fn predeclare_fns<'s>(&mut self, decls: impl Iterator<Item = &'s Decl>) {
        for d in decls {
            let Decl::Fn(f) = d else { continue };
            let value = match &f.function.return_type {
                Some(_) => self.function_value(f.function.span, f.function.return_type.as_deref()),
                // JavaScript: `/** @returns {KVNamespace} */`.
                None => {
                    let doc = jsdoc::before(self.source, self.source.range(f.function.span).start);
                    match doc.and_then(|t| t.returns) {
                        Some((KnownType::Kv, promise)) => Value::Returns(
                            Box::new(Value::Kv(
                                self.why(|| "declared to return KVNamespace".into()),
                            )),
                            promise,
                        ),
                        _ => continue,
                    }
                }
            };
            self.declare_function(f.ident.sym.clone(), value);
        }
    }

    pub(super) fn const_init(init: Option<&'p Expr>, is_const: bool) -> Option<&'p Expr> {
        let init = init?;
        (is_const && (init.span().hi.0 - init.span().lo.0) as usize <= MAX_CONST_INIT)
            .then_some(init)
    }

    /// Declares the names of a `const`/`let`/`var` declarator.
    pub(super) fn declare_var(&mut self, pat: &Pat, init: Option<&'p Expr>, is_const: bool) {
        match pat {
            Pat::Ident(b) => {
                let name = &b.id.sym;
                let typed = b
                    .type_ann
                    .as_ref()
                    .and_then(|t| self.value_of_type(&t.type_ann, name));
                let value = match (typed, init) {
                    (Some(v), _) => v,
                    (None, Some(init)) => match self.classify(init) {
                        Value::Kv(r) => Value::Kv(
                            self.why(|| format!("`{name}` = `{}`; {r}", self.text(init.span()))),
                        ),
                        Value::Other if &**name == "env" && !is_plain_value(init) => Value::Env,
                        v => v,
                    },
                    (None, None) => Value::Other,
                };
                // A `let` that nothing assigns again holds its initial value like a `const`
                // (`let key = \`session:${id}\`; kv.get(key)`).
                let fixed = is_const || !self.reassigned.contains(name);
                let const_init = Self::const_init(init, fixed);
                self.scopes
                    .declare(name.clone(), Binding { value, const_init });
            }
            Pat::Object(o) => {
                let from = match init.map(strip) {
                    // `const { kv } = this`: the class's typed fields.
                    Some(Expr::This(_)) => self.this_shape(),
                    Some(i) => self.classify(i),
                    None => Value::Other,
                };
                self.declare_object_pattern(o, &from);
            }
            _ => self.declare_others(pat),
        }
    }

    /// What `this` holds, as an object of the class's typed fields (`Other` outside a class).
    fn this_shape(&self) -> Value {
        let Some(Some(class)) = self.this.last() else {
            return Value::Other;
        };
        let kv = class
            .kv_fields
            .iter()
            .map(|(n, r)| (n.clone(), Some(Value::Kv(r.clone()))));
        let typed = class
            .fields
            .iter()
            .filter(|(n, _)| !class.kv_fields.contains_key(*n))
            .map(|(n, v)| (n.clone(), Some(v.clone())));
        Value::Shape(kv.chain(typed).collect())
    }

    /// `const { SESSIONS, CACHE: kv } = env` binds KV namespaces when taken from an env.
    pub(super) fn declare_object_pattern(&mut self, o: &ObjectPat, from: &Value) {
        // What a property of the object holds: by the object's declared type, else (from an
        // env) by the binding name.
        let structured = matches!(from, Value::Env | Value::TypedEnv(_) | Value::Shape(_));
        // A member whose declared type says nothing (`{ env: any }`) is as if undeclared.
        let untyped = |key: &str| match from {
            Value::Shape(members) => members.iter().any(|(n, v)| n == key && v.is_none()),
            _ => false,
        };
        let property = |s: &Self, key: &str, shown: &str| {
            if structured && !untyped(key) {
                s.member_value(from, key, shown)
            } else if key == "env" {
                Value::Env
            } else {
                Value::Other
            }
        };
        for prop in &o.props {
            match prop {
                ObjectPatProp::Assign(a) => {
                    let name = &a.key.id.sym;
                    let value = property(self, name, &format!("{{ {name} }}"));
                    self.scopes.declare(name.clone(), Binding::of(value));
                }
                ObjectPatProp::KeyValue(kv) => match (&*kv.value, prop_key_name(&kv.key)) {
                    // `({ env: { SESSIONS } }) => …`
                    (Pat::Object(inner), Some(key)) if key == "env" && !structured => {
                        self.declare_object_pattern(inner, &Value::Env)
                    }
                    (Pat::Ident(local), Some(key)) => {
                        let value = property(self, &key, &format!("{{ {key}: {} }}", local.id.sym));
                        self.scopes
                            .declare(local.id.sym.clone(), Binding::of(value));
                    }
                    (p, _) => self.declare_others(p),
                },
                ObjectPatProp::Rest(r) => self.declare_others(&r.arg),
            }
        }
    }

    pub(super) fn declare_others(&mut self, pat: &Pat) {
        for name in pat_names(pat) {
            self.scopes.declare(name, Binding::other());
        }
    }

    /// Declares a parameter: its type says what it is; an untyped `env` is an env.
    pub(super) fn declare_param(&mut self, pat: &Pat) {
        match pat {
            Pat::Ident(b) => self.declare_ident_param(b),
            Pat::Object(o) => {
                let from = o
                    .type_ann
                    .as_ref()
                    .and_then(|t| self.value_of_type(&t.type_ann, ""))
                    // `({ env }: { env: Env })`, `({ kv, key }: { kv: KVNamespace; key:
                    // string })`: the members' declared types.
                    .filter(|v| matches!(v, Value::TypedEnv(_) | Value::Shape(_)))
                    .unwrap_or(Value::Other);
                self.declare_object_pattern(o, &from);
            }
            Pat::Assign(a) => self.declare_param(&a.left),
            _ => self.declare_others(pat),
        }
    }

    pub(super) fn declare_ident_param(&mut self, b: &BindingIdent) {
        let name = &b.id.sym;
        let typed = b
            .type_ann
            .as_ref()
            .and_then(|t| self.value_of_type(&t.type_ann, name));
        let value = match typed {
            Some(v) => v,
            None if &**name == "env" => Value::Env,
            None => Value::Other,
        };
        self.scopes.declare(name.clone(), Binding::of(value));
    }

    /// What a JSDoc tag (`type`, `param`) of a comment says a name holds.
    pub(super) fn jsdoc_value(
        &self,
        kind: KnownType,
        name: &str,
        (tag, doc): (&str, &super::jsdoc::Tags),
    ) -> Option<Value> {
        match kind {
            KnownType::Kv => Some(Value::Kv(self.why(|| {
                let line = self.source.position(doc.at).line;
                format!(
                    "`{name}` is documented `@{tag} {{KVNamespace}}` (JSDoc, {}:{line})",
                    self.label
                )
            }))),
            KnownType::DurableObjectNamespace => Some(Value::DurableObjectNamespace),
            _ => None,
        }
    }
}
