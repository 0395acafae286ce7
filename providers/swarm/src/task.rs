//! The runner's container: the one the service's running task started, on the node
//! Swarm placed it. Swarm names containers `<service>.<slot>.<task id>`, new with every
//! task, so each operation that reaches inside looks it up first by the label Swarm
//! puts on it, on that node's engine.

use megaplan_cloud_sdk::prelude::*;

use crate::config::Config;

/// A `docker` command for the engine at `endpoint` (`None`: this machine's own).
pub fn docker(endpoint: Option<&str>) -> Cmd {
    let cmd = Cmd::new("docker");
    match endpoint {
        Some(endpoint) => cmd.env("DOCKER_HOST", endpoint),
        None => cmd,
    }
}

/// `--filter` for the containers of the service's tasks.
pub fn service_filter(config: &Config) -> String {
    format!("label=com.docker.swarm.service.name={}", config.service)
}

/// The running task's container and the engine it is on.
pub struct Runner {
    pub container: String,
    pub endpoint: Option<String>,
}

impl Runner {
    /// `docker exec <flags> <container> <words…>` on the task's engine.
    pub fn exec<S: Into<String>>(&self, flags: &[&str], words: impl IntoIterator<Item = S>) -> Cmd {
        docker(self.endpoint.as_deref())
            .arg("exec")
            .args(flags.iter().copied())
            .arg(&self.container)
            .args(words)
    }

    /// `bash -lc <line>` in the runner: a login shell, as the other providers run, so
    /// the profile (and the secrets it loads) applies.
    pub fn shell(&self, flags: &[&str], line: &str) -> Cmd {
        self.exec(flags, ["bash", "-lc", line])
    }

    /// Returns once the container has stopped (`docker wait` fails only for one
    /// already removed: stopped too).
    pub fn wait_stopped(&self) -> Result<(), ProviderError> {
        docker(self.endpoint.as_deref())
            .args(["wait", &self.container])
            .run()?;
        Ok(())
    }
}

/// Finds the running task's container: on this machine's engine when no node is
/// listed in `swarm.nodes` (one call), else on the node `docker service ps` names (two).
pub fn locate(config: &Config) -> Result<Runner, ProviderError> {
    let endpoint = if config.nodes.is_empty() {
        None
    } else {
        let node =
            running_node(config)?.ok_or_else(|| not_running(config, "no task of it is running"))?;
        config.nodes.get(&node).cloned()
    };
    let listed = docker(endpoint.as_deref())
        .args(["ps", "--filter", &service_filter(config)])
        .args(["--filter", "status=running", "--format", "{{.ID}}"])
        .run_ok()?;
    if let Some(container) = listed.stdout_text().split_whitespace().next() {
        return Ok(Runner {
            container: container.to_string(),
            endpoint,
        });
    }
    // Not here: say where it is, or that it is not running at all.
    match running_node(config)? {
        Some(node) if endpoint.is_none() => Err(failed(format!(
            "the runner's task runs on node {node}, not on this machine's engine; say how to reach it in cloud.yaml: `swarm.nodes: {{{node}: ssh://user@host}}`"
        ))),
        _ => Err(not_running(config, "its task has no running container")),
    }
}

/// The node of the service's running task; `None` when no task runs (scaled to 0, or
/// between restarts).
pub fn running_node(config: &Config) -> Result<Option<String>, ProviderError> {
    let listed = docker(None)
        .args(["service", "ps", &config.service])
        .args(["--filter", "desired-state=running"])
        .args(["--format", "{{.Node}} {{.CurrentState}}"])
        .run_ok()?;
    Ok(listed
        .stdout_text()
        .lines()
        .filter(|line| line.split_whitespace().nth(1) == Some("Running"))
        .find_map(|line| line.split_whitespace().next().map(str::to_string)))
}

fn not_running(config: &Config, why: &str) -> ProviderError {
    failed(format!(
        "the runner service {} is not running ({why}); `megaplan-cloud deploy` starts it",
        config.service
    ))
}
