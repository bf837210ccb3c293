//! `no-floating-kv-write`: a KV `put` or `delete` whose promise nobody waits for.

use swc_common::Span;

use super::{FixKind, Rule, RuleContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Fix};
use crate::semantic::context::{dropped_calls, Dropped};
use crate::semantic::KvMethod;

pub struct NoFloatingKvWrite;

const ID: &str = "no-floating-kv-write";

helps!(
    "A write whose promise nobody awaits may be cancelled when the response is sent: the Workers runtime ends a request's work once it has answered, and its errors are never seen. Await the write, or hand it to the execution context's `waitUntil` so that it outlives the response.";
    /// A context is in scope: the fix hands the write to it.
    HELP = "`--fix --unsafe-fixes` wraps it in the `waitUntil` in scope: the write then runs after the response, and its errors go to `waitUntil`.",
    /// No context in scope.
    HELP_NO_CONTEXT = "No execution context is in scope here: await the write, or pass the handler's `ctx` (its third parameter) down to this code.",
);

impl Rule for NoFloatingKvWrite {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "KV `put` or `delete` whose promise is dropped (may be cancelled after the response)"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix_kind(&self, _: &crate::config::Config) -> FixKind {
        FixKind::Unsafe
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/no-floating-kv-write.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        // The model saw every dropped call: only a dropped KV write needs the walk that
        // finds the execution context.
        let dropped_write = ctx.model.dropped.iter().any(|s| {
            ctx.model
                .kv_call_at(*s)
                .is_some_and(|c| matches!(c.method, KvMethod::Put | KvMethod::Delete))
        });
        if !dropped_write {
            return Vec::new();
        }
        dropped_calls(ctx.program, &ctx.model.hono_apps)
            .into_iter()
            .filter_map(|d| {
                let call = ctx.model.kv_call_at(d.call)?;
                matches!(call.method, KvMethod::Put | KvMethod::Delete)
                    .then(|| report(ctx, &d, call.method, call.span))
            })
            .collect()
    }
}

fn report(ctx: &RuleContext, d: &Dropped, method: KvMethod, span: Span) -> Diagnostic {
    let fix = d.wait_until.as_ref().filter(|_| !d.optional).map(|wait| {
        let text = format!("{wait}({})", ctx.source.slice(d.expr));
        Fix::new(
            format!("Hand the write to `{wait}`"),
            Applicability::Unsafe,
            vec![Edit::replace(ctx.source.range(d.whole), text)],
        )
    });
    let help = if d.wait_until.is_some() {
        HELP
    } else {
        HELP_NO_CONTEXT
    };
    Diagnostic::new(
        ID,
        ctx.source.range(span),
        format!(
            "KV `{}` whose promise is dropped: the write may be cancelled once the response is sent",
            method.name()
        ),
        help,
    )
    .with_label(ctx.source.range(span), "not awaited, returned or handed to waitUntil")
    .with_fix(fix)
}
