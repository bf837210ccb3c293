//! Running untrusted work (parsing and linting one file) so that a panic or a hang in it
//! becomes an error for that file instead of the end of the run.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

/// Each file's work gets a large stack: swc, the visitors and `Drop` recurse once per level
/// of nesting (bounded by [`crate::depth::MAX_NESTING`]). Reserved, not committed.
pub const STACK_SIZE: usize = 256 * 1024 * 1024;

/// The default per-file time limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub enum Failure {
    Panic(String),
    Timeout(Duration),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Panic(what) => write!(f, "kvlint crashed on it ({what}); please report this as a kvlint bug"),
            Failure::Timeout(limit) => write!(
                f,
                "it took longer than {} s, so it was abandoned (raise the limit with --file-timeout)",
                limit.as_secs_f64()
            ),
        }
    }
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

const THREAD_NAME: &str = "kvlint-file";

/// A panic on a file's thread is reported as that file's `internal-error`; the default hook
/// would also print it (with a backtrace) in the middle of the report.
fn quiet_file_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if thread::current().name() != Some(THREAD_NAME) {
                default(info);
            }
        }));
    });
}

/// One file's work, as a worker runs it: `true` when it panicked.
type Work = Box<dyn FnOnce() -> bool + Send>;

struct Job {
    work: Work,
    /// Told when a worker starts the job: its time limit starts then, not while it waits.
    started: mpsc::Sender<()>,
    /// Set by the caller that gave up waiting: the worker that ran past the limit has been
    /// replaced, and ends when (if ever) its work returns.
    abandoned: Arc<AtomicBool>,
}

/// Long-lived worker threads with large stacks, fed from one queue. A worker that panicked
/// is replaced by a fresh one (swc keeps thread-local state); one that runs past the time
/// limit is abandoned and replaced, so that the pool keeps its size.
struct Pool {
    queue: Mutex<mpsc::Sender<Job>>,
    jobs: Arc<Mutex<mpsc::Receiver<Job>>>,
}

impl Pool {
    fn new(workers: usize) -> Pool {
        let (tx, rx) = mpsc::channel();
        let pool = Pool {
            queue: Mutex::new(tx),
            jobs: Arc::new(Mutex::new(rx)),
        };
        for _ in 0..workers {
            spawn_worker(pool.jobs.clone());
        }
        pool
    }
}

fn spawn_worker(jobs: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let spawned = thread::Builder::new()
        .name(THREAD_NAME.into())
        .stack_size(STACK_SIZE)
        .spawn(move || loop {
            // The lock is held only while waiting for the next job.
            let next = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
            let Ok(job) = next else { return };
            let _ = job.started.send(());
            let panicked = (job.work)();
            if job.abandoned.load(Ordering::SeqCst) {
                return;
            }
            if panicked {
                spawn_worker(jobs);
                return;
            }
        });
    if let Err(e) = spawned {
        eprintln!("kvlint: warning: cannot start a worker thread: {e}");
    }
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let n = thread::available_parallelism().map_or(2, |n| n.get());
        Pool::new(n)
    })
}

/// Runs `work` on one of the pool's large-stack worker threads, catching panics, and waits
/// at most `timeout` once it has started. After that the worker is abandoned (it ends with
/// the process, or when its work returns) and replaced, and the run goes on.
pub fn run<T: Send + 'static>(
    timeout: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    quiet_file_panics();
    let pool = pool();
    let (tx, rx) = mpsc::channel();
    let (started_tx, started) = mpsc::channel();
    let abandoned = Arc::new(AtomicBool::new(false));
    let job = Job {
        work: Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(work)).map_err(panic_message);
            let panicked = result.is_err();
            let _ = tx.send(result);
            panicked
        }),
        started: started_tx,
        abandoned: abandoned.clone(),
    };
    if pool
        .queue
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send(job)
        .is_err()
    {
        return Err(Failure::Panic("the worker threads are gone".into()));
    }
    if started.recv().is_err() {
        return Err(Failure::Panic("no worker thread took the file".into()));
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(what)) => Err(Failure::Panic(what)),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            abandoned.store(true, Ordering::SeqCst);
            spawn_worker(pool.jobs.clone());
            Err(Failure::Timeout(timeout))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Failure::Panic(
            "the worker thread ended without a result".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_panics_and_timeouts() {
        assert_eq!(run(Duration::from_secs(5), || 2 + 2).unwrap(), 4);
        let e = run(Duration::from_secs(5), || -> u8 { panic!("boom") }).unwrap_err();
        assert!(matches!(&e, Failure::Panic(m) if m == "boom"), "{e:?}");
        let e = run(Duration::from_millis(50), || {
            thread::sleep(Duration::from_secs(5))
        })
        .unwrap_err();
        assert!(matches!(e, Failure::Timeout(_)));
        assert!(e.to_string().contains("--file-timeout"));
        // The pool keeps serving after panics and time-outs, on more jobs than workers.
        for i in 0..20u32 {
            assert_eq!(run(Duration::from_secs(5), move || i * 2).unwrap(), i * 2);
        }
    }

    #[test]
    fn a_stuck_worker_is_replaced() {
        let n = thread::available_parallelism().map_or(2, |n| n.get());
        // Every worker stuck at once: each is abandoned and replaced, and work still runs.
        let stuck: Vec<_> = (0..n)
            .map(|_| {
                thread::spawn(|| {
                    run(Duration::from_millis(50), || {
                        thread::sleep(Duration::from_secs(3))
                    })
                })
            })
            .collect();
        for s in stuck {
            assert!(matches!(s.join().unwrap(), Err(Failure::Timeout(_))));
        }
        assert_eq!(run(Duration::from_secs(5), || 7).unwrap(), 7);
    }
}
