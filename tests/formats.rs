//! The CI formats on the sample Worker: SARIF (validated against the OASIS SARIF 2.1.0
//! schema), GitHub workflow commands, and --statistics.

use std::path::Path;

use assert_cmd::Command;

fn sample(args: &[&str]) -> (Option<i32>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::cargo_bin("kvlint")
        .unwrap()
        .current_dir(root.join("fixtures/sample-worker"))
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let (code, stdout) = sample(&["check", "--format", "sarif"]);
    assert_eq!(code, Some(1));
    let sarif: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does reject what is not SARIF 2.1.0.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.0.0", "runs": []})));

    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "kvlint");
    // No address is invented (none is set at build time here).
    assert!(driver.get("informationUri").is_none());
    let rules = driver["rules"].as_array().unwrap();
    let ttl = rules.iter().find(|r| r["id"] == "require-kv-ttl").unwrap();
    assert_eq!(ttl["defaultConfiguration"]["level"], "warning");
    assert!(ttl.get("helpUri").is_none());
    // No path into kvlint's sources, which the user's project does not have.
    assert_eq!(
        ttl["help"]["text"],
        "Run `kvlint explain require-kv-ttl` for the rule's document."
    );
    // A run that checked everything says it succeeded.
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"],
        serde_json::json!([])
    );
    assert!(ttl["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .contains("storage"));

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 24);
    // The first result: CacheManager.remember, with its fix.
    let r = &results[0];
    assert_eq!(r["ruleId"], "require-kv-ttl");
    assert_eq!(r["level"], "warning");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "src/worker/cache-manager.ts"
    );
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 51);
    assert_eq!(loc["region"]["startColumn"], 11);
    let replacement = &r["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(
        replacement["insertedContent"]["text"],
        ", { expirationTtl: 3600 }"
    );
    assert_eq!(replacement["deletedRegion"]["startLine"], 51);
    assert_eq!(
        replacement["deletedRegion"]["startColumn"],
        replacement["deletedRegion"]["endColumn"]
    );
    // Info-level findings are notes; findings without a fix have no `fixes`.
    let info = results
        .iter()
        .find(|r| r["ruleId"] == "prefer-coalesced-kv-reads")
        .unwrap();
    assert_eq!(info["level"], "note");
    assert!(info.get("fixes").is_none());
}

#[test]
fn github_annotations() {
    let (code, stdout) = sample(&[
        "check",
        "--format",
        "github",
        "--select",
        "no-invalid-kv-ttl,prefer-coalesced-kv-reads",
    ]);
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with(
        "::error file=src/worker/index.ts,line=80,col=50,endLine=80,endColumn=67,title=kvlint (no-invalid-kv-ttl)::`expirationTtl` of 30 is below KV's minimum of 60 seconds%0AKV rejects the write"
    ), "{}", lines[0]);
    assert!(
        lines[1].starts_with("::notice file=src/worker/index.ts,line=90,col=23,"),
        "{}",
        lines[1]
    );
    assert!(!stdout.contains("\r"));
}

#[test]
fn statistics() {
    let (code, stdout) = sample(&["check", "--statistics"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stdout,
        "    7  no-kv-sessions                    0 fixable with --fix, 6 more with --unsafe-fixes\n\
         \x20   5  prefer-kv-stale-while-revalidate  no fix\n\
         \x20   3  require-kv-ttl                    0 fixable with --fix, 3 more with --unsafe-fixes\n\
         \x20   2  no-kv-read-modify-write           no fix\n\
         \x20   2  no-unprefixed-kv-key              0 fixable with --fix, 2 more with --unsafe-fixes\n\
         \x20   1  no-invalid-kv-ttl                 no fix\n\
         \x20   1  no-sequential-kv-reads            1 fixable with --fix\n\
         \x20   1  prefer-coalesced-kv-reads         no fix\n\
         \x20   1  prefer-kv-cache-ttl               0 fixable with --fix, 1 more with --unsafe-fixes\n\
         \x20   1  prefer-kv-json-type               1 fixable with --fix\n"
    );
}
