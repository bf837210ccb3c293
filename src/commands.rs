//! The small subcommands: `rules`, `explain`, `debug bindings`.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::{Config, ConfigResolver};
use crate::parse::{parse, Lang};
use crate::rules::{FixKind, RULES};
use crate::semantic::SemanticModel;
use crate::source::Source;

/// `kvlint rules`: id, default severity, fix, summary.
pub fn rules_table() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<28} {:<8} {:<9} summary", "rule", "severity", "fix");
    for r in RULES {
        let fix = match r.fix_kind() {
            FixKind::None => "none",
            FixKind::Sometimes => "unsafe*",
            FixKind::Unsafe => "unsafe",
            FixKind::Safe => "safe",
        };
        let _ = writeln!(
            out,
            "{:<28} {:<8} {:<9} {}",
            r.id(),
            r.default_severity().to_string(),
            fix,
            r.summary()
        );
    }
    out.push_str("\n* unsafe unless the setting it uses is written in kvlint.toml\n");
    out
}

/// `kvlint scaffold session-object`: the Durable Object class, bound as `binding` (else the
/// `durable_object` of the kvlint.toml found from `dir`, else `USER_SESSIONS`), with the
/// methods that kvlint.toml names (else the defaults).
pub fn scaffold_session_object(
    dir: &Path,
    class: &str,
    binding: Option<&str>,
) -> Result<String, String> {
    if !crate::scaffold::is_identifier(class) {
        return Err(format!("`{class}` cannot name a class"));
    }
    let config = ConfigResolver::discover()
        .for_file(&dir.join("_"))
        .map_err(|e| e.0)?;
    let options = &config.file.rules.no_kv_sessions;
    let binding = binding
        .map(str::to_string)
        .or_else(|| options.durable_object.clone())
        .unwrap_or_else(|| "USER_SESSIONS".to_string());
    if !crate::scaffold::is_identifier(&binding) {
        return Err(format!("`{binding}` cannot name a binding"));
    }
    let methods = options
        .methods
        .clone()
        .unwrap_or_else(crate::scaffold::default_methods);
    Ok(crate::scaffold::session_object(class, &binding, &methods))
}

/// `kvlint explain <id>`: the rule's document.
pub fn explain(id: &str) -> Option<&'static str> {
    crate::rules::find(id).map(|r| r.doc())
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
        let _ = writeln!(out, "  {label}:{}:{} {}", p.line, p.column, call.method);
    }
    out
}
