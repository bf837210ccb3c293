//! The key inventory: each namespace's key patterns, with the entries that read, write,
//! delete and list them, their TTLs, and the patterns that are unprefixed or overlap. The map
//! a team needs before renaming keys.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::body::FileSummary;
use super::cost::Kind;

/// One key pattern of a namespace.
#[derive(Clone, Debug, Default)]
pub struct KeyPattern {
    pub pattern: String,
    /// Entries by what they do with the keys: indexed by [`Kind`].
    pub by: [BTreeSet<String>; 4],
    /// `expirationTtl` / `expiration` values written with it.
    pub ttls: BTreeSet<String>,
    /// Writes with neither.
    pub writes_without_ttl: bool,
    pub cache_ttls: BTreeSet<String>,
    /// `file:line` of every call.
    pub calls: BTreeSet<String>,
    /// No namespace separator (`:`) before its first dynamic part (or at all).
    pub unprefixed: bool,
    /// Nothing of the key is known where the call is (`kv.get(key)` in a helper): neither
    /// unprefixed nor overlapping can be said of it.
    pub unknown: bool,
    /// Other patterns of the namespace that can match some of the same keys.
    pub overlaps: BTreeSet<String>,
}

/// One namespace's keys.
#[derive(Clone, Debug, Default)]
pub struct Namespace {
    pub name: String,
    /// Whether the binding is known (else `name` is the code that reaches it).
    pub known: bool,
    pub keys: Vec<KeyPattern>,
}

/// The entries that reach each operation (by file and index), by the namespace it works on
/// for them and the key a caller says (a helper's parameters are what each caller passes;
/// `None`: the operation's own pattern).
pub type EntriesOf = BTreeMap<(Arc<str>, usize), BTreeMap<Where, BTreeSet<String>>>;

/// The namespace an operation works on for some entries, and the key a caller says.
pub type Where = (Arc<str>, Option<Arc<str>>);

/// The inventory of the operations given, with the entries that reach each; `bindings` are
/// the KV bindings' names.
pub fn inventory(
    ops: &[(Arc<FileSummary>, usize)],
    entries_of: &EntriesOf,
    bindings: &BTreeSet<String>,
) -> Vec<Namespace> {
    let mut by_ns: BTreeMap<String, (bool, BTreeMap<String, KeyPattern>)> = BTreeMap::new();
    let none = BTreeSet::new();
    for (f, i) in ops {
        let op = &f.ops[*i];
        let own = (op.namespace.clone(), None);
        let reached: Vec<(&Where, &BTreeSet<String>)> = match entries_of.get(&(f.label.clone(), *i))
        {
            Some(by) => by.iter().collect(),
            None => vec![(&own, &none)],
        };
        for ((ns, key), names) in reached {
            let known = op.known_namespace || bindings.contains(&**ns);
            let key = key.as_deref().unwrap_or(&op.key);
            add(&mut by_ns, f, op, (ns, key), known, names);
        }
    }
    finish(by_ns)
}

type ByNamespace = BTreeMap<String, (bool, BTreeMap<String, KeyPattern>)>;

/// One operation, under one namespace, for the entries given.
fn add(
    by_ns: &mut ByNamespace,
    f: &FileSummary,
    op: &super::body::OpInfo,
    (ns, key): (&str, &str),
    known_ns: bool,
    names: &BTreeSet<String>,
) {
    {
        let (known, keys) = by_ns
            .entry(ns.to_string())
            .or_insert_with(|| (known_ns, BTreeMap::new()));
        *known |= known_ns;
        // A bulk read's keys, one by one.
        let patterns: Vec<String> = if op.kind == Kind::Read && key.contains(", ") {
            key.split(", ").map(str::to_string).collect()
        } else {
            vec![key.to_string()]
        };
        for p in patterns {
            let k = keys.entry(p.clone()).or_insert_with(|| KeyPattern {
                unprefixed: !unknown(&p) && unprefixed(&p),
                unknown: unknown(&p),
                pattern: p,
                ..KeyPattern::default()
            });
            k.by[op.kind.index()].extend(names.iter().cloned());
            match (&op.ttl, op.kind) {
                (Some(t), _) => {
                    k.ttls.insert(t.clone());
                }
                (None, Kind::Write) => k.writes_without_ttl = true,
                _ => {}
            }
            if let Some(t) = &op.cache_ttl {
                k.cache_ttls.insert(t.clone());
            }
            k.calls.insert(format!("{}:{}", f.label, op.line));
        }
    }
}

fn finish(by_ns: ByNamespace) -> Vec<Namespace> {
    by_ns
        .into_iter()
        .map(|(name, (known, keys))| {
            let mut keys: Vec<KeyPattern> = keys.into_values().collect();
            let patterns: Vec<String> = keys.iter().map(|k| k.pattern.clone()).collect();
            for k in &mut keys {
                k.overlaps = patterns
                    .iter()
                    .filter(|p| **p != k.pattern && overlap(&k.pattern, p))
                    .cloned()
                    .collect();
            }
            Namespace { name, known, keys }
        })
        .collect()
}

/// The static text before a pattern's first dynamic part (`${…}` or a list's `*`), and
/// whether the pattern has one.
fn static_start(p: &str) -> (&str, bool) {
    let cut = [p.find("${"), p.strip_suffix('*').map(str::len)]
        .into_iter()
        .flatten()
        .min();
    match cut {
        Some(i) => (&p[..i], true),
        None => (p, false),
    }
}

/// Whether nothing of a key is known: it starts with a dynamic part.
pub fn unknown(p: &str) -> bool {
    let (start, dynamic) = static_start(p);
    dynamic && start.is_empty() && p != "*"
}

/// Whether a key pattern has no `:` before its first dynamic part (a static key: none at all).
pub fn unprefixed(p: &str) -> bool {
    let (start, dynamic) = static_start(p);
    if dynamic && start.is_empty() {
        return true;
    }
    !start.contains(':')
}

/// Whether two patterns can match the same key: one static key the other's start allows, or
/// two dynamic patterns whose static starts agree.
fn overlap(a: &str, b: &str) -> bool {
    if unknown(a) || unknown(b) {
        return false;
    }
    let (sa, da) = static_start(a);
    let (sb, db) = static_start(b);
    match (da, db) {
        (false, false) => a == b,
        (true, false) => sb.starts_with(sa),
        (false, true) => sa.starts_with(sb),
        (true, true) => sa.starts_with(sb) || sb.starts_with(sa),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_overlaps() {
        assert!(unprefixed("refresh_token"));
        assert!(unknown("${…}"));
        assert!(unknown("${…}:settings"));
        assert!(!unknown("*"));
        assert!(!overlap("${…}", "user:1"));
        assert!(unprefixed("user_${…}"));
        assert!(!unprefixed("user:${…}"));
        assert!(!unprefixed("cache:api:metrics"));
        assert!(unprefixed("*"));
        assert!(overlap("user:${…}", "user:${…}:settings"));
        assert!(overlap("user:*", "user:1"));
        assert!(!overlap("user:${…}", "session:${…}"));
        assert!(!overlap("a:1", "a:2"));
    }
}
