//! `kvlint report` (DESIGN §5): the reports of fixtures for every kind of entry point,
//! written out by hand in each fixture's `expected.txt`; the numbers against what the sample
//! Worker does under Miniflare, route by route, before and after `--fix --unsafe-fixes`;
//! costs, budgets, traffic files, `--base` and `--after-fix`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn kvlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn report_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["report", "--format", "json"];
    args.extend(extra);
    let out = kvlint(dir, &args);
    assert!(
        out.status.success(),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn entry<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no entry {name} in {report:#}"))
}

/// `min` and `max` of one kind of an entry's count per invocation.
fn range(e: &Value, kind: &str) -> (u64, u64) {
    let c = &e["per_invocation"];
    (
        c["min"][kind].as_u64().unwrap(),
        c["max"][kind].as_u64().unwrap(),
    )
}

const KINDS: [&str; 4] = ["reads", "writes", "deletes", "lists"];

#[test]
fn each_fixture_reports_what_its_expected_report_says() {
    let root = common::root().join("fixtures/report");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 9, "{dirs:?}");
    for dir in dirs {
        let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
        let out = kvlint(&dir, &["report"]);
        assert_eq!(out.status.code(), Some(0), "{}", dir.display());
        assert_eq!(stdout(&out), expected, "{}", dir.display());
    }
}

#[test]
fn the_json_model_counts_paths_loops_background_and_bulk_reads() {
    let dir = common::root().join("fixtures/report/module-worker");
    let r = report_json(&dir, &[]);
    let fetch = entry(&r, "fetch");
    assert_eq!(range(fetch, "reads"), (1, 1));
    // The cache miss writes the user; the visit is marked, and written in the background,
    // either way.
    assert_eq!(range(fetch, "writes"), (2, 3));
    assert_eq!(fetch["per_invocation"]["background"]["writes"], 1);
    assert_eq!(fetch["hit"]["max"]["writes"], 2);
    assert_eq!(
        fetch["per_invocation"]["by_namespace"]["CACHE"]["max"]["writes"],
        1
    );
    let queue = entry(&r, "queue");
    // A bulk read of three keys, and three reads in a counted loop.
    assert_eq!(range(queue, "reads"), (6, 6));
    assert_eq!(queue["over_limit"], false);
    let scheduled = entry(&r, "scheduled");
    assert_eq!(range(scheduled, "deletes"), (0, 1));
    assert_eq!(scheduled["per_invocation"]["per_item"]["deletes"], 1);
    assert_eq!(scheduled["per_invocation"]["unbounded"], true);
    assert_eq!(scheduled["over_limit"], true);
    // A helper's key parameter is the key its callers pass, on the namespace they pass,
    // also through a helper that passes both on.
    let keys = |ns: &str| -> Vec<String> {
        r["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == ns)
            .unwrap()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["pattern"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(keys("CACHE").contains(&"queue:last".to_string()));
    assert!(keys("CACHE").contains(&"cleanup:last".to_string()));
    assert!(keys("KV").contains(&"visit:${…}".to_string()));
    assert!(!keys("KV").contains(&"queue:last".to_string()));
    // Deterministic.
    assert_eq!(r, report_json(&dir, &[]));
}

#[test]
fn costs_follow_the_traffic_and_the_published_prices() {
    let dir = common::root().join("fixtures/report/itty");
    // 20M redirects (one read each) and 2M new links (one write each).
    let t = common::files(&[(
        "traffic.toml",
        "\"GET /l/:slug\" = 20_000_000\n\"POST /l\" = 2_000_000\n",
    )]);
    let traffic = t.path().join("traffic.toml");
    let r = report_json(&dir, &["--traffic", traffic.to_str().unwrap()]);
    assert_eq!(r["monthly"]["max"]["reads"], 20_000_000.0);
    assert_eq!(r["monthly"]["max"]["writes"], 2_000_000.0);
    // 10M reads and 1M writes are included: 10M × $0.50 + 1M × $5.00 per million.
    assert_eq!(r["monthly"]["usd_billed_max"], 10.0);
    assert_eq!(
        entry(&r, "POST /l")["monthly"]["usd_max_before_included"],
        10.0
    );
    // Per namespace: 20M reads at $0.50 and 2M writes at $5.00 per million.
    assert_eq!(
        r["monthly"]["by_namespace"]["LINKS"]["usd_before_included"],
        20.0
    );
    assert_eq!(r["monthly"]["by_namespace"]["LINKS"]["reads"], 20_000_000.0);
    // The same as JSON.
    let json = t.path().join("traffic.json");
    std::fs::write(&json, r#"{"GET /l/:slug": 20000000, "*": 2000000}"#).unwrap();
    let j = report_json(&dir, &["--traffic", json.to_str().unwrap()]);
    assert_eq!(j["monthly"], r["monthly"]);
    // A name that matches no entry is an error, not a silent zero.
    std::fs::write(&traffic, "\"GET /nope\" = 5\n").unwrap();
    let out = kvlint(&dir, &["report", "--traffic", traffic.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`GET /nope`"));
    // Prices from kvlint.toml.
    let p = common::files(&[]);
    common::copy_dir(&dir, p.path());
    std::fs::write(
        p.path().join("kvlint.toml"),
        "[report.pricing]\nreads_per_million = 1.0\nreads_included = 0\n",
    )
    .unwrap();
    let priced = report_json(p.path(), &["--requests", "1000000"]);
    // 1M reads at $1, and 1M writes, all included.
    assert_eq!(priced["monthly"]["usd_billed_max"], 1.0);
}

#[test]
fn a_budget_passed_fails_the_run_and_says_which() {
    let p = common::files(&[]);
    common::copy_dir(&common::root().join("fixtures/report/itty"), p.path());
    std::fs::write(
        p.path().join("kvlint.toml"),
        "[report.budget]\nreads_per_month = 1_000_000\nusd_per_month = 100.0\n",
    )
    .unwrap();
    let over = kvlint(p.path(), &["report", "--requests", "5000000"]);
    assert_eq!(over.status.code(), Some(1), "{}", stdout(&over));
    let text = stdout(&over);
    assert!(
        text.contains("reads: 5,000,000 a month at most, over the budget of 1,000,000"),
        "{text}"
    );
    assert!(!text.contains("cost:"), "{text}");
    let under = kvlint(p.path(), &["report", "--requests", "1000"]);
    assert_eq!(under.status.code(), Some(0), "{}", stdout(&under));
}

#[test]
fn base_compares_with_a_revision_without_touching_the_work_tree() {
    let p = common::files(&[]);
    let d = p.path();
    common::copy_dir(&common::root().join("fixtures/report/hono"), d);
    std::fs::remove_file(d.join("expected.txt")).unwrap();
    common::git_repo(d);
    // The head reads a user's profile and settings in one bulk read, and drops the flags
    // route.
    let users = std::fs::read_to_string(d.join("src/users.ts")).unwrap();
    let users = users.replace(
        "const [profile, settings] = await Promise.all([\n    c.env.KV.get(`user:${c.req.param('id')}`),\n    c.env.KV.get(`user:${c.req.param('id')}:settings`),\n  ]);",
        "const id = c.req.param('id');\n  const both = await c.env.KV.get([`user:${id}`, `user:${id}:settings`]);\n  const [profile, settings] = [both.get(`user:${id}`), both.get(`user:${id}:settings`)];",
    );
    assert!(users.contains("KV.get(["));
    std::fs::write(d.join("src/users.ts"), &users).unwrap();
    let index = std::fs::read_to_string(d.join("src/index.ts")).unwrap();
    let flags = index.find("  .post('/flags/:name'").unwrap();
    let end = index[flags..].find("  });\n").unwrap() + flags + "  });\n".len();
    let index = format!("{};\n{}", index[..flags].trim_end(), &index[end..]);
    std::fs::write(d.join("src/index.ts"), &index).unwrap();
    let status_before = Command::new("git")
        .current_dir(d)
        .args(["status", "--porcelain"])
        .output()
        .unwrap()
        .stdout;

    let out = kvlint(
        d,
        &[
            "report",
            "--base",
            "HEAD",
            "--format",
            "markdown",
            "--requests",
            "1000000",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let md = stdout(&out);
    // Changed entries first: the flags route is gone; the users route makes the same reads
    // (a bulk read bills one read per key) in fewer calls.
    let changed = md.find("| Entry | Before | After |").expect(&md);
    let gone = md.find("`POST /api/flags/:name`").expect(&md);
    assert!(gone > changed, "{md}");
    assert!(
        md.contains("Compared with HEAD: **2 of 4 entries changed**"),
        "{md}"
    );
    assert!(
        md.contains("| `GET /api/users/:id` | 0–3 reads | 0–3 reads in 2 calls | +$0.00 |"),
        "{md}"
    );
    assert!(
        md.contains("0–1 read, 0–1 write | (no such entry) | -$5.50"),
        "{md}"
    );
    // The work tree and the index are as they were.
    let status_after = Command::new("git")
        .current_dir(d)
        .args(["status", "--porcelain"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(status_before, status_after);
    let j = report_json(d, &["--base", "HEAD"]);
    assert_eq!(j["before"]["changes"].as_array().unwrap().len(), 2);
    assert_eq!(j["before"]["what"], "HEAD");
}

#[test]
fn after_fix_reports_the_code_the_fixes_leave_and_writes_nothing() {
    let sample = common::root().join("fixtures/sample-worker");
    let a = common::files(&[]);
    common::copy_dir(&sample, a.path());
    let before_text = std::fs::read_to_string(a.path().join("src/worker/index.ts")).unwrap();
    let compared = report_json(a.path(), &["--after-fix=unsafe"]);
    // Nothing written.
    assert_eq!(
        std::fs::read_to_string(a.path().join("src/worker/index.ts")).unwrap(),
        before_text
    );
    // The "after" is what a real fix gives.
    let b = common::files(&[]);
    common::copy_dir(&sample, b.path());
    let fixed = kvlint(b.path(), &["check", "--fix", "--unsafe-fixes"]);
    assert_ne!(fixed.status.code(), Some(2), "{}", stdout(&fixed));
    let after = report_json(b.path(), &[]);
    assert_eq!(compared["entries"], after["entries"]);
    assert_eq!(compared["namespaces"], after["namespaces"]);
    // Sessions moved to the Durable Object: the session routes make no KV operation.
    let changes = compared["before"]["changes"].as_array().unwrap();
    let callback = changes
        .iter()
        .find(|c| c["name"] == "GET /api/spotify/callback")
        .expect("the callback changed");
    assert_eq!(callback["before"]["max"]["writes"], 1);
    assert_eq!(callback["after"]["max"]["writes"], 0);
    // The keys the fix renames or moves, and what that means for the stored data.
    let gone: Vec<&str> = compared["before"]["keys_gone"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(gone.contains(&"SESSIONS `fb_app_access_token`"), "{gone:?}");
    assert!(
        gone.contains(&"SESSIONS `spotify_session:${…}`"),
        "{gone:?}"
    );
    assert!(compared["before"]["keys_new"]
        .as_array()
        .unwrap()
        .contains(&Value::from("SESSIONS `oauth:facebook:app_token`")));
    let human = stdout(&kvlint(a.path(), &["report", "--after-fix=unsafe"]));
    assert!(
        human.contains("move its data before deploying (`kvlint migrate-data`)"),
        "{human}"
    );
    assert!(
        human.contains("GET /api/spotify/callback: 1 write → none"),
        "{human}"
    );
}

/// Whether node, Miniflare and the sample's packages are here (scripts/test installs them).
fn tools() -> bool {
    let sample = common::root().join("fixtures/sample-worker");
    let needed = [
        sample.join("node_modules/hono/package.json"),
        common::root().join("tests/node/node_modules/miniflare/package.json"),
        common::root().join("tests/node/node_modules/esbuild/package.json"),
    ];
    let missing: Vec<String> = needed
        .iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        return true;
    }
    common::not_run(
        "the report's Miniflare proof",
        &format!(
            "missing {} (scripts/test installs them)",
            missing.join(", ")
        ),
    );
    false
}

/// Drives every route of the worker in `dir` under Miniflare and checks each request's KV
/// operations against the report: within its minimum and maximum, kind by kind.
fn observed_within_report(dir: &Path) -> usize {
    let report = report_json(dir, &[]);
    let out = Command::new("node")
        .arg(common::root().join("tests/node/report-flow.mjs"))
        .arg(dir)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "report-flow.mjs failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let observed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let observed = observed.as_array().unwrap();
    assert!(observed.len() >= 15);
    let mut entries_seen = std::collections::BTreeSet::new();
    for o in observed {
        let name = o["entry"].as_str().unwrap();
        let e = entry(&report, name);
        entries_seen.insert(name.to_string());
        for kind in KINDS {
            let (min, max) = range(e, kind);
            let per_item = e["per_invocation"]["per_item"][kind].as_u64().unwrap();
            let n = o[kind].as_u64().unwrap();
            assert!(
                n >= min && (n <= max || per_item > 0),
                "{name}: {n} {kind} observed, the report says {min}–{max}"
            );
        }
    }
    // Every route the report counts KV for was driven.
    for e in report["entries"].as_array().unwrap() {
        let any = KINDS.iter().any(|k| range(e, k).1 > 0);
        if any && e["kind"] == "route" {
            assert!(
                entries_seen.contains(e["name"].as_str().unwrap()),
                "{} was not driven",
                e["name"]
            );
        }
    }
    observed.len()
}

#[test]
fn every_route_of_the_sample_worker_makes_the_operations_the_report_says() {
    if !tools() {
        return;
    }
    let sample = common::root().join("fixtures/sample-worker");
    let dir = common::files(&[]);
    common::copy_dir(&sample, dir.path());
    #[cfg(unix)]
    std::os::unix::fs::symlink(sample.join("node_modules"), dir.path().join("node_modules"))
        .unwrap();
    let before = observed_within_report(dir.path());
    let fixed = kvlint(dir.path(), &["check", "--fix", "--unsafe-fixes"]);
    assert_ne!(fixed.status.code(), Some(2), "{}", stdout(&fixed));
    let after = observed_within_report(dir.path());
    eprintln!("{before} requests before the fix and {after} after, each within the report");
}

#[test]
fn files_that_cannot_be_parsed_are_named_and_the_rest_is_counted() {
    let deep = format!("const x = {}{};\n", "[".repeat(5000), "]".repeat(5000));
    let p = common::files(&[
        ("package.json", "{}"),
        (
            "wrangler.toml",
            "name = \"x\"\nmain = \"src/index.ts\"\n[[kv_namespaces]]\nbinding = \"KV\"\nid = \"a\"\n",
        ),
        (
            "src/index.ts",
            "export default { async fetch(r: Request, env: { KV: KVNamespace }) { return new Response(await env.KV.get('a:b')); } };\n",
        ),
        ("src/bad.ts", "export const x = (;\n"),
        ("src/deep.ts", &deep),
    ]);
    let out = kvlint(p.path(), &["report", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(range(entry(&r, "fetch"), "reads"), (1, 1));
    let unread: Vec<&str> = r["unread"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(unread.len(), 2, "{unread:?}");
    assert!(unread[0].starts_with("src/bad.ts:1:19: "), "{unread:?}");
    assert!(unread[1].starts_with("src/deep.ts:1:"), "{unread:?}");
    let human = stdout(&kvlint(p.path(), &["report"]));
    assert!(human.contains("Not read (their operations are not in this report):"));
}
