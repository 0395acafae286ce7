//! The host's integration tests, as one test binary (each would otherwise link its own
//! copy of wasmtime). Run one part with a filter, e.g.
//! `cargo test -p megaplan-cloud --test integration capability`.

// A test binary: its helpers, like its tests, fail by panicking.
#![allow(clippy::unwrap_used)]

mod capability;
mod contract;
mod layering;
mod probe;
mod redaction_forms;
mod redaction_props;
mod redaction_stream;
mod schema_and_init;
