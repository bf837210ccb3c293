//! Helpers shared by the test harnesses.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use kvlint::config::Config;
use kvlint::diagnostic::Diagnostic;
use kvlint::fix::FixMode;
use kvlint::parse::Lang;
use kvlint::semantic::bindings::{BindingKind, BindingSource, Bindings};
use kvlint::source::Source;
use kvlint::{fix_source, lint_source, FileSettings, Selection};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bindings the rule documents assume.
pub fn doc_bindings() -> Bindings {
    let mut b = Bindings::default();
    let src = BindingSource::Config("kvlint.toml".into());
    for n in ["SESSIONS", "CACHE"] {
        b.add(n, BindingKind::Kv, src.clone());
    }
    b.add("USER_SESSIONS", BindingKind::DurableObject, src.clone());
    b.add("AUDIT_LOG", BindingKind::DurableObject, src.clone());
    b.add("ASSETS", BindingKind::Other, src);
    b
}

pub fn only(rule: &str) -> Selection {
    Selection {
        select: Some(BTreeSet::from([rule.to_string()])),
        ignore: BTreeSet::new(),
    }
}

/// What a test lints a text with (no project index).
pub fn settings<'a>(
    label: &'a str,
    lang: Lang,
    config: &'a Config,
    bindings: &'a Bindings,
    selection: &'a Selection,
) -> FileSettings<'a> {
    FileSettings {
        label,
        lang,
        dts: false,
        config,
        bindings,
        selection,
        imports: None,
        groups: Default::default(),
        workers: WORKERS.with(|w| w.get()),
    }
}

thread_local! {
    /// Whether what this thread lints runs on the Workers runtime (a rule document's example
    /// marked `workers`).
    pub static WORKERS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn lint(
    text: &str,
    lang: Lang,
    config: &Config,
    bindings: &Bindings,
    selection: &Selection,
) -> Vec<Diagnostic> {
    lint_source(
        &Source::new(text.to_string()),
        &settings("test.ts", lang, config, bindings, selection),
    )
}

/// Applies every fix (safe and unsafe) to a fixpoint; returns the text and what is left.
pub fn fix_all(
    text: &str,
    lang: Lang,
    config: &Config,
    bindings: &Bindings,
    selection: &Selection,
) -> (String, Vec<Diagnostic>) {
    fix_with(
        text,
        lang,
        config,
        bindings,
        selection,
        FixMode::SafeAndUnsafe,
    )
}

/// Applies the fixes `mode` allows to a fixpoint; returns the text and what is left.
pub fn fix_with(
    text: &str,
    lang: Lang,
    config: &Config,
    bindings: &Bindings,
    selection: &Selection,
    mode: FixMode,
) -> (String, Vec<Diagnostic>) {
    let settings = settings("test.ts", lang, config, bindings, selection);
    let fixed = fix_source(&Source::new(text.to_string()), &settings, mode);
    (
        fixed.text.unwrap_or_else(|| text.to_string()),
        fixed.diagnostics,
    )
}

/// The config and bindings kvlint would use for a file on disk (nearest kvlint.toml and
/// wrangler config).
pub fn settings_for(path: &std::path::Path) -> (std::sync::Arc<Config>, Bindings) {
    let abs = std::path::absolute(path).unwrap();
    let config = kvlint::config::ConfigResolver::discover()
        .for_file(&abs)
        .unwrap();
    let wrangler = kvlint::semantic::wrangler::WranglerResolver::default()
        .for_file(&abs)
        .unwrap();
    let bindings = kvlint::settings::file_bindings(&config, &wrangler);
    (config, bindings)
}
pub mod node;

/// Copies a folder, without its `node_modules`.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "node_modules" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `require-kv-ttl`'s configured `default_ttl`.
pub fn default_ttl(config: &Config) -> Option<i64> {
    config
        .file
        .rules
        .require_kv_ttl
        .default_ttl
        .as_ref()
        .map(|t| *t.get_ref())
}

/// A temporary folder holding the files given (path, text), folders made as needed.
pub fn files(list: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in list {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// A test whose prerequisite is missing: under `CI=true`, or under the README's test command
/// (`scripts/test` sets `KVLINT_REQUIRE_TOOLS=1`, having installed them), that fails the
/// test; otherwise (a bare `cargo test`) it says NOT RUN and the test returns early.
pub fn not_run(test: &str, why: &str) {
    let required = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("KVLINT_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    if required {
        panic!("{test} cannot run: {why} (CI=true or scripts/test requires it)");
    }
    eprintln!("NOT RUN: {test}: {why}");
}

/// `git ARGS` in `dir`, which must succeed: its output, trimmed.
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Makes `dir` a git repository with its files committed (as `base`), under a test identity.
pub fn git_repo(dir: &std::path::Path) -> String {
    git(dir, &["init", "-q"]);
    git(dir, &["config", "user.email", "test@example.com"]);
    git(dir, &["config", "user.name", "Test"]);
    git(dir, &["config", "commit.gpgsign", "false"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "base"]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A Python that can `import yaml`: the system's, else a virtual environment under `target/`
/// with PyYAML from PyPI.
pub fn python_with_yaml() -> std::path::PathBuf {
    let has_yaml = |py: &std::path::Path| {
        std::process::Command::new(py)
            .args(["-c", "import yaml"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let system = std::path::PathBuf::from("python3");
    if has_yaml(&system) {
        return system;
    }
    let venv = root().join("target/yaml-venv");
    let python = venv.join("bin/python");
    if !has_yaml(&python) {
        pip_install(&venv, "pyyaml");
    }
    python
}

/// Makes a virtual environment at `venv` (with the system's `python3`) and installs
/// `requirement` into it from PyPI; a failure of either fails the test, naming it.
pub fn pip_install(venv: &std::path::Path, requirement: &str) {
    let made = std::process::Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv)
        .output()
        .expect("python3");
    assert!(made.status.success(), "python3 -m venv: {made:?}");
    let pip = std::process::Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", requirement])
        .output()
        .expect("pip");
    assert!(
        pip.status.success(),
        "pip install {requirement} (it needs PyPI): {pip:?}"
    );
}

/// A command's standard output then standard error, as text.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
