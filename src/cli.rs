//! The command-line interface (DESIGN §5).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "kvlint",
    version,
    about = "Find and fix Workers KV anti-patterns in Cloudflare Workers code"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint files and folders (default: `.`). `kvlint PATHS` is the same.
    Check(CheckArgs),
    /// Print the rule table.
    Rules,
    /// Print a rule's document.
    Explain {
        /// The rule id, e.g. require-kv-ttl.
        id: String,
    },
    /// Write a commented kvlint.toml from the wrangler config found here.
    Init,
    /// A language server on stdio (diagnostics, quick fixes, fix-all) for editors.
    Lsp,
    /// Print code to start from.
    #[command(subcommand)]
    Scaffold(ScaffoldCommand),
    /// Show what kvlint concluded about a file.
    #[command(subcommand)]
    Debug(DebugCommand),
    /// Write a script (wrangler kv commands) that moves the stored data the configured fixes
    /// leave behind: renamed and prefixed keys, and sessions moved to a Durable Object. The
    /// script only lists what it would do unless run with --apply.
    MigrateData {
        /// Files and folders whose code the fixes rewrite (default: `.`).
        paths: Vec<PathBuf>,
        /// Write the script to this file (made executable) instead of stdout.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Use this kvlint.toml instead of the one found above each file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// What each entry point (handlers, routes, Pages Functions, framework routes, Durable
    /// Object methods) costs in KV operations per invocation, the keys of each namespace, and
    /// the monthly cost at a given traffic; before and after a change with --base or
    /// --after-fix.
    Report(ReportArgs),
}

#[derive(Args, Debug, Default)]
pub struct ReportArgs {
    /// Files and folders whose entries are reported (default: `.`).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
    /// Requests per month of each entry: a TOML or JSON file of entry name (as the report
    /// shows it, or `file:name`; `*` for the rest) to requests.
    #[arg(long, value_name = "FILE", conflicts_with = "requests")]
    pub traffic: Option<PathBuf>,
    /// Requests per month, for every entry.
    #[arg(long, value_name = "N")]
    pub requests: Option<f64>,
    /// Compare with this git revision (read with `git archive`; the work tree is not
    /// touched).
    #[arg(long, value_name = "REF", conflicts_with = "after_fix")]
    pub base: Option<String>,
    /// Compare with the code as `kvlint check --fix` would leave it (`=unsafe`: with
    /// --unsafe-fixes), fixed in a temporary copy.
    #[arg(long, value_name = "unsafe", num_args = 0..=1, default_missing_value = "safe")]
    pub after_fix: Option<AfterFix>,
    /// Use this kvlint.toml instead of the one found above each file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write the report to a file instead of stdout.
    #[arg(short = 'o', long = "output-file")]
    pub output_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    #[default]
    Human,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AfterFix {
    Safe,
    Unsafe,
}

#[derive(Subcommand, Debug)]
pub enum ScaffoldCommand {
    /// A Durable Object with the KV-compatible session methods no-kv-sessions rewrites to,
    /// and the wrangler configuration that binds it.
    SessionObject {
        /// The class name.
        #[arg(long = "class", default_value = "SessionStore")]
        class: String,
        /// The binding name (default: `durable_object` in kvlint.toml, else USER_SESSIONS).
        #[arg(long)]
        binding: Option<String>,
        /// The KV binding the sessions were kept in: the object reads a session still stored
        /// there once (default: the one of `session_namespaces`, else the wrangler config's
        /// one KV binding).
        #[arg(long)]
        kv_binding: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DebugCommand {
    /// Each KV call the semantic model found, and why its receiver is a KV namespace.
    Bindings {
        file: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Compact,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug, Default)]
pub struct CheckArgs {
    /// Files or folders to lint.
    pub paths: Vec<PathBuf>,
    /// Apply safe fixes in place.
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff, also apply unsafe fixes.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff and change nothing; exit 1 if there is any.
    #[arg(long)]
    pub diff: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Option<Format>,
    /// Write the report to a file instead of stdout.
    #[arg(short = 'o', long = "output-file")]
    pub output_file: Option<PathBuf>,
    /// Only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Not these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Use this kvlint.toml for every file.
    #[arg(long, conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore every kvlint.toml.
    #[arg(long)]
    pub no_config: bool,
    /// Apply `exclude` to files named on the command line too.
    #[arg(long)]
    pub force_exclude: bool,
    /// Report errors only.
    #[arg(long)]
    pub quiet: bool,
    /// Read the source from stdin, as if it were this file (with --fix: print the result).
    #[arg(long)]
    pub stdin_filename: Option<PathBuf>,
    /// Exit 0 even with findings (never hides exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Fail only on errors or more than N warnings.
    #[arg(long)]
    pub max_warnings: Option<usize>,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Option<Color>,
    /// Seconds one file may take before it is abandoned with an error (default 10).
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub file_timeout: Option<f64>,
    /// Print a count per rule (with how many are fixable) instead of each diagnostic.
    #[arg(long)]
    pub statistics: bool,
    /// Parse every file, even those the prefilter says cannot hold a finding (for tests
    /// that show the prefilter changes nothing).
    #[arg(long, hide = true)]
    pub no_prefilter: bool,
    /// Use no project index (what other files declare), for measuring what it costs.
    #[arg(long, hide = true)]
    pub no_project_index: bool,
    /// With --fix: exit 1 when a file was changed, even if nothing is left to report.
    #[arg(long)]
    pub exit_non_zero_on_fix: bool,
    /// Insert a `kvlint-disable-next-line <id> -- baseline` comment above every finding,
    /// so that only new findings fail (adopting kvlint in a large repository).
    #[arg(long, conflicts_with_all = ["fix", "diff", "stdin_filename"])]
    pub add_suppressions: bool,
    /// Lint only files changed since this git revision (and not deleted).
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// Lint only files staged in git.
    #[arg(long, conflicts_with = "changed_since")]
    pub staged: bool,
    /// Number of threads (default: one per core).
    #[arg(long, hide = true)]
    pub threads: Option<usize>,
    /// Print nothing but the report (`kvlint report --after-fix` fixes a copy in-process;
    /// the summary and next steps would be about files the user did not ask to change).
    #[arg(skip)]
    pub silent: bool,
}

const SUBCOMMANDS: [&str; 10] = [
    "check",
    "rules",
    "explain",
    "init",
    "scaffold",
    "lsp",
    "debug",
    "migrate-data",
    "report",
    "help",
];

/// `kvlint PATHS…` means `kvlint check PATHS…`.
pub fn normalize_args(mut args: Vec<String>) -> Vec<String> {
    match args.get(1).map(String::as_str) {
        None => args.push("check".into()),
        Some("-h" | "--help" | "-V" | "--version") => {}
        Some(first) if SUBCOMMANDS.contains(&first) => {}
        Some(_) => args.insert(1, "check".into()),
    }
    args
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}
