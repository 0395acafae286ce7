//! megaplan-cloud: the host. It owns the CLI, configuration, secrets, redaction and
//! every subprocess; transports are WebAssembly provider components (see `plugin`).

pub mod capability;
pub mod cli;
pub mod config;
pub mod console;
pub mod deploy_dir;
pub mod environment;
pub mod error;
pub mod fs;
pub mod json;
pub mod markers;
pub mod ops;
pub mod paths;
pub mod plugin;
pub mod progress;
pub mod project;
pub mod redact;
pub mod secrets;
pub mod template;
pub mod workflow;
