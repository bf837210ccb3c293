//! Fix arbitrary input that parses: the output always parses and fixing it again changes nothing.
#![no_main]

#[path = "common.rs"]
mod common;

use kvlint::fix::FixMode;
use kvlint::parse::parses;
use kvlint::source::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::abort_on_kvlint_panics();
    let Ok(text) = std::str::from_utf8(data.get(1..).unwrap_or_default()) else { return };
    let lang = common::lang(data);
    let outcome = std::panic::catch_unwind(|| {
        if !parses(text, lang) {
            return None;
        }
        common::with_settings(lang, |s| {
            let fixed = kvlint::fix_source(&Source::new(text.to_string()), s, FixMode::SafeAndUnsafe);
            let again = fixed.text.as_ref().map(|t| kvlint::fix_source(&Source::new(t.clone()), s, FixMode::SafeAndUnsafe));
            Some((fixed, again))
        })
    });
    if let Ok(Some((fixed, again))) = outcome {
        let broken = |m: &str| m.contains("does not parse") || m.contains("did not converge");
        assert!(!fixed.diagnostics.iter().any(|d| d.is_failure() && broken(&d.message)), "a fix broke the code or did not converge: {text:?}");
        if let Some(t) = &fixed.text {
            assert!(parses(t, lang), "fixed output does not parse: {text:?}");
            assert!(again.is_some_and(|a| a.text.is_none()), "fixing is not idempotent: {text:?}");
        }
    }
});
