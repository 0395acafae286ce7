//! The process capability: the only way anything in megaplan-cloud runs a program.
//!
//! Every call is checked against the provider's [`ProgramPolicy`], has its secret stdin
//! expanded here (providers only name secrets), is bounded by a timeout, a process-group
//! kill and an output cap, is written as one redacted JSON line to the journal, and
//! honours the mode: live, dry-run, record or replay.

mod cassette;
pub mod grants;
mod journal;
pub mod policy;
mod spawn;
mod stdin;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use cassette::Cassette;
pub use policy::{ProgramPolicy, Trust};

use crate::console::Console;
use crate::error::{CloudError, CloudResult};
use crate::redact::Redactor;
use journal::{Journal, JournalEntry};

/// A line of an env file rendered by the host.
#[derive(Clone, Debug, PartialEq)]
pub enum EnvEntry {
    Literal(String, String),
    Secret(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum StdinSpec {
    None,
    Inherit,
    Bytes(Vec<u8>),
    EnvFile(Vec<EnvEntry>),
    Secret(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    Text,
    Binary,
}

/// A command as a provider asked for it.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandSpec {
    pub program: String,
    pub args: Vec<String>,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    pub stdin: StdinSpec,
    pub timeout: Option<Duration>,
    pub output: OutputMode,
    pub tty: bool,
}

impl CommandSpec {
    pub fn new(
        program: impl Into<String>,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        CommandSpec {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            cwd: None,
            env: Vec::new(),
            stdin: StdinSpec::None,
            timeout: None,
            output: OutputMode::Text,
            tty: false,
        }
    }

    /// The command as an operator would type it (each word shell-quoted).
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .map(crate::remote::quote)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

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

/// Who is asking: the provider's identity and what it may run.
#[derive(Clone, Debug)]
pub struct Caller {
    pub provider: String,
    pub version: String,
    pub sha256: String,
    pub policy: ProgramPolicy,
    pub deploy_dir: Option<DeployDirAccess>,
}

/// The provider's deploy directory and whether the component can see it.
#[derive(Clone, Debug)]
pub struct DeployDirAccess {
    pub host: PathBuf,
    /// Pre-opened inside the component as `guest`.
    pub preopened: bool,
    pub guest: PathBuf,
}

impl Caller {
    /// Translates a working directory given in the component's view of the deploy dir.
    fn host_cwd(&self, cwd: &Path) -> PathBuf {
        if let Some(dir) = self.deploy_dir.as_ref().filter(|d| d.preopened)
            && let Ok(rest) = cwd.strip_prefix(&dir.guest)
        {
            return dir.host.join(rest);
        }
        cwd.to_path_buf()
    }
}

/// How calls reach the world.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Live,
    /// Print each command; run none.
    DryRun,
    /// Run live and append every call to a cassette.
    Record(PathBuf),
    /// Run nothing; answer from a cassette, matching calls strictly in order.
    Replay(PathBuf),
}

/// Looks up a secret's local value by name.
pub type SecretLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub struct Settings {
    pub mode: Mode,
    /// Where journal lines go; `None` disables the journal file.
    pub journal_dir: Option<PathBuf>,
    /// Echo each journal line on stderr (`--verbose`).
    pub verbose: bool,
    pub redactor: Arc<Redactor>,
    /// Looks up a secret's local value by name.
    pub secrets: SecretLookup,
    pub default_timeout: Duration,
    pub output_cap: usize,
    /// (placeholder, value) pairs: machine-specific paths written as placeholders in
    /// cassettes, so a recording replays on another machine.
    pub substitutions: Vec<(String, String)>,
    pub console: Console,
    /// Where programs are looked up; `None` for the host's PATH.
    pub search_path: Option<std::ffi::OsString>,
}

impl Settings {
    pub fn new(console: Console) -> Self {
        Settings {
            mode: Mode::Live,
            journal_dir: None,
            verbose: false,
            redactor: Arc::new(Redactor::default()),
            secrets: Arc::new(crate::environment::secret_value),
            default_timeout: Duration::from_secs(3600),
            output_cap: 64 << 20,
            substitutions: Vec::new(),
            console,
            search_path: None,
        }
    }
}

/// How a command's output reaches the host.
enum Delivery<'a> {
    Capture,
    Stream(&'a mut dyn FnMut(&[u8])),
    Terminal,
}

impl Delivery<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Delivery::Capture => "run",
            Delivery::Stream(_) => "stream",
            Delivery::Terminal => "terminal",
        }
    }
}

pub struct ProcessCapability {
    settings: Settings,
    journal: Journal,
    cassette: Option<Cassette>,
}

impl ProcessCapability {
    pub fn new(settings: Settings) -> CloudResult<Self> {
        let cassette = match &settings.mode {
            Mode::Record(path) => Some(Cassette::create(path)?),
            Mode::Replay(path) => Some(Cassette::open(path)?),
            Mode::Live | Mode::DryRun => None,
        };
        let journal = Journal::new(
            settings.journal_dir.clone(),
            settings.verbose,
            settings.console.clone(),
        );
        Ok(ProcessCapability {
            settings,
            journal,
            cassette,
        })
    }

    fn search_path(&self) -> Option<std::ffi::OsString> {
        self.settings
            .search_path
            .clone()
            .or_else(crate::environment::search_path)
    }

    pub fn mode(&self) -> &Mode {
        &self.settings.mode
    }

    /// Calls left in the replayed cassette (0 outside replay): a test requires none.
    pub fn unplayed_calls(&self) -> usize {
        self.cassette.as_ref().map_or(0, Cassette::unplayed)
    }

    pub fn redactor(&self) -> &Redactor {
        &self.settings.redactor
    }

    pub fn console(&self) -> &Console {
        &self.settings.console
    }

    /// Whether a declared program is on PATH (an undeclared one never is).
    /// Record and replay keep the answer in the cassette, so a replay takes the same
    /// branch (compose flavour, rsync or scp) on any machine.
    pub fn which(&self, caller: &Caller, program: &str) -> Result<bool, ProcessError> {
        if caller.policy.check(&caller.provider, program).is_err() {
            return Ok(false);
        }
        let key = || cassette::Key {
            call: "which".into(),
            program: program.to_string(),
            args: Vec::new(),
            stdin: serde_json::json!("none"),
        };
        match (&self.settings.mode, &self.cassette) {
            (Mode::Replay(_), Some(cassette)) => cassette.replay(&key()).map(|o| o.status == 0),
            (mode, cassette) => {
                let found = spawn::locate(program, self.search_path()).is_some();
                if let (Mode::Record(_), Some(cassette)) = (mode, cassette) {
                    let answer = Output {
                        status: if found { 0 } else { 1 },
                        ..Output::default()
                    };
                    cassette
                        .record(&key(), &answer, &self.settings.redactor)
                        .map_err(|e| ProcessError::Failed(e.message))?;
                }
                Ok(found)
            }
        }
    }

    /// Writes an env file (secrets expanded here) into the caller's deploy dir, mode
    /// 0600, atomically. Dry-run prints what it would write instead.
    pub fn write_env_file(
        &self,
        caller: &Caller,
        path: &str,
        entries: &[EnvEntry],
    ) -> Result<(), String> {
        let Some(deploy_dir) = caller
            .deploy_dir
            .as_ref()
            .filter(|d| d.preopened)
            .map(|d| &d.host)
        else {
            return Err("no deploy directory is open for this operation".into());
        };
        let relative = Path::new(path);
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(format!(
                "{path:?} must be a plain path inside the deploy directory"
            ));
        }
        let spec = StdinSpec::EnvFile(entries.to_vec());
        let description = stdin::describe(&spec).unwrap_or_default();
        self.journal
            .write_file(caller, path, &description, &self.settings);
        if self.settings.mode == Mode::DryRun {
            self.settings
                .console
                .out(format!("# write {path} (mode 600): {description}\n").as_bytes());
            return Ok(());
        }
        let stdin::StdinBytes::Bytes(bytes) = stdin::expand(&spec, self.settings.secrets.as_ref())
        else {
            unreachable!("an env file always renders to bytes")
        };
        atomic_write(&deploy_dir.join(relative), &bytes, 0o600).map_err(|e| e.message)
    }

    /// Runs a command to completion, capturing its output. Text output is redacted
    /// before it is returned.
    pub fn run(&self, caller: &Caller, cmd: &CommandSpec) -> Result<Output, ProcessError> {
        let mut output = self.call(caller, cmd, Delivery::Capture)?;
        if cmd.output == OutputMode::Text {
            let redactor = &self.settings.redactor;
            output.stdout = redactor.redact_bytes(&output.stdout).into_owned();
            output.stderr = redactor.redact_bytes(&output.stderr).into_owned();
        }
        Ok(output)
    }

    /// Runs a command with stdout and stderr merged, handing raw chunks to `sink` as
    /// they arrive; returns the exit status. The sink is responsible for redaction.
    pub fn stream(
        &self,
        caller: &Caller,
        cmd: &CommandSpec,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<i32, ProcessError> {
        self.call(caller, cmd, Delivery::Stream(sink))
            .map(|o| o.status)
    }

    /// Runs a command on the operator's terminal (attach); returns the exit status.
    pub fn run_on_terminal(&self, caller: &Caller, cmd: &CommandSpec) -> Result<i32, ProcessError> {
        self.call(caller, cmd, Delivery::Terminal).map(|o| o.status)
    }

    fn call(
        &self,
        caller: &Caller,
        cmd: &CommandSpec,
        mut delivery: Delivery<'_>,
    ) -> Result<Output, ProcessError> {
        let started = Instant::now();
        let mut entry = JournalEntry::new(caller, cmd, delivery.kind(), &self.settings);
        if let Err(denial) = caller.policy.check(&caller.provider, &cmd.program) {
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
        match &self.settings.mode {
            Mode::DryRun => {
                let mut line = cmd.display();
                if let Some(note) = stdin::describe(&cmd.stdin) {
                    line.push_str(&format!("  # stdin: {note}"));
                }
                line.push('\n');
                let redacted = self.settings.redactor.redact(&line).into_owned();
                self.settings.console.out(redacted.as_bytes());
                Ok(Output::default())
            }
            Mode::Replay(_) => {
                let cassette = self.cassette.as_ref().expect("replay has a cassette");
                let key = self.cassette_key(cmd, delivery.kind());
                let output = cassette.replay(&key)?;
                if let Delivery::Stream(sink) = delivery {
                    sink(&output.stdout);
                }
                Ok(output)
            }
            Mode::Live => self.run_live(caller, cmd, delivery),
            Mode::Record(_) => {
                let kind = delivery.kind();
                // A streamed command's output goes to its sink; keep a copy (up to the
                // cap) so the cassette can replay it.
                let mut streamed = Vec::new();
                let mut output = match delivery {
                    Delivery::Stream(sink) => {
                        let cap = self.settings.output_cap;
                        let mut tee = |chunk: &[u8]| {
                            let room = cap.saturating_sub(streamed.len());
                            streamed.extend_from_slice(&chunk[..chunk.len().min(room)]);
                            sink(chunk);
                        };
                        self.run_live(caller, cmd, &mut Delivery::Stream(&mut tee))?
                    }
                    other => self.run_live(caller, cmd, other)?,
                };
                if kind == "stream" {
                    output.stdout = streamed;
                }
                let cassette = self.cassette.as_ref().expect("record has a cassette");
                cassette
                    .record(
                        &self.cassette_key(cmd, kind),
                        &output,
                        &self.settings.redactor,
                    )
                    .map_err(|e| ProcessError::Failed(e.message))?;
                if kind == "stream" {
                    output.stdout.clear();
                }
                Ok(output)
            }
        }
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
        let cwd = cmd.cwd.as_deref().map(|c| caller.host_cwd(c));
        if let Some(dir) = cwd.as_deref().filter(|d| !d.is_dir()) {
            return Err(ProcessError::Failed(format!(
                "cannot run {}: its working directory {} does not exist (has `megaplan-cloud build` run?)",
                cmd.program,
                dir.display()
            )));
        }
        let stdin = stdin::expand(&cmd.stdin, self.settings.secrets.as_ref());
        let launch = spawn::Launch {
            path: &path,
            args: &cmd.args,
            cwd: cwd.as_deref(),
            env: &cmd.env,
            stdin,
        };
        let timeout = cmd.timeout.unwrap_or(self.settings.default_timeout);
        let failed =
            |e: std::io::Error| ProcessError::Failed(format!("could not run {}: {e}", cmd.program));
        let outcome = match delivery {
            Delivery::Capture => {
                spawn::capture(launch, timeout, self.settings.output_cap).map_err(failed)?
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

    fn cassette_key(&self, cmd: &CommandSpec, kind: &str) -> cassette::Key {
        let substitute = |text: &str| {
            let mut text = text.to_string();
            for (placeholder, value) in &self.settings.substitutions {
                if !value.is_empty() {
                    text = text.replace(value.as_str(), placeholder);
                }
            }
            text
        };
        cassette::Key {
            call: kind.to_string(),
            program: cmd.program.clone(),
            args: cmd
                .args
                .iter()
                .map(|a| self.settings.redactor.redact(&substitute(a)).into_owned())
                .collect(),
            stdin: stdin::record(&cmd.stdin, &self.settings.redactor),
        }
    }
}

/// Writes a file atomically (temp file in the same directory, then rename), creating
/// parent directories, with the given permission bits.
pub fn atomic_write(path: &Path, bytes: &[u8], mode: u32) -> CloudResult<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let fail = |e: std::io::Error| {
        CloudError::new("io_error", format!("cannot write {}: {e}", path.display()))
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(fail)?;
    temp.write_all(bytes).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
