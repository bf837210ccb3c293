//! The VS Code extension (`editors/vscode`): it type-checks (`tsc`), its unit tests pass
//! (node's test runner, against a stand-in for the `vscode` module: the binary lookup, the
//! activation rules, the server it starts, "kvlint: Fix all"), and `vsce package` builds a
//! `.vsix` whose manifest and contents are checked here. `scripts/test` installs its npm
//! packages (npm ci); without them the test says NOT RUN, and fails under CI=true.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

fn dir() -> PathBuf {
    common::root().join("editors/vscode")
}

fn npm(args: &[&str]) -> Output {
    Command::new("npm")
        .args(args)
        .current_dir(dir())
        .output()
        .expect("npm")
}

use common::text;

#[test]
fn the_extension_type_checks_passes_its_tests_and_packs_a_vsix() {
    let needed = [
        dir().join("node_modules/typescript/package.json"),
        dir().join("node_modules/@vscode/vsce/package.json"),
        dir().join("node_modules/vscode-languageclient/package.json"),
    ];
    if let Some(missing) = needed.iter().find(|p| !p.exists()) {
        common::not_run(
            "the VS Code extension test",
            &format!(
                "{} is missing (scripts/test installs it)",
                missing.display()
            ),
        );
        return;
    }
    let typecheck = npm(&["run", "typecheck"]);
    assert!(typecheck.status.success(), "{}", text(&typecheck));
    let tests = npm(&["test"]);
    assert!(tests.status.success(), "{}", text(&tests));
    let said = text(&tests);
    assert!(said.contains("# fail 0"), "{said}");
    assert!(said.contains("# pass 15"), "{said}");

    let vsix = dir().join("kvlint.vsix");
    let _ = std::fs::remove_file(&vsix);
    let packed = npm(&["run", "package"]);
    assert!(packed.status.success(), "{}", text(&packed));
    // A .vsix is a zip: its file list, its manifest and its package.json.
    let script = r#"
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({
    "files": sorted(z.namelist()),
    "manifest": z.read("extension.vsixmanifest").decode(),
    "package": json.loads(z.read("extension/package.json")),
}))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&vsix)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for f in [
        "extension/dist/extension.js",
        "extension/package.json",
        "extension/readme.md",
        "extension/LICENSE.txt",
        "extension.vsixmanifest",
    ] {
        assert!(files.contains(&f), "{f} not in {files:?}");
    }
    assert!(
        !files
            .iter()
            .any(|f| f.contains("/src/") || f.contains("node_modules") || f.contains("/test/")),
        "{files:?}"
    );
    let manifest = v["manifest"].as_str().unwrap();
    assert!(manifest.contains(r#"Id="kvlint""#), "{manifest}");
    assert!(manifest.contains(r#"Publisher="kvlint""#), "{manifest}");
    let package = &v["package"];
    assert_eq!(package["main"], "./dist/extension.js");
    assert_eq!(
        package["contributes"]["commands"][0]["command"],
        "kvlint.fixAll"
    );
    assert_eq!(
        package["contributes"]["commands"][0]["title"],
        "kvlint: Fix all"
    );
    let settings = &package["contributes"]["configuration"]["properties"];
    assert_eq!(settings["kvlint.enable"]["default"], true);
    assert!(settings["kvlint.path"].is_object());
    // The bundle holds the language client: the .vsix needs no node_modules.
    let bundle = std::fs::read_to_string(dir().join("dist/extension.js")).unwrap();
    assert!(bundle.contains("source.fixAll.kvlint"));
}
