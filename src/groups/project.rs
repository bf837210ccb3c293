//! The project's KV ops, read once per run (and per project) when a migration finding first
//! needs its group: the model reads the project's files ([`shared`]), and each that can hold
//! a KV call is linted here for the migration rules alone, and its ops kept. A file's ops are
//! kept between runs in the project index's per-file cache ([`cache`]), for the file's text
//! (its stamp) and everything else its lint reads (its settings' fingerprint: configuration,
//! bindings, what its imports export): a file whose text and inputs are unchanged is not
//! parsed again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Op, Unread};
use crate::semantic::project::cache::{Cache, Stamp};
use crate::semantic::project::shared::{self, PerProject};
use crate::settings::Resolvers;
use crate::source::Source;
use crate::Selection;

/// Bumped whenever what a file's ops are changes: an older cache is not read.
const OPS_FORMAT: u32 = 1;

/// A file's ops as cached: for the inputs they were found with.
#[derive(Serialize, Deserialize)]
struct Cached {
    /// The fingerprint of the file's settings and its label ([`Candidate::inputs`]).
    inputs: u64,
    ops: Vec<Op>,
}

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
    // Under the canonical root, a file's path is canonical unless the file is a link (the
    // walk does not enter linked folders): no file's path is resolved a part at a time.
    let root = &canonical(root);
    let cache = Cache::<Cached>::load(root, "ops", OPS_FORMAT);
    let per_file = shared::each_file(root, |p, linked| {
        match candidate(resolvers, root, p, linked, cwd, overlay) {
            Ok(Some(c)) => c.ops(resolvers, &cache),
            Ok(None) => (Ok(vec![]), None),
            Err(u) => (Err(u), None),
        }
    });
    let mut out = ProjectOps {
        root: root.clone(),
        ..ProjectOps::default()
    };
    let mut kept = HashMap::new();
    for (r, keep) in per_file {
        match r {
            Ok(ops) => out.ops.extend(ops),
            Err(u) => out.unread.push(u),
        }
        if let Some((key, stamp, cached)) = keep {
            kept.insert(key, (stamp, cached));
        }
    }
    if cache.enabled() {
        cache.store(kept, |old, new| old.inputs == new.inputs);
    }
    out
}

/// What a file gives the cache: its key, its stamp and its ops.
type Keep = Option<(String, Stamp, Cached)>;

/// A file that may hold KV ops, read, with its configuration.
struct Candidate {
    label: Arc<str>,
    path: PathBuf,
    abs: PathBuf,
    text: String,
    resolved: crate::settings::Resolved,
    /// Its key in the cache (its path under the project's root) and its stamp, taken before
    /// its text was read; `None` for a language server's buffer, which is not the file.
    cache_key: Option<(String, Stamp)>,
}

impl Candidate {
    /// Everything its ops depend on besides its text: its settings, and its label (which
    /// messages may name).
    fn inputs(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        self.resolved.fingerprint().hash(&mut h);
        self.label.hash(&mut h);
        h.finish()
    }

    /// Its ops, from the cache when it has them for this text and these inputs, and what
    /// the cache keeps of them. The constants its keys import are read here, on the linting
    /// threads: they parse other modules.
    fn ops(
        mut self,
        resolvers: &Resolvers,
        cache: &Cache<Cached>,
    ) -> (Result<Vec<Op>, Unread>, Keep) {
        resolvers.add_constants(&self.abs, &mut self.resolved);
        let inputs = self.inputs();
        let key = self.cache_key.take().filter(|_| cache.enabled());
        let hit = key
            .as_ref()
            .and_then(|(k, stamp)| cache.get(k, *stamp))
            .filter(|c| c.inputs == inputs);
        let found = match hit {
            Some(hit) => {
                let path: Arc<Path> = self.abs.into();
                Ok(hit
                    .ops
                    .iter()
                    .map(|op| Op {
                        path: path.clone(),
                        label: self.label.clone(),
                        ..op.clone()
                    })
                    .collect())
            }
            None => self.lint(),
        };
        let keep = match (&found, key) {
            (Ok(ops), Some((k, stamp))) => Some((
                k,
                stamp,
                Cached {
                    inputs,
                    ops: ops.clone(),
                },
            )),
            _ => None,
        };
        (found, keep)
    }

    /// Its ops, linted now.
    fn lint(self) -> Result<Vec<Op>, Unread> {
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
    root: &Path,
    path: &Path,
    linked: bool,
    cwd: &Path,
    overlay: &(dyn Fn(&Path) -> Option<String> + Sync),
) -> Result<Option<Candidate>, Unread> {
    let label = || -> Arc<str> {
        match path.strip_prefix(cwd) {
            Ok(rel) => crate::fs::display_path(rel).into(),
            Err(_) => crate::fs::display_path(path).into(),
        }
    };
    let abs = if linked {
        canonical(path)
    } else {
        path.to_path_buf()
    };
    let (text, stamp) = match overlay(&abs) {
        Some(t) => (t, None),
        None => match read_stamped(path) {
            Ok((bytes, stamp)) => match String::from_utf8(bytes) {
                Ok(t) => (t, stamp),
                Err(_) => return Ok(None),
            },
            Err(e) => {
                return Err(Unread {
                    label: label(),
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
        label: label(),
        path: path.to_path_buf(),
        abs,
        text,
        resolved,
        cache_key: stamp.map(|s| {
            let under = path.strip_prefix(root).unwrap_or(path);
            (crate::fs::display_path(under), s)
        }),
    }))
}

/// A file's bytes, and its stamp taken before they were read (a file changed while it is
/// read is found changed next time), from one open.
fn read_stamped(path: &Path) -> std::io::Result<(Vec<u8>, Option<Stamp>)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    file.read_to_end(&mut bytes)?;
    Ok((bytes, Stamp::of_metadata(&meta)))
}
