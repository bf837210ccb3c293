//! The rule registry: one sorted list of every rule.

/// Help texts that share why the rule matters and differ in what to do, by configuration:
/// `helps!("why"; HELP = "do this", HELP_CONFIGURED = "do that");`.
macro_rules! helps {
    ($why:literal; $($(#[$doc:meta])* $name:ident = $then:literal),+ $(,)?) => {
        $($(#[$doc])* const $name: &str = concat!($why, " ", $then);)+
    };
}

mod no_floating_kv_write;
mod no_invalid_kv_ttl;
mod no_kv_read_modify_write;
mod no_kv_sessions;
mod no_sequential_kv_reads;
mod no_unprefixed_kv_key;
pub(crate) mod options;
mod prefer_coalesced_kv_reads;
mod prefer_kv_cache_ttl;
mod prefer_kv_json_type;
mod prefer_kv_stale_while_revalidate;
mod require_kv_ttl;
mod stmts;

use std::cell::OnceCell;

use swc_ecma_ast::Program;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::parse::Lang;
use crate::semantic::SemanticModel;
use crate::source::Source;

pub use no_floating_kv_write::NoFloatingKvWrite;
pub use no_invalid_kv_ttl::NoInvalidKvTtl;
pub use no_kv_read_modify_write::NoKvReadModifyWrite;
pub use no_kv_sessions::{NoKvSessions, DEFAULT_SESSION_KEYS};
pub use no_sequential_kv_reads::NoSequentialKvReads;
pub use no_unprefixed_kv_key::NoUnprefixedKvKey;
pub use prefer_coalesced_kv_reads::PreferCoalescedKvReads;
pub use prefer_kv_cache_ttl::PreferKvCacheTtl;
pub use prefer_kv_json_type::PreferKvJsonType;
pub use prefer_kv_stale_while_revalidate::PreferKvStaleWhileRevalidate;
pub use require_kv_ttl::RequireKvTtl;

/// Everything a rule may look at. Rules never do I/O.
pub struct RuleContext<'a> {
    pub source: &'a Source,
    pub program: &'a Program,
    pub model: &'a SemanticModel<'a>,
    pub config: &'a Config,
    pub lang: Lang,
    /// The file's code style, each part worked out the first time a fix needs it.
    pub style: Style,
    pub comments: &'a swc_common::comments::SingleThreadedComments,
    /// Expression statements after a statement without `;`, found the first time a fix asks.
    pub unterminated: OnceCell<rustc_hash::FxHashSet<swc_common::BytePos>>,
    /// Whether the file runs on the Workers runtime: a fix may import `cloudflare:workers`.
    pub workers: bool,
}

/// How the file writes code, for generated code to follow (DESIGN §6.6).
#[derive(Default)]
pub struct Style {
    /// One level of indentation.
    indent: OnceCell<String>,
    /// The quote most string literals use (finding it walks the whole program).
    quote: OnceCell<char>,
    /// Semicolons and trailing commas (finding them walks the whole program).
    punctuation: OnceCell<crate::edits::Punctuation>,
}

impl RuleContext<'_> {
    /// Whether an expression statement starts at `at` right after a statement without a
    /// `;`: text put there that starts with `(`, `[` or `` ` `` would continue that
    /// statement (`[]\n(x)` is a call), so it needs a `;` of its own.
    pub fn follows_unterminated(&self, at: swc_common::BytePos) -> bool {
        self.unterminated
            .get_or_init(|| crate::semantic::statements::unterminated(self.program, self.source))
            .contains(&at)
    }

    /// The comments inside a byte range of the file, in order: their ranges.
    pub fn comments_in(&self, range: std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
        let (leading, trailing) = self.comments.borrow_all();
        let mut out: Vec<std::ops::Range<usize>> = leading
            .values()
            .chain(trailing.values())
            .flatten()
            .map(|c| self.source.range(c.span))
            .filter(|r| range.start <= r.start && r.end <= range.end)
            .collect();
        out.sort_by_key(|r| r.start);
        out.dedup();
        out
    }

    /// One level of the file's indentation.
    pub fn indent_unit(&self) -> &str {
        self.style
            .indent
            .get_or_init(|| crate::edits::indent_unit(self.source))
    }

    /// Whether the file ends statements with `;` and lists laid out one element per line
    /// with a trailing comma.
    pub fn punctuation(&self) -> crate::edits::Punctuation {
        *self
            .style
            .punctuation
            .get_or_init(|| crate::edits::punctuation(self.source, self.program))
    }

    /// The `;` a generated statement that ends at `at` gets: one where the file writes them,
    /// or where the code after it would otherwise continue it.
    pub fn statement_end(&self, at: usize) -> &'static str {
        if self.punctuation().semicolons || crate::edits::continues_statement(self.source, at) {
            ";"
        } else {
            ""
        }
    }

    /// The quote most of the file's string literals use.
    pub fn quote(&self) -> char {
        *self
            .style
            .quote
            .get_or_init(|| crate::edits::preferred_quote(self.source, self.program))
    }
}

/// What a rule's fixes are under one configuration: what the user gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixKind {
    None,
    /// Shown in the output, never applied.
    DisplayOnly,
    /// Applied by `--fix --unsafe-fixes`.
    Unsafe,
    /// Applied by `--fix`.
    Safe,
}

impl FixKind {
    pub fn name(self) -> &'static str {
        match self {
            FixKind::None => "none",
            FixKind::DisplayOnly => "display-only",
            FixKind::Unsafe => "unsafe",
            FixKind::Safe => "safe",
        }
    }
}

pub trait Rule: Sync {
    fn id(&self) -> &'static str;
    /// One line, for `kvlint rules` and SARIF.
    fn summary(&self) -> &'static str;
    fn default_severity(&self) -> Severity;
    /// What its fixes are under `config` (the most a finding gets: some findings of a rule
    /// with fixes have none).
    fn fix_kind(&self, config: &Config) -> FixKind;
    /// How the settings change what `fix_kind` says, when they do.
    fn fix_note(&self) -> Option<&'static str> {
        None
    }
    /// The rule's document (`rules/<id>.md`).
    fn doc(&self) -> &'static str;
    fn check(&self, ctx: &RuleContext) -> Vec<Diagnostic>;
}

/// Every rule, sorted by id.
pub static RULES: &[&dyn Rule] = &[
    &NoFloatingKvWrite,
    &NoInvalidKvTtl,
    &NoKvReadModifyWrite,
    &NoKvSessions,
    &NoSequentialKvReads,
    &NoUnprefixedKvKey,
    &PreferCoalescedKvReads,
    &PreferKvCacheTtl,
    &PreferKvJsonType,
    &PreferKvStaleWhileRevalidate,
    &RequireKvTtl,
];

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.id() == id)
}
