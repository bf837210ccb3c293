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
        let mut help = self.d.help.to_string();
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

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        rules::find(self.d.rule).map(|r| Box::new(rule_url(r.id())) as Box<dyn fmt::Display>)
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
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    for r in reports {
        if r.diagnostics.is_empty() {
            continue;
        }
        let text: Arc<str> = Arc::from(r.source.text());
        for d in &r.diagnostics {
            let report = Report {
                d,
                source: NamedSource::new(&r.path, text.clone()),
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
