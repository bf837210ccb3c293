//! `--statistics`: a count per rule, with how many are fixable, most frequent first.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::FileReport;

pub fn write_statistics(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        let entry = counts.entry(d.rule).or_default();
        entry.0 += 1;
        entry.1 += usize::from(d.fix.is_some());
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    for (rule, (count, fixable)) in rows {
        writeln!(out, "{count:>5}  {rule:<28} {fixable} fixable")?;
    }
    Ok(())
}
