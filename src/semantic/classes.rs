//! What `this` is inside a class: its KV-typed fields, parameter properties and methods.

use rustc_hash::FxHashMap as HashMap;

use swc_ecma_ast::*;

use super::builder::{prop_key_name, Builder};
use super::scope::Value;
use super::types::{known_type, promised, type_ref_name, KnownType};

/// The KV-typed fields of the class `this` refers to.
#[derive(Default)]
pub(super) struct ClassInfo {
    pub(super) kv_fields: HashMap<String, String>,
    /// Fields typed by a type literal or an interface of the file: what their type says.
    pub(super) fields: HashMap<String, Value>,
    /// Methods declared to return `KVNamespace` (or a `Promise` of it: `true`).
    pub(super) kv_methods: HashMap<String, bool>,
}

impl Builder<'_, '_> {
    /// What the class declares: typed fields (`#private` ones and parameter properties
    /// included) and methods declared to return `KVNamespace`.
    pub(super) fn class_info(&self, class: &Class) -> ClassInfo {
        let mut info = ClassInfo::default();
        for member in &class.body {
            match member {
                ClassMember::ClassProp(p) => {
                    if let Some(n) = prop_key_name(&p.key) {
                        self.add_field(&mut info, n, p.type_ann.as_deref());
                    }
                }
                ClassMember::PrivateProp(p) => {
                    let name = format!("#{}", p.key.name);
                    self.add_field(&mut info, name, p.type_ann.as_deref())
                }
                ClassMember::Method(m) => {
                    if let (Some(promise), Some(name)) = (kv_method(m), prop_key_name(&m.key)) {
                        info.kv_methods.insert(name, promise);
                    }
                }
                ClassMember::Constructor(c) => {
                    for b in param_props(c) {
                        self.add_field(&mut info, b.id.sym.to_string(), b.type_ann.as_deref());
                    }
                }
                _ => {}
            }
        }
        info
    }

    /// A field typed `KVNamespace`, or by a type literal or an interface of the file whose
    /// members say what `this.config.kv` is.
    fn add_field(&self, info: &mut ClassInfo, name: String, t: Option<&TsTypeAnn>) {
        let Some(t) = t else { return };
        let aliased = || type_ref_name(&t.type_ann).and_then(|n| self.aliases.get(n).copied());
        if aliased().or_else(|| known_type(&t.type_ann)) == Some(KnownType::Kv) {
            let reason = self.why(|| {
                format!(
                    "`this.{name}`: the class declares {name}: KVNamespace ({})",
                    self.at(t.span)
                )
            });
            info.kv_fields.insert(name, reason);
            return;
        }
        let shown = format!("this.{name}");
        if let Some(v @ (Value::Shape(_) | Value::TypedEnv(_))) =
            self.value_of_type(&t.type_ann, &shown)
        {
            info.fields.insert(name, v);
        }
    }
}

/// Whether a method is declared to return `KVNamespace` (`Some(false)`) or a `Promise` of
/// one (`Some(true)`).
fn kv_method(m: &ClassMethod) -> Option<bool> {
    let ret = m.function.return_type.as_deref().map(|t| &*t.type_ann);
    let promise = ret.and_then(promised).map(known_type);
    match (ret.and_then(known_type), promise) {
        (Some(KnownType::Kv), _) => Some(false),
        (_, Some(Some(KnownType::Kv))) => Some(true),
        _ => None,
    }
}

/// The parameter properties of a constructor (`constructor(private kv: KVNamespace)`).
fn param_props(c: &Constructor) -> impl Iterator<Item = &BindingIdent> {
    c.params.iter().filter_map(|param| {
        let ParamOrTsParamProp::TsParamProp(tp) = param else {
            return None;
        };
        match &tp.param {
            TsParamPropParam::Ident(b) => Some(b),
            TsParamPropParam::Assign(a) => match &*a.left {
                Pat::Ident(b) => Some(b),
                _ => None,
            },
        }
    })
}
