//! A provider session: a loaded provider and what its operations are told. The
//! lifecycle actions and the workflows talk to the runner through it. Everything it
//! relays to the operator is redacted; only attach's raw terminal is exempt.

use std::sync::Arc;

use crate::capability::{Capability, CommandSpec, Output, StdinSpec};
use crate::config::CloudSpec;
use crate::error::{CloudError, CloudResult};
use crate::plugin::{
    Check, Feature, LogSource, OpContext, ProviderDescription, ProviderInstance, RunnerObservation,
    VolumeAction,
};
use crate::workflow::Runner;

pub struct Session {
    provider: ProviderInstance,
    ctx: OpContext,
    /// `build` and `deploy` show each command and its output (off with `--quiet`).
    pub show_progress: bool,
}

/// What a provider operation is told about `spec`. `is_set` says whether a secret has
/// a non-empty local value (the value itself never leaves the host).
pub fn op_context(
    spec: &CloudSpec,
    session: Option<String>,
    is_set: &dyn Fn(&str) -> bool,
) -> OpContext {
    OpContext {
        config: spec.provider_section(),
        workspace: spec.repo.workspace.clone(),
        port: spec.resources.port,
        volume: spec.resources.volume.clone(),
        secret_names: spec.secrets.clone(),
        unset_secrets: spec
            .secrets
            .iter()
            .filter(|name| !is_set(name))
            .cloned()
            .collect(),
        session,
        runner: None,
    }
}

/// The reference's failure for a streamed or terminal command: `Command failed: <argv>`.
fn check_status(status: i32, cmd: &CommandSpec, capability: &Capability) -> CloudResult<()> {
    if status == 0 {
        return Ok(());
    }
    let message = format!("Command failed: {}", cmd.display());
    Err(CloudError::new(
        "provider_failed",
        capability.redactor().redact(&message),
    ))
}

impl Session {
    /// A dry run answers every command with exit 0 and no output, which a provider
    /// that reads its commands' answers (a version, a marker) cannot use. Its failure
    /// after the commands it showed is where the dry run ends, not an error: the
    /// operator is told, and the action goes on with nothing.
    fn past_the_dry_run<T>(&self, result: CloudResult<T>, nothing: T) -> CloudResult<T> {
        let capability = self.capability();
        match result {
            Err(error)
                if capability.backend().is_dry_run()
                    && error.code == "provider_failed"
                    && capability.shown_in_dry_run() > 0 =>
            {
                let message = capability.redactor().redact(&error.message).into_owned();
                capability.console().err_line(&format!(
                    "dry run: {} stops after the commands above; it reads an answer a dry run does not give ({message})",
                    self.description().name
                ));
                Ok(nothing)
            }
            other => other,
        }
    }

    pub fn new(provider: ProviderInstance, ctx: OpContext) -> Self {
        Session {
            provider,
            ctx,
            show_progress: true,
        }
    }

    pub fn description(&self) -> &ProviderDescription {
        self.provider.description()
    }

    fn capability(&self) -> Arc<Capability> {
        self.provider.capability()
    }

    /// Whether programs really run (not a dry run, not a replay).
    pub fn runs_programs(&self) -> bool {
        self.capability().backend().runs_programs()
    }

    /// Fails with `provider_unavailable` (and the install hint) when a required
    /// program is not on PATH.
    pub fn require_programs(&self) -> CloudResult<()> {
        for program in self.description().programs.iter().filter(|p| p.required) {
            if !self.which(&program.name)? {
                return Err(CloudError::new(
                    "provider_unavailable",
                    format!(
                        "Missing required CLI '{}'. Install: {}",
                        program.name, program.install_hint
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Whether a program the provider declared is on PATH.
    pub fn which(&self, program: &str) -> CloudResult<bool> {
        Ok(self.capability().which(self.provider.caller(), program)?)
    }

    /// `exec`: runs the line verbatim in the runner with the operator's stdin, relays
    /// its output (redacted), and fails with the remote stderr when it exits non-zero.
    pub fn exec(&mut self, line: &str) -> CloudResult<()> {
        let output = self.provider.exec(&self.ctx, line, StdinSpec::Inherit);
        let output = self.past_the_dry_run(output, Output::default())?;
        if output.status != 0 {
            return Err(self.failure(line, &output));
        }
        self.relay(&output);
        Ok(())
    }

    /// `logs`: follows or fetches the runner's logs, redacted line by line; the
    /// command's stdout goes to stdout and its stderr to stderr, each redacted on its
    /// own (a secret split across the two streams cannot be reassembled by either).
    pub fn logs(&mut self, follow: bool) -> CloudResult<()> {
        let capability = self.capability();
        let console = capability.console().clone();
        match self.provider.logs(&self.ctx, follow)? {
            LogSource::Captured(bytes) => {
                console.out(&capability.redactor().redact_bytes(&bytes));
                Ok(())
            }
            LogSource::Streamed(cmd) => {
                let status = super::log_relay::relay(&capability, self.provider.caller(), &cmd)?;
                check_status(status, &cmd, &capability)
            }
        }
    }

    /// `attach`: the operator's terminal joins the runner's tmux session. Raw and
    /// unredacted by nature, and the operator is told so.
    pub fn attach(&mut self) -> CloudResult<()> {
        let cmd = self.provider.attach_command(&self.ctx)?;
        let capability = self.capability();
        capability.console().err_line(
            "attach: this is a raw terminal session; its output is not redacted. Treat it as a trusted terminal.",
        );
        let status = capability.run_on_terminal(self.provider.caller(), &cmd)?;
        check_status(status, &cmd, &capability)
    }

    /// Names the step a long operation is at (a spinner's line on a terminal).
    pub fn step(&self, text: &str) {
        self.capability().console().step(text);
    }

    pub fn end_steps(&self) {
        self.capability().console().end_steps();
    }

    pub fn doctor(&mut self) -> CloudResult<Vec<Check>> {
        self.provider.doctor(&self.ctx)
    }

    pub fn build(&mut self) -> CloudResult<()> {
        let capability = self.capability();
        capability.show_progress(self.show_progress.then_some("build"));
        let built = self.provider.build(&self.ctx);
        capability.show_progress(None);
        self.past_the_dry_run(built, ())
    }

    /// `deploy`, after making sure `resources.volume` exists and is attached when the
    /// provider manages volumes, so the runner's first boot already writes to it.
    pub fn deploy(&mut self) -> CloudResult<()> {
        if self.ctx.volume.is_some() && self.description().has_feature(Feature::Volumes) {
            let said = self.provider.volume(&self.ctx, VolumeAction::Ensure)?;
            self.note(&said);
        }
        let capability = self.capability();
        capability.show_progress(self.show_progress.then_some("deploy"));
        let deployed = self.provider.deploy(&self.ctx);
        capability.show_progress(None);
        self.past_the_dry_run(deployed, ())
    }

    pub fn down(&mut self) -> CloudResult<()> {
        let down = self.provider.down(&self.ctx);
        self.past_the_dry_run(down, ())
    }

    /// The provider's persistent volume goes (`destroy --purge-workspace` on a provider
    /// whose workspace is a volume it manages).
    pub fn remove_volume(&mut self) -> CloudResult<()> {
        let removed = self.provider.volume(&self.ctx, VolumeAction::Remove);
        let said = self.past_the_dry_run(removed, String::new())?;
        if !said.is_empty() {
            self.note(&said);
        }
        Ok(())
    }

    /// Whether the configuration gives each isolated chain a runner of its own.
    pub fn chain_runners(&mut self) -> CloudResult<bool> {
        self.provider.chain_runners(&self.ctx)
    }

    /// The chain's own runner this session's operations are for, if any.
    pub fn runner(&self) -> Option<&str> {
        self.ctx.runner.as_deref()
    }

    pub fn destroy(&mut self) -> CloudResult<()> {
        let destroyed = self.provider.destroy(&self.ctx);
        self.past_the_dry_run(destroyed, ())
    }

    /// The runner's state as the provider sees it; `None` when the provider cannot
    /// tell (it does not implement `observe`), or on a dry run or a replay.
    pub fn observe(&mut self) -> CloudResult<Option<RunnerObservation>> {
        if !self.runs_programs() {
            return Ok(None);
        }
        self.provider.observe(&self.ctx)
    }

    /// The last `count` lines of the runner's log, redacted.
    pub fn log_tail(&mut self, count: usize) -> CloudResult<Vec<String>> {
        let capability = self.capability();
        let bytes = match self.provider.logs(&self.ctx, false)? {
            LogSource::Captured(bytes) => bytes,
            LogSource::Streamed(cmd) => {
                let mut collected = Vec::new();
                capability.stream(self.provider.caller(), &cmd, &mut |_, chunk| {
                    collected.extend_from_slice(chunk)
                })?;
                collected
            }
        };
        let text = capability.redactor().redact_bytes(&bytes);
        let text = String::from_utf8_lossy(&text);
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(count);
        Ok(lines[from..].iter().map(|line| line.to_string()).collect())
    }
}

impl Runner for Session {
    fn run(&mut self, line: &str) -> CloudResult<Output> {
        let ran = self.provider.exec(&self.ctx, line, StdinSpec::None);
        self.past_the_dry_run(ran, Output::default())
    }

    fn run_with_input(&mut self, line: &str, input: Vec<u8>) -> CloudResult<Output> {
        let ran = self.provider.exec(&self.ctx, line, StdinSpec::Bytes(input));
        self.past_the_dry_run(ran, Output::default())
    }

    fn upload(&mut self, path: &str, content: &[u8]) -> CloudResult<()> {
        let uploaded = self.provider.upload(&self.ctx, path, content);
        self.past_the_dry_run(uploaded, ())
    }

    fn relay(&mut self, output: &Output) {
        let capability = self.capability();
        let redactor = capability.redactor();
        capability
            .console()
            .out(&redactor.redact_bytes(&output.stdout));
        capability
            .console()
            .err(&redactor.redact_bytes(&output.stderr));
    }

    fn dry_run(&self) -> bool {
        self.capability().backend().is_dry_run()
    }

    fn note(&mut self, line: &str) {
        self.capability().console().err_line(line);
    }

    fn redact(&self, text: &str) -> String {
        self.capability().redactor().redact(text).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_names_secrets_and_which_are_unset() {
        let text =
            "provider: sandbox\nrepo: {url: u}\nsandbox: {greeting: hi}\nsecrets: [SET, UNSET]\n";
        let spec = CloudSpec::parse(text, "cloud.yaml", &|_| true)
            .unwrap()
            .spec;
        let ctx = op_context(&spec, None, &|name| name == "SET");
        assert_eq!(ctx.config, serde_json::json!({"greeting": "hi"}));
        assert_eq!(ctx.secret_names, ["SET", "UNSET"]);
        assert_eq!(ctx.unset_secrets, ["UNSET"]);
    }
}
