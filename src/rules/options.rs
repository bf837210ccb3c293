//! Reading KV call options (`{ expirationTtl: 60 }`) shared by the rules.

use std::borrow::Cow;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{Expr, ObjectLit, Prop, PropName, PropOrSpread};

use crate::semantic::values::strip;
use crate::semantic::{KvCall, KvMethod};

/// The options argument of a KV call, when it is an object literal.
pub fn options_object(call: &KvCall) -> Option<&ObjectLit> {
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
    pub name: &'a str,
    /// `{ ttl }` has the identifier `ttl` as its value.
    pub value: Cow<'a, Expr>,
    pub span: Span,
}

pub fn properties(obj: &ObjectLit) -> impl Iterator<Item = Property<'_>> {
    obj.props.iter().filter_map(|p| match p {
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) => {
                let name = match &kv.key {
                    PropName::Ident(i) => &*i.sym,
                    PropName::Str(s) => s.value.as_str()?,
                    _ => return None,
                };
                Some(Property {
                    name,
                    value: Cow::Borrowed(&*kv.value),
                    span: p.span(),
                })
            }
            Prop::Shorthand(i) => Some(Property {
                name: &i.sym,
                value: Cow::Owned(Expr::Ident(i.clone())),
                span: i.span,
            }),
            _ => None,
        },
        PropOrSpread::Spread(_) => None,
    })
}

/// Whether an object literal has a spread (`{ ...opts }`): its keys are then unknown.
pub fn has_spread(obj: &ObjectLit) -> bool {
    obj.props
        .iter()
        .any(|p| matches!(p, PropOrSpread::Spread(_)))
}
