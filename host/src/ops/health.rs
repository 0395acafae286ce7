//! After `deploy`: the runner is up only when its container runs and its health server
//! answers; otherwise `runner_unhealthy` with what was last seen and the log's tail.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::session::Session;
use crate::error::{CloudError, CloudResult};
use crate::plugin::{ContainerState, RunnerObservation};
use crate::workflow::Runner;

/// How many of the runner's log lines a failure carries.
pub const LOG_LINES: usize = 50;
/// Polls that saw the container exited before giving up on it.
const EXITED_POLLS: u32 = 3;
/// Restarts during the wait that make a crash loop.
const CRASH_RESTARTS: u32 = 2;

/// Asks the health server on `port` from inside the runner (the port may not be
/// published where the host can reach it).
pub fn probe_line(port: u16) -> String {
    format!(
        "python3 -c 'import sys, urllib.request; urllib.request.urlopen(\"http://127.0.0.1:%d/\" % int(sys.argv[1]), timeout=3).read()' {port}"
    )
}

/// What the wait saw last.
#[derive(Default)]
struct Seen {
    observation: Option<RunnerObservation>,
    first_restarts: Option<u32>,
    exited_polls: u32,
    probe: Option<String>,
}

impl Seen {
    /// A verdict before the deadline: the container stopped for good, or it keeps
    /// crashing.
    fn hopeless(&self) -> Option<String> {
        let observation = self.observation.as_ref()?;
        if self.exited_polls >= EXITED_POLLS {
            return Some(format!("the container stopped ({})", observation.detail));
        }
        let restarts = observation.restart_count?;
        let grew = restarts.saturating_sub(self.first_restarts?);
        (grew >= CRASH_RESTARTS)
            .then(|| format!("the container is crash-looping ({grew} restarts while waiting)"))
    }
}

/// Polls until healthy or `timeout`.
pub fn wait(session: &mut Session, port: u16, timeout: Duration) -> CloudResult<()> {
    let deadline = Instant::now() + timeout;
    let mut seen = Seen::default();
    let mut pause = Duration::from_millis(250);
    loop {
        if let Some(observation) = session.observe()? {
            seen.first_restarts = seen.first_restarts.or(observation.restart_count);
            match observation.state {
                ContainerState::Exited(_) => seen.exited_polls += 1,
                _ => seen.exited_polls = 0,
            }
            seen.observation = Some(observation);
        }
        // The probe decides health whatever the observation says: an observation only
        // ends the wait early, so a provider that observes wrongly cannot block it.
        match session.run(&probe_line(port)) {
            Ok(out) if out.status == 0 => return Ok(()),
            Ok(out) => seen.probe = Some(last_line(&out.stderr)),
            // A transport failure while the container starts is one more try.
            Err(error) if error.code == "provider_failed" => seen.probe = Some(error.message),
            Err(error) => return Err(error),
        }
        let why = seen.hopeless();
        if why.is_some() || Instant::now() >= deadline {
            let why = why.unwrap_or_else(|| format!("not healthy after {} s", timeout.as_secs()));
            return Err(unhealthy(session, port, &why, &seen));
        }
        // Waiting between probes is what this loop is for; the deadline bounds it.
        std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

/// The line of a traceback that says what went wrong.
fn last_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("no answer")
        .trim()
        .to_string()
}

fn unhealthy(session: &mut Session, port: u16, why: &str, seen: &Seen) -> CloudError {
    let tail = session.log_tail(LOG_LINES).unwrap_or_default();
    let state = seen
        .observation
        .as_ref()
        .map(RunnerObservation::to_json)
        .unwrap_or(Value::Null);
    let probe = seen.probe.as_deref().unwrap_or("not reached");
    CloudError::new(
        "runner_unhealthy",
        session.redact(&format!(
            "the runner is not healthy: {why}; its health server on port {port}: {probe}. The last {} lines of its log:\n{}",
            tail.len(),
            tail.join("\n")
        )),
    )
    .with("observed", state)
    .with("health_probe", session.redact(probe))
    .with("log_tail", tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(state: ContainerState, restarts: u32) -> RunnerObservation {
        RunnerObservation {
            state,
            image_id: None,
            started_at: None,
            restart_count: Some(restarts),
            disk: None,
            detail: "seen".into(),
        }
    }

    #[test]
    fn a_stopped_or_crash_looping_container_is_given_up_on_early() {
        let mut seen = Seen {
            observation: Some(observed(ContainerState::Exited(3), 0)),
            first_restarts: Some(0),
            exited_polls: 2,
            probe: None,
        };
        assert_eq!(seen.hopeless(), None, "two polls may still see it start");
        seen.exited_polls = 3;
        assert!(
            seen.hopeless()
                .unwrap()
                .starts_with("the container stopped")
        );
        let looping = Seen {
            observation: Some(observed(ContainerState::Restarting, 7)),
            first_restarts: Some(5),
            exited_polls: 0,
            probe: None,
        };
        assert_eq!(
            looping.hopeless().as_deref(),
            Some("the container is crash-looping (2 restarts while waiting)")
        );
        let starting = Seen {
            observation: Some(observed(ContainerState::Running, 5)),
            first_restarts: Some(4),
            ..Seen::default()
        };
        assert_eq!(starting.hopeless(), None);
        assert_eq!(
            Seen::default().hopeless(),
            None,
            "no observation, no verdict"
        );
    }

    #[test]
    fn the_probe_asks_the_configured_port_and_reports_its_last_line() {
        assert!(probe_line(9090).ends_with(" 9090"));
        assert_eq!(
            last_line(b"Traceback\n  File x\nURLError: refused\n\n"),
            "URLError: refused"
        );
        assert_eq!(last_line(b""), "no answer");
    }
}
