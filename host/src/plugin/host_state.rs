//! What a provider's store holds: the WASI context it is confined to, its memory
//! limiter, its CPU clock, and the host imports (`process`, `log`) it may call.

use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::ProviderWorld;
use super::bindings::megaplan::cloud::{files, log, process, types};
use super::convert;
use super::guard::GuestClock;
use crate::capability::{Caller, Capability, ProcessError};

pub struct HostState {
    pub(super) wasi: WasiCtx,
    pub(super) table: ResourceTable,
    pub(super) memory: MemoryLimiter,
    pub(super) clock: Arc<GuestClock>,
    pub(super) max_host_calls: u32,
    /// Set when the host-call budget ran out: the operation fails whatever the provider
    /// makes of the refusals.
    pub(super) exhausted: Option<String>,
    pub(super) capability: Arc<Capability>,
    /// Who is calling; `None` until `describe` has said who the provider is, and
    /// nothing runs before that.
    pub(super) caller: Option<Caller>,
    /// What the component wrote on stderr (a panic message), kept for error reports.
    pub(super) stderr: MemoryOutputPipe,
    /// A replay miss seen during the current call. It fails the operation whatever
    /// the provider makes of it: a test must never pass on a swallowed miss.
    pub(super) replay_miss: Option<String>,
    /// The runner the current operation is for (`runner.selected`, contract 0.6.0).
    pub(super) runner: Option<String>,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// wasmtime's `StoreLimits` (size of each memory, table elements, instance, table and
/// memory counts), plus the sum of every memory of the store (a component with many
/// memories cannot multiply the cap), and a note of whether it refused a growth, so the
/// trap that follows can be reported as what it is.
pub struct MemoryLimiter {
    pub(super) limits: StoreLimits,
    pub(super) max_bytes: usize,
    /// Bytes of every linear memory of the store together.
    total: usize,
    pub(super) exceeded: bool,
}

impl MemoryLimiter {
    pub(super) fn new(max_bytes: usize) -> Self {
        MemoryLimiter {
            limits: StoreLimitsBuilder::new()
                .memory_size(max_bytes)
                .table_elements(20_000)
                .instances(64)
                .tables(64)
                .memories(16)
                .build(),
            max_bytes,
            total: 0,
            exceeded: false,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.total - current.min(self.total) + desired;
        let allowed =
            total <= self.max_bytes && self.limits.memory_growing(current, desired, max)?;
        if allowed {
            self.total = total;
        }
        self.exceeded |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, max)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

impl HostState {
    /// Runs a host call with its time kept off the guest clock; `refused` answers once
    /// the operation's host-call budget is spent (and the operation will fail).
    fn timed<R>(&mut self, refused: R, f: impl FnOnce(&mut Self) -> R) -> R {
        if let Err(max) = self.clock.enter_host(self.max_host_calls) {
            self.exhausted.get_or_insert_with(|| {
                format!("it made more than {max} host calls in one operation")
            });
            return refused;
        }
        let result = f(self);
        self.clock.leave_host();
        result
    }
}

const NOT_DESCRIBED: &str = "a provider may act only after describe() has returned";
const CALL_BUDGET: &str = "the provider made too many host calls in one operation";

impl types::Host for HostState {}

impl super::bindings::megaplan::cloud::observation::Host for HostState {}

impl process::Host for HostState {
    fn run(&mut self, cmd: types::Command) -> Result<types::Output, types::ProcessError> {
        self.process_call(cmd, Capability::run)
    }

    fn probe(&mut self, cmd: types::Command) -> Result<types::Output, types::ProcessError> {
        self.process_call(cmd, Capability::probe)
    }

    fn which(&mut self, program: String) -> bool {
        self.timed(false, |state| {
            let Some(caller) = &state.caller else {
                return false;
            };
            match state.capability.which(caller, &program) {
                Ok(found) => found,
                Err(error) => {
                    if let ProcessError::ReplayMismatch(miss) = error {
                        state.replay_miss.get_or_insert(miss);
                    }
                    false
                }
            }
        })
    }
}

impl HostState {
    /// `run` and `probe`: counted and timed, refused before `describe`, and a replay
    /// miss remembered so the operation fails on it.
    fn process_call(
        &mut self,
        cmd: types::Command,
        call: fn(
            &Capability,
            &Caller,
            &crate::capability::CommandSpec,
        ) -> Result<crate::capability::Output, ProcessError>,
    ) -> Result<types::Output, types::ProcessError> {
        let refused = Err(types::ProcessError::Denied(CALL_BUDGET.into()));
        self.timed(refused, |state| {
            let spec = convert::command(cmd);
            let Some(caller) = &state.caller else {
                return Err(types::ProcessError::Denied(NOT_DESCRIBED.into()));
            };
            let result = call(&state.capability, caller, &spec);
            if let Err(ProcessError::ReplayMismatch(miss)) = &result {
                state.replay_miss.get_or_insert_with(|| miss.clone());
            }
            result.map(convert::output).map_err(convert::process_error)
        })
    }
}

impl files::Host for HostState {
    fn write_env_file(
        &mut self,
        path: String,
        entries: Vec<types::EnvEntry>,
    ) -> Result<(), String> {
        self.timed(Err(CALL_BUDGET.into()), |state| {
            let entries = convert::env_entries(entries);
            let caller = state
                .caller
                .as_ref()
                .ok_or_else(|| NOT_DESCRIBED.to_string())?;
            state.capability.write_env_file(caller, &path, &entries)
        })
    }

    fn write_file(&mut self, path: String, contents: Vec<u8>) -> Result<(), String> {
        self.timed(Err(CALL_BUDGET.into()), |state| {
            let caller = state
                .caller
                .as_ref()
                .ok_or_else(|| NOT_DESCRIBED.to_string())?;
            state.capability.write_file(caller, &path, &contents)
        })
    }
}

impl super::bindings::megaplan::cloud::runner::Host for HostState {
    fn selected(&mut self) -> Option<String> {
        self.timed(None, |state| state.runner.clone())
    }
}

impl log::Host for HostState {
    fn info(&mut self, message: String) {
        self.timed((), |state| state.capability.log_info(&message));
    }

    fn warn(&mut self, message: String) {
        self.timed((), |state| state.capability.log_warn(&message));
    }
}

pub fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    // Every contract version the host loads: each one's imports under its own name.
    ProviderWorld::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)?;
    super::bindings::v0_5::ProviderWorld::add_to_linker::<HostState, HasSelf<HostState>>(
        &mut linker,
        |state| state,
    )?;
    super::bindings::v0_4::ProviderWorld::add_to_linker::<HostState, HasSelf<HostState>>(
        &mut linker,
        |state| state,
    )?;
    super::bindings::v0_3::ProviderWorld::add_to_linker::<HostState, HasSelf<HostState>>(
        &mut linker,
        |state| state,
    )?;
    super::bindings::v0_2::ProviderWorld::add_to_linker::<HostState, HasSelf<HostState>>(
        &mut linker,
        |state| state,
    )?;
    super::v0_1::bindings::ProviderWorld::add_to_linker::<HostState, HasSelf<HostState>>(
        &mut linker,
        |state| state,
    )?;
    Ok(linker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_cap_holds_for_all_memories_together() {
        let mut limiter = MemoryLimiter::new(32 << 20);
        assert!(limiter.memory_growing(0, 20 << 20, None).unwrap());
        // A second memory of the same size would pass a per-memory cap.
        assert!(!limiter.memory_growing(0, 20 << 20, None).unwrap());
        assert!(limiter.exceeded);
        // Growing the first within what is left is still fine.
        assert!(limiter.memory_growing(20 << 20, 30 << 20, None).unwrap());
        assert!(!limiter.memory_growing(30 << 20, 40 << 20, None).unwrap());
    }

    #[test]
    fn tables_and_memories_are_counted() {
        let limiter = MemoryLimiter::new(32 << 20);
        assert!(limiter.memories() <= 16);
        assert!(limiter.tables() <= 64);
        assert!(limiter.instances() <= 64);
    }
}
