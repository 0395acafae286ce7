//! The command line: parse, run one action, print the result or the JSON error.

mod actions;
mod app;
pub mod args;
mod provider;

pub use actions::CLOUD_YAML_TEMPLATE;

use std::process::ExitCode;

use clap::Parser;

pub use app::App;
use args::Cli;

use crate::console::Console;
use crate::error::CloudError;

/// The binary's entry point.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Usage errors exit 2 (help and version exit 0), as argparse does.
        Err(e) => e.exit(),
    };
    run_with(cli, Console::stdio())
}

/// Runs a parsed command line against a console; errors become the reference's JSON
/// on stdout with exit status 1.
pub fn run_with(cli: Cli, console: Console) -> ExitCode {
    let mut app = match App::new(console.clone(), cli.global) {
        Ok(app) => app,
        Err(e) => return report(&console, &e, &crate::redact::Redactor::default()),
    };
    match actions::dispatch(&mut app, cli.action) {
        Ok(code) => code,
        Err(e) => {
            app.print_json(&e.to_json_value());
            ExitCode::from(1)
        }
    }
}

fn report(console: &Console, error: &CloudError, redactor: &crate::redact::Redactor) -> ExitCode {
    let text = crate::json::to_python_json(&error.to_json_value());
    console.out(redactor.redact(&text).as_bytes());
    ExitCode::from(1)
}
