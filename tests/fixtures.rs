//! Runs every `fixtures/<rule-id>/`:
//! - `invalid.ts`: the rule reports exactly the lines marked `// expect: <rule-id>`;
//! - `invalid.fixed.ts` (when the rule fixes): applying every fix gives exactly this text,
//!   also with CRLF line endings, a BOM, and both; the result parses, is a fixpoint, and
//!   the rule reports only what it could not fix;
//! - `valid.ts`: the traps, where the rule reports nothing.

mod common;

use std::collections::BTreeSet;

use kvlint::parse::{parses, Lang};
use kvlint::rules::{FixKind, RULES};

fn expected_lines(text: &str, id: &str) -> BTreeSet<usize> {
    let marker = format!("// expect: {id}");
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&marker))
        .map(|(i, _)| i + 1)
        .collect()
}

fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

fn bom(s: &str) -> String {
    format!("\u{feff}{s}")
}

#[test]
fn every_rule_has_fixtures_that_pass() {
    for rule in RULES {
        let id = rule.id();
        let dir = common::root().join("fixtures").join(id);
        let invalid_path = dir.join("invalid.ts");
        let valid_path = dir.join("valid.ts");
        assert!(
            invalid_path.is_file() && valid_path.is_file(),
            "{id}: fixtures missing"
        );
        let (config, bindings) = common::settings_for(&invalid_path);
        let selection = common::only(id);

        let invalid = std::fs::read_to_string(&invalid_path).unwrap();
        let found = common::lint(&invalid, Lang::TypeScript, &config, &bindings, &selection);
        let source = kvlint::source::Source::new(invalid.clone());
        let lines: BTreeSet<usize> = found
            .iter()
            .map(|d| source.position(d.range.start).line)
            .collect();
        assert_eq!(
            found.len(),
            lines.len(),
            "{id}: two findings on one line: {found:#?}"
        );
        assert_eq!(
            lines,
            expected_lines(&invalid, id),
            "{id}: invalid.ts findings (lines)"
        );
        assert!(found.iter().all(|d| d.rule == id));

        let fixed_path = dir.join("invalid.fixed.ts");
        if rule.fix_kind(&config) == FixKind::None {
            assert!(!fixed_path.exists(), "{id}: has no fix but a fixed fixture");
            assert!(
                found.iter().all(|d| d.fix.is_none()),
                "{id}: declares no fix but offers one"
            );
        } else {
            let expected = std::fs::read_to_string(&fixed_path)
                .unwrap_or_else(|_| panic!("{id}: invalid.fixed.ts missing"));
            for (variant, transform) in [
                ("LF", (|s: &str| s.to_string()) as fn(&str) -> String),
                ("CRLF", crlf),
                ("BOM", bom),
                ("BOM+CRLF", |s: &str| bom(&crlf(s))),
            ] {
                let input = transform(&invalid);
                let want = transform(&expected);
                let (fixed, remaining) =
                    common::fix_all(&input, Lang::TypeScript, &config, &bindings, &selection);
                assert_eq!(fixed, want, "{id}: fix ({variant})");
                assert!(
                    parses(&fixed, Lang::TypeScript),
                    "{id}: fixed output does not parse ({variant})"
                );
                assert!(
                    remaining.iter().all(|d| d.rule != id || d.fix.is_none()),
                    "{id}: fixable findings left ({variant})"
                );
                let (again, _) =
                    common::fix_all(&fixed, Lang::TypeScript, &config, &bindings, &selection);
                assert_eq!(again, fixed, "{id}: fix is not idempotent ({variant})");
            }
            // What is left is exactly what had no fix.
            let after = common::lint(&expected, Lang::TypeScript, &config, &bindings, &selection);
            let unfixable = found.iter().filter(|d| d.fix.is_none()).count();
            assert!(
                after.iter().all(|d| d.rule != id || d.fix.is_none()),
                "{id}: the fixed fixture still has fixes: {after:#?}"
            );
            assert_eq!(
                after.iter().filter(|d| d.rule == id).count(),
                unfixable,
                "{id}: findings left in the fixed fixture"
            );
        }

        let valid = std::fs::read_to_string(&valid_path).unwrap();
        let found = common::lint(&valid, Lang::TypeScript, &config, &bindings, &selection);
        assert!(found.is_empty(), "{id}: valid.ts reported: {found:#?}");
    }
}

/// Each (read, write) pair walks its function once: past `MAX_PAIRS` (256) in one file the
/// rest are not judged, so generated code stays linear. Exactly that many are reported.
#[test]
fn read_modify_write_judges_at_most_256_pairs_per_file() {
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&format!(
            "export async function f{i}(kv: KVNamespace) {{\n  const n = Number(await kv.get('count:{i}'));\n  await kv.put('count:{i}', String(n + 1), {{ expirationTtl: 60 }});\n}}\n"
        ));
    }
    assert_eq!(findings(&text, "no-kv-read-modify-write"), 256);
}

/// A rule compares at most `MAX_COMPARISONS` (100,000) pairs of KV calls in a file: 400 reads
/// and 249 writes of other keys use 99,600 of them, and the last write, of the first key
/// read, its last 400 (it is reported); one more write of another key leaves it unjudged.
#[test]
fn read_modify_write_compares_at_most_100000_pairs_per_file() {
    for (others, reported) in [(249, 1), (250, 0)] {
        let mut text = String::from("export async function f(kv: KVNamespace) {\n");
        for i in 0..400 {
            text.push_str(&format!("  const v{i} = await kv.get('count:{i}');\n"));
        }
        for j in 0..others {
            text.push_str(&format!(
                "  await kv.put('other:{j}', 'x', {{ expirationTtl: 60 }});\n"
            ));
        }
        text.push_str(
            "  await kv.put('count:0', String(Number(v0) + 1), { expirationTtl: 60 });\n}\n",
        );
        assert_eq!(
            findings(&text, "no-kv-read-modify-write"),
            reported,
            "{others} writes of other keys"
        );
    }
}

/// `no-kv-sessions` configured with the guide's Durable Object and its methods.
const SESSIONS_CONFIG: &str = "[rules.no-kv-sessions]\ndurable_object = \"USER_SESSIONS\"\nmethods = { get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }\n";

/// A kvlint.toml's text as its configuration.
fn config(text: &str) -> kvlint::config::Config {
    kvlint::config::Config::parse(std::path::Path::new("kvlint.toml"), text).unwrap()
}

/// One rule's findings in a TypeScript text, with `config` and the documents' bindings.
fn lint_rule(
    config: &kvlint::config::Config,
    rule: &str,
    code: &str,
) -> Vec<kvlint::diagnostic::Diagnostic> {
    common::lint(
        code,
        Lang::TypeScript,
        config,
        &common::doc_bindings(),
        &common::only(rule),
    )
}

/// A TypeScript text with every fix of one rule applied (unsafe ones included).
fn fix_rule(config: &kvlint::config::Config, rule: &str, code: &str) -> String {
    common::fix_all(
        code,
        Lang::TypeScript,
        config,
        &common::doc_bindings(),
        &common::only(rule),
    )
    .0
}

/// How many findings one rule has in a TypeScript text, with the default configuration.
fn findings(text: &str, rule: &str) -> usize {
    let config = kvlint::config::Config::default();
    common::lint(
        text,
        Lang::TypeScript,
        &config,
        &common::doc_bindings(),
        &common::only(rule),
    )
    .len()
}

/// `prefer-kv-stale-while-revalidate` judges at most 128 read-through shapes per file.
#[test]
fn stale_while_revalidate_judges_at_most_128_shapes_per_file() {
    let text: String = (0..130)
        .map(|i| format!("export async function f{i}(kv: KVNamespace) {{\n  const hit = await kv.get('cache:{i}');\n  if (hit) return hit;\n  const body = await (await fetch('https://example.com/{i}')).text();\n  await kv.put('cache:{i}', body, {{ expirationTtl: 60 }});\n  return body;\n}}\n"))
        .collect();
    assert_eq!(findings(&text, "prefer-kv-stale-while-revalidate"), 128);
}

/// `prefer-kv-stale-while-revalidate` first looks for a read and a later write of the same
/// key in one function, comparing at most `MAX_COMPARISONS` (100,000) pairs of calls: after
/// 200 reads elsewhere (about 40,000 pairs) the read-through is found; after 400 (about
/// 160,000) it is not judged.
#[test]
fn stale_while_revalidate_compares_at_most_100000_pairs_first() {
    for (reads, found) in [(200, 1), (400, 0)] {
        let mut text: String = (0..reads)
            .map(|i| format!("export async function r{i}(kv: KVNamespace) {{\n  return kv.get('item:{i}');\n}}\n"))
            .collect();
        text.push_str("export async function f(kv: KVNamespace) {\n  const hit = await kv.get('cache:x');\n  if (hit) return hit;\n  const body = await (await fetch('https://example.com/x')).text();\n  await kv.put('cache:x', body, { expirationTtl: 60 });\n  return body;\n}\n");
        assert_eq!(
            findings(&text, "prefer-kv-stale-while-revalidate"),
            found,
            "{reads} reads before"
        );
    }
}

/// `strategy = "bulk"`: a bulk `get` takes at most 100 keys, so a run of 100 reads becomes
/// one, and a run of 101 gets the `Promise.all` form.
#[test]
fn bulk_reads_take_at_most_a_hundred_keys() {
    let config = config("[rules.no-sequential-kv-reads]\nstrategy = \"bulk\"\n");
    let bindings = common::doc_bindings();
    let selection = common::only("no-sequential-kv-reads");
    for (n, bulk) in [(2, true), (100, true), (101, false)] {
        let reads: String = (0..n)
            .map(|i| format!("  const v{i} = await env.SESSIONS.get('item:{i}');\n"))
            .collect();
        let code = format!("export async function f(env: Env) {{\n{reads}  return v0;\n}}\n");
        let (fixed, _) = common::fix_all(&code, Lang::TypeScript, &config, &bindings, &selection);
        assert_eq!(fixed.contains("kvValues"), bulk, "{n} reads:\n{fixed}");
        assert_eq!(fixed.contains("Promise.all"), !bulk, "{n} reads:\n{fixed}");
    }
    // A spread argument is not the type it spreads (`...'json'` is four arguments).
    let code = "export async function f(env: Env) {\n  const a = await env.SESSIONS.get('item:a', 'json');\n  const b = await env.SESSIONS.get('item:b', ...'json');\n  return [a, b];\n}\n";
    let (fixed, _) = common::fix_all(code, Lang::TypeScript, &config, &bindings, &selection);
    assert!(fixed.contains("Promise.all"), "{fixed}");
}

/// `no-kv-sessions` offers a fix only with both `durable_object` and `methods`; a `list`
/// finding says which list it is.
#[test]
fn session_fixes_need_the_object_and_its_methods_and_lists_say_which() {
    let rule = RULES.iter().find(|r| r.id() == "no-kv-sessions").unwrap();
    let parse = config;
    let object = "durable_object = \"USER_SESSIONS\"\n";
    let methods = "methods = { get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }\n";
    for (options, kind) in [
        ("", FixKind::None),
        (object, FixKind::None),
        (methods, FixKind::None),
        (&*format!("{object}{methods}"), FixKind::Unsafe),
    ] {
        let config = parse(&format!("[rules.no-kv-sessions]\n{options}"));
        assert_eq!(rule.fix_kind(&config), kind, "{options}");
        // The help says how to get the fix until it exists.
        let found = common::lint(
            "export async function f(env: Env, id: string) {\n  return env.SESSIONS.get(`session:${id}`);\n}\n",
            Lang::TypeScript,
            &config,
            &common::doc_bindings(),
            &common::only("no-kv-sessions"),
        );
        let asks = found[0].help.contains("Name the Durable Object binding");
        assert_eq!(asks, kind == FixKind::None, "{options}: {}", found[0].help);
    }
    let config = parse("[rules.no-kv-sessions]\nsession_namespaces = [\"CACHE\"]\n");
    let code = "export async function f(env: Env) {\n  await env.SESSIONS.list({ prefix: 'session:' });\n  await env.CACHE.list();\n  await env.CACHE.list({ prefix: '' });\n}\n";
    let found = common::lint(
        code,
        Lang::TypeScript,
        &config,
        &common::doc_bindings(),
        &common::only("no-kv-sessions"),
    );
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(
        messages[0].contains("a list by the prefix `session:`"),
        "{messages:#?}"
    );
    assert!(
        messages[1].contains("a list of the namespace"),
        "{messages:#?}"
    );
    assert!(
        messages[2].contains("a list of the namespace"),
        "{messages:#?}"
    );
}

/// A dual write is one to the configured object by a method that writes: the configured
/// `put` and `delete` names count whatever they are called, and the KV write after one is
/// dropped instead of written twice.
#[test]
fn configured_write_methods_make_a_dual_write() {
    let config = config("[rules.no-kv-sessions]\ndurable_object = \"USER_SESSIONS\"\nmethods = { get = \"load\", get_json = \"loadJson\", put = \"keep\", delete = \"forget\" }\n");
    let code = "export async function f(env: Env, id: string, v: string) {\n  await env.USER_SESSIONS.getByName(id).keep(id, v);\n  await env.SESSIONS.put(`session:${id}`, v);\n}\nexport async function g(env: Env, id: string) {\n  await env.USER_SESSIONS.getByName(id).forget(id);\n  await env.SESSIONS.delete(`session:${id}`);\n}\n";
    let (fixed, _) = common::fix_all(
        code,
        Lang::TypeScript,
        &config,
        &common::doc_bindings(),
        &common::only("no-kv-sessions"),
    );
    let expected = "export async function f(env: Env, id: string, v: string) {\n  await env.USER_SESSIONS.getByName(id).keep(id, v);\n}\nexport async function g(env: Env, id: string) {\n  await env.USER_SESSIONS.getByName(id).forget(id);\n}\n";
    assert_eq!(fixed, expected);
}

/// Dual writes are dropped for the first 64 in a file (each costs a walk of the whole
/// program) in one pass; beyond that the KV write is rewritten as a second write to the
/// object, which keeps what is stored. A `delete` with more than a key has no Durable Object counterpart.
#[test]
fn dual_writes_beyond_the_walk_budget_are_rewritten_and_odd_deletes_kept() {
    let config = config(SESSIONS_CONFIG);
    let fix = |code: &str| {
        common::fix_all(
            code,
            Lang::TypeScript,
            &config,
            &common::doc_bindings(),
            &common::only("no-kv-sessions"),
        )
        .0
    };
    let code: String = (0..65)
        .map(|i| format!("export async function f{i}(env: Env, id: string, v: object) {{\n  await env.USER_SESSIONS.getByName(id).putSession(id, JSON.stringify(v));\n  await env.SESSIONS.put(`session:${{id}}`, JSON.stringify(v));\n}}\n"))
        .collect();
    // One pass: 64 removals, then a rewrite.
    let found = common::lint(
        &code,
        Lang::TypeScript,
        &config,
        &common::doc_bindings(),
        &common::only("no-kv-sessions"),
    );
    let rewrites: Vec<bool> = found
        .iter()
        .map(|d| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.edits[0].content.contains("putSession"))
        })
        .collect();
    assert_eq!(rewrites.len(), 65);
    let unfixed: Vec<_> = found
        .iter()
        .enumerate()
        .filter(|(_, d)| d.fix.is_none())
        .map(|(i, d)| (i, d.message.clone()))
        .collect();
    assert!(unfixed.is_empty(), "{unfixed:#?}");
    assert_eq!(rewrites.iter().filter(|r| **r).count(), 1, "{rewrites:?}");
    assert!(rewrites[64], "{rewrites:?}");
    let fixed = fix(&code);
    assert!(!fixed.contains("SESSIONS.put"), "{fixed}");
    assert_eq!(fixed.matches("putSession(").count(), 66, "{fixed}");
    let last = &fixed[fixed.find("function f64(").unwrap()..];
    assert_eq!(last.matches("putSession(").count(), 2, "{last}");
    let odd = "export async function f(env: Env, id: string) {\n  await env.SESSIONS.delete(`session:${id}`, 'all');\n}\n";
    assert_eq!(fix(odd), odd);
}

/// A session `get` moves when its type is text or JSON and its options only add `cacheTtl`
/// (a Durable Object is read directly); options spread in from elsewhere keep it in place.
#[test]
fn session_reads_move_with_text_or_a_cache_ttl_but_not_opaque_options() {
    let config = config(SESSIONS_CONFIG);
    let fix = |code: &str| {
        common::fix_all(
            code,
            Lang::TypeScript,
            &config,
            &common::doc_bindings(),
            &common::only("no-kv-sessions"),
        )
        .0
    };
    let head = "export async function f(env: Env, id: string, opts: KVNamespaceGetOptions<'text'>) {\n  return ";
    for (read, moved) in [
        (
            "env.SESSIONS.get(`session:${id}`, 'text')",
            Some("getSession(id)"),
        ),
        (
            "env.SESSIONS.get(`session:${id}`, { cacheTtl: 60 })",
            Some("getSession(id)"),
        ),
        (
            "env.SESSIONS.get(`session:${id}`, { type: 'json', cacheTtl: 60 })",
            Some("getSessionJson(id)"),
        ),
        ("env.SESSIONS.get(`session:${id}`, { ...opts })", None),
    ] {
        let code = format!("{head}{read};\n}}\n");
        let expected = match moved {
            Some(call) => format!("{head}env.USER_SESSIONS.getByName(id).{call};\n}}\n"),
            None => code.clone(),
        };
        assert_eq!(fix(&code), expected, "{read}");
    }
}

/// The alias of a session namespace is removed only when its declaration declares nothing
/// else; a value not known to be a string (`JSON.parse(…)`) is not moved.
#[test]
fn session_aliases_declared_with_others_stay_and_parsed_values_do_not_move() {
    let config = config(SESSIONS_CONFIG);
    let fix = |code: &str| {
        common::fix_all(
            code,
            Lang::TypeScript,
            &config,
            &common::doc_bindings(),
            &common::only("no-kv-sessions"),
        )
        .0
    };
    let code = "export async function f(env: Env, id: string) {\n  const kv = env.SESSIONS, n = 1;\n  return [n, await kv.get(`session:${id}`)];\n}\n";
    let expected = "export async function f(env: Env, id: string) {\n  const kv = env.SESSIONS, n = 1;\n  return [n, await env.USER_SESSIONS.getByName(id).getSession(id)];\n}\n";
    assert_eq!(fix(code), expected);
    let parsed = "export async function g(env: Env, id: string, body: string) {\n  await env.SESSIONS.put(`session:${id}`, JSON.parse(body));\n}\n";
    assert_eq!(fix(parsed), parsed);
}

/// `no-unprefixed-kv-key` fixes once `renames` or `prefix` (either one) is configured.
#[test]
fn unprefixed_keys_fix_with_renames_or_a_prefix() {
    let rule = RULES
        .iter()
        .find(|r| r.id() == "no-unprefixed-kv-key")
        .unwrap();
    for (options, kind) in [
        ("", FixKind::None),
        // A migration fix: unsafe whatever the configuration says (DESIGN §3).
        ("renames = { \"a\" = \"cache:a\" }\n", FixKind::Unsafe),
        ("prefix = \"cache:\"\n", FixKind::Unsafe),
    ] {
        let text = format!("[rules.no-unprefixed-kv-key]\n{options}");
        let config = config(&text);
        assert_eq!(rule.fix_kind(&config), kind, "{options}");
        let found = common::lint(
            "export async function f(env: Env) {\n  return env.SESSIONS.get('a');\n}\n",
            Lang::TypeScript,
            &config,
            &common::doc_bindings(),
            &common::only("no-unprefixed-kv-key"),
        );
        let asks = found[0].help.contains("to get a fix");
        assert_eq!(asks, kind == FixKind::None, "{options}: {}", found[0].help);
    }
}

/// `no-unprefixed-kv-key` looks a constant key's uses up in the whole program, and a bulk
/// key's `Map` lookups too, at most `MAX_MAP_WALKS` (64) times per file: past that, a constant
/// key or a bulk key has no fix (and blocks its group).
#[test]
fn unprefixed_key_lookups_stop_after_64_per_file() {
    use kvlint::fix::Applicability;
    let config = config("[rules.no-unprefixed-kv-key]\nprefix = \"cache:\"\n");
    let lint = |code: &str| lint_rule(&config, "no-unprefixed-kv-key", code);
    for (n, fixed) in [(64, 64), (65, 64)] {
        let code: String = (0..n)
            .map(|i| format!("const K{i} = 'item{i}';\nexport const f{i} = (env: Env) => env.SESSIONS.get(K{i});\n"))
            .collect();
        let found = lint(&code);
        assert_eq!(found.len(), n);
        assert_eq!(
            found.iter().filter(|d| d.fix.is_some()).count(),
            fixed,
            "{n} constant keys"
        );
    }
    let keys: Vec<String> = (0..70).map(|i| format!("'item{i}'")).collect();
    let code = format!(
        "export async function f(env: Env) {{\n  const m = await env.SESSIONS.get([{}]);\n  return m.get('item0');\n}}\n",
        keys.join(", ")
    );
    let found = lint(&code);
    assert_eq!(found.len(), 70);
    let fixed = found
        .iter()
        .filter(|d| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Unsafe)
        })
        .count();
    assert_eq!(fixed, 64, "70 keys of one bulk get");
}

/// Generated statements follow the file (DESIGN §6.6): its semicolons, and its trailing
/// commas in lists laid out one element per line (Prettier's default where it has none).
#[test]
fn generated_statements_follow_the_files_punctuation() {
    let config = config("");
    let fix = |code: &str| fix_rule(&config, "no-sequential-kv-reads", code);
    let reads = |semi: &str| {
        format!("  const a = await env.SESSIONS.get('a:1'){semi}\n  const b = await env.SESSIONS.get('a:2'){semi}\n")
    };
    // No semicolons, no multi-line list: none added, a trailing comma (the default).
    let code = format!(
        "export async function f(env: Env) {{\n{}  return [a, b]\n}}\n",
        reads("")
    );
    assert_eq!(
        fix(&code),
        "export async function f(env: Env) {\n  const [a, b] = await Promise.all([\n    env.SESSIONS.get('a:1'),\n    env.SESSIONS.get('a:2'),\n  ])\n  return [a, b]\n}\n"
    );
    // Semicolons, and a multi-line object without a trailing comma.
    let code = format!(
        "export async function f(env: Env) {{\n{}  return {{\n    a,\n    b\n  }};\n}}\n",
        reads(";")
    );
    assert!(
        fix(&code).contains("    env.SESSIONS.get('a:2')\n  ]);\n"),
        "{}",
        fix(&code)
    );
    // Without semicolons, a next line that starts with `;(` needs none from the fix.
    let code = format!(
        "export async function f(env: Env) {{\n{}  ;[a, b].forEach(console.log)\n}}\n",
        reads("")
    );
    assert!(fix(&code).contains("  ])\n  ;[a, b]"), "{}", fix(&code));
}

/// The label under an unprefixed key says what it lacks: a static key has no dynamic part.
#[test]
fn an_unprefixed_keys_label_says_what_it_lacks() {
    let label = |toml: &str, code: &str| {
        let found = lint_rule(&config(toml), "no-unprefixed-kv-key", code);
        assert_eq!(found.len(), 1, "{code}");
        found[0].label.as_ref().unwrap().1.to_string()
    };
    let static_key = "export const f = (env: Env) => env.SESSIONS.get('token');
";
    let dynamic_key = "export const f = (env: Env, id: string) => env.SESSIONS.get(`token${id}`);
";
    assert_eq!(label("", static_key), "no `:` in the key");
    assert_eq!(
        label("", dynamic_key),
        "no `:` before the first dynamic part"
    );
    let custom = "[rules.no-unprefixed-kv-key]\nseparators = [\"/\"]\n";
    assert_eq!(
        label(custom, static_key),
        "no namespace separator in the key"
    );
}
