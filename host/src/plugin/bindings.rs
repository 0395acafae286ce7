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
    V0_3,
    V0_2,
}

impl Contract {
    pub fn version(self) -> &'static str {
        match self {
            Contract::Current => megaplan_cloud_shell::CONTRACT_VERSION,
            Contract::V0_3 => "0.3.0",
            Contract::V0_2 => "0.2.0",
        }
    }

    pub const ALL: [Contract; 3] = [Contract::Current, Contract::V0_3, Contract::V0_2];
}

/// A component's exports, whichever version it speaks.
pub enum Bindings {
    Current(current::ProviderWorld),
    V0_3(v0_3::ProviderWorld),
    V0_2(v0_2::ProviderWorld),
}

type Export<R> = wasmtime::Result<Result<R, ProviderError>>;

/// The same call on either version: their types are the same Rust types.
macro_rules! on_either {
    ($bindings:expr, $provider:ident => $call:expr) => {
        match $bindings {
            Bindings::Current(world) => {
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
            Contract::V0_3 => {
                Bindings::V0_3(v0_3::ProviderWorld::instantiate(store, component, linker)?)
            }
            Contract::V0_2 => {
                Bindings::V0_2(v0_2::ProviderWorld::instantiate(store, component, linker)?)
            }
        })
    }

    pub fn contract(&self) -> Contract {
        match self {
            Bindings::Current(_) => Contract::Current,
            Bindings::V0_3(_) => Contract::V0_3,
            Bindings::V0_2(_) => Contract::V0_2,
        }
    }

    pub fn describe(&self, s: &mut Store<HostState>) -> wasmtime::Result<Description> {
        on_either!(self, p => p.call_describe(s))
    }

    /// `config-schema` arrived in 0.4.0; an older component declares none.
    pub fn config_schema(&self, s: &mut Store<HostState>) -> Export<Option<String>> {
        match self {
            Bindings::Current(world) => world
                .megaplan_cloud_provider()
                .call_config_schema(s)
                .map(Ok),
            Bindings::V0_3(_) | Bindings::V0_2(_) => Ok(Ok(None)),
        }
    }
    pub fn doctor(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<Vec<Check>> {
        on_either!(self, p => p.call_doctor(s, ctx))
    }
    pub fn build(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<()> {
        on_either!(self, p => p.call_build(s, ctx))
    }
    pub fn deploy(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<()> {
        on_either!(self, p => p.call_deploy(s, ctx))
    }
    pub fn exec(
        &self,
        s: &mut Store<HostState>,
        ctx: &Context,
        line: &str,
        input: &Stdin,
    ) -> Export<Output> {
        on_either!(self, p => p.call_exec(s, ctx, line, input))
    }
    pub fn upload(
        &self,
        s: &mut Store<HostState>,
        ctx: &Context,
        destination: &str,
        content: &[u8],
    ) -> Export<()> {
        on_either!(self, p => p.call_upload(s, ctx, destination, content))
    }
    pub fn read_file(
        &self,
        s: &mut Store<HostState>,
        ctx: &Context,
        path: &str,
    ) -> Export<Vec<u8>> {
        on_either!(self, p => p.call_read_file(s, ctx, path))
    }
    pub fn logs(&self, s: &mut Store<HostState>, ctx: &Context, follow: bool) -> Export<LogSource> {
        on_either!(self, p => p.call_logs(s, ctx, follow))
    }
    pub fn attach_command(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<Command> {
        on_either!(self, p => p.call_attach_command(s, ctx))
    }
    pub fn volume(
        &self,
        s: &mut Store<HostState>,
        ctx: &Context,
        action: VolumeAction,
    ) -> Export<String> {
        on_either!(self, p => p.call_volume(s, ctx, action))
    }
    pub fn down(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<()> {
        on_either!(self, p => p.call_down(s, ctx))
    }
    pub fn destroy(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<()> {
        on_either!(self, p => p.call_destroy(s, ctx))
    }

    /// `observe` arrived in 0.3.0; a 0.2 component answers `not-implemented`.
    pub fn observe(&self, s: &mut Store<HostState>, ctx: &Context) -> Export<Observation> {
        match self {
            Bindings::Current(world) => world.megaplan_cloud_provider().call_observe(s, ctx),
            Bindings::V0_3(world) => world.megaplan_cloud_provider().call_observe(s, ctx),
            Bindings::V0_2(_) => Ok(Err(ProviderError {
                kind: ErrorKind::NotImplemented,
                message: "observe is not in contract 0.2.0, which this provider was built for"
                    .into(),
            })),
        }
    }
}
