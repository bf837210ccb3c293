//! `--format json`: the whole model (README, "`kvlint report`"), serialized as it is walked:
//! field names in alphabetical order, every list in the report's order, stable.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::cost::{Count, Kind, Tally};
use super::pricing::Pricing;
use super::render::changes;
use super::{Costs, Report, Run};

#[derive(Serialize)]
struct Ops {
    deletes: u64,
    lists: u64,
    reads: u64,
    writes: u64,
}

impl From<&Tally> for Ops {
    fn from(t: &Tally) -> Ops {
        Ops {
            deletes: t.of(Kind::Delete),
            lists: t.of(Kind::List),
            reads: t.of(Kind::Read),
            writes: t.of(Kind::Write),
        }
    }
}

#[derive(Serialize)]
struct Monthly {
    deletes: f64,
    lists: f64,
    reads: f64,
    writes: f64,
}

impl From<&[f64; 4]> for Monthly {
    fn from(o: &[f64; 4]) -> Monthly {
        Monthly {
            deletes: o[2],
            lists: o[3],
            reads: o[0],
            writes: o[1],
        }
    }
}

#[derive(Serialize)]
struct NamespaceCount {
    max: Ops,
    min: Ops,
    per_item: Ops,
}

#[derive(Serialize)]
struct CountJson {
    background: Ops,
    by_namespace: BTreeMap<String, NamespaceCount>,
    /// KV calls on the worst path (a bulk read is one call).
    calls: u64,
    max: Ops,
    min: Ops,
    per_item: Ops,
    unbounded: bool,
}

impl From<&Count> for CountJson {
    fn from(c: &Count) -> CountJson {
        let by_namespace = c
            .max
            .iter()
            .chain(c.per_item.iter())
            .map(|(ns, _)| {
                let n = NamespaceCount {
                    max: (&c.max.only(ns)).into(),
                    min: (&c.min.only(ns)).into(),
                    per_item: (&c.per_item.only(ns)).into(),
                };
                (ns.to_string(), n)
            })
            .collect();
        CountJson {
            background: (&c.background).into(),
            by_namespace,
            calls: c.calls,
            max: (&c.max).into(),
            min: (&c.min).into(),
            per_item: (&c.per_item).into(),
            unbounded: c.unbounded,
        }
    }
}

#[derive(Serialize)]
struct EntryMonthly {
    max: Monthly,
    min: Monthly,
    requests: f64,
    usd_max_before_included: f64,
}

#[derive(Serialize)]
struct Entry<'a> {
    file: &'a str,
    hit: Option<CountJson>,
    kind: &'static str,
    line: usize,
    monthly: Option<EntryMonthly>,
    name: &'a str,
    notes: &'a [String],
    over_limit: bool,
    per_invocation: CountJson,
}

#[derive(Serialize)]
struct Key<'a> {
    cache_ttls: &'a BTreeSet<String>,
    calls: &'a BTreeSet<String>,
    deleted_by: &'a BTreeSet<String>,
    listed_by: &'a BTreeSet<String>,
    overlaps: &'a BTreeSet<String>,
    pattern: &'a str,
    read_by: &'a BTreeSet<String>,
    ttls: &'a BTreeSet<String>,
    unknown: bool,
    unprefixed: bool,
    writes_without_ttl: bool,
    written_by: &'a BTreeSet<String>,
}

#[derive(Serialize)]
struct Namespace<'a> {
    keys: Vec<Key<'a>>,
    known: bool,
    name: &'a str,
}

#[derive(Serialize)]
struct NamespaceMonthly {
    #[serde(flatten)]
    ops: Monthly,
    usd_before_included: f64,
}

#[derive(Serialize)]
struct Totals<'a> {
    by_namespace: BTreeMap<&'a str, NamespaceMonthly>,
    entries_per_item: usize,
    max: Monthly,
    min: Monthly,
    usd_billed_max: f64,
    usd_billed_min: f64,
}

#[derive(Serialize)]
struct ReportJson<'a> {
    entries: Vec<Entry<'a>>,
    files: usize,
    monthly: Option<Totals<'a>>,
    namespaces: Vec<Namespace<'a>>,
    unread: &'a [String],
}

fn report<'a>(r: &'a Report, costs: &'a Option<Costs>, pricing: &Pricing) -> ReportJson<'a> {
    let entries = r
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| Entry {
            file: &e.file,
            hit: e.hit.as_ref().map(CountJson::from),
            kind: e.kind.id(),
            line: e.line,
            monthly: costs
                .as_ref()
                .and_then(|c| c.entries[i].as_ref())
                .map(|c| EntryMonthly {
                    max: (&c.max).into(),
                    min: (&c.min).into(),
                    requests: c.requests,
                    usd_max_before_included: c.gross_max,
                }),
            name: &e.name,
            notes: &e.notes,
            over_limit: e.over_limit(),
            per_invocation: (&e.count).into(),
        })
        .collect();
    let namespaces = r
        .namespaces
        .iter()
        .map(|ns| Namespace {
            keys: ns
                .keys
                .iter()
                .map(|k| Key {
                    cache_ttls: &k.cache_ttls,
                    calls: &k.calls,
                    deleted_by: &k.by[Kind::Delete.index()],
                    listed_by: &k.by[Kind::List.index()],
                    overlaps: &k.overlaps,
                    pattern: &k.pattern,
                    read_by: &k.by[Kind::Read.index()],
                    ttls: &k.ttls,
                    unknown: k.unknown,
                    unprefixed: k.unprefixed,
                    writes_without_ttl: k.writes_without_ttl,
                    written_by: &k.by[Kind::Write.index()],
                })
                .collect(),
            known: ns.known,
            name: &ns.name,
        })
        .collect();
    let monthly = costs.as_ref().map(|c| Totals {
        by_namespace: c
            .namespaces
            .iter()
            .map(|(k, v)| {
                let n = NamespaceMonthly {
                    ops: v.into(),
                    usd_before_included: pricing.gross(v),
                };
                (k.as_str(), n)
            })
            .collect(),
        entries_per_item: c.per_item,
        max: (&c.max).into(),
        min: (&c.min).into(),
        usd_billed_max: c.billed_max,
        usd_billed_min: c.billed_min,
    });
    ReportJson {
        entries,
        files: r.files,
        monthly,
        namespaces,
        unread: &r.unread,
    }
}

#[derive(Serialize)]
struct Change<'a> {
    after: Option<CountJson>,
    before: Option<CountJson>,
    file: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Before<'a> {
    changes: Vec<Change<'a>>,
    /// Key patterns (`NAMESPACE key`) used before and no longer.
    keys_gone: Vec<String>,
    /// Key patterns used now and not before.
    keys_new: Vec<String>,
    report: ReportJson<'a>,
    what: &'a str,
}

#[derive(Serialize)]
struct Included {
    deletes: u64,
    lists: u64,
    reads: u64,
    writes: u64,
}

#[derive(Serialize)]
struct PricingJson {
    included: Included,
    per_million: Monthly,
    storage_included_gb: f64,
    storage_per_gb_month: f64,
}

#[derive(Serialize)]
struct Whole<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<Before<'a>>,
    entries: Vec<Entry<'a>>,
    files: usize,
    monthly: Option<Totals<'a>>,
    namespaces: Vec<Namespace<'a>>,
    over_budget: &'a [String],
    pricing: PricingJson,
    unread: &'a [String],
    version: u32,
}

/// The report as JSON.
pub fn render(run: &Run) -> String {
    let now = report(&run.report, &run.costs, &run.pricing);
    let all;
    let before = match &run.before {
        Some((what, b)) => {
            all = changes(b, &run.report);
            let (keys_gone, keys_new) = super::render::key_changes(b, &run.report);
            Some(Before {
                keys_gone,
                keys_new,
                changes: all
                    .iter()
                    .filter(|c| c.changed())
                    .map(|c| Change {
                        after: c.after.map(|e| (&e.count).into()),
                        before: c.before.map(|e| (&e.count).into()),
                        file: &c.file,
                        name: &c.name,
                    })
                    .collect(),
                report: report(b, &run.before_costs, &run.pricing),
                what,
            })
        }
        None => None,
    };
    let p = &run.pricing;
    let whole = Whole {
        before,
        entries: now.entries,
        files: now.files,
        monthly: now.monthly,
        namespaces: now.namespaces,
        over_budget: &run.over_budget,
        pricing: PricingJson {
            included: Included {
                deletes: p.included[2],
                lists: p.included[3],
                reads: p.included[0],
                writes: p.included[1],
            },
            per_million: (&p.per_million).into(),
            storage_included_gb: p.storage_included_gb,
            storage_per_gb_month: p.storage_per_gb_month,
        },
        unread: now.unread,
        version: 1,
    };
    let mut s = serde_json::to_string_pretty(&whole).unwrap_or_default();
    s.push('\n');
    s
}
