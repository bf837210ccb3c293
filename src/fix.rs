//! Fixes as text edits, and the engine that applies them (DESIGN §6).

use std::ops::Range;

use serde::Serialize;

use crate::diagnostic::Diagnostic;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps behaviour and comments: applied by `--fix`.
    Safe,
    /// May change behaviour: needs `--unsafe-fixes` too.
    Unsafe,
}

/// Replace the bytes of `range` with `content` (an insertion when the range is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug)]
pub struct Fix {
    pub message: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(
        message: impl Into<String>,
        applicability: Applicability,
        mut edits: Vec<Edit>,
    ) -> Self {
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        Fix {
            message: message.into(),
            applicability,
            edits,
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
            FixMode::SafeAndUnsafe => true,
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
    for _ in 0..MAX_PASSES {
        let Some(pass) = apply_pass(&current, &diagnostics, mode) else {
            return FixOutcome::Fixed {
                text: current,
                applied,
                diagnostics,
            };
        };
        applied += pass.applied;
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
        }
    }
}
