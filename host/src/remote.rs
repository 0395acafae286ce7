//! Operations on the remote runner through a provider: what the CLI's lifecycle
//! actions call. Everything relayed to the operator is redacted here; only attach's
//! raw terminal is exempt.

pub use megaplan_cloud_sdk::quote::{quote, quote_join, split};

use crate::capability::{CommandSpec, Output, ProcessCapability, StdinSpec};
use crate::error::{CloudError, CloudResult};
use crate::plugin::{LogSource, OpContext, ProviderInstance};
use crate::redact::StreamRedactor;
use crate::workflow::Runner;

pub struct Remote {
    provider: ProviderInstance,
    ctx: OpContext,
}

/// The reference's failure for a streamed or terminal command: `Command failed: <argv>`.
fn check_status(status: i32, cmd: &CommandSpec, capability: &ProcessCapability) -> CloudResult<()> {
    if status == 0 {
        return Ok(());
    }
    let message = format!("Command failed: {}", cmd.display());
    Err(CloudError::new(
        "provider_failed",
        capability.redactor().redact(&message),
    ))
}

impl Remote {
    pub fn new(provider: ProviderInstance, ctx: OpContext) -> Self {
        Remote { provider, ctx }
    }

    pub fn provider(&mut self) -> &mut ProviderInstance {
        &mut self.provider
    }

    pub fn capability_mode(&self) -> crate::capability::Mode {
        self.capability().mode().clone()
    }

    pub fn provider_description(&self) -> &crate::plugin::ProviderDescription {
        self.provider.description()
    }

    fn capability(&self) -> std::sync::Arc<ProcessCapability> {
        self.provider.capability()
    }

    /// `exec`: runs the line verbatim in the runner with the operator's stdin, relays
    /// its output (redacted), and fails with the remote stderr when it exits non-zero.
    pub fn exec(&mut self, line: &str) -> CloudResult<()> {
        let output = self.provider.exec(&self.ctx, line, StdinSpec::Inherit)?;
        if output.status != 0 {
            return Err(self.failure(line, &output));
        }
        self.relay(&output);
        Ok(())
    }

    /// `logs`: follows or fetches the runner's logs, redacted line by line.
    pub fn logs(&mut self, follow: bool) -> CloudResult<()> {
        let capability = self.capability();
        let console = capability.console().clone();
        match self.provider.logs(&self.ctx, follow)? {
            LogSource::Captured(bytes) => {
                console.out(&capability.redactor().redact_bytes(&bytes));
                Ok(())
            }
            LogSource::Streamed(cmd) => {
                let mut redacted = StreamRedactor::new(capability.redactor());
                let mut buffer = Vec::new();
                let status = capability.stream(self.provider.caller(), &cmd, &mut |chunk| {
                    redacted.feed(chunk, &mut buffer);
                    if !buffer.is_empty() {
                        console.out(&buffer);
                        buffer.clear();
                    }
                })?;
                redacted.finish(&mut buffer);
                console.out(&buffer);
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

    pub fn doctor(&mut self) -> CloudResult<Vec<(String, bool, String)>> {
        self.provider.doctor(&self.ctx)
    }

    /// Whether a program the provider declared is on PATH.
    pub fn which(&self, program: &str) -> CloudResult<bool> {
        Ok(self.capability().which(self.provider.caller(), program)?)
    }

    pub fn build(&mut self) -> CloudResult<()> {
        self.provider.build(&self.ctx)
    }

    pub fn deploy(&mut self) -> CloudResult<()> {
        self.provider.deploy(&self.ctx)
    }

    pub fn down(&mut self) -> CloudResult<()> {
        self.provider.down(&self.ctx)
    }

    pub fn destroy(&mut self) -> CloudResult<()> {
        self.provider.destroy(&self.ctx)
    }
}

impl Runner for Remote {
    fn run(&mut self, line: &str) -> CloudResult<Output> {
        self.provider.exec(&self.ctx, line, StdinSpec::None)
    }

    fn upload(&mut self, path: &str, content: &[u8]) -> CloudResult<()> {
        self.provider.upload(&self.ctx, path, content)
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
        matches!(self.capability().mode(), crate::capability::Mode::DryRun)
    }

    fn note(&mut self, line: &str) {
        self.capability().console().err_line(line);
    }

    fn redact(&self, text: &str) -> String {
        self.capability().redactor().redact(text).into_owned()
    }
}
