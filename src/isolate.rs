//! Running untrusted work (parsing and linting one file) so that a panic or a hang in it
//! becomes an error for that file instead of the end of the run.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
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

/// Runs `work` on a thread of its own with a large stack, catching panics. After `timeout`
/// the thread is abandoned (it ends with the process) and the run goes on.
pub fn run<T: Send + 'static>(
    timeout: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    quiet_file_panics();
    let (tx, rx) = mpsc::channel();
    let spawned = thread::Builder::new()
        .name(THREAD_NAME.into())
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let _ = tx.send(catch_unwind(AssertUnwindSafe(work)).map_err(panic_message));
        });
    if let Err(e) = spawned {
        return Err(Failure::Panic(format!("cannot start a thread: {e}")));
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(what)) => Err(Failure::Panic(what)),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Failure::Timeout(timeout)),
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
    }
}
