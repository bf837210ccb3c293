//! Reading KV call options (`{ expirationTtl: 60 }`) shared by the rules.

use std::borrow::Cow;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{Expr, ObjectLit, Prop, PropName, PropOrSpread};

use crate::semantic::values::{key_value, strip, Consts, KeyValue};
use crate::semantic::{KvCall, KvMethod};

/// The options argument of a KV call, when it is an object literal.
pub fn options_object<'p>(call: &KvCall<'p>) -> Option<&'p ObjectLit> {
    let index = match call.method {
        KvMethod::Put => 2,
        KvMethod::Get | KvMethod::GetWithMetadata => 1,
        _ => return None,
    };
    match strip(call.arg(index)?) {
        Expr::Object(o) => Some(o),
        _ => None,
    }
}

/// A property of an object literal: its name, value and whole `key: value` span.
pub struct Property<'a> {
    /// The key; a computed key that folds to a string counts as that string.
    pub name: Cow<'a, str>,
    /// `{ ttl }` has the identifier `ttl` as its value.
    pub value: Cow<'a, Expr>,
    pub span: Span,
}

/// The string a computed key folds to: `[`expirationTtl`]`, `['type']`, `[TTL_KEY]` with
/// `const TTL_KEY = 'expirationTtl'`.
fn computed_name(key: &Expr, consts: &Consts) -> Option<String> {
    match key_value(key, consts) {
        KeyValue::Static(s) => Some(s),
        _ => None,
    }
}

/// The properties whose names are known (computed keys folded with `consts`).
pub fn properties<'a>(
    obj: &'a ObjectLit,
    consts: &'a Consts,
) -> impl Iterator<Item = Property<'a>> {
    obj.props.iter().filter_map(move |p| match p {
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) => {
                let name = match &kv.key {
                    PropName::Ident(i) => Cow::Borrowed(&*i.sym),
                    PropName::Str(s) => Cow::Borrowed(s.value.as_str()?),
                    PropName::Computed(c) => Cow::Owned(computed_name(&c.expr, consts)?),
                    _ => return None,
                };
                Some(Property {
                    name,
                    value: Cow::Borrowed(&*kv.value),
                    span: p.span(),
                })
            }
            Prop::Shorthand(i) => Some(Property {
                name: Cow::Borrowed(&*i.sym),
                value: Cow::Owned(Expr::Ident(i.clone())),
                span: i.span,
            }),
            _ => None,
        },
        PropOrSpread::Spread(_) => None,
    })
}

/// Whether an object literal's keys or values are not all known: a spread (`{ ...opts }`), a
/// computed key that does not fold to a string (`{ [name]: 60 }`), or a getter, setter or
/// method (`{ get expirationTtl() { … } }` is a TTL too). Rules that look for a property, or
/// add one, leave such objects alone.
pub fn opaque(obj: &ObjectLit, consts: &Consts) -> bool {
    obj.props.iter().any(|p| match p {
        PropOrSpread::Spread(_) => true,
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) => match &kv.key {
                PropName::Computed(c) => computed_name(&c.expr, consts).is_none(),
                _ => false,
            },
            Prop::Shorthand(_) => false,
            _ => true,
        },
    })
}

/// The static prefix a `list` call lists by (`""` for none); `None` when it is not known.
pub fn list_prefix(call: &KvCall) -> Option<String> {
    let Some(options) = call.arg(0) else {
        return (call.args.is_empty()).then(String::new);
    };
    let Expr::Object(o) = strip(options) else {
        return None;
    };
    if opaque(o, &call.consts) {
        return None;
    }
    match properties(o, &call.consts).find(|p| p.name == "prefix") {
        None => Some(String::new()),
        Some(p) => match key_value(&p.value, &call.consts) {
            KeyValue::Static(s) => Some(s),
            _ => None,
        },
    }
}
