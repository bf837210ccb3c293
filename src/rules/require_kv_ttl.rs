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

helps!(
    "Add an `expirationTtl` (seconds) so the entry expires. A value written without one is kept, and billed as stored data, until something deletes it; caches and tokens written this way pile up forever.";
    /// The help without `default_ttl`: how to choose the TTL, and how to keep records.
    HELP = "Set `default_ttl` in kvlint.toml to choose the TTL the fix writes; list records meant to last (accounts, passkeys, refresh tokens) in `ignore_keys`.",
    /// The help with `default_ttl` set: the fix is applied only with `--unsafe-fixes`.
    HELP_CONFIGURED = "An expiry deletes a record meant to last (an account, a passkey, a refresh token): list those in `ignore_keys`, then apply the TTL with `--fix --unsafe-fixes`.",
);

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
    fn fix_kind(&self, config: &crate::config::Config) -> FixKind {
        if config.file.rules.require_kv_ttl.default_ttl.is_some() {
            FixKind::Unsafe
        } else {
            FixKind::DisplayOnly
        }
    }
    fn fix_note(&self) -> Option<&'static str> {
        Some("display-only until `default_ttl` is set, then unsafe: an expiry deletes records meant to last")
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/require-kv-ttl.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        let configured = ctx.config.file.rules.require_kv_ttl.default_ttl.as_ref();
        let ttl = configured.map(|t| *t.get_ref()).unwrap_or(DEFAULT_TTL);
        // An expiry changes what the program does (a record meant to last disappears), so
        // the fix is never safe: only shown until the user chooses a TTL, and unsafe after.
        let (applicability, help) = if configured.is_some() {
            (Applicability::Unsafe, HELP_CONFIGURED)
        } else {
            (Applicability::DisplayOnly, HELP)
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
            .filter_map(|call| check_put(ctx, call, ttl, help, &fix))
            .collect()
    }
}

fn check_put(
    ctx: &RuleContext,
    call: &KvCall,
    ttl: i64,
    help: &'static str,
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
                    help,
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
                    help,
                )
                .with_label(ctx.source.range(obj.span), "neither expirationTtl nor expiration")
                .with_fix(fix(edit)),
            )
        }
    }
}
