//! A remote workflow that failed against a runner that is not running is told as
//! that: `runner_not_running` with the observed state, the failed call's exit code and
//! redacted output kept beside it. Observing costs a call only after a failure, so
//! the commands that work keep their one round trip.

use super::session::Session;
use crate::error::{CloudError, CloudResult};

pub(super) fn explained<T>(session: &mut Session, result: CloudResult<T>) -> CloudResult<T> {
    let error = match result {
        Err(error) if error.code == "provider_failed" => error,
        other => return other,
    };
    let Ok(Some(observed)) = session.observe() else {
        return Err(error);
    };
    if observed.running() {
        return Err(error);
    }
    let state = match observed.restart_count {
        Some(n) if n > 0 => format!("{}, restarted {n} times", observed.detail),
        _ => observed.detail.clone(),
    };
    let mut explained = CloudError::new(
        "runner_not_running",
        format!(
            "the runner is not running ({}: {state}); start it with `megaplan-cloud deploy`. The remote call failed: {}",
            observed.state.word(),
            error.message
        ),
    )
    .with("observed", observed.to_json());
    for (key, value) in error.extra {
        explained = explained.with(&key, value);
    }
    Err(explained)
}
