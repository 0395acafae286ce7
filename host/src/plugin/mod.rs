//! The plugin runtime: the only module that touches wasmtime.
//!
//! A provider component is compiled once (then loaded from the on-disk cache),
//! checked for the contract version it exports, and instantiated in a store that
//! inherits nothing from the host: no environment, no network, no stdio and no
//! directories (a component names the files it needs and the host writes them). Its
//! memory is capped and its CPU time per call bounded with epoch deadlines; its only way to act on the world is the `process` import,
//! mediated by the [`Capability`].

mod bindings;
mod cache;
mod call;
pub mod contract;
mod convert;
mod description;
mod guard;
mod host_state;
mod instance;
mod legacy_imports;
mod observed;
pub mod registry;
mod v0_1;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

pub use cache::{Origin, sha256_hex};
pub use description::{
    Check, Feature, LogSource, OpContext, ProgramDecl, ProviderDescription, VolumeAction,
};
pub use instance::{Locator, ProviderInstance};
pub use observed::{ContainerState, Disk, RunnerObservation};

use crate::capability::{Capability, DeployDirMount, Trust};
use crate::error::{CloudError, CloudResult};
use bindings::Bindings;
pub use bindings::Contract;
use guard::GuestClock;
use host_state::{HostState, MemoryLimiter};

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Linear memory a component may grow to, all its memories together.
    pub memory_bytes: usize,
    /// Guest time per operation: its own code and blocking WASI calls (time in the
    /// host's capability calls does not count).
    pub guest_cpu: Duration,
    /// How often the budgets are checked.
    pub epoch_tick: Duration,
    /// Wall-clock time of one operation, host calls included (each command has its own
    /// timeout too).
    pub operation_wall: Duration,
    /// Host calls (`process`, `files`, `log`) one operation may make.
    pub host_calls: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 128 << 20,
            guest_cpu: Duration::from_secs(5),
            epoch_tick: Duration::from_millis(10),
            operation_wall: Duration::from_secs(6 * 3600),
            host_calls: 2_000,
        }
    }
}

pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    cache: cache::CompileCache,
    limits: Limits,
}

/// A compiled component that exports a compatible contract.
#[derive(Clone)]
pub struct Compiled {
    component: Component,
    /// The contract version its exports speak.
    pub contract: Contract,
    pub sha256: String,
    pub origin: Origin,
}

impl Runtime {
    pub fn new(cache_dir: Option<PathBuf>, limits: Limits) -> CloudResult<Self> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| {
            CloudError::new("internal_error", format!("cannot start wasmtime: {e:#}"))
        })?;
        let linker = host_state::linker(&engine).map_err(|e| {
            CloudError::new("internal_error", format!("cannot link host imports: {e:#}"))
        })?;
        start_epoch_ticker(&engine, limits.epoch_tick);
        Ok(Runtime {
            cache: cache::CompileCache::new(&engine, cache_dir),
            engine,
            linker,
            limits,
        })
    }

    /// Compiles (or loads from the cache) a component and checks its contract.
    /// `what` names it in errors, e.g. the file it came from.
    pub fn compile(&self, bytes: &[u8], what: &str) -> CloudResult<Compiled> {
        let sha256 = sha256_hex(bytes);
        let (component, origin) = self
            .cache
            .load(&self.engine, bytes, &sha256)
            .map_err(|e| CloudError::new(e.code, format!("{what}: {}", e.message)))?;
        let contract = contract::check_exports(&self.engine, &component, what)?;
        Ok(Compiled {
            contract,
            component,
            sha256,
            origin,
        })
    }

    /// Instantiates a component in a fresh, confined store and asks it to describe
    /// itself. Until `describe` returns, it may run nothing.
    pub fn instantiate(
        &self,
        compiled: &Compiled,
        trust: Trust,
        capability: Arc<Capability>,
        deploy_dir: Option<DeployDirMount>,
    ) -> CloudResult<ProviderInstance> {
        let stderr = MemoryOutputPipe::new(64 * 1024);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        let state = HostState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            memory: MemoryLimiter::new(self.limits.memory_bytes),
            clock: GuestClock::new(),
            max_host_calls: self.limits.host_calls,
            exhausted: None,
            capability,
            caller: None,
            stderr,
            replay_miss: None,
            runner: None,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.memory);
        let budget = self.limits.guest_cpu;
        store.epoch_deadline_callback(move |ctx| {
            let clock = &ctx.data().clock;
            if clock.guest_time() > budget {
                clock.mark_exceeded();
                return Err(wasmtime::format_err!("guest CPU budget exceeded"));
            }
            Ok(UpdateDeadline::Continue(1))
        });
        store.data().clock.start_call();
        store.set_epoch_deadline(1);
        let bindings = Bindings::instantiate(
            compiled.contract,
            &mut store,
            &compiled.component,
            &self.linker,
        )
        .map_err(|e| {
            CloudError::new(
                "invalid_provider",
                format!("cannot instantiate the provider: {e:#}"),
            )
        })?;
        let identity = instance::Identity {
            sha256: compiled.sha256.clone(),
            trust,
            deploy_dir,
        };
        ProviderInstance::start(store, bindings, identity, self.limits)
    }
}

/// Advances the engine's epoch every `tick` for as long as the engine lives.
fn start_epoch_ticker(engine: &Engine, tick: Duration) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("megaplan-cloud-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(tick);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })
        .expect("spawn the epoch ticker");
}
