//! The registry: ids unique, sorted, kebab-case; every rule has a document and fixtures.

use kvlint::rules::RULES;

#[test]
fn ids_are_sorted_unique_kebab_case() {
    let ids: Vec<&str> = RULES.iter().map(|r| r.id()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        ids, sorted,
        "RULES must be sorted by id, without duplicates"
    );
    for id in ids {
        assert!(
            id.split('-').all(|w| !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
            "{id} is not kebab-case"
        );
        assert!(
            id.starts_with("no-") || id.starts_with("require-") || id.starts_with("prefer-"),
            "{id}: name it no-/require-/prefer-"
        );
    }
}

#[test]
fn every_rule_has_a_document_and_fixtures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for rule in RULES {
        let id = rule.id();
        let doc = root.join("rules").join(format!("{id}.md"));
        assert!(doc.is_file(), "{id}: rules/{id}.md missing");
        let text = std::fs::read_to_string(doc).unwrap();
        for section in [
            "## Why",
            "## Examples",
            "### Invalid",
            "### Valid",
            "## Options",
            "## Fix safety",
        ] {
            assert!(text.contains(section), "{id}: document lacks `{section}`");
        }
        assert!(
            root.join("fixtures").join(id).join("invalid.ts").is_file(),
            "{id}: fixtures missing"
        );
    }
    // Every document belongs to a rule.
    for entry in std::fs::read_dir(root.join("rules")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let id = name.trim_end_matches(".md");
        assert!(
            RULES.iter().any(|r| r.id() == id),
            "rules/{name} has no rule"
        );
    }
}

/// The README's install commands build what the tests ran with: `--locked`, or cargo
/// resolves newer, untested crate versions. Its prerequisites name what a fresh machine needs.
#[test]
fn the_readme_installs_locked_and_names_its_prerequisites() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let installs: Vec<&str> = readme
        .lines()
        .filter(|l| l.contains("cargo install --path"))
        .collect();
    assert!(!installs.is_empty());
    for line in installs {
        assert!(line.contains("--locked"), "not locked: {line}");
    }
    let prerequisites = readme
        .split_once("## Prerequisites")
        .expect("a Prerequisites section")
        .1
        .split("\n## ")
        .next()
        .unwrap();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let rust = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    for needed in [
        &format!("Rust {rust}")[..],
        "Node.js",
        "npm",
        "crates.io",
        "npm registry",
        "PyPI",
        "apt-get",
        "Neovim",
    ] {
        assert!(
            prerequisites.contains(needed),
            "the prerequisites do not name {needed}"
        );
    }
    // No invented address: the repository has none yet.
    assert!(
        !manifest.contains("github.com/kvlint"),
        "Cargo.toml names an invented repository"
    );
}
