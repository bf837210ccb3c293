//! The project's KV ops, read once per run (and per project) when a migration finding first
//! needs its group: every source file of the project that can hold a KV call is linted for
//! the migration rules alone, and its ops kept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::{Op, Unread};
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
pub struct ProjectCache {
    by_root: Mutex<HashMap<PathBuf, Arc<OnceLock<Arc<ProjectOps>>>>>,
}

impl ProjectCache {
    pub fn get(&self, root: &Path, read: impl FnOnce() -> ProjectOps) -> Arc<ProjectOps> {
        let cell = self
            .by_root
            .lock()
            .unwrap()
            .entry(root.to_path_buf())
            .or_default()
            .clone();
        cell.get_or_init(|| Arc::new(read())).clone()
    }

    /// Forgets what was read (the language server, when files change).
    pub fn clear(&self) {
        self.by_root.lock().unwrap().clear();
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
        Some(self.get(&root, || read(resolvers, &root, cwd, overlay)))
    }
}

/// The folder whose files share a file's stored data: the nearest wrangler config's (it
/// binds the namespaces), else the project's.
pub fn root_of(resolvers: &Resolvers, abs: &Path) -> Option<PathBuf> {
    crate::semantic::wrangler::config_dir(abs).or_else(|| {
        resolvers
            .projects
            .for_file(abs)
            .map(|p| p.root().to_path_buf())
    })
}

/// A path as the groups compare them: canonical when it exists.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Reads the ops of every source file under `root` that is not excluded, in parallel.
/// `overlay` gives the text of files that differ from the disk (a language server's open
/// buffers).
pub fn read(
    resolvers: &Resolvers,
    root: &Path,
    cwd: &Path,
    overlay: &(dyn Fn(&Path) -> Option<String> + Sync),
) -> ProjectOps {
    use rayon::prelude::*;
    let files = crate::semantic::evidence::source_files(root);
    let per_file: Vec<Result<Vec<Op>, Unread>> = pool().install(|| {
        files
            .par_iter()
            .map(|p| one_file(resolvers, p, cwd, overlay))
            .collect()
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

/// The threads that read a project's files: a pool of their own. Reading a file may wait
/// for what another thread is working out once for the run (the bindings inferred from the
/// project's uses, on the global pool); were these reads on the global pool too, they could
/// take every thread that work needs, and wait for it forever. Their stacks are the size
/// the linted files' are: these files are parsed too.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("kvlint-groups-{i}"))
            .stack_size(crate::isolate::STACK_SIZE)
            .build()
            .expect("a thread pool")
    })
}

fn one_file(
    resolvers: &Resolvers,
    path: &Path,
    cwd: &Path,
    overlay: &(dyn Fn(&Path) -> Option<String> + Sync),
) -> Result<Vec<Op>, Unread> {
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
                // Not text: no KV call of the project's code is in it.
                Err(_) => return Ok(vec![]),
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
    let Ok(mut resolved) = resolvers.resolve(&abs, &text, false) else {
        // A config error stops the run that needs this file anyway.
        return Ok(vec![]);
    };
    if resolved.config.excludes(&abs) || !resolved.may_hold_finding(&text) {
        return Ok(vec![]);
    }
    resolvers.add_constants(&abs, &mut resolved);
    let selection = Selection {
        select: Some(MIGRATION_RULES.iter().map(|r| r.to_string()).collect()),
        ignore: Default::default(),
    };
    let mut settings = resolved.file_settings(&label, path, &selection);
    settings.groups = crate::GroupScope::Raw;
    let source = Source::new(text);
    let path: Arc<Path> = abs.into();
    match crate::lint_ops(&source, &settings, &path, &label) {
        Ok(ops) => Ok(ops),
        Err(reason) => Err(Unread {
            label,
            reason,
            text: source.text().to_string(),
        }),
    }
}
