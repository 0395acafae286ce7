//! Between the contract's types and the host's own: the capability and the CLI never
//! see generated types, so they are tested without wasm.

use std::path::PathBuf;
use std::time::Duration;

use super::bindings::megaplan::cloud::types as wit;
use crate::capability::{self, CommandSpec, EnvEntry, OutputMode, StdinSpec};
use crate::error::CloudError;

pub fn stdin(stdin: wit::Stdin) -> StdinSpec {
    match stdin {
        wit::Stdin::None => StdinSpec::None,
        wit::Stdin::Inherit => StdinSpec::Inherit,
        wit::Stdin::Bytes(b) => StdinSpec::Bytes(b),
        wit::Stdin::Secret(name) => StdinSpec::Secret(name),
        wit::Stdin::EnvFile(entries) => StdinSpec::EnvFile(env_entries(entries)),
    }
}

pub fn env_entries(entries: Vec<wit::EnvEntry>) -> Vec<EnvEntry> {
    entries
        .into_iter()
        .map(|e| match e {
            wit::EnvEntry::Literal((k, v)) => EnvEntry::Literal(k, v),
            wit::EnvEntry::Secret(name) => EnvEntry::Secret(name),
        })
        .collect()
}

pub fn stdin_to_wit(stdin: StdinSpec) -> wit::Stdin {
    match stdin {
        StdinSpec::None => wit::Stdin::None,
        StdinSpec::Inherit => wit::Stdin::Inherit,
        StdinSpec::Bytes(b) => wit::Stdin::Bytes(b),
        StdinSpec::Secret(name) => wit::Stdin::Secret(name),
        StdinSpec::EnvFile(entries) => wit::Stdin::EnvFile(
            entries
                .into_iter()
                .map(|e| match e {
                    EnvEntry::Literal(k, v) => wit::EnvEntry::Literal((k, v)),
                    EnvEntry::Secret(name) => wit::EnvEntry::Secret(name),
                })
                .collect(),
        ),
    }
}

pub fn command(cmd: wit::Command) -> CommandSpec {
    CommandSpec {
        program: cmd.program,
        args: cmd.args,
        cwd: cmd.cwd.map(PathBuf::from),
        env: cmd.env,
        stdin: stdin(cmd.stdin),
        timeout: cmd.timeout_ms.map(Duration::from_millis),
        output: match cmd.output {
            wit::OutputMode::Text => OutputMode::Text,
            wit::OutputMode::Binary => OutputMode::Binary,
        },
        tty: cmd.tty,
    }
}

pub fn output(out: capability::Output) -> wit::Output {
    wit::Output {
        status: out.status,
        stdout: out.stdout,
        stderr: out.stderr,
        truncated: out.truncated,
    }
}

pub fn output_from_wit(out: wit::Output) -> capability::Output {
    capability::Output {
        status: out.status,
        stdout: out.stdout,
        stderr: out.stderr,
        truncated: out.truncated,
    }
}

pub fn process_error(e: capability::ProcessError) -> wit::ProcessError {
    use capability::ProcessError as E;
    match e {
        E::Denied(m) => wit::ProcessError::Denied(m),
        E::NotFound(m) => wit::ProcessError::NotFound(m),
        E::TimedOut(m) => wit::ProcessError::TimedOut(m),
        E::Failed(m) => wit::ProcessError::Failed(m),
        E::ReplayMismatch(m) => wit::ProcessError::ReplayMismatch(m),
    }
}

/// The reference's error code for a provider's error.
pub fn provider_error(provider: &str, e: wit::ProviderError) -> CloudError {
    let code = match e.kind {
        wit::ErrorKind::Failed => "provider_failed".to_string(),
        wit::ErrorKind::Unavailable => "provider_unavailable".to_string(),
        wit::ErrorKind::InvalidConfig => "invalid_spec".to_string(),
        wit::ErrorKind::InvalidArgs => "invalid_args".to_string(),
        wit::ErrorKind::MissingSecrets => "missing_secrets".to_string(),
        wit::ErrorKind::ServiceMissing => format!("{provider}_service_missing"),
        wit::ErrorKind::NotImplemented => "not_implemented".to_string(),
        wit::ErrorKind::Denied => "capability_denied".to_string(),
    };
    CloudError::new(code, e.message)
}
