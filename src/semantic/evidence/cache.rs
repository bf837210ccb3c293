//! The evidence of each file, kept between runs where the project has a `node_modules`
//! folder (in `node_modules/.cache/kvlint/`, as bundlers and linters keep theirs): a file
//! whose size and modification time are unchanged is not read again. A cache that cannot
//! be read or written is no cache; it never changes what is found.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::Uses;

/// Bumped whenever what a file's evidence is changes: an older cache is not read.
const FORMAT: u32 = 2;

/// What a file was when its evidence was found: its size and modification time (ns).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    size: u64,
    modified: u128,
}

impl Stamp {
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Stamp {
            size: meta.len(),
            modified: modified.as_nanos(),
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    version: String,
    /// File (relative to the project's root) → its stamp and evidence.
    files: HashMap<String, (Stamp, Uses)>,
}

/// The evidence found in earlier runs, by file.
#[derive(Default)]
pub struct Cache {
    path: Option<PathBuf>,
    files: HashMap<String, (Stamp, Uses)>,
}

impl Cache {
    /// The cache of the project at `root`: empty without a `node_modules` folder there, or
    /// when the stored one is unreadable, of another format or of another kvlint.
    pub fn load(root: &Path) -> Cache {
        if !root.join("node_modules").is_dir() {
            return Cache::default();
        }
        let path = root.join("node_modules/.cache/kvlint/evidence.json");
        let files = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Stored>(&b).ok())
            .filter(|s| s.format == FORMAT && s.version == env!("CARGO_PKG_VERSION"))
            .map(|s| s.files)
            .unwrap_or_default();
        Cache {
            path: Some(path),
            files,
        }
    }

    /// Whether the project has somewhere to keep the cache (a `node_modules` folder).
    pub fn enabled(&self) -> bool {
        self.path.is_some()
    }

    /// A file's evidence, if the cache has it for the file as it is now.
    pub fn get(&self, label: &str, stamp: Stamp) -> Option<&Uses> {
        self.files
            .get(label)
            .filter(|(s, _)| *s == stamp)
            .map(|(_, u)| u)
    }

    /// Keeps `files` (every file of the project, found or read now) for the next run, when
    /// any of them changed: written to a temporary file and renamed, so that a run never
    /// reads half a cache. Failing to write is not an error.
    pub fn store(self, files: HashMap<String, (Stamp, Uses)>) {
        let Some(path) = self.path else { return };
        let same = files.len() == self.files.len()
            && files
                .iter()
                .all(|(k, (s, _))| self.files.get(k).is_some_and(|(t, _)| t == s));
        if same {
            return;
        }
        let stored = Stored {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            files,
        };
        let (Some(dir), Ok(bytes)) = (path.parent(), serde_json::to_vec(&stored)) else {
            return;
        };
        let tmp = dir.join(format!("evidence.{}.tmp", std::process::id()));
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
        let cache = Cache::load(dir.path());
        assert!(cache.enabled());
        cache.store(HashMap::from([(
            "a.ts".to_string(),
            (before, Uses::default()),
        )]));
        let cache = Cache::load(dir.path());
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
