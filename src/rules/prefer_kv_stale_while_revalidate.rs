//! `prefer-kv-stale-while-revalidate`: a read-through cache that makes the user wait for
//! the origin on every miss.

use rustc_hash::FxHashSet as HashSet;
use swc_atoms::Atom;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::{FixKind, Rule, RuleContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::semantic::flow::{derived_from, may_share_key, same_key, uses, Bodies, MAX_COMPARISONS};
use crate::semantic::values::{is_string_wrapper, strip};
use crate::semantic::{KvCall, KvMethod};

pub struct PreferKvStaleWhileRevalidate;

const ID: &str = "prefer-kv-stale-while-revalidate";

/// Read-through shapes judged per file, at most (each walks its function once).
const MAX_SHAPES: usize = 128;

const HELP: &str = "On every miss the user waits for the origin, and when the entry expires every request in that moment goes to the origin at once. Serve the stale value and refresh it in the background instead (stale-while-revalidate): store the value with the time it was fetched, return it while it is within a stale window, and refresh it in `ctx.waitUntil`:\n  const hit = await kv.getWithMetadata<T, { fetchedAt: number }>(key, 'json');\n  if (hit.value !== null) {\n    if (Date.now() - hit.metadata!.fetchedAt > freshMs) ctx.waitUntil(refresh());\n    return hit.value;\n  }\n  return refresh();   // refresh(): fetch, then kv.put(key, JSON.stringify(v), { metadata: { fetchedAt: Date.now() }, expirationTtl })";

impl Rule for PreferKvStaleWhileRevalidate {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "Read-through KV cache that waits for the origin on a miss (stale-while-revalidate)"
    }
    fn default_severity(&self) -> Severity {
        Severity::Info
    }
    fn fix_kind(&self, _: &crate::config::Config) -> FixKind {
        FixKind::None
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/prefer-kv-stale-while-revalidate.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        // A read and a later write that may be of the same key, in one function: else no
        // read-through shape can be here, and the statements are not walked.
        let calls = &ctx.model.kv_calls;
        let mut compared = 0usize;
        let pair = calls.iter().filter(|r| r.method.is_read()).any(|r| {
            calls.iter().any(|p| {
                compared += 1;
                compared <= MAX_COMPARISONS
                    && p.method == KvMethod::Put
                    && p.function == r.function
                    && p.span.lo >= r.span.hi
                    && may_share_key(ctx.source, r, p)
            })
        });
        if !pair {
            return Vec::new();
        }
        let mut shapes = Shapes {
            ctx,
            bodies: Bodies::new(ctx.program),
            found: Vec::new(),
            judged: 0,
        };
        ctx.program.visit_with(&mut shapes);
        shapes.found
    }
}

struct Shapes<'c, 'a> {
    ctx: &'c RuleContext<'a>,
    /// The functions' bodies, found once.
    bodies: Bodies<'a>,
    found: Vec<Diagnostic>,
    judged: usize,
}

impl Visit for Shapes<'_, '_> {
    fn visit_ts_type(&mut self, _: &TsType) {}

    fn visit_block_stmt(&mut self, b: &BlockStmt) {
        self.statements(&b.stmts);
        b.visit_children_with(self);
    }

    fn visit_function_body(&mut self, b: &FunctionBody) {
        self.statements(&b.stmts);
        b.visit_children_with(self);
    }
}

/// `const v = await <KV read>`: the name and the read.
fn read_decl<'m>(ctx: &'m RuleContext, s: &Stmt) -> Option<(Atom, &'m KvCall<'m>)> {
    let Stmt::Decl(Decl::Var(v)) = s else {
        return None;
    };
    let [d] = &v.decls[..] else { return None };
    let Pat::Ident(name) = &d.name else {
        return None;
    };
    let Expr::Await(a) = strip(d.init.as_deref()?) else {
        return None;
    };
    let Expr::Call(c) = strip(&a.arg) else {
        return None;
    };
    let call = ctx.model.kv_call_at(c.span)?;
    call.method.is_read().then(|| (name.id.sym.clone(), call))
}

/// A statement `await <KV put>;`: the put.
fn awaited_put<'m>(ctx: &'m RuleContext, s: &Stmt) -> Option<&'m KvCall<'m>> {
    let Stmt::Expr(e) = s else { return None };
    let Expr::Await(a) = strip(&e.expr) else {
        return None;
    };
    let Expr::Call(c) = strip(&a.arg) else {
        return None;
    };
    let call = ctx.model.kv_call_at(c.span)?;
    (call.method == KvMethod::Put).then_some(call)
}

/// Whether a branch leaves the function (`return …` or `throw …`, alone or last in a block).
fn leaves(s: &Stmt) -> bool {
    match s {
        Stmt::Return(_) | Stmt::Throw(_) => true,
        Stmt::Block(b) => b.stmts.last().is_some_and(leaves),
        _ => false,
    }
}

/// Whether an `if` test is true on a miss: `!v`, `v === null`, `v == null`, `v === undefined`.
fn tests_miss(test: &Expr, name: &Atom) -> bool {
    let is_name = |e: &Expr| matches!(strip(e), Expr::Ident(i) if &i.sym == name);
    match strip(test) {
        Expr::Unary(u) if u.op == UnaryOp::Bang => is_name(&u.arg),
        Expr::Bin(b) if matches!(b.op, BinaryOp::EqEq | BinaryOp::EqEqEq) => {
            let empty = |e: &Expr| match strip(e) {
                Expr::Lit(Lit::Null(_)) => true,
                Expr::Ident(i) => &*i.sym == "undefined",
                _ => false,
            };
            (is_name(&b.left) && empty(&b.right)) || (is_name(&b.right) && empty(&b.left))
        }
        _ => false,
    }
}

/// Names declared in `stmts` from a call or an `await` (what came from the origin).
fn fetched_names(stmts: &[Stmt]) -> HashSet<Atom> {
    let mut out = HashSet::default();
    for s in stmts {
        if let Stmt::Decl(Decl::Var(v)) = s {
            for d in &v.decls {
                if d.init.as_deref().is_some_and(calls_something) {
                    out.extend(crate::semantic::scope::pat_names(&d.name));
                }
            }
        }
    }
    out
}

/// Whether an expression calls or awaits something (beyond `JSON.stringify`/`String` of it).
fn calls_something(e: &Expr) -> bool {
    struct Calls(bool);
    impl Visit for Calls {
        fn visit_ts_type(&mut self, _: &TsType) {}
        fn visit_await_expr(&mut self, _: &AwaitExpr) {
            self.0 = true;
        }
        fn visit_call_expr(&mut self, c: &CallExpr) {
            let wrapper = c
                .callee
                .as_expr()
                .is_some_and(|callee| is_string_wrapper(callee));
            if wrapper {
                c.args.visit_with(self);
            } else {
                self.0 = true;
            }
        }
        fn visit_new_expr(&mut self, _: &NewExpr) {
            self.0 = true;
        }
    }
    let mut calls = Calls(false);
    e.visit_with(&mut calls);
    calls.0
}

impl Shapes<'_, '_> {
    fn statements(&mut self, stmts: &[Stmt]) {
        for (i, s) in stmts.iter().enumerate() {
            let Some((name, read)) = read_decl(self.ctx, s) else {
                continue;
            };
            let names = HashSet::from_iter([name.clone()]);
            // The `if` on the value read that separates a hit from a miss.
            let Some((j, Stmt::If(branch))) = stmts
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, s)| matches!(s, Stmt::If(f) if uses(&f.test, &names, None)))
            else {
                continue;
            };
            // On a miss: the `if`'s branch when its test is the miss, else its `else`, and
            // what follows it when the hit branch leaves the function.
            let miss: Vec<&[Stmt]> = if tests_miss(&branch.test, &name) {
                vec![block(&branch.cons)]
            } else {
                let after = leaves(&branch.cons).then_some(&stmts[j + 1..]);
                branch
                    .alt
                    .as_deref()
                    .map(block)
                    .into_iter()
                    .chain(after)
                    .collect()
            };
            for path in miss {
                let before = &stmts[i + 1..];
                for p in path.iter().filter_map(|s| awaited_put(self.ctx, s)) {
                    self.judge(read, p, path, before);
                }
            }
        }
    }

    fn judge(&mut self, read: &KvCall, put: &KvCall, path: &[Stmt], before: &[Stmt]) {
        self.judged += 1;
        // The read and the put are statements of one list or of a branch of it: one function.
        if self.judged > MAX_SHAPES {
            return;
        }
        let ctx = self.ctx;
        let Some(body) = self.bodies.get(ctx.model.function_span(put.function)) else {
            return;
        };
        let Some(value) = put.arg(1) else { return };
        if !same_key(ctx.source, body, read, put) {
            return;
        }
        // Computed from the read: a read-modify-write, not a cache fill.
        if uses(
            value,
            &derived_from(body, read.span, put.span.lo),
            Some(read.span),
        ) {
            return;
        }
        let mut fetched = fetched_names(path);
        fetched.extend(fetched_names(before));
        if !(calls_something(value) || uses(value, &fetched, None)) {
            return;
        }
        let line = ctx.source.position(ctx.source.range(read.span).start).line;
        self.found.push(
            Diagnostic::new(
                ID,
                ctx.source.range(put.span),
                format!(
                    "Read-through cache: on a miss of the read on line {line}, the response waits for the origin and this awaited `put`"
                ),
                HELP,
            )
            .with_label(ctx.source.range(put.method_span), "the miss path waits for the origin"),
        );
    }
}

/// A branch's statements.
fn block(s: &Stmt) -> &[Stmt] {
    match s {
        Stmt::Block(b) => &b.stmts,
        other => std::slice::from_ref(other),
    }
}
