//! Never crash, never hang, never corrupt a file: torture inputs, encodings, writes, the
//! per-file time limit, and deterministic output.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

const CONFIG: &str = "[bindings]\nkv = [\"SESSIONS\"]\n";

fn project(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kvlint.toml"), CONFIG).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let out = Command::cargo_bin("kvlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    // Never an abort: a signal leaves no exit code.
    assert!(
        out.status.code().is_some(),
        "kvlint was killed: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A Worker whose only KV call is fine, around one expression.
fn worker(expr: &str) -> Vec<u8> {
    format!("export async function f(env, a) {{\n  await env.SESSIONS.put('cache:k', 'v', {{ expirationTtl: 60 }});\n  return {expr};\n}}\n").into_bytes()
}

#[derive(Debug, PartialEq)]
enum End {
    /// Linted normally.
    Normal,
    /// Rejected before parsing: too deep.
    TooDeep,
}

fn ends(name: &str, text: Vec<u8>) -> End {
    let dir = project(&[(name, text)]);
    let out = run(dir.path(), &["check", "--format", "compact", name]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    match out.status.code() {
        Some(0) => {
            assert!(stdout.is_empty(), "{name}: {stdout}");
            End::Normal
        }
        Some(2) => {
            assert!(
                stdout.contains("[internal-error] kvlint could not process")
                    && stdout.contains("nests more than 2000 levels"),
                "{name}: {stdout}"
            );
            End::TooDeep
        }
        other => panic!("{name}: exit {other:?}: {stdout}"),
    }
}

#[test]
fn deep_nesting_of_every_kind() {
    type Make = fn(usize) -> String;
    let kinds: [(&str, Make); 7] = [
        ("parens", |n| format!("{}a{}", "(".repeat(n), ")".repeat(n))),
        ("brackets", |n| {
            format!("{}a{}", "[".repeat(n), "]".repeat(n))
        }),
        ("objects", |n| {
            format!("{}a{}", "{a:".repeat(n), "}".repeat(n))
        }),
        ("templates", |n| {
            format!("{}a{}", "`${".repeat(n), "}`".repeat(n))
        }),
        ("arrows", |n| format!("{}a", "() => ".repeat(n))),
        ("unary", |n| format!("{}a", "!".repeat(n))),
        ("conditionals", |n| format!("{}a", "a ? a : ".repeat(n))),
    ];
    for (kind, make) in kinds {
        assert_eq!(
            ends(&format!("{kind}-1k.js"), worker(&make(1_000))),
            End::Normal,
            "{kind} 1k"
        );
        assert_eq!(
            ends(&format!("{kind}-10k.js"), worker(&make(10_000))),
            End::TooDeep,
            "{kind} 10k"
        );
        assert_eq!(
            ends(&format!("{kind}-100k.js"), worker(&make(100_000))),
            End::TooDeep,
            "{kind} 100k"
        );
    }
}

#[test]
fn long_chains_and_nested_ifs() {
    let plus = vec!["a"; 200_000].join("+");
    assert_eq!(ends("plus.js", worker(&plus)), End::Normal);
    let ifs = format!(
        "export function f(env, a) {{\n  env.SESSIONS.get('cache:k');\n{}a;\n{}}}\n",
        "if (a) {\n".repeat(50_000),
        "}\n".repeat(50_000)
    );
    assert_eq!(ends("ifs.js", ifs.into_bytes()), End::TooDeep);
}

#[test]
fn a_twenty_megabyte_worker() {
    let chunk = "export async function handler{N}(env: { SESSIONS: KVNamespace }, id: string) {\n  const v = await env.SESSIONS.get(`cache:${id}`);\n  await env.SESSIONS.put(`cache:${id}`, v ?? '', { expirationTtl: 30 });\n  return v;\n}\n";
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 20_000_000 {
        text.push_str(&chunk.replace("{N}", &n.to_string()));
        n += 1;
    }
    let dir = project(&[("big.ts", text.into_bytes())]);
    let out = run(
        dir.path(),
        &[
            "check",
            "--format",
            "compact",
            "--file-timeout",
            "600",
            "big.ts",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let findings = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains("[no-invalid-kv-ttl]"))
        .count();
    assert_eq!(findings, n);
}

#[test]
fn parser_panics_become_errors_and_other_files_are_still_linted() {
    // swc_ecma_parser 47 hits `unreachable!()` on these bytes (the comment passes the prefilter).
    let dir = project(&[
        ("panic.js", b"// SESSIONS\n!\n`\\u`".to_vec()),
        (
            "bad.js",
            b"export async function f(env) { await env.SESSIONS.put('cache:k', 'v'); }\n".to_vec(),
        ),
    ]);
    let out = run(dir.path(), &["check", "--format", "compact"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("bad.js:1:38: warning [require-kv-ttl]"),
        "{stdout}"
    );
    assert!(stdout.contains("panic.js:1:1: error [internal-error] kvlint could not process panic.js: kvlint crashed on it"), "{stdout}");
    assert!(
        !String::from_utf8(out.stderr)
            .unwrap()
            .contains("panicked at"),
        "the panic is reported once, as a diagnostic"
    );
    // Nothing is written for a file that failed.
    let out = run(dir.path(), &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read(dir.path().join("panic.js")).unwrap(),
        b"// SESSIONS\n!\n`\\u`"
    );
}

#[test]
fn the_time_limit_ends_a_stuck_file() {
    let body =
        "export async function f(env) { await env.SESSIONS.get('cache:k'); }\n".repeat(20_000);
    let dir = project(&[("slow.js", body.into_bytes()), ("fine.js", worker("a"))]);
    let out = run(
        dir.path(),
        &["check", "--format", "compact", "--file-timeout", "0.001"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("slow.js:1:1: error [internal-error] kvlint could not process slow.js: it took longer than 0.001 s"), "{stdout}");
}

#[test]
fn syntax_errors_encodings_and_empty_files() {
    let dir = project(&[
        ("invalid.ts", b"const SESSIONS = ;\n".to_vec()),
        ("latin1.ts", b"// SESSIONS caf\xe9\n".to_vec()),
        ("empty.ts", Vec::new()),
        ("bom-only.ts", "\u{feff}".as_bytes().to_vec()),
        (
            "bom-comment.ts",
            "\u{feff}// SESSIONS\n".as_bytes().to_vec(),
        ),
    ]);
    let out = run(dir.path(), &["check", "--format", "compact"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "invalid.ts:1:18: error [syntax-error] Syntax error: Expression expected\n\
         latin1.ts:1:1: error [io-error] The file is not UTF-8 text (a byte at offset 15 is not UTF-8): kvlint reads TypeScript and JavaScript as UTF-8 text only\n"
    );
}

#[cfg(unix)]
#[test]
fn read_only_folders_are_not_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project(&[(
        "a.js",
        b"export async function f(env) { await env.SESSIONS.put('cache:k', 'v'); }\n".to_vec(),
    )]);
    // A chosen TTL makes the fix applicable.
    let config = std::fs::read_to_string(dir.path().join("kvlint.toml")).unwrap();
    std::fs::write(
        dir.path().join("kvlint.toml"),
        format!("{config}\n[rules.require-kv-ttl]\ndefault_ttl = 3600\n"),
    )
    .unwrap();
    let sub = dir.path().join("ro");
    std::fs::create_dir(&sub).unwrap();
    std::fs::rename(dir.path().join("a.js"), sub.join("a.js")).unwrap();
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = run(
        dir.path(),
        &["check", "--fix", "--unsafe-fixes", "--format", "compact"],
    );
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("is read-only; not written"));
    assert!(!std::fs::read_to_string(sub.join("a.js"))
        .unwrap()
        .contains("expirationTtl"));
}

#[test]
fn output_is_the_same_with_any_thread_count_and_argument_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let dirs = [
        "require-kv-ttl",
        "sample-worker",
        "no-sequential-kv-reads",
        "semantic",
        "no-unprefixed-kv-key",
    ];
    let mut reversed = dirs;
    reversed.reverse();
    let outputs: Vec<Vec<u8>> = [("1", dirs), ("4", dirs), ("1", reversed), ("3", reversed)]
        .iter()
        .map(|(threads, order)| {
            let mut args = vec!["check", "--format", "json", "--threads", threads];
            args.extend(order.iter());
            run(&root, &args).stdout
        })
        .collect();
    assert!(outputs[0].len() > 1000);
    for o in &outputs[1..] {
        assert_eq!(o, &outputs[0]);
    }
}
