//! `no-invalid-kv-ttl`: TTLs and expirations that KV rejects or misreads.

use super::options::{options_object, properties};
use super::{FixKind, Rule, RuleContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::semantic::values::{number, uses_milliseconds_now};
use crate::semantic::{KvCall, KvMethod};

pub struct NoInvalidKvTtl;

const ID: &str = "no-invalid-kv-ttl";

/// KV's minimum `expirationTtl`, in seconds.
const MIN_EXPIRATION_TTL: f64 = 60.0;
/// KV's minimum `cacheTtl`, in seconds.
const MIN_CACHE_TTL: f64 = 30.0;
/// An `expiration` below this (2001-09-09 in seconds) is a TTL written as a time.
const MIN_EXPIRATION: f64 = 1e9;
/// An `expiration` above this (year 5138 in seconds) is in milliseconds.
const MAX_EXPIRATION: f64 = 1e11;

impl Rule for NoInvalidKvTtl {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "`expirationTtl` below 60, `cacheTtl` below 30, or an `expiration` that is not seconds since the epoch"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn fix_kind(&self, _: &crate::config::Config) -> FixKind {
        FixKind::None
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/no-invalid-kv-ttl.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        ctx.model
            .kv_calls
            .iter()
            .flat_map(|c| check_call(ctx, c))
            .collect()
    }
}

fn check_call(ctx: &RuleContext, call: &KvCall) -> Vec<Diagnostic> {
    let Some(obj) = options_object(call) else {
        return Vec::new();
    };
    let put = call.method == KvMethod::Put;
    let mut out = Vec::new();
    for prop in properties(obj, &call.consts) {
        let value = number(&prop.value, &call.consts);
        let problem = match (prop.name.as_ref(), value) {
            ("expirationTtl", Some(v)) if put && v < MIN_EXPIRATION_TTL => Some((
                format!("`expirationTtl` of {} is below KV's minimum of 60 seconds", v),
                "KV rejects the write at run time (400: invalid expiration_ttl). Use 60 or more.".to_string(),
            )),
            ("cacheTtl", Some(v)) if !put && v < MIN_CACHE_TTL => Some((
                format!("`cacheTtl` of {} is below KV's minimum of 30 seconds", v),
                "KV rejects the read at run time. Use 30 or more, or leave `cacheTtl` out for the default of 60.".to_string(),
            )),
            ("expiration", Some(v)) if put && v < MIN_EXPIRATION => Some((
                format!("`expiration` of {} is a time in 1970: it looks like a TTL", v),
                "`expiration` is an absolute time in seconds since the epoch; KV rejects times in the past. For a duration, use `expirationTtl` instead.".to_string(),
            )),
            ("expiration", Some(v)) if put && v > MAX_EXPIRATION => Some((
                format!("`expiration` of {} is in milliseconds", v),
                "`expiration` is in seconds since the epoch: divide by 1000.".to_string(),
            )),
            ("expiration", None) if put && uses_milliseconds_now(&prop.value, &call.consts) => Some((
                "`expiration` is computed from `Date.now()`, which is in milliseconds".to_string(),
                "`expiration` is in seconds since the epoch: use `Math.floor(Date.now() / 1000) + seconds`, or `expirationTtl: seconds`.".to_string(),
            )),
            _ => None,
        };
        if let Some((message, help)) = problem {
            let range = ctx.source.range(prop.span);
            out.push(Diagnostic::new(ID, range, message, help).with_severity(Severity::Error));
        }
    }
    out
}
