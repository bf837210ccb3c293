use std::io::{self, Write};

use super::FileReport;

/// `file:line:col: severity [rule] message`, one per line.
pub fn write_compact(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    for r in reports {
        for d in &r.diagnostics {
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
