//! The `process` interface: running programs for a provider. Each call is checked
//! against the caller's policy, journaled, and sent to the backend in force.

use std::time::Instant;

use super::cassette::Key;
use super::journal::JournalEntry;
use super::{
    Backend, CallKind, Caller, Capability, Channel, CommandSpec, Output, OutputMode, ProcessError,
    StreamSink, policy, spawn, stdin,
};

/// A streamed command's stdout and stderr, kept (up to the cap) for a cassette.
type Streamed = (Vec<u8>, Vec<u8>);

/// How a command's output reaches the host.
enum Delivery<'a> {
    Capture,
    /// Captured, and shown to `sink` as it arrives too (a step of a long operation).
    Showing(&'a mut dyn FnMut(Channel, &[u8])),
    Stream(&'a mut dyn StreamSink),
    Terminal,
}

impl Delivery<'_> {
    fn kind(&self) -> CallKind {
        match self {
            Delivery::Capture | Delivery::Showing(_) => CallKind::Run,
            Delivery::Stream(_) => CallKind::Stream,
            Delivery::Terminal => CallKind::Terminal,
        }
    }
}

impl Capability {
    pub(super) fn search_path(&self) -> Option<std::ffi::OsString> {
        self.settings
            .search_path
            .clone()
            .or_else(crate::environment::search_path)
    }

    /// Whether a declared program is on PATH (an undeclared one never is).
    /// Record and replay keep the answer in the cassette, so a replay takes the same
    /// branch (compose flavour, rsync or scp) on any machine.
    pub fn which(&self, caller: &Caller, program: &str) -> Result<bool, ProcessError> {
        let logged = CommandSpec::new(program, Vec::<String>::new());
        if let Err(denial) = caller.policy.check(&caller.provider, program) {
            self.log_call(caller, CallKind::Which, &logged, Some(&denial));
            return Ok(false);
        }
        self.log_call(caller, CallKind::Which, &logged, None);
        if let Backend::Rehearse(rehearsal) = &self.settings.backend {
            return Ok(rehearsal.which());
        }
        let key = || Key {
            call: CallKind::Which,
            program: program.to_string(),
            stdin: serde_json::json!("none"),
            ..Key::default()
        };
        if let Backend::Replay(player) = &self.settings.backend {
            return player.replay(&key()).map(|o| o.status == 0);
        }
        let found = spawn::locate(program, self.search_path()).is_some();
        if let Backend::Record(recorder) = &self.settings.backend {
            let answer = Output {
                status: if found { 0 } else { 1 },
                ..Output::default()
            };
            recorder
                .record(&key(), &answer, &self.settings.redactor)
                .map_err(|e| ProcessError::Failed(e.message))?;
        }
        Ok(found)
    }

    /// Runs a command to completion, capturing its output. Text output is redacted
    /// before it is returned. During a long operation (`build`, `deploy`) the command
    /// is named as the current step and what it prints is shown as it arrives,
    /// redacted and with control characters escaped.
    pub fn run(&self, caller: &Caller, cmd: &CommandSpec) -> Result<Output, ProcessError> {
        let shown = self
            .progress()
            .filter(|_| self.settings.backend.runs_programs());
        let mut output = match shown {
            Some(label) => {
                let step = format!("{label}: {}", cmd.display());
                self.settings
                    .console
                    .step(&self.settings.redactor.redact(&step));
                let mut shower = super::showing::Shower::new(&self.settings);
                let output = self.call(
                    caller,
                    cmd,
                    Delivery::Showing(&mut |c, b| shower.show(c, b)),
                );
                shower.finish();
                output?
            }
            None => self.call(caller, cmd, Delivery::Capture)?,
        };
        if cmd.output == OutputMode::Text {
            let redactor = &self.settings.redactor;
            output.stdout = redactor.redact_bytes(&output.stdout).into_owned();
            output.stderr = redactor.redact_bytes(&output.stderr).into_owned();
        }
        Ok(output)
    }

    /// Runs a command handing raw chunks of its stdout and its stderr to `sink` as they
    /// arrive, each tagged with its channel; returns the exit status. The sink is
    /// responsible for redaction.
    pub fn stream(
        &self,
        caller: &Caller,
        cmd: &CommandSpec,
        mut sink: &mut dyn FnMut(Channel, &[u8]),
    ) -> Result<i32, ProcessError> {
        self.stream_into(caller, cmd, &mut sink)
    }

    /// `stream` to a sink that may take the buffers chunks are read into (`logs`, which
    /// hands them to another thread).
    pub fn stream_into(
        &self,
        caller: &Caller,
        cmd: &CommandSpec,
        sink: &mut dyn StreamSink,
    ) -> Result<i32, ProcessError> {
        self.call(caller, cmd, Delivery::Stream(sink))
            .map(|o| o.status)
    }

    /// Runs a command on the operator's terminal (attach); returns the exit status.
    pub fn run_on_terminal(&self, caller: &Caller, cmd: &CommandSpec) -> Result<i32, ProcessError> {
        self.call(caller, cmd, Delivery::Terminal).map(|o| o.status)
    }

    /// A command the host hands on rather than runs here (`attach`'s, in the
    /// conformance suite): checked and logged like any call, then matched against the
    /// cassette in a replay and written to it in a recording, but never started.
    pub fn pin(
        &self,
        caller: &Caller,
        cmd: &CommandSpec,
        kind: CallKind,
    ) -> Result<(), ProcessError> {
        let allowed = policy::check(caller, cmd, kind, self.settings.secrets.names());
        self.log_call(
            caller,
            kind,
            cmd,
            allowed.as_ref().err().map(String::as_str),
        );
        allowed.map_err(ProcessError::Denied)?;
        let key = self.cassette_key(cmd, kind);
        match &self.settings.backend {
            Backend::Replay(player) => player.replay(&key).map(drop),
            Backend::Record(recorder) => recorder
                .record(&key, &Output::default(), &self.settings.redactor)
                .map_err(|e| ProcessError::Failed(e.message)),
            _ => Ok(()),
        }
    }

    fn call(
        &self,
        caller: &Caller,
        cmd: &CommandSpec,
        mut delivery: Delivery<'_>,
    ) -> Result<Output, ProcessError> {
        let started = Instant::now();
        let mut entry = JournalEntry::new(caller, cmd, delivery.kind(), &self.settings);
        let allowed = policy::check(caller, cmd, delivery.kind(), self.settings.secrets.names());
        self.log_call(
            caller,
            delivery.kind(),
            cmd,
            allowed.as_ref().err().map(String::as_str),
        );
        if let Err(denial) = allowed {
            entry.denied(&denial);
            self.journal.write(&entry);
            return Err(ProcessError::Denied(denial));
        }
        let result = self.dispatch(caller, cmd, &mut delivery);
        entry.finished(&result, started.elapsed());
        self.journal.write(&entry);
        result
    }

    fn dispatch(
        &self,
        caller: &Caller,
        cmd: &CommandSpec,
        delivery: &mut Delivery<'_>,
    ) -> Result<Output, ProcessError> {
        match &self.settings.backend {
            Backend::DryRun => {
                self.print_dry_run(cmd);
                Ok(Output::default())
            }
            Backend::Replay(player) => {
                let mut output = player.replay(&self.cassette_key(cmd, delivery.kind()))?;
                output.stdout = self.nonce_in(std::mem::take(&mut output.stdout));
                output.stderr = self.nonce_in(std::mem::take(&mut output.stderr));
                if let Delivery::Stream(sink) = delivery {
                    sink.chunk(Channel::Out, &output.stdout);
                    sink.chunk(Channel::Err, &output.stderr);
                }
                Ok(output)
            }
            Backend::Rehearse(rehearsal) => {
                let mut output = rehearsal.answer(delivery.kind(), cmd)?;
                output.stdout = self.nonce_in(std::mem::take(&mut output.stdout));
                output.stderr = self.nonce_in(std::mem::take(&mut output.stderr));
                if let Delivery::Stream(sink) = delivery {
                    sink.chunk(Channel::Out, &output.stdout);
                    sink.chunk(Channel::Err, &output.stderr);
                }
                Ok(output)
            }
            Backend::Live => self.run_live(caller, cmd, delivery),
            Backend::Record(recorder) => {
                let kind = delivery.kind();
                let (mut output, streamed) = self.run_keeping_stream(caller, cmd, delivery)?;
                if let Some((stdout, stderr)) = streamed {
                    output.stdout = stdout;
                    output.stderr = stderr;
                }
                let stored = Output {
                    stdout: self.nonce_out(&output.stdout),
                    stderr: self.nonce_out(&output.stderr),
                    ..output.clone()
                };
                recorder
                    .record(
                        &self.cassette_key(cmd, kind),
                        &stored,
                        &self.settings.redactor,
                    )
                    .map_err(|e| ProcessError::Failed(e.message))?;
                if kind == CallKind::Stream {
                    output.stdout.clear();
                    output.stderr.clear();
                }
                Ok(output)
            }
        }
    }

    fn print_dry_run(&self, cmd: &CommandSpec) {
        self.dry_run_shown
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The variables the command would carry, as a shell would take them.
        let mut line: String = cmd
            .env
            .iter()
            .map(|(k, v)| format!("{k}={} ", megaplan_cloud_shell::quote(v)))
            .collect();
        line.push_str(&cmd.display());
        // Where it would run, as a line that can be pasted without moving the shell.
        if let Some(dir) = &cmd.cwd {
            let dir = megaplan_cloud_shell::quote(&dir.to_string_lossy());
            line = format!("(cd {dir} && {line})");
        }
        if let Some(note) = stdin::describe(&cmd.stdin) {
            line.push_str(&format!("  # stdin: {note}"));
        }
        line.push('\n');
        let redacted = self.settings.redactor.redact(&line).into_owned();
        self.settings.console.out(redacted.as_bytes());
    }

    /// Runs live; a streamed command's output still goes to its sink, and a copy (up to
    /// the cap) comes back too, so a cassette can replay it.
    fn run_keeping_stream(
        &self,
        caller: &Caller,
        cmd: &CommandSpec,
        delivery: &mut Delivery<'_>,
    ) -> Result<(Output, Option<Streamed>), ProcessError> {
        let Delivery::Stream(sink) = delivery else {
            return Ok((self.run_live(caller, cmd, delivery)?, None));
        };
        let cap = self.settings.output_cap;
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut tee = |channel: Channel, chunk: &[u8]| {
            let kept = match channel {
                Channel::Out => &mut stdout,
                Channel::Err => &mut stderr,
            };
            let room = cap.saturating_sub(kept.len());
            kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            sink.chunk(channel, chunk);
        };
        let output = self.run_live(caller, cmd, &mut Delivery::Stream(&mut tee))?;
        Ok((output, Some((stdout, stderr))))
    }

    fn run_live(
        &self,
        caller: &Caller,
        cmd: &CommandSpec,
        delivery: &mut Delivery<'_>,
    ) -> Result<Output, ProcessError> {
        let path = spawn::locate(&cmd.program, self.search_path()).ok_or_else(|| {
            let hint = caller.policy.install_hint(&cmd.program).unwrap_or("");
            ProcessError::NotFound(format!(
                "Missing required CLI '{}'. Install: {hint}",
                cmd.program
            ))
        })?;
        let cwd = cmd.cwd.as_deref();
        if let Some(dir) = cwd.filter(|d| !d.is_dir()) {
            return Err(ProcessError::Failed(format!(
                "cannot run {}: its working directory {} does not exist (has `megaplan-cloud build` run?)",
                cmd.program,
                dir.display()
            )));
        }
        let launch = spawn::Launch {
            path: &path,
            args: &cmd.args,
            cwd,
            inherited: crate::environment::child_environment(caller.policy.passthrough_env()),
            env: &cmd.env,
            stdin: stdin::expand(&cmd.stdin, &self.settings.secrets),
        };
        let timeout = cmd.timeout.unwrap_or(self.settings.default_timeout);
        let failed =
            |e: std::io::Error| ProcessError::Failed(format!("could not run {}: {e}", cmd.program));
        let outcome = match delivery {
            Delivery::Capture => {
                spawn::capture(launch, timeout, self.settings.output_cap).map_err(failed)?
            }
            Delivery::Showing(sink) => {
                spawn::capture_showing(launch, timeout, self.settings.output_cap, *sink)
                    .map_err(failed)?
            }
            Delivery::Stream(sink) => spawn::stream(launch, cmd.timeout, *sink).map_err(failed)?,
            Delivery::Terminal => spawn::on_terminal(launch).map_err(failed)?,
        };
        if outcome.timed_out {
            return Err(ProcessError::TimedOut(format!(
                "`{}` did not finish within {} s and was killed",
                self.settings.redactor.redact(&cmd.display()),
                timeout.as_secs_f64()
            )));
        }
        Ok(outcome.output)
    }
}
