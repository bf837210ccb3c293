//! What a rule reports.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::fix::Fix;

/// Ids of diagnostics that do not come from a rule.
pub const SYNTAX_ERROR: &str = "syntax-error";
pub const INTERNAL_ERROR: &str = "internal-error";
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";
/// A kvlint.toml or wrangler config that cannot be used.
pub const CONFIG_ERROR: &str = "config-error";
/// A file or folder that cannot be read or written, or a path that names nothing to lint.
pub const IO_ERROR: &str = "io-error";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding. Ranges are byte offsets into the file's text as read.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    /// The reported range (JSON `location`..`end_location`).
    pub range: Range<usize>,
    /// A smaller part inside `range` the human output points at, with its label text.
    pub label: Option<(Range<usize>, std::borrow::Cow<'static, str>)>,
    /// What is wrong.
    pub message: String,
    /// Why it matters and how to fix it, imperatively (most are a rule's constant text).
    pub help: std::borrow::Cow<'static, str>,
    pub fix: Option<Fix>,
    /// What the finding's migration fix does to stored data (with or without a fix), for its
    /// migration group (DESIGN §3).
    pub migration: Option<Box<crate::groups::Intent>>,
}

impl Diagnostic {
    pub fn new(
        rule: &'static str,
        range: Range<usize>,
        message: impl Into<String>,
        help: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        Diagnostic {
            rule,
            severity: Severity::Warning,
            range,
            label: None,
            message: message.into(),
            help: help.into(),
            fix: None,
            migration: None,
        }
    }

    pub fn with_label(
        mut self,
        range: Range<usize>,
        text: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        self.label = Some((range, text.into()));
        self
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    pub fn with_migration(mut self, intent: Option<crate::groups::Intent>) -> Self {
        self.migration = intent.map(Box::new);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Whether this reports a failure of kvlint or of the input rather than a finding.
    pub fn is_failure(&self) -> bool {
        [SYNTAX_ERROR, INTERNAL_ERROR, CONFIG_ERROR, IO_ERROR].contains(&self.rule)
    }

    /// An error of the run, not of a file's text (a config, a path): no position in a file.
    pub fn is_run_error(&self) -> bool {
        self.rule == CONFIG_ERROR || self.rule == IO_ERROR
    }
}

/// Where a rule's document is: under the address set at build time in `KVLINT_DOCS_URL`
/// (`KVLINT_DOCS_URL=https://example.org/kvlint/rules cargo build`), else the command that
/// prints it offline, `kvlint explain <id>`. No address is invented, and no path into
/// kvlint's sources is given: the user's project does not have them.
pub fn rule_url(rule: &str) -> String {
    match option_env!("KVLINT_DOCS_URL") {
        Some(base) => format!("{}/{rule}.md", base.trim_end_matches('/')),
        None => format!("kvlint explain {rule}"),
    }
}
