//! One supervisor tick: observe in one call, decide, and act in at most one more. The
//! report has the reference's keys in its order; `refused_code` (and `lock`, when a
//! stale lock was broken) come after them, so parsers of the reference's report keep
//! working.

use serde_json::{Map, Value, json};

use super::decide::{Decision, Human, Situation, decide};
use super::scripts::{self, Act, CHANGED, LOCKED};
use crate::config::chain_spec::ChainSpec;
use crate::error::CloudResult;
use crate::workflow::Runner;
use crate::workflow::chain::observe::{self, Probe};
use crate::workflow::chain::status::{self, ChainStatus};
use crate::workflow::script::Report;

pub struct Tick<'a> {
    pub probe: Probe<'a>,
    pub local: status::Local<'a>,
    /// The provider can run remote commands.
    pub remote_exec: bool,
    pub budget_left: bool,
    pub holder: &'a str,
    pub lock_ttl_secs: u64,
}

pub struct Outcome {
    pub report: Value,
    /// A restart or advance ran: the restart budget spends one.
    pub restarted: bool,
}

impl Outcome {
    pub fn success(&self) -> bool {
        self.report["success"] == true
    }
}

/// The reference's error report: nothing was read, so nothing was decided.
pub fn error_report(reason: &str, code: &str) -> Value {
    json!({
        "success": false, "event": "supervisor_error", "spec": "", "effective_status": "unknown",
        "next_action": "none", "acted": false, "refused_reason": reason,
        "runner": {}, "sync": {}, "pr": {}, "logs": {}, "refused_code": code,
    })
}

/// The one line on stderr, with Python's booleans as the reference prints them.
pub fn stderr_line(report: &Value) -> String {
    let acted = if report["acted"] == true {
        "True"
    } else {
        "False"
    };
    let mut line = format!(
        "supervisor tick: {} | acted={acted} | next_action={}",
        report["event"].as_str().unwrap_or(""),
        report["next_action"].as_str().unwrap_or("")
    );
    if let Some(reason) = report["refused_reason"].as_str() {
        line.push_str(&format!(" | refused_reason={reason}"));
    }
    line
}

/// Runs the tick; `None` on a dry run.
pub fn tick(runner: &mut dyn Runner, t: &Tick<'_>) -> CloudResult<Option<Outcome>> {
    let output = runner.run(&scripts::observation(&t.probe))?;
    if runner.dry_run() {
        runner.note("dry run: the tick decides from the runner's answer, which was not read");
        return Ok(None);
    }
    let observed = Report::parse(&output, &|text| runner.redact(text))
        .and_then(|report| observed(runner, t, report));
    let (report, status) = match observed {
        Ok(found) => found,
        Err(error) => {
            let reason = format!("chain status read failed: {}", error.message);
            return Ok(Some(Outcome {
                report: error_report(&runner.redact(&reason), "status_read_failed"),
                restarted: false,
            }));
        }
    };
    let situation = situation(t, &report, &status.payload);
    let decision = decide(&situation);
    let mut out = tick_report(&status.payload, &report, &decision);
    let restarted = decision.mutation.is_some()
        && act(runner, t, &report, &status.payload, &decision, &mut out)?;
    Ok(Some(Outcome {
        report: out,
        restarted,
    }))
}

fn observed(
    runner: &dyn Runner,
    t: &Tick<'_>,
    report: Report,
) -> CloudResult<(Report, ChainStatus)> {
    let observation = observe::read(runner, &t.probe, &report)?;
    let name = t
        .probe
        .remote_spec
        .rsplit('/')
        .next()
        .unwrap_or("chain.yaml");
    let chain = ChainSpec::parse(&observation.spec_text, name)?;
    let status = status::build(&observation, &chain, &t.local);
    Ok((report, status))
}

fn situation(t: &Tick<'_>, report: &Report, payload: &Value) -> Situation {
    let consistency = &payload["provider_consistency"];
    let human = &payload["human_verification"];
    Situation {
        effective_status: payload["effective_status"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        consistency_mismatch: (consistency["status"] == "mismatch")
            .then(|| consistency["reason"].as_str().unwrap_or("").to_string()),
        runner_status: payload["runner"]["status"]
            .as_str()
            .unwrap_or("unknown")
            .to_string(),
        remote_exec: t.remote_exec,
        pr_number: payload["chain_state"]["pr_number"].as_i64(),
        pr_state: report
            .step("pr")
            .map(|step| step.stdout_text().trim().to_lowercase())
            .filter(|state| !state.is_empty())
            .unwrap_or_else(|| "unknown".into()),
        human: if human["status"] == "available" {
            Human::Available {
                pending: human["pending"].as_i64().unwrap_or(0),
                verified: human["verified"].as_i64().unwrap_or(0),
                all_verified: human["all_deferred_must_verified"] == true,
            }
        } else {
            Human::Unavailable(human["reason"].as_str().unwrap_or("").to_string())
        },
        budget_left: t.budget_left,
    }
}

fn sync_refresh(report: &Report) -> Value {
    match report.step("sync_refresh") {
        Some(step) if step.exit == 0 => json!({"status": "ok"}),
        Some(step) => {
            let stderr = step.stderr_text();
            let reason = stderr.lines().last().unwrap_or("").trim().to_string();
            json!({"status": "failed", "reason": if reason.is_empty() { format!("exit {}", step.exit) } else { reason }})
        }
        None => json!({"status": "skipped", "reason": "no ssh_exec"}),
    }
}

fn tick_report(payload: &Value, report: &Report, decision: &Decision) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Value| {
        out.insert(key.to_string(), value);
    };
    put("success", json!(true));
    put("event", json!(decision.event));
    put("spec", payload["spec"].clone());
    put("effective_status", payload["effective_status"].clone());
    put("next_action", json!(decision.next_action));
    put("acted", json!(false));
    put("refused_reason", json!(decision.refused_reason));
    for key in ["runner", "sync", "pr", "logs"] {
        put(key, payload[key].clone());
    }
    put("sync_refresh", sync_refresh(report));
    put(
        "provider_consistency",
        payload["provider_consistency"].clone(),
    );
    put(
        "extra_repo_sync",
        payload["chain_state"]["extra_repo_sync"].clone(),
    );
    put("human_verification", payload["human_verification"].clone());
    put("refused_code", json!(decision.refused_code));
    Value::Object(out)
}

/// Marks the report as refused by the action, with nothing done.
fn refuse(out: &mut Value, code: &str, reason: String) {
    out["event"] = json!("supervisor_blocked");
    out["next_action"] = json!("blocked");
    out["refused_reason"] = json!(reason);
    out["refused_code"] = json!(code);
}

/// Marks the report as a failed action: `success: false`, the reference's prefix.
fn fail(out: &mut Value, prefix: &str, detail: &str) {
    out["success"] = json!(false);
    out["event"] = json!("supervisor_error");
    out["next_action"] = json!("blocked");
    out["refused_reason"] = json!(format!("{prefix}: {detail}").trim().to_string());
    out["refused_code"] = json!("action_failed");
}

/// The one mutation, under the workspace lock and only if the fingerprint still holds.
/// Returns whether it ran.
fn act(
    runner: &mut dyn Runner,
    t: &Tick<'_>,
    observed: &Report,
    payload: &Value,
    decision: &Decision,
    out: &mut Value,
) -> CloudResult<bool> {
    let fingerprint = observed
        .step("fingerprint")
        .map(|step| step.stdout_text().trim().to_string())
        .unwrap_or_default();
    let workspace = payload["resolved_workspace"]
        .as_str()
        .unwrap_or(t.probe.workspace);
    let session = payload["resolved_session"]
        .as_str()
        .unwrap_or(t.probe.session);
    let line = scripts::action(&Act {
        workspace,
        session,
        remote_spec: t.probe.remote_spec,
        chain_log: t.probe.chain_log,
        fingerprint: &fingerprint,
        holder: t.holder,
        lock_ttl_secs: t.lock_ttl_secs,
    });
    let prefix = decision.failure_prefix.unwrap_or("restart failed");
    let ran = runner
        .run(&line)
        .and_then(|o| Report::parse(&o, &|text| runner.redact(text)));
    match ran {
        Ok(report) => Ok(apply(runner, &report, workspace, prefix, out)),
        Err(error) => {
            fail(out, prefix, &error.message);
            Ok(false)
        }
    }
}

/// What the action's report means for the tick report, step by step.
fn apply(
    runner: &dyn Runner,
    report: &Report,
    workspace: &str,
    prefix: &str,
    out: &mut Value,
) -> bool {
    let Some(lock) = report.step("lock") else {
        fail(out, prefix, "the action reported nothing");
        return false;
    };
    match lock.exit {
        0 => {
            if let Some(previous) = lock
                .stdout_text()
                .trim()
                .strip_prefix("broke a stale lock: ")
            {
                out["lock"] = json!({"broke_stale_lock": runner.redact(previous)});
            }
        }
        LOCKED => {
            let holder = runner.redact(lock.stdout_text().trim());
            let lock_dir = scripts::lock_dir(workspace);
            refuse(
                out,
                "locked",
                format!(
                    "another supervisor holds the lock {lock_dir} ({holder}); nothing was done"
                ),
            );
            return false;
        }
        _ => {
            let detail = format!(
                "cannot take the lock: {}",
                runner.redact(&lock.stderr_text())
            );
            fail(out, prefix, &detail);
            return false;
        }
    }
    if report
        .step("check")
        .is_some_and(|step| step.exit == CHANGED)
    {
        let reason =
            "the chain changed between observation and action (state or session); nothing was done";
        refuse(out, "state_changed", reason.into());
        return false;
    }
    match report.step("restart") {
        Some(step) if step.exit == 0 && step.stdout_text().contains("restarted") => {
            out["acted"] = json!(true);
            true
        }
        Some(step) => {
            let detail = format!("exit {} {}", step.exit, runner.redact(&step.stderr_text()));
            fail(out, prefix, &detail);
            false
        }
        None => {
            fail(out, prefix, "the fingerprint check did not complete");
            false
        }
    }
}

#[cfg(test)]
mod tests;
