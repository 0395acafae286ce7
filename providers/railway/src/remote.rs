//! The railway section of cloud.yaml as the provider reads it, and how it reaches the
//! runner: `railway` with explicit project, environment and service, and `railway ssh`
//! with an exit-status marker.

use std::sync::OnceLock;

use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

use super::version;

#[derive(Deserialize)]
pub(crate) struct Config {
    pub service: String,
    pub session: String,
    pub project: Option<String>,
    pub environment: Option<String>,
    /// The operation's nonce (from the context, not cloud.yaml).
    #[serde(skip)]
    pub nonce: String,
}

impl Config {
    pub(crate) fn read(ctx: &Context) -> Result<Self, ProviderError> {
        let mut config: Config = parse_config(ctx, "railway")?;
        config.nonce = ctx.nonce.clone();
        if config.project.is_some() && config.environment.is_none() {
            return Err(error(
                ErrorKind::InvalidConfig,
                "`railway.environment` is required when `railway.project` is set (the Railway CLI refuses --project without --environment)",
            ));
        }
        Ok(config)
    }

    /// `-p P -e E -s S` for whatever is configured.
    pub(crate) fn target(&self, with_service: bool) -> Vec<String> {
        let mut flags = Vec::new();
        if let Some(project) = &self.project {
            flags.extend(["-p".to_string(), project.clone()]);
        }
        if let Some(environment) = &self.environment {
            flags.extend(["-e".to_string(), environment.clone()]);
        }
        if with_service {
            flags.extend(["-s".to_string(), self.service.clone()]);
        }
        flags
    }

    /// `railway <words>` with reproducible automation settings and the CLI version
    /// checked once per run.
    pub(crate) fn railway(&self, words: &[&str]) -> Result<Cmd, ProviderError> {
        require_supported_cli()?;
        Ok(railway_cmd().args(words.iter().copied()))
    }

    /// `railway ssh -p P -e E -s S -- '<script>; printf <marker>'`.
    pub(crate) fn ssh(&self, script: &str) -> Result<Cmd, ProviderError> {
        let remote = megaplan_cloud_sdk::remote::marked_script(script, &self.nonce);
        Ok(self
            .railway(&["ssh"])?
            .args(self.target(true))
            .arg("--")
            .arg(remote))
    }

    /// Runs a shell line in the runner and returns its output with the real status.
    pub(crate) fn run_remote(
        &self,
        line: &str,
        input: Stdin,
        binary: bool,
    ) -> Result<Output, ProviderError> {
        let mut cmd = self.ssh(&format!("bash -lc {}", quote(line)))?.stdin(input);
        if binary {
            cmd = cmd.binary_output();
        }
        megaplan_cloud_sdk::remote::take_status(cmd.run()?, &self.nonce, "railway ssh")
    }
}

pub(crate) fn railway_cmd() -> Cmd {
    Cmd::new("railway")
        .env("CI", "true")
        .env("RAILWAY_NO_AUTO_UPDATE", "1")
        .env("NO_COLOR", "1")
}

/// Refuses CLIs older than the command lines need (asked once per run).
pub(crate) fn require_supported_cli() -> Result<(), ProviderError> {
    static CHECKED: OnceLock<Result<(), ProviderError>> = OnceLock::new();
    CHECKED
        .get_or_init(|| {
            let out = railway_cmd().arg("--version").run_ok()?;
            version::check(&out.stdout_text()).map(drop)
        })
        .clone()
}
