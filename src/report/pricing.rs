//! What KV operations cost: the prices (today's published ones, or `[report.pricing]`), the
//! traffic each entry gets (`--traffic FILE`, `--requests N`), and the budgets of
//! `[report.budget]`.

use std::collections::BTreeMap;
use std::path::Path;

use super::cost::{Kind, Tally};
use crate::config::{BudgetTable, PricingTable};

/// Workers KV's prices on the paid plan (per million operations, per GB-month) and what a
/// month includes.
#[derive(Clone, Debug, PartialEq)]
pub struct Pricing {
    /// Dollars per million operations of each kind.
    pub per_million: [f64; 4],
    /// Operations of each kind a month includes.
    pub included: [u64; 4],
    pub storage_per_gb_month: f64,
    pub storage_included_gb: f64,
}

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            per_million: [0.50, 5.00, 5.00, 5.00],
            included: [10_000_000, 1_000_000, 1_000_000, 1_000_000],
            storage_per_gb_month: 0.50,
            storage_included_gb: 1.0,
        }
    }
}

impl Pricing {
    pub fn from_config(t: &PricingTable) -> Pricing {
        let d = Pricing::default();
        Pricing {
            per_million: [
                t.reads_per_million.unwrap_or(d.per_million[0]),
                t.writes_per_million.unwrap_or(d.per_million[1]),
                t.deletes_per_million.unwrap_or(d.per_million[2]),
                t.lists_per_million.unwrap_or(d.per_million[3]),
            ],
            included: [
                t.reads_included.unwrap_or(d.included[0]),
                t.writes_included.unwrap_or(d.included[1]),
                t.deletes_included.unwrap_or(d.included[2]),
                t.lists_included.unwrap_or(d.included[3]),
            ],
            storage_per_gb_month: t.storage_per_gb_month.unwrap_or(d.storage_per_gb_month),
            storage_included_gb: t.storage_included_gb.unwrap_or(d.storage_included_gb),
        }
    }

    /// The price of operations, before what a month includes.
    pub fn gross(&self, ops: &[f64; 4]) -> f64 {
        Kind::ALL
            .iter()
            .map(|k| ops[k.index()] * self.per_million[k.index()] / 1e6)
            .sum()
    }

    /// The bill for a month's operations: what the month includes is free.
    pub fn billed(&self, ops: &[f64; 4]) -> f64 {
        Kind::ALL
            .iter()
            .map(|k| {
                let i = k.index();
                (ops[i] - self.included[i] as f64).max(0.0) * self.per_million[i] / 1e6
            })
            .sum()
    }
}

/// Operations of each kind in a month.
pub fn monthly(per_request: &Tally, requests: f64) -> [f64; 4] {
    std::array::from_fn(|i| per_request.of(Kind::ALL[i]) as f64 * requests)
}

/// Requests per month, by entry.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    /// By entry name (`GET /api/users/:id`, `fetch`), or `*` for every entry not named.
    pub by_entry: BTreeMap<String, f64>,
}

impl Traffic {
    /// `--requests N`: every entry gets N.
    pub fn uniform(n: f64) -> Traffic {
        Traffic {
            by_entry: [("*".to_string(), n)].into_iter().collect(),
        }
    }

    /// A `--traffic` file: TOML (`"GET /api/x" = 1000000`) or JSON (`{"GET /api/x":
    /// 1000000}`), by its extension.
    pub fn load(path: &Path) -> Result<Traffic, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json = path.extension().is_some_and(|e| e == "json");
        let table: BTreeMap<String, serde_json::Value> = if json {
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        } else {
            let t: BTreeMap<String, toml::Value> = toml::from_str(&text)
                .map_err(|e| format!("{}: {}", path.display(), e.message()))?;
            t.into_iter()
                .map(|(k, v)| {
                    let n = match v {
                        toml::Value::Integer(i) => serde_json::json!(i),
                        toml::Value::Float(f) => serde_json::json!(f),
                        other => serde_json::json!(other.to_string()),
                    };
                    (k, n)
                })
                .collect()
        };
        let mut by_entry = BTreeMap::new();
        for (k, v) in table {
            let n = v
                .as_f64()
                .filter(|n| *n >= 0.0 && n.is_finite())
                .ok_or_else(|| {
                    format!(
                        "{}: `{k}`: give the requests per month as a number, not {v}",
                        path.display()
                    )
                })?;
            by_entry.insert(k, n);
        }
        Ok(Traffic { by_entry })
    }

    /// The requests an entry gets: by its name, by `file:name`, else `*`, else none.
    pub fn of(&self, name: &str, file: &str) -> Option<f64> {
        self.by_entry
            .get(name)
            .or_else(|| self.by_entry.get(&format!("{file}:{name}")))
            .or_else(|| self.by_entry.get("*"))
            .copied()
    }

    /// The names that match no entry (a typo in the traffic file).
    pub fn unmatched<'a>(&'a self, entries: &[(String, String)]) -> Vec<&'a str> {
        self.by_entry
            .keys()
            .filter(|k| *k != "*")
            .filter(|k| {
                !entries
                    .iter()
                    .any(|(name, file)| *k == name || **k == format!("{file}:{name}"))
            })
            .map(String::as_str)
            .collect()
    }
}

/// Budgets, and which a month's estimate passes.
pub fn over_budget(budget: &BudgetTable, ops: &[f64; 4], usd: f64) -> Vec<String> {
    let counts = [
        ("reads", budget.reads_per_month, ops[0]),
        ("writes", budget.writes_per_month, ops[1]),
    ];
    let mut over: Vec<String> = counts
        .iter()
        .filter_map(|&(what, limit, n)| {
            let limit = limit? as f64;
            (n > limit).then(|| {
                format!(
                    "{what}: {} a month at most, over the budget of {}",
                    thousands(n),
                    thousands(limit)
                )
            })
        })
        .collect();
    if let Some(b) = budget.usd_per_month.filter(|&b| usd > b) {
        over.push(format!(
            "cost: {} a month at most, over the budget of {}",
            dollars(usd),
            dollars(b)
        ));
    }
    over
}

/// `12,345,678` (rounded).
pub fn thousands(n: f64) -> String {
    let n = n.round() as u128;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `$12.34`.
pub fn dollars(usd: f64) -> String {
    let cents = (usd * 100.0).round() / 100.0;
    let whole = thousands(cents.trunc());
    format!("${whole}.{:02}", ((cents.fract()) * 100.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn included_operations_are_free_and_the_rest_is_billed_per_million() {
        let p = Pricing::default();
        // 30M reads: 20M billed at $0.50; 3M writes: 2M billed at $5.
        let ops = [30e6, 3e6, 0.0, 0.0];
        assert!((p.billed(&ops) - 20.0).abs() < 1e-9);
        assert!((p.gross(&ops) - 30.0).abs() < 1e-9);
        assert_eq!(dollars(1234.5), "$1,234.50");
        assert_eq!(thousands(10_000_000.0), "10,000,000");
    }

    #[test]
    fn budgets_passed_are_named() {
        let b = BudgetTable {
            reads_per_month: Some(1000),
            writes_per_month: None,
            usd_per_month: Some(1.0),
        };
        let over = over_budget(&b, &[2000.0, 0.0, 0.0, 0.0], 0.5);
        assert_eq!(
            over,
            ["reads: 2,000 a month at most, over the budget of 1,000"]
        );
    }
}
