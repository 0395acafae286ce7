//! The host's imports as a provider calls them: `process`, `files` and `log`. In a
//! component (`wasm32`) each call goes to the host; natively (a provider's own `cargo
//! test`) it goes to the [`TestHost`](crate::testing::TestHost) the test installed,
//! which holds it to the host's own rules.

/// Running commands on the operator's machine: the provider's only way to act.
pub mod process {
    use crate::{Command, Output, ProcessError};

    /// Runs a command to completion; a non-zero exit status is an `Ok` output.
    pub fn run(cmd: &Command) -> Result<Output, ProcessError> {
        #[cfg(target_arch = "wasm32")]
        return crate::bindings::megaplan::cloud::process::run(cmd);
        #[cfg(not(target_arch = "wasm32"))]
        return crate::testing::run(cmd, false);
    }

    /// Whether a declared program is on the operator's PATH.
    pub fn which(program: &str) -> bool {
        #[cfg(target_arch = "wasm32")]
        return crate::bindings::megaplan::cloud::process::which(program);
        #[cfg(not(target_arch = "wasm32"))]
        return crate::testing::which(program);
    }

    /// Runs a probe, which the host may answer from an earlier run (contract 0.4.0).
    pub fn probe(cmd: &Command) -> Result<Output, ProcessError> {
        #[cfg(target_arch = "wasm32")]
        return crate::bindings::megaplan::cloud::process::probe(cmd);
        #[cfg(not(target_arch = "wasm32"))]
        return crate::testing::run(cmd, true);
    }
}

/// Files in the deploy directory that only the host may write.
pub mod files {
    use crate::EnvEntry;

    /// Has the host render an env file (`NAME=value` lines, secrets expanded by the
    /// host) at `path` in the deploy directory, mode 0600.
    pub fn write_env_file(path: &str, entries: &[EnvEntry]) -> Result<(), String> {
        #[cfg(target_arch = "wasm32")]
        return crate::bindings::megaplan::cloud::files::write_env_file(path, entries);
        #[cfg(not(target_arch = "wasm32"))]
        return crate::testing::write_env_file(path, entries);
    }

    /// Has the host write a file of the provider's own (its transport's configuration,
    /// no secrets) at `path` in the deploy directory, mode 0644 (contract 0.5.0).
    pub fn write_file(path: &str, contents: &[u8]) -> Result<(), String> {
        #[cfg(target_arch = "wasm32")]
        return crate::bindings::megaplan::cloud::files::write_file(path, contents);
        #[cfg(not(target_arch = "wasm32"))]
        return crate::testing::write_file(path, contents);
    }
}

/// Which runner an operation is for (contract 0.6.0).
pub mod runner {
    /// `None` for the configuration's own runner; otherwise the name the host derived
    /// from a chain's identity, for a provider whose `chain_runners` said chains get a
    /// runner of their own.
    pub fn selected() -> Option<String> {
        #[cfg(target_arch = "wasm32")]
        return crate::bindings::megaplan::cloud::runner::selected();
        #[cfg(not(target_arch = "wasm32"))]
        return crate::testing::selected_runner();
    }

    /// The longest name the host gives a chain's runner.
    pub const NAME_MAX: usize = 24;

    /// The chain's runner this operation is for, when the configuration gives chains
    /// runners of their own (`per_chain`); `None` for the configuration's own runner.
    /// The name goes into object names and command lines, so one the host would not
    /// give (1 to 24 lower-case letters, digits and dashes, starting and ending with a
    /// letter or digit) is refused as `invalid-args` before anything runs.
    pub fn for_chain(per_chain: bool) -> Result<Option<String>, crate::ProviderError> {
        let Some(name) = selected().filter(|_| per_chain) else {
            return Ok(None);
        };
        let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        let ok = name.len() <= NAME_MAX
            && name.starts_with(alnum)
            && name.ends_with(alnum)
            && name.chars().all(|c| alnum(c) || c == '-');
        if ok {
            return Ok(Some(name));
        }
        Err(crate::error::error(
            crate::ErrorKind::InvalidArgs,
            format!("the runner {name:?} is not a name the host gives a chain's runner"),
        ))
    }
}

/// Lines for the operator, printed by the host (redacted) on standard error.
pub mod log {
    pub fn info(message: &str) {
        #[cfg(target_arch = "wasm32")]
        crate::bindings::megaplan::cloud::log::info(message);
        #[cfg(not(target_arch = "wasm32"))]
        crate::testing::log("info", message);
    }

    pub fn warn(message: &str) {
        #[cfg(target_arch = "wasm32")]
        crate::bindings::megaplan::cloud::log::warn(message);
        #[cfg(not(target_arch = "wasm32"))]
        crate::testing::log("warn", message);
    }
}
