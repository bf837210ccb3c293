//! What `this` is inside a class: its KV-typed fields, parameter properties and methods.

use rustc_hash::FxHashMap as HashMap;

use swc_ecma_ast::*;

use super::builder::prop_key_name;
use super::builder::Builder;
use super::scope::Value;
use super::types::known_type;
use super::types::promised;
use super::types::KnownType;

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
    pub(super) fn class_info(&self, class: &Class) -> ClassInfo {
        let mut info = ClassInfo::default();
        let mut add = |name: String, t: Option<&TsTypeAnn>| {
            let Some(t) = t else { return };
            if known_type(&t.type_ann) == Some(KnownType::Kv) {
                let reason =
                    self.why(|| format!("`this.{name}`: the class declares {name}: KVNamespace"));
                info.kv_fields.insert(name, reason);
                return;
            }
            // `this.config.kv` with `config: { kv: KVNamespace }` or an interface of the file.
            let shown = format!("this.{name}");
            if let Some(v @ (Value::Shape(_) | Value::TypedEnv(_))) =
                self.value_of_type(&t.type_ann, &shown)
            {
                info.fields.insert(name, v);
            }
        };
        let mut methods = Vec::new();
        for member in &class.body {
            match member {
                ClassMember::ClassProp(p) => {
                    if let Some(n) = prop_key_name(&p.key) {
                        add(n, p.type_ann.as_deref());
                    }
                }
                ClassMember::PrivateProp(p) => {
                    add(format!("#{}", p.key.name), p.type_ann.as_deref())
                }
                ClassMember::Method(m) => {
                    let ret = m.function.return_type.as_deref().map(|t| &*t.type_ann);
                    let promise = ret.and_then(promised).map(known_type);
                    let kv = match (ret.and_then(known_type), promise) {
                        (Some(KnownType::Kv), _) => Some(false),
                        (_, Some(Some(KnownType::Kv))) => Some(true),
                        _ => None,
                    };
                    if let (Some(promise), Some(name)) = (kv, prop_key_name(&m.key)) {
                        methods.push((name, promise));
                    }
                }
                ClassMember::Constructor(c) => {
                    for param in &c.params {
                        if let ParamOrTsParamProp::TsParamProp(tp) = param {
                            let b = match &tp.param {
                                TsParamPropParam::Ident(b) => b,
                                TsParamPropParam::Assign(a) => match &*a.left {
                                    Pat::Ident(b) => b,
                                    _ => continue,
                                },
                            };
                            add(b.id.sym.to_string(), b.type_ann.as_deref());
                        }
                    }
                }
                _ => {}
            }
        }
        info.kv_methods.extend(methods);
        info
    }
}
