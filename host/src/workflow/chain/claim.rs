//! A launch's claim on its tmux session and its state, in the launch script: the
//! session check (which chain owns the session, from the runner's session marker), the
//! state reset (what a relaunch keeps of an earlier run) and the marker written once
//! the session has started.

use serde_json::{Value, json};

use megaplan_cloud_shell::{posix_parent, quote};

use super::identity::{Identity, Placement};
use crate::error::{CloudError, CloudResult};
use crate::workflow::script::{StepResult, named_value};

/// The session step's exit when the running session belongs to another chain.
pub const OTHER_OWNER: i32 = 17;
/// `--fresh` met a running session no marker ties to this chain.
pub const UNOWNED: i32 = 18;
/// The reset step's exit when the state file cannot be read.
pub const UNREADABLE: i32 = 66;

/// Who the launching chain is, as the session marker records it.
pub struct Claim<'a> {
    pub identity: &'a Identity,
    pub placement: &'a Placement,
    pub started_at: &'a str,
}

impl Claim<'_> {
    /// The session marker's content (the later upstream's fields, in its order).
    pub fn marker(&self) -> Value {
        json!({
            "session": self.placement.session,
            "workspace": self.placement.workspace,
            "remote_spec": self.placement.remote_spec,
            "identity_digest": self.identity.digest,
            "chain_slug": self.identity.slug,
            "started_at": self.started_at,
        })
    }
}

fn target(session: &str) -> String {
    quote(&format!("={session}"))
}

/// Prints `alive=0|1 owner=none|same|other`; exits [`OTHER_OWNER`] when a live
/// session belongs to another chain. With `fresh`, stops a live session that is this
/// chain's, and refuses ([`UNOWNED`]) one that no marker ties to it.
pub fn session_line(claim: &Claim<'_>, fresh: bool) -> String {
    let t = target(&claim.placement.session);
    let owned = quote(&format!(
        "\"identity_digest\": ?\"{}\"",
        claim.identity.digest
    ));
    let fresh = if fresh { 1 } else { 0 };
    format!(
        "m={marker}; alive=0; if tmux has-session -t {t} 2>/dev/null; then alive=1; fi; \
         owner=none; if [ -f \"$m\" ]; then if grep -qE {owned} \"$m\"; then owner=same; else owner=other; fi; fi; \
         printf 'alive=%s owner=%s\\n' \"$alive\" \"$owner\"; \
         [ \"$alive\" = 1 ] || exit 0; [ \"$owner\" = other ] && exit {OTHER_OWNER}; \
         [ {fresh} = 1 ] || exit 0; [ \"$owner\" = same ] || exit {UNOWNED}; \
         tmux kill-session -t {t} && echo stopped",
        marker = quote(&claim.placement.session_marker),
    )
}

/// The reset decision, in Python because it reads JSON written by core. A state that
/// is reset is moved aside (never deleted) with the current plan's directory.
const RESET_PY: &str = r#"import json, os, re, sys, time
state, plans, marker, digest, fresh, spec, aside_root = sys.argv[1:8]
def done(status, **extra):
    print(json.dumps(dict(status=status, **extra))); sys.exit(0)
if not os.path.lexists(state): done("absent")
try:
    with open(state) as f: text = f.read()
    data = json.loads(text) if text.strip() else {}
    if data is None: data = {}
    if not isinstance(data, dict): raise ValueError("not a JSON object")
except (OSError, ValueError) as e:
    if fresh != "1":
        print("cannot read %s: %s" % (state, e), file=sys.stderr); sys.exit(66)
    data = {}
try:
    with open(marker) as f: owner = json.load(f)
except (OSError, ValueError): owner = {}
owner = owner if isinstance(owner, dict) else {}
why = None
if fresh == "1": why = "fresh"
elif not data: why = "empty"
elif data.get("last_state") == "stalled" and not data.get("completed"): why = "stalled_nothing_completed"
elif owner.get("identity_digest") not in (None, digest) and owner.get("remote_spec") == spec: why = "another_chain"
if why is None: done("preserved")
aside = os.path.join(aside_root, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + str(os.getpid()))
os.makedirs(aside)
os.rename(state, os.path.join(aside, os.path.basename(state)))
moved = []
plan = data.get("current_plan_name")
if isinstance(plan, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", plan) and os.path.isdir(os.path.join(plans, plan)):
    os.rename(os.path.join(plans, plan), os.path.join(aside, "plan-" + plan)); moved.append(plan)
done("reset", reason=why, moved_to=aside, plans=moved)"#;

/// Prints `{"status": "reset"|"preserved"|"absent", …}`. A live session keeps its
/// state; without `python3` nothing is reset.
pub fn reset_line(claim: &Claim<'_>, state_path: &str, fresh: bool) -> String {
    let placement = claim.placement;
    let plans = posix_parent(&posix_parent(state_path));
    let aside = megaplan_cloud_shell::posix_join(&placement.workspace, ".megaplan/cloud-reset");
    let args = [
        state_path,
        &plans,
        &placement.session_marker,
        &claim.identity.digest,
        if fresh { "1" } else { "0" },
        &placement.remote_spec,
        &aside,
    ];
    let state = quote(state_path);
    format!(
        "if tmux has-session -t {t} 2>/dev/null; then echo '{{\"status\": \"preserved\", \"reason\": \"session_running\"}}'; exit 0; fi; \
         if ! command -v python3 >/dev/null 2>&1; then if [ -e {state} ]; then echo '{{\"status\": \"preserved\", \"reason\": \"no_python3\"}}'; else echo '{{\"status\": \"absent\"}}'; fi; exit 0; fi; \
         python3 -c {code} {args}",
        t = target(&placement.session),
        code = quote(RESET_PY),
        args = megaplan_cloud_shell::quote_join(args),
    )
}

/// Writes the session marker atomically, once the session has started.
pub fn marker_line(claim: &Claim<'_>) -> String {
    let path = &claim.placement.session_marker;
    let partial = format!("{path}.partial");
    format!(
        "mkdir -p -- {dir} && printf '%s\\n' {json} >{partial} && mv -f -- {partial} {path}",
        dir = quote(&posix_parent(path)),
        json = quote(&claim.marker().to_string()),
        partial = quote(&partial),
        path = quote(path),
    )
}

/// What the session step saw: `(alive, owner)`.
fn seen(step: &StepResult) -> (bool, String) {
    let text = step.stdout_text();
    let first = text.lines().next().unwrap_or_default();
    let alive = first.contains("alive=1");
    let owner = named_value(first, "owner").unwrap_or("none").to_string();
    (alive, owner)
}

/// The session step's verdict: whether it stopped this chain's earlier session.
pub fn session_result(
    redact: &dyn Fn(&str) -> String,
    placement: &Placement,
    step: &StepResult,
) -> CloudResult<bool> {
    let session = &placement.session;
    let marker = &placement.session_marker;
    match step.exit {
        0 => Ok(step.stdout_text().lines().any(|line| line == "stopped")),
        OTHER_OWNER | UNOWNED => {
            let (_, owner) = seen(step);
            let why = if step.exit == OTHER_OWNER {
                format!(
                    "tmux session {session} is running another chain (its marker {marker} names a different chain)"
                )
            } else {
                format!(
                    "tmux session {session} is running and no marker ({marker}) shows it is this chain, so --fresh will not stop it"
                )
            };
            Err(CloudError::new(
                "chain_session_collision",
                format!("{why}; launch with --isolated or another chain_session, or stop that session first"),
            )
            .with("session", session.as_str())
            .with("session_marker", marker.as_str())
            .with("owner", owner))
        }
        exit => Err(step_failure(
            redact,
            "remote tmux session check failed",
            step,
            exit,
        )),
    }
}

/// The reset step's JSON, or the launch-blocking error.
pub fn reset_result(
    redact: &dyn Fn(&str) -> String,
    state_path: &str,
    step: &StepResult,
) -> CloudResult<Value> {
    match step.exit {
        0 => serde_json::from_str(step.stdout_text().trim()).map_err(|_| {
            CloudError::new(
                "provider_failed",
                redact(&format!(
                    "remote chain state reset check printed no JSON: {}",
                    step.stdout_text().trim()
                )),
            )
        }),
        UNREADABLE => Err(CloudError::new(
            "chain_state_unreadable",
            redact(&format!(
                "the chain state {state_path} cannot be read ({}); it was left as it is and nothing was launched: fix or move it, or relaunch with --fresh",
                step.stderr_text()
            )),
        )
        .with("state_path", state_path)),
        exit => Err(step_failure(
            redact,
            "remote chain state reset check failed",
            step,
            exit,
        )),
    }
}

fn step_failure(
    redact: &dyn Fn(&str) -> String,
    what: &str,
    step: &StepResult,
    exit: i32,
) -> CloudError {
    CloudError::new(
        "provider_failed",
        redact(&format!("{what} (exit {exit}): {}", step.stderr_text())),
    )
    .with("exit_code", exit)
    .with("stdout", redact(step.stdout_text().trim()))
    .with("stderr", redact(&step.stderr_text()))
}
