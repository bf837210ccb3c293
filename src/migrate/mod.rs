//! `kvlint migrate-data`: the data migration that matches the code migration. kvlint knows
//! every key its fixes rename, prefix or move to a Durable Object; this writes the script
//! (wrangler kv commands) that moves the stored data the same way.
//!
//! Collecting the plan reads files (this module); writing the script is pure (`script`).

mod script;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use swc_ecma_ast::Expr;

use crate::config::ConfigResolver;
use crate::parse::{parse, Lang};
use crate::semantic::values::{key_value, strip, KeyValue};
use crate::semantic::{KvCall, SemanticModel};
use crate::settings::Resolvers;
use crate::source::Source;
use crate::Selection;

pub use script::script;

const RENAMES: &str = "no-unprefixed-kv-key";
const SESSIONS: &str = "no-kv-sessions";

/// What happens to the stored keys of one pattern.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Move {
    /// One key, renamed (`renames`, or `prefix` before a static key).
    Rename { from: String, to: String },
    /// Every key that starts with `start` gets `prefix` before it (`prefix` before a key
    /// with dynamic parts: `user_${id}` → `cache:user_${id}`).
    Prefix { start: String, prefix: String },
    /// Session keys (the key itself when `exact`, else every key starting with `start`):
    /// deleted, since the Durable Object starts empty and a new login creates the session.
    Sessions {
        start: String,
        exact: bool,
        object: String,
    },
}

/// One pattern of one namespace, and where the code that reads it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Step {
    /// The folder of the wrangler config that binds the namespace (wrangler runs there).
    pub dir: PathBuf,
    pub binding: String,
    pub what: Move,
    /// `file:line:col` of each call the fixes rewrite that reads or writes these keys.
    pub origins: Vec<String>,
}

/// The plan: every step, and the findings whose data cannot be moved by a script (why).
#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub skipped: Vec<String>,
}

/// The plan for the files under `paths` (files or folders, as `check` takes them).
pub fn plan(paths: &[PathBuf], config: Option<&Path>) -> Result<Plan, String> {
    let configs = match config {
        Some(c) => ConfigResolver::fixed(crate::config::Config::load(c)),
        None => ConfigResolver::discover(),
    };
    let resolvers = Resolvers::new(configs);
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            let (found, unreadable) = crate::fs::walk(p, 2);
            if let Some(e) = unreadable.first() {
                return Err(e.clone());
            }
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    files.sort();
    let mut steps = Steps::new();
    let mut skipped = Vec::new();
    let mut renames_used = BTreeSet::new();
    let mut renames_configured = BTreeSet::new();
    for file in files.iter().filter(|f| Lang::from_path(f).is_some()) {
        let abs = crate::fs::absolute(&cwd, file);
        file_steps(&resolvers, file, &abs, &mut steps, &mut skipped)?;
        if let Ok(config) = resolvers.configs.for_file(&abs) {
            let renames = config
                .for_file(&abs)
                .file
                .rules
                .no_unprefixed_kv_key
                .renames
                .clone();
            renames_configured.extend(renames.unwrap_or_default().into_keys());
        }
    }
    for (_, _, what) in steps.keys() {
        if let Move::Rename { from, .. } = what {
            renames_used.insert(from.clone());
        }
    }
    // Moving a key the code still reads under its old name would lose it for that code.
    for old in renames_configured.difference(&renames_used) {
        skipped.push(format!(
            "`renames` entry `{old}`: no fix rewrites a call with this key (the code that reads it is not seen as KV, or it is not under the paths given), so its data stays"
        ));
    }
    Ok(Plan {
        steps: steps
            .into_iter()
            .map(|((dir, binding, what), origins)| Step {
                dir,
                binding,
                what,
                origins,
            })
            .collect(),
        skipped,
    })
}

/// Steps by (wrangler folder, binding, move), with the calls that call for each.
type Steps = BTreeMap<(PathBuf, String, Move), Vec<String>>;

/// The folder of the wrangler config nearest above a file.
fn wrangler_dir(abs: &Path) -> Option<PathBuf> {
    abs.ancestors().skip(1).find_map(|d| {
        crate::semantic::wrangler::WRANGLER_FILES
            .iter()
            .any(|n| d.join(n).is_file())
            .then(|| d.to_path_buf())
    })
}

/// Adds the steps that the fixable findings of one file call for.
fn file_steps(
    resolvers: &Resolvers,
    file: &Path,
    abs: &Path,
    steps: &mut Steps,
    skipped: &mut Vec<String>,
) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut resolved = resolvers.resolve(abs, &text, false).map_err(|e| e.0)?;
    if !resolved.may_hold_finding(&text) {
        return Ok(());
    }
    resolvers.add_constants(abs, &mut resolved);
    let label = crate::fs::display_path(file);
    let selection = Selection {
        select: Some([RENAMES.to_string(), SESSIONS.to_string()].into()),
        ignore: Default::default(),
    };
    let settings = resolved.file_settings(&label, file, &selection);
    let source = Source::new(text);
    let findings = crate::lint_source(&source, &settings);
    if let Some(failure) = findings.iter().find(|d| d.is_failure()) {
        let p = source.position(failure.range.start);
        return Err(format!(
            "{label}:{}:{}: {} (no script is written for code that is not checked)",
            p.line, p.column, failure.message
        ));
    }
    let lang = Lang::from_path(file).unwrap_or(Lang::TypeScript);
    let parsed = parse(&source, lang, false).map_err(|e| e.message)?;
    let model = SemanticModel::build(
        &parsed.program,
        &source,
        settings.bindings,
        &label,
        settings.imports,
    );
    let config = &settings.config.file.rules;
    for d in findings.iter().filter(|d| d.fix.is_some()) {
        let Some(call) = model
            .kv_calls
            .iter()
            .find(|c| source.range(c.span) == d.range)
        else {
            continue;
        };
        let p = source.position(d.range.start);
        let origin = format!("{label}:{}:{}", p.line, p.column);
        let Some(binding) = call.binding.as_ref().map(|b| b.name.clone()) else {
            skipped.push(format!(
                "{origin}: the namespace's binding is not known, so a script cannot address it"
            ));
            continue;
        };
        let Some(dir) = wrangler_dir(abs) else {
            skipped.push(format!(
                "{origin}: no wrangler config above the file binds `{binding}`"
            ));
            continue;
        };
        let moves: Vec<Move> = match d.rule {
            RENAMES => keys(call)
                .filter_map(|k| renamed(&k, &config.no_unprefixed_kv_key))
                .collect(),
            SESSIONS => {
                let o = &config.no_kv_sessions;
                let object = o.durable_object.clone().unwrap_or_default();
                let sessions = |start: String, exact: bool| Move::Sessions {
                    start,
                    exact,
                    object: object.clone(),
                };
                // A namespace of nothing but sessions: every key of it.
                let whole = o
                    .session_namespaces
                    .as_ref()
                    .is_some_and(|n| n.contains(&binding));
                if whole {
                    vec![sessions(String::new(), false)]
                } else {
                    keys(call)
                        .filter_map(|k| match k {
                            KeyValue::Static(s) => Some(sessions(s, true)),
                            KeyValue::Prefix(p) if !p.is_empty() => Some(sessions(p, false)),
                            _ => None,
                        })
                        .collect()
                }
            }
            _ => Vec::new(),
        };
        for what in moves {
            steps
                .entry((dir.clone(), binding.clone(), what))
                .or_default()
                .push(origin.clone());
        }
    }
    Ok(())
}

/// The key values of a call: its key, or each key of a bulk `get([...])`.
fn keys<'c>(call: &'c KvCall) -> impl Iterator<Item = KeyValue> + 'c {
    let key = call.arg(0);
    let list: Vec<&Expr> = match key.map(strip) {
        Some(Expr::Array(a)) => a
            .elems
            .iter()
            .flatten()
            .filter(|e| e.spread.is_none())
            .map(|e| &*e.expr)
            .collect(),
        Some(_) => key.into_iter().collect(),
        None => Vec::new(),
    };
    list.into_iter().map(|k| key_value(k, &call.consts))
}

/// The move `renames` or `prefix` makes of a key.
fn renamed(key: &KeyValue, o: &crate::config::NoUnprefixedKvKeyOptions) -> Option<Move> {
    let separators: Vec<&str> = match &o.separators {
        Some(s) => s.iter().map(String::as_str).collect(),
        None => vec![":"],
    };
    let namespaced = |t: &str| separators.iter().any(|s| t.contains(s));
    match key {
        KeyValue::Static(s) if !namespaced(s) => match o.renames.as_ref().and_then(|r| r.get(s)) {
            Some(to) => Some(Move::Rename {
                from: s.clone(),
                to: to.clone(),
            }),
            None => o.prefix.as_ref().map(|p| Move::Rename {
                from: s.clone(),
                to: format!("{p}{s}"),
            }),
        },
        KeyValue::Prefix(start) if !start.is_empty() && !namespaced(start) => {
            o.prefix.as_ref().map(|p| Move::Prefix {
                start: start.clone(),
                prefix: p.clone(),
            })
        }
        _ => None,
    }
}
