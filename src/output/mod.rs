//! Report formats: human (miette), compact, json, sarif, github; and --statistics.

mod compact;
mod github;
mod human;
mod json;
mod sarif;
mod statistics;

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;
use crate::source::Source;

pub use compact::write_compact;
pub use github::write_github;
pub use human::{write_human, HumanOptions};
pub use json::write_json;
pub use sarif::write_sarif;
pub use statistics::write_statistics;

/// The diagnostics of one file, with its text for positions and code frames.
pub struct FileReport {
    /// The path as shown to the user.
    pub path: String,
    pub source: Arc<Source>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Counts for the summary line.
#[derive(Default, Debug, Clone)]
pub struct Totals {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub safe_fixable: usize,
    pub unsafe_fixable: usize,
    /// The rules of the findings only `--unsafe-fixes` fixes, with their counts.
    pub unsafe_rules: std::collections::BTreeMap<&'static str, usize>,
    pub fixed: usize,
    /// Files not checked (a config error, a path that does not exist, a bad option).
    pub not_checked: usize,
    /// Whether the run stopped on an error (usage, a path): nothing may be said to pass.
    pub stopped: bool,
    /// Of `files`, those the prefilter skipped unparsed (no KV in their text).
    pub skipped: usize,
    /// KV calls found in the files checked.
    pub kv_calls: usize,
    /// Whether any KV binding was known for a file.
    pub kv_bindings: bool,
    /// Test files the default `exclude` left out.
    pub tests_excluded: usize,
    /// The names of the KV bindings known for the files checked (a few).
    pub kv_names: std::collections::BTreeSet<String>,
    /// Whether a file with KV calls had KV bindings inferred from their uses.
    pub inferred: bool,
}

/// What the summary says when bindings were inferred.
const INFERRED: &str = " Some KV bindings were inferred from uses only KV has, since nothing declares them: `kvlint debug bindings <file>` names them and the uses; declare them in the wrangler config or kvlint.toml, or set `[bindings] infer = false`.";

/// How to tell kvlint about KV bindings other than those it knows.
const DECLARE_OTHER_KV: &str = "If it uses other KV namespaces, tell kvlint their bindings: `kv_namespaces` in the wrangler config, or `[bindings] kv = [\"NAME\"]` in kvlint.toml.";

/// How to tell kvlint about KV it cannot see.
const DECLARE_KV: &str = "If this code uses Workers KV, tell kvlint its bindings: `kv_namespaces` in the wrangler config, or `[bindings] kv = [\"NAME\"]` in kvlint.toml (`kvlint init` writes one from what it finds).";

impl Totals {
    pub fn count(&mut self, d: &Diagnostic) {
        match d.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => self.safe_fixable += 1,
            Some(Applicability::Unsafe) => {
                self.unsafe_fixable += 1;
                *self.unsafe_rules.entry(d.rule).or_default() += 1;
            }
            Some(Applicability::DisplayOnly) | None => {}
        }
    }

    /// One line for the end of human output.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let checked = plural(self.files - self.skipped, "file");
        // A syntax error in a skipped file is not seen: say how many were not parsed.
        let mut files = if self.skipped > 0 {
            format!("{checked} checked, {} skipped: no KV", self.skipped)
        } else {
            format!("{checked} checked")
        };
        if self.tests_excluded > 0 {
            files.push_str(&format!(
                "; {} not linted (`exclude`)",
                plural(self.tests_excluded, "test file")
            ));
        }
        let mut out = String::new();
        if self.fixed > 0 {
            out.push_str(&format!("Fixed {}. ", plural(self.fixed, "issue")));
        }
        let total = self.errors + self.warnings + self.infos;
        let unchecked = if self.not_checked > 0 {
            format!(
                " {} not checked: see the errors above.",
                plural(self.not_checked, "file")
            )
        } else if self.stopped {
            " Not everything asked for was checked: see the errors above.".to_string()
        } else {
            String::new()
        };
        if total == 0 && unchecked.is_empty() && self.kv_calls == 0 && self.files > 0 {
            // With bindings known, the files checked just do not use them; the advice is for
            // bindings kvlint does not know yet.
            let named = match self.kv_names.len() {
                0 => "KV bindings".to_string(),
                1 => format!(
                    "the KV binding {}",
                    self.kv_names.iter().next().expect("one")
                ),
                _ => format!(
                    "the KV bindings {}",
                    self.kv_names.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            };
            let (them, calls) = if self.kv_names.len() == 1 {
                ("it", "calls it")
            } else {
                ("them", "calls them")
            };
            let known_here = format!(
                " kvlint knows {named} here, but recognised no call on {them} in the files checked. If the code {calls}, `kvlint debug bindings <file>` shows what kvlint sees of a file and why."
            );
            let (known, declare) = if self.kv_bindings {
                (known_here.as_str(), DECLARE_OTHER_KV)
            } else {
                (" kvlint knows no KV binding here.", DECLARE_KV)
            };
            out.push_str(&format!(
                "No KV namespace found ({files}): kvlint saw no KV call, so its rules had nothing to check.{known} {declare}"
            ));
            return out;
        }
        let inferred = if self.inferred { INFERRED } else { "" };
        if total == 0 && unchecked.is_empty() {
            out.push_str(&format!("All checks passed ({files}).{inferred}"));
            return out;
        }
        if total == 0 && self.files == 0 {
            out.push_str(&format!("Nothing was checked.{unchecked}"));
            return out;
        }
        if total == 0 {
            out.push_str(&format!("No problems found ({files}).{unchecked}"));
            return out;
        }
        let mut parts = vec![
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
        ];
        if self.infos > 0 {
            parts.push(plural(self.infos, "info"));
        }
        out.push_str(&format!(
            "Found {} ({}) in {files}.",
            plural(total, "problem"),
            parts.join(", ")
        ));
        if self.safe_fixable > 0 {
            out.push_str(&format!(" {} fixable with --fix.", self.safe_fixable));
        }
        if self.unsafe_fixable > 0 {
            let rules: Vec<String> = self
                .unsafe_rules
                .iter()
                .map(|(rule, n)| format!("{rule}: {n}"))
                .collect();
            out.push_str(&format!(
                " {} more fixable with --fix --unsafe-fixes ({}), which may change what the program does: review the diff (--diff --unsafe-fixes) first.",
                self.unsafe_fixable,
                rules.join(", ")
            ));
        }
        out.push_str(&unchecked);
        out.push_str(inferred);
        out
    }
}
