//! One function per action, each taking its options and returning data; the CLI
//! parses, calls exactly one of these, and prints what it returns. Everything an
//! action needs comes from its [`Context`].

mod chain;
mod chain_runner;
mod chain_status;
mod conformance;
mod context;
mod diagnose;
mod doctor;
mod health;
mod lifecycle;
mod log_relay;
mod plan;
mod providers;
mod scaffold;
mod session;
mod setup;
mod supervise;
mod teardown;

pub use chain::{ChainRequest, chain};
pub use chain_status::{ChainPick, chain_status};
pub use conformance::{Report as ConformanceReport, TestRequest, provider_test};
pub use context::{Context, Mount, Options, SessionRequest};
pub use doctor::{DoctorReport, doctor};
pub use lifecycle::{attach, build, deploy, down, exec, logs};
pub use plan::{BootstrapOptions, RepoOverrides, bootstrap, resume, status};
pub use providers::{
    InstallRequest, inspect as provider_inspect, install as provider_install, list as provider_list,
};
pub use scaffold::{NewProvider, new_provider};
pub use session::{Session, op_context};
pub use setup::{CLOUD_YAML_TEMPLATE, init, schema};
pub use supervise::supervise;
pub use teardown::{Persistence, destroy};
