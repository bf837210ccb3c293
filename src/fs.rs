//! Files: discovery (the ignore crate) and atomic writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use crate::parse::Lang;

/// How kvlint walks a folder, for the files to lint and for the project's `.d.ts` files:
/// `.gitignore` and `.git/info/exclude` honoured (inside a git repository or not), the
/// user's global git excludes not (a run does not depend on who runs it), hidden folders
/// and `node_modules` skipped.
pub fn walker(root: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != "node_modules");
    builder
}

/// Every supported file under a folder, as [`walker`] walks, on `threads` threads, and
/// the folders and files that could not be read ("PATH: cannot read: REASON"). In no set
/// order (`check` sorts what it reports).
pub fn walk(root: &Path, threads: usize) -> (Vec<PathBuf>, Vec<String>) {
    let found = std::sync::Mutex::new(Vec::new());
    let errors = std::sync::Mutex::new(Vec::new());
    walker(root).threads(threads).build_parallel().run(|| {
        let (found, errors) = (&found, &errors);
        Box::new(move |entry| {
            match entry {
                Ok(e) => {
                    if e.file_type().is_some_and(|t| t.is_file())
                        && Lang::from_path(e.path()).is_some()
                    {
                        found.lock().unwrap().push(e.into_path());
                    }
                }
                // A folder that cannot be listed hides every file in it: never silent.
                Err(e) => {
                    if let Some(message) = unreadable(&e, root) {
                        errors.lock().unwrap().push(message);
                    }
                }
            }
            ignore::WalkState::Continue
        })
    });
    (found.into_inner().unwrap(), errors.into_inner().unwrap())
}

/// What a walk error says was not read: the path and the OS's reason. Errors that hide no
/// file (a bad line in a `.gitignore`) are not reported.
fn unreadable(e: &ignore::Error, root: &Path) -> Option<String> {
    fn path_of(e: &ignore::Error) -> Option<&Path> {
        match e {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Partial(errs) => errs.iter().find_map(path_of),
            _ => None,
        }
    }
    let io = e.io_error()?;
    let path = path_of(e).unwrap_or(root);
    Some(format!("{}: cannot read: {io}", display_path(path)))
}

/// The names in each folder, read once per run: finding a project root, a wrangler config
/// or an import's file tries many names in each folder, and most are not there. Looked up
/// by every file's resolvers on every worker: read under a shared lock, keyed by the
/// folder's bytes, without handing out a reference count to bump.
#[derive(Default)]
pub struct Listings(DirCache<rustc_hash::FxHashSet<std::ffi::OsString>>);

impl Listings {
    /// Whether the folder's listing holds `name`.
    fn lists(&self, dir: &Path, name: &std::ffi::OsStr) -> bool {
        if let Some(found) = self.0.with(dir, |names| names.contains(name)) {
            return found;
        }
        let names: rustc_hash::FxHashSet<_> = std::fs::read_dir(dir)
            .map(|r| r.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        let found = names.contains(name);
        self.0.insert(dir, names);
        found
    }

    /// Whether the folder lists the name (without looking at what it is).
    pub fn exists(&self, path: &Path) -> bool {
        match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) => self.lists(dir, name),
            _ => false,
        }
    }

    /// Whether `dir/name` is a file: looked up in the listing, and only when listed, asked
    /// of the file system (it may be a folder, or a link to one).
    pub fn has_file(&self, dir: &Path, name: &str) -> bool {
        self.lists(dir, std::ffi::OsStr::new(name)) && dir.join(name).is_file()
    }
}

/// What each folder resolves to (its config, its wrangler bindings, its project), worked
/// out once per run and then read by every file of the folder on every worker: read under
/// a shared lock and keyed by the folder's bytes (a `Path` hashes component by component).
pub struct DirCache<V>(std::sync::RwLock<rustc_hash::FxHashMap<std::ffi::OsString, V>>);

impl<V> Default for DirCache<V> {
    fn default() -> Self {
        DirCache(Default::default())
    }
}

impl<V> DirCache<V> {
    /// What `f` says of the folder's value, if it has one (nothing cloned).
    pub fn with<R>(&self, dir: &Path, f: impl FnOnce(&V) -> R) -> Option<R> {
        self.0.read().unwrap().get(dir.as_os_str()).map(f)
    }

    pub fn get(&self, dir: &Path) -> Option<V>
    where
        V: Clone,
    {
        self.with(dir, V::clone)
    }

    pub fn insert(&self, dir: &Path, value: V) {
        self.0
            .write()
            .unwrap()
            .insert(dir.as_os_str().to_owned(), value);
    }
}

/// `std::path::absolute`, given the current folder (asked of the OS once per run, not once
/// per file).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    std::path::absolute(cwd.join(path)).unwrap_or_else(|_| path.to_path_buf())
}

/// The path as reported: as given or found, without a leading `./`.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    s.replace('\\', "/")
}

/// Writes `text` over `path` atomically: a temporary file in the same folder, synced,
/// given the original's permissions, then renamed over it. A symlink stays a link: its
/// target is written. Refuses when the file changed on disk since `original` was read.
pub fn write_atomic(path: &Path, original: &[u8], text: &str) -> Result<(), String> {
    let target = std::fs::canonicalize(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let current = std::fs::read(&target).map_err(|e| format!("{}: {e}", path.display()))?;
    if current != original {
        return Err(format!(
            "{}: changed on disk while kvlint ran; not overwritten",
            path.display()
        ));
    }
    let perms = std::fs::metadata(&target)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .permissions();
    if perms.readonly() {
        return Err(format!(
            "{}: the file is read-only; not written",
            path.display()
        ));
    }
    // Checked, not just attempted: an administrator could write there regardless.
    if std::fs::metadata(dir).is_ok_and(|m| m.permissions().readonly()) {
        return Err(format!(
            "{}: the folder {} is read-only; not written",
            path.display(),
            dir.display()
        ));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".kvlint-")
        .tempfile_in(dir)
        .map_err(|e| {
            format!(
                "{}: cannot create a temporary file in {}: {e}",
                path.display(),
                dir.display()
            )
        })?;
    tmp.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::set_permissions(tmp.path(), perms).map_err(|e| format!("{}: {e}", path.display()))?;
    tmp.persist(&target)
        .map_err(|e| format!("{}: {}", path.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.ts");
        std::fs::write(&p, "new").unwrap();
        let e = write_atomic(&p, b"old", "fixed").unwrap_err();
        assert!(e.contains("changed on disk"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.ts");
        let link = dir.path().join("link.ts");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, b"old", "new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn read_only_files_are_not_written() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.ts");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).unwrap();
        let e = write_atomic(&p, b"old", "new").unwrap_err();
        assert!(e.contains("read-only"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
    }
}
