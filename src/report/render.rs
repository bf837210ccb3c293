//! The report as text: `human` (tables for a terminal), `markdown` (one pull-request
//! comment, changed entries first) and `json` (the whole model, DESIGN §5). All sorted, all
//! deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::cost::{Count, Kind};
use super::inventory::Namespace;
use super::pricing::{dollars, thousands};
use super::{Costs, EntryReport, Report, Run};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Human,
    Markdown,
    Json,
}

pub fn render(run: &Run, format: Format) -> String {
    match format {
        Format::Human => human(run),
        Format::Markdown => markdown(run),
        Format::Json => super::json::render(run),
    }
}

/// One kind's cell: `1`, `0–2`, `1 +1/item`, `1 (1 bg)`; `·` for none.
fn cell(c: &Count, k: Kind) -> String {
    let (min, max, per, bg) = (
        c.min.of(k),
        c.max.of(k),
        c.per_item.of(k),
        c.background.of(k),
    );
    if max == 0 && per == 0 {
        return "·".into();
    }
    let mut s = if min == max {
        max.to_string()
    } else {
        format!("{min}–{max}")
    };
    if per > 0 {
        let _ = write!(s, " +{per}/item");
    }
    if bg > 0 {
        let _ = write!(s, " ({bg} bg)");
    }
    s
}

/// A count in words: `1 read, 0–1 writes (per item: +1 read)`.
pub fn describe(c: &Count) -> String {
    let mut parts = vec![];
    for k in Kind::ALL {
        let (min, max) = (c.min.of(k), c.max.of(k));
        if max == 0 {
            continue;
        }
        let n = if min == max {
            max.to_string()
        } else {
            format!("{min}–{max}")
        };
        let word = if max == 1 { k.singular() } else { k.plural() };
        parts.push(format!("{n} {word}"));
    }
    let mut s = if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    };
    // A bulk read: fewer round trips than reads.
    if c.calls > 0 && c.calls < c.max.total() {
        let _ = write!(
            s,
            " in {} call{}",
            c.calls,
            if c.calls == 1 { "" } else { "s" }
        );
    }
    if !c.per_item.is_zero() {
        let _ = write!(s, " (+{} per item)", c.per_item.describe());
    }
    if !c.background.is_zero() {
        let _ = write!(s, " ({} in the background)", c.background.describe());
    }
    s
}

fn table(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        out.push_str("  ");
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn entry_row(e: &EntryReport) -> Vec<String> {
    let mut name = e.name.clone();
    if e.over_limit() {
        name.push_str(" !");
    }
    let mut row = vec![name];
    row.extend(Kind::ALL.iter().map(|&k| cell(&e.count, k)));
    row.push(format!("{}:{}", e.file, e.line));
    row
}

fn human(run: &Run) -> String {
    let r = &run.report;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "KV operations per invocation: {} {} in {} {} read",
        r.entries.len(),
        plural(r.entries.len(), "entry", "entries"),
        r.files,
        plural(r.files, "file", "files")
    );
    if r.entries.is_empty() {
        out.push_str("  No entry point reaches a KV operation.\n");
    } else {
        let (with, without): (Vec<&EntryReport>, Vec<&EntryReport>) = r
            .entries
            .iter()
            .partition(|e| !e.count.is_zero() || !e.notes.is_empty());
        if !with.is_empty() {
            let mut rows = vec![["ENTRY", "READS", "WRITES", "DELETES", "LISTS", "AT"]
                .map(String::from)
                .to_vec()];
            rows.extend(with.iter().map(|e| entry_row(e)));
            out.push_str(&table(&rows));
        }
        if !without.is_empty() {
            let names: Vec<&str> = without.iter().map(|e| e.name.as_str()).collect();
            let _ = writeln!(out, "  No KV operation seen: {}", names.join(", "));
        }
        let mut said = false;
        for e in &r.entries {
            let mut lines = vec![];
            if let Some(hit) = e.hit.as_ref().filter(|h| h.max != e.count.max) {
                lines.push(format!(
                    "read-through cache: hit {} · miss {}",
                    describe(hit),
                    e.count.max.describe()
                ));
            }
            if e.over_limit() {
                lines.push(format!(
                    "can pass KV's limit of {} operations per invocation{}",
                    thousands(super::OPERATIONS_LIMIT as f64),
                    if e.count.unbounded {
                        " (operations per item of data the code does not bound)"
                    } else {
                        ""
                    }
                ));
            }
            lines.extend(e.notes.iter().cloned());
            if lines.is_empty() {
                continue;
            }
            if !said {
                out.push_str("\nNotes:\n");
                said = true;
            }
            let _ = writeln!(out, "  {}", e.name);
            for l in lines {
                let _ = writeln!(out, "    {l}");
            }
        }
        out.push_str("  (min–max over the paths of one invocation; +N/item: each further item of a loop; bg: handed to waitUntil; !: can pass KV's operations limit)\n");
    }
    if !r.namespaces.is_empty() {
        out.push_str("\nKeys by namespace:\n");
        for ns in &r.namespaces {
            human_namespace(&mut out, ns);
        }
    }
    if let Some(c) = &run.costs {
        human_costs(&mut out, run, c);
    }
    if let Some((what, before)) = &run.before {
        human_compare(&mut out, what, before, run);
    }
    if !r.unread.is_empty() {
        out.push_str("\nNot read (their operations are not in this report):\n");
        for u in &r.unread {
            let _ = writeln!(out, "  {u}");
        }
    }
    out
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn human_namespace(out: &mut String, ns: &Namespace) {
    let title = if ns.known {
        ns.name.clone()
    } else {
        format!("{} (binding not known)", ns.name)
    };
    let _ = writeln!(out, "  {title}");
    for k in &ns.keys {
        let mut flags = vec![];
        if k.unknown {
            flags.push("key not known where it is used".to_string());
        }
        if k.unprefixed {
            flags.push("unprefixed".to_string());
        }
        if !k.overlaps.is_empty() {
            flags.push(format!(
                "overlaps {}",
                k.overlaps
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let _ = writeln!(
            out,
            "    `{}`{}",
            k.pattern,
            if flags.is_empty() {
                String::new()
            } else {
                format!("  ({})", flags.join("; "))
            }
        );
        for (kind, verb) in
            Kind::ALL
                .iter()
                .zip(["read by", "written by", "deleted by", "listed by"])
        {
            let by = &k.by[kind.index()];
            if by.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "      {verb:<11} {}",
                by.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        if !k.ttls.is_empty() || k.writes_without_ttl {
            let mut ttls: Vec<String> = k.ttls.iter().cloned().collect();
            if k.writes_without_ttl {
                ttls.push("none".into());
            }
            let _ = writeln!(out, "      {:<11} {}", "ttl", ttls.join(", "));
        }
        if !k.cache_ttls.is_empty() {
            let _ = writeln!(
                out,
                "      {:<11} {}",
                "cacheTtl",
                k.cache_ttls.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        if k.by.iter().all(|b| b.is_empty()) {
            let _ = writeln!(
                out,
                "      {:<11} {} (no entry reaches it)",
                "at",
                k.calls.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
    }
}

fn ops_words(ops: &[f64; 4]) -> String {
    let parts: Vec<String> = Kind::ALL
        .iter()
        .filter(|k| ops[k.index()] > 0.0)
        .map(|k| format!("{} {}", thousands(ops[k.index()]), k.plural()))
        .collect();
    if parts.is_empty() {
        "no operations".into()
    } else {
        parts.join(", ")
    }
}

fn range(a: String, b: String) -> String {
    if a == b {
        a
    } else {
        format!("{a}–{b}")
    }
}

fn human_costs(out: &mut String, run: &Run, c: &Costs) {
    out.push_str("\nMonthly estimate (worst path of each entry, loops counted for one item):\n");
    let mut rows = vec![[
        "ENTRY", "REQUESTS", "READS", "WRITES", "DELETES", "LISTS", "COST",
    ]
    .map(String::from)
    .to_vec()];
    for (e, cost) in run.report.entries.iter().zip(&c.entries) {
        let Some(cost) = cost else { continue };
        if e.count.is_zero() {
            continue;
        }
        let mut row = vec![e.name.clone(), thousands(cost.requests)];
        row.extend(Kind::ALL.iter().map(|k| thousands(cost.max[k.index()])));
        row.push(dollars(cost.gross_max));
        rows.push(row);
    }
    if rows.len() > 1 {
        out.push_str(&table(&rows));
    }
    for (ns, ops) in &c.namespaces {
        let _ = writeln!(
            out,
            "  {ns}: {} ({} before included operations)",
            ops_words(ops),
            dollars(run.pricing.gross(ops))
        );
    }
    let _ = writeln!(
        out,
        "  Total: {} a month; billed {} after the paid plan's included operations (COST above is before them; storage is not estimated)",
        ops_words(&c.max),
        range(dollars(c.billed_min), dollars(c.billed_max))
    );
    if c.per_item > 0 {
        let _ = writeln!(
            out,
            "  {} {} per item of a loop: the estimate counts one item",
            c.per_item,
            plural(
                c.per_item,
                "entry makes operations",
                "entries make operations"
            )
        );
    }
    if !run.over_budget.is_empty() {
        out.push_str("  Over budget ([report.budget] in kvlint.toml):\n");
        for o in &run.over_budget {
            let _ = writeln!(out, "    {o}");
        }
    }
}

/// An entry of the report and of the one it is compared with, matched by name and file.
pub struct Change<'a> {
    pub name: String,
    pub file: String,
    pub before: Option<&'a EntryReport>,
    pub after: Option<&'a EntryReport>,
}

impl Change<'_> {
    pub fn changed(&self) -> bool {
        match (self.before, self.after) {
            (Some(b), Some(a)) => b.count != a.count,
            _ => true,
        }
    }
}

/// Every entry of either report, changed ones first, each group in the reports' order.
pub fn changes<'a>(before: &'a Report, after: &'a Report) -> Vec<Change<'a>> {
    type Pair<'e> = (Option<&'e EntryReport>, Option<&'e EntryReport>);
    let mut by_id: BTreeMap<(String, String), Pair> = BTreeMap::new();
    let mut order = vec![];
    for e in &after.entries {
        if by_id.insert(e.id(), (None, Some(e))).is_none() {
            order.push(e.id());
        }
    }
    for e in &before.entries {
        let slot = by_id.entry(e.id()).or_insert_with(|| {
            order.push(e.id());
            (None, None)
        });
        slot.0 = Some(e);
    }
    let mut all: Vec<Change> = order
        .into_iter()
        .map(|id| {
            let (b, a) = by_id[&id];
            Change {
                name: id.0,
                file: id.1,
                before: b,
                after: a,
            }
        })
        .collect();
    all.sort_by_key(|c| !c.changed());
    all
}

fn side(e: Option<&EntryReport>) -> String {
    match e {
        Some(e) => describe(&e.count),
        None => "(no such entry)".into(),
    }
}

fn human_compare(out: &mut String, what: &str, before: &Report, run: &Run) {
    let all = changes(before, &run.report);
    let changed: Vec<&Change> = all.iter().filter(|c| c.changed()).collect();
    let _ = writeln!(
        out,
        "\nCompared with {what}: {} of {} entries changed",
        changed.len(),
        all.len()
    );
    for c in &changed {
        let _ = writeln!(out, "  {}: {} → {}", c.name, side(c.before), side(c.after));
    }
    if let Some((before, after, change)) = bill_change(run) {
        let _ = writeln!(out, "  Monthly bill: {before} → {after} ({change} a month)");
    }
    let (gone, new) = key_changes(before, &run.report);
    if !gone.is_empty() || !new.is_empty() {
        let _ = writeln!(
            out,
            "  Keys no longer used: {}; keys now used: {}",
            list_or_none(&gone),
            list_or_none(&new)
        );
        let _ = writeln!(out, "  {MOVED_DATA}");
    }
}

/// What a change of keys means for the data already stored.
const MOVED_DATA: &str = "Data stored under a key no longer used stays there, and the code no longer reads it: if a key was renamed or moved, move its data before deploying (`kvlint migrate-data`).";

/// The key patterns (`NAMESPACE key`) the code used before and no longer does, and those it
/// uses now and did not.
pub fn key_changes(before: &Report, after: &Report) -> (Vec<String>, Vec<String>) {
    let keys = |r: &Report| -> BTreeSet<String> {
        r.namespaces
            .iter()
            .flat_map(|ns| {
                ns.keys
                    .iter()
                    .map(move |k| format!("{} `{}`", ns.name, k.pattern))
            })
            .collect()
    };
    let (b, a) = (keys(before), keys(after));
    (
        b.difference(&a).cloned().collect(),
        a.difference(&b).cloned().collect(),
    )
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// The month's bill before and after, and the change (worst paths), when both are priced.
fn bill_change(run: &Run) -> Option<(String, String, String)> {
    let (b, a) = (run.before_costs.as_ref()?, run.costs.as_ref()?);
    Some((
        range(dollars(b.billed_min), dollars(b.billed_max)),
        range(dollars(a.billed_min), dollars(a.billed_max)),
        signed(a.billed_max - b.billed_max),
    ))
}

fn signed(usd: f64) -> String {
    if usd < 0.0 {
        format!("-{}", dollars(-usd))
    } else {
        format!("+{}", dollars(usd))
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn markdown(run: &Run) -> String {
    let r = &run.report;
    let mut out = String::from("## KV operations per request\n\n");
    let cost_of =
        |costs: &Option<Costs>, report: &Report, e: Option<&EntryReport>| -> Option<f64> {
            let (c, e) = (costs.as_ref()?, e?);
            let i = report.entries.iter().position(|x| std::ptr::eq(x, e))?;
            c.entries[i].as_ref().map(|x| x.gross_max)
        };
    if let Some((what, before)) = &run.before {
        let all = changes(before, r);
        let changed: Vec<&Change> = all.iter().filter(|c| c.changed()).collect();
        let _ = writeln!(
            out,
            "Compared with {what}: **{} of {} entries changed**.\n",
            changed.len(),
            all.len()
        );
        if !changed.is_empty() {
            out.push_str("| Entry | Before | After | Monthly change |\n|---|---|---|---|\n");
            for c in &changed {
                let b = cost_of(&run.before_costs, before, c.before);
                let a = cost_of(&run.costs, r, c.after);
                let delta = match (b, a) {
                    (None, None) => "".to_string(),
                    (b, a) => signed(a.unwrap_or(0.0) - b.unwrap_or(0.0)),
                };
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} |",
                    md_escape(&c.name),
                    side(c.before),
                    side(c.after),
                    delta
                );
            }
            out.push('\n');
        }
        if let Some((before, after, change)) = bill_change(run) {
            let _ = writeln!(out, "Monthly bill: {before} → {after} (**{change}**).\n");
        }
        let (gone, new) = key_changes(before, r);
        if !gone.is_empty() || !new.is_empty() {
            let _ = writeln!(
                out,
                "Keys no longer used: {}. Keys now used: {}. {MOVED_DATA}\n",
                list_or_none(&gone),
                list_or_none(&new)
            );
        }
    }
    if r.entries.is_empty() {
        out.push_str("No entry point reaches a KV operation.\n");
    } else {
        let with_cost = run.costs.is_some();
        out.push_str(if with_cost {
            "| Entry | Reads | Writes | Deletes | Lists | Monthly (worst path) | Where |\n|---|---|---|---|---|---|---|\n"
        } else {
            "| Entry | Reads | Writes | Deletes | Lists | Where |\n|---|---|---|---|---|---|\n"
        });
        let mut quiet = vec![];
        for (i, e) in r.entries.iter().enumerate() {
            if e.count.is_zero() && e.notes.is_empty() {
                quiet.push(format!("`{}`", md_escape(&e.name)));
                continue;
            }
            let mut cells: Vec<String> = Kind::ALL.iter().map(|&k| cell(&e.count, k)).collect();
            if let Some(c) = &run.costs {
                cells.push(
                    c.entries[i]
                        .as_ref()
                        .map(|x| dollars(x.gross_max))
                        .unwrap_or_default(),
                );
            }
            let flag = if e.over_limit() { " ⚠️" } else { "" };
            let _ = writeln!(
                out,
                "| `{}`{flag} | {} | `{}:{}` |",
                md_escape(&e.name),
                cells.join(" | "),
                e.file,
                e.line
            );
        }
        if !quiet.is_empty() {
            let _ = writeln!(out, "\nNo KV operation seen: {}.", quiet.join(", "));
        }
        out.push_str("\nmin–max over the paths of one request; +N/item: each further item of a loop; bg: in `waitUntil`; ⚠️: can pass KV's 1,000 operations per invocation.\n");
    }
    if let Some(c) = &run.costs {
        let _ = writeln!(
            out,
            "\n**Monthly:** {}; billed {} after the included operations (storage not estimated).",
            ops_words(&c.max),
            range(dollars(c.billed_min), dollars(c.billed_max))
        );
        if !run.over_budget.is_empty() {
            out.push_str("\n**Over budget:**\n");
            for o in &run.over_budget {
                let _ = writeln!(out, "- {o}");
            }
        }
    }
    let notes: Vec<(&str, &String)> = r
        .entries
        .iter()
        .flat_map(|e| e.notes.iter().map(move |n| (e.name.as_str(), n)))
        .collect();
    if !notes.is_empty() || !r.unread.is_empty() {
        out.push_str("\n<details><summary>Not counted</summary>\n\n");
        for (e, n) in notes {
            let _ = writeln!(out, "- `{}`: {}", md_escape(e), n);
        }
        for u in &r.unread {
            let _ = writeln!(out, "- not read: {u}");
        }
        out.push_str("\n</details>\n");
    }
    out
}
