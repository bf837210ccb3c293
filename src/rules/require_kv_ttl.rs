//! `require-kv-ttl`: a KV `put` that never expires.

use super::options::{opaque, options_object, properties};
use super::{FixKind, Rule, RuleContext};
use crate::config::DEFAULT_TTL;
use crate::diagnostic::{Diagnostic, Severity};
use crate::edits::{add_property, append_argument};
use crate::fix::{Applicability, Edit, Fix};
use crate::semantic::values::{key_matches, key_value};
use crate::semantic::{KvCall, KvMethod};

pub struct RequireKvTtl;

const ID: &str = "require-kv-ttl";

const HELP: &str = "Add an `expirationTtl` (seconds) so the entry expires. A value written without one is kept, and billed as stored data, until something deletes it; caches and tokens written this way pile up forever. Set `default_ttl` in kvlint.toml to choose the TTL and make this fix safe.";

impl Rule for RequireKvTtl {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "KV `put` without `expirationTtl` or `expiration`"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix_kind(&self) -> FixKind {
        FixKind::Sometimes
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/require-kv-ttl.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        let configured = ctx.config.file.rules.require_kv_ttl.default_ttl.as_ref();
        let ttl = configured.map(|t| *t.get_ref()).unwrap_or(DEFAULT_TTL);
        // Without a configured TTL the fix is only shown: a guessed TTL on a record meant
        // to last deletes user data.
        let applicability = if configured.is_some() {
            Applicability::Safe
        } else {
            Applicability::DisplayOnly
        };
        let fix = |edits| {
            Some(Fix::new(
                format!("Add `expirationTtl: {ttl}`"),
                applicability,
                edits,
            ))
        };
        let ignored = ctx
            .config
            .file
            .rules
            .require_kv_ttl
            .ignore_keys
            .as_deref()
            .unwrap_or_default();
        ctx.model
            .kv_calls
            .iter()
            .filter(|c| c.method == KvMethod::Put)
            // Records the user says are meant to last.
            .filter(|c| {
                let key = c.arg(0).map(|k| key_value(k, &c.consts));
                !key.is_some_and(|k| ignored.iter().any(|p| key_matches(p, &k)))
            })
            .filter_map(|call| check_put(ctx, call, ttl, &fix))
            .collect()
    }
}

fn check_put(
    ctx: &RuleContext,
    call: &KvCall,
    ttl: i64,
    fix: &dyn Fn(Vec<Edit>) -> Option<Fix>,
) -> Option<Diagnostic> {
    if call.args.iter().any(|a| a.spread.is_some()) {
        return None;
    }
    let range = ctx.source.range(call.span);
    let method = ctx.source.range(call.method_span);
    match call.args.len() {
        0..=2 => {
            let edit = (call.args.len() == 2)
                .then(|| {
                    append_argument(
                        ctx.source,
                        call.span,
                        call.args,
                        &format!("{{ expirationTtl: {ttl} }}"),
                    )
                })
                .flatten();
            Some(
                Diagnostic::new(
                    ID,
                    range,
                    "KV `put` without an expiration: the value is stored forever",
                    HELP,
                )
                .with_label(method, "no options, so no expirationTtl")
                .with_fix(edit.and_then(fix)),
            )
        }
        _ => {
            let obj = options_object(call)?;
            let expires = properties(obj, &call.consts)
                .any(|p| p.name == "expirationTtl" || p.name == "expiration");
            // A computed key that does not fold may be either: the options are unknown.
            if expires || opaque(obj, &call.consts) {
                return None;
            }
            let edit = add_property(ctx.source, obj, &format!("expirationTtl: {ttl}"));
            Some(
                Diagnostic::new(
                    ID,
                    range,
                    "KV `put` options without `expirationTtl` or `expiration`: the value is stored forever",
                    HELP,
                )
                .with_label(ctx.source.range(obj.span), "neither expirationTtl nor expiration")
                .with_fix(fix(edit)),
            )
        }
    }
}
