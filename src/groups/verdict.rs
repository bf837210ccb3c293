//! Whether a migration group can be fixed whole in this run, and if not, what to say.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Change, GroupTag, Op, OpKey, Scope, Unread};
use crate::diagnostic::Diagnostic;
use crate::semantic::values::KeyValue;

/// What is decided for every finding of one group.
#[derive(Debug)]
pub(super) enum Verdict {
    /// Fixed whole: each member's fix carries the group.
    Fixable(Arc<GroupTag>),
    /// One op keeps the group from moving (`more` others too).
    Blocked {
        place: String,
        reason: String,
        more: usize,
    },
    /// Every member can be fixed, but some lie in files this run does not write.
    Uncovered { files: Vec<String>, command: String },
}

impl Verdict {
    pub(super) fn apply(&self, d: &mut Diagnostic) {
        match self {
            Verdict::Fixable(tag) => {
                if let Some(f) = d.fix.as_mut() {
                    f.group = Some(tag.clone());
                }
            }
            Verdict::Blocked {
                place,
                reason,
                more,
                ..
            } => {
                d.fix = None;
                if d.message.contains(reason.as_str()) {
                    return;
                }
                let more = match more {
                    0 => String::new(),
                    1 => " (and 1 more op)".to_string(),
                    n => format!(" (and {n} more ops)"),
                };
                d.message.push_str(&format!(
                    "; not fixed: the same stored data is used at {place}, which cannot move with it: {reason}{more}"
                ));
            }
            Verdict::Uncovered { files, command } => {
                d.fix = None;
                d.message.push_str(&format!(
                    "; not fixed in this run: the same stored data is used in {}, which this run does not cover (`{command}` fixes them together)",
                    files.join(", ")
                ));
            }
        }
    }
}

fn shown(key: &KeyValue) -> String {
    match key {
        KeyValue::Static(s) => format!("`{s}`"),
        KeyValue::Prefix(p) => format!("`{p}…`"),
        KeyValue::Unknown => "a key kvlint cannot read".to_string(),
    }
}

/// Why one member cannot move with the group, if it cannot.
fn member_blocker(op: &Op, sessions: bool) -> Option<String> {
    if op.binding.is_none() {
        return Some(
            "the namespace it is called on is not known here (an env expression or a helper kvlint cannot follow), so kvlint cannot tell which data it touches".into(),
        );
    }
    if let OpKey::List(prefix) = &op.key {
        let what = match prefix {
            Some(p) if p.is_empty() => "a `list` of the whole namespace".to_string(),
            Some(p) => format!("a `list` by the prefix `{p}`"),
            None => "a `list` by a prefix kvlint cannot read".to_string(),
        };
        return Some(if sessions {
            format!("{what} cannot list sessions kept in a Durable Object")
        } else {
            format!("{what} would see these keys change names")
        });
    }
    let Some(intent) = &op.intent else {
        let key = match &op.key {
            OpKey::Key(k) => shown(k),
            OpKey::List(_) => String::new(),
        };
        return Some(format!(
            "its `{}` of {key} is not rewritten by any fix (its key has a namespace already, or no configured fix covers it)",
            op.method.name()
        ));
    };
    if let Some(b) = &intent.blocker {
        return Some(b.clone());
    }
    op.fix.is_none().then(|| "it has no fix".to_string())
}

/// The group's name, from its members (the same from every member's side).
fn name(binding: &str, members: &[&Op]) -> String {
    let intents = || members.iter().filter_map(|m| m.intent.as_ref());
    if let Some(object) = intents().find_map(|i| match &i.change {
        Change::Session { object, .. } => Some(object.clone()),
        _ => None,
    }) {
        let patterns: BTreeSet<&str> = intents()
            .filter_map(|i| match &i.change {
                Change::Session { pattern, .. } => Some(pattern.as_str()),
                _ => None,
            })
            .collect();
        let patterns: Vec<String> = patterns.iter().map(|p| format!("`{p}`")).collect();
        return format!(
            "{binding}: sessions {} -> Durable Object {object}",
            patterns.join(", ")
        );
    }
    let moves: BTreeSet<String> = intents()
        .filter_map(|i| {
            let new = i.new_key()?;
            Some(format!("{} -> {}", shown(&i.key), shown(&new)))
        })
        .collect();
    format!(
        "{binding}: {}",
        moves.into_iter().collect::<Vec<_>>().join(", ")
    )
}

/// A member whose change differs from the rest of its group's: the group would split.
fn inconsistent(members: &[&Op]) -> Option<(usize, String)> {
    let intents: Vec<(usize, &super::Intent)> = members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.intent.as_ref().map(|n| (i, n)))
        .collect();
    let object = intents.iter().find_map(|(_, i)| match &i.change {
        Change::Session { object, .. } => Some(object),
        _ => None,
    });
    if let Some(object) = object {
        return intents.iter().find_map(|(m, i)| match &i.change {
            Change::Session { object: o, .. } if o == object => None,
            Change::Session { object: o, .. } => Some((
                *m,
                format!("its kvlint.toml moves it to the Durable Object {o}, not {object}"),
            )),
            _ => Some((
                *m,
                "its kvlint.toml renames it instead of moving it with the sessions".into(),
            )),
        });
    }
    let prefix = intents.iter().find_map(|(_, i)| match &i.change {
        Change::Prefix { prefix } => Some(prefix),
        _ => None,
    });
    let first_rename = intents.iter().find_map(|(_, i)| match &i.change {
        Change::Rename { to } => Some(to),
        _ => None,
    });
    intents.iter().find_map(|(m, i)| match (&i.change, prefix) {
        (Change::Prefix { prefix: p }, Some(q)) if p != q => Some((
            *m,
            format!("its kvlint.toml prefixes it with `{p}`, the rest of its data with `{q}`"),
        )),
        (Change::Rename { to }, Some(q)) => {
            let expected = match &i.key {
                KeyValue::Static(s) => format!("{q}{s}"),
                _ => String::new(),
            };
            (to != &expected).then(|| {
                (
                    *m,
                    format!("`renames` names it `{to}`, while keys it shares data with get the prefix `{q}`"),
                )
            })
        }
        (Change::Rename { to }, None) => (Some(to) != first_rename).then(|| {
            (
                *m,
                format!("`renames` names it `{to}`, the rest of its data otherwise"),
            )
        }),
        _ => None,
    })
}

/// The static texts an op's key starts with (to tell whether an unread file may use it).
fn static_texts(members: &[&Op]) -> Vec<String> {
    members
        .iter()
        .filter_map(|m| match &m.key {
            OpKey::Key(KeyValue::Static(s) | KeyValue::Prefix(s)) => Some(s.clone()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .collect()
}

pub(super) fn judge(
    all: &[&Op],
    members: &[usize],
    unread: &[Unread],
    scope: &Scope,
    root: Option<&Path>,
) -> Verdict {
    let mut ops: Vec<&Op> = members.iter().map(|&i| all[i]).collect();
    // The same order from every member's side: each names the same blocker.
    ops.sort_by(|a, b| (&a.label, a.range.start).cmp(&(&b.label, b.range.start)));
    let sessions = ops.iter().any(|o| {
        o.intent
            .as_ref()
            .is_some_and(|i| matches!(i.change, Change::Session { .. }))
    });
    let mut blockers: Vec<(usize, String)> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, o)| member_blocker(o, sessions).map(|r| (i, r)))
        .collect();
    if blockers.is_empty() {
        blockers.extend(inconsistent(&ops));
    }
    let binding = ops
        .iter()
        .find_map(|o| o.binding.clone())
        .unwrap_or_default();
    if let Some((i, reason)) = blockers.first() {
        let op = ops[*i];
        return Verdict::Blocked {
            place: op.place(),
            reason: reason.clone(),
            more: blockers.len() - 1,
        };
    }
    // A file that could not be read may use the same data.
    let texts = static_texts(&ops);
    if let Some(u) = unread.iter().find(|u| {
        u.text.is_empty()
            || (u.text.contains(binding.as_str()) && texts.iter().any(|t| u.text.contains(t)))
    }) {
        return Verdict::Blocked {
            place: u.label.to_string(),
            reason: format!("the file could not be checked ({})", u.reason),
            more: 0,
        };
    }
    let files: BTreeSet<PathBuf> = ops.iter().map(|o| o.path.to_path_buf()).collect();
    let uncovered: BTreeSet<String> = ops
        .iter()
        .filter(|o| &*o.path != scope.this && !(scope.covered)(&o.path))
        .map(|o| o.label.to_string())
        .collect();
    if !uncovered.is_empty() {
        let target = root
            .map(|r| {
                let cwd = std::env::current_dir().unwrap_or_default();
                match r.strip_prefix(&cwd) {
                    Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
                    Ok(rel) => crate::fs::display_path(rel),
                    Err(_) => r.display().to_string(),
                }
            })
            .unwrap_or_else(|| ".".to_string());
        return Verdict::Uncovered {
            files: uncovered.into_iter().collect(),
            command: format!("kvlint check --fix --unsafe-fixes {target}"),
        };
    }
    Verdict::Fixable(Arc::new(GroupTag {
        name: name(&binding, &ops),
        files: files.into_iter().collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{Applicability, Fix};
    use crate::groups::Intent;
    use crate::semantic::KvMethod;
    use crate::source::Position;
    use KeyValue::{Prefix, Static};

    fn op(file: &str, at: usize, key: OpKey, change: Option<Change>) -> Op {
        let intent = change.map(|change| Intent {
            binding: Some("KV".into()),
            key: match &key {
                OpKey::Key(k) => k.clone(),
                OpKey::List(_) => KeyValue::Unknown,
            },
            change,
            blocker: None,
        });
        Op {
            path: Arc::from(Path::new(file)),
            label: file.into(),
            range: at..at + 1,
            at: Position {
                line: at,
                column: 1,
            },
            method: KvMethod::Get,
            binding: Some("KV".into()),
            key,
            fix: intent
                .as_ref()
                .map(|_| Fix::new("f", Applicability::Unsafe, vec![])),
            intent,
        }
    }
    fn key(k: &str) -> OpKey {
        OpKey::Key(Static(k.into()))
    }
    fn rename(to: &str) -> Option<Change> {
        Some(Change::Rename { to: to.into() })
    }
    fn prefix(p: &str) -> Option<Change> {
        Some(Change::Prefix { prefix: p.into() })
    }
    fn session(object: &str) -> Option<Change> {
        Some(Change::Session {
            pattern: "s:*".into(),
            object: object.into(),
        })
    }

    #[test]
    fn each_member_that_cannot_move_says_why() {
        let list = |p: Option<&str>| op("a.ts", 1, OpKey::List(p.map(str::to_string)), None);
        let said = |o: &Op, sessions: bool| member_blocker(o, sessions).unwrap_or_default();
        assert!(
            said(&list(Some("")), false).starts_with("a `list` of the whole namespace would see")
        );
        assert!(said(&list(Some("fb_")), false).starts_with("a `list` by the prefix `fb_`"));
        assert!(said(&list(None), true)
            .starts_with("a `list` by a prefix kvlint cannot read cannot list sessions"));
        let mut unknown = op("a.ts", 1, key("k"), rename("x:k"));
        assert!(member_blocker(&unknown, false).is_none());
        unknown.binding = None;
        assert!(said(&unknown, false).starts_with("the namespace it is called on is not known"));
        let plain = op("a.ts", 1, key("a:b"), None);
        assert!(said(&plain, false).contains("its `get` of `a:b` is not rewritten by any fix"));
        let mut blocked = op("a.ts", 1, key("k"), rename("x:k"));
        blocked.intent.as_mut().unwrap().blocker = Some("the reason".into());
        assert_eq!(said(&blocked, false), "the reason");
        let mut no_fix = op("a.ts", 1, key("k"), rename("x:k"));
        no_fix.fix = None;
        assert_eq!(said(&no_fix, false), "it has no fix");
    }

    #[test]
    fn members_must_move_their_data_the_same_way() {
        let check = |ops: &[Op]| {
            let refs: Vec<&Op> = ops.iter().collect();
            inconsistent(&refs)
        };
        // Sessions: one object.
        assert!(check(&[
            op("a", 1, key("s:1"), session("DO")),
            op("b", 1, key("s:2"), session("DO"))
        ])
        .is_none());
        let (i, why) = check(&[
            op("a", 1, key("s:1"), session("DO")),
            op("b", 1, key("s:2"), session("OTHER")),
        ])
        .unwrap();
        assert_eq!(i, 1);
        assert!(
            why.contains("moves it to the Durable Object OTHER, not DO"),
            "{why}"
        );
        let (_, why) = check(&[
            op("a", 1, key("s:1"), session("DO")),
            op("b", 1, key("s:1"), rename("x")),
        ])
        .unwrap();
        assert!(why.contains("renames it instead"), "{why}");
        // Prefixes: one prefix, and renames that give the prefixed name.
        let dynamic = |p: &str| op("a", 1, OpKey::Key(Prefix("user_".into())), prefix(p));
        assert!(check(&[dynamic("c:"), op("b", 1, key("user_1"), prefix("c:"))]).is_none());
        let (_, why) = check(&[dynamic("c:"), dynamic("d:")]).unwrap();
        assert!(
            why.contains("prefixes it with `d:`, the rest of its data with `c:`"),
            "{why}"
        );
        assert!(check(&[dynamic("c:"), op("b", 1, key("user_1"), rename("c:user_1"))]).is_none());
        let (_, why) =
            check(&[dynamic("c:"), op("b", 1, key("user_1"), rename("admin:1"))]).unwrap();
        assert!(
            why.contains(
                "`renames` names it `admin:1`, while keys it shares data with get the prefix `c:`"
            ),
            "{why}"
        );
        // Renames alone: one new name.
        assert!(check(&[
            op("a", 1, key("k"), rename("x:k")),
            op("b", 1, key("k"), rename("x:k"))
        ])
        .is_none());
        let (_, why) = check(&[
            op("a", 1, key("k"), rename("x:k")),
            op("b", 1, key("k"), rename("y:k")),
        ])
        .unwrap();
        assert!(why.contains("`renames` names it `y:k`"), "{why}");
    }

    #[test]
    fn a_verdict_names_the_first_blocker_counts_the_others_and_heeds_unread_files() {
        let everything = |_: &Path| true;
        let this = PathBuf::from("a.ts");
        let scope = Scope {
            this: &this,
            project: None,
            covered: &everything,
        };
        let mut b1 = op("b.ts", 2, key("k"), rename("x:k"));
        b1.binding = None;
        let mut b2 = op("c.ts", 3, key("k"), rename("x:k"));
        b2.binding = None;
        let ops = [op("a.ts", 1, key("k"), rename("x:k")), b2, b1];
        let all: Vec<&Op> = ops.iter().collect();
        match judge(&all, &[0, 1, 2], &[], &scope, None) {
            Verdict::Blocked { place, more, .. } => {
                assert_eq!(place, "b.ts:2:1");
                assert_eq!(more, 1);
            }
            other => panic!("{other:?}"),
        }
        let fine = [op("a.ts", 1, key("token"), rename("x:token"))];
        let all: Vec<&Op> = fine.iter().collect();
        let unread = |text: &str| Unread {
            label: "u.ts".into(),
            reason: "1:5: Syntax error".into(),
            text: text.into(),
        };
        let blocked_by = |u: Unread| match judge(&all, &[0], &[u], &scope, None) {
            Verdict::Blocked { place, reason, .. } => Some((place, reason)),
            _ => None,
        };
        // Mentions the binding and the key: it may use the data.
        let (place, reason) = blocked_by(unread("env.KV.get('token'")).unwrap();
        assert_eq!(place, "u.ts");
        assert!(
            reason.contains("could not be checked (1:5: Syntax error)"),
            "{reason}"
        );
        // Could not be read at all: it may.
        assert!(blocked_by(unread("")).is_some());
        // The binding without the key, or the key without the binding: it cannot.
        assert!(blocked_by(unread("env.KV.get('other'")).is_none());
        assert!(blocked_by(unread("const token = 1;\n(")).is_none());
        match judge(&all, &[0], &[], &scope, None) {
            Verdict::Fixable(tag) => {
                assert_eq!(tag.name, "KV: `token` -> `x:token`");
                assert_eq!(tag.files, vec![PathBuf::from("a.ts")]);
            }
            other => panic!("{other:?}"),
        }
    }
}
