//! Reading bindings from the nearest `wrangler.json` / `wrangler.jsonc` / `wrangler.toml`.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::bindings::{BindingKind, BindingSource, Bindings};
use super::declared_bindings;
use crate::config::ConfigError;
use crate::parse::{parse, Lang};
use crate::source::Source;

/// Wrangler's own order of preference when several are in one folder.
pub const WRANGLER_FILES: [&str; 3] = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// The folder of the wrangler config nearest above a file (an absolute path): where its
/// namespaces are bound, and where wrangler runs for them.
pub fn config_dir(file: &std::path::Path) -> Option<std::path::PathBuf> {
    file.ancestors()
        .skip(1)
        .find(|d| WRANGLER_FILES.iter().any(|n| d.join(n).is_file()))
        .map(std::path::Path::to_path_buf)
}

/// Example configs a project commits beside (or instead of) its real one, often gitignored:
/// read for the names no real config declares.
pub const EXAMPLE_FILES: [&str; 6] = [
    "wrangler.example.toml",
    "wrangler-example.toml",
    "wrangler.sample.toml",
    "wrangler.toml.template",
    "wrangler.example.json",
    "wrangler.example.jsonc",
];

/// Removes `//` and `/* */` comments and trailing commas, outside strings.
pub fn strip_jsonc(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut start = 0;
    let mut pending_comma: Option<usize> = None;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                pending_comma = None;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                out.push_str(&text[start..i]);
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                start = i;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                out.push_str(&text[start..i]);
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i = (i + 2).min(b.len());
                start = i;
            }
            b',' => {
                out.push_str(&text[start..i]);
                pending_comma = Some(out.len());
                out.push(',');
                i += 1;
                start = i;
            }
            b'}' | b']' => {
                out.push_str(&text[start..i]);
                if let Some(at) = pending_comma.take() {
                    if out[at + 1..].trim().is_empty() {
                        out.replace_range(at..at + 1, " ");
                    }
                }
                out.push(b[i] as char);
                i += 1;
                start = i;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                pending_comma = None;
                i += 1;
            }
        }
    }
    out.push_str(&text[start.min(text.len())..]);
    out
}

fn names<'a>(list: Option<&'a Value>, key: &'a str) -> impl Iterator<Item = &'a str> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(move |e| e.get(key).and_then(Value::as_str))
}

fn collect(section: &Value, source: &BindingSource, out: &mut Bindings) {
    for n in names(section.get("kv_namespaces"), "binding") {
        out.add(n, BindingKind::Kv, source.clone());
    }
    let dos = section
        .get("durable_objects")
        .and_then(|d| d.get("bindings"));
    for n in names(dos, "name") {
        out.add(n, BindingKind::DurableObject, source.clone());
    }
    for (list, key) in [
        ("r2_buckets", "binding"),
        ("d1_databases", "binding"),
        ("services", "binding"),
        ("analytics_engine_datasets", "binding"),
        ("vectorize", "binding"),
        ("hyperdrive", "binding"),
        ("mtls_certificates", "binding"),
        ("workflows", "binding"),
        ("send_email", "name"),
        ("dispatch_namespaces", "binding"),
    ] {
        for n in names(section.get(list), key) {
            out.add(n, BindingKind::Other, source.clone());
        }
    }
    let producers = section.get("queues").and_then(|q| q.get("producers"));
    for n in names(producers, "binding") {
        out.add(n, BindingKind::Other, source.clone());
    }
    for single in ["ai", "browser", "images", "version_metadata", "assets"] {
        if let Some(n) = section
            .get(single)
            .and_then(|a| a.get("binding"))
            .and_then(Value::as_str)
        {
            out.add(n, BindingKind::Other, source.clone());
        }
    }
    if let Some(vars) = section.get("vars").and_then(Value::as_object) {
        for n in vars.keys() {
            out.add(n, BindingKind::Other, source.clone());
        }
    }
}

/// A `kv_namespaces` entry without a string `binding` is an error, not silence: the
/// namespace would go unchecked.
fn check_kv_entries(path: &Path, section: &Value, at: &str) -> Result<(), ConfigError> {
    let Some(list) = section.get("kv_namespaces") else {
        return Ok(());
    };
    let Some(entries) = list.as_array() else {
        return Err(ConfigError(format!(
            "{}: `{at}kv_namespaces` must be a list of tables",
            path.display()
        )));
    };
    for (i, entry) in entries.iter().enumerate() {
        if !entry.get("binding").is_some_and(Value::is_string) {
            return Err(ConfigError(format!(
                "{}: `{at}kv_namespaces[{i}].binding` must be a string (the binding's name)",
                path.display()
            )));
        }
    }
    Ok(())
}

/// The Durable Object bindings of one wrangler config (top level and every `[env.*]`), each
/// with its class name (a config that does not parse gives none: `parse_wrangler` says why).
pub fn durable_object_classes(path: &Path, text: &str) -> Vec<(String, Option<String>)> {
    let Ok(value) = config_value(path, text) else {
        return Vec::new();
    };
    let envs = value.get("env").and_then(Value::as_object);
    std::iter::once(&value)
        .chain(envs.into_iter().flat_map(|e| e.values()))
        .filter_map(|s| s.get("durable_objects")?.get("bindings")?.as_array())
        .flatten()
        .filter_map(|b| {
            let name = b.get("name")?.as_str()?.to_string();
            let class = b
                .get("class_name")
                .and_then(Value::as_str)
                .map(str::to_string);
            Some((name, class))
        })
        .collect()
}

/// A wrangler config's contents as JSON, TOML or JSONC by its name (`wrangler.toml.template`
/// is TOML).
fn config_value(path: &Path, text: &str) -> Result<Value, ConfigError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    Ok(if name.contains(".toml") {
        let t: toml::Value = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (l, c) = crate::config::line_col(text, s.start);
                    format!(":{l}:{c}")
                })
                .unwrap_or_default();
            ConfigError(format!(
                "{}{at}: {}",
                path.display(),
                e.message().trim_end()
            ))
        })?;
        serde_json::to_value(t).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?
    } else {
        serde_json::from_str(&strip_jsonc(text)).map_err(|e| {
            ConfigError(format!(
                "{}:{}:{}: {e}",
                path.display(),
                e.line(),
                e.column()
            ))
        })?
    })
}

/// The bindings of one wrangler config (top level and every `[env.*]`).
pub fn parse_wrangler(path: &Path, text: &str) -> Result<Bindings, ConfigError> {
    let value = config_value(path, text)?;
    check_kv_entries(path, &value, "")?;
    if let Some(envs) = value.get("env").and_then(Value::as_object) {
        for (name, env) in envs {
            check_kv_entries(path, env, &format!("env.{name}."))?;
        }
    }
    let source = BindingSource::Wrangler(path.to_path_buf(), None);
    let mut found = Bindings::default();
    collect(&value, &source, &mut found);
    if let Some(envs) = value.get("env").and_then(Value::as_object) {
        for env in envs.values() {
            collect(env, &source, &mut found);
        }
    }
    // Each binding with the line that declares it, for the reasons that name it.
    let mut out = Bindings::default();
    for (name, kind, _) in found.iter() {
        let line = declaring_line(text, name);
        out.add(
            name,
            kind,
            BindingSource::Wrangler(path.to_path_buf(), line),
        );
    }
    Ok(out)
}

/// The 1-based line of a wrangler config that declares a binding: the first that holds its
/// name quoted, after a `binding` or `name` key (TOML, JSON, inline tables).
fn declaring_line(text: &str, name: &str) -> Option<usize> {
    let quoted = [format!("\"{name}\""), format!("'{name}'")];
    text.lines()
        .position(|l| {
            let declares = l.contains("binding") || l.contains("name");
            declares && quoted.iter().any(|q| l.contains(q.as_str()))
        })
        .map(|i| i + 1)
}

/// The file `wrangler types` writes beside the wrangler config.
pub const GENERATED_TYPES: &str = "worker-configuration.d.ts";

/// Bindings typed in a generated `worker-configuration.d.ts`
/// (`declare namespace Cloudflare { interface Env { SESSIONS: KVNamespace } }`).
fn generated_types(path: &Path) -> Result<Bindings, ConfigError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(Bindings::default());
    };
    let source = Source::new(text);
    let parsed = parse(&source, Lang::TypeScript, true).map_err(|e| {
        let p = source.position(e.range.start);
        ConfigError(format!(
            "{}:{}:{}: {}",
            path.display(),
            p.line,
            p.column,
            e.message
        ))
    })?;
    Ok(declared_bindings(
        &parsed.program,
        &path.display().to_string(),
    ))
}

/// Finds and caches the nearest wrangler config of each folder (with the bindings typed
/// in a `worker-configuration.d.ts` beside it).
#[derive(Default)]
pub struct WranglerResolver {
    cache: crate::fs::DirCache<Result<Arc<Bindings>, ConfigError>>,
    /// Folder listings, shared with the other resolvers of a run.
    listings: Arc<crate::fs::Listings>,
}

impl WranglerResolver {
    /// The bindings of the example configs in a folder, each as an example's source. An
    /// example that does not parse is a template, not the project's config: it tells nothing.
    fn examples(&self, dir: &Path) -> Bindings {
        let mut out = Bindings::default();
        for name in EXAMPLE_FILES
            .iter()
            .filter(|n| self.listings.has_file(dir, n))
        {
            let path = dir.join(name);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(found) = parse_wrangler(&path, &text) else {
                continue;
            };
            for (binding, kind, _) in found.iter() {
                out.add(binding, kind, BindingSource::WranglerExample(path.clone()));
            }
        }
        out
    }

    pub fn with_listings(listings: Arc<crate::fs::Listings>) -> Self {
        WranglerResolver {
            cache: Default::default(),
            listings,
        }
    }

    /// The bindings from the wrangler config nearest above a file (an absolute path).
    pub fn for_file(&self, file: &Path) -> Result<Arc<Bindings>, ConfigError> {
        self.for_dir(file.parent().unwrap_or(Path::new("/")))
    }

    fn for_dir(&self, dir: &Path) -> Result<Arc<Bindings>, ConfigError> {
        if let Some(hit) = self.cache.get(dir) {
            return hit;
        }
        let found = WRANGLER_FILES
            .iter()
            .find(|n| self.listings.has_file(dir, n))
            .map(|n| dir.join(n));
        let examples = self.examples(dir);
        let result = match found {
            Some(path) => std::fs::read_to_string(&path)
                .map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))
                .and_then(|text| parse_wrangler(&path, &text))
                .and_then(|mut b| {
                    b.merge(&generated_types(&dir.join(GENERATED_TYPES))?);
                    b.merge(&examples);
                    Ok(b)
                })
                .map(Arc::new),
            // Only an example here: the real config is kept out of the repository.
            None if !examples.is_empty() => Ok(Arc::new(examples)),
            None => match dir.parent() {
                Some(parent) => self.for_dir(parent),
                None => Ok(Arc::new(Bindings::default())),
            },
        };
        self.cache.insert(dir, result.clone());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_top_level_and_envs() {
        let text = r#"
name = "w"
[[kv_namespaces]]
binding = "SESSIONS"
id = "x"
[[r2_buckets]]
binding = "ASSETS"
bucket_name = "a"
[durable_objects]
bindings = [{ name = "USER_SESSIONS", class_name = "UserSession" }]
[env.staging]
kv_namespaces = [{ binding = "STAGING_CACHE", id = "y" }]
"#;
        let b = parse_wrangler(Path::new("wrangler.toml"), text).unwrap();
        assert!(b.is_kv("SESSIONS"));
        assert!(b.is_kv("STAGING_CACHE"));
        assert_eq!(b.kind("ASSETS"), Some(BindingKind::Other));
        assert_eq!(b.kind("USER_SESSIONS"), Some(BindingKind::DurableObject));
    }

    #[test]
    fn jsonc_with_comments_and_trailing_commas() {
        let text = r#"{
  // the sessions
  "kv_namespaces": [{ "binding": "SESSIONS", "id": "a//b" }, /* x */ ],
  "env": { "prod": { "kv_namespaces": [{ "binding": "PROD_KV", }] } },
}"#;
        let b = parse_wrangler(Path::new("wrangler.jsonc"), text).unwrap();
        assert!(b.is_kv("SESSIONS"));
        assert!(b.is_kv("PROD_KV"));
    }

    #[test]
    fn broken_config_names_the_file() {
        let e = parse_wrangler(Path::new("wrangler.json"), "{ \"a\": }").unwrap_err();
        assert!(e.0.starts_with("wrangler.json:1:"), "{e}");
    }
}
