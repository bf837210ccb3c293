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
#[derive(Default, Debug, Clone, Copy)]
pub struct Totals {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub safe_fixable: usize,
    pub unsafe_fixable: usize,
    pub fixed: usize,
    /// Files not checked (a config error, a path that does not exist, a bad option).
    pub not_checked: usize,
    /// Whether the run stopped on an error (usage, a path): nothing may be said to pass.
    pub stopped: bool,
}

impl Totals {
    pub fn count(&mut self, d: &Diagnostic) {
        match d.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => self.safe_fixable += 1,
            Some(Applicability::Unsafe) => self.unsafe_fixable += 1,
            Some(Applicability::DisplayOnly) | None => {}
        }
    }

    /// One line for the end of human output.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let files = plural(self.files, "file");
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
        if total == 0 && unchecked.is_empty() {
            out.push_str(&format!("All checks passed ({files} checked)."));
            return out;
        }
        if total == 0 && self.files == 0 {
            out.push_str(&format!("Nothing was checked.{unchecked}"));
            return out;
        }
        if total == 0 {
            out.push_str(&format!("No problems found in {files} checked.{unchecked}"));
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
            "Found {} ({}) in {files} checked.",
            plural(total, "problem"),
            parts.join(", ")
        ));
        if self.safe_fixable > 0 {
            out.push_str(&format!(" {} fixable with --fix.", self.safe_fixable));
        }
        if self.unsafe_fixable > 0 {
            out.push_str(&format!(
                " {} more fixable with --fix --unsafe-fixes.",
                self.unsafe_fixable
            ));
        }
        out.push_str(&unchecked);
        out
    }
}
