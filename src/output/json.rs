use std::io::{self, Write};

use serde::Serialize;

use super::FileReport;
use crate::diagnostic::{rule_url, Severity};
use crate::fix::Applicability;
use crate::rules;
use crate::source::{Position, Source};

#[derive(Serialize)]
struct JsonEdit<'a> {
    content: &'a str,
    location: Position,
    end_location: Position,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: Applicability,
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    help: &'a str,
    file: &'a str,
    location: Position,
    end_location: Position,
    fix: Option<JsonFix<'a>>,
    url: Option<String>,
}

fn positions(source: &Source, range: &std::ops::Range<usize>) -> (Position, Position) {
    (source.position(range.start), source.position(range.end))
}

/// One JSON array of every diagnostic, sorted by file then position (DESIGN §5).
pub fn write_json(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let mut all = Vec::new();
    for r in reports {
        for d in &r.diagnostics {
            let (location, end_location) = positions(&r.source, &d.range);
            let fix = d.fix.as_ref().map(|f| JsonFix {
                applicability: f.applicability,
                message: &f.message,
                edits: f
                    .edits
                    .iter()
                    .map(|e| {
                        let (location, end_location) = positions(&r.source, &e.range);
                        JsonEdit {
                            content: &e.content,
                            location,
                            end_location,
                        }
                    })
                    .collect(),
            });
            all.push(JsonDiagnostic {
                rule: d.rule,
                severity: d.severity,
                message: &d.message,
                help: &d.help,
                file: &r.path,
                location,
                end_location,
                fix,
                url: rules::find(d.rule).map(|r| rule_url(r.id())),
            });
        }
    }
    serde_json::to_writer_pretty(&mut *out, &all)?;
    writeln!(out)
}
