//! What a provider's store holds: the WASI context it is confined to, its memory
//! limiter, its CPU clock, and the host imports (`process`, `log`) it may call.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::ProviderWorld;
use super::bindings::megaplan::cloud::{files, log, process, types};
use super::convert;
use crate::capability::{Caller, Capability, ProcessError};

pub struct HostState {
    pub(super) wasi: WasiCtx,
    pub(super) table: ResourceTable,
    pub(super) memory: MemoryLimiter,
    pub(super) clock: GuestClock,
    pub(super) capability: Arc<Capability>,
    /// Who is calling; `None` until `describe` has said who the provider is, and
    /// nothing runs before that.
    pub(super) caller: Option<Caller>,
    /// What the component wrote on stderr (a panic message), kept for error reports.
    pub(super) stderr: MemoryOutputPipe,
    /// A replay miss seen during the current call. It fails the operation whatever
    /// the provider makes of it: a test must never pass on a swallowed miss.
    pub(super) replay_miss: Option<String>,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// wasmtime's `StoreLimits` (memory size, table elements, instance and memory counts),
/// plus a note of whether it refused a memory growth, so the trap that follows can be
/// reported as what it is.
pub struct MemoryLimiter {
    pub(super) limits: StoreLimits,
    pub(super) max_bytes: usize,
    pub(super) exceeded: bool,
}

impl MemoryLimiter {
    pub(super) fn new(max_bytes: usize) -> Self {
        MemoryLimiter {
            limits: StoreLimitsBuilder::new()
                .memory_size(max_bytes)
                .table_elements(100_000)
                .instances(100)
                .memories(100)
                .build(),
            max_bytes,
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
        let allowed = self.limits.memory_growing(current, desired, max)?;
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

/// Guest CPU time for the current call: wall time since the call began, minus the
/// time spent inside host calls (a subprocess may legitimately run for minutes).
pub struct GuestClock {
    pub(super) budget: Duration,
    pub(super) call_started: Instant,
    pub(super) in_host: Duration,
    pub(super) exceeded: bool,
}

impl GuestClock {
    pub(super) fn start_call(&mut self) {
        self.call_started = Instant::now();
        self.in_host = Duration::ZERO;
        self.exceeded = false;
    }

    pub(super) fn guest_time(&self) -> Duration {
        self.call_started.elapsed().saturating_sub(self.in_host)
    }
}

impl HostState {
    fn timed<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let started = Instant::now();
        let result = f(self);
        self.clock.in_host += started.elapsed();
        result
    }
}

const NOT_DESCRIBED: &str = "a provider may act only after describe() has returned";

impl types::Host for HostState {}

impl process::Host for HostState {
    fn run(&mut self, cmd: types::Command) -> Result<types::Output, types::ProcessError> {
        self.timed(|state| {
            let spec = convert::command(cmd);
            let Some(caller) = &state.caller else {
                return Err(types::ProcessError::Denied(NOT_DESCRIBED.into()));
            };
            let result = state.capability.run(caller, &spec);
            if let Err(ProcessError::ReplayMismatch(miss)) = &result {
                state.replay_miss.get_or_insert_with(|| miss.clone());
            }
            result.map(convert::output).map_err(convert::process_error)
        })
    }

    fn which(&mut self, program: String) -> bool {
        self.timed(|state| {
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

impl files::Host for HostState {
    fn write_env_file(
        &mut self,
        path: String,
        entries: Vec<types::EnvEntry>,
    ) -> Result<(), String> {
        self.timed(|state| {
            let entries = convert::env_entries(entries);
            let caller = state
                .caller
                .as_ref()
                .ok_or_else(|| NOT_DESCRIBED.to_string())?;
            state.capability.write_env_file(caller, &path, &entries)
        })
    }
}

impl log::Host for HostState {
    fn info(&mut self, message: String) {
        self.capability.log_info(&message);
    }

    fn warn(&mut self, message: String) {
        self.capability.log_warn(&message);
    }
}

pub fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    ProviderWorld::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)?;
    Ok(linker)
}
