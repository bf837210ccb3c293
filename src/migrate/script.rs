//! The script `kvlint migrate-data` writes: a bash header that says what it moves and how to
//! run it, then the runner (`runner.mjs`, run by Node, which wrangler needs anyway) with the
//! plan as JSON. The runner changes data only through wrangler.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{Move, Plan};

/// The runner: lists, copies, verifies and deletes through `wrangler kv`.
const RUNNER: &str = include_str!("runner.mjs");

/// The script for a plan.
pub fn script(plan: &Plan, generated_from: &str) -> String {
    let mut out = String::from("#!/usr/bin/env bash\n");
    out.push_str(&format!(
        "# Moves the Workers KV data that kvlint's migration fixes rename or move (written by\n\
         # `kvlint migrate-data` for {generated_from}). The same moves are found before and after the\n\
         # code is fixed. The order that keeps a live Worker working:\n\
         #   1. {{this script}} --apply        copy each old key to its new name (never deletes)\n\
         #   2. deploy the fixed code          (it reads the new names)\n\
         #   3. {{this script}} --apply        copy what the old code wrote in between\n\
         #   4. {{this script}} --delete-old   delete each old key whose copy holds the same\n\
         #\n\
         # Usage: {{this script}} [--apply] [--delete-old] [--delete-sessions] [-- WRANGLER_ARGS...]\n\
         #   Without options it only lists what it would do: every key, its source and target.\n\
         #   --apply copies each value with its metadata and expiration (no new TTL) and reads the\n\
         #   copy back. What it copied is recorded in the state file beside this script\n\
         #   ($0.state.json, or KVLINT_STATE): a later --apply updates a target that still holds\n\
         #   kvlint's copy when the old key changed since, and keeps (and reports) a target the\n\
         #   new code has written since. A target that exists with another value and was never\n\
         #   kvlint's copy is a conflict: nothing of that pattern is copied, and the script exits 1.\n\
         #   --delete-old deletes an old key only where its target holds the same value, metadata\n\
         #   and expiration.\n\
         #   --delete-sessions (with --apply) deletes the session keys moved to a Durable Object.\n\
         #   WRANGLER_ARGS go to every wrangler call: --local --persist-to DIR, --env NAME,\n\
         #   --preview, --remote. WRANGLER is the command that runs wrangler (npx wrangler).\n\
         #   KVLINT_LIST_PAUSE is the pause in seconds between two lists of one pattern (1).\n\
         #\n\
         # What it moves:\n"
    ));
    if plan.steps.is_empty() {
        out.push_str("#   nothing: no configured fix renames, prefixes or moves a key.\n");
    }
    for step in &plan.steps {
        let what = match &step.what {
            Move::Rename { from, to } => format!("`{from}` -> `{to}`"),
            Move::Prefix { start, prefix } => format!("`{start}*` -> `{prefix}{start}*`"),
            Move::Sessions {
                start,
                exact,
                object,
            } => format!(
                "`{start}{}` deleted (sessions now in the Durable Object {object}; only with --delete-sessions)",
                if *exact { "" } else { "*" }
            ),
        };
        let _ = writeln!(out, "#   {}: {what}", step.binding);
        let _ = writeln!(out, "#     for {}", step.origins.join(", "));
    }
    for s in &plan.skipped {
        let _ = writeln!(out, "#   not moved: {s}");
    }
    let steps: Vec<Value> = plan
        .steps
        .iter()
        .map(|s| {
            let mut v = match &s.what {
                Move::Rename { from, to } => json!({"kind": "rename", "from": from, "to": to}),
                Move::Prefix { start, prefix } => {
                    json!({"kind": "prefix", "start": start, "prefix": prefix})
                }
                Move::Sessions {
                    start,
                    exact,
                    object,
                } => json!({"kind": "sessions", "start": start, "exact": exact, "object": object}),
            };
            v["dir"] = json!(s.dir.to_string_lossy());
            v["binding"] = json!(s.binding);
            v["origin"] = json!(s.origins.join(", "));
            v
        })
        .collect();
    let plan_json = serde_json::to_string(&steps).expect("JSON of strings");
    out.push_str("set -euo pipefail\n");
    out.push_str("command -v node >/dev/null || { echo 'this script needs Node.js (as wrangler does)' >&2; exit 2; }\n");
    out.push_str("export KVLINT_STATE=\"${KVLINT_STATE:-$0.state.json}\"\n");
    out.push_str("exec node --input-type=module -e \"$(cat <<'KVLINT_RUNNER'\n");
    let _ = writeln!(out, "const PLAN = {plan_json};");
    out.push_str(RUNNER);
    out.push_str("KVLINT_RUNNER\n)\" -- \"$@\"\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::Step;

    #[test]
    fn the_script_lists_its_moves_and_embeds_the_plan() {
        let plan = Plan {
            steps: vec![Step {
                dir: "/w".into(),
                binding: "SESSIONS".into(),
                what: Move::Rename {
                    from: "fb_token".into(),
                    to: "oauth:fb".into(),
                },
                origins: vec!["src/a.ts:3:9".into()],
            }],
            skipped: vec![],
        };
        let text = script(&plan, "src");
        assert!(text.starts_with("#!/usr/bin/env bash\n"));
        assert!(text.contains("#   SESSIONS: `fb_token` -> `oauth:fb`\n#     for src/a.ts:3:9\n"));
        let plan_line = text
            .lines()
            .find(|l| l.starts_with("const PLAN = "))
            .unwrap();
        let embedded: Value =
            serde_json::from_str(plan_line["const PLAN = ".len()..].trim_end_matches(';')).unwrap();
        assert_eq!(embedded[0]["kind"], "rename");
        assert_eq!(embedded[0]["from"], "fb_token");
        assert_eq!(embedded[0]["to"], "oauth:fb");
        assert_eq!(embedded[0]["binding"], "SESSIONS");
        assert!(text.ends_with("KVLINT_RUNNER\n)\" -- \"$@\"\n"));
        // The heredoc is quoted and its end marker appears once: the runner is taken as is.
        assert_eq!(text.matches("\nKVLINT_RUNNER\n").count(), 1);
    }
}
