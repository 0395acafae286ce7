//! Workflows: megaplan's own commands run in the runner's workspace, composed from the
//! remote operations every provider offers. They talk to the runner through [`Runner`],
//! so their logic (command lines, parsing, errors) is tested without a provider.

pub mod chain;
pub mod plan;
pub mod script;
pub mod supervise;

use crate::capability::Output;
use crate::error::{CloudError, CloudResult};

/// What a workflow needs from the remote runner.
pub trait Runner {
    /// Runs a shell line in the runner (no stdin) and returns its output for the
    /// workflow to parse. The host has already replaced every secret in it (in every
    /// form it knows, base64 included) before the provider saw it, so a parser must
    /// expect `***REDACTED***` anywhere. A non-zero exit is not an error here.
    fn run(&mut self, line: &str) -> CloudResult<Output>;

    /// Like [`Runner::run`], with `input` on the remote command's stdin.
    fn run_with_input(&mut self, line: &str, input: Vec<u8>) -> CloudResult<Output>;

    /// Writes `content` to `path` in the runner, creating parent directories.
    fn upload(&mut self, path: &str, content: &[u8]) -> CloudResult<()>;

    /// Shows a command's output to the operator, redacted: stdout on stdout, stderr
    /// on stderr.
    fn relay(&mut self, output: &Output);

    /// `text` with every secret replaced, fit for the operator's eyes.
    fn redact(&self, text: &str) -> String;

    /// The error for a remote command that exited non-zero: its stderr (redacted), or
    /// `Command failed: <line>` when it printed none.
    fn failure(&self, line: &str, output: &Output) -> CloudError {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        let message = if stderr.is_empty() {
            format!("Command failed: {line}")
        } else {
            stderr.clone()
        };
        CloudError::new("provider_failed", self.redact(&message))
            .with("exit_code", output.status)
            .with(
                "stdout",
                self.redact(String::from_utf8_lossy(&output.stdout).trim()),
            )
            .with("stderr", self.redact(&stderr))
    }

    /// Whether commands are only printed (`--dry-run`): their output is empty, so a
    /// workflow that needs to read it stops after printing what it would run.
    fn dry_run(&self) -> bool;

    /// Tells the operator something on stderr.
    fn note(&mut self, line: &str);
}

#[cfg(test)]
pub(crate) mod fake {
    //! A scripted runner: answers each line from a queue and remembers what it saw.

    use std::collections::VecDeque;

    use super::Runner;
    use crate::capability::Output;
    use crate::error::CloudResult;

    #[derive(Default)]
    pub struct FakeRunner {
        pub answers: VecDeque<Output>,
        pub lines: Vec<String>,
        /// What each line read on stdin (empty for `run`).
        pub inputs: Vec<Vec<u8>>,
        pub uploads: Vec<(String, Vec<u8>)>,
        pub relayed: Vec<Output>,
        pub dry_run: bool,
        pub notes: Vec<String>,
    }

    pub fn answer(status: i32, stdout: &str, stderr: &str) -> Output {
        Output {
            status,
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
            truncated: false,
        }
    }

    impl FakeRunner {
        pub fn answering(answers: Vec<Output>) -> Self {
            FakeRunner {
                answers: answers.into(),
                ..Default::default()
            }
        }
    }

    impl Runner for FakeRunner {
        fn run(&mut self, line: &str) -> CloudResult<Output> {
            self.run_with_input(line, Vec::new())
        }

        fn run_with_input(&mut self, line: &str, input: Vec<u8>) -> CloudResult<Output> {
            self.lines.push(line.to_string());
            self.inputs.push(input);
            Ok(self
                .answers
                .pop_front()
                .unwrap_or_else(|| panic!("no scripted answer for {line}")))
        }

        fn upload(&mut self, path: &str, content: &[u8]) -> CloudResult<()> {
            self.uploads.push((path.to_string(), content.to_vec()));
            Ok(())
        }

        fn relay(&mut self, output: &Output) {
            self.relayed.push(output.clone());
        }

        fn dry_run(&self) -> bool {
            self.dry_run
        }

        fn note(&mut self, line: &str) {
            self.notes.push(line.to_string());
        }

        fn redact(&self, text: &str) -> String {
            text.to_string()
        }
    }
}
