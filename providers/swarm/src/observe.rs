//! `observe`: the service's tasks as Swarm lists them (newest first), then, while one
//! runs, its container (`docker inspect`) and the free space of the workspace's
//! filesystem inside it.
//!
//! Swarm restarts a runner by starting a new task with a new container, so a
//! container's own restart count stays 0: the restarts reported are the earlier tasks
//! that failed (crashed, or were rejected at start) among those Swarm still lists (its
//! task history, five by default). Like a container's restart count, that leaves out
//! the stops asked for: a task a redeploy replaced or `down` stopped is no restart, and
//! a crash loop right after a redeploy is seen as failures grow, not hidden behind a
//! history already full of replaced tasks.

use megaplan_cloud_sdk::docker::{self as inspect, INSPECT_FORMAT};
use megaplan_cloud_sdk::prelude::*;

use crate::config::Config;
use crate::task::{self, docker};

/// One line of `docker service ps`.
#[derive(Debug, PartialEq)]
pub struct TaskLine {
    pub desired: String,
    /// `Running 5 minutes ago`, `Shutdown 2 seconds ago`, …: the word is the state.
    pub current: String,
    pub node: String,
    pub error: String,
}

const TASK_FORMAT: &str = "{{.DesiredState}}\t{{.CurrentState}}\t{{.Node}}\t{{.Error}}";

pub fn parse_tasks(text: &str) -> Vec<TaskLine> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split('\t').map(str::trim);
            let mut next = || fields.next().unwrap_or_default().to_string();
            TaskLine {
                desired: next(),
                current: next(),
                node: next(),
                error: next(),
            }
        })
        .collect()
}

impl TaskLine {
    fn state_word(&self) -> &str {
        self.current.split_whitespace().next().unwrap_or_default()
    }
}

/// The runner's state from its task list (newest first within the slot). The current
/// task is the one Swarm wants running (or ready, during an update); when none is
/// wanted (scaled to 0) the newest one tells how it stopped.
pub fn from_tasks(service: &str, tasks: &[TaskLine]) -> Observation {
    let wanted = |t: &&TaskLine| matches!(t.desired.as_str(), "Running" | "Ready");
    let Some(current) = tasks.iter().find(wanted).or(tasks.first()) else {
        return inspect::missing(&format!("service {service} has no task"));
    };
    let earlier = u32::try_from(tasks.len() - 1).unwrap_or(u32::MAX);
    let failed = tasks
        .iter()
        .filter(|t| !std::ptr::eq(*t, current))
        .filter(|t| matches!(t.state_word(), "Failed" | "Rejected"))
        .count();
    let state = match (current.state_word(), wanted(&current)) {
        ("Running", _) => ContainerState::Running,
        (_, true) if earlier > 0 => ContainerState::Restarting,
        ("Failed", false) => ContainerState::Exited(exit_code(&current.error).unwrap_or(1)),
        ("Shutdown" | "Complete", false) => ContainerState::Exited(0),
        (word, _) => ContainerState::Other(word.to_lowercase()),
    };
    let on = match current.node.as_str() {
        "" => String::new(),
        node => format!(" on node {node}"),
    };
    let error = match current.error.trim_matches('"') {
        "" => String::new(),
        error => format!(": {error}"),
    };
    Observation {
        state,
        image_id: None,
        started_at: None,
        restart_count: Some(u32::try_from(failed).unwrap_or(u32::MAX)),
        disk: None,
        detail: format!(
            "task {}{on}{error} ({earlier} earlier tasks listed)",
            current.current
        ),
    }
}

/// The code in Swarm's `task: non-zero exit (137)`.
fn exit_code(error: &str) -> Option<i32> {
    let open = error.rfind('(')?;
    let close = error[open..].find(')')? + open;
    error[open + 1..close].parse().ok()
}

pub fn observe(ctx: &Context, config: &Config) -> Result<Observation, ProviderError> {
    let listed = docker(None)
        .args(["service", "ps", "--no-trunc", "--format", TASK_FORMAT])
        .arg(&config.service)
        .run()?;
    if listed.status != 0 {
        let why = listed.stderr_text();
        if why.contains("no such service") || why.contains("not found") {
            return Ok(inspect::missing(&format!(
                "no service {} on the swarm",
                config.service
            )));
        }
        return Err(listed.failure("docker service ps"));
    }
    let tasks = parse_tasks(&listed.stdout_text());
    let mut seen = from_tasks(&config.service, &tasks);
    if seen.state != ContainerState::Running {
        return Ok(seen);
    }
    let Ok(runner) = task::locate(config) else {
        // Swarm updates a task's state after its container has stopped: when no task
        // is wanted any more and no container runs, it has stopped.
        if !tasks.iter().any(|t| t.desired == "Running") {
            seen.state = ContainerState::Exited(0);
            seen.detail = format!("{}; its container has stopped", seen.detail);
        }
        return Ok(seen);
    };
    let inspected = docker(runner.endpoint.as_deref())
        .args(["inspect", "--type", "container", "--format", INSPECT_FORMAT])
        .arg(&runner.container)
        .run_ok()?;
    if let Some(container) = inspect::parse_inspect(&inspected.stdout_text()) {
        seen.started_at = container.started_at;
        seen.image_id = container.image_id;
    }
    let root = posix_parent(ctx.workspace.trim_end_matches('/'));
    let df = runner
        .exec(&[], ["sh", "-c", &inspect::disk_line(&root)])
        .run()?;
    seen.disk = inspect::parse_disk(&df.stdout_text());
    Ok(seen)
}
