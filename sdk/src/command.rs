//! A builder for commands the host runs on the provider's behalf.

use crate::error::{failed, process_error};
use crate::process;
use crate::{Command, Output, OutputMode, ProviderError, Stdin};

/// Builds a [`Command`] step by step and runs it through the host.
#[derive(Clone, Debug)]
pub struct Cmd {
    inner: Command,
}

impl Cmd {
    pub fn new(program: impl Into<String>) -> Self {
        Cmd {
            inner: Command {
                program: program.into(),
                args: Vec::new(),
                cwd: None,
                env: Vec::new(),
                stdin: Stdin::None,
                timeout_ms: None,
                output: OutputMode::Text,
                tty: false,
            },
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.inner.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.inner.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds `flag value` only when `value` is present.
    pub fn opt_arg(self, flag: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.arg(flag).arg(v),
            None => self,
        }
    }

    pub fn cwd(mut self, dir: impl Into<String>) -> Self {
        self.inner.cwd = Some(dir.into());
        self
    }

    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.inner.env.push((key.into(), value.into()));
        self
    }

    pub fn stdin(mut self, stdin: Stdin) -> Self {
        self.inner.stdin = stdin;
        self
    }

    pub fn stdin_bytes(self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin(Stdin::Bytes(bytes.into()))
    }

    pub fn timeout_ms(mut self, ms: u64) -> Self {
        self.inner.timeout_ms = Some(ms);
        self
    }

    /// Asks for the exact bytes of the output (file transfers).
    pub fn binary_output(mut self) -> Self {
        self.inner.output = OutputMode::Binary;
        self
    }

    /// Marks the command as needing the operator's terminal.
    pub fn tty(mut self) -> Self {
        self.inner.tty = true;
        self
    }

    /// The command description, for operations that hand a command back to the host
    /// (`logs`, `attach-command`).
    pub fn build(self) -> Command {
        self.inner
    }

    /// Runs the command through the host; a refusal or a failure to start becomes a
    /// [`ProviderError`]. A non-zero exit status is returned, not raised.
    pub fn run(self) -> Result<Output, ProviderError> {
        process::run(&self.inner).map_err(process_error)
    }

    /// Runs the command as a probe: its answer depends only on the program and how it
    /// is called (`docker compose version`), so the host may answer from what an
    /// earlier run remembered without starting anything. No stdin, no terminal, text
    /// output only.
    pub fn probe(self) -> Result<Output, ProviderError> {
        process::probe(&self.inner).map_err(process_error)
    }

    /// Runs the command and fails with `provider_failed` unless it exits 0; the
    /// message is the command's stderr, or `Command failed: <argv>` when empty.
    pub fn run_ok(self) -> Result<Output, ProviderError> {
        let argv = self.argv_text();
        let out = self.run()?;
        if out.status == 0 {
            Ok(out)
        } else {
            Err(out.failure(&argv))
        }
    }

    /// The program and arguments joined by spaces, as the reference prints them.
    pub fn argv_text(&self) -> String {
        std::iter::once(self.inner.program.as_str())
            .chain(self.inner.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Conveniences on a command's [`Output`].
pub trait OutputExt {
    fn stdout_text(&self) -> String;
    fn stderr_text(&self) -> String;
    /// The `provider_failed` error for a command that exited non-zero.
    fn failure(&self, argv: &str) -> ProviderError;
}

impl OutputExt for Output {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    fn failure(&self, argv: &str) -> ProviderError {
        let stderr = self.stderr_text();
        let stderr = stderr.trim();
        if stderr.is_empty() {
            failed(format!("Command failed: {argv}"))
        } else {
            failed(stderr)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_collects_every_field() {
        let cmd = Cmd::new("docker")
            .args(["compose", "-p"])
            .arg("proj")
            .opt_arg("-i", Some("key"))
            .opt_arg("-x", None::<String>)
            .cwd("/deploy")
            .env("CI", "true")
            .stdin_bytes(b"hi".to_vec())
            .timeout_ms(5)
            .binary_output()
            .tty();
        assert_eq!(cmd.argv_text(), "docker compose -p proj -i key");
        let built = cmd.build();
        assert_eq!(built.cwd.as_deref(), Some("/deploy"));
        assert_eq!(built.env, vec![("CI".into(), "true".into())]);
        assert!(matches!(built.stdin, Stdin::Bytes(ref b) if b == b"hi"));
        assert_eq!(built.timeout_ms, Some(5));
        assert_eq!(built.output, OutputMode::Binary);
        assert!(built.tty);
    }

    #[test]
    fn failure_prefers_stderr_then_argv() {
        let out = Output {
            status: 1,
            stdout: vec![],
            stderr: b"  boom \n".to_vec(),
            truncated: false,
        };
        assert_eq!(out.failure("docker ps").message, "boom");
        let quiet = Output {
            stderr: vec![],
            ..out
        };
        let err = quiet.failure("docker ps");
        assert_eq!(err.message, "Command failed: docker ps");
        assert_eq!(err.kind, crate::ErrorKind::Failed);
    }
}
