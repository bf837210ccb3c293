//! Parsing with swc, by file extension, with comments kept.

use std::ops::Range;
use std::path::Path;

use swc_common::comments::SingleThreadedComments;
use swc_common::input::StringInput;
use swc_common::{BytePos, Spanned};
use swc_ecma_ast::Program;
use swc_ecma_parser::error::SyntaxError;
use swc_ecma_parser::{EsSyntax, Parser, Syntax, TsSyntax};

use crate::depth::{too_deep, MAX_NESTING};
use crate::source::Source;

/// The language of a file, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    TypeScript,
    Tsx,
    /// JavaScript, JSX allowed.
    JavaScript,
    /// An Astro component: its frontmatter (the TypeScript between the `---` fences at the
    /// top) is parsed; the template is not code kvlint reads.
    Astro,
}

impl Lang {
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?;
        Some(match ext {
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "js" | "mjs" | "cjs" | "jsx" => Lang::JavaScript,
            "astro" => Lang::Astro,
            _ => return None,
        })
    }

    pub fn is_typescript(self) -> bool {
        matches!(self, Lang::TypeScript | Lang::Tsx | Lang::Astro)
    }
}

/// Whether a file is a declaration file (`.d.ts`, `.d.mts`, `.d.cts`), parsed as such.
pub fn is_declaration_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|e| name.ends_with(e))
}

pub struct Parsed {
    pub program: Program,
    pub comments: SingleThreadedComments,
}

/// The first error the parser reported, as a byte range of the file and a message.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub range: Range<usize>,
    pub message: String,
    /// Not a syntax error: the input nests too deeply to be parsed safely.
    pub too_deep: bool,
}

fn syntax(lang: Lang, dts: bool) -> Syntax {
    match lang {
        Lang::TypeScript | Lang::Tsx | Lang::Astro => Syntax::Typescript(TsSyntax {
            tsx: lang == Lang::Tsx,
            decorators: true,
            dts,
            ..Default::default()
        }),
        Lang::JavaScript => Syntax::Es(EsSyntax {
            jsx: true,
            decorators: true,
            import_attributes: true,
            explicit_resource_management: true,
            auto_accessors: true,
            ..Default::default()
        }),
    }
}

/// The byte range of an Astro component's frontmatter code in `text`: after the `---` line
/// that opens the file (blank lines before it allowed), up to the next `---` line. `None`
/// without one.
pub fn astro_frontmatter(text: &str) -> Option<Range<usize>> {
    let mut at = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        let fence = line.trim_end() == "---";
        match start {
            None if fence => start = Some(at + line.len()),
            None if !line.trim().is_empty() => return None,
            Some(s) if fence => return Some(s..at),
            _ => {}
        }
        at += line.len();
    }
    None
}

/// An Astro component as the parser sees it: every byte outside the frontmatter a space
/// (line feeds kept), so that offsets are the file's own.
fn astro_code(text: &str) -> String {
    let code = astro_frontmatter(text).unwrap_or(0..0);
    let bytes: Vec<u8> = text
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            if code.contains(&i) || b == b'\n' {
                b
            } else {
                b' '
            }
        })
        .collect();
    // Line starts are character boundaries: what is kept is whole characters.
    String::from_utf8(bytes).unwrap_or_default()
}

/// Parses a file. An error the parser recovered from still counts as an error (in an Astro
/// frontmatter, a top-level `return` is allowed: `return Astro.redirect('/')`).
pub fn parse(source: &Source, lang: Lang, dts: bool) -> Result<Parsed, ParseError> {
    let astro;
    let text = if lang == Lang::Astro {
        let text = source.parser_text();
        let opens = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(str::trim_end)
            == Some("---");
        if opens && astro_frontmatter(text).is_none() {
            let at = source.text().len() - text.len() + text.find("---").unwrap_or(0);
            return Err(ParseError {
                range: at..at + 3,
                message: "the Astro frontmatter opened here has no closing `---`".into(),
                too_deep: false,
            });
        }
        astro = astro_code(text);
        astro.as_str()
    } else {
        source.parser_text()
    };
    if let Some(at) = too_deep(text, MAX_NESTING) {
        let at = at + (source.text().len() - text.len());
        return Err(ParseError {
            range: at..at,
            message: format!(
                "the code nests more than {MAX_NESTING} levels deep here; kvlint does not parse such input, as the parser could overflow its stack"
            ),
            too_deep: true,
        });
    }
    let comments = SingleThreadedComments::default();
    let input = StringInput::new(text, BytePos(1), BytePos(1 + text.len() as u32));
    let mut parser = Parser::new(syntax(lang, dts), input, Some(&comments));
    let result = parser.parse_program();
    let mut recovered = parser.take_errors();
    if lang == Lang::Astro {
        recovered.retain(|e| !matches!(e.kind(), SyntaxError::ReturnNotAllowed));
    }
    let to_error = |e: swc_ecma_parser::error::Error| ParseError {
        range: source.range(e.span()),
        message: e.kind().msg().into_owned(),
        too_deep: false,
    };
    match result {
        Err(e) => Err(to_error(e)),
        Ok(_) if !recovered.is_empty() => Err(to_error(recovered.into_iter().next().unwrap())),
        Ok(program) => Ok(Parsed { program, comments }),
    }
}

/// Whether a text parses as the given language (the fix engine's guard).
pub fn parses(text: &str, lang: Lang) -> bool {
    parse(&Source::new(text.to_string()), lang, false).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovered_errors_count() {
        let s = Source::new("let x = ;\nlet y = 1;".into());
        let e = parse(&s, Lang::TypeScript, false).err().expect("error");
        assert_eq!(s.position(e.range.start).line, 1);
    }

    #[test]
    fn typescript_and_jsx() {
        let ts = Source::new("const a = <T,>(x: T) => x as unknown as T;".into());
        assert!(parse(&ts, Lang::TypeScript, false).is_ok());
        let jsx = Source::new("const a = <div>{x}</div>;".into());
        assert!(parse(&jsx, Lang::JavaScript, false).is_ok());
        assert!(parse(&jsx, Lang::TypeScript, false).is_err());
    }

    #[test]
    fn astro_frontmatter_is_the_code_between_the_fences() {
        let page = "\n---\nconst a = 1;\n---\n<p>{a}</p>\n---\n";
        let code = astro_frontmatter(page).unwrap();
        assert_eq!(&page[code], "const a = 1;\n");
        assert_eq!(astro_frontmatter("<p>no frontmatter</p>\n---\n"), None);
        // Fences after the template has begun are the template's (a horizontal rule).
        assert_eq!(
            astro_frontmatter("<p>x</p>\n---\nconst a = 1;\n---\n"),
            None
        );
        assert_eq!(astro_frontmatter("---\nconst a = 1;\n"), None, "unclosed");
        let crlf = "---\r\nconst a = 1;\r\n---\r\n<p/>";
        assert_eq!(&crlf[astro_frontmatter(crlf).unwrap()], "const a = 1;\r\n");
        assert_eq!(astro_frontmatter("---\n---\n<p/>"), Some(4..4));
    }

    #[test]
    fn astro_components_parse_as_their_frontmatter_at_the_file_s_offsets() {
        let page = "---\nconst é = await env.KV.get('k');\nif (!é) return Astro.redirect('/');\n---\n<p>{é} ünïcode {</p>\n";
        let s = Source::new(page.to_string());
        let parsed = parse(&s, Lang::Astro, false).expect("the frontmatter parses");
        let Program::Module(m) = &parsed.program else {
            panic!("a module")
        };
        let first = s.range(m.body[0].span());
        assert_eq!(&page[first], "const é = await env.KV.get('k');");
        // A top-level `return` is Astro's, not TypeScript's; other errors still count.
        assert!(parse(&s, Lang::TypeScript, false).is_err());
        let broken = Source::new("---\nconst = ;\n---\n<p/>".into());
        assert!(parse(&broken, Lang::Astro, false).is_err());
        // Without a frontmatter there is no code, and nothing to fail on.
        let plain = Source::new("<p>{a.get(</p>".into());
        assert!(parse(&plain, Lang::Astro, false).is_ok());
        let unclosed = Source::new("\n---\nconst a = 1;\n<p/>".into());
        let e = parse(&unclosed, Lang::Astro, false)
            .err()
            .expect("an error");
        assert_eq!((e.range, e.message.contains("no closing")), (1..4, true));
    }
}
