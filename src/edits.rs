//! Building edits that follow the surrounding code's layout (DESIGN §6.6).

use swc_common::{Span, Spanned};
use swc_ecma_ast::{ExprOrSpread, ObjectLit};

use crate::fix::Edit;
use crate::source::Source;

/// Skips whitespace and comments from `at`; returns the offset of the next code byte.
pub fn skip_trivia(text: &str, mut at: usize) -> usize {
    let b = text.as_bytes();
    loop {
        while at < b.len() && (b[at] as char).is_whitespace() {
            at += 1;
        }
        if b[at..].starts_with(b"//") {
            while at < b.len() && b[at] != b'\n' {
                at += 1;
            }
        } else if b[at..].starts_with(b"/*") {
            at = text[at + 2..]
                .find("*/")
                .map(|i| at + 2 + i + 2)
                .unwrap_or(b.len());
        } else {
            return at;
        }
    }
}

/// Inserts `item` after the last element of a comma-separated list whose elements are
/// `last_span` and which closes at `close` (the offset of `)` or `}`). On one line the
/// item follows `, `; laid out one per line, it gets a line of its own at the indentation
/// of the last element (after a comment that ends that element's line), and a trailing
/// comma stays a trailing comma.
fn append_to_list(
    source: &Source,
    first_start: usize,
    last_end: usize,
    close: usize,
    item: &str,
) -> Vec<Edit> {
    let text = source.text();
    let multiline = source.line_index(first_start) != source.line_index(last_end)
        || source.line_index(last_end) != source.line_index(close);
    let after = skip_trivia(text, last_end);
    let trailing_comma = after < close && text.as_bytes()[after] == b',';
    if !multiline {
        return vec![if trailing_comma {
            Edit::insert(after + 1, format!(" {item},"))
        } else {
            Edit::insert(last_end, format!(", {item}"))
        }];
    }
    let nl = source.newline();
    let indent = source.indent_at(last_end);
    let anchor = if trailing_comma { after + 1 } else { last_end };
    // Only trivia after the anchor on its line: the new line goes after that line.
    let line_end = source.line_range(source.line_index(anchor)).end;
    let at = if skip_trivia(text, anchor) > line_end && line_end < close {
        line_end
    } else {
        anchor
    };
    let comma = if trailing_comma { "," } else { "" };
    let line = Edit::insert(at, format!("{nl}{indent}{item}{comma}"));
    if trailing_comma {
        vec![line]
    } else if at == last_end {
        vec![Edit::insert(last_end, format!(",{nl}{indent}{item}"))]
    } else {
        vec![Edit::insert(last_end, ","), line]
    }
}

/// Adds an argument after the last one of a call (`call_span` is the whole call).
pub fn append_argument(
    source: &Source,
    call_span: Span,
    args: &[ExprOrSpread],
    arg: &str,
) -> Option<Vec<Edit>> {
    let first = source.range(args.first()?.span());
    let last = source.range(args.last()?.span());
    let call = source.range(call_span);
    // The call's closing parenthesis is its last byte.
    let close = call.end.checked_sub(1)?;
    (source.text().as_bytes().get(close) == Some(&b')'))
        .then(|| append_to_list(source, first.start, last.end, close, arg))
}

/// Adds a `key: value` property to an object literal, after its last property.
pub fn add_property(source: &Source, obj: &ObjectLit, prop: &str) -> Vec<Edit> {
    let range = source.range(obj.span);
    match (obj.props.first(), obj.props.last()) {
        (Some(first), Some(last)) => {
            let first = source.range(first.span());
            let last = source.range(last.span());
            append_to_list(source, first.start, last.end, range.end - 1, prop)
        }
        _ => {
            let inner = &source.text()[range.start + 1..range.end - 1];
            vec![if inner.trim().is_empty() {
                Edit::replace(range, format!("{{ {prop} }}"))
            } else {
                // Comments inside: keep them, put the property first.
                Edit::insert(range.start + 1, format!(" {prop}"))
            }]
        }
    }
}

/// The quote the file uses most for string literals (`'` when it has none).
pub fn preferred_quote(source: &Source, program: &swc_ecma_ast::Program) -> char {
    let (mut single, mut double) = (0, 0);
    for span in crate::semantic::references::string_literals(program) {
        match source.slice(span).as_bytes().first() {
            Some(b'\'') => single += 1,
            Some(b'"') => double += 1,
            _ => {}
        }
    }
    if double > single {
        '"'
    } else {
        '\''
    }
}

/// A JavaScript string literal of `value` in the given quote.
pub fn quoted(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push(quote);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Escapes text for the inside of a template literal.
pub fn template_text(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('`', "\\`")
        .replace("${", "\\${")
}

/// The text of `range` with `edits` (absolute offsets inside it) applied.
pub fn apply_within(source: &Source, range: std::ops::Range<usize>, edits: &[Edit]) -> String {
    let text = source.text();
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.range.start);
    let mut out = String::new();
    let mut at = range.start;
    for e in sorted {
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.content);
        at = e.range.end;
    }
    out.push_str(&text[at..range.end]);
    out
}

/// Whether some text (code being deleted) holds a comment.
pub fn has_comment(text: &str) -> bool {
    text.contains("//") || text.contains("/*")
}

/// One level of indentation in the file: a tab if lines are indented with tabs, else the
/// smallest indentation used (2 when there is none).
pub fn indent_unit(source: &Source) -> String {
    let mut smallest = usize::MAX;
    for line in source.text().lines() {
        if line.starts_with('\t') {
            return "\t".to_string();
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        if spaces > 0 && spaces < line.len() {
            smallest = smallest.min(spaces);
        }
    }
    " ".repeat(if smallest == usize::MAX {
        2
    } else {
        smallest.clamp(2, 8)
    })
}

/// The comments in a piece of code being removed (strings are not expected in it).
pub fn comments_in(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['/']) {
        let after = &rest[i..];
        if after.starts_with("//") {
            let end = after.find('\n').unwrap_or(after.len());
            out.push(after[..end].trim_end());
            rest = &after[end..];
        } else if after.starts_with("/*") {
            let end = after.find("*/").map(|e| e + 2).unwrap_or(after.len());
            out.push(&after[..end]);
            rest = &after[end..];
        } else {
            rest = &after[1..];
        }
    }
    out
}

/// The edit that deletes a statement (`range`). When the statement has its lines to itself,
/// the lines go; a comment after it on its last line, and the comments inside it (`inner`,
/// ranges of the file), stay, each on a line of its own at the statement's indentation,
/// where the next statement follows.
pub fn remove_statement(
    source: &Source,
    range: std::ops::Range<usize>,
    inner: &[std::ops::Range<usize>],
) -> Edit {
    let text = source.text();
    let first = source.line_index(range.start);
    let last = source.line_index(range.end.saturating_sub(1).max(range.start));
    let line_start = source.line_range(first).start;
    let last_line = source.line_range(last);
    let before = &text[line_start..range.start];
    let after = text[range.end..last_line.end].trim();
    let own_lines = before.trim().is_empty();
    let indent = source.indent_at(range.start).to_string();
    let nl = source.newline();
    let mut kept: Vec<&str> = inner.iter().map(|r| &text[r.clone()]).collect();
    let trailing_comment = after.starts_with("//") || after.starts_with("/*");
    if !own_lines || !(after.is_empty() || trailing_comment) {
        // Shares its line with other code: delete just the statement and the spaces after.
        let end = range.end
            + text[range.end..]
                .bytes()
                .take_while(|b| *b == b' ' || b == &b'\t')
                .count();
        let lines: String = kept
            .iter()
            .map(|c| {
                if c.starts_with("//") {
                    format!("{c}{nl}{indent}")
                } else {
                    format!("{c} ")
                }
            })
            .collect();
        return Edit::replace(range.start..end, lines);
    }
    if trailing_comment {
        kept.push(after);
    }
    let full_end = source.full_line_range(last).end;
    let mut replacement: String = kept.iter().map(|c| format!("{indent}{c}{nl}")).collect();
    // Code without semicolons: with this statement gone, a next statement that starts with
    // `(`, `[` or `` ` `` would continue the one before it. An empty statement keeps them apart.
    let before = text[..range.start].trim_end();
    let after = skip_trivia(text, range.end);
    let continues = text[after.min(text.len())..].starts_with(['(', '[', '`', '+', '-', '/']);
    let separated = before.is_empty() || before.ends_with([';', '{', '}']);
    if continues && !separated {
        replacement.push_str(&format!("{indent};{nl}"));
    }
    Edit::replace(line_start..full_end, replacement)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(text: &str, stmt: &str) -> String {
        let source = Source::new(text.to_string());
        let start = text.find(stmt).unwrap();
        let edit = remove_statement(&source, start..start + stmt.len(), &[]);
        format!(
            "{}{}{}",
            &text[..edit.range.start],
            edit.content,
            &text[edit.range.end..]
        )
    }

    #[test]
    fn a_removed_statement_leaves_the_others_apart() {
        // Without semicolons, `(b)()` must not become a call of `a()`'s result.
        assert_eq!(
            removed("a()\nawait kv.put(k, v)\n(b)()\n", "await kv.put(k, v)"),
            "a()\n;\n(b)()\n"
        );
        assert_eq!(
            removed("a();\nawait kv.put(k, v);\n(b)();\n", "await kv.put(k, v);"),
            "a();\n(b)();\n"
        );
        // A comment after it on its line stays, on a line of its own.
        assert_eq!(
            removed(
                "  x();\n  await kv.put(k, v); // copy\n  y();\n",
                "await kv.put(k, v);"
            ),
            "  x();\n  // copy\n  y();\n"
        );
    }
}

/// How the file ends statements and lays out lists, for generated code to follow
/// (DESIGN §6.6): whether most statements end with `;`, and whether most lists laid out one
/// element per line end with a trailing comma (Prettier's default when the file has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Punctuation {
    pub semicolons: bool,
    pub trailing_commas: bool,
}

/// Counts what the file does (see [`Punctuation`]).
pub fn punctuation(source: &Source, program: &swc_ecma_ast::Program) -> Punctuation {
    use swc_ecma_ast::{ArrayLit, ModuleDecl, ObjectLit, Stmt};
    use swc_ecma_visit::{Visit, VisitWith};
    #[derive(Default)]
    struct Count<'s> {
        source: Option<&'s Source>,
        with_semi: usize,
        without_semi: usize,
        with_comma: usize,
        without_comma: usize,
    }
    impl Count<'_> {
        fn ends(&mut self, span: Span) {
            let text = self.source.expect("set").slice(span);
            if text.ends_with(';') {
                self.with_semi += 1;
            } else if !text.ends_with('}') {
                self.without_semi += 1;
            }
        }
        fn list(&mut self, span: Span, last_end: Option<usize>) {
            let source = self.source.expect("set");
            let range = source.range(span);
            let Some(last_end) = last_end else { return };
            if source.line_index(last_end) == source.line_index(range.end) {
                return;
            }
            let after = skip_trivia(source.text(), last_end);
            if after < range.end && source.text().as_bytes()[after] == b',' {
                self.with_comma += 1;
            } else {
                self.without_comma += 1;
            }
        }
    }
    impl Visit for Count<'_> {
        fn visit_stmt(&mut self, s: &Stmt) {
            match s {
                Stmt::Expr(_)
                | Stmt::Return(_)
                | Stmt::Throw(_)
                | Stmt::Break(_)
                | Stmt::Continue(_)
                | Stmt::Decl(swc_ecma_ast::Decl::Var(_)) => self.ends(s.span()),
                _ => {}
            }
            s.visit_children_with(self);
        }
        fn visit_module_decl(&mut self, d: &ModuleDecl) {
            if let ModuleDecl::Import(i) = d {
                self.ends(i.span);
            }
            d.visit_children_with(self);
        }
        fn visit_array_lit(&mut self, a: &ArrayLit) {
            let last = a.elems.iter().flatten().last();
            let source = self.source.expect("set");
            self.list(a.span, last.map(|e| source.range(e.span()).end));
            a.visit_children_with(self);
        }
        fn visit_object_lit(&mut self, o: &ObjectLit) {
            let source = self.source.expect("set");
            self.list(o.span, o.props.last().map(|p| source.range(p.span()).end));
            o.visit_children_with(self);
        }
    }
    let mut count = Count {
        source: Some(source),
        ..Count::default()
    };
    program.visit_with(&mut count);
    Punctuation {
        semicolons: count.with_semi >= count.without_semi,
        trailing_commas: count.with_comma >= count.without_comma,
    }
}

/// Whether code that follows `at` would continue a statement that ends there without a `;`
/// (it starts with `(`, `[`, `` ` ``, `+`, `-` or `/`: automatic semicolon insertion does not
/// end the statement before them).
pub fn continues_statement(source: &Source, at: usize) -> bool {
    let next = skip_trivia(source.text(), at);
    matches!(
        source.text().as_bytes().get(next),
        Some(b'(' | b'[' | b'`' | b'+' | b'-' | b'/')
    )
}
