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

    /// Each function's statements, once: nested blocks are walked by [`Shapes::list`], which
    /// knows what runs after them; nested functions are found by the visit.
    fn visit_function_body(&mut self, b: &FunctionBody) {
        self.list(&b.stmts, &[]);
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

/// Names that hold what came from the origin, in `lists` and the blocks nested in them (not
/// in nested functions): declared or assigned from a call or an `await` that is not the
/// request's (`let x; try { x = await load() }` included), or from such names (`const data =
/// { a, b }` after `const [a, b] = await Promise.all(…)`).
fn origin_names(lists: &[&[Stmt]]) -> HashSet<Atom> {
    let mut assigned: Vec<(Vec<Atom>, &Expr)> = Vec::new();
    for list in lists {
        collect_assignments(list, &mut assigned);
    }
    let mut out: HashSet<Atom> = HashSet::default();
    // Direct origin values, then names computed from them, a bounded number of rounds.
    for round in 0..4 {
        let before = out.len();
        for (names, e) in &assigned {
            let origin = if round == 0 {
                from_origin(e)
            } else {
                !from_request(e) && uses(e, &out, None)
            };
            if origin {
                out.extend(names.iter().cloned());
            }
        }
        if round > 0 && out.len() == before {
            break;
        }
    }
    out
}

/// The declarations and assignments of a statement list and its nested blocks: the names
/// and the value each is given.
fn collect_assignments<'a>(stmts: &'a [Stmt], out: &mut Vec<(Vec<Atom>, &'a Expr)>) {
    for s in stmts {
        match s {
            Stmt::Decl(Decl::Var(v)) => {
                for d in &v.decls {
                    if let Some(init) = d.init.as_deref() {
                        out.push((crate::semantic::scope::pat_names(&d.name), init));
                    }
                }
            }
            Stmt::Expr(e) => {
                if let Expr::Assign(a) = strip(&e.expr) {
                    out.push((crate::semantic::scope::assigned_names(&a.left), &a.right));
                }
            }
            _ => {
                for inner in nested_lists(s) {
                    collect_assignments(inner, out);
                }
            }
        }
    }
}

/// The statement lists directly nested in a statement: blocks, branches, `try` parts, loop
/// and `switch` bodies.
fn nested_lists(s: &Stmt) -> Vec<&[Stmt]> {
    match s {
        Stmt::Block(b) => vec![&b.stmts],
        Stmt::If(f) => std::iter::once(block(&f.cons))
            .chain(f.alt.as_deref().map(block))
            .collect(),
        Stmt::Try(t) => std::iter::once(&t.block.stmts[..])
            .chain(t.handler.as_ref().map(|h| &h.body.stmts[..]))
            .chain(t.finalizer.as_ref().map(|f| &f.stmts[..]))
            .collect(),
        Stmt::For(f) => vec![block(&f.body)],
        Stmt::ForIn(f) => vec![block(&f.body)],
        Stmt::ForOf(f) => vec![block(&f.body)],
        Stmt::While(w) => vec![block(&w.body)],
        Stmt::DoWhile(w) => vec![block(&w.body)],
        Stmt::Labeled(l) => vec![block(&l.body)],
        Stmt::Switch(sw) => sw.cases.iter().map(|c| &c.cons[..]).collect(),
        _ => vec![],
    }
}

/// The awaited puts of a path: its statements and the blocks nested in them (`if (res.ok) {
/// await kv.put(…) }`).
fn awaited_puts<'m>(ctx: &'m RuleContext, stmts: &[Stmt], out: &mut Vec<&'m KvCall<'m>>) {
    for s in stmts {
        match awaited_put(ctx, s) {
            Some(p) => out.push(p),
            None => {
                for inner in nested_lists(s) {
                    awaited_puts(ctx, inner, out);
                }
            }
        }
    }
}

/// Whether a statement (or a branch) returns the value read or something computed from it,
/// somewhere in it (a nested `if` included; not in nested functions).
fn returns_read(s: &Stmt, names: &HashSet<Atom>) -> bool {
    match s {
        Stmt::Return(r) => r.arg.as_deref().is_some_and(|e| uses(e, names, None)),
        _ => nested_lists(s)
            .into_iter()
            .flatten()
            .any(|s| returns_read(s, names)),
    }
}

/// Whether a value comes from the origin: it calls or awaits something, and nothing of it is
/// read from the request.
fn from_origin(e: &Expr) -> bool {
    calls_something(e) && !from_request(e)
}

/// Whether a value is read from the incoming request: a call on it (`await req.text()`,
/// `c.req.json()`, `context.request.formData()`), awaited or turned into a string. A fetch
/// that uses the request's URL still asks the origin.
fn from_request(e: &Expr) -> bool {
    match strip(e) {
        Expr::Await(a) => from_request(&a.arg),
        Expr::Call(c) => {
            let Some(callee) = c.callee.as_expr() else {
                return false;
            };
            if is_string_wrapper(callee) {
                return c.args.iter().any(|a| from_request(&a.expr));
            }
            let Expr::Member(m) = strip(callee) else {
                return false;
            };
            let named = |n: &str| matches!(n, "req" | "request");
            match strip(&m.obj) {
                Expr::Ident(i) => named(&i.sym),
                Expr::Member(o) => matches!(&o.prop, MemberProp::Ident(p) if named(&p.sym)),
                _ => false,
            }
        }
        _ => false,
    }
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
    /// The read-through shapes whose read is a statement of `stmts` or of a block nested in
    /// it. `after` holds what runs once `stmts` is done, innermost first: the statements
    /// after an enclosing plain block or `try` block (not after an `if` branch or a loop,
    /// which may not run at all).
    fn list(&mut self, stmts: &[Stmt], after: &[&[Stmt]]) {
        for (i, s) in stmts.iter().enumerate() {
            let rest = &stmts[i + 1..];
            if let Some((name, read)) = read_decl(self.ctx, s) {
                self.shape(&name, read, rest, after);
                continue;
            }
            let then: Vec<&[Stmt]> = std::iter::once(rest).chain(after.iter().copied()).collect();
            match s {
                Stmt::Block(b) => self.list(&b.stmts, &then),
                Stmt::Try(t) => {
                    self.list(&t.block.stmts, &then);
                    if let Some(h) = &t.handler {
                        self.list(&h.body.stmts, &then);
                    }
                    if let Some(f) = &t.finalizer {
                        self.list(&f.stmts, &then);
                    }
                }
                Stmt::If(f) => {
                    self.list(block(&f.cons), &[]);
                    if let Some(alt) = &f.alt {
                        self.list(block(alt), &[]);
                    }
                }
                Stmt::For(_)
                | Stmt::ForIn(_)
                | Stmt::ForOf(_)
                | Stmt::While(_)
                | Stmt::DoWhile(_)
                | Stmt::Labeled(_)
                | Stmt::Switch(_) => {
                    for inner in nested_lists(s) {
                        self.list(inner, &[]);
                    }
                }
                _ => {}
            }
        }
    }

    /// A read `name = await <read>` followed by `rest` (then `after`): the `if` on the value
    /// that separates a hit, which returns the value (or something computed from it), from
    /// a miss, whose awaited puts of the same key are judged.
    fn shape(&mut self, name: &Atom, read: &KvCall, rest: &[Stmt], after: &[&[Stmt]]) {
        let names = HashSet::from_iter([name.clone()]);
        let Some((j, Stmt::If(branch))) = rest
            .iter()
            .enumerate()
            .find(|(_, s)| matches!(s, Stmt::If(f) if uses(&f.test, &names, None)))
        else {
            return;
        };
        let following: Vec<&[Stmt]> = std::iter::once(&rest[j + 1..])
            .chain(after.iter().copied())
            .collect();
        let miss: Vec<&[Stmt]> = if tests_miss(&branch.test, name) {
            // `if (!v) { …miss… }`, and the hit is what follows: its first `return` gives
            // the value read. A set-if-absent returns nothing of it.
            let hit = following
                .iter()
                .flat_map(|l| l.iter())
                .find(|s| matches!(s, Stmt::Return(_)));
            if !hit.is_some_and(|r| returns_read(r, &names)) {
                return;
            }
            vec![block(&branch.cons)]
        } else {
            // `if (v) { …return v… }`: a hit that answers with something else (an error,
            // "already used") is no cache of the value.
            if !returns_read(&branch.cons, &names) {
                return;
            }
            branch
                .alt
                .as_deref()
                .map(block)
                .into_iter()
                .chain(following)
                .collect()
        };
        let before = &rest[..j];
        for path in &miss {
            let mut puts = Vec::new();
            awaited_puts(self.ctx, path, &mut puts);
            for p in puts {
                self.judge(read, p, &miss, before);
            }
        }
    }

    fn judge(&mut self, read: &KvCall, put: &KvCall, miss: &[&[Stmt]], before: &[Stmt]) {
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
            &derived_from(body, read.span, put.span.lo, &|c| ctx.model.is_io_call(c)),
            Some(read.span),
        ) {
            return;
        }
        // From the origin: a call that is not the request's (a body the client sent is no
        // origin's answer), or names that hold one.
        let lists: Vec<&[Stmt]> = std::iter::once(before)
            .chain(miss.iter().copied())
            .collect();
        let fetched = origin_names(&lists);
        if !(from_origin(value) || uses(value, &fetched, None)) {
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
