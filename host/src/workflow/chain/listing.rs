//! `status --chain --all`: every chain on the runner, from the session markers the
//! launches wrote, in one transport call. For each marker the script reads the chain's
//! state and spec, asks tmux whether its session lives and, with a current plan, asks
//! `megaplan status`; the host classifies each chain as `status --chain` does.

use serde_json::{Map, Value, json};

use megaplan_cloud_shell::{posix_join, quote};

use super::classify::{self, Facts};
use super::observe::runner_status;
use super::status::effective_policy;
use crate::config::chain_spec::ChainSpec;
use crate::error::{CloudError, CloudResult};
use crate::workflow::Runner;

/// Everything is read with list argv (no shell), every marker value checked for its
/// type, and files capped at 1 MiB: the markers and states are the runner's, not ours.
const LIST_PY: &str = r#"import glob, hashlib, json, os, re, subprocess, sys
root = sys.argv[1]
def state_path(spec):
    digest = hashlib.sha1(spec.encode()).hexdigest()[:12]
    name = spec.rsplit("/", 1)[-1]
    at = name.rfind(".")
    stem = name[:at] if at > 0 else name
    return os.path.join(os.path.dirname(spec), ".megaplan", "plans", ".chains", stem + "-" + digest + ".json")
def read(path):
    try:
        with open(path, "rb") as f: return f.read(1 << 20).decode("utf-8", "replace")
    except OSError: return None
def load(path):
    text = read(path)
    try: value = json.loads(text) if text else None
    except ValueError: return None
    return value if isinstance(value, dict) else None
out = []
for path in sorted(glob.glob(os.path.join(root, ".megaplan", "cloud-sessions", "*.json"))):
    marker = load(path)
    fields = [(marker or {}).get(k) for k in ("session", "workspace", "remote_spec")]
    if not all(isinstance(v, str) and v for v in fields):
        out.append({"marker_path": path, "error": "unreadable or incomplete session marker"}); continue
    session, ws, spec = fields
    alive = subprocess.run(["tmux", "has-session", "-t", "=" + session], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    state = load(state_path(spec))
    plan = (state or {}).get("current_plan_name")
    plan_status = None
    if isinstance(plan, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", plan):
        try:
            done = subprocess.run(["megaplan", "status", "--plan", plan], cwd=ws, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
            plan_status = done.stdout
        except (OSError, subprocess.SubprocessError): pass
    out.append({"marker_path": path, "marker": marker, "alive": alive, "state_path": state_path(spec), "state": state, "spec": read(spec), "plan_status": plan_status})
print(json.dumps(out))"#;

/// The one remote command: `root` holds `.megaplan/cloud-sessions/`.
pub fn line(root: &str) -> String {
    format!("python3 -c {} {}", quote(LIST_PY), quote(root))
}

/// Lists every chain; `None` on a dry run.
pub fn list(runner: &mut dyn Runner, root: &str) -> CloudResult<Option<Value>> {
    let command = line(root);
    let output = runner.run(&command)?;
    if runner.dry_run() {
        return Ok(None);
    }
    if output.status != 0 {
        return Err(runner.failure(&command, &output));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let entries: Vec<Value> = serde_json::from_str(text.trim()).map_err(|e| {
        CloudError::new(
            "provider_failed",
            runner.redact(&format!("the chain listing was not valid JSON: {e}")),
        )
    })?;
    let chains: Vec<Value> = entries.iter().map(row).collect();
    Ok(Some(json!({
        "success": true,
        "sessions_dir": posix_join(root, ".megaplan/cloud-sessions"),
        "count": chains.len(),
        "chains": chains,
    })))
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// One chain as the listing shows it.
fn row(entry: &Value) -> Value {
    let marker = &entry["marker"];
    let Some(session) = text(marker, "session") else {
        return json!({"session_marker": entry["marker_path"], "error": entry["error"]});
    };
    let alive = entry["alive"] == Value::Bool(true);
    let spec = text(entry, "spec").and_then(|t| ChainSpec::parse(t, "chain.yaml").ok());
    let state = entry["state"].clone();
    let index = state.get("current_milestone_index").and_then(Value::as_i64);
    let milestone = spec.as_ref().and_then(|spec| {
        let at = usize::try_from(index?).ok()?;
        spec.milestones.get(at).map(|m| m.label.clone())
    });
    let plan_status = text(entry, "plan_status")
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .unwrap_or(Value::Null);
    json!({
        "session": session,
        "alive": alive,
        "effective_status": effective(&state, spec.as_ref(), &plan_status, alive, session),
        "current_milestone": milestone,
        "current_milestone_index": index,
        "milestone_count": spec.as_ref().map(|s| s.milestones.len()),
        "last_state": state.get("last_state"),
        "current_plan_name": state.get("current_plan_name"),
        "plan_state": classify::plan_state(&plan_status),
        "workspace": marker.get("workspace"),
        "remote_spec": marker.get("remote_spec"),
        "identity_digest": marker.get("identity_digest"),
        "started_at": marker.get("started_at"),
        "state_path": entry["state_path"],
        "session_marker": entry["marker_path"],
    })
}

/// `status --chain`'s classification; a chain with no state yet is `no_state`.
fn effective(
    state: &Value,
    spec: Option<&ChainSpec>,
    plan_status: &Value,
    alive: bool,
    session: &str,
) -> &'static str {
    if !state.is_object() {
        return "no_state";
    }
    let policy = spec
        .map(|spec| effective_policy(spec, &Map::new()))
        .unwrap_or(Value::Null);
    classify::effective_status(&Facts {
        state,
        milestone_count: spec.map_or(0, |s| s.milestones.len()),
        policy: &policy,
        plan_status,
        runner: &runner_status(alive, session),
        human_verification: &Value::Null,
    })
}

/// The stderr block: one line per chain.
pub fn summary(listing: &Value) -> String {
    let chains = listing["chains"].as_array().cloned().unwrap_or_default();
    let mut out = format!("Chains on the runner: {}\n", chains.len());
    for chain in &chains {
        let Some(session) = text(chain, "session") else {
            out.push_str(&format!(
                "  ? {}: {}\n",
                chain["session_marker"].as_str().unwrap_or_default(),
                chain["error"].as_str().unwrap_or_default()
            ));
            continue;
        };
        let liveness = if chain["alive"] == Value::Bool(true) {
            "alive"
        } else {
            "dead"
        };
        let milestone = match (
            text(chain, "current_milestone"),
            chain["milestone_count"].as_u64(),
        ) {
            (Some(label), Some(count)) => {
                let at = chain["current_milestone_index"].as_i64().unwrap_or(0) + 1;
                format!("{label} ({at}/{count})")
            }
            _ => "-".to_string(),
        };
        out.push_str(&format!(
            "  {session}  {liveness}  {}  {milestone}  {}\n",
            text(chain, "effective_status").unwrap_or("?"),
            text(chain, "workspace").unwrap_or("?"),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
