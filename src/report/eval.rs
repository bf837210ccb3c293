//! Counting: an entry's KV operations along its paths, following calls into the project's
//! own functions across files. Each function is counted once (memoized); recursion is cut and
//! said; calls that cannot be followed are said, not guessed.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use super::body::{FileSummary, Node, Target, NAME_MARK};
use super::cost::{Count, Outcome};
use super::files::Files;

/// What counting some code found: its outcome, what it says it could not count, and the
/// operations it reaches.
#[derive(Clone, Debug, Default)]
pub struct Counted {
    pub outcome: Outcome,
    pub notes: BTreeSet<String>,
    /// Every operation reached: its file and index, the namespace it works on there, and
    /// its key where a caller says it (a pattern, or still a name marked with
    /// [`NAME_MARK`]; `None`: the operation's own).
    pub ops: BTreeSet<Reached>,
    /// (file, function index) of every function reached.
    pub functions: BTreeSet<(Arc<str>, usize)>,
}

/// What a call says of one argument: a namespace or a key (see [`Node::CallWith`]).
type Label = Option<Arc<str>>;

/// An operation reached: (file, op index, namespace, key).
pub type Reached = (Arc<str>, usize, Arc<str>, Option<Arc<str>>);

/// A function found for a call: its file and index.
pub type Found = (Arc<FileSummary>, usize);

pub struct Evaluator<'f, 'r> {
    pub files: &'f Files<'r>,
    memo: HashMap<(PathBuf, usize), Counted>,
    stack: Vec<(PathBuf, usize)>,
}

/// How a recursion note says what it is.
const RECURSION: &str = "(recursion)";

/// The most calls deep the count follows.
const MAX_DEPTH: usize = 64;

impl<'f, 'r> Evaluator<'f, 'r> {
    pub fn new(files: &'f Files<'r>) -> Self {
        Evaluator {
            files,
            memo: HashMap::new(),
            stack: vec![],
        }
    }

    /// A middleware chain: each link's `next()` is the rest of the chain.
    pub fn chain(&mut self, links: &[(Arc<FileSummary>, Node)]) -> Counted {
        let Some(((file, first), rest)) = links.split_first() else {
            return Counted {
                outcome: Outcome::nothing(),
                ..Counted::default()
            };
        };
        let rest = (!rest.is_empty()).then(|| self.chain(rest));
        let mut acc = Acc::default();
        let next = rest.as_ref().map(|r| &r.outcome);
        // A middleware whose `next()` kvlint does not see (a package's, `cors()`) is taken to
        // pass the request on.
        let sees_next = match first {
            Node::Call(target, _) => match self.find(file, target) {
                Ok(Some((f, id))) => contains_next(&f.functions[id].body),
                _ => false,
            },
            other => contains_next(other),
        };
        let mut outcome = match first {
            // A handler or middleware named in a chain: its `next()` is the chain's rest, and
            // its cache hit is the entry's.
            Node::Call(target, line) => self
                .reach(file, target, *line, next, &mut acc)
                .map(|o| o.as_call())
                .unwrap_or_else(Outcome::nothing),
            _ => self.node(file, first, next, &mut acc),
        };
        if let (Some(next), false) = (next, sees_next) {
            outcome = outcome.as_call().then(&next.as_call());
        }
        if let Some(r) = rest {
            acc.absorb(&r);
        }
        acc.into_counted(outcome)
    }

    /// A function of a file, counted once.
    pub fn function(&mut self, file: &Arc<FileSummary>, id: usize) -> Counted {
        let key = (file.abs.clone(), id);
        if let Some(hit) = self.memo.get(&key) {
            return hit.clone();
        }
        if self.stack.contains(&key) || self.stack.len() >= MAX_DEPTH {
            let f = &file.functions[id];
            let mut notes = BTreeSet::new();
            notes.insert(format!(
                "{}:{}: `{}` is called again while it runs {RECURSION}: its operations are counted for one call",
                file.label, f.line, f.name
            ));
            return Counted {
                outcome: Outcome::nothing(),
                notes,
                ..Counted::default()
            };
        }
        self.stack.push(key.clone());
        let mut acc = Acc::default();
        acc.functions.insert((file.label.clone(), id));
        let owner = file.clone();
        let outcome = self.node(file, &owner.functions[id].body, None, &mut acc);
        self.stack.pop();
        let mut counted = acc.into_counted(outcome);
        // A cycle that reaches no KV operation costs nothing: not worth saying.
        if counted.ops.is_empty() {
            counted.notes.retain(|n| !n.contains(RECURSION));
        }
        self.memo.insert(key, counted.clone());
        counted
    }

    fn with_next(&mut self, file: &Arc<FileSummary>, id: usize, next: &Outcome) -> Counted {
        let mut acc = Acc::default();
        acc.functions.insert((file.label.clone(), id));
        let owner = file.clone();
        let outcome = self.node(file, &owner.functions[id].body, Some(next), &mut acc);
        acc.into_counted(outcome)
    }

    fn node(
        &mut self,
        file: &Arc<FileSummary>,
        node: &Node,
        next: Option<&Outcome>,
        acc: &mut Acc,
    ) -> Outcome {
        match node {
            Node::Seq(nodes) => {
                let mut out = Outcome::nothing();
                for n in nodes {
                    let o = self.node(file, n, next, acc);
                    out = out.then(&o);
                    if out.falls.is_none() && out.hit_falls.is_none() {
                        break;
                    }
                }
                out
            }
            Node::Alt(nodes) => {
                let mut out: Option<Outcome> = None;
                for n in nodes {
                    let o = self.node(file, n, next, acc);
                    out = Some(match out {
                        Some(p) => p.or(&o),
                        None => o,
                    });
                }
                out.unwrap_or_else(Outcome::nothing)
            }
            Node::Maybe(n) => self.node(file, n, next, acc).or(&Outcome::nothing()),
            Node::Loop(body, count) => {
                let o = self.node(file, body, next, acc);
                let each = o.total();
                Outcome::falls(match count {
                    Some(n) => each.times(*n),
                    None => each.per_item(),
                })
            }
            Node::Background(n) => {
                let o = self.node(file, n, next, acc);
                Outcome::falls(o.total().in_background())
            }
            Node::Return(n) => self.node(file, n, next, acc).returning(),
            Node::Hit(n, _) => {
                let o = self.node(file, n, next, acc);
                Outcome {
                    falls: o.falls,
                    returns: None,
                    hit_falls: o.hit_falls,
                    hit_returns: match (&o.returns, &o.hit_returns) {
                        (Some(a), Some(b)) => Some(a.or(b)),
                        (Some(a), None) | (None, Some(a)) => Some(a.clone()),
                        (None, None) => None,
                    },
                }
            }
            Node::Op(i) => {
                let op = &file.ops[*i];
                let key = op
                    .key_name
                    .as_ref()
                    .map(|n| Arc::from(format!("{NAME_MARK}{n}")));
                acc.ops
                    .insert((file.label.clone(), *i, op.namespace.clone(), key));
                Outcome::falls(match op.keys {
                    Some(n) => Count::op(&op.namespace, op.kind, n),
                    // One read per key, for a list the code computes.
                    None => Count::op(&op.namespace, op.kind, 1).per_item(),
                })
            }
            Node::Next => match next {
                Some(o) => o.as_call(),
                None => Outcome::nothing(),
            },
            Node::Unresolved(target, note) => {
                if matches!(self.find(file, target), Ok(None)) {
                    acc.notes.insert(note.clone());
                }
                Outcome::nothing()
            }
            Node::Unfollowed(note) => {
                acc.notes.insert(note.clone());
                Outcome::nothing()
            }
            Node::Call(target, line) => self
                .reach(file, target, *line, None, acc)
                .map(|o| o.as_call())
                .unwrap_or_else(Outcome::nothing),
            Node::CallWith(target, line, args, keys) => self
                .reach_with(file, target, *line, (args, keys), None, acc)
                .map(|o| o.as_call())
                .unwrap_or_else(Outcome::nothing),
            Node::Method(target, line, args, keys, ctor) => self
                .reach_with(file, target, *line, (args, keys), Some(ctor), acc)
                .map(|o| o.as_call())
                .unwrap_or_else(Outcome::nothing),
        }
    }

    /// The outcome of the function a call reaches (run with `next` as its `next()`, when
    /// given), its notes and operations in `acc`; `None` when it is not the project's code.
    fn reach(
        &mut self,
        file: &Arc<FileSummary>,
        target: &Target,
        line: usize,
        next: Option<&Outcome>,
        acc: &mut Acc,
    ) -> Option<Outcome> {
        match self.find(file, target) {
            Ok(Some((f, id))) => {
                let counted = match next {
                    Some(n) => self.with_next(&f, id, n),
                    None => self.function(&f, id),
                };
                acc.absorb(&counted);
                Some(counted.outcome)
            }
            Ok(None) => None,
            Err(why) => {
                acc.notes.insert(format!("{}:{line}: {why}", file.label));
                None
            }
        }
    }

    /// [`Evaluator::reach`], the callee's namespace parameters named as the call's arguments
    /// are (`saveUser(env.USERS, …)` counts `kv.put` in `saveUser(kv, …)` on `USERS`).
    fn reach_with(
        &mut self,
        file: &Arc<FileSummary>,
        target: &Target,
        line: usize,
        (args, keys): (&[Label], &[Label]),
        ctor: Option<&[Label]>,
        acc: &mut Acc,
    ) -> Option<Outcome> {
        let (f, id) = match self.find(file, target) {
            Ok(Some(found)) => found,
            _ => return self.reach(file, target, line, None, acc),
        };
        let mut names: HashMap<Arc<str>, Arc<str>> = HashMap::new();
        let mut key_names: HashMap<Arc<str>, Option<Arc<str>>> = HashMap::new();
        for (i, param) in f.functions[id].params.iter().enumerate() {
            let Some(p) = param else { continue };
            if let Some(Some(a)) = args.get(i) {
                if **p != **a {
                    names.insert(Arc::from(p.as_str()), a.clone());
                }
            }
            let marked: Arc<str> = Arc::from(format!("{NAME_MARK}{p}"));
            key_names.insert(marked, keys.get(i).cloned().flatten());
        }
        // A method of an instance: its `this.kv` is what the constructor was handed.
        if let Some(ctor) = ctor {
            let class = f.functions[id].name.split('.').next().unwrap_or_default();
            if let Some(c) = f.classes.iter().find(|c| c.name == class) {
                for (field, i) in &c.fields {
                    if let Some(Some(label)) = ctor.get(*i) {
                        names.insert(Arc::from(format!("this.{field}")), label.clone());
                    }
                }
            }
        }
        let counted = self.function(&f, id);
        if names.is_empty() && key_names.is_empty() {
            acc.absorb(&counted);
            return Some(counted.outcome);
        }
        let renamed = Counted {
            outcome: counted.outcome.rename(&names),
            notes: counted.notes,
            ops: counted
                .ops
                .into_iter()
                .map(|(l, i, ns, key)| {
                    let ns = names.get(&ns).cloned().unwrap_or(ns);
                    // A key passed in a parameter: what the caller passes (a pattern, its own
                    // name, or nothing known).
                    let key = match key {
                        Some(k) if k.starts_with(NAME_MARK) => match key_names.get(&k) {
                            Some(given) => given.clone(),
                            None => Some(k),
                        },
                        other => other,
                    };
                    (l, i, ns, key)
                })
                .collect(),
            functions: counted.functions,
        };
        acc.absorb(&renamed);
        Some(renamed.outcome)
    }

    /// The function a call reaches: `Ok(None)` when it is not the project's code (a global,
    /// a package), `Err` when it should be and is not found.
    pub fn find(&self, file: &Arc<FileSummary>, target: &Target) -> Result<Option<Found>, String> {
        match target {
            Target::Local(id) => Ok(Some((file.clone(), *id))),
            Target::Path(path) => self.find_path(file, path, 0),
        }
    }

    fn find_path(
        &self,
        file: &Arc<FileSummary>,
        path: &[String],
        depth: usize,
    ) -> Result<Option<Found>, String> {
        if depth > 8 || path.is_empty() {
            return Ok(None);
        }
        let joined = path.join(".");
        if let Some(&id) = file.by_key.get(&joined) {
            return Ok(Some((file.clone(), id)));
        }
        // `x.m()` where `x` is a local alias of an exported object or class: its own key.
        let Some((module, imported)) = file.imports.get(&path[0]) else {
            return Ok(None);
        };
        let Some(module) = module else {
            return Ok(None);
        };
        let Some(other) = self.files.get(module) else {
            return Ok(None);
        };
        let rest: Vec<String> = if imported == "*" {
            path[1..].to_vec()
        } else {
            std::iter::once(imported.clone())
                .chain(path[1..].iter().cloned())
                .collect()
        };
        if rest.is_empty() {
            return Ok(None);
        }
        let local = other.exports.get(&rest[0]).cloned();
        let Some(local) = local else {
            // Re-exported from elsewhere (`export * from`), or not a function.
            return Err(format!(
                "`{joined}(…)` comes from {}, whose `{}` export kvlint does not follow",
                other.label, rest[0]
            ));
        };
        let local_path: Vec<String> = std::iter::once(local)
            .chain(rest[1..].iter().cloned())
            .collect();
        if let Some(&id) = other.by_key.get(&local_path.join(".")) {
            return Ok(Some((other.clone(), id)));
        }
        // Exported after being imported (`import { f } from './a'; export { f }`).
        if other.imports.contains_key(&local_path[0]) {
            return self.find_path(&other, &local_path, depth + 1);
        }
        Ok(None)
    }
}

/// Whether code calls its middleware's `next()`.
fn contains_next(node: &Node) -> bool {
    match node {
        Node::Next => true,
        Node::Seq(v) | Node::Alt(v) => v.iter().any(contains_next),
        Node::Maybe(n)
        | Node::Loop(n, _)
        | Node::Background(n)
        | Node::Return(n)
        | Node::Hit(n, _) => contains_next(n),
        _ => false,
    }
}

/// What counting collects besides the outcome.
#[derive(Default)]
struct Acc {
    notes: BTreeSet<String>,
    ops: BTreeSet<Reached>,
    functions: BTreeSet<(Arc<str>, usize)>,
}

impl Acc {
    fn absorb(&mut self, c: &Counted) {
        self.notes.extend(c.notes.iter().cloned());
        self.ops.extend(c.ops.iter().cloned());
        self.functions.extend(c.functions.iter().cloned());
    }

    fn into_counted(self, outcome: Outcome) -> Counted {
        Counted {
            outcome,
            notes: self.notes,
            ops: self.ops,
            functions: self.functions,
        }
    }
}
