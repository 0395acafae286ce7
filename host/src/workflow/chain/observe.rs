//! Everything `status --chain` (and the supervisor) reads from the runner, in one
//! transport call: the chain state, the remote spec, the runtime policy overrides, the
//! tmux session's liveness, the chain log's stat, and, when a plan is current, its
//! `megaplan status` and verify-human facts. The state names the workspace, session
//! and plan the later probes need, so the script reads them out of it in place (with
//! python3, which every megaplan runner has) and falls back to what the host resolved.

use serde_json::{Map, Value, json};

use megaplan_cloud_shell::quote;

use super::{runtime_policy_path, state_path};
use crate::config::python_repr;
use crate::error::{CloudError, CloudResult};
use crate::workflow::Runner;
use crate::workflow::script::{Report, Script, StepResult};

/// sysexits' EX_NOINPUT: the state step's "no state file yet".
const MISSING: i32 = 66;

/// Reads three context values out of the state into files of the scratch directory;
/// blank or non-string values count as absent, as the host's own parsing does.
const CONTEXT_PY: &str = r#"import json, os, sys
try:
    state = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception:
    state = {}
state = state if isinstance(state, dict) else {}
for key in ("resolved_workspace", "chain_session", "current_plan_name"):
    value = state.get(key)
    with open(os.path.join(sys.argv[2], key), "w", encoding="utf-8") as out:
        out.write(value if isinstance(value, str) and value.strip() else "")
number = state.get("pr_number")
with open(os.path.join(sys.argv[2], "pr_number"), "w", encoding="utf-8") as out:
    out.write(str(number) if isinstance(number, int) and not isinstance(number, bool) else "")
"#;

/// What the host already knows, for the probes when the state does not say.
pub struct Probe<'a> {
    pub remote_spec: &'a str,
    pub workspace: &'a str,
    pub session: &'a str,
    /// The chain log: relative to the workspace, or absolute.
    pub chain_log: &'a str,
}

/// The raw facts, each already in the shape the payload shows.
pub struct Observation {
    pub state_path: String,
    pub state: Map<String, Value>,
    pub spec_text: String,
    pub runtime_policy: Map<String, Value>,
    pub plan_status: Option<Value>,
    /// Whether the tmux session the state (or the host) names exists.
    pub runner_alive: bool,
    pub log_stat: Option<(i64, i64)>,
    pub verify_human: Option<StepResult>,
}

pub fn script(probe: &Probe<'_>) -> String {
    let mut script = Script::new();
    set_fallbacks(&mut script, probe);
    read_steps(&mut script, probe);
    script.finish()
}

/// `W`, `S`, `P` (and `N`, the PR number): the workspace, session, plan the probes use,
/// set to the host's fallbacks until the state says otherwise.
pub fn set_fallbacks(script: &mut Script, probe: &Probe<'_>) {
    script.raw(&format!(
        "W={}; S={}; P=''; N=''",
        quote(probe.workspace),
        quote(probe.session)
    ));
}

/// The state (stops when absent), the context read from it, and every other fact.
pub fn read_steps(script: &mut Script, probe: &Probe<'_>) {
    let state = state_path(probe.remote_spec);
    script
        .step_or_stop(
            "state",
            &format!("[ -e \"$1\" ] || exit {MISSING}; cat -- \"$1\""),
            &[&quote(&state)],
        )
        .raw(&format!(
            "if command -v python3 >/dev/null 2>&1; then python3 -c {} {} \"$s\" 2>/dev/null; fi",
            quote(CONTEXT_PY),
            quote(&state)
        ))
        .raw(&read_value("W", "resolved_workspace"))
        .raw(&read_value("S", "chain_session"))
        .raw(&read_value("P", "current_plan_name"))
        .raw(&read_value("N", "pr_number"))
        .step("spec", "cat -- \"$1\"", &[&quote(probe.remote_spec)])
        .step(
            "policy",
            "cat -- \"$1\"",
            &[&quote(&runtime_policy_path(probe.remote_spec))],
        )
        .step(
            "runner",
            "tmux has-session -t \"=$1\" 2>/dev/null && echo alive || echo dead",
            &["\"$S\""],
        )
        .step(
            "log",
            "case \"$2\" in /*) p=$2 ;; *) p=$1/$2 ;; esac; stat -c '%Y %s' \"$p\" 2>/dev/null || echo unavailable",
            &["\"$W\"", &quote(probe.chain_log)],
        )
        .raw("if [ -n \"$P\" ]; then")
        .step(
            "plan_status",
            "cd \"$1\" && megaplan status --plan \"$2\"",
            &["\"$W\"", "\"$P\""],
        )
        .step(
            "verify_human",
            "cd \"$1\" && MEGAPLAN_TRUSTED_CONTAINER=1 megaplan verify-human --list --plan \"$2\" --json",
            &["\"$W\"", "\"$P\""],
        )
        .raw("fi");
}

/// `VAR=<file's content>` when the file is not empty, trailing newlines kept (a
/// command substitution alone would strip them).
fn read_value(var: &str, key: &str) -> String {
    format!(
        "if [ -s \"$s/{key}\" ]; then {var}=$(cat \"$s/{key}\"; printf x); {var}=${{{var}%x}}; fi"
    )
}

/// Runs the observation; `None` on a dry run.
pub fn observe(runner: &mut dyn Runner, probe: &Probe<'_>) -> CloudResult<Option<Observation>> {
    let output = runner.run(&script(probe))?;
    if runner.dry_run() {
        runner.note("dry run: the chain's state comes from the runner, which was not contacted");
        return Ok(None);
    }
    let report = Report::parse(&output, &|text| runner.redact(text))?;
    read(runner, probe, &report).map(Some)
}

pub fn read(runner: &dyn Runner, probe: &Probe<'_>, report: &Report) -> CloudResult<Observation> {
    let state_path = state_path(probe.remote_spec);
    let missing_step = |name: &str| {
        CloudError::new(
            "provider_failed",
            format!("the remote status script stopped before its {name} step"),
        )
    };
    let state_step = report.step("state").ok_or_else(|| missing_step("state"))?;
    if state_step.exit == MISSING {
        return Err(CloudError::new(
            "chain_state_missing",
            format!(
                "No chain state at {state_path} yet: the chain has not written any state (was it launched with `megaplan-cloud chain`?)"
            ),
        )
        .with("state_path", state_path));
    }
    if state_step.exit != 0 {
        return Err(failure(
            runner,
            state_step,
            "reading the chain state failed",
        ));
    }
    let state = match serde_json::from_slice::<Value>(&state_step.stdout) {
        Ok(Value::Object(map)) => map,
        Ok(_) => Map::new(),
        Err(error) => {
            return Err(CloudError::new(
                "provider_failed",
                format!("Remote chain state was not valid JSON: {error}"),
            ));
        }
    };
    let spec_step = report.step("spec").ok_or_else(|| missing_step("spec"))?;
    if spec_step.exit != 0 {
        return Err(failure(
            runner,
            spec_step,
            "reading the remote chain spec failed",
        ));
    }
    let runtime_policy = report
        .step("policy")
        .filter(|step| step.exit == 0)
        .and_then(|step| serde_json::from_slice::<Value>(&step.stdout).ok())
        .and_then(|value| value.as_object().cloned())
        .unwrap_or_default();
    let runner_fact = report
        .step("runner")
        .ok_or_else(|| missing_step("runner"))?;
    Ok(Observation {
        state_path,
        state,
        spec_text: spec_step.stdout_text(),
        runtime_policy,
        plan_status: report
            .step("plan_status")
            .map(|step| plan_status(runner, step)),
        runner_alive: runner_fact.exit == 0 && runner_fact.stdout_text().contains("alive"),
        log_stat: report.step("log").and_then(log_stat),
        verify_human: report.step("verify_human").cloned(),
    })
}

fn failure(runner: &dyn Runner, step: &StepResult, fallback: &str) -> CloudError {
    let stderr = step.stderr_text();
    let message = if stderr.is_empty() {
        fallback.to_string()
    } else {
        stderr
    };
    CloudError::new("provider_failed", runner.redact(&message))
}

fn plan_status(runner: &dyn Runner, step: &StepResult) -> Value {
    if step.exit != 0 {
        let reason = runner.redact(&step_detail(step));
        return json!({"status": "unavailable", "reason": reason});
    }
    match serde_json::from_slice::<Value>(&step.stdout) {
        Ok(value @ Value::Object(_)) => value,
        Ok(_) => {
            json!({"status": "unavailable", "reason": "megaplan status did not return a JSON object"})
        }
        Err(error) => {
            json!({"status": "unavailable", "reason": format!("megaplan status did not return JSON: {error}")})
        }
    }
}

fn step_detail(step: &StepResult) -> String {
    let stderr = step.stderr_text();
    if stderr.is_empty() {
        format!("exit {}", step.exit)
    } else {
        stderr
    }
}

/// The runner probe's object for `session`.
pub fn runner_status(alive: bool, session: &str) -> Value {
    if alive {
        json!({"status": "alive", "session": session, "detail": "tmux session present"})
    } else {
        json!({"status": "dead", "session": session, "detail": "tmux session absent"})
    }
}

fn log_stat(step: &StepResult) -> Option<(i64, i64)> {
    let text = step.stdout_text();
    let mut words = text.split_whitespace();
    let mtime = words.next()?.parse().ok()?;
    let size = words.next()?.parse().ok()?;
    Some((mtime, size))
}

/// The verify-human facts as the payload shows them.
pub fn human_verification(step: Option<&StepResult>) -> Value {
    let Some(step) = step else {
        return json!({"status": "unavailable", "reason": "no current plan"});
    };
    let stdout = step.stdout_text();
    if stdout.trim().is_empty() {
        return json!({"status": "unavailable", "reason": "empty stdout"});
    }
    let payload = match serde_json::from_str::<Value>(&stdout) {
        Ok(payload) => payload,
        Err(error) => {
            return json!({"status": "unavailable", "reason": format!("invalid JSON: {error}")});
        }
    };
    let semantics = payload.get("semantics").cloned().unwrap_or(Value::Null);
    if semantics != "latest_verdict" {
        let shown = match &semantics {
            Value::String(text) => python_repr(text),
            Value::Null => "None".to_string(),
            other => other.to_string(),
        };
        return json!({
            "status": "unavailable",
            "reason": format!("remote payload semantics {shown} != 'latest_verdict'; facts may be stale"),
            "raw_semantics": semantics,
        });
    }
    json!({
        "status": "available",
        "pending": payload.get("pending").cloned().unwrap_or(json!(0)),
        "verified": payload.get("verified").cloned().unwrap_or(json!(0)),
        "all_deferred_must_verified": payload.get("all_deferred_must_verified").cloned().unwrap_or(json!(false)),
        "rows": payload.get("rows").cloned().unwrap_or(json!([])),
        "semantics": "latest_verdict",
    })
}

#[cfg(test)]
mod tests;
