//! Contract 0.1.0, still loaded. Its types differ from every later version's in three
//! records (its `description` declares no `env`, its `deploy-dir` had a guest path for a
//! pre-opened directory, its `context` carries no nonce), so unlike the later minors it
//! cannot share the current Rust types: this module converts at the boundary, both ways.
//!
//! What a 0.1 component gets is the current sandbox: it declares no variables, so it may
//! set none; its `guest-path` is always `none`, since no directory is ever pre-opened
//! (the 0.1 contract allowed that: the path was optional); and its imports are the
//! current host functions.

use super::bindings::megaplan::cloud::types as now;
use super::host_state::HostState;

pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/legacy/0.1",
        world: "provider-world",
    });
}

use bindings::megaplan::cloud::types as old;
use bindings::megaplan::cloud::{files, log, process};

/// What the component is told: the current context, less what 0.1 does not know.
pub fn context(ctx: &now::Context) -> old::Context {
    old::Context {
        config: ctx.config.clone(),
        workspace: ctx.workspace.clone(),
        port: ctx.port,
        volume: ctx.volume.clone(),
        secret_names: ctx.secret_names.clone(),
        unset_secrets: ctx.unset_secrets.clone(),
        deploy_dir: ctx.deploy_dir.as_ref().map(|dir| old::DeployDir {
            host_path: dir.host_path.clone(),
            guest_path: None,
        }),
        session: ctx.session.clone(),
    }
}

pub fn description(d: old::Description) -> now::Description {
    let mut features = now::Features::empty();
    for (was, is) in [
        (old::Features::NAMED_SESSIONS, now::Features::NAMED_SESSIONS),
        (old::Features::VOLUMES, now::Features::VOLUMES),
        (old::Features::REMOTE_EXEC, now::Features::REMOTE_EXEC),
    ] {
        if d.features.contains(was) {
            features |= is;
        }
    }
    now::Description {
        name: d.name,
        version: d.version,
        contract_version: d.contract_version,
        programs: d
            .programs
            .into_iter()
            .map(|p| now::Program {
                name: p.name,
                install_hint: p.install_hint,
                required: p.required,
            })
            .collect(),
        env: Vec::new(),
        features,
        summary: d.summary,
    }
}

pub fn error(e: old::ProviderError) -> now::ProviderError {
    let kind = match e.kind {
        old::ErrorKind::Failed => now::ErrorKind::Failed,
        old::ErrorKind::Unavailable => now::ErrorKind::Unavailable,
        old::ErrorKind::InvalidConfig => now::ErrorKind::InvalidConfig,
        old::ErrorKind::InvalidArgs => now::ErrorKind::InvalidArgs,
        old::ErrorKind::MissingSecrets => now::ErrorKind::MissingSecrets,
        old::ErrorKind::ServiceMissing => now::ErrorKind::ServiceMissing,
        old::ErrorKind::NotImplemented => now::ErrorKind::NotImplemented,
        old::ErrorKind::Denied => now::ErrorKind::Denied,
    };
    now::ProviderError {
        kind,
        message: e.message,
    }
}

/// A 0.1 export's answer as the current version's.
pub fn answer<T, U>(
    result: wasmtime::Result<Result<T, old::ProviderError>>,
    convert: impl FnOnce(T) -> U,
) -> wasmtime::Result<Result<U, now::ProviderError>> {
    result.map(|inner| inner.map(convert).map_err(error))
}

pub fn check(c: old::Check) -> now::Check {
    now::Check {
        name: c.name,
        ok: c.ok,
        detail: c.detail,
    }
}

pub fn output(o: old::Output) -> now::Output {
    now::Output {
        status: o.status,
        stdout: o.stdout,
        stderr: o.stderr,
        truncated: o.truncated,
    }
}

pub fn log_source(source: old::LogSource) -> now::LogSource {
    match source {
        old::LogSource::Streamed(cmd) => now::LogSource::Streamed(command(cmd)),
        old::LogSource::Captured(bytes) => now::LogSource::Captured(bytes),
    }
}

pub fn command(c: old::Command) -> now::Command {
    now::Command {
        program: c.program,
        args: c.args,
        cwd: c.cwd,
        env: c.env,
        stdin: stdin(c.stdin),
        timeout_ms: c.timeout_ms,
        output: match c.output {
            old::OutputMode::Text => now::OutputMode::Text,
            old::OutputMode::Binary => now::OutputMode::Binary,
        },
        tty: c.tty,
    }
}

fn stdin(s: old::Stdin) -> now::Stdin {
    match s {
        old::Stdin::None => now::Stdin::None,
        old::Stdin::Inherit => now::Stdin::Inherit,
        old::Stdin::Bytes(bytes) => now::Stdin::Bytes(bytes),
        old::Stdin::EnvFile(entries) => now::Stdin::EnvFile(env_entries(entries)),
        old::Stdin::Secret(name) => now::Stdin::Secret(name),
    }
}

/// The exec input the host hands a 0.1 component.
pub fn stdin_to_old(s: &now::Stdin) -> old::Stdin {
    match s {
        now::Stdin::None => old::Stdin::None,
        now::Stdin::Inherit => old::Stdin::Inherit,
        now::Stdin::Bytes(bytes) => old::Stdin::Bytes(bytes.clone()),
        now::Stdin::EnvFile(entries) => old::Stdin::EnvFile(
            entries
                .iter()
                .map(|entry| match entry {
                    now::EnvEntry::Literal(pair) => old::EnvEntry::Literal(pair.clone()),
                    now::EnvEntry::Secret(name) => old::EnvEntry::Secret(name.clone()),
                })
                .collect(),
        ),
        now::Stdin::Secret(name) => old::Stdin::Secret(name.clone()),
    }
}

fn env_entries(entries: Vec<old::EnvEntry>) -> Vec<now::EnvEntry> {
    entries
        .into_iter()
        .map(|entry| match entry {
            old::EnvEntry::Literal(pair) => now::EnvEntry::Literal(pair),
            old::EnvEntry::Secret(name) => now::EnvEntry::Secret(name),
        })
        .collect()
}

pub fn volume_action(action: now::VolumeAction) -> old::VolumeAction {
    match action {
        now::VolumeAction::Ensure => old::VolumeAction::Ensure,
        now::VolumeAction::Remove => old::VolumeAction::Remove,
    }
}

fn process_error(e: now::ProcessError) -> old::ProcessError {
    match e {
        now::ProcessError::Denied(m) => old::ProcessError::Denied(m),
        now::ProcessError::NotFound(m) => old::ProcessError::NotFound(m),
        now::ProcessError::TimedOut(m) => old::ProcessError::TimedOut(m),
        now::ProcessError::Failed(m) => old::ProcessError::Failed(m),
        now::ProcessError::ReplayMismatch(m) => old::ProcessError::ReplayMismatch(m),
    }
}

impl old::Host for HostState {}

impl process::Host for HostState {
    fn run(&mut self, cmd: old::Command) -> Result<old::Output, old::ProcessError> {
        super::bindings::megaplan::cloud::process::Host::run(self, command(cmd))
            .map(|o| old::Output {
                status: o.status,
                stdout: o.stdout,
                stderr: o.stderr,
                truncated: o.truncated,
            })
            .map_err(process_error)
    }

    fn which(&mut self, program: String) -> bool {
        super::bindings::megaplan::cloud::process::Host::which(self, program)
    }
}

impl files::Host for HostState {
    fn write_env_file(&mut self, path: String, entries: Vec<old::EnvEntry>) -> Result<(), String> {
        super::bindings::megaplan::cloud::files::Host::write_env_file(
            self,
            path,
            env_entries(entries),
        )
    }
}

impl log::Host for HostState {
    fn info(&mut self, message: String) {
        super::bindings::megaplan::cloud::log::Host::info(self, message)
    }

    fn warn(&mut self, message: String) {
        super::bindings::megaplan::cloud::log::Host::warn(self, message)
    }
}
