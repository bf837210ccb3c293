//! Reading KV call options (`{ expirationTtl: 60 }`) shared by the rules.

use swc_ecma_ast::{Expr, ObjectLit};

use crate::semantic::values::strip;
pub use crate::semantic::values::{opaque, properties};
use crate::semantic::{KvCall, KvMethod};

/// The options argument of a KV call, when it is an object literal.
pub fn options_object<'p>(call: &KvCall<'p>) -> Option<&'p ObjectLit> {
    let index = match call.method {
        KvMethod::Put => 2,
        KvMethod::Get | KvMethod::GetWithMetadata => 1,
        _ => return None,
    };
    match strip(call.arg(index)?) {
        Expr::Object(o) => Some(o),
        _ => None,
    }
}
