//! `prefer-coalesced-kv-reads`: several related static keys read separately in one function.

use std::collections::BTreeMap;

use swc_common::Spanned;

use super::{FixKind, Rule, RuleContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::semantic::values::{key_value, KeyValue};
use crate::semantic::KvCall;

pub struct PreferCoalescedKvReads;

const ID: &str = "prefer-coalesced-kv-reads";

pub const DEFAULT_MIN_GROUP: i64 = 3;

impl Rule for PreferCoalescedKvReads {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "Several keys sharing a prefix read separately in one function"
    }
    fn default_severity(&self) -> Severity {
        Severity::Info
    }
    fn fix_kind(&self, _: &crate::config::Config) -> FixKind {
        FixKind::None
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/prefer-coalesced-kv-reads.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        let min = ctx
            .config
            .file
            .rules
            .prefer_coalesced_kv_reads
            .min_group
            .as_ref()
            .map(|m| *m.get_ref())
            .unwrap_or(DEFAULT_MIN_GROUP) as usize;
        // (function, prefix) → the reads, in source order, with their keys.
        let mut groups: BTreeMap<(usize, String), Vec<(&KvCall, String)>> = BTreeMap::new();
        for call in ctx.model.kv_calls.iter().filter(|c| c.method.is_read()) {
            let Some(KeyValue::Static(key)) = call.arg(0).map(|k| key_value(k, &call.consts))
            else {
                continue;
            };
            let Some(colon) = key.rfind(':') else {
                continue;
            };
            let prefix = key[..=colon].to_string();
            groups
                .entry((call.function, prefix))
                .or_default()
                .push((call, key));
        }
        let mut out = Vec::new();
        for ((_, prefix), mut reads) in groups {
            reads.sort_by_key(|(c, _)| c.span.lo);
            let mut keys: Vec<&str> = reads.iter().map(|(_, k)| k.as_str()).collect();
            keys.sort();
            keys.dedup();
            if keys.len() < min {
                continue;
            }
            let first = reads[0].0;
            let names = keys
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let message = format!(
                "{} keys under `{prefix}` are read separately: {names}",
                keys.len()
            );
            let help = format!(
                "Each key is a KV read of its own. If they are written together, store them as one value under `{prefix}all` and read it once with `get('{prefix}all', 'json')`: one read instead of {}, one round trip, and updates that are atomic. KV values are limited to 25 MiB, so check the combined size first.",
                keys.len()
            );
            out.push(
                Diagnostic::new(ID, ctx.source.range(first.span), message, help)
                    .with_severity(Severity::Info)
                    .with_label(
                        ctx.source.range(first.args[0].expr.span()),
                        format!("the first of {} related keys", keys.len()),
                    ),
            );
        }
        out
    }
}
