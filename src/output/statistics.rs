//! `--statistics`: a count per rule, with how many `--fix` and `--fix --unsafe-fixes` would
//! fix (a display-only fix is shown, never applied: not fixable), most frequent first.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::FileReport;
use crate::fix::Applicability;

#[derive(Default)]
struct Row {
    count: usize,
    safe: usize,
    unsafe_only: usize,
    shown: usize,
}

pub fn write_statistics(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let mut counts: BTreeMap<&str, Row> = BTreeMap::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        let row = counts.entry(d.rule).or_default();
        row.count += 1;
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => row.safe += 1,
            Some(Applicability::Unsafe) => row.unsafe_only += 1,
            Some(Applicability::DisplayOnly) => row.shown += 1,
            None => {}
        }
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    for (rule, row) in rows {
        if row.safe + row.unsafe_only + row.shown == 0 {
            writeln!(out, "{:>5}  {rule:<33} no fix", row.count)?;
            continue;
        }
        let mut fixable = format!("{} fixable with --fix", row.safe);
        if row.unsafe_only > 0 {
            fixable.push_str(&format!(", {} more with --unsafe-fixes", row.unsafe_only));
        }
        if row.shown > 0 {
            fixable.push_str(&format!(", {} only shown (never applied)", row.shown));
        }
        writeln!(out, "{:>5}  {rule:<33} {fixable}", row.count)?;
    }
    Ok(())
}
