//! Bindings that only the dashboard or Terraform knows (or that a wrangler file has commented
//! out), found from usage that only Workers KV has: `kvlint init` proposes them, and a
//! project where nothing declares a KV binding has them inferred at lint time (DESIGN §2;
//! `[bindings] infer = false` turns that off).
//!
//! Evidence is a call on `<env>.NAME` (an expression ending in `env`) that no other binding
//! type takes: `getWithMetadata`, `put` options with `expirationTtl`, `expiration` or
//! `metadata` (R2 names its own `httpMetadata` and `customMetadata`), `get` with a KV type
//! (`'json'`, `'text'`, `'arrayBuffer'`, `'stream'`) or with `{ type }` / `{ cacheTtl }`
//! options.

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
                .find(|n| n == "expirationTtl" || n == "expiration" || n == "metadata")
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

/// Words one of which the text of a file with evidence holds: a file without any is not
/// parsed.
const MARKERS: [&str; 10] = [
    "getWithMetadata",
    "expiration",
    "metadata",
    "cacheTtl",
    "'json'",
    "\"json\"",
    "'text'",
    "\"text\"",
    "'arrayBuffer'",
    "'stream'",
];

/// The source files of the project under `dir` (`.gitignore` honoured, `node_modules`
/// skipped).
pub fn source_files(dir: &Path) -> Vec<std::path::PathBuf> {
    crate::fs::walker(dir)
        .build()
        .flatten()
        .filter(|e| Lang::from_path(e.path()).is_some())
        .map(|e| e.into_path())
        .collect()
}

/// The evidence in the project under `dir`, from its source files (as [`source_files`]
/// lists them; the first [`MAX_FILES`]), read in parallel.
pub fn collect(dir: &Path, paths: &[std::path::PathBuf]) -> Evidence {
    use rayon::prelude::*;
    let paths = &paths[..paths.len().min(MAX_FILES)];
    let per_file: Vec<Evidence> = paths.par_iter().map(|p| in_file(dir, p)).collect();
    let mut found = Evidence::new();
    for (name, places) in per_file.into_iter().flatten() {
        let all = found.entry(name).or_default();
        all.extend(places.into_iter().take(3 - all.len().min(3)));
    }
    found
}

/// The evidence in one file (`dir` is the project's root, for its label).
fn in_file(dir: &Path, path: &Path) -> Evidence {
    let mut found = Evidence::new();
    let (Some(lang), Ok(text)) = (Lang::from_path(path), std::fs::read_to_string(path)) else {
        return found;
    };
    if !text.contains("env")
        || !MARKERS.iter().any(|m| text.contains(m))
        || crate::depth::too_deep(&text, crate::semantic::project::MAX_INDEX_NESTING).is_some()
    {
        return found;
    }
    let source = Source::new(text);
    let Ok(Ok(parsed)) = std::panic::catch_unwind(|| parse(&source, lang, false)) else {
        return found;
    };
    let label = path.strip_prefix(dir).unwrap_or(path).display().to_string();
    parsed.program.visit_with(&mut Finder {
        source: &source,
        label: &label,
        found: &mut found,
    });
    found
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
