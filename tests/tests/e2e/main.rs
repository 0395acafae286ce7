//! The end-to-end suite, as one test binary: every module links the whole host,
//! wasmtime included, so one binary instead of a dozen saves about half a gigabyte of disk
//! and eight links per build. Run one part with a filter, e.g.
//! `cargo test -p megaplan-cloud-tests local_e2e`.

// A test binary: its helpers, like its tests, fail by panicking.
#![allow(clippy::unwrap_used)]

mod cli;
mod config_cli;
mod conformance;
mod dockerfile;
mod escapes;
mod fly_example;
mod hostile;
mod kubernetes_example;
mod local_e2e;
mod progress;
mod railway_cli;
mod railway_provider;
mod redaction_paths;
mod scaffold;
mod ssh_e2e;
mod swarm_chains_e2e;
mod swarm_e2e;
mod transcripts;
