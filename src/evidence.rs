//! `kvlint init`'s proposals: bindings that only the dashboard or Terraform knows (or that
//! a wrangler file has commented out), found from usage that only Workers KV has. Never used
//! at lint time: a guess by method there would cost precision.
//!
//! Evidence is a call on `<env>.NAME` (an expression ending in `env`) that no other binding
//! type takes: `getWithMetadata`, `put` options with `expirationTtl` or `expiration`, `get`
//! with a KV type (`'json'`, `'text'`, `'arrayBuffer'`, `'stream'`) or with `{ type }` /
//! `{ cacheTtl }` options.

use std::collections::BTreeMap;
use std::path::Path;

use swc_ecma_ast::{CallExpr, Expr, Lit, MemberExpr, MemberProp, ObjectLit};
use swc_ecma_visit::{Visit, VisitWith};

use crate::parse::{parse, Lang};
use crate::rules::options::properties;
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

fn ends_in_env(e: &Expr) -> bool {
    match strip(e) {
        Expr::Ident(i) => &*i.sym == "env",
        Expr::Member(m) => matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "env"),
        _ => false,
    }
}

/// What makes a call KV's alone, if anything.
fn kv_only(method: &str, call: &CallExpr) -> Option<String> {
    let arg = |i: usize| {
        call.args
            .get(i)
            .filter(|a| a.spread.is_none())
            .map(|a| strip(&a.expr))
    };
    match method {
        "getWithMetadata" => Some("getWithMetadata".into()),
        "put" => match arg(2) {
            Some(Expr::Object(o)) => prop_names(o)
                .into_iter()
                .find(|n| n == "expirationTtl" || n == "expiration")
                .map(|n| format!("put(…, {{ {n} }})")),
            _ => None,
        },
        "get" => match arg(1) {
            Some(Expr::Lit(Lit::Str(s))) => s
                .value
                .as_str()
                .filter(|t| matches!(*t, "json" | "text" | "arrayBuffer" | "stream"))
                .map(|t| format!("get(key, '{t}')")),
            Some(Expr::Object(o)) => prop_names(o)
                .into_iter()
                .find(|n| n == "type" || n == "cacheTtl")
                .map(|n| format!("get(key, {{ {n} }})")),
            _ => None,
        },
        _ => None,
    }
}

struct Finder<'a> {
    source: &'a Source,
    label: &'a str,
    found: &'a mut Evidence,
}

impl Visit for Finder<'_> {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_call_expr(&mut self, c: &CallExpr) {
        let callee = c.callee.as_expr().map(|e| strip(e));
        if let Some(Expr::Member(MemberExpr { obj, prop, .. })) = callee {
            if let (Expr::Member(ns), MemberProp::Ident(method)) = (strip(obj), prop) {
                if let (true, MemberProp::Ident(name)) = (ends_in_env(&ns.obj), &ns.prop) {
                    if let Some(why) = kv_only(&method.sym, c) {
                        let line = self.source.position(self.source.range(c.span).start).line;
                        let places = self.found.entry(name.sym.to_string()).or_default();
                        if places.len() < 3 {
                            places.push(format!("{}:{line} {why}", self.label));
                        }
                    }
                }
            }
        }
        c.visit_children_with(self);
    }
}

/// The evidence in the project under `dir` (`.gitignore` honoured, `node_modules` skipped).
pub fn collect(dir: &Path) -> Evidence {
    let mut found = Evidence::new();
    let walker = crate::fs::walker(dir).build();
    for entry in walker.flatten().take(MAX_FILES) {
        let path = entry.path();
        let Some(lang) = Lang::from_path(path) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if !text.contains("env")
            || crate::depth::too_deep(&text, crate::semantic::project::MAX_INDEX_NESTING).is_some()
        {
            continue;
        }
        let source = Source::new(text);
        let Ok(Ok(parsed)) = std::panic::catch_unwind(|| parse(&source, lang, false)) else {
            continue;
        };
        let label = path.strip_prefix(dir).unwrap_or(path).display().to_string();
        parsed.program.visit_with(&mut Finder {
            source: &source,
            label: &label,
            found: &mut found,
        });
    }
    found
}
