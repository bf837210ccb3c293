//! `kvlint init`: a commented `kvlint.toml` written from the wrangler config found here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::CONFIG_FILE;
use crate::semantic::bindings::BindingKind;
use crate::semantic::wrangler::{parse_wrangler, WRANGLER_FILES};

fn quoted_list(names: &[&str]) -> String {
    let items: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    format!("[{}]", items.join(", "))
}

/// The nearest wrangler config at or above `dir`.
fn find_wrangler(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find_map(|d| {
        WRANGLER_FILES
            .iter()
            .map(|n| d.join(n))
            .find(|p| p.is_file())
    })
}

/// The wrangler configs below `dir` (walked as `check` walks), when none is at or above it:
/// a repository root whose Workers sit in subfolders. Each is read for the files under it.
fn wrangler_below(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = crate::fs::walker(dir)
        .build()
        .flatten()
        .filter(|e| {
            e.file_type().is_some_and(|t| t.is_file())
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| WRANGLER_FILES.contains(&n))
        })
        .map(|e| e.into_path())
        .collect();
    found.sort();
    found
}

/// The text of a new kvlint.toml for the project in `dir`.
pub fn config_text(dir: &Path) -> Result<String, String> {
    let mut out = String::from(
        "# kvlint configuration (`kvlint explain <rule>` documents each rule's options).\n",
    );
    let mut kv: Vec<&str> = Vec::new();
    let mut dos: Vec<&str> = Vec::new();
    let wrangler = find_wrangler(dir);
    let below = if wrangler.is_none() {
        wrangler_below(dir)
    } else {
        Vec::new()
    };
    let mut below_bindings = crate::semantic::bindings::Bindings::default();
    let mut below_lines = String::new();
    for path in &below {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let b = parse_wrangler(path, &text).map_err(|e| e.0)?;
        let kv_names: Vec<&str> = b.kv_names().collect();
        let shown = path.strip_prefix(dir).unwrap_or(path).display().to_string();
        let _ = writeln!(
            below_lines,
            "#   {shown} (KV: {})",
            if kv_names.is_empty() {
                "none".to_string()
            } else {
                kv_names.join(", ")
            }
        );
        below_bindings.merge(&b);
    }
    let bindings = match &wrangler {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(parse_wrangler(path, &text).map_err(|e| e.0)?)
        }
        None => None,
    };
    if let Some(b) = &bindings {
        for (name, kind, _) in b.iter() {
            match kind {
                BindingKind::Kv => kv.push(name),
                BindingKind::DurableObject => dos.push(name),
                BindingKind::Other => {}
            }
        }
    }
    match &wrangler {
        Some(path) => {
            let _ = writeln!(out, "# Written by `kvlint init` from {}.", path.display());
        }
        None if !below.is_empty() => {
            out.push_str("# No wrangler config here or above. kvlint reads the nearest one above each file,\n# so these in subfolders give the bindings of the files under them:\n");
            out.push_str(&below_lines);
        }
        None => out.push_str("# No wrangler config was found: list your bindings below.\n"),
    }
    out.push_str(
        "\n# Files to lint, relative to this file (default: every .ts/.tsx/.js/.jsx/.mts/.cts/.mjs/.cjs/.astro).\n\
         # include = [\"src/**/*.ts\"]\n\
         # Test files are not linted: the default `exclude` is **/*.test.*, **/*.spec.*,\n\
         # **/__tests__/**, **/test/**, **/tests/**, **/e2e/**. `exclude` replaces it;\n\
         # `extend_exclude` adds to it.\n\
         # extend_exclude = [\"src/generated/**\"]\n\n\
         [bindings]\n\
         # kvlint also reads these from the wrangler config; listing them here makes them win.\n",
    );
    // Bindings the wrangler config does not list, proposed from usage only KV has.
    let evidence: Vec<(String, Vec<String>)> =
        crate::semantic::evidence::collect(dir, &crate::semantic::evidence::source_files(dir))
            .into_iter()
            .filter(|(name, _)| bindings.as_ref().is_none_or(|b| b.kind(name).is_none()))
            .filter(|(name, _)| below_bindings.kind(name).is_none())
            .collect();
    if evidence.is_empty() && !below.is_empty() {
        // An empty list here would read as "no KV": the subfolders' configs say.
        out.push_str("# kv = []   # read from the wrangler configs listed above\n");
        out.push_str(
            "# No other binding is used the way only KV is used (getWithMetadata, expirationTtl,\n\
             # get(key, 'json'), …) in this project.\n",
        );
    } else if evidence.is_empty() {
        let _ = writeln!(out, "kv = {}", quoted_list(&kv));
        out.push_str(
            "# No other binding is used the way only KV is used (getWithMetadata, expirationTtl,\n\
             # get(key, 'json'), …) in this project.\n",
        );
    } else {
        out.push_str("kv = [\n");
        for name in &kv {
            let _ = writeln!(out, "  {name:?},");
        }
        for (name, places) in &evidence {
            let _ = writeln!(
                out,
                "  {name:?}, # not in the wrangler config; used as only KV is: {}",
                places.join("; ")
            );
        }
        out.push_str("]\n");
    }
    if below.is_empty() {
        let _ = writeln!(out, "durable_objects = {}", quoted_list(&dos));
    } else {
        out.push_str("# durable_objects = []   # read from the wrangler configs listed above\n");
    }
    out.push_str(
        "# Bindings nothing declares, used as only KV is used, are inferred to be KV bindings at\n\
         # lint time (`kvlint debug bindings <file>` names the uses):\n\
         # infer = false\n",
    );
    out.push_str(
        "\n[rules.require-kv-ttl]\n\
         # The TTL the fix adds, in seconds. An expiry deletes records meant to last, so the fix\n\
         # is only shown until this is set, and then applied only by --fix --unsafe-fixes.\n\
         # default_ttl = 3600\n\
         # Records meant to last (accounts, passkeys, refresh tokens): never given a TTL.\n\
         # ignore_keys = [\"user:*\"]\n\n\
         [rules.no-unprefixed-kv-key]\n\
         # renames = { \"old_key\" = \"area:new_key\" }\n\
         # prefix = \"cache:\"\n\n\
         [rules.prefer-kv-cache-ttl]\n\
         # static_keys = [\"oauth:*\", \"config:*\"]\n\
         # cache_ttl = 3600\n\n\
         [rules.no-sequential-kv-reads]\n\
         # strategy = \"promise-all\"   # or \"bulk\"\n",
    );
    // A KV binding named for sessions may hold nothing else: offered, never assumed (the
    // guide's own `SESSIONS` holds caches too).
    let session_kv: Vec<&str> = kv
        .iter()
        .copied()
        .filter(|n| n.to_ascii_uppercase().contains("SESSION"))
        .collect();
    let namespaces = if session_kv.is_empty() {
        String::new()
    } else {
        format!(
            "# Only if these namespaces hold nothing but sessions, keyed by the session id:\n\
             # session_namespaces = {}\n",
            quoted_list(&session_kv)
        )
    };
    match dos.first() {
        Some(first) => {
            let _ = write!(
                out,
                "\n# Sessions kept in KV belong in a Durable Object. Nothing is migrated until you\n\
                 # uncomment this table; the object must offer the four methods named below,\n\
                 # with the shapes of KV's get/put/delete (`kvlint scaffold session-object`\n\
                 # prints such a class).\n\
                 # [rules.no-kv-sessions]\n\
                 # durable_object = {first:?}\n\
                 # session_keys = [\"session:*\", \"sess:*\", \"*_session:*\"]\n\
                 # methods = {{ get = \"getSession\", get_json = \"getSessionJson\", put = \"putSession\", delete = \"deleteSession\" }}\n\
                 # addressing = \"getByName\"\n{namespaces}"
            );
        }
        None => {
            out.push_str("\n[rules.no-kv-sessions]\n# session_keys = [\"session:*\", \"sess:*\", \"*_session:*\"]\n");
            out.push_str(&namespaces);
        }
    }
    Ok(out)
}

/// Writes `kvlint.toml` in `dir`; refuses to overwrite one.
pub fn init(dir: &Path) -> Result<PathBuf, String> {
    let path = dir.join(CONFIG_FILE);
    if path.exists() {
        return Err(format!(
            "{} already exists; not overwritten",
            path.display()
        ));
    }
    let text = config_text(dir)?;
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn writes_a_valid_config_from_wrangler_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("wrangler.toml"),
            "name = \"w\"\n[[kv_namespaces]]\nbinding = \"SESSIONS\"\nid = \"x\"\n[durable_objects]\nbindings = [{ name = \"USER_SESSIONS\", class_name = \"U\" }]\n[[r2_buckets]]\nbinding = \"ASSETS\"\nbucket_name = \"a\"\n",
        )
        .unwrap();
        let path = init(dir.path()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("kv = [\"SESSIONS\"]\n"));
        assert!(text.contains("durable_objects = [\"USER_SESSIONS\"]\n"));
        assert!(text.contains("# [rules.no-kv-sessions]\n# durable_object = \"USER_SESSIONS\"\n"));
        assert!(text.contains("# session_namespaces = [\"SESSIONS\"]\n"));
        assert!(text.contains("# No other binding is used the way only KV is used"));
        assert!(!text.contains("ASSETS"));
        let config = Config::parse(&path, &text).unwrap();
        assert_eq!(config.file.bindings.kv, vec!["SESSIONS".to_string()]);
        assert!(
            config.file.rules.no_kv_sessions.durable_object.is_none(),
            "no migration until uncommented"
        );
        assert!(init(dir.path()).unwrap_err().contains("already exists"));
    }

    #[test]
    fn configs_in_subfolders_are_named_and_no_empty_list_is_written() {
        let dir = tempfile::tempdir().unwrap();
        for (sub, binding) in [("apps/api", "CACHE"), ("apps/web", "PAGES_KV")] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            std::fs::write(
                dir.path().join(sub).join("wrangler.toml"),
                format!("name = \"w\"\n[[kv_namespaces]]\nbinding = \"{binding}\"\nid = \"x\"\n"),
            )
            .unwrap();
        }
        let text = config_text(dir.path()).unwrap();
        assert!(!text.contains("No wrangler config was found"), "{text}");
        assert!(
            text.contains("#   apps/api/wrangler.toml (KV: CACHE)\n"),
            "{text}"
        );
        assert!(
            text.contains("#   apps/web/wrangler.toml (KV: PAGES_KV)\n"),
            "{text}"
        );
        assert!(!text.contains("\nkv = []"), "{text}");
        let config = Config::parse(Path::new("kvlint.toml"), &text).unwrap();
        assert!(config.file.bindings.kv.is_empty());
    }

    #[test]
    fn without_wrangler_config() {
        let dir = tempfile::tempdir().unwrap();
        let text = config_text(dir.path()).unwrap();
        assert!(text.contains("No wrangler config was found"));
        Config::parse(Path::new("kvlint.toml"), &text).unwrap();
    }
}
