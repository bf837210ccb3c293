//! `kvlint check`: find the files, lint or fix them in parallel, report, pick the exit code.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{CheckArgs, Color, Format};
use crate::config::{Config, ConfigResolver};
use crate::diagnostic::{
    Diagnostic, Severity, CONFIG_ERROR, INTERNAL_ERROR, IO_ERROR, UNUSED_SUPPRESSION,
};
use crate::fix::FixMode;
use crate::fs::{display_path, walk, write_atomic};
use crate::output::{
    write_compact, write_github, write_human, write_json, write_sarif, write_statistics,
    FileReport, HumanOptions, Totals,
};
use crate::parse::Lang;
use crate::rules::RULES;
use crate::settings::Resolvers;
use crate::source::Source;
use crate::{fix_source, isolate, lint_and_see, lint_source, FileSettings, Seen, Selection};

/// Exit codes (DESIGN §5).
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// What to do with each file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Lint,
    Fix(FixMode),
    Diff(FixMode),
    /// `--add-suppressions`.
    Baseline,
}

/// One file's result.
struct Outcome {
    report: FileReport,
    /// For --diff: the unified diff of the fixes.
    diff: Option<String>,
    /// For --fix (and --add-suppressions): the text read and the text to write, written by
    /// the run once every file is processed and nothing made the run uncertain.
    write: Option<(String, String)>,
    fixed: usize,
    /// The migration groups the fixes applied (each written only with every file it touches).
    groups: Vec<Arc<crate::groups::GroupTag>>,
    /// A config or wrangler error that kept the file from being linted.
    config_error: Option<String>,
    /// What linting saw of KV.
    seen: Seen,
    /// Skipped unparsed by the prefilter: nothing in it can be KV.
    skipped: bool,
    /// The KV bindings known for the file (a few), for a summary that names them.
    kv_names: Vec<String>,
    /// The file could not be read as text: not checked.
    unread: bool,
}

impl Outcome {
    /// A file with nothing shown but `diagnostics`, and nothing to write.
    fn only(label: String, diagnostics: Vec<Diagnostic>) -> Outcome {
        Outcome {
            report: FileReport {
                path: label,
                source: Arc::new(Source::new(String::new())),
                diagnostics,
            },
            diff: None,
            write: None,
            fixed: 0,
            groups: vec![],
            config_error: None,
            seen: Seen::default(),
            skipped: false,
            kv_names: vec![],
            unread: false,
        }
    }
}

fn selection(args: &CheckArgs) -> Result<Selection, String> {
    let known = |id: &str| RULES.iter().any(|r| r.id() == id) || id == UNUSED_SUPPRESSION;
    let check = |flag: &str, ids: &[String]| -> Result<BTreeSet<String>, String> {
        ids.iter()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .map(|id| {
                if known(&id) {
                    Ok(id)
                } else {
                    Err(format!(
                        "unknown rule id `{id}` in {flag} (see `kvlint rules`)"
                    ))
                }
            })
            .collect()
    };
    Ok(Selection {
        select: args
            .select
            .as_deref()
            .map(|s| check("--select", s))
            .transpose()?,
        ignore: check("--ignore", &args.ignore)?,
    })
}

struct Context {
    /// The current folder, for absolute paths.
    cwd: PathBuf,
    timeout: Duration,
    prefilter: bool,
    resolvers: Resolvers,
    selection: Selection,
    action: Action,
    /// The files this run may write: a migration group with a member elsewhere is not
    /// applied. Their canonical paths are worked out the first time a group asks (a
    /// canonical path costs a system call per folder of it).
    files: Vec<PathBuf>,
    covered: std::sync::OnceLock<rustc_hash::FxHashSet<PathBuf>>,
    /// Each project's KV ops, read when a migration group first needs them.
    groups: crate::groups::ProjectCache,
}

fn internal(message: String) -> Diagnostic {
    Diagnostic::new(
        INTERNAL_ERROR,
        0..0,
        message,
        "Nothing was written to this file.",
    )
    .with_severity(Severity::Error)
}

/// An error of the run ("PATH: REASON", a config or a path) as a report of its own, for the
/// machine formats: under the path it names when that exists, else under none.
fn run_error(id: &'static str, message: &str) -> FileReport {
    let path = message
        .split_once(": ")
        .map(|(p, _)| p.split(':').next().unwrap_or(p))
        .filter(|p| Path::new(p).exists())
        .unwrap_or_default();
    // Shown as the files are: relative to the current folder when under it.
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = Path::new(path)
        .strip_prefix(&cwd)
        .map(display_path)
        .unwrap_or_else(|_| path.to_string());
    let help = if id == CONFIG_ERROR {
        "Nothing governed by this configuration was checked. Fix the setting the message names (`kvlint explain <rule>` lists each rule's options)."
    } else {
        "Nothing under this path was checked. Check that it exists and that the user running kvlint may read it."
    };
    // Located where the message says (`kvlint.toml:2:15: …`), in the file's own text.
    let at = message
        .split(": ")
        .next()
        .and_then(|head| {
            let mut parts = head.rsplitn(3, ':');
            let column: usize = parts.next()?.parse().ok()?;
            let line: usize = parts.next()?.parse().ok()?;
            (line > 0 && column > 0).then_some(())?;
            Some((parts.next()?, line, column))
        })
        .and_then(|(file, line, column)| {
            let text = std::fs::read_to_string(file).ok()?;
            let start = text
                .split_inclusive('\n')
                .take(line - 1)
                .map(str::len)
                .sum::<usize>();
            let offset = text[start..]
                .char_indices()
                .nth(column - 1)
                .map_or(text.len(), |(i, _)| start + i);
            Some((text, offset))
        });
    let (text, offset) = at.unwrap_or_default();
    FileReport {
        path,
        source: Arc::new(Source::new(text)),
        diagnostics: vec![
            Diagnostic::new(id, offset..offset, message, help).with_severity(Severity::Error)
        ],
    }
}

/// A file kvlint could not read or write: the OS's reason, and what the user can do.
fn io_error(message: String) -> Diagnostic {
    Diagnostic::new(
        IO_ERROR,
        0..0,
        message,
        "This file was not checked, and nothing was written to it. Check that it exists and that the user running kvlint may read (for --fix, write) it and its folder.",
    )
    .with_severity(Severity::Error)
}

fn process(ctx: &Context, path: &Path, label: String, stdin: Option<String>) -> Outcome {
    let abs = crate::fs::absolute(&ctx.cwd, path);
    let failed = |label: String, diagnostic: Diagnostic| Outcome {
        unread: true,
        ..Outcome::only(label, vec![diagnostic])
    };
    let from_stdin = stdin.is_some();
    let bytes = match stdin {
        Some(text) => text.into_bytes(),
        None => match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return failed(label, io_error(format!("Cannot read the file: {e}"))),
        },
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return failed(
                label,
                Diagnostic::new(
                    IO_ERROR,
                    0..0,
                    format!("The file is not UTF-8 text (a byte at offset {at} is not UTF-8): kvlint reads TypeScript and JavaScript as UTF-8 text only"),
                    "This file was not checked, and nothing was written to it. Save it as UTF-8 if it is source code in another encoding, or exclude it in kvlint.toml (`exclude`) if it is not source code.",
                )
                .with_severity(Severity::Error),
            );
        }
    };
    // kvlint.toml, the wrangler config, and what the project's other files declare.
    let mut resolved = match ctx.resolvers.resolve(&abs, &text, false) {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                config_error: Some(e.0),
                ..Outcome::only(label, vec![])
            }
        }
    };
    let kv_names: Vec<String> = resolved
        .bindings
        .kv_names()
        .take(5)
        .map(str::to_string)
        .collect();
    if ctx.prefilter && !resolved.may_hold_finding(&text) {
        // Nothing here can be a finding: not parsed (DESIGN §1, the prefilter).
        return Outcome {
            kv_names,
            seen: Seen {
                kv_calls: 0,
                kv_bindings: resolved.bindings.kv_names().next().is_some(),
                inferred: false,
            },
            skipped: true,
            ..Outcome::only(label, vec![])
        };
    }
    ctx.resolvers.add_constants(&abs, &mut resolved);
    // This runs on one of `isolate::map`'s workers: a panic or a hang in parsing, linting
    // or fixing fails this file only.
    let mut settings = resolved.file_settings(&label, path, &ctx.selection);
    let project = || ctx.groups.ops(&ctx.resolvers, &abs, &ctx.cwd, &|_| None);
    let covered = |p: &Path| {
        ctx.covered
            .get_or_init(|| {
                ctx.files
                    .iter()
                    .map(|f| crate::groups::project::canonical(&crate::fs::absolute(&ctx.cwd, f)))
                    .collect()
            })
            .contains(p)
    };
    let groups = crate::ProjectGroups {
        this: abs.clone(),
        project: &project,
        covered: &covered,
    };
    settings.groups = crate::GroupScope::Project(&groups);
    let source = Source::new(text);
    let mut groups = vec![];
    let (diagnostics, new_text, fixed, seen) = match ctx.action {
        Action::Lint => {
            let (d, seen) = lint_and_see(&source, &settings);
            (d, None, 0, seen)
        }
        Action::Baseline => baseline(&source, &settings),
        Action::Fix(mode) | Action::Diff(mode) => {
            let f = fix_source(&source, &settings, mode);
            groups = f.groups;
            (f.diagnostics, f.text, f.applied, f.seen)
        }
    };
    let mut diff = None;
    let mut write = None;
    if let Some(new_text) = &new_text {
        match ctx.action {
            Action::Diff(_) => diff = Some(unified_diff(&label, source.text(), new_text)),
            Action::Fix(_) | Action::Baseline => {
                write = Some((source.text().to_string(), new_text.clone()));
            }
            _ => {}
        }
    }
    let shown = match (new_text, ctx.action) {
        (Some(t), Action::Fix(_) | Action::Baseline) => Source::new(t),
        // Nothing to show from a file without findings (stdin may echo it): not kept.
        _ if diagnostics.is_empty() && !from_stdin => Source::new(String::new()),
        _ => source,
    };
    if !diagnostics.is_empty() {
        // The report's positions need it: built here, on a worker, not one file after
        // another on the thread that writes the report.
        shown.index_lines();
    }
    Outcome {
        report: FileReport {
            path: label,
            source: Arc::new(shown),
            diagnostics,
        },
        diff,
        write,
        fixed,
        groups,
        config_error: None,
        seen,
        skipped: false,
        kv_names,
        unread: false,
    }
}

/// `--add-suppressions` on one file: the text with a suppression above every finding, the
/// diagnostics left (none but failures), and how many lines got one.
fn baseline(
    source: &Source,
    settings: &FileSettings,
) -> (Vec<Diagnostic>, Option<String>, usize, Seen) {
    let (found, seen) = lint_and_see(source, settings);
    let edits = crate::suppress::baseline_edits(source, &found);
    if edits.is_empty() {
        return (found, None, 0, seen);
    }
    let count = edits.len();
    let fix = crate::fix::Fix::new("Suppress", crate::fix::Applicability::Safe, edits);
    let carrier = Diagnostic::new(UNUSED_SUPPRESSION, 0..0, "", "").with_fix(Some(fix));
    let Some(pass) = crate::fix::apply_pass(source.text(), &[carrier], FixMode::Safe) else {
        return (found, None, 0, seen);
    };
    let after = lint_source(&Source::new(pass.text.clone()), settings);
    if after.iter().any(|d| !d.is_failure()) || after.iter().any(Diagnostic::is_failure) {
        let mut kept = found;
        kept.push(internal("Adding suppressions left findings or broke the file; nothing was written. Please report this as a kvlint bug.".into()));
        return (kept, None, 0, seen);
    }
    (after, Some(pass.text), count, seen)
}

fn unified_diff(label: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{label}"), &format!("b/{label}"))
        .to_string()
}

fn git(args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `--changed-since REF` / `--staged`: the files git says changed (added, copied,
/// modified or renamed; untracked files count as changed since REF), canonicalized.
fn changed_files(args: &CheckArgs) -> Result<Option<BTreeSet<PathBuf>>, String> {
    let listed = if args.staged {
        git(&[
            "diff",
            "--cached",
            "--name-only",
            "--diff-filter=ACMR",
            "-z",
        ])?
    } else if let Some(since) = &args.changed_since {
        let mut all = git(&[
            "diff",
            "--name-only",
            "--diff-filter=ACMR",
            "-z",
            since,
            "--",
        ])?;
        all.push_str(&git(&["ls-files", "--others", "--exclude-standard", "-z"])?);
        all
    } else {
        return Ok(None);
    };
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?.trim());
    // `ls-files` names paths relative to the current folder, `diff` to the top level.
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    Ok(Some(
        listed
            .split('\0')
            .filter(|p| !p.is_empty())
            .flat_map(|p| [top.join(p), cwd.join(p)])
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect(),
    ))
}

/// The files to lint, as (path, label), the errors for paths that match nothing or cannot
/// be read (each "PATH: REASON"), and how many test files the default `exclude` left out.
fn collect_files(
    args: &CheckArgs,
    configs: &ConfigResolver,
    cwd: &Path,
    threads: usize,
) -> (Vec<(PathBuf, String)>, Vec<String>, usize) {
    let mut tests = 0;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    for p in &paths {
        // Asked once: "no such file" only when that is what the OS says (a path in a folder
        // the user may not enter is not missing).
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                errors.push(format!("{}: no such file or folder", p.display()));
                continue;
            }
            Err(e) => {
                errors.push(format!("{}: cannot read: {e}", p.display()));
                continue;
            }
        };
        let found: Vec<PathBuf> = if meta.is_file() {
            let abs = crate::fs::absolute(cwd, p);
            let config = configs.for_file(&abs);
            let excluded = args.force_exclude && config.as_ref().is_ok_and(|c| c.excludes(&abs));
            tests += usize::from(excluded && config.is_ok_and(|c| c.is_test_file(&abs)));
            if Lang::from_path(p).is_none() {
                errors.push(format!(
                    "{}: not a TypeScript or JavaScript file",
                    p.display()
                ));
                continue;
            }
            if excluded {
                vec![]
            } else {
                vec![p.clone()]
            }
        } else if meta.is_dir() {
            let (walked, unreadable) = walk(p, threads);
            let hidden = !unreadable.is_empty();
            errors.extend(unreadable);
            let walked: Vec<PathBuf> = walked
                .into_iter()
                .filter(|f| {
                    let abs = crate::fs::absolute(cwd, f);
                    let Ok(c) = configs.for_file(&abs) else {
                        return true;
                    };
                    let included = c.includes(&abs);
                    tests += usize::from(!included && c.is_test_file(&abs));
                    included
                })
                .collect();
            if walked.is_empty() && !hidden {
                errors.push(format!(
                    "{}: no TypeScript or JavaScript files to lint",
                    p.display()
                ));
            }
            walked
        } else {
            errors.push(format!(
                "{}: not a file or folder kvlint can lint",
                p.display()
            ));
            continue;
        };
        // A file named twice (or under two of the paths) is linted once. The walk follows
        // no links, so a walked file's real path is its folder argument's plus the rest:
        // one canonicalisation per argument, not one per file.
        let root = std::fs::canonicalize(p).ok();
        for f in found {
            let key = match (&root, f.strip_prefix(p)) {
                (Some(root), Ok(rest)) if !rest.as_os_str().is_empty() => root.join(rest),
                _ => std::fs::canonicalize(&f).unwrap_or(f.clone()),
            };
            if seen.insert(key) {
                let label = display_path(&f);
                files.push((f, label));
            }
        }
    }
    match changed_files(args) {
        Ok(Some(changed)) => {
            files.retain(|(p, _)| std::fs::canonicalize(p).is_ok_and(|c| changed.contains(&c)));
            // Nothing changed is not an error.
            errors.retain(|e| !e.contains("no TypeScript or JavaScript files"));
        }
        Ok(None) => {}
        // Which files changed is not known: none is linted (nor fixed), the error says why.
        Err(e) => {
            files.clear();
            errors.push(e);
        }
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    (files, errors, tests)
}

fn use_color(args: &CheckArgs, to_terminal: bool) -> bool {
    match args.color.unwrap_or(Color::Auto) {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn write_reports(
    args: &CheckArgs,
    out: &mut dyn Write,
    reports: &[FileReport],
    color: bool,
) -> std::io::Result<()> {
    if args.statistics {
        return write_statistics(out, reports);
    }
    match args.format.unwrap_or(Format::Human) {
        Format::Human => write_human(out, reports, &HumanOptions { color }),
        Format::Compact => write_compact(out, reports),
        Format::Json => write_json(out, reports),
        Format::Sarif => write_sarif(out, reports),
        Format::Github => write_github(out, reports),
    }
}

fn exit_code(args: &CheckArgs, totals: &Totals, failed: bool) -> i32 {
    if failed {
        return EXIT_ERROR;
    }
    let fails = match args.max_warnings {
        Some(n) => totals.errors > 0 || totals.warnings > n,
        None => totals.errors + totals.warnings > 0,
    } || (args.exit_non_zero_on_fix && totals.fixed > 0);
    if fails && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// The path `-` (or `--stdin-filename`) reads stdin: the name it is linted as, `<stdin>`
/// (TypeScript) when none is given.
fn stdin_name(args: &CheckArgs) -> Option<PathBuf> {
    let dash = args.paths.len() == 1 && args.paths[0].as_os_str() == "-";
    match &args.stdin_filename {
        Some(name) => Some(name.clone()),
        None if dash => Some(PathBuf::from("<stdin>")),
        None => None,
    }
}

/// The errors of the configurations (kvlint.toml, wrangler) that govern the files: asked
/// before anything is fixed, so that a run with one writes nothing.
fn governing_config_errors(
    resolvers: &Resolvers,
    cwd: &Path,
    files: &[(PathBuf, String)],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (path, _) in files {
        let abs = crate::fs::absolute(cwd, path);
        let error = match resolvers.configs.for_file(&abs) {
            Err(e) => Some(e.0),
            Ok(_) => resolvers.wrangler.for_file(&abs).err().map(|e| e.0),
        };
        if let Some(e) = error.filter(|e| !out.contains(e)) {
            out.push(e);
        }
    }
    out
}

/// Writes the fixed files, each atomically; a file that cannot be written gets an
/// `io-error` instead of its findings. A migration group's files are written together
/// (DESIGN §3): none of them when one of them did not apply the group or changed on disk
/// since it was read. Returns the names of the groups written.
fn write_fixed(files: &[(PathBuf, String)], outcomes: &mut [Outcome], cwd: &Path) -> Vec<String> {
    let canonical: Vec<PathBuf> = files
        .iter()
        .map(|(p, _)| crate::groups::project::canonical(&crate::fs::absolute(cwd, p)))
        .collect();
    let mut held: Vec<Option<String>> = vec![None; outcomes.len()];
    let mut groups: Vec<&Arc<crate::groups::GroupTag>> = Vec::new();
    for o in outcomes.iter() {
        for g in &o.groups {
            if !groups.iter().any(|k| k.name == g.name) {
                groups.push(g);
            }
        }
    }
    let mut written = Vec::new();
    for g in groups {
        let applied_in = |i: usize| outcomes[i].groups.iter().any(|k| k.name == g.name);
        let mut problem = None;
        for f in &g.files {
            match canonical.iter().position(|c| c == f) {
                Some(i) if applied_in(i) && outcomes[i].write.is_some() => {
                    let (old, _) = outcomes[i].write.as_ref().expect("checked");
                    if std::fs::read(f).ok().as_deref() != Some(old.as_bytes()) {
                        problem = Some(format!("{} changed on disk while kvlint ran", files[i].1));
                    }
                }
                Some(i) => problem = Some(format!("it could not be applied in {}", files[i].1)),
                None => problem = Some(format!("{} is not in this run", f.display())),
            }
            if problem.is_some() {
                break;
            }
        }
        match problem {
            None => written.push(g.name.clone()),
            Some(p) => {
                for (i, h) in held.iter_mut().enumerate() {
                    if applied_in(i) && h.is_none() {
                        *h = Some(format!(
                            "Not written: the fixes of this file move the stored data of the migration group {} together with other files, and {p}; no file of the group was written",
                            g.name
                        ));
                    }
                }
            }
        }
    }
    for (((path, _), o), hold) in files.iter().zip(outcomes.iter_mut()).zip(held) {
        let Some((old, new)) = o.write.take() else {
            continue;
        };
        if let Some(why) = hold {
            o.fixed = 0;
            o.groups.clear();
            o.report.source = Arc::new(Source::new(old));
            o.report.diagnostics = vec![internal(why)];
            continue;
        }
        if let Err(e) = write_atomic(path, old.as_bytes(), &new) {
            o.fixed = 0;
            o.report.diagnostics = vec![io_error(format!("Cannot write the fixed file: {e}"))];
        }
    }
    written
}

/// `kvlint check`. Returns the exit code.
pub fn run(args: &CheckArgs) -> i32 {
    let selection = match selection(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kvlint: error: {e}");
            return EXIT_ERROR;
        }
    };
    let configs = if let Some(path) = &args.config {
        let loaded = Config::load(path);
        if let Err(e) = &loaded {
            eprintln!("kvlint: error: {e}");
            return EXIT_ERROR;
        }
        ConfigResolver::fixed(loaded)
    } else if args.no_config {
        ConfigResolver::fixed(Ok(Config::default()))
    } else {
        ConfigResolver::discover()
    };
    let mode = if args.unsafe_fixes {
        FixMode::SafeAndUnsafe
    } else {
        FixMode::Safe
    };
    let action = if args.add_suppressions {
        Action::Baseline
    } else if args.diff {
        Action::Diff(mode)
    } else if args.fix {
        Action::Fix(mode)
    } else {
        Action::Lint
    };
    let timeout = args
        .file_timeout
        .map(Duration::from_secs_f64)
        .unwrap_or(isolate::DEFAULT_TIMEOUT);
    let cwd = std::env::current_dir().unwrap_or_default();
    let resolvers = Resolvers {
        project_index: !args.no_project_index,
        ..Resolvers::new(configs)
    };
    let threads = match args.threads {
        Some(n) if n > 0 => n,
        _ => std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let stdin_name = stdin_name(args);
    let (files, path_errors, tests_excluded) = match &stdin_name {
        Some(_) => (vec![], vec![], 0),
        None => collect_files(args, &resolvers.configs, &cwd, threads),
    };
    let mut errors: Vec<(&'static str, String)> =
        path_errors.into_iter().map(|e| (IO_ERROR, e)).collect();
    // A run that cannot be sure which files it covers, or with which configuration, writes
    // nothing (DESIGN §5): a bad ref would otherwise fix every file of the repository. Such a
    // run lints, so that its findings are still shown.
    let writes = stdin_name.is_none() && matches!(action, Action::Fix(_) | Action::Baseline);
    let mut action = action;
    let mut held_back = false;
    if writes {
        for e in governing_config_errors(&resolvers, &cwd, &files) {
            if !errors.iter().any(|(_, known)| *known == e) {
                errors.push((CONFIG_ERROR, e));
            }
        }
        if !errors.is_empty() {
            action = Action::Lint;
            held_back = true;
        }
    }
    let ctx = Arc::new(Context {
        files: files.iter().map(|(p, _)| p.clone()).collect(),
        covered: Default::default(),
        groups: Default::default(),
        cwd,
        timeout,
        prefilter: !args.no_prefilter,
        resolvers,
        selection,
        action,
    });
    // Every file on the isolated workers (DESIGN §6: a crash or a hang fails that file only).
    let run_isolated = |files: Arc<Vec<(PathBuf, String, Option<String>)>>| -> Vec<Outcome> {
        let job_ctx = ctx.clone();
        let job_files = files.clone();
        let work = Arc::new(move |i: usize| {
            let (path, label, stdin) = &job_files[i];
            process(&job_ctx, path, label.clone(), stdin.clone())
        });
        isolate::map(files.len(), threads, ctx.timeout, work)
            .into_iter()
            .zip(files.iter())
            .map(|(result, (_, label, _))| {
                result.unwrap_or_else(|failure| {
                    Outcome::only(
                        label.clone(),
                        vec![internal(format!(
                            "kvlint could not process {label}: {failure}"
                        ))],
                    )
                })
            })
            .collect()
    };

    let mut moved = Vec::new();
    let outcomes = if let Some(name) = &stdin_name {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("kvlint: error: cannot read stdin: {e}");
            return EXIT_ERROR;
        }
        let abs = crate::fs::absolute(&ctx.cwd, name);
        // `--force-exclude` applies to the name stdin is linted as, as Ruff's does.
        let excluded = args.force_exclude
            && ctx
                .resolvers
                .configs
                .for_file(&abs)
                .is_ok_and(|c| c.excludes(&abs));
        let outcomes = if excluded {
            vec![]
        } else {
            run_isolated(Arc::new(vec![(
                name.clone(),
                display_path(name),
                Some(text.clone()),
            )]))
        };
        if args.fix && !args.diff {
            // stdout carries the source and nothing else (DESIGN §5): the fixed text, or the
            // text as it came when nothing was fixed, the name is excluded or it failed.
            let fixed = outcomes
                .first()
                .filter(|o| !o.report.diagnostics.iter().any(Diagnostic::is_failure))
                .and_then(|o| o.write.as_ref())
                .map(|(_, new)| new.as_str());
            let mut out = std::io::stdout().lock();
            if let Err(e) = out
                .write_all(fixed.unwrap_or(&text).as_bytes())
                .and_then(|_| out.flush())
            {
                eprintln!("kvlint: error: cannot write stdout: {e}");
                return EXIT_ERROR;
            }
        }
        outcomes
    } else {
        let jobs: Vec<_> = files
            .iter()
            .map(|(p, label)| (p.clone(), label.clone(), None))
            .collect();
        let mut outcomes = run_isolated(Arc::new(jobs));
        if writes && !held_back {
            moved = write_fixed(&files, &mut outcomes, &ctx.cwd);
        }
        outcomes
    };
    if held_back {
        eprintln!(
            "kvlint: nothing was written: the run cannot be sure which files to fix, or with which configuration, until the error{} below {} fixed",
            if errors.len() == 1 { "" } else { "s" },
            if errors.len() == 1 { "is" } else { "are" },
        );
    }

    let mut totals = Totals {
        files: outcomes.len(),
        tests_excluded,
        ..Totals::default()
    };
    let mut reports = Vec::with_capacity(outcomes.len());
    let mut diffs = String::new();
    let mut failed = !errors.is_empty();
    totals.stopped = failed;
    for mut o in outcomes {
        if let Some(e) = o.config_error {
            if !errors.iter().any(|(_, known)| *known == e) {
                errors.push((CONFIG_ERROR, e));
            }
            failed = true;
            totals.files -= 1;
            totals.not_checked += 1;
            continue;
        }
        // A file that could not be read (or is not text) was not checked.
        if o.unread {
            totals.files -= 1;
            totals.not_checked += 1;
        }
        if args.quiet {
            o.report
                .diagnostics
                .retain(|d| d.severity == Severity::Error);
        }
        failed |= o.report.diagnostics.iter().any(Diagnostic::is_failure);
        o.report.diagnostics.iter().for_each(|d| totals.count(d));
        totals.fixed += o.fixed;
        totals.skipped += usize::from(o.skipped);
        totals.kv_calls += o.seen.kv_calls;
        totals.kv_bindings |= o.seen.kv_bindings;
        if totals.kv_names.len() < 5 {
            totals.kv_names.extend(o.kv_names.iter().cloned());
        }
        totals.inferred |= o.seen.inferred;
        if let Some(d) = o.diff {
            diffs.push_str(&d);
        }
        reports.push(o.report);
    }
    let machine = !args.statistics && args.format.unwrap_or(Format::Human) != Format::Human;
    if machine {
        // Every format says the run was stopped (DESIGN §5): the errors come first.
        let run_errors = errors.iter().map(|(id, e)| run_error(id, e));
        reports.splice(0..0, run_errors);
    } else {
        for (_, e) in &errors {
            eprintln!("kvlint: error: {e}");
        }
    }

    let stdout = std::io::stdout();
    let to_file = args.output_file.is_some();
    let mut sink: Box<dyn Write> = match &args.output_file {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("kvlint: error: cannot write {}: {e}", path.display());
                return EXIT_ERROR;
            }
        },
        // Stdout writes each line on its own; buffered, a report of thousands of findings
        // is a few writes.
        None => Box::new(std::io::BufWriter::new(stdout.lock())),
    };
    let color = !to_file && use_color(args, std::io::stdout().is_terminal());
    if args.diff {
        let failures: Vec<FileReport> = reports
            .into_iter()
            .map(|mut r| {
                r.diagnostics.retain(Diagnostic::is_failure);
                r
            })
            .collect();
        let _ = sink.write_all(diffs.as_bytes());
        let _ = write_human(
            &mut std::io::stderr(),
            &failures,
            &HumanOptions { color: false },
        );
        let _ = sink.flush();
        return if failed {
            EXIT_ERROR
        } else if diffs.is_empty() {
            EXIT_OK
        } else {
            EXIT_FINDINGS
        };
    }
    let written = if stdin_name.is_some() && args.fix {
        write_reports(args, &mut std::io::stderr(), &reports, false)
    } else {
        write_reports(args, &mut sink, &reports, color)
    };
    if let Err(e) = written.and_then(|_| sink.flush()) {
        eprintln!("kvlint: error: cannot write the report: {e}");
        return EXIT_ERROR;
    }
    // The process ends after this: freeing every report (a source and the diagnostics of
    // each file, allocated on the workers) would take longer than the OS takes.
    std::mem::forget(reports);
    if args.silent {
        // Said by the caller.
    } else if args.add_suppressions {
        eprintln!("Added {} suppression comments.", totals.fixed);
    } else if args.format.unwrap_or(Format::Human) == Format::Human && !args.statistics {
        eprintln!("{}", totals.summary());
    }
    if !moved.is_empty() && !args.silent {
        // The next step (DESIGN §3): the code now reads the new names; the data has not moved.
        eprintln!(
            "Renamed or moved the stored data of {} migration group{} in the code:",
            moved.len(),
            if moved.len() == 1 { "" } else { "s" }
        );
        for g in &moved {
            eprintln!("  {g}");
        }
        eprintln!("The data already stored is still under the old keys. Before deploying this code, run `kvlint migrate-data` for the script that copies it (then `--apply`, deploy, `--apply` again, `--delete-old`).");
    }
    exit_code(args, &totals, failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::GroupTag;

    fn outcome(old: &str, new: &str, group: Option<&Arc<GroupTag>>) -> Outcome {
        Outcome {
            write: Some((old.to_string(), new.to_string())),
            fixed: 1,
            groups: group.into_iter().cloned().collect(),
            ..Outcome::only(String::new(), vec![])
        }
    }

    /// A group's files are written together: none when one of them changed on disk since
    /// it was read, or did not apply the group; other files are written as usual.
    #[test]
    fn a_groups_files_are_written_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in ["a.ts", "b.ts", "c.ts"] {
            std::fs::write(d.join(f), "old").unwrap();
        }
        let canon = |f: &str| std::fs::canonicalize(d.join(f)).unwrap();
        let tag = Arc::new(GroupTag {
            name: "KV: `k` -> `x:k`".into(),
            files: vec![canon("a.ts"), canon("b.ts")],
        });
        let files: Vec<(PathBuf, String)> = ["a.ts", "b.ts", "c.ts"]
            .iter()
            .map(|f| (d.join(f), f.to_string()))
            .collect();
        // b.ts changed on disk after it was read.
        std::fs::write(d.join("b.ts"), "edited").unwrap();
        let mut outcomes = vec![
            outcome("old", "new", Some(&tag)),
            outcome("old", "new", Some(&tag)),
            outcome("old", "new", None),
        ];
        let written = write_fixed(&files, &mut outcomes, d);
        assert!(written.is_empty());
        assert_eq!(std::fs::read_to_string(d.join("a.ts")).unwrap(), "old");
        assert_eq!(std::fs::read_to_string(d.join("b.ts")).unwrap(), "edited");
        assert_eq!(std::fs::read_to_string(d.join("c.ts")).unwrap(), "new");
        assert!(outcomes[0].report.diagnostics[0]
            .message
            .contains("b.ts changed on disk"));
        // A member file that did not apply the group: nothing of the group is written.
        std::fs::write(d.join("b.ts"), "old").unwrap();
        let mut outcomes = vec![
            outcome("old", "new", Some(&tag)),
            outcome("old", "other", None),
            outcome("old", "old", None),
        ];
        write_fixed(&files, &mut outcomes, d);
        assert_eq!(std::fs::read_to_string(d.join("a.ts")).unwrap(), "old");
        assert!(outcomes[0].report.diagnostics[0]
            .message
            .contains("could not be applied in b.ts"));
        // b.ts's other fixes (no group) were written.
        assert_eq!(std::fs::read_to_string(d.join("b.ts")).unwrap(), "other");
        // Both applied, both unchanged: both written, the group named.
        std::fs::write(d.join("b.ts"), "old").unwrap();
        let mut outcomes = vec![
            outcome("old", "new", Some(&tag)),
            outcome("old", "new", Some(&tag)),
        ];
        let written = write_fixed(&files[..2], &mut outcomes, d);
        assert_eq!(written, vec![tag.name.clone()]);
        assert_eq!(std::fs::read_to_string(d.join("b.ts")).unwrap(), "new");
    }
}
