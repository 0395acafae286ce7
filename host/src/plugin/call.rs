//! One call into a component, start to finish: a fresh budget, the call on a watched
//! worker thread, and whatever came of it turned into a host result. A trap, or a call
//! the watchdog gave up on, retires the instance; the host itself stays usable.

use std::sync::{Arc, Mutex};

use wasmtime::Store;

use super::Limits;
use super::bindings::Bindings;
use super::bindings::megaplan::cloud::types as wit;
use super::convert;
use super::guard::{Abandoned, GuestClock, run_watched};
use super::host_state::HostState;
use crate::error::CloudError;

/// The store and the component's bindings, used by one call at a time.
pub(super) struct Engine {
    pub store: Store<HostState>,
    pub bindings: Bindings,
}

/// What a guest export returns, as generated.
pub(super) type Export<R> = wasmtime::Result<Result<R, wit::ProviderError>>;

/// How a call ended when it did not succeed.
pub(super) struct Failure {
    pub error: CloudError,
    /// The instance must not be used again (a trap, or a call still running).
    pub retire: bool,
}

/// Runs `export` for `operation` on the engine, watched by the clock and the limits.
pub(super) fn guarded<R: Send + 'static>(
    engine: &Arc<Mutex<Engine>>,
    clock: &Arc<GuestClock>,
    limits: &Limits,
    name: &str,
    operation: &'static str,
    export: impl FnOnce(&Bindings, &mut Store<HostState>) -> Export<R> + Send + 'static,
) -> Result<R, Box<Failure>> {
    clock.start_call();
    let worker_engine = engine.clone();
    let (worker_name, limits_copy) = (name.to_string(), *limits);
    let outcome = run_watched(clock, limits, move || {
        let mut engine = worker_engine.lock().unwrap_or_else(|p| p.into_inner());
        let Engine { store, bindings } = &mut *engine;
        let state = store.data_mut();
        state.replay_miss = None;
        state.exhausted = None;
        if let Some(caller) = &mut state.caller {
            caller.operation = operation;
        }
        store.set_epoch_deadline(1);
        let result = export(bindings, store);
        settle(store, result, &worker_name, operation, &limits_copy)
    });
    match outcome {
        Ok(settled) => settled,
        Err(abandoned) => Err(Box::new(Failure {
            error: abandoned_error(abandoned, name, operation, limits),
            retire: true,
        })),
    }
}

/// The result of a call that returned (or trapped), with what the host saw during it.
fn settle<R>(
    store: &mut Store<HostState>,
    result: Export<R>,
    name: &str,
    operation: &str,
    limits: &Limits,
) -> Result<R, Box<Failure>> {
    // A trap retires the instance whatever else is reported: the component model
    // will not enter it again.
    let trapped = result
        .as_ref()
        .err()
        .map(|trap| trap_error(store.data(), name, operation, trap, limits));
    let retire = trapped.is_some();
    let state = store.data_mut();
    let error = if let Some(miss) = state.replay_miss.take() {
        CloudError::new("replay_mismatch", miss)
    } else if let Some(reason) = state.exhausted.take() {
        CloudError::new(
            "provider_limit_exceeded",
            format!("provider '{name}' was stopped in `{operation}`: {reason}"),
        )
    } else {
        match (result, trapped) {
            (Ok(Ok(value)), _) => return Ok(value),
            (Ok(Err(error)), _) => convert::provider_error(name, error),
            (Err(_), Some(error)) => error,
            (Err(trap), None) => CloudError::new("provider_crashed", format!("{trap:#}")),
        }
    };
    Err(Box::new(Failure { error, retire }))
}

fn abandoned_error(why: Abandoned, name: &str, operation: &str, limits: &Limits) -> CloudError {
    let reason = match why {
        Abandoned::Cpu => format!(
            "it spent more than {} ms in its own code or a blocking call",
            limits.guest_cpu.as_millis()
        ),
        Abandoned::Wall => format!(
            "the operation ran longer than {} s",
            limits.operation_wall.as_secs_f64()
        ),
    };
    CloudError::new(
        "provider_limit_exceeded",
        format!("provider '{name}' was stopped in `{operation}`: {reason}"),
    )
}

/// What a trap means: a CPU or memory limit (`provider_limit_exceeded`) or a crash
/// (`provider_crashed`, with the guest's panic message when it printed one).
fn trap_error(
    state: &HostState,
    name: &str,
    operation: &str,
    trap: &wasmtime::Error,
    limits: &Limits,
) -> CloudError {
    if state.clock.exceeded() {
        return CloudError::new(
            "provider_limit_exceeded",
            format!(
                "provider '{name}' was stopped in `{operation}`: it used more than {} ms of CPU",
                limits.guest_cpu.as_millis()
            ),
        );
    }
    if state.memory.exceeded {
        return CloudError::new(
            "provider_limit_exceeded",
            format!(
                "provider '{name}' was stopped in `{operation}`: it tried to use more than {} MiB of memory",
                state.memory.max_bytes >> 20
            ),
        );
    }
    let stderr = String::from_utf8_lossy(&state.stderr.contents()).into_owned();
    let detail = panic_message(&stderr).unwrap_or_else(|| format!("{trap:#}"));
    CloudError::new(
        "provider_crashed",
        format!("provider '{name}' crashed in `{operation}`: {detail}"),
    )
}

/// The message of a Rust panic from what the component wrote on stderr:
/// `thread '…' panicked at src/lib.rs:1:2:` followed by the message line.
fn panic_message(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines();
    lines.find(|line| line.contains("panicked at"))?;
    let message = lines.next()?.trim();
    (!message.is_empty()).then(|| message.to_string())
}
