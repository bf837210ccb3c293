//! Every input under `tests/fuzz-regressions/` (crashes the fuzzers found, and known parser
//! panics) goes through what the fuzz targets check: linting ends in diagnostics, never in
//! a crash of kvlint's own or an abort; fixing code that parses gives code that parses, once.
//! The first byte picks the language, as in the fuzz targets. Inputs named `timeout-*` are
//! ones swc's parser takes seconds on (it backtracks exponentially on some TypeScript
//! type-argument ambiguities): they must end at kvlint's time limit, never hang.

mod common;

use kvlint::config::Config;
use kvlint::fix::FixMode;
use kvlint::isolate;
use kvlint::parse::{parses, Lang};
use kvlint::source::Source;
use kvlint::{fix_source, lint_source, Selection};

fn lang(data: &[u8]) -> Lang {
    match data.first().map(|b| b % 3) {
        Some(0) => Lang::TypeScript,
        Some(1) => Lang::Tsx,
        _ => Lang::JavaScript,
    }
}

#[test]
fn every_fuzz_regression() {
    let dir = common::root().join("tests/fuzz-regressions");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    for path in inputs {
        let data = std::fs::read(&path).unwrap();
        let lang = lang(&data);
        let Ok(text) = String::from_utf8(data[1..].to_vec()) else {
            continue;
        };
        let name = path.display().to_string();
        let slow = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("timeout-");
        let limit = if slow {
            std::time::Duration::from_millis(500)
        } else {
            isolate::DEFAULT_TIMEOUT
        };
        // Isolated as kvlint check runs it: a parser panic is an error, not a crash.
        let outcome = isolate::run(limit, move || {
            let config = Config::default();
            let bindings = common::doc_bindings();
            let selection = Selection::default();
            let settings = common::settings("r.ts", lang, &config, &bindings, &selection);
            let source = Source::new(text.clone());
            let diagnostics = lint_source(&source, &settings);
            let fixed =
                parses(&text, lang).then(|| fix_source(&source, &settings, FixMode::SafeAndUnsafe));
            (
                diagnostics.len(),
                fixed.and_then(|f| f.text).map(|t| (parses(&t, lang), t)),
            )
        });
        match outcome {
            Ok((_, Some((parses, fixed)))) => {
                assert!(parses, "{name}: fixed code does not parse:\n{fixed}")
            }
            Ok(_) => {}
            Err(isolate::Failure::Panic(what)) => assert!(
                what.contains("unreachable") || what.contains("swc"),
                "{name}: {what}"
            ),
            Err(isolate::Failure::Timeout(_)) => {
                assert!(slow, "{name}: took longer than the time limit")
            }
        }
    }
}
