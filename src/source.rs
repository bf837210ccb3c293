//! A source file's text and the mapping between swc spans, byte offsets, and the
//! line/column positions users see (1-based lines, UTF-16 columns).

use std::ops::Range;

use swc_common::Span;

const BOM: &str = "\u{feff}";

/// The offsets just after each `\n`.
fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
}

/// The text of one file, exactly as read (BOM and line endings included).
pub struct Source {
    text: String,
    bom_len: usize,
    /// Where each line starts, worked out the first time a position is asked for (most
    /// files have no finding and never are).
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

/// A 1-based line and a 1-based column counted in UTF-16 code units.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Source {
    pub fn new(text: String) -> Self {
        let bom_len = if text.starts_with(BOM) { BOM.len() } else { 0 };
        Source {
            text,
            bom_len,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// Builds the line index now rather than at the first position asked for.
    pub fn index_lines(&self) {
        self.line_starts();
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr_newlines(self.text.as_bytes()))
                .collect()
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text handed to the parser: the file without its BOM.
    pub fn parser_text(&self) -> &str {
        &self.text[self.bom_len..]
    }

    /// The byte range in the file's text of a span produced by [`crate::parse`].
    /// The parser numbers the BOM-less text from `BytePos(1)`.
    pub fn range(&self, span: Span) -> Range<usize> {
        let lo = (span.lo.0 as usize).saturating_sub(1) + self.bom_len;
        let hi = (span.hi.0 as usize).saturating_sub(1) + self.bom_len;
        lo.min(self.text.len())..hi.min(self.text.len())
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text[self.range(span)]
    }

    /// The line/column of a byte offset. The BOM is invisible: it takes no column.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.line_starts().partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts()[line].max(if line == 0 { self.bom_len } else { 0 });
        let start = start.min(offset);
        let column = self.text[start..offset].encode_utf16().count() + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// 0-based index of the line holding `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        self.line_starts().partition_point(|&s| s <= offset) - 1
    }

    /// Byte range of a 0-based line, without its line ending.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts()[line];
        let end = self
            .line_starts()
            .get(line + 1)
            .map(|&n| n - 1)
            .unwrap_or(self.text.len());
        let end = if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        start.max(if line == 0 { self.bom_len } else { 0 })..end
    }

    /// Byte range of a 0-based line including its line ending.
    pub fn full_line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts()[line].max(if line == 0 { self.bom_len } else { 0 });
        let end = self
            .line_starts()
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        start..end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// The leading whitespace of the line holding `offset`.
    pub fn indent_at(&self, offset: usize) -> &str {
        let r = self.line_range(self.line_index(offset));
        let line = &self.text[r];
        &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
    }

    /// The file's line ending: CRLF when its first line break is one, else LF.
    pub fn newline(&self) -> &'static str {
        match self.text.find('\n') {
            Some(i) if i > 0 && self.text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swc_common::BytePos;

    #[test]
    fn bom_shifts_offsets_but_not_columns() {
        let s = Source::new("\u{feff}let a = 1;\r\nlet b;".to_string());
        let span = Span::new(BytePos(5), BytePos(6));
        assert_eq!(s.slice(span), "a");
        assert_eq!(
            s.position(s.range(span).start),
            Position { line: 1, column: 5 }
        );
        let b = s.text().find('b').unwrap();
        assert_eq!(s.position(b), Position { line: 2, column: 5 });
        assert_eq!(s.newline(), "\r\n");
        assert_eq!(&s.text()[s.line_range(0)], "let a = 1;");
    }

    #[test]
    fn columns_count_utf16_units() {
        let s = Source::new("'😀é' + x".to_string());
        let x = s.text().find('x').unwrap();
        // ' (1) 😀 (2, a surrogate pair) é (1) ' (1) space + space (3): x is at column 9.
        assert_eq!(s.position(x).column, 9);
    }
}
