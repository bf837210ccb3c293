//! `prefer-kv-json-type`: `JSON.parse` of a KV text read instead of `get(key, 'json')`.

use swc_common::Span;
use swc_ecma_ast::{CallExpr, Decl, Expr, MemberProp, ModuleItem, Pat, Stmt, VarDeclKind};
use swc_ecma_visit::{Visit, VisitWith};

use super::options::{opaque, properties};
use super::stmts::ListItem;
use super::{FixKind, Rule, RuleContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::edits::{add_property, append_argument, apply_within, has_comment, quoted, skip_trivia};
use crate::fix::{Applicability, Edit, Fix};
use crate::semantic::evaluation::evaluated_first;
use crate::semantic::references::as_str;
use crate::semantic::values::{strip, unparen};
use crate::semantic::{KvCall, KvMethod};

pub struct PreferKvJsonType;

const ID: &str = "prefer-kv-json-type";

const HELP: &str = "Read the value with `get(key, 'json')`: the runtime parses it, and a missing key still gives `null`, as `JSON.parse(null)` does. It is one step instead of two, without an intermediate string.";

impl Rule for PreferKvJsonType {
    fn id(&self) -> &'static str {
        ID
    }
    fn summary(&self) -> &'static str {
        "`JSON.parse` of a KV `get` instead of `get(key, 'json')`"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix_kind(&self, _: &crate::config::Config) -> FixKind {
        FixKind::Safe
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/prefer-kv-json-type.md")
    }

    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic> {
        // A `JSON` the file declares is not the global one: its `parse` is anything.
        if !ctx.model.is_global("JSON") {
            return Vec::new();
        }
        let mut finder = Finder {
            ctx,
            out: Vec::new(),
        };
        ctx.program.visit_with(&mut finder);
        finder.out
    }
}

struct Finder<'a, 'b> {
    ctx: &'a RuleContext<'b>,
    out: Vec<Diagnostic>,
}

/// `JSON.parse(…)`, spelled so; whether `JSON` is the global is for the model to say.
fn is_json_parse(call: &CallExpr) -> bool {
    let Some(callee) = call.callee.as_expr() else {
        return false;
    };
    matches!(strip(callee), Expr::Member(m)
        if matches!(strip(&m.obj), Expr::Ident(o) if &*o.sym == "JSON")
        && matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "parse"))
}

/// The single argument of a `JSON.parse(x)`, through wrappers.
fn parse_arg(call: &CallExpr) -> Option<&Expr> {
    (is_json_parse(call) && call.args.len() == 1 && call.args[0].spread.is_none())
        .then(|| strip(&call.args[0].expr))
}

impl<'b> Finder<'_, 'b> {
    /// The KV `get` a call expression is.
    fn kv_get(&self, e: &Expr) -> Option<&'b KvCall<'b>> {
        let Expr::Call(c) = strip(e) else { return None };
        self.ctx
            .model
            .kv_call_at(c.span)
            .filter(|k| k.method == KvMethod::Get)
    }

    /// Edits that make a text `get` a JSON `get`; `None` when it is not a text read
    /// this rule can convert.
    fn json_get_edits(&self, call: &KvCall) -> Option<Vec<Edit>> {
        let src = self.ctx.source;
        let method_end = src.range(call.method_span).end;
        // Type arguments already given: leave the call alone.
        if src.text()[method_end..].trim_start().starts_with('<')
            || call.args.iter().any(|a| a.spread.is_some())
        {
            return None;
        }
        let quote = match call.arg(0).and_then(as_str) {
            Some(s) => src.slice(s.span).chars().next()?,
            None => self.ctx.quote(),
        };
        let json = quoted("json", quote);
        let mut edits = match call.args.get(1).map(|a| &*a.expr) {
            // A read without a key has nothing to append to: `append_argument` gives `None`.
            None => append_argument(src, call.span, call.args, &json)?,
            Some(options) => match strip(options) {
                Expr::Object(o) if !opaque(o, &call.consts) => match properties(o, &call.consts)
                    .find(|p| p.name == "type")
                {
                    Some(p) => {
                        let s = as_str(&p.value).filter(|s| s.value.as_str() == Some("text"))?;
                        vec![Edit::replace(
                            src.range(s.span),
                            quoted("json", src.slice(s.span).chars().next()?),
                        )]
                    }
                    None => add_property(src, o, &format!("type: {json}")),
                },
                _ => {
                    let s = as_str(options).filter(|s| s.value.as_str() == Some("text"))?;
                    vec![Edit::replace(
                        src.range(s.span),
                        quoted("json", src.slice(s.span).chars().next()?),
                    )]
                }
            },
        };
        if self.ctx.lang.is_typescript() {
            // `JSON.parse` gives `any`: keep that type.
            edits.push(Edit::insert(method_end, "<any>"));
        }
        Some(edits)
    }

    fn report(&mut self, call: &KvCall, message: &str, fix: Fix) {
        let range = self.ctx.source.range(call.span);
        self.out.push(
            Diagnostic::new(ID, range, message, HELP)
                .with_label(
                    self.ctx.source.range(call.method_span),
                    "read as text, then parsed",
                )
                .with_fix(Some(fix)),
        );
    }

    /// `JSON.parse(await kv.get(k))` → `await kv.get<any>(k, 'json')`.
    fn check_inline(&mut self, parse: &CallExpr) {
        let Some(Expr::Await(a)) = parse_arg(parse) else {
            return;
        };
        let Some(call) = self.kv_get(&a.arg) else {
            return;
        };
        let Some(edits) = self.json_get_edits(call) else {
            return;
        };
        let src = self.ctx.source;
        let outer = src.range(parse.span);
        let inner = src.range(call.span);
        let text = src.text();
        let dropped = format!(
            "{}{}",
            &text[outer.start..inner.start],
            &text[inner.end..outer.end]
        );
        let next = skip_trivia(text, outer.end);
        let rest = &text[next.min(text.len())..];
        let needs_parens = [".", "[", "(", "`", "?.", "**"]
            .iter()
            .any(|t| rest.starts_with(t))
            && !rest.starts_with("...");
        let get = apply_within(src, inner, &edits);
        let replacement = if !needs_parens {
            format!("await {get}")
        } else if self.ctx.follows_unterminated(parse.span.lo) {
            // Code without semicolons: `(` would continue the statement before.
            format!(";(await {get})")
        } else {
            format!("(await {get})")
        };
        let applicability = if has_comment(&dropped) {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        let fix = Fix::new(
            "Read the value with `get(key, 'json')`",
            applicability,
            vec![Edit::replace(outer, replacement)],
        );
        self.report(
            call,
            "`JSON.parse` of a KV text read: read it as JSON instead",
            fix,
        );
    }

    /// `const x = await kv.get(k); … JSON.parse(x)` with `x` used nowhere else.
    fn check_single_use<T>(&mut self, items: &[T])
    where
        T: ListItem + VisitWith<ListUses> + swc_common::Spanned,
    {
        // The candidates first; then one walk of the list finds every mention of their
        // names and every `JSON.parse(x)`: a list of thousands of reads stays linear.
        let mut candidates = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(Stmt::Decl(Decl::Var(v))) = item.stmt() else {
                continue;
            };
            let [d] = v.decls.as_slice() else { continue };
            let (Pat::Ident(name), Some(init)) = (&d.name, &d.init) else {
                continue;
            };
            if name.type_ann.is_some() {
                continue;
            }
            let Expr::Await(a) = unparen(init) else {
                continue;
            };
            let Some(call) = self.kv_get(unparen(&a.arg)) else {
                continue;
            };
            // A `var` can be seen outside this list; `let` and `const` cannot.
            if v.kind == VarDeclKind::Var {
                continue;
            }
            candidates.push((i, item, name, call));
        }
        if candidates.is_empty() {
            return;
        }
        let mut uses = ListUses::default();
        for (_, _, name, _) in &candidates {
            uses.idents.insert(name.id.sym.clone(), Vec::new());
        }
        items.iter().for_each(|s| s.visit_with(&mut uses));
        for (i, item, name, call) in candidates {
            // The one use besides the declaration, wherever in the list it is: a closure
            // declared earlier can see the variable too.
            let refs: Vec<Span> = uses.idents[&name.id.sym]
                .iter()
                .copied()
                .filter(|s| *s != name.id.span)
                .collect();
            let [only] = refs.as_slice() else { continue };
            let after = item.span().hi;
            let Some(parse) = uses
                .parses
                .iter()
                .find(|(call, arg)| arg == only && call.lo >= after)
                .map(|(span, _)| *span)
            else {
                continue;
            };
            let rest = &items[i + 1..];
            let Some(mut edits) = self.json_get_edits(call) else {
                continue;
            };
            let src = self.ctx.source;
            let dropped = src.slice(parse).replacen(&*name.id.sym, "", 1);
            // The parse (and its `SyntaxError`) moves to the read: safe only when it is the
            // first thing the next statement does, on one straight path. In a `try`, a
            // branch, a loop, a callback, or after other statements or calls, a bad value
            // would throw elsewhere, or one parsed object would be shared.
            let straight = rest
                .first()
                .and_then(|s| s.stmt())
                .is_some_and(|s| evaluated_first(s, parse));
            let applicability = if has_comment(&dropped) || !straight {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            };
            edits.push(Edit::replace(src.range(parse), name.id.sym.to_string()));
            let fix = Fix::new(
                format!(
                    "Read `{}` with `get(key, 'json')` and drop the `JSON.parse`",
                    name.id.sym
                ),
                applicability,
                edits,
            );
            self.report(
                call,
                &format!(
                    "`{}` is read from KV as text only to be parsed: read it as JSON instead",
                    name.id.sym
                ),
                fix,
            );
        }
    }
}

/// What a statement list's walk finds for the single-use check: the mentions of the
/// candidate names (the keys it starts with), and the `JSON.parse(x)` calls with an
/// identifier argument, as (call span, identifier span).
#[derive(Default)]
pub struct ListUses {
    idents: rustc_hash::FxHashMap<swc_atoms::Atom, Vec<Span>>,
    parses: Vec<(Span, Span)>,
}

impl Visit for ListUses {
    fn visit_ident(&mut self, i: &swc_ecma_ast::Ident) {
        if let Some(spans) = self.idents.get_mut(&i.sym) {
            spans.push(i.span);
        }
    }

    fn visit_call_expr(&mut self, c: &CallExpr) {
        if let Some(Expr::Ident(i)) = parse_arg(c) {
            self.parses.push((c.span, i.span));
        }
        c.visit_children_with(self);
    }
}

impl Visit for Finder<'_, '_> {
    /// Types hold no calls, statements or runtime names: not walked.
    fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}

    fn visit_call_expr(&mut self, c: &CallExpr) {
        self.check_inline(c);
        c.visit_children_with(self);
    }

    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        self.check_single_use(stmts);
        stmts.iter().for_each(|s| s.visit_with(self));
    }

    fn visit_module_items(&mut self, items: &[ModuleItem]) {
        self.check_single_use(items);
        items.iter().for_each(|i| i.visit_with(self));
    }
}
