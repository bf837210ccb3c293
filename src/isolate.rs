//! Running untrusted work (parsing and linting one file) so that a panic or a hang in it
//! becomes an error for that file instead of the end of the run.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

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

pub(crate) fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
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

thread_local! {
    /// On a worker: set when the watchdog gave up on the item it runs.
    static ABANDONED: std::cell::RefCell<Option<Arc<AtomicBool>>> = const { std::cell::RefCell::new(None) };
}

/// Whether the item the current worker runs still counts: `false` once the watchdog has
/// given it a time-out. Work checks it before writing anything.
pub fn still_wanted() -> bool {
    ABANDONED.with(|a| {
        a.borrow()
            .as_ref()
            .is_none_or(|f| !f.load(Ordering::SeqCst))
    })
}

/// The state that a run's workers and its watchdog share.
struct Shared<T> {
    count: usize,
    /// The next item to take.
    next: AtomicUsize,
    /// How many items have a result.
    done: AtomicUsize,
    results: Vec<Mutex<Option<Result<T, Failure>>>>,
    /// Per worker: the item it runs, since when, and whether the watchdog gave up on it.
    running: Mutex<Vec<Option<(usize, Instant)>>>,
    abandoned: Mutex<Vec<Arc<AtomicBool>>>,
    watchdog: thread::Thread,
}

impl<T> Shared<T> {
    /// Stores an item's result unless it has one; the first result wins.
    fn finish(&self, item: usize, result: Result<T, Failure>) {
        let mut slot = self.results[item].lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(result);
            drop(slot);
            if self.done.fetch_add(1, Ordering::SeqCst) + 1 == self.count {
                self.watchdog.unpark();
            }
        }
    }
}

fn spawn_worker<T: Send + 'static>(
    shared: Arc<Shared<T>>,
    work: Arc<dyn Fn(usize) -> T + Send + Sync>,
) {
    let flag = Arc::new(AtomicBool::new(false));
    let slot = {
        let mut running = shared.running.lock().unwrap_or_else(|p| p.into_inner());
        running.push(None);
        shared
            .abandoned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(flag.clone());
        running.len() - 1
    };
    let spawned = thread::Builder::new()
        .name(THREAD_NAME.into())
        .stack_size(STACK_SIZE)
        .spawn(move || loop {
            ABANDONED.with(|a| *a.borrow_mut() = Some(flag.clone()));
            let item = shared.next.fetch_add(1, Ordering::SeqCst);
            if item >= shared.count {
                return;
            }
            shared.running.lock().unwrap_or_else(|p| p.into_inner())[slot] =
                Some((item, Instant::now()));
            let result = catch_unwind(AssertUnwindSafe(|| work(item))).map_err(panic_message);
            // The watchdog gave up on this worker and started another: end here.
            if flag.load(Ordering::SeqCst) {
                return;
            }
            shared.running.lock().unwrap_or_else(|p| p.into_inner())[slot] = None;
            match result {
                Ok(value) => shared.finish(item, Ok(value)),
                Err(what) => {
                    shared.finish(item, Err(Failure::Panic(what)));
                    // A fresh thread for the rest: swc keeps thread-local state.
                    spawn_worker(shared, work);
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("kvlint: warning: cannot start a worker thread: {e}");
    }
}

/// Runs `work(0)` … `work(count - 1)` on `threads` long-lived worker threads with large
/// stacks (not a thread per item), catching panics. A watchdog on the calling thread gives
/// an item that runs longer than `timeout` (counted from when a worker starts it) a
/// time-out, abandons its worker (it ends with the process, or when its work returns) and
/// starts another, so that the run goes on with as many workers. A worker whose item
/// panicked is replaced too.
pub fn map<T: Send + 'static>(
    count: usize,
    threads: usize,
    timeout: Duration,
    work: Arc<dyn Fn(usize) -> T + Send + Sync>,
) -> Vec<Result<T, Failure>> {
    quiet_file_panics();
    let shared = Arc::new(Shared {
        count,
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        results: (0..count).map(|_| Mutex::new(None)).collect(),
        running: Mutex::new(Vec::new()),
        abandoned: Mutex::new(Vec::new()),
        watchdog: thread::current(),
    });
    for _ in 0..threads.clamp(1, count.max(1)) {
        spawn_worker(shared.clone(), work.clone());
    }
    let tick = (timeout / 4).clamp(Duration::from_millis(5), Duration::from_millis(100));
    while shared.done.load(Ordering::SeqCst) < count {
        thread::park_timeout(tick);
        let stuck: Vec<(usize, usize)> = shared
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .enumerate()
            .filter_map(|(slot, r)| {
                r.filter(|(_, since)| since.elapsed() > timeout)
                    .map(|(item, _)| (slot, item))
            })
            .collect();
        for (slot, item) in stuck {
            let flag = shared.abandoned.lock().unwrap_or_else(|p| p.into_inner())[slot].clone();
            if flag.swap(true, Ordering::SeqCst) {
                continue;
            }
            shared.running.lock().unwrap_or_else(|p| p.into_inner())[slot] = None;
            shared.finish(item, Err(Failure::Timeout(timeout)));
            spawn_worker(shared.clone(), work.clone());
        }
    }
    shared
        .results
        .iter()
        .map(|r| {
            r.lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .expect("every item has a result")
        })
        .collect()
}

/// Runs one piece of work isolated as [`map`] runs each item.
pub fn run<T: Send + 'static>(
    timeout: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    let work = Mutex::new(Some(work));
    let once = Arc::new(move |_: usize| {
        let f = work
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .expect("run once");
        f()
    });
    map(1, 1, timeout, once).pop().expect("one result")
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
    fn stuck_and_panicking_items_do_not_stop_the_others() {
        let work = Arc::new(|i: usize| -> usize {
            match i {
                3 => panic!("boom"),
                5 | 6 => thread::sleep(Duration::from_secs(3)),
                _ => {}
            }
            i * 2
        });
        // Two workers, both stuck at some point: each is abandoned and replaced.
        let results = map(40, 2, Duration::from_millis(100), work);
        for (i, r) in results.iter().enumerate() {
            match i {
                3 => assert!(matches!(r, Err(Failure::Panic(m)) if m == "boom")),
                5 | 6 => assert!(matches!(r, Err(Failure::Timeout(_)))),
                _ => assert_eq!(r.as_ref().unwrap(), &(i * 2)),
            }
        }
    }
}
