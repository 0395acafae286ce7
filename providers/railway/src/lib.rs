//! The railway provider: a hosted runner managed with the Railway CLI as it is today
//! (v5; docs/providers/railway.md says what each operation achieves and which CLI facts
//! it relies on). Project, environment and service are always passed explicitly, secret
//! values travel on stdin, `deploy` waits for the deployment's verdict, and `exec`
//! reads the remote exit status from a marker because the CLI has been seen to exit 0
//! without running the command.

mod remote;
mod status;
mod version;

use megaplan_cloud_sdk::prelude::*;
use remote::{Config, railway_cmd};

pub struct Railway;

const RAILWAY_HINT: &str = "https://docs.railway.app/develop/cli";
const DOCKER_HINT: &str = "https://docs.docker.com/get-docker/";
/// The runner's entrypoint copies everything the container prints here.
const RUNNER_LOG: &str = "/var/log/entrypoint.log";

impl ProviderImpl for Railway {
    /// Its cloud.yaml section, which the host checks and fills defaults from: the same
    /// declaration a third-party provider makes.
    fn config_schema() -> Option<String> {
        Some(include_str!("../config.schema.json").into())
    }

    fn describe() -> Description {
        Description {
            name: "railway".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![
                Program {
                    name: "railway".into(),
                    install_hint: RAILWAY_HINT.into(),
                    required: true,
                },
                Program {
                    name: "docker".into(),
                    install_hint: DOCKER_HINT.into(),
                    required: false,
                },
            ],
            // Set on every call, and the operator's CI tokens passed through.
            env: [
                "CI",
                "RAILWAY_NO_AUTO_UPDATE",
                "NO_COLOR",
                "RAILWAY_TOKEN",
                "RAILWAY_API_TOKEN",
            ]
            .map(String::from)
            .to_vec(),
            features: Features::NAMED_SESSIONS | Features::VOLUMES | Features::REMOTE_EXEC,
            summary: "A hosted runner on Railway".into(),
        }
    }

    /// The CLI's version and the login, without printing anything secret.
    fn doctor(ctx: Context) -> Result<Vec<Check>, ProviderError> {
        let config = Config::read(&ctx)?;
        let mut checks = Vec::new();
        let version = railway_cmd().arg("--version").run()?;
        let verdict = if version.status == 0 {
            version::check(&version.stdout_text())
        } else {
            Err(failed(format!(
                "`railway --version` failed: {}",
                version.stderr_text().trim()
            )))
        };
        checks.push(match verdict {
            Ok(found) => Check {
                name: "railway-cli".into(),
                ok: true,
                detail: format!(
                    "railway {found} (minimum {})",
                    version::show(version::MINIMUM)
                ),
            },
            Err(e) => Check {
                name: "railway-cli".into(),
                ok: false,
                detail: e.message,
            },
        });
        let whoami = railway_cmd().args(["whoami", "--json"]).run()?;
        checks.push(Check {
            name: "railway-login".into(),
            ok: whoami.status == 0,
            detail: if whoami.status == 0 {
                "logged in".into()
            } else {
                "not logged in: run `railway login` (or set RAILWAY_API_TOKEN)".into()
            },
        });
        checks.push(Check {
            name: "railway-target".into(),
            ok: config.project.is_some(),
            detail: match (&config.project, &config.environment) {
                (Some(p), Some(e)) => {
                    format!("project {p}, environment {e}, service {}", config.service)
                }
                _ => {
                    "railway.project and railway.environment are not set: deploy will refuse to run"
                        .into()
                }
            },
        });
        Ok(checks)
    }

    /// The image is built locally with docker, as the reference does; Railway builds
    /// its own from the Dockerfile on deploy.
    fn build(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let dir = ctx
            .deploy_dir
            .ok_or_else(|| failed("build needs the deploy directory"))?
            .host_path;
        Cmd::new("docker")
            .args([
                "build",
                "-t",
                &format!("megaplan-cloud-{}", config.service),
                &dir,
            ])
            .run_ok()
            .map(drop)
    }

    fn deploy(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        if !ctx.unset_secrets.is_empty() {
            return Err(error(
                ErrorKind::MissingSecrets,
                format!("Missing required secrets: {}", ctx.unset_secrets.join(", ")),
            ));
        }
        if config.project.is_none() {
            return Err(error(
                ErrorKind::InvalidConfig,
                "`railway.project` and `railway.environment` must be set for deploy, so a deploy can never land in an unintended or a new project",
            ));
        }
        let dir = ctx
            .deploy_dir
            .ok_or_else(|| failed("deploy needs the deploy directory"))?
            .host_path;
        // The service must exist in the explicit project.
        let services = config
            .railway(&["service", "list"])?
            .args(config.target(false))
            .arg("--json")
            .run_ok()?;
        if !service_listed(&services.stdout_text(), &config.service) {
            return Err(error(
                ErrorKind::ServiceMissing,
                format!(
                    "Railway service '{s}' was not found in project {}. Create it, then rerun deploy: railway add --service {s}",
                    config.project.as_deref().unwrap_or_default(),
                    s = config.service
                ),
            ));
        }
        for name in &ctx.secret_names {
            config
                .railway(&["variable", "set", name, "--stdin"])?
                .args(config.target(true))
                .args(["--skip-deploys", "--json"])
                .stdin(Stdin::Secret(name.clone()))
                .run_ok()?;
        }
        config
            .railway(&["up", &dir, "--path-as-root"])?
            .args(config.target(true))
            .args(["--ci", "--message", "megaplan-cloud deploy"])
            .run_ok()
            .map(drop)
    }

    fn exec(ctx: Context, line: String, input: Stdin) -> Result<Output, ProviderError> {
        Config::read(&ctx)?.run_remote(&line, input, false)
    }

    /// Streams the content over exec's stdin into a temporary file, checks its sha256
    /// on the runner, then moves it into place: never a truncated file at `destination`.
    fn upload(ctx: Context, destination: String, content: Vec<u8>) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let (line, input) = megaplan_cloud_sdk::remote::verified_upload(&destination, &content);
        let out = config.run_remote(&line, Stdin::Bytes(input), false)?;
        if out.status != 0 {
            return Err(out.failure(&format!("upload to {destination}")));
        }
        Ok(())
    }

    fn read_file(ctx: Context, path: String) -> Result<Vec<u8>, ProviderError> {
        let config = Config::read(&ctx)?;
        let out = config.run_remote(&format!("cat {}", quote(&path)), Stdin::None, true)?;
        if out.status != 0 {
            return Err(out.failure(&format!("cat {path}")));
        }
        Ok(out.stdout)
    }

    /// Follow tails the runner's log over `railway ssh`: `railway logs` does not stream
    /// when its output is piped. The snapshot asks `railway logs` for the last lines.
    fn logs(ctx: Context, follow: bool) -> Result<LogSource, ProviderError> {
        let config = Config::read(&ctx)?;
        let cmd = if follow {
            config
                .railway(&["ssh"])?
                .args(config.target(true))
                .arg("--")
                .arg(format!("tail -n 200 -F {RUNNER_LOG}"))
        } else {
            config
                .railway(&["logs"])?
                .args(config.target(true))
                .args(["--lines", "200"])
        };
        Ok(LogSource::Streamed(cmd.build()))
    }

    fn attach_command(ctx: Context) -> Result<Command, ProviderError> {
        let config = Config::read(&ctx)?;
        let session = ctx
            .session
            .clone()
            .unwrap_or_else(|| config.session.clone());
        let cmd = config
            .railway(&["ssh"])?
            .args(config.target(true))
            .args(["--session", &session])
            .tty();
        Ok(cmd.build())
    }

    fn volume(ctx: Context, action: VolumeAction) -> Result<String, ProviderError> {
        let config = Config::read(&ctx)?;
        let name = ctx
            .volume
            .clone()
            .ok_or_else(|| error(ErrorKind::InvalidConfig, "`resources.volume` is not set"))?;
        match action {
            VolumeAction::Ensure => {
                let listed = config
                    .railway(&["volume"])?
                    .args(config.target(true))
                    .args(["list", "--json"])
                    .run_ok()?;
                let listed = listed.stdout_text();
                if listed.contains(&format!("\"{name}\"")) {
                    return Ok(format!("volume {name} is attached"));
                }
                // Railway names the volumes it creates itself, so one already mounted
                // at /workspace is this one: adding another would fail or duplicate it.
                if listed.contains("\"/workspace\"") {
                    return Ok("a volume is attached at /workspace".to_string());
                }
                config
                    .railway(&["volume"])?
                    .args(config.target(true))
                    .args(["add", "--mount-path", "/workspace", "--json"])
                    .run_ok()?;
                Ok(format!("volume {name} created at /workspace"))
            }
            VolumeAction::Remove => {
                delete_volume(&config, &name)?;
                Ok(format!("volume {name} deleted"))
            }
        }
    }

    fn down(ctx: Context) -> Result<(), ProviderError> {
        down(&Config::read(&ctx)?)
    }

    /// The latest deployment's status, from `railway service status`.
    fn observe(ctx: Context) -> Result<Observation, ProviderError> {
        status::observe(&Config::read(&ctx)?)
    }

    fn destroy(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        down(&config)?;
        if let Some(volume) = &ctx.volume {
            delete_volume(&config, volume)?;
        }
        Ok(())
    }
}

/// `railway down … --yes`; a service with no deployment is already down.
fn down(config: &Config) -> Result<(), ProviderError> {
    let out = config
        .railway(&["down"])?
        .args(config.target(true))
        .arg("--yes")
        .run()?;
    if out.status == 0 || out.stderr_text().contains("No deployments found") {
        return Ok(());
    }
    Err(out.failure("railway down"))
}

fn delete_volume(config: &Config, volume: &str) -> Result<(), ProviderError> {
    config
        .railway(&["volume"])?
        .args(config.target(false))
        .args(["delete", "--volume", volume, "--yes", "--json"])
        .run_ok()
        .map(drop)
}

/// Whether `service list --json` names the service (a list of names or `{name}`
/// objects, or an object with a `services` list).
fn service_listed(json: &str, service: &str) -> bool {
    fn names(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|i| names(i, out)),
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(name)) = map.get("name") {
                    out.push(name.clone());
                }
                if let Some(services) = map.get("services") {
                    names(services, out);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(json) {
        names(&value, &mut found);
    }
    found.iter().any(|n| n == service)
}

megaplan_cloud_sdk::export!(Railway);

#[cfg(test)]
mod tests;
