//! Runs every `rules/<id>.md`: each invalid block gives exactly one diagnostic of its rule,
//! each valid block none, each fix gives exactly the `fixed` block, and the fixed code
//! parses and gives no further diagnostic of that rule. A block marked `fixed unsafe` is
//! what `--unsafe-fixes` gives, and `--fix` alone leaves the code as it is; a plain `fixed`
//! block is what `--fix` gives.

mod common;

use kvlint::config::Config;
use kvlint::parse::{parses, Lang};
use kvlint::rules::RULES;

#[derive(Debug)]
enum Block {
    /// ```toml kvlint.toml: the configuration of the examples after it.
    Config(String),
    /// An invalid example, and whether it is code that runs on the Workers runtime (marked
    /// `workers`: its project has a wrangler config with `main`).
    Invalid(String, bool),
    /// The fixed code, and whether the fix is unsafe.
    Fixed(String, bool),
    Valid(String),
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = String::new();
        for l in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        let words: Vec<&str> = info.split_whitespace().collect();
        match words.as_slice() {
            ["toml", "kvlint.toml"] => out.push(Block::Config(body)),
            ["ts", "expect_diagnostic"] => out.push(Block::Invalid(body, false)),
            ["ts", "expect_diagnostic", "workers"] => out.push(Block::Invalid(body, true)),
            ["ts", "fixed"] => out.push(Block::Fixed(body, false)),
            ["ts", "fixed", "unsafe"] => out.push(Block::Fixed(body, true)),
            ["ts"] => out.push(Block::Valid(body)),
            _ => {}
        }
    }
    out
}

#[test]
fn every_rule_document_executes() {
    let bindings = common::doc_bindings();
    let mut checked = 0;
    for rule in RULES {
        let id = rule.id();
        let doc =
            std::fs::read_to_string(common::root().join("rules").join(format!("{id}.md"))).unwrap();
        assert_eq!(doc, rule.doc(), "{id}: the embedded document is stale");
        let selection = common::only(id);
        let blocks = blocks(&doc);
        let mut config = Config::default();
        assert!(
            blocks.iter().any(|b| matches!(b, Block::Invalid(..))),
            "{id}: no invalid example"
        );
        assert!(
            blocks.iter().any(|b| matches!(b, Block::Valid(_))),
            "{id}: no valid example"
        );
        for (i, block) in blocks.iter().enumerate() {
            match block {
                Block::Config(text) => {
                    config = Config::parse(std::path::Path::new("kvlint.toml"), text)
                        .unwrap_or_else(|e| panic!("{id}: {e}"));
                }
                Block::Invalid(code, workers) => {
                    common::WORKERS.with(|w| w.set(*workers));
                    assert!(
                        parses(code, Lang::TypeScript),
                        "{id}: example does not parse:\n{code}"
                    );
                    let d = common::lint(code, Lang::TypeScript, &config, &bindings, &selection);
                    assert_eq!(
                        d.len(),
                        1,
                        "{id}: expected one diagnostic in\n{code}\ngot {d:#?}"
                    );
                    assert_eq!(d[0].rule, id);
                    let (fixed, _) =
                        common::fix_all(code, Lang::TypeScript, &config, &bindings, &selection);
                    match blocks.get(i + 1) {
                        Some(Block::Fixed(expected, unsafe_fix)) => {
                            assert_eq!(&fixed, expected, "{id}: fix of\n{code}");
                            let (safe, _) = common::fix_with(
                                code,
                                Lang::TypeScript,
                                &config,
                                &bindings,
                                &selection,
                                kvlint::fix::FixMode::Safe,
                            );
                            let shown = if *unsafe_fix { code } else { expected };
                            assert_eq!(
                                &safe,
                                shown,
                                "{id}: --fix alone (the block says the fix is {})",
                                if *unsafe_fix { "unsafe" } else { "safe" }
                            );
                            assert!(
                                parses(&fixed, Lang::TypeScript),
                                "{id}: fixed code does not parse"
                            );
                            let again = common::lint(
                                &fixed,
                                Lang::TypeScript,
                                &config,
                                &bindings,
                                &selection,
                            );
                            assert!(
                                again.is_empty(),
                                "{id}: fixed code still reported: {again:#?}"
                            );
                        }
                        _ => assert_eq!(
                            fixed, *code,
                            "{id}: a fix exists but the doc shows no `fixed` block"
                        ),
                    }
                }
                Block::Valid(code) => {
                    common::WORKERS.with(|w| w.set(false));
                    assert!(
                        parses(code, Lang::TypeScript),
                        "{id}: example does not parse:\n{code}"
                    );
                    let d = common::lint(code, Lang::TypeScript, &config, &bindings, &selection);
                    assert!(
                        d.is_empty(),
                        "{id}: valid example reported:\n{code}\n{d:#?}"
                    );
                }
                Block::Fixed(..) => {
                    assert!(
                        matches!(blocks.get(i.wrapping_sub(1)), Some(Block::Invalid(..))),
                        "{id}: `fixed` block without an invalid one before it"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 10);
}

/// Every text kvlint prints stands on its own: no rule document, help or SARIF description
/// sends the user to a document they do not have (the migration guide the rules come from,
/// its sections).
#[test]
fn texts_stand_on_their_own() {
    for rule in kvlint::rules::RULES {
        let doc = rule.doc();
        for word in ["guide", "§"] {
            assert!(
                !doc.contains(word),
                "{}: its document says {word:?}",
                rule.id()
            );
        }
    }
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(common::root().join("fixtures/sample-worker"))
        .args(["check", "--format", "sarif", "--no-config"])
        .output()
        .unwrap();
    let sarif = String::from_utf8(out.stdout).unwrap();
    assert!(sarif.contains("\"results\""), "{sarif}");
    for word in ["guide", "§"] {
        assert!(!sarif.contains(word), "the SARIF output says {word:?}");
    }
}
