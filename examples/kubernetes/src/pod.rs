//! The runner's state from `kubectl get pod <name>-0 -o json`: the `agent` container's
//! state, exit code, restarts, start and image, and the node it runs on.

use megaplan_cloud_sdk::prelude::*;
use serde_json::Value;

/// What a pod's JSON says of the runner; `None` when it is not a pod's JSON.
pub fn observation(pod: &Value) -> Option<Observation> {
    let status = pod.get("status")?;
    let node = pod["spec"]["nodeName"].as_str().unwrap_or("no node yet");
    let agent = status["containerStatuses"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == "agent"));
    let Some(agent) = agent else {
        let phase = status["phase"].as_str().unwrap_or("Unknown");
        return Some(bare(
            ContainerState::Other(phase.to_lowercase()),
            format!("pod {phase} on {node}, its container not created yet"),
        ));
    };
    let state = &agent["state"];
    let restarts = agent["restartCount"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok());
    let (seen, said) = if let Some(running) = state.get("running") {
        let since = running["startedAt"].as_str().unwrap_or("?");
        (ContainerState::Running, format!("running since {since}"))
    } else if let Some(waiting) = state.get("waiting") {
        let reason = waiting["reason"].as_str().unwrap_or("Waiting");
        let seen = match reason {
            "CrashLoopBackOff" => ContainerState::Restarting,
            other => ContainerState::Other(other.to_lowercase()),
        };
        (seen, format!("waiting: {reason}"))
    } else if let Some(done) = state.get("terminated") {
        let code = done["exitCode"]
            .as_i64()
            .and_then(|c| i32::try_from(c).ok());
        let reason = done["reason"].as_str().unwrap_or("Terminated");
        (
            ContainerState::Exited(code.unwrap_or(-1)),
            format!("terminated: {reason}"),
        )
    } else {
        (ContainerState::Other("unknown".into()), "no state".into())
    };
    Some(Observation {
        state: seen,
        image_id: agent["imageID"].as_str().map(str::to_string),
        started_at: state["running"]["startedAt"].as_str().map(str::to_string),
        restart_count: restarts,
        disk: None,
        detail: format!("{said} on {node} ({} restarts)", restarts.unwrap_or(0)),
    })
}

/// No pod: the StatefulSet's replica count says why (`None`: no StatefulSet either).
pub fn without_pod(stateful_set: Option<&Value>) -> Observation {
    match stateful_set {
        None => bare(ContainerState::Missing, "no StatefulSet".into()),
        Some(set) if set["spec"]["replicas"] == 0 => {
            bare(ContainerState::Exited(0), "scaled to 0 replicas".into())
        }
        Some(_) => bare(
            ContainerState::Other("pending".into()),
            "its pod is not created yet".into(),
        ),
    }
}

fn bare(state: ContainerState, detail: String) -> Observation {
    Observation {
        state,
        image_id: None,
        started_at: None,
        restart_count: None,
        disk: None,
        detail,
    }
}
