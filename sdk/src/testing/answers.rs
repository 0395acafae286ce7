//! The answers a [`TestHost`](super::TestHost) gives the provider's imports: each call
//! is decided by the host's policy code, kept for the test, and answered from the
//! script.

use std::path::PathBuf;
use std::time::Duration;

use megaplan_cloud_policy as policy;
use policy::{CallKind, CommandSpec, EnvEntry as HostEnvEntry, StdinSpec};

use super::{CURRENT, Call, Reply, State};
use crate::{Command, EnvEntry, Output, OutputMode, ProcessError, Stdin};

fn with_current<R>(what: &str, f: impl FnOnce(&mut State) -> R) -> R {
    let state = CURRENT.with(|c| c.borrow().clone()).unwrap_or_else(|| {
        panic!(
            "megaplan-cloud-sdk: {what} was called outside TestHost::call; natively the host's imports are answered by megaplan_cloud_sdk::testing::TestHost"
        )
    });
    let mut state = state.borrow_mut();
    f(&mut state)
}

/// The command in the host's model.
pub(super) fn spec(cmd: &Command) -> CommandSpec {
    CommandSpec {
        program: cmd.program.clone(),
        args: cmd.args.clone(),
        cwd: cmd.cwd.as_ref().map(PathBuf::from),
        env: cmd.env.clone(),
        stdin: stdin_spec(&cmd.stdin),
        timeout: cmd.timeout_ms.map(Duration::from_millis),
        output: match cmd.output {
            OutputMode::Text => policy::OutputMode::Text,
            OutputMode::Binary => policy::OutputMode::Binary,
        },
        tty: cmd.tty,
    }
}

fn stdin_spec(stdin: &Stdin) -> StdinSpec {
    match stdin {
        Stdin::None => StdinSpec::None,
        Stdin::Inherit => StdinSpec::Inherit,
        Stdin::Bytes(bytes) => StdinSpec::Bytes(bytes.clone()),
        Stdin::EnvFile(entries) => StdinSpec::EnvFile(entries.iter().map(host_entry).collect()),
        Stdin::Secret(name) => StdinSpec::Secret(name.clone()),
    }
}

fn host_entry(entry: &EnvEntry) -> HostEnvEntry {
    match entry {
        EnvEntry::Literal((name, value)) => HostEnvEntry::Literal(name.clone(), value.clone()),
        EnvEntry::Secret(name) => HostEnvEntry::Secret(name.clone()),
    }
}

pub(crate) fn run(cmd: &Command, probe: bool) -> Result<Output, ProcessError> {
    with_current("process.run", |s| {
        let operation = s.operation;
        let command = spec(cmd);
        let mut decided = policy::check(&s.caller(operation), &command, CallKind::Run, &s.secrets);
        if let (Ok(()), true) = (&decided, probe) {
            decided = policy::probe_problem(&command).map_or(Ok(()), |why| Err(why.to_string()));
        }
        let reply = match &decided {
            Ok(()) if s.missing.contains(&command.program) => Err(ProcessError::NotFound(format!(
                "Missing required CLI '{}'. Install: {}",
                command.program,
                s.policy.install_hint(&command.program).unwrap_or("")
            ))),
            Ok(()) => s.reply_for(&command).map(output).ok_or_else(|| {
                ProcessError::Failed(format!(
                    "TestHost: no reply scripted for `{}` (script one with TestHost::reply, or TestHost::otherwise)",
                    command.display()
                ))
            }),
            Err(denial) => Err(ProcessError::Denied(denial.clone())),
        };
        s.calls.push(Call {
            operation,
            kind: CallKind::Run,
            probe,
            command,
            denied: decided.err(),
        });
        reply
    })
}

fn output(reply: Reply) -> Output {
    Output {
        status: reply.status,
        stdout: reply.stdout,
        stderr: reply.stderr,
        truncated: false,
    }
}

pub(crate) fn which(program: &str) -> bool {
    with_current("process.which", |s| {
        let declared = s.policy.check(&s.provider, program).is_ok();
        s.calls.push(Call {
            operation: s.operation,
            kind: CallKind::Which,
            probe: false,
            command: CommandSpec::new(program, Vec::<String>::new()),
            denied: None,
        });
        declared && !s.missing.contains(program)
    })
}

pub(crate) fn write_env_file(path: &str, entries: &[EnvEntry]) -> Result<(), String> {
    with_current("files.write-env-file", |s| {
        let caller = s.caller(s.operation);
        let host_entries: Vec<HostEnvEntry> = entries.iter().map(host_entry).collect();
        let decided = policy::check_env_file(&caller, path, &host_entries, &s.secrets);
        let mut command = CommandSpec::new("", [path]);
        command.stdin = StdinSpec::EnvFile(host_entries);
        s.calls.push(Call {
            operation: s.operation,
            kind: CallKind::WriteEnvFile,
            probe: false,
            command,
            denied: decided.clone().err(),
        });
        decided
    })
}

pub(crate) fn write_file(path: &str, contents: &[u8]) -> Result<(), String> {
    with_current("files.write-file", |s| {
        let caller = s.caller(s.operation);
        let decided = policy::check_file(&caller, path, contents.len());
        let mut command = CommandSpec::new("", [path]);
        command.stdin = StdinSpec::Bytes(contents.to_vec());
        s.calls.push(Call {
            operation: s.operation,
            kind: CallKind::WriteFile,
            probe: false,
            command,
            denied: decided.clone().err(),
        });
        decided
    })
}

pub(crate) fn selected_runner() -> Option<String> {
    with_current("runner.selected", |s| s.runner.clone())
}

pub(crate) fn log(level: &str, message: &str) {
    with_current("log", |s| s.logs.push((level.into(), message.into())));
}
