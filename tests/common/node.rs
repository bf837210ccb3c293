//! The behaviour-equivalence driver (`tests/node/equivalence.mjs`), run by Node.js: one
//! process per test binary, answering one JSON request per line.
//!
//! Its prerequisites (node, and the npm packages `scripts/test` installs into
//! `tests/node/node_modules`) are checked first. Under `CI=true` a missing one fails the
//! test; elsewhere the test says loudly that it did not run.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Value};

use super::root;

pub struct Driver {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// What makes the driver unavailable, if anything.
fn missing() -> Option<String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("node is not installed".into());
    }
    let esbuild = root().join("tests/node/node_modules/esbuild/package.json");
    if !esbuild.exists() {
        return Some(format!(
            "{} is missing: run scripts/test (it runs npm ci in tests/node)",
            esbuild.display()
        ));
    }
    None
}

static DRIVER: OnceLock<Option<Mutex<Driver>>> = OnceLock::new();

/// The running driver; `None` (after saying why) when its prerequisites are missing and
/// this is not CI. Under `CI=true` a missing prerequisite panics.
pub fn driver() -> Option<&'static Mutex<Driver>> {
    DRIVER
        .get_or_init(|| {
            if let Some(why) = missing() {
                super::not_run("the behaviour-equivalence tests", &why);
                return None;
            }
            let mut child = Command::new("node")
                .arg(root().join("tests/node/equivalence.mjs"))
                .arg("--serve")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("start node");
            let stdin = child.stdin.take().unwrap();
            let stdout = BufReader::new(child.stdout.take().unwrap());
            Some(Mutex::new(Driver {
                _child: child,
                stdin,
                stdout,
            }))
        })
        .as_ref()
}

/// What a program before and after a fix is compared under.
#[derive(Default)]
pub struct Comparison<'a> {
    pub lang: &'a str,
    /// Scenarios as JSON; `None`: the program exports its own.
    pub scenarios: Option<Value>,
    /// Renames the fix makes (old key -> new key).
    pub key_map: Vec<(String, String)>,
    /// `require-kv-ttl`'s configured TTL.
    pub default_ttl: Option<i64>,
}

impl Driver {
    /// Runs both programs; the driver's answer (`equal`, `difference`, `before`, `after`,
    /// or `error`).
    pub fn compare(&mut self, before: &str, after: &str, how: &Comparison) -> Value {
        let key_map: serde_json::Map<String, Value> = how
            .key_map
            .iter()
            .map(|(a, b)| (a.clone(), Value::String(b.clone())))
            .collect();
        let request = json!({
            "before": before,
            "after": after,
            "lang": if how.lang.is_empty() { "ts" } else { how.lang },
            "scenarios": how.scenarios,
            "keyMap": key_map,
            "defaultTtl": how.default_ttl,
        });
        writeln!(self.stdin, "{request}").expect("write to the driver");
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read the driver");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("driver answered {line:?}: {e}"))
    }
}

/// Compares, and returns a report of the difference when there is one.
pub fn differs(before: &str, after: &str, how: &Comparison) -> Option<String> {
    same_outcomes(before, after, how).err()
}

/// Compares: the outcome of each scenario (`returned …` / `threw …`) when both programs
/// behave the same, else a report of the difference. Without a driver (not CI), nothing.
pub fn same_outcomes(before: &str, after: &str, how: &Comparison) -> Result<Vec<String>, String> {
    let Some(driver) = driver() else {
        return Ok(Vec::new());
    };
    let answer = driver
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .compare(before, after, how);
    if let Some(error) = answer.get("error") {
        return Err(format!("driver error: {error}"));
    }
    if answer["equal"] == Value::Bool(true) {
        return Ok(answer["runs"]
            .as_array()
            .map(|runs| {
                runs.iter()
                    .filter_map(|r| r.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default());
    }
    Err(format!(
        "{}\nscenario: {}\nbefore the fix: {}\nafter the fix: {}",
        answer["difference"],
        answer["scenario"],
        serde_json::to_string_pretty(&answer["before"]).unwrap(),
        serde_json::to_string_pretty(&answer["after"]).unwrap()
    ))
}
