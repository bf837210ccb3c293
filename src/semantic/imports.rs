//! What a file's imports hold, from what the project index knows of the modules they come
//! from: functions, KV values and objects become bindings of their local names, Env types
//! join the file's interfaces (and their members its bindings).

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;
use swc_atoms::Atom;
use swc_ecma_ast::{ImportSpecifier, ModuleDecl, ModuleExportName, ModuleItem, Program};

use super::bindings::{BindingKind, BindingSource, Bindings};
use super::project;
use super::scope::{Binding, Value};
use super::types::KnownType;
use super::Declarations;

/// What the names a program imports hold, from what the project index knows of the modules
/// they come from: Env types join the interfaces and their members the bindings; functions
/// (as [`Value::Returns`]), KV values, objects, namespace imports and key constants become
/// bindings of their local names.
pub(super) fn imported_names<'p>(
    program: &Program,
    imports: &'p project::Imports,
    decls: &mut Declarations,
    bindings: &mut Cow<Bindings>,
) -> HashMap<Atom, Binding<'p>> {
    let mut out = HashMap::default();
    let Program::Module(m) = program else {
        return out;
    };
    for item in &m.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            continue;
        };
        let Some(exports) = i.src.value.as_str().and_then(|s| imports.modules.get(s)) else {
            continue;
        };
        for spec in &i.specifiers {
            let (local, imported) = match spec {
                ImportSpecifier::Named(n) => (&n.local, named_import(n)),
                ImportSpecifier::Default(d) => (&d.local, "default".to_string()),
                // `import * as store`: the module's exports are its members.
                ImportSpecifier::Namespace(n) => {
                    if let Some(b) = namespace_import(&n.local.sym, exports, bindings) {
                        out.insert(n.local.sym.clone(), b);
                    }
                    continue;
                }
            };
            nested_env_types(&local.sym, &imported, exports, decls, bindings);
            if let Some(fact) = exports.get(&imported) {
                let name = &local.sym;
                if let Some(b) = import_fact(name, &imported, fact, decls, bindings) {
                    out.insert(name.clone(), b);
                }
            }
        }
    }
    out
}

/// What the names a framework puts in scope without an import hold (Nuxt's and Nitro's
/// `utils/`, as their generated declarations give them): functions and values only, by the
/// name they are exported under. The walk declares each one the module does not declare.
/// Hono's `ContextVariableMap` as the project augments it, where the file declares none of
/// its own: its members type `c.get('x')` and `c.var.x` in every route.
pub(super) fn context_variables(imports: &project::Imports, decls: &mut Declarations) {
    let Some(vars) = &imports.context_variables else {
        return;
    };
    if decls.interfaces.contains_key("ContextVariableMap") {
        return;
    }
    decls
        .interfaces
        .insert("ContextVariableMap".to_string(), vars.members.clone());
    decls
        .origins
        .insert("ContextVariableMap".to_string(), vars.at.clone());
}

pub(super) fn auto_imported_names<'p>(
    imports: &'p project::Imports,
    decls: &mut Declarations,
    bindings: &mut Cow<Bindings>,
) -> HashMap<Atom, Binding<'p>> {
    let Some(exports) = imports.modules.get(project::AUTO_IMPORTS) else {
        return HashMap::default();
    };
    exports
        .iter()
        .filter(|(_, f)| !matches!(f.export, project::Export::EnvType(_)))
        .filter_map(|(name, fact)| {
            let atom = Atom::from(name.as_str());
            let b = import_fact(&atom, name, fact, decls, bindings)?;
            Some((atom, b))
        })
        .collect()
}

/// The name a named import has in its module (`b` of `import { b as a }`).
fn named_import(n: &swc_ecma_ast::ImportNamedSpecifier) -> String {
    match &n.imported {
        Some(ModuleExportName::Ident(id)) => id.sym.to_string(),
        Some(ModuleExportName::Str(s)) => s.value.as_str().unwrap_or_default().to_string(),
        None => n.local.sym.to_string(),
    }
}

/// `import * as store`: a shape of the module's exports that hold something.
fn namespace_import<'p>(
    local: &Atom,
    exports: &project::Exports,
    bindings: &Bindings,
) -> Option<Binding<'p>> {
    let members = exports
        .iter()
        .filter_map(|(name, fact)| {
            let shown = format!("{local}.{name}");
            Some((name.clone(), Some(export_value(fact, &shown, bindings)?)))
        })
        .collect::<Vec<_>>();
    (!members.is_empty()).then(|| Binding::of(Value::Shape(members)))
}

/// The Env types an imported type's members declare: `AppEnv.Variables` of `import type {
/// AppEnv }`. Only a Hono environment's `Bindings` are bindings (not its `Variables`).
fn nested_env_types(
    local: &Atom,
    imported: &str,
    exports: &project::Exports,
    decls: &mut Declarations,
    bindings: &mut Cow<Bindings>,
) {
    let nested = format!("{imported}.");
    for (dotted, fact) in exports.iter().filter(|(n, _)| n.starts_with(&nested)) {
        if let project::Export::EnvType(members) = &fact.export {
            let member = &dotted[nested.len()..];
            let here = format!("{local}.{member}");
            let bound = (member == "Bindings").then_some(&mut *bindings);
            import_env_type(&here, dotted, members, &fact.at, decls, bound);
        }
    }
}

/// What an imported name holds, by what its module exports under `imported`; an Env type
/// is declared instead (its members join the bindings).
fn import_fact<'p>(
    name: &Atom,
    imported: &str,
    fact: &'p project::Fact,
    decls: &mut Declarations,
    bindings: &mut Cow<Bindings>,
) -> Option<Binding<'p>> {
    use project::Export;
    match &fact.export {
        Export::KvFunction { promise } => {
            let reason = format!("declared to return KVNamespace (imported from {})", fact.at);
            let value = Value::Returns(Box::new(Value::Kv(reason)), *promise);
            Some(Binding::of(value))
        }
        Export::KvValue
        | Export::Object(_)
        | Export::ObjectFunction { .. }
        | Export::Binding { .. }
        | Export::Cast { .. } => export_value(fact, name, bindings).map(Binding::of),
        Export::EnvType(members) => {
            import_env_type(name, imported, members, &fact.at, decls, Some(bindings));
            None
        }
        // Resolved to an `Object` by the project index, or left out.
        Export::TypedAs { .. } => None,
        Export::Constant(init) => Some(Binding {
            value: Value::Other,
            const_init: Some(init),
        }),
    }
}

/// An imported Env type, known here as `name` (`imported` there, declared `at`): with
/// `bindings`, its members are the bindings they declare.
fn import_env_type(
    name: &str,
    imported: &str,
    members: &[(String, KnownType)],
    at: &str,
    decls: &mut Declarations,
    bindings: Option<&mut Cow<Bindings>>,
) {
    decls.interfaces.insert(name.to_string(), members.to_vec());
    decls.origins.insert(name.to_string(), at.to_string());
    let Some(bindings) = bindings else { return };
    for (member, kind) in members {
        let kind = match kind {
            KnownType::Kv => BindingKind::Kv,
            KnownType::DurableObjectNamespace => BindingKind::DurableObject,
            _ => BindingKind::Other,
        };
        bindings.to_mut().add(
            member,
            kind,
            BindingSource::Types(format!("`{member}` in `{imported}`, {at}")),
        );
    }
}

/// What an imported value holds, by what its module declares: `shown` is how this file
/// names it (`shared`, or `store.shared` for a member of `import * as store`). Types and
/// constants are no values. A KV member of an object says only where it is declared: the
/// member access that reaches it says the rest. What an env's binding is (an export
/// inferred to give one), this file's bindings say.
fn export_value(fact: &project::Fact, shown: &str, bindings: &Bindings) -> Option<Value> {
    use project::Export;
    let at = &fact.at;
    let known = |k: &KnownType| known_value(k, || format!("declared in {at}"));
    match &fact.export {
        Export::KvValue if shown.contains('.') => Some(known(&KnownType::Kv)),
        Export::KvValue => Some(Value::Kv(format!(
            "`{shown}` is imported, declared KVNamespace ({at})"
        ))),
        Export::Object(members) => Some(Value::Shape(
            members
                .iter()
                .map(|(m, k)| (m.clone(), Some(known(k))))
                .collect(),
        )),
        Export::KvFunction { promise } => Some(Value::Returns(
            Box::new(Value::Kv(format!("declared to return KVNamespace ({at})"))),
            *promise,
        )),
        Export::ObjectFunction { members, promise } => Some(Value::Returns(
            Box::new(Value::Shape(
                members
                    .iter()
                    .map(|(m, k)| (m.clone(), Some(known(k))))
                    .collect(),
            )),
            *promise,
        )),
        Export::Cast { call } => {
            let reason = format!("every return is cast to KVNamespace (inferred in {at})");
            Some(match call {
                Some(promise) => Value::Returns(Box::new(Value::Kv(reason)), *promise),
                None => Value::Kv(format!("`{shown}` is imported, cast to KVNamespace ({at})")),
            })
        }
        Export::Binding { name, call } => {
            let source = bindings.source(name).filter(|_| bindings.is_kv(name))?;
            let reason = format!("it gives env.{name}, a KV binding ({source}; inferred in {at})");
            Some(match call {
                Some(promise) => Value::Returns(Box::new(Value::Kv(reason)), *promise),
                None => Value::Kv(format!("`{shown}` is imported: {reason}")),
            })
        }
        Export::EnvType(_) | Export::Constant(_) | Export::TypedAs { .. } => None,
    }
}

/// What the parameters of a JavaScript module's functions hold, as the declaration file
/// beside it declares them: by function name, by position.
pub(super) fn declared_params(beside: &project::Signatures) -> HashMap<Atom, Vec<Option<Value>>> {
    use project::ParamType;
    beside
        .iter()
        .map(|(name, s)| {
            let at = &s.at;
            let known = |k: &KnownType| {
                known_value(k, || {
                    format!(
                        "declared KVNamespace by the declaration file beside this module ({at})"
                    )
                })
            };
            let params = s
                .params
                .iter()
                .map(|p| {
                    p.as_ref().map(|p| match p {
                        ParamType::Known(k) => known(k),
                        ParamType::Members(members) => Value::Shape(
                            members
                                .iter()
                                .map(|(m, k)| (m.clone(), Some(known(k))))
                                .collect(),
                        ),
                    })
                })
                .collect();
            (Atom::from(name.as_str()), params)
        })
        .collect()
}

/// What a value of a declared runtime type holds (`why`: why a KV namespace is one).
fn known_value(k: &KnownType, why: impl FnOnce() -> String) -> Value {
    match k {
        KnownType::Kv => Value::Kv(why()),
        KnownType::DurableObjectNamespace => Value::DurableObjectNamespace,
        KnownType::DurableObjectStub => Value::DurableObjectStub,
        KnownType::String => Value::Str,
        KnownType::Other => Value::Other,
    }
}
