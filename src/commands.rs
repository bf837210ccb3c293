//! The small subcommands: `rules`, `explain`, `debug bindings`.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::{Config, ConfigResolver};
use crate::parse::{parse, Lang};
use crate::rules::RULES;
use crate::scaffold::WranglerForm;
use crate::semantic::SemanticModel;
use crate::source::Source;

/// `kvlint rules`: id, default severity, the fix the user gets with `config` (the
/// kvlint.toml found here), and summary; then how settings change the fixes.
pub fn rules_table(config: &Config) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:<8} {:<18} summary",
        "rule", "severity", "fix"
    );
    let mut notes = Vec::new();
    for r in RULES {
        let mut fix = r.fix_kind(config).name().to_string();
        if let Some(note) = r.fix_note() {
            notes.push(format!("{}: {note}", r.id()));
            fix.push_str(&format!(" ({})", notes.len()));
        }
        let _ = writeln!(
            out,
            "{:<34} {:<8} {:<18} {}",
            r.id(),
            r.default_severity().to_string(),
            fix,
            r.summary()
        );
    }
    let _ = writeln!(
        out,
        "\nfix: safe fixes are applied by --fix; unsafe ones by --fix --unsafe-fixes; display-only ones are shown, never applied."
    );
    let source = match &config.path {
        Some(p) => format!("with {}", p.display()),
        None => "with no kvlint.toml".to_string(),
    };
    let _ = writeln!(out, "The fix column is what you get {source}:");
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(out, "({}) {note}", i + 1);
    }
    out
}

/// `kvlint scaffold session-object`: the Durable Object class, bound as `binding` (else the
/// `durable_object` of the kvlint.toml found from `dir`, else `USER_SESSIONS`), with the
/// methods that kvlint.toml names (else the defaults).
pub fn scaffold_session_object(
    dir: &Path,
    class: &str,
    binding: Option<&str>,
    kv_binding: Option<&str>,
) -> Result<String, String> {
    if !crate::scaffold::is_identifier(class) {
        return Err(format!("`{class}` cannot name a class"));
    }
    let config = ConfigResolver::discover()
        .for_file(&dir.join("_"))
        .map_err(|e| e.0)?;
    let options = &config.file.rules.no_kv_sessions;
    let wrangler = nearest_wrangler(dir)?;
    let taken = |name: &str| wrangler.as_ref().and_then(|w| w.bound.get(name));
    let mut notes = Vec::new();
    let binding = match binding
        .map(str::to_string)
        .or_else(|| options.durable_object.clone())
    {
        Some(b) => b,
        // The first name the project does not already bind.
        None => ["USER_SESSIONS", "SESSION_STORE", "SESSION_OBJECTS"]
            .iter()
            .map(|n| n.to_string())
            .chain((2..).map(|i| format!("SESSION_STORE_{i}")))
            .find(|n| taken(n).is_none())
            .expect("an endless list has a free name"),
    };
    if !crate::scaffold::is_identifier(&binding) {
        return Err(format!("`{binding}` cannot name a binding"));
    }
    if let (Some(w), Some(existing)) = (&wrangler, taken(&binding)) {
        if existing.as_deref() != Some(class) {
            let what = match existing {
                Some(other) => format!("the Durable Object class `{other}`"),
                None => "another binding".to_string(),
            };
            notes.push(format!(
                "{} already binds `{binding}` to {what}: bind this class under a free name (`--binding NAME`), or use the class that is bound there.",
                w.path.display()
            ));
        }
    }
    let methods = options
        .methods
        .clone()
        .unwrap_or_else(crate::scaffold::default_methods);
    let form = wrangler.as_ref().map_or(WranglerForm::Unknown, |w| w.form);
    let kv = kv_source(options, kv_binding, wrangler.as_ref(), &mut notes);
    Ok(crate::scaffold::session_object(
        class,
        &binding,
        &methods,
        form,
        &notes,
        kv.as_ref(),
    ))
}

/// Where the sessions were kept in KV: `--kv-binding`, else the one namespace of
/// `session_namespaces`, else the wrangler config's one KV binding; their keys, by the
/// `session_keys` patterns whose rest is the id (`session:*`).
fn kv_source(
    options: &crate::config::NoKvSessionsOptions,
    flag: Option<&str>,
    wrangler: Option<&Wrangler>,
    notes: &mut Vec<String>,
) -> Option<crate::scaffold::KvSource> {
    let namespaces = options.session_namespaces.clone().unwrap_or_default();
    let binding = match (
        flag,
        namespaces.as_slice(),
        wrangler.map(|w| w.kv.as_slice()),
    ) {
        (Some(b), _, _) => b.to_string(),
        (None, [one], _) => one.clone(),
        (None, _, Some([one])) => one.clone(),
        (None, _, Some([])) | (None, _, None) => return None,
        (None, _, Some(_)) => {
            notes.push("the wrangler config binds several KV namespaces: name the one the sessions were kept in with `--kv-binding NAME`, and the object reads the sessions still stored there".into());
            return None;
        }
    };
    if namespaces.contains(&binding) {
        return Some(crate::scaffold::KvSource {
            binding,
            prefixes: vec![String::new()],
        });
    }
    let mut prefixes = Vec::new();
    for (p, head) in crate::scaffold::session_prefixes(options) {
        match head {
            Some(head) => prefixes.push(head),
            None => notes.push(format!("the session id alone does not say which KV key a session of `{p}` had, so those sessions are not read from KV (they are created again at the next login)")),
        }
    }
    (!prefixes.is_empty()).then_some(crate::scaffold::KvSource { binding, prefixes })
}

/// The wrangler config nearest above a folder: its path, form, and the names it binds
/// (with the class of each Durable Object binding).
struct Wrangler {
    path: std::path::PathBuf,
    form: WranglerForm,
    bound: std::collections::BTreeMap<String, Option<String>>,
    /// Its KV bindings.
    kv: Vec<String>,
}

fn nearest_wrangler(dir: &Path) -> Result<Option<Wrangler>, String> {
    let Some(path) = dir.ancestors().find_map(|d| {
        crate::semantic::wrangler::WRANGLER_FILES
            .iter()
            .map(|n| d.join(n))
            .find(|p| p.is_file())
    }) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let form = WranglerForm::of(&name, &text);
    let bindings = crate::semantic::wrangler::parse_wrangler(&path, &text).map_err(|e| e.0)?;
    let kv = bindings.kv_names().map(str::to_string).collect();
    let mut bound: std::collections::BTreeMap<String, Option<String>> = bindings
        .iter()
        .map(|(n, _, _)| (n.to_string(), None))
        .collect();
    bound.extend(crate::semantic::wrangler::durable_object_classes(
        &path, &text,
    ));
    Ok(Some(Wrangler {
        path,
        form,
        bound,
        kv,
    }))
}

/// `kvlint explain <id>`: the rule's document, rendered for a terminal.
pub fn explain(id: &str) -> Option<String> {
    crate::rules::find(id).map(|r| render_doc(r.doc()))
}

/// A rule document as a terminal shows it: headings underlined, code blocks indented under
/// a line that says what they are, and none of the markers its examples are tested by
/// (`ts expect_diagnostic`, `fixed unsafe`).
pub fn render_doc(doc: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in doc.lines() {
        if let Some(info) = line.strip_prefix("```") {
            if in_code {
                in_code = false;
                continue;
            }
            in_code = true;
            let words: Vec<&str> = info.split_whitespace().collect();
            let caption = match words.as_slice() {
                [_, "expect_diagnostic"] => Some("Reported:"),
                [_, "fixed"] => Some("After `kvlint check --fix`:"),
                [_, "fixed", "unsafe"] => Some("After `kvlint check --fix --unsafe-fixes`:"),
                ["toml", "kvlint.toml"] => Some("With this kvlint.toml:"),
                _ => None,
            };
            if let Some(caption) = caption {
                let _ = writeln!(out, "{caption}");
            }
            continue;
        }
        if in_code {
            let _ = writeln!(out, "    {line}");
        } else if let Some(title) = line.strip_prefix("# ") {
            let _ = writeln!(out, "{title}\n{}", "=".repeat(title.chars().count()));
        } else if let Some(title) = line
            .strip_prefix("## ")
            .or_else(|| line.strip_prefix("### "))
        {
            let _ = writeln!(out, "{title}\n{}", "-".repeat(title.chars().count()));
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// A file as the model sees it, with everything `check` gives it: kvlint.toml, the wrangler
/// config, the project's `.d.ts` files and the modules the file imports.
pub struct Analysis<'p> {
    pub label: String,
    pub source: &'p Source,
    /// Built with its reasons written out.
    pub model: SemanticModel<'p>,
}

/// Reads, parses and models one file, and hands the analysis to `inspect` (the model
/// borrows the parsed program, which lives only as long as this call).
pub fn analyze<R>(
    file: &Path,
    config: Option<&Path>,
    inspect: impl FnOnce(&Analysis) -> R,
) -> Result<R, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let abs = std::path::absolute(file).map_err(|e| e.to_string())?;
    let configs = match config {
        Some(c) => ConfigResolver::fixed(Config::load(c)),
        None => ConfigResolver::discover(),
    };
    let resolved = crate::settings::Resolvers::new(configs)
        .resolve(&abs, &text, true)
        .map_err(|e| e.0)?;
    let source = Source::new(text);
    let lang = Lang::from_path(file).unwrap_or(Lang::TypeScript);
    let label = crate::fs::display_path(file);
    let parsed = parse(&source, lang, false).map_err(|e| {
        let p = source.position(e.range.start);
        format!("{label}:{}:{}: {}", p.line, p.column, e.message)
    })?;
    let model = SemanticModel::build_explained(
        &parsed.program,
        &source,
        &resolved.bindings,
        &label,
        Some(&resolved.imports),
    );
    Ok(inspect(&Analysis {
        label,
        source: &source,
        model,
    }))
}

/// `kvlint debug bindings <file>`: every KV call the model found, and why.
pub fn debug_bindings(file: &Path, config: Option<&Path>) -> Result<String, String> {
    analyze(file, config, explain_bindings)
}

fn explain_bindings(analysis: &Analysis) -> String {
    let Analysis {
        label,
        source,
        model,
    } = analysis;
    let mut out = String::new();
    let _ = writeln!(out, "bindings:");
    for (name, kind, src) in model.bindings.iter() {
        let _ = writeln!(out, "  {name}: {kind:?} (from {src})");
    }
    let _ = writeln!(out, "KV calls: {}", model.kv_calls.len());
    for call in &model.kv_calls {
        let p = source.position(source.range(call.span).start);
        let key = call
            .arg(0)
            .map(|k| format!("{:?}", crate::semantic::values::key_value(k, &call.consts)))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "  {label}:{}:{} {} key={key}\n    because {}",
            p.line,
            p.column,
            call.method.name(),
            call.reason
        );
    }
    let _ = writeln!(out, "Durable Object stub calls: {}", model.do_calls.len());
    for call in &model.do_calls {
        let p = source.position(source.range(call.span).start);
        let namespace = call.namespace.as_deref().unwrap_or("(namespace unknown)");
        let _ = writeln!(
            out,
            "  {label}:{}:{} {} on {namespace}",
            p.line, p.column, call.method
        );
    }
    out
}

/// What a plan does, counted in the words of each: keys copied to a new name, session keys
/// deleted, notes on what is not moved.
fn migrate_summary(plan: &crate::migrate::Plan) -> String {
    let n = |count: usize, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    let sessions = plan
        .steps
        .iter()
        .filter(|s| matches!(s.what, crate::migrate::Move::Sessions { .. }))
        .count();
    let mut parts = Vec::new();
    let copies = plan.steps.len() - sessions;
    if copies > 0 || sessions == 0 {
        parts.push(format!(
            "{} to copy to new names",
            n(copies, "key pattern", "key patterns")
        ));
    }
    if sessions > 0 {
        parts.push(format!(
            "{} to delete (with --delete-sessions)",
            n(sessions, "session key pattern", "session key patterns")
        ));
    }
    if !plan.skipped.is_empty() {
        parts.push(format!(
            "{} in the script's header on what is not moved",
            n(plan.skipped.len(), "note", "notes")
        ));
    }
    parts.join("; ")
}

/// `kvlint migrate-data`: the script for the files under `paths`, to stdout or to `output`
/// (made executable). Returns the summary for stderr.
pub fn migrate_data(
    paths: &[std::path::PathBuf],
    output: Option<&Path>,
    config: Option<&Path>,
) -> Result<String, String> {
    let paths = if paths.is_empty() {
        vec![std::path::PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let plan = crate::migrate::plan(&paths, config)?;
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let text = crate::migrate::script(&plan, &shown.join(" "));
    let mut summary = migrate_summary(&plan);
    match output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            summary.push_str(&format!(
                ". Wrote {}: run it to see what it would do, then with --apply.",
                path.display()
            ));
        }
        None => print!("{text}"),
    }
    Ok(summary)
}
