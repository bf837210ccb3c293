//! What a TypeScript type annotation says about a value.

use swc_ecma_ast::{
    TsEntityName, TsKeywordTypeKind, TsType, TsTypeElement, TsUnionOrIntersectionType,
};

/// The Cloudflare runtime types the model knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnownType {
    Kv,
    DurableObjectNamespace,
    DurableObjectStub,
    /// `string`, a string literal type, or a union of those (DESIGN §3: a value declared
    /// `string` is a string for every rule that asks).
    String,
    /// A type that is known and is none of the above.
    Other,
}

fn entity_last(name: &TsEntityName) -> &str {
    match name {
        TsEntityName::Ident(i) => &i.sym,
        TsEntityName::TsQualifiedName(q) => &q.right.sym,
    }
}

fn is_nullish(t: &TsType) -> bool {
    matches!(
        t,
        TsType::TsKeywordType(k) if matches!(k.kind, TsKeywordTypeKind::TsNullKeyword | TsKeywordTypeKind::TsUndefinedKeyword)
    )
}

/// What a type annotation says: `KVNamespace`, `KVNamespace<K>`, `KVNamespace | null | undefined`.
/// `None` when the type tells nothing (`any`, `unknown`, a name we do not know).
pub fn known_type(t: &TsType) -> Option<KnownType> {
    match t {
        TsType::TsParenthesizedType(p) => known_type(&p.type_ann),
        TsType::TsTypeRef(r) => known_name(entity_last(&r.type_name)),
        // `import("@cloudflare/workers-types").KVNamespace`: the type of that name, as a
        // qualified reference (`Cloudflare.KVNamespace`) is.
        TsType::TsImportType(i) => known_name(entity_last(i.qualifier.as_ref()?)),
        TsType::TsUnionOrIntersectionType(TsUnionOrIntersectionType::TsUnionType(u)) => {
            let mut kinds = u
                .types
                .iter()
                .filter(|t| !is_nullish(t))
                .map(|t| known_type(t));
            let first = kinds.next()??;
            kinds.all(|k| k == Some(first)).then_some(first)
        }
        TsType::TsKeywordType(k) => match k.kind {
            TsKeywordTypeKind::TsAnyKeyword | TsKeywordTypeKind::TsUnknownKeyword => None,
            TsKeywordTypeKind::TsStringKeyword => Some(KnownType::String),
            _ => Some(KnownType::Other),
        },
        TsType::TsLitType(l) => Some(match l.lit {
            swc_ecma_ast::TsLit::Str(_) | swc_ecma_ast::TsLit::Tpl(_) => KnownType::String,
            _ => KnownType::Other,
        }),
        TsType::TsArrayType(_) | TsType::TsTupleType(_) | TsType::TsFnOrConstructorType(_) => {
            Some(KnownType::Other)
        }
        _ => None,
    }
}

/// What a type of this name is (the last part of a qualified name).
pub fn known_name(name: &str) -> Option<KnownType> {
    match name {
        "KVNamespace" => Some(KnownType::Kv),
        "DurableObjectNamespace" => Some(KnownType::DurableObjectNamespace),
        "DurableObjectStub" => Some(KnownType::DurableObjectStub),
        "Map" | "WeakMap" | "Set" | "Headers" | "URLSearchParams" | "FormData" | "Cache"
        | "CacheStorage" | "R2Bucket" | "D1Database" | "Queue" | "Fetcher" | "Request"
        | "Response" | "Record" | "Array" | "Promise" => Some(KnownType::Other),
        _ => None,
    }
}

/// `Promise<T>` → `T`.
pub fn promised(t: &TsType) -> Option<&TsType> {
    match t {
        TsType::TsTypeRef(r) if entity_last(&r.type_name) == "Promise" => {
            r.type_params.as_ref()?.params.first().map(|b| &**b)
        }
        TsType::TsParenthesizedType(p) => promised(&p.type_ann),
        _ => None,
    }
}

/// The name of a type reference (`Env`, `Bindings`), for looking up declared interfaces.
pub fn type_ref_name(t: &TsType) -> Option<&str> {
    match t {
        TsType::TsTypeRef(r) => Some(entity_last(&r.type_name)),
        TsType::TsParenthesizedType(p) => type_ref_name(&p.type_ann),
        TsType::TsUnionOrIntersectionType(TsUnionOrIntersectionType::TsUnionType(u)) => {
            let mut named = u.types.iter().filter(|t| !is_nullish(t));
            let first = named.next()?;
            named
                .next()
                .is_none()
                .then(|| type_ref_name(first))
                .flatten()
        }
        _ => None,
    }
}

/// An indexed access type by a string key: `Bindings['KV']` → (`Bindings`, `KV`).
pub fn indexed_access(t: &TsType) -> Option<(&str, &str)> {
    match t {
        TsType::TsParenthesizedType(p) => indexed_access(&p.type_ann),
        TsType::TsIndexedAccessType(i) => {
            let TsType::TsLitType(swc_ecma_ast::TsLitType {
                lit: swc_ecma_ast::TsLit::Str(key),
                ..
            }) = &*i.index_type
            else {
                return None;
            };
            let TsType::TsTypeRef(r) = &*i.obj_type else {
                return None;
            };
            if r.type_params.is_some() {
                return None;
            }
            Some((entity_last(&r.type_name), key.value.as_str()?))
        }
        _ => None,
    }
}

/// The members of a member list typed by an indexed access (`kv: Bindings['KV']`): member,
/// type name, key.
pub fn indexed_members(list: &[TsTypeElement]) -> impl Iterator<Item = (&str, &str, &str)> {
    members(list).filter_map(|(m, t)| {
        let (ty, key) = indexed_access(t)?;
        Some((m, ty, key))
    })
}

/// The type of member `name` in a list of type members (an interface body or a type literal).
pub fn member_type<'a>(members: &'a [TsTypeElement], name: &str) -> Option<&'a TsType> {
    members.iter().find_map(|m| match m {
        TsTypeElement::TsPropertySignature(p) if property_name(&p.key) == Some(name) => {
            p.type_ann.as_ref().map(|a| &*a.type_ann)
        }
        _ => None,
    })
}

/// The properties of a member list, with their types.
pub fn members(members: &[TsTypeElement]) -> impl Iterator<Item = (&str, &TsType)> {
    members.iter().filter_map(|m| match m {
        TsTypeElement::TsPropertySignature(p) => {
            Some((property_name(&p.key)?, &*p.type_ann.as_ref()?.type_ann))
        }
        _ => None,
    })
}

fn property_name(key: &swc_ecma_ast::Expr) -> Option<&str> {
    match key {
        swc_ecma_ast::Expr::Ident(i) => Some(&i.sym),
        swc_ecma_ast::Expr::Lit(swc_ecma_ast::Lit::Str(s)) => s.value.as_str(),
        _ => None,
    }
}
