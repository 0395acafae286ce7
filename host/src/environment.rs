//! The one place that reads the process environment. Everything else receives values
//! from here, so it is plain which settings the host honours and that secret values
//! are read only when an action needs them (the lint configuration forbids
//! `std::env::var` elsewhere).

#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::path::PathBuf;

/// The operator's home directory.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `MEGAPLAN_CLOUD_HOME` overrides `~/.megaplan/cloud` (tests, sandboxes).
pub fn cloud_home_override() -> Option<PathBuf> {
    std::env::var_os("MEGAPLAN_CLOUD_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Extra directories searched for third-party provider components.
pub fn provider_path() -> Vec<PathBuf> {
    std::env::var_os("MEGAPLAN_CLOUD_PROVIDER_PATH")
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The process's working directory (the lint configuration keeps
/// `std::env::current_dir` out of every other module).
pub fn current_dir() -> std::io::Result<PathBuf> {
    std::env::current_dir()
}

/// The host's PATH, for locating the programs providers ask for.
pub fn search_path() -> Option<OsString> {
    std::env::var_os("PATH")
}

/// What every child process inherits from the operator's environment: the programs'
/// search path and home, locale and terminal, the SSH agent and the Docker endpoint as
/// the operator set them. Nothing else rides along (no secrets, no `LD_PRELOAD`, no
/// `NODE_OPTIONS`, `BASH_ENV`, `GIT_SSH_COMMAND`, ...).
pub const CHILD_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "TZ",
    "TMPDIR",
    "SSH_AUTH_SOCK",
    "DOCKER_HOST",
    "DOCKER_CONFIG",
    "DOCKER_CONTEXT",
    "DOCKER_CERT_PATH",
    "DOCKER_TLS_VERIFY",
    "XDG_RUNTIME_DIR",
];

/// The operator's values of [`CHILD_ENV`], every `LC_*`, and `extra` names.
pub fn child_environment<'a>(extra: impl Iterator<Item = &'a str>) -> Vec<(OsString, OsString)> {
    let mut wanted: Vec<String> = CHILD_ENV.iter().map(|k| k.to_string()).collect();
    wanted.extend(extra.map(str::to_string));
    std::env::vars_os()
        .filter(|(key, _)| {
            key.to_str()
                .is_some_and(|key| wanted.iter().any(|w| w == key) || key.starts_with("LC_"))
        })
        .collect()
}

/// The local value of a secret, or `None` when unset or not valid UTF-8.
pub fn secret_value(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
