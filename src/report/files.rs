//! The report's view of a project's files: each file's summary, read when first needed (the
//! files a route calls into are read even when no KV appears in their text), parsed once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::body::{summarize, FileSummary};
use crate::groups::project::canonical;
use crate::parse::{is_declaration_file, parse, Lang};
use crate::semantic::SemanticModel;
use crate::settings::Resolvers;
use crate::source::Source;

/// The summaries of a project's files, by canonical path.
pub struct Files<'r> {
    pub resolvers: &'r Resolvers,
    /// Labels are paths relative to this folder.
    pub cwd: PathBuf,
    /// Text that replaces a file's (a revision's, or the fixed code's).
    overlay: &'r (dyn Fn(&Path) -> Option<String> + Sync),
    read: Mutex<HashMap<PathBuf, Option<Arc<FileSummary>>>>,
    /// Files that could not be read or parsed: `label: reason`.
    pub unread: Mutex<Vec<String>>,
}

impl<'r> Files<'r> {
    pub fn new(
        resolvers: &'r Resolvers,
        cwd: PathBuf,
        overlay: &'r (dyn Fn(&Path) -> Option<String> + Sync),
    ) -> Self {
        Files {
            resolvers,
            cwd,
            overlay,
            read: Mutex::default(),
            unread: Mutex::default(),
        }
    }

    pub fn label(&self, path: &Path) -> Arc<str> {
        match path.strip_prefix(&self.cwd) {
            Ok(rel) => crate::fs::display_path(rel).into(),
            Err(_) => crate::fs::display_path(path).into(),
        }
    }

    /// The summary of the file at `path`; `None` when it is not source code kvlint reads
    /// (a declaration file, not UTF-8) or could not be read (then it is in
    /// [`Files::unread`]).
    pub fn get(&self, path: &Path) -> Option<Arc<FileSummary>> {
        let abs = canonical(path);
        if let Some(hit) = self.read.lock().unwrap().get(&abs) {
            return hit.clone();
        }
        // The parser can panic on hostile input (DESIGN §6): that file is not read, and the
        // rest of the report goes on.
        let summary =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.summarize(&abs)))
                .unwrap_or_else(|p| {
                    let why = crate::isolate::panic_message(p);
                    self.unread.lock().unwrap().push(format!(
                        "{}: kvlint could not process it: {why}",
                        self.label(&abs)
                    ));
                    None
                })
                .map(Arc::new);
        self.read
            .lock()
            .unwrap()
            .entry(abs)
            .or_insert(summary)
            .clone()
    }

    /// Every summary read so far.
    pub fn all(&self) -> Vec<Arc<FileSummary>> {
        let mut all: Vec<_> = self
            .read
            .lock()
            .unwrap()
            .values()
            .flatten()
            .cloned()
            .collect();
        all.sort_by(|a, b| a.label.cmp(&b.label));
        all
    }

    fn summarize(&self, abs: &Path) -> Option<FileSummary> {
        let lang = Lang::from_path(abs)?;
        if is_declaration_file(abs) {
            return None;
        }
        let label = self.label(abs);
        let text = match (self.overlay)(abs) {
            Some(t) => t,
            None => match std::fs::read(abs) {
                Ok(bytes) => String::from_utf8(bytes).ok()?,
                Err(e) => {
                    self.unread.lock().unwrap().push(format!("{label}: {e}"));
                    return None;
                }
            },
        };
        let mut resolved = match self.resolvers.resolve(abs, &text, false) {
            Ok(r) => r,
            Err(e) => {
                self.unread
                    .lock()
                    .unwrap()
                    .push(format!("{label}: {}", e.0));
                return None;
            }
        };
        if resolved.may_hold_finding(&text) {
            self.resolvers.add_constants(abs, &mut resolved);
        }
        let source = Source::new(text);
        let parsed = match parse(&source, lang, false) {
            Ok(p) => p,
            Err(e) => {
                let p = source.position(e.range.start);
                self.unread.lock().unwrap().push(format!(
                    "{label}:{}:{}: {} (its KV operations are not counted)",
                    p.line, p.column, e.message
                ));
                return None;
            }
        };
        let model = SemanticModel::build(
            &parsed.program,
            &source,
            &resolved.bindings,
            &label,
            Some(&resolved.imports),
        );
        let project = self.resolvers.projects.for_file(abs);
        let resolve = |spec: &str| project.as_ref().and_then(|p| p.resolve(abs, spec));
        Some(summarize(
            &parsed.program,
            &model,
            &source,
            label,
            abs.to_path_buf(),
            &resolve,
        ))
    }
}
