//! What an expression is: the type of a value, evaluated from what the file and the project
//! declare (a declared type outranks a binding name), then what its members and calls give.

use swc_common::{Span, Spanned};
use swc_ecma_ast::*;

use super::bindings::BindingKind;
use super::builder::{member_of, prop_key_name, prop_name, Builder, MAX_SHAPE_MEMBERS};
use super::scope::Value;
use super::types::{indexed_access, known_type, members, promised, type_ref_name, KnownType};
use super::values::strip;

impl<'p> Builder<'_, 'p> {
    pub(super) fn binding_value(&self, name: &str, shown: &str) -> Value {
        match self.bindings.kind(name) {
            Some(BindingKind::Kv) => Value::Kv(self.why(|| {
                format!(
                    "`{shown}`: {name} is a KV binding ({})",
                    self.bindings
                        .source(name)
                        .expect("a known binding has a source")
                )
            })),
            Some(BindingKind::DurableObject) => Value::DurableObjectNamespace,
            _ => Value::Other,
        }
    }

    /// What a value of a known type is (`at`: where the type is written).
    fn known_value(&self, kind: KnownType, shown: &str, at: Option<Span>) -> Value {
        match kind {
            KnownType::Kv => Value::Kv(self.why(|| match at {
                Some(span) => format!("`{shown}` is typed KVNamespace ({})", self.at(span)),
                None => format!("`{shown}` is typed KVNamespace"),
            })),
            KnownType::DurableObjectNamespace => Value::DurableObjectNamespace,
            KnownType::DurableObjectStub => Value::DurableObjectStub,
            KnownType::String => Value::Str,
            KnownType::Other => Value::Other,
        }
    }

    pub(super) fn value_of_type(&self, t: &TsType, shown: &str) -> Option<Value> {
        // Hono's `Context<E>` (the type imported from hono): a route's context, with `E`'s
        // variables.
        if let TsType::TsTypeRef(r) = t {
            if let (TsEntityName::Ident(i), Some(args)) = (&r.type_name, &r.type_params) {
                if self.hono_context_types.contains(&i.sym) {
                    let vars = args.params.first().map(|e| self.variables_of(e, 0));
                    let at = args.params.first().and_then(|e| self.variables_at(e));
                    let app = super::hono::AppVariables {
                        vars: vars.unwrap_or_default(),
                        at: at.unwrap_or_else(|| self.at(t.span())),
                    };
                    return Some(self.hono_context(&app));
                }
            }
        }
        if let TsType::TsTypeLit(lit) = t {
            let members =
                members(&lit.members).map(|(n, t)| (n.to_string(), self.value_of_type(t, n)));
            return Some(Value::Shape(members.collect()));
        }
        // `AppVariables['kv']`, `AppEnv['Bindings']`: the member of a type of the file (or
        // one it imports).
        if let Some((ty, key)) = indexed_access(t) {
            let dotted = format!("{ty}.{key}");
            if self.env_types.contains(&dotted) {
                return Some(Value::TypedEnv(dotted));
            }
            let members = self.interfaces.get(ty)?;
            let (_, kind) = members.iter().find(|(n, _)| n == key)?;
            let shown = format!("{shown}: {ty}['{key}']");
            let value = self.known_value(*kind, &shown, None);
            return Some(match value {
                Value::Kv(r) => Value::Kv(self.why(|| format!("{r}{}", self.declared_at(ty)))),
                v => v,
            });
        }
        // `p: Promise<KVNamespace | null>`: what `await p` gives.
        if let Some(inner) = promised(t) {
            return Some(match self.value_of_type(inner, shown) {
                Some(v @ (Value::Kv(_) | Value::Env | Value::TypedEnv(_) | Value::Shape(_))) => {
                    Value::Promised(Box::new(v))
                }
                _ => Value::Other,
            });
        }
        // `s: Store` with `type Store = KVNamespace`, `m: MyKV` with `interface MyKV extends
        // KVNamespace {}` (a declaration of the file outranks a global type of that name).
        if let Some(name) = type_ref_name(t) {
            if let Some(&kind) = self.aliases.get(name) {
                return Some(match self.known_value(kind, shown, None) {
                    Value::Kv(_) => Value::Kv(self.why(|| {
                        format!(
                            "`{shown}` is typed {name}, which is declared a KVNamespace{}",
                            self.declared_at(name)
                        )
                    })),
                    v => v,
                });
            }
        }
        match known_type(t) {
            Some(kind) => Some(self.known_value(kind, shown, Some(t.span()))),
            // An `env` typed with an interface of the file is that interface, whether or not
            // it declares a binding: its members' declared types outrank binding names.
            None => match type_ref_name(t) {
                Some(n)
                    if self.env_types.contains(n)
                        || (shown == "env" && self.interfaces.contains_key(n)) =>
                {
                    Some(Value::TypedEnv(n.to_string()))
                }
                // `e: Env` with `interface Env` declared in a `.d.ts` (`wrangler types`): an
                // env whose members are the bindings that file declares.
                Some(n) if !self.interfaces.contains_key(n) && self.bindings.is_env_type(n) => {
                    Some(Value::Env)
                }
                // `e: Env` (or `Cloudflare.Env`) that resolves to no declaration, in a project
                // with a wrangler config: the type `wrangler types` generates from it, in a
                // file projects do not commit.
                Some("Env") if self.generated_env(t) => Some(Value::Env),
                // `user: User` with `interface User { id: string }`: its string members.
                Some(n)
                    if self
                        .interfaces
                        .get(n)
                        .is_some_and(|m| m.iter().any(|(_, k)| *k == KnownType::String)) =>
                {
                    Some(Value::Typed(n.to_string()))
                }
                _ => None,
            },
        }
    }

    /// What an expression evaluates to, as far as the model knows.
    pub(super) fn classify(&self, e: &Expr) -> Value {
        match e {
            Expr::Paren(p) => self.classify(&p.expr),
            Expr::TsAs(a) => self.classify_cast(&a.expr, &a.type_ann, a.span),
            Expr::TsTypeAssertion(a) => self.classify_cast(&a.expr, &a.type_ann, a.span),
            Expr::TsNonNull(n) => self.classify(&n.expr),
            Expr::TsSatisfies(s) => self.classify(&s.expr),
            Expr::TsConstAssertion(c) => self.classify(&c.expr),
            Expr::TsInstantiation(i) => self.classify(&i.expr),
            Expr::Ident(i) => self.classify_ident(i),
            Expr::Member(m) => self.classify_member(m),
            Expr::OptChain(o) => match &*o.base {
                OptChainBase::Member(m) => self.classify_member(m),
                OptChainBase::Call(c) => self.classify_call(&c.callee, false, c.span),
            },
            Expr::Call(c) => match &c.callee {
                Callee::Expr(callee) => self
                    .context_variable(callee, &c.args)
                    .unwrap_or_else(|| self.classify_call(callee, false, c.span)),
                _ => Value::Other,
            },
            Expr::Await(a) => match strip(&a.arg) {
                Expr::Call(c) => match (self.platform_proxy(c), &c.callee) {
                    (Some(v), _) => v,
                    (None, Callee::Expr(callee)) => self.classify_call(callee, true, c.span),
                    _ => Value::Other,
                },
                arg => match self.classify(arg) {
                    Value::Promised(v) => *v,
                    _ => Value::Other,
                },
            },
            // `env.SESSIONS ?? null`, `kv || fallback`: the left side decides.
            Expr::Bin(b) if matches!(b.op, BinaryOp::NullishCoalescing | BinaryOp::LogicalOr) => {
                self.classify(&b.left)
            }
            Expr::Object(o) => self.classify_object(o),
            Expr::Arrow(a) => self.function_value(a.span, a.return_type.as_deref()),
            Expr::Fn(f) => self.function_value(f.function.span, f.function.return_type.as_deref()),
            Expr::Cond(c) => {
                let (a, b) = (self.classify(&c.cons), self.classify(&c.alt));
                match (&a, &b) {
                    (Value::Kv(_), Value::Kv(_)) => a,
                    _ if a == b => a,
                    _ => Value::Other,
                }
            }
            _ => Value::Other,
        }
    }

    /// `await getPlatformProxy<E>()`, imported from wrangler: an object whose `env` is an
    /// `E` (without a type argument, the [`Value::Returns`] it was imported as says: an env
    /// of the wrangler config's bindings).
    fn platform_proxy(&self, c: &CallExpr) -> Option<Value> {
        let Callee::Expr(callee) = &c.callee else {
            return None;
        };
        let Expr::Ident(f) = strip(callee) else {
            return None;
        };
        let imported = self.scopes.resolve(&f.sym)?;
        let t = c.type_args.as_ref()?.params.first()?;
        (imported.value == super::builder::platform_proxy(Value::Env)).then(|| {
            let env = self.value_of_type(t, "env").unwrap_or(Value::Env);
            Value::Shape(vec![("env".to_string(), Some(env))])
        })
    }

    /// What a function is, by its written return type or, without one, by what its returns
    /// gave (a function already walked): [`Value::Returns`] when its calls give a KV
    /// namespace, an env object or a shape.
    pub(super) fn function_value(&self, span: Span, written: Option<&TsTypeAnn>) -> Value {
        if let Some(ret) = written {
            let (t, promise) = match promised(&ret.type_ann) {
                Some(t) => (t, true),
                None => (&*ret.type_ann, false),
            };
            return match self.value_of_type(t, "") {
                Some(Value::Kv(_)) => Value::Returns(
                    Box::new(Value::Kv(
                        self.why(|| "declared to return KVNamespace".into()),
                    )),
                    promise,
                ),
                Some(
                    v @ (Value::TypedEnv(_)
                    | Value::Shape(_)
                    | Value::Env
                    | Value::Str
                    | Value::Typed(_)),
                ) => Value::Returns(Box::new(v), promise),
                _ => Value::Other,
            };
        }
        if let Some(&promise) = self.kv_returning.get(&span) {
            return Value::Returns(
                Box::new(Value::Kv(
                    self.why(|| "whose every return is a KV namespace".into()),
                )),
                promise,
            );
        }
        match self.value_returning.get(&span) {
            Some((v, promise)) => Value::Returns(Box::new(v.clone()), *promise),
            None => Value::Other,
        }
    }

    /// An object literal is a shape of what its members hold, when one of them holds a
    /// binding or a shape (`{ kv: { cache: env.CACHE } }`); else nothing known. Spreads and
    /// computed or repeated names make it unknown.
    pub(super) fn classify_object(&self, o: &ObjectLit) -> Value {
        if o.props.len() > MAX_SHAPE_MEMBERS {
            return Value::Other;
        }
        let mut members: Vec<(String, Option<Value>)> = Vec::new();
        for p in &o.props {
            let PropOrSpread::Prop(p) = p else {
                return Value::Other;
            };
            let (name, value) = match &**p {
                Prop::KeyValue(kv) => match prop_key_name(&kv.key) {
                    Some(n) => (n, self.classify(&kv.value)),
                    None => return Value::Other,
                },
                Prop::Shorthand(i) => (i.sym.to_string(), self.classify_ident(i)),
                _ => continue,
            };
            if members.iter().any(|(n, _)| *n == name) {
                return Value::Other;
            }
            members.push((name, Some(value)));
        }
        let holds = members.iter().any(|(_, v)| {
            matches!(
                v,
                Some(
                    Value::Kv(_)
                        | Value::DurableObjectNamespace
                        | Value::Env
                        | Value::TypedEnv(_)
                        | Value::Shape(_)
                )
            )
        });
        if holds {
            Value::Shape(members)
        } else {
            Value::Other
        }
    }

    pub(super) fn classify_cast(&self, inner: &Expr, t: &TsType, span: Span) -> Value {
        match self.value_of_type(t, self.text(span)) {
            Some(Value::Kv(_)) => {
                Value::Kv(self.why(|| format!("`{}` is cast to KVNamespace", self.text(span))))
            }
            // `value as string` is the author's word, not a declaration: a value of another
            // type cast to `string` is still that value (an `unknown` may be an ArrayBuffer).
            Some(Value::Str) => match self.classify(inner) {
                Value::Str => Value::Str,
                _ => Value::Other,
            },
            Some(v) => v,
            None => self.classify(inner),
        }
    }

    /// Whether a type is the `Env` (or `Cloudflare.Env`) that `wrangler types` generates:
    /// no declaration of the file or its imports names it, the project's declaration files
    /// do not declare it (they would make it an env type), and a wrangler config binds
    /// what it holds.
    fn generated_env(&self, t: &TsType) -> bool {
        let named = |t: &TsType| match t {
            TsType::TsTypeRef(r) => match &r.type_name {
                TsEntityName::Ident(i) => !self.type_names.contains(&*i.sym),
                TsEntityName::TsQualifiedName(q) => matches!(
                    &q.left,
                    TsEntityName::Ident(ns) if &*ns.sym == "Cloudflare"
                        && !self.type_names.contains("Cloudflare")
                ),
            },
            _ => false,
        };
        let undeclared = match t {
            TsType::TsUnionOrIntersectionType(TsUnionOrIntersectionType::TsUnionType(u)) => {
                u.types.iter().any(|t| named(t))
            }
            TsType::TsParenthesizedType(p) => named(&p.type_ann),
            t => named(t),
        };
        undeclared
            && self
                .bindings
                .iter()
                .any(|(_, _, s)| matches!(s, super::bindings::BindingSource::Wrangler(..)))
    }

    pub(super) fn classify_ident(&self, i: &Ident) -> Value {
        if let Some(b) = self.scopes.resolve(&i.sym) {
            return b.value.clone();
        }
        if &*i.sym == "env" {
            return Value::Env;
        }
        match self.binding_value(&i.sym, &i.sym) {
            Value::Kv(r) => {
                Value::Kv(self.why(|| format!("{r}; a free identifier (service-worker global)")))
            }
            v => v,
        }
    }

    pub(super) fn classify_call(&self, callee: &Expr, awaited: bool, span: Span) -> Value {
        // `this.getKv()`: a method of the class declared to return KVNamespace.
        if let Some(m) = member_of(callee).filter(|m| matches!(&*m.obj, Expr::This(_))) {
            let method = prop_name(&m.prop);
            if let (Some(Some(class)), Some(method)) = (self.this.last(), method) {
                if class.kv_methods.get(&method) == Some(&awaited) {
                    return Value::Kv(self.why(|| {
                        format!(
                            "`{}`: the class declares {method}() to return KVNamespace",
                            self.text(span)
                        )
                    }));
                }
            }
        }
        if let Some(m) = member_of(callee) {
            let getter = prop_name(&m.prop).is_some_and(|n| n == "get" || n == "getByName");
            if getter && self.classify(&m.obj) == Value::DurableObjectNamespace {
                return Value::DurableObjectStub;
            }
        }
        // A function whose type says what its calls give: `getKV(env)`, `store.cache(env)`,
        // `readEnv()`.
        if matches!(strip(callee), Expr::Ident(_) | Expr::Member(_)) {
            if let Value::Returns(value, promise) = self.classify(callee) {
                if promise == awaited {
                    return match *value {
                        Value::Kv(reason) => Value::Kv(self.why(|| {
                            format!(
                                "`{}` calls `{}`, {reason}",
                                self.text(span),
                                self.text(callee.span())
                            )
                        })),
                        v => v,
                    };
                }
            }
        }
        Value::Other
    }

    pub(super) fn classify_member(&self, m: &MemberExpr) -> Value {
        let Some(name) = self.member_name(&m.prop) else {
            return Value::Other;
        };
        let shown = self.text(m.span);
        // A declared type literal decides, nested ones included: `(ctx: { env: { NONCES:
        // KVNamespace } }) => ctx.env.NONCES`, `(c.env as unknown as { SESSIONS?:
        // KVNamespace }).SESSIONS`.
        let object = self.classify(&m.obj);
        if let Value::Shape(members) = &object {
            if let Some(value) = members
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v.clone())
            {
                return match value {
                    Value::Kv(r) => Value::Kv(self.why(|| declared_kv(shown, &name, &r))),
                    value => value,
                };
            }
        }
        if name == "env" && !matches!(m.prop, MemberProp::PrivateName(_)) {
            return Value::Env;
        }
        // `globalThis.KV`, `self.KV`: the global of that name (a service worker's binding,
        // or `declare global { var KV: KVNamespace }`), whatever a local name shadows it.
        if let Expr::Ident(o) = &*m.obj {
            if matches!(&*o.sym, "globalThis" | "self") && self.scopes.resolve(&o.sym).is_none() {
                return match self.binding_value(&name, shown) {
                    Value::Kv(r) => Value::Kv(self.why(|| format!("{r}; a global"))),
                    v => v,
                };
            }
        }
        if let Expr::This(_) = &*m.obj {
            let Some(Some(class)) = self.this.last() else {
                return Value::Other;
            };
            return match (class.kv_fields.get(&name), class.fields.get(&name)) {
                (Some(r), _) => Value::Kv(r.clone()),
                (None, Some(v)) => v.clone(),
                (None, None) => Value::Other,
            };
        }
        match object {
            Value::TypedEnv(_) | Value::Env => self.member_value(&object, &name, shown),
            Value::Typed(t) if self.declared_member(&t, &name) == Some(KnownType::String) => {
                Value::Str
            }
            _ => Value::Other,
        }
    }

    /// What a member of an object holds, by the object's value: a type literal's member, an
    /// interface's declared member (which outranks a binding name, in both directions: a
    /// `Map` is not KV whatever wrangler binds under its name, a `KVNamespace` is KV
    /// whatever it binds), else for an env the binding of that name.
    pub(super) fn member_value(&self, object: &Value, name: &str, shown: &str) -> Value {
        match object {
            Value::Shape(members) => match members.iter().find(|(n, _)| n == name) {
                Some((_, Some(Value::Kv(r)))) => {
                    Value::Kv(self.why(|| declared_kv(shown, name, r)))
                }
                Some((_, Some(v))) => v.clone(),
                _ => Value::Other,
            },
            Value::TypedEnv(t) => match self.declared_member(t, name) {
                Some(KnownType::Kv) => Value::Kv(self.why(|| {
                    format!(
                        "`{shown}`: {t} declares {name}: KVNamespace{}",
                        self.declared_at(t)
                    )
                })),
                Some(KnownType::DurableObjectNamespace) => Value::DurableObjectNamespace,
                Some(KnownType::String) => Value::Str,
                Some(KnownType::DurableObjectStub | KnownType::Other) => Value::Other,
                None => self.binding_value(name, shown),
            },
            Value::Env => self.binding_value(name, shown),
            _ => Value::Other,
        }
    }

    /// A member's name, also through a `const` key: `env[BINDING]` with `const BINDING =
    /// 'SESSIONS'`.
    pub(super) fn member_name(&self, p: &MemberProp) -> Option<String> {
        if let Some(name) = prop_name(p) {
            return Some(name);
        }
        let MemberProp::Computed(c) = p else {
            return None;
        };
        let Expr::Ident(i) = strip(&c.expr) else {
            return None;
        };
        match strip(self.scopes.resolve(&i.sym)?.const_init?) {
            Expr::Lit(Lit::Str(s)) => s.value.as_str().map(str::to_string),
            Expr::Tpl(t) if t.exprs.is_empty() => {
                t.quasis[0].cooked.as_ref()?.as_str().map(str::to_string)
            }
            _ => None,
        }
    }

    /// Where a type is declared, as a reason's ending (` (src/types.ts:3)`): another
    /// module's, or the file's own; nothing when neither says.
    pub(super) fn declared_at(&self, ty: &str) -> String {
        match (self.origins.get(ty), self.type_spans.get(ty)) {
            (Some(at), _) => format!(" ({at})"),
            (None, Some(span)) => format!(" ({})", self.at(*span)),
            (None, None) => String::new(),
        }
    }

    /// The declared type of a member of an interface or type alias of the file, if known.
    pub(super) fn declared_member(&self, interface: &str, member: &str) -> Option<KnownType> {
        self.interfaces
            .get(interface)?
            .iter()
            .find(|(n, _)| n == member)
            .map(|(_, k)| *k)
    }
}

/// Why a member of an object whose declared type says it is KV is KV: the member's own
/// reason, when it is about this member (a Hono context's variables), else where it is
/// declared, when the member's reason says (an imported object's members).
fn declared_kv(shown: &str, name: &str, member: &str) -> String {
    if member.starts_with(&format!("`{shown}`")) {
        return member.to_string();
    }
    // `declared in src/a.ts:3`, or a reason that ends with where (` (src/a.ts:3)`).
    let at = member.strip_prefix("declared in ").or_else(|| {
        let (_, last) = member.strip_suffix(')')?.rsplit_once(" (")?;
        let (_, line) = last.rsplit_once(':')?;
        line.bytes().all(|b| b.is_ascii_digit()).then_some(last)
    });
    match at {
        Some(at) => format!("`{shown}`: its declared type says {name}: KVNamespace ({at})"),
        None => format!("`{shown}`: its declared type says {name}: KVNamespace"),
    }
}
