use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::FileReport;
use crate::diagnostic::{rule_url, Diagnostic, Severity};
use crate::fix::Applicability;
use crate::rules;

pub struct HumanOptions {
    pub color: bool,
}

/// One diagnostic as miette sees it.
struct Report<'a> {
    d: &'a Diagnostic,
    source: NamedSource<Arc<str>>,
    /// Whether the help is written out: once per rule and file, the first time (a report
    /// of many findings stays scannable); later ones point back to it.
    full_help: bool,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("kvlint({})", self.d.rule)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let explain = rules::find(self.d.rule)
            .map(|r| format!("`kvlint explain {}`", r.id()))
            .unwrap_or_default();
        let mut help = if self.full_help {
            let mut h = self.d.help.to_string();
            if !explain.is_empty() {
                h.push_str(&format!("\nMore: {explain}."));
            }
            h
        } else {
            format!(
                "As for the first {} finding in this file, above ({explain}).",
                self.d.rule
            )
        };
        if let Some(fix) = &self.d.fix {
            match fix.applicability {
                Applicability::Safe => {
                    help.push_str(&format!("\nFix (--fix): {}", fix.message));
                }
                Applicability::Unsafe => {
                    help.push_str(&format!("\nFix (--fix --unsafe-fixes): {}", fix.message));
                }
                Applicability::DisplayOnly => help.push_str(&format!(
                    "\nSuggested fix (not applied automatically): {}",
                    fix.message
                )),
            }
        }
        Some(Box::new(help))
    }

    /// The document's address, when one was set at build time (else the help names
    /// `kvlint explain`).
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        rules::find(self.d.rule)
            .map(|r| rule_url(r.id()))
            .filter(|u| u.contains("://"))
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (range, text) = match &self.d.label {
            Some((range, text)) => (range.clone(), Some(text.to_string())),
            None => (self.d.range.clone(), None),
        };
        let span = SourceSpan::from(range.start..range.end);
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(text, span),
        )))
    }
}

/// Code frames with the message, label, help, rule id and link, one after another.
pub fn write_human(
    out: &mut dyn Write,
    reports: &[FileReport],
    options: &HumanOptions,
) -> io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // The header's position is the diagnostic's start, as every format gives it (DESIGN
    // §3), written into the name: miette would give the label's. Help text wraps between
    // words only, never inside a flag (`--unsafe-fixes`).
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        .without_primary_span_start()
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    for r in reports {
        if r.diagnostics.is_empty() {
            continue;
        }
        let text: Arc<str> = Arc::from(r.source.text());
        let mut helped = std::collections::BTreeSet::new();
        for d in &r.diagnostics {
            let at = r.source.position(d.range.start);
            let report = Report {
                d,
                source: NamedSource::new(
                    format!("{}:{}:{}", r.path, at.line, at.column),
                    text.clone(),
                ),
                full_help: helped.insert(d.rule),
            };
            let mut s = String::new();
            handler
                .render_report(&mut s, &report)
                .map_err(|e| io::Error::other(e.to_string()))?;
            writeln!(out, "{s}")?;
        }
    }
    Ok(())
}
