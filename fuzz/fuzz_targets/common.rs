//! Shared by the fuzz targets: lint settings, and a panic hook that tells swc's own
//! panics (kvlint turns them into `internal-error`s) from kvlint's (bugs: abort).

use std::sync::Once;

use kvlint::config::Config;
use kvlint::parse::Lang;
use kvlint::semantic::bindings::{BindingKind, BindingSource, Bindings};
use kvlint::{FileSettings, Selection};

pub fn bindings() -> Bindings {
    let mut b = Bindings::default();
    for name in ["SESSIONS", "CACHE", "kv", "a", "b"] {
        b.add(name, BindingKind::Kv, BindingSource::Config("fuzz".into()));
    }
    b
}

/// The language to parse as, from the first byte (so the corpus covers all three).
pub fn lang(data: &[u8]) -> Lang {
    match data.first().map(|b| b % 3) {
        Some(0) => Lang::TypeScript,
        Some(1) => Lang::Tsx,
        _ => Lang::JavaScript,
    }
}

/// Panics from inside swc's parser are known and caught by kvlint's isolation; a panic
/// anywhere else is a kvlint bug and aborts the fuzzer.
pub fn abort_on_kvlint_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let in_swc = info.location().is_some_and(|l| l.file().contains("swc_"));
            if !in_swc {
                eprintln!("kvlint panicked: {info}");
                std::process::abort();
            }
        }));
    });
}

pub fn with_settings<R>(lang: Lang, f: impl FnOnce(&FileSettings) -> R) -> R {
    let config = Config::default();
    let bindings = bindings();
    let selection = Selection::default();
    let settings = FileSettings { label: "fuzz.ts", lang, dts: false, config: &config, bindings: &bindings, selection: &selection, imports: None, groups: Default::default() };
    f(&settings)
}
