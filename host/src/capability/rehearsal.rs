//! A rehearsal: a provider's operation played through the capability with nothing
//! started, every call kept as it was asked for. The conformance suite (`provider
//! test`) rehearses each operation to see which commands it makes, twice to see that
//! the same context gives the same commands, with hostile configuration values, and
//! with its programs missing.

use std::sync::Mutex;

use super::{CallKind, CommandSpec, Output, Player, ProcessError};

/// How a rehearsal answers.
#[derive(Default)]
pub struct Rehearsal {
    /// Every declared program is "not on PATH": `which` answers false and running one
    /// fails with not-found, as on a machine without it.
    pub programs_missing: bool,
    /// Answers taken in order from a recording of the operation, while its calls go to
    /// the same programs (a provider that parses output gets as far as it did then);
    /// any other call answers exit 0 with no output.
    pub script: Option<Player>,
}

impl Rehearsal {
    pub(super) fn which(&self) -> bool {
        !self.programs_missing
    }

    pub(super) fn answer(&self, call: CallKind, cmd: &CommandSpec) -> Result<Output, ProcessError> {
        if self.programs_missing {
            return Err(ProcessError::NotFound(format!(
                "Missing required CLI '{}' (a rehearsal with every program missing)",
                cmd.program
            )));
        }
        Ok(self
            .script
            .as_ref()
            .and_then(|player| player.answer_loosely(call, &cmd.program))
            .unwrap_or_default())
    }
}

/// One call a provider made, as it asked for it (before any redaction), with the
/// host's decision.
#[derive(Clone, Debug, PartialEq)]
pub struct CallRecord {
    /// The contract operation under way.
    pub operation: &'static str,
    pub kind: CallKind,
    /// For an env file: no program, the path as the one argument, the entries as
    /// stdin.
    pub command: CommandSpec,
    /// The operation's nonce, so two runs can be compared with it set aside.
    pub nonce: String,
    /// Why the host refused it, when it did.
    pub denied: Option<String>,
}

/// Where the capability keeps every call when asked to (the conformance suite).
#[derive(Debug, Default)]
pub struct CallLog {
    calls: Mutex<Vec<CallRecord>>,
}

impl CallLog {
    pub(super) fn push(&self, record: CallRecord) {
        self.calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
