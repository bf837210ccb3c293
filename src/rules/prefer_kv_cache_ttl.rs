//! `prefer-kv-cache-ttl`: reads of static, rarely-changing keys without `cacheTtl`.

use swc_ecma_ast::Expr;

use super::options::{opaque, properties};
use super::{FixKind, Rule, RuleContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::edits::{add_property, append_argument, quoted};
use crate::fix::{Applicability, Edit, Fix};
use crate::semantic::references::as_str;
use crate::semantic::values::{key_matches, key_value, strip, KeyValue};
use crate::semantic::{KvCall, KvMethod};

pub struct PreferKvCacheTtl;

const ID: &str = "prefer-kv-cache-ttl";

pub const DEFAULT_STATIC_KEYS: [&str; 2] = ["oauth:*", "config:*"];
pub const DEFAULT_CACHE_TTL: i64 = 3600;

helps!(
    "Add `cacheTtl` so the edge keeps this rarely-changing value longer than KV's default 60 seconds: repeat reads are served from the edge cache (under 1 ms instead of 5–50 ms) and KV reads drop by up to 95%. An update then takes up to `cacheTtl` seconds to reach every location.";
    HELP = "Set `cache_ttl` in kvlint.toml to choose it and make this fix safe; `static_keys` says which keys are static.",
    HELP_CONFIGURED = "`--fix` adds the configured `cache_ttl`; `static_keys` says which keys are static.",
);

impl Rule for PreferKvCacheTtl {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "KV read of a static key (`static_keys`) without `cacheTtl`"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix_kind(&self, config: &crate::config::Config) -> FixKind {
        if config.file.rules.prefer_kv_cache_ttl.cache_ttl.is_some() {
            FixKind::Safe
        } else {
            FixKind::Unsafe
        }
    }
    fn fix_note(&self) -> Option<&'static str> {
        Some("unsafe until `cache_ttl` is set, then safe")
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/prefer-kv-cache-ttl.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        let options = &ctx.config.file.rules.prefer_kv_cache_ttl;
        let patterns: Vec<&str> = match &options.static_keys {
            Some(keys) => keys.iter().map(String::as_str).collect(),
            None => DEFAULT_STATIC_KEYS.to_vec(),
        };
        let ttl = options
            .cache_ttl
            .as_ref()
            .map(|t| *t.get_ref())
            .unwrap_or(DEFAULT_CACHE_TTL);
        let (applicability, help) = if options.cache_ttl.is_some() {
            (Applicability::Safe, HELP_CONFIGURED)
        } else {
            (Applicability::Unsafe, HELP)
        };
        ctx.model
            .kv_calls
            .iter()
            .filter(|c| matches!(c.method, KvMethod::Get | KvMethod::GetWithMetadata))
            .filter_map(|call| {
                let key = key_value(call.arg(0)?, &call.consts);
                let KeyValue::Static(k) = &key else {
                    return None;
                };
                if !patterns.iter().any(|p| key_matches(p, &key)) {
                    return None;
                }
                let edits = cache_ttl_edits(ctx, call, ttl)?;
                let fix = edits
                    .map(|edits| Fix::new(format!("Add `cacheTtl: {ttl}`"), applicability, edits));
                Some(
                    Diagnostic::new(
                        ID,
                        ctx.source.range(call.span),
                        format!("KV read of static key `{k}` without `cacheTtl`"),
                        help,
                    )
                    .with_label(
                        ctx.source.range(call.method_span),
                        "cached at the edge for only 60 seconds",
                    )
                    .with_fix(fix),
                )
            })
            .collect()
    }
}

/// `None`: not reported (options that may set `cacheTtl`); `Some(None)`: reported, no fix.
fn cache_ttl_edits(ctx: &RuleContext, call: &KvCall, ttl: i64) -> Option<Option<Vec<Edit>>> {
    if call.args.iter().any(|a| a.spread.is_some()) {
        return None;
    }
    let prop = format!("cacheTtl: {ttl}");
    match call.args.get(1).map(|a| &*a.expr) {
        None => Some(append_argument(
            ctx.source,
            call.span,
            call.args,
            &format!("{{ {prop} }}"),
        )),
        Some(options) => match strip(options) {
            Expr::Object(o) => {
                if opaque(o, &call.consts)
                    || properties(o, &call.consts).any(|p| p.name == "cacheTtl")
                {
                    return None;
                }
                Some(Some(add_property(ctx.source, o, &prop)))
            }
            // `get(k, 'json')` → `get(k, { type: 'json', cacheTtl })`.
            _ => {
                let s = as_str(options)?;
                let quote = ctx.source.slice(s.span).chars().next()?;
                let ty = quoted(s.value.as_str()?, quote);
                Some(Some(vec![Edit::replace(
                    ctx.source.range(s.span),
                    format!("{{ type: {ty}, {prop} }}"),
                )]))
            }
        },
    }
}
