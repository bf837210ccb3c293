//! JSDoc types in JavaScript (and TypeScript) files: `@type {KVNamespace}` on a variable,
//! `@param {KVNamespace} kv` and `@returns {KVNamespace}` (or `Promise<KVNamespace>`) on a
//! function. They are declared types, as much as TypeScript's annotations are.

use rustc_hash::FxHashMap as HashMap;

use super::types::KnownType;
use crate::source::Source;

/// What a JSDoc comment declares.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tags {
    /// `@type {…}`.
    pub ty: Option<KnownType>,
    /// `@returns {…}`: the type, and whether it is a `Promise` of it.
    pub returns: Option<(KnownType, bool)>,
    /// `@param {…} name`.
    pub params: HashMap<String, KnownType>,
    /// Every parameter a `@param {…}` gives a type, whatever the type.
    pub typed_params: Vec<String>,
    /// Where the comment starts in the file (its `/**`).
    pub at: usize,
}

/// A JSDoc type's meaning: `KVNamespace`, `KVNamespace | null`, `?KVNamespace`,
/// `KVNamespace<string>`, `DurableObjectNamespace`, each also as a member of a namespace or
/// module (`Cloudflare.KVNamespace`, `import("@cloudflare/workers-types").KVNamespace`);
/// anything else tells nothing.
fn known(ty: &str) -> Option<KnownType> {
    let parts: Vec<&str> = ty
        .trim()
        .trim_start_matches('?')
        .split('|')
        .map(str::trim)
        .filter(|p| !matches!(*p, "null" | "undefined" | ""))
        .collect();
    match parts.as_slice() {
        [one] => match type_name(one)? {
            "KVNamespace" => Some(KnownType::Kv),
            "DurableObjectNamespace" => Some(KnownType::DurableObjectNamespace),
            _ => None,
        },
        _ => None,
    }
}

/// The name a JSDoc type refers to, without its module or namespace and its type
/// arguments: `import("m").A.B<C>` → `B`. `None` for anything but a name (a function type,
/// an object literal, an array).
fn type_name(ty: &str) -> Option<&str> {
    let mut ty = ty.trim();
    // `import("…")` / `import('…')`: the module's own type of that name.
    if let Some(rest) = ty.strip_prefix("import(") {
        let close = rest.find(')')?;
        ty = rest[close + 1..].strip_prefix('.')?;
    }
    let ty = ty.split('<').next()?.trim();
    let name = ty.rsplit('.').next()?;
    let is_name = ty
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.'));
    (is_name && !name.is_empty()).then_some(name)
}

/// The `{…}` type after a tag, and the rest of the line.
fn braced(rest: &str) -> Option<(&str, &str)> {
    let rest = rest.trim_start().strip_prefix('{')?;
    let mut depth = 1;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&rest[..i], &rest[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// The comment's tags, each from its `@` to the next `@` outside braces (a type may name a
/// scoped package: `{import("@cloudflare/workers-types").KVNamespace}`, and prose an inline
/// `{@link …}`). A brace left open in prose is closed by the end of its line.
fn tag_texts(comment: &str) -> Vec<&str> {
    let mut starts = Vec::new();
    let mut depth = 0usize;
    for (i, c) in comment.char_indices() {
        match c {
            '\n' => depth = 0,
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '@' if depth == 0 => starts.push(i),
            _ => {}
        }
    }
    let ends = starts.iter().skip(1).copied().chain([comment.len()]);
    starts
        .iter()
        .zip(ends)
        .map(|(&s, e)| &comment[s + 1..e])
        .collect()
}

fn parse(comment: &str) -> Tags {
    let mut tags = Tags::default();
    for part in tag_texts(comment) {
        let (tag, rest) = part.split_at(
            part.find(|c: char| !c.is_alphabetic())
                .unwrap_or(part.len()),
        );
        let Some((ty, after)) = braced(rest) else {
            continue;
        };
        match tag {
            "type" => tags.ty = known(ty),
            "returns" | "return" => {
                let t = ty.trim();
                tags.returns = match t.strip_prefix("Promise<").and_then(|t| t.strip_suffix('>')) {
                    Some(inner) => known(inner).map(|k| (k, true)),
                    None => known(t).map(|k| (k, false)),
                };
            }
            "param" => {
                let name: String = after
                    .trim_start()
                    .trim_start_matches('[')
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                    .collect();
                if name.is_empty() {
                    continue;
                }
                if let Some(k) = known(ty) {
                    tags.params.insert(name.clone(), k);
                }
                tags.typed_params.push(name);
            }
            _ => {}
        }
    }
    tags
}

/// The JSDoc comment (`/** … */`) right before offset `at` of the file, past `export`,
/// `export default`, `async` and `declare`.
pub fn before(source: &Source, at: usize) -> Option<Tags> {
    let mut text = source.text().get(..at)?.trim_end();
    loop {
        let trimmed = ["export", "default", "async", "declare"]
            .iter()
            .find_map(|k| text.strip_suffix(k))
            .filter(|t| t.is_empty() || t.ends_with(|c: char| c.is_whitespace() || c == '/'));
        match trimmed {
            Some(t) => text = t.trim_end(),
            None => break,
        }
    }
    let end = text.strip_suffix("*/")?;
    // Look back a bounded way: a doc comment is not longer than this.
    let mut from = end.len().saturating_sub(8192);
    while !end.is_char_boundary(from) {
        from += 1;
    }
    let window = &end[from..];
    let start = window.rfind("/**")?;
    let body = &window[start + 3..];
    // One comment, not the end of another after a `/**` of its own.
    (!body.contains("*/")).then(|| Tags {
        at: from + start,
        ..parse(body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        let t = parse(" @param {KVNamespace} kv the store\n * @param {string} id\n * @returns {Promise<KVNamespace | null>} ");
        assert_eq!(t.params.get("kv"), Some(&KnownType::Kv));
        assert_eq!(t.params.get("id"), None);
        assert_eq!(t.typed_params, ["kv", "id"]);
        assert_eq!(t.returns, Some((KnownType::Kv, true)));
        assert_eq!(parse(" @type {?KVNamespace} ").ty, Some(KnownType::Kv));
        assert_eq!(parse(" @type {Map<string, KVNamespace>} ").ty, None);
    }

    #[test]
    fn types_named_through_a_module_or_a_namespace() {
        let t = parse(
            "\n * @param {import(\"@cloudflare/workers-types\").KVNamespace} kv\n * @param {import('@cloudflare/workers-types/experimental').DurableObjectNamespace | undefined} ns\n * @param {Cloudflare.KVNamespace<string>} other\n * @returns {Promise<import(\"@cloudflare/workers-types\").KVNamespace>}",
        );
        assert_eq!(t.params.get("kv"), Some(&KnownType::Kv));
        assert_eq!(t.params.get("ns"), Some(&KnownType::DurableObjectNamespace));
        assert_eq!(t.params.get("other"), Some(&KnownType::Kv));
        assert_eq!(t.returns, Some((KnownType::Kv, true)));
        // An inline `{@link}` is prose; a brace left open in prose ends with its line.
        let t = parse(" See {@link Store}.\n * @param {KVNamespace} kv an object like {a\n * @param {KVNamespace} cache\n");
        assert_eq!(t.params.len(), 2, "{t:?}");
        // Two tags on one line: the first type's braces close before the second `@`.
        let t = parse(
            " @param {KVNamespace} a @param {import(\"@cloudflare/workers-types\").KVNamespace} b ",
        );
        assert_eq!(t.params.len(), 2, "{t:?}");
        // Not a KV namespace: another type of the module, a map of namespaces, a function.
        for ty in [
            "import(\"@cloudflare/workers-types\").R2Bucket",
            "import(\"@cloudflare/workers-types\")",
            "Map<string, import(\"@cloudflare/workers-types\").KVNamespace>",
            "(kv: KVNamespace) => void",
            "{ kv: KVNamespace }",
            "KVNamespace[]",
            // The class itself, not an instance of it.
            "typeof cf.KVNamespace",
        ] {
            assert_eq!(parse(&format!(" @type {{{ty}}} ")).ty, None, "{ty}");
        }
    }

    #[test]
    fn the_comment_before_a_declaration() {
        let s =
            Source::new("/** @returns {KVNamespace} */\nexport async function kv() {}\n".into());
        let at = s.text().find("function").unwrap();
        assert_eq!(
            before(&s, at).unwrap().returns,
            Some((KnownType::Kv, false))
        );
        let s = Source::new("/** not this */ const a = 1;\nconst kv = x;\n".into());
        assert!(before(&s, s.text().find("const kv").unwrap()).is_none());
    }
}
