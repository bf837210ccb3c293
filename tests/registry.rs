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
