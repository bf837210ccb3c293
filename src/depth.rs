//! A lexical pre-check of how deeply a file nests, run before swc sees it.
//!
//! swc's parser, the AST visitors and the AST's `Drop` recurse once per level of nesting;
//! input nested deeper than they can take on the worker's stack would abort the process,
//! which cannot be caught. This scanner counts, without parsing: brackets of every kind
//! (template `${` included), chains of arrow functions and conditionals (`a => b => …`,
//! `a ? b : c ? …`, ended by `;` or `,` at their level) and runs of unary operators.
//! Strings, comments, regular expressions and template text are skipped, so minified code
//! passes.

/// The deepest nesting kvlint parses. Real code, minified included, stays far below; the
/// worker stack (256 MiB) takes well over ten times this on every construct measured.
pub const MAX_NESTING: usize = 2000;

struct Frame {
    template: bool,
    /// Arrows and conditionals chained at this level since its last `;` or `,`.
    chain: usize,
}

/// Words after which `/` starts a regular expression rather than a division.
#[cfg(test)]
const BEFORE_REGEX: [&str; 15] = [
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
    "extends",
];

const UNARY_WORDS: [&str; 4] = ["typeof", "void", "delete", "await"];

/// What a word is to the scan.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Word {
    /// A unary operator word ([`UNARY_WORDS`]): nests what follows.
    Unary,
    /// A keyword after which `/` starts a regular expression ([`BEFORE_REGEX`]).
    BeforeRegex,
    /// A name or literal: an operand.
    Operand,
}

/// Classifies a word. Every word is classified, so the lists are matched as one `match`
/// (by length, then bytes) rather than searched; a test checks it against the lists.
fn word_kind(word: &[u8]) -> Word {
    match word {
        b"typeof" | b"void" | b"delete" | b"await" => Word::Unary,
        b"return" | b"instanceof" | b"in" | b"of" | b"new" | b"throw" | b"case" | b"do"
        | b"else" | b"yield" | b"extends" => Word::BeforeRegex,
        _ => Word::Operand,
    }
}

/// The bytes of a word (identifier or keyword): ASCII letters, digits, `_`, `$`, and every
/// byte of a non-ASCII character.
const WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
        c += 1;
    }
    t
};

/// The offset where nesting first exceeds `limit`, if it does.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    if within_bound(text, limit) {
        return None;
    }
    scan(text, limit)
}

/// The scan behind [`too_deep`].
fn scan(text: &str, limit: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut stack = vec![Frame {
        template: false,
        chain: 0,
    }];
    let mut chains = 0usize;
    let mut unary = 0usize;
    // Whether the previous token ends an operand (then `/` divides, `+` is binary).
    let mut after_operand = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let depth = stack.len() + chains + unary;
        if depth > limit {
            return Some(i);
        }
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = block_comment_end()
                    .find(&b[i + 2..])
                    .map_or(b.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'/' if !after_operand => {
                i = skip_regex(b, i + 1);
                after_operand = true;
                unary = 0;
                continue;
            }
            b'\'' | b'"' => {
                i = skip_string(b, i + 1, c);
                after_operand = true;
                unary = 0;
                continue;
            }
            b'`' => {
                (i, after_operand) = template_text(b, i + 1, &mut stack);
                unary = 0;
                continue;
            }
            b'(' | b'[' | b'{' => {
                stack.push(Frame {
                    template: false,
                    chain: 0,
                });
                after_operand = false;
                unary = 0;
            }
            b')' | b']' | b'}' => {
                if stack.len() > 1 {
                    let frame = stack.pop().expect("more than one frame");
                    chains -= frame.chain;
                    if frame.template {
                        // Back in the template's text.
                        (i, after_operand) = template_text(b, i + 1, &mut stack);
                        unary = 0;
                        continue;
                    }
                }
                after_operand = c != b'}';
                unary = 0;
            }
            b';' | b',' => {
                let top = stack.last_mut().expect("the top level");
                chains -= top.chain;
                top.chain = 0;
                after_operand = false;
                unary = 0;
            }
            b'=' if b.get(i + 1) == Some(&b'>') => {
                stack.last_mut().expect("the top level").chain += 1;
                chains += 1;
                after_operand = false;
                unary = 0;
                i += 2;
                continue;
            }
            b'?' if !matches!(b.get(i + 1), Some(b'.') | Some(b'?')) => {
                stack.last_mut().expect("the top level").chain += 1;
                chains += 1;
                after_operand = false;
                unary = 0;
            }
            b'!' | b'~' if b.get(i + 1) != Some(&b'=') => {
                unary += 1;
                after_operand = false;
            }
            b'+' | b'-' if !after_operand => {
                unary += 1;
            }
            c if WORD[usize::from(c)] => {
                let start = i;
                while i < b.len() && WORD[usize::from(b[i])] {
                    i += 1;
                }
                match word_kind(&b[start..i]) {
                    Word::Unary => {
                        unary += 1;
                        after_operand = false;
                    }
                    Word::BeforeRegex => {
                        unary = 0;
                        after_operand = false;
                    }
                    Word::Operand => {
                        unary = 0;
                        after_operand = true;
                    }
                }
                continue;
            }
            _ => {
                after_operand = false;
                unary = 0;
            }
        }
        i += 1;
    }
    None
}

/// Whether an upper bound of the nesting [`too_deep`] can count stays within `limit`,
/// found without scanning: every level it counts starts at a bracket (`${` included), an
/// arrow's `>`, a `?`, a unary operator or a unary word, so the count of those bytes and
/// words bounds the depth. Most files stay under the limit by this bound alone; for one
/// that does not, counting stops as soon as the bound passes the limit (it is scanned).
fn within_bound(text: &str, limit: usize) -> bool {
    let mut bound = 1;
    // Counted in chunks a byte-wide counter holds, in a form the compiler vectorises.
    for chunk in text.as_bytes().chunks(255) {
        let mut n = 0u8;
        for &c in chunk {
            n += u8::from(c == b'(')
                + u8::from(c == b'[')
                + u8::from(c == b'{')
                + u8::from(c == b'>')
                + u8::from(c == b'?')
                + u8::from(c == b'!')
                + u8::from(c == b'~')
                + u8::from(c == b'+')
                + u8::from(c == b'-');
        }
        bound += usize::from(n);
        if bound > limit {
            return false;
        }
    }
    for finder in unary_word_finders() {
        bound += finder
            .find_iter(text.as_bytes())
            .take(limit + 1 - bound)
            .count();
        if bound > limit {
            return false;
        }
    }
    true
}

/// The searcher for a block comment's end, built once (declaration files hold thousands of
/// doc comments).
fn block_comment_end() -> &'static memchr::memmem::Finder<'static> {
    static END: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    END.get_or_init(|| memchr::memmem::Finder::new(b"*/"))
}

/// A searcher for each of [`UNARY_WORDS`], built once.
fn unary_word_finders() -> &'static [memchr::memmem::Finder<'static>] {
    static FINDERS: std::sync::OnceLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::OnceLock::new();
    FINDERS.get_or_init(|| {
        UNARY_WORDS
            .iter()
            .map(memchr::memmem::Finder::new)
            .collect()
    })
}

/// Scans template text from `i`: at a `${` a template frame opens (code follows), at the
/// closing backtick the template ends (an operand). Returns where scanning goes on and
/// whether an operand was just completed.
fn template_text(b: &[u8], i: usize, stack: &mut Vec<Frame>) -> (usize, bool) {
    let (end, substitution) = skip_template(b, i);
    if substitution {
        stack.push(Frame {
            template: true,
            chain: 0,
        });
    }
    (end, !substitution)
}

fn skip_string(b: &[u8], mut i: usize, quote: u8) -> usize {
    while i < b.len() && b[i] != quote && b[i] != b'\n' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    (i + 1).min(b.len())
}

/// Skips template text; `true` when it stopped at a `${`.
fn skip_template(b: &[u8], mut i: usize) -> (usize, bool) {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => return (i + 1, false),
            b'$' if b.get(i + 1) == Some(&b'{') => return (i + 2, true),
            _ => i += 1,
        }
    }
    (b.len(), false)
}

fn skip_regex(b: &[u8], mut i: usize) -> usize {
    let mut class = false;
    while i < b.len() && b[i] != b'\n' {
        match b[i] {
            b'\\' => i += 1,
            b'[' => class = true,
            b']' => class = false,
            b'/' if !class => {
                i += 1;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                return i;
            }
            _ => {}
        }
        i += 1;
    }
    i.min(b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep(text: &str) -> bool {
        too_deep(text, 50).is_some()
    }

    #[test]
    fn counts_every_kind_of_nesting() {
        for (open, close) in [("(", ")"), ("[", "]"), ("{a:", "}"), ("`${", "}`")] {
            assert!(
                deep(&format!("x = {}a{}", open.repeat(60), close.repeat(60))),
                "{open}"
            );
            assert!(
                !deep(&format!("x = {}a{}", open.repeat(40), close.repeat(40))),
                "{open}"
            );
        }
        assert!(deep(&"() => ".repeat(60)));
        assert!(deep(&format!("{}a", "a ? a : ".repeat(60))));
        assert!(deep(&format!("{}a", "!".repeat(60))));
        assert!(deep(&format!("{}a", "typeof ".repeat(60))));
    }

    proptest::proptest! {
        /// The shortcut is sound: the scan never counts deeper than the bound.
        #[test]
        fn the_scan_stays_within_the_bound(text in "([-+!~?:;,(){}\\[\\]`'\"/*=> a$]|typeof |await |void |delete |\\$\\{){0,200}", limit in 1usize..60) {
            if within_bound(&text, limit) {
                proptest::prop_assert_eq!(scan(&text, limit), None);
            }
        }
    }

    #[test]
    fn words_are_classified_as_the_lists_say() {
        for w in UNARY_WORDS {
            assert_eq!(word_kind(w.as_bytes()), Word::Unary, "{w}");
        }
        for w in BEFORE_REGEX.iter().filter(|w| !UNARY_WORDS.contains(w)) {
            assert_eq!(word_kind(w.as_bytes()), Word::BeforeRegex, "{w}");
        }
        for w in ["x", "types", "Return", "awaited", "instanceOf", "env", "e"] {
            assert_eq!(word_kind(w.as_bytes()), Word::Operand, "{w}");
        }
    }

    #[test]
    fn flat_code_is_not_deep() {
        // Chains end at `;` and `,`; binary operators and long statement lists do not nest.
        let flat = "const f = () => 1;\n".repeat(200)
            + &"a ? b : c, ".repeat(200)
            + &"a + ".repeat(500)
            + "a;";
        assert!(!deep(&flat));
    }

    #[test]
    fn strings_comments_regexes_and_templates_are_skipped() {
        let text = format!(
            "const s = '{0}'; const t = \"{0}\"; // {0}\n/* {0} */ const r = /\\({0}[(]/g; const u = `{0} ${{a}} {0}`; x = a / (b) / c;",
            "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
        );
        assert!(!deep(&text), "{:?}", too_deep(&text, 50));
    }

    #[test]
    fn a_block_comment_is_skipped_whatever_it_holds() {
        // A `/` and line breaks inside: not a regular expression, not code.
        let parens = "(".repeat(60);
        let text = format!("/* a / {parens}\n{parens} */ x = 1;");
        assert!(!deep(&text), "{:?}", too_deep(&text, 50));
        // The code right after a comment is scanned from its first byte.
        let text = format!("/* ( */{}", "(".repeat(100));
        assert_eq!(too_deep(&text, 50), Some(7 + 50));
    }

    #[test]
    fn a_division_or_a_regular_expression_ends_where_it_ends() {
        // Neither swallows the code after it as a comment would.
        let parens = "(".repeat(60);
        assert!(deep(&format!("x = a / b; {parens}a")));
        assert!(deep(&format!("x = /re/.test(s); {parens}a")));
        // A string left open at the end of the file ends there.
        assert!(!deep("x = 'abc"));
        assert!(!deep("x = 'abc\\"));
    }

    #[test]
    fn nesting_after_a_first_stretch_without_brackets_is_counted() {
        let text = format!("{}{}a", " ".repeat(300), "(".repeat(60));
        assert!(deep(&text));
    }

    #[test]
    fn reports_where_it_got_too_deep() {
        let text = format!("let a;\n{}", "(".repeat(100));
        let at = too_deep(&text, 50).unwrap();
        assert_eq!(at, 7 + 50);
    }
}
