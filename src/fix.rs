//! Fixes as text edits, and the engine that applies them (DESIGN §6).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps behaviour and comments: applied by `--fix`.
    Safe,
    /// May change behaviour: needs `--unsafe-fixes` too.
    Unsafe,
    /// Shown, never applied: a choice only the user can make (a TTL for data that may be
    /// meant to last).
    DisplayOnly,
}

/// Replace the bytes of `range` with `content` (an insertion when the range is empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

impl Edit {
    pub fn insert(at: usize, content: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            content: content.into(),
        }
    }
    pub fn replace(range: Range<usize>, content: impl Into<String>) -> Self {
        Edit {
            range,
            content: content.into(),
        }
    }
    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            range,
            content: String::new(),
        }
    }
}

/// Edits applied together or not at all.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fix {
    pub message: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
    /// The migration group this fix moves the data of, when it is one (DESIGN §3): applied
    /// only with every other member, in every file of the group.
    #[serde(skip)]
    pub group: Option<std::sync::Arc<crate::groups::GroupTag>>,
}

impl Fix {
    pub fn new(
        message: impl Into<String>,
        applicability: Applicability,
        mut edits: Vec<Edit>,
    ) -> Self {
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        // Edits of one fix that touch (one ends where the next starts) become one edit.
        let mut merged: Vec<Edit> = Vec::with_capacity(edits.len());
        for e in edits {
            match merged.last_mut() {
                Some(last) if last.range.end == e.range.start && !e.range.is_empty() => {
                    last.range.end = e.range.end;
                    last.content.push_str(&e.content);
                }
                _ => merged.push(e),
            }
        }
        let edits = merged;
        Fix {
            message: message.into(),
            applicability,
            edits,
            group: None,
        }
    }

    fn span(&self) -> Range<usize> {
        let start = self.edits.iter().map(|e| e.range.start).min().unwrap_or(0);
        let end = self.edits.iter().map(|e| e.range.end).max().unwrap_or(0);
        start..end
    }
}

/// Which fixes to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixMode {
    Safe,
    SafeAndUnsafe,
}

impl FixMode {
    pub fn allows(self, applicability: Applicability) -> bool {
        match self {
            FixMode::Safe => applicability == Applicability::Safe,
            FixMode::SafeAndUnsafe => applicability != Applicability::DisplayOnly,
        }
    }
}

/// Two ranges overlap or touch (two insertions at one point included).
fn conflicts(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The result of one pass.
pub struct Pass {
    pub text: String,
    /// Rules whose fixes were applied, in registry order of first appearance.
    pub rules: Vec<&'static str>,
    pub applied: usize,
    /// The migration groups whose fixes were applied.
    pub groups: Vec<std::sync::Arc<crate::groups::GroupTag>>,
}

/// One pass: the applicable fixes in order of position (ties: as given, i.e. rule
/// registry order), skipping any that overlaps or touches one already taken.
/// `None` when no fix applies.
pub fn apply_pass(text: &str, diagnostics: &[Diagnostic], mode: FixMode) -> Option<Pass> {
    let mut candidates: Vec<(usize, &Diagnostic, &Fix)> = diagnostics
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.fix.as_ref().map(|f| (i, d, f)))
        .filter(|(_, _, f)| mode.allows(f.applicability) && !f.edits.is_empty())
        .collect();
    candidates.sort_by_key(|(i, _, f)| (f.span().start, f.span().end, *i));
    let mut taken: Vec<&Edit> = Vec::new();
    let mut rules = Vec::new();
    let mut groups: Vec<std::sync::Arc<crate::groups::GroupTag>> = Vec::new();
    let mut applied = 0;
    for (_, d, fix) in candidates {
        let clashes = fix.edits.iter().any(|e| {
            e.range.end > text.len() || taken.iter().any(|t| conflicts(&e.range, &t.range))
        }) || fix
            .edits
            .windows(2)
            .any(|w| conflicts(&w[0].range, &w[1].range));
        if clashes {
            continue;
        }
        taken.extend(fix.edits.iter());
        applied += 1;
        if let Some(g) = fix.group.as_ref().filter(|g| !groups.contains(g)) {
            groups.push(g.clone());
        }
        if !rules.contains(&d.rule) {
            rules.push(d.rule);
        }
    }
    if taken.is_empty() {
        return None;
    }
    taken.sort_by_key(|e| e.range.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in taken {
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.content);
        at = e.range.end;
    }
    out.push_str(&text[at..]);
    Some(Pass {
        text: out,
        rules,
        applied,
        groups,
    })
}

/// How a fixpoint run ended.
#[derive(Debug)]
pub enum FixOutcome {
    /// The fixed text (equal to the input when nothing applied) and the number of fixes applied.
    Fixed {
        text: String,
        applied: usize,
        /// The diagnostics of `text`.
        diagnostics: Vec<Diagnostic>,
        /// The migration groups applied.
        groups: Vec<std::sync::Arc<crate::groups::GroupTag>>,
    },
    /// A pass produced text that does not parse: nothing is kept.
    BrokeSyntax { rules: Vec<&'static str> },
    /// Fixes were still applicable after the last pass: nothing is kept.
    NoConvergence,
}

pub const MAX_PASSES: usize = 10;

/// Applies fixes to a fixpoint. `lint` re-lints a text; it returns `None` when the text
/// does not parse. `first` is the lint of `text` itself.
pub fn fix_to_fixpoint(
    text: &str,
    first: Vec<Diagnostic>,
    mode: FixMode,
    mut lint: impl FnMut(&str) -> Option<Vec<Diagnostic>>,
) -> FixOutcome {
    let mut current = text.to_string();
    let mut diagnostics = first;
    let mut applied = 0;
    let mut groups: Vec<std::sync::Arc<crate::groups::GroupTag>> = Vec::new();
    for _ in 0..MAX_PASSES {
        let Some(pass) = apply_pass(&current, &diagnostics, mode) else {
            return FixOutcome::Fixed {
                text: current,
                applied,
                diagnostics,
                groups,
            };
        };
        applied += pass.applied;
        for g in pass.groups {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        match lint(&pass.text) {
            Some(d) => diagnostics = d,
            None => return FixOutcome::BrokeSyntax { rules: pass.rules },
        }
        current = pass.text;
    }
    if apply_pass(&current, &diagnostics, mode).is_some() {
        FixOutcome::NoConvergence
    } else {
        FixOutcome::Fixed {
            text: current,
            applied,
            diagnostics,
            groups,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(rule: &'static str, applicability: Applicability, edits: Vec<Edit>) -> Diagnostic {
        Diagnostic::new(rule, 0..0, "m", "h").with_fix(Some(Fix::new("f", applicability, edits)))
    }

    #[test]
    fn overlapping_and_touching_fixes_wait_for_the_next_pass() {
        let text = "abcdef";
        let ds = vec![
            diag("r1", Applicability::Safe, vec![Edit::insert(2, "X")]),
            diag("r2", Applicability::Safe, vec![Edit::insert(2, "Y")]),
            diag("r3", Applicability::Safe, vec![Edit::replace(3..5, "Z")]),
            diag("r4", Applicability::Safe, vec![Edit::replace(4..6, "W")]),
        ];
        let pass = apply_pass(text, &ds, FixMode::Safe).unwrap();
        assert_eq!(pass.text, "abXcZf");
        assert_eq!(pass.applied, 2);
        assert_eq!(pass.rules, vec!["r1", "r3"]);
    }

    #[test]
    fn unsafe_fixes_need_the_mode() {
        let ds = vec![diag("r", Applicability::Unsafe, vec![Edit::insert(0, "X")])];
        assert!(apply_pass("a", &ds, FixMode::Safe).is_none());
        assert_eq!(
            apply_pass("a", &ds, FixMode::SafeAndUnsafe).unwrap().text,
            "Xa"
        );
    }

    #[test]
    fn edits_of_one_fix_go_together() {
        let ds = vec![
            diag(
                "r1",
                Applicability::Safe,
                vec![Edit::insert(0, "<"), Edit::insert(3, ">")],
            ),
            diag("r2", Applicability::Safe, vec![Edit::replace(2..3, "Q")]),
        ];
        let pass = apply_pass("abc", &ds, FixMode::Safe).unwrap();
        // r2 touches r1's second edit: all of r2 waits.
        assert_eq!(pass.text, "<abc>");
    }

    #[test]
    fn a_pass_that_breaks_parsing_discards_everything_and_names_the_rule() {
        let ds = vec![diag(
            "breaker",
            Applicability::Safe,
            vec![Edit::insert(0, "(")],
        )];
        match fix_to_fixpoint("a", ds, FixMode::Safe, |_| None) {
            FixOutcome::BrokeSyntax { rules } => assert_eq!(rules, vec!["breaker"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fixes_that_never_settle_are_reported() {
        let fix = || {
            vec![diag(
                "loop",
                Applicability::Safe,
                vec![Edit::insert(0, "x")],
            )]
        };
        let mut passes = 0;
        let outcome = fix_to_fixpoint("a", fix(), FixMode::Safe, |_| {
            passes += 1;
            Some(fix())
        });
        assert!(matches!(outcome, FixOutcome::NoConvergence));
        assert_eq!(passes, MAX_PASSES);
    }

    #[test]
    fn fixpoint_stops_when_nothing_applies() {
        let ds = vec![diag("r", Applicability::Safe, vec![Edit::insert(1, "!")])];
        match fix_to_fixpoint("a", ds, FixMode::Safe, |_| Some(vec![])) {
            FixOutcome::Fixed {
                text,
                applied,
                diagnostics,
                ..
            } => {
                assert_eq!((text.as_str(), applied, diagnostics.len()), ("a!", 1, 0));
            }
            other => panic!("{other:?}"),
        }
    }
}
