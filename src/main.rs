use clap::Parser;

use kvlint::cli::{normalize_args, Cli, Command, DebugCommand, ScaffoldCommand};
use kvlint::{check, commands};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args = normalize_args(std::env::args().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                check::EXIT_ERROR
            } else {
                check::EXIT_OK
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules => {
            let here = std::env::current_dir().unwrap_or_default();
            match kvlint::config::ConfigResolver::discover().for_file(&here.join("_")) {
                Ok(config) => {
                    print!("{}", commands::rules_table(&config));
                    check::EXIT_OK
                }
                Err(e) => {
                    eprintln!("kvlint: error: {e}");
                    check::EXIT_ERROR
                }
            }
        }
        Command::Explain { id } => match commands::explain(&id) {
            Some(doc) => {
                print!("{doc}");
                check::EXIT_OK
            }
            None => {
                eprintln!("kvlint: error: unknown rule id `{id}` (see `kvlint rules`)");
                check::EXIT_ERROR
            }
        },
        Command::Init => {
            let here = std::env::current_dir().unwrap_or_default();
            match kvlint::init::init(&here) {
                Ok(path) => {
                    eprintln!("Wrote {}", path.display());
                    check::EXIT_OK
                }
                Err(e) => {
                    eprintln!("kvlint: error: {e}");
                    check::EXIT_ERROR
                }
            }
        }
        Command::Lsp => kvlint::lsp::run(),
        Command::MigrateData {
            paths,
            output,
            config,
        } => match commands::migrate_data(&paths, output.as_deref(), config.as_deref()) {
            Ok(summary) => {
                eprintln!("{summary}");
                check::EXIT_OK
            }
            Err(e) => {
                eprintln!("kvlint: error: {e}");
                check::EXIT_ERROR
            }
        },
        Command::Report(args) => kvlint::report::run(&kvlint::report::Options {
            paths: args.paths,
            config: args.config,
            format: match args.format {
                kvlint::cli::ReportFormat::Human => kvlint::report::render::Format::Human,
                kvlint::cli::ReportFormat::Markdown => kvlint::report::render::Format::Markdown,
                kvlint::cli::ReportFormat::Json => kvlint::report::render::Format::Json,
            },
            traffic: args.traffic,
            requests: args.requests,
            base: args.base,
            after_fix: args.after_fix.map(|a| a == kvlint::cli::AfterFix::Unsafe),
            output: args.output_file,
        }),
        Command::Scaffold(ScaffoldCommand::SessionObject {
            class,
            binding,
            kv_binding,
        }) => {
            let here = std::env::current_dir().unwrap_or_default();
            match commands::scaffold_session_object(
                &here,
                &class,
                binding.as_deref(),
                kv_binding.as_deref(),
            ) {
                Ok(text) => {
                    print!("{text}");
                    check::EXIT_OK
                }
                Err(e) => {
                    eprintln!("kvlint: error: {e}");
                    check::EXIT_ERROR
                }
            }
        }
        Command::Debug(DebugCommand::Bindings { file, config }) => {
            match commands::debug_bindings(&file, config.as_deref()) {
                Ok(out) => {
                    print!("{out}");
                    check::EXIT_OK
                }
                Err(e) => {
                    eprintln!("kvlint: error: {e}");
                    check::EXIT_ERROR
                }
            }
        }
    };
    std::process::exit(code);
}
