//! What a provider asks the host to run: the host's own model of a command,
//! independent of any generated WIT bindings.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ProgramPolicy;

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
            .map(megaplan_cloud_shell::quote)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Who is asking: the provider's identity and what it may run.
#[derive(Clone, Debug)]
pub struct Caller {
    pub provider: String,
    pub version: String,
    pub sha256: String,
    pub policy: ProgramPolicy,
    pub deploy_dir: Option<DeployDirMount>,
    /// The contract operation being served (`exec`, `read-file`, ...); some command
    /// forms are allowed only in one of them.
    pub operation: &'static str,
}

/// The provider's deploy directory for one operation: always its host path (for
/// command arguments and working directories); and, when this operation rendered it,
/// the right to have the host write files into it for the provider, except over the
/// files the host rendered. The component itself never opens it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployDirMount {
    pub host: PathBuf,
    /// This operation rendered it (build, deploy): `files` may write into it.
    pub rendered: bool,
    /// The files the host rendered there (relative paths), which stay the host's.
    pub host_files: Vec<String>,
}

/// The files the host renders into every deploy directory (a provider's extras, such
/// as the local provider's `docker-compose.yaml`, come on top).
pub const DEPLOY_DIR_FILES: &[&str] = &[
    "Dockerfile",
    "entrypoint.sh",
    "healthserver.py",
    "railway.toml",
    "wrappers/mp-run",
    "wrappers/mp-supervise",
    "wrappers/mp-heartbeat",
    "wrappers/mp-chain",
];

impl DeployDirMount {
    /// The directory's path only, for command arguments.
    pub fn path_only(host: impl Into<PathBuf>) -> Self {
        DeployDirMount {
            host: host.into(),
            rendered: false,
            host_files: Vec::new(),
        }
    }

    /// A directory this operation rendered, holding `host_files`.
    pub fn rendered(host: impl Into<PathBuf>, host_files: Vec<String>) -> Self {
        DeployDirMount {
            host: host.into(),
            rendered: true,
            host_files,
        }
    }

    /// The host directory, when the host may write into it for the provider.
    pub fn writable(&self) -> Option<&Path> {
        self.rendered.then_some(self.host.as_path())
    }
}

/// What kind of host call a journal line or a recorded interaction is about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallKind {
    /// `process.run`: run to completion, output captured.
    #[default]
    Run,
    /// A command whose output the host relays as it arrives (`logs`), stdout and
    /// stderr each to its own stream.
    Stream,
    /// A command on the operator's terminal (`attach`).
    Terminal,
    /// `process.which`.
    Which,
    /// `files.write-env-file`.
    WriteEnvFile,
    /// `files.write-file`.
    WriteFile,
}

impl CallKind {
    /// Whether the call starts (or asks about) a program, rather than writing a file.
    pub fn runs_a_program(self) -> bool {
        !matches!(self, CallKind::WriteEnvFile | CallKind::WriteFile)
    }

    /// The name journal lines and cassettes use.
    pub fn name(self) -> &'static str {
        match self {
            CallKind::Run => "run",
            CallKind::Stream => "stream",
            CallKind::Terminal => "terminal",
            CallKind::Which => "which",
            CallKind::WriteEnvFile => "write-env-file",
            CallKind::WriteFile => "write-file",
        }
    }
}
