//! kvlint: a linter and rewriter for Workers KV anti-patterns.
//!
//! [`lint_source`] lints one file's text; [`fix_source`] fixes it to a fixpoint.
//! Neither does I/O: the command line (`check`) reads and writes files.

pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod depth;
pub mod diagnostic;
pub mod edits;
pub mod fix;
pub mod fs;
pub mod groups;
pub mod init;
pub mod isolate;
pub mod lsp;
pub mod migrate;
pub mod output;
pub mod parse;
pub mod report;
pub mod rules;
pub mod scaffold;
pub mod semantic;
pub mod settings;
pub mod source;
pub mod suppress;

use std::collections::BTreeSet;

use config::Config;
use diagnostic::{Diagnostic, Severity, INTERNAL_ERROR, SYNTAX_ERROR};
use fix::{FixMode, FixOutcome};
use parse::Lang;
use rules::{Rule, RuleContext, RULES};
use semantic::bindings::Bindings;
use semantic::SemanticModel;
use source::Source;
use suppress::Suppressions;

/// Which rules run: `--select` / `--ignore` on top of the config's severities.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub select: Option<BTreeSet<String>>,
    pub ignore: BTreeSet<String>,
}

impl Selection {
    /// The rules that run under a config, with their severities, in registry order.
    pub fn rules(&self, config: &Config) -> Vec<(&'static dyn Rule, Severity)> {
        RULES
            .iter()
            .copied()
            .filter(|r| self.select.as_ref().is_none_or(|s| s.contains(r.id())))
            .filter(|r| !self.ignore.contains(r.id()))
            .filter_map(|r| {
                let severity = match config.file.rules.severity(r.id()) {
                    Some(s) => s.severity()?,
                    None => r.default_severity(),
                };
                Some((r, severity))
            })
            .collect()
    }
}

/// What a file is linted with.
pub struct FileSettings<'a> {
    /// The path shown in reports (for the Types binding source).
    pub label: &'a str,
    pub lang: Lang,
    /// `.d.ts` files parse as declarations.
    pub dts: bool,
    pub config: &'a Config,
    /// Bindings from kvlint.toml and the wrangler config.
    pub bindings: &'a Bindings,
    pub selection: &'a Selection,
    /// What the modules the file imports export (the project index), when known.
    pub imports: Option<&'a semantic::project::Imports>,
    /// What migration findings are settled against (DESIGN §3).
    pub groups: GroupScope<'a>,
    /// Whether the file runs on the Workers runtime (its project has a wrangler config with
    /// `main`, or a framework's Workers adapter): fixes may import `cloudflare:workers`.
    pub workers: bool,
}

/// What a file's migration findings are settled against: a migration fix is applied with
/// every op of its group, or not at all.
#[derive(Clone, Copy, Default)]
pub enum GroupScope<'a> {
    /// Findings as the rules give them, not settled (what a project's ops are read with).
    Raw,
    /// The file's own ops only: the file is the whole program (a rule document, a test, stdin
    /// outside any project).
    #[default]
    File,
    /// The project's ops too, and what this run covers.
    Project(&'a ProjectGroups<'a>),
}

/// The project a file's groups are settled in.
pub struct ProjectGroups<'a> {
    /// The file (an absolute path; made canonical only when a migration finding needs its
    /// group: resolving every part of every linted file's path is a tenth of a large run).
    pub this: std::path::PathBuf,
    /// The project's ops, read when first needed; `None` outside a project.
    pub project: &'a (dyn Fn() -> Option<std::sync::Arc<groups::ProjectOps>> + Sync),
    /// Whether this run may write a file.
    pub covered: &'a (dyn Fn(&std::path::Path) -> bool + Sync),
}

/// The prefilter (DESIGN §1): a finding needs `KVNamespace` or a KV binding name in the
/// text, and a suppression to judge needs `kvlint-`. Other files are not parsed.
pub fn may_hold_finding(text: &str, bindings: &Bindings) -> bool {
    text.contains("KVNamespace")
        || text.contains("kvlint-")
        || bindings.kv_names().any(|n| text.contains(n))
}

/// What linting a file saw of KV, for a summary that claims nothing it did not check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    /// KV calls the model found.
    pub kv_calls: usize,
    /// Whether any KV binding was known for the file (config, wrangler, types).
    pub kv_bindings: bool,
    /// Whether the file has KV calls and KV bindings inferred from their uses.
    pub inferred: bool,
}

/// Lints one file's text. A file that does not parse gives one `syntax-error`. (The
/// prefilter, [`may_hold_finding`], is the caller's: `check` skips files with it.)
pub fn lint_source(source: &Source, settings: &FileSettings) -> Vec<Diagnostic> {
    lint_and_see(source, settings).0
}

/// [`lint_source`], and what it saw of KV.
pub fn lint_and_see(source: &Source, settings: &FileSettings) -> (Vec<Diagnostic>, Seen) {
    let (diagnostics, seen, _) = lint_model(source, settings, None);
    (diagnostics, seen)
}

/// The KV ops of a file, with the migration findings on them (unsettled when the settings
/// say [`GroupScope::Raw`]); `Err` when the file cannot be checked.
pub fn lint_ops(
    source: &Source,
    settings: &FileSettings,
    path: &std::sync::Arc<std::path::Path>,
    label: &std::sync::Arc<str>,
) -> Result<Vec<groups::Op>, String> {
    let (diagnostics, _, ops) = lint_model(source, settings, Some((path, label)));
    match diagnostics.iter().find(|d| d.is_failure()) {
        Some(d) => {
            let p = source.position(d.range.start);
            Err(format!("{}:{}: {}", p.line, p.column, d.message))
        }
        None => Ok(ops.unwrap_or_default()),
    }
}

type OpsOf<'a> = Option<(&'a std::sync::Arc<std::path::Path>, &'a std::sync::Arc<str>)>;

fn lint_model(
    source: &Source,
    settings: &FileSettings,
    want_ops: OpsOf,
) -> (Vec<Diagnostic>, Seen, Option<Vec<groups::Op>>) {
    let mut seen = Seen {
        kv_calls: 0,
        kv_bindings: settings.bindings.kv_names().next().is_some(),
        inferred: false,
    };
    let parsed = match parse::parse(source, settings.lang, settings.dts) {
        Ok(p) => p,
        Err(e) if e.too_deep => {
            return (vec![Diagnostic::new(
                INTERNAL_ERROR,
                e.range,
                format!("kvlint could not process {}: {}", settings.label, e.message),
                "This file was not checked. Nesting this deep is almost always generated code: exclude it in kvlint.toml.",
            )
            .with_severity(Severity::Error)], seen, None);
        }
        Err(e) => {
            let message = format!("Syntax error: {}", e.message);
            return (vec![Diagnostic::new(
                SYNTAX_ERROR,
                e.range,
                message,
                "kvlint could not parse this file, so it was not checked. Fix the syntax error first.",
            )
            .with_severity(Severity::Error)], seen, None);
        }
    };
    let model = if settings.dts && seen.kv_bindings {
        // A declaration file holds no call: its declarations matter only to say whether the
        // file knows a KV namespace, which it already does.
        SemanticModel::declared_only(&parsed.program, settings.bindings)
    } else {
        SemanticModel::build(
            &parsed.program,
            source,
            settings.bindings,
            settings.label,
            settings.imports,
        )
    };
    let ctx = RuleContext {
        source,
        program: &parsed.program,
        model: &model,
        config: settings.config,
        lang: settings.lang,
        style: Default::default(),
        comments: &parsed.comments,
        unterminated: Default::default(),
        workers: settings.workers,
    };
    seen.kv_calls = model.kv_calls.len();
    seen.inferred = seen.kv_calls > 0 && settings.bindings.has_inferred_kv();
    seen.kv_bindings |= model.bindings.kv_names().next().is_some();
    let active = settings.selection.rules(settings.config);
    // Every rule is about KV calls: without one, none can report (and none need walk).
    let with_calls = if model.kv_calls.is_empty() {
        &[][..]
    } else {
        &active[..]
    };
    let mut diagnostics: Vec<Diagnostic> = with_calls
        .iter()
        .flat_map(|(rule, severity)| {
            rule.check(&ctx).into_iter().map(move |mut d| {
                d.severity = *severity;
                d
            })
        })
        .collect();
    let mut suppressions = Suppressions::parse(source, &parsed.comments);
    if !suppressions.is_empty() {
        diagnostics = suppressions.filter(diagnostics);
        let ran = |id: &str| active.iter().any(|(r, _)| r.id() == id);
        let known = |id: &str| rules::find(id).is_some();
        let selected = settings
            .selection
            .select
            .as_ref()
            .is_none_or(|s| s.contains(diagnostic::UNUSED_SUPPRESSION));
        if selected
            && !settings
                .selection
                .ignore
                .contains(diagnostic::UNUSED_SUPPRESSION)
        {
            diagnostics.extend(suppressions.unused(source, known, ran, !active.is_empty()));
        }
    }
    if settings.lang == parse::Lang::Astro {
        keep_fixes_in_frontmatter(source, &mut diagnostics);
    }
    let ops = match (settings.groups, want_ops) {
        (GroupScope::Raw, Some((path, label))) => {
            Some(groups::ops_of(&model, source, &diagnostics, path, label))
        }
        (GroupScope::Raw, None) => None,
        (scope, _) => {
            settle_groups(&model, source, settings, scope, &mut diagnostics);
            None
        }
    };
    sort(&mut diagnostics);
    (diagnostics, seen, ops)
}

/// Settles the file's migration findings against their groups (DESIGN §3).
fn settle_groups(
    model: &SemanticModel,
    source: &Source,
    settings: &FileSettings,
    scope: GroupScope,
    diagnostics: &mut [Diagnostic],
) {
    if !diagnostics.iter().any(|d| d.migration.is_some()) {
        return;
    }
    let (this, project) = match scope {
        GroupScope::Project(p) => (groups::project::canonical(&p.this), (p.project)()),
        _ => (std::path::PathBuf::from(settings.label), None),
    };
    let path: std::sync::Arc<std::path::Path> = this.clone().into();
    let label: std::sync::Arc<str> = settings.label.into();
    let ops = groups::ops_of(model, source, diagnostics, &path, &label);
    let everything = |_: &std::path::Path| true;
    let covered: &(dyn Fn(&std::path::Path) -> bool + Sync) = match scope {
        GroupScope::Project(p) => p.covered,
        _ => &everything,
    };
    let scope = groups::Scope {
        this: &this,
        project: project.as_deref(),
        covered,
    };
    groups::settle(diagnostics, &ops, &scope);
}

/// An Astro component is code only in its frontmatter: a fix that would edit anything else
/// (the fences, the template) is not offered.
fn keep_fixes_in_frontmatter(source: &Source, diagnostics: &mut [Diagnostic]) {
    let bom = source.text().len() - source.parser_text().len();
    let Some(code) = parse::astro_frontmatter(source.parser_text()) else {
        return;
    };
    let code = code.start + bom..code.end + bom;
    for d in diagnostics {
        let outside = d.fix.as_ref().is_some_and(|f| {
            f.edits
                .iter()
                .any(|e| e.range.start < code.start || e.range.end > code.end)
        });
        if outside {
            d.fix = None;
        }
    }
}

/// Deterministic order: by position, then rule registry order.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    let rank = |id: &str| {
        RULES
            .iter()
            .position(|r| r.id() == id)
            .unwrap_or(usize::MAX)
    };
    diagnostics.sort_by(|a, b| {
        (a.range.start, a.range.end, rank(a.rule), &a.message).cmp(&(
            b.range.start,
            b.range.end,
            rank(b.rule),
            &b.message,
        ))
    });
}

/// How the fix engine re-lints a pass's output: its diagnostics, or `None` when the text
/// does not parse (or fails to lint), so that the pass is discarded (DESIGN §6.3).
pub fn relinter<'s>(
    settings: &'s FileSettings<'s>,
) -> impl Fn(&str) -> Option<Vec<Diagnostic>> + 's {
    move |text: &str| {
        let d = lint_source(&Source::new(text.to_string()), settings);
        (!d.iter().any(Diagnostic::is_failure)).then_some(d)
    }
}

/// The result of fixing one file.
pub struct Fixed {
    /// The new text, when it differs from the input.
    pub text: Option<String>,
    /// Diagnostics of the final text (of the input when fixing failed).
    pub diagnostics: Vec<Diagnostic>,
    pub applied: usize,
    /// What linting the input saw of KV.
    pub seen: Seen,
    /// The migration groups applied (each must be applied in every file it touches).
    pub groups: Vec<std::sync::Arc<groups::GroupTag>>,
}

/// Fixes a file to a fixpoint (DESIGN §6). On a broken pass or no convergence nothing
/// is kept and an `internal-error` says why.
pub fn fix_source(source: &Source, settings: &FileSettings, mode: FixMode) -> Fixed {
    let (first, seen) = lint_and_see(source, settings);
    if first.iter().any(Diagnostic::is_failure) {
        return Fixed {
            text: None,
            diagnostics: first,
            applied: 0,
            seen,
            groups: vec![],
        };
    }
    let relint = relinter(settings);
    let failure = |message: String, mut diagnostics: Vec<Diagnostic>| {
        diagnostics.push(
            Diagnostic::new(
                INTERNAL_ERROR,
                0..0,
                message,
                "Nothing was written to this file. Please report this as a kvlint bug.",
            )
            .with_severity(Severity::Error),
        );
        sort(&mut diagnostics);
        Fixed {
            text: None,
            diagnostics,
            applied: 0,
            seen,
            groups: vec![],
        }
    };
    match fix::fix_to_fixpoint(source.text(), first.clone(), mode, relint) {
        FixOutcome::Fixed {
            text,
            applied,
            diagnostics,
            groups,
        } => {
            let text = (text != source.text()).then_some(text);
            Fixed {
                text,
                diagnostics,
                applied,
                seen,
                groups,
            }
        }
        FixOutcome::BrokeSyntax { rules } => failure(
            format!(
                "A fix of {} produced code that does not parse; no fix was applied",
                rules.join(", ")
            ),
            first,
        ),
        FixOutcome::NoConvergence => failure(
            format!(
                "Fixes did not converge after {} passes; no fix was applied",
                fix::MAX_PASSES
            ),
            first,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fix::{Applicability, Edit, Fix};

    #[test]
    fn astro_fixes_that_edit_outside_the_frontmatter_are_not_offered() {
        let text = "\u{feff}---\nconst a = 1;\n---\n<p>{a}</p>\n";
        let source = Source::new(text.to_string());
        let code = text.find("const").unwrap();
        let fence = text.rfind("---").unwrap();
        let with = |edits: Vec<Edit>| {
            let fix = Fix::new("f", Applicability::Safe, edits);
            Diagnostic::new("r", code..code + 5, "m", "h").with_fix(Some(fix))
        };
        let mut ds = vec![
            with(vec![Edit::replace(code..code + 5, "let")]),
            // Up to the closing fence, not into it.
            with(vec![Edit::insert(fence, "x;\n")]),
            with(vec![Edit::insert(0, "import x from 'x';\n")]),
            with(vec![Edit::insert(code, "a"), Edit::insert(fence + 4, "b")]),
            // The opening fence's line break (after the BOM) is not code either.
            with(vec![Edit::insert(code - 1, "x")]),
            with(vec![Edit::replace(code - 4..code, "")]),
        ];
        keep_fixes_in_frontmatter(&source, &mut ds);
        let kept: Vec<bool> = ds.iter().map(|d| d.fix.is_some()).collect();
        assert_eq!(kept, [true, true, false, false, false, false]);
    }
}
