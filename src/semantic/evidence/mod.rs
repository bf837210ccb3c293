//! Bindings that only the dashboard or Terraform knows (or that a wrangler file has commented
//! out), found from usage that only Workers KV has: `kvlint init` proposes them, and a
//! project where nothing declares a KV binding has them inferred at lint time (DESIGN §2;
//! `[bindings] infer = false` turns that off).
//!
//! Evidence is a call on `<env>.NAME` (an expression ending in `env`), or on a global `NAME`
//! that the file does not declare (service-worker syntax), that no other binding type takes:
//! `getWithMetadata`, `put` options with `expirationTtl`, `expiration` or `metadata`, `get`
//! with a KV type (`'json'`, `'text'`, `'arrayBuffer'`, `'stream'`, as the second argument or
//! as `{ type }`) or with `{ cacheTtl }`, a `list` whose result's `.keys` is read, and, on
//! one name anywhere in the project, a `get(key)` whose result is a string (`JSON.parse`d, or
//! given a string's method) with a `put` of a string. Calls through `const kv = env.NAME` and
//! `const { NAME } = env` count. R2's own uses are evidence against: `put` with
//! `httpMetadata` or `customMetadata`, `get` with `onlyIf` or `range`, a `list` whose result's
//! `.objects` is read, a `get` result's `.body`, `.text()` or `.json()`. A name with evidence
//! against is not inferred.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use swc_atoms::Atom;
use swc_ecma_ast::{
    CallExpr, Expr, Lit, MemberExpr, MemberProp, ObjectLit, ObjectPatProp, Pat, PropName,
};
use swc_ecma_visit::{Visit, VisitWith};

use crate::parse::{parse, Lang};
use crate::semantic::project::cache::{Cache, Stamp};
use crate::semantic::values::properties;
use crate::semantic::values::{strip, Consts};
use crate::source::Source;

/// The most files read for evidence.
const MAX_FILES: usize = 20_000;

/// Binding name → where its evidence is (`src/a.ts:12 get(key, 'json')`), a few per name.
pub type Evidence = BTreeMap<String, Vec<String>>;

fn prop_names(o: &ObjectLit) -> Vec<String> {
    properties(o, &Consts::default())
        .map(|p| p.name.into_owned())
        .collect()
}

pub(crate) fn ends_in_env(e: &Expr) -> bool {
    match strip(e) {
        Expr::Ident(i) => &*i.sym == "env",
        Expr::Member(m) => matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "env"),
        _ => false,
    }
}

/// What a use says of the binding it is made on.
enum Says {
    /// Only a KV binding takes this (shown in `debug bindings`); `unique`: no other API of
    /// any kind has it either (`getWithMetadata`, `expirationTtl`, `cacheTtl`), unlike a
    /// `get(url, 'json')`, which other libraries' globals take too.
    Kv { why: String, unique: bool },
    /// Only R2 takes this.
    R2,
}

/// What a call says of its receiver, if anything.
fn call_says(method: &str, call: &CallExpr) -> Option<Says> {
    let arg = |i: usize| {
        call.args
            .get(i)
            .filter(|a| a.spread.is_none())
            .map(|a| strip(&a.expr))
    };
    let options = |i: usize| match arg(i) {
        Some(Expr::Object(o)) => prop_names(o),
        _ => Vec::new(),
    };
    let option = |i: usize, kv: &[&str], r2: &[&str], show: &dyn Fn(&str) -> String| {
        let names = options(i);
        if names.iter().any(|n| r2.contains(&n.as_str())) {
            return Some(Says::R2);
        }
        let n = names.iter().find(|n| kv.contains(&n.as_str()))?;
        Some(Says::Kv {
            why: show(n),
            unique: true,
        })
    };
    match method {
        "getWithMetadata" => Some(Says::Kv {
            why: "getWithMetadata".into(),
            unique: true,
        }),
        "put" => option(
            2,
            &["expirationTtl", "expiration", "metadata"],
            &["httpMetadata", "customMetadata"],
            &|n| format!("put(…, {{ {n} }})"),
        ),
        "get" => match arg(1) {
            Some(Expr::Lit(Lit::Str(s))) => kv_type(s).map(|t| Says::Kv {
                why: format!("get(key, '{t}')"),
                unique: false,
            }),
            Some(Expr::Object(o)) => get_options_say(o),
            _ => None,
        },
        _ => None,
    }
}

/// What a `get`'s options say: `onlyIf` is R2's, `cacheTtl` and a KV `type` are KV's.
fn get_options_say(o: &ObjectLit) -> Option<Says> {
    let consts = Consts::default();
    let props: Vec<_> = properties(o, &consts).collect();
    let has = |n: &str| props.iter().any(|p| p.name == n);
    let typed = props
        .iter()
        .find_map(|p| match (&*p.name, strip(&p.value)) {
            ("type", Expr::Lit(Lit::Str(s))) => kv_type(s),
            _ => None,
        });
    if has("onlyIf") {
        Some(Says::R2)
    } else if has("cacheTtl") {
        Some(Says::Kv {
            why: "get(key, { cacheTtl })".into(),
            unique: true,
        })
    } else {
        typed.map(|t| Says::Kv {
            why: format!("get(key, {{ type: '{t}' }})"),
            unique: false,
        })
    }
}

/// A type only KV's `get` takes: `'json'`, `'text'`, `'arrayBuffer'`, `'stream'`.
fn kv_type(s: &swc_ecma_ast::Str) -> Option<&str> {
    s.value
        .as_str()
        .filter(|t| matches!(*t, "json" | "text" | "arrayBuffer" | "stream"))
}

/// What reading `prop` of a `list()` result says: `.keys` is KV's, `.objects` R2's.
fn list_result_says(prop: &str) -> Option<Says> {
    match prop {
        "keys" => Some(Says::Kv {
            why: "list().keys".into(),
            unique: false,
        }),
        "objects" | "delimitedPrefixes" => Some(Says::R2),
        _ => None,
    }
}

/// The binding a call's receiver names: `<env>.NAME`, or a global `NAME` the file does not
/// declare (`true`: a global).
fn receiver_name<'e>(obj: &'e Expr, declared: &HashSet<Atom>) -> Option<(&'e Atom, bool)> {
    match strip(obj) {
        Expr::Member(ns) => match (&ns.prop, ends_in_env(&ns.obj)) {
            (MemberProp::Ident(name), true) => Some((&name.sym, false)),
            _ => None,
        },
        Expr::Ident(i) if !declared.contains(&i.sym) && &*i.sym != "env" => Some((&i.sym, true)),
        _ => None,
    }
}

/// The binding and method of a call `<receiver>.method(…)`, and whether the binding is a
/// global.
fn kv_like_call<'e>(
    call: &'e CallExpr,
    declared: &HashSet<Atom>,
) -> Option<(&'e Atom, &'e str, bool)> {
    let Some(Expr::Member(MemberExpr { obj, prop, .. })) = call.callee.as_expr().map(|e| strip(e))
    else {
        return None;
    };
    let MemberProp::Ident(method) = prop else {
        return None;
    };
    let (name, global) = receiver_name(obj, declared)?;
    Some((name, &method.sym, global))
}

/// The `list()` call an expression awaits: `await env.NAME.list(…)`.
fn awaited_list<'e>(e: &'e Expr, declared: &HashSet<Atom>) -> Option<&'e Atom> {
    let Expr::Await(a) = strip(e) else {
        return None;
    };
    let Expr::Call(call) = strip(&a.arg) else {
        return None;
    };
    match kv_like_call(call, declared)? {
        (name, "list", false) => Some(name),
        _ => None,
    }
}

/// The names a file declares anywhere (variables, parameters, functions, classes, imports):
/// a call on one of them is not a global binding's.
#[derive(Default)]
struct Declared(HashSet<Atom>);

impl Visit for Declared {
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_binding_ident(&mut self, b: &swc_ecma_ast::BindingIdent) {
        self.0.insert(b.id.sym.clone());
    }

    fn visit_fn_decl(&mut self, f: &swc_ecma_ast::FnDecl) {
        self.0.insert(f.ident.sym.clone());
        f.visit_children_with(self);
    }

    fn visit_class_decl(&mut self, c: &swc_ecma_ast::ClassDecl) {
        self.0.insert(c.ident.sym.clone());
        c.visit_children_with(self);
    }

    fn visit_import_specifier(&mut self, s: &swc_ecma_ast::ImportSpecifier) {
        let local = match s {
            swc_ecma_ast::ImportSpecifier::Named(n) => &n.local,
            swc_ecma_ast::ImportSpecifier::Default(d) => &d.local,
            swc_ecma_ast::ImportSpecifier::Namespace(n) => &n.local,
        };
        self.0.insert(local.sym.clone());
    }

    fn visit_object_pat_prop(&mut self, p: &swc_ecma_ast::ObjectPatProp) {
        if let swc_ecma_ast::ObjectPatProp::Assign(a) = p {
            self.0.insert(a.key.id.sym.clone());
        }
        p.visit_children_with(self);
    }
}

/// The names a program declares anywhere (see [`Declared`]).
pub(crate) fn declared_names(program: &swc_ecma_ast::Program) -> HashSet<Atom> {
    let mut declared = Declared::default();
    program.visit_with(&mut declared);
    declared.0
}

/// What one file's uses say, by binding name.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct Uses {
    kv: Evidence,
    r2: HashSet<String>,
    /// Names whose `get(key)` result is used as a string (`JSON.parse(v)`, `v.split(…)`):
    /// KV evidence together with a `put` of a string, where each was seen.
    #[serde(default)]
    string_gets: BTreeMap<String, String>,
    /// Names given a string by a `put` (`put(key, JSON.stringify(x))`, a literal, a
    /// template), where.
    #[serde(default)]
    string_puts: BTreeMap<String, String>,
}

struct Finder<'a> {
    source: &'a Source,
    label: &'a str,
    declared: HashSet<Atom>,
    /// Local names of an env's binding: `const kv = env.NAME`, `const { NAME: kv } = env`.
    aliases: HashMap<Atom, Atom>,
    /// Names given a `get(key)` result: `const v = await env.NAME.get(key)`.
    gets: HashMap<Atom, Atom>,
    /// Names given an awaited `list()` result (`const page = await env.NAME.list()`): the
    /// binding it came from.
    lists: HashMap<Atom, Atom>,
    uses: Uses,
}

impl Finder<'_> {
    /// `file:line`.
    fn place(&self, span: swc_common::Span) -> String {
        let line = self.source.position(self.source.range(span).start).line;
        format!("{}:{line}", self.label)
    }

    /// The binding a call `<receiver>.method(…)` is on, also through an alias, the method,
    /// and whether the binding is a global.
    fn binding_call<'e>(&self, c: &'e CallExpr) -> Option<(Atom, &'e str, bool)> {
        if let Some(Expr::Member(MemberExpr { obj, prop, .. })) =
            c.callee.as_expr().map(|e| strip(e))
        {
            if let (Expr::Ident(i), MemberProp::Ident(method)) = (strip(obj), prop) {
                if let Some(name) = self.aliases.get(&i.sym) {
                    return Some((name.clone(), &method.sym, false));
                }
            }
        }
        kv_like_call(c, &self.declared).map(|(n, m, g)| (n.clone(), m, g))
    }

    /// The binding whose `get(key)` result an expression is: `await env.NAME.get(key)`, or a
    /// name given one.
    fn get_result(&self, e: &Expr) -> Option<Atom> {
        match strip(e) {
            Expr::Ident(i) => self.gets.get(&i.sym).cloned(),
            Expr::Await(a) => match strip(&a.arg) {
                Expr::Call(c) if !c.args.is_empty() => match self.binding_call(c)? {
                    (name, "get", false) => Some(name),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    /// `v.split(…)`: a string's method on a `get` result says it is a string; `v.text()`,
    /// R2's object.
    fn method_of_result(&mut self, m: &MemberExpr, span: swc_common::Span) {
        let (MemberProp::Ident(p), Some(name)) = (&m.prop, self.get_result(&m.obj)) else {
            return;
        };
        if STRING_METHODS.contains(&&*p.sym) {
            let at = format!("{} get(…).{}()", self.place(span), p.sym);
            self.uses.string_gets.entry(name.to_string()).or_insert(at);
        } else if R2_OBJECT_METHODS.contains(&&*p.sym) {
            self.uses.r2.insert(name.to_string());
        }
    }

    fn note(&mut self, name: &Atom, says: Says, span: swc_common::Span) {
        match says {
            Says::R2 => {
                self.uses.r2.insert(name.to_string());
            }
            Says::Kv { why, .. } => {
                let line = self.source.position(self.source.range(span).start).line;
                let places = self.uses.kv.entry(name.to_string()).or_default();
                if places.len() < 3 {
                    places.push(format!("{}:{line} {why}", self.label));
                }
            }
        }
    }
}

impl Visit for Finder<'_> {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_call_expr(&mut self, c: &CallExpr) {
        if let Some((name, method, global)) = self.binding_call(c) {
            match call_says(method, c) {
                // A global's `get(key, 'json')` may be another library's (jQuery's `$.get`):
                // only a method or option no other API has names a global binding.
                Some(Says::Kv { unique: false, .. }) if global => {}
                Some(says) => self.note(&name, says, c.span),
                None => {}
            }
            // `put(key, JSON.stringify(x))`: a string written (R2 takes one too; with a
            // `get` whose result is a string, only KV does both).
            let string = c
                .args
                .get(1)
                .is_some_and(|a| a.spread.is_none() && is_string(&a.expr));
            if method == "put" && !global && string {
                let at = self.place(c.span);
                self.uses.string_puts.entry(name.to_string()).or_insert(at);
            }
        }
        // `JSON.parse(v)` of a `get` result: a string (R2's `get` gives an object).
        if let Some(Expr::Member(m)) = c.callee.as_expr().map(|e| strip(e)) {
            let json_parse = matches!(strip(&m.obj), Expr::Ident(o) if &*o.sym == "JSON")
                && matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "parse");
            let parsed = c
                .args
                .first()
                .filter(|_| json_parse)
                .and_then(|a| self.get_result(&a.expr));
            if let Some(name) = parsed {
                let at = format!("{} JSON.parse(get(…))", self.place(c.span));
                self.uses.string_gets.entry(name.to_string()).or_insert(at);
            }
            self.method_of_result(m, c.span);
        }
        c.visit_children_with(self);
    }

    /// `v?.split(…)`.
    fn visit_opt_call(&mut self, c: &swc_ecma_ast::OptCall) {
        if let Expr::OptChain(o) = strip(&c.callee) {
            if let swc_ecma_ast::OptChainBase::Member(m) = &*o.base {
                self.method_of_result(m, c.span);
            }
        }
        c.visit_children_with(self);
    }

    /// `(await env.NAME.list()).keys`, `page.keys` of `const page = await env.NAME.list()`.
    fn visit_member_expr(&mut self, m: &MemberExpr) {
        if let MemberProp::Ident(prop) = &m.prop {
            // `object.body`, `object.httpMetadata` of a `get` result: R2's object.
            if R2_OBJECT_FIELDS.contains(&&*prop.sym) {
                if let Some(name) = self.get_result(&m.obj) {
                    self.uses.r2.insert(name.to_string());
                }
            }
            let from = match strip(&m.obj) {
                Expr::Ident(i) => self.lists.get(&i.sym).cloned(),
                other => awaited_list(other, &self.declared).cloned(),
            };
            if let (Some(name), Some(says)) = (from, list_result_says(&prop.sym)) {
                self.note(&name, says, m.span);
            }
        }
        m.visit_children_with(self);
    }

    /// `const { keys } = await env.NAME.list()`, and names given a `list()` result, a `get`
    /// result, or an env's binding.
    fn visit_var_declarator(&mut self, d: &swc_ecma_ast::VarDeclarator) {
        if let Some(init) = d.init.as_deref() {
            match (&d.name, strip(init)) {
                // `const kv = env.NAME`
                (Pat::Ident(b), Expr::Member(m)) if ends_in_env(&m.obj) => {
                    if let MemberProp::Ident(name) = &m.prop {
                        self.aliases.insert(b.id.sym.clone(), name.sym.clone());
                    }
                }
                // `const { NAME, OTHER: kv } = env`
                (Pat::Object(o), e) if ends_in_env(e) => {
                    for p in &o.props {
                        match p {
                            ObjectPatProp::Assign(a) => {
                                self.aliases
                                    .insert(a.key.id.sym.clone(), a.key.id.sym.clone());
                            }
                            ObjectPatProp::KeyValue(kv) => {
                                if let (PropName::Ident(k), Pat::Ident(local)) =
                                    (&kv.key, &*kv.value)
                                {
                                    self.aliases.insert(local.id.sym.clone(), k.sym.clone());
                                }
                            }
                            ObjectPatProp::Rest(_) => {}
                        }
                    }
                }
                // `const v = await env.NAME.get(key)`
                (Pat::Ident(b), _) => {
                    if let Some(name) = self.get_result(init) {
                        self.gets.insert(b.id.sym.clone(), name);
                    }
                }
                _ => {}
            }
        }
        if let Some(name) = d
            .init
            .as_deref()
            .and_then(|i| awaited_list(i, &self.declared))
        {
            let name = name.clone();
            match &d.name {
                Pat::Ident(b) => {
                    self.lists.insert(b.id.sym.clone(), name);
                }
                Pat::Object(o) => {
                    for p in &o.props {
                        let key = match p {
                            ObjectPatProp::Assign(a) => Some(a.key.id.sym.to_string()),
                            ObjectPatProp::KeyValue(kv) => match &kv.key {
                                PropName::Ident(i) => Some(i.sym.to_string()),
                                _ => None,
                            },
                            ObjectPatProp::Rest(_) => None,
                        };
                        if let Some(says) = key.as_deref().and_then(list_result_says) {
                            self.note(&name, says, d.span);
                        }
                    }
                }
                _ => {}
            }
        }
        d.visit_children_with(self);
    }
}

/// A string's methods: one called on a `get` result says it is a string.
const STRING_METHODS: [&str; 12] = [
    "split",
    "startsWith",
    "endsWith",
    "trim",
    "toLowerCase",
    "toUpperCase",
    "replace",
    "replaceAll",
    "substring",
    "padStart",
    "charAt",
    "localeCompare",
];

/// R2 object's methods and fields: one used on a `get` result says it is R2's.
const R2_OBJECT_METHODS: [&str; 4] = ["text", "json", "arrayBuffer", "writeHttpMetadata"];
const R2_OBJECT_FIELDS: [&str; 5] = ["body", "httpMetadata", "customMetadata", "etag", "httpEtag"];

/// Whether a value written is a string: a literal, a template, `JSON.stringify(…)`,
/// `String(…)`.
fn is_string(e: &Expr) -> bool {
    match strip(e) {
        Expr::Lit(Lit::Str(_)) | Expr::Tpl(_) => true,
        Expr::Call(c) => c
            .callee
            .as_expr()
            .is_some_and(|callee| crate::semantic::values::is_string_wrapper(callee)),
        _ => false,
    }
}

/// Words one of which the text of a file with evidence (for or against) holds: a file
/// without any is not parsed. Each use above needs one (`getWithMetadata`, `httpMetadata` and
/// `customMetadata` hold "Metadata").
const MARKERS: [&str; 16] = [
    "JSON.parse",
    ".put(",
    "Metadata",
    "metadata",
    "expiration",
    "cacheTtl",
    "onlyIf",
    ".list(",
    "'json'",
    "\"json\"",
    "'text'",
    "\"text\"",
    "'arrayBuffer'",
    "\"arrayBuffer\"",
    "'stream'",
    "\"stream\"",
];

/// The names a text calls a KV method on as `env.NAME.method(` (`?.` and `!` allowed), found
/// without parsing: where each is a declared binding, evidence cannot change what the file's
/// calls are.
pub fn env_calls(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let ident = |from: usize| {
        let len = bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'$')
            .count();
        (len > 0).then(|| (&text[from..from + len], from + len))
    };
    // After an identifier: `?.`, `!.` or `.`, then where the next one starts.
    let dot = move |mut at: usize| {
        if bytes.get(at) == Some(&b'!') {
            at += 1;
        }
        if bytes.get(at) == Some(&b'?') {
            at += 1;
        }
        (bytes.get(at) == Some(&b'.')).then_some(at + 1)
    };
    memchr::memmem::find_iter(bytes, "env").filter_map(move |i| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$') {
            return None;
        }
        let (name, end) = ident(dot(i + 3)?)?;
        let (method, end) = ident(dot(end)?)?;
        let kv = matches!(
            method,
            "get" | "getWithMetadata" | "put" | "delete" | "list"
        );
        (kv && bytes.get(end) == Some(&b'(')).then_some(name)
    })
}

/// The names of an env's bindings a text gives a local name and then calls a KV method on,
/// found without parsing: `const kv = env.NAME` (or `c.env.NAME`) and `const { NAME, OTHER:
/// kv } = env`, with `kv.get(` (or another KV method) in the text.
pub fn alias_calls(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let called = |local: &str| {
        ["get", "getWithMetadata", "put", "delete", "list"]
            .iter()
            .any(|m| {
                text.contains(&format!("{local}.{m}(")) || text.contains(&format!("{local}?.{m}("))
            })
    };
    // The identifier that ends just before `at` (spaces skipped).
    let ident_before = |at: usize| {
        let end = bytes[..at].iter().rposition(|b| !b.is_ascii_whitespace())? + 1;
        let start = bytes[..end]
            .iter()
            .rposition(|b| !is_ident(*b))
            .map_or(0, |i| i + 1);
        (start < end).then(|| &text[start..end])
    };
    let mut out = Vec::new();
    for i in memchr::memmem::find_iter(bytes, "env") {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + 3).copied();
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
            || after.is_some_and(is_ident)
        {
            continue;
        }
        // The start of the expression the `env` ends or is in (`c.env`, `context.env`).
        let start = bytes[..i]
            .iter()
            .rposition(|b| !(is_ident(*b) || *b == b'.'))
            .map_or(0, |j| j + 1);
        let Some(eq) = bytes[..start]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
        else {
            continue;
        };
        if bytes[eq] != b'=' || eq == 0 || matches!(bytes[eq - 1], b'=' | b'!' | b'<' | b'>') {
            continue;
        }
        if after == Some(b'.') {
            // `const kv = env.NAME` (and nothing after the name but the end of the statement).
            let from = i + 4;
            let len = bytes[from..].iter().take_while(|b| is_ident(**b)).count();
            let next = bytes[from + len..]
                .iter()
                .find(|b| !matches!(b, b' ' | b'\t'));
            let ends = matches!(next, None | Some(b';' | b'\n' | b'\r' | b',' | b')'));
            match ident_before(eq) {
                Some(local) if len > 0 && ends && called(local) => {
                    out.push(&text[from..from + len]);
                }
                _ => {}
            }
        } else if bytes[..eq]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map(|j| bytes[j])
            == Some(b'}')
        {
            // `const { NAME, OTHER: kv } = env`
            let close = bytes[..eq].iter().rposition(|b| *b == b'}').unwrap_or(0);
            let Some(open) = bytes[..close].iter().rposition(|b| *b == b'{') else {
                continue;
            };
            for part in text[open + 1..close].split(',') {
                let (name, local) = match part.split_once(':') {
                    Some((n, l)) => (n.trim(), l.trim()),
                    None => (part.trim(), part.trim()),
                };
                let plain = |s: &str| !s.is_empty() && s.bytes().all(is_ident);
                if plain(name) && plain(local) && called(local) {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// Bumped whenever what a file's evidence is changes: an older cache is not read.
const EVIDENCE_FORMAT: u32 = 2;

/// The source files of the project under `dir` (`.gitignore` honoured, `node_modules`
/// skipped).
pub fn source_files(dir: &Path) -> Vec<std::path::PathBuf> {
    source_entries(dir).into_iter().map(|(p, _)| p).collect()
}

/// [`source_files`], each with whether it is a link (the walk does not follow links into
/// folders, so only a file itself can be one).
pub fn source_entries(dir: &Path) -> Vec<(std::path::PathBuf, bool)> {
    crate::fs::walker(dir)
        .build()
        .flatten()
        .filter(|e| Lang::from_path(e.path()).is_some())
        .map(|e| {
            let linked = e.path_is_symlink();
            (e.into_path(), linked)
        })
        .collect()
}

/// The evidence in the project under `dir`, from its source files (as [`source_files`]
/// lists them; the first [`MAX_FILES`]), read in parallel.
pub fn collect(dir: &Path, paths: &[std::path::PathBuf]) -> Evidence {
    use rayon::prelude::*;
    let paths = &paths[..paths.len().min(MAX_FILES)];
    let cache = Cache::<Uses>::load(dir, "evidence", EVIDENCE_FORMAT);
    if !cache.enabled() {
        let per_file = paths.par_iter().map(|p| in_file(&path_label(dir, p), p));
        return merge(per_file.collect());
    }
    let per_file: Vec<(String, Option<Stamp>, Uses)> = paths
        .par_iter()
        .map(|p| {
            let label = path_label(dir, p);
            let stamp = Stamp::of(p);
            let uses = match stamp.and_then(|s| cache.get(&label, s)) {
                Some(known) => known.clone(),
                None => in_file(&label, p),
            };
            (label, stamp, uses)
        })
        .collect();
    let mut kept = std::collections::HashMap::new();
    let mut all = Vec::with_capacity(per_file.len());
    for (label, stamp, uses) in per_file {
        if let Some(stamp) = stamp {
            kept.insert(label, (stamp, uses.clone()));
        }
        all.push(uses);
    }
    // A file's evidence is its text's alone: the same stamp is the same evidence.
    cache.store(kept, |_, _| true);
    merge(all)
}

/// A file as evidence names it: relative to the project's root.
fn path_label(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

/// The evidence of a project's files together: a few places per name, and no name that R2
/// uses are made on, whatever else is.
fn merge(per_file: Vec<Uses>) -> Evidence {
    let mut found = Evidence::new();
    let mut against = HashSet::new();
    let (mut string_gets, mut string_puts) = (BTreeMap::new(), BTreeMap::new());
    for uses in per_file {
        against.extend(uses.r2);
        for (name, places) in uses.kv {
            let all = found.entry(name).or_default();
            all.extend(places.into_iter().take(3 - all.len().min(3)));
        }
        for (name, at) in uses.string_gets {
            string_gets.entry(name).or_insert(at);
        }
        for (name, at) in uses.string_puts {
            string_puts.entry(name).or_insert(at);
        }
    }
    // A `get` whose result is a string and a `put` of a string, on one name: only KV.
    for (name, get) in string_gets {
        if let Some(put) = string_puts.get(&name) {
            let all = found.entry(name).or_default();
            if all.len() < 3 {
                all.push(format!("{get} with {put} put(key, string)"));
            }
        }
    }
    found.retain(|name, _| !against.contains(name));
    found
}

/// What the uses in one file say (`label`: the file as evidence names it).
fn in_file(label: &str, path: &Path) -> Uses {
    let (Some(lang), Ok(text)) = (Lang::from_path(path), std::fs::read_to_string(path)) else {
        return Uses::default();
    };
    uses_in(label, lang, text)
}

/// What the uses in a file's text say.
fn uses_in(label: &str, lang: Lang, text: String) -> Uses {
    if !MARKERS.iter().any(|m| text.contains(m))
        || crate::depth::too_deep(&text, crate::semantic::project::MAX_INDEX_NESTING).is_some()
    {
        return Uses::default();
    }
    let source = Source::new(text);
    let Ok(Ok(parsed)) = std::panic::catch_unwind(|| parse(&source, lang, false)) else {
        return Uses::default();
    };
    let mut finder = Finder {
        source: &source,
        label,
        declared: declared_names(&parsed.program),
        aliases: HashMap::new(),
        gets: HashMap::new(),
        lists: HashMap::new(),
        uses: Uses::default(),
    };
    parsed.program.visit_with(&mut finder);
    finder.uses
}

/// The evidence as bindings: each name a KV binding, inferred where it was seen.
pub fn bindings(evidence: Evidence) -> crate::semantic::bindings::Bindings {
    use crate::semantic::bindings::{BindingKind, BindingSource, Bindings};
    let mut b = Bindings::default();
    for (name, places) in evidence {
        b.add(&name, BindingKind::Kv, BindingSource::Evidence(places));
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(files: &[&str]) -> Evidence {
        let per_file = files
            .iter()
            .enumerate()
            .map(|(i, text)| uses_in(&format!("f{i}.ts"), Lang::TypeScript, text.to_string()))
            .collect();
        merge(per_file)
    }

    fn names(files: &[&str]) -> Vec<String> {
        evidence(files).into_keys().collect()
    }

    /// A `get` whose result is a string (parsed as JSON, or given a string's method) with a
    /// `put` of a string on the same name, in any files of the project, is KV; through an
    /// alias or destructuring too. R2's object uses are evidence against.
    #[test]
    fn a_string_read_and_a_string_written_are_kv() {
        let read = "export async function r(env: any, id: string) {\n  const raw = await env.STORE.get(`u:${id}`);\n  return raw ? JSON.parse(raw) : null;\n}\n";
        let write = "export async function w(env: any, id: string, u: object) {\n  await env.STORE.put(`u:${id}`, JSON.stringify(u));\n}\n";
        assert_eq!(names(&[read, write]), ["STORE"]);
        assert_eq!(
            evidence(&[read, write])["STORE"],
            ["f0.ts:3 JSON.parse(get(…)) with f1.ts:2 put(key, string)"]
        );
        // Either alone says nothing: R2 takes a string too, and a read alone is no proof.
        assert!(names(&[read]).is_empty());
        assert!(names(&[write]).is_empty());
        // Through an alias and destructuring, and a string's method.
        let aliased = "export async function a(env: any) {\n  const kv = env.TOKENS;\n  const t = await kv.get('t');\n  return t?.split('.');\n}\nexport async function b(c: any) {\n  const { TOKENS: store } = c.env;\n  await store.put('t', `a.${1}`);\n}\n";
        assert_eq!(names(&[aliased]), ["TOKENS"]);
        // R2's object: `.body`, `.text()` on what `get` gave.
        let r2 = "export async function r(env: any) {\n  const o = await env.FILES.get('a');\n  JSON.parse(o);\n  await env.FILES.put('a', JSON.stringify({}));\n  return new Response(o.body);\n}\n";
        assert!(names(&[r2]).is_empty());
        // A `get` with no key (a Secrets Store binding) is not KV's.
        let secret = "export async function s(env: any) {\n  const k = await env.SECRET.get();\n  JSON.parse(k);\n  await env.SECRET.put('a', 'b');\n}\n";
        assert!(names(&[secret]).is_empty());
    }

    #[test]
    fn aliases_called_with_a_kv_method_are_found_without_parsing() {
        let text = "const kv = env.SESSIONS;\nawait kv.get('a');\nconst { CACHE, FILES: f } = c.env;\nawait CACHE.put('a', 'b');\nconst unused = env.OTHER;\nconst key = env.API_KEY;\nf.head('x');\nif (a == env.X) {}\n";
        assert_eq!(alias_calls(text), ["SESSIONS", "CACHE"]);
    }

    #[test]
    fn a_list_whose_keys_are_read_is_kv() {
        let code = "async function f(env: any) {\n  const a = (await env.A.list()).keys;\n  const { keys } = await env.B.list({ prefix: 'p' });\n  const page = await env.C.list();\n  const { keys: found } = await env.D.list();\n  return page.keys.length + a.length + keys.length + found.length;\n}\n";
        assert_eq!(names(&[code]), ["A", "B", "C", "D"]);
        let why = evidence(&[code]);
        assert_eq!(why["C"], ["f0.ts:6 list().keys"]);
        // Another property of the result, or a list that is not awaited, says nothing.
        let other = "async function f(env: any) {\n  const page = await env.A.list();\n  const p = env.B.list();\n  return page.cursor + p.keys;\n}\n";
        assert!(names(&[other]).is_empty());
    }

    #[test]
    fn r2_uses_are_evidence_against() {
        let kv = "async function f(env: any) { await env.FILES.get('k', 'json'); await env.OK.getWithMetadata('k'); }\n";
        let r2 = [
            "async function g(env: any) { await env.FILES.put('k', 'v', { httpMetadata: {} }); }\n",
            "async function g(env: any) { await env.FILES.put('k', 'v', { customMetadata: {} }); }\n",
            "async function g(env: any) { await env.FILES.get('k', { onlyIf: {} }); }\n",
            "async function g(env: any) { return (await env.FILES.list()).objects; }\n",
        ];
        for r in r2 {
            assert_eq!(names(&[kv, r]), ["OK"], "{r}");
        }
        assert_eq!(names(&[kv]), ["FILES", "OK"]);
    }

    #[test]
    fn at_most_three_places_are_kept_per_name() {
        let one = "async function f(env: any) {\n  await env.A.getWithMetadata('1');\n  await env.A.getWithMetadata('2');\n  await env.A.getWithMetadata('3');\n  await env.A.getWithMetadata('4');\n}\n";
        assert_eq!(evidence(&[one])["A"].len(), 3);
        // Each file keeps no more either (what the cache stores per file).
        let uses = uses_in("f.ts", Lang::TypeScript, one.to_string());
        assert_eq!(uses.kv["A"].len(), 3);
        // Across files too.
        assert_eq!(
            evidence(&[one, one])["A"],
            [
                "f0.ts:2 getWithMetadata",
                "f0.ts:3 getWithMetadata",
                "f0.ts:4 getWithMetadata"
            ]
        );
    }

    #[test]
    fn env_calls_are_found_without_parsing() {
        let text = "env.A.get(k); c.env.B?.put(k, v); env!.C!.list(); myenv.D.get(k); env.E.json(); env.F.get; env.G .get(k); (env.H as any).get(k); env.I.getWithMetadata(k); env.J.delete(k); env.MY_KV.get(k); env.$kv.put(k); _env.K.get(k); $env.L.get(k); env..get(k)";
        let names: Vec<&str> = env_calls(text).collect();
        assert_eq!(names, ["A", "B", "C", "I", "J", "MY_KV", "$kv"]);
    }

    #[test]
    fn a_get_type_counts_only_as_a_literal_kv_type() {
        let code = "async function f(env: any, t: any) {\n  await env.A.get('k', { type: 'json' });\n  await env.B.get('k', { type: t });\n  await env.C.get('k', { type: 'blob' });\n  await env.D.get('k', \"arrayBuffer\");\n  await env.E.get('k', 'stream');\n}\n";
        assert_eq!(names(&[code]), ["A", "D", "E"]);
    }

    #[test]
    fn undeclared_globals_count_only_by_uses_no_other_api_has() {
        let sw = "addEventListener('fetch', (e: any) => e.respondWith(handle()));\nasync function handle() {\n  await TOKENS.getWithMetadata('t');\n  await LINKS.put('l', 'v', { expirationTtl: 60 });\n  await PAGES.get('p', { cacheTtl: 30 });\n  await $.get('/api', 'json');\n  return new Response();\n}\n";
        assert_eq!(names(&[sw]), ["LINKS", "PAGES", "TOKENS"]);
        // A name the file declares is not a global: not a binding.
        let local = "import { store } from './store';\nconst cache = new Map();\nfunction f(kv: any) {\n  store.getWithMetadata('a');\n  kv.put('k', 'v', { expirationTtl: 60 });\n  const { inner } = kv;\n  inner.getWithMetadata('b');\n}\nclass Box {}\nBox.getWithMetadata('c');\n";
        assert!(names(&[local]).is_empty(), "{:?}", names(&[local]));
    }

    #[test]
    fn files_without_a_marker_are_not_parsed_and_markers_cover_every_use() {
        // Every use above holds one of the markers (the prefilter never drops evidence).
        for use_text in [
            "env.A.getWithMetadata('k')",
            "env.A.put('k', 'v', { expiration: 1 })",
            "env.A.put('k', 'v', { metadata: {} })",
            "env.A.put('k', 'v', { httpMetadata: {} })",
            "env.A.put('k', 'v', { customMetadata: {} })",
            "env.A.get('k', { cacheTtl: 1 })",
            "env.A.get('k', { onlyIf: {} })",
            "(await env.A.list()).keys",
            "env.A.get('k', \"text\")",
            "env.A.get('k', { type: \"stream\" })",
        ] {
            assert!(MARKERS.iter().any(|m| use_text.contains(m)), "{use_text}");
        }
        let none = "async function f(env: any) { await env.A.get('k', { type: t }); }\n";
        assert!(names(&[none]).is_empty());
    }
}
