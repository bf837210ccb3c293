//! `kvlint migrate-data`: the data migration that matches the code migration. kvlint knows
//! every key its fixes rename, prefix or move to a Durable Object; this writes the script
//! (wrangler kv commands) that moves the stored data the same way.
//!
//! Collecting the plan reads files (this module); writing the script is pure (`script`).

mod script;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::config::ConfigResolver;
use crate::groups::project::canonical;
use crate::groups::{Change, Intent, Op, OpKey};
use crate::parse::Lang;
use crate::semantic::values::KeyValue;
use crate::settings::Resolvers;

pub use script::script;

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

/// The plan for the files under `paths` (files or folders, as `check` takes them): the
/// moves of every migration group their fixes would apply (before the fix), and the moves the
/// configuration names for the keys the code already uses under their new names (after it).
/// Both states of the code give the same moves (DESIGN §5).
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
    let named: BTreeSet<PathBuf> = files
        .iter()
        .filter(|f| Lang::from_path(f).is_some())
        .map(|f| canonical(&crate::fs::absolute(&cwd, f)))
        .collect();
    // The projects of the files named, each read once.
    let mut projects = Vec::new();
    let mut roots = BTreeSet::new();
    let cache = crate::groups::ProjectCache::default();
    for f in &named {
        let Some(root) = crate::groups::project::root_of(&resolvers, f) else {
            continue;
        };
        if roots.insert(root) {
            projects.extend(cache.ops(&resolvers, f, &cwd, &|_| None));
        }
    }
    let mut steps = Steps::new();
    let mut skipped = Vec::new();
    let mut used = BTreeSet::new();
    for project in &projects {
        let under = |o: &&Op| named.contains(&*o.path);
        if let Some(u) = project
            .unread
            .iter()
            .find(|u| named.iter().any(|n| n.ends_with(&*u.label)))
        {
            return Err(format!(
                "{}: {} (no script is written for code that is not checked)",
                u.label, u.reason
            ));
        }
        for group in crate::groups::project_groups(project) {
            let members: Vec<&Op> = group.members.iter().copied().filter(under).collect();
            if members.is_empty() {
                continue;
            }
            if let Err(why) = &group.verdict {
                skipped.push(format!(
                    "{}: its fix is blocked ({why}), so the code keeps the old keys and its data stays",
                    members[0].place()
                ));
                continue;
            }
            for op in &members {
                let Some(intent) = &op.intent else { continue };
                add_step(
                    &mut steps,
                    &mut skipped,
                    op,
                    before_fix(op, intent, &resolvers),
                );
            }
            // Sessions: every configured pattern that is a prefix then the id, on the
            // group's namespace (the same moves the code gives after the fix).
            let session = members.iter().find(|o| {
                o.intent.as_ref().is_some_and(
                    |i| matches!(&i.change, Change::Session { pattern, .. } if pattern != "*"),
                )
            });
            if let Some(op) = session {
                let moves = session_prefixes(&resolvers, &op.path)
                    .into_iter()
                    .flat_map(|(moves, _)| moves)
                    .collect();
                add_step(&mut steps, &mut skipped, op, moves);
            }
        }
        // The keys the code already uses under their new names.
        for op in project
            .ops
            .iter()
            .filter(|o| o.intent.is_none())
            .filter(under)
        {
            let Ok(config) = resolvers.configs.for_file(&op.path) else {
                continue;
            };
            let options = &config.for_file(&op.path).file.rules.no_unprefixed_kv_key;
            if let Some(what) = after_fix(&op.key, options) {
                add_step(&mut steps, &mut skipped, op, vec![what]);
            }
        }
        for op in project.ops.iter().filter(under) {
            if let OpKey::Key(KeyValue::Static(k)) = &op.key {
                used.insert(k.clone());
            }
        }
    }
    if !steps
        .keys()
        .any(|(_, _, m)| matches!(m, Move::Sessions { .. }))
    {
        sessions_moved_already(&named, &resolvers, &mut steps, &mut skipped);
    }
    // A `renames` entry whose old and new names no code uses: nothing to tell from the code.
    let mut renames = BTreeMap::new();
    for f in &named {
        if let Ok(config) = resolvers.configs.for_file(f) {
            let options = &config.for_file(f).file.rules.no_unprefixed_kv_key;
            renames.extend(options.renames.clone().unwrap_or_default());
        }
    }
    {
        for (old, new) in &renames {
            let moved = steps
                .keys()
                .any(|(_, _, m)| matches!(m, Move::Rename { from, .. } if from == old));
            if !moved && !used.contains(old) && !used.contains(new) {
                skipped.push(format!(
                    "`renames` entry `{old}` -> `{new}`: no KV call of the code under the paths given uses either name, so kvlint cannot tell which namespace holds it"
                ));
            }
        }
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

fn add_step(steps: &mut Steps, skipped: &mut Vec<String>, op: &Op, moves: Vec<Move>) {
    let origin = op.place();
    let Some(binding) = op.binding.clone() else {
        skipped.push(format!(
            "{origin}: the namespace's binding is not known, so a script cannot address it"
        ));
        return;
    };
    let Some(dir) = crate::semantic::wrangler::config_dir(&op.path) else {
        skipped.push(format!(
            "{origin}: no wrangler config above the file binds `{binding}`"
        ));
        return;
    };
    for what in moves {
        let origins = steps
            .entry((dir.clone(), binding.clone(), what))
            .or_default();
        if !origins.contains(&origin) {
            origins.push(origin.clone());
        }
    }
}

/// The moves of one op's migration fix, before the code is fixed.
fn before_fix(op: &Op, intent: &Intent, resolvers: &Resolvers) -> Vec<Move> {
    match (&intent.change, &intent.key) {
        (Change::Rename { to }, KeyValue::Static(from)) => vec![Move::Rename {
            from: from.clone(),
            to: to.clone(),
        }],
        (Change::Prefix { prefix }, KeyValue::Static(from)) => vec![Move::Rename {
            from: from.clone(),
            to: format!("{prefix}{from}"),
        }],
        (Change::Prefix { prefix }, KeyValue::Prefix(start)) => vec![Move::Prefix {
            start: start.clone(),
            prefix: prefix.clone(),
        }],
        // A pattern that is a prefix then the id moves as the prefix (at the group's level,
        // as after the fix): see `session_prefixes`.
        (Change::Session { pattern, .. }, _)
            if crate::scaffold::prefix_then_id(pattern).is_some() =>
        {
            vec![]
        }
        (Change::Session { object, .. }, key) => {
            let sessions = |start: String, exact: bool| Move::Sessions {
                start,
                exact,
                object: object.clone(),
            };
            let whole = resolvers
                .configs
                .for_file(&op.path)
                .ok()
                .and_then(|c| {
                    c.for_file(&op.path)
                        .file
                        .rules
                        .no_kv_sessions
                        .session_namespaces
                        .clone()
                })
                .is_some_and(|n| op.binding.as_ref().is_some_and(|b| n.contains(b)));
            match (key, &op.key) {
                _ if whole => vec![sessions(String::new(), false)],
                (KeyValue::Static(s), _) => vec![sessions(s.clone(), true)],
                (KeyValue::Prefix(p), _) => vec![sessions(p.clone(), false)],
                (KeyValue::Unknown, OpKey::List(Some(p))) if !p.is_empty() => {
                    vec![sessions(p.clone(), false)]
                }
                _ => vec![],
            }
        }
        _ => vec![],
    }
}

/// The move the configuration names for a key the code already uses under its new name
/// (after the fix): a `renames` target, or a key that starts with `prefix` and, without it,
/// would have had no namespace.
fn after_fix(key: &OpKey, o: &crate::config::NoUnprefixedKvKeyOptions) -> Option<Move> {
    let separators: Vec<&str> = match &o.separators {
        Some(s) => s.iter().map(String::as_str).collect(),
        None => vec![":"],
    };
    let namespaced = |t: &str| separators.iter().any(|s| t.contains(s));
    let OpKey::Key(key) = key else { return None };
    if let KeyValue::Static(k) = key {
        if let Some((from, _)) = o.renames.iter().flatten().find(|(_, to)| *to == k) {
            return Some(Move::Rename {
                from: from.clone(),
                to: k.clone(),
            });
        }
    }
    let prefix = o.prefix.as_ref()?;
    match key {
        KeyValue::Static(k) => {
            let rest = k.strip_prefix(prefix.as_str())?;
            let renamed = o.renames.as_ref().is_some_and(|r| r.contains_key(rest));
            (!rest.is_empty() && !namespaced(rest) && !renamed).then(|| Move::Rename {
                from: rest.to_string(),
                to: k.clone(),
            })
        }
        KeyValue::Prefix(start) => {
            let rest = start.strip_prefix(prefix.as_str())?;
            (!rest.is_empty() && !namespaced(rest)).then(|| Move::Prefix {
                start: rest.to_string(),
                prefix: prefix.clone(),
            })
        }
        KeyValue::Unknown => None,
    }
}

/// The session moves the configuration names for a file's project: for each `session_keys`
/// pattern that is a prefix then the id (`session:*`), every key with that prefix; and a note
/// for each pattern a script cannot list by.
fn session_prefixes(resolvers: &Resolvers, file: &Path) -> Option<(Vec<Move>, Vec<String>)> {
    let config = resolvers.configs.for_file(file).ok()?.for_file(file);
    let o = &config.file.rules.no_kv_sessions;
    let object = o.durable_object.clone()?;
    let mut moves = Vec::new();
    let mut notes = Vec::new();
    for (p, head) in crate::scaffold::session_prefixes(o) {
        match head {
            Some(start) => moves.push(Move::Sessions {
                start,
                exact: false,
                object: object.clone(),
            }),
            None => notes.push(format!("sessions of `{p}`: a script cannot list them by a prefix, so only a script generated before the session fix, from the calls that use them, deletes them")),
        }
    }
    Some((moves, notes))
}

/// After the session fix, no KV call on a session key is left to say where the sessions were.
/// When the code calls the configured Durable Object's session methods instead, the sessions
/// were in `session_namespaces`, or in the project's one KV namespace: the same moves as
/// before the fix; else a note that says what is not known.
fn sessions_moved_already(
    named: &BTreeSet<PathBuf>,
    resolvers: &Resolvers,
    steps: &mut Steps,
    skipped: &mut Vec<String>,
) {
    let found = named.iter().find_map(|f| {
        let config = resolvers.configs.for_file(f).ok()?.for_file(f);
        let o = &config.file.rules.no_kv_sessions;
        let (object, methods) = (o.durable_object.as_ref()?, o.methods.as_ref()?);
        let text = std::fs::read_to_string(f).ok()?;
        let calls = [
            &methods.get,
            &methods.get_json,
            &methods.put,
            &methods.delete,
        ]
        .iter()
        .any(|m| text.contains(&format!(".{m}(")));
        (text.contains(object.as_str()) && calls)
            .then(|| (f.clone(), object.clone(), o.session_namespaces.clone()))
    });
    let Some((file, object, namespaces)) = found else {
        return;
    };
    let Some(dir) = crate::semantic::wrangler::config_dir(&file) else {
        return;
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let origin = format!(
        "{} (calls the Durable Object {object})",
        crate::fs::display_path(file.strip_prefix(&cwd).unwrap_or(&file))
    );
    let mut add = |binding: String, what: Move| {
        steps
            .entry((dir.clone(), binding, what))
            .or_default()
            .push(origin.clone());
    };
    if let Some(namespaces) = namespaces.filter(|n| !n.is_empty()) {
        for binding in namespaces {
            let what = Move::Sessions {
                start: String::new(),
                exact: false,
                object: object.clone(),
            };
            add(binding, what);
        }
        return;
    }
    let kv: Vec<String> = resolvers
        .wrangler
        .for_file(&file)
        .map(|b| b.kv_names().map(str::to_string).collect())
        .unwrap_or_default();
    match kv.as_slice() {
        [binding] => {
            let Some((moves, notes)) = session_prefixes(resolvers, &file) else {
                return;
            };
            for what in moves {
                add(binding.clone(), what);
            }
            skipped.extend(notes);
        }
        _ => skipped.push(format!(
            "sessions: the code calls the Durable Object {object}'s session methods and no KV call on a session key is left, and the wrangler config binds {} KV namespaces, so the code no longer says which held them; name it in `session_namespaces`, or use a script generated before the session fix",
            kv.len()
        )),
    }
}
