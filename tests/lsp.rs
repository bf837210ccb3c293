//! `kvlint lsp`, spoken to as an editor does: JSON-RPC over stdio. Initialize, open a file of
//! (a copy of) the sample Worker, receive its diagnostics, ask for code actions, apply the
//! fix-all action and compare with what `kvlint check --fix` writes, change the buffer,
//! close it, shut down.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Client {
    fn start(dir: &std::path::Path) -> Client {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            stdout,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.receive();
            if m["id"] == id {
                return m;
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The code actions offered for one published diagnostic.
    fn quick_fixes(&mut self, uri: &str, diagnostic: &Value) -> Value {
        self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}),
        )
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let m = self.receive();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

/// The text of a fix-all edit: one edit that replaces the whole document.
/// The titles of a code action answer.
fn titles(actions: &Value) -> Vec<&str> {
    actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect()
}

fn whole_document(edits: &[Value], lines: usize) -> String {
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    assert_eq!(
        edits[0]["range"]["end"],
        json!({"line": lines, "character": 0})
    );
    edits[0]["newText"].as_str().unwrap().to_string()
}

#[test]
fn an_editor_session() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::root().join("fixtures/sample-worker"), dir.path());
    let file = dir.path().join("src/worker/index.ts");
    let text = std::fs::read_to_string(&file).unwrap();
    let uri = format!("file://{}", file.display());
    let mut client = Client::start(dir.path());

    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", dir.path().display()), "capabilities": {}}),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["textDocumentSync"], 1, "{init}");
    assert!(caps["codeActionProvider"]["codeActionKinds"]
        .as_array()
        .unwrap()
        .contains(&json!("source.fixAll.kvlint")));
    client.notify("initialized", json!({}));
    // The server asks to hear of changes to its settings files.
    let registration = loop {
        let m = client.receive();
        if m["method"] == "client/registerCapability" {
            break m;
        }
    };
    assert_eq!(
        registration["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    client.send(json!({"jsonrpc": "2.0", "id": registration["id"], "result": null}));

    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": text}}),
    );
    let diagnostics = client.diagnostics(&uri);
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"no-kv-sessions"), "{codes:?}");
    assert!(codes.contains(&"prefer-kv-json-type"), "{codes:?}");
    // The unprefixed OAuth key: line 33, column 24 in `check` (1-based) is 32:23 here.
    let token = diagnostics
        .iter()
        .find(|d| d["code"] == "no-unprefixed-kv-key")
        .unwrap();
    assert_eq!(
        token["range"]["start"],
        json!({"line": 32, "character": 23})
    );
    assert_eq!(token["severity"], 2);
    assert_eq!(token["source"], "kvlint");
    // Every published range, start and end, is the one `check` reports (JSON's 1-based
    // lines and UTF-16 columns, here 0-based).
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(dir.path())
        .args(["check", "--format", "json", "src/worker/index.ts"])
        .output()
        .unwrap();
    let checked: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let zero_based = |p: &serde_json::Value| json!({"line": p["line"].as_u64().unwrap() - 1, "character": p["column"].as_u64().unwrap() - 1});
    let mut expected: Vec<(String, serde_json::Value)> = checked
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                json!({"start": zero_based(&d["location"]), "end": zero_based(&d["end_location"])}),
            )
        })
        .collect();
    let mut published: Vec<(String, serde_json::Value)> = diagnostics
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["range"].clone()))
        .collect();
    expected.sort_by_key(|(r, range)| format!("{range}{r}"));
    published.sort_by_key(|(r, range)| format!("{range}{r}"));
    assert_eq!(published, expected, "the LSP's ranges differ from check's");

    // Quick fixes for the finding, and a suppression comment.
    let actions = client.quick_fixes(&uri, token);
    let titles = titles(&actions);
    // A rename is a migration fix: the whole group, unsafe.
    assert!(
        titles.iter().any(|t| t.starts_with(
            "Rename the key to `oauth:facebook:app_token` with the rest of its migration group, in 1 file (unsafe"
        )),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Disable no-unprefixed-kv-key for this line"),
        "{titles:?}"
    );

    // Fix all (safe fixes): the same as `kvlint check --fix` on the same text.
    let fix_all = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll.kvlint"]}}),
    );
    let action = &fix_all["result"][0];
    assert_eq!(action["kind"], "source.fixAll.kvlint");
    let edits = action["edit"]["changes"][&uri].as_array().unwrap();
    let fixed_by_server = whole_document(edits, text.lines().count());
    let out = Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(dir.path())
        .args(["check", "--fix", "src/worker/index.ts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fixed_by_server, std::fs::read_to_string(&file).unwrap());
    assert_ne!(fixed_by_server, text);

    // kvlint.toml changes: the server reads it again and lints the open document anew.
    let config = dir.path().join("kvlint.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml = toml.replace(
        "[rules.no-kv-sessions]\n",
        "[rules.no-kv-sessions]\nseverity = \"off\"\n",
    );
    std::fs::write(&config, toml).unwrap();
    // The file is as `check --fix` left it on disk, but the buffer still has the old text.
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": format!("file://{}", config.display()), "type": 2}]}),
    );
    let after_config = client.diagnostics(&uri);
    assert!(!after_config.is_empty());
    assert!(after_config.iter().all(|d| d["code"] != "no-kv-sessions"));

    // A change: the buffer, not the disk, is linted.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "export const x = 1;\n"}]}),
    );
    assert!(client.diagnostics(&uri).is_empty());
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(client.diagnostics(&uri).is_empty());

    let shutdown = client.request("shutdown", json!(null));
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    client.notify("exit", json!(null));
    let status = client.child.wait().unwrap();
    assert!(status.success());
}

/// Whether Neovim is here (scripts/test installs Debian's `neovim`); under `CI=true` its
/// absence fails the test.
fn neovim() -> bool {
    let here = Command::new("nvim")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !here {
        common::not_run("the Neovim test", "nvim (Debian's neovim) is not installed");
    }
    here
}

#[test]
fn neovim_shows_the_findings_and_applies_fix_all() {
    if !neovim() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("worker");
    common::copy_dir(&common::root().join("fixtures/sample-worker"), &project);
    let expected_dir = dir.path().join("expected");
    common::copy_dir(
        &common::root().join("fixtures/sample-worker"),
        &expected_dir,
    );
    let out = Command::new(assert_cmd::cargo::cargo_bin("kvlint"))
        .current_dir(&expected_dir)
        .args(["check", "--fix", "src/worker/index.ts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let expected = std::fs::read_to_string(expected_dir.join("src/worker/index.ts")).unwrap();

    let file = project.join("src/worker/index.ts");
    let report = dir.path().join("report.txt");
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            common::root().join("tests/editor/neovim.lua").display()
        ))
        .env("KVLINT", assert_cmd::cargo::cargo_bin("kvlint"))
        .env("FILE", &file)
        .env("ROOT", &project)
        .env("OUT", &report)
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_STATE_HOME", home.join(".state"))
        .current_dir(&project)
        .status()
        .unwrap();
    assert!(status.success());
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(report.contains("diagnostics true"), "{report}");
    assert!(report.contains(" no-kv-sessions\n"), "{report}");
    assert!(report.contains("actions applied 1"), "{report}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        expected,
        "{report}"
    );
    // The session log, for whoever reads the test's output.
    let log = report
        .lines()
        .find_map(|l| l.strip_prefix("lsp log "))
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    eprintln!(
        "{report}\n--- Neovim's LSP log ({} lines)",
        log.lines().count()
    );
    for line in log.lines().filter(|l| l.contains("rpc")).take(40) {
        eprintln!("{}", &line[..line.len().min(300)]);
    }
}

/// The README's Neovim snippet, as a user pastes it into `init.lua`: extracted from the
/// README, loaded as the init file of the Neovim the tests install, on the sample Worker.
#[test]
fn the_readmes_neovim_snippet_works_on_the_installed_neovim() {
    if !neovim() {
        return;
    }
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let after = readme
        .split_once("Neovim 0.7 to 0.10")
        .expect("the README's Neovim 0.7 snippet")
        .1;
    let snippet = after
        .split_once("```lua\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a lua block")
        .0;
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("worker");
    common::copy_dir(&common::root().join("fixtures/sample-worker"), &project);
    let init = dir.path().join("init.lua");
    std::fs::write(&init, snippet).unwrap();
    let report = dir.path().join("report.txt");
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    // `kvlint` on the PATH, as the snippet expects.
    let bin = assert_cmd::cargo::cargo_bin("kvlint");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new("nvim")
        .args(["--headless", "-n", "-u"])
        .arg(&init)
        .arg("-c")
        .arg(format!(
            "luafile {}",
            common::root()
                .join("tests/editor/readme-snippet.lua")
                .display()
        ))
        .env("FILE", project.join("src/worker/index.ts"))
        .env("OUT", &report)
        .env("PATH", path)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".data"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_STATE_HOME", home.join(".state"))
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(report.contains("filetype typescript\n"), "{report}");
    assert!(report.contains("diagnostics true"), "{report}");
    // The root is the sample's folder (its wrangler.toml), not the folder Neovim started in.
    assert!(
        report.contains(&format!("client kvlint {}\n", project.display())),
        "{report}"
    );
}

/// A migration group over two files: the quick fix of a finding in the open document is one
/// workspace edit over both (the open one at its version, the other as on disk).
#[test]
fn a_migration_group_is_one_workspace_edit_over_its_files() {
    let dir = common::files(&[
        (
            "wrangler.toml",
            "name = \"w\"\n[[kv_namespaces]]\nbinding = \"KV\"\nid = \"x\"\n",
        ),
        ("kvlint.toml", "[rules.no-unprefixed-kv-key]\nprefix = \"oauth:\"\n"),
        (
            "src/a.ts",
            "export async function read(env: Env) {\n  return env.KV.get('refresh_token');\n}\n",
        ),
        (
            "src/b.ts",
            "export async function write(env: Env, t: string) {\n  await env.KV.put('refresh_token', t, { expirationTtl: 3600 });\n}\n",
        ),
    ]);
    let a = dir.path().join("src/a.ts");
    let b = std::fs::canonicalize(dir.path().join("src/b.ts")).unwrap();
    let text = std::fs::read_to_string(&a).unwrap();
    let uri = format!("file://{}", std::fs::canonicalize(&a).unwrap().display());
    let mut client = Client::start(dir.path());
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", dir.path().display()), "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "typescript", "version": 7, "text": text}}),
    );
    let diagnostics = client.diagnostics(&uri);
    let finding = diagnostics
        .iter()
        .find(|d| d["code"] == "no-unprefixed-kv-key")
        .expect("the finding");
    let actions = client.quick_fixes(&uri, finding);
    let action = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .contains("with the rest of its migration group, in 2 files")
        })
        .unwrap_or_else(|| panic!("no group action: {actions}"));
    let changes = action["edit"]["documentChanges"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    let by_uri = |u: &str| {
        changes
            .iter()
            .find(|c| c["textDocument"]["uri"] == u)
            .unwrap_or_else(|| panic!("{u} not edited: {changes:?}"))
    };
    let edit_a = by_uri(&uri);
    assert_eq!(edit_a["textDocument"]["version"], 7);
    assert!(edit_a["edits"][0]["newText"]
        .as_str()
        .unwrap()
        .contains("get('oauth:refresh_token')"));
    let edit_b = by_uri(&format!("file://{}", b.display()));
    assert!(edit_b["textDocument"]["version"].is_null());
    assert!(edit_b["edits"][0]["newText"]
        .as_str()
        .unwrap()
        .contains("put('oauth:refresh_token', t"));
    // Fix-all (safe fixes) never migrates.
    let fix_all = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": finding["range"],
               "context": {"diagnostics": [], "only": ["source.fixAll.kvlint"]}}),
    );
    assert!(
        fix_all["result"].as_array().unwrap().is_empty(),
        "{fix_all}"
    );
    // The writer changes on disk to another key: the server reads the project's calls again,
    // and the reader's group is the reader alone.
    std::fs::write(
        &b,
        "export async function write(env: Env, t: string) {\n  await env.KV.put('other_token', t, { expirationTtl: 3600 });\n}\n",
    )
    .unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": format!("file://{}", b.display()), "type": 2}]}),
    );
    let diagnostics = client.diagnostics(&uri);
    let finding = diagnostics
        .iter()
        .find(|d| d["code"] == "no-unprefixed-kv-key")
        .expect("the finding");
    let actions = client.quick_fixes(&uri, finding);
    let titles = titles(&actions);
    assert!(
        titles.iter().all(|t| !t.contains("in 2 files")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains("oauth:")),
        "the reader's own fix: {titles:?}"
    );
    client.request("shutdown", json!(null));
    client.notify("exit", json!(null));
    assert!(client.child.wait().unwrap().success());
}
