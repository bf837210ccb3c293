//! Migration groups end to end (DESIGN §3): a fix that renames or moves stored data moves
//! every KV op of the project on the same data, across files, or none.

mod common;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const WRANGLER: (&str, &str) = (
    "wrangler.toml",
    "name = \"w\"\n[[kv_namespaces]]\nbinding = \"KV\"\nid = \"x\"\n[[kv_namespaces]]\nbinding = \"OTHER\"\nid = \"y\"\n[[durable_objects.bindings]]\nname = \"USER_SESSIONS\"\nclass_name = \"SessionStore\"\n",
);

const PREFIX: (&str, &str) = (
    "kvlint.toml",
    "[rules.no-unprefixed-kv-key]\nprefix = \"oauth:\"\n",
);

const READER: (&str, &str) = (
    "src/a.ts",
    "export async function read(env: Env) {\n  return env.KV.get('refresh_token');\n}\n",
);

const WRITER: (&str, &str) = (
    "src/b.ts",
    "export async function write(env: Env, t: string) {\n  await env.KV.put('refresh_token', t, { expirationTtl: 3600 });\n}\n",
);

const SESSIONS: (&str, &str) = (
    "kvlint.toml",
    "[rules.no-kv-sessions]\ndurable_object = \"USER_SESSIONS\"\nmethods = { get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }\n",
);

fn kvlint(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("kvlint").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// The moves `kvlint migrate-data` lists for `binding` (its script's `#   BINDING: …` lines).
fn moves_of(dir: &Path, binding: &str) -> Vec<String> {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(dir)
        .args(["migrate-data"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let head = format!("#   {binding}: ");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(&head))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_run_on_one_file_of_a_group_changes_nothing_and_names_the_other() {
    let dir = common::files(&[WRANGLER, PREFIX, READER, WRITER]);
    let d = dir.path();
    kvlint(d)
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "compact",
            "src/a.ts",
        ])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("src/a.ts:2:10")
                .and(predicate::str::contains("not fixed in this run"))
                .and(predicate::str::contains("src/b.ts"))
                .and(predicate::str::contains(
                    "kvlint check --fix --unsafe-fixes .",
                )),
        );
    assert_eq!(read(d, "src/a.ts"), READER.1);
    assert_eq!(read(d, "src/b.ts"), WRITER.1);
    // From the folder above, the command names the project's folder.
    let name = d.file_name().unwrap().to_str().unwrap();
    kvlint(d.parent().unwrap())
        .args(["check", "--format", "compact", &format!("{name}/src/a.ts")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "(`kvlint check --fix --unsafe-fixes {name}` fixes them together)"
        )));
    // Safe fixes alone never migrate: the finding's fix is unsafe.
    kvlint(d).args(["check", "--fix", "src"]).assert().code(1);
    assert_eq!(read(d, "src/a.ts"), READER.1);
    // A run over both changes both, and says what to do next.
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "src"])
        .assert()
        .code(0)
        .stderr(
            predicate::str::contains("KV: `refresh_token` -> `oauth:refresh_token`")
                .and(predicate::str::contains("kvlint migrate-data")),
        );
    assert!(read(d, "src/a.ts").contains("get('oauth:refresh_token'"));
    assert!(read(d, "src/b.ts").contains("put('oauth:refresh_token', t"));
}

#[test]
fn staged_files_and_stdin_cover_only_some_of_a_group() {
    let dir = common::files(&[WRANGLER, PREFIX, READER, WRITER]);
    let d = dir.path();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.email=t@e", "-c", "user.name=t"])
            .args(args)
            .current_dir(d)
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "src/a.ts"]);
    kvlint(d)
        .args([
            "check",
            "--staged",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "compact",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("src/b.ts"));
    assert_eq!(read(d, "src/a.ts"), READER.1);
    // stdin: the buffer comes back as it was, the finding names the other file.
    kvlint(d)
        .args([
            "check",
            "--stdin-filename",
            "src/a.ts",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "compact",
        ])
        .write_stdin(READER.1)
        .assert()
        .code(1)
        .stdout(READER.1)
        .stderr(
            predicate::str::contains("not fixed in this run")
                .and(predicate::str::contains("src/b.ts")),
        );
}

#[test]
fn one_member_without_a_fix_blocks_the_whole_group() {
    // The session store: reads in one file, a write of a value of unknown type in another.
    let dir = common::files(&[
        WRANGLER,
        SESSIONS,
        (
            "src/read.ts",
            "export async function load(env: Env, id: string) {\n  return env.KV.get(`session:${id}`);\n}\nexport async function end(env: Env, id: string) {\n  await env.KV.delete(`session:${id}`);\n}\n",
        ),
        (
            "src/login.ts",
            "export async function login(env: Env, id: string, user: unknown) {\n  await env.KV.put(`session:${id}`, user as any, { expirationTtl: 3600 });\n}\n",
        ),
    ]);
    let d = dir.path();
    let before_read = read(d, "src/read.ts");
    let before_login = read(d, "src/login.ts");
    let out = kvlint(d)
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "json",
            "src",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let sessions: Vec<&serde_json::Value> = found
        .iter()
        .filter(|f| f["rule"] == "no-kv-sessions")
        .collect();
    assert_eq!(sessions.len(), 3, "{found:#?}");
    for f in &sessions {
        assert!(f["fix"].is_null(), "{f}");
        let message = f["message"].as_str().unwrap();
        assert!(
            message.contains("the value written is not known to be a string"),
            "{message}"
        );
        if f["file"] != "src/login.ts" {
            assert!(message.contains("src/login.ts:2:9"), "{message}");
        }
    }
    assert_eq!(read(d, "src/read.ts"), before_read);
    assert_eq!(read(d, "src/login.ts"), before_login);
    // With a string written, the whole store moves: reads, delete and write together.
    std::fs::write(
        d.join("src/login.ts"),
        "export async function login(env: Env, id: string, userId: string) {\n  await env.KV.put(`session:${id}`, userId, { expirationTtl: 3600 });\n}\n",
    )
    .unwrap();
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "src"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "KV: sessions `session:*` -> Durable Object USER_SESSIONS",
        ));
    assert!(read(d, "src/read.ts").contains("env.USER_SESSIONS.getByName(id).getSession(id)"));
    assert!(read(d, "src/read.ts").contains("deleteSession(id)"));
    assert!(read(d, "src/login.ts").contains("putSession(id, userId, { expirationTtl: 3600 })"));
}

#[test]
fn lists_unknown_namespaces_and_broken_files_block_a_rename() {
    let list = (
        "src/admin.ts",
        "export async function tokens(env: Env) {\n  return env.KV.list({ prefix: 'refresh' });\n}\n",
    );
    let dir = common::files(&[WRANGLER, PREFIX, READER, WRITER, list]);
    let d = dir.path();
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "--format", "compact", "src"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "src/admin.ts:2:10, which cannot move with it: a `list` by the prefix `refresh` would see these keys change names",
        ));
    assert_eq!(read(d, "src/a.ts"), READER.1);
    // Another namespace's list is another namespace's data.
    std::fs::write(
        d.join("src/admin.ts"),
        "export async function tokens(env: Env) {\n  return env.OTHER.list({ prefix: 'refresh' });\n}\n",
    )
    .unwrap();
    // A file that does not parse and mentions the key may use it.
    std::fs::write(
        d.join("src/broken.ts"),
        "export async function x(env: Env) {\n  return env.KV.get('refresh_token'\n",
    )
    .unwrap();
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "--format", "compact", "src/a.ts", "src/b.ts"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "the same stored data is used at src/broken.ts, which cannot move with it: the file could not be checked",
        ));
    assert_eq!(read(d, "src/a.ts"), READER.1);
    // A KV namespace kvlint cannot name that uses the key.
    std::fs::write(
        d.join("src/broken.ts"),
        "export async function x(kv: KVNamespace) {\n  return kv.get('refresh_token');\n}\n",
    )
    .unwrap();
    kvlint(d)
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "compact",
            "src",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "the namespace it is called on is not known here",
        ));
    assert_eq!(read(d, "src/b.ts"), WRITER.1);
    std::fs::remove_file(d.join("src/broken.ts")).unwrap();
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "src"])
        .assert()
        .code(0);
    assert!(read(d, "src/b.ts").contains("oauth:refresh_token"));
}

#[test]
fn a_rename_and_a_prefix_that_share_data_must_agree() {
    let dir = common::files(&[
        WRANGLER,
        (
            "kvlint.toml",
            "[rules.no-unprefixed-kv-key]\nprefix = \"cache:\"\nrenames = { \"user_admin\" = \"admin:user\" }\n",
        ),
        (
            "src/users.ts",
            "export async function user(env: Env, id: string) {\n  return env.KV.get(`user_${id}`);\n}\n",
        ),
        (
            "src/admin.ts",
            "export async function admin(env: Env) {\n  return env.KV.get('user_admin');\n}\n",
        ),
    ]);
    let d = dir.path();
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "--format", "compact", "src"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "`renames` names it `admin:user`, while keys it shares data with get the prefix `cache:`",
        ));
    assert!(read(d, "src/users.ts").contains("`user_${id}`"));
}

/// Each op of a file carries its own migration finding, and none of another call's.
#[test]
fn each_op_carries_only_its_own_finding() {
    use kvlint::config::Config;
    use kvlint::groups::OpKey;
    use kvlint::parse::Lang;
    use kvlint::semantic::values::KeyValue;
    use kvlint::source::Source;
    use std::sync::Arc;
    let config = Config::parse(
        Path::new("kvlint.toml"),
        "[rules.no-unprefixed-kv-key]\nprefix = \"oauth:\"\n",
    )
    .unwrap();
    let bindings = common::doc_bindings();
    let selection = kvlint::Selection::default();
    let mut settings = common::settings("a.ts", Lang::TypeScript, &config, &bindings, &selection);
    settings.groups = kvlint::GroupScope::Raw;
    let source = Source::new(
        "export async function f(env: Env) {\n  await env.SESSIONS.get('refresh_token');\n  await env.SESSIONS.get('cache:x');\n  await env.SESSIONS.get(['token', 'cache:y']);\n}\n"
            .to_string(),
    );
    let ops = kvlint::lint_ops(
        &source,
        &settings,
        &Arc::from(Path::new("a.ts")),
        &Arc::from("a.ts"),
    )
    .unwrap();
    let shown: Vec<(String, bool)> = ops
        .iter()
        .map(|o| {
            let k = match &o.key {
                OpKey::Key(KeyValue::Static(s)) => s.clone(),
                other => format!("{other:?}"),
            };
            (k, o.intent.is_some() && o.fix.is_some())
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("refresh_token".to_string(), true),
            ("cache:x".to_string(), false),
            ("token".to_string(), true),
            ("cache:y".to_string(), false),
        ]
    );
    assert_eq!(ops[0].binding.as_deref(), Some("SESSIONS"));
}

/// A blocked op does not pull in what it relates to: a finding names the op that blocks its
/// own group, not one that only shares keys with that op.
#[test]
fn a_finding_names_the_op_that_blocks_its_own_group() {
    let dir = common::files(&[
        WRANGLER,
        PREFIX,
        (
            "src/m.ts",
            "export async function read(env: Env) {\n  return env.KV.get('k');\n}\n",
        ),
        // `k…` on a namespace kvlint cannot name: it may be `k`.
        (
            "src/z.ts",
            "export async function any(kv: KVNamespace, x: string) {\n  return kv.get(`k${x}`);\n}\n",
        ),
        // `kz` may be one of z.ts's keys, but not `k`.
        (
            "src/a.ts",
            "export async function other(kv: KVNamespace) {\n  return kv.get('kz');\n}\n",
        ),
    ]);
    kvlint(dir.path())
        .args(["check", "--format", "compact", "src/m.ts"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("used at src/z.ts:2:10")
                .and(predicate::str::contains("src/a.ts").not())
                .and(predicate::str::contains("more op").not()),
        );
}

/// Each key of a bulk read is its own op: one key blocked by another file does not block
/// the other key of the same call.
#[test]
fn each_key_of_a_bulk_read_is_settled_on_its_own() {
    let dir = common::files(&[
        WRANGLER,
        PREFIX,
        (
            "src/m.ts",
            "export async function both(env: Env) {\n  await env.KV.get(['refresh', 'token']);\n}\n",
        ),
        (
            "src/z.ts",
            "export async function any(kv: KVNamespace) {\n  return kv.get('refresh');\n}\n",
        ),
    ]);
    let out = kvlint(dir.path())
        .args(["check", "--format", "json", "src/m.ts", "src/z.ts"])
        .output()
        .unwrap();
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let of = |key: &str| {
        found
            .iter()
            .find(|f| {
                f["file"] == "src/m.ts"
                    && f["message"].as_str().unwrap().contains(&format!("`{key}`"))
            })
            .unwrap_or_else(|| panic!("{key}: {found:#?}"))
    };
    assert!(of("refresh")["fix"].is_null(), "{:#?}", of("refresh"));
    assert!(!of("token")["fix"].is_null(), "{:#?}", of("token"));
}

/// The script lists the same moves before and after the code is fixed: the configuration
/// still names the renames and the prefix, and the code now uses the new names.
#[test]
fn the_same_moves_before_and_after_the_fix() {
    let dir = common::files(&[
        ("wrangler.toml", "name = \"w\"\nmain = \"src/index.ts\"\n\n[[kv_namespaces]]\nbinding = \"SESSIONS\"\nid = \"abc\"\n\n[durable_objects]\nbindings = [{ name = \"USER_SESSIONS\", class_name = \"SessionStore\" }]\n"),
        (
            "kvlint.toml",
            "[rules.no-unprefixed-kv-key]\nrenames = { \"fb_token\" = \"oauth:fb:token\" }\nprefix = \"cache:\"\n\n[rules.no-kv-sessions]\nsession_keys = [\"session:*\", \"*_session:*\"]\ndurable_object = \"USER_SESSIONS\"\nmethods = { get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }\n",
        ),
        (
            "src/index.ts",
            "export async function load(env: Env, id: string, sid: string) {\n  const token = await env.SESSIONS.get('fb_token');\n  const user = await env.SESSIONS.get(`user_${id}`);\n  const flags = await env.SESSIONS.get('flags');\n  const session = await env.SESSIONS.get(`session:${sid}`);\n  return [token, user, flags, session];\n}\n",
        ),
    ]);
    let d = dir.path();
    let moves = || moves_of(d, "SESSIONS");
    let before = moves();
    assert_eq!(
        before,
        [
            "#   SESSIONS: `fb_token` -> `oauth:fb:token`",
            "#   SESSIONS: `flags` -> `cache:flags`",
            "#   SESSIONS: `user_*` -> `cache:user_*`",
            "#   SESSIONS: `session:*` deleted (sessions now in the Durable Object USER_SESSIONS; only with --delete-sessions)",
        ],
        "before the fix"
    );
    let fixed = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(d)
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--select",
            "no-unprefixed-kv-key,no-kv-sessions",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(fixed.status.code(), Some(0), "{fixed:?}");
    let code = std::fs::read_to_string(d.join("src/index.ts")).unwrap();
    assert!(code.contains("get('oauth:fb:token')"), "{code}");
    assert!(
        code.contains("env.USER_SESSIONS.getByName(sid).getSession(sid)"),
        "{code}"
    );
    assert_eq!(moves(), before, "after the fix");
}

/// Two calls on one key in a file: each op carries its own finding (a blocked one does not
/// lend its blocker to a fixable one), so only the blocked call is named and counted.
#[test]
fn a_blocked_call_does_not_lend_its_blocker_to_another_on_the_same_key() {
    let dir = common::files(&[
        WRANGLER,
        PREFIX,
        READER,
        (
            "src/b.ts",
            "const K = 'refresh_token';\nexport const shown = K;\nexport async function w(env: Env) {\n  await env.KV.get(K);\n  await env.KV.get('refresh_token');\n}\n",
        ),
    ]);
    kvlint(dir.path())
        .args(["check", "--format", "compact", "src"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("src/a.ts:2:10")
                .and(predicate::str::contains(
                    "used at src/b.ts:4:9, which cannot move with it: the key cannot be rewritten",
                ))
                .and(predicate::str::contains("more op").not()),
        );
}

/// The project's KV ops are kept between runs in `node_modules/.cache/kvlint/ops.json`, for
/// each file's text and everything else its lint reads: a run after a change to a constant
/// another module exports, or to the configuration, finds what a run with no cache finds.
#[test]
fn the_ops_kept_between_runs_follow_the_constants_imported_and_the_configuration() {
    let writer = (
        "src/b.ts",
        "import { KEY } from './keys';\nexport async function write(env: Env, t: string) {\n  await env.KV.put(KEY, t, { expirationTtl: 3600 });\n}\n",
    );
    let dir = common::files(&[
        WRANGLER,
        PREFIX,
        READER,
        writer,
        ("src/keys.ts", "export const KEY = 'refresh_token';\n"),
        ("node_modules/.keep", ""),
    ]);
    let d = dir.path();
    let moves = || {
        let mut lines = moves_of(d, "KV");
        lines.sort();
        lines
    };
    let cache = d.join("node_modules/.cache/kvlint/ops.json");
    assert_eq!(
        moves(),
        ["#   KV: `refresh_token` -> `oauth:refresh_token`"]
    );
    assert!(cache.is_file(), "the ops are kept");
    // Kept as they are when nothing changed: the cache is not written again.
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&cache)
        .unwrap()
        .set_modified(past)
        .unwrap();
    assert_eq!(
        moves(),
        ["#   KV: `refresh_token` -> `oauth:refresh_token`"],
        "read back"
    );
    let modified = std::fs::metadata(&cache).unwrap().modified().unwrap();
    assert_eq!(modified, past, "an unchanged cache is not rewritten");
    // A one-file run names the writer's file from its cached ops.
    kvlint(d)
        .args(["check", "--format", "compact", "src/a.ts"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "the same stored data is used in src/b.ts",
        ));

    // The cache is what the next run reads: an entry for the file as it is is believed (its
    // key edited in the cache shows through), ...
    let kept = std::fs::read_to_string(&cache).unwrap();
    let mut edited: serde_json::Value = serde_json::from_str(&kept).unwrap();
    let op = &mut edited["files"]["src/b.ts"][1]["ops"][0];
    assert_eq!(op["key"]["Key"]["Static"], "refresh_token", "{kept}");
    op["key"]["Key"]["Static"] = "kept_token".into();
    op["intent"]["key"]["Static"] = "kept_token".into();
    std::fs::write(&cache, edited.to_string()).unwrap();
    assert_eq!(
        moves(),
        [
            "#   KV: `kept_token` -> `oauth:kept_token`",
            "#   KV: `refresh_token` -> `oauth:refresh_token`"
        ],
        "the writer's ops come from the cache"
    );
    std::fs::write(&cache, kept).unwrap();

    // ... but not once a module the file imports says another key: `src/b.ts` is unchanged.
    std::fs::write(d.join("src/keys.ts"), "export const KEY = 'other_token';\n").unwrap();
    assert_eq!(
        moves(),
        [
            "#   KV: `other_token` -> `oauth:other_token`",
            "#   KV: `refresh_token` -> `oauth:refresh_token`"
        ]
    );
    // A one-file run on the reader no longer finds the writer in its group: it fixes it.
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "src/a.ts"])
        .assert()
        .code(0);
    let fixed = read(d, "src/a.ts");
    assert!(fixed.contains("get('oauth:refresh_token'"), "{fixed}");

    // Nor once the configuration names another prefix.
    std::fs::write(
        d.join("kvlint.toml"),
        "[rules.no-unprefixed-kv-key]\nprefix = \"auth:\"\n",
    )
    .unwrap();
    assert_eq!(moves(), ["#   KV: `other_token` -> `auth:other_token`"]);

    // A cache that cannot be read is no cache.
    std::fs::write(&cache, "{ not json").unwrap();
    assert_eq!(moves(), ["#   KV: `other_token` -> `auth:other_token`"]);
}

/// A file the configuration excludes is not linted, so its calls are in no group: a run on
/// the reader renames it alone.
#[test]
fn an_excluded_file_is_in_no_group() {
    let dir = common::files(&[
        WRANGLER,
        (
            "kvlint.toml",
            "extend_exclude = [\"src/b.ts\"]\n[rules.no-unprefixed-kv-key]\nprefix = \"oauth:\"\n",
        ),
        READER,
        WRITER,
    ]);
    let d = dir.path();
    kvlint(d)
        .args(["check", "--fix", "--unsafe-fixes", "src/a.ts"])
        .assert()
        .code(0);
    assert!(read(d, "src/a.ts").contains("get('oauth:refresh_token'"));
    assert_eq!(read(d, "src/b.ts"), WRITER.1);
}

/// Reading a migration group's files and reading Hono's `ContextVariableMap` (both once per
/// run, both from every file of the project) never wait for each other. Here the group is
/// read first (for `src/a.ts`), on the threads that read projects, while other threads lint
/// the Hono files and ask for the `ContextVariableMap`, which the group's read then needs too.
#[test]
fn a_group_read_and_hono_context_variables_do_not_wait_for_each_other() {
    let mut files: Vec<(String, String)> = vec![
        (WRANGLER.0.into(), WRANGLER.1.into()),
        (PREFIX.0.into(), PREFIX.1.into()),
        (READER.0.into(), READER.1.into()),
        (
            "src/ctx.ts".into(),
            "declare module 'hono' {\n  interface ContextVariableMap {\n    store: KVNamespace;\n  }\n}\nexport {};\n".into(),
        ),
    ];
    // Calls already prefixed: no finding of their own, but the group's read parses them all.
    for i in 0..300 {
        files.push((
            format!("src/b/f{i:03}.ts"),
            format!("export async function get{i}(env: Env) {{\n  const a = await env.KV.get('oauth:a{i}');\n  const b = await env.KV.get('oauth:b{i}');\n  return [a, b];\n}}\n"),
        ));
    }
    for i in 0..20 {
        files.push((
            format!("src/h/r{i:02}.ts"),
            format!("import {{ Hono }} from 'hono';\nexport const app{i} = new Hono();\nexport async function read{i}(env: Env) {{\n  return env.KV.get('oauth:h{i}');\n}}\n"),
        ));
    }
    let named: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = common::files(&named);
    for threads in ["4", "8"] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
            .current_dir(dir.path())
            .args([
                "check",
                "--format",
                "compact",
                "--select",
                "no-unprefixed-kv-key",
                "--threads",
                threads,
                "--file-timeout",
                "20",
                ".",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("abandoned"), "{stdout}");
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert_eq!(
            stdout.matches("[no-unprefixed-kv-key]").count(),
            1,
            "{stdout}"
        );
    }
}
