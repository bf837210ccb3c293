//! Every input under `tests/fuzz-regressions/` (crashes the fuzzers found, and known parser
//! panics) goes through what the fuzz targets check: linting ends in diagnostics, never in
//! a crash of kvlint's own or an abort; fixing code that parses gives code that parses, once.
//! The first byte picks the language, as in the fuzz targets. Inputs named `timeout-*` are
//! ones swc's parser takes seconds on (it backtracks exponentially on some TypeScript
//! type-argument ambiguities): they must end at kvlint's time limit (timed), never hang. A
//! panic is accepted only from swc's parser (where it was raised is checked); inputs that are
//! not UTF-8 go through the CLI, which must name the file; a second fix changes nothing.

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

/// The panics of swc's parser the regressions hold: a panic is accepted only when it was
/// raised in one of these swc source files (a panic of kvlint's own, `unreachable!()`
/// included, fails the test).
const SWC_PANIC_SOURCES: [&str; 2] = ["swc_ecma_parser", "swc_ecma_lexer"];

/// Where the last panic was raised, recorded by the hook `every_fuzz_regression` installs.
static LAST_PANIC_AT: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

#[test]
fn every_fuzz_regression() {
    // After the isolation's own hook (which keeps file threads' panics quiet), around it.
    isolate::run(std::time::Duration::from_secs(5), || ()).unwrap();
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Some(at) = info.location() {
            *LAST_PANIC_AT.lock().unwrap_or_else(|p| p.into_inner()) = at.file().to_string();
        }
        report(info);
    }));
    let dir = common::root().join("tests/fuzz-regressions");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let mut not_utf8 = 0;
    for path in inputs {
        let data = std::fs::read(&path).unwrap();
        let lang = lang(&data);
        let name = path.display().to_string();
        let Ok(text) = String::from_utf8(data[1..].to_vec()) else {
            // As the CLI reads it: an error naming the file, not a crash and not a skip.
            not_utf8 += 1;
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("r.ts"), &data[1..]).unwrap();
            let out = assert_cmd::Command::cargo_bin("kvlint")
                .unwrap()
                .current_dir(dir.path())
                .args([
                    "check",
                    "--no-config",
                    "--no-prefilter",
                    "--format",
                    "compact",
                    "r.ts",
                ])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{name}");
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(
                said.contains("r.ts:1:1: error [io-error] The file is not UTF-8 text"),
                "{name}: {said}"
            );
            continue;
        };
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
        LAST_PANIC_AT.lock().unwrap().clear();
        let started = std::time::Instant::now();
        // Isolated as kvlint check runs it: a parser panic is an error, not a crash.
        let outcome = isolate::run(limit, move || {
            let config = Config::default();
            let bindings = common::doc_bindings();
            let selection = Selection::default();
            let settings = common::settings("r.ts", lang, &config, &bindings, &selection);
            let source = Source::new(text.clone());
            let diagnostics = lint_source(&source, &settings);
            let fixed = parses(&text, lang)
                .then(|| fix_source(&source, &settings, FixMode::SafeAndUnsafe))
                .and_then(|f| f.text);
            // A second fix of the fixed code changes nothing.
            let again = fixed.as_ref().map(|t| {
                fix_source(&Source::new(t.clone()), &settings, FixMode::SafeAndUnsafe).text
            });
            (
                diagnostics.len(),
                fixed.map(|t| (parses(&t, lang), t)),
                again.flatten(),
            )
        });
        let took = started.elapsed();
        // The time limit ends a slow input near the limit, not at the end of the parse.
        if slow {
            assert!(
                took < limit + std::time::Duration::from_secs(3),
                "{name}: took {took:?} under a limit of {limit:?}"
            );
        }
        match outcome {
            Ok((_, Some((parses, fixed)), again)) => {
                assert!(parses, "{name}: fixed code does not parse:\n{fixed}");
                assert!(
                    again.is_none(),
                    "{name}: a second fix changed the fixed code:\n{fixed}"
                );
            }
            Ok(_) => {}
            Err(isolate::Failure::Panic(what)) => {
                let at = LAST_PANIC_AT.lock().unwrap().clone();
                assert!(
                    SWC_PANIC_SOURCES.iter().any(|s| at.contains(s)),
                    "{name}: a panic outside swc's parser ({what}, at {at})"
                );
            }
            Err(isolate::Failure::Timeout(_)) => {
                assert!(slow, "{name}: took longer than the time limit")
            }
        }
    }
    eprintln!("{not_utf8} inputs that are not UTF-8 were read as the CLI reads them");
}
