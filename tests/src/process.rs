//! The one place the tests start programs and read the environment themselves (the
//! lint configuration keeps `std::process::Command` and `std::env::var*` inside the
//! host's capability and environment modules; tests drive real programs, so they get
//! this single, stated exception).

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::ffi::{OsStr, OsString};

/// A program the test runs directly.
pub type Process = std::process::Command;

/// `program` ready to be given arguments and run.
pub fn command(program: impl AsRef<OsStr>) -> Process {
    std::process::Command::new(program)
}

/// An environment variable of the test run (`RECORD_TRANSCRIPTS`, `RAILWAY_BIN`, ...).
pub fn env_var(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// Every environment variable of the test run, as text.
pub fn env_vars() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Runs `cmd` with `input` as its standard input; its output, both streams captured.
pub fn run_with_input(mut cmd: Process, input: &[u8]) -> std::process::Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let mut stdin = child.stdin.take().expect("piped");
    // A child that exits before reading closes the pipe; that is its business.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("the command finishes")
}
