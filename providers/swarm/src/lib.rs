//! The swarm provider: the runner as a Docker Swarm service of one replica, placed by
//! Swarm on any node of the swarm this machine's engine manages, restarted by Swarm
//! when it exits, its workspace on a named volume, its secrets as Docker secrets.

mod config;
mod observe;
mod service;
mod task;

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::remote;

use config::Config;
use task::docker;

pub struct Swarm;

const DOCKER_HINT: &str = "https://docs.docker.com/engine/swarm/";

impl ProviderImpl for Swarm {
    /// Its cloud.yaml section, which the host checks and fills defaults from: the same
    /// declaration a third-party provider makes.
    fn config_schema() -> Option<String> {
        Some(include_str!("../config.schema.json").into())
    }

    fn describe() -> Description {
        Description {
            name: "swarm".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![Program {
                name: "docker".into(),
                install_hint: DOCKER_HINT.into(),
                required: true,
            }],
            // The engine of the node a runner's task runs on (`swarm.nodes`).
            env: vec!["DOCKER_HOST".into()],
            features: Features::REMOTE_EXEC | Features::VOLUMES,
            summary: "A Docker Swarm service, placed and restarted by the swarm".into(),
        }
    }

    /// The engine answers and is a manager of an active swarm.
    fn doctor(_ctx: Context) -> Result<Vec<Check>, ProviderError> {
        let out = docker(None)
            .args([
                "info",
                "--format",
                "{{.ServerVersion}} {{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}",
            ])
            .run()?;
        let text = out.stdout_text();
        let words: Vec<&str> = text.split_whitespace().collect();
        let check = match (out.status, words.as_slice()) {
            (0, [version, "active", "true"]) => {
                (true, format!("Docker {version}, a swarm manager"))
            }
            (0, [version, "active", _]) => (
                false,
                format!("Docker {version} is a swarm worker; run megaplan-cloud against a manager"),
            ),
            (0, [version, state, ..]) => (
                false,
                format!(
                    "Docker {version} is not in a swarm (state {state}); `docker swarm init` starts one"
                ),
            ),
            _ => (
                false,
                format!("not reachable: {}", out.stderr_text().trim()),
            ),
        };
        Ok(vec![Check {
            name: "docker swarm".into(),
            ok: check.0,
            detail: check.1,
        }])
    }

    /// Builds and tags the image on this machine, and pushes it when a registry is
    /// configured so that every node can pull it.
    fn build(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let dir = deploy_dir(&ctx)?;
        let image = config.image();
        docker(None)
            .args(["build", "-t", &image, &dir])
            .cwd(dir.clone())
            .run_ok()?;
        if config.pushes() {
            docker(None).args(["push", &image]).run_ok()?;
        }
        Ok(())
    }

    fn deploy(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        service::deploy(&ctx, &config)
    }

    fn exec(ctx: Context, line: String, input: Stdin) -> Result<Output, ProviderError> {
        let config = Config::read(&ctx)?;
        task::locate(&config)?
            .shell(&["-i"], &line)
            .stdin(input)
            .run()
    }

    fn upload(ctx: Context, destination: String, content: Vec<u8>) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let (line, input) = remote::verified_upload(&destination, &content);
        task::locate(&config)?
            .shell(&["-i"], &line)
            .stdin_bytes(input)
            .run_ok()
            .map(drop)
    }

    fn read_file(ctx: Context, path: String) -> Result<Vec<u8>, ProviderError> {
        let config = Config::read(&ctx)?;
        let out = task::locate(&config)?
            .exec(&[], ["cat", path.as_str()])
            .binary_output()
            .run_ok()?;
        Ok(out.stdout)
    }

    /// `docker service logs`, which reaches the task's node through the swarm itself.
    fn logs(ctx: Context, follow: bool) -> Result<LogSource, ProviderError> {
        let config = Config::read(&ctx)?;
        let cmd = docker(None).args(["service", "logs", "--raw"]);
        let cmd = if follow {
            cmd.arg("--follow")
        } else {
            cmd.args(["--tail", "200"])
        };
        Ok(LogSource::Streamed(cmd.arg(&config.service).build()))
    }

    fn attach_command(ctx: Context) -> Result<Command, ProviderError> {
        let config = Config::read(&ctx)?;
        let cmd = task::locate(&config)?.exec(&["-it"], ["tmux", "attach", "-t", "=agent"]);
        Ok(cmd.tty().build())
    }

    fn observe(ctx: Context) -> Result<Observation, ProviderError> {
        let config = Config::read(&ctx)?;
        observe::observe(&ctx, &config)
    }

    /// `swarm.runner_per_chain`: each isolated chain gets a service of its own.
    fn chain_runners(ctx: Context) -> Result<bool, ProviderError> {
        Ok(Config::read(&ctx)?.runner_per_chain)
    }

    /// Scales the service to no replica, then waits until its task's container has
    /// stopped (Swarm stops it in the background, after up to its grace period), as
    /// `docker stop` does for the other providers; the volume stays, and `deploy`
    /// scales it back to one.
    fn down(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let running = task::locate(&config).ok();
        docker(None)
            .args(["service", "scale", "--detach"])
            .arg(format!("{}=0", config.service))
            .run_ok()?;
        match running {
            Some(runner) => runner.wait_stopped(),
            None => Ok(()),
        }
    }

    /// Removes the service and its secrets; the workspace volume stays (the host asks
    /// for it to go with `volume remove` on `--purge-workspace`).
    fn destroy(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let removed = docker(None)
            .args(["service", "rm", &config.service])
            .run()?;
        if removed.status != 0 && !removed.stderr_text().contains("not found") {
            return Err(removed.failure("docker service rm"));
        }
        service::remove_secrets(&config, &[])
    }

    /// `ensure`: the workspace volume exists on this machine's node. `remove`: the
    /// service's containers go first (Swarm removes a task's container only later), then
    /// the volume.
    fn volume(ctx: Context, action: VolumeAction) -> Result<String, ProviderError> {
        let config = Config::read(&ctx)?;
        match action {
            VolumeAction::Ensure => {
                docker(None)
                    .args(["volume", "create", &config.volume])
                    .run_ok()?;
                Ok(format!("volume {} is ready", config.volume))
            }
            VolumeAction::Remove => remove_volume(&config),
        }
    }
}

/// How many times `remove_volume` lists the service's containers before it stops
/// waiting for Swarm to finish removing them; each round is two `docker` calls.
const REMOVAL_ROUNDS: usize = 50;

fn remove_volume(config: &Config) -> Result<String, ProviderError> {
    remove_containers(config)?;
    let removed = docker(None).args(["volume", "rm", &config.volume]).run()?;
    match removed.status {
        0 => Ok(format!("volume {} deleted", config.volume)),
        _ if removed.stderr_text().contains("no such volume") => {
            Ok(format!("volume {} did not exist", config.volume))
        }
        _ => Err(removed.failure("docker volume rm")),
    }
}

/// Removes the service's containers, which hold the volume. Swarm removes them too,
/// in the background, once the service is gone: a container it is already removing
/// refuses `docker rm` ("removal … is already in progress") and is still listed for a
/// moment, so the list is read again until it is empty.
fn remove_containers(config: &Config) -> Result<(), ProviderError> {
    for _ in 0..REMOVAL_ROUNDS {
        let listed = docker(None)
            .args(["ps", "-aq", "--filter", &task::service_filter(config)])
            .run_ok()?;
        let ids: Vec<String> = listed
            .stdout_text()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let removed = docker(None).args(["rm", "-f"]).args(ids).run()?;
        if removed.status != 0 && !lost_races_only(&removed.stderr_text()) {
            return Err(removed.failure("docker rm"));
        }
    }
    Err(failed(format!(
        "the containers of service {} were still being removed after {REMOVAL_ROUNDS} looks; the volume {} stays, and `megaplan-cloud destroy --yes --purge-workspace` tries again",
        config.service, config.volume
    )))
}

/// Every complaint of `docker rm -f` is about a container someone else is removing
/// or has removed.
fn lost_races_only(stderr: &str) -> bool {
    stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .all(|line| line.contains("already in progress") || line.contains("No such container"))
}

fn deploy_dir(ctx: &Context) -> Result<String, ProviderError> {
    ctx.deploy_dir
        .as_ref()
        .map(|d| d.host_path.clone())
        .ok_or_else(|| failed("the swarm provider needs its deploy directory"))
}

megaplan_cloud_sdk::export!(Swarm);

#[cfg(test)]
mod tests;
