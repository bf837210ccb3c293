//! Parsing with swc, by file extension, with comments kept.

use std::ops::Range;
use std::path::Path;

use swc_common::comments::SingleThreadedComments;
use swc_common::input::StringInput;
use swc_common::{BytePos, Spanned};
use swc_ecma_ast::Program;
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
}

impl Lang {
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?;
        Some(match ext {
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "js" | "mjs" | "cjs" | "jsx" => Lang::JavaScript,
            _ => return None,
        })
    }

    pub fn is_typescript(self) -> bool {
        matches!(self, Lang::TypeScript | Lang::Tsx)
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
        Lang::TypeScript | Lang::Tsx => Syntax::Typescript(TsSyntax {
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

/// Parses a file. An error the parser recovered from still counts as an error.
pub fn parse(source: &Source, lang: Lang, dts: bool) -> Result<Parsed, ParseError> {
    let text = source.parser_text();
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
    let recovered = parser.take_errors();
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
}
