//! `no-floating-kv-write`: a KV `put` or `delete` whose promise nobody waits for.

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    ImportDecl, ImportSpecifier, ModuleDecl, ModuleExportName, ModuleItem, Program,
};

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
    /// No context in scope, in code that runs on Workers.
    HELP_IMPORT = "No execution context is in scope here, but this code runs on Workers: `--fix --unsafe-fixes` hands the write to `waitUntil` imported from `cloudflare:workers` (which extends the current request's lifetime the same way), and its errors go to `waitUntil`.",
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
    let wrap = |wait: &str, mut edits: Vec<Edit>, title: String| {
        let text = format!("{wait}({})", ctx.source.slice(d.expr));
        edits.push(Edit::replace(ctx.source.range(d.whole), text));
        Fix::new(title, Applicability::Unsafe, edits)
    };
    let (fix, help) = match (&d.wait_until, d.optional) {
        (Some(wait), false) => (
            Some(wrap(wait, vec![], format!("Hand the write to `{wait}`"))),
            HELP,
        ),
        (Some(_), true) => (None, HELP),
        (None, false) if ctx.workers => match imported_wait_until(ctx) {
            Some((name, edits)) => (
                Some(wrap(
                    &name,
                    edits,
                    "Hand the write to `waitUntil` from `cloudflare:workers`".into(),
                )),
                HELP_IMPORT,
            ),
            None => (None, HELP_NO_CONTEXT),
        },
        (None, _) => (None, HELP_NO_CONTEXT),
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

/// The name `waitUntil` of `cloudflare:workers` has in the file, and the edits that import
/// it where the file does not yet: added to a value import of `cloudflare:workers` (`import
/// { env } from 'cloudflare:workers'`), or a new import after the file's imports. `None` in a
/// script, or where another `waitUntil` would be shadowed or clash (the name is in the text
/// but not imported from there).
fn imported_wait_until(ctx: &RuleContext) -> Option<(String, Vec<Edit>)> {
    let Program::Module(module) = ctx.program else {
        return None;
    };
    let imports: Vec<&ImportDecl> = module
        .body
        .iter()
        .filter_map(|i| match i {
            ModuleItem::ModuleDecl(ModuleDecl::Import(d)) => Some(d),
            _ => None,
        })
        .collect();
    let workers = |d: &&&ImportDecl| d.src.value.as_str() == Some("cloudflare:workers");
    for d in imports.iter().filter(workers).filter(|d| !d.type_only) {
        for s in &d.specifiers {
            let ImportSpecifier::Named(n) = s else {
                continue;
            };
            let imported = match &n.imported {
                Some(ModuleExportName::Ident(i)) => i.sym.as_str(),
                Some(ModuleExportName::Str(s)) => s.value.as_str().unwrap_or_default(),
                None => n.local.sym.as_str(),
            };
            if imported == "waitUntil" && !n.is_type_only {
                return Some((n.local.sym.to_string(), vec![]));
            }
        }
    }
    if ctx.source.text().contains("waitUntil") {
        return None;
    }
    // Into an import of `cloudflare:workers` with named specifiers.
    let named = imports.iter().filter(workers).find(|d| {
        !d.type_only
            && d.specifiers
                .iter()
                .all(|s| matches!(s, ImportSpecifier::Named(_)))
            && !d.specifiers.is_empty()
    });
    if let Some(d) = named {
        let last = d.specifiers.last()?;
        let at = ctx.source.range(last.span()).end;
        return Some(("waitUntil".into(), vec![Edit::insert(at, ", waitUntil")]));
    }
    let q = ctx.quote();
    let line = format!(
        "import {{ waitUntil }} from {q}cloudflare:workers{q}{}",
        if ctx.punctuation().semicolons {
            ";"
        } else {
            ""
        }
    );
    let nl = ctx.source.newline();
    let edit = match imports.last() {
        Some(last) => Edit::insert(ctx.source.range(last.span).end, format!("{nl}{line}")),
        None => {
            let first = module.body.first()?;
            Edit::insert(ctx.source.range(first.span()).start, format!("{line}{nl}"))
        }
    };
    Some(("waitUntil".into(), vec![edit]))
}
