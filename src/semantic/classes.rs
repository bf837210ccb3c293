//! What `this` is inside a class: its KV-typed fields, parameter properties and methods.

use rustc_hash::FxHashMap as HashMap;

use swc_ecma_ast::*;

use super::bindings::BindingKind;
use super::builder::{prop_key_name, Builder};
use super::scope::Value;
use super::types::{known_type, promised, type_ref_name, KnownType};
use swc_common::Spanned;
use swc_ecma_visit::{Visit, VisitWith};

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
    pub(super) fn class_info(&self, class: &Class, name: Option<&swc_atoms::Atom>) -> ClassInfo {
        let mut info = ClassInfo::default();
        self.assigned_kv_fields(class, name, &mut info);
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

    /// Fields assigned a parameter typed `KVNamespace` anywhere in the class, whatever the
    /// order of its members: `this.kv = ns` in the constructor or a method it calls, and a
    /// static factory's `instance.kv = ns` (on `new Store()` or `Store.instance`).
    fn assigned_kv_fields(
        &self,
        class: &Class,
        name: Option<&swc_atoms::Atom>,
        info: &mut ClassInfo,
    ) {
        let functions = class.body.iter().filter_map(|m| match m {
            ClassMember::Method(m) => Some((&m.function.params[..], m.function.body.as_ref())),
            ClassMember::PrivateMethod(m) => {
                Some((&m.function.params[..], m.function.body.as_ref()))
            }
            _ => None,
        });
        let mut bodies: Vec<Body> = functions
            .filter_map(|(params, body)| {
                Some((params.iter().map(|p| &p.pat).collect(), body?, None))
            })
            .collect();
        for m in &class.body {
            if let ClassMember::Constructor(c) = m {
                if let Some(body) = &c.body {
                    let doc = super::jsdoc::before(self.source, self.source.range(c.span).start);
                    let documented = doc.map(|d| d.typed_params).unwrap_or_default();
                    bodies.push((
                        super::scope::constructor_params(c).collect(),
                        body,
                        Some(documented),
                    ));
                }
            }
        }
        for (params, body, constructor) in bodies {
            let kv_params: Vec<(&swc_atoms::Atom, Why)> = params
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let Pat::Ident(b) = p else { return None };
                    let Some(t) = b.type_ann.as_ref().map(|t| &t.type_ann) else {
                        // Untyped, in TypeScript and in JSDoc (a declared type wins): what
                        // every construction of the class passes it.
                        let documented = constructor.as_ref()?;
                        if documented.iter().any(|d| *d == *b.id.sym) {
                            return None;
                        }
                        let sites = name?;
                        return Some((&b.id.sym, Why::Constructed(self.constructed_kv(sites, i)?)));
                    };
                    let aliased = type_ref_name(t).and_then(|n| self.aliases.get(n).copied());
                    (aliased.or_else(|| known_type(t)) == Some(KnownType::Kv))
                        .then_some((&b.id.sym, Why::Typed(t.span())))
                })
                .collect();
            if kv_params.is_empty() {
                continue;
            }
            let mut find = FieldAssignments {
                class: name,
                instances: Vec::new(),
                found: Vec::new(),
            };
            body.visit_with(&mut find);
            for (field, param) in find.found {
                if let Some((_, why)) = kv_params.iter().find(|(p, _)| **p == param) {
                    let reason = self.why(|| match why {
                        Why::Typed(at) => format!(
                            "`this.{field}` is assigned `{param}`, typed KVNamespace ({})",
                            self.at(*at)
                        ),
                        Why::Constructed(sites) => format!(
                            "`this.{field}` is assigned `{param}`, which every `new {}(…)` of the project passes a KV binding ({sites})",
                            name.map(|n| n.as_str()).unwrap_or_default()
                        ),
                    });
                    info.kv_fields.entry(field).or_insert(reason);
                }
            }
        }
    }

    /// Whether every construction of the class in the project (at least one) passes a KV
    /// binding of this file's as argument `index`: where they are (`src/app.js:6 HASH_URL`).
    fn constructed_kv(&self, class: &swc_atoms::Atom, index: usize) -> Option<String> {
        use super::project::constructions::Arg;
        let (_, sites) = self
            .constructions
            .iter()
            .find(|(c, _)| c == class.as_str())?;
        let mut shown = Vec::new();
        for site in sites.iter() {
            match site.args.as_ref()?.get(index)? {
                Arg::Binding(n) if self.bindings.kind(n) == Some(BindingKind::Kv) => {
                    shown.push(format!("{} {n}", site.at));
                }
                _ => return None,
            }
        }
        (!shown.is_empty()).then(|| shown.join(", "))
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

/// A method's or the constructor's parameters and body, and for the constructor, the
/// parameters its JSDoc gives a type.
type Body<'a> = (Vec<&'a Pat>, &'a FunctionBody, Option<Vec<String>>);

/// Why a parameter holds a KV namespace: its written type (where), or what every
/// construction of the class passes it (where).
enum Why {
    Typed(swc_common::Span),
    Constructed(String),
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

/// The assignments of a name to a field of the class's instance in a function body:
/// `this.kv = ns`, `s.kv = ns` after `const s = new Store()`, `Store.instance.kv = ns`.
struct FieldAssignments<'a> {
    class: Option<&'a swc_atoms::Atom>,
    /// Names given `new <the class>()`.
    instances: Vec<swc_atoms::Atom>,
    /// (field, name assigned).
    found: Vec<(String, swc_atoms::Atom)>,
}

impl FieldAssignments<'_> {
    fn is_instance(&self, e: &Expr) -> bool {
        let is_class = |e: &Expr| matches!(e, Expr::Ident(i) if Some(&i.sym) == self.class);
        match e {
            Expr::This(_) => true,
            Expr::Ident(i) => self.instances.contains(&i.sym),
            // `Store.instance`: a static field of the class.
            Expr::Member(m) => is_class(&m.obj),
            Expr::Paren(p) => self.is_instance(&p.expr),
            _ => false,
        }
    }
}

impl Visit for FieldAssignments<'_> {
    fn visit_ts_type(&mut self, _: &TsType) {}
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}

    fn visit_var_declarator(&mut self, d: &VarDeclarator) {
        if let (Pat::Ident(b), Some(Expr::New(n))) = (&d.name, d.init.as_deref()) {
            if matches!(&*n.callee, Expr::Ident(c) if Some(&c.sym) == self.class) {
                self.instances.push(b.id.sym.clone());
            }
        }
        d.visit_children_with(self);
    }

    fn visit_assign_expr(&mut self, a: &AssignExpr) {
        if let (AssignTarget::Simple(SimpleAssignTarget::Member(m)), Expr::Ident(value)) =
            (&a.left, &*a.right)
        {
            if let (true, Some(field)) = (self.is_instance(&m.obj), prop_key_of(&m.prop)) {
                self.found.push((field, value.sym.clone()));
            }
        }
        a.visit_children_with(self);
    }
}

/// A member's name (`kv` of `this.kv`, `#kv` of `this.#kv`).
fn prop_key_of(p: &MemberProp) -> Option<String> {
    match p {
        MemberProp::Ident(i) => Some(i.sym.to_string()),
        MemberProp::PrivateName(n) => Some(format!("#{}", n.name)),
        MemberProp::Computed(_) => None,
    }
}
