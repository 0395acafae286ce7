//! A running provider: its store, its description, and the operations of the
//! contract, each turned into a host result. A trap (a crash, a CPU or memory limit)
//! retires the instance; the host itself stays usable.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::Store;

use super::bindings::ProviderWorld;
use super::bindings::megaplan::cloud::types as wit;
use super::convert;
use super::description::{
    Check, LogSource, OpContext, ProviderDescription, VolumeAction, validate,
};
use super::host_state::HostState;
use crate::capability::{
    Caller, Capability, CommandSpec, DeployDirMount, Output, ProgramPolicy, StdinSpec, Trust,
};
use crate::error::{CloudError, CloudResult};

/// What the host knows of a component before it has described itself.
pub(super) struct Identity {
    pub sha256: String,
    pub trust: Trust,
    pub deploy_dir: Option<DeployDirMount>,
}

pub struct ProviderInstance {
    store: Store<HostState>,
    bindings: ProviderWorld,
    description: ProviderDescription,
    /// Set once `describe` has returned; the store holds the same.
    caller: Caller,
    retired: Option<String>,
}

impl ProviderInstance {
    /// Asks the component to describe itself (it may run nothing until then), checks
    /// the description, and from then on lets it act under its declared programs.
    pub(super) fn start(
        mut store: Store<HostState>,
        bindings: ProviderWorld,
        identity: Identity,
    ) -> CloudResult<Self> {
        let raw = describe(&mut store, &bindings)?;
        let description = validate(raw)?;
        let declared: BTreeMap<String, String> = description
            .programs
            .iter()
            .map(|p| (p.name.clone(), p.install_hint.clone()))
            .collect();
        let caller = Caller {
            provider: description.name.clone(),
            version: description.version.clone(),
            sha256: identity.sha256,
            policy: ProgramPolicy::new(declared, identity.trust)
                .with_env(description.env.iter().cloned()),
            deploy_dir: identity.deploy_dir,
            operation: "describe",
        };
        store.data_mut().caller = Some(caller.clone());
        Ok(ProviderInstance {
            store,
            bindings,
            description,
            caller,
            retired: None,
        })
    }

    pub fn description(&self) -> &ProviderDescription {
        &self.description
    }

    pub fn name(&self) -> &str {
        &self.description.name
    }

    /// The identity under which this provider's commands run.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    pub fn capability(&self) -> Arc<Capability> {
        self.store.data().capability.clone()
    }

    fn context(&self, ctx: &OpContext) -> wit::Context {
        wit::Context {
            config: ctx.config.to_string(),
            workspace: ctx.workspace.clone(),
            port: ctx.port,
            volume: ctx.volume.clone(),
            secret_names: ctx.secret_names.clone(),
            unset_secrets: ctx.unset_secrets.clone(),
            deploy_dir: self.caller().deploy_dir.as_ref().map(|dir| wit::DeployDir {
                host_path: dir.host.display().to_string(),
            }),
            session: ctx.session.clone(),
        }
    }

    /// Runs one export with a fresh CPU budget and turns traps and provider errors
    /// into host errors.
    fn call<R>(
        &mut self,
        operation: &'static str,
        f: impl FnOnce(
            &ProviderWorld,
            &mut Store<HostState>,
        ) -> wasmtime::Result<Result<R, wit::ProviderError>>,
    ) -> CloudResult<R> {
        let name = self.description.name.clone();
        if let Some(reason) = &self.retired {
            return Err(CloudError::new(
                "provider_crashed",
                format!(
                    "provider '{name}' was stopped earlier ({reason}) and cannot be used again"
                ),
            ));
        }
        let state = self.store.data_mut();
        state.clock.start_call();
        state.replay_miss = None;
        if let Some(caller) = &mut state.caller {
            caller.operation = operation;
        }
        self.caller.operation = operation;
        self.store.set_epoch_deadline(1);
        let result = f(&self.bindings, &mut self.store);
        if let Some(miss) = self.store.data_mut().replay_miss.take() {
            return Err(CloudError::new("replay_mismatch", miss));
        }
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(convert::provider_error(&name, error)),
            Err(trap) => {
                let error = trap_error(self.store.data(), &name, operation, &trap);
                self.retired = Some(error.message.clone());
                Err(error)
            }
        }
    }

    pub fn doctor(&mut self, ctx: &OpContext) -> CloudResult<Vec<Check>> {
        let ctx = self.context(ctx);
        let checks = self.call("doctor", |b, s| {
            b.megaplan_cloud_provider().call_doctor(s, &ctx)
        })?;
        Ok(checks
            .into_iter()
            .map(|c| Check {
                name: c.name,
                ok: c.ok,
                detail: c.detail,
            })
            .collect())
    }

    pub fn build(&mut self, ctx: &OpContext) -> CloudResult<()> {
        let ctx = self.context(ctx);
        self.call("build", |b, s| {
            b.megaplan_cloud_provider().call_build(s, &ctx)
        })
    }

    pub fn deploy(&mut self, ctx: &OpContext) -> CloudResult<()> {
        let ctx = self.context(ctx);
        self.call("deploy", |b, s| {
            b.megaplan_cloud_provider().call_deploy(s, &ctx)
        })
    }

    pub fn exec(&mut self, ctx: &OpContext, line: &str, input: StdinSpec) -> CloudResult<Output> {
        let ctx = self.context(ctx);
        let input = convert::stdin_to_wit(input);
        let out = self.call("exec", |b, s| {
            b.megaplan_cloud_provider().call_exec(s, &ctx, line, &input)
        })?;
        Ok(convert::output_from_wit(out))
    }

    pub fn upload(
        &mut self,
        ctx: &OpContext,
        destination: &str,
        content: &[u8],
    ) -> CloudResult<()> {
        let ctx = self.context(ctx);
        self.call("upload", |b, s| {
            b.megaplan_cloud_provider()
                .call_upload(s, &ctx, destination, content)
        })
    }

    pub fn read_file(&mut self, ctx: &OpContext, path: &str) -> CloudResult<Vec<u8>> {
        let ctx = self.context(ctx);
        self.call("read-file", |b, s| {
            b.megaplan_cloud_provider().call_read_file(s, &ctx, path)
        })
    }

    pub fn logs(&mut self, ctx: &OpContext, follow: bool) -> CloudResult<LogSource> {
        let ctx = self.context(ctx);
        let source = self.call("logs", |b, s| {
            b.megaplan_cloud_provider().call_logs(s, &ctx, follow)
        })?;
        Ok(match source {
            wit::LogSource::Streamed(cmd) => LogSource::Streamed(convert::command(cmd)),
            wit::LogSource::Captured(bytes) => LogSource::Captured(bytes),
        })
    }

    pub fn attach_command(&mut self, ctx: &OpContext) -> CloudResult<CommandSpec> {
        let ctx = self.context(ctx);
        let cmd = self.call("attach", |b, s| {
            b.megaplan_cloud_provider().call_attach_command(s, &ctx)
        })?;
        Ok(convert::command(cmd))
    }

    pub fn volume(&mut self, ctx: &OpContext, action: VolumeAction) -> CloudResult<String> {
        let ctx = self.context(ctx);
        let action = match action {
            VolumeAction::Ensure => wit::VolumeAction::Ensure,
            VolumeAction::Remove => wit::VolumeAction::Remove,
        };
        self.call("volume", |b, s| {
            b.megaplan_cloud_provider().call_volume(s, &ctx, action)
        })
    }

    pub fn down(&mut self, ctx: &OpContext) -> CloudResult<()> {
        let ctx = self.context(ctx);
        self.call("down", |b, s| {
            b.megaplan_cloud_provider().call_down(s, &ctx)
        })
    }

    pub fn destroy(&mut self, ctx: &OpContext) -> CloudResult<()> {
        let ctx = self.context(ctx);
        self.call("destroy", |b, s| {
            b.megaplan_cloud_provider().call_destroy(s, &ctx)
        })
    }
}

/// What a trap means: a CPU or memory limit (`provider_limit_exceeded`) or a crash
/// (`provider_crashed`, with the guest's panic message when it printed one).
fn trap_error(
    state: &HostState,
    name: &str,
    operation: &str,
    trap: &wasmtime::Error,
) -> CloudError {
    if state.clock.exceeded {
        return CloudError::new(
            "provider_limit_exceeded",
            format!(
                "provider '{name}' was stopped in `{operation}`: it used more than {} ms of CPU",
                state.clock.budget.as_millis()
            ),
        );
    }
    if state.memory.exceeded {
        return CloudError::new(
            "provider_limit_exceeded",
            format!(
                "provider '{name}' was stopped in `{operation}`: it tried to use more than {} MiB of memory",
                state.memory.max_bytes >> 20
            ),
        );
    }
    let stderr = String::from_utf8_lossy(&state.stderr.contents()).into_owned();
    let detail = panic_message(&stderr).unwrap_or_else(|| format!("{trap:#}"));
    CloudError::new(
        "provider_crashed",
        format!("provider '{name}' crashed in `{operation}`: {detail}"),
    )
}

/// `describe`, with a fresh CPU budget, before the host knows who the provider is.
fn describe(
    store: &mut Store<HostState>,
    bindings: &ProviderWorld,
) -> CloudResult<wit::Description> {
    store.data_mut().clock.start_call();
    store.set_epoch_deadline(1);
    bindings
        .megaplan_cloud_provider()
        .call_describe(&mut *store)
        .map_err(|trap| trap_error(store.data(), "<unknown>", "describe", &trap))
}

/// The message of a Rust panic from what the component wrote on stderr:
/// `thread '…' panicked at src/lib.rs:1:2:` followed by the message line.
fn panic_message(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines();
    lines.find(|line| line.contains("panicked at"))?;
    let message = lines.next()?.trim();
    (!message.is_empty()).then(|| message.to_string())
}
