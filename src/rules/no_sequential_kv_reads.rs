//! `no-sequential-kv-reads`: independent KV reads awaited one after another.

use rustc_hash::FxHashSet as HashSet;
use std::cell::RefCell;

use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    Callee, Decl, Expr, Lit, ModuleItem, ObjectPatProp, Pat, Stmt, TsTypeAnn, VarDecl, VarDeclKind,
};
use swc_ecma_visit::{Visit, VisitWith};

use super::options::properties;
use super::stmts::ListItem;
use super::{FixKind, Rule, RuleContext};
use crate::config::Strategy;
use crate::diagnostic::{Diagnostic, Severity};
use crate::edits::comments_in;
use crate::fix::{Applicability, Edit, Fix};
use crate::semantic::evaluation::{pure, pure_pattern};
use crate::semantic::references::as_str;
use crate::semantic::scope::pat_names;
use crate::semantic::values::{key_value, strip, unparen, KeyValue};
use crate::semantic::{KvCall, KvMethod};

pub struct NoSequentialKvReads;

const ID: &str = "no-sequential-kv-reads";

/// KV's limit on keys in one bulk `get`.
const MAX_BULK_KEYS: usize = 100;

const HELP: &str = "These reads do not depend on each other, yet each waits for the one before: every KV read is a round trip (5–50 ms), so N reads in a row cost N round trips. Start them together with `Promise.all` (one round trip of latency), or with `strategy = \"bulk\"` read them in one bulk `get([...])`.";

impl Rule for NoSequentialKvReads {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "Independent KV reads awaited one after another"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix_kind(&self, _: &crate::config::Config) -> FixKind {
        FixKind::Safe
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/no-sequential-kv-reads.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        let mut finder = Finder {
            ctx,
            out: Vec::new(),
            names: RefCell::new(None),
        };
        ctx.program.visit_with(&mut finder);
        finder.out
    }
}

/// One statement of a run: `const <pattern> = await <KV read>;`.
struct Read<'a> {
    stmt: Span,
    kind: VarDeclKind,
    pattern: &'a Pat,
    /// The awaited KV call.
    call: &'a KvCall<'a>,
    /// The namespace expression the method is called on.
    receiver: &'a Expr,
    /// Nothing but parentheses wraps the `await` (`(await kv.get(k)) as string` is not plain).
    plain: bool,
    declares: Vec<Atom>,
}

struct Finder<'a, 'b> {
    ctx: &'a RuleContext<'b>,
    out: Vec<Diagnostic>,
    /// Every name in the file and every name a fix of this pass introduced; filled when
    /// the first bulk fix needs a fresh name.
    names: RefCell<Option<HashSet<Atom>>>,
}

/// Identifiers an expression mentions.
#[derive(Default)]
struct Names(HashSet<Atom>);

impl Visit for Names {
    fn visit_ident(&mut self, i: &swc_ecma_ast::Ident) {
        self.0.insert(i.sym.clone());
    }
}

/// Destructuring the read's value cannot throw: a plain name, or `getWithMetadata`'s result
/// (never `null`) taken apart one level deep. Destructuring `null` throws a `TypeError` whose
/// message names the expression, which the merged statement changes.
fn never_throws(pattern: &Pat, method: KvMethod) -> bool {
    match pattern {
        Pat::Ident(_) => true,
        Pat::Object(o) if method == KvMethod::GetWithMetadata => o.props.iter().all(|p| match p {
            ObjectPatProp::KeyValue(kv) => matches!(&*kv.value, Pat::Ident(_)),
            ObjectPatProp::Assign(_) | ObjectPatProp::Rest(_) => true,
        }),
        _ => false,
    }
}

/// Two keys that cannot be equal: their static texts differ within both.
fn distinct(a: &KeyValue, b: &KeyValue) -> bool {
    match (a, b) {
        (KeyValue::Static(x), KeyValue::Static(y)) => x != y,
        (KeyValue::Static(s), KeyValue::Prefix(p)) | (KeyValue::Prefix(p), KeyValue::Static(s)) => {
            !s.starts_with(p.as_str())
        }
        (KeyValue::Prefix(x), KeyValue::Prefix(y)) => {
            !x.starts_with(y.as_str()) && !y.starts_with(x.as_str())
        }
        _ => false,
    }
}

impl<'b> Finder<'_, 'b> {
    fn read<'s>(&self, stmt: &'s Stmt) -> Option<Read<'s>>
    where
        'b: 's,
    {
        let Stmt::Decl(Decl::Var(v)) = stmt else {
            return None;
        };
        let VarDecl { kind, decls, .. } = &**v;
        if *kind == VarDeclKind::Var {
            return None;
        }
        let [d] = decls.as_slice() else { return None };
        let init = d.init.as_deref()?;
        let plain = matches!(unparen(init), Expr::Await(_));
        let Expr::Await(a) = strip(init) else {
            return None;
        };
        let Expr::Call(c) = unparen(&a.arg) else {
            return None;
        };
        let call = self.ctx.model.kv_call_at(c.span)?;
        if !call.method.is_read() {
            return None;
        }
        let Callee::Expr(callee) = &c.callee else {
            return None;
        };
        let Expr::Member(m) = strip(callee) else {
            return None;
        };
        Some(Read {
            stmt: v.span,
            kind: *kind,
            pattern: &d.name,
            call,
            receiver: &m.obj,
            plain,
            declares: pat_names(&d.name),
        })
    }

    fn check_list<T: ListItem>(&mut self, items: &[T]) {
        let mut run: Vec<Read> = Vec::new();
        for item in items {
            match item.stmt().and_then(|s| self.read(s)) {
                Some(read) => {
                    let mut names = Names::default();
                    read.call.args.visit_with(&mut names);
                    read.receiver.visit_with(&mut names);
                    let depends = run
                        .iter()
                        .any(|r| r.declares.iter().any(|d| names.0.contains(d)));
                    if depends {
                        self.report(std::mem::take(&mut run));
                    }
                    run.push(read);
                }
                None => self.report(std::mem::take(&mut run)),
            }
        }
        self.report(run);
    }

    fn report(&mut self, run: Vec<Read>) {
        if run.len() < 2 {
            return;
        }
        let src = self.ctx.source;
        let range = src.range(run[0].stmt).start..src.range(run[run.len() - 1].stmt).end;
        let fix = self.fix(&run, range.clone());
        let message = format!(
            "{} independent KV reads are awaited one after another",
            run.len()
        );
        let first = src.range(run[0].stmt);
        self.out.push(
            Diagnostic::new(ID, range, message, HELP)
                .with_label(first, "each read waits for the one before")
                .with_fix(fix),
        );
    }

    /// The pattern's text and its type annotation's text.
    fn pattern(&self, pat: &Pat) -> (String, Option<String>) {
        let src = self.ctx.source;
        let ann: Option<&TsTypeAnn> = match pat {
            Pat::Ident(b) => b.type_ann.as_deref(),
            Pat::Object(o) => o.type_ann.as_deref(),
            Pat::Array(a) => a.type_ann.as_deref(),
            _ => None,
        };
        // The pattern's span covers its annotation: the text ends where the annotation starts.
        let r = src.range(pat.span());
        let end = ann
            .map(|a| src.range(a.span).start)
            .unwrap_or(r.end)
            .min(r.end);
        let text = src.text()[r.start..end]
            .trim_end()
            .trim_end_matches(':')
            .trim_end()
            .to_string();
        let ann = ann.map(|a| src.slice(a.span).trim_start_matches(':').trim().to_string());
        (text, ann)
    }

    fn fix(&self, run: &[Read], mut range: std::ops::Range<usize>) -> Option<Fix> {
        if run.iter().any(|r| !r.plain) {
            return None;
        }
        let src = self.ctx.source;
        // A `;` at the start of the next line (`;[a, b].forEach(…)` in code without
        // semicolons) ends the run's last statement, but belongs to the next one: it stays.
        let written = &src.text()[range.clone()];
        if let Some(before) = written.strip_suffix(';') {
            let before = before.trim_end_matches([' ', '\t']);
            if before.ends_with('\n') {
                range.end = range.start + before.trim_end().len();
            }
        }
        let patterns: Vec<(String, Option<String>)> =
            run.iter().map(|r| self.pattern(r.pattern)).collect();
        let annotated = patterns.iter().filter(|(_, a)| a.is_some()).count();
        if annotated != 0 && annotated != patterns.len() {
            return None;
        }
        // Comments in the removed code move above the new statement.
        let mut kept: Vec<std::ops::Range<usize>> = Vec::new();
        for r in run {
            kept.push(src.range(r.pattern.span()));
            kept.push(src.range(r.call.span));
        }
        kept.sort_by_key(|r| r.start);
        let mut removed = String::new();
        let mut at = range.start;
        for k in &kept {
            removed.push_str(&src.text()[at..k.start.max(at)]);
            at = at.max(k.end);
        }
        removed.push_str(&src.text()[at..range.end]);
        let indent = src.indent_at(range.start).to_string();
        let nl = src.newline();
        let mut text = String::new();
        for c in comments_in(&removed) {
            text.push_str(c);
            text.push_str(nl);
            text.push_str(&indent);
        }
        let keyword = if run.iter().all(|r| r.kind == VarDeclKind::Const) {
            "const"
        } else {
            "let"
        };
        let bulk =
            self.ctx.config.file.rules.no_sequential_kv_reads.strategy == Some(Strategy::Bulk);
        let end = self.ctx.statement_end(range.end);
        let body = match bulk
            .then(|| self.bulk(run, &patterns, &indent, end))
            .flatten()
        {
            Some(body) => body,
            // `Promise` declared in the file is not the global one.
            None if self.ctx.model.is_global("Promise") => {
                self.promise_all(run, &patterns, keyword, &indent, end)
            }
            None => return None,
        };
        // The generated line breaks follow the file; copied code keeps its own bytes (a
        // key spanning lines inside a template would change value otherwise).
        text.push_str(&body);
        // Merging moves evaluations: each key, option and receiver is evaluated before the
        // reads instead of between them, and destructuring happens after all of them. Safe
        // only when none of those can have an effect or throw.
        let safe = run.iter().all(|r| {
            pure(r.receiver)
                && pure_pattern(r.pattern)
                && never_throws(r.pattern, r.call.method)
                && r.call
                    .args
                    .iter()
                    .all(|a| a.spread.is_none() && pure(&a.expr))
        });
        let applicability = if safe {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        };
        let title = if text.contains("Promise.all") {
            "Read them together with `Promise.all`"
        } else {
            "Read them in one bulk `get`"
        };
        Some(Fix::new(
            title,
            applicability,
            vec![Edit::replace(range, text)],
        ))
    }

    fn promise_all(
        &self,
        run: &[Read],
        patterns: &[(String, Option<String>)],
        keyword: &str,
        indent: &str,
        end: &str,
    ) -> String {
        let unit = self.ctx.indent_unit();
        let trailing = self.ctx.punctuation().trailing_commas;
        let names: Vec<&str> = patterns.iter().map(|(p, _)| p.as_str()).collect();
        let annotation = if patterns.iter().all(|(_, a)| a.is_some()) {
            let types: Vec<&str> = patterns
                .iter()
                .map(|(_, a)| a.as_deref().unwrap_or_default())
                .collect();
            format!(": [{}]", types.join(", "))
        } else {
            String::new()
        };
        let nl = self.ctx.source.newline();
        let mut out = format!(
            "{keyword} [{}]{annotation} = await Promise.all([{nl}",
            names.join(", ")
        );
        for (i, r) in run.iter().enumerate() {
            let comma = if i + 1 < run.len() || trailing {
                ","
            } else {
                ""
            };
            out.push_str(&format!(
                "{indent}{unit}{}{comma}{nl}",
                self.ctx.source.slice(r.call.span)
            ));
        }
        out.push_str(&format!("{indent}]){end}"));
        out
    }

    /// `strategy = "bulk"`: one `get([...])` when every read is a `get` of one namespace
    /// with one type and at most 100 keys.
    fn bulk(
        &self,
        run: &[Read],
        patterns: &[(String, Option<String>)],
        indent: &str,
        end: &str,
    ) -> Option<String> {
        let src = self.ctx.source;
        let receiver = src.slice(run[0].call.receiver_span);
        let mut kind: Option<&str> = None;
        for r in run {
            let c = r.call;
            if c.method != KvMethod::Get
                || src.slice(c.receiver_span) != receiver
                || c.args.iter().any(|a| a.spread.is_some())
            {
                return None;
            }
            let this = match c.args.get(1).map(|a| strip(&a.expr)) {
                None => "text",
                Some(Expr::Lit(Lit::Str(s))) => match s.value.as_str()? {
                    "text" => "text",
                    "json" => "json",
                    _ => return None,
                },
                Some(Expr::Object(o))
                    if properties(o, &c.consts).count() == 1 && o.props.len() == 1 =>
                {
                    let ty = properties(o, &c.consts)
                        .next()
                        .filter(|p| p.name == "type")?;
                    match as_str(&ty.value)?.value.as_str()? {
                        "text" => "text",
                        "json" => "json",
                        _ => return None,
                    }
                }
                _ => return None,
            };
            if c.args.len() > 2 || kind.is_some_and(|k| k != this) {
                return None;
            }
            kind = Some(this);
        }
        if run.len() > MAX_BULK_KEYS {
            return None;
        }
        fn key<'r>(r: &Read<'r>) -> Option<&'r Expr> {
            r.call.arg(0).filter(|_| r.call.string_arg(0))
        }
        if run.iter().any(|r| key(r).is_none()) {
            return None;
        }
        // A bulk JSON read parses a key once: two reads of one key would share an object.
        if kind == Some("json") {
            let values: Vec<KeyValue> = run
                .iter()
                .map(|r| key_value(key(r).expect("checked"), &r.call.consts))
                .collect();
            let all_distinct = values
                .iter()
                .enumerate()
                .all(|(i, a)| values[i + 1..].iter().all(|b| distinct(a, b)));
            if !all_distinct {
                return None;
            }
        }
        let keys_name = self.fresh("kvKeys");
        let values_name = self.fresh("kvValues");
        let keys: Vec<&str> = run
            .iter()
            .map(|r| src.slice(r.call.args[0].expr.span()))
            .collect();
        let unit = self.ctx.indent_unit();
        let quote = self.ctx.quote();
        let ty = if kind == Some("json") {
            format!(", {quote}json{quote}")
        } else {
            String::new()
        };
        let nl = src.newline();
        // Inside the run, each statement gets the file's `;` (the next one starts with a
        // keyword); the last one ends as the run did.
        let semi = if self.ctx.punctuation().semicolons {
            ";"
        } else {
            ""
        };
        let trailing = self.ctx.punctuation().trailing_commas;
        let mut out = format!("const {keys_name} = [{nl}");
        for (i, k) in keys.iter().enumerate() {
            let comma = if i + 1 < keys.len() || trailing {
                ","
            } else {
                ""
            };
            out.push_str(&format!("{indent}{unit}{k}{comma}{nl}"));
        }
        out.push_str(&format!(
            "{indent}]{semi}{nl}{indent}const {values_name} = await {receiver}.get({keys_name}{ty}){semi}"
        ));
        for (i, ((pattern, ann), r)) in patterns.iter().zip(run).enumerate() {
            let ann = ann.as_ref().map(|a| format!(": {a}")).unwrap_or_default();
            let keyword = if r.kind == VarDeclKind::Const {
                "const"
            } else {
                "let"
            };
            let ends = if i + 1 == run.len() { end } else { semi };
            out.push_str(&format!(
                "{nl}{indent}{keyword} {pattern}{ann} = {values_name}.get({keys_name}[{i}]) ?? null{ends}"
            ));
        }
        Some(out)
    }

    /// A name used nowhere in the file nor by another fix of this pass.
    fn fresh(&self, base: &str) -> String {
        let mut names = self.names.borrow_mut();
        let names = names.get_or_insert_with(|| {
            let mut all = Names::default();
            self.ctx.program.visit_with(&mut all);
            all.0
        });
        let name = (0..)
            .map(|i| {
                if i == 0 {
                    base.to_string()
                } else {
                    format!("{base}{i}")
                }
            })
            .find(|n| !names.contains(&Atom::from(n.as_str())))
            .expect("some name is free");
        names.insert(Atom::from(name.as_str()));
        name
    }
}

impl Visit for Finder<'_, '_> {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        self.check_list(stmts);
        stmts.iter().for_each(|s| s.visit_with(self));
    }

    fn visit_module_items(&mut self, items: &[ModuleItem]) {
        self.check_list(items);
        items.iter().for_each(|i| i.visit_with(self));
    }
}
