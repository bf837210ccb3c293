//! `no-kv-sessions`: session data kept in KV instead of a Durable Object.

use std::collections::BTreeMap;

use swc_atoms::Atom;
use swc_common::Spanned;
use swc_ecma_ast::{Expr, Lit};

use super::options::{opaque, properties};
use super::{FixKind, Rule, RuleContext};
use crate::config::{Addressing, SessionMethods};
use crate::diagnostic::{Diagnostic, Severity};
use crate::edits::{quoted, remove_statement};
use crate::fix::{Applicability, Edit, Fix};
use crate::groups::{Change, Intent};
use crate::semantic::evaluation::pure;
use crate::semantic::statements::{declaration_and_guards, expression_statement_of};
use crate::semantic::values::{glob, is_string_wrapper, key_matches, key_value, strip, KeyValue};
use crate::semantic::{KvCall, KvMethod};

pub struct NoKvSessions;

const ID: &str = "no-kv-sessions";

/// Each dual write and each alias cleaned up walks the whole program once: beyond this many
/// in one file (generated code), the calls are rewritten one by one instead.
const MAX_WHOLE_PROGRAM_WALKS: usize = 64;

/// The session key patterns when none are configured (DESIGN §4).
pub const DEFAULT_SESSION_KEYS: &[&str] = &["session:*", "sess:*", "*_session:*"];

helps!(
    "Keep sessions in a Durable Object, one per session: it is strongly consistent, while KV may serve a value up to 60 seconds old in other locations (a login, refresh or logout read stale), and every session write is a billed KV write.";
    /// The help without a Durable Object configured.
    HELP = "Name the Durable Object binding and its methods in `[rules.no-kv-sessions]` (`durable_object`, `methods`) and `--fix --unsafe-fixes` rewrites these calls; `kvlint scaffold session-object` prints a Durable Object with a KV-compatible surface.",
    /// The help with `durable_object` and `methods` set.
    HELP_CONFIGURED = "`--fix --unsafe-fixes` moves every call on these sessions, in every file of the project, to the configured Durable Object together, or none of them. The sessions already stored in KV stay there: the object `kvlint scaffold session-object` prints reads each one from KV once and keeps it (else a new login creates it); `kvlint migrate-data --delete-sessions` deletes them afterwards.",
);

impl Rule for NoKvSessions {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "Session data kept in KV instead of a Durable Object"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn fix_kind(&self, config: &crate::config::Config) -> FixKind {
        if configured(config) {
            FixKind::Unsafe
        } else {
            FixKind::None
        }
    }
    fn fix_note(&self) -> Option<&'static str> {
        Some("none until `durable_object` and `methods` are set, then unsafe: a move of stored data (every call on the same sessions in the project together; `kvlint migrate-data` moves the data)")
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/no-kv-sessions.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        let options = &ctx.config.file.rules.no_kv_sessions;
        let patterns: Vec<String> = match &options.session_keys {
            Some(p) => p.clone(),
            None => DEFAULT_SESSION_KEYS.iter().map(|p| p.to_string()).collect(),
        };
        let namespaces = options.session_namespaces.clone().unwrap_or_default();
        let target = match (&options.durable_object, &options.methods) {
            (Some(binding), Some(methods)) => Some(Target {
                binding,
                methods,
                addressing: options.addressing.unwrap_or(Addressing::GetByName),
            }),
            _ => None,
        };
        let found: Vec<(&KvCall, Session)> = ctx
            .model
            .kv_calls
            .iter()
            .filter_map(|call| session(ctx, call, &patterns, &namespaces).map(|s| (call, s)))
            .collect();
        let mut walks = 0;
        let plans: Vec<Result<Vec<Edit>, Stop>> = found
            .iter()
            .map(|(call, session)| match &target {
                None => Err(Stop::NotConfigured),
                Some(target) => plan(ctx, call, session, target, &mut walks),
            })
            .collect();
        let plans = with_cleanup(ctx, &found, plans);
        found
            .iter()
            .zip(plans)
            .map(|((call, session), plan)| report(ctx, call, session, plan))
            .collect()
    }
}

/// Where the rewrite sends session calls.
struct Target<'a> {
    binding: &'a str,
    methods: &'a SessionMethods,
    addressing: Addressing,
}

/// A KV call on a session.
struct Session {
    /// The key as shown in the message.
    shown: String,
    /// The key's value (unknown for a list or a bulk read).
    key: KeyValue,
    /// The session pattern it matches (`*` for a namespace of sessions).
    pattern: String,
    /// The session id's expression text, or why it cannot be had.
    id: Result<String, Stop>,
}

/// Why a session call has no fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    NotConfigured,
    Env,
    Id,
    IdEffects,
    Value,
    Shape,
    List,
}

impl Stop {
    fn reason(self) -> &'static str {
        match self {
            Stop::NotConfigured => {
                "`[rules.no-kv-sessions]` names no `durable_object` and `methods` to move it to"
            }
            Stop::Env => "the env object this namespace comes from is not known here",
            Stop::Id => "the session id cannot be taken from the key",
            Stop::IdEffects => {
                "the session id is computed by a call, which the rewrite would run twice (read it into a `const` first)"
            }
            Stop::Value => "the value written is not known to be a string",
            Stop::Shape => "the call's form (its type, options or arguments) has no Durable Object counterpart",
            Stop::List => "a Durable Object per session cannot be listed",
        }
    }
}

/// Whether a KV call is on a session, and with which id.
fn session(
    ctx: &RuleContext,
    call: &KvCall,
    patterns: &[String],
    namespaces: &[String],
) -> Option<Session> {
    let whole_namespace = call
        .binding
        .as_ref()
        .is_some_and(|b| namespaces.contains(&b.name));
    if call.method == KvMethod::List {
        let prefix = call.list_prefix();
        let by_session_prefix = prefix.as_ref().is_some_and(|p| {
            !p.is_empty()
                && patterns
                    .iter()
                    .any(|pat| key_matches(pat, &KeyValue::Prefix(p.clone())))
        });
        let pattern = match &prefix {
            Some(p) if !whole_namespace => patterns
                .iter()
                .find(|pat| key_matches(pat, &KeyValue::Prefix(p.clone())))
                .cloned()
                .unwrap_or_else(|| "*".into()),
            _ => "*".into(),
        };
        return (whole_namespace || by_session_prefix).then(|| Session {
            key: KeyValue::Unknown,
            pattern,
            shown: match prefix {
                Some(p) if !p.is_empty() => format!("a list by the prefix `{p}`"),
                _ => "a list of the namespace".to_string(),
            },
            id: Err(Stop::List),
        });
    }
    let key = call.arg(0)?;
    if let Expr::Array(a) = strip(key) {
        // A bulk read of sessions: reported, no Durable Object counterpart.
        let any = a.elems.iter().flatten().any(|e| {
            whole_namespace
                || patterns
                    .iter()
                    .any(|p| key_matches(p, &key_value(&e.expr, &call.consts)))
        });
        let pattern = patterns
            .iter()
            .find(|p| {
                a.elems
                    .iter()
                    .flatten()
                    .any(|e| key_matches(p, &key_value(&e.expr, &call.consts)))
            })
            .cloned()
            .unwrap_or_else(|| "*".into());
        return any.then(|| Session {
            key: KeyValue::Unknown,
            pattern,
            shown: "a bulk read of session keys".to_string(),
            id: Err(Stop::Shape),
        });
    }
    let value = key_value(key, &call.consts);
    let shown = match &value {
        KeyValue::Static(s) => format!("key `{s}`"),
        KeyValue::Prefix(p) => format!("key `{p}…`"),
        KeyValue::Unknown => format!("key `{}`", ctx.source.slice(key.span())),
    };
    if whole_namespace {
        let id = pure(key)
            .then(|| ctx.source.slice(key.span()).to_string())
            .ok_or(Stop::IdEffects);
        return Some(Session {
            shown,
            key: value,
            pattern: "*".into(),
            id,
        });
    }
    let pattern = patterns.iter().find(|p| key_matches(p, &value))?;
    Some(Session {
        shown,
        id: session_id(ctx, key, pattern),
        key: value,
        pattern: pattern.clone(),
    })
}

/// The session id in a key: the part the pattern's last `*` takes, after the shortest
/// prefix that the rest of the pattern matches (`spotify_session:${id}` with `*_session:*`
/// gives `id`). The id is written twice by the rewrite, so it must be free of side effects.
fn session_id(ctx: &RuleContext, key: &Expr, pattern: &str) -> Result<String, Stop> {
    if !pure(key) {
        return Err(Stop::IdEffects);
    }
    id_text(ctx, key, pattern).ok_or(Stop::Id)
}

fn id_text(ctx: &RuleContext, key: &Expr, pattern: &str) -> Option<String> {
    let head = pattern.strip_suffix('*')?.as_bytes();
    let split = |text: &str| (0..=text.len()).find(|&i| glob(head, &text.as_bytes()[..i]));
    let src = ctx.source;
    match strip(key) {
        Expr::Lit(Lit::Str(s)) => {
            let value = s.value.as_str()?;
            let i = split(value)?;
            let quote = src.slice(s.span).chars().next()?;
            Some(quoted(&value[i..], quote))
        }
        Expr::Tpl(t) => {
            let first = &t.quasis[0];
            let raw = first.raw.as_str();
            // The prefix must lie in the first quasi, written without escapes.
            if first.cooked.as_ref().and_then(|c| c.as_str()) != Some(raw) {
                return None;
            }
            let i = split(raw)?;
            let rest_is_one_expr = i == raw.len()
                && t.exprs.len() == 1
                && t.quasis.get(1).is_some_and(|q| q.raw.is_empty());
            if rest_is_one_expr {
                return Some(src.slice(t.exprs[0].span()).to_string());
            }
            let start = src.range(first.span).start + i;
            let end = src.range(t.span).end;
            Some(format!("`{}", &src.text()[start..end]))
        }
        Expr::Bin(b) if b.op == swc_ecma_ast::BinaryOp::Add => {
            let Expr::Lit(Lit::Str(s)) = strip(&b.left) else {
                return None;
            };
            let value = s.value.as_str()?;
            (split(value) == Some(value.len())).then(|| src.slice(b.right.span()).to_string())
        }
        _ => None,
    }
}

/// Whether the Durable Object and its methods are configured: the rewrite needs both.
fn configured(config: &crate::config::Config) -> bool {
    let o = &config.file.rules.no_kv_sessions;
    o.durable_object.is_some() && o.methods.is_some()
}

/// Durable Object methods that write (`putSession`, or the configured ones).
fn writes(method: &str, target: &Target) -> bool {
    let lower = method.to_ascii_lowercase();
    method == target.methods.put
        || method == target.methods.delete
        || [
            "put", "set", "save", "store", "write", "update", "create", "delete", "remove",
            "destroy", "clear",
        ]
        .iter()
        .any(|w| lower.starts_with(w))
}

/// The edits that move one session call to the Durable Object.
fn plan(
    ctx: &RuleContext,
    call: &KvCall,
    session: &Session,
    target: &Target,
    walks: &mut usize,
) -> Result<Vec<Edit>, Stop> {
    let id = session.id.clone()?;
    if call.args.iter().any(|a| a.spread.is_some()) {
        return Err(Stop::Shape);
    }
    // A write or delete of the same session that the function already makes to the
    // configured Durable Object: the KV copy is redundant; its statement goes. A write to
    // another object leaves the configured one empty, so the KV write moves there instead.
    if matches!(call.method, KvMethod::Put | KvMethod::Delete) {
        let dual = ctx.model.do_calls.iter().any(|d| {
            d.function == call.function
                && d.span.hi <= call.span.lo
                && d.namespace.as_deref() == Some(target.binding)
                && writes(&d.method, target)
                && d.first_arg.as_deref() == Some(id.as_str())
        });
        if dual && *walks < MAX_WHOLE_PROGRAM_WALKS {
            *walks += 1;
            if let Some(stmt) = expression_statement_of(ctx.program, call.span) {
                let range = ctx.source.range(stmt);
                let inner = ctx.comments_in(range.clone());
                return Ok(vec![remove_statement(ctx.source, range, &inner)]);
            }
        }
    }
    let access = call.binding.as_ref().ok_or(Stop::Env)?;
    let namespace = match &access.env {
        Some(env) => format!("{env}.{}", target.binding),
        None => target.binding.to_string(),
    };
    let stub = match target.addressing {
        Addressing::GetByName => format!("{namespace}.getByName({id})"),
        Addressing::IdFromName => format!("{namespace}.get({namespace}.idFromName({id}))"),
    };
    let methods = target.methods;
    let text = |e: &Expr| ctx.source.slice(e.span()).to_string();
    let call_text = match call.method {
        KvMethod::Get => {
            let method = if reads_json(call)? {
                &methods.get_json
            } else {
                &methods.get
            };
            format!("{stub}.{method}({id})")
        }
        KvMethod::Put => {
            let value = call.arg(1).ok_or(Stop::Shape)?;
            if !string_value(call) {
                return Err(Stop::Value);
            }
            let options = match call.args.len() {
                2 => String::new(),
                3 => format!(", {}", text(expiry_options(call)?)),
                _ => return Err(Stop::Shape),
            };
            format!("{stub}.{}({id}, {}{options})", methods.put, text(value))
        }
        KvMethod::Delete if call.args.len() == 1 => format!("{stub}.{}({id})", methods.delete),
        _ => return Err(Stop::Shape),
    };
    Ok(vec![Edit::replace(ctx.source.range(call.span), call_text)])
}

/// Whether a `get` reads JSON (`'json'`, `{ type: 'json' }`) or text; other forms have no
/// counterpart. `cacheTtl` is dropped: a Durable Object is read directly.
fn reads_json(call: &KvCall) -> Result<bool, Stop> {
    let kind = |s: Option<&str>| match s {
        Some("text") => Ok(false),
        Some("json") => Ok(true),
        _ => Err(Stop::Shape),
    };
    match call.args.len() {
        1 => Ok(false),
        2 => match strip(call.arg(1).ok_or(Stop::Shape)?) {
            Expr::Lit(Lit::Str(s)) => kind(s.value.as_str()),
            Expr::Object(o) if !opaque(o, &call.consts) => {
                let mut json = false;
                for p in properties(o, &call.consts) {
                    match &*p.name {
                        "type" => match strip(&p.value) {
                            Expr::Lit(Lit::Str(s)) => json = kind(s.value.as_str())?,
                            _ => return Err(Stop::Shape),
                        },
                        "cacheTtl" => {}
                        _ => return Err(Stop::Shape),
                    }
                }
                Ok(json)
            }
            _ => Err(Stop::Shape),
        },
        _ => Err(Stop::Shape),
    }
}

/// `put` options the Durable Object takes: an object literal of `expiration` and
/// `expirationTtl` (metadata has no counterpart).
fn expiry_options<'p>(call: &KvCall<'p>) -> Result<&'p Expr, Stop> {
    let options = call.arg(2).ok_or(Stop::Shape)?;
    match strip(options) {
        Expr::Object(o)
            if !opaque(o, &call.consts)
                && properties(o, &call.consts).count() == o.props.len()
                && properties(o, &call.consts)
                    .all(|p| p.name == "expiration" || p.name == "expirationTtl") =>
        {
            Ok(options)
        }
        _ => Err(Stop::Shape),
    }
}

/// Whether the value a `put` writes is known to be a string: its text or declared type says
/// so ([`KvCall::string_arg`]), or it is `JSON.stringify(…)` / `String(…)`.
fn string_value(call: &KvCall) -> bool {
    call.string_arg(1)
        || matches!(call.arg(1).map(strip), Some(Expr::Call(c))
            if c.callee.as_expr().is_some_and(|callee| is_string_wrapper(callee)))
}

/// Adds, to the fixes of the calls made through one local alias of the namespace (`kv` in
/// `const kv = c.env.SESSIONS`), what the rewrite leaves dead: the alias and the `if (!kv)`
/// guards that only protected it, when every call through it is a session call with a fix
/// and nothing else mentions it. Each such call's fix then makes all of those changes at
/// once.
fn with_cleanup(
    ctx: &RuleContext,
    found: &[(&KvCall, Session)],
    mut plans: Vec<Result<Vec<Edit>, Stop>>,
) -> Vec<Result<Vec<Edit>, Stop>> {
    let mut groups: BTreeMap<(usize, Atom), Vec<usize>> = BTreeMap::new();
    for (i, (call, _)) in found.iter().enumerate() {
        if let Some(alias) = &call.alias {
            groups
                .entry((call.function, alias.clone()))
                .or_default()
                .push(i);
        }
    }
    for ((function, alias), members) in groups.into_iter().take(MAX_WHOLE_PROGRAM_WALKS) {
        if members.iter().any(|&i| plans[i].is_err()) {
            continue;
        }
        // Calls through the alias that are not session calls keep it alive.
        let through_alias = ctx
            .model
            .kv_calls
            .iter()
            .filter(|c| c.function == function && c.alias.as_ref() == Some(&alias))
            .count();
        if through_alias != members.len() {
            continue;
        }
        let scope = ctx.model.function_span(function);
        let (Some(decl), guards, mentions) = declaration_and_guards(ctx.program, scope, &alias)
        else {
            continue;
        };
        if !decl.alone || mentions != 1 + members.len() + guards.len() {
            continue;
        }
        let mut edits: Vec<Edit> = members
            .iter()
            .flat_map(|&i| plans[i].clone().unwrap_or_default())
            .collect();
        for stmt in std::iter::once(decl.statement).chain(guards) {
            let range = ctx.source.range(stmt);
            let inner = ctx.comments_in(range.clone());
            edits.push(remove_statement(ctx.source, range, &inner));
        }
        for &i in &members {
            plans[i] = Ok(edits.clone());
        }
    }
    plans
}

fn report(
    ctx: &RuleContext,
    call: &KvCall,
    session: &Session,
    plan: Result<Vec<Edit>, Stop>,
) -> Diagnostic {
    let what = match call.method {
        KvMethod::List => format!("Sessions listed in KV ({})", session.shown),
        m => format!(
            "Session data kept in KV: `{}` of {}",
            m.name(),
            session.shown
        ),
    };
    // A move is a migration fix (DESIGN §3): the sessions of one pattern move together.
    let intent = configured(ctx.config).then(|| Intent {
        binding: call.namespace.clone(),
        key: session.key.clone(),
        change: Change::Session {
            pattern: session.pattern.clone(),
            object: ctx
                .config
                .file
                .rules
                .no_kv_sessions
                .durable_object
                .clone()
                .unwrap_or_default(),
        },
        blocker: plan.as_ref().err().map(|s| s.reason().to_string()),
    });
    let (message, fix) = match plan {
        Ok(edits) => (
            what,
            Some(Fix::new(
                "Move the session to the Durable Object",
                Applicability::Unsafe,
                edits,
            )),
        ),
        Err(Stop::NotConfigured) => (what, None),
        Err(stop) => (format!("{what}; no automatic fix: {}", stop.reason()), None),
    };
    let help = if configured(ctx.config) {
        HELP_CONFIGURED
    } else {
        HELP
    };
    Diagnostic::new(ID, ctx.source.range(call.span), message, help)
        .with_label(
            ctx.source.range(call.method_span),
            "a session in eventually consistent storage",
        )
        .with_fix(fix)
        .with_migration(intent)
}
