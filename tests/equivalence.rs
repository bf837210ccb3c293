//! Behaviour equivalence of safe fixes: every program in `tests/equivalence/` runs before and
//! after `kvlint check --fix` (safe fixes only) against an in-memory Workers KV, and what it
//! does must be the same (tests/node/equivalence.mjs compares result or thrown error, console
//! output, writes in order, reads between writes, final store).
//!
//! A program's leading comment lines carry directives:
//! - `// @config <line>`: a line of the kvlint.toml it is linted with;
//! - `// @key-map <old> = <new>`: a key the configured rename moves (besides `renames`);
//! - `// @expect changed|unchanged`: whether `--fix` (safe fixes) changes the program;
//! - `// @reports <rule>`: that rule reports at least once (a demoted fix stays reported);
//! - `// @unsafe-fix <rule>`: that rule offers a fix only under `--unsafe-fixes`;
//! - `// @no-report <rule>`: that rule does not report;
//! - `// @crlf`: the program is run with CRLF line endings;
//! - `// @fix-mode unsafe`: apply unsafe fixes too (for fixes whose only risk is a comment).

mod common;

use std::path::Path;

use common::node::{differs, driver, Comparison};
use kvlint::config::Config;
use kvlint::fix::{Applicability, FixMode};
use kvlint::parse::Lang;
use kvlint::source::Source;
use kvlint::{fix_source, lint_source, Selection};

struct Case {
    config: String,
    key_map: Vec<(String, String)>,
    expect_changed: Option<bool>,
    reports: Vec<String>,
    unsafe_fixes: Vec<String>,
    no_report: Vec<String>,
    crlf: bool,
    mode: FixMode,
}

fn directives(text: &str) -> Case {
    let mut case = Case {
        config: String::new(),
        key_map: Vec::new(),
        expect_changed: None,
        reports: Vec::new(),
        unsafe_fixes: Vec::new(),
        no_report: Vec::new(),
        crlf: false,
        mode: FixMode::Safe,
    };
    for line in text.lines().map(str::trim_start) {
        let Some(rest) = line.strip_prefix("// @") else {
            if line.starts_with("//") || line.is_empty() || line.starts_with('\u{feff}') {
                continue;
            }
            break;
        };
        let (name, value) = rest.split_once(' ').unwrap_or((rest, ""));
        match name {
            "config" => {
                case.config.push_str(value);
                case.config.push('\n');
            }
            "key-map" => {
                let (a, b) = value.split_once(" = ").expect("@key-map old = new");
                case.key_map.push((a.trim().into(), b.trim().into()));
            }
            "expect" => case.expect_changed = Some(value.trim() == "changed"),
            "reports" => case.reports.push(value.trim().into()),
            "unsafe-fix" => case.unsafe_fixes.push(value.trim().into()),
            "no-report" => case.no_report.push(value.trim().into()),
            "crlf" => case.crlf = true,
            "fix-mode" => {
                assert_eq!(value.trim(), "unsafe", "@fix-mode unsafe");
                case.mode = FixMode::SafeAndUnsafe;
            }
            other => panic!("unknown directive @{other}"),
        }
    }
    case
}

fn check_case(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).unwrap().replace("\r\n", "\n");
    let case = directives(&text);
    let text = if case.crlf {
        text.replace('\n', "\r\n")
    } else {
        text
    };
    let config = Config::parse(Path::new("kvlint.toml"), &case.config)
        .map_err(|e| format!("bad @config: {e:?}"))?;
    let lang = Lang::from_path(path).unwrap();
    let bindings = common::doc_bindings();
    let selection = Selection::default();
    let label = path.file_name().unwrap().to_str().unwrap();
    let settings = common::settings(label, lang, &config, &bindings, &selection);
    let source = Source::new(text.clone());
    let found = lint_source(&source, &settings);
    for rule in &case.reports {
        if !found.iter().any(|d| d.rule == rule.as_str()) {
            return Err(format!("expected a finding of {rule}; got {found:#?}"));
        }
    }
    for rule in &case.no_report {
        if let Some(d) = found.iter().find(|d| d.rule == rule.as_str()) {
            return Err(format!("expected no finding of {rule}; got {d:#?}"));
        }
    }
    for rule in &case.unsafe_fixes {
        let unsafe_fix = found.iter().any(|d| {
            d.rule == rule.as_str()
                && d.fix
                    .as_ref()
                    .is_some_and(|f| f.applicability == Applicability::Unsafe)
        });
        if !unsafe_fix {
            return Err(format!("expected an unsafe fix of {rule}; got {found:#?}"));
        }
    }
    let fixed = fix_source(&source, &settings, case.mode);
    if let Some(failure) = fixed.diagnostics.iter().find(|d| d.is_failure()) {
        return Err(format!("fixing failed: {failure:#?}"));
    }
    let after = fixed.text.unwrap_or_else(|| text.clone());
    if let Some(expected) = case.expect_changed {
        if (after != text) != expected {
            return Err(format!(
                "expected --fix to {} the program; it gave:\n{after}",
                if expected { "change" } else { "leave" }
            ));
        }
    }
    // The renames apply to the data only where the program was renamed.
    let mut key_map = Vec::new();
    if after != text {
        key_map.extend(case.key_map.iter().cloned());
        if let Some(renames) = &config.file.rules.no_unprefixed_kv_key.renames {
            key_map.extend(renames.iter().map(|(a, b)| (a.clone(), b.clone())));
        }
    }
    let how = Comparison {
        lang: if lang == Lang::JavaScript { "js" } else { "ts" },
        scenarios: None,
        key_map,
        default_ttl: common::default_ttl(&config),
    };
    match differs(&text, &after, &how) {
        Some(report) => Err(format!(
            "--fix changed what the program does: {report}\n--- fixed program:\n{after}"
        )),
        None => Ok(()),
    }
}

#[test]
fn safe_fixes_keep_behaviour() {
    // The directives (`@reports`, `@unsafe-fix`, `@expect`, …) are checked without Node.js
    // too; only the comparison of behaviour needs the driver (which says when it is missing).
    let _ = driver();
    let dir = common::root().join("tests/equivalence");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("ts" | "js")))
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "the cases are in {}", dir.display());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| {
            check_case(p)
                .err()
                .map(|e| format!("== {}\n{e}", p.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} programs:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n\n")
    );
    if driver().is_some() {
        eprintln!("{} programs behave the same after --fix", paths.len());
    } else {
        eprintln!(
            "{} programs' directives hold; their behaviour was not compared (no Node.js)",
            paths.len()
        );
    }
}

/// Why `require-kv-ttl`'s fix is unsafe, shown by running it: under `--unsafe-fixes` the
/// program stores the same values with an expiry they did not have, which the comparison
/// (told of no TTL the user chose) sees as a change. Were it not, the fix could be safe.
#[test]
fn the_ttl_fix_changes_what_the_program_stores() {
    if driver().is_none() {
        return;
    }
    let path = common::root().join("tests/equivalence/ttl-default.ts");
    let text = std::fs::read_to_string(&path).unwrap();
    let config = Config::parse(Path::new("kvlint.toml"), &directives(&text).config).unwrap();
    let bindings = common::doc_bindings();
    let selection = Selection::default();
    let settings = common::settings(
        "ttl-default.ts",
        Lang::TypeScript,
        &config,
        &bindings,
        &selection,
    );
    let fixed = fix_source(
        &Source::new(text.clone()),
        &settings,
        FixMode::SafeAndUnsafe,
    )
    .text
    .expect("--unsafe-fixes adds the TTL");
    assert!(fixed.contains("expirationTtl: 600"), "{fixed}");
    let how = Comparison {
        lang: "ts",
        scenarios: None,
        key_map: Vec::new(),
        default_ttl: None,
    };
    let report = differs(&text, &fixed, &how).expect("an expiry changes what is stored");
    assert!(report.contains("expir"), "{report}");
}
