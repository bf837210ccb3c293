//! Property tests of the fix engine on generated Worker programs with KV calls:
//! the fixed code parses, fixing is idempotent, nothing outside the fixed region changes
//! (BOM and line endings included), safe fixes keep every comment, and no fixable finding
//! is left. The programs are executable: every one also runs before and after the safe
//! fixes against seeded in-memory KV namespaces (tests/node), and must behave the same.
//! The programs hold single-use text reads, reads whose receivers or keys run code after a
//! read that can throw, CRLF line ends and code without semicolons; a second property
//! generates session dual writes under the same and under other ids.

mod common;

use std::collections::BTreeSet;

use kvlint::config::Config;
use kvlint::fix::FixMode;
use kvlint::parse::{parse, parses, Lang};
use kvlint::source::Source;
use kvlint::{fix_source, lint_source, Selection};

use proptest::prelude::*;

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("'cache:a'".to_string()),
        Just("\"fb_app_access_token\"".to_string()),
        Just("'oauth:facebook:app_token'".to_string()),
        Just("'config:flags'".to_string()),
        Just("`user_${id}`".to_string()),
        Just("`instagram:${id}`".to_string()),
        Just("'instagram:posts'".to_string()),
        Just("'instagram:profile'".to_string()),
        Just("KEY".to_string()),
        Just("id".to_string()),
        Just("make(id)".to_string()),
        Just("tag(id)".to_string()),
        Just("num".to_string()),
        Just("`cache:multi\n      line`".to_string()),
    ]
}

fn receiver() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("env.SESSIONS".to_string()),
        Just("kv".to_string()),
        Just("this.store".to_string()),
        Just("(env.SESSIONS as KVNamespace)".to_string()),
        Just("m".to_string()),
    ]
}

fn put_options() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(", {}".to_string()),
        Just(", { metadata: { a: 1 } }".to_string()),
        Just(", {\n      metadata: null, // why\n    }".to_string()),
        Just(", { [`expirationTtl`]: 120 }".to_string()),
        Just(", { [TTL_KEY]: 180, metadata: 1 }".to_string()),
        Just(", { [opt]: 240 }".to_string()),
        Just(", { expirationTtl: 30 }".to_string()),
        Just(", { expirationTtl: 3600 }".to_string()),
        Just(", opts".to_string()),
    ]
}

fn get_options() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(", 'json'".to_string()),
        Just(", \"text\"".to_string()),
        Just(", { type: 'json' }".to_string()),
        Just(", { cacheTtl: 10 }".to_string()),
        Just(", { ['cacheTtl']: 60 }".to_string()),
    ]
}

fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" // note".to_string()),
        Just(" /* inline */".to_string()),
    ]
}

/// One statement of a function body.
fn statement() -> impl Strategy<Value = String> {
    prop_oneof![
        (receiver(), key(), put_options(), comment())
            .prop_map(|(r, k, o, c)| format!("await {r}.put({k}, 'v'{o});{c}")),
        (any::<u16>(), receiver(), key(), get_options(), comment())
            .prop_map(|(n, r, k, o, c)| format!("const v{n} = await {r}.get({k}{o});{c}")),
        (receiver(), key())
            .prop_map(|(r, k)| format!("const parsed = JSON.parse(await {r}.get({k}));")),
        (any::<u16>(), receiver(), key()).prop_map(|(n, r, k)| format!(
            "const raw{n} = await {r}.get({k});\n    use(JSON.parse(raw{n}!));"
        )),
        (receiver(), key()).prop_map(|(r, k)| format!("await {r}.delete({k});")),
        Just("// a comment line".to_string()),
        Just("/* a block\n       comment */".to_string()),
        Just("if (id === 'zz') {\n      return null;\n    }".to_string()),
        Just("const local = new Map<string, string>();\n    local.get('x');".to_string()),
        json_off_path(),
        side_effects(),
        (receiver(), key()).prop_map(|(r, k)| format!(
            "let s = 'a'\n    JSON.parse(await {r}.get({k})).valueOf()\n    use(s)"
        )),
        (any::<u16>(), receiver()).prop_map(|(n, r)| format!(
            "const bm{n} = await {r}.get(['fb_app_access_token', 'cache:a']);\n    use(bm{n}.get('fb_app_access_token'));"
        )),
        receiver().prop_map(|r| format!("use((await {r}.list({{ prefix: 'fb_' }})).keys.length);")),
        Just("if (id === 'zz') {\n      return /* kvlint-disable-line require-kv-ttl\n      */ 1;\n    }".to_string()),
    ]
}

/// A single-use text read whose `JSON.parse` is not the next thing on the read's path.
fn json_off_path() -> impl Strategy<Value = String> {
    (any::<u16>(), receiver(), key(), 0..5u8).prop_map(|(n, r, k, shape)| {
        let read = format!("const raw{n} = await {r}.get({k});\n    ");
        let rest = match shape {
            0 => format!("try {{\n      use(JSON.parse(raw{n}));\n    }} catch {{\n      use('caught');\n    }}"),
            1 => format!("if (id === 'zz') {{\n      use(JSON.parse(raw{n}));\n    }}"),
            2 => format!("use('between');\n    use(JSON.parse(raw{n}));"),
            3 => format!("const acc{n}: unknown[] = [];\n    for (const i of [1, 2]) {{\n      const o = JSON.parse(raw{n});\n      if (o && typeof o === 'object') o.i = i;\n      acc{n}.push(o);\n    }}\n    use(acc{n});"),
            _ => format!("const f{n} = () => JSON.parse(raw{n});\n    use(typeof f{n});"),
        };
        format!("{read}{rest}")
    })
}

/// Reads in a row whose patterns, receivers or keys run code. The first read can throw
/// (invalid JSON, a destructured `null`); a plain one throws only in the read itself, so
/// that the second read's receiver or key is what makes merging them unsafe; a second read
/// with neither leaves the first read's destructuring as the only reason.
fn side_effects() -> impl Strategy<Value = String> {
    (any::<u16>(), receiver(), key(), key(), 0..3u8, 0..3u8).prop_map(
        |(n, r, a, b, first, second)| {
            let first = match first {
                0 => format!("const {{ value: dv{n} = bump() }} = await {r}.getWithMetadata({a});"),
                1 => format!("const {{ k: first{n} }} = await {r}.get({a}, 'json');"),
                _ => format!("const jv{n} = await {r}.get({a}, 'json');"),
            };
            let second = match second {
                0 => format!("const tv{n} = await {r}.get(tag(id));"),
                1 => format!("const rv{n} = await ns(env).get({b});"),
                // Unsafe only because the first read's destructuring can throw.
                _ => format!("const pv{n} = await {r}.get({b});"),
            };
            format!("{first}\n    {second}")
        },
    )
}

/// The code around the statements: helpers, a class holding a namespace, and `main`.
const PRELUDE: &str = "const KEY = 'settings';
const TTL_KEY = 'expirationTtl';
let bumps = 0;
function make(id: string): string {
  return 'made:' + id;
}
function use(v: unknown): void {
  console.log('use', v);
}
function tag(id: string): string {
  console.log('tag', id);
  return 'tag:' + id;
}
function bump(): number {
  bumps += 1;
  console.log('bump', bumps);
  return bumps;
}
function ns(env: { CACHE: KVNamespace }): KVNamespace {
  console.log('ns', bumps);
  return env.CACHE;
}
";

/// A generated program, with or without its statements' semicolons (automatic semicolon
/// insertion then ends them: no generated statement starts with `(`, `[` or a template).
fn worker() -> impl Strategy<Value = String> {
    (prop::collection::vec(statement(), 1..8), any::<bool>()).prop_map(|(stmts, semicolons)| {
        // Each statement's names get its index, so that no name is declared twice; the
        // program returns them all, except the text reads (`raw…`) that are parsed once:
        // those stay single-use, so prefer-kv-json-type's single-use form is generated.
        let mut returned = Vec::new();
        let body: Vec<String> = stmts
            .into_iter()
            .enumerate()
            .map(|(i, mut s)| {
                for name in declared(&s) {
                    let unique = format!("{name}_{i}");
                    s = rename_word(&s, &name, &unique);
                    if !name.starts_with("raw") {
                        returned.push(unique);
                    }
                }
                if !semicolons {
                    s = without_semicolons(&s);
                }
                format!("    {s}\n")
            })
            .collect();
        format!(
            "{PRELUDE}\nexport class Handler {{\n  constructor(private store: KVNamespace) {{}}\n\n  async run(env: Env, kv: KVNamespace, m: Map<string, string>, id: string, opts: KVNamespacePutOptions, num: any, opt: string) {{\n{}    return [{}];\n  }}\n}}\n\nexport async function main(env: Env) {{\n  const m: any = {{ get: (k: unknown) => JSON.stringify({{ m: String(k) }}), put: () => undefined, delete: () => true, list: () => ({{ keys: [] }}), getWithMetadata: () => ({{ value: null }}) }};\n  return new Handler(env.CACHE).run(env, env.SESSIONS, m, 'u1', {{ metadata: {{ m: 1 }} }}, 7, 'expirationTtl');\n}}\n",
            body.concat(),
            returned.join(", ")
        )
    })
}

/// A statement's lines without the semicolon that ends them (before a trailing comment).
fn without_semicolons(s: &str) -> String {
    s.lines()
        .map(|line| {
            let (code, comment) = match line.find(" //").or_else(|| line.find(" /*")) {
                Some(i) if line[..i].ends_with(';') => line.split_at(i),
                _ => (line, ""),
            };
            format!("{}{comment}", code.strip_suffix(';').unwrap_or(code))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names a generated statement declares at its top level (`const x`, `let x`,
/// `const { value: x = … }`, `const { k: x }`), not those of nested blocks.
fn declared(s: &str) -> Vec<String> {
    s.lines()
        .filter(|l| {
            l.starts_with("const ")
                || l.starts_with("let ")
                || l.starts_with("    const ") && !l.starts_with("     ")
        })
        .filter_map(|l| {
            let rest = l.trim_start().split_once(' ')?.1;
            let rest = rest
                .strip_prefix("{ ")
                .and_then(|r| r.split_once(": "))
                .map_or(rest, |(_, r)| r);
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// Replaces `name` where it is a whole identifier.
fn rename_word(s: &str, name: &str, new: &str) -> String {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(name) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + name.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(is_ident) || after.is_some_and(is_ident) || before == Some('.') {
            out.push_str(name);
        } else {
            out.push_str(new);
        }
        rest = &rest[i + name.len()..];
    }
    out.push_str(rest);
    out
}

fn config() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("[rules.require-kv-ttl]\ndefault_ttl = 600\n[rules.prefer-kv-cache-ttl]\ncache_ttl = 600\n".to_string()),
        Just("[rules.no-unprefixed-kv-key]\nrenames = { \"fb_app_access_token\" = \"oauth:fb\" }\nprefix = \"cache:\"\n".to_string()),
        Just("[rules.no-sequential-kv-reads]\nstrategy = \"bulk\"\n".to_string()),
    ]
}

fn comments(text: &str) -> usize {
    let parsed = parse(&Source::new(text.to_string()), Lang::TypeScript, false).unwrap();
    let (leading, trailing) = parsed.comments.borrow_all();
    let all: BTreeSet<_> = leading
        .values()
        .chain(trailing.values())
        .flatten()
        .map(|c| (c.span.lo, c.text.to_string()))
        .collect();
    all.len()
}

fn fix(
    text: &str,
    config: &Config,
    mode: FixMode,
) -> (String, Vec<kvlint::diagnostic::Diagnostic>) {
    let bindings = common::doc_bindings();
    let selection = Selection::default();
    let settings = common::settings("p.ts", Lang::TypeScript, config, &bindings, &selection);
    let fixed = fix_source(&Source::new(text.to_string()), &settings, mode);
    (
        fixed.text.unwrap_or_else(|| text.to_string()),
        fixed.diagnostics,
    )
}

/// How many bytes at the start and at the end no edit of any pass touches, replaying the
/// passes one by one.
fn untouched(text: &str, config: &Config, mode: FixMode) -> (usize, usize) {
    let bindings = common::doc_bindings();
    let selection = Selection::default();
    let settings = common::settings("p.ts", Lang::TypeScript, config, &bindings, &selection);
    let (mut prefix, mut suffix) = (text.len(), text.len());
    let mut current = text.to_string();
    for _ in 0..kvlint::fix::MAX_PASSES {
        let diagnostics = lint_source(&Source::new(current.clone()), &settings);
        let edits: Vec<_> = diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .filter(|f| mode.allows(f.applicability))
            .flat_map(|f| f.edits.iter())
            .collect();
        let Some(pass) = kvlint::fix::apply_pass(&current, &diagnostics, mode) else {
            break;
        };
        prefix = prefix.min(edits.iter().map(|e| e.range.start).min().unwrap_or(prefix));
        suffix = suffix.min(
            edits
                .iter()
                .map(|e| current.len() - e.range.end)
                .min()
                .unwrap_or(suffix),
        );
        current = pass.text;
    }
    (prefix, suffix)
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(3000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fixes_parse_converge_and_keep_what_they_must(code in worker(), toml in config(), crlf in any::<bool>(), bom in any::<bool>(), unsafe_too in any::<bool>()) {
        let config = Config::parse(std::path::Path::new("kvlint.toml"), &toml).unwrap();
        let mode = if unsafe_too { FixMode::SafeAndUnsafe } else { FixMode::Safe };
        let mut text = if crlf { code.replace('\n', "\r\n") } else { code };
        if bom {
            text.insert(0, '\u{feff}');
        }
        prop_assert!(parses(&text, Lang::TypeScript), "generated code does not parse:\n{}", text);
        let (fixed, remaining) = fix(&text, &config, mode);
        // 1. It parses, and no fix reported a failure.
        prop_assert!(parses(&fixed, Lang::TypeScript), "fixed code does not parse:\n{}", fixed);
        prop_assert!(!remaining.iter().any(|d| d.is_failure()), "{:#?}", remaining);
        // 2. Idempotent.
        let (again, _) = fix(&fixed, &config, mode);
        prop_assert_eq!(&again, &fixed);
        // 3. Outside the changed region nothing moves: BOM, line endings, the text before the
        // first and after the last change.
        prop_assert_eq!(fixed.starts_with('\u{feff}'), bom);
        if crlf {
            prop_assert!(!fixed.replace("\r\n", "").contains('\n'), "a bare LF in CRLF text:\n{:?}", fixed);
        } else {
            prop_assert!(!fixed.contains('\r'));
        }
        let (untouched_prefix, untouched_suffix) = untouched(&text, &config, mode);
        let prefix = text.bytes().zip(fixed.bytes()).take_while(|(a, b)| a == b).count();
        let suffix = text.bytes().rev().zip(fixed.bytes().rev()).take_while(|(a, b)| a == b).count();
        prop_assert!(prefix >= untouched_prefix.min(fixed.len()), "changed before the first edit: {} < {}", prefix, untouched_prefix);
        prop_assert!(suffix >= untouched_suffix.min(fixed.len()), "changed after the last edit: {} < {}", suffix, untouched_suffix);
        // 4. Safe fixes keep every comment.
        if !unsafe_too {
            prop_assert_eq!(comments(&fixed), comments(&text), "a safe fix dropped a comment:\n{}\n---\n{}", text, fixed);
        }
        // 5. What was fixed is gone: no applicable fix is left.
        prop_assert!(
            remaining.iter().all(|d| d.fix.as_ref().is_none_or(|f| !mode.allows(f.applicability))),
            "{:#?}", remaining
        );
    }
}

/// Seeds for generated programs: every key they can read, as JSON objects, as text that is
/// not JSON, or missing.
fn scenarios() -> serde_json::Value {
    let keys = [
        "cache:a",
        "fb_app_access_token",
        "oauth:facebook:app_token",
        "config:flags",
        "user_u1",
        "instagram:u1",
        "instagram:posts",
        "instagram:profile",
        "settings",
        "u1",
        "made:u1",
        "tag:u1",
        "7",
        "cache:multi\n      line",
    ];
    let seed = |f: &dyn Fn(usize, &str) -> Option<String>| {
        let map: serde_json::Map<String, serde_json::Value> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| f(i, k).map(|v| (k.to_string(), v.into())))
            .collect();
        serde_json::json!({ "SESSIONS": map.clone(), "CACHE": map })
    };
    serde_json::json!([
        { "seed": seed(&|_, k| Some(format!("{{\"k\":{k:?}}}"))) },
        { "seed": seed(&|_, _| None) },
        { "seed": seed(&|i, k| match i % 3 {
            0 => Some("not json".to_string()),
            1 => Some(format!("{{\"k\":{k:?}}}")),
            _ => None,
        }) },
    ])
}

/// The renames a generated program got under the third config: the key map for the
/// driver, for each rename the fixed text shows.
fn key_map(fixed: &str) -> Vec<(String, String)> {
    [
        ("fb_app_access_token", "oauth:fb", "oauth:fb"),
        ("user_u1", "cache:user_u1", "cache:user_"),
        ("settings", "cache:settings", "cache:settings"),
    ]
    .iter()
    .filter(|(_, _, shown)| fixed.contains(shown))
    .map(|(a, b, _)| (a.to_string(), b.to_string()))
    .collect()
}

/// Every generated program runs before and after `--fix` (safe fixes), under each config,
/// and must do the same: result or error, console output, writes, reads, final store.
#[test]
fn generated_programs_behave_the_same_after_safe_fixes() {
    use proptest::test_runner::{Config as RunnerConfig, TestRunner};
    let Some(_) = common::node::driver() else {
        return;
    };
    let scenarios = scenarios();
    let executed = std::sync::atomic::AtomicUsize::new(0);
    let returned = std::sync::atomic::AtomicUsize::new(0);
    let changed = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = TestRunner::new(RunnerConfig {
        cases: cases(),
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let result = runner.run(
        &(worker(), config(), any::<bool>()),
        |(code, toml, crlf)| {
            let config = Config::parse(std::path::Path::new("kvlint.toml"), &toml).unwrap();
            let text = if crlf { code.replace('\n', "\r\n") } else { code };
            let (fixed, _) = fix(&text, &config, FixMode::Safe);
            let how = common::node::Comparison {
                lang: "ts",
                scenarios: Some(scenarios.clone()),
                key_map: key_map(&fixed),
                default_ttl: common::default_ttl(&config),
            };
            use std::sync::atomic::Ordering::Relaxed;
            executed.fetch_add(1, Relaxed);
            if fixed != text {
                changed.fetch_add(1, Relaxed);
            }
            match common::node::same_outcomes(&text, &fixed, &how) {
                Ok(outcomes) => {
                    let r = outcomes.iter().filter(|o| o.starts_with("returned")).count();
                    returned.fetch_add(r, Relaxed);
                    Ok(())
                }
                Err(report) => Err(proptest::test_runner::TestCaseError::fail(format!(
                    "--fix changed what the program does: {report}\n--- config:\n{toml}\n--- program:\n{text}\n--- fixed:\n{fixed}"
                ))),
            }
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    let (executed, changed, returned) = (
        executed.into_inner(),
        changed.into_inner(),
        returned.into_inner(),
    );
    eprintln!(
        "{executed} generated programs ran before and after --fix, 3 scenarios each; {changed} were changed by safe fixes; {returned} of {} runs returned (the rest threw, the same way)",
        executed * 3
    );
    // The programs must mostly run to the end, or they would prove little.
    assert!(
        changed * 3 > executed,
        "too few programs were fixed: {changed} of {executed}"
    );
    assert!(
        returned * 2 > executed * 3,
        "too few runs returned: {returned} of {}",
        executed * 3
    );
}

/// The fix engine's production re-lint (what `fix_source` runs after each pass) refuses a
/// pass whose text does not parse, so that no fix writes broken code (DESIGN §6.3); the fix
/// engine's own unit test checks the engine with a stand-in, not this.
#[test]
fn the_production_relint_refuses_text_that_does_not_parse() {
    let config = Config::default();
    let bindings = common::doc_bindings();
    let selection = kvlint::Selection::default();
    let settings = common::settings("a.ts", Lang::TypeScript, &config, &bindings, &selection);
    let relint = kvlint::relinter(&settings);
    let good = "export async function f(env: Env) { await env.SESSIONS.put('cache:a', 'v'); }\n";
    let found = relint(good).expect("text that parses is re-linted");
    assert!(
        found.iter().any(|d| d.rule == "require-kv-ttl"),
        "{found:#?}"
    );
    for broken in [
        "export async function f(env: Env) { await env.SESSIONS.put('cache:a', 'v') }}\n",
        "export const = ;\n",
        "const a = [1, 2;\n",
    ] {
        assert!(
            relint(broken).is_none(),
            "a pass giving {broken:?} must be discarded"
        );
    }
}

/// How a generated login writes a session: to the configured Durable Object (directly,
/// through a stub, through an alias of the namespace), to another object, or to KV.
#[derive(Clone, Debug)]
enum SessionWrite {
    Direct(&'static str),
    Stub(&'static str),
    Alias(&'static str),
    Other(&'static str),
    Kv(&'static str),
}

fn session_write() -> impl Strategy<Value = SessionWrite> {
    let id = || prop_oneof![Just("sessionId"), Just("userId")];
    prop_oneof![
        id().prop_map(SessionWrite::Direct),
        id().prop_map(SessionWrite::Stub),
        id().prop_map(SessionWrite::Alias),
        id().prop_map(SessionWrite::Other),
        id().prop_map(SessionWrite::Kv),
        id().prop_map(SessionWrite::Kv),
    ]
}

impl SessionWrite {
    fn code(&self, n: usize) -> String {
        match self {
            Self::Direct(id) => {
                format!("await env.USER_SESSIONS.getByName({id}).putSession({id}, JSON.stringify(data));")
            }
            Self::Stub(id) => format!(
                "const stub{n} = env.USER_SESSIONS.getByName({id});\n  await stub{n}.putSession({id}, JSON.stringify(data));"
            ),
            Self::Alias(id) => format!(
                "const sessions{n} = env.USER_SESSIONS;\n  await sessions{n}.getByName({id}).putSession({id}, JSON.stringify(data));"
            ),
            Self::Other(id) => {
                format!("await env.AUDIT_LOG.getByName({id}).putSession({id}, JSON.stringify(data));")
            }
            Self::Kv(id) => format!("await env.SESSIONS.put(`spotify_session:${{{id}}}`, JSON.stringify(data));"),
        }
    }

    /// The text that shows, in the program, a write of `id` to the configured object.
    fn writes_to_the_object(&self, n: usize) -> Option<(&'static str, String)> {
        match self {
            Self::Direct(id) => Some((id, self.code(n))),
            Self::Stub(id) => Some((
                id,
                format!("await stub{n}.putSession({id}, JSON.stringify(data));"),
            )),
            Self::Alias(id) => Some((
                id,
                format!(
                    "await sessions{n}.getByName({id}).putSession({id}, JSON.stringify(data));"
                ),
            )),
            Self::Other(_) | Self::Kv(_) => None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Dual writes under the same and under different ids: after the session fix, every
    /// session the function wrote to KV is written to the configured Durable Object under its
    /// own id (moved there, or already written there), and no KV write is left.
    #[test]
    fn the_session_fix_keeps_every_session_written_to_kv(writes in prop::collection::vec(session_write(), 1..6)) {
        let toml = "[rules.no-kv-sessions]\nsession_keys = [\"spotify_session:*\"]\ndurable_object = \"USER_SESSIONS\"\nmethods = { get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }\n";
        let config = Config::parse(std::path::Path::new("kvlint.toml"), toml).unwrap();
        let body: Vec<String> = writes.iter().enumerate().map(|(n, w)| format!("  {}\n", w.code(n))).collect();
        let text = format!("export async function login(env: Env, sessionId: string, userId: string, data: object) {{\n{}}}\n", body.concat());
        let bindings = common::doc_bindings();
        let selection = common::only("no-kv-sessions");
        let settings = common::settings("p.ts", Lang::TypeScript, &config, &bindings, &selection);
        let fixed = fix_source(&Source::new(text.clone()), &settings, FixMode::SafeAndUnsafe);
        let fixed = fixed.text.unwrap_or_else(|| text.clone());
        prop_assert!(parses(&fixed, Lang::TypeScript), "fixed code does not parse:\n{}", fixed);
        prop_assert!(!fixed.contains("env.SESSIONS.put("), "a KV session write is left:\n{}", fixed);
        for (n, write) in writes.iter().enumerate() {
            let SessionWrite::Kv(id) = write else { continue };
            let moved = format!("await env.USER_SESSIONS.getByName({id}).putSession({id}, JSON.stringify(data));");
            let kept = writes.iter().enumerate().filter_map(|(m, w)| w.writes_to_the_object(m)).any(|(i, shown)| i == *id && fixed.contains(&shown));
            prop_assert!(kept || fixed.contains(&moved), "the KV write #{} of {} was deleted, and nothing writes {} to USER_SESSIONS:\n{}\n---\n{}", n, id, id, text, fixed);
        }
    }
}
