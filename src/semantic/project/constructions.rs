//! Where a project constructs a class, and with what: `new KVHandler(HASH_URL)` in one module
//! types the untyped constructor parameter of `class KVHandler` in another, when every
//! construction of the project passes a KV binding at that position (JavaScript wrappers of a
//! namespace: `constructor(namespace) { this.namespace = namespace }`).

use swc_atoms::Atom;
use swc_ecma_ast::{Expr, MemberProp, NewExpr};
use swc_ecma_visit::{Visit, VisitWith};

use crate::parse::{parse, Lang};
use crate::semantic::values::strip;
use crate::source::Source;

/// What one argument of a construction is.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Arg {
    /// A binding, by name: `env.NAME` (`c.env.NAME`, `this.env.NAME`), or a global `NAME`
    /// that the constructing file does not declare (a service worker's binding).
    Binding(String),
    /// Anything else: a local, a call, a mock.
    Other,
}

/// One `new C(…)`: where it is (`src/app.js:6`) and its arguments (`None` for a spread,
/// whose positions are unknown).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct Construction {
    pub at: String,
    pub args: Option<Vec<Arg>>,
}

/// The KV methods a wrapper class would call on its field.
const KV_METHODS: [&str; 5] = [".get(", ".put(", ".delete(", ".list(", ".getWithMetadata("];

/// The names of the classes a JavaScript text declares with a constructor, found without
/// parsing (`class Name`), in a text that calls a KV method on a field (`this.`): the classes
/// whose constructions are looked up.
pub fn declared_classes(text: &str) -> Vec<&str> {
    if !text.contains("constructor(")
        || !text.contains("this.")
        || !KV_METHODS.iter().any(|m| text.contains(m))
    {
        return Vec::new();
    }
    let mut out: Vec<&str> = Vec::new();
    for (at, _) in text.match_indices("class ") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
            continue;
        }
        let rest = text[at + 6..].trim_start();
        let name: &str = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$'))
            .map_or(rest, |(end, _)| &rest[..end]);
        if !name.is_empty() && name != "extends" && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The class names a text constructs (`new Name`), found without parsing.
pub fn constructed_names(bytes: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for at in memchr::memmem::find_iter(bytes, b"new") {
        let word_before = at.checked_sub(1).is_some_and(|b| {
            bytes[b].is_ascii_alphanumeric() || matches!(bytes[b], b'_' | b'$' | b'.')
        });
        // `new` and the name apart by any white space (a line break included).
        let rest = &bytes[at + 3..];
        let spaces = rest
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        if word_before || spaces == 0 {
            continue;
        }
        let rest = &rest[spaces..];
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$')))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        // A class name starts with a letter; `new Map`, `new Response` and the like are
        // listed too, but nothing asks for them.
        if name.first().is_some_and(u8::is_ascii_alphabetic) {
            let name = String::from_utf8_lossy(name).into_owned();
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// The constructions of `class` in a file's text (`label` names the file).
pub fn constructions_in(label: &str, lang: Lang, text: String, class: &str) -> Vec<Construction> {
    let source = Source::new(text);
    let Ok(Ok(parsed)) = std::panic::catch_unwind(|| parse(&source, lang, false)) else {
        return Vec::new();
    };
    let declared = super::super::evidence::declared_names(&parsed.program);
    let mut finder = Finder {
        source: &source,
        label,
        class,
        declared,
        found: Vec::new(),
    };
    parsed.program.visit_with(&mut finder);
    finder.found
}

struct Finder<'a> {
    source: &'a Source,
    label: &'a str,
    class: &'a str,
    declared: std::collections::HashSet<Atom>,
    found: Vec<Construction>,
}

impl Finder<'_> {
    fn arg(&self, e: &Expr) -> Arg {
        match strip(e) {
            Expr::Ident(i) if !self.declared.contains(&i.sym) => Arg::Binding(i.sym.to_string()),
            Expr::Member(m) if super::super::evidence::ends_in_env(&m.obj) => match &m.prop {
                MemberProp::Ident(p) => Arg::Binding(p.sym.to_string()),
                _ => Arg::Other,
            },
            _ => Arg::Other,
        }
    }
}

impl Visit for Finder<'_> {
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_new_expr(&mut self, n: &NewExpr) {
        if matches!(strip(&n.callee), Expr::Ident(i) if &*i.sym == self.class) {
            let args = n.args.as_deref().unwrap_or_default();
            let args = (!args.iter().any(|a| a.spread.is_some()))
                .then(|| args.iter().map(|a| self.arg(&a.expr)).collect());
            let line = self.source.position(self.source.range(n.span).start).line;
            self.found.push(Construction {
                at: format!("{}:{line}", self.label),
                args,
            });
        }
        n.visit_children_with(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classes_a_text_declares() {
        let text = "export class KVHandler {\n  constructor(ns) { this.ns = ns; }\n  get(k) { return this.ns.get(k); }\n}\nconst Other = class Inner extends Base { constructor() {} };\n// a subclass of nothing\nx.class Y";
        assert_eq!(declared_classes(text), ["KVHandler", "Inner"]);
        // A word ending in `class`, an anonymous class, a class declared twice: no name, or
        // one name once.
        let text = "const subclass = 1; my_class A; $class B; const Anon = class extends Base {};\nclass KVHandler {}\nclass KVHandler { constructor(ns) { this.ns = ns; this.ns.get('a'); } }";
        assert_eq!(declared_classes(text), ["KVHandler"]);
        // Names hold `_` and `$`; a class with no constructor keeps nothing it is given.
        let text = "class KV_Store$ { constructor(ns) { this.ns = ns; } get(k) { return this.ns.get(k); } }";
        assert_eq!(declared_classes(text), ["KV_Store$"]);
        assert!(declared_classes("class A { m() { return this.kv.get('a'); } }").is_empty());
        assert!(declared_classes("class A {}").is_empty());
        // No KV method called on a field: no wrapper of a namespace.
        assert!(declared_classes("class A { constructor(x) { this.x = x; } }").is_empty());
    }

    #[test]
    fn the_names_a_text_constructs() {
        let text = b"const a = new Store(env.KV); const b = new  Spaced(); const c = new\n  Lined(); x.new Not(); renew Y(); newer(); new Map(); new Store(1);";
        assert_eq!(constructed_names(text), ["Store", "Spaced", "Lined", "Map"]);
    }

    #[test]
    fn arguments_are_bindings_or_not() {
        let text = "import { KVHandler } from './h';\nconst local = 1;\nnew KVHandler(HASH_URL, env.CACHE, c.env.OTHER, local, fetchIt(), config.CACHE, env['CACHE']);\nnew KVHandler(...args);\nnew Other(HASH_URL);\nfunction f(P) { return new KVHandler(P); }\n";
        let found = constructions_in("src/c.js", Lang::JavaScript, text.into(), "KVHandler");
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].at, "src/c.js:3");
        assert_eq!(
            found[0].args,
            Some(vec![
                Arg::Binding("HASH_URL".into()),
                Arg::Binding("CACHE".into()),
                Arg::Binding("OTHER".into()),
                Arg::Other,
                Arg::Other,
                Arg::Other,
                Arg::Other,
            ])
        );
        assert_eq!(found[1].args, None);
        assert_eq!(found[2].args, Some(vec![Arg::Other]));
    }
}
