//! GitHub Actions workflow commands: one annotation per diagnostic.

use std::io::{self, Write};

use super::FileReport;
use crate::diagnostic::Severity;

/// Escapes a command's message (`%`, CR, LF).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write_github(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    for r in reports {
        for d in &r.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let title = property(&format!("kvlint ({})", d.rule));
            let text = data(&format!("{}\n{}", d.message, d.help));
            // An error of the run: an annotation of the workflow run, not of a line.
            if d.is_run_error() && r.path.is_empty() {
                writeln!(out, "::{command} title={title}::{text}")?;
                continue;
            }
            let (s, e) = (
                r.source.position(d.range.start),
                r.source.position(d.range.end),
            );
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                property(&r.path),
                s.line,
                s.column,
                e.line,
                e.column,
                title,
                text
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
