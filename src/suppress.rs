//! Suppression comments in ESLint's form (DESIGN §5):
//! `kvlint-disable-next-line`, `kvlint-disable-line`, `kvlint-disable` … `kvlint-enable`.

use std::ops::Range;

use swc_common::comments::{Comment, CommentKind, SingleThreadedComments};

use crate::diagnostic::{Diagnostic, Severity, UNUSED_SUPPRESSION};
use crate::fix::{Applicability, Edit, Fix};
use crate::source::Source;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    NextLine,
    Line,
    Disable,
    Enable,
}

struct RuleId {
    id: String,
    /// The id's bytes in the file.
    range: Range<usize>,
    used: bool,
}

struct Directive {
    kind: Kind,
    /// Empty: every rule.
    ids: Vec<RuleId>,
    used: bool,
    comment: Range<usize>,
    /// The offsets it covers (for line directives, the whole line).
    covers: Range<usize>,
}

fn parse_directive(source: &Source, c: &Comment) -> Option<Directive> {
    let comment = source.range(c.span);
    // The text starts after `//` or `/*`.
    let text_start = comment.start + 2;
    let text_end = match c.kind {
        CommentKind::Block => comment.end - 2,
        CommentKind::Line => comment.end,
    };
    let text = &source.text()[text_start..text_end.max(text_start)];
    let trimmed = text.trim_start();
    let lead = text.len() - trimmed.len();
    let (kind, word) = [
        (Kind::NextLine, "kvlint-disable-next-line"),
        (Kind::Line, "kvlint-disable-line"),
        (Kind::Disable, "kvlint-disable"),
        (Kind::Enable, "kvlint-enable"),
    ]
    .into_iter()
    .find(|(_, w)| {
        trimmed.starts_with(w)
            && trimmed[w.len()..]
                .chars()
                .next()
                .is_none_or(char::is_whitespace)
    })?;
    let rest_start = text_start + lead + word.len();
    let rest = &source.text()[rest_start..text_start + text.len()];
    let ids_text = rest.split("--").next().unwrap_or("");
    let mut ids = Vec::new();
    let mut at = rest_start;
    for part in ids_text.split(',') {
        let id = part.trim();
        if !id.is_empty() {
            let start = at + (part.len() - part.trim_start().len());
            ids.push(RuleId {
                id: id.to_string(),
                range: start..start + id.len(),
                used: false,
            });
        }
        at += part.len() + 1;
    }
    let line = source.line_index(comment.start);
    let covers = match kind {
        Kind::NextLine => {
            let next = source.line_index(comment.end) + 1;
            if next >= source.line_count() {
                return Some(Directive {
                    kind,
                    ids,
                    used: false,
                    comment: comment.clone(),
                    covers: 0..0,
                });
            }
            source.full_line_range(next)
        }
        Kind::Line => source.full_line_range(line),
        Kind::Disable | Kind::Enable => comment.end..source.text().len(),
    };
    Some(Directive {
        kind,
        ids,
        used: false,
        comment,
        covers,
    })
}

/// The suppression comments of a file.
pub struct Suppressions {
    directives: Vec<Directive>,
}

impl Suppressions {
    pub fn parse(source: &Source, comments: &SingleThreadedComments) -> Self {
        // Every directive spells `kvlint-`: most files have none, and no comment to read.
        if memchr::memmem::find(source.text().as_bytes(), b"kvlint-").is_none() {
            return Suppressions {
                directives: Vec::new(),
            };
        }
        let (leading, trailing) = comments.borrow_all();
        let mut all: Vec<&Comment> = leading
            .values()
            .chain(trailing.values())
            .flatten()
            .collect();
        all.sort_by_key(|c| c.span.lo);
        all.dedup_by_key(|c| c.span.lo);
        let mut directives: Vec<Directive> = all
            .iter()
            .filter_map(|c| parse_directive(source, c))
            .collect();
        // A range ends at the first `kvlint-enable` after it naming its rule (or all rules).
        let enables: Vec<(usize, Vec<String>)> = directives
            .iter()
            .filter(|d| d.kind == Kind::Enable)
            .map(|d| {
                (
                    d.comment.start,
                    d.ids.iter().map(|i| i.id.clone()).collect(),
                )
            })
            .collect();
        for d in directives.iter_mut().filter(|d| d.kind == Kind::Disable) {
            let end = enables
                .iter()
                .filter(|(at, _)| *at >= d.covers.start)
                .find(|(_, ids)| {
                    ids.is_empty() || d.ids.is_empty() || d.ids.iter().any(|i| ids.contains(&i.id))
                })
                .map(|(at, _)| *at);
            if let Some(end) = end {
                d.covers.end = end;
            }
        }
        Suppressions { directives }
    }

    pub fn is_empty(&self) -> bool {
        self.directives.is_empty()
    }

    /// Drops suppressed diagnostics, marking the suppressions that were used.
    pub fn filter(&mut self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter(|d| d.is_failure() || !self.suppress(d))
            .collect()
    }

    fn suppress(&mut self, d: &Diagnostic) -> bool {
        let mut hit = false;
        for s in self
            .directives
            .iter_mut()
            .filter(|s| s.kind != Kind::Enable)
        {
            if !s.covers.contains(&d.range.start) {
                continue;
            }
            if s.ids.is_empty() {
                s.used = true;
                hit = true;
            }
            for id in s.ids.iter_mut().filter(|i| i.id == d.rule) {
                id.used = true;
                hit = true;
            }
        }
        hit
    }

    /// `unused-suppression` diagnostics. `known` tells whether an id names a rule;
    /// `ran` whether that rule ran on this file (others are not judged).
    pub fn unused(
        &self,
        source: &Source,
        known: impl Fn(&str) -> bool,
        ran: impl Fn(&str) -> bool,
        any_ran: bool,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for s in self.directives.iter().filter(|s| s.kind != Kind::Enable) {
            if s.ids.is_empty() {
                if any_ran && !s.used {
                    out.push(unused_whole(
                        source,
                        s,
                        "Unused suppression: no diagnostic here to suppress".into(),
                    ));
                }
                continue;
            }
            let stale: Vec<&RuleId> = s
                .ids
                .iter()
                .filter(|i| !known(&i.id) || (ran(&i.id) && !i.used))
                .collect();
            if stale.is_empty() {
                continue;
            }
            let describe = |i: &RuleId| {
                if known(&i.id) {
                    format!("no `{}` diagnostic here to suppress", i.id)
                } else {
                    format!("`{}` is not a kvlint rule", i.id)
                }
            };
            if stale.len() == s.ids.len() {
                let why: Vec<String> = stale.iter().map(|i| describe(i)).collect();
                out.push(unused_whole(
                    source,
                    s,
                    format!("Unused suppression: {}", why.join("; ")),
                ));
            } else {
                for i in stale {
                    out.push(unused_id(source, s, i, describe(i)));
                }
            }
        }
        out
    }
}

const HELP: &str = "Remove it: a suppression that suppresses nothing hides future findings on this line and misleads readers.";

/// Deletes `range`, but keeps a line break where the deleted text inside a line had one: a
/// block comment spanning lines is a line terminator to JavaScript (`return /* … */ 42`
/// returns nothing; joined, it returns 42), and so is a line break inside a comment.
fn removal(text: &str, range: std::ops::Range<usize>) -> Edit {
    let removed = &text[range.clone()];
    let whole_lines =
        (range.start == 0 || text.as_bytes()[range.start - 1] == b'\n') && removed.ends_with('\n');
    match removed.find('\n') {
        Some(i) if !whole_lines => {
            let nl = if removed[..i].ends_with('\r') {
                "\r\n"
            } else {
                "\n"
            };
            Edit::replace(range, nl)
        }
        _ => Edit::delete(range),
    }
}

fn unused_whole(source: &Source, s: &Directive, message: String) -> Diagnostic {
    let text = source.text();
    let line = source.line_index(s.comment.start);
    let line_text = &text[source.line_range(line)];
    let alone =
        line_text.trim() == &text[s.comment.clone()] && source.line_index(s.comment.end) == line;
    let range = if alone {
        source.full_line_range(line)
    } else {
        let mut start = s.comment.start;
        while start > 0 && matches!(text.as_bytes()[start - 1], b' ' | b'\t') {
            start -= 1;
        }
        start..s.comment.end
    };
    // Deleting the comment drops its text (and any reason after `--`): unsafe.
    let fix = Fix::new(
        "Remove the suppression comment",
        Applicability::Unsafe,
        vec![removal(text, range)],
    );
    Diagnostic::new(UNUSED_SUPPRESSION, s.comment.clone(), message, HELP)
        .with_severity(Severity::Warning)
        .with_fix(Some(fix))
}

fn unused_id(source: &Source, s: &Directive, id: &RuleId, message: String) -> Diagnostic {
    let text = source.text();
    // Remove the id with the comma after it, or (for the last id) the comma before it.
    let index = s.ids.iter().position(|i| i.range == id.range).unwrap_or(0);
    let range = if index + 1 < s.ids.len() {
        id.range.start..s.ids[index + 1].range.start
    } else {
        let prev_end = s.ids[index - 1].range.end;
        let comma = text[prev_end..id.range.start]
            .find(',')
            .map(|i| prev_end + i)
            .unwrap_or(prev_end);
        comma..id.range.end
    };
    let fix = Fix::new(
        format!("Remove `{}` from the suppression", id.id),
        Applicability::Safe,
        vec![removal(text, range)],
    );
    Diagnostic::new(
        UNUSED_SUPPRESSION,
        id.range.clone(),
        format!("Unused suppression: {message}"),
        HELP,
    )
    .with_severity(Severity::Warning)
    .with_fix(Some(fix))
}

/// `--add-suppressions`: edits that put a `// kvlint-disable-next-line <ids> -- baseline`
/// comment above each line where a finding starts (or add the ids to such a comment that
/// is already there), at that line's indentation.
pub fn baseline_edits(source: &Source, diagnostics: &[Diagnostic]) -> Vec<Edit> {
    let mut by_line: std::collections::BTreeMap<usize, Vec<&'static str>> = Default::default();
    for d in diagnostics
        .iter()
        .filter(|d| !d.is_failure() && d.rule != UNUSED_SUPPRESSION)
    {
        let ids = by_line.entry(source.line_index(d.range.start)).or_default();
        if !ids.contains(&d.rule) {
            ids.push(d.rule);
        }
    }
    let text = source.text();
    let mut edits = Vec::new();
    for (line, ids) in by_line {
        let above = (line > 0).then(|| source.line_range(line - 1));
        let existing = above.filter(|r| {
            text[r.clone()]
                .trim_start()
                .starts_with("// kvlint-disable-next-line")
        });
        match existing {
            Some(r) => {
                let comment = &text[r.clone()];
                let missing: Vec<&str> =
                    ids.into_iter().filter(|id| !comment.contains(id)).collect();
                if missing.is_empty() {
                    continue;
                }
                let at = comment.find(" --").map(|i| r.start + i).unwrap_or(r.end);
                edits.push(Edit::insert(at, format!(", {}", missing.join(", "))));
            }
            None => {
                let start = source.line_range(line).start;
                let indent = source.indent_at(start);
                edits.push(Edit::insert(
                    start,
                    format!(
                        "{indent}// kvlint-disable-next-line {} -- baseline{}",
                        ids.join(", "),
                        source.newline()
                    ),
                ));
            }
        }
    }
    edits
}
