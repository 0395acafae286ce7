//! The local provider: a runner container on this machine's Docker engine, managed
//! with docker compose from the persistent deploy directory
//! `~/.megaplan/cloud/<compose_project>/` (docs/compatibility.md).

use std::sync::OnceLock;

use megaplan_cloud_sdk::docker;
use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

pub struct Local;

const DOCKER_HINT: &str = "https://docs.docker.com/get-docker/";

#[derive(Deserialize)]
struct Config {
    compose_project: String,
}

/// `docker compose` when the plugin is there, else `docker-compose` (Compose v1), decided
/// by asking `docker compose version` (a probe, which the host remembers across runs)
/// before the first compose command, so no command ever runs twice.
static STANDALONE: OnceLock<bool> = OnceLock::new();

struct Compose {
    project: String,
    file: String,
    dir: String,
}

impl Compose {
    fn from(ctx: &Context) -> Result<Self, ProviderError> {
        let config: Config = parse_config(ctx, "local")?;
        let dir = ctx
            .deploy_dir
            .as_ref()
            .ok_or_else(|| failed("the local provider needs its deploy directory"))?
            .host_path
            .clone();
        Ok(Compose {
            project: config.compose_project,
            file: format!("{dir}/docker-compose.yaml"),
            dir,
        })
    }

    fn standalone() -> bool {
        *STANDALONE.get_or_init(|| {
            let plugin = Cmd::new("docker").args(["compose", "version"]).probe();
            let plugin_works = matches!(plugin, Ok(ref out) if out.status == 0);
            !plugin_works && process::which("docker-compose")
        })
    }

    /// `docker compose -p <project> -f <file> <args…>`, run in the deploy directory.
    fn cmd<S: Into<String>>(&self, args: impl IntoIterator<Item = S>) -> Cmd {
        let base = if Self::standalone() {
            Cmd::new("docker-compose")
        } else {
            Cmd::new("docker").arg("compose")
        };
        base.args(["-p", &self.project, "-f", &self.file])
            .args(args)
            .cwd(self.dir.clone())
    }

    fn in_agent(&self, line: &str) -> Cmd {
        self.cmd(["exec", "-T", "agent", "bash", "-lc", line])
    }
}

/// `.env`: `PORT` then each secret, written by the host (mode 0600) so the values never
/// pass through this provider.
fn write_env_file(ctx: &Context) -> Result<(), ProviderError> {
    let mut entries = vec![EnvEntry::Literal(("PORT".into(), ctx.port.to_string()))];
    entries.extend(ctx.secret_names.iter().cloned().map(EnvEntry::Secret));
    files::write_env_file(".env", &entries).map_err(failed)
}

impl ProviderImpl for Local {
    /// Its cloud.yaml section, which the host checks and fills defaults from: the same
    /// declaration a third-party provider makes.
    fn config_schema() -> Option<String> {
        Some(include_str!("../config.schema.json").into())
    }

    fn describe() -> Description {
        Description {
            name: "local".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![
                Program {
                    name: "docker".into(),
                    install_hint: DOCKER_HINT.into(),
                    required: true,
                },
                Program {
                    name: "docker-compose".into(),
                    install_hint: DOCKER_HINT.into(),
                    required: false,
                },
            ],
            env: Vec::new(),
            features: Features::REMOTE_EXEC,
            summary: "Docker Compose on this machine's Docker engine".into(),
        }
    }

    /// The Docker engine answers, and which Compose the commands will use.
    fn doctor(_ctx: Context) -> Result<Vec<Check>, ProviderError> {
        let engine = Cmd::new("docker")
            .args(["version", "--format", "{{.Server.Version}}"])
            .run()?;
        let engine = Check {
            name: "docker engine".into(),
            ok: engine.status == 0,
            detail: if engine.status == 0 {
                format!("Docker {}", engine.stdout_text().trim())
            } else {
                format!("not reachable: {}", engine.stderr_text().trim())
            },
        };
        let compose = Check {
            name: "compose".into(),
            ok: true,
            detail: if Compose::standalone() {
                "docker-compose (the compose plugin is missing)".into()
            } else {
                "docker compose".into()
            },
        };
        Ok(vec![engine, compose])
    }

    /// Compose refuses to build while the `env_file` is missing, so build writes it too.
    fn build(ctx: Context) -> Result<(), ProviderError> {
        let compose = Compose::from(&ctx)?;
        write_env_file(&ctx)?;
        compose.cmd(["build"]).run_ok().map(drop)
    }

    fn deploy(ctx: Context) -> Result<(), ProviderError> {
        let compose = Compose::from(&ctx)?;
        write_env_file(&ctx)?;
        compose.cmd(["up", "-d"]).run_ok().map(drop)
    }

    fn exec(ctx: Context, line: String, input: Stdin) -> Result<Output, ProviderError> {
        Compose::from(&ctx)?.in_agent(&line).stdin(input).run()
    }

    fn upload(ctx: Context, destination: String, content: Vec<u8>) -> Result<(), ProviderError> {
        let line = format!(
            "mkdir -p {} && base64 -d > {}",
            quote(&posix_parent(&destination)),
            quote(&destination)
        );
        Compose::from(&ctx)?
            .in_agent(&line)
            .stdin_bytes(base64_encode(&content))
            .run_ok()
            .map(drop)
    }

    fn read_file(ctx: Context, path: String) -> Result<Vec<u8>, ProviderError> {
        let out = Compose::from(&ctx)?
            .cmd(["exec", "-T", "agent", "cat", path.as_str()])
            .binary_output()
            .run_ok()?;
        Ok(out.stdout)
    }

    fn logs(ctx: Context, follow: bool) -> Result<LogSource, ProviderError> {
        let compose = Compose::from(&ctx)?;
        let cmd = if follow {
            compose.cmd(["logs", "-f", "agent"])
        } else {
            compose.cmd(["logs", "--tail", "200", "agent"])
        };
        Ok(LogSource::Streamed(cmd.build()))
    }

    fn attach_command(ctx: Context) -> Result<Command, ProviderError> {
        // No -T: compose allocates a TTY for tmux. `=agent` matches the session exactly.
        let cmd = Compose::from(&ctx)?.cmd(["exec", "agent", "tmux", "attach", "-t", "=agent"]);
        Ok(cmd.tty().build())
    }

    /// The agent container, found by the labels every Compose version sets (by name,
    /// so cassettes stay the same from run to run), `docker inspect` of it, then `df`
    /// of the workspace's filesystem inside it when it runs: at most three local
    /// calls, no network.
    fn observe(ctx: Context) -> Result<Observation, ProviderError> {
        let config: Config = parse_config(&ctx, "local")?;
        let found = Cmd::new("docker")
            .args(["ps", "-a", "--format", "{{.Names}}"])
            .arg("--filter")
            .arg(format!(
                "label=com.docker.compose.project={}",
                config.compose_project
            ))
            .args(["--filter", "label=com.docker.compose.service=agent"])
            .run_ok()?;
        let Some(name) = found
            .stdout_text()
            .split_whitespace()
            .next()
            .map(str::to_string)
        else {
            return Ok(docker::missing(&format!(
                "no agent container in Compose project {}",
                config.compose_project
            )));
        };
        let inspected = Cmd::new("docker")
            .args([
                "inspect",
                "--type",
                "container",
                "--format",
                docker::INSPECT_FORMAT,
                &name,
            ])
            .run_ok()?;
        let line = inspected.stdout_text();
        let mut seen = docker::parse_inspect(&line)
            .ok_or_else(|| failed(format!("docker inspect printed no state: {}", line.trim())))?;
        if matches!(seen.state, ContainerState::Running) {
            let root = posix_parent(ctx.workspace.trim_end_matches('/'));
            let df = Cmd::new("docker")
                .args(["exec", &name, "sh", "-c", &docker::disk_line(&root)])
                .run()?;
            seen.disk = docker::parse_disk(&df.stdout_text());
        }
        Ok(seen)
    }

    fn down(ctx: Context) -> Result<(), ProviderError> {
        Compose::from(&ctx)?.cmd(["stop"]).run_ok().map(drop)
    }

    fn destroy(ctx: Context) -> Result<(), ProviderError> {
        Compose::from(&ctx)?
            .cmd(["down", "--volumes", "--remove-orphans"])
            .run_ok()
            .map(drop)
    }
}

megaplan_cloud_sdk::export!(Local);
