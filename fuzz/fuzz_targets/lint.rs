//! Parse and lint arbitrary input: never a crash of kvlint's own, never an abort.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::abort_on_kvlint_panics();
    let Ok(text) = std::str::from_utf8(data.get(1..).unwrap_or_default()) else { return };
    let lang = common::lang(data);
    let source = kvlint::source::Source::new(text.to_string());
    let _ = std::panic::catch_unwind(|| common::with_settings(lang, |s| kvlint::lint_source(&source, s)));
});
