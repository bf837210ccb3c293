//! Runs `fixtures/semantic/`: the model finds exactly the KV calls (and Durable Object stub
//! calls) marked on each line, and nothing on other lines.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use kvlint::parse::{parse, Lang};
use kvlint::semantic::SemanticModel;
use kvlint::source::Source;

/// line → methods, from `// kv: a, b` (or `// do: …`) markers.
fn markers(text: &str, tag: &str) -> BTreeMap<usize, Vec<String>> {
    let marker = format!("// {tag}: ");
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let list = &l[l.find(&marker)? + marker.len()..];
            Some((
                i + 1,
                list.split(',').map(|m| m.trim().to_string()).collect(),
            ))
        })
        .collect()
}

fn check(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let (_, bindings) = common::settings_for(path);
    let source = Source::new(text.clone());
    let lang = Lang::from_path(path).unwrap();
    let parsed =
        parse(&source, lang, false).unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message));
    let model = SemanticModel::build(&parsed.program, &source, &bindings, "fixture", None);
    let line = |span| source.position(source.range(span).start).line;
    let mut kv: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for c in &model.kv_calls {
        kv.entry(line(c.span))
            .or_default()
            .push(c.method.name().to_string());
    }
    let mut dos: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for c in &model.do_calls {
        dos.entry(line(c.span)).or_default().push(c.method.clone());
    }
    assert_eq!(
        kv,
        markers(&text, "kv"),
        "{}: KV calls by line",
        path.display()
    );
    assert_eq!(
        dos,
        markers(&text, "do"),
        "{}: Durable Object stub calls by line",
        path.display()
    );
}

#[test]
fn every_semantic_fixture() {
    let dir = common::root().join("fixtures/semantic");
    let mut files: Vec<_> = kvlint::fs::walk(&dir, 2).0;
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for f in files
        .iter()
        .filter(|f| !f.to_string_lossy().ends_with(".d.ts"))
    {
        check(f);
    }
}

#[test]
fn the_traps_file_has_no_kv_call() {
    let text = std::fs::read_to_string(common::root().join("fixtures/semantic/traps.ts")).unwrap();
    assert!(markers(&text, "kv").is_empty() && markers(&text, "do").is_empty());
    // It does hold look-alikes: calls of the KV method names (and `set`) on other things.
    let look_alikes = [".get(", ".put(", ".delete(", ".list(", ".set("];
    let n = text
        .lines()
        .filter(|l| look_alikes.iter().any(|m| l.contains(m)))
        .count();
    assert!(n >= 25, "{n}");
}
