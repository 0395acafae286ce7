//! Host-side bindings generated from `wit/provider.wit` (the contract the host speaks)
//! and from the frozen copies of the earlier minor versions it still loads
//! (`wit/legacy/<version>/`). An earlier version's `types` are bound to the current
//! version's Rust types, which they match field for field, so conversions exist once;
//! its imports get their own (delegating) host traits, registered under their own
//! versioned names (host_state.rs).

pub mod current {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "provider-world",
    });
}

pub mod v0_5 {
    wasmtime::component::bindgen!({
        path: "../wit/legacy/0.5",
        world: "provider-world",
        with: {
            "megaplan:cloud/types@0.5.0": super::current::megaplan::cloud::types,
            "megaplan:cloud/observation@0.5.0": super::current::megaplan::cloud::observation,
        },
    });
}

pub mod v0_4 {
    wasmtime::component::bindgen!({
        path: "../wit/legacy/0.4",
        world: "provider-world",
        with: {
            "megaplan:cloud/types@0.4.0": super::current::megaplan::cloud::types,
            "megaplan:cloud/observation@0.4.0": super::current::megaplan::cloud::observation,
        },
    });
}

pub mod v0_3 {
    wasmtime::component::bindgen!({
        path: "../wit/legacy/0.3",
        world: "provider-world",
        with: {
            "megaplan:cloud/types@0.3.0": super::current::megaplan::cloud::types,
            "megaplan:cloud/observation@0.3.0": super::current::megaplan::cloud::observation,
        },
    });
}

pub mod v0_2 {
    wasmtime::component::bindgen!({
        path: "../wit/legacy/0.2",
        world: "provider-world",
        with: {
            "megaplan:cloud/types@0.2.0": super::current::megaplan::cloud::types,
        },
    });
}

pub use current::*;

use super::v0_1;

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use self::megaplan::cloud::observation::Observation;
use self::megaplan::cloud::types::{
    Check, Command, Context, Description, ErrorKind, LogSource, Output, ProviderError, Stdin,
    VolumeAction,
};
use super::host_state::HostState;

/// The contract versions the host loads, newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contract {
    Current,
    V0_5,
    V0_4,
    V0_3,
    V0_2,
    V0_1,
}

impl Contract {
    pub fn version(self) -> &'static str {
        match self {
            Contract::Current => megaplan_cloud_shell::CONTRACT_VERSION,
            Contract::V0_5 => "0.5.0",
            Contract::V0_4 => "0.4.0",
            Contract::V0_3 => "0.3.0",
            Contract::V0_2 => "0.2.0",
            Contract::V0_1 => "0.1.0",
        }
    }

    pub const ALL: [Contract; 6] = [
        Contract::Current,
        Contract::V0_5,
        Contract::V0_4,
        Contract::V0_3,
        Contract::V0_2,
        Contract::V0_1,
    ];
}

/// A component's exports, whichever version it speaks.
pub enum Bindings {
    Current(current::ProviderWorld),
    V0_5(v0_5::ProviderWorld),
    V0_4(v0_4::ProviderWorld),
    V0_3(v0_3::ProviderWorld),
    V0_2(v0_2::ProviderWorld),
    V0_1(v0_1::bindings::ProviderWorld),
}

type Export<R> = wasmtime::Result<Result<R, ProviderError>>;

/// The same call on every version from 0.2 on (their types are the same Rust types),
/// and on 0.1 through its adapter (`v0_1`).
macro_rules! on_either {
    ($bindings:expr, $provider:ident => $call:expr, v0_1 => $old:expr) => {
        match $bindings {
            Bindings::Current(world) => {
                let $provider = world.megaplan_cloud_provider();
                $call
            }
            Bindings::V0_5(world) => {
                let $provider = world.megaplan_cloud_provider();
                $call
            }
            Bindings::V0_4(world) => {
                let $provider = world.megaplan_cloud_provider();
                $call
            }
            Bindings::V0_3(world) => {
                let $provider = world.megaplan_cloud_provider();
                $call
            }
            Bindings::V0_2(world) => {
                let $provider = world.megaplan_cloud_provider();
                $call
            }
            Bindings::V0_1(world) => {
                let $provider = world.megaplan_cloud_provider();
                $old
            }
        }
    };
}

impl Bindings {
    pub fn instantiate(
        contract: Contract,
        store: &mut Store<HostState>,
        component: &Component,
        linker: &Linker<HostState>,
    ) -> wasmtime::Result<Self> {
        Ok(match contract {
            Contract::Current => Bindings::Current(current::ProviderWorld::instantiate(
                store, component, linker,
            )?),
            Contract::V0_5 => {
                Bindings::V0_5(v0_5::ProviderWorld::instantiate(store, component, linker)?)
            }
            Contract::V0_4 => {
                Bindings::V0_4(v0_4::ProviderWorld::instantiate(store, component, linker)?)
            }
            Contract::V0_3 => {
                Bindings::V0_3(v0_3::ProviderWorld::instantiate(store, component, linker)?)
            }
            Contract::V0_2 => {
                Bindings::V0_2(v0_2::ProviderWorld::instantiate(store, component, linker)?)
            }
            Contract::V0_1 => Bindings::V0_1(v0_1::bindings::ProviderWorld::instantiate(
                store, component, linker,
            )?),
        })
    }

    pub fn contract(&self) -> Contract {
        match self {
            Bindings::Current(_) => Contract::Current,
            Bindings::V0_5(_) => Contract::V0_5,
            Bindings::V0_4(_) => Contract::V0_4,
            Bindings::V0_3(_) => Contract::V0_3,
            Bindings::V0_2(_) => Contract::V0_2,
            Bindings::V0_1(_) => Contract::V0_1,
        }
    }

    pub fn describe(&self, s: &mut Store<HostState>) -> wasmtime::Result<Description> {
        on_either!(self, p => p.call_describe(s), v0_1 => p.call_describe(s).map(v0_1::description))
    }

    /// `config-schema` arrived in 0.4.0; an older component declares none.
    pub fn config_schema(&self, s: &mut Store<HostState>) -> Export<Option<String>> {
        match self {
            Bindings::Current(world) => world
                .megaplan_cloud_provider()
                .call_config_schema(s)
                .map(Ok),
            Bindings::V0_5(world) => world
                .megaplan_cloud_provider()
                .call_config_schema(s)
                .map(Ok),
            Bindings::V0_4(world) => world
                .megaplan_cloud_provider()
                .call_config_schema(s)
                .map(Ok),
            Bindings::V0_3(_) | Bindings::V0_2(_) | Bindings::V0_1(_) => Ok(Ok(None)),
        }
    }
    pub fn doctor(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<Vec<Check>> {
        on_either!(self, p => p.call_doctor(s, ctx), v0_1 => v0_1::answer(p.call_doctor(s, &v0_1::context(ctx)), |c| c.into_iter().map(v0_1::check).collect()))
    }
    pub fn build(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<()> {
        on_either!(self, p => p.call_build(s, ctx), v0_1 => v0_1::answer(p.call_build(s, &v0_1::context(ctx)), drop))
    }
    pub fn deploy(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<()> {
        on_either!(self, p => p.call_deploy(s, ctx), v0_1 => v0_1::answer(p.call_deploy(s, &v0_1::context(ctx)), drop))
    }
    pub fn exec(
        &self,
        s: &mut Store<HostState>,
        ctx: &Context,
        line: &str,
        input: &Stdin,
    ) -> Export<Output> {
        on_either!(self, p => p.call_exec(s, ctx, line, input), v0_1 => v0_1::answer(p.call_exec(s, &v0_1::context(ctx), line, &v0_1::stdin_to_old(input)), v0_1::output))
    }
    pub fn upload(
        &self,
        s: &mut Store<HostState>,
        ctx: &Context,
        destination: &str,
        content: &[u8],
    ) -> Export<()> {
        on_either!(self, p => p.call_upload(s, ctx, destination, content), v0_1 => v0_1::answer(p.call_upload(s, &v0_1::context(ctx), destination, content), drop))
    }
    pub fn read_file(
        &self,
        s: &mut Store<HostState>,
        ctx: &Context,
        path: &str,
    ) -> Export<Vec<u8>> {
        on_either!(self, p => p.call_read_file(s, ctx, path), v0_1 => v0_1::answer(p.call_read_file(s, &v0_1::context(ctx), path), |bytes| bytes))
    }
    pub fn logs(&self, s: &mut Store<HostState>, ctx: &Context, follow: bool) -> Export<LogSource> {
        on_either!(self, p => p.call_logs(s, ctx, follow), v0_1 => v0_1::answer(p.call_logs(s, &v0_1::context(ctx), follow), v0_1::log_source))
    }
    pub fn attach_command(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<Command> {
        on_either!(self, p => p.call_attach_command(s, ctx), v0_1 => v0_1::answer(p.call_attach_command(s, &v0_1::context(ctx)), v0_1::command))
    }
    pub fn volume(
        &self,
        s: &mut Store<HostState>,
        ctx: &Context,
        action: VolumeAction,
    ) -> Export<String> {
        on_either!(self, p => p.call_volume(s, ctx, action), v0_1 => v0_1::answer(p.call_volume(s, &v0_1::context(ctx), v0_1::volume_action(action)), |said| said))
    }
    pub fn down(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<()> {
        on_either!(self, p => p.call_down(s, ctx), v0_1 => v0_1::answer(p.call_down(s, &v0_1::context(ctx)), drop))
    }
    pub fn destroy(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<()> {
        on_either!(self, p => p.call_destroy(s, ctx), v0_1 => v0_1::answer(p.call_destroy(s, &v0_1::context(ctx)), drop))
    }

    /// `observe` arrived in 0.3.0; a 0.2 component answers `not-implemented`.
    pub fn observe(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<Observation> {
        match self {
            Bindings::Current(world) => world.megaplan_cloud_provider().call_observe(s, ctx),
            Bindings::V0_5(world) => world.megaplan_cloud_provider().call_observe(s, ctx),
            Bindings::V0_4(world) => world.megaplan_cloud_provider().call_observe(s, ctx),
            Bindings::V0_3(world) => world.megaplan_cloud_provider().call_observe(s, ctx),
            Bindings::V0_2(_) | Bindings::V0_1(_) => Ok(Err(ProviderError {
                kind: ErrorKind::NotImplemented,
                message: format!(
                    "observe is not in contract {}, which this provider was built for",
                    self.contract().version()
                ),
            })),
        }
    }

    /// `chain-runners` arrived in 0.6.0; an older component shares one runner.
    pub fn chain_runners(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<bool> {
        match self {
            Bindings::Current(world) => world.megaplan_cloud_provider().call_chain_runners(s, ctx),
            _ => Ok(Ok(false)),
        }
    }
}
