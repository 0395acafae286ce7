//! The supervisor's two remote scripts. The observation is `status --chain`'s with the
//! sync refresh first (so what is read is fresh), a fingerprint of what the decision
//! depends on, and the PR probe. The action takes the workspace's lock, re-checks the
//! fingerprint and only then restarts the session: compare-and-set, so a decision made
//! on facts that changed meanwhile mutates nothing.

use megaplan_cloud_shell::{posix_join, quote};

use crate::workflow::chain::observe::{self, Probe};
use crate::workflow::chain::{chain_command, state_path};
use crate::workflow::script::Script;

/// sysexits' EX_TEMPFAIL: the lock is held by another supervisor.
pub const LOCKED: i32 = 75;
/// sysexits' EX_DATAERR: the fingerprint changed since the observation.
pub const CHANGED: i32 = 65;

/// A hash of the chain state file and of the session's pane pids (or their absence):
/// what a restart decision depends on. `$1` the state file, `$2` the session.
const FINGERPRINT: &str = r#"{ sha256sum <"$1" 2>/dev/null || echo nostate; tmux list-panes -s -t "=$2" -F '#{pane_pid}' 2>/dev/null || echo absent; } | sha256sum | cut -c1-64"#;

/// Core's own sync capture, run where core is installed, with every value passed as
/// an argument (never pasted into the code). `$1` workspace, `$2` spec, `$3` session.
const SYNC_PY: &str = r#"import sys
from pathlib import Path
from megaplan.chain import _capture_sync_state, load_chain_state, save_chain_state
workspace, spec, session = sys.argv[1:4]
state = load_chain_state(Path(spec))
workspace = getattr(state, "resolved_workspace", None) or workspace
_capture_sync_state(Path(workspace), Path(spec), branch=None, pr_number=getattr(state, "pr_number", None), extra_repos=getattr(state, "extra_repos", None) or None)
state = load_chain_state(Path(spec))
state.resolved_workspace = workspace
state.chain_session = getattr(state, "chain_session", None) or session
save_chain_state(Path(spec), state)
"#;

pub fn observation(probe: &Probe<'_>) -> String {
    let state = state_path(probe.remote_spec);
    let mut script = Script::new();
    observe::set_fallbacks(&mut script, probe);
    script.step(
        "sync_refresh",
        &format!(
            "cd \"$1\" && python3 -c {} \"$1\" \"$2\" \"$3\"",
            quote(SYNC_PY)
        ),
        &["\"$W\"", &quote(probe.remote_spec), "\"$S\""],
    );
    observe::read_steps(&mut script, probe);
    script
        .step("fingerprint", FINGERPRINT, &[&quote(&state), "\"$S\""])
        .raw("if [ -n \"$N\" ]; then")
        .step(
            "pr",
            "cd \"$1\" && gh pr view \"$2\" --json state --jq .state 2>/dev/null || echo unknown",
            &["\"$W\"", "\"$N\""],
        )
        .raw("fi");
    script.finish()
}

/// The reference's restart line, the session addressed exactly, logging where the
/// session's launch logs.
pub fn restart_line(workspace: &str, session: &str, remote_spec: &str, log: &str) -> String {
    format!(
        "mkdir -p {} && tmux kill-session -t {} 2>/dev/null; tmux new-session -d -s {} -c {} {}; echo {}",
        quote(&posix_join(workspace, ".megaplan")),
        quote(&format!("={session}")),
        quote(session),
        quote(workspace),
        quote(&chain_command(remote_spec, true, log)),
        quote(&format!("restarted {session} session")),
    )
}

/// What an action needs: where, what it restarts, and what must still hold.
pub struct Act<'a> {
    pub workspace: &'a str,
    pub session: &'a str,
    pub remote_spec: &'a str,
    /// Where the restarted chain logs (the launch's choice).
    pub chain_log: &'a str,
    pub fingerprint: &'a str,
    /// Written into the lock: who holds it and since when.
    pub holder: &'a str,
    pub lock_ttl_secs: u64,
}

pub fn lock_dir(workspace: &str) -> String {
    posix_join(workspace, ".megaplan/supervisor.lock")
}

/// Takes the lock (`mkdir`; one older than the ttl is broken and the report says so),
/// releases it on every exit, re-checks the fingerprint, restarts.
pub fn action(act: &Act<'_>) -> String {
    let lock = lock_dir(act.workspace);
    let take = format!(
        "mkdir -p -- \"$(dirname -- \"$1\")\" || exit 1; \
         if mkdir -- \"$1\" 2>/dev/null; then printf '%s\\n' \"$2\" >\"$1/details\"; exit 0; fi; \
         held=$(cat -- \"$1/details\" 2>/dev/null); born=$(stat -c %Y -- \"$1\" 2>/dev/null || echo 0); \
         if [ $(( $(date +%s) - born )) -gt \"$3\" ]; then rm -f -- \"$1/details\"; \
         if rmdir -- \"$1\" && mkdir -- \"$1\"; then printf '%s\\n' \"$2\" >\"$1/details\"; printf 'broke a stale lock: %s\\n' \"$held\"; exit 0; fi; fi; \
         printf '%s\\n' \"$held\"; exit {LOCKED}"
    );
    let mut script = Script::new();
    script
        .step_or_stop(
            "lock",
            &take,
            &[&quote(&lock), &quote(act.holder), &act.lock_ttl_secs.to_string()],
        )
        .raw(&format!(
            "trap 'rm -f -- \"$s\"/* {l}/details; rmdir -- \"$s\" {l}' EXIT",
            l = quote(&lock).replace('\'', "'\\''")
        ))
        .step_or_stop(
            "check",
            &format!(
                "now=$(sh -c {} fp \"$2\" \"$3\"); [ \"$now\" = \"$1\" ] || {{ printf '%s\\n' \"$now\"; exit {CHANGED}; }}",
                quote(FINGERPRINT)
            ),
            &[
                &quote(act.fingerprint),
                &quote(&state_path(act.remote_spec)),
                &quote(act.session),
            ],
        )
        .step(
            "restart",
            &restart_line(act.workspace, act.session, act.remote_spec, act.chain_log),
            &[],
        );
    script.finish()
}

#[cfg(test)]
mod tests;
