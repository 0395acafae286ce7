//! Where calls go: the live machine, nowhere (a dry run), the live machine with every
//! call recorded, or a recording played back. Record and replay own their cassette, so
//! a backend that needs one always has it.

use std::path::Path;

use super::cassette::{Player, Recorder};
use super::rehearsal::Rehearsal;
use crate::error::CloudResult;

pub enum Backend {
    Live,
    /// Print each command; run none.
    DryRun,
    /// Run live and append every call to a cassette.
    Record(Recorder),
    /// Run nothing; answer from a cassette, matching calls strictly in order.
    Replay(Player),
    /// Run nothing; answer every call as the rehearsal says (`provider test`).
    Rehearse(Rehearsal),
}

impl Backend {
    /// Records into a new cassette at `path` (an existing file is replaced).
    pub fn record(path: &Path) -> CloudResult<Self> {
        Recorder::create(path).map(Backend::Record)
    }

    /// Replays the cassette at `path`.
    pub fn replay(path: &Path) -> CloudResult<Self> {
        Player::open(path).map(Backend::Replay)
    }

    /// The name journal lines use.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Live => "live",
            Backend::DryRun => "dry-run",
            Backend::Record(_) => "record",
            Backend::Replay(_) => "replay",
            Backend::Rehearse(_) => "rehearse",
        }
    }

    /// Whether programs really run (live, or live while recording).
    pub fn runs_programs(&self) -> bool {
        matches!(self, Backend::Live | Backend::Record(_))
    }

    pub fn is_dry_run(&self) -> bool {
        matches!(self, Backend::DryRun)
    }
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
