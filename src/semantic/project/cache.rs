//! The project index's per-file cache: what a file gave in an earlier run, kept where the
//! project has a `node_modules` folder (in `node_modules/.cache/kvlint/`, as bundlers and
//! linters keep theirs), one JSON file per kind of fact (the evidence of each file, the KV
//! ops of each file for migration groups). An entry is believed only for the file as it was
//! (its size and modification time unchanged), and its user checks whatever else the fact
//! depends on. A cache that cannot be read or written is no cache: it never changes what is
//! found.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What a file was when its fact was found: its size and modification time (ns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    size: u64,
    modified: u128,
}

impl Stamp {
    pub fn of(path: &Path) -> Option<Stamp> {
        Stamp::of_metadata(&std::fs::metadata(path).ok()?)
    }

    /// The stamp of a file whose metadata is `meta`.
    pub fn of_metadata(meta: &std::fs::Metadata) -> Option<Stamp> {
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Stamp {
            size: meta.len(),
            modified: modified.as_nanos(),
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Stored<T> {
    format: u32,
    version: String,
    /// File (relative to the project's root) → its stamp and fact.
    files: HashMap<String, (Stamp, T)>,
}

/// The facts of one kind found in earlier runs, by file.
pub struct Cache<T> {
    path: Option<PathBuf>,
    /// Bumped by the cache's user whenever what the fact is changes: an older cache is not
    /// read.
    format: u32,
    files: HashMap<String, (Stamp, T)>,
}

impl<T: Serialize + DeserializeOwned> Cache<T> {
    /// The cache named `name` of the project at `root`, of `format`: empty without a
    /// `node_modules` folder there, or when the stored one is unreadable, of another format
    /// or of another kvlint.
    pub fn load(root: &Path, name: &str, format: u32) -> Cache<T> {
        if !root.join("node_modules").is_dir() {
            return Cache {
                path: None,
                format,
                files: HashMap::new(),
            };
        }
        let path = root.join(format!("node_modules/.cache/kvlint/{name}.json"));
        let files = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Stored<T>>(&b).ok())
            .filter(|s| s.format == format && s.version == env!("CARGO_PKG_VERSION"))
            .map(|s| s.files)
            .unwrap_or_default();
        Cache {
            path: Some(path),
            format,
            files,
        }
    }

    /// Whether the project has somewhere to keep the cache (a `node_modules` folder).
    pub fn enabled(&self) -> bool {
        self.path.is_some()
    }

    /// A file's fact, if the cache has it for the file as it is now.
    pub fn get(&self, label: &str, stamp: Stamp) -> Option<&T> {
        self.files
            .get(label)
            .filter(|(s, _)| *s == stamp)
            .map(|(_, u)| u)
    }

    /// Keeps `files` for the next run, when they differ from what was loaded (by file and
    /// stamp, and by `same` on the facts): written to a temporary file and renamed, so that
    /// a run never reads half a cache. Failing to write is not an error.
    pub fn store(self, files: HashMap<String, (Stamp, T)>, same: impl Fn(&T, &T) -> bool) {
        let Some(path) = self.path else { return };
        let unchanged = files.len() == self.files.len()
            && files.iter().all(|(k, (s, fact))| {
                self.files
                    .get(k)
                    .is_some_and(|(t, old)| t == s && same(old, fact))
            });
        if unchanged {
            return;
        }
        let stored = Stored {
            format: self.format,
            version: env!("CARGO_PKG_VERSION").to_string(),
            files,
        };
        let (Some(dir), Some(name), Ok(bytes)) = (
            path.parent(),
            path.file_stem().and_then(|n| n.to_str()),
            serde_json::to_vec(&stored),
        ) else {
            return;
        };
        let tmp = dir.join(format!("{name}.{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(&tmp, bytes))
            .and_then(|_| std::fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry is believed for the file as it was: the same size and modification time. An
    /// edit of the same length (a modification time later, the size the same) is read again.
    #[test]
    fn an_entry_is_believed_only_for_the_same_size_and_modification_time() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("node_modules")).unwrap();
        let file = dir.path().join("a.ts");
        std::fs::write(&file, "aaaa").unwrap();
        let before = Stamp::of(&file).unwrap();
        let cache = Cache::<Vec<String>>::load(dir.path(), "test", 1);
        assert!(cache.enabled());
        cache.store(
            HashMap::from([("a.ts".to_string(), (before, vec![]))]),
            |a, b| a == b,
        );
        let cache = Cache::<Vec<String>>::load(dir.path(), "test", 1);
        assert!(cache.get("a.ts", before).is_some(), "the file as it was");
        std::fs::write(&file, "bbbb").unwrap();
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(later)
            .unwrap();
        let after = Stamp::of(&file).unwrap();
        assert_eq!(after.size, before.size);
        assert!(
            cache.get("a.ts", after).is_none(),
            "an edit of the same length"
        );
        // And another size with the same time is not the file either.
        let resized = Stamp {
            size: before.size + 1,
            modified: before.modified,
        };
        assert!(cache.get("a.ts", resized).is_none());
        assert!(cache.get("b.ts", before).is_none());
    }
}
