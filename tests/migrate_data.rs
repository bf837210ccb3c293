//! `kvlint migrate-data` against wrangler's local KV (Miniflare's store, offline; wrangler
//! pinned in tests/node): the script it writes copies renamed and prefixed keys with their
//! metadata and expiration, past 1,000 keys, binary values included; lists without --apply;
//! stops a pattern on a conflict; never deletes with --apply alone; copies again what the old
//! code wrote after the first copy and keeps what the new code wrote; deletes an old key with
//! --delete-old only where its copy holds the same; deletes sessions only with
//! --delete-sessions; and leaves every other key alone. (That it finds the same moves before
//! and after the code is fixed is in tests/groups.rs: it needs no wrangler.)

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn wrangler_bin() -> PathBuf {
    common::root().join("tests/node/node_modules/.bin/wrangler")
}

/// Whether wrangler is installed (scripts/test installs it); under `CI=true` its absence
/// fails the test.
fn tools() -> bool {
    let here = wrangler_bin().exists()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !here {
        common::not_run(
            "the migrate-data tests",
            "tests/node's wrangler (scripts/test installs it) is missing",
        );
    }
    here
}

const WRANGLER_TOML: &str = "name = \"w\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-10-01\"\n\n[[kv_namespaces]]\nbinding = \"SESSIONS\"\nid = \"abc\"\n\n[durable_objects]\nbindings = [{ name = \"USER_SESSIONS\", class_name = \"UserSession\" }]\n";

const KVLINT_TOML: &str = "[rules.no-unprefixed-kv-key]\nrenames = { \"fb_token\" = \"oauth:fb:token\" }\nprefix = \"cache:\"\n\n[rules.no-kv-sessions]\nsession_keys = [\"session:*\"]\ndurable_object = \"USER_SESSIONS\"\nmethods = { get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }\n";

const CODE: &str = "export async function load(env: Env, id: string, sid: string) {\n  const token = await env.SESSIONS.get('fb_token');\n  const user = await env.SESSIONS.get(`user_${id}`);\n  const session = await env.SESSIONS.get(`session:${sid}`);\n  return [token, user, session];\n}\n";

fn project() -> tempfile::TempDir {
    common::files(&[
        ("wrangler.toml", WRANGLER_TOML),
        ("kvlint.toml", KVLINT_TOML),
        ("src/index.ts", CODE),
    ])
}

fn wrangler(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(wrangler_bin())
        .current_dir(dir)
        .args(["kv"])
        .args(args)
        .args(["--binding", "SESSIONS", "--local", "--persist-to", "state"])
        .env("WRANGLER_SEND_METRICS", "false")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wrangler kv {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every stored key by name: expiration, metadata and the value (base64), read with
/// Miniflare from wrangler's local store (every page, no wrangler).
fn stored(dir: &Path) -> std::collections::BTreeMap<String, Value> {
    let out = Command::new("node")
        .arg(common::root().join("tests/node/kv-dump.mjs"))
        .arg(dir.join("state"))
        .arg("abc")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    keys.into_iter()
        .map(|k| (k["name"].as_str().unwrap().to_string(), k))
        .collect()
}

fn get(dir: &Path, key: &str) -> Vec<u8> {
    wrangler(dir, &["key", "get", key]).stdout
}

fn seed(dir: &Path, bulk_keys: usize) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut entries = vec![
        serde_json::json!({"key": "fb_token", "value": "tok", "metadata": {"by": "oauth"}, "expiration": now + 86_400}),
        serde_json::json!({"key": "user_1", "value": "one"}),
        serde_json::json!({"key": "user_2", "value": "two", "metadata": {"n": 2}, "expiration": now + 7_200}),
        serde_json::json!({"key": "session:s1", "value": "{\"u\":1}"}),
        serde_json::json!({"key": "session:s2", "value": "{\"u\":2}"}),
        serde_json::json!({"key": "other", "value": "stays"}),
    ];
    for i in 0..bulk_keys {
        entries.push(
            serde_json::json!({"key": format!("user_bulk_{i:04}"), "value": format!("v{i}")}),
        );
    }
    std::fs::write(
        dir.join("seed.json"),
        serde_json::to_string(&entries).unwrap(),
    )
    .unwrap();
    wrangler(dir, &["bulk", "put", "seed.json"]);
    // A value that is not UTF-8, written from a file (wrangler's bulk put would decode it).
    std::fs::write(dir.join("bin"), [0u8, 255, 1, 128, 10]).unwrap();
    wrangler(
        dir,
        &[
            "key",
            "put",
            "user_bin",
            "--path",
            "bin",
            "--metadata",
            "{\"type\":\"png\"}",
        ],
    );
}

/// Writes the script with kvlint and runs it with wrangler's local store.
fn migrate(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let script = dir.join("migrate.sh");
    if !script.exists() {
        let out = Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
            .current_dir(dir)
            .args(["migrate-data", "-o", "migrate.sh"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = Command::new(&script)
        .current_dir(dir)
        .args(args)
        .args(["--", "--local", "--persist-to", "state"])
        .env("WRANGLER", wrangler_bin())
        .env("KVLINT_LIST_PAUSE", "0.1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn the_script_moves_renamed_prefixed_and_session_keys_as_the_fixes_do() {
    if !tools() {
        return;
    }
    let dir = project();
    let d = dir.path();
    seed(d, 1_100);
    let before = stored(d);
    assert_eq!(before.len(), 1_107);

    // The script is executable and says what it moves.
    let out = Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(d)
        .args(["migrate-data", "-o", "migrate.sh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let script = std::fs::read_to_string(d.join("migrate.sh")).unwrap();
    assert!(script.starts_with("#!/usr/bin/env bash\n"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("migrate.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "executable");
    }
    for line in [
        "#   SESSIONS: `fb_token` -> `oauth:fb:token`\n",
        "#   SESSIONS: `user_*` -> `cache:user_*`\n",
        "#   SESSIONS: `session:*` deleted",
    ] {
        assert!(script.contains(line), "{line} not in\n{script}");
    }

    // The dry run lists every key, its source and its target, and changes nothing.
    let (code, said) = migrate(d, &[]);
    assert_eq!(code, Some(0), "{said}");
    for line in [
        "would copy fb_token -> oauth:fb:token",
        "would copy user_1 -> cache:user_1",
        "would copy user_bin -> cache:user_bin",
        "would delete session:s1",
        "more may follow",
        "Dry run (nothing changed",
    ] {
        assert!(said.contains(line), "{line} not in\n{said}");
    }
    assert_eq!(stored(d), before, "the dry run changed the store");

    // --apply --delete-old (a local store, no live Worker): every renamed and prefixed key
    // moved, exactly; sessions kept. The old keys it deletes make room in the local store's
    // lists of 1,000.
    let started = std::time::Instant::now();
    let (code, said) = migrate(d, &["--apply", "--delete-old"]);
    let took = started.elapsed();
    assert_eq!(code, Some(0), "{said}");
    eprintln!("--apply moved 1,103 prefixed keys and 1 renamed key in {took:?}:\n{said}");
    let after = stored(d);
    // Exactly the store a rename of each key would give: value, metadata, expiration.
    let mut expected = std::collections::BTreeMap::new();
    for (name, entry) in &before {
        let new = if name == "fb_token" {
            "oauth:fb:token".to_string()
        } else if name.starts_with("user_") {
            format!("cache:{name}")
        } else {
            name.clone()
        };
        let mut entry = entry.clone();
        entry["name"] = Value::from(new.clone());
        expected.insert(new, entry);
    }
    assert_eq!(after.len(), expected.len());
    for (name, entry) in &expected {
        assert_eq!(after.get(name), Some(entry), "{name}");
    }
    assert!(
        after["oauth:fb:token"]["expiration"].is_u64(),
        "the expiration was kept"
    );
    assert!(
        after["cache:user_1"].get("expiration").is_none(),
        "no new TTL"
    );
    assert_eq!(
        get(d, "cache:user_bin"),
        [0u8, 255, 1, 128, 10],
        "binary value"
    );
    assert!(
        after.contains_key("cache:user_bulk_1099"),
        "past the first 1,000 keys"
    );
    assert_eq!(after["other"], before["other"], "a key of no pattern stays");
    assert!(
        after.contains_key("session:s1"),
        "sessions are kept without --delete-sessions"
    );

    // A second --apply changes nothing.
    let (code, said) = migrate(d, &["--apply", "--delete-old"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("no stored key to move"), "{said}");
    assert_eq!(stored(d), after, "the second --apply changed the store");

    // --delete-sessions deletes the session keys, and nothing else.
    let (code, said) = migrate(d, &["--apply", "--delete-sessions"]);
    assert_eq!(code, Some(0), "{said}");
    let last = stored(d);
    assert!(!last.contains_key("session:s1") && !last.contains_key("session:s2"));
    let mut expected = after.clone();
    expected.remove("session:s1");
    expected.remove("session:s2");
    assert_eq!(last, expected);
}

#[test]
fn a_conflict_moves_nothing_of_its_pattern_and_fails() {
    if !tools() {
        return;
    }
    let dir = project();
    let d = dir.path();
    seed(d, 0);
    std::fs::write(
        d.join("c.json"),
        r#"[{"key":"cache:user_2","value":"another value"}]"#,
    )
    .unwrap();
    wrangler(d, &["bulk", "put", "c.json"]);
    let before = stored(d);
    let (code, said) = migrate(d, &["--apply"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("CONFLICT user_2 -> cache:user_2: the target exists with another value"),
        "{said}"
    );
    let after = stored(d);
    for key in ["user_1", "user_2", "user_bin", "cache:user_2"] {
        assert_eq!(after.get(key), before.get(key), "{key} changed");
    }
    assert!(
        !after.contains_key("cache:user_1"),
        "part of the pattern moved"
    );
    assert_eq!(get(d, "cache:user_2"), b"another value");
    // Another pattern is not held up by it.
    assert!(after.contains_key("oauth:fb:token"), "{said}");
}

/// The phases a live Worker survives: --apply copies and deletes nothing; a key the old code
/// writes after the copy is copied again by the next --apply; a target the new code wrote is
/// kept; --delete-old deletes an old key only where its target holds the same.
#[test]
fn phases_copy_never_delete_then_catch_up_then_delete_what_is_the_same() {
    if !tools() {
        return;
    }
    let dir = project();
    let d = dir.path();
    seed(d, 0);
    let before = stored(d);
    let (code, said) = migrate(d, &["--apply"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("copy user_1 -> cache:user_1"), "{said}");
    let first = stored(d);
    for (name, entry) in &before {
        assert_eq!(
            first.get(name),
            Some(entry),
            "--apply changed or deleted {name}"
        );
    }
    assert_eq!(get(d, "cache:user_1"), b"one");
    assert!(d.join("migrate.sh.state.json").is_file(), "the state file");

    // The old code, still deployed, writes an old key; the new code writes a target.
    std::fs::write(d.join("v"), "one, later").unwrap();
    wrangler(d, &["key", "put", "user_1", "--path", "v"]);
    std::fs::write(d.join("v"), "written by the new code").unwrap();
    wrangler(d, &["key", "put", "cache:user_2", "--path", "v"]);
    let (code, said) = migrate(d, &["--apply"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("update user_1 -> cache:user_1 (the old key changed since the last copy)"),
        "{said}"
    );
    assert!(
        said.contains("keep cache:user_2: written since kvlint copied it there (by the new code)"),
        "{said}"
    );
    assert_eq!(get(d, "cache:user_1"), b"one, later");
    assert_eq!(get(d, "cache:user_2"), b"written by the new code");

    // --delete-old: an old key goes only where its target holds the same.
    let (code, said) = migrate(d, &["--delete-old"]);
    assert_eq!(code, Some(0), "{said}");
    let last = stored(d);
    for gone in ["fb_token", "user_1", "user_bin"] {
        assert!(!last.contains_key(gone), "{gone} kept:\n{said}");
    }
    assert!(
        said.contains(
            "keep user_2: cache:user_2 does not hold the same value, metadata and expiration"
        ),
        "{said}"
    );
    assert_eq!(get(d, "user_2"), b"two");
    assert!(
        last.contains_key("session:s1"),
        "sessions need --delete-sessions"
    );
    assert_eq!(get(d, "other"), b"stays");
}

/// A copy that does not read back the same (a wrangler stand-in corrupts one value as it is
/// written): the run fails, kvlint does not record the copy as its own, and nothing of the
/// pattern is deleted, even with --delete-old.
#[test]
fn a_copy_that_does_not_read_back_the_same_deletes_nothing() {
    if !tools() {
        return;
    }
    let dir = project();
    let d = dir.path();
    seed(d, 0);
    let stand_in = d.join("corrupting-wrangler");
    std::fs::write(
        &stand_in,
        format!(
            "#!/usr/bin/env bash\nif [ \"$1 $2 $3\" = \"kv bulk put\" ]; then\n  node -e 'const fs = require(\"fs\"); const f = process.argv[1]; const e = JSON.parse(fs.readFileSync(f, \"utf8\")); for (const x of e) if (x.key === \"cache:user_1\") x.value = \"corrupted\"; fs.writeFileSync(f, JSON.stringify(e));' \"$4\"\nfi\nexec {} \"$@\"\n",
            wrangler_bin().display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(d)
        .args(["migrate-data", "-o", "migrate.sh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = Command::new(d.join("migrate.sh"))
        .current_dir(d)
        .args([
            "--apply",
            "--delete-old",
            "--",
            "--local",
            "--persist-to",
            "state",
        ])
        .env("WRANGLER", &stand_in)
        .env("KVLINT_LIST_PAUSE", "0")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("do not read back the same"), "{said}");
    assert!(
        said.contains("nothing of this pattern was deleted"),
        "{said}"
    );
    let after = stored(d);
    for key in ["user_1", "user_2", "user_bin"] {
        assert!(after.contains_key(key), "{key} was deleted:\n{said}");
    }
    let state = std::fs::read_to_string(d.join("migrate.sh.state.json")).unwrap();
    assert!(!state.contains("cache:user_1"), "{state}");
    assert!(state.contains("cache:user_2"), "{state}");
}
