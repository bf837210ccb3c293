//! The parse-only floor: every .ts/.tsx/.mts/.cts/.js/.jsx/.mjs/.cjs file under the given
//! folders (`.gitignore` honoured, `node_modules` and hidden folders skipped, as kvlint
//! walks), read, parsed with comments kept, and walked once by a visitor that counts calls.
//!
//!     parse-floor [--threads N] PATHS...

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use swc_common::comments::SingleThreadedComments;
use swc_common::BytePos;
use swc_ecma_ast::{CallExpr, EsVersion};
use swc_ecma_parser::{lexer::Lexer, EsSyntax, Parser, StringInput, Syntax, TsSyntax};
use swc_ecma_visit::{Visit, VisitWith};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Calls(usize);

impl Visit for Calls {
    fn visit_call_expr(&mut self, c: &CallExpr) {
        self.0 += 1;
        c.visit_children_with(self);
    }
}

fn syntax(path: &Path) -> Option<Syntax> {
    let ext = path.extension()?.to_str()?;
    Some(match ext {
        "ts" | "mts" | "cts" => Syntax::Typescript(TsSyntax {
            decorators: true,
            dts: path.to_string_lossy().ends_with(".d.ts"),
            ..Default::default()
        }),
        "tsx" => Syntax::Typescript(TsSyntax {
            tsx: true,
            decorators: true,
            ..Default::default()
        }),
        "js" | "mjs" | "cjs" | "jsx" => Syntax::Es(EsSyntax {
            jsx: true,
            decorators: true,
            ..Default::default()
        }),
        _ => return None,
    })
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut threads = 0;
    if let Some(i) = args.iter().position(|a| a == "--threads") {
        threads = args[i + 1].parse().expect("--threads N");
        args.drain(i..i + 2);
    }
    let mut files = Vec::new();
    for root in &args {
        let walk = ignore::WalkBuilder::new(root)
            .hidden(true)
            .filter_entry(|e| e.file_name() != "node_modules")
            .build();
        for entry in walk.flatten() {
            if entry.file_type().is_some_and(|t| t.is_file()) && syntax(entry.path()).is_some() {
                files.push(entry.into_path());
            }
        }
    }
    let calls = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(256 * 1024 * 1024)
        .build()
        .unwrap();
    pool.install(|| {
        files.par_iter().for_each(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return;
            };
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let comments = SingleThreadedComments::default();
            let input = StringInput::new(text, BytePos(1), BytePos(1 + text.len() as u32));
            let lexer = Lexer::new(syntax(path).unwrap(), EsVersion::latest(), input, Some(&comments));
            let mut parser = Parser::new_from(lexer);
            match parser.parse_program() {
                Ok(program) => {
                    let mut v = Calls(0);
                    program.visit_with(&mut v);
                    calls.fetch_add(v.0, Ordering::Relaxed);
                }
                Err(_) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    });
    println!(
        "{} files, {} calls, {} did not parse",
        files.len(),
        calls.into_inner(),
        failed.into_inner()
    );
}
