//! The guest side of the megaplan-cloud provider contract.
//!
//! A provider is an ordinary Rust crate built as a `cdylib` for `wasm32-wasip2`:
//!
//! ```ignore
//! use megaplan_cloud_sdk::prelude::*;
//!
//! struct Fly;
//!
//! impl ProviderImpl for Fly {
//!     fn describe() -> Description { /* ... */ }
//!     fn exec(ctx: Context, line: String, input: Stdin) -> Result<Output, ProviderError> {
//!         Cmd::new("flyctl").args(["ssh", "console", "-C", &line]).stdin(input).run_ok()
//!     }
//!     // operations left out answer `not_implemented`
//! }
//!
//! megaplan_cloud_sdk::export!(Fly);
//! ```

pub mod command;
pub mod config;
pub mod docker;
pub mod error;
mod imports;
pub mod paths;
mod provider;
pub mod remote;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

/// Shell quoting and splitting with Python `shlex` semantics.
pub use megaplan_cloud_shell::quote;

/// The bindings generated from `wit/provider.wit`.
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "provider-world",
        pub_export_macro: true,
        export_macro_name: "export_provider",
        default_bindings_module: "megaplan_cloud_sdk::bindings",
        // So a provider's own tests can compare what its operations return.
        additional_derives: [PartialEq],
        generate_all,
    });
}

pub use bindings::exports::megaplan::cloud::provider::Guest as Provider;
pub use bindings::megaplan::cloud::observation::{ContainerState, Disk, Observation};
pub use bindings::megaplan::cloud::types::{
    Check, Command, Context, DeployDir, Description, EnvEntry, ErrorKind, Features, LogSource,
    Output, OutputMode, ProcessError, Program, ProviderError, Stdin, VolumeAction,
};
pub use imports::{files, log, process, runner};
pub use provider::ProviderImpl;

/// The contract version this SDK was built from; report it from `describe`.
pub use megaplan_cloud_shell::CONTRACT_VERSION;

/// Everything a provider usually needs, in one import.
pub mod prelude {
    pub use crate::command::{Cmd, OutputExt};
    pub use crate::config::parse_config;
    pub use crate::error::{error, failed, not_implemented, unavailable};
    pub use crate::paths::{base64_encode, posix_join, posix_parent};
    pub use crate::quote::{quote, quote_join};
    pub use crate::{
        CONTRACT_VERSION, Check, Command, ContainerState, Context, DeployDir, Description, Disk,
        EnvEntry, ErrorKind, Features, LogSource, Observation, Output, OutputMode, Program,
        ProviderError, ProviderImpl, Stdin, VolumeAction, files, log, process, runner,
    };
}
