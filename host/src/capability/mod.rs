//! The host's capabilities: the only way a provider (or anything else in megaplan-cloud)
//! acts on the world. One module per host interface of the contract, each an `impl` of
//! [`Capability`] that is tested without wasm:
//!
//! - [`process`]: run, stream, run on the terminal, `which`;
//! - [`files`]: env files holding secret values, written by the host;
//! - [`log`]: lines for the operator.
//!
//! Every process call is checked against the provider's [`ProgramPolicy`], has its
//! secret stdin expanded here (providers only name secrets), is bounded by a timeout, a
//! process-group kill and an output cap, is written as one redacted JSON line to the
//! journal, and goes to the [`Backend`] in force: live, dry-run, record or replay.

mod backend;
mod cassette;
mod command;
pub mod files;
pub mod grants;
mod groups;
mod journal;
pub mod log;
mod placeholders;
pub mod probe;
pub mod process;
mod reap;
mod rehearsal;
mod showing;
mod spawn;
mod stdin;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use backend::Backend;
pub use cassette::{Player, Recorder};
pub use command::{Channel, Output, ProcessError, StreamSink};
/// The command model and the rules every command is held to, shared with the SDK's
/// native test double.
pub use megaplan_cloud_policy as policy;
pub use megaplan_cloud_policy::argv_rules;
pub use megaplan_cloud_policy::{
    CallKind, Caller, CommandSpec, DeployDirMount, EnvEntry, OutputMode, ProgramPolicy, StdinSpec,
    Trust,
};
pub use rehearsal::{CallLog, CallRecord, Rehearsal};

use crate::console::Console;
use crate::redact::Redactor;
use crate::secrets::Secrets;
use journal::Journal;

pub struct Settings {
    pub backend: Backend,
    /// Where journal lines go; `None` disables the journal file.
    pub journal_dir: Option<PathBuf>,
    /// Echo each journal line on stderr (`--verbose`).
    pub verbose: bool,
    pub redactor: Arc<Redactor>,
    /// The configured secrets, whose values only the host expands.
    pub secrets: Secrets,
    pub default_timeout: Duration,
    pub output_cap: usize,
    /// Journal bytes one provider operation may write.
    pub journal_cap: usize,
    /// (placeholder, value) pairs: machine-specific paths written as placeholders in
    /// cassettes, so a recording replays on another machine.
    pub substitutions: Vec<(String, String)>,
    pub console: Console,
    /// Where programs are looked up; `None` for the host's PATH.
    pub search_path: Option<std::ffi::OsString>,
    /// Where probes' answers are remembered; `None` runs every probe.
    pub probe_cache: Option<probe::ProbeCache>,
    /// Keeps every call as the provider asked for it (the conformance suite).
    pub call_log: Option<Arc<CallLog>>,
}

impl Settings {
    pub fn new(console: Console) -> Self {
        Settings {
            backend: Backend::Live,
            journal_dir: None,
            verbose: false,
            redactor: Arc::new(Redactor::default()),
            secrets: Secrets::from_environment(),
            default_timeout: Duration::from_secs(3600),
            output_cap: 64 << 20,
            journal_cap: 4 << 20,
            substitutions: Vec::new(),
            console,
            search_path: None,
            probe_cache: None,
            call_log: None,
        }
    }
}

/// The host side of every import a provider may call.
pub struct Capability {
    settings: Settings,
    journal: Journal,
    /// The nonce of the operation under way (see [`fresh_nonce`]).
    nonce: std::sync::Mutex<String>,
    /// While set, each command run is announced on stderr under this label and its
    /// output shown after it, redacted (`build`, `deploy`).
    progress: std::sync::Mutex<Option<&'static str>>,
    /// Commands a dry run printed in the operation under way.
    dry_run_shown: std::sync::atomic::AtomicUsize,
}

/// The placeholder cassettes store instead of an operation's nonce.
pub const NONCE_PLACEHOLDER: &str = "${NONCE}";

/// 96 random bits as hex, from the kernel: unknown to anything remote.
pub fn fresh_nonce() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 12];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No kernel randomness: fall back to the std hasher's random keys and the clock.
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        bytes[..8].copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Capability {
    pub fn new(settings: Settings) -> Self {
        let journal = Journal::new(
            settings.journal_dir.clone(),
            settings.verbose,
            settings.console.clone(),
            settings.journal_cap,
        );
        Capability {
            settings,
            journal,
            nonce: std::sync::Mutex::new(String::new()),
            progress: std::sync::Mutex::new(None),
            dry_run_shown: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Shows the commands of the operation under way (and what they print) on stderr,
    /// or stops (`None`).
    pub fn show_progress(&self, label: Option<&'static str>) {
        *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = label;
        if label.is_none() {
            self.settings.console.end_steps();
        }
    }

    pub(crate) fn progress(&self) -> Option<&'static str> {
        *self.progress.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The operation under way uses this nonce; cassettes store it as a placeholder.
    pub fn set_nonce(&self, nonce: &str) {
        *self.nonce.lock().unwrap_or_else(|p| p.into_inner()) = nonce.to_string();
    }

    fn nonce(&self) -> String {
        self.nonce.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A provider operation begins: the per-operation budgets start afresh.
    pub fn begin_operation(&self) {
        self.journal.begin_operation();
        self.dry_run_shown
            .store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many commands a dry run printed in the operation under way.
    pub fn shown_in_dry_run(&self) -> usize {
        self.dry_run_shown
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn backend(&self) -> &Backend {
        &self.settings.backend
    }

    /// Calls left in the replayed cassette (0 outside replay): a test requires none.
    pub fn unplayed_calls(&self) -> usize {
        match &self.settings.backend {
            Backend::Replay(player) => player.unplayed(),
            _ => 0,
        }
    }

    /// The first call of the replayed cassette not yet replayed.
    pub fn first_unplayed_call(&self) -> Option<String> {
        match &self.settings.backend {
            Backend::Replay(player) => player.first_unplayed(),
            _ => None,
        }
    }

    /// Keeps `command` in the call log, when there is one.
    fn log_call(
        &self,
        caller: &Caller,
        kind: CallKind,
        command: &CommandSpec,
        denied: Option<&str>,
    ) {
        if let Some(log) = &self.settings.call_log {
            log.push(CallRecord {
                operation: caller.operation,
                kind,
                command: command.clone(),
                nonce: self.nonce(),
                denied: denied.map(str::to_string),
            });
        }
    }

    pub fn redactor(&self) -> &Redactor {
        &self.settings.redactor
    }

    pub fn console(&self) -> &Console {
        &self.settings.console
    }
}
