//! SARIF 2.1.0, for GitHub code scanning and other viewers.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::FileReport;
use crate::diagnostic::{
    rule_url, Severity, CONFIG_ERROR, INTERNAL_ERROR, IO_ERROR, SYNTAX_ERROR, UNUSED_SUPPRESSION,
};
use crate::rules::{self, RULES};
use crate::source::Source;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The first paragraph of a document's `## Why` section.
fn why(doc: &str) -> String {
    let after = doc.split("## Why").nth(1).unwrap_or("");
    after
        .trim_start()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn driver_rules() -> Vec<Value> {
    let mut out: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let url = rule_url(r.id());
            let mut rule = json!({
                "id": r.id(),
                "name": r.id(),
                "shortDescription": {"text": r.summary()},
                "fullDescription": {"text": why(r.doc())},
                "help": {"text": if url.contains("://") {
                    format!("See {url}, or run `kvlint explain {}`.", r.id())
                } else {
                    format!("Run `kvlint explain {}` for the rule's document.", r.id())
                }},
                "defaultConfiguration": {"level": level(r.default_severity())},
            });
            // SARIF wants an absolute address: only one set at build time is given.
            if url.contains("://") {
                rule["helpUri"] = json!(url);
            }
            rule
        })
        .collect();
    for (id, text, severity) in [
        (SYNTAX_ERROR, "A file that does not parse", Severity::Error),
        (
            INTERNAL_ERROR,
            "kvlint could not process a file (a crash, a time-out, or a fix that broke the code)",
            Severity::Error,
        ),
        (
            UNUSED_SUPPRESSION,
            "A suppression comment that suppresses nothing or names an unknown rule",
            Severity::Warning,
        ),
        (
            CONFIG_ERROR,
            "A kvlint.toml or wrangler config that cannot be used",
            Severity::Error,
        ),
        (
            IO_ERROR,
            "A file or folder that cannot be read or written",
            Severity::Error,
        ),
    ] {
        out.push(json!({
            "id": id,
            "name": id,
            "shortDescription": {"text": text},
            "fullDescription": {"text": text},
            "defaultConfiguration": {"level": level(severity)},
        }));
    }
    out
}

fn region(source: &Source, range: &std::ops::Range<usize>) -> Value {
    let (s, e) = (source.position(range.start), source.position(range.end));
    json!({"startLine": s.line, "startColumn": s.column, "endLine": e.line, "endColumn": e.column})
}

/// The path relative to the working directory, with `/` separators.
fn uri(path: &str) -> String {
    let p = std::path::Path::new(path);
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(|r| r.to_path_buf()));
    rel.unwrap_or_else(|| p.to_path_buf())
        .to_string_lossy()
        .replace('\\', "/")
}

pub fn write_sarif(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let ids: Vec<String> = driver_rules()
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut results = Vec::new();
    // What kept files from being checked: the run did not succeed, and says why. An empty,
    // successful-looking upload would close every open alert of the files not checked.
    let mut notifications = Vec::new();
    for r in reports {
        let artifact = json!({"uri": uri(&r.path), "uriBaseId": "%SRCROOT%"});
        for d in &r.diagnostics {
            if d.is_failure() {
                let mut note = json!({
                    "level": "error",
                    "message": {"text": format!("{}\n{}", d.message, d.help)},
                    "descriptor": {"id": d.rule},
                });
                if !r.path.is_empty() {
                    note["locations"] =
                        json!([{"physicalLocation": {"artifactLocation": artifact}}]);
                }
                notifications.push(note);
            }
            if d.is_run_error() {
                continue;
            }
            let mut result = json!({
                "ruleId": d.rule,
                "ruleIndex": ids.iter().position(|i| i == d.rule),
                "level": level(d.severity),
                "message": {"text": format!("{}\n{}", d.message, d.help)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region(&r.source, &d.range)}}],
            });
            if let Some(fix) = &d.fix {
                let replacements: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| json!({"deletedRegion": region(&r.source, &e.range), "insertedContent": {"text": e.content}}))
                    .collect();
                result["fixes"] = json!([{
                    "description": {"text": fix.message},
                    "artifactChanges": [{"artifactLocation": artifact, "replacements": replacements}],
                }]);
            }
            if rules::find(d.rule).is_none() {
                result
                    .as_object_mut()
                    .expect("an object")
                    .remove("ruleIndex");
            }
            results.push(result);
        }
    }
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let root = format!("file://{}/", cwd.trim_end_matches('/'));
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kvlint",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": driver_rules(),
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
            "columnKind": "utf16CodeUnits",
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}
