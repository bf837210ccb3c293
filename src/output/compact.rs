use std::io::{self, Write};

use super::FileReport;

/// `file:line:col: severity [rule] message`, one per line; an error of the run that names
/// no file is `kvlint: severity [rule] message`.
pub fn write_compact(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    for r in reports {
        for d in &r.diagnostics {
            if d.is_run_error() && r.path.is_empty() {
                writeln!(out, "kvlint: {} [{}] {}", d.severity, d.rule, d.message)?;
                continue;
            }
            let p = r.source.position(d.range.start);
            writeln!(
                out,
                "{}:{}:{}: {} [{}] {}",
                r.path, p.line, p.column, d.severity, d.rule, d.message
            )?;
        }
    }
    Ok(())
}
