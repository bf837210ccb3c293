//! The arithmetic of KV operations along a program's paths: how many of each kind, per
//! namespace, on the cheapest and on the worst path, what a loop adds per item, and what runs
//! in the background.

use std::collections::BTreeMap;
use std::sync::Arc;

/// What KV bills: reads, writes, deletes, lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Read,
    Write,
    Delete,
    List,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Read, Kind::Write, Kind::Delete, Kind::List];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The plural noun (`reads`).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Read => "reads",
            Kind::Write => "writes",
            Kind::Delete => "deletes",
            Kind::List => "lists",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Write => "write",
            Kind::Delete => "delete",
            Kind::List => "list",
        }
    }
}

/// Operations by namespace and kind: a short list sorted by namespace (most code touches one
/// or two namespaces; every path of every function keeps a few of these).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally(Vec<(Arc<str>, [u64; 4])>);

impl Tally {
    pub fn one(namespace: &Arc<str>, kind: Kind, n: u64) -> Tally {
        let mut counts = [0; 4];
        counts[kind.index()] = n;
        if n == 0 {
            return Tally::default();
        }
        Tally(vec![(namespace.clone(), counts)])
    }

    /// Each namespace's counts, by kind, in namespace order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &[u64; 4])> {
        self.0.iter().map(|(n, c)| (n, c))
    }

    /// One namespace's counts.
    pub fn get(&self, namespace: &str) -> Option<&[u64; 4]> {
        self.0
            .iter()
            .find(|(n, _)| **n == *namespace)
            .map(|(_, c)| c)
    }

    /// Only one namespace's operations.
    pub fn only(&self, namespace: &str) -> Tally {
        Tally(
            self.0
                .iter()
                .filter(|(n, _)| **n == *namespace)
                .cloned()
                .collect(),
        )
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|(_, c)| c.iter().all(|&n| n == 0))
    }

    /// The operations of one kind, over every namespace.
    pub fn of(&self, kind: Kind) -> u64 {
        self.0.iter().map(|(_, c)| c[kind.index()]).sum()
    }

    pub fn total(&self) -> u64 {
        Kind::ALL.iter().map(|&k| self.of(k)).sum()
    }

    fn zip(&self, other: &Tally, f: impl Fn(u64, u64) -> u64) -> Tally {
        let (a, b) = (&self.0, &other.0);
        let mut out = Vec::with_capacity(a.len().max(b.len()));
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let order = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x.0.cmp(&y.0),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let zero = [0; 4];
            let (ns, x, y) = match order {
                std::cmp::Ordering::Less => {
                    i += 1;
                    (&a[i - 1].0, &a[i - 1].1, &zero)
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    (&b[j - 1].0, &zero, &b[j - 1].1)
                }
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    (&a[i - 1].0, &a[i - 1].1, &b[j - 1].1)
                }
            };
            let c: [u64; 4] = std::array::from_fn(|k| f(x[k], y[k]));
            if c.iter().any(|&n| n > 0) {
                out.push((ns.clone(), c));
            }
        }
        Tally(out)
    }

    pub fn plus(&self, other: &Tally) -> Tally {
        if other.0.is_empty() {
            return self.clone();
        }
        if self.0.is_empty() {
            return other.clone();
        }
        self.zip(other, u64::saturating_add)
    }

    pub fn min(&self, other: &Tally) -> Tally {
        self.zip(other, u64::min)
    }

    pub fn max(&self, other: &Tally) -> Tally {
        self.zip(other, u64::max)
    }

    pub fn times(&self, n: u64) -> Tally {
        self.zip(&Tally::default(), |a, _| a.saturating_mul(n))
    }

    /// The same operations, with namespaces named anew (a helper's `kv` parameter as the
    /// binding its caller passes).
    pub fn rename(&self, names: &std::collections::HashMap<Arc<str>, Arc<str>>) -> Tally {
        let mut out: BTreeMap<Arc<str>, [u64; 4]> = BTreeMap::new();
        for (ns, c) in &self.0 {
            let ns = names.get(ns).unwrap_or(ns).clone();
            let t = out.entry(ns).or_default();
            for i in 0..4 {
                t[i] = t[i].saturating_add(c[i]);
            }
        }
        Tally(out.into_iter().collect())
    }

    /// `3 reads, 1 write` (`none` when empty).
    pub fn describe(&self) -> String {
        let parts: Vec<String> = Kind::ALL
            .iter()
            .filter_map(|&k| {
                let n = self.of(k);
                (n > 0).then(|| format!("{n} {}", if n == 1 { k.singular() } else { k.plural() }))
            })
            .collect();
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The operations of every path through some code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Count {
    /// On every path.
    pub min: Tally,
    /// On the worst path (loops counted for one item).
    pub max: Tally,
    /// What each further item of a loop adds, at most.
    pub per_item: Tally,
    /// The part of `max` that runs in the background (`waitUntil`).
    pub background: Tally,
    /// The worst path's count is known only for a given number of items and keys: it has
    /// no bound in the code (a loop over data, a bulk read of a computed key list).
    pub unbounded: bool,
    /// KV calls on the worst path (a bulk `get([…])` is one call of several reads): round
    /// trips, where the operations are what is billed.
    pub calls: u64,
}

impl Count {
    pub fn op(namespace: &Arc<str>, kind: Kind, n: u64) -> Count {
        let t = Tally::one(namespace, kind, n);
        Count {
            min: t.clone(),
            max: t,
            calls: 1,
            ..Count::default()
        }
    }

    pub fn is_zero(&self) -> bool {
        self.max.is_zero() && self.per_item.is_zero()
    }

    pub fn rename(&self, names: &std::collections::HashMap<Arc<str>, Arc<str>>) -> Count {
        Count {
            min: self.min.rename(names),
            max: self.max.rename(names),
            per_item: self.per_item.rename(names),
            background: self.background.rename(names),
            unbounded: self.unbounded,
            calls: self.calls,
        }
    }

    /// This, then that.
    pub fn then(&self, next: &Count) -> Count {
        Count {
            min: self.min.plus(&next.min),
            max: self.max.plus(&next.max),
            per_item: self.per_item.plus(&next.per_item),
            background: self.background.plus(&next.background),
            unbounded: self.unbounded || next.unbounded,
            calls: self.calls.saturating_add(next.calls),
        }
    }

    /// One path or the other.
    pub fn or(&self, other: &Count) -> Count {
        Count {
            min: self.min.min(&other.min),
            max: self.max.max(&other.max),
            per_item: self.per_item.max(&other.per_item),
            background: self.background.max(&other.background),
            unbounded: self.unbounded || other.unbounded,
            calls: self.calls.max(other.calls),
        }
    }

    /// Run or not.
    pub fn maybe(&self) -> Count {
        self.or(&Count::default())
    }

    /// Run `n` times, `n` known.
    pub fn times(&self, n: u64) -> Count {
        Count {
            min: self.min.times(n),
            max: self.max.times(n),
            per_item: self.per_item.times(n),
            background: self.background.times(n),
            unbounded: self.unbounded,
            calls: self.calls.saturating_mul(n),
        }
    }

    /// Run once per item of data whose size the code does not bound: none on the cheapest
    /// path, one item on the worst, and each item more adds the body's worst.
    pub fn per_item(&self) -> Count {
        Count {
            min: Tally::default(),
            max: self.max.clone(),
            per_item: self.max.plus(&self.per_item),
            background: self.background.clone(),
            unbounded: true,
            calls: self.calls,
        }
    }

    /// All of it in the background.
    pub fn in_background(&self) -> Count {
        Count {
            background: self.max.clone(),
            ..self.clone()
        }
    }
}

/// How a piece of code can end: falling through to what follows, or returning (or
/// throwing), each with its operations; and the same for the paths that answer from a cache
/// hit (a read-through cache's early return).
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub falls: Option<Count>,
    pub returns: Option<Count>,
    pub hit_falls: Option<Count>,
    pub hit_returns: Option<Count>,
}

fn or(a: &Option<Count>, b: &Option<Count>) -> Option<Count> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.or(b)),
        (Some(a), None) | (None, Some(a)) => Some(a.clone()),
        (None, None) => None,
    }
}

fn then(a: &Option<Count>, b: &Option<Count>) -> Option<Count> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.then(b)),
        _ => None,
    }
}

impl Outcome {
    /// Code that falls through with these operations.
    pub fn falls(count: Count) -> Outcome {
        Outcome {
            falls: Some(count),
            ..Outcome::default()
        }
    }

    pub fn nothing() -> Outcome {
        Outcome::falls(Count::default())
    }

    /// This, then that (which runs only where this falls through). A path that took a
    /// cache hit before reaches a cache check of `next` as a hit too: it goes on only
    /// through that check's hit branch (the value it found is there).
    pub fn then(&self, next: &Outcome) -> Outcome {
        if self.hit().is_some() && next.hit().is_some() {
            // Past a first cache check, a later one (a token cached for the miss path) is
            // not the entry's hit: where this missed, `next` runs whole.
            let plain = Outcome {
                falls: or(&next.falls, &next.hit_falls),
                returns: or(&next.returns, &next.hit_returns),
                hit_falls: None,
                hit_returns: None,
            };
            let mut out = Outcome {
                hit_falls: None,
                hit_returns: None,
                ..self.clone()
            }
            .then(&plain);
            out.hit_falls = then(&self.hit_falls, &next.hit_falls);
            out.hit_returns = or(&self.hit_returns, &then(&self.hit_falls, &next.hit_returns));
            return out;
        }
        let checks = next.hit().is_some();
        let (hit_on, hit_ends) = if checks {
            (&next.hit_falls, &next.hit_returns)
        } else {
            (&next.falls, &next.returns)
        };
        Outcome {
            falls: then(&self.falls, &next.falls),
            returns: or(&self.returns, &then(&self.falls, &next.returns)),
            hit_falls: or(
                &then(&self.hit_falls, hit_on),
                &then(&self.falls, &next.hit_falls),
            ),
            hit_returns: or(
                &or(&self.hit_returns, &then(&self.falls, &next.hit_returns)),
                &then(&self.hit_falls, hit_ends),
            ),
        }
    }

    pub fn rename(&self, names: &std::collections::HashMap<Arc<str>, Arc<str>>) -> Outcome {
        let r = |c: &Option<Count>| c.as_ref().map(|c| c.rename(names));
        Outcome {
            falls: r(&self.falls),
            returns: r(&self.returns),
            hit_falls: r(&self.hit_falls),
            hit_returns: r(&self.hit_returns),
        }
    }

    /// One or the other.
    pub fn or(&self, other: &Outcome) -> Outcome {
        Outcome {
            falls: or(&self.falls, &other.falls),
            returns: or(&self.returns, &other.returns),
            hit_falls: or(&self.hit_falls, &other.hit_falls),
            hit_returns: or(&self.hit_returns, &other.hit_returns),
        }
    }

    /// Every way of ending, as one count (a function's, for its caller).
    pub fn total(&self) -> Count {
        or(&or(&self.falls, &self.returns), &self.hit()).unwrap_or_default()
    }

    /// The paths that answer from a cache hit, if any.
    pub fn hit(&self) -> Option<Count> {
        or(&self.hit_falls, &self.hit_returns)
    }

    /// Every way of ending becomes a return (a `return` statement's).
    pub fn returning(&self) -> Outcome {
        Outcome {
            falls: None,
            returns: or(&self.falls, &self.returns),
            hit_falls: None,
            hit_returns: or(&self.hit_falls, &self.hit_returns),
        }
    }

    /// Every return becomes a fall-through (a function called, or a handler in its chain:
    /// the caller goes on), its cache hits kept.
    pub fn as_call(&self) -> Outcome {
        Outcome {
            falls: or(&self.falls, &self.returns),
            returns: None,
            hit_falls: self.hit(),
            hit_returns: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(n: u64) -> Count {
        Count::op(&"KV".into(), Kind::Read, n)
    }

    #[test]
    fn an_early_return_makes_the_cheapest_path() {
        // get; if (hit) return; put
        let get = Outcome::falls(reads(1));
        let early = Outcome::nothing().returning().or(&Outcome::nothing());
        let put = Outcome::falls(Count::op(&"KV".into(), Kind::Write, 1));
        let total = get.then(&early).then(&put).total();
        assert_eq!(total.min.describe(), "1 read");
        assert_eq!(total.max.describe(), "1 read, 1 write");
    }

    #[test]
    fn a_loop_counts_one_item_on_the_worst_path_and_says_what_each_adds() {
        let c = reads(2).per_item();
        assert_eq!(c.min.describe(), "none");
        assert_eq!(c.max.describe(), "2 reads");
        assert_eq!(c.per_item.describe(), "2 reads");
        assert!(c.unbounded);
        assert_eq!(reads(2).times(3).max.describe(), "6 reads");
    }
}
