//! `kvlint report` (DESIGN §5): what each entry point of a Worker costs in KV operations per
//! invocation, the key inventory of each namespace, the monthly cost at a given traffic, and
//! the same before and after a change (a git revision, or kvlint's own fixes).
//!
//! The parts, in the order the data flows: [`files`] reads each file once into a summary
//! ([`body`]: its operations and its functions' control flow); [`entries`] finds what the
//! runtime calls; [`eval`] counts each entry's operations along its paths ([`cost`]);
//! [`inventory`] and [`pricing`] make the rest; [`render`] prints it; [`revision`] builds the
//! code to compare with.

pub mod body;
pub mod cost;
pub mod entries;
pub mod eval;
pub mod files;
pub mod inventory;
mod json;
pub mod pricing;
pub mod render;
pub mod revision;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{BudgetTable, ConfigResolver};
use crate::parse::{is_declaration_file, Lang};
use crate::settings::Resolvers;
use cost::Count;
use entries::{Entry, EntryKind};
use files::Files;
use inventory::Namespace;
use pricing::{Pricing, Traffic};

/// From how many files a run on a terminal says that it is reading them.
const PROGRESS_FILES: usize = 500;

/// KV's limit of operations per invocation (on the paid plan).
pub const OPERATIONS_LIMIT: u64 = 1_000;

/// One entry point's count.
#[derive(Clone, Debug)]
pub struct EntryReport {
    pub kind: EntryKind,
    pub name: String,
    pub file: Arc<str>,
    pub line: usize,
    /// Per invocation.
    pub count: Count,
    /// The paths that answer from a read-through cache's hit, when it has one.
    pub hit: Option<Count>,
    /// What the count could not follow, and recursion.
    pub notes: Vec<String>,
}

impl EntryReport {
    /// Whether its worst path can pass KV's limit of operations per invocation: past it in
    /// the code, or without a bound (a loop over data).
    pub fn over_limit(&self) -> bool {
        self.count.max.total() > OPERATIONS_LIMIT
            || (self.count.unbounded && !self.count.per_item.is_zero())
    }

    /// How entries of two reports are matched.
    pub fn id(&self) -> (String, String) {
        (self.name.clone(), self.file.to_string())
    }
}

/// The whole report of some code.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub entries: Vec<EntryReport>,
    pub namespaces: Vec<Namespace>,
    /// Files that could not be read or parsed: `label: reason`.
    pub unread: Vec<String>,
    /// Source files read.
    pub files: usize,
}

/// Builds the report of the files under `paths`, labelled relative to `cwd`. `overlay`
/// gives text that replaces a file's.
pub fn build(
    paths: &[PathBuf],
    resolvers: &Resolvers,
    cwd: &Path,
    overlay: &(dyn Fn(&Path) -> Option<String> + Sync),
    progress: bool,
) -> Result<Report, String> {
    use rayon::prelude::*;
    let mut named = Vec::new();
    for p in paths {
        let abs = crate::fs::absolute(cwd, p);
        let meta = std::fs::metadata(&abs).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            let (found, unreadable) = crate::fs::walk(&abs, 2);
            if let Some(e) = unreadable.first() {
                return Err(e.clone());
            }
            named.extend(found);
        } else {
            named.push(abs);
        }
    }
    named.retain(|f| Lang::from_path(f).is_some() && !is_declaration_file(f));
    named.retain(|f| {
        resolvers
            .configs
            .for_file(f)
            .map(|c| !c.for_file(f).excludes(f))
            .unwrap_or(true)
    });
    named.sort();
    named.dedup();
    if progress && named.len() >= PROGRESS_FILES {
        eprintln!("kvlint report: reading {} files…", named.len());
    }
    let files = Files::new(resolvers, cwd.to_path_buf(), overlay);
    crate::semantic::project::shared::in_pool(|| {
        named.par_iter().for_each(|p| {
            files.get(p);
        })
    });
    let mut sources: Vec<_> = named.iter().filter_map(|p| files.get(p)).collect();
    sources.sort_by(|a, b| a.label.cmp(&b.label));
    // File-based routes are relative to the app's folder: the nearest with a package.json
    // or a wrangler config (a `functions/tsconfig.json` does not make `functions/` the app).
    let root_of = |abs: &Path| -> PathBuf {
        abs.ancestors()
            .skip(1)
            .find(|d| {
                std::iter::once("package.json")
                    .chain(crate::semantic::wrangler::WRANGLER_FILES.iter().copied())
                    .any(|f| d.join(f).is_file())
            })
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cwd.to_path_buf())
    };
    let found = entries::discover(&files, &root_of, &sources);
    let mut ev = eval::Evaluator::new(&files);
    let mut reports = vec![];
    let mut entries_of: inventory::EntriesOf = BTreeMap::new();
    let mut reached = BTreeSet::new();
    let mut count =
        |e: &Entry, ev: &mut eval::Evaluator, reached: &mut BTreeSet<(Arc<str>, usize)>| {
            let counted = ev.chain(&e.links);
            for (file, op, ns, key) in &counted.ops {
                // A key a caller says; a name still unsaid is the operation's own pattern.
                let key = key.clone().filter(|k| !k.starts_with(body::NAME_MARK));
                entries_of
                    .entry((file.clone(), *op))
                    .or_default()
                    .entry((ns.clone(), key))
                    .or_default()
                    .insert(e.name.clone());
            }
            reached.extend(counted.functions.iter().cloned());
            EntryReport {
                kind: e.kind,
                name: e.name.clone(),
                file: e.file.clone(),
                line: e.line,
                count: counted.outcome.total(),
                hit: counted.outcome.hit(),
                notes: counted.notes.into_iter().collect(),
            }
        };
    for e in &found {
        reports.push(count(e, &mut ev, &mut reached));
    }
    let with_entries: HashSet<Arc<str>> = found.iter().map(|e| e.file.clone()).collect();
    for e in entries::exports_unreached(&sources, &reached, &with_entries) {
        let r = count(&e, &mut ev, &mut reached);
        if !r.count.is_zero() {
            reports.push(r);
        }
    }
    reports.sort_by(|a, b| (&a.file, a.line, &a.name).cmp(&(&b.file, b.line, &b.name)));
    // The inventory: every operation of the files named, and those their entries reach.
    let all = files.all();
    let mut ops = vec![];
    for f in &all {
        let named_file = sources.iter().any(|s| s.label == f.label);
        for i in 0..f.ops.len() {
            if named_file || entries_of.contains_key(&(f.label.clone(), i)) {
                ops.push((f.clone(), i));
            }
        }
    }
    let bindings: BTreeSet<String> = all
        .iter()
        .flat_map(|f| f.kv_names.iter().cloned())
        .collect();
    let mut unread = files.unread.lock().unwrap().clone();
    unread.sort();
    unread.dedup();
    let report = Report {
        entries: reports,
        namespaces: inventory::inventory(&ops, &entries_of, &bindings),
        unread,
        files: sources.len(),
    };
    // The command ends soon after: freeing every file's summary and every count (many small
    // allocations) would take longer than the OS takes.
    std::mem::forget((ev, entries_of, ops, all, sources, found));
    std::mem::forget(files);
    Ok(report)
}

/// The monthly estimate of a report at some traffic.
#[derive(Clone, Debug, Default)]
pub struct Costs {
    /// Per entry (in the report's order): requests, and operations of each kind on the
    /// cheapest and the worst path, and their gross price.
    pub entries: Vec<Option<EntryCost>>,
    /// Per namespace: operations on the worst paths.
    pub namespaces: BTreeMap<String, [f64; 4]>,
    pub min: [f64; 4],
    pub max: [f64; 4],
    /// The bill, with what a month includes taken off.
    pub billed_min: f64,
    pub billed_max: f64,
    /// Entries that make operations per item of a loop: their estimate counts one item.
    pub per_item: usize,
}

#[derive(Clone, Debug)]
pub struct EntryCost {
    pub requests: f64,
    pub min: [f64; 4],
    pub max: [f64; 4],
    pub gross_max: f64,
}

/// A report's monthly operations and cost at `traffic`.
pub fn costs(report: &Report, traffic: &Traffic, pricing: &Pricing) -> Costs {
    let mut c = Costs::default();
    for e in &report.entries {
        let Some(requests) = traffic.of(&e.name, &e.file) else {
            c.entries.push(None);
            continue;
        };
        let min = pricing::monthly(&e.count.min, requests);
        let max = pricing::monthly(&e.count.max, requests);
        for i in 0..4 {
            c.min[i] += min[i];
            c.max[i] += max[i];
        }
        for (ns, counts) in e.count.max.iter() {
            let t = c.namespaces.entry(ns.to_string()).or_default();
            for i in 0..4 {
                t[i] += counts[i] as f64 * requests;
            }
        }
        if !e.count.per_item.is_zero() {
            c.per_item += 1;
        }
        c.entries.push(Some(EntryCost {
            requests,
            min,
            max,
            gross_max: pricing.gross(&max),
        }));
    }
    c.billed_min = pricing.billed(&c.min);
    c.billed_max = pricing.billed(&c.max);
    c
}

/// What `kvlint report` was asked for.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    pub format: render::Format,
    pub traffic: Option<PathBuf>,
    pub requests: Option<f64>,
    pub base: Option<String>,
    /// `--after-fix`: `Some(false)` safe fixes, `Some(true)` unsafe ones too.
    pub after_fix: Option<bool>,
    pub output: Option<PathBuf>,
}

/// A report, and what it is compared with.
pub struct Run {
    pub report: Report,
    /// (what the "before" is, its report).
    pub before: Option<(String, Report)>,
    pub costs: Option<Costs>,
    pub before_costs: Option<Costs>,
    pub pricing: Pricing,
    /// Budgets the estimate passes.
    pub over_budget: Vec<String>,
    pub budget: BudgetTable,
}

/// `kvlint report`: prints the report; exit 0, 1 when a budget is passed, 2 on an error.
pub fn run(o: &Options) -> i32 {
    match run_inner(o) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kvlint report: {e}");
            2
        }
    }
}

fn resolvers_for(config: Option<&Path>) -> Resolvers {
    let configs = match config {
        Some(c) => ConfigResolver::fixed(crate::config::Config::load(c)),
        None => ConfigResolver::discover(),
    };
    Resolvers::new(configs)
}

fn run_inner(o: &Options) -> Result<i32, String> {
    use std::io::IsTerminal;
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let paths = if o.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        o.paths.clone()
    };
    let resolvers = resolvers_for(o.config.as_deref());
    // The configuration of the first path: its prices and budgets.
    let first = crate::fs::absolute(&cwd, &paths[0]);
    let probe = if first.is_dir() {
        first.join("kvlint.toml")
    } else {
        first.clone()
    };
    let config = resolvers.configs.for_file(&probe).map_err(|e| e.0)?;
    let pricing = Pricing::from_config(&config.file.report.pricing);
    let budget = config.file.report.budget.clone();
    let traffic = match (&o.traffic, o.requests) {
        (Some(f), _) => Some(Traffic::load(f)?),
        (None, Some(n)) => Some(Traffic::uniform(n)),
        (None, None) => None,
    };
    let progress = std::io::stderr().is_terminal();
    let none = |_: &Path| None;
    let report = build(&paths, &resolvers, &cwd, &none, progress)?;
    let (before, report) = match (&o.base, o.after_fix) {
        (Some(r), _) => {
            let base = revision::at_revision(r, &paths, &cwd, o.config.as_deref())?;
            (Some((r.clone(), base)), report)
        }
        (None, Some(unsafe_fixes)) => {
            let fixed = revision::after_fix(&paths, &cwd, o.config.as_deref(), unsafe_fixes)?;
            let label = if unsafe_fixes {
                "before --fix --unsafe-fixes"
            } else {
                "before --fix"
            };
            (Some((label.to_string(), report)), fixed)
        }
        (None, None) => (None, report),
    };
    if let Some(t) = &traffic {
        let ids: Vec<(String, String)> = report
            .entries
            .iter()
            .chain(before.iter().flat_map(|(_, b)| b.entries.iter()))
            .map(|e| (e.name.clone(), e.file.to_string()))
            .collect();
        let unmatched = t.unmatched(&ids);
        if !unmatched.is_empty() {
            return Err(format!(
                "the traffic file names entries the report does not have: {} (entries are named as the report shows them, e.g. `GET /api/users/:id`, or `file:name`)",
                unmatched.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    let now = traffic.as_ref().map(|t| costs(&report, t, &pricing));
    let before_costs = traffic
        .as_ref()
        .zip(before.as_ref())
        .map(|(t, (_, b))| costs(b, t, &pricing));
    let over_budget = now
        .as_ref()
        .map(|c| pricing::over_budget(&budget, &c.max, c.billed_max))
        .unwrap_or_default();
    let run = Run {
        report,
        before,
        costs: now,
        before_costs,
        pricing,
        over_budget,
        budget,
    };
    let text = render::render(&run, o.format);
    match &o.output {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                // A reader that stops early (`| head`) is not an error.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(format!("cannot write the report: {e}"))
                }
                _ => {}
            }
        }
    }
    let failed = !run.over_budget.is_empty();
    let unread = !run.report.unread.is_empty();
    std::mem::forget(run);
    Ok(if unread {
        2
    } else if failed {
        1
    } else {
        0
    })
}
