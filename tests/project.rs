//! Runs `fixtures/project/`: in each small project, the model finds exactly the KV calls
//! marked on each line (`// kv: <methods>`) of each file, knowing what the project's other
//! files declare; and `kvlint check` finds the same with and without the prefilter, on these
//! projects and on every other fixture.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kvlint::commands::analyze;

fn markers(text: &str, marker: &str) -> BTreeMap<usize, Vec<String>> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let list = &l[l.find(marker)? + marker.len()..];
            Some((
                i + 1,
                list.split(',').map(|m| m.trim().to_string()).collect(),
            ))
        })
        .collect()
}

/// What `kvlint ARGS` run in `dir` prints on standard output.
fn stdout(dir: &Path, args: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("kvlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The compact require-kv-ttl findings of a check of `dir`.
fn ttl_findings(dir: &Path) -> String {
    stdout(
        dir,
        &[
            "check",
            "--format",
            "compact",
            "--exit-zero",
            "--select",
            "require-kv-ttl",
            ".",
        ],
    )
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            sources(&path, out);
        } else if [".ts", ".js", ".mjs", ".cjs"]
            .iter()
            .any(|e| name.ends_with(e))
            && !name.ends_with(".d.ts")
        {
            out.push(path);
        }
    }
}

#[test]
fn kv_declared_in_other_files_of_the_project_is_found() {
    let mut files = Vec::new();
    sources(&common::root().join("fixtures/project"), &mut files);
    files.sort();
    let mut marked = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let (found, stubs, reasons) = analyze(path, None, |a| {
            let line = |span: swc_common::Span| a.source.position(a.source.range(span).start).line;
            let mut found: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            for c in &a.model.kv_calls {
                found
                    .entry(line(c.span))
                    .or_default()
                    .push(c.method.name().to_string());
            }
            let mut stubs: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            for c in &a.model.do_calls {
                stubs
                    .entry(line(c.span))
                    .or_default()
                    .push(c.method.clone());
            }
            let reasons: Vec<String> = a.model.kv_calls.iter().map(|c| c.reason.clone()).collect();
            (found, stubs, reasons)
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            stubs,
            markers(&text, "// do: "),
            "{}: Durable Object stub calls by line",
            path.display()
        );
        let expected = markers(&text, "// kv: ");
        marked += expected.len();
        assert_eq!(
            found,
            expected,
            "{}: KV calls by line; the model saw:\n{}",
            path.display(),
            reasons.join("\n")
        );
    }
    assert!(marked >= 15, "{marked} marked calls");
}

#[test]
fn the_reasons_name_the_file_that_declares() {
    let app = common::root().join("fixtures/project/hono-app/src/app.ts");
    let out = kvlint::commands::debug_bindings(&app, None).unwrap();
    assert!(
        out.contains(
            "calls `getKV`, declared to return KVNamespace (imported from src/lib/kv.ts:3)"
        ),
        "{out}"
    );
    assert!(
        out.contains("PAGE_CACHE: Kv (from a type declaration in `PAGE_CACHE` in `Bindings`, src/types.ts:1)"),
        "{out}"
    );
    // A value and an object imported, a namespace import's member, a destructured helper
    // result: each names where it is declared.
    let out = kvlint::commands::debug_bindings(&app, None).unwrap();
    assert!(
        out.contains("because `sharedKV` is imported, declared KVNamespace (src/lib/kv.ts:14)"),
        "{out}"
    );
    let modules = common::root().join("fixtures/project/modules/src/routes");
    let out = kvlint::commands::debug_bindings(&modules.join("items.ts"), None).unwrap();
    assert!(
        out.contains(
            "because `store.shared`: its declared type says shared: KVNamespace (src/store.ts:16)"
        ),
        "{out}"
    );
    let out = kvlint::commands::debug_bindings(&modules.join("links.ts"), None).unwrap();
    assert!(
        out.contains(
            "because `{ LINKS }`: its declared type says LINKS: KVNamespace (src/env.ts:11)"
        ),
        "{out}"
    );
    // A wrangler binding: the line of the config that declares it; an inferred export: the
    // helper's line.
    let inferred = common::root().join("fixtures/project/inferred-exports/src/index.ts");
    let out = kvlint::commands::debug_bindings(&inferred, None).unwrap();
    assert!(
        out.contains("CACHE is a KV binding (")
            && out.contains("inferred-exports/wrangler.toml:5; inferred in src/kv.ts:7)"),
        "{out}"
    );
    // Types by indexed access and imported Env types: the module that declares them.
    let out = kvlint::commands::debug_bindings(&modules.join("variables.ts"), None).unwrap();
    assert!(
        out.contains("because `kv: AppVariables['kv']` is typed KVNamespace (src/variables.ts:12)")
            // Hono's variables: where the app's Variables type is declared.
            && out.contains("because `c.var.kv`: the app's Variables say kv: KVNamespace (src/variables.ts:12)")
            && out.contains("because `c.get('kv')`: the app's Variables say kv: KVNamespace (src/variables.ts:12)")
            && out.contains(
                "because `bindings.ROUTES`: AppEnv.Bindings declares ROUTES: KVNamespace (src/app-env.ts:2)"
            ),
        "{out}"
    );
    // Another package of the workspace: relative to the workspace's root.
    let worker =
        common::root().join("fixtures/project/pnpm-workspace/packages/worker/src/index.ts");
    let out = kvlint::commands::debug_bindings(&worker, None).unwrap();
    assert!(
        out.contains("(imported from packages/shared/src/index.ts:7)")
            && out.contains(
                "because `bindings.CACHE`: WorkerEnv.Bindings declares CACHE: KVNamespace (packages/shared/src/index.ts:2)"
            ),
        "{out}"
    );
    // A JavaScript module's parameters, typed by the declaration file beside it.
    let driver = common::root().join("fixtures/project/declared-beside/lib/drivers/kv.mjs");
    let out = kvlint::commands::debug_bindings(&driver, None).unwrap();
    assert!(
        out.contains("because `binding` = `_a.binding`; `_a.binding`: its declared type says binding: KVNamespace (lib/drivers/kv.d.ts:13)")
            && out.contains("declared KVNamespace by the declaration file beside this module (lib/drivers/kv.d.ts:14)")
            && out.contains("`options.store`: its declared type says store: KVNamespace (lib/drivers/kv.d.ts:15)"),
        "{out}"
    );
    // JSDoc: the comment's line.
    let worker = common::root().join("fixtures/project/jsdoc/src/worker.js");
    let out = kvlint::commands::debug_bindings(&worker, None).unwrap();
    assert!(
        out.contains("because `store` is documented `@param {KVNamespace}` (JSDoc, ")
            && out.contains("src/worker.js:3)")
            && out.contains("because `kv` is documented `@type {KVNamespace}` (JSDoc, ")
            && out.contains("src/worker.js:15)"),
        "{out}"
    );
    let route = common::root().join("fixtures/project/next-on-pages/app/api/flags/route.ts");
    let out = kvlint::commands::debug_bindings(&route, None).unwrap();
    assert!(
        out.contains("FLAGS: Kv (from a type declaration in env.d.ts)"),
        "{out}"
    );
}

fn check_json(dir: &Path, prefilter: bool) -> String {
    let mut cmd = assert_cmd::Command::cargo_bin("kvlint").unwrap();
    cmd.current_dir(dir)
        .args(["check", "--format", "json", "--exit-zero"]);
    if !prefilter {
        cmd.arg("--no-prefilter");
    }
    let out = cmd.arg(".").output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_prefilter_changes_nothing() {
    let fixtures = common::root().join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.extend(
        std::fs::read_dir(fixtures.join("project"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir()),
    );
    dirs.sort();
    for dir in dirs {
        let with = check_json(&dir, true);
        let without = check_json(&dir, false);
        assert_eq!(
            with,
            without,
            "{}: the prefilter changed the findings",
            dir.display()
        );
    }
}

#[test]
fn imported_key_constants_are_folded_into_keys() {
    let dir = common::root().join("fixtures/project/hono-app");
    let out = assert_cmd::Command::cargo_bin("kvlint")
        .unwrap()
        .current_dir(&dir)
        .args(["check", "--format", "compact", "."])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    // `${KV_PREFIXES.user}${id}` from an `as const` object in another module; the session
    // prefix from an exported const, directly and renamed through a re-export.
    assert_eq!(
        stdout,
        "src/app.ts:15:9: warning [no-unprefixed-kv-key] KV key `user_…` has no namespace prefix\n\
         src/app.ts:17:25: error [no-kv-sessions] Session data kept in KV: `get` of key `session:…`\n\
         src/app.ts:18:9: error [no-kv-sessions] Session data kept in KV: `put` of key `session:…`\n\
         src/app.ts:18:9: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n\
         src/app.ts:31:10: error [no-kv-sessions] Session data kept in KV: `get` of key `sess:…`\n"
    );
}

#[test]
fn init_proposes_bindings_from_usage_only_kv_has() {
    let dir = common::root().join("fixtures/project/dashboard-bindings");
    let text = kvlint::init::config_text(&dir).unwrap();
    assert!(
        text.contains("  \"RATE\", # not in the wrangler config; used as only KV is: src/index.ts:8 getWithMetadata\n"),
        "{text}"
    );
    assert!(
        text.contains("  \"TOKENS\", # not in the wrangler config; used as only KV is: src/index.ts:6 get(key, 'json'); src/index.ts:7 put(…, { expirationTtl })\n"),
        "{text}"
    );
    // A `get` parsed as JSON with a `put` of a string, through an alias and destructuring.
    assert!(
        text.contains("  \"PROFILES\", # not in the wrangler config; used as only KV is: src/profiles.ts:8 JSON.parse(get(…)) with src/profiles.ts:13 put(key, string)\n"),
        "{text}"
    );
    assert!(!text.contains("\"UPLOADS\""), "{text}");
    assert!(!text.contains("\"ARCHIVE\""), "{text}");
    let config = kvlint::config::Config::parse(Path::new("kvlint.toml"), &text).unwrap();
    assert_eq!(config.file.bindings.kv, ["PROFILES", "RATE", "TOKENS"]);
}

/// Where nothing declares a KV binding, names used as only KV is used are KV bindings at
/// lint time; a config that says a name is something else wins; `infer = false` turns it off.
#[test]
fn bindings_declared_nowhere_are_inferred_from_uses_only_kv_has() {
    let code = "export default {\n  async fetch(r: Request, env: any) {\n    await env.STORE.put('cache:a', 'v', { expirationTtl: 60 });\n    await env.FILES.get('cache:b', 'json');\n    await env.FILES.put('cache:b', 'v');\n    await env.STORE.put('cache:c', 'v');\n  },\n};\n";
    let wrangler = "name = \"w\"\n[[r2_buckets]]\nbinding = \"FILES\"\nbucket_name = \"files\"\n";
    let dir = common::files(&[("wrangler.toml", wrangler), ("src/index.ts", code)]);
    let compact = |dir: &Path| ttl_findings(dir);
    let out = compact(dir.path());
    // STORE's reads and writes are KV's; FILES stays the wrangler config's R2 bucket.
    assert_eq!(
        out,
        "src/index.ts:6:11: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n",
        "{out}"
    );
    let why = kvlint::commands::debug_bindings(&dir.path().join("src/index.ts"), None).unwrap();
    assert!(
        why.contains("STORE: Kv (from uses only KV has: src/index.ts:3 put(…, { expirationTtl }))"),
        "{why}"
    );
    // The summary says the findings rest on inferred bindings, and where to see them.
    let human = |dir: &Path| {
        let out = assert_cmd::Command::cargo_bin("kvlint")
            .unwrap()
            .current_dir(dir)
            .args(["check", "."])
            .output()
            .unwrap();
        String::from_utf8(out.stderr).unwrap()
    };
    let err = human(dir.path());
    assert!(
        err.contains("Some KV bindings were inferred from uses only KV has, since nothing declares them: `kvlint debug bindings <file>` names them"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("kvlint.toml"),
        "[bindings]\ninfer = false\n",
    )
    .unwrap();
    assert_eq!(compact(dir.path()), "");
    let err = human(dir.path());
    assert!(err.contains("No KV namespace found"), "{err}");
    assert!(!err.contains("inferred"), "{err}");
    // Only a Worker's project is read for them: a wrangler config at its root (above), or a
    // package.json naming wrangler or a @cloudflare/ package; not a library's.
    for (package, inferred) in [
        ("{ \"name\": \"lib\" }", false),
        ("{ \"devDependencies\": { \"wrangler\": \"4\" } }", true),
    ] {
        let dir = common::files(&[("package.json", package), ("src/index.ts", code)]);
        assert_eq!(!compact(dir.path()).is_empty(), inferred, "{package}");
    }
}

#[test]
fn service_worker_globals_declared_nowhere_are_inferred_from_uses_no_other_api_has() {
    // Service-worker syntax: bindings are globals. TOKENS is read with getWithMetadata, so
    // its bare `put` is KV's; `$.get(url, 'json')` is another library's and stays unknown,
    // and FILES is R2's by its `httpMetadata`, whatever else it is used for.
    let code = "addEventListener('fetch', (event) => event.respondWith(handle(event.request)));\nasync function handle(request) {\n  const hit = await TOKENS.getWithMetadata('token:a');\n  await TOKENS.put('token:b', 'v');\n  await $.get('/api', 'json');\n  await $.put('/api', 'v');\n  await FILES.get('f', 'json');\n  await FILES.put('f', 'v', { httpMetadata: {} });\n  await FILES.put('g', 'v');\n  return new Response(hit.value);\n}\n";
    let dir = common::files(&[
        ("wrangler.toml", "name = \"sw\"\n"),
        ("src/worker.js", code),
    ]);
    let out = ttl_findings(dir.path());
    assert_eq!(
        out,
        "src/worker.js:4:9: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n",
        "{out}"
    );
    let why = kvlint::commands::debug_bindings(&dir.path().join("src/worker.js"), None).unwrap();
    assert!(
        why.contains("TOKENS: Kv (from uses only KV has: src/worker.js:3 getWithMetadata)"),
        "{why}"
    );
    assert!(
        !why.contains("FILES: Kv") && !why.contains("$: Kv"),
        "{why}"
    );
}

#[test]
fn astro_pages_are_checked_and_fixed_in_their_frontmatter_only() {
    let page = "---\nconst kv = Astro.locals.runtime.env.PAGES;\nconst data = JSON.parse(await kv.get('page:home'));\nif (!data) return Astro.redirect('/');\n---\n<p>{JSON.parse(await kv.get('page:x'))}</p>\n";
    let wrangler = "name = \"site\"\n[[kv_namespaces]]\nbinding = \"PAGES\"\nid = \"p\"\n";
    let dir = common::files(&[("wrangler.toml", wrangler), ("src/pages/index.astro", page)]);
    let run = |args: &[&str]| stdout(dir.path(), args);
    let found = run(&[
        "check",
        "--format",
        "compact",
        "--exit-zero",
        "--select",
        "prefer-kv-json-type",
        ".",
    ]);
    assert_eq!(
        found,
        "src/pages/index.astro:3:31: warning [prefer-kv-json-type] `JSON.parse` of a KV text read: read it as JSON instead\n",
        "{found}"
    );
    run(&[
        "check",
        "--fix",
        "--exit-zero",
        "--select",
        "prefer-kv-json-type",
        ".",
    ]);
    let fixed = std::fs::read_to_string(dir.path().join("src/pages/index.astro")).unwrap();
    // The frontmatter is fixed; the template, which kvlint does not read, is left alone.
    assert_eq!(
        fixed,
        page.replace(
            "JSON.parse(await kv.get('page:home'))",
            "await kv.get<any>('page:home', 'json')"
        )
    );
}

#[test]
fn bindings_declared_nowhere_are_inferred_beside_declared_ones() {
    // The wrangler config declares CACHE; TOKENS exists only in the dashboard, and its
    // getWithMetadata says it is KV. FILES is R2 by the config, whatever its uses; OTHER has
    // no evidence.
    let code = "export default {\n  async fetch(r: Request, env: any) {\n    await env.CACHE.put('cache:a', 'v');\n    await env.TOKENS.getWithMetadata('token:a');\n    await env.TOKENS.put('token:b', 'v');\n    await env.FILES.get('f', 'json');\n    await env.FILES.put('f', 'v');\n    await env.OTHER.put('o', 'v');\n  },\n};\n";
    let known = "export async function known(env: any) {\n  await env.CACHE.get('cache:a');\n}\n";
    let wrangler = "name = \"w\"\n[[kv_namespaces]]\nbinding = \"CACHE\"\nid = \"c\"\n[[r2_buckets]]\nbinding = \"FILES\"\nbucket_name = \"f\"\n";
    let dir = common::files(&[
        ("wrangler.toml", wrangler),
        ("src/index.ts", code),
        ("src/known.ts", known),
    ]);
    let out = ttl_findings(dir.path());
    assert_eq!(
        out,
        "src/index.ts:3:11: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\nsrc/index.ts:5:11: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n",
        "{out}"
    );
    // A file whose env calls are all on declared bindings does not have the project read.
    let why = kvlint::commands::debug_bindings(&dir.path().join("src/known.ts"), None).unwrap();
    assert!(
        why.contains("CACHE: Kv") && !why.contains("TOKENS"),
        "{why}"
    );
}

#[test]
fn evidence_is_kept_between_runs_and_read_again_when_a_file_changes() {
    let uses =
        "export async function f(env: any) {\n  await env.TOKENS.getWithMetadata('token:a');\n}\n";
    let other = "export async function g(env: any) {\n  await env.TOKENS.put('token:b', 'v');\n}\n";
    let dir = common::files(&[
        ("wrangler.toml", "name = \"w\"\n"),
        ("node_modules/.keep", ""),
        ("src/a.ts", uses),
        ("src/b.ts", other),
    ]);
    let run = || ttl_findings(dir.path());
    let finding = "src/b.ts:2:9: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n";
    assert_eq!(run(), finding);
    let cache = dir.path().join("node_modules/.cache/kvlint/evidence.json");
    let stored = std::fs::read_to_string(&cache).expect("the cache is written");
    assert!(
        stored.contains("src/a.ts") && stored.contains("getWithMetadata"),
        "{stored}"
    );
    // From the cache, the same.
    assert_eq!(run(), finding);
    // The file that gave the evidence no longer does: it is read again, and TOKENS is no
    // longer known.
    std::fs::write(dir.path().join("src/a.ts"), "export const a = 1;\n").unwrap();
    assert_eq!(run(), "");
    // A broken cache is no cache.
    std::fs::write(dir.path().join("src/a.ts"), uses).unwrap();
    std::fs::write(&cache, "{ not json").unwrap();
    assert_eq!(run(), finding);
    // Without node_modules, nothing is written.
    let bare = common::files(&[("wrangler.toml", "name = \"w\"\n"), ("src/a.ts", uses)]);
    stdout(bare.path(), &["check", "--exit-zero", "."]);
    assert!(!bare.path().join("node_modules").exists());
}

#[test]
fn a_project_below_its_wrangler_config_is_a_workers_project() {
    // Pages Functions with a tsconfig.json of their own: the project is `functions/`, the
    // wrangler config is above it. COMPETITION is KV by its list().keys.
    let list = "export const onRequestGet = async ({ env }: { env: any }) => {\n  const page = await env.COMPETITION.list({ prefix: 'c:' });\n  return new Response(String(page.keys.length));\n};\n";
    let put = "export const onRequestPost = async ({ env }: { env: any }) => {\n  await env.COMPETITION.put('c:1', 'v');\n  return new Response('ok');\n};\n";
    let dir = common::files(&[
        (
            "wrangler.toml",
            "name = \"site\"\npages_build_output_dir = \"out\"\n",
        ),
        (
            "functions/tsconfig.json",
            "{ \"compilerOptions\": { \"strict\": true } }\n",
        ),
        ("functions/api/list.ts", list),
        ("functions/api/put.ts", put),
    ]);
    let out = ttl_findings(dir.path());
    assert_eq!(
        out,
        "functions/api/put.ts:2:9: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n",
        "{out}"
    );
}

#[test]
fn the_evidence_cache_is_read_for_files_as_they_were_and_rewritten_only_on_change() {
    use std::os::unix::fs::MetadataExt;
    let plain = "export async function f(env: any) {\n  await env.TOKENS.put('token:b', 'v');\n}\n";
    let dir = common::files(&[
        ("wrangler.toml", "name = \"w\"\n"),
        ("node_modules/.keep", ""),
        ("src/a.ts", plain),
    ]);
    let run = || ttl_findings(dir.path());
    // No evidence in the file: TOKENS is unknown.
    assert_eq!(run(), "");
    let cache = dir.path().join("node_modules/.cache/kvlint/evidence.json");
    let inode = std::fs::metadata(&cache).unwrap().ino();
    // Nothing changed: the cache is not written again.
    assert_eq!(run(), "");
    assert_eq!(std::fs::metadata(&cache).unwrap().ino(), inode);
    // A cache entry for the file as it is now is believed (that is what a cache is): with
    // one that says the file uses TOKENS as only KV does, its put is KV's.
    let meta = std::fs::metadata(dir.path().join("src/a.ts")).unwrap();
    let modified = meta
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let stored = |format: u32, version: &str| {
        format!(
            "{{\"format\":{format},\"version\":\"{version}\",\"files\":{{\"src/a.ts\":[{{\"size\":{},\"modified\":{modified}}},{{\"kv\":{{\"TOKENS\":[\"src/a.ts:1 getWithMetadata\"]}},\"r2\":[]}}]}}}}",
            meta.len()
        )
    };
    let finding = "src/a.ts:2:9: warning [require-kv-ttl] KV `put` without an expiration: the value is stored forever\n";
    std::fs::write(&cache, stored(2, env!("CARGO_PKG_VERSION"))).unwrap();
    assert_eq!(run(), finding);
    // Another format or another kvlint's cache is not read.
    std::fs::write(&cache, stored(1, env!("CARGO_PKG_VERSION"))).unwrap();
    assert_eq!(run(), "");
    std::fs::write(&cache, stored(2, "0.0.0-other")).unwrap();
    assert_eq!(run(), "");
    // An entry for the file as it was (another size) is not read either.
    std::fs::write(
        &cache,
        stored(2, env!("CARGO_PKG_VERSION"))
            .replace(&format!("\"size\":{}", meta.len()), "\"size\":1"),
    )
    .unwrap();
    assert_eq!(run(), "");
    // A file that changed (as many files as before) has its evidence written again.
    let inode = std::fs::metadata(&cache).unwrap().ino();
    std::fs::write(dir.path().join("src/a.ts"), "export const a = 1;\n").unwrap();
    assert_eq!(run(), "");
    assert_ne!(std::fs::metadata(&cache).unwrap().ino(), inode);
}

/// Where no execution context is in scope, `no-floating-kv-write` hands the write to
/// `waitUntil` from `cloudflare:workers` only in code that runs on Workers: a wrangler config
/// with `main`, or a framework's Workers adapter; not in a Pages project's wrangler config
/// without `main`, nor where the file has a `waitUntil` of its own.
#[test]
fn wait_until_from_cloudflare_workers_only_where_the_code_runs_on_workers() {
    let helper = "export function remember(kv: KVNamespace, id: string) {\n  kv.put(`seen:${id}`, '1', { expirationTtl: 600 });\n}\n";
    let own = "const waitUntil = (p: Promise<unknown>) => p;\nexport function remember(kv: KVNamespace, id: string) {\n  kv.put(`seen:${id}`, '1', { expirationTtl: 600 });\n}\n";
    let fixed = |files: &[(&str, &str)]| {
        let dir = common::files(files);
        let out = stdout(
            dir.path(),
            &[
                "check",
                "--diff",
                "--unsafe-fixes",
                "--select",
                "no-floating-kv-write",
                ".",
            ],
        );
        out.contains("+import { waitUntil } from 'cloudflare:workers';")
            && out.contains("+  waitUntil(kv.put(")
    };
    let wrangler_main = ("wrangler.toml", "name = \"w\"\nmain = \"src/index.ts\"\n");
    assert!(fixed(&[wrangler_main, ("src/seen.ts", helper)]));
    assert!(fixed(&[
        (
            "wrangler.jsonc",
            "{\n  // a Worker\n  \"name\": \"w\",\n  \"main\": \"src/index.ts\"\n}\n"
        ),
        ("src/seen.ts", helper),
    ]));
    assert!(fixed(&[
        (
            "package.json",
            "{ \"devDependencies\": { \"@astrojs/cloudflare\": \"12.0.0\" } }\n"
        ),
        ("src/seen.ts", helper),
    ]));
    assert!(fixed(&[
        ("package.json", "{ \"name\": \"n\" }\n"),
        (
            "nuxt.config.ts",
            "export default defineNuxtConfig({ nitro: { preset: 'cloudflare-module' } });\n"
        ),
        ("server/utils/seen.ts", helper),
    ]));
    // A Pages project (no `main`), a library, a file with a `waitUntil` of its own: no fix.
    assert!(!fixed(&[
        (
            "wrangler.toml",
            "name = \"p\"\npages_build_output_dir = \"dist\"\n"
        ),
        ("src/seen.ts", helper),
    ]));
    assert!(!fixed(&[
        ("package.json", "{ \"name\": \"lib\" }\n"),
        ("src/seen.ts", helper)
    ]));
    assert!(!fixed(&[wrangler_main, ("src/seen.ts", own)]));
}

/// The prefilter's part for a declaration file beside a JavaScript module: a module is read
/// when the file declares a KV parameter of one of its functions (`kv.mjs`, `session.mjs`,
/// `legacy.cjs`), and skipped when the parameters are R2 buckets (`r2.mjs`) or when nothing
/// is declared (`plain.js`).
#[test]
fn a_module_whose_declaration_file_declares_kv_parameters_is_read() {
    let dir = common::root().join("fixtures/project/declared-beside");
    let out = assert_cmd::Command::cargo_bin("kvlint")
        .unwrap()
        .current_dir(&dir)
        .args(["check", ".", "--select", "no-kv-sessions"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("in 6 files checked, 3 skipped: no KV."),
        "{stderr}"
    );
}
