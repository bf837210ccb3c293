//! `no-unprefixed-kv-key`: KV keys without a `:`-separated namespace.

use swc_common::Spanned;
use swc_ecma_ast::{BinaryOp, Expr, Lit};

use super::{FixKind, Rule, RuleContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::edits::{quoted, template_text};
use crate::fix::{Applicability, Edit, Fix};
use crate::groups::{Change as DataChange, Intent};
use crate::semantic::references::{awaited_into, map_uses, references};
use crate::semantic::statements::expression_statement_of;
use crate::semantic::values::{key_value, strip, KeyValue};
use crate::semantic::{KvCall, KvMethod};

pub struct NoUnprefixedKvKey;

const ID: &str = "no-unprefixed-kv-key";

helps!(
    "Put keys under a `:`-separated namespace (`oauth:facebook:app_token`, `cache:api:metrics`): it prevents collisions between features sharing a namespace, lets you list and delete by prefix (`cache:social:*`), and groups keys in monitoring. Renaming a key orphans the data stored under the old key: reads miss until it is written again, and the old entry stays until it expires or is deleted.";
    /// Neither `renames` nor `prefix` is set.
    HELP = "Set `renames` or `prefix` in kvlint.toml to get a fix.",
    /// `renames` or `prefix` is set, but names nothing for this key (or the fix is shown).
    HELP_CONFIGURED = "`renames` and `prefix` in kvlint.toml give the new names; `--fix --unsafe-fixes` renames every call in the project that uses the same stored key together, or none. The data already stored stays under the old key: generate its move with `kvlint migrate-data` before deploying the renamed code.",
);

impl Rule for NoUnprefixedKvKey {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "KV key without a `:`-separated namespace prefix"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix_kind(&self, config: &crate::config::Config) -> FixKind {
        // A migration fix (DESIGN §3): the configuration names the new key, but the data
        // already stored stays under the old one until `kvlint migrate-data` moves it.
        if configured(config) {
            FixKind::Unsafe
        } else {
            FixKind::None
        }
    }
    fn fix_note(&self) -> Option<&'static str> {
        Some("none until `renames` or `prefix` is set, then unsafe: a rename moves stored data (every call in the project on the same key together; `kvlint migrate-data` moves the data)")
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/no-unprefixed-kv-key.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        // Each finding says what its rename does to stored data: the group it belongs to
        // (every call on the same key, in every file) is renamed whole or not at all, which
        // the fix engine settles (DESIGN §3).
        let mut out = Vec::new();
        let mut walks = 0;
        for call in &ctx.model.kv_calls {
            if call.method == KvMethod::List {
                continue;
            }
            let Some(key) = call.arg(0) else { continue };
            match strip(key) {
                // A bulk `get` or `getWithMetadata`: each key is checked.
                Expr::Array(a) if call.method.is_read() => {
                    for e in a.elems.iter().flatten().filter(|e| e.spread.is_none()) {
                        out.extend(check_key(ctx, call, &e.expr, true, &mut walks));
                    }
                }
                _ => out.extend(check_key(ctx, call, key, false, &mut walks)),
            }
        }
        out
    }
}

/// Whether `renames` or `prefix` is configured: the fix needs one of them.
fn configured(config: &crate::config::Config) -> bool {
    let o = &config.file.rules.no_unprefixed_kv_key;
    o.renames.is_some() || o.prefix.is_some()
}

/// `bulk`: the key is an element of a bulk `get([...])`.
fn check_key(
    ctx: &RuleContext,
    call: &KvCall,
    key: &Expr,
    bulk: bool,
    walks: &mut usize,
) -> Option<Diagnostic> {
    let value = key_value(key, &call.consts);
    let (text, shown) = match &value {
        KeyValue::Static(s) => (s.as_str(), s.clone()),
        KeyValue::Prefix(p) => (p.as_str(), format!("{p}…")),
        KeyValue::Unknown => return None,
    };
    // A namespace is marked by `:`, or by the configured separators.
    let has_namespace = match &ctx.config.file.rules.no_unprefixed_kv_key.separators {
        Some(separators) => separators.iter().any(|s| text.contains(s.as_str())),
        None => text.contains(':'),
    };
    if has_namespace {
        return None;
    }
    let message = format!("KV key `{shown}` has no namespace prefix");
    let help = if configured(ctx.config) {
        HELP_CONFIGURED
    } else {
        HELP
    };
    let (fix, intent) = match change(ctx, &value) {
        Some(change) => {
            let planned = fix(ctx, call, key, &value, &change, bulk, walks);
            let intent = Intent {
                binding: call.namespace.clone(),
                key: value.clone(),
                change: match change {
                    Change::Rename(to) => DataChange::Rename { to: to.to_string() },
                    Change::Prepend(p) => DataChange::Prefix {
                        prefix: p.to_string(),
                    },
                },
                blocker: planned.as_ref().err().map(|r| r.to_string()),
            };
            (planned.ok(), Some(intent))
        }
        None => (None, None),
    };
    Some(
        Diagnostic::new(ID, ctx.source.range(call.span), message, help)
            .with_label(ctx.source.range(key.span()), label(ctx, &value))
            .with_fix(fix)
            .with_migration(intent),
    )
}

/// What the key lacks: a separator in a static key, or before a dynamic key's first dynamic
/// part (`:`, or the configured `separators`).
fn label(ctx: &RuleContext, value: &KeyValue) -> &'static str {
    let custom = ctx
        .config
        .file
        .rules
        .no_unprefixed_kv_key
        .separators
        .is_some();
    match (value, custom) {
        (KeyValue::Static(_), false) => "no `:` in the key",
        (KeyValue::Static(_), true) => "no namespace separator in the key",
        (_, false) => "no `:` before the first dynamic part",
        (_, true) => "no namespace separator before the first dynamic part",
    }
}

/// The change the configuration makes to a key: its `renames` entry, else `prefix`.
fn change<'c>(ctx: &'c RuleContext, value: &KeyValue) -> Option<Change<'c>> {
    let options = &ctx.config.file.rules.no_unprefixed_kv_key;
    let renamed = match value {
        KeyValue::Static(s) => options.renames.as_ref().and_then(|r| r.get(s)),
        _ => None,
    };
    match (renamed, &options.prefix) {
        (Some(new), _) => Some(Change::Rename(new)),
        (None, Some(prefix)) => Some(Change::Prepend(prefix)),
        (None, None) => None,
    }
}

/// What the fix does to the key.
enum Change<'a> {
    Rename(&'a str),
    Prepend(&'a str),
}

/// Each bulk key renamed walks the whole program for the `Map`'s uses, and each constant key
/// for the constant's uses: beyond this many in one file (generated code), such renames are
/// unsafe (bulk) or have no fix (constants).
const MAX_MAP_WALKS: usize = 64;

fn fix(
    ctx: &RuleContext,
    call: &KvCall,
    key: &Expr,
    value: &KeyValue,
    change: &Change,
    bulk: bool,
    walks: &mut usize,
) -> Result<Fix, &'static str> {
    // A constant key is looked up in the whole program: capped like the bulk lookups.
    if matches!(strip(key), Expr::Ident(_)) {
        *walks += 1;
        if *walks > MAX_MAP_WALKS {
            return Err(TOO_MANY);
        }
    }
    let (edit, via_const) = key_edit(ctx, call, key, change).ok_or(
        "the key cannot be rewritten where it is written (a constant that other code uses too, or an expression kvlint cannot edit)",
    )?;
    let mut edits = vec![edit];
    // The lookups in a bulk get's `Map` move with the key; a `Map` that goes elsewhere would
    // see the change.
    if bulk {
        *walks += 1;
        if *walks > MAX_MAP_WALKS {
            return Err(TOO_MANY);
        }
        let more = map_lookup_edits(ctx, call, value, change).ok_or(
            "the `Map` of the bulk read is used where the new name cannot follow (returned, iterated, passed on, or read by a key kvlint cannot read)",
        )?;
        edits.extend(more);
    }
    let message = match (change, via_const) {
        (Change::Rename(new), false) => format!("Rename the key to `{new}`"),
        (Change::Rename(new), true) => {
            format!("Rename the key to `{new}` where the constant is declared")
        }
        (Change::Prepend(p), _) => format!("Prefix the key with `{p}`"),
    };
    // A migration fix (DESIGN §3): unsafe whatever the configuration says.
    Ok(Fix::new(message, Applicability::Unsafe, edits))
}

const TOO_MANY: &str =
    "this file has more keys to rename than kvlint follows in one file (generated code?)";

/// For a key of a bulk `get([...])` whose result is `const m = await …`: the edits that
/// rename the same key in `m.get(…)` / `m.has(…)`. `None` when the `Map` is used otherwise
/// (returned, iterated, passed on) or looked up by a key not known, so that the rename
/// cannot follow it.
fn map_lookup_edits(
    ctx: &RuleContext,
    call: &KvCall,
    value: &KeyValue,
    change: &Change,
) -> Option<Vec<Edit>> {
    let KeyValue::Static(old) = value else {
        return None;
    };
    // A result nobody reads (`await kv.get([...]);`) has no lookups to follow.
    let Some(name) = awaited_into(ctx.program, call.span) else {
        return expression_statement_of(ctx.program, call.span).map(|_| vec![]);
    };
    let uses = map_uses(ctx.program, &name);
    if uses.other != 1 {
        return None;
    }
    let mut edits = Vec::new();
    for e in &uses.lookups {
        match key_value(e, &call.consts) {
            KeyValue::Static(k) if &k == old => edits.push(literal_edit(ctx, e, change)?),
            KeyValue::Static(_) => {}
            _ => return None,
        }
    }
    Some(edits)
}

/// The edit on the key's literal; `true` when it edits a `const` initialiser.
fn key_edit(ctx: &RuleContext, call: &KvCall, key: &Expr, change: &Change) -> Option<(Edit, bool)> {
    match strip(key) {
        Expr::Ident(i) => {
            let init = call.consts.get(&i.sym)?;
            // Edit the constant only if every use of it is a KV key.
            let uses = references(ctx.program, &i.sym).len() - 1;
            let key_uses = ctx
                .model
                .kv_calls
                .iter()
                .filter(|c| {
                    c.arg(0)
                        .is_some_and(|k| matches!(strip(k), Expr::Ident(k) if k.sym == i.sym))
                })
                .count();
            if uses != key_uses || matches!(strip(init), Expr::Ident(_)) {
                return None;
            }
            literal_edit(ctx, init, change).map(|e| (e, true))
        }
        e => literal_edit(ctx, e, change).map(|e| (e, false)),
    }
}

fn literal_edit(ctx: &RuleContext, e: &Expr, change: &Change) -> Option<Edit> {
    match (strip(e), change) {
        (Expr::Lit(Lit::Str(s)), Change::Rename(new)) => {
            let quote = ctx.source.slice(s.span).chars().next()?;
            Some(Edit::replace(ctx.source.range(s.span), quoted(new, quote)))
        }
        (Expr::Lit(Lit::Str(s)), Change::Prepend(p)) => {
            let quote = ctx.source.slice(s.span).chars().next()?;
            let inner = quoted(p, quote);
            let start = ctx.source.range(s.span).start;
            Some(Edit::insert(start + 1, &inner[1..inner.len() - 1]))
        }
        (Expr::Tpl(t), Change::Rename(new)) if t.exprs.is_empty() => Some(Edit::replace(
            ctx.source.range(t.span),
            format!("`{}`", template_text(new)),
        )),
        (Expr::Tpl(t), Change::Prepend(p)) => Some(Edit::insert(
            ctx.source.range(t.span).start + 1,
            template_text(p),
        )),
        // `'user_' + id`: prefix the leftmost literal.
        (Expr::Bin(b), Change::Prepend(_)) if b.op == BinaryOp::Add => {
            literal_edit(ctx, &b.left, change)
        }
        _ => None,
    }
}
