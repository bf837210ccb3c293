//! Data flow inside one function, for the rules about state kept in KV: which names hold a
//! value computed from a KV read, whether an expression uses one, whether a name is
//! assigned between two points, and whether two KV calls name the same key of the same
//! namespace. One forward pass over the function, in source order, never into nested
//! functions (a closure runs at another time).

use rustc_hash::FxHashSet as HashSet;
use swc_atoms::Atom;
use swc_common::{BytePos, Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::scope::{assigned_names, pat_names};
use super::values::{key_value, strip, KeyValue};
use super::KvCall;
use crate::source::Source;

/// Methods that put their arguments into the object they are called on.
const MUTATORS: [&str; 6] = ["push", "unshift", "splice", "set", "add", "fill"];

/// How deep the pass follows nested expressions and statements (deeper code is not
/// followed, and what it derives is not known: a finding needs what is known).
const MAX_DEPTH: usize = 200;

/// The bodies of a program's functions by span (the program itself under its own span),
/// found in one walk: a rule asks for many, and a walk per function would be quadratic in a
/// large file.
pub struct Bodies<'p> {
    program: &'p Program,
    by_span: std::cell::OnceCell<rustc_hash::FxHashMap<Span, Body<'p>>>,
}

impl<'p> Bodies<'p> {
    pub fn new(program: &'p Program) -> Self {
        Bodies {
            program,
            by_span: std::cell::OnceCell::new(),
        }
    }

    /// The body of the function whose span is `span` (the top level for the program's).
    pub fn get(&self, span: Span) -> Option<Body<'p>> {
        if self.program.span() == span {
            return Some(Body::Program(self.program));
        }
        self.by_span
            .get_or_init(|| {
                let mut find = FindFunction {
                    found: rustc_hash::FxHashMap::default(),
                };
                self.program.visit_with(&mut find);
                find.found
            })
            .get(&span)
            .copied()
    }
}

/// What a function's code is.
#[derive(Clone, Copy)]
pub enum Body<'p> {
    Program(&'p Program),
    Function(&'p FunctionBody),
    Expr(&'p Expr),
}

impl Body<'_> {
    fn visit(&self, v: &mut impl Visit) {
        match self {
            Body::Program(p) => p.visit_with(v),
            Body::Function(b) => b.visit_with(v),
            Body::Expr(e) => e.visit_with(v),
        }
    }
}

struct FindFunction<'p> {
    found: rustc_hash::FxHashMap<Span, Body<'p>>,
}

impl Visit for FindFunction<'_> {
    fn visit_ts_type(&mut self, _: &TsType) {}

    fn visit_function(&mut self, f: &Function) {
        if let Some(body) = &f.body {
            // SAFETY: the visitor walks the program `Bodies` was given.
            self.found
                .insert(f.span, Body::Function(unsafe { super::in_program(body) }));
        }
        f.visit_children_with(self);
    }

    fn visit_constructor(&mut self, c: &Constructor) {
        if let Some(body) = &c.body {
            // SAFETY: the visitor walks the program `Bodies` was given.
            self.found
                .insert(c.span, Body::Function(unsafe { super::in_program(body) }));
        }
        c.visit_children_with(self);
    }

    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        // SAFETY: the visitor walks the program `Bodies` was given.
        let body = match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => Body::Function(unsafe { super::in_program(b) }),
            ArrowFunctionBody::Expr(e) => Body::Expr(unsafe { super::in_program(&**e) }),
        };
        self.found.insert(a.span, body);
        a.visit_children_with(self);
    }
}

/// Which calls give a result that is not computed from their arguments: I/O, whose answer
/// comes from elsewhere (`fetch(url, { body: token })` sends the token; its response is the
/// server's). See [`crate::semantic::SemanticModel::is_io_call`].
pub type Io<'a> = &'a dyn Fn(&CallExpr) -> bool;

/// The names that hold a value computed from the read at `read` (a call's span), assigned
/// before `until`: declared from it, assigned from it, or mutated with it (`list.push(x)`).
/// The result of an `io` call is not computed from what it is given.
pub fn derived_from(body: Body, read: Span, until: BytePos, io: Io) -> HashSet<Atom> {
    let mut pass = Derive {
        io,
        read,
        until,
        names: HashSet::default(),
        depth: 0,
        on_path: true,
    };
    body.visit(&mut pass);
    pass.names
}

struct Derive<'a> {
    io: Io<'a>,
    read: Span,
    until: BytePos,
    names: HashSet<Atom>,
    depth: usize,
    /// Whether every statement the walk is inside also holds `until`: a statement here
    /// that runs runs before `until` on every path that reaches it.
    on_path: bool,
}

impl Derive<'_> {
    fn comes_from_read(&self, e: &Expr) -> bool {
        uses_through(e, &self.names, Some(self.read), self.io)
    }

    /// The name an assignment or mutation target is rooted at (`a` in `a.b.c`).
    fn root(e: &Expr) -> Option<Atom> {
        match strip(e) {
            Expr::Ident(i) => Some(i.sym.clone()),
            Expr::Member(m) => Self::root(&m.obj),
            _ => None,
        }
    }
}

impl Visit for Derive<'_> {
    fn visit_ts_type(&mut self, _: &TsType) {}
    // Nested functions run at another time.
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}

    fn visit_stmt(&mut self, s: &Stmt) {
        if s.span().lo >= self.until || self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        let outer = self.on_path;
        self.on_path &= s.span().lo <= self.until && self.until <= s.span().hi;
        s.visit_children_with(self);
        self.on_path = outer;
        // `x = fresh;` on the way to `until`: `x` no longer holds what was read (a
        // conditional or partial assignment, `x ||= …`, `[x] = …`, changes nothing here).
        if let (true, Some((x, value))) = (outer, fresh_assignment(s)) {
            if !self.comes_from_read(value) {
                self.names.remove(x);
            }
        }
        // `const data = await res.json()` in a block on the way to `until`: a new `data`
        // shadows the one that held what was read, up to `until`.
        if let (true, Stmt::Decl(Decl::Var(v))) = (outer, s) {
            for d in &v.decls {
                let fresh = d.init.as_deref().is_none_or(|i| !self.comes_from_read(i));
                if fresh {
                    for name in pat_names(&d.name) {
                        self.names.remove(&name);
                    }
                }
            }
        }
        self.depth -= 1;
    }

    fn visit_var_declarator(&mut self, d: &VarDeclarator) {
        d.visit_children_with(self);
        if let Some(init) = &d.init {
            if d.span.lo < self.until && self.comes_from_read(init) {
                self.names.extend(pat_names(&d.name));
            }
        }
    }

    fn visit_assign_expr(&mut self, a: &AssignExpr) {
        a.visit_children_with(self);
        if a.span.lo >= self.until || !self.comes_from_read(&a.right) {
            return;
        }
        // `o.x = …` changes what `o` holds.
        if let AssignTarget::Simple(SimpleAssignTarget::Member(m)) = &a.left {
            self.names.extend(Self::root(&m.obj));
        }
        self.names.extend(assigned_names(&a.left));
    }

    /// `list.push(x)`, `map.set(k, x)`, `Object.assign(o, x)`: the object now holds what
    /// `x` came from. Other calls (`JSON.parse(x)`, `c.json(x)`) change no object.
    fn visit_call_expr(&mut self, c: &CallExpr) {
        c.visit_children_with(self);
        if c.span.lo >= self.until {
            return;
        }
        let Callee::Expr(callee) = &c.callee else {
            return;
        };
        let Expr::Member(m) = strip(callee) else {
            return;
        };
        let MemberProp::Ident(method) = &m.prop else {
            return;
        };
        let is_object = matches!(strip(&m.obj), Expr::Ident(o) if &*o.sym == "Object");
        let target = if is_object && &*method.sym == "assign" {
            c.args.first().and_then(|a| Self::root(&a.expr))
        } else if MUTATORS.contains(&&*method.sym) {
            Self::root(&m.obj)
        } else {
            None
        };
        if c.args.iter().any(|a| self.comes_from_read(&a.expr)) {
            self.names.extend(target);
        }
    }
}

/// The name a statement `x = value;` assigns, and the value.
fn fresh_assignment(s: &Stmt) -> Option<(&Atom, &Expr)> {
    let Stmt::Expr(e) = s else { return None };
    let Expr::Assign(a) = strip(&e.expr) else {
        return None;
    };
    match (a.op, &a.left) {
        (AssignOp::Assign, AssignTarget::Simple(SimpleAssignTarget::Ident(x))) => {
            Some((&x.id.sym, &a.right))
        }
        _ => None,
    }
}

/// Whether an expression uses one of `names`, or contains the call at `call` (the read
/// itself, inline). Nested functions count: `list.map((x) => x + count)` uses `count`.
pub fn uses(e: &Expr, names: &HashSet<Atom>, call: Option<Span>) -> bool {
    uses_through(e, names, call, &|_| false)
}

/// [`uses`], where the result of an `io` call does not use what it is given.
pub fn uses_through(e: &Expr, names: &HashSet<Atom>, call: Option<Span>, io: Io) -> bool {
    let mut find = Uses {
        names,
        call,
        io,
        found: false,
    };
    e.visit_with(&mut find);
    find.found
}

struct Uses<'n> {
    names: &'n HashSet<Atom>,
    call: Option<Span>,
    io: Io<'n>,
    found: bool,
}

impl Visit for Uses<'_> {
    fn visit_ts_type(&mut self, _: &TsType) {}

    fn visit_ident(&mut self, i: &Ident) {
        self.found |= self.names.contains(&i.sym);
    }

    fn visit_member_prop(&mut self, p: &MemberProp) {
        // `a.count` names a property, not the variable `count`.
        if let MemberProp::Computed(c) = p {
            c.visit_with(self);
        }
    }

    fn visit_prop_name(&mut self, p: &PropName) {
        if let PropName::Computed(c) = p {
            c.visit_with(self);
        }
    }

    fn visit_call_expr(&mut self, c: &CallExpr) {
        if Some(c.span) == self.call {
            self.found = true;
            return;
        }
        if (self.io)(c) {
            return;
        }
        c.visit_children_with(self);
    }
}

/// Whether any of `names` is assigned (or updated) in `body` between two positions.
pub fn assigned_between(body: Body, names: &HashSet<Atom>, from: BytePos, to: BytePos) -> bool {
    let mut find = Assigned {
        names,
        from,
        to,
        found: false,
    };
    body.visit(&mut find);
    find.found
}

struct Assigned<'n> {
    names: &'n HashSet<Atom>,
    from: BytePos,
    to: BytePos,
    found: bool,
}

impl Assigned<'_> {
    fn within(&self, span: Span) -> bool {
        self.from <= span.lo && span.hi <= self.to
    }
}

impl Visit for Assigned<'_> {
    fn visit_ts_type(&mut self, _: &TsType) {}

    fn visit_assign_expr(&mut self, a: &AssignExpr) {
        if self.within(a.span) {
            self.found |= assigned_names(&a.left)
                .iter()
                .any(|t| self.names.contains(t));
        }
        a.visit_children_with(self);
    }

    fn visit_update_expr(&mut self, u: &UpdateExpr) {
        if self.within(u.span) {
            if let Expr::Ident(i) = strip(&u.arg) {
                self.found |= self.names.contains(&i.sym);
            }
        }
        u.visit_children_with(self);
    }
}

/// The identifiers an expression reads (not property names).
pub fn identifiers(e: &Expr) -> HashSet<Atom> {
    struct Names(HashSet<Atom>);
    impl Visit for Names {
        fn visit_ts_type(&mut self, _: &TsType) {}
        fn visit_ident(&mut self, i: &Ident) {
            self.0.insert(i.sym.clone());
        }
        fn visit_member_prop(&mut self, p: &MemberProp) {
            if let MemberProp::Computed(c) = p {
                c.visit_with(self);
            }
        }
    }
    let mut names = Names(HashSet::default());
    e.visit_with(&mut names);
    names.0
}

/// Whether two KV calls of one function name the same namespace and the same key, as far as
/// the code can show: the same binding (aliases resolved) or the same receiver text, and the
/// same static key, or the same key text whose names are not assigned between the calls.
pub fn same_key(source: &Source, body: Body, a: &KvCall, b: &KvCall) -> bool {
    match key_match(source, a, b) {
        Match::No => false,
        Match::Static => true,
        Match::Text(key) => {
            let (first, second) = if a.span.lo <= b.span.lo {
                (a, b)
            } else {
                (b, a)
            };
            !assigned_between(body, &identifiers(key), first.span.hi, second.span.lo)
        }
    }
}

/// How many pairs of KV calls a rule compares in one file at most (a generated file with
/// thousands of calls would take quadratic time): past it, the rest are not judged.
pub const MAX_COMPARISONS: usize = 100_000;

/// Whether two KV calls may name the same key of the same namespace, judged without
/// walking the function (`same_key` then says whether they do): cheap enough to ask of
/// every pair of a file's calls.
pub fn may_share_key(source: &Source, a: &KvCall, b: &KvCall) -> bool {
    !matches!(key_match(source, a, b), Match::No)
}

enum Match<'p> {
    No,
    /// The same static key.
    Static,
    /// The same key text: the same key only if its names are not assigned in between.
    Text(&'p Expr),
}

fn key_match<'p>(source: &Source, a: &KvCall<'p>, b: &KvCall) -> Match<'p> {
    let same_namespace = match (&a.binding, &b.binding) {
        (Some(x), Some(y)) => x == y,
        (None, None) => source.slice(a.receiver_span) == source.slice(b.receiver_span),
        _ => false,
    };
    let (Some(ka), Some(kb)) = (a.arg(0), b.arg(0)) else {
        return Match::No;
    };
    if !same_namespace || matches!(strip(ka), Expr::Array(_)) {
        return Match::No;
    }
    if let (KeyValue::Static(x), KeyValue::Static(y)) =
        (key_value(ka, &a.consts), key_value(kb, &b.consts))
    {
        return if x == y { Match::Static } else { Match::No };
    }
    let text = |e: &Expr| source.slice(strip(e).span()).to_string();
    if text(ka) != text(kb) || !super::evaluation::pure(ka) {
        return Match::No;
    }
    Match::Text(ka)
}
