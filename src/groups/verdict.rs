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
