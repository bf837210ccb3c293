//! What a whole project says about its shared stored data, read once per run (and per
//! project) when a question first needs every file: the KV ops of a migration group (DESIGN
//! §3). The model owns the reading: the folder the data is shared under, the project's source
//! files, read ahead and in parallel, and what each file gives, kept by root. What a file gives
//! is the caller's: the model does not know the rules that say what each op would become.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::ProjectResolver;

/// What each project gives, worked out once per run.
pub struct PerProject<T> {
    by_root: Mutex<HashMap<PathBuf, Arc<OnceLock<Arc<T>>>>>,
}

impl<T> Default for PerProject<T> {
    fn default() -> Self {
        PerProject {
            by_root: Mutex::default(),
        }
    }
}

impl<T> PerProject<T> {
    /// What the project at `root` gives, worked out by `read` the first time it is asked.
    pub fn get(&self, root: &Path, read: impl FnOnce() -> T) -> Arc<T> {
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
}

/// The folder whose files share a file's stored data: the nearest wrangler config's (it
/// binds the namespaces), else the project's.
pub fn root_of(projects: &ProjectResolver, abs: &Path) -> Option<PathBuf> {
    crate::semantic::wrangler::config_dir(abs)
        .or_else(|| projects.for_file(abs).map(|p| p.root().to_path_buf()))
}

/// `per_file` of every source file under `root` (as [`source_files`] lists them), with
/// whether it is a link, in the files' order, on threads of their own, while another thread
/// asks the OS to read them ahead (which costs a warm run about 3 ms of the 3,000-file
/// project's 70).
///
/// [`source_files`]: crate::semantic::evidence::source_files
pub fn each_file<R: Send>(root: &Path, per_file: impl Fn(&Path, bool) -> R + Sync) -> Vec<R> {
    use rayon::prelude::*;
    let files = crate::semantic::evidence::source_entries(root);
    std::thread::scope(|s| {
        s.spawn(|| read_ahead(&files));
        pool().install(|| {
            files
                .par_iter()
                .map(|(p, linked)| per_file(p, *linked))
                .collect()
        })
    })
}

/// `per_file` of each of `files`, in their order, on a few threads of their own that take
/// the files in turn. Not a pool's: this runs inside work that is done once for the run
/// (behind a `OnceLock`), and a pool's thread waiting for its share could take up other
/// work that asks for that same once-for-the-run result, and wait for itself forever.
pub fn each_of<T: Sync, R: Send>(files: &[T], per_file: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
        .min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let mut out: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(crate::isolate::STACK_SIZE)
                    .spawn_scoped(s, || {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(f) = files.get(i) else { break };
                            done.push((i, per_file(f)));
                        }
                        done
                    })
                    .expect("a thread")
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// Asks the OS to start reading every file now, all at once: the reads that follow then find
/// most of them in its page cache, where a project not read lately would otherwise come from
/// the disk one file per thread at a time (on `bench/`'s 3,000-file project with the page
/// cache dropped, 0.30 s without, 0.15 s with). Only a hint: nothing fails with it.
#[cfg(unix)]
fn read_ahead(files: &[(PathBuf, bool)]) {
    use std::os::fd::AsRawFd;
    for (f, _) in files {
        if let Ok(file) = std::fs::File::open(f) {
            // SAFETY: the descriptor is open for the call, which reads no memory of ours.
            unsafe {
                libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_WILLNEED);
            }
        }
    }
}

#[cfg(not(unix))]
fn read_ahead(_: &[(PathBuf, bool)]) {}

/// `f` on the threads that read a project's files (their stacks fit a parser's).
pub fn in_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    pool().install(f)
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
            .thread_name(|i| format!("kvlint-project-{i}"))
            .stack_size(crate::isolate::STACK_SIZE)
            .build()
            .expect("a thread pool")
    })
}
