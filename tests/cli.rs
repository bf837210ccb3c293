//! End to end: exit codes, formats, --fix writing files, --diff, config errors,
//! a parse error beside a good file, suppressions.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const WRANGLER: &str = "name = \"w\"\n[[kv_namespaces]]\nbinding = \"SESSIONS\"\nid = \"x\"\n[[r2_buckets]]\nbinding = \"ASSETS\"\nbucket_name = \"a\"\n";

const BAD: &str = "export default {\n  async fetch(req: Request, env: Env) {\n    await env.SESSIONS.put('cache:a', 'v');\n    return new Response('ok');\n  },\n};\n";

/// `require-kv-ttl`'s fix is unsafe (applied by `--fix --unsafe-fixes`) once the user has chosen a TTL.
const DEFAULT_TTL: (&str, &str) = (
    "kvlint.toml",
    "[rules.require-kv-ttl]\ndefault_ttl = 3600\n",
);

/// A static key read without `cacheTtl`: an unsafe fix (no `cache_ttl` configured).
const UNCACHED: &str = "export default {\n  async fetch(req: Request, env: Env) {\n    return new Response(await env.SESSIONS.get('config:flags'));\n  },\n};\n";

const GOOD: &str = "export default {\n  async fetch(req: Request, env: Env) {\n    await env.SESSIONS.put('cache:a', 'v', { expirationTtl: 60 });\n    await env.ASSETS.put('a', 'b');\n    return new Response('ok');\n  },\n};\n";

fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = common::files(files);
    if !dir.path().join("wrangler.toml").exists() {
        std::fs::write(dir.path().join("wrangler.toml"), WRANGLER).unwrap();
    }
    dir
}

fn kvlint(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("kvlint").unwrap();
    c.current_dir(dir).env_remove("NO_COLOR");
    c
}

fn read(dir: &TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join(name)).unwrap()
}

#[test]
fn exit_codes() {
    let good = project(&[("src/good.ts", GOOD)]);
    kvlint(good.path())
        .arg("check")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("All checks passed"));
    let bad = project(&[("src/bad.ts", BAD)]);
    kvlint(bad.path()).args(["check", "src"]).assert().code(1);
    kvlint(bad.path())
        .args(["check", "--exit-zero"])
        .assert()
        .code(0);
    kvlint(bad.path())
        .args(["check", "--max-warnings", "1"])
        .assert()
        .code(0);
    kvlint(bad.path())
        .args(["check", "--max-warnings", "0"])
        .assert()
        .code(1);
    kvlint(bad.path())
        .args(["check", "--ignore", "require-kv-ttl"])
        .assert()
        .code(0);
    kvlint(bad.path())
        .args(["check", "--select", "no-invalid-kv-ttl"])
        .assert()
        .code(0);
    kvlint(bad.path())
        .args(["check", "--quiet"])
        .assert()
        .code(0);
    kvlint(bad.path())
        .args(["check", "--select", "no-such-rule"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-rule"));
    kvlint(bad.path())
        .args(["check", "missing.ts"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.ts"));
    // `kvlint PATHS` is `kvlint check PATHS`.
    kvlint(bad.path()).arg("src/bad.ts").assert().code(1);
}

#[test]
fn compact_and_json_formats() {
    let dir = project(&[("src/bad.ts", &format!("// é😀\n{BAD}"))]);
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(1)
        .stdout("src/bad.ts:4:11: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n");
    let out = kvlint(dir.path())
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v[0];
    assert_eq!(d["rule"], "require-kv-ttl");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["file"], "src/bad.ts");
    assert_eq!(d["location"], serde_json::json!({"line": 4, "column": 11}));
    assert_eq!(
        d["end_location"],
        serde_json::json!({"line": 4, "column": 43})
    );
    // No default_ttl configured: the TTL fix is shown, never applied.
    assert_eq!(d["fix"]["applicability"], "display-only");
    assert_eq!(d["fix"]["edits"][0]["content"], ", { expirationTtl: 3600 }");
    assert_eq!(
        d["fix"]["edits"][0]["location"],
        serde_json::json!({"line": 4, "column": 42})
    );
    // No address is invented, and no path into kvlint's sources is given: without
    // KVLINT_DOCS_URL at build time, the command that prints the document.
    assert_eq!(d["url"], "kvlint explain require-kv-ttl");
    assert!(d["help"].as_str().unwrap().contains("expirationTtl"));
}

#[test]
fn json_columns_are_utf16() {
    let src = "const s = '😀'; export default { async fetch(r: Request, env: Env) { await env.SESSIONS.put('k', s); } };\n";
    let dir = project(&[("a.ts", src)]);
    let out = kvlint(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Byte column of `env.SESSIONS.put` is 75; the emoji is 4 bytes but 2 UTF-16 units.
    let byte_col = src.find("env.SESSIONS.put").unwrap() + 1;
    assert_eq!(v[0]["location"]["column"], byte_col - 2);
}

#[test]
fn human_output_has_frame_help_id_and_link() {
    let dir = project(&[("src/bad.ts", BAD)]);
    kvlint(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("kvlint(require-kv-ttl)"))
        // The header gives the call's start, as compact, JSON, SARIF and the LSP do.
        .stdout(predicate::str::contains("[src/bad.ts:3:11]"))
        .stdout(predicate::str::contains(
            "await env.SESSIONS.put('cache:a', 'v');",
        ))
        .stdout(predicate::str::contains("help: Add an `expirationTtl`"))
        .stdout(predicate::str::contains("rules/require-kv-ttl.md").not())
        .stdout(predicate::str::contains("`kvlint explain require-kv-ttl`"))
        .stdout(predicate::str::contains("\u{1b}[").not())
        .stdout(predicate::str::contains(
            "Suggested fix (not applied automatically)",
        ))
        .stderr(predicate::str::contains(
            "Found 1 problem (0 errors, 1 warning) in 1 file checked.",
        ))
        .stderr(predicate::str::contains("fixable").not());
}

#[test]
fn output_file() {
    let dir = project(&[("src/bad.ts", BAD)]);
    kvlint(dir.path())
        .args(["check", "--format", "compact", "-o", "report.txt"])
        .assert()
        .code(1)
        .stdout("");
    assert!(read(&dir, "report.txt").starts_with("src/bad.ts:3:11: warning [require-kv-ttl]"));
}

#[test]
fn fix_writes_only_with_permission_for_unsafe_fixes() {
    let dir = project(&[("src/uncached.ts", UNCACHED)]);
    // The cacheTtl fix is unsafe without cache_ttl: --fix alone changes nothing.
    kvlint(dir.path()).args(["check", "--fix"]).assert().code(1);
    assert_eq!(read(&dir, "src/uncached.ts"), UNCACHED);
    kvlint(dir.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Fixed 1 issue"));
    assert_eq!(
        read(&dir, "src/uncached.ts"),
        UNCACHED.replace("'config:flags')", "'config:flags', { cacheTtl: 3600 })")
    );
}

#[test]
fn display_only_fixes_are_never_applied() {
    // Without default_ttl, a TTL would be a guess that deletes data meant to last.
    let dir = project(&[("src/bad.ts", BAD)]);
    for args in [
        &["check", "--fix"][..],
        &["check", "--fix", "--unsafe-fixes"],
    ] {
        kvlint(dir.path()).args(args).assert().code(1);
        assert_eq!(read(&dir, "src/bad.ts"), BAD);
    }
    kvlint(dir.path())
        .args(["check", "--diff", "--unsafe-fixes"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn configured_default_ttl_makes_the_fix_unsafe_not_safe() {
    let dir = project(&[
        ("src/bad.ts", BAD),
        ("kvlint.toml", "[rules.require-kv-ttl]\ndefault_ttl = 600\n"),
    ]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("src/bad.ts"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
    }
    // An expiry deletes records meant to last: `--fix` alone never adds one.
    kvlint(dir.path())
        .args(["check", "--fix"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "1 more fixable with --fix --unsafe-fixes (require-kv-ttl: 1)",
        ));
    assert_eq!(read(&dir, "src/bad.ts"), BAD);
    kvlint(dir.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(0);
    assert_eq!(
        read(&dir, "src/bad.ts"),
        BAD.replace("'v');", "'v', { expirationTtl: 600 });")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("src/bad.ts"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640, "permissions kept");
    }
    // No temporary files left behind.
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path().join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn fix_keeps_bom_and_crlf() {
    let input = format!("\u{feff}{}", BAD.replace('\n', "\r\n"));
    let dir = project(&[("src/bad.ts", &input), DEFAULT_TTL]);
    kvlint(dir.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(0);
    assert_eq!(
        read(&dir, "src/bad.ts"),
        input.replace("'v');", "'v', { expirationTtl: 3600 });")
    );
}

#[test]
fn diff_prints_and_changes_nothing() {
    let dir = project(&[("src/bad.ts", UNCACHED)]);
    kvlint(dir.path())
        .args(["check", "--diff", "--unsafe-fixes"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("--- a/src/bad.ts\n+++ b/src/bad.ts\n"))
        .stdout(predicate::str::contains("-    return new Response(await env.SESSIONS.get('config:flags'));\n+    return new Response(await env.SESSIONS.get('config:flags', { cacheTtl: 3600 }));\n"));
    assert_eq!(read(&dir, "src/bad.ts"), UNCACHED);
    // Only safe fixes: none here, so the diff is empty and the exit code 0.
    kvlint(dir.path())
        .args(["check", "--diff"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn parse_error_beside_a_good_file() {
    let dir = project(&[
        ("src/bad.ts", BAD),
        ("src/broken.ts", "const SESSIONS = ;\n"),
        DEFAULT_TTL,
    ]);
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "src/broken.ts:1:18: error [syntax-error] Syntax error:",
        ))
        .stdout(predicate::str::contains(
            "src/bad.ts:3:11: warning [require-kv-ttl]",
        ));
    // --fix: the good file is still fixed, the broken one left alone.
    kvlint(dir.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(2);
    assert!(read(&dir, "src/bad.ts").contains("expirationTtl: 3600"));
    assert_eq!(read(&dir, "src/broken.ts"), "const SESSIONS = ;\n");
}

#[test]
fn config_errors_name_file_line_and_key() {
    let dir = project(&[
        ("src/bad.ts", BAD),
        ("kvlint.toml", "[rules.require-kv-ttl]\ndefault_tll = 600\n"),
    ]);
    kvlint(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("kvlint.toml:2:1"))
        .stderr(predicate::str::contains("default_tll"));
    let dir = project(&[
        ("src/bad.ts", BAD),
        ("kvlint.toml", "[rules.require-kv-ttl]\ndefault_ttl = 10\n"),
    ]);
    kvlint(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("kvlint.toml:2:15"));
    // --no-config ignores it; --config uses another.
    kvlint(dir.path())
        .args(["check", "--no-config"])
        .assert()
        .code(1);
    std::fs::write(
        dir.path().join("other.toml"),
        "[rules.require-kv-ttl]\nseverity = \"off\"\n",
    )
    .unwrap();
    kvlint(dir.path())
        .args(["check", "--config", "other.toml"])
        .assert()
        .code(0);
}

#[test]
fn config_severity_include_exclude_and_bindings() {
    let dir = project(&[
        ("src/bad.ts", BAD),
        ("src/bad.test.ts", BAD),
        ("lib/other.ts", BAD),
        ("kvlint.toml", "include = [\"src/**/*.ts\"]\nexclude = [\"**/*.test.ts\"]\n[rules.require-kv-ttl]\nseverity = \"error\"\n"),
    ]);
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(1)
        .stdout("src/bad.ts:3:11: error [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n");
    // Named explicitly, an excluded file is linted, unless --force-exclude.
    kvlint(dir.path())
        .args(["check", "src/bad.test.ts"])
        .assert()
        .code(1);
    kvlint(dir.path())
        .args(["check", "--force-exclude", "src/bad.test.ts"])
        .assert()
        .code(0);
    // [bindings] in kvlint.toml names KV bindings without a wrangler config.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kvlint.toml"),
        "[bindings]\nkv = [\"CACHE\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.js"),
        "export default { async fetch(r, env) { await env.CACHE.put('k', 'v'); } };\n",
    )
    .unwrap();
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("a.js:1:46"));
}

#[test]
fn gitignore_and_node_modules_are_skipped() {
    let dir = project(&[
        ("src/good.ts", GOOD),
        ("node_modules/pkg/index.ts", BAD),
        ("dist/out.ts", BAD),
        (".gitignore", "dist/\n"),
    ]);
    kvlint(dir.path()).arg("check").assert().code(0);
}

#[test]
fn wrangler_jsonc_environments() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wrangler.jsonc"),
        "{\n  // staging only\n  \"env\": { \"staging\": { \"kv_namespaces\": [{ \"binding\": \"STAGING_KV\", \"id\": \"x\" },] } },\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("w.ts"),
        "export async function f(env: Env) { await env.STAGING_KV.put('k', 'v'); }\n",
    )
    .unwrap();
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[require-kv-ttl]"));
}

#[test]
fn suppressions_and_unused_suppressions() {
    let src = "export async function f(env: Env) {\n  // kvlint-disable-next-line require-kv-ttl -- permanent\n  await env.SESSIONS.put('cache:a', 'v');\n  // kvlint-disable-next-line require-kv-ttl\n  const x = 1;\n  /* kvlint-disable-line no-such-rule */\n  return x;\n}\n";
    let dir = project(&[("a.ts", src)]);
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(1)
        .stdout(
            "a.ts:4:3: warning [unused-suppression] Unused suppression: no `require-kv-ttl` diagnostic here to suppress\n\
             a.ts:6:3: warning [unused-suppression] Unused suppression: `no-such-rule` is not a kvlint rule\n",
        );
    // Deleting a comment is unsafe: --fix alone keeps it.
    kvlint(dir.path()).args(["check", "--fix"]).assert().code(1);
    assert_eq!(read(&dir, "a.ts"), src);
    kvlint(dir.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(0);
    assert_eq!(
        read(&dir, "a.ts"),
        "export async function f(env: Env) {\n  // kvlint-disable-next-line require-kv-ttl -- permanent\n  await env.SESSIONS.put('cache:a', 'v');\n  const x = 1;\n  return x;\n}\n"
    );
    // A rule that did not run is not judged.
    let dir = project(&[("a.ts", src)]);
    kvlint(dir.path())
        .args([
            "check",
            "--format",
            "compact",
            "--select",
            "no-invalid-kv-ttl,unused-suppression",
        ])
        .assert()
        .stdout(predicate::str::contains("a.ts:4:3").not());
}

#[test]
fn suppression_ranges_and_id_removal() {
    let src = "/* kvlint-disable require-kv-ttl */\nexport async function f(env: Env) {\n  await env.SESSIONS.put('cache:a', 'v');\n  /* kvlint-enable require-kv-ttl */\n  await env.SESSIONS.put('cache:b', 'v'); // kvlint-disable-line no-invalid-kv-ttl, require-kv-ttl\n  await env.SESSIONS.put('cache:c', 'v');\n}\n";
    let dir = project(&[("a.ts", src)]);
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(1)
        .stdout(
            "a.ts:5:66: warning [unused-suppression] Unused suppression: no `no-invalid-kv-ttl` diagnostic here to suppress\n\
             a.ts:6:9: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n",
        );
    // Removing one id keeps the comment: safe.
    kvlint(dir.path())
        .args([
            "check",
            "--fix",
            "--select",
            "no-invalid-kv-ttl,require-kv-ttl,unused-suppression",
        ])
        .assert()
        .code(1);
    assert!(read(&dir, "a.ts").contains("// kvlint-disable-line require-kv-ttl\n"));
}

#[test]
fn rules_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    kvlint(dir.path())
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("require-kv-ttl"))
        .stdout(predicate::str::contains("no-invalid-kv-ttl"));
    kvlint(dir.path())
        .args(["explain", "require-kv-ttl"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "require-kv-ttl\n==============",
        ))
        // Rendered for a terminal: none of the markers the examples are tested by.
        .stdout(predicate::str::contains("expect_diagnostic").not())
        .stdout(predicate::str::contains("fixed unsafe").not())
        .stdout(predicate::str::contains("```").not())
        .stdout(predicate::str::contains(
            "After `kvlint check --fix --unsafe-fixes`:",
        ));
    kvlint(dir.path())
        .args(["explain", "nope"])
        .assert()
        .code(2);
    // A folder named `rules` is linted with `kvlint check rules`.
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/a.ts"), "export const a = 1;\n").unwrap();
    kvlint(dir.path()).args(["check", "rules"]).assert().code(0);
}

#[test]
fn stdin_filename() {
    let dir = project(&[DEFAULT_TTL]);
    kvlint(dir.path())
        .args([
            "check",
            "--stdin-filename",
            "src/x.ts",
            "--format",
            "compact",
        ])
        .write_stdin(BAD)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "src/x.ts:3:11: warning [require-kv-ttl]",
        ));
    kvlint(dir.path())
        .args([
            "check",
            "--stdin-filename",
            "src/x.ts",
            "--fix",
            "--unsafe-fixes",
        ])
        .write_stdin(BAD)
        .assert()
        .code(0)
        .stdout(BAD.replace("'v');", "'v', { expirationTtl: 3600 });"));
    kvlint(dir.path())
        .args(["check", "--stdin-filename", "src/x.ts", "--fix"])
        .write_stdin("await env.SESSIONS.put(")
        .assert()
        .code(2)
        .stdout("await env.SESSIONS.put(");
}

#[test]
fn sample_worker_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::cargo_bin("kvlint")
        .unwrap()
        .current_dir(root.join("fixtures/sample-worker"))
        .args(["check", "--format", "compact"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split(": ").take(2).collect::<Vec<_>>().join(": "))
        .collect();
    assert_eq!(
        lines,
        [
            // CacheManager.remember: `this.kv?.put(key, value)`.
            "src/worker/cache-manager.ts:51:11: warning [require-kv-ttl] KV `put` without an expiration",
            // The OAuth app token, read and written under an unprefixed key.
            "src/worker/index.ts:33:24: warning [no-unprefixed-kv-key] KV key `fb_app_access_token` has no namespace prefix",
            "src/worker/index.ts:41:9: warning [no-unprefixed-kv-key] KV key `fb_app_access_token` has no namespace prefix",
            // ... in a read-through cache whose miss waits for Facebook and the write.
            "src/worker/index.ts:41:9: info [prefer-kv-stale-while-revalidate] Read-through cache",
            // Static OAuth configuration read without cacheTtl.
            "src/worker/index.ts:48:23: warning [prefer-kv-cache-ttl] KV read of static key `config:oauth:flags` without `cacheTtl`",
            // The metrics snapshot.
            "src/worker/index.ts:70:9: warning [require-kv-ttl] KV `put` without an expiration",
            // The rate limiter: read the count, write count + 1 (lost updates), in a 30-second
            // window below KV's minimum TTL.
            "src/worker/index.ts:80:9: warning [no-kv-read-modify-write] KV `put` writes a value computed from the `get` of the same key on line 78",
            "src/worker/index.ts:80:50: error [no-invalid-kv-ttl] `expirationTtl` of 30 is below KV's minimum of 60 seconds",
            // The three Instagram reads, one after another, of keys sharing a prefix.
            "src/worker/index.ts:90:3: warning [no-sequential-kv-reads] 3 independent KV reads are awaited one after another",
            "src/worker/index.ts:90:23: info [prefer-coalesced-kv-reads] 3 keys under `instagram:` are read separately",
            // Read-through caches of Instagram and Facebook data.
            "src/worker/index.ts:101:9: info [prefer-kv-stale-while-revalidate] Read-through cache",
            "src/worker/index.ts:102:9: info [prefer-kv-stale-while-revalidate] Read-through cache",
            "src/worker/index.ts:103:9: info [prefer-kv-stale-while-revalidate] Read-through cache",
            "src/worker/index.ts:114:9: info [prefer-kv-stale-while-revalidate] Read-through cache",
            // Sessions in KV next to the USER_SESSIONS Durable Object: read, the KV fallback
            // copy (a dual write, and without a TTL), validated, refreshed, deleted.
            "src/worker/index.ts:130:25: error [no-kv-sessions] Session data kept in KV",
            "src/worker/index.ts:150:9: error [no-kv-sessions] Session data kept in KV",
            "src/worker/index.ts:150:9: warning [require-kv-ttl] KV `put` without an expiration",
            "src/worker/index.ts:156:26: error [no-kv-sessions] Session data kept in KV",
            "src/worker/index.ts:163:21: error [no-kv-sessions] Session data kept in KV",
            // The refresh: read the session, change its expiry, write it back.
            "src/worker/index.ts:169:9: warning [no-kv-read-modify-write] KV `put` writes a value computed from the `get` of the same key on line 163",
            "src/worker/index.ts:169:9: error [no-kv-sessions] Session data kept in KV",
            "src/worker/index.ts:177:9: error [no-kv-sessions] Session data kept in KV",
            // Admin sessions (kvlint.toml: `admin:*`), by an id computed by a call: no fix.
            "src/worker/index.ts:186:23: error [no-kv-sessions] Session data kept in KV",
            // The social summary parsed from a text read.
            "src/worker/index.ts:192:37: warning [prefer-kv-json-type] `JSON.parse` of a KV text read",
        ]
    );
}

#[test]
fn sample_worker_fixes_converge() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&root.join("fixtures/sample-worker"), dir.path());
    kvlint(dir.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(1);
    let index = read(&dir, "src/worker/index.ts");
    // Renamed from kvlint.toml, after which the key is static OAuth data: cacheTtl too.
    assert!(index.contains("env.SESSIONS.get('oauth:facebook:app_token', { cacheTtl: 3600 })"));
    assert!(index.contains("env.SESSIONS.put('oauth:facebook:app_token', body.access_token, {"));
    assert!(index
        .contains("c.env.SESSIONS.get('config:oauth:flags', { type: 'json', cacheTtl: 3600 })"));
    assert!(
        index.contains("const summary = await c.env.SESSIONS.get<any>('social:summary', 'json');")
    );
    // Sessions moved to the Durable Object: the dual write deleted, the alias and its guard
    // gone, the admin session (an id computed by a call) left with its diagnostic.
    assert!(!index.contains("spotify_session:"));
    assert!(index.contains("  // Fallback copy in KV.\n  return c.json({ sessionId });"));
    assert!(!index.contains("kv_not_configured"));
    assert!(index.contains(
        "const session = await c.env.USER_SESSIONS.getByName(sessionId).getSessionText(sessionId);"
    ));
    assert!(index.contains(
        "await c.env.USER_SESSIONS.getByName(sessionId).putSessionText(sessionId, JSON.stringify(session), {"
    ));
    assert!(
        index.contains("await c.env.USER_SESSIONS.getByName(sessionId).deleteSession(sessionId);")
    );
    assert!(index.contains(
        "  const [posts, profile, followers] = await Promise.all([\n    kv.get('instagram:posts'),\n    kv.get('instagram:profile'),\n    kv.get('instagram:followers'),\n  ]);\n"
    ));
    // Only the finding without a fix is left, and fixing again changes nothing.
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(1)
        .stdout(
            "src/worker/index.ts:41:9: info [prefer-kv-stale-while-revalidate] Read-through cache: on a miss of the read on line 33, the response waits for the origin and this awaited `put`\n\
             src/worker/index.ts:80:9: warning [no-kv-read-modify-write] KV `put` writes a value computed from the `get` of the same key on line 78: concurrent requests lose updates\n\
             src/worker/index.ts:80:50: error [no-invalid-kv-ttl] `expirationTtl` of 30 is below KV's minimum of 60 seconds\n\
             src/worker/index.ts:91:5: info [prefer-coalesced-kv-reads] 3 keys under `instagram:` are read separately: `instagram:followers`, `instagram:posts`, `instagram:profile`\n\
             src/worker/index.ts:116:9: info [prefer-kv-stale-while-revalidate] Read-through cache: on a miss of the read on line 110, the response waits for the origin and this awaited `put`\n\
             src/worker/index.ts:182:23: error [no-kv-sessions] Session data kept in KV: `get` of key `admin:…`; no automatic fix: the session id is computed by a call, which the rewrite would run twice (read it into a `const` first)\n",
        );
    kvlint(dir.path())
        .args(["check", "--diff", "--unsafe-fixes"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn bulk_reads_get_names_no_one_else_uses() {
    let src = "export async function f(kv: KVNamespace, kvKeys: string) {\n  const a = await kv.get('a:1');\n  const b = await kv.get('a:2');\n  console.log(kvKeys);\n  let c = await kv.get('a:3', 'json');\n  const d = await kv.get('a:4', { type: 'json' });\n  return [a, b, c, d];\n}\n";
    let dir = project(&[
        ("a.ts", src),
        (
            "kvlint.toml",
            "[rules.no-sequential-kv-reads]\nstrategy = \"bulk\"\n",
        ),
    ]);
    kvlint(dir.path())
        .args(["check", "--fix", "--select", "no-sequential-kv-reads"])
        .assert()
        .code(0);
    assert_eq!(
        read(&dir, "a.ts"),
        "export async function f(kv: KVNamespace, kvKeys: string) {\n  const kvKeys1 = [\n    'a:1',\n    'a:2',\n  ];\n  const kvValues = await kv.get(kvKeys1);\n  const a = kvValues.get(kvKeys1[0]) ?? null;\n  const b = kvValues.get(kvKeys1[1]) ?? null;\n  console.log(kvKeys);\n  const kvKeys2 = [\n    'a:3',\n    'a:4',\n  ];\n  const kvValues1 = await kv.get(kvKeys2, 'json');\n  let c = kvValues1.get(kvKeys2[0]) ?? null;\n  const d = kvValues1.get(kvKeys2[1]) ?? null;\n  return [a, b, c, d];\n}\n"
    );
}

#[test]
fn overrides_per_folder() {
    let dir = project(&[
        ("src/bad.ts", BAD),
        ("legacy/bad.ts", BAD),
        (
            "kvlint.toml",
            "[rules.require-kv-ttl]\nseverity = \"error\"\n\n[[overrides]]\nfiles = [\"legacy/**\"]\n[overrides.rules.require-kv-ttl]\nseverity = \"off\"\n",
        ),
    ]);
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(1)
        .stdout("src/bad.ts:3:11: error [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n");
}

#[test]
fn init_writes_a_config_once() {
    let dir = project(&[]);
    kvlint(dir.path())
        .arg("init")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Wrote"));
    let text = read(&dir, "kvlint.toml");
    assert!(text.contains("kv = [\"SESSIONS\"]"), "{text}");
    kvlint(dir.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    // The written config is valid and changes nothing by itself.
    std::fs::write(dir.path().join("a.ts"), GOOD).unwrap();
    kvlint(dir.path()).arg("check").assert().code(0);
}

#[test]
fn add_suppressions_baselines_every_finding() {
    let src = "export default {\n  async fetch(req: Request, env: Env) {\n    await env.SESSIONS.put('a', 'v');\n    // kvlint-disable-next-line require-kv-ttl -- known\n    await env.SESSIONS.put('b', 'v');\n    await env.SESSIONS.put('cache:c', 'v', { expirationTtl: 60 });\n    return new Response('ok');\n  },\n};\n";
    let dir = project(&[("a.ts", src)]);
    kvlint(dir.path())
        .args(["check", "--add-suppressions"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Added 2 suppression comments."));
    assert_eq!(
        read(&dir, "a.ts"),
        "export default {\n  async fetch(req: Request, env: Env) {\n    // kvlint-disable-next-line no-unprefixed-kv-key, require-kv-ttl -- baseline\n    await env.SESSIONS.put('a', 'v');\n    // kvlint-disable-next-line require-kv-ttl, no-unprefixed-kv-key -- known\n    await env.SESSIONS.put('b', 'v');\n    await env.SESSIONS.put('cache:c', 'v', { expirationTtl: 60 });\n    return new Response('ok');\n  },\n};\n"
    );
    // Only new findings fail from now on.
    kvlint(dir.path()).arg("check").assert().code(0);
    kvlint(dir.path())
        .args(["check", "--add-suppressions"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Added 0"));
}

fn git_in(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn changed_since_and_staged() {
    let dir = project(&[("old.ts", BAD), ("new.ts", GOOD)]);
    let d = dir.path();
    git_in(d, &["init", "-q"]);
    git_in(
        d,
        &["-c", "user.email=t@e", "-c", "user.name=t", "add", "."],
    );
    git_in(
        d,
        &[
            "-c",
            "user.email=t@e",
            "-c",
            "user.name=t",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-qm",
            "base",
        ],
    );
    // Nothing changed: nothing to lint, and that is fine.
    kvlint(d)
        .args(["check", "--changed-since", "HEAD", "--format", "compact"])
        .assert()
        .code(0)
        .stdout("");
    std::fs::write(d.join("new.ts"), BAD).unwrap();
    std::fs::write(d.join("untracked.ts"), BAD).unwrap();
    kvlint(d)
        .args(["check", "--changed-since", "HEAD", "--format", "compact"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("new.ts:3:11")
                .and(predicate::str::contains("untracked.ts:3:11"))
                .and(predicate::str::contains("old.ts").not()),
        );
    git_in(d, &["add", "new.ts"]);
    kvlint(d)
        .args(["check", "--staged", "--format", "compact"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("new.ts:3:11")
                .and(predicate::str::contains("untracked.ts").not()),
        );
    kvlint(d)
        .args(["check", "--changed-since", "no-such-ref"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("git diff"));
}

#[test]
fn colours_follow_the_flag() {
    let dir = project(&[("src/bad.ts", BAD)]);
    kvlint(dir.path())
        .args(["check", "--color", "always"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\u{1b}["));
    kvlint(dir.path())
        .args(["check", "--color", "never"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\u{1b}[").not());
    // Not a terminal: no colours with `auto`.
    kvlint(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn a_run_that_stopped_on_an_error_never_says_checks_passed() {
    let dir = project(&[("src/bad.ts", BAD), ("kvlint.toml", "bogus = 1\n")]);
    kvlint(dir.path())
        .args(["check", "src/bad.ts"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown key `bogus`"))
        .stderr(predicate::str::contains(
            "Nothing was checked. 1 file not checked: see the errors above.",
        ))
        .stderr(predicate::str::contains("All checks passed").not());
    let dir = project(&[("src/good.ts", GOOD)]);
    kvlint(dir.path())
        .args(["check", "src/good.ts", "src/missing.ts"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "src/missing.ts: no such file or folder",
        ))
        .stderr(predicate::str::contains(
            "Not everything asked for was checked",
        ))
        .stderr(predicate::str::contains("All checks passed").not());
}

#[test]
fn a_bad_wrangler_file_is_an_error_with_its_position() {
    let dir = project(&[("src/good.ts", GOOD)]);
    std::fs::write(
        dir.path().join("wrangler.toml"),
        "x = 1\n[[kv_namespaces]\nbinding = \"S\"\n",
    )
    .unwrap();
    kvlint(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "wrangler.toml:2:16: invalid table header",
        ));
    std::fs::write(
        dir.path().join("wrangler.toml"),
        "[[kv_namespaces]]\nbinding = 5\n",
    )
    .unwrap();
    kvlint(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "wrangler.toml: `kv_namespaces[0].binding` must be a string",
        ));
}

/// A project whose real wrangler config is kept out of the repository (gitignored) commits
/// an example: its bindings count, below a real config's, and `debug bindings` says so.
#[test]
fn example_wrangler_configs_declare_what_no_real_one_does() {
    let put = "export async function f(env: Env) {\n  await env.CACHE.put('cache:a', 'v');\n  await env.FILES.put('a', 'v');\n}\n";
    for example in [
        "wrangler.example.toml",
        "wrangler-example.toml",
        "wrangler.sample.toml",
        "wrangler.toml.template",
    ] {
        let dir = common::files(&[
            (
                example,
                "name = \"w\"\n[[kv_namespaces]]\nbinding = \"CACHE\"\nid = \"<your id>\"\n",
            ),
            ("src/a.ts", put),
        ]);
        kvlint(dir.path())
            .args(["check", "--format", "compact"])
            .assert()
            .code(1)
            .stdout("src/a.ts:2:9: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n");
        kvlint(dir.path())
            .args(["debug", "bindings", "src/a.ts"])
            .assert()
            .stdout(predicate::str::contains(format!(
                "CACHE: Kv (from {}",
                dir.path().join(example).display()
            )))
            .stdout(predicate::str::contains(
                "an example config; no real one declares it",
            ));
    }
    // JSON examples, and a real config that says otherwise: the real one wins.
    let dir = common::files(&[
        (
            "wrangler.example.jsonc",
            "{ // the template\n  \"kv_namespaces\": [{ \"binding\": \"CACHE\", \"id\": \"x\" }, { \"binding\": \"FILES\", \"id\": \"y\" }] }\n",
        ),
        ("wrangler.toml", "name = \"w\"\n[[r2_buckets]]\nbinding = \"FILES\"\nbucket_name = \"f\"\n"),
        ("src/a.ts", put),
    ]);
    kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .assert()
        .code(1)
        .stdout("src/a.ts:2:9: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n");
}

/// `kvlint rules` with no kvlint.toml, whole: every rule's id, default severity, the fix a
/// user gets, and its summary (a rule's one-line text is what the table and SARIF show).
#[test]
fn the_rules_table() {
    let dir = tempfile::tempdir().unwrap();
    let expected = std::fs::read_to_string(common::root().join("tests/rules-table.txt")).unwrap();
    kvlint(dir.path())
        .arg("rules")
        .assert()
        .code(0)
        .stdout(expected);
}

#[test]
fn a_run_that_fails_before_fixing_writes_nothing() {
    let dir = project(&[("src/bad.ts", BAD), DEFAULT_TTL]);
    let d = dir.path();
    git_in(d, &["init", "-q"]);
    // A ref that does not exist (a shallow CI clone without origin/main): nothing is
    // linted, nothing written, exit 2.
    kvlint(d)
        .args([
            "check",
            "--changed-since",
            "no-such-ref",
            "--fix",
            "--unsafe-fixes",
            ".",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("git diff")
                .and(predicate::str::contains("nothing was written"))
                .and(predicate::str::contains("Fixed").not()),
        );
    assert_eq!(read(&dir, "src/bad.ts"), BAD);
    // A path that cannot be read beside one that can: its findings are shown, not fixed.
    kvlint(d)
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "compact",
            "src",
            "missing.ts",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "src/bad.ts:3:11: warning [require-kv-ttl]",
        ))
        .stderr(predicate::str::contains("nothing was written"));
    assert_eq!(read(&dir, "src/bad.ts"), BAD);
    // A config error in a config that governs one of the files: no file is written.
    std::fs::create_dir_all(d.join("lib")).unwrap();
    std::fs::write(
        d.join("lib/kvlint.toml"),
        "[rules.require-kv-ttl]\ndefault_ttl = \"1h\"\n",
    )
    .unwrap();
    std::fs::write(d.join("lib/other.ts"), BAD).unwrap();
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "src", "lib"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("lib/kvlint.toml")
                .and(predicate::str::contains("nothing was written")),
        );
    assert_eq!(read(&dir, "src/bad.ts"), BAD);
    assert_eq!(read(&dir, "lib/other.ts"), BAD);
    // Without the error, the same run fixes.
    std::fs::remove_file(d.join("lib/kvlint.toml")).unwrap();
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "src", "lib"])
        .assert()
        .code(0);
    assert!(read(&dir, "src/bad.ts").contains("expirationTtl: 3600"));
}

#[test]
fn stdin_with_fix_always_gives_the_buffer_back() {
    let dir = project(&[(
        "kvlint.toml",
        "exclude = [\"src/gen/**\"]\n[rules.require-kv-ttl]\ndefault_ttl = 3600\n",
    )]);
    let d = dir.path();
    let plain = "const x = 1;\n";
    for format in ["human", "json", "compact", "sarif", "github"] {
        // No KV in it (the prefilter skips it).
        kvlint(d)
            .args([
                "check",
                "--stdin-filename",
                "src/x.ts",
                "--fix",
                "--format",
                format,
            ])
            .write_stdin(plain)
            .assert()
            .code(0)
            .stdout(plain);
        // KV, nothing to fix.
        kvlint(d)
            .args([
                "check",
                "--stdin-filename",
                "src/x.ts",
                "--fix",
                "--format",
                format,
            ])
            .write_stdin(GOOD)
            .assert()
            .code(0)
            .stdout(GOOD);
        // Findings the safe fixes leave: the source, the findings on stderr.
        kvlint(d)
            .args([
                "check",
                "--stdin-filename",
                "src/x.ts",
                "--fix",
                "--format",
                format,
            ])
            .write_stdin(BAD)
            .assert()
            .code(1)
            .stdout(BAD)
            .stderr(predicate::str::contains("require-kv-ttl"));
    }
    // The JSON report goes to stderr.
    kvlint(d)
        .args([
            "check",
            "--stdin-filename",
            "src/x.ts",
            "--fix",
            "--format",
            "json",
        ])
        .write_stdin(plain)
        .assert()
        .stdout(plain)
        .stderr(predicate::str::starts_with("["));
    // An excluded name under --force-exclude: no findings, the source echoed.
    kvlint(d)
        .args([
            "check",
            "--stdin-filename",
            "src/gen/x.ts",
            "--force-exclude",
            "--fix",
            "--unsafe-fixes",
        ])
        .write_stdin(BAD)
        .assert()
        .code(0)
        .stdout(BAD);
    kvlint(d)
        .args([
            "check",
            "--stdin-filename",
            "src/gen/x.ts",
            "--force-exclude",
            "--format",
            "compact",
        ])
        .write_stdin(BAD)
        .assert()
        .code(0)
        .stdout("");
    // Not excluded without --force-exclude (the name was given on purpose).
    kvlint(d)
        .args([
            "check",
            "--stdin-filename",
            "src/gen/x.ts",
            "--format",
            "compact",
        ])
        .write_stdin(BAD)
        .assert()
        .code(1);
}

#[test]
fn a_dash_path_is_stdin() {
    let dir = project(&[DEFAULT_TTL]);
    let d = dir.path();
    kvlint(d)
        .args(["check", "-", "--format", "compact"])
        .write_stdin(BAD)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "<stdin>:3:11: warning [require-kv-ttl]",
        ));
    kvlint(d)
        .args([
            "check",
            "--stdin-filename",
            "src/y.ts",
            "--format",
            "compact",
            "-",
        ])
        .write_stdin(BAD)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "src/y.ts:3:11: warning [require-kv-ttl]",
        ));
    kvlint(d)
        .args(["check", "-", "--fix", "--unsafe-fixes"])
        .write_stdin(BAD)
        .assert()
        .code(0)
        .stdout(BAD.replace("'v');", "'v', { expirationTtl: 3600 });"));
}

#[test]
fn test_files_are_not_linted_by_default() {
    let dir = project(&[
        ("src/bad.ts", BAD),
        ("src/bad.test.ts", BAD),
        ("src/__tests__/mock.ts", BAD),
        ("tests/seed.ts", BAD),
        ("e2e/flow.spec.ts", BAD),
    ]);
    let d = dir.path();
    kvlint(d)
        .args(["check", "--format", "compact", "."])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("src/bad.ts:3:11")
                .and(predicate::str::contains("test").not())
                .and(predicate::str::contains("e2e").not()),
        );
    kvlint(d)
        .args(["check", "."])
        .assert()
        .stderr(predicate::str::contains(
            "1 file checked; 4 test files not linted (`exclude`)",
        ));
    // Named on the command line: linted, unless --force-exclude.
    kvlint(d)
        .args(["check", "--format", "compact", "src/bad.test.ts"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("src/bad.test.ts:3:11"));
    kvlint(d)
        .args(["check", "--force-exclude", "src/bad.test.ts"])
        .assert()
        .stderr(predicate::str::contains(
            "1 test file not linted (`exclude`)",
        ));
    // A kvlint.toml's `exclude` replaces the default; `extend_exclude` adds to it.
    std::fs::write(d.join("kvlint.toml"), "exclude = [\"e2e/**\"]\n").unwrap();
    kvlint(d)
        .args(["check", "--format", "compact", "."])
        .assert()
        .stdout(
            predicate::str::contains("src/bad.test.ts")
                .and(predicate::str::contains("tests/seed.ts"))
                .and(predicate::str::contains("e2e").not()),
        );
    std::fs::write(d.join("kvlint.toml"), "extend_exclude = [\"src/bad.ts\"]\n").unwrap();
    std::fs::write(d.join("src/ok.ts"), GOOD).unwrap();
    kvlint(d)
        .args(["check", "--format", "compact", "."])
        .assert()
        .code(0);
}

#[test]
fn config_errors_in_the_users_words() {
    let cases = [
        (
            "[rules.require-kv-ttl]\ndefault_ttl = \"1h\"\n",
            "kvlint.toml:2:15: expected a whole number (of seconds for a TTL, like 3600), not \"1h\"",
        ),
        (
            "[rules.require-kv-ttl]\nseverity = 3\n",
            "`severity` is one of \"off\", \"info\", \"warning\" (or \"warn\") and \"error\", not 3",
        ),
        (
            "[rules.require-kv-ttl]\nseverity = \"loud\"\n",
            "`severity` is one of \"off\", \"info\", \"warning\" (or \"warn\") and \"error\", not \"loud\"",
        ),
        (
            "[rules.require-kv-tl]\n",
            "kvlint.toml:1:8: unknown key `require-kv-tl`: did you mean `require-kv-ttl`?",
        ),
        (
            "[rules.require-kv-ttl]\ndefault_tl = 60\n",
            "unknown key `default_tl`: did you mean `default_ttl`?",
        ),
        (
            "[rules.require-kv-ttl]\nzzzz = 60\n",
            "unknown key `zzzz`; the keys here are `severity`, `default_ttl`, `ignore_keys`",
        ),
    ];
    for (toml, said) in cases {
        let dir = project(&[("src/bad.ts", BAD), ("kvlint.toml", toml)]);
        kvlint(dir.path())
            .args(["check", "src"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(said));
    }
    // ESLint's spelling is accepted.
    let dir = project(&[
        ("src/bad.ts", BAD),
        (
            "kvlint.toml",
            "[rules.require-kv-ttl]\nseverity = \"warn\"\n",
        ),
    ]);
    kvlint(dir.path()).args(["check", "src"]).assert().code(1);
    // The JSON entry is located where its message says.
    let dir = project(&[
        ("src/bad.ts", BAD),
        (
            "kvlint.toml",
            "[rules.require-kv-ttl]\ndefault_ttl = \"1h\"\n",
        ),
    ]);
    let out = kvlint(dir.path())
        .args(["check", "--format", "json", "src"])
        .output()
        .unwrap();
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let error = found.iter().find(|f| f["rule"] == "config-error").unwrap();
    assert_eq!(error["location"]["line"], 2, "{error}");
    assert_eq!(error["location"]["column"], 15, "{error}");
}

/// A declaration file holds no call: what it declares still makes its KV bindings known (with
/// no other source, and beside a wrangler config), and its suppressions are still judged.
#[test]
fn a_declaration_file_declares_bindings_and_its_suppressions_are_judged() {
    let env = (
        "env.d.ts",
        "interface Env {\n  STORE: KVNamespace;\n}\n// kvlint-disable-next-line require-kv-ttl\ndeclare const x: number;\n",
    );
    let dir = common::files(&[env]);
    kvlint(dir.path())
        .args(["check", "env.d.ts", "--format", "compact"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "env.d.ts:4:1: warning [unused-suppression]",
        ));
    kvlint(dir.path())
        .args(["check", "env.d.ts", "--select", "require-kv-ttl"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "kvlint knows KV bindings here, but recognised no call on them",
        ));
    let dir = common::files(&[
        env,
        (
            "wrangler.toml",
            "name = \"w\"\n[[kv_namespaces]]\nbinding = \"STORE\"\nid = \"x\"\n",
        ),
    ]);
    kvlint(dir.path())
        .args(["check", "env.d.ts", "--select", "require-kv-ttl"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "kvlint knows the KV binding STORE here",
        ));
}
