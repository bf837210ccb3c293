//! Which names are KV / Durable Object bindings, and where that was learned.
//!
//! Sources, strongest first: `kvlint.toml` `[bindings]`, the nearest wrangler config,
//! `KVNamespace`-typed members of interfaces and type aliases.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingKind {
    Kv,
    DurableObject,
    /// Any other binding (R2, D1, queues, services, vars…): never KV.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BindingSource {
    /// `[bindings]` of this `kvlint.toml`.
    Config(PathBuf),
    /// A wrangler config file, and the line that declares the binding (when found).
    Wrangler(PathBuf, Option<usize>),
    /// An example wrangler config (`wrangler.example.toml`, …), for names no real one
    /// declares.
    WranglerExample(PathBuf),
    /// A type declaration (interface or type alias member), in the named file.
    Types(String),
    /// Inferred from a use only KV has (`env.NAME.getWithMetadata(…)`): where, a few places.
    Evidence(Vec<String>),
}

impl BindingSource {
    fn rank(&self) -> u8 {
        match self {
            BindingSource::Config(_) => 0,
            BindingSource::Wrangler(..) => 1,
            BindingSource::WranglerExample(_) => 2,
            BindingSource::Types(_) => 3,
            BindingSource::Evidence(_) => 4,
        }
    }
}

impl fmt::Display for BindingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindingSource::Config(p) => write!(f, "[bindings] in {}", p.display()),
            BindingSource::Wrangler(p, Some(line)) => write!(f, "{}:{line}", p.display()),
            BindingSource::Wrangler(p, None) => write!(f, "{}", p.display()),
            BindingSource::WranglerExample(p) => {
                write!(
                    f,
                    "{} (an example config; no real one declares it)",
                    p.display()
                )
            }
            BindingSource::Types(t) => write!(f, "a type declaration in {t}"),
            BindingSource::Evidence(places) => {
                write!(f, "uses only KV has: {}", places.join(", "))
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Bindings {
    map: BTreeMap<String, (BindingKind, BindingSource)>,
    /// The Env types the bindings come from when they come from types (`interface Env` of a
    /// `worker-configuration.d.ts` or another `.d.ts` of the project): a value declared with
    /// one of these types is an env, whatever it is called.
    env_types: std::collections::BTreeSet<String>,
}

impl Bindings {
    /// Records a binding unless a stronger source already classified the name.
    pub fn add(&mut self, name: &str, kind: BindingKind, source: BindingSource) {
        match self.map.get(name) {
            Some((_, existing)) if existing.rank() <= source.rank() => {}
            _ => {
                self.map.insert(name.to_string(), (kind, source));
            }
        }
    }

    pub fn merge(&mut self, other: &Bindings) {
        for (name, (kind, source)) in &other.map {
            self.add(name, *kind, source.clone());
        }
        self.env_types.extend(other.env_types.iter().cloned());
    }

    /// Notes an Env type the bindings are declared by (see [`Bindings::is_env_type`]).
    pub fn add_env_type(&mut self, name: &str) {
        self.env_types.insert(name.to_string());
    }

    /// Whether a KV binding was inferred from its uses ([`BindingSource::Evidence`]).
    pub fn has_inferred_kv(&self) -> bool {
        self.map
            .values()
            .any(|(k, s)| *k == BindingKind::Kv && matches!(s, BindingSource::Evidence(_)))
    }

    /// Whether `name` is an Env type that declares bindings in a declaration file.
    pub fn is_env_type(&self, name: &str) -> bool {
        self.env_types.contains(name)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn kind(&self, name: &str) -> Option<BindingKind> {
        self.map.get(name).map(|(k, _)| *k)
    }

    pub fn source(&self, name: &str) -> Option<&BindingSource> {
        self.map.get(name).map(|(_, s)| s)
    }

    pub fn is_kv(&self, name: &str) -> bool {
        self.kind(name) == Some(BindingKind::Kv)
    }

    /// Names whose presence in a file's text makes a KV finding possible.
    pub fn kv_names(&self) -> impl Iterator<Item = &str> {
        self.map
            .iter()
            .filter(|(_, (k, _))| *k == BindingKind::Kv)
            .map(|(n, _)| n.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, BindingKind, &BindingSource)> {
        self.map.iter().map(|(n, (k, s))| (n.as_str(), *k, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_beats_wrangler_beats_types() {
        let mut b = Bindings::default();
        b.add("A", BindingKind::Kv, BindingSource::Types("x.ts".into()));
        b.add(
            "A",
            BindingKind::Other,
            BindingSource::Wrangler("w".into(), None),
        );
        assert_eq!(b.kind("A"), Some(BindingKind::Other));
        b.add("A", BindingKind::Kv, BindingSource::Config("k".into()));
        assert!(b.is_kv("A"));
        b.add(
            "A",
            BindingKind::Other,
            BindingSource::Wrangler("w".into(), None),
        );
        assert!(b.is_kv("A"));
    }
}
