//! Shell text shared by the host and the provider SDK: quoting and splitting with
//! Python `shlex` semantics (remote command lines must match the reference byte for
//! byte), POSIX path joining as Python's `PurePosixPath` does it, and the version of the
//! provider contract both sides are built from.
//!
//! It has no dependencies, so that depending on it costs a provider nothing and the
//! host never needs the guest SDK.

mod posix;
pub mod quote;

pub use posix::{posix_join, posix_parent};
pub use quote::{SplitError, quote, quote_join, split};

/// The version of the `megaplan:cloud` WIT package (`wit/provider.wit`) this build
/// speaks. Providers report it from `describe`; the host checks it.
pub const CONTRACT_VERSION: &str = "0.6.0";
