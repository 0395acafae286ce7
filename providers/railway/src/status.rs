//! `observe` for railway: `railway service status --json` names the service's latest
//! deployment and its status; Railway reports no container, restart count or disk.

use megaplan_cloud_sdk::prelude::*;

use super::remote::Config;

/// `railway service status -p P -e E -s S --json`, read into an observation.
pub(crate) fn observe(config: &Config) -> Result<Observation, ProviderError> {
    let out = config
        .railway(&["service", "status"])?
        .args(config.target(true))
        .arg("--json")
        .run()?;
    if out.status != 0 {
        let stderr = out.stderr_text();
        // A CLI without `service status` cannot observe; the host then does without.
        if stderr.contains("unrecognized subcommand") {
            return Err(error(
                ErrorKind::NotImplemented,
                "this Railway CLI has no `service status`",
            ));
        }
        return Err(out.failure("railway service status"));
    }
    parse(&out.stdout_text())
}

/// The CLI's `{id, name, deploymentId, status, stopped}`.
pub(crate) fn parse(json: &str) -> Result<Observation, ProviderError> {
    let value: serde_json::Value = serde_json::from_str(json.trim())
        .map_err(|e| failed(format!("railway service status printed no JSON: {e}")))?;
    let status = value.get("status").and_then(|s| s.as_str());
    let stopped = value
        .get("stopped")
        .and_then(|s| s.as_bool())
        .unwrap_or(false);
    let deployment = value.get("deploymentId").and_then(|s| s.as_str());
    let state = match status {
        Some("SUCCESS") if stopped => ContainerState::Exited(0),
        Some("SUCCESS") => ContainerState::Running,
        Some("CRASHED" | "FAILED") => ContainerState::Exited(1),
        Some("REMOVED" | "REMOVING") | None => ContainerState::Missing,
        Some(other) => ContainerState::Other(other.to_lowercase()),
    };
    let detail = match (status, deployment) {
        (Some(status), Some(id)) if stopped => format!("deployment {id}: {status}, stopped"),
        (Some(status), Some(id)) => format!("deployment {id}: {status}"),
        _ => "no deployment".to_string(),
    };
    Ok(Observation {
        state,
        image_id: deployment.map(str::to_string),
        started_at: None,
        restart_count: None,
        disk: None,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(json: &str) -> ContainerState {
        parse(json).unwrap().state
    }

    #[test]
    fn the_clis_words_become_states() {
        let running = r#"{"id": "s", "name": "agent", "deploymentId": "d1", "status": "SUCCESS", "stopped": false}"#;
        assert!(matches!(state(running), ContainerState::Running));
        assert_eq!(parse(running).unwrap().detail, "deployment d1: SUCCESS");
        let stopped = r#"{"id": "s", "name": "agent", "deploymentId": "d1", "status": "SUCCESS", "stopped": true}"#;
        assert!(matches!(state(stopped), ContainerState::Exited(0)));
        assert!(matches!(
            state(r#"{"status": "CRASHED", "deploymentId": "d"}"#),
            ContainerState::Exited(1)
        ));
        assert!(matches!(
            state(r#"{"status": null, "deploymentId": null}"#),
            ContainerState::Missing
        ));
        assert!(
            matches!(state(r#"{"status": "DEPLOYING"}"#), ContainerState::Other(ref w) if w == "deploying")
        );
        assert_eq!(parse("not json").unwrap_err().kind, ErrorKind::Failed);
    }
}
