//! The proof that fixes are right (DESIGN §7), with the real tools:
//! - the sample Worker type-checks with `tsc` (TypeScript 7) against
//!   `@cloudflare/workers-types` and `hono` before `--fix --unsafe-fixes`, and after;
//! - it runs under Miniflare 4 (workerd, offline) before and after, through one scripted
//!   session and cache flow, with the same responses, and after the fix no session key is
//!   ever written to KV;
//! - every rule's `invalid.fixed.ts` type-checks;
//! - the Durable Object `kvlint scaffold session-object` prints type-checks, and does what KV
//!   does for every session operation.
//!
//! `scripts/test` installs what these need (npm ci in `tests/node` and in the sample Worker).
//! Under `CI=true` a missing prerequisite fails; elsewhere the tests say they did not run.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn sample() -> PathBuf {
    common::root().join("fixtures/sample-worker")
}

/// Whether the tools are here; `false` (after saying why) when not, outside CI.
fn tools() -> bool {
    let needed = [
        sample().join("node_modules/.bin/tsc"),
        sample().join("node_modules/hono/package.json"),
        sample().join("node_modules/@cloudflare/workers-types/package.json"),
        common::root().join("tests/node/node_modules/miniflare/package.json"),
        common::root().join("tests/node/node_modules/esbuild/package.json"),
    ];
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let missing: Vec<String> = needed
        .iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .chain((!node).then(|| "node".to_string()))
        .collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!(
        "missing {} (scripts/test installs them)",
        missing.join(", ")
    );
    common::not_run("the tsc and Miniflare proofs", &why);
    false
}

/// An empty project with the sample's tsconfig and npm packages, and a `src` folder.
fn typed_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::copy(
        sample().join("tsconfig.json"),
        dir.path().join("tsconfig.json"),
    )
    .unwrap();
    link_node_modules(dir.path());
    dir
}

/// A copy of a folder without its `node_modules`, which is linked to the sample's instead.
fn project_copy(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(from, dir.path());
    link_node_modules(dir.path());
    dir
}

fn link_node_modules(dir: &Path) {
    #[cfg(unix)]
    std::os::unix::fs::symlink(sample().join("node_modules"), dir.join("node_modules")).unwrap();
}

/// `tsc --noEmit` in a folder with a tsconfig.json: `Err` with its output when it fails.
fn tsc(dir: &Path) -> Result<(), String> {
    let out = Command::new(dir.join("node_modules/.bin/tsc"))
        .args(["--noEmit", "-p"])
        .arg(dir)
        .output()
        .expect("run tsc");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn node(script: &str, args: &[&str]) -> Value {
    let out = Command::new("node")
        .arg(common::root().join("tests/node").join(script))
        .args(args)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

fn kvlint(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_sample_worker_still_type_checks_and_behaves_the_same_after_the_migration() {
    if !tools() {
        return;
    }
    let dir = project_copy(&sample());
    let worker = dir.path().to_str().unwrap();
    tsc(dir.path()).unwrap_or_else(|e| panic!("the sample Worker does not type-check:\n{e}"));
    let before = node("sample-flow.mjs", &[worker]);

    let out = kvlint(
        dir.path(),
        &["check", "--fix", "--unsafe-fixes", "--format", "compact"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let index = std::fs::read_to_string(dir.path().join("src/worker/index.ts")).unwrap();
    assert!(!index.contains("spotify_session:"), "{index}");
    tsc(dir.path()).unwrap_or_else(|e| panic!("the fixed sample Worker does not type-check:\n{e}"));
    let after = node("sample-flow.mjs", &[worker]);

    // The same responses, request by request.
    let (b, a) = (&before["responses"], &after["responses"]);
    assert_eq!(b.as_array().unwrap().len(), a.as_array().unwrap().len());
    for (b, a) in b.as_array().unwrap().iter().zip(a.as_array().unwrap()) {
        assert_eq!(b, a, "a response changed");
    }
    // Sessions were in KV before, and never are after.
    let is_session = |k: &String| k.starts_with("spotify_session:") || k.starts_with("admin:");
    let ever_before = strings(&before["everInKv"]);
    let ever_after = strings(&after["everInKv"]);
    assert!(ever_before.iter().any(is_session), "{ever_before:?}");
    assert!(!ever_after.iter().any(is_session), "{ever_after:?}");
    eprintln!(
        "{} responses the same; KV held {ever_before:?} before the fix and {ever_after:?} after",
        b.as_array().unwrap().len()
    );
}

#[test]
fn every_fixed_fixture_type_checks() {
    if !tools() {
        return;
    }
    let fixtures = common::root().join("fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let fixed = entry.unwrap().path().join("invalid.fixed.ts");
        if !fixed.exists() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::copy(&fixed, dir.path().join("src/invalid.fixed.ts")).unwrap();
        std::fs::copy(
            sample().join("tsconfig.json"),
            dir.path().join("tsconfig.json"),
        )
        .unwrap();
        link_node_modules(dir.path());
        tsc(dir.path()).unwrap_or_else(|e| panic!("{} does not type-check:\n{e}", fixed.display()));
        checked += 1;
    }
    assert!(checked >= 6, "{checked} fixtures");
}

#[test]
fn the_scaffolded_session_object_type_checks_and_does_what_kv_does() {
    if !tools() {
        return;
    }
    let dir = typed_project();
    // No kvlint.toml here: the default method names.
    let out = kvlint(
        dir.path(),
        &["scaffold", "session-object", "--class", "SessionStore"],
    );
    assert_eq!(out.status.code(), Some(0));
    let file = dir.path().join("src/SessionStore.ts");
    std::fs::write(&file, &out.stdout).unwrap();
    tsc(dir.path()).unwrap_or_else(|e| panic!("the scaffold does not type-check:\n{e}"));
    let runs = node(
        "scaffold-flow.mjs",
        &[file.to_str().unwrap(), "SessionStore"],
    );
    let (kv, object) = (strings(&runs["kv"]), strings(&runs["durableObject"]));
    assert!(kv.len() >= 15);
    for (k, o) in kv.iter().zip(&object) {
        assert_eq!(k, o, "the Durable Object differs from KV");
    }
    assert_eq!(kv.len(), object.len());
}

/// Issue: a KV session write was deleted as a "redundant dual write" because the function
/// also wrote the session to a *different* Durable Object than the configured one; every
/// later read then went to an object nothing wrote. Two objects, under Miniflare: the
/// configured `SESSION_STORE` and another, `AUDIT_SESSIONS`. The migrated Worker must still
/// find the session it logged in.
#[test]
fn a_session_written_to_another_durable_object_is_moved_not_deleted() {
    if !tools() {
        return;
    }
    let dir = typed_project();
    std::fs::write(
        dir.path().join("wrangler.toml"),
        "name = \"two-objects\"\nmain = \"src/index.ts\"\n\n[[kv_namespaces]]\nbinding = \"SESSIONS\"\nid = \"x\"\n\n[durable_objects]\nbindings = [\n  { name = \"SESSION_STORE\", class_name = \"SessionStore\" },\n  { name = \"AUDIT_SESSIONS\", class_name = \"AuditSessions\" },\n]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kvlint.toml"),
        "[rules.no-kv-sessions]\ndurable_object = \"SESSION_STORE\"\nmethods = { get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }\n",
    )
    .unwrap();
    for class in ["SessionStore", "AuditSessions"] {
        let out = kvlint(
            dir.path(),
            &["scaffold", "session-object", "--class", class],
        );
        assert_eq!(out.status.code(), Some(0));
        std::fs::write(dir.path().join(format!("src/{class}.ts")), &out.stdout).unwrap();
    }
    let index = dir.path().join("src/index.ts");
    std::fs::write(
        &index,
        r#"export { SessionStore } from './SessionStore';
export { AuditSessions } from './AuditSessions';

interface Env {
  SESSIONS: KVNamespace;
  SESSION_STORE: DurableObjectNamespace<import('./SessionStore').SessionStore>;
  AUDIT_SESSIONS: DurableObjectNamespace<import('./AuditSessions').AuditSessions>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const id = url.searchParams.get('id') ?? 'none';
    if (url.pathname === '/login') {
      const audit = env.AUDIT_SESSIONS.getByName(id);
      await audit.putSession(id, 'audit-entry');
      await env.SESSIONS.put(`session:${id}`, 'user-1');
      return new Response('logged in');
    }
    const session = await env.SESSIONS.get(`session:${id}`);
    return new Response(session ?? 'no session');
  },
} satisfies ExportedHandler<Env>;
"#,
    )
    .unwrap();
    tsc(dir.path()).unwrap_or_else(|e| panic!("the two-object Worker does not type-check:\n{e}"));
    let options = r#"{"kvNamespaces":["SESSIONS"],"durableObjects":{"SESSION_STORE":"SessionStore","AUDIT_SESSIONS":"AuditSessions"}}"#;
    let flow = ["/login?id=a", "/me?id=a", "/me?id=b"];
    let run = || {
        let mut args = vec![index.to_str().unwrap(), options];
        args.extend(flow);
        node("worker-flow.mjs", &args)
    };
    let before = run();
    let out = kvlint(
        dir.path(),
        &["check", "--fix", "--unsafe-fixes", "--format", "compact"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let fixed = std::fs::read_to_string(&index).unwrap();
    assert!(
        fixed.contains("env.SESSION_STORE.getByName(id).putSession(id, 'user-1')"),
        "the KV write must move to the configured object:\n{fixed}"
    );
    tsc(dir.path()).unwrap_or_else(|e| panic!("the fixed Worker does not type-check:\n{e}"));
    let after = run();
    assert_eq!(
        before, after,
        "the migration changed what the Worker answers"
    );
    assert_eq!(before[1]["body"], "user-1", "{before}");
}

/// Stored data in the proof (DESIGN §3): the old program writes its data to wrangler's local
/// KV; `kvlint check --fix --unsafe-fixes` renames (`renames`) and prefixes (`prefix`) the
/// keys in the code; `kvlint migrate-data`'s script, `--apply`, copies the data on the same
/// store; the fixed program then answers exactly what the old one answers on its own data.
/// Without the copy it does not (the control), which is why renames are migration fixes.
#[test]
fn renamed_data_moved_by_migrate_data_answers_the_same() {
    let wrangler = common::root().join("tests/node/node_modules/.bin/wrangler");
    if !tools() {
        return;
    }
    if !wrangler.exists() {
        common::not_run("the stored-data proof", "tests/node's wrangler is missing");
        return;
    }
    let dir = typed_project();
    let d = dir.path();
    std::fs::write(
        d.join("wrangler.toml"),
        "name = \"tokens\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-10-01\"\n\n[[kv_namespaces]]\nbinding = \"CACHE\"\nid = \"abc\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("kvlint.toml"),
        "[rules.no-unprefixed-kv-key]\nrenames = { \"refresh_token\" = \"oauth:refresh_token\" }\nprefix = \"user:\"\n",
    )
    .unwrap();
    let index = d.join("src/index.ts");
    std::fs::write(
        &index,
        r#"interface Env {
  CACHE: KVNamespace;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const user = url.searchParams.get('user') ?? 'none';
    if (url.pathname === '/login') {
      await env.CACHE.put('refresh_token', `token-of-${user}`, { metadata: { user }, expirationTtl: 86400 });
      await env.CACHE.put(`profile_${user}`, JSON.stringify({ user, at: 1 }));
      return new Response('logged in');
    }
    const token = await env.CACHE.getWithMetadata('refresh_token');
    const profile = await env.CACHE.get(`profile_${user}`, 'json');
    return Response.json({ token: token.value, by: token.metadata, profile });
  },
} satisfies ExportedHandler<Env>;
"#,
    )
    .unwrap();
    tsc(d).unwrap_or_else(|e| panic!("the Worker does not type-check:\n{e}"));
    let persist = d.join("state");
    let options = format!(
        r#"{{"kvNamespaces":{{"CACHE":"abc"}},"persist":"{}"}}"#,
        persist.display()
    );
    let run = |requests: &[&str]| {
        let mut args = vec![index.to_str().unwrap(), options.as_str()];
        args.extend(requests);
        node("worker-flow.mjs", &args)
    };
    let reads = ["/me?user=a", "/me?user=b", "/me?user=c"];
    // The old program writes its data, then reads it.
    run(&["/login?user=b", "/login?user=a"]);
    let before = run(&reads);
    assert!(
        before[0]["body"].as_str().unwrap().contains("token-of-a"),
        "{before}"
    );

    let out = kvlint(
        d,
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--select",
            "no-unprefixed-kv-key",
            "src",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let fixed = std::fs::read_to_string(&index).unwrap();
    assert!(
        fixed.contains("getWithMetadata('oauth:refresh_token')"),
        "{fixed}"
    );
    assert!(fixed.contains("`user:profile_${user}`"), "{fixed}");
    tsc(d).unwrap_or_else(|e| panic!("the fixed Worker does not type-check:\n{e}"));
    // The control: the fixed program on data that was not moved answers otherwise.
    assert_ne!(
        run(&reads),
        before,
        "the control: renamed code must miss the old keys"
    );

    let out = kvlint(d, &["migrate-data", "-o", "migrate.sh"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let script = std::fs::read_to_string(d.join("migrate.sh")).unwrap();
    assert!(
        script.contains("CACHE: `refresh_token` -> `oauth:refresh_token`"),
        "{script}"
    );
    let applied = Command::new(d.join("migrate.sh"))
        .current_dir(d)
        .args(["--apply", "--", "--local", "--persist-to", "state"])
        .env("WRANGLER", &wrangler)
        .env("KVLINT_LIST_PAUSE", "0")
        .output()
        .unwrap();
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&applied.stdout),
        String::from_utf8_lossy(&applied.stderr)
    );
    let after = run(&reads);
    assert_eq!(
        before, after,
        "the fixed program on the migrated data answers otherwise"
    );
}

/// Sessions with stored data: the old Worker keeps sessions in KV (wrangler's local store);
/// `--fix --unsafe-fixes` moves every session call to the Durable Object that `kvlint scaffold
/// session-object` prints, which reads a session still stored in KV once and keeps it; the
/// fixed Worker answers a flow over the sessions the old one stored (reads, a logout, a read
/// after it, an unknown id) exactly as the old one does. Without the object's KV read (the
/// control), it does not.
#[test]
fn sessions_stored_in_kv_are_found_by_the_fixed_worker() {
    let wrangler = common::root().join("tests/node/node_modules/.bin/wrangler");
    if !tools() {
        return;
    }
    if !wrangler.exists() {
        common::not_run(
            "the stored-session proof",
            "tests/node's wrangler is missing",
        );
        return;
    }
    let dir = typed_project();
    let d = dir.path();
    std::fs::write(
        d.join("wrangler.toml"),
        "name = \"sessions\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-10-01\"\n\n[[kv_namespaces]]\nbinding = \"SESSIONS\"\nid = \"abc\"\n\n[durable_objects]\nbindings = [{ name = \"USER_SESSIONS\", class_name = \"SessionStore\" }]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("kvlint.toml"),
        "[rules.no-kv-sessions]\nsession_keys = [\"session:*\"]\ndurable_object = \"USER_SESSIONS\"\nmethods = { get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }\n",
    )
    .unwrap();
    let out = kvlint(
        d,
        &["scaffold", "session-object", "--class", "SessionStore"],
    );
    assert_eq!(out.status.code(), Some(0));
    let scaffold = String::from_utf8(out.stdout).unwrap();
    assert!(
        scaffold.contains("const KV_BINDING: string = \"SESSIONS\";")
            && scaffold.contains("const KV_PREFIXES: string[] = [\"session:\"];"),
        "{scaffold}"
    );
    std::fs::write(d.join("src/SessionStore.ts"), &scaffold).unwrap();
    let index = d.join("src/index.ts");
    std::fs::write(
        &index,
        r#"export { SessionStore } from './SessionStore';

interface Env {
  SESSIONS: KVNamespace;
  USER_SESSIONS: DurableObjectNamespace<import('./SessionStore').SessionStore>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const id = url.searchParams.get('id') ?? 'none';
    if (url.pathname === '/login') {
      await env.SESSIONS.put(`session:${id}`, `user-of-${id}`, { expirationTtl: 3600 });
      return new Response('logged in');
    }
    if (url.pathname === '/logout') {
      await env.SESSIONS.delete(`session:${id}`);
      return new Response('logged out');
    }
    const session = await env.SESSIONS.get(`session:${id}`);
    return new Response(session ?? 'no session');
  },
} satisfies ExportedHandler<Env>;
"#,
    )
    .unwrap();
    tsc(d).unwrap_or_else(|e| panic!("the Worker does not type-check:\n{e}"));
    let options = |persist: &Path| {
        format!(
            r#"{{"kvNamespaces":{{"SESSIONS":"abc"}},"durableObjects":{{"USER_SESSIONS":"SessionStore"}},"persist":"{}"}}"#,
            persist.display()
        )
    };
    let run = |persist: &Path, requests: &[&str]| {
        let options = options(persist);
        let mut args = vec![index.to_str().unwrap(), options.as_str()];
        args.extend(requests);
        node("worker-flow.mjs", &args)
    };
    // The old Worker stores two sessions.
    let stored = d.join("stored");
    run(&stored, &["/login?id=a", "/login?id=b"]);
    let flow = [
        "/me?id=a",
        "/me?id=b",
        "/logout?id=a",
        "/me?id=a",
        "/me?id=b",
        "/me?id=c",
    ];
    let copy = |name: &str| {
        let to = d.join(name);
        common::copy_dir(&stored, &to);
        to
    };
    let before = run(&copy("old"), &flow);
    assert_eq!(before[0]["body"], "user-of-a", "{before}");

    let out = kvlint(
        d,
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--select",
            "no-kv-sessions",
            "src",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let fixed = std::fs::read_to_string(&index).unwrap();
    assert!(
        fixed.contains("env.USER_SESSIONS.getByName(id).getSession(id)")
            && fixed.contains("putSession(id, `user-of-${id}`")
            && fixed.contains("deleteSession(id)"),
        "{fixed}"
    );
    tsc(d).unwrap_or_else(|e| panic!("the fixed Worker does not type-check:\n{e}"));
    let after = run(&copy("new"), &flow);
    assert_eq!(
        before, after,
        "the fixed Worker answers otherwise on the stored sessions"
    );

    // The control: an object that does not read KV loses the stored sessions.
    std::fs::write(
        d.join("src/SessionStore.ts"),
        scaffold.replace(
            "const KV_BINDING: string = \"SESSIONS\";",
            "const KV_BINDING: string = '';",
        ),
    )
    .unwrap();
    assert_ne!(run(&copy("control"), &flow), before, "the control");
}

/// A write dropped where no execution context is in scope, in a Worker's project, is handed
/// to `waitUntil` from `cloudflare:workers` (issue 30, item 11): the fixed Worker type-checks
/// against `@cloudflare/workers-types`, and under Miniflare the write (and the one its
/// `.then` makes, which runs after the response is sent) completes.
#[test]
fn a_write_handed_to_wait_until_from_cloudflare_workers_completes_after_the_response() {
    if !tools() {
        return;
    }
    let dir = typed_project();
    std::fs::write(
        dir.path().join("wrangler.toml"),
        "name = \"floating\"\nmain = \"src/index.ts\"\n\n[[kv_namespaces]]\nbinding = \"CACHE\"\nid = \"x\"\n",
    )
    .unwrap();
    let helper = dir.path().join("src/seen.ts");
    std::fs::write(
        &helper,
        r#"// Records a visit. No execution context reaches this helper.
export function remember(kv: KVNamespace, id: string) {
  kv.put(`seen:${id}`, 'pending', { expirationTtl: 600 }).then(() =>
    kv.put(`seen:${id}`, 'done', { expirationTtl: 600 }),
  );
}
"#,
    )
    .unwrap();
    let index = dir.path().join("src/index.ts");
    std::fs::write(
        &index,
        r#"import { remember } from './seen';

interface Env {
  CACHE: KVNamespace;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const id = url.searchParams.get('id') ?? 'none';
    if (url.pathname === '/visit') {
      remember(env.CACHE, id);
      return new Response('ok');
    }
    return new Response((await env.CACHE.get(`seen:${id}`)) ?? 'never');
  },
} satisfies ExportedHandler<Env>;
"#,
    )
    .unwrap();
    let out = kvlint(
        dir.path(),
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--select",
            "no-floating-kv-write",
            "--format",
            "compact",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let fixed = std::fs::read_to_string(&helper).unwrap();
    assert!(
        fixed.starts_with("// Records a visit. No execution context reaches this helper.\nimport { waitUntil } from 'cloudflare:workers';\nexport function remember"),
        "{fixed}"
    );
    assert!(
        fixed.contains("  waitUntil(kv.put(`seen:${id}`, 'pending'"),
        "{fixed}"
    );
    tsc(dir.path()).unwrap_or_else(|e| panic!("the fixed Worker does not type-check:\n{e}"));
    let options = r#"{"kvNamespaces":["CACHE"]}"#;
    let after = node(
        "worker-flow.mjs",
        &[
            index.to_str().unwrap(),
            options,
            "/visit?id=a",
            "/read?id=a",
        ],
    );
    assert_eq!(after[0]["body"], "ok", "{after}");
    assert_eq!(after[1]["body"], "done", "{after}");
}
