//! The declarations the model's walk needs before it starts: the file's interfaces and type
//! aliases with their binding-typed members, ambient globals, and the names assigned anywhere.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use swc_atoms::Atom;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::bindings::{BindingKind, BindingSource, Bindings};
use super::scope;
use super::types::{indexed_members, known_type, members, type_ref_name, KnownType};

/// Declarations the walk needs before it starts: interfaces / type aliases with their
/// binding-typed members, ambient globals, and the names assigned anywhere. (Functions are
/// typed by the walk itself, in their scopes: [`Builder::predeclare_fns`].)
#[derive(Default)]
pub(super) struct Declarations {
    pub(super) interfaces: HashMap<String, Vec<(String, KnownType)>>,
    /// The names of [`FIX_GLOBALS`] declared anywhere in the file.
    pub(super) declared: Vec<Atom>,
    /// Every name assigned anywhere in the file (`x = …`, `x += …`, `x++`, `[x] = …`).
    pub(super) reassigned: HashSet<Atom>,
    /// How deep the walk is in `declare` blocks.
    pub(super) ambient: usize,
    /// Ambient globals with a known declared type (`declare const KV: KVNamespace`).
    pub(super) globals: Vec<(String, KnownType)>,
    /// Members typed by another type's member (`kv: Bindings['KV']`): interface, member,
    /// type, key; given that member's type by [`Declarations::resolve_indexed`].
    pub(super) indexed: Vec<(String, String, String, String)>,
    /// Types that name another type: a member typed by a type reference (`AppEnv.Variables`
    /// for `Variables: Vars`) or an alias (`type Env = Bindings`), with the name they refer
    /// to; given that type's members by [`Declarations::resolve_indexed`].
    pub(super) refs: Vec<(String, String)>,
    /// Where the types another module declares come from (`src/types.ts:3`), by name here.
    pub(super) origins: HashMap<String, String>,
    /// Types that are a runtime type by declaration: `type Store = KVNamespace`, `interface
    /// MyKV extends KVNamespace {}` (chains of them included).
    pub(super) aliases: HashMap<String, KnownType>,
    /// Every type name the file declares or imports (interfaces, aliases, classes, enums,
    /// namespaces, imported names): a name not among them, nor in the project's
    /// declaration files, resolves to no declaration.
    pub(super) type_names: HashSet<String>,
    /// Where the file declares each of its interfaces and type aliases.
    pub(super) type_spans: HashMap<String, swc_common::Span>,
}

/// What the walk needs of a file's declarations.
pub(super) struct TypeFacts {
    pub(super) interfaces: HashMap<String, Vec<(String, KnownType)>>,
    pub(super) reassigned: HashSet<Atom>,
    pub(super) origins: HashMap<String, String>,
    pub(super) aliases: HashMap<String, KnownType>,
    pub(super) type_names: HashSet<String>,
    pub(super) type_spans: HashMap<String, swc_common::Span>,
}

/// Whether a type's members declare a binding (KV or Durable Object): only such a type
/// describes an env.
pub(super) fn declares_binding(members: &[(String, KnownType)]) -> bool {
    members
        .iter()
        .any(|(_, k)| matches!(k, KnownType::Kv | KnownType::DurableObjectNamespace))
}

/// The runtime types a declaration can make another name of.
fn runtime_kind(kind: KnownType) -> bool {
    matches!(
        kind,
        KnownType::Kv | KnownType::DurableObjectNamespace | KnownType::DurableObjectStub
    )
}

/// The runtime type an interface extends, by name.
fn runtime_type(name: &str) -> Option<KnownType> {
    match name {
        "KVNamespace" => Some(KnownType::Kv),
        "DurableObjectNamespace" => Some(KnownType::DurableObjectNamespace),
        "DurableObjectStub" => Some(KnownType::DurableObjectStub),
        _ => None,
    }
}

/// The globals that fixes write (`JSON.parse`, `Promise.all`): the model notes where a file
/// declares a name of its own for one.
pub(super) const FIX_GLOBALS: [&str; 2] = ["JSON", "Promise"];

impl Declarations {
    /// What the walk needs, taken out of the declarations.
    pub(super) fn type_facts(&mut self) -> TypeFacts {
        self.resolve_aliases();
        TypeFacts {
            interfaces: std::mem::take(&mut self.interfaces),
            reassigned: std::mem::take(&mut self.reassigned),
            origins: std::mem::take(&mut self.origins),
            aliases: std::mem::take(&mut self.aliases),
            type_names: std::mem::take(&mut self.type_names),
            type_spans: std::mem::take(&mut self.type_spans),
        }
    }

    /// Aliases of aliases (`type A = B` with `type B = KVNamespace`), a bounded number of
    /// rounds.
    fn resolve_aliases(&mut self) {
        for _ in 0..4 {
            let found: Vec<_> = self
                .refs
                .iter()
                .filter(|(name, _)| !name.contains('.') && !self.aliases.contains_key(name))
                .filter_map(|(name, to)| Some((name.clone(), *self.aliases.get(to)?)))
                .collect();
            if found.is_empty() {
                return;
            }
            self.aliases.extend(found);
        }
    }

    /// Notes a declared name, if fixes need to know of it.
    pub(super) fn declare(&mut self, name: &Atom) {
        if FIX_GLOBALS.contains(&&**name) && !self.declared.contains(name) {
            self.declared.push(name.clone());
        }
    }

    pub(super) fn bindings(&self, file_label: &str) -> Bindings {
        let mut bindings = Bindings::default();
        // Only types that declare a binding (KV or Durable Object) describe an env.
        for (name, _) in self.interfaces.iter().filter(|(_, p)| declares_binding(p)) {
            if !name.contains('.') {
                bindings.add_env_type(name);
            }
        }
        let envs = self
            .interfaces
            .values()
            .filter(|props| declares_binding(props));
        let kind = |k: &KnownType| match k {
            KnownType::Kv => BindingKind::Kv,
            KnownType::DurableObjectNamespace => BindingKind::DurableObject,
            _ => BindingKind::Other,
        };
        let source = || BindingSource::Types(file_label.to_string());
        for (name, k) in envs.flatten().chain(&self.globals) {
            bindings.add(name, kind(k), source());
        }
        bindings
    }

    pub(super) fn add_interface(&mut self, name: &str, body: &[TsTypeElement]) {
        // Members typed by a literal (SvelteKit's `interface Platform { env: { X: KVNamespace } }`)
        // are env-like types of their own; their dotted name is no type a file can refer to.
        for (member, t) in members(body) {
            if let TsType::TsTypeLit(lit) = t {
                if !name.contains('.') || name.matches('.').count() < 4 {
                    self.add_interface(&format!("{name}.{member}"), &lit.members);
                }
            }
        }
        let props: Vec<_> = members(body)
            .filter_map(|(n, t)| Some((n.to_string(), known_type(t)?)))
            .collect();
        if !props.is_empty() {
            self.interfaces
                .entry(name.to_string())
                .or_default()
                .extend(props);
        }
        for (member, ty, key) in indexed_members(body) {
            let entry = (
                name.to_string(),
                member.to_string(),
                ty.to_string(),
                key.into(),
            );
            self.indexed.push(entry);
        }
        if name.matches('.').count() < 4 {
            for (member, t) in members(body) {
                if let (None, Some(to)) = (known_type(t), type_ref_name(t)) {
                    self.refs.push((format!("{name}.{member}"), to.to_string()));
                }
            }
        }
    }

    /// Gives members typed by an indexed access (`kv: Bindings['KV']`) the type of the member
    /// they name, and types that name another type (`Variables: Vars`, `type Env = Bindings`)
    /// that type's members, where the file (or what it imports) declares them: chains of
    /// them too, a bounded number of rounds.
    pub(super) fn resolve_indexed(&mut self) {
        for _ in 0..4 {
            let found = self.indexed_round();
            // Only types that declare a binding are worth naming again: library code has
            // thousands of members typed by other types.
            let named: Vec<_> = self
                .refs
                .iter()
                .filter_map(|(name, to)| {
                    let members = self.interfaces.get(to).filter(|m| declares_binding(m))?;
                    let same = self.interfaces.get(name) == Some(members);
                    (!same).then(|| (name.clone(), members.clone()))
                })
                .collect();
            if found.is_empty() && named.is_empty() {
                return;
            }
            for (iface, member, k) in found {
                self.interfaces.entry(iface).or_default().push((member, k));
            }
            for (name, members) in named {
                let to = self.refs.iter().find(|(n, _)| *n == name).map(|(_, t)| t);
                if let Some(at) = to.and_then(|t| self.origins.get(t)).cloned() {
                    self.origins.insert(name.clone(), at);
                }
                self.interfaces.insert(name, members);
            }
        }
    }

    /// The indexed members whose type is now known, taken off the list.
    fn indexed_round(&mut self) -> Vec<(String, String, KnownType)> {
        let mut found = Vec::new();
        self.indexed.retain(|(iface, member, ty, key)| {
            let kind = self
                .interfaces
                .get(ty)
                .and_then(|m| m.iter().find(|(n, _)| n == key))
                .map(|(_, k)| *k);
            match kind {
                Some(k) => {
                    found.push((iface.clone(), member.clone(), k));
                    false
                }
                None => true,
            }
        });
        found
    }
}

impl Visit for Declarations {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_ts_interface_decl(&mut self, d: &TsInterfaceDecl) {
        self.type_names.insert(d.id.sym.to_string());
        self.type_spans
            .entry(d.id.sym.to_string())
            .or_insert(d.id.span);
        self.add_interface(&d.id.sym, &d.body.body);
        // `interface MyKV extends KVNamespace {}`: a KV namespace, with more declared.
        let runtime = d.extends.iter().find_map(|e| match &*e.expr {
            Expr::Ident(i) => runtime_type(&i.sym),
            _ => None,
        });
        if let Some(kind) = runtime {
            self.aliases.insert(d.id.sym.to_string(), kind);
        }
    }

    fn visit_ts_type_alias_decl(&mut self, d: &TsTypeAliasDecl) {
        self.type_names.insert(d.id.sym.to_string());
        self.type_spans
            .entry(d.id.sym.to_string())
            .or_insert(d.id.span);
        match &*d.type_ann {
            TsType::TsTypeLit(lit) => self.add_interface(&d.id.sym, &lit.members),
            t => match (known_type(t), type_ref_name(t)) {
                // `type Store = KVNamespace`, `type MaybeKv = KVNamespace | undefined`.
                (Some(kind), _) if runtime_kind(kind) => {
                    self.aliases.insert(d.id.sym.to_string(), kind);
                }
                (None, Some(to)) => self.refs.push((d.id.sym.to_string(), to.to_string())),
                _ => {}
            },
        }
    }

    fn visit_fn_decl(&mut self, d: &FnDecl) {
        self.declare(&d.ident.sym);
        d.visit_children_with(self);
    }

    fn visit_binding_ident(&mut self, b: &BindingIdent) {
        self.declare(&b.id.sym);
    }

    fn visit_assign_expr(&mut self, a: &AssignExpr) {
        self.reassigned.extend(scope::assigned_names(&a.left));
        a.visit_children_with(self);
    }

    fn visit_update_expr(&mut self, u: &UpdateExpr) {
        if let Expr::Ident(i) = &*u.arg {
            self.reassigned.insert(i.sym.clone());
        }
        u.visit_children_with(self);
    }

    fn visit_class_decl(&mut self, d: &ClassDecl) {
        self.type_names.insert(d.ident.sym.to_string());
        self.declare(&d.ident.sym);
        d.visit_children_with(self);
    }

    fn visit_fn_expr(&mut self, f: &FnExpr) {
        if let Some(i) = &f.ident {
            self.declare(&i.sym);
        }
        f.visit_children_with(self);
    }

    fn visit_class_expr(&mut self, c: &ClassExpr) {
        if let Some(i) = &c.ident {
            self.declare(&i.sym);
        }
        c.visit_children_with(self);
    }

    fn visit_import_specifier(&mut self, s: &ImportSpecifier) {
        let local = match s {
            ImportSpecifier::Named(n) => &n.local,
            ImportSpecifier::Default(d) => &d.local,
            ImportSpecifier::Namespace(n) => &n.local,
        };
        self.type_names.insert(local.sym.to_string());
        self.declare(&local.sym);
    }

    fn visit_ts_import_equals_decl(&mut self, d: &TsImportEqualsDecl) {
        self.type_names.insert(d.id.sym.to_string());
    }

    fn visit_ts_enum_decl(&mut self, d: &TsEnumDecl) {
        self.type_names.insert(d.id.sym.to_string());
        self.declare(&d.id.sym);
    }

    fn visit_ts_module_decl(&mut self, d: &TsModuleDecl) {
        if let TsModuleName::Ident(i) = &d.id {
            self.type_names.insert(i.sym.to_string());
            self.declare(&i.sym);
        }
        // `declare global { const KV: KVNamespace }`: what it declares is ambient.
        let ambient = d.declare || d.global;
        self.ambient += usize::from(ambient);
        d.visit_children_with(self);
        self.ambient -= usize::from(ambient);
    }

    /// `declare const KV: KVNamespace;` (or inside `declare global`): a service worker's
    /// global binding, by its declared type.
    fn visit_var_decl(&mut self, v: &VarDecl) {
        if v.declare || self.ambient > 0 {
            for d in &v.decls {
                if let Pat::Ident(b) = &d.name {
                    if let Some(kind) = b.type_ann.as_ref().and_then(|t| known_type(&t.type_ann)) {
                        self.globals.push((b.id.sym.to_string(), kind));
                    }
                }
            }
        }
        v.visit_children_with(self);
    }
}
