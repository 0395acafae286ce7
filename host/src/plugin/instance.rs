//! A running provider: its store, its description, and the operations of the
//! contract, each turned into a host result. A trap (a crash, a CPU or memory limit)
//! retires the instance; the host itself stays usable.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use wasmtime::Store;

use super::Limits;
use super::bindings::Bindings;
use super::bindings::megaplan::cloud::types as wit;
use super::call::{Engine, Export, guarded};
use super::convert;
use super::description::{
    Check, LogSource, OpContext, ProviderDescription, VolumeAction, validate,
};
use super::guard::GuestClock;
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
    engine: Arc<Mutex<Engine>>,
    clock: Arc<GuestClock>,
    limits: Limits,
    capability: Arc<Capability>,
    description: ProviderDescription,
    /// Set once `describe` has returned; the store holds the same.
    caller: Caller,
    retired: Option<String>,
    /// Where a configuration error the provider reports itself belongs in cloud.yaml
    /// (`cloud.yaml:3:1: `, from its message), put in front of it.
    config_location: Option<Locator>,
    /// The runner of the operation under way, for `runner.selected`.
    runner: Option<String>,
}

/// The prefix that locates a configuration error's message in cloud.yaml.
pub type Locator = Box<dyn Fn(&str) -> String + Send + Sync>;

impl ProviderInstance {
    /// Asks the component to describe itself (it may run nothing until then), checks
    /// the description, and from then on lets it act under its declared programs.
    pub(super) fn start(
        store: Store<HostState>,
        bindings: Bindings,
        identity: Identity,
        limits: Limits,
    ) -> CloudResult<Self> {
        let clock = store.data().clock.clone();
        let capability = store.data().capability.clone();
        let contract = bindings.contract();
        let engine = Arc::new(Mutex::new(Engine { store, bindings }));
        let describe = |b: &Bindings, s: &mut Store<HostState>| b.describe(s).map(Ok);
        let raw = guarded(&engine, &clock, &limits, "<unknown>", "describe", describe)
            .map_err(|failure| failure.error)?;
        let description = validate(raw, contract.version())?;
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
        engine
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .store
            .data_mut()
            .caller = Some(caller.clone());
        Ok(ProviderInstance {
            engine,
            clock,
            limits,
            capability,
            description,
            caller,
            retired: None,
            config_location: None,
            runner: None,
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
        self.capability.clone()
    }

    /// The operation's context, with a fresh nonce the capability knows too.
    fn context(&mut self, ctx: &OpContext) -> wit::Context {
        self.runner = ctx.runner.clone();
        let nonce = crate::capability::fresh_nonce();
        self.capability.set_nonce(&nonce);
        wit::Context {
            nonce,
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

    /// Runs one export with a fresh budget and turns traps, limits and provider errors
    /// into host errors; a trap or an abandoned call retires the instance.
    fn call<R: Send + 'static>(
        &mut self,
        operation: &'static str,
        export: impl FnOnce(&Bindings, &mut Store<HostState>) -> Export<R> + Send + 'static,
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
        self.caller.operation = operation;
        self.capability.begin_operation();
        let runner = self.runner.clone();
        let export = move |b: &Bindings, s: &mut Store<HostState>| {
            s.data_mut().runner = runner;
            export(b, s)
        };
        guarded(
            &self.engine,
            &self.clock,
            &self.limits,
            &name,
            operation,
            export,
        )
        .map_err(|failure| {
            if failure.retire {
                self.retired = Some(failure.error.message.clone());
            }
            let mut error = failure.error;
            if let Some(locate) = self
                .config_location
                .as_ref()
                .filter(|_| error.code == "invalid_spec")
            {
                error.message = format!("{}{}", locate(&error.message), error.message);
            }
            error
        })
    }

    /// Locates the provider's own configuration errors in cloud.yaml with `locate`.
    pub fn locate_config_errors(&mut self, locate: Locator) {
        self.config_location = Some(locate);
    }

    pub fn doctor(&mut self, ctx: &OpContext) -> CloudResult<Vec<Check>> {
        let ctx = self.context(ctx);
        let checks = self.call("doctor", move |b, s| b.doctor(s, &ctx))?;
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
        self.call("build", move |b, s| b.build(s, &ctx))
    }

    pub fn deploy(&mut self, ctx: &OpContext) -> CloudResult<()> {
        let ctx = self.context(ctx);
        self.call("deploy", move |b, s| b.deploy(s, &ctx))
    }

    pub fn exec(&mut self, ctx: &OpContext, line: &str, input: StdinSpec) -> CloudResult<Output> {
        let ctx = self.context(ctx);
        let input = convert::stdin_to_wit(input);
        let line = line.to_string();
        let out = self.call("exec", move |b, s| b.exec(s, &ctx, &line, &input))?;
        Ok(convert::output_from_wit(out))
    }

    pub fn upload(
        &mut self,
        ctx: &OpContext,
        destination: &str,
        content: &[u8],
    ) -> CloudResult<()> {
        let ctx = self.context(ctx);
        let (destination, content) = (destination.to_string(), content.to_vec());
        self.call("upload", move |b, s| {
            b.upload(s, &ctx, &destination, &content)
        })
    }

    pub fn read_file(&mut self, ctx: &OpContext, path: &str) -> CloudResult<Vec<u8>> {
        let ctx = self.context(ctx);
        let path = path.to_string();
        self.call("read-file", move |b, s| b.read_file(s, &ctx, &path))
    }

    pub fn logs(&mut self, ctx: &OpContext, follow: bool) -> CloudResult<LogSource> {
        let ctx = self.context(ctx);
        let source = self.call("logs", move |b, s| b.logs(s, &ctx, follow))?;
        Ok(match source {
            wit::LogSource::Streamed(cmd) => LogSource::Streamed(convert::command(cmd)),
            wit::LogSource::Captured(bytes) => LogSource::Captured(bytes),
        })
    }

    pub fn attach_command(&mut self, ctx: &OpContext) -> CloudResult<CommandSpec> {
        let ctx = self.context(ctx);
        let cmd = self.call("attach", move |b, s| b.attach_command(s, &ctx))?;
        Ok(convert::command(cmd))
    }

    pub fn volume(&mut self, ctx: &OpContext, action: VolumeAction) -> CloudResult<String> {
        let ctx = self.context(ctx);
        let action = match action {
            VolumeAction::Ensure => wit::VolumeAction::Ensure,
            VolumeAction::Remove => wit::VolumeAction::Remove,
        };
        self.call("volume", move |b, s| b.volume(s, &ctx, action))
    }

    pub fn down(&mut self, ctx: &OpContext) -> CloudResult<()> {
        let ctx = self.context(ctx);
        self.call("down", move |b, s| b.down(s, &ctx))
    }

    /// The runner as the provider sees it; `None` when the provider does not
    /// implement `observe` (contract 0.2, or left out).
    /// The JSON Schema of the provider's cloud.yaml section, as the component returns
    /// it, when it declares one (the config layer decides what it makes of it).
    pub fn config_schema(&mut self) -> CloudResult<Option<String>> {
        self.call("config-schema", |b, s| b.config_schema(s))
    }

    pub fn observe(&mut self, ctx: &OpContext) -> CloudResult<Option<super::RunnerObservation>> {
        let ctx = self.context(ctx);
        match self.call("observe", move |b, s| b.observe(s, &ctx)) {
            Ok(raw) => Ok(Some(super::observed::from_wit(raw))),
            Err(error) if error.code == "not_implemented" => Ok(None),
            Err(error) => Err(error),
        }
    }

    pub fn destroy(&mut self, ctx: &OpContext) -> CloudResult<()> {
        let ctx = self.context(ctx);
        self.call("destroy", move |b, s| b.destroy(s, &ctx))
    }

    /// Whether the configuration gives each isolated chain a runner of its own (false
    /// for a component older than 0.6.0).
    pub fn chain_runners(&mut self, ctx: &OpContext) -> CloudResult<bool> {
        let ctx = self.context(ctx);
        self.call("chain-runners", move |b, s| b.chain_runners(s, &ctx))
    }
}
