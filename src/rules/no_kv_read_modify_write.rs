//! `no-kv-read-modify-write`: a `put` whose value is computed from an earlier read of the
//! same key: concurrent requests lose updates.

use swc_common::Spanned;
use swc_ecma_ast::{CallExpr, Expr, Prop, PropName, PropOrSpread};

use super::{FixKind, Rule, RuleContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::semantic::flow::{
    derived_from, may_share_key, same_key, uses_through, Bodies, MAX_COMPARISONS,
};
use crate::semantic::{KvCall, KvMethod};

pub struct NoKvReadModifyWrite;

const ID: &str = "no-kv-read-modify-write";

/// Each (read, write) pair walks its function once: beyond this many in a file (generated
/// code), the rest are not judged.
const MAX_PAIRS: usize = 256;

const HELP: &str = "Two requests that read the value before either writes it each write their own update, and one is lost: KV is eventually consistent (a read may be up to 60 seconds old in other locations, and the last write wins) and takes one write per second per key, so counters undercount, rate limits let bursts through and fail with 429, and appended lists drop entries. Keep state that is updated in place in a Durable Object, one per key: its storage serialises the updates. For rate limits, use the Workers Rate Limiting binding (`ratelimits` in the wrangler config).";

impl Rule for NoKvReadModifyWrite {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "KV `put` of a value computed from a read of the same key (lost updates)"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix_kind(&self, _: &crate::config::Config) -> FixKind {
        FixKind::None
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/no-kv-read-modify-write.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        let calls = &ctx.model.kv_calls;
        let bodies = Bodies::new(ctx.program);
        let mut pairs = 0;
        let compared = std::cell::Cell::new(0usize);
        let mut out = Vec::new();
        for put in calls.iter().filter(|c| c.method == KvMethod::Put) {
            let Some(value) = put.arg(1) else { continue };
            // The reads that may be of the same key, before the write or inside the value
            // written, latest first; the function is walked only when there is one.
            let inside = value.span();
            let mut reads = calls
                .iter()
                .rev()
                .filter(|r| r.method.is_read() && r.function == put.function)
                .filter(|r| {
                    r.span.hi <= put.span.lo || (inside.lo <= r.span.lo && r.span.hi <= inside.hi)
                })
                .filter(|r| {
                    compared.set(compared.get() + 1);
                    compared.get() <= MAX_COMPARISONS && may_share_key(ctx.source, r, put)
                })
                .peekable();
            if reads.peek().is_none() {
                continue;
            }
            let Some(body) = bodies.get(ctx.model.function_span(put.function)) else {
                continue;
            };
            let Some(read) = reads.find(|r| same_key(ctx.source, body, r, put)) else {
                continue;
            };
            pairs += 1;
            if pairs > MAX_PAIRS {
                break;
            }
            let io = |c: &CallExpr| ctx.model.is_io_call(c);
            let derived = derived_from(body, read.span, put.span.lo, &io);
            let from_read = |e: &Expr| uses_through(e, &derived, Some(read.span), &io);
            if from_read(value) {
                out.push(report(ctx, read, put, value.span(), "a value"));
            } else if let Some(meta) = (read.method == KvMethod::GetWithMetadata)
                .then(|| metadata(put))
                .flatten()
                .filter(|m| from_read(m))
            {
                // The value is the same, and a flag toggled in the metadata is lost the same
                // way.
                out.push(report(ctx, read, put, meta.span(), "metadata"));
            }
        }
        out
    }
}

/// The `metadata` a put writes (`{ metadata: … }`), when written inline.
fn metadata<'p>(put: &KvCall<'p>) -> Option<&'p Expr> {
    let Expr::Object(o) = crate::semantic::values::strip(put.arg(2)?) else {
        return None;
    };
    o.props.iter().find_map(|p| match p {
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) if prop_is(&kv.key, "metadata") => Some(&*kv.value),
            _ => None,
        },
        PropOrSpread::Spread(_) => None,
    })
}

fn prop_is(key: &PropName, name: &str) -> bool {
    match key {
        PropName::Ident(i) => &*i.sym == name,
        PropName::Str(s) => s.value.as_str() == Some(name),
        _ => false,
    }
}

fn report(
    ctx: &RuleContext,
    read: &KvCall,
    put: &KvCall,
    value: swc_common::Span,
    what: &str,
) -> Diagnostic {
    let line = ctx.source.position(ctx.source.range(read.span).start).line;
    Diagnostic::new(
        ID,
        ctx.source.range(put.span),
        format!(
            "KV `put` writes {what} computed from the `{}` of the same key on line {line}: concurrent requests lose updates",
            read.method.name()
        ),
        HELP,
    )
    .with_label(
        ctx.source.range(value),
        format!("computed from the value read on line {line}"),
    )
}
