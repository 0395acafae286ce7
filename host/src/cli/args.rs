//! Every flag, defined once. Actions, flags and defaults follow the reference
//! (docs/compatibility.md), plus `provider`, `completions` and the global modes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "megaplan-cloud",
    version,
    about = "Run megaplan on a remote runner: Railway, a local Docker engine, or any Docker host over SSH",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Path to cloud.yaml (default: <project root>/cloud.yaml)
    #[arg(long, global = true, value_name = "PATH")]
    pub cloud_yaml: Option<String>,
    /// Print the commands a real run would issue, and run none
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Show every subprocess call (the journal line) on stderr
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    /// No progress on stderr: build and deploy do not show their commands and output
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Run live and record every subprocess call (redacted) into this cassette
    /// (`provider test --record` takes no FILE: it records into --cassettes DIR)
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        num_args = 0..=1,
        default_missing_value = "",
        conflicts_with_all = ["replay", "dry_run"]
    )]
    pub record: Option<String>,
    /// Run nothing; answer subprocess calls from this cassette
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "dry_run")]
    pub replay: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RepoOverrides {
    /// Override repo.url for this run (cloud.yaml is not modified)
    #[arg(long)]
    pub repo_url: Option<String>,
    /// Override repo.branch for this run
    #[arg(long)]
    pub repo_branch: Option<String>,
    /// Override repo.workspace for this run (an absolute POSIX path)
    #[arg(long)]
    pub repo_workspace: Option<String>,
}

/// How `chain` launches: isolation, state reset and verification.
#[derive(Debug, Args)]
pub struct LaunchFlags {
    /// Give this chain its own workspace, tmux session and log, derived from its
    /// identity (as `chain.isolation: per-chain` does)
    #[arg(long)]
    pub isolated: bool,
    /// Stop this chain's own earlier session and move its state aside before launching
    #[arg(long)]
    pub fresh: bool,
    /// Seconds to watch the chain come up after the launch
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub verify_timeout: u64,
    /// Do not watch the chain come up after the launch
    #[arg(long, conflicts_with = "verify_timeout")]
    pub no_verify: bool,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Scaffold a cloud.yaml file at the project root
    Init {
        /// Overwrite an existing cloud.yaml
        #[arg(long)]
        force: bool,
    },
    /// Build the cloud image
    Build,
    /// Deploy the cloud runner
    Deploy {
        /// Seconds to wait for the runner's container to run and its health server to answer
        #[arg(long, value_name = "SECONDS", default_value_t = 120)]
        wait_timeout: u64,
        /// Return once the provider has started the runner, without waiting for health
        #[arg(long, conflicts_with = "wait_timeout")]
        no_wait: bool,
    },
    /// Upload a chain spec and start it remotely
    Chain {
        /// The local chain spec (YAML)
        spec: String,
        /// Directory holding the milestone idea files (default: the spec's directory)
        #[arg(long)]
        idea_dir: Option<String>,
        #[command(flatten)]
        repo: RepoOverrides,
        #[command(flatten)]
        launch: LaunchFlags,
    },
    /// Upload an idea file and start megaplan init remotely
    Bootstrap {
        /// The local idea file
        idea_file: String,
        /// Plan name passed to megaplan init as --name
        #[arg(long)]
        plan_name: Option<String>,
        /// Robustness passed to megaplan init
        #[arg(long, default_value = "standard")]
        robustness: String,
        #[command(flatten)]
        repo: RepoOverrides,
    },
    /// Fetch remote `megaplan status` JSON
    Status {
        /// Report the remote chain instead of the plan
        #[arg(long)]
        chain: bool,
        /// Remote chain spec path (overrides the marker and cloud.yaml)
        #[arg(long)]
        remote_spec: Option<String>,
        /// With --chain: the chain launched in this tmux session
        #[arg(long, requires = "chain", value_name = "SESSION")]
        session: Option<String>,
        /// With --chain: every chain on the runner, with its milestone, status and liveness
        #[arg(long, requires = "chain", conflicts_with_all = ["session", "remote_spec"])]
        all: bool,
        /// Plan name passed to megaplan status
        #[arg(long)]
        plan: Option<String>,
    },
    /// Attach to the remote tmux session
    Attach {
        /// Override the remote tmux session name for providers that support sessions
        #[arg(long)]
        session: Option<String>,
    },
    /// Stream or fetch remote logs
    Logs {
        /// Print the last 200 lines instead of following
        #[arg(long)]
        no_follow: bool,
    },
    /// Run an arbitrary remote command
    Exec {
        /// The command line, run verbatim by the remote shell
        command: String,
    },
    /// Resume the remote plan's next step
    Resume {
        /// Plan name
        #[arg(long)]
        plan: Option<String>,
    },
    /// Pause the deployment without deleting volume
    Down,
    /// Run a one-shot supervisor tick against a cloud chain
    Supervise {
        /// Supervise the remote chain (required)
        #[arg(long)]
        chain: bool,
        /// Remote chain spec path (overrides the marker and cloud.yaml)
        #[arg(long)]
        remote_spec: Option<String>,
    },
    /// Tear down the deployment and delete the volume if configured
    Destroy {
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
        /// Also delete the persistent workspace (every repository, plan and login in it)
        #[arg(long)]
        purge_workspace: bool,
    },
    /// Print the JSON Schema of cloud.yaml (for editor completion)
    Schema,
    /// Check that the provider can work: its programs, versions and login
    Doctor,
    /// List, inspect and install provider components
    #[command(subcommand)]
    Provider(ProviderAction),
    /// Print a shell completion script
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProviderAction {
    /// List built-in and installed providers with their grants
    List,
    /// Describe one provider (by name, or a component file)
    Inspect {
        /// A provider name or a path to a .wasm component
        provider: String,
    },
    /// Install a third-party provider component and grant it programs
    Install {
        /// The provider component (.wasm)
        file: PathBuf,
        /// Grant this program, held to the host's argument rules (repeatable)
        #[arg(long = "grant", value_name = "PROGRAM")]
        grants: Vec<String>,
        /// Grant this program without argument rules (repeatable; trusts the provider
        /// with everything that program can do)
        #[arg(long = "grant-unrestricted", value_name = "PROGRAM")]
        unrestricted: Vec<String>,
        /// Without --grant: accept every program the component asks for, unasked
        #[arg(long)]
        yes: bool,
    },
    /// Run a provider component through the conformance suite, in the sandbox: its
    /// description and schema, every operation it implements against its cassette,
    /// determinism, hostile cloud.yaml values, secrets, programs and error kinds.
    /// Nothing runs unless --record, which first runs each operation for real and
    /// writes its cassette
    Test {
        /// The provider component (.wasm)
        component: PathBuf,
        /// Where the cassettes (<operation>.cassette) and the suite's cloud.yaml are
        #[arg(long, value_name = "DIR", default_value = "tests/cassettes")]
        cassettes: PathBuf,
        /// The report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Create a provider crate to start from: every usual operation, its cloud.yaml
    /// schema, a cassette and a replay script; it builds for wasm32-wasip2 as it is
    New {
        /// The provider's name (lower-case letters and digits): its cloud.yaml section
        /// and its component file
        name: String,
        /// Where to create the crate [default: ./NAME]
        #[arg(long, value_name = "DIR")]
        dir: Option<String>,
        /// The megaplan-cloud SDK to depend on [default: the one this binary was built
        /// from]
        #[arg(long, value_name = "DIR")]
        sdk: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn session_help_does_not_name_railway() {
        let mut cmd = Cli::command();
        let attach = cmd.find_subcommand_mut("attach").unwrap();
        let help = attach.render_long_help().to_string();
        assert!(
            help.contains(
                "Override the remote tmux session name for providers that support sessions"
            )
        );
        assert!(!help.contains("Railway"));
    }

    #[test]
    fn reference_defaults_and_flags() {
        let cli = Cli::try_parse_from(["megaplan-cloud", "bootstrap", "idea.txt"]).unwrap();
        let Action::Bootstrap {
            robustness,
            plan_name,
            ..
        } = cli.action
        else {
            panic!()
        };
        assert_eq!(robustness, "standard");
        assert_eq!(plan_name, None);
        // No --follow flag exists on logs, only --no-follow (as in the reference).
        assert!(Cli::try_parse_from(["megaplan-cloud", "logs", "--follow"]).is_err());
        let cli = Cli::try_parse_from(["megaplan-cloud", "exec", "pwd", "--cloud-yaml", "x.yaml"])
            .unwrap();
        assert_eq!(cli.global.cloud_yaml.as_deref(), Some("x.yaml"));
    }
}
