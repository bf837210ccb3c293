//! Migration groups (DESIGN §3). A fix that changes the name or the place of stored data (a
//! rename, a prefix, a session moved to a Durable Object) is applied to every KV op in the
//! project that touches the same data, or to none: a reader split from its writer never finds
//! the data again.
//!
//! Rules say what each of their migration fixes does to stored data ([`Intent`]); the model
//! says which KV ops each file makes ([`Op`], [`ops_of`]); [`settle`] joins them over the
//! project's files and decides, for each migration finding, whether its group is fixed whole
//! in this run or not at all, and says why not.

pub mod project;
mod verdict;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::fix::Fix;
use crate::semantic::values::{key_matches, strip, KeyValue};
use crate::semantic::{KvMethod, SemanticModel};
use crate::source::{Position, Source};

pub use project::{ProjectCache, ProjectOps};

/// What a migration fix does to the stored data of one KV op.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// A static key renamed (`renames`).
    Rename { to: String },
    /// `prefix` written before the key (a static key, or the static start of a dynamic one).
    Prefix { prefix: String },
    /// The session moved to a Durable Object: the key matches `pattern`.
    Session { pattern: String, object: String },
}

/// What a rule's migration finding would do, with or without a fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// The KV binding the op is on, when known.
    pub binding: Option<String>,
    /// The key it changes.
    pub key: KeyValue,
    pub change: Change,
    /// Why this op has no fix of its own, when it has none.
    pub blocker: Option<String>,
}

impl Intent {
    /// The key the op uses once fixed (for renames and prefixes).
    fn new_key(&self) -> Option<KeyValue> {
        match (&self.change, &self.key) {
            (Change::Rename { to }, _) => Some(KeyValue::Static(to.clone())),
            (Change::Prefix { prefix }, KeyValue::Static(s)) => {
                Some(KeyValue::Static(format!("{prefix}{s}")))
            }
            (Change::Prefix { prefix }, KeyValue::Prefix(s)) => {
                Some(KeyValue::Prefix(format!("{prefix}{s}")))
            }
            _ => None,
        }
    }
}

/// The key of a KV op: a key (each key of a bulk `get`), or what a `list` lists by (`None`:
/// a prefix kvlint cannot read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpKey {
    Key(KeyValue),
    List(Option<String>),
}

/// One KV op of the project, with the migration finding on it, if any. Kept in the project
/// index's per-file cache without its file, which the run that reads it back sets.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Op {
    /// The file, as found (canonical when it exists).
    #[serde(skip, default = "no_path")]
    pub path: Arc<Path>,
    /// The file as the user names it.
    #[serde(skip)]
    pub label: Arc<str>,
    pub range: Range<usize>,
    pub at: Position,
    pub method: KvMethod,
    pub binding: Option<String>,
    pub key: OpKey,
    pub intent: Option<Intent>,
    /// The migration fix of the op's finding (its file's edits), when it has one.
    pub fix: Option<Fix>,
}

fn no_path() -> Arc<Path> {
    Arc::from(Path::new(""))
}

impl Op {
    /// `src/a.ts:3:9`.
    pub fn place(&self) -> String {
        format!("{}:{}:{}", self.label, self.at.line, self.at.column)
    }

    /// Whether the op has a fix that moves its data, with nothing that blocks it.
    fn movable(&self) -> bool {
        self.binding.is_some()
            && self.fix.is_some()
            && self.intent.as_ref().is_some_and(|i| i.blocker.is_none())
    }
}

/// A group applied by a fix: its name and every file it touches (for writing them together).
#[derive(Debug, PartialEq, Eq)]
pub struct GroupTag {
    /// `SESSIONS: \`refresh_token\` -> \`oauth:refresh_token\``.
    pub name: String,
    pub files: Vec<PathBuf>,
}

/// A file of the project that could not be read for its KV ops (it may hold members).
#[derive(Clone, Debug)]
pub struct Unread {
    pub label: Arc<str>,
    pub reason: String,
    /// Its text, to tell whether it may touch a group's keys (empty when unreadable).
    pub text: String,
}

/// What a file's migration findings are settled against.
pub struct Scope<'a> {
    /// The file being linted (its ops come from its current text, not from `project`).
    pub this: &'a Path,
    /// The project's ops, when the file has a project.
    pub project: Option<&'a ProjectOps>,
    /// Whether this run may write a file (`--fix` on named files, `--staged`, stdin, one
    /// LSP buffer cover only some).
    pub covered: &'a dyn Fn(&Path) -> bool,
}

/// The ops of a file: each KV call of the model (each key of a bulk `get`), with the
/// migration finding on it.
pub fn ops_of(
    model: &SemanticModel,
    source: &Source,
    diagnostics: &[Diagnostic],
    path: &Arc<Path>,
    label: &Arc<str>,
) -> Vec<Op> {
    let mut out = Vec::new();
    for call in &model.kv_calls {
        let range = source.range(call.span);
        let keys: Vec<OpKey> = if call.method == KvMethod::List {
            vec![OpKey::List(call.list_prefix())]
        } else {
            match call.arg(0).map(strip) {
                Some(swc_ecma_ast::Expr::Array(a)) => a
                    .elems
                    .iter()
                    .flatten()
                    .map(|e| match e.spread {
                        Some(_) => OpKey::Key(KeyValue::Unknown),
                        None => {
                            OpKey::Key(crate::semantic::values::key_value(&e.expr, &call.consts))
                        }
                    })
                    .collect(),
                Some(k) => vec![OpKey::Key(crate::semantic::values::key_value(
                    k,
                    &call.consts,
                ))],
                None => vec![OpKey::Key(KeyValue::Unknown)],
            }
        };
        let here: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.range == range && d.migration.is_some())
            .collect();
        for key in keys {
            // A finding of one key is the key's; a finding of the whole call (a list, a
            // bulk read of sessions: its key is not known) is every key's.
            let of_key = |d: &&&Diagnostic| match (&key, d.migration.as_deref()) {
                (OpKey::Key(k), Some(i)) => &i.key == k,
                _ => false,
            };
            let of_call = |d: &&&Diagnostic| {
                d.migration
                    .as_deref()
                    .is_some_and(|i| i.key == KeyValue::Unknown)
            };
            let finding = here
                .iter()
                .find(of_key)
                .or_else(|| here.iter().find(of_call));
            out.push(Op {
                path: path.clone(),
                label: label.clone(),
                range: range.clone(),
                at: source.position(range.start),
                method: call.method,
                binding: call.namespace.clone(),
                key,
                intent: finding.and_then(|d| d.migration.as_deref().cloned()),
                fix: finding.and_then(|d| d.fix.clone()),
            });
        }
    }
    out
}

/// Whether two ops may touch the same stored key (DESIGN §3: the renamed static key, the
/// prefixed key's pattern, the session pattern). Unknown keys touch nothing kvlint can name.
fn related(a: &Op, b: &Op) -> bool {
    if let Some(Intent {
        change: Change::Session { pattern, .. },
        ..
    }) = &a.intent
    {
        return matches_pattern(pattern, &b.key);
    }
    if let Some(Intent {
        change: Change::Session { pattern, .. },
        ..
    }) = &b.intent
    {
        return matches_pattern(pattern, &a.key);
    }
    let new = |o: &Op| o.intent.as_ref().and_then(Intent::new_key).map(OpKey::Key);
    overlap(&a.key, &b.key)
        // A list sees the renamed keys under their new names too.
        || new(a).is_some_and(|n| matches!(b.key, OpKey::List(_)) && overlap(&n, &b.key))
        || new(b).is_some_and(|n| matches!(a.key, OpKey::List(_)) && overlap(&n, &a.key))
}

fn matches_pattern(pattern: &str, key: &OpKey) -> bool {
    match key {
        OpKey::Key(k) => key_matches(pattern, k),
        // A list of the whole namespace, or by a prefix not known, lists sessions too.
        OpKey::List(None) => true,
        OpKey::List(Some(p)) => p.is_empty() || key_matches(pattern, &KeyValue::Prefix(p.clone())),
    }
}

fn overlap(a: &OpKey, b: &OpKey) -> bool {
    use KeyValue::{Prefix, Static};
    let starts = |p: &str, q: &str| p.starts_with(q) || q.starts_with(p);
    match (a, b) {
        (OpKey::Key(Static(x)), OpKey::Key(Static(y))) => x == y,
        (OpKey::Key(Static(x)), OpKey::Key(Prefix(p)))
        | (OpKey::Key(Prefix(p)), OpKey::Key(Static(x))) => x.starts_with(p.as_str()),
        (OpKey::Key(Prefix(p)), OpKey::Key(Prefix(q))) => starts(p, q),
        (OpKey::List(None), OpKey::Key(Static(_) | Prefix(_)))
        | (OpKey::Key(Static(_) | Prefix(_)), OpKey::List(None)) => true,
        (OpKey::List(Some(p)), OpKey::Key(Static(x)))
        | (OpKey::Key(Static(x)), OpKey::List(Some(p))) => x.starts_with(p.as_str()),
        (OpKey::List(Some(p)), OpKey::Key(Prefix(q)))
        | (OpKey::Key(Prefix(q)), OpKey::List(Some(p))) => starts(p, q),
        _ => false,
    }
}

/// The ops that touch the data `seed` touches: ops on its namespace (or on one kvlint cannot
/// name) related to it, and so on from each op that moves with it.
fn component(all: &[&Op], seed: usize) -> Vec<usize> {
    let mut members = vec![seed];
    let mut queue = vec![seed];
    let mut taken = vec![false; all.len()];
    taken[seed] = true;
    while let Some(n) = queue.pop() {
        let node = all[n];
        if !node.movable() {
            continue;
        }
        for (i, other) in all.iter().enumerate() {
            let same_namespace = other.binding.is_none() || other.binding == node.binding;
            if taken[i] || !same_namespace || !related(node, other) {
                continue;
            }
            taken[i] = true;
            members.push(i);
            queue.push(i);
        }
    }
    members
}

/// Settles a file's migration findings against their groups: a finding keeps its fix only
/// when every op of its group has one that moves the data the same way, no file that may
/// hold one failed to read, and this run covers every file of the group; its fix is then
/// tagged with the group. Otherwise the fix goes and the message says which op blocks (or
/// which files are not covered) and what fixes the group.
pub fn settle(diagnostics: &mut [Diagnostic], this: &[Op], scope: &Scope) {
    if !diagnostics.iter().any(|d| d.migration.is_some()) {
        return;
    }
    let others: Vec<&Op> = scope
        .project
        .map(|p| p.ops.iter().filter(|o| &*o.path != scope.this).collect())
        .unwrap_or_default();
    let all: Vec<&Op> = this.iter().chain(others).collect();
    let unread = scope.project.map_or(&[][..], |p| &p.unread[..]);
    let root = scope.project.map(|p| p.root.as_path());
    let mut settled: Vec<Option<Arc<verdict::Verdict>>> = vec![None; this.len()];
    for d in diagnostics.iter_mut().filter(|d| d.migration.is_some()) {
        let Some(seed) = this
            .iter()
            .position(|o| o.range == d.range && o.intent.as_ref() == d.migration.as_deref())
        else {
            continue;
        };
        let verdict = match &settled[seed] {
            Some(v) => v.clone(),
            None => {
                let members = component(&all, seed);
                let v = Arc::new(verdict::judge(&all, &members, unread, scope, root));
                for &m in members.iter().filter(|&&m| m < this.len()) {
                    settled[m] = Some(v.clone());
                }
                v
            }
        };
        verdict.apply(d);
    }
}

/// One migration group of a project, as `kvlint migrate-data` sees it: its members, and its
/// name when it can be fixed whole, else why not (`Err`: the blocking op and the reason).
pub struct ProjectGroup<'p> {
    pub members: Vec<&'p Op>,
    pub verdict: Result<String, String>,
}

/// Every migration group of a project's ops (each op with a migration finding belongs to one),
/// judged as a run over the whole project would.
pub fn project_groups(project: &ProjectOps) -> Vec<ProjectGroup<'_>> {
    let all: Vec<&Op> = project.ops.iter().collect();
    let mut grouped = vec![false; all.len()];
    let mut out = Vec::new();
    let everything = |_: &Path| true;
    let root = PathBuf::new();
    let scope = Scope {
        this: &root,
        project: Some(project),
        covered: &everything,
    };
    for seed in 0..all.len() {
        if grouped[seed] || all[seed].intent.is_none() {
            continue;
        }
        let members = component(&all, seed);
        for &m in &members {
            grouped[m] = true;
        }
        let verdict = match verdict::judge(&all, &members, &project.unread, &scope, None) {
            verdict::Verdict::Fixable(tag) => Ok(tag.name.clone()),
            verdict::Verdict::Blocked { place, reason, .. } => Err(format!("{place}: {reason}")),
            verdict::Verdict::Uncovered { files, .. } => Err(files.join(", ")),
        };
        out.push(ProjectGroup {
            members: members.iter().map(|&m| all[m]).collect(),
            verdict,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use KeyValue::{Prefix, Static, Unknown};

    fn key(k: KeyValue) -> OpKey {
        OpKey::Key(k)
    }
    fn s(t: &str) -> KeyValue {
        Static(t.into())
    }
    fn p(t: &str) -> KeyValue {
        Prefix(t.into())
    }

    fn op(k: OpKey, change: Option<Change>) -> Op {
        let intent = change.map(|change| Intent {
            binding: Some("KV".into()),
            key: match &k {
                OpKey::Key(k) => k.clone(),
                OpKey::List(_) => Unknown,
            },
            change,
            blocker: None,
        });
        Op {
            path: Arc::from(Path::new("a.ts")),
            label: "a.ts".into(),
            range: 0..1,
            at: Position { line: 1, column: 1 },
            method: KvMethod::Get,
            binding: Some("KV".into()),
            key: k,
            intent,
            fix: None,
        }
    }

    #[test]
    fn keys_overlap_when_one_may_be_the_other() {
        let list = |p: Option<&str>| OpKey::List(p.map(str::to_string));
        for (a, b, expected) in [
            (key(s("a")), key(s("a")), true),
            (key(s("a")), key(s("b")), false),
            (key(s("user_1")), key(p("user_")), true),
            (key(p("user_")), key(s("user_1")), true),
            (key(p("user_")), key(s("cache")), false),
            (key(p("ab")), key(p("a")), true),
            (key(p("a")), key(p("ab")), true),
            (key(p("a")), key(p("b")), false),
            (list(None), key(s("x")), true),
            (key(p("x")), list(None), true),
            (list(Some("fb_")), key(s("fb_token")), true),
            (key(s("fb_token")), list(Some("cache:")), false),
            (list(Some("us")), key(p("user_")), true),
            (key(p("user_")), list(Some("user_x")), true),
            (list(Some("z")), key(p("user_")), false),
            (key(Unknown), key(s("x")), false),
            (list(None), key(Unknown), false),
            (list(None), list(None), false),
        ] {
            assert_eq!(overlap(&a, &b), expected, "{a:?} {b:?}");
        }
    }

    #[test]
    fn session_patterns_match_keys_and_the_lists_that_list_them() {
        let pattern = "session:*";
        assert!(matches_pattern(pattern, &key(s("session:1"))));
        assert!(matches_pattern(pattern, &key(p("session:"))));
        assert!(!matches_pattern(pattern, &key(s("cache:1"))));
        assert!(matches_pattern(pattern, &OpKey::List(None)));
        assert!(matches_pattern(pattern, &OpKey::List(Some(String::new()))));
        assert!(matches_pattern(
            pattern,
            &OpKey::List(Some("session:".into()))
        ));
        assert!(!matches_pattern(
            pattern,
            &OpKey::List(Some("cache:".into()))
        ));
    }

    #[test]
    fn a_renamed_key_relates_to_the_lists_that_see_its_new_name() {
        let renamed = op(
            key(s("token")),
            Some(Change::Rename {
                to: "oauth:token".into(),
            }),
        );
        let prefixed = op(
            key(p("user_")),
            Some(Change::Prefix {
                prefix: "cache:".into(),
            }),
        );
        let list = |p: &str| op(OpKey::List(Some(p.into())), None);
        assert!(related(&renamed, &list("oauth:")));
        assert!(related(&list("oauth:"), &renamed));
        assert!(!related(&renamed, &list("cache:")));
        assert!(related(&prefixed, &list("cache:us")));
        assert!(related(&list("cache:"), &prefixed));
        assert!(!related(&prefixed, &op(key(s("cache:user_1")), None)));
        let session = op(
            key(p("session:")),
            Some(Change::Session {
                pattern: "session:*".into(),
                object: "DO".into(),
            }),
        );
        assert!(related(&session, &op(key(s("session:9")), None)));
        assert!(related(&op(key(s("session:9")), None), &session));
        assert!(!related(&session, &op(key(s("sessions")), None)));
    }

    #[test]
    fn the_new_key_of_each_change() {
        let intent = |k: KeyValue, change: Change| Intent {
            binding: None,
            key: k,
            change,
            blocker: None,
        };
        let rename = Change::Rename { to: "b:c".into() };
        let prefix = Change::Prefix {
            prefix: "x:".into(),
        };
        assert_eq!(intent(s("a"), rename).new_key(), Some(s("b:c")));
        assert_eq!(intent(s("a"), prefix.clone()).new_key(), Some(s("x:a")));
        assert_eq!(intent(p("a_"), prefix.clone()).new_key(), Some(p("x:a_")));
        assert_eq!(intent(Unknown, prefix).new_key(), None);
        let session = Change::Session {
            pattern: "s:*".into(),
            object: "DO".into(),
        };
        assert_eq!(intent(s("s:1"), session).new_key(), None);
    }
}
