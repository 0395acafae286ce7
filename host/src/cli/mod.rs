//! The command line: parse, call one `ops` function, print what it returns (or the
//! JSON error) through [`output`].

pub mod args;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::console::Console;
use crate::ops::{Context, Options};
use crate::redact::Redactor;
use args::{Cli, GlobalArgs};

/// The binary's entry point.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Usage errors exit 2 (help and version exit 0), as argparse does.
        Err(e) => e.exit(),
    };
    run_with(cli, Console::stdio())
}

fn options(global: GlobalArgs) -> Options {
    Options {
        cloud_yaml: global.cloud_yaml,
        dry_run: global.dry_run,
        verbose: global.verbose,
        record: global.record.map(std::path::PathBuf::from),
        replay: global.replay,
        quiet: global.quiet,
    }
}

/// Runs a parsed command line against a console; errors become the reference's JSON
/// on stdout with exit status 1.
pub fn run_with(cli: Cli, console: Console) -> ExitCode {
    let mut ctx = match Context::new(console.clone(), options(cli.global)) {
        Ok(ctx) => ctx,
        Err(e) => return output::error(&console, &Redactor::default(), &e),
    };
    match commands::run(&mut ctx, cli.action) {
        Ok(code) => code,
        Err(e) => output::error(&ctx.console, ctx.redactor(), &e),
    }
}
