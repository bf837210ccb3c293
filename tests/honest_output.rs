//! What kvlint says around its findings is true: no "passed" about what it did not check,
//! unreadable paths are errors in every format, one position per finding, help that fits
//! the configuration, counts that say what `--fix` will do.

mod common;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const WRANGLER: &str = "name = \"w\"\n[[kv_namespaces]]\nbinding = \"SESSIONS\"\nid = \"x\"\n";
const TTL_CONFIG: &str = "[rules.require-kv-ttl]\ndefault_ttl = 600\n";
const SESSIONS_CONFIG: &str = "[rules.no-kv-sessions]\ndurable_object = \"USER_SESSIONS\"\nmethods = { get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }\n";

/// Two puts without a TTL in one file, and a session read.
const TWO_PUTS: &str = "export default {\n  async fetch(req: Request, env: Env) {\n    await env.SESSIONS.put('cache:a', 'v');\n    await env.SESSIONS.put('cache:b', 'w');\n    return new Response(await env.SESSIONS.get(`session:${req.url}`));\n  },\n};\n";

fn project(files: &[(&str, &str)]) -> TempDir {
    common::files(files)
}

fn kvlint(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("kvlint").unwrap();
    c.current_dir(dir).env_remove("NO_COLOR");
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn no_kv_namespace_found_is_not_all_checks_passed() {
    // A Worker whose KV binding lives only in the dashboard, with no KV-only usage.
    let dir = project(&[
        (
            "src/index.ts",
            "export default { async fetch(r: Request, env: any) { const m = new Map(); m.get('a'); return new Response(await env.STORE.get('k')); } };\n",
        ),
        ("src/util.ts", "export const x = 1;\n"),
    ]);
    kvlint(dir.path())
        .arg("check")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("All checks passed").not())
        .stderr(predicate::str::contains(
            "No KV namespace found (0 files checked, 2 skipped: no KV)",
        ))
        .stderr(predicate::str::contains("kvlint knows no KV binding here"))
        .stderr(predicate::str::contains("kvlint init"))
        .stderr(predicate::str::contains("[bindings]"));
}

#[test]
fn the_summary_counts_the_files_skipped_unparsed() {
    let dir = project(&[
        ("wrangler.toml", WRANGLER),
        (
            "src/index.ts",
            "export default { async fetch(r: Request, env: Env) { return new Response(await env.SESSIONS.get('cache:a')); } };\n",
        ),
        // Broken, but holds no KV: skipped unparsed, so its syntax error is not seen.
        ("src/broken.ts", "export const = ;\n"),
    ]);
    kvlint(dir.path())
        .arg("check")
        .assert()
        .code(0)
        .stderr("All checks passed (1 file checked, 1 skipped: no KV).\n");
}

/// Runs kvlint as an unprivileged user: as root (CI), through `setpriv` as `nobody`, since
/// permissions do not apply to root; otherwise as the user running the tests.
fn unprivileged(dir: &Path, args: &[&str]) -> Output {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| text(&o.stdout).trim() == "0");
    let bin = assert_cmd::cargo::cargo_bin("kvlint");
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run kvlint");
    assert!(
        !text(&out.stderr).contains("setpriv:"),
        "setpriv failed: {}",
        text(&out.stderr)
    );
    out
}

/// A project with a folder and a file only their owner may read (`nobody` is not it).
fn locked_project() -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    let put = "export async function f(env: Env) { await env.SESSIONS.put('cache:a', 'v'); }\n";
    let dir = project(&[
        ("wrangler.toml", WRANGLER),
        ("src/ok.ts", put),
        ("src/locked/hidden.ts", put),
        ("src/secret.ts", put),
    ]);
    let mode = |p: &str, m: u32| {
        std::fs::set_permissions(dir.path().join(p), std::fs::Permissions::from_mode(m)).unwrap()
    };
    mode("", 0o755);
    mode("src", 0o755);
    mode("src/locked", 0o700);
    mode("src/secret.ts", 0o600);
    dir
}

#[test]
fn an_unreadable_folder_or_file_is_an_error_naming_it_as_an_unprivileged_user() {
    let dir = locked_project();
    // When the tests run as a user, the files are theirs: take the rights away from the
    // owner too (root's test process made them, and `nobody` is not their owner).
    let owned_by_me = !std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| text(&o.stdout).trim() == "0");
    if owned_by_me {
        use std::os::unix::fs::PermissionsExt;
        for (p, m) in [("src/locked", 0o000), ("src/secret.ts", 0o000)] {
            std::fs::set_permissions(dir.path().join(p), std::fs::Permissions::from_mode(m))
                .unwrap();
        }
    }
    let out = unprivileged(dir.path(), &["check", "--format", "compact"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "src/locked:1:1: error [io-error] src/locked: cannot read: Permission denied"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "src/secret.ts:1:1: error [io-error] Cannot read the file: Permission denied"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("src/ok.ts:1:43: warning [require-kv-ttl]"),
        "{stdout}"
    );
    assert!(!stdout.contains("internal-error"), "{stdout}");

    // Human: the summary does not say "passed", and the error names the folder.
    let out = unprivileged(dir.path(), &["check"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("kvlint: error: src/locked: cannot read: Permission denied"),
        "{stderr}"
    );
    assert!(!stderr.contains("All checks passed"), "{stderr}");

    // A path inside the locked folder is not "no such file".
    let out = unprivileged(dir.path(), &["check", "src/locked/hidden.ts"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("src/locked/hidden.ts: cannot read: Permission denied"),
        "{stderr}"
    );
    assert!(!stderr.contains("no such file"), "{stderr}");

    // Machine formats carry the error: JSON as an entry, SARIF as a failed invocation.
    let out = unprivileged(dir.path(), &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"io-error"), "{v:#}");
    let out = unprivileged(dir.path(), &["check", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{invocation:#}");
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["message"]["text"]
            .as_str()
            .unwrap()
            .contains("src/locked: cannot read: Permission denied")),
        "{notes:#?}"
    );
}

#[test]
fn a_run_stopped_by_an_error_says_so_in_every_format() {
    let dir = project(&[
        ("wrangler.toml", WRANGLER),
        ("kvlint.toml", "[rules.require-kv-ttl]\nunknown_key = 1\n"),
        ("src/a.ts", TWO_PUTS),
    ]);
    let run = |format: &str| {
        let out = kvlint(dir.path())
            .args(["check", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}");
        text(&out.stdout)
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json[0]["rule"], "config-error", "{json:#}");
    assert_eq!(json[0]["file"], "kvlint.toml");
    assert!(json[0]["message"].as_str().unwrap().contains("unknown_key"));

    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["descriptor"]["id"], "config-error");
    assert!(note["message"]["text"]
        .as_str()
        .unwrap()
        .contains("unknown_key"));
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(
        validator.is_valid(&sarif),
        "a failed run is valid SARIF too"
    );

    let compact = run("compact");
    assert!(
        compact.starts_with("kvlint.toml:2:1: error [config-error] "),
        "{compact}"
    );
    let github = run("github");
    assert!(
        github.starts_with("::error file=kvlint.toml,line=2,col=1,"),
        "{github}"
    );
    assert!(github.contains("title=kvlint (config-error)::"), "{github}");

    // A path that names nothing, with no file to put it under.
    let out = kvlint(dir.path())
        .args(["check", "--no-config", "--format", "github", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout)
            .starts_with("::error title=kvlint (io-error)::nowhere: no such file or folder"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn every_format_gives_a_finding_the_same_position() {
    let dir = project(&[("wrangler.toml", WRANGLER), ("src/a.ts", TWO_PUTS)]);
    let out = kvlint(dir.path())
        .args(["check", "--format", "compact"])
        .output()
        .unwrap();
    let compact = text(&out.stdout);
    let human = text(&kvlint(dir.path()).arg("check").output().unwrap().stdout);
    let json: serde_json::Value = serde_json::from_slice(
        &kvlint(dir.path())
            .args(["check", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for (i, line) in compact.lines().enumerate() {
        let at = line.split(": ").next().unwrap();
        // The human header, `╭─[src/a.ts:3:11]`, points at the call, not at its label.
        assert!(human.contains(&format!("─[{at}]")), "{at} not in\n{human}");
        let pos = format!(
            "src/a.ts:{}:{}",
            json[i]["location"]["line"], json[i]["location"]["column"]
        );
        assert_eq!(pos, at);
    }
}

#[test]
fn a_rules_help_is_written_once_per_file() {
    let dir = project(&[("wrangler.toml", WRANGLER), ("src/a.ts", TWO_PUTS)]);
    let human = text(&kvlint(dir.path()).arg("check").output().unwrap().stdout);
    assert_eq!(
        human.matches("kvlint(require-kv-ttl)").count(),
        2,
        "{human}"
    );
    assert_eq!(
        human.matches("help: Add an `expirationTtl`").count(),
        1,
        "{human}"
    );
    assert_eq!(
        human
            .matches("help: As for the first require-kv-ttl finding in this file, above")
            .count(),
        1,
        "{human}"
    );
    // Each finding keeps its own fix line.
    assert_eq!(
        human
            .matches("Suggested fix (not applied automatically): Add `expirationTtl: 3600`")
            .count(),
        2,
        "{human}"
    );
}

#[test]
fn help_reflects_the_configuration() {
    let unconfigured = project(&[("wrangler.toml", WRANGLER), ("src/a.ts", TWO_PUTS)]);
    let human = text(
        &kvlint(unconfigured.path())
            .arg("check")
            .output()
            .unwrap()
            .stdout,
    );
    assert!(human.contains("Set `default_ttl`"), "{human}");
    assert!(human.contains("Name the Durable Object binding"), "{human}");

    let config = format!("{TTL_CONFIG}{SESSIONS_CONFIG}");
    let configured = project(&[
        ("wrangler.toml", WRANGLER),
        ("kvlint.toml", &config),
        ("src/a.ts", TWO_PUTS),
    ]);
    let human = text(
        &kvlint(configured.path())
            .arg("check")
            .output()
            .unwrap()
            .stdout,
    );
    assert!(!human.contains("Set `default_ttl`"), "{human}");
    assert!(
        !human.contains("Name the Durable Object binding"),
        "{human}"
    );
    assert!(human.contains("`ignore_keys`"), "{human}");
    // A flag name is never broken across lines.
    assert!(!human.contains("--unsafe-\n"), "{human}");
    assert!(human.contains("--unsafe-fixes"), "{human}");
}

#[test]
fn counts_say_what_fix_will_do() {
    // Without default_ttl the TTL fix is only shown: not fixable.
    let shown = project(&[("wrangler.toml", WRANGLER), ("src/a.ts", TWO_PUTS)]);
    kvlint(shown.path())
        .args(["check", "--statistics"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "require-kv-ttl                    0 fixable with --fix, 2 only shown (never applied)",
        ));
    kvlint(shown.path())
        .arg("check")
        .assert()
        .stderr(predicate::str::contains("fixable").not());
    kvlint(shown.path())
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"require-kv-ttl +warning +display-only \(\d\)").unwrap());

    let configured = project(&[
        ("wrangler.toml", WRANGLER),
        ("kvlint.toml", TTL_CONFIG),
        ("src/a.ts", TWO_PUTS),
    ]);
    kvlint(configured.path())
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "2 more fixable with --fix --unsafe-fixes (require-kv-ttl: 2)",
        ));
    kvlint(configured.path())
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"require-kv-ttl +warning +unsafe \(\d\)").unwrap())
        .stdout(predicate::str::contains(
            "require-kv-ttl: display-only until `default_ttl` is set, then unsafe",
        ));
}

#[test]
fn the_scaffold_picks_a_free_binding_and_follows_the_configs_form() {
    // The project already binds USER_SESSIONS, in the inline form.
    let inline = project(&[(
        "wrangler.toml",
        "name = \"w\"\n[durable_objects]\nbindings = [{ name = \"USER_SESSIONS\", class_name = \"UserSession\" }]\n",
    )]);
    let out = kvlint(inline.path())
        .args(["scaffold", "session-object"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let scaffold = text(&out.stdout);
    assert!(
        scaffold.contains("//   { name = \"SESSION_STORE\", class_name = \"SessionStore\" },"),
        "{scaffold}"
    );
    assert!(
        !scaffold.contains("[[durable_objects.bindings]]"),
        "{scaffold}"
    );
    assert!(!scaffold.contains("\"USER_SESSIONS\""), "{scaffold}");

    // A binding the user asked for that is taken: said so.
    let out = kvlint(inline.path())
        .args(["scaffold", "session-object", "--binding", "USER_SESSIONS"])
        .output()
        .unwrap();
    let scaffold = text(&out.stdout).replace("\n// ", " ");
    assert!(
        scaffold
            .contains("already binds `USER_SESSIONS` to the Durable Object class `UserSession`"),
        "{scaffold}"
    );

    // JSON configs get the JSON form.
    let json = project(&[("wrangler.jsonc", "{ \"name\": \"w\" }\n")]);
    let scaffold = text(
        &kvlint(json.path())
            .args(["scaffold", "session-object"])
            .output()
            .unwrap()
            .stdout,
    );
    assert!(
        scaffold.contains(
            "\"durable_objects\": { \"bindings\": [{ \"name\": \"USER_SESSIONS\", \"class_name\": \"SessionStore\" }] },"
        ),
        "{scaffold}"
    );
    assert!(
        !scaffold.contains("[[durable_objects.bindings]]"),
        "{scaffold}"
    );
}

#[test]
fn no_kv_call_with_bindings_known_names_them_and_what_shows_more() {
    let dir = project(&[
        ("wrangler.toml", WRANGLER),
        ("src/util.ts", "export const x = new Map().get('a');\n"),
    ]);
    let out = kvlint(dir.path()).arg("check").output().unwrap();
    let err = text(&out.stderr);
    assert!(
        err.contains("No KV namespace found (0 files checked, 1 skipped: no KV)")
            && err.contains("kvlint knows the KV binding SESSIONS here, but recognised no call on it")
            && err.contains("`kvlint debug bindings <file>` shows what kvlint sees of a file and why")
            && err.contains("If it uses other KV namespaces")
            // Nothing is said that may be false: the files may call them unrecognised.
            && !err.contains("no file checked calls")
            && !err.contains("knows no KV binding"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_utf8_says_so_and_is_not_counted_as_checked() {
    let dir = project(&[
        ("wrangler.toml", WRANGLER),
        ("src/ok.ts", "export const x = 1;\n"),
    ]);
    std::fs::write(
        dir.path().join("src/latin1.ts"),
        b"export const s = '\xe9t\xe9';\n",
    )
    .unwrap();
    let out = kvlint(dir.path()).args(["check", "src"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        all.contains("The file is not UTF-8 text (a byte at offset 18 is not UTF-8)")
            && all.contains("Save it as UTF-8")
            && !all.contains("that the user running kvlint may read")
            && all.contains("1 file not checked")
            && !all.contains("2 files checked"),
        "{all}"
    );
}
