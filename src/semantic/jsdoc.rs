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
}

/// A JSDoc type's meaning: `KVNamespace`, `KVNamespace | null`, `?KVNamespace`,
/// `DurableObjectNamespace`; anything else tells nothing.
fn known(ty: &str) -> Option<KnownType> {
    let parts: Vec<&str> = ty
        .trim()
        .trim_start_matches('?')
        .split('|')
        .map(str::trim)
        .filter(|p| !matches!(*p, "null" | "undefined" | ""))
        .collect();
    match parts.as_slice() {
        ["KVNamespace"] => Some(KnownType::Kv),
        ["DurableObjectNamespace"] => Some(KnownType::DurableObjectNamespace),
        _ => None,
    }
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

fn parse(comment: &str) -> Tags {
    let mut tags = Tags::default();
    for part in comment.split('@').skip(1) {
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
                if let (Some(k), false) = (known(ty), name.is_empty()) {
                    tags.params.insert(name, k);
                }
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
    (!body.contains("*/")).then(|| parse(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        let t = parse(" @param {KVNamespace} kv the store\n * @param {string} id\n * @returns {Promise<KVNamespace | null>} ");
        assert_eq!(t.params.get("kv"), Some(&KnownType::Kv));
        assert_eq!(t.params.get("id"), None);
        assert_eq!(t.returns, Some((KnownType::Kv, true)));
        assert_eq!(parse(" @type {?KVNamespace} ").ty, Some(KnownType::Kv));
        assert_eq!(parse(" @type {Map<string, KVNamespace>} ").ty, None);
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
