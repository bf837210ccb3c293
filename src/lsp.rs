//! `kvlint lsp`: a language server on stdio. It lints open documents from the editor's
//! buffer (not the disk) with the same settings as `check` (src/settings.rs), publishes
//! diagnostics with UTF-16 ranges, offers each fix as a quick fix, a suppression comment per
//! finding, and `source.fixAll.kvlint` (the safe fixes: what `kvlint check --fix` writes).
//! A file that panics the parser or runs past the time limit gets an `internal-error`
//! diagnostic; the server goes on.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, CodeDescription, DiagnosticSeverity, DocumentChanges,
    NumberOrString, OneOf, OptionalVersionedTextDocumentIdentifier, Position,
    PublishDiagnosticsParams, Range, ServerCapabilities, TextDocumentEdit,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Uri, WorkspaceEdit,
};
use serde_json::{json, Value};

use crate::config::ConfigResolver;
use crate::diagnostic::{rule_url, Diagnostic, Severity};
use crate::fix::{Applicability, FixMode};
use crate::groups::project::canonical;
use crate::groups::GroupTag;
use crate::settings::Resolvers;
use crate::source::Source;
use crate::{fix_source, isolate, lint_source, Selection};

/// The code action kind of the fix-all action.
pub const FIX_ALL: &str = "source.fixAll.kvlint";

/// How long one document may take.
const TIME_LIMIT: Duration = Duration::from_secs(10);

struct Document {
    text: String,
    version: i32,
    /// What the last lint found, with the text it was found in.
    linted: Option<(Arc<Source>, Vec<Diagnostic>)>,
}

struct Server<'a> {
    connection: &'a Connection,
    resolvers: Arc<Resolvers>,
    /// The projects' KV ops for migration groups, read again once documents change.
    groups: Arc<crate::groups::ProjectCache>,
    documents: HashMap<String, Document>,
    /// Documents changed since their diagnostics were last published.
    dirty: BTreeSet<String>,
}

/// Runs `f` with a file's settings whose migration groups are settled over its whole project,
/// the open documents as the editor has them: every file is the server's to edit.
fn in_project<T>(
    resolvers: &Resolvers,
    cache: &crate::groups::ProjectCache,
    overlay: &HashMap<PathBuf, String>,
    path: &Path,
    settings: crate::FileSettings,
    f: impl FnOnce(&crate::FileSettings) -> T,
) -> T {
    let cwd = std::env::current_dir().unwrap_or_default();
    let project = || cache.ops(resolvers, path, &cwd, &|p| overlay.get(p).cloned());
    let everything = |_: &Path| true;
    let groups = crate::ProjectGroups {
        this: canonical(path),
        project: &project,
        covered: &everything,
    };
    f(&crate::FileSettings {
        groups: crate::GroupScope::Project(&groups),
        ..settings
    })
}

/// The path of a `file://` URI.
fn path_of(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str().strip_prefix("file://")?;
    let mut bytes = Vec::with_capacity(text.len());
    let raw = text.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                bytes.push(b);
                i += 3;
                continue;
            }
        }
        bytes.push(raw[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(bytes).ok()?))
}

fn position(source: &Source, offset: usize) -> Position {
    let p = source.position(offset);
    Position::new((p.line - 1) as u32, (p.column - 1) as u32)
}

fn range(source: &Source, r: &std::ops::Range<usize>) -> Range {
    Range::new(position(source, r.start), position(source, r.end))
}

fn to_lsp(source: &Source, d: &Diagnostic) -> lsp_types::Diagnostic {
    let url = rule_url(d.rule);
    lsp_types::Diagnostic {
        range: range(source, &d.range),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description: Uri::from_str(&url)
            .ok()
            .filter(|_| url.contains("://"))
            .map(|href| CodeDescription { href }),
        source: Some("kvlint".into()),
        message: format!("{}\n{}", d.message, d.help),
        ..Default::default()
    }
}

fn overlaps(a: &Range, b: &Range) -> bool {
    (a.start.line, a.start.character) <= (b.end.line, b.end.character)
        && (b.start.line, b.start.character) <= (a.end.line, a.end.character)
}

impl Server<'_> {
    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        let _ = self
            .connection
            .sender
            .send(Message::Notification(Notification::new(
                N::METHOD.into(),
                params,
            )));
    }

    /// Lints a text as the file at `path`, isolated: `(source, diagnostics)`.
    fn lint(
        &self,
        path: &Path,
        text: &str,
        mode: Option<FixMode>,
    ) -> (Arc<Source>, Vec<Diagnostic>, Option<String>) {
        let source = Arc::new(Source::new(text.to_string()));
        let resolved = match self.resolvers.resolve(path, text, true) {
            Ok(r) => r,
            Err(e) => {
                let d = Diagnostic::new(
                    crate::diagnostic::INTERNAL_ERROR,
                    0..0,
                    e.0,
                    "Fix the configuration: nothing in this file was checked.",
                )
                .with_severity(Severity::Error);
                return (source, vec![d], None);
            }
        };
        let label = path.display().to_string();
        let path = path.to_path_buf();
        let job_source = source.clone();
        let resolvers = self.resolvers.clone();
        let cache = self.groups.clone();
        let overlay = self.overlay();
        let result = isolate::run(TIME_LIMIT, move || {
            let selection = Selection::default();
            let settings = resolved.file_settings(&label, &path, &selection);
            // A migration group is offered whole, as one workspace edit over its files.
            in_project(
                &resolvers,
                &cache,
                &overlay,
                &path,
                settings,
                |settings| match mode {
                    None => (lint_source(&job_source, settings), None),
                    Some(mode) => {
                        let fixed = fix_source(&job_source, settings, mode);
                        (fixed.diagnostics, fixed.text)
                    }
                },
            )
        });
        match result {
            Ok((diagnostics, fixed)) => (source, diagnostics, fixed),
            Err(failure) => {
                let d = Diagnostic::new(
                    crate::diagnostic::INTERNAL_ERROR,
                    0..0,
                    format!("kvlint could not process this file: {failure}"),
                    "Nothing in this file was checked.",
                )
                .with_severity(Severity::Error);
                (source, vec![d], None)
            }
        }
    }

    /// The open documents' texts, by canonical path: what the project's other files are read
    /// as.
    fn overlay(&self) -> HashMap<PathBuf, String> {
        self.documents
            .iter()
            .filter_map(|(uri, d)| {
                let path = path_of(&Uri::from_str(uri).ok()?)?;
                Some((canonical(&path), d.text.clone()))
            })
            .collect()
    }

    /// One workspace edit that applies a migration group in every file it touches (open
    /// documents at their versions, the others as on disk); `None` when one of them cannot
    /// be fixed, so that no file is.
    fn group_edit(&self, tag: &Arc<GroupTag>) -> Option<WorkspaceEdit> {
        let overlay = self.overlay();
        let versions: HashMap<PathBuf, i32> = self
            .documents
            .iter()
            .filter_map(|(uri, d)| {
                Some((canonical(&path_of(&Uri::from_str(uri).ok()?)?), d.version))
            })
            .collect();
        let mut changes = Vec::new();
        for file in &tag.files {
            let text = match overlay.get(file) {
                Some(t) => t.clone(),
                None => std::fs::read_to_string(file).ok()?,
            };
            let fixed = self.fix_group(file, &text, &tag.name, &overlay)?;
            if fixed == text {
                continue;
            }
            let source = Source::new(text);
            let end = position(&source, source.text().len());
            let uri = Uri::from_str(&format!("file://{}", file.display())).ok()?;
            changes.push(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri,
                    version: versions.get(file).copied(),
                },
                edits: vec![OneOf::Left(TextEdit::new(
                    Range::new(Position::new(0, 0), end),
                    fixed,
                ))],
            });
        }
        Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(changes)),
            ..Default::default()
        })
    }

    /// The text of one file with one migration group's fixes applied (and no other fix).
    fn fix_group(
        &self,
        path: &Path,
        text: &str,
        name: &str,
        overlay: &HashMap<PathBuf, String>,
    ) -> Option<String> {
        let resolved = self.resolvers.resolve(path, text, true).ok()?;
        let resolvers = self.resolvers.clone();
        let cache = self.groups.clone();
        let overlay = overlay.clone();
        let path = path.to_path_buf();
        let text = text.to_string();
        let name = name.to_string();
        isolate::run(TIME_LIMIT, move || {
            let selection = Selection::default();
            let label = path.display().to_string();
            let settings = resolved.file_settings(&label, &path, &selection);
            in_project(&resolvers, &cache, &overlay, &path, settings, |settings| {
                let only_the_group = |text: &str| {
                    let mut found = crate::relinter(settings)(text)?;
                    for d in &mut found {
                        if d.fix
                            .as_ref()
                            .and_then(|f| f.group.as_ref())
                            .is_none_or(|g| g.name != name)
                        {
                            d.fix = None;
                        }
                    }
                    Some(found)
                };
                let first = only_the_group(&text)?;
                match crate::fix::fix_to_fixpoint(
                    &text,
                    first,
                    FixMode::SafeAndUnsafe,
                    only_the_group,
                ) {
                    crate::fix::FixOutcome::Fixed { text, .. } => Some(text),
                    _ => None,
                }
            })
        })
        .ok()
        .flatten()
    }

    fn publish(&mut self, uri: &str) {
        let Ok(parsed) = Uri::from_str(uri) else {
            return;
        };
        let Some(doc) = self.documents.get(uri) else {
            self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(parsed, vec![], None));
            return;
        };
        let path = path_of(&parsed).unwrap_or_else(|| PathBuf::from("untitled.ts"));
        let (source, diagnostics, _) = self.lint(&path, &doc.text.clone(), None);
        let lsp = diagnostics.iter().map(|d| to_lsp(&source, d)).collect();
        let version = doc.version;
        if let Some(doc) = self.documents.get_mut(uri) {
            doc.linted = Some((source, diagnostics));
        }
        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(
            parsed,
            lsp,
            Some(version),
        ));
    }

    fn code_actions(&self, params: CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = params.text_document.uri.as_str().to_string();
        let Some(doc) = self.documents.get(&uri) else {
            return vec![];
        };
        let Some((source, diagnostics)) = &doc.linted else {
            return vec![];
        };
        let wanted = |kind: &str| {
            params.context.only.as_ref().is_none_or(|only| {
                only.iter()
                    .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str())))
            })
        };
        let edit = |edits: Vec<TextEdit>| WorkspaceEdit {
            changes: Some(HashMap::from([(params.text_document.uri.clone(), edits)])),
            ..Default::default()
        };
        let mut out = Vec::new();
        for d in diagnostics {
            let lsp = to_lsp(source, d);
            if !overlaps(&lsp.range, &params.range) || d.is_failure() {
                continue;
            }
            if let Some(fix) = &d.fix {
                if let (Some(tag), true) = (&fix.group, wanted("quickfix")) {
                    // A migration fix: the whole group, in every file, or nothing.
                    if let Some(edit) = self.group_edit(tag) {
                        out.push(CodeActionOrCommand::CodeAction(CodeAction {
                            title: format!(
                                "{} with the rest of its migration group, in {} file{} (unsafe: moves stored data; `kvlint migrate-data` moves the data)",
                                fix.message,
                                tag.files.len(),
                                if tag.files.len() == 1 { "" } else { "s" }
                            ),
                            kind: Some(CodeActionKind::QUICKFIX),
                            diagnostics: Some(vec![lsp.clone()]),
                            edit: Some(edit),
                            is_preferred: Some(false),
                            ..Default::default()
                        }));
                    }
                } else if fix.applicability != Applicability::DisplayOnly && wanted("quickfix") {
                    let unsafe_fix = fix.applicability == Applicability::Unsafe;
                    let edits = fix
                        .edits
                        .iter()
                        .map(|e| TextEdit::new(range(source, &e.range), e.content.clone()))
                        .collect();
                    out.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: if unsafe_fix {
                            format!("{} (unsafe: may change behaviour)", fix.message)
                        } else {
                            fix.message.clone()
                        },
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![lsp.clone()]),
                        edit: Some(edit(edits)),
                        is_preferred: Some(!unsafe_fix),
                        ..Default::default()
                    }));
                }
            }
            if wanted("quickfix") && d.rule != crate::diagnostic::UNUSED_SUPPRESSION {
                let line = source.line_index(d.range.start);
                let start = source.line_range(line).start;
                let indent = source.indent_at(start);
                let text = format!(
                    "{indent}// kvlint-disable-next-line {} -- {}",
                    d.rule, "why this is fine here"
                ) + source.newline();
                let at = position(source, start);
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("Disable {} for this line", d.rule),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp]),
                    edit: Some(edit(vec![TextEdit::new(Range::new(at, at), text)])),
                    ..Default::default()
                }));
            }
        }
        if wanted(FIX_ALL) {
            let path =
                path_of(&params.text_document.uri).unwrap_or_else(|| PathBuf::from("untitled.ts"));
            if let (_, _, Some(fixed)) = self.lint(&path, &doc.text, Some(FixMode::Safe)) {
                let end = position(source, source.text().len());
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: "Fix all safe kvlint findings".into(),
                    kind: Some(CodeActionKind::new(FIX_ALL)),
                    edit: Some(edit(vec![TextEdit::new(
                        Range::new(Position::new(0, 0), end),
                        fixed,
                    )])),
                    ..Default::default()
                }));
            }
        }
        out
    }

    fn handle_request(
        &mut self,
        req: Request,
    ) -> Result<(), Box<dyn std::error::Error + Sync + Send>> {
        // After `shutdown`, only `exit` ends the session (some clients send `shutdown` twice).
        let response = if req.method == "shutdown" {
            Response::new_ok(req.id, ())
        } else if req.method == CodeActionRequest::METHOD {
            match serde_json::from_value::<CodeActionParams>(req.params) {
                Ok(params) => {
                    // Lint what changed first: actions answer the current text.
                    let pending: Vec<String> =
                        std::mem::take(&mut self.dirty).into_iter().collect();
                    for uri in pending {
                        self.publish(&uri);
                    }
                    Response::new_ok(req.id, self.code_actions(params))
                }
                Err(e) => Response::new_err(req.id, ErrorCode::InvalidParams as i32, e.to_string()),
            }
        } else {
            Response::new_err(
                req.id,
                ErrorCode::MethodNotFound as i32,
                format!("kvlint does not answer {}", req.method),
            )
        };
        self.connection.sender.send(Message::Response(response))?;
        Ok(())
    }

    fn handle_notification(&mut self, n: Notification) {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                {
                    let uri = p.text_document.uri.as_str().to_string();
                    self.groups.clear();
                    self.documents.insert(
                        uri.clone(),
                        Document {
                            text: p.text_document.text,
                            version: p.text_document.version,
                            linted: None,
                        },
                    );
                    self.dirty.insert(uri);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                {
                    let uri = p.text_document.uri.as_str().to_string();
                    if let (Some(doc), Some(change)) = (
                        self.documents.get_mut(&uri),
                        p.content_changes.into_iter().last(),
                    ) {
                        // Full sync: each change carries the whole text.
                        self.groups.clear();
                        doc.text = change.text;
                        doc.version = p.text_document.version;
                        doc.linted = None;
                        self.dirty.insert(uri);
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                {
                    let uri = p.text_document.uri.as_str().to_string();
                    self.groups.clear();
                    self.documents.remove(&uri);
                    self.dirty.remove(&uri);
                    self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(
                        p.text_document.uri,
                        vec![],
                        None,
                    ));
                }
            }
            DidChangeWatchedFiles::METHOD => {
                // kvlint.toml, a wrangler file or a declaration changed: read them again.
                self.resolvers = Arc::new(Resolvers::new(ConfigResolver::discover()));
                self.groups.clear();
                self.dirty.extend(self.documents.keys().cloned());
            }
            _ => {}
        }
    }

    fn main_loop(&mut self) -> Result<(), Box<dyn std::error::Error + Sync + Send>> {
        loop {
            let Ok(first) = self.connection.receiver.recv() else {
                return Ok(());
            };
            let mut next = Some(first);
            // Take everything already queued before linting: a burst of changes (typing)
            // is linted once, at its last text.
            while let Some(message) = next {
                match message {
                    Message::Request(req) => {
                        self.handle_request(req)?;
                    }
                    Message::Notification(n) => {
                        if n.method == "exit" {
                            return Ok(());
                        }
                        self.handle_notification(n);
                    }
                    Message::Response(_) => {}
                }
                next = self.connection.receiver.try_recv().ok();
            }
            let pending: Vec<String> = std::mem::take(&mut self.dirty).into_iter().collect();
            for uri in pending {
                self.publish(&uri);
            }
        }
    }
}

/// Serves on stdio until the client says exit. The process's exit code.
pub fn run() -> i32 {
    let (connection, io_threads) = Connection::stdio();
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::new(FIX_ALL)]),
            resolve_provider: Some(false),
            ..Default::default()
        })),
        ..Default::default()
    };
    let capabilities = serde_json::to_value(capabilities).expect("capabilities serialise");
    if let Err(e) = connection.initialize(capabilities) {
        eprintln!("kvlint lsp: {e}");
        return 2;
    }
    // Ask to hear of changes to what settings come from (not every client watches unasked).
    let watchers: Vec<Value> = [
        "**/kvlint.toml",
        "**/wrangler.{toml,json,jsonc}",
        "**/worker-configuration.d.ts",
        "**/*.d.ts",
        "**/tsconfig.json",
        "**/package.json",
    ]
    .iter()
    .map(|g| json!({ "globPattern": g }))
    .collect();
    let register = Request::new(
        lsp_server::RequestId::from("kvlint-watch".to_string()),
        "client/registerCapability".into(),
        json!({ "registrations": [{
            "id": "kvlint-watch",
            "method": DidChangeWatchedFiles::METHOD,
            "registerOptions": { "watchers": watchers },
        }]}),
    );
    let _ = connection.sender.send(Message::Request(register));
    let mut server = Server {
        connection: &connection,
        resolvers: Arc::new(Resolvers::new(ConfigResolver::discover())),
        groups: Default::default(),
        documents: HashMap::new(),
        dirty: BTreeSet::new(),
    };
    let result = server.main_loop();
    drop(server);
    drop(connection);
    let _ = io_threads.join();
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("kvlint lsp: {e}");
            2
        }
    }
}
