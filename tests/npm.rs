//! `npm i -D kvlint` and `npx kvlint`, for real: `npm/pack.sh` packs the `kvlint` package and
//! this platform's binary package; both tarballs install into a fresh npm project (offline,
//! from the files); `npx kvlint` lints and fixes a copy of the sample Worker; and the README's
//! husky/lint-staged set-up blocks a commit of a bad file (lint-staged from tests/node).

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn tools() -> bool {
    let lint_staged = common::root().join("tests/node/node_modules/.bin/lint-staged");
    let ok = ["node", "npm", "git"].iter().all(|t| {
        Command::new(t)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) && lint_staged.exists();
    if !ok {
        common::not_run(
            "the npm test",
            "node, npm, git or tests/node's lint-staged (scripts/test installs it) is missing",
        );
    }
    ok
}

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("npm_config_update_notifier", "false")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

use common::text;

#[test]
fn npx_kvlint_from_the_packed_tarballs() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let packs = dir.path().join("packs");
    let out = run(
        &common::root(),
        "bash",
        &[
            "npm/pack.sh",
            packs.to_str().unwrap(),
            "--binary",
            assert_cmd::cargo::cargo_bin("kvlint").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    // It says what it is doing (on stderr: stdout is the two paths).
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("npm/pack.sh: packing kvlint "), "{said}");
    assert!(
        said.contains("npm/pack.sh: wrote two tarballs to "),
        "{said}"
    );
    let tarballs: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(tarballs.len(), 2, "{tarballs:?}");

    // A fresh npm Worker project: the sample Worker's sources, and kvlint from the tarballs.
    let project = dir.path().join("worker");
    common::copy_dir(&common::root().join("fixtures/sample-worker"), &project);
    std::fs::remove_file(project.join("package-lock.json")).unwrap();
    std::fs::write(
        project.join("package.json"),
        "{ \"name\": \"worker\", \"private\": true }\n",
    )
    .unwrap();
    let mut install = vec!["install", "--offline", "--no-audit", "--no-fund", "-D"];
    install.extend(tarballs.iter().map(String::as_str));
    let out = run(&project, "npm", &install);
    assert!(out.status.success(), "{}", text(&out));

    let version = run(&project, "npx", &["--no-install", "kvlint", "--version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("kvlint {}", env!("CARGO_PKG_VERSION"))
    );
    let check = run(
        &project,
        "npx",
        &["--no-install", "kvlint", "check", "--format", "compact"],
    );
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(text(&check).contains("src/worker/index.ts:130:25: error [no-kv-sessions]"));
    let before = std::fs::read_to_string(project.join("src/worker/index.ts")).unwrap();
    let fix = run(
        &project,
        "npx",
        &["--no-install", "kvlint", "check", "--fix"],
    );
    assert_eq!(fix.status.code(), Some(1), "{}", text(&fix));
    let after = std::fs::read_to_string(project.join("src/worker/index.ts")).unwrap();
    assert_ne!(before, after);
    assert!(after.contains("await c.env.SESSIONS.get<any>('social:summary', 'json')"));

    // husky + lint-staged as the README shows: a staged bad file blocks the commit.
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::rename(project.join("node_modules"), repo.join("node_modules")).unwrap();
    std::fs::write(
        repo.join("package.json"),
        r#"{ "name": "repo", "private": true, "lint-staged": { "*.{ts,tsx,js,jsx,mts,cts}": "kvlint check --force-exclude" } }"#,
    )
    .unwrap();
    std::fs::write(
        repo.join("wrangler.toml"),
        "name = \"w\"\n[[kv_namespaces]]\nbinding = \"SESSIONS\"\nid = \"x\"\n",
    )
    .unwrap();
    std::fs::write(repo.join(".gitignore"), "node_modules\n").unwrap();
    for args in [
        &["init", "-q"][..],
        &["config", "user.email", "t@example.com"],
        &["config", "user.name", "t"],
        &["add", "."],
        &["commit", "-qm", "init"],
    ] {
        let out = run(&repo, "git", args);
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    }
    let lint_staged = common::root().join("tests/node/node_modules/.bin/lint-staged");
    let hook = repo.join(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nexec \"{}\"\n", lint_staged.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(
        repo.join("bad.ts"),
        "export async function f(env: Env) {\n  await env.SESSIONS.put('cache:a', 'v');\n}\n",
    )
    .unwrap();
    assert!(run(&repo, "git", &["add", "bad.ts"]).status.success());
    let commit = run(&repo, "git", &["commit", "-qm", "bad"]);
    assert!(
        !commit.status.success(),
        "the commit went through:\n{}",
        text(&commit)
    );
    assert!(
        text(&commit).contains("require-kv-ttl"),
        "{}",
        text(&commit)
    );
    let log = run(&repo, "git", &["log", "--oneline"]);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1);
    // A good file commits.
    std::fs::write(
        repo.join("bad.ts"),
        "export async function f(env: Env) {\n  await env.SESSIONS.put('cache:a', 'v', { expirationTtl: 60 });\n}\n",
    )
    .unwrap();
    assert!(run(&repo, "git", &["add", "bad.ts"]).status.success());
    let commit = run(&repo, "git", &["commit", "-qm", "good"]);
    assert!(commit.status.success(), "{}", text(&commit));
}

/// The launcher's choice of platform package for every release target (node's test runner).
#[test]
fn the_launcher_picks_the_package_of_every_release_target() {
    if !tools() {
        return;
    }
    let out = run(
        &common::root(),
        "node",
        &["--test", "npm/kvlint/test/platform.test.js"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("# pass 4"));
}
