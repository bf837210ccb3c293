//! Property tests of the fix engine on generated Worker-like code with KV calls:
//! the fixed code parses, fixing is idempotent, nothing outside the fixed region changes
//! (BOM and line endings included), safe fixes keep every comment, and no fixable finding
//! is left.

mod common;

use std::collections::BTreeSet;

use kvlint::config::Config;
use kvlint::fix::FixMode;
use kvlint::parse::{parse, parses, Lang};
use kvlint::source::Source;
use kvlint::{fix_source, lint_source, FileSettings, Selection};

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
        Just("if (id) {\n      return null;\n    }".to_string()),
        Just("const local = new Map<string, string>();\n    local.get('x');".to_string()),
    ]
}

fn worker() -> impl Strategy<Value = String> {
    prop::collection::vec(statement(), 1..8).prop_map(|stmts| {
        // Names declared twice would not parse: number duplicates apart.
        let mut seen = BTreeSet::new();
        let body: Vec<String> = stmts
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let s = s.replace("const parsed", &format!("const parsed{i}"));
                let s = if seen.insert(s.clone()) { s } else { format!("{{\n    {s}\n    }}") };
                format!("    {s}\n")
            })
            .collect();
        format!(
            "const KEY = 'settings';\ndeclare function make(id: string): string;\ndeclare function use(v: unknown): void;\n\nexport class Handler {{\n  constructor(private store: KVNamespace) {{}}\n\n  async run(env: Env, kv: KVNamespace, m: Map<string, string>, id: string, opts: KVNamespacePutOptions) {{\n{}    return null;\n  }}\n}}\n",
            body.concat()
        )
    })
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
    let settings = FileSettings {
        label: "p.ts",
        lang: Lang::TypeScript,
        dts: false,
        config,
        bindings: &bindings,
        selection: &selection,
    };
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
    let settings = FileSettings {
        label: "p.ts",
        lang: Lang::TypeScript,
        dts: false,
        config,
        bindings: &bindings,
        selection: &selection,
    };
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
