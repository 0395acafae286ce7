//! The one way the CLI prints a result: Python-compatible JSON on stdout, redacted with
//! every secret the action knows of.

use std::process::ExitCode;

use crate::console::Console;
use crate::error::CloudError;
use crate::redact::Redactor;

pub fn json(console: &Console, redactor: &Redactor, value: &serde_json::Value) {
    let text = crate::json::to_python_json(value);
    console.out(redactor.redact(&text).as_bytes());
}

/// An error as the reference prints it: its JSON on stdout, exit status 1.
pub fn error(console: &Console, redactor: &Redactor, error: &CloudError) -> ExitCode {
    json(console, redactor, &error.to_json_value());
    ExitCode::from(1)
}
