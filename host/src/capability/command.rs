//! What the host hands back for a command a provider asked for, and how a refusal or a
//! failure is reported; the command model itself is the policy crate's.

use crate::error::CloudError;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Output {
    /// Exit status; the negated signal number when a signal ended the process.
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub truncated: bool,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProcessError {
    #[error("{0}")]
    Denied(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    TimedOut(String),
    #[error("{0}")]
    Failed(String),
    #[error("{0}")]
    ReplayMismatch(String),
}

impl ProcessError {
    pub fn code(&self) -> &'static str {
        match self {
            ProcessError::Denied(_) => "capability_denied",
            ProcessError::NotFound(_) => "provider_unavailable",
            ProcessError::ReplayMismatch(_) => "replay_mismatch",
            ProcessError::TimedOut(_) | ProcessError::Failed(_) => "provider_failed",
        }
    }
}

impl From<ProcessError> for CloudError {
    fn from(e: ProcessError) -> Self {
        CloudError::new(e.code(), e.to_string())
    }
}

/// Which of a streamed command's outputs a chunk came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Out,
    Err,
}

/// Where a streamed command's output goes as it arrives.
pub trait StreamSink {
    /// A chunk, lent.
    fn chunk(&mut self, channel: Channel, bytes: &[u8]);

    /// The buffer a chunk was read into, handed over whole; returns an empty buffer to
    /// read the next chunk into. A sink that passes chunks on to another thread takes
    /// the buffer itself instead of copying it.
    fn buffer(&mut self, channel: Channel, mut filled: Vec<u8>) -> Vec<u8> {
        self.chunk(channel, &filled);
        filled.clear();
        filled
    }
}

impl<F: FnMut(Channel, &[u8])> StreamSink for F {
    fn chunk(&mut self, channel: Channel, bytes: &[u8]) {
        self(channel, bytes)
    }
}
