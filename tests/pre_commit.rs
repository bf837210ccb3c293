//! The hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit framework (from PyPI,
//! installed into a virtual environment under `target/`). Building kvlint through
//! `language: rust` would compile it again inside pre-commit's cache, which is too slow for
//! CI, so the test runs the same hook definitions with `language: system` against the
//! kvlint binary cargo built. It needs python3 and the PyPI registry: without them it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::root;

fn sh(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", root().join("target/pre-commit-home"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

/// The pre-commit executable, installed once into target/pre-commit-venv.
fn pre_commit() -> PathBuf {
    static EXE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    EXE.get_or_init(install).clone()
}

fn install() -> PathBuf {
    let venv = root().join("target/pre-commit-venv");
    let exe = venv.join("bin/pre-commit");
    if !exe.is_file() {
        common::pip_install(&venv, "pre-commit");
    }
    exe
}

/// The hooks of .pre-commit-hooks.yaml as a local config running the built binary.
fn local_config() -> String {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let kvlint = env!("CARGO_BIN_EXE_kvlint");
    let mut out = String::from("repos:\n  - repo: local\n    hooks:\n");
    for line in hooks
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
    {
        let line = line
            .replace("language: rust", "language: system")
            .replace("entry: kvlint ", &format!("entry: {kvlint} "));
        out.push_str("      ");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn git(dir: &Path, args: &[&str]) -> Output {
    sh(dir, "git", args)
}

fn repo(hook: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(git(d, &["init", "-q"]).status.success());
    git(d, &["config", "user.email", "test@example.com"]);
    git(d, &["config", "user.name", "Test"]);
    git(d, &["config", "commit.gpgsign", "false"]);
    let config = local_config();
    // Only the hook under test.
    let mut kept = String::from("repos:\n  - repo: local\n    hooks:\n");
    for block in config.split("      - id: ").skip(1) {
        if block.starts_with(&format!("{hook}\n")) {
            kept.push_str("      - id: ");
            kept.push_str(block);
        }
    }
    std::fs::write(d.join(".pre-commit-config.yaml"), kept).unwrap();
    std::fs::write(
        d.join("wrangler.toml"),
        "name = \"w\"\n[[kv_namespaces]]\nbinding = \"SESSIONS\"\nid = \"x\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("kvlint.toml"),
        "[rules.require-kv-ttl]\ndefault_ttl = 600\n",
    )
    .unwrap();
    std::fs::write(d.join("README.md"), "not linted\n").unwrap();
    let out = sh(d, pre_commit().to_str().unwrap(), &["install"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    git(d, &["add", "."]);
    dir
}

const BAD: &str = "export default { async fetch(r: Request, env: Env) { await env.SESSIONS.put('cache:a', 'v'); return new Response(''); } };\n";
const GOOD: &str = "export default { async fetch(r: Request, env: Env) { await env.SESSIONS.put('cache:a', 'v', { expirationTtl: 600 }); return new Response(''); } };\n";

/// A finding with a safe fix (the fix hook runs `--fix`, which never adds a TTL).
const PARSED: &str = "export default { async fetch(r: Request, env: Env) { return Response.json(JSON.parse(await env.SESSIONS.get('cache:a'))); } };\n";
const PARSED_FIXED: &str = "export default { async fetch(r: Request, env: Env) { return Response.json(await env.SESSIONS.get<any>('cache:a', 'json')); } };\n";

#[test]
fn the_check_hook_blocks_a_bad_commit_and_passes_a_good_one() {
    let dir = repo("kvlint");
    let d = dir.path();
    std::fs::write(d.join("worker.ts"), BAD).unwrap();
    git(d, &["add", "worker.ts"]);
    let out = git(d, &["commit", "-q", "-m", "bad"]);
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the bad commit went through:\n{log}");
    assert!(log.contains("require-kv-ttl"), "{log}");
    std::fs::write(d.join("worker.ts"), GOOD).unwrap();
    git(d, &["add", "worker.ts"]);
    let out = git(d, &["commit", "-q", "-m", "good"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_fix_hook_fixes_and_fails_the_commit_then_passes() {
    let dir = repo("kvlint-fix");
    let d = dir.path();
    std::fs::write(d.join("worker.ts"), PARSED).unwrap();
    git(d, &["add", "worker.ts"]);
    let out = git(d, &["commit", "-q", "-m", "fix me"]);
    assert!(
        !out.status.success(),
        "a commit whose files the hook changed must fail"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("worker.ts")).unwrap(),
        PARSED_FIXED
    );
    git(d, &["add", "worker.ts"]);
    let out = git(d, &["commit", "-q", "-m", "fixed"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
