//! The project's KV ops, read once per run (and per project) when a migration finding first
//! needs its group: the model reads the project's files ([`shared`]), and each that can hold
//! a KV call is linted here for the migration rules alone, and its ops kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Op, Unread};
use crate::semantic::project::shared::{self, PerProject};
use crate::settings::Resolvers;
use crate::source::Source;
use crate::Selection;

/// The rules whose fixes move stored data.
pub const MIGRATION_RULES: [&str; 2] = ["no-unprefixed-kv-key", "no-kv-sessions"];

/// Every KV op of a project's files, and the files that could not be read.
#[derive(Debug, Default)]
pub struct ProjectOps {
    /// The folder the project's data is shared under: its wrangler config's, else the
    /// project's.
    pub root: PathBuf,
    pub ops: Vec<Op>,
    pub unread: Vec<Unread>,
}

/// The ops of each project, read once per run.
#[derive(Default)]
pub struct ProjectCache(PerProject<ProjectOps>);

impl ProjectCache {
    /// Forgets what was read (the language server, when files change).
    pub fn clear(&self) {
        self.0.clear();
    }

    /// The KV ops of the project a file (an absolute path) shares stored data with, read
    /// once; `None` outside a project. `overlay` gives the text of files that differ from the
    /// disk (a language server's open buffers, by canonical path).
    pub fn ops(
        &self,
        resolvers: &Resolvers,
        abs: &Path,
        cwd: &Path,
        overlay: &(dyn Fn(&Path) -> Option<String> + Sync),
    ) -> Option<Arc<ProjectOps>> {
        let root = root_of(resolvers, abs)?;
        Some(self.0.get(&root, || read(resolvers, &root, cwd, overlay)))
    }
}

/// The folder whose files share a file's stored data (see [`shared::root_of`]).
pub fn root_of(resolvers: &Resolvers, abs: &Path) -> Option<PathBuf> {
    shared::root_of(&resolvers.projects, abs)
}

/// A path as the groups compare them: canonical when it exists.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The ops of every source file under `root` that is not excluded. `overlay` gives the text
/// of files that differ from the disk (a language server's open buffers).
fn read(
    resolvers: &Resolvers,
    root: &Path,
    cwd: &Path,
    overlay: &(dyn Fn(&Path) -> Option<String> + Sync),
) -> ProjectOps {
    let per_file = shared::each_file(root, |p| match candidate(resolvers, p, cwd, overlay) {
        Ok(Some(c)) => c.ops(resolvers),
        Ok(None) => Ok(vec![]),
        Err(u) => Err(u),
    });
    let mut out = ProjectOps {
        root: canonical(root),
        ..ProjectOps::default()
    };
    for r in per_file {
        match r {
            Ok(ops) => out.ops.extend(ops),
            Err(u) => out.unread.push(u),
        }
    }
    out
}

/// A file that may hold KV ops, read, with its configuration.
struct Candidate {
    label: Arc<str>,
    path: PathBuf,
    abs: PathBuf,
    text: String,
    resolved: crate::settings::Resolved,
}

impl Candidate {
    /// Its ops. The constants its keys import are read here, on the linting threads: they
    /// parse other modules.
    fn ops(mut self, resolvers: &Resolvers) -> Result<Vec<Op>, Unread> {
        resolvers.add_constants(&self.abs, &mut self.resolved);
        let selection = Selection {
            select: Some(MIGRATION_RULES.iter().map(|r| r.to_string()).collect()),
            ignore: Default::default(),
        };
        let mut settings = self
            .resolved
            .file_settings(&self.label, &self.path, &selection);
        settings.groups = crate::GroupScope::Raw;
        let source = Source::new(self.text);
        let path: Arc<Path> = self.abs.into();
        crate::lint_ops(&source, &settings, &path, &self.label).map_err(|reason| Unread {
            label: self.label.clone(),
            reason,
            text: source.text().to_string(),
        })
    }
}

/// Reads a file; `None` when it cannot hold a KV op of the project (excluded, not text, no
/// KV in its text, or under a configuration with an error, which stops the run that needs it
/// anyway).
fn candidate(
    resolvers: &Resolvers,
    path: &Path,
    cwd: &Path,
    overlay: &(dyn Fn(&Path) -> Option<String> + Sync),
) -> Result<Option<Candidate>, Unread> {
    let label: Arc<str> = match path.strip_prefix(cwd) {
        Ok(rel) => crate::fs::display_path(rel).into(),
        Err(_) => crate::fs::display_path(path).into(),
    };
    let abs = canonical(path);
    let text = match overlay(&abs) {
        Some(t) => t,
        None => match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => return Ok(None),
            },
            Err(e) => {
                return Err(Unread {
                    label,
                    reason: e.to_string(),
                    text: String::new(),
                })
            }
        },
    };
    let Ok(resolved) = resolvers.resolve(&abs, &text, false) else {
        return Ok(None);
    };
    if resolved.config.excludes(&abs) || !resolved.may_hold_finding(&text) {
        return Ok(None);
    }
    Ok(Some(Candidate {
        label,
        path: path.to_path_buf(),
        abs,
        text,
        resolved,
    }))
}
