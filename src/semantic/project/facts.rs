//! One module's facts: what its top level declares that matters to KV (functions and values
//! typed `KVNamespace`, Env types, objects with KV members, key constants) and what it
//! re-exports, read from its declarations alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    Decl, DefaultDecl, Expr, ModuleDecl, ModuleExportName, ModuleItem, Pat, Program, TsType,
};

use super::{Export, Fact, IndexedMember, ModuleFacts, ParamType, Project, Signature};
use crate::semantic::types::{indexed_members, known_type, members, promised, KnownType};
use crate::source::Source;

impl Project {
    /// The facts of a parsed module (a script exports nothing).
    pub(super) fn module_facts(
        &self,
        path: &Path,
        source: &Source,
        program: &Program,
    ) -> ModuleFacts {
        let Program::Module(module) = program else {
            return ModuleFacts::default();
        };
        let mut c = Collector {
            project: self,
            path,
            source,
            label: self.label(path),
            local: HashMap::new(),
            exported: Vec::new(),
            typed: Vec::new(),
            imported: HashMap::new(),
            env_names: vec!["env".to_string()],
            indexed: Vec::new(),
            signatures: Vec::new(),
            dts: crate::parse::is_declaration_file(path),
            facts: ModuleFacts::default(),
        };
        for item in &module.body {
            c.import(item);
        }
        for item in &module.body {
            c.declaration(item);
            c.export(item);
        }
        c.finish()
    }
}

/// What a module's top level says, collected item by item.
struct Collector<'a> {
    project: &'a Project,
    path: &'a Path,
    source: &'a Source,
    label: String,
    /// Top-level declarations, exported or not: `export { x }` may name any of them.
    local: HashMap<String, Fact>,
    /// Exported name → local name.
    exported: Vec<(String, String)>,
    /// Values typed by a type of the module (`export let ENV: Bindings`): the type's members,
    /// once every declaration is known.
    typed: Vec<Typed>,
    /// Imported names: local name → (module, name there), for values typed by them.
    imported: HashMap<String, (PathBuf, String)>,
    /// The names an env has at the module's top level: `env`, and the local name of
    /// `cloudflare:workers`'s `env`.
    env_names: Vec<String>,
    /// Members of interfaces and type literals typed by an indexed access: interface,
    /// member, type, key, where.
    indexed: Vec<(String, String, String, String, String)>,
    /// A declaration file's functions: name, what each parameter's declared type says, where.
    signatures: Vec<(String, Vec<Option<DeclaredParam>>, String)>,
    /// Whether the module is a declaration file.
    dts: bool,
    facts: ModuleFacts,
}

/// What a parameter's declared type says, before the module's own types are known: a type
/// of its own, or the name of one of the module's interfaces or type aliases.
enum DeclaredParam {
    Type(ParamType),
    Named(String),
}

impl Collector<'_> {
    /// Where a span is: `src/lib/kv.ts:12`.
    fn at(&self, span: Span) -> String {
        let line = self.source.position(self.source.range(span).start).line;
        format!("{}:{line}", self.label)
    }

    fn resolve(&self, spec: Option<&str>) -> Option<PathBuf> {
        self.project.resolve(self.path, spec?)
    }

    /// `import { Bindings as B } from './types'`.
    fn import(&mut self, item: &ModuleItem) {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            return;
        };
        // `import { env as workerEnv } from 'cloudflare:workers'`: an env under that name.
        if matches!(
            i.src.value.as_str(),
            Some("cloudflare:workers" | "cloudflare:test")
        ) {
            for spec in &i.specifiers {
                if let swc_ecma_ast::ImportSpecifier::Named(n) = spec {
                    let there = n.imported.as_ref().map(export_name);
                    if there.as_deref().unwrap_or(&n.local.sym) == "env" {
                        self.env_names.push(n.local.sym.to_string());
                    }
                }
            }
        }
        let Some(from) = self.resolve(i.src.value.as_str()) else {
            return;
        };
        for spec in &i.specifiers {
            if let swc_ecma_ast::ImportSpecifier::Named(n) = spec {
                let there = n.imported.as_ref().map(export_name);
                let name = there.unwrap_or_else(|| n.local.sym.to_string());
                self.imported
                    .insert(n.local.sym.to_string(), (from.clone(), name));
            }
        }
    }

    /// A declaration, exported (`export const …`) or not.
    fn declaration(&mut self, item: &ModuleItem) {
        let (d, is_export) = match item {
            ModuleItem::Stmt(swc_ecma_ast::Stmt::Decl(d)) => (d, false),
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => (&e.decl, true),
            _ => return,
        };
        for t in typed_values(d, &|s| self.at(s)) {
            if is_export {
                self.exported.push((t.name.clone(), t.name.clone()));
            }
            self.typed.push(t);
        }
        for (name, fact) in decl_facts(d, &|s| self.at(s), self.source, &self.env_names) {
            if is_export {
                self.exported.push((name.clone(), name.clone()));
            }
            self.local.insert(name, fact);
        }
        if let (true, Decl::Fn(f)) = (self.dts, d) {
            let params: Vec<_> = f
                .function
                .params
                .iter()
                .map(|p| declared_param(&p.pat))
                .collect();
            if params.iter().any(Option::is_some) {
                let name = f.ident.sym.to_string();
                if is_export && !self.exported.iter().any(|(n, _)| *n == name) {
                    self.exported.push((name.clone(), name.clone()));
                }
                let at = self.at(f.ident.span);
                self.signatures.push((name, params, at));
            }
        }
        let (id, body) = match d {
            Decl::TsInterface(i) => (&i.id, &i.body.body[..]),
            Decl::TsTypeAlias(a) => match &*a.type_ann {
                TsType::TsTypeLit(lit) => (&a.id, &lit.members[..]),
                _ => return,
            },
            _ => return,
        };
        let at = self.at(id.span);
        for (member, ty, key) in indexed_members(body) {
            let iface = id.sym.to_string();
            if is_export && !self.exported.iter().any(|(n, _)| *n == iface) {
                self.exported.push((iface.clone(), iface.clone()));
            }
            let entry = (iface, member.into(), ty.into(), key.into(), at.clone());
            self.indexed.push(entry);
        }
    }

    /// Members typed by an indexed access get the type of the member they name: one of the
    /// module's Env types (a few rounds, for chains), or, for an imported type, when the
    /// module's exports are followed ([`ModuleFacts::indexed`]).
    fn resolve_indexed(&mut self) {
        for _ in 0..4 {
            let mut found = Vec::new();
            self.indexed.retain(|(iface, member, ty, key, at)| {
                let kind = match self.local.get(ty) {
                    Some(Fact {
                        export: Export::EnvType(m),
                        ..
                    }) => m.iter().find(|(n, _)| n == key).map(|(_, k)| *k),
                    _ => None,
                };
                kind.map(|k| found.push((iface.clone(), member.clone(), k, at.clone())))
                    .is_none()
            });
            if found.is_empty() {
                break;
            }
            for (iface, member, k, at) in found {
                if let Some(members) = self.env_type(iface, at) {
                    members.push((member, k));
                }
            }
        }
        for (iface, member, ty, key, at) in std::mem::take(&mut self.indexed) {
            let imported = self.imported.get(&ty).cloned();
            if let (Some((module, name)), Some(_)) = (imported, self.env_type(iface.clone(), at)) {
                self.facts.indexed.push(IndexedMember {
                    iface,
                    member,
                    module,
                    name,
                    key,
                });
            }
        }
    }

    /// The members of the module's Env type `name`, made (empty) if nothing has that name
    /// yet; none if a value does.
    fn env_type(&mut self, name: String, at: String) -> Option<&mut Vec<(String, KnownType)>> {
        let fact = self.local.entry(name).or_insert(Fact {
            export: Export::EnvType(Vec::new()),
            at,
        });
        match &mut fact.export {
            Export::EnvType(m) => Some(m),
            _ => None,
        }
    }

    /// `export { a as b }`, `export { a } from '…'`, `export * from '…'`, `export default …`.
    fn export(&mut self, item: &ModuleItem) {
        let ModuleItem::ModuleDecl(decl) = item else {
            return;
        };
        match decl {
            ModuleDecl::ExportNamed(n) => {
                let from = self.resolve(n.src.as_ref().and_then(|s| s.value.as_str()));
                for spec in &n.specifiers {
                    let swc_ecma_ast::ExportSpecifier::Named(s) = spec else {
                        continue;
                    };
                    let orig = export_name(&s.orig);
                    let name = s.exported.as_ref().map(export_name).unwrap_or(orig.clone());
                    match (&n.src, &from) {
                        (Some(_), Some(from)) => self.facts.named.push((name, orig, from.clone())),
                        (None, _) => self.exported.push((name, orig)),
                        _ => {}
                    }
                }
            }
            ModuleDecl::ExportAll(a) => {
                if let Some(from) = self.resolve(a.src.value.as_str()) {
                    self.facts.stars.push(from);
                }
            }
            ModuleDecl::ExportDefaultDecl(d) => {
                let envs = &self.env_names.clone();
                if let DefaultDecl::Fn(f) = &d.decl {
                    let export = fn_export(f.function.return_type.as_deref())
                        .or_else(|| super::infer::function(&f.function, envs));
                    self.default_export(export, f.function.span);
                }
            }
            // `export default kv`, `export default (env: Env): KVNamespace => env.KV`.
            ModuleDecl::ExportDefaultExpr(d) => {
                let envs = &self.env_names.clone();
                let export = match crate::semantic::values::strip(&d.expr) {
                    Expr::Ident(i) => {
                        self.exported.push(("default".into(), i.sym.to_string()));
                        None
                    }
                    Expr::Arrow(a) => {
                        fn_export(a.return_type.as_deref()).or_else(|| super::infer::arrow(a, envs))
                    }
                    Expr::Fn(f) => fn_export(f.function.return_type.as_deref())
                        .or_else(|| super::infer::function(&f.function, envs)),
                    e => super::infer::value(e, envs),
                };
                self.default_export(export, d.span);
            }
            _ => {}
        }
    }

    fn default_export(&mut self, export: Option<Export>, span: Span) {
        if let Some(export) = export {
            let fact = Fact {
                export,
                at: self.at(span),
            };
            self.facts.exports.insert("default".into(), fact);
        }
    }

    /// The facts, once values typed by the module's types (or imported ones) have them.
    fn finish(mut self) -> ModuleFacts {
        self.resolve_indexed();
        for t in std::mem::take(&mut self.typed) {
            let export = match (
                self.local.get(&t.type_name),
                self.imported.get(&t.type_name),
            ) {
                (
                    Some(Fact {
                        export: Export::EnvType(members),
                        ..
                    }),
                    _,
                ) => typed_export(members.clone(), t.call),
                (None, Some((module, name))) => Export::TypedAs {
                    module: module.clone(),
                    name: name.clone(),
                    call: t.call,
                },
                _ => continue,
            };
            self.local
                .entry(t.name)
                .or_insert(Fact { export, at: t.at });
        }
        let mut signatures = super::Signatures::new();
        for (name, params, at) in std::mem::take(&mut self.signatures) {
            let params: Vec<_> = params
                .into_iter()
                .map(|p| match p? {
                    DeclaredParam::Type(t) => Some(t),
                    // `options: Options` with `interface Options { binding: KVNamespace }`.
                    DeclaredParam::Named(n) => match &self.local.get(&n)?.export {
                        Export::EnvType(members) => Some(ParamType::Members(members.clone())),
                        _ => None,
                    },
                })
                .collect();
            if params.iter().any(Option::is_some) {
                signatures.insert(name, Signature { params, at });
            }
        }
        for (name, orig) in std::mem::take(&mut self.exported) {
            if let Some(s) = signatures.get(&orig) {
                let s = s.clone();
                Arc::make_mut(&mut self.facts.signatures).insert(name.clone(), s);
            }
            if let Some(f) = self.local.get(&orig) {
                self.facts.exports.insert(name, f.clone());
            }
        }
        self.facts
    }
}

/// What a declared parameter's type says (`kv: KVNamespace`, `{ binding }: { binding:
/// KVNamespace }`, `options: Options`). A declaration file's parameters have no defaults.
fn declared_param(pat: &Pat) -> Option<DeclaredParam> {
    let t: &TsType = match pat {
        Pat::Ident(b) => &b.type_ann.as_ref()?.type_ann,
        Pat::Object(o) => &o.type_ann.as_ref()?.type_ann,
        _ => return None,
    };
    match t {
        TsType::TsTypeLit(lit) => {
            let members = env_members(&lit.members);
            (!members.is_empty()).then_some(DeclaredParam::Type(ParamType::Members(members)))
        }
        _ => match known_type(t) {
            Some(k @ (KnownType::Kv | KnownType::DurableObjectNamespace)) => {
                Some(DeclaredParam::Type(ParamType::Known(k)))
            }
            _ => crate::semantic::types::type_ref_name(t)
                .map(|n| DeclaredParam::Named(n.to_string())),
        },
    }
}

fn export_name(n: &ModuleExportName) -> String {
    match n {
        ModuleExportName::Ident(i) => i.sym.to_string(),
        ModuleExportName::Str(s) => s.value.as_str().unwrap_or_default().to_string(),
    }
}

/// What a function's declared return type makes it: a KV function, or one returning an
/// object type literal with KV members.
fn fn_export(ret: Option<&swc_ecma_ast::TsTypeAnn>) -> Option<Export> {
    let (t, promise) = returned(ret)?;
    match t {
        _ if known_type(t) == Some(KnownType::Kv) => Some(Export::KvFunction { promise }),
        TsType::TsTypeLit(lit) => {
            let members = env_members(&lit.members);
            members
                .iter()
                .any(|(_, k)| *k == KnownType::Kv)
                .then_some(Export::ObjectFunction { members, promise })
        }
        _ => None,
    }
}

/// The members of a type literal or interface body with known binding types.
fn env_members(body: &[swc_ecma_ast::TsTypeElement]) -> Vec<(String, KnownType)> {
    members(body)
        .filter_map(|(n, t)| Some((n.to_string(), known_type(t)?)))
        .collect()
}

/// A constant usable in keys: a string, a template, a `+` of those, an object of them
/// (`as const` or not).
fn key_constant(e: &Expr) -> bool {
    use swc_ecma_ast::{Lit, Prop, PropOrSpread};
    match crate::semantic::values::strip(e) {
        Expr::Lit(Lit::Str(_)) | Expr::Tpl(_) => true,
        Expr::Bin(b) => key_constant(&b.left) && key_constant(&b.right),
        Expr::Object(o) => o.props.iter().all(|p| match p {
            PropOrSpread::Prop(p) => matches!(&**p, Prop::KeyValue(kv) if key_constant(&kv.value)),
            PropOrSpread::Spread(_) => false,
        }),
        _ => false,
    }
}

/// A variable typed by a named type (`let ENV: Bindings`), or a function declared to return
/// one (`function getEnv(): Env`), for [`Export::Object`] and [`Export::ObjectFunction`] once
/// the module's types are known.
struct Typed {
    name: String,
    type_name: String,
    at: String,
    /// For a function: whether it returns a `Promise` of the type.
    call: Option<bool>,
}

/// What a value or function typed by an Env type's members exports.
pub(super) fn typed_export(members: Vec<(String, KnownType)>, call: Option<bool>) -> Export {
    match call {
        None => Export::Object(members),
        Some(promise) => Export::ObjectFunction { members, promise },
    }
}

/// A written return type: the type, and whether it is a `Promise` of it.
fn returned(ret: Option<&swc_ecma_ast::TsTypeAnn>) -> Option<(&TsType, bool)> {
    let t = &*ret?.type_ann;
    Some(match promised(t) {
        Some(inner) => (inner, true),
        None => (t, false),
    })
}

/// The variables and functions of a declaration typed by a named type (see [`Typed`]).
fn typed_values(d: &Decl, at: &dyn Fn(swc_common::Span) -> String) -> Vec<Typed> {
    let named = |name: &swc_ecma_ast::Ident, t: &TsType, call: Option<bool>| {
        Some(Typed {
            name: name.sym.to_string(),
            type_name: crate::semantic::types::type_ref_name(t)?.to_string(),
            at: at(name.span),
            call,
        })
    };
    match d {
        Decl::Fn(f) => returned(f.function.return_type.as_deref())
            .and_then(|(t, promise)| named(&f.ident, t, Some(promise)))
            .into_iter()
            .collect(),
        Decl::Var(v) => v
            .decls
            .iter()
            .filter_map(|d| {
                let Pat::Ident(name) = &d.name else {
                    return None;
                };
                let ret = match d.init.as_deref().map(crate::semantic::values::strip) {
                    Some(Expr::Arrow(a)) => Some(a.return_type.as_deref()),
                    Some(Expr::Fn(f)) => Some(f.function.return_type.as_deref()),
                    _ => None,
                };
                match ret {
                    Some(ret) => {
                        let (t, promise) = returned(ret)?;
                        named(&name.id, t, Some(promise))
                    }
                    None => named(&name.id, declared_type(name, d.init.as_deref())?, None),
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A variable's declared type: its annotation, or the type its initialiser is cast to (`{}
/// as { CACHE: KVNamespace }`).
fn declared_type<'a>(
    name: &'a swc_ecma_ast::BindingIdent,
    init: Option<&'a Expr>,
) -> Option<&'a TsType> {
    if let Some(t) = &name.type_ann {
        return Some(&t.type_ann);
    }
    match init? {
        Expr::TsAs(a) => Some(&a.type_ann),
        Expr::TsSatisfies(s) => Some(&s.type_ann),
        Expr::TsTypeAssertion(a) => Some(&a.type_ann),
        _ => None,
    }
}

/// The Env type an interface or type literal declares, and those its members typed by type
/// literals declare under dotted names (`AppEnv.Variables`, `AppEnv.Bindings` of a Hono
/// environment type).
fn env_types(
    id: &swc_ecma_ast::Ident,
    body: &[swc_ecma_ast::TsTypeElement],
    at: &dyn Fn(swc_common::Span) -> String,
    out: &mut Vec<(String, Fact)>,
) {
    let mut add = |name: String, m: Vec<(String, KnownType)>| {
        if !m.is_empty() {
            let export = Export::EnvType(m);
            out.push((
                name,
                Fact {
                    export,
                    at: at(id.span),
                },
            ));
        }
    };
    add(id.sym.to_string(), env_members(body));
    for (member, t) in members(body) {
        if let TsType::TsTypeLit(lit) = t {
            add(format!("{}.{member}", id.sym), env_members(&lit.members));
        }
    }
}

/// The facts of one top-level declaration: functions and values typed `KVNamespace` (or by
/// JSDoc), objects with KV members, key constants, Env types.
pub(super) fn decl_facts(
    d: &Decl,
    at: &dyn Fn(swc_common::Span) -> String,
    source: &Source,
    envs: &[String],
) -> Vec<(String, Fact)> {
    let mut out = Vec::new();
    // JavaScript: the JSDoc comment before the declaration.
    let doc =
        || crate::semantic::jsdoc::before(source, source.range(d.span()).start).unwrap_or_default();
    let mut add = |name: &swc_ecma_ast::Ident, export: Export| {
        let at = at(name.span);
        out.push((name.sym.to_string(), Fact { export, at }));
    };
    match d {
        Decl::Fn(f) => {
            let export = fn_export(f.function.return_type.as_deref())
                .or_else(|| match doc().returns {
                    Some((KnownType::Kv, promise)) => Some(Export::KvFunction { promise }),
                    _ => None,
                })
                .or_else(|| super::infer::function(&f.function, envs));
            if let Some(export) = export {
                add(&f.ident, export);
            }
        }
        Decl::Var(v) => {
            let is_const = v.kind == swc_ecma_ast::VarDeclKind::Const;
            for d in &v.decls {
                let Pat::Ident(name) = &d.name else { continue };
                if let Some(export) = var_export(name, d.init.as_deref(), is_const, &doc, envs) {
                    add(&name.id, export);
                }
            }
        }
        Decl::TsInterface(i) => env_types(&i.id, &i.body.body, at, &mut out),
        Decl::TsTypeAlias(t) => {
            if let TsType::TsTypeLit(lit) = &*t.type_ann {
                env_types(&t.id, &lit.members, at, &mut out);
            }
        }
        _ => {}
    }
    out
}

/// What a variable exports: a KV value (declared, or by JSDoc `@type`), an object with KV
/// members, a function declared to return KV, or a key constant.
fn var_export(
    name: &swc_ecma_ast::BindingIdent,
    init: Option<&Expr>,
    is_const: bool,
    doc: &dyn Fn() -> crate::semantic::jsdoc::Tags,
    envs: &[String],
) -> Option<Export> {
    match (declared_type(name, init), init) {
        (Some(t), _) if known_type(t) == Some(KnownType::Kv) => Some(Export::KvValue),
        (Some(TsType::TsTypeLit(lit)), _)
            if env_members(&lit.members)
                .iter()
                .any(|(_, k)| *k == KnownType::Kv) =>
        {
            Some(Export::Object(env_members(&lit.members)))
        }
        (None, _) if doc().ty == Some(KnownType::Kv) => Some(Export::KvValue),
        (_, Some(Expr::Arrow(a))) => {
            fn_export(a.return_type.as_deref()).or_else(|| super::infer::arrow(a, envs))
        }
        (_, Some(Expr::Fn(f))) => fn_export(f.function.return_type.as_deref())
            .or_else(|| super::infer::function(&f.function, envs)),
        (None, Some(init))
            if is_const && key_constant(init) && init.span().hi.0 - init.span().lo.0 <= 4096 =>
        {
            Some(Export::Constant(Box::new(init.clone())))
        }
        (None, Some(init)) if is_const => super::infer::value(init, envs),
        _ => None,
    }
}

/// Calls `found` with the members (with known types) and the span of each `interface
/// ContextVariableMap` a program declares: in `declare module 'hono' { … }`, globally, or at
/// its top level.
pub(super) fn context_variable_map(
    program: &Program,
    found: &mut dyn FnMut(Vec<(String, KnownType)>, Span),
) {
    use swc_ecma_visit::{Visit, VisitWith};
    struct Find<'f>(&'f mut dyn FnMut(Vec<(String, KnownType)>, Span));
    impl Visit for Find<'_> {
        fn visit_ts_type(&mut self, _: &TsType) {}
        fn visit_ts_interface_decl(&mut self, d: &swc_ecma_ast::TsInterfaceDecl) {
            if &*d.id.sym == "ContextVariableMap" {
                (self.0)(env_members(&d.body.body), d.id.span);
            }
        }
    }
    program.visit_with(&mut Find(found));
}
