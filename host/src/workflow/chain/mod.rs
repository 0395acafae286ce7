//! The chain workflow's pieces that need no runner: where core keeps a chain's state,
//! the tmux launch line, and which local file each milestone's idea comes from. The
//! `chain` and `status --chain` commands are built on them (issue #12).

pub mod archive;
pub mod capacity;
pub mod claim;
pub mod classify;
#[cfg(test)]
mod documented;
pub mod ideas;
pub mod identity;
pub mod launch;
pub mod listing;
pub mod observe;
pub mod payload;
pub mod preflight;
pub mod status;
pub mod summary;
#[cfg(test)]
pub(crate) mod testbed;
pub mod verify;

use megaplan_cloud_shell::{posix_join, posix_parent, quote};
use sha1::{Digest, Sha1};

/// The tmux session a chain runs in when cloud.yaml names none.
pub const DEFAULT_SESSION: &str = "megaplan-chain";

/// Core's state file for the chain spec at `remote_spec` (a path in the runner):
/// `<dir>/.megaplan/plans/.chains/<stem>-<sha1(path)[:12]>.json`.
pub fn state_path(remote_spec: &str) -> String {
    chain_file(remote_spec, "json")
}

/// The runtime policy overrides beside the state file.
pub fn runtime_policy_path(remote_spec: &str) -> String {
    chain_file(remote_spec, "runtime_policy.json")
}

fn chain_file(remote_spec: &str, suffix: &str) -> String {
    let digest = Sha1::digest(remote_spec.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let name = remote_spec.rsplit('/').next().unwrap_or(remote_spec);
    let stem = match name.rfind('.') {
        Some(at) if at > 0 => &name[..at],
        _ => name,
    };
    let dir = posix_join(&posix_parent(remote_spec), ".megaplan/plans/.chains");
    posix_join(&dir, &format!("{stem}-{hex}.{suffix}"))
}

/// The command core runs the chain with, appending to `log` (relative to the
/// workspace, see [`identity::chain_log`]).
pub fn chain_command(remote_spec: &str, one: bool, log: &str) -> String {
    let one = if one { " --one" } else { "" };
    format!(
        "MEGAPLAN_TRUSTED_CONTAINER=1 megaplan chain start --spec {}{one} >> {} 2>&1",
        quote(remote_spec),
        quote(log)
    )
}

/// Starts the chain in a detached tmux session unless that session already runs. The
/// session is addressed exactly (`=name`), so `megaplan-chain` never matches
/// `megaplan-chain-old`.
pub fn launch_line(workspace: &str, session: &str, remote_spec: &str, log: &str) -> String {
    // `echo` as the reference prints it, unless the name has a backslash, which some
    // shells' `echo` would turn into an escape.
    let say = if session.contains('\\') {
        "printf '%s\\n'"
    } else {
        "echo"
    };
    let running = quote(&format!("{session} session already running"));
    let started = quote(&format!("started {session} session"));
    format!(
        "mkdir -p {} && if tmux has-session -t {} 2>/dev/null; then {say} {running}; else tmux new-session -d -s {} -c {} {}; {say} {started}; fi",
        quote(&posix_join(workspace, ".megaplan")),
        quote(&format!("={session}")),
        quote(session),
        quote(workspace),
        quote(&chain_command(remote_spec, false, log)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_paths_are_cores() {
        // The reference's own example.
        assert_eq!(
            state_path("/workspace/app/chain.yaml"),
            "/workspace/app/.megaplan/plans/.chains/chain-31aeaa26cfe5.json"
        );
        assert_eq!(
            runtime_policy_path("/workspace/app/chain.yaml"),
            "/workspace/app/.megaplan/plans/.chains/chain-31aeaa26cfe5.runtime_policy.json"
        );
    }

    #[test]
    fn the_launch_line_for_the_defaults() {
        assert_eq!(
            launch_line(
                "/workspace/app",
                DEFAULT_SESSION,
                "/workspace/app/chain.yaml",
                identity::REFERENCE_LOG,
            ),
            "mkdir -p /workspace/app/.megaplan && if tmux has-session -t =megaplan-chain 2>/dev/null; \
             then echo 'megaplan-chain session already running'; else tmux new-session -d -s megaplan-chain \
             -c /workspace/app 'MEGAPLAN_TRUSTED_CONTAINER=1 megaplan chain start --spec \
             /workspace/app/chain.yaml >> .megaplan/cloud-chain.log 2>&1'; echo 'started megaplan-chain session'; fi"
        );
    }

    #[test]
    fn hostile_names_stay_words_in_a_real_shell() {
        #[allow(clippy::disallowed_methods, clippy::disallowed_types)] // checks against a real shell
        fn words(line: &str) -> String {
            // Print each word tmux would receive instead of running tmux.
            let script = format!(
                "tmux() {{ printf '[%s]' \"$@\"; echo; return 1; }}; mkdir() {{ :; }}; {line}"
            );
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap()
        }
        let line = launch_line(
            "/work space/$(id)",
            "s'; rm -rf / #",
            "/x/`id`.yaml",
            ".megaplan/cloud-chain-$(id).log",
        );
        let printed = words(&line);
        assert!(
            printed.contains("[has-session][-t][=s'; rm -rf / #]"),
            "{printed}"
        );
        assert!(
            printed.contains("[-s][s'; rm -rf / #][-c][/work space/$(id)]"),
            "{printed}"
        );
        assert!(printed.contains("--spec '/x/`id`.yaml'"), "{printed}");
        assert!(
            printed.contains(">> '.megaplan/cloud-chain-$(id).log' 2>&1"),
            "{printed}"
        );
    }
}
