//! A native stand-in for the host, so a provider's own `cargo test` runs without wasm
//! and without the megaplan-cloud binary.
//!
//! A [`TestHost`] answers the provider's `process`, `files` and `log` calls the way the
//! host would decide them: with the host's own policy code (the
//! `megaplan-cloud-policy` crate), so a program the provider did not declare, an
//! argument that would run a local command (`ssh -o ProxyCommand=…`), an undeclared
//! environment variable, a working directory outside the deploy directory, a secret
//! not listed under `secrets:`, inherited stdin outside `exec` or unredacted output
//! outside `read-file` are refused here exactly as there. Nothing runs: each command
//! gets the reply the test scripted for it, and every call is kept for the test to
//! look at.
//!
//! ```ignore
//! use megaplan_cloud_sdk::testing::{Reply, TestHost};
//!
//! let host = TestHost::for_provider::<Fly>()
//!     .config(serde_json::json!({"app": "demo"}))
//!     .reply(&["flyctl", "ssh"], Reply::ok("hello\n"));
//! let out = host.call("exec", |ctx| Fly::exec(ctx, "echo hello".into(), Stdin::None));
//! assert_eq!(out.unwrap().stdout, b"hello\n");
//! assert_eq!(host.calls()[0].argv()[..3], ["flyctl", "ssh", "console"]);
//! ```

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::rc::Rc;

use megaplan_cloud_policy as policy;
pub use megaplan_cloud_policy::{CallKind, CommandSpec, EnvEntry as HostEnvEntry, StdinSpec};
use policy::{Caller, DeployDirMount, ProgramPolicy, Trust};
/// For [`TestHost::config`]: `json!({"app": "demo"})`.
pub use serde_json::json;

use crate::{Command, Context, DeployDir, ProviderImpl};

/// The deploy directory a [`TestHost`] reports unless told otherwise.
pub const DEPLOY_DIR: &str = "/megaplan-cloud-test/deploy";
/// The nonce every operation gets, so commands carrying it compare equal.
pub const NONCE: &str = "0123456789abcdef01234567";

/// What a scripted command answers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reply {
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Reply {
    /// Exit 0 with this on stdout.
    pub fn ok(stdout: impl Into<Vec<u8>>) -> Self {
        Reply {
            stdout: stdout.into(),
            ..Reply::default()
        }
    }

    /// A non-zero exit with this on stderr.
    pub fn fail(status: i32, stderr: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            stderr: stderr.into(),
            ..Reply::default()
        }
    }
}

/// One call the provider made, as the host saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The operation under way (`deploy`, `exec`, …).
    pub operation: &'static str,
    /// `run`, `which`, `write-env-file` or `write-file`.
    pub kind: CallKind,
    /// Made with `process.probe` rather than `process.run`.
    pub probe: bool,
    /// The command in the host's model: secrets appear by name only. For a file the
    /// program is empty, the first argument is the path and `stdin` the entries (an env
    /// file) or the contents.
    pub command: CommandSpec,
    /// Why the host refused it, when it did.
    pub denied: Option<String>,
}

impl Call {
    /// The program and its arguments.
    pub fn argv(&self) -> Vec<&str> {
        std::iter::once(self.command.program.as_str())
            .chain(self.command.args.iter().map(String::as_str))
            .collect()
    }
}

struct State {
    provider: String,
    policy: ProgramPolicy,
    secrets: Vec<String>,
    unset: Vec<String>,
    missing: BTreeSet<String>,
    replies: Vec<(Vec<String>, Reply)>,
    fallback: Option<Reply>,
    calls: Vec<Call>,
    logs: Vec<(String, String)>,
    operation: &'static str,
    config: serde_json::Value,
    deploy_dir: Option<String>,
    runner: Option<String>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<RefCell<State>>>> = const { RefCell::new(None) };
}

/// A stand-in for the host for one provider (see the module's documentation).
pub struct TestHost {
    state: Rc<RefCell<State>>,
}

impl TestHost {
    /// A host for `P`, trusting it with what its `describe` declares the way an
    /// operator's grant does: the host's argument rules apply (as for any third-party
    /// provider; [`TestHost::built_in`] lifts them as the host does for its own).
    pub fn for_provider<P: ProviderImpl>() -> Self {
        let description = P::describe();
        let declared: BTreeMap<String, String> = description
            .programs
            .iter()
            .map(|p| (p.name.clone(), p.install_hint.clone()))
            .collect();
        let trust = Trust::Granted {
            programs: declared.keys().cloned().collect(),
            unrestricted: BTreeSet::new(),
            component: PathBuf::from(format!("{}.wasm", description.name)),
        };
        let state = State {
            provider: description.name,
            policy: ProgramPolicy::new(declared, trust).with_env(description.env),
            secrets: Vec::new(),
            unset: Vec::new(),
            missing: BTreeSet::new(),
            replies: Vec::new(),
            fallback: None,
            calls: Vec::new(),
            logs: Vec::new(),
            operation: "describe",
            config: serde_json::json!({}),
            deploy_dir: Some(DEPLOY_DIR.into()),
            runner: None,
        };
        TestHost {
            state: Rc::new(RefCell::new(state)),
        }
    }

    fn with(self, change: impl FnOnce(&mut State)) -> Self {
        change(&mut self.state.borrow_mut());
        self
    }

    /// Trusted as a built-in: no argument rules.
    pub fn built_in(self) -> Self {
        self.with(|s| {
            let declared = s
                .policy
                .declared()
                .map(|p| (p.to_string(), String::new()))
                .collect();
            let env: Vec<String> = s.policy.declared_env().map(str::to_string).collect();
            s.policy = ProgramPolicy::new(declared, Trust::BuiltIn).with_env(env);
        })
    }

    /// The provider's cloud.yaml section, as the host passes it (defaults filled in).
    pub fn config(self, section: serde_json::Value) -> Self {
        self.with(|s| s.config = section)
    }

    /// Secrets listed under `secrets:` (their values stay with the host).
    pub fn secrets(self, names: &[&str]) -> Self {
        self.with(|s| s.secrets = names.iter().map(|n| n.to_string()).collect())
    }

    /// Configured secrets with no local value (`ctx.unset_secrets`).
    pub fn unset(self, names: &[&str]) -> Self {
        self.with(|s| s.unset = names.iter().map(|n| n.to_string()).collect())
    }

    /// The runner operations are for (`runner::selected`); `None`, the default, for the
    /// configuration's own.
    pub fn runner(self, runner: Option<&str>) -> Self {
        self.with(|s| s.runner = runner.map(str::to_string))
    }

    /// The deploy directory operations are told about; `None` for none.
    pub fn deploy_dir(self, dir: Option<&str>) -> Self {
        self.with(|s| s.deploy_dir = dir.map(str::to_string))
    }

    /// A declared program that is not on PATH: `which` says so and running it fails
    /// with `not-found`, as on an operator's machine without it.
    pub fn missing(self, program: &str) -> Self {
        self.with(|s| {
            s.missing.insert(program.to_string());
        })
    }

    /// Answers the next command whose argv starts with `argv_prefix` (each reply is
    /// used once, in the order given).
    pub fn reply(self, argv_prefix: &[&str], reply: Reply) -> Self {
        let prefix = argv_prefix.iter().map(|a| a.to_string()).collect();
        self.with(|s| s.replies.push((prefix, reply)))
    }

    /// Answers every command no scripted reply matches (otherwise such a command fails
    /// with a message naming it).
    pub fn otherwise(self, reply: Reply) -> Self {
        self.with(|s| s.fallback = Some(reply))
    }

    /// The context an operation gets.
    pub fn context(&self) -> Context {
        let s = self.state.borrow();
        Context {
            config: s.config.to_string(),
            workspace: "/workspace/app".into(),
            port: 8080,
            volume: None,
            secret_names: s.secrets.clone(),
            unset_secrets: s.unset.clone(),
            deploy_dir: s
                .deploy_dir
                .clone()
                .map(|host_path| DeployDir { host_path }),
            session: None,
            nonce: NONCE.into(),
        }
    }

    /// Runs one operation of the provider with this host answering its calls:
    /// `host.call("deploy", P::deploy)`.
    pub fn call<R>(&self, operation: &'static str, op: impl FnOnce(Context) -> R) -> R {
        self.state.borrow_mut().operation = operation;
        let ctx = self.context();
        let previous = CURRENT.with(|c| c.replace(Some(self.state.clone())));
        let result = op(ctx);
        CURRENT.with(|c| *c.borrow_mut() = previous);
        result
    }

    /// Every call made so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.state.borrow().calls.clone()
    }

    /// The `log` lines, as (`info` or `warn`, text).
    pub fn logs(&self) -> Vec<(String, String)> {
        self.state.borrow().logs.clone()
    }

    /// Whether the host would run `cmd` (a command the provider hands back, such as
    /// `logs`' or `attach-command`'s) in `operation` as a `kind` call.
    pub fn check(
        &self,
        operation: &'static str,
        cmd: &Command,
        kind: CallKind,
    ) -> Result<(), String> {
        let s = self.state.borrow();
        policy::check(&s.caller(operation), &answers::spec(cmd), kind, &s.secrets)
    }
}

impl State {
    fn caller(&self, operation: &'static str) -> Caller {
        let rendered = matches!(operation, "build" | "deploy");
        Caller {
            provider: self.provider.clone(),
            version: String::new(),
            sha256: String::new(),
            policy: self.policy.clone(),
            deploy_dir: self.deploy_dir.as_ref().map(|dir| match rendered {
                true => {
                    let files = policy::DEPLOY_DIR_FILES.iter().map(|f| f.to_string());
                    DeployDirMount::rendered(dir, files.collect())
                }
                false => DeployDirMount::path_only(dir),
            }),
            operation,
        }
    }

    fn reply_for(&mut self, cmd: &CommandSpec) -> Option<Reply> {
        let argv: Vec<&str> = std::iter::once(cmd.program.as_str())
            .chain(cmd.args.iter().map(String::as_str))
            .collect();
        let found = self.replies.iter().position(|(prefix, _)| {
            prefix.len() <= argv.len() && prefix.iter().zip(&argv).all(|(p, a)| p == a)
        });
        match found {
            Some(at) => Some(self.replies.remove(at).1),
            None => self.fallback.clone(),
        }
    }
}

mod answers;

pub(crate) use answers::{log, run, selected_runner, which, write_env_file, write_file};

#[cfg(test)]
mod tests;
