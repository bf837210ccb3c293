//! `kvlint.toml`: the schema of DESIGN §4, its validation, and its discovery.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;

pub const CONFIG_FILE: &str = "kvlint.toml";

/// `severity = …` on a rule table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeveritySetting {
    Off,
    Info,
    /// `"warn"` too, as ESLint spells it.
    #[serde(alias = "warn")]
    Warning,
    Error,
}

impl SeveritySetting {
    pub fn severity(self) -> Option<Severity> {
        match self {
            SeveritySetting::Off => None,
            SeveritySetting::Info => Some(Severity::Info),
            SeveritySetting::Warning => Some(Severity::Warning),
            SeveritySetting::Error => Some(Severity::Error),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub include: Option<Vec<String>>,
    /// Replaces the default, [`TEST_FILES`].
    pub exclude: Option<Vec<String>>,
    /// Added to `exclude` (or to its default), as Ruff's `extend-exclude`.
    pub extend_exclude: Option<Vec<String>>,
    #[serde(default)]
    pub bindings: BindingsTable,
    #[serde(default)]
    pub rules: RulesTable,
    /// Per-folder settings: rule tables that apply to the files matching `files`.
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// `kvlint report`'s prices and budgets.
    #[serde(default)]
    pub report: ReportTable,
}

/// `[report]`: the prices `kvlint report` estimates with, and the budgets it checks.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportTable {
    #[serde(default)]
    pub pricing: PricingTable,
    #[serde(default)]
    pub budget: BudgetTable,
}

/// `[report.pricing]`: dollars per million operations, and the operations a month includes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricingTable {
    pub reads_per_million: Option<f64>,
    pub writes_per_million: Option<f64>,
    pub deletes_per_million: Option<f64>,
    pub lists_per_million: Option<f64>,
    pub storage_per_gb_month: Option<f64>,
    pub reads_included: Option<u64>,
    pub writes_included: Option<u64>,
    pub deletes_included: Option<u64>,
    pub lists_included: Option<u64>,
    pub storage_included_gb: Option<f64>,
}

/// `[report.budget]`: what a month may cost; `kvlint report` exits 1 past it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetTable {
    pub reads_per_month: Option<u64>,
    pub writes_per_month: Option<u64>,
    pub usd_per_month: Option<f64>,
}

/// `[[overrides]]`: `files` globs (relative to the config's folder) and rule tables.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub files: Vec<String>,
    #[serde(default)]
    pub rules: RulesTable,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingsTable {
    #[serde(default)]
    pub kv: Vec<String>,
    #[serde(default)]
    pub durable_objects: Vec<String>,
    /// Whether KV bindings declared nowhere are inferred from uses only KV has (default on).
    pub infer: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesTable {
    #[serde(rename = "no-kv-sessions", default)]
    pub no_kv_sessions: NoKvSessionsOptions,
    #[serde(rename = "no-unprefixed-kv-key", default)]
    pub no_unprefixed_kv_key: NoUnprefixedKvKeyOptions,
    #[serde(rename = "require-kv-ttl", default)]
    pub require_kv_ttl: RequireKvTtlOptions,
    #[serde(rename = "no-sequential-kv-reads", default)]
    pub no_sequential_kv_reads: NoSequentialKvReadsOptions,
    #[serde(rename = "prefer-kv-cache-ttl", default)]
    pub prefer_kv_cache_ttl: PreferKvCacheTtlOptions,
    #[serde(rename = "prefer-coalesced-kv-reads", default)]
    pub prefer_coalesced_kv_reads: PreferCoalescedKvReadsOptions,
    #[serde(rename = "prefer-kv-json-type", default)]
    pub prefer_kv_json_type: SeverityOnly,
    #[serde(rename = "no-invalid-kv-ttl", default)]
    pub no_invalid_kv_ttl: SeverityOnly,
    #[serde(rename = "no-kv-read-modify-write", default)]
    pub no_kv_read_modify_write: SeverityOnly,
    #[serde(rename = "no-floating-kv-write", default)]
    pub no_floating_kv_write: SeverityOnly,
    #[serde(rename = "prefer-kv-stale-while-revalidate", default)]
    pub prefer_kv_stale_while_revalidate: SeverityOnly,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityOnly {
    pub severity: Option<SeveritySetting>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoKvSessionsOptions {
    pub severity: Option<SeveritySetting>,
    pub session_keys: Option<Vec<String>>,
    pub durable_object: Option<String>,
    pub methods: Option<SessionMethods>,
    pub addressing: Option<Addressing>,
    /// KV bindings whose every key is a session id.
    pub session_namespaces: Option<Vec<String>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionMethods {
    pub get: String,
    pub get_json: String,
    pub put: String,
    pub delete: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Addressing {
    #[serde(rename = "getByName")]
    GetByName,
    #[serde(rename = "idFromName")]
    IdFromName,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoUnprefixedKvKeyOptions {
    pub severity: Option<SeveritySetting>,
    pub renames: Option<BTreeMap<String, String>>,
    pub prefix: Option<String>,
    /// What marks a namespace in a key (default `[":"]`; `["/", ":"]` for `user/123`).
    pub separators: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequireKvTtlOptions {
    pub severity: Option<SeveritySetting>,
    pub default_ttl: Option<Spanned<i64>>,
    /// Keys of records meant to be permanent (globs): their `put`s need no TTL.
    pub ignore_keys: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum Strategy {
    #[default]
    #[serde(rename = "promise-all")]
    PromiseAll,
    #[serde(rename = "bulk")]
    Bulk,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoSequentialKvReadsOptions {
    pub severity: Option<SeveritySetting>,
    pub strategy: Option<Strategy>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferKvCacheTtlOptions {
    pub severity: Option<SeveritySetting>,
    pub static_keys: Option<Vec<String>>,
    pub cache_ttl: Option<Spanned<i64>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferCoalescedKvReadsOptions {
    pub severity: Option<SeveritySetting>,
    pub min_group: Option<Spanned<i64>>,
}

pub const DEFAULT_TTL: i64 = 3600;

/// Copies the options `other` sets over `this`.
macro_rules! overlay {
    ($this:expr, $other:expr; $($field:ident),+) => {
        $(if $other.$field.is_some() {
            $this.$field = $other.$field.clone();
        })+
    };
}

impl RulesTable {
    /// The options `other` sets, on top of these (an override on the base config).
    pub fn overlay(&mut self, o: &RulesTable) {
        overlay!(self.no_kv_sessions, o.no_kv_sessions; severity, session_keys, durable_object, methods, addressing, session_namespaces);
        overlay!(self.no_unprefixed_kv_key, o.no_unprefixed_kv_key; severity, renames, prefix, separators);
        overlay!(self.require_kv_ttl, o.require_kv_ttl; severity, default_ttl, ignore_keys);
        overlay!(self.no_sequential_kv_reads, o.no_sequential_kv_reads; severity, strategy);
        overlay!(self.prefer_kv_cache_ttl, o.prefer_kv_cache_ttl; severity, static_keys, cache_ttl);
        overlay!(self.prefer_coalesced_kv_reads, o.prefer_coalesced_kv_reads; severity, min_group);
        overlay!(self.prefer_kv_json_type, o.prefer_kv_json_type; severity);
        overlay!(self.no_kv_read_modify_write, o.no_kv_read_modify_write; severity);
        overlay!(self.no_floating_kv_write, o.no_floating_kv_write; severity);
        overlay!(self.prefer_kv_stale_while_revalidate, o.prefer_kv_stale_while_revalidate; severity);
        overlay!(self.no_invalid_kv_ttl, o.no_invalid_kv_ttl; severity);
    }
}

impl RulesTable {
    /// The configured severity of a rule, if the config sets one.
    pub fn severity(&self, rule: &str) -> Option<SeveritySetting> {
        match rule {
            "no-kv-sessions" => self.no_kv_sessions.severity,
            "no-unprefixed-kv-key" => self.no_unprefixed_kv_key.severity,
            "require-kv-ttl" => self.require_kv_ttl.severity,
            "no-sequential-kv-reads" => self.no_sequential_kv_reads.severity,
            "prefer-kv-cache-ttl" => self.prefer_kv_cache_ttl.severity,
            "prefer-coalesced-kv-reads" => self.prefer_coalesced_kv_reads.severity,
            "prefer-kv-json-type" => self.prefer_kv_json_type.severity,
            "no-kv-read-modify-write" => self.no_kv_read_modify_write.severity,
            "no-floating-kv-write" => self.no_floating_kv_write.severity,
            "prefer-kv-stale-while-revalidate" => self.prefer_kv_stale_while_revalidate.severity,
            "no-invalid-kv-ttl" => self.no_invalid_kv_ttl.severity,
            _ => None,
        }
    }
}

/// What `exclude` is when no kvlint.toml sets it: test files. What a test does to KV is a mock
/// or Miniflare, not production's bill or consistency (DESIGN §4).
pub const TEST_FILES: &[&str] = &[
    "**/*.test.*",
    "**/*.spec.*",
    "**/__tests__/**",
    "**/test/**",
    "**/tests/**",
    "**/e2e/**",
];

fn test_files() -> &'static GlobSet {
    static SET: std::sync::OnceLock<GlobSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut b = GlobSetBuilder::new();
        for p in TEST_FILES {
            b.add(Glob::new(p).expect("the default patterns are globs"));
        }
        b.build().expect("the default patterns build")
    })
}

/// A loaded configuration: the file's settings and where it lives.
#[derive(Debug, Default)]
pub struct Config {
    /// The config file, if any (`None`: built-in defaults).
    pub path: Option<PathBuf>,
    /// Folder that `include`/`exclude` are relative to.
    pub dir: PathBuf,
    pub file: ConfigFile,
    include: Option<GlobSet>,
    /// `exclude` as written (`None`: the default, [`TEST_FILES`]).
    exclude: Option<GlobSet>,
    extend_exclude: Option<GlobSet>,
    /// The `files` of each `[[overrides]]` table, in order.
    overrides: Vec<GlobSet>,
}

/// A config error, already worded with the file, line and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

fn check_min(
    path: &Path,
    text: &str,
    key: &str,
    value: &Option<Spanned<i64>>,
    min: i64,
    why: &str,
) -> Result<(), ConfigError> {
    match value {
        Some(v) if *v.get_ref() < min => {
            let (line, col) = line_col(text, v.span().start);
            Err(ConfigError(format!(
                "{}:{line}:{col}: invalid value for `{key}`: {} is below {min} ({why})",
                path.display(),
                v.get_ref()
            )))
        }
        _ => Ok(()),
    }
}

fn globset(
    path: &Path,
    key: &str,
    patterns: &Option<Vec<String>>,
) -> Result<Option<GlobSet>, ConfigError> {
    let Some(patterns) = patterns else {
        return Ok(None);
    };
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| {
            ConfigError(format!("{}: invalid glob in `{key}`: {e}", path.display()))
        })?;
        b.add(glob);
    }
    b.build()
        .map(Some)
        .map_err(|e| ConfigError(format!("{}: invalid `{key}`: {e}", path.display())))
}

/// A TOML or serde error said as a user of kvlint.toml would say it: what a value should be
/// (not a Rust type), the accepted values, and the nearest known name to a misspelt one.
fn in_user_words(message: &str, written: Option<&str>) -> String {
    let written = written.unwrap_or("").trim();
    let severity = written.starts_with("severity")
        || message.contains("SeveritySetting")
        || (message.contains("wanted string or table") && written.parse::<f64>().is_ok())
        || (message.starts_with("unknown variant") && message.contains("`warning`"));
    if severity {
        return format!(
            "`severity` is one of \"off\", \"info\", \"warning\" (or \"warn\") and \"error\", not {written}"
        );
    }
    if message.contains("expected i64")
        || message.contains("expected u64")
        || message.contains("expected usize")
    {
        return format!("expected a whole number (of seconds for a TTL, like 3600), not {written}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some((got, expected)) = rest.split_once("`, expected ") {
            return format!("`{got}` is not one of {}", expected.replace("one of ", ""));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((got, expected)) = rest.split_once("`, expected ") {
            let known: Vec<&str> = expected
                .trim_start_matches("one of ")
                .split(", ")
                .map(|k| k.trim_matches('`'))
                .collect();
            let nearest = known
                .iter()
                .map(|k| (edit_distance(got, k), *k))
                .filter(|(d, k)| *d <= (k.len() / 3).max(2))
                .min();
            return match nearest {
                Some((_, k)) => format!("unknown key `{got}`: did you mean `{k}`?"),
                None => format!(
                    "unknown key `{got}`; the keys here are {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
        }
    }
    message.to_string()
}

/// How many single-character edits turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

impl Config {
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let loc = e
                .span()
                .map(|s| {
                    let (l, c) = line_col(text, s.start);
                    format!(":{l}:{c}")
                })
                .unwrap_or_default();
            ConfigError(format!(
                "{}{loc}: {}",
                path.display(),
                in_user_words(e.message().trim_end(), e.span().map(|s| &text[s]))
            ))
        })?;
        let tables = std::iter::once(("rules".to_string(), &file.rules)).chain(
            file.overrides
                .iter()
                .enumerate()
                .map(|(i, o)| (format!("overrides[{i}].rules"), &o.rules)),
        );
        for (at, rules) in tables {
            check_min(
                path,
                text,
                &format!("{at}.require-kv-ttl.default_ttl"),
                &rules.require_kv_ttl.default_ttl,
                60,
                "KV rejects an expirationTtl below 60 seconds",
            )?;
            check_min(
                path,
                text,
                &format!("{at}.prefer-kv-cache-ttl.cache_ttl"),
                &rules.prefer_kv_cache_ttl.cache_ttl,
                30,
                "KV rejects a cacheTtl below 30 seconds",
            )?;
            let empty = rules
                .no_unprefixed_kv_key
                .separators
                .as_ref()
                .is_some_and(|s| s.is_empty() || s.iter().any(|s| s.is_empty()));
            if empty {
                return Err(ConfigError(format!(
                    "{}: `{at}.no-unprefixed-kv-key.separators`: give one or more non-empty separators",
                    path.display()
                )));
            }
            check_min(
                path,
                text,
                &format!("{at}.prefer-coalesced-kv-reads.min_group"),
                &rules.prefer_coalesced_kv_reads.min_group,
                2,
                "a group needs at least two keys",
            )?;
        }
        let overrides = file
            .overrides
            .iter()
            .enumerate()
            .map(|(i, o)| {
                globset(
                    path,
                    &format!("overrides[{i}].files"),
                    &Some(o.files.clone()),
                )
                .map(|g| g.unwrap_or_else(GlobSet::empty))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Config {
            include: globset(path, "include", &file.include)?,
            exclude: globset(path, "exclude", &file.exclude)?,
            extend_exclude: globset(path, "extend_exclude", &file.extend_exclude)?,
            overrides,
            path: Some(path.to_path_buf()),
            dir,
            file,
        })
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))?;
        Config::parse(path, &text)
    }

    fn relative<'a>(&self, file: &'a Path) -> &'a Path {
        file.strip_prefix(&self.dir).unwrap_or(file)
    }

    /// Whether a file found by walking a folder is linted under this config.
    pub fn includes(&self, file: &Path) -> bool {
        let rel = self.relative(file);
        self.include.as_ref().is_none_or(|g| g.is_match(rel)) && !self.excludes(file)
    }

    /// The configuration for one file: the base settings with every matching
    /// `[[overrides]]` table applied in order.
    pub fn for_file(self: &Arc<Self>, file: &Path) -> Arc<Config> {
        let rel = self.relative(file);
        let matching: Vec<&Override> = self
            .overrides
            .iter()
            .zip(&self.file.overrides)
            .filter(|(g, _)| g.is_match(rel))
            .map(|(_, o)| o)
            .collect();
        if matching.is_empty() {
            return Arc::clone(self);
        }
        let mut file = self.file.clone();
        for o in matching {
            file.rules.overlay(&o.rules);
        }
        Arc::new(Config {
            path: self.path.clone(),
            dir: self.dir.clone(),
            file,
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            extend_exclude: self.extend_exclude.clone(),
            overrides: Vec::new(),
        })
    }

    pub fn excludes(&self, file: &Path) -> bool {
        let rel = self.relative(file);
        self.extend_exclude
            .as_ref()
            .is_some_and(|g| g.is_match(rel))
            || match &self.exclude {
                Some(g) => g.is_match(rel),
                None => self.is_test_file(file),
            }
    }

    /// Whether a file is excluded as a test file: the default `exclude` is in effect (no
    /// kvlint.toml replaces it) and matches it. Without a kvlint.toml, paths are taken from
    /// the current folder.
    pub fn is_test_file(&self, file: &Path) -> bool {
        if self.exclude.is_some() {
            return false;
        }
        let rel = match &self.path {
            Some(_) => self.relative(file),
            None => {
                static CWD: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
                let cwd = CWD.get_or_init(|| std::env::current_dir().unwrap_or_default());
                file.strip_prefix(cwd).unwrap_or(file)
            }
        };
        test_files().is_match(rel)
    }
}

/// Finds the config of each file: `--config`, `--no-config`, or the nearest `kvlint.toml`.
pub struct ConfigResolver {
    fixed: Option<Result<Arc<Config>, ConfigError>>,
    cache: crate::fs::DirCache<Result<Arc<Config>, ConfigError>>,
}

impl ConfigResolver {
    pub fn discover() -> Self {
        ConfigResolver {
            fixed: None,
            cache: Default::default(),
        }
    }

    pub fn fixed(config: Result<Config, ConfigError>) -> Self {
        ConfigResolver {
            fixed: Some(config.map(Arc::new)),
            cache: Default::default(),
        }
    }

    /// The config for a file (an absolute path).
    pub fn for_file(&self, file: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return fixed.clone();
        }
        let dir = file.parent().unwrap_or(Path::new("/"));
        self.for_dir(dir)
    }

    fn for_dir(&self, dir: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(hit) = self.cache.get(dir) {
            return hit;
        }
        let candidate = dir.join(CONFIG_FILE);
        let result = if candidate.is_file() {
            Config::load(&candidate).map(Arc::new)
        } else if let Some(parent) = dir.parent() {
            self.for_dir(parent)
        } else {
            Ok(Arc::new(Config::default()))
        };
        self.cache.insert(dir, result.clone());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("kvlint.toml"), text)
    }

    #[test]
    fn accepts_the_whole_schema() {
        let text = r#"
include = ["src/**/*.ts"]
exclude = ["**/*.test.ts"]
[bindings]
kv = ["SESSIONS", "CACHE"]
durable_objects = ["USER_SESSIONS"]
infer = false
[rules.no-kv-sessions]
severity = "error"
session_keys = ["spotify_session:*", "admin:*"]
durable_object = "USER_SESSIONS"
methods = { get = "getSession", get_json = "getSessionJson", put = "putSession", delete = "deleteSession" }
addressing = "getByName"
session_namespaces = ["SESSIONS_KV"]
[rules.no-unprefixed-kv-key]
renames = { "fb_app_access_token" = "oauth:facebook:app_token", "/api/metrics" = "cache:api:metrics" }
prefix = "cache:"
separators = ["/", ":"]
[rules.require-kv-ttl]
default_ttl = 3600
ignore_keys = ["user:*"]
[rules.no-sequential-kv-reads]
strategy = "promise-all"
[rules.prefer-kv-cache-ttl]
static_keys = ["oauth:*", "config:*"]
cache_ttl = 3600
[rules.prefer-coalesced-kv-reads]
min_group = 3
[rules.prefer-kv-json-type]
severity = "off"
[rules.no-invalid-kv-ttl]
severity = "warning"
"#;
        let c = parse(text).unwrap();
        assert_eq!(
            *c.file
                .rules
                .require_kv_ttl
                .default_ttl
                .as_ref()
                .unwrap()
                .get_ref(),
            3600
        );
        assert!(c.includes(Path::new("src/a.ts")));
        assert!(!c.includes(Path::new("src/a.test.ts")));
        assert!(!c.includes(Path::new("lib/a.ts")));
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let e =
            parse("[rules.require-kv-ttl]\nseverity = \"warning\"\ndefault_tl = 5\n").unwrap_err();
        assert!(e.0.starts_with("kvlint.toml:3:1:"), "{e}");
        assert!(e.0.contains("default_tl"), "{e}");
        let e = parse("[rules.no-such-rule]\n").unwrap_err();
        assert!(e.0.contains("no-such-rule"), "{e}");
    }

    #[test]
    fn overrides_apply_per_folder() {
        let text = "[rules.require-kv-ttl]\ndefault_ttl = 600\n[rules.no-invalid-kv-ttl]\nseverity = \"error\"\n\n[[overrides]]\nfiles = [\"legacy/**\"]\n[overrides.rules.require-kv-ttl]\nseverity = \"off\"\n[overrides.rules.no-sequential-kv-reads]\nstrategy = \"bulk\"\n";
        let c = Arc::new(Config::parse(Path::new("/p/kvlint.toml"), text).unwrap());
        let legacy = c.for_file(Path::new("/p/legacy/a.ts"));
        assert_eq!(
            legacy.file.rules.require_kv_ttl.severity,
            Some(SeveritySetting::Off)
        );
        assert_eq!(
            *legacy
                .file
                .rules
                .require_kv_ttl
                .default_ttl
                .as_ref()
                .unwrap()
                .get_ref(),
            600,
            "other options stay"
        );
        assert_eq!(
            legacy.file.rules.no_sequential_kv_reads.strategy,
            Some(Strategy::Bulk)
        );
        assert_eq!(
            legacy.file.rules.no_invalid_kv_ttl.severity,
            Some(SeveritySetting::Error)
        );
        let other = c.for_file(Path::new("/p/src/a.ts"));
        assert!(Arc::ptr_eq(&other, &c));
        let e = parse("[[overrides]]\nfiles = [\"a/**\"]\n[overrides.rules.require-kv-ttl]\ndefault_ttl = 5\n").unwrap_err();
        assert!(
            e.0.contains("overrides[0].rules.require-kv-ttl.default_ttl"),
            "{e}"
        );
        assert!(
            parse("[[overrides]]\nrules = {}\n").is_err(),
            "files is required"
        );
    }

    #[test]
    fn bad_values_are_errors() {
        let e = parse("[rules.require-kv-ttl]\ndefault_ttl = 30\n").unwrap_err();
        assert!(e.0.starts_with("kvlint.toml:2:15:"), "{e}");
        assert!(e.0.contains("rules.require-kv-ttl.default_ttl"), "{e}");
        let e = parse("[rules.require-kv-ttl]\nseverity = \"loud\"\n").unwrap_err();
        assert!(e.0.contains("kvlint.toml:2:"), "{e}");
        assert!(parse("[rules.prefer-kv-cache-ttl]\ncache_ttl = 29\n").is_err());
    }
}
