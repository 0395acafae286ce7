//! Launch verification: after the tmux launch, the launch script watches the session
//! until it has shown a sign of life (the chain log grew, or the state file appeared),
//! it died, or the deadline passed, so a launch that failed at once is reported as a
//! failure and not as a success.

use serde_json::{Value, json};

use megaplan_cloud_shell::{posix_join, quote};

use crate::error::{CloudError, CloudResult};
use crate::workflow::script::{StepResult, named_value};

/// How many of the log's last lines a failed launch reports.
pub const TAIL_LINES: usize = 20;

/// What verification watches.
pub struct Watch {
    pub session: String,
    /// Absolute path of the chain log.
    pub log: String,
    pub state_path: String,
    pub timeout_secs: u64,
}

pub fn log_path(workspace: &str, chain_log: &str) -> String {
    posix_join(workspace, chain_log)
}

/// Shell text before the launch: the log's size, so verification can see it grow.
pub fn size_before(watch: &Watch) -> String {
    format!(
        "b=$( (wc -c <{log}) 2>/dev/null) || b=0",
        log = quote(&watch.log)
    )
}

/// Polls until the session is dead, the chain has shown life, or the deadline; prints
/// `alive=… size=… before=… state=… attempts=…`, then the log's tail when the session died.
/// `$1` is the log's size before the launch. `date +%s` counts whole seconds, so the
/// deadline is one second further than the timeout: the wait lasts at least the
/// timeout (a deadline of now + 1 could pass in a millisecond).
pub fn verify_line(watch: &Watch) -> String {
    let log = quote(&watch.log);
    format!(
        "end=$(( $(date +%s) + {timeout} + 1 )); n=0; \
         while :; do n=$((n+1)); alive=0; if tmux has-session -t {t} 2>/dev/null; then alive=1; fi; \
         size=$( (wc -c <{log}) 2>/dev/null) || size=0; state=0; if [ -e {state} ]; then state=1; fi; \
         if [ \"$alive\" = 0 ]; then break; fi; \
         if [ \"$size\" -gt \"${{1:-0}}\" ] || [ \"$state\" = 1 ]; then break; fi; \
         if [ \"$(date +%s)\" -ge \"$end\" ]; then break; fi; \
         sleep 0.5 2>/dev/null || sleep 1; done; \
         printf 'alive=%s size=%s before=%s state=%s attempts=%s\\n' \"$alive\" \"$size\" \"${{1:-0}}\" \"$state\" \"$n\"; \
         if [ \"$alive\" = 0 ]; then tail -n {TAIL_LINES} {log} 2>/dev/null; fi; exit 0",
        timeout = watch.timeout_secs,
        t = quote(&format!("={}", watch.session)),
        state = quote(&watch.state_path),
    )
}

#[derive(Clone, Debug, PartialEq)]
pub struct Verification {
    pub session_alive: bool,
    pub chain_log: String,
    pub chain_log_size: u64,
    pub state_present: bool,
    /// The log grew during the launch, or the state file is there.
    pub advanced: bool,
    pub attempts: u64,
    /// The log's last lines when the session died (redacted).
    pub tail: Vec<String>,
}

impl Verification {
    pub fn likely_cause(&self) -> Option<&'static str> {
        if !self.session_alive {
            Some("session_exited")
        } else if !self.advanced {
            Some("no_output_yet")
        } else {
            None
        }
    }

    pub fn status(&self) -> &'static str {
        match self.likely_cause() {
            None => "ok",
            Some(_) => "warning",
        }
    }

    /// The payload's `verification` object.
    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status(),
            "session_alive": self.session_alive,
            "chain_log": self.chain_log,
            "chain_log_size": self.chain_log_size,
            "state_present": self.state_present,
            "advanced": self.advanced,
            "attempts": self.attempts,
            "likely_cause": self.likely_cause(),
        })
    }

    /// The one line `chain` prints on stderr.
    pub fn summary(&self, session: &str) -> String {
        let cause = self
            .likely_cause()
            .map(|cause| format!(" likely_cause={cause}"))
            .unwrap_or_default();
        format!(
            "cloud chain launch: session={session} alive={} advanced={} log={}{cause}",
            self.session_alive, self.advanced, self.chain_log
        )
    }
}

/// Reads the verify step; a dead session is `chain_launch_failed` with the log's tail.
pub fn result(
    redact: &dyn Fn(&str) -> String,
    watch: &Watch,
    step: &StepResult,
) -> CloudResult<Verification> {
    let text = redact(&step.stdout_text());
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let number = |key| named_value(first, key).and_then(|v| v.parse::<u64>().ok());
    let (Some(alive), Some(size), Some(state)) = (number("alive"), number("size"), number("state"))
    else {
        return Err(CloudError::new(
            "provider_failed",
            redact(&format!(
                "the launch verification printed nothing usable (exit {}): {}",
                step.exit,
                step.stderr_text()
            )),
        ));
    };
    let verification = Verification {
        session_alive: alive == 1,
        chain_log: watch.log.clone(),
        chain_log_size: size,
        state_present: state == 1,
        advanced: state == 1 || size > number("before").unwrap_or(0),
        attempts: number("attempts").unwrap_or(1),
        tail: lines.map(str::to_string).collect(),
    };
    if verification.session_alive {
        return Ok(verification);
    }
    let tail = verification.tail.join("\n");
    Err(CloudError::new(
        "chain_launch_failed",
        format!(
            "the chain's tmux session {} exited right after the launch; the last lines of {}:\n{tail}",
            watch.session, watch.log
        ),
    )
    .with("verification", verification.to_json())
    .with("log_tail", verification.tail.clone()))
}

#[cfg(test)]
mod tests;
