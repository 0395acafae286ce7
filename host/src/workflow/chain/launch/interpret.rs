//! The launch's step report turned into the reference's errors, step by step in the
//! order the steps ran, and into what the launch payload says.

use serde_json::Value;

use super::{LaunchRequest, Launched, capacity, claim, verify};
use crate::config::Repo;
use crate::error::{CloudError, CloudResult};
use crate::workflow::Runner;
use crate::workflow::chain::archive::Archive;
use crate::workflow::script::{Report, StepResult};

fn reached<'r>(report: &'r Report, step: &str) -> CloudResult<&'r StepResult> {
    report.step(step).ok_or_else(|| {
        CloudError::new(
            "provider_failed",
            format!("the remote launch stopped before its {step} step"),
        )
    })
}

/// The reference's error for each step, in the order the steps ran.
pub(super) fn interpret(
    runner: &mut dyn Runner,
    request: &LaunchRequest<'_>,
    archive: &Archive,
    report: &Report,
) -> CloudResult<Launched> {
    let receive = reached(report, "receive")?;
    if receive.exit != 0 {
        let got = receive.stdout_text().trim().to_string();
        return Err(CloudError::new(
            "provider_failed",
            format!(
                "the upload arrived incomplete on the runner: {got} of {} bytes, or a checksum mismatch; nothing was written",
                archive.tar.len()
            ),
        ));
    }
    capacity::result(request.floors, reached(report, "capacity")?)?;
    ensure_repo_result(runner, request.repo, reached(report, "ensure_repo")?)?;
    if !request.runtime_commands.is_empty() {
        deps_result(runner, request.preflight, reached(report, "deps")?)?;
    }
    let redact = |text: &str| runner.redact(text);
    let placement = request.claim.placement;
    let stopped_previous = claim::session_result(&redact, placement, reached(report, "session")?)?;
    let state = request.state_path();
    let state_reset = claim::reset_result(&redact, &state, reached(report, "reset")?)?;
    let (checked_out_branch, head) = head_result(reached(report, "head")?);
    let unpack = reached(report, "unpack")?;
    if unpack.exit != 0 {
        let detail = step_detail(unpack, "checksum check failed");
        return Err(CloudError::new(
            "provider_failed",
            runner.redact(&format!(
                "uploading the chain files failed (exit {}): {detail}",
                unpack.exit
            )),
        ));
    }
    let launch = reached(report, "launch")?;
    if launch.exit != 0 {
        return Err(runner.failure(&request.launch_line(), &launch.output()));
    }
    runner.relay(&launch.output());
    let tmux_status = tmux_status(&launch.stdout_text(), request.session());
    if let Some(marker) = report.step("marker").filter(|step| step.exit != 0) {
        runner.note(&runner.redact(&format!(
            "warning: the session marker {} could not be written: {}",
            request.claim.placement.session_marker,
            marker.stderr_text()
        )));
    }
    let verification = match request.watch() {
        Some(watch) => {
            let redact = |text: &str| runner.redact(text);
            Some(verify::result(&redact, &watch, reached(report, "verify")?)?)
        }
        None => None,
    };
    Ok(Launched {
        checked_out_branch,
        head,
        tmux_status,
        stopped_previous,
        state_reset,
        verification,
    })
}

/// stderr, else stdout, else `fallback`.
fn step_detail(step: &StepResult, fallback: &str) -> String {
    let stderr = step.stderr_text();
    let stdout = step.stdout_text().trim().to_string();
    if !stderr.is_empty() {
        stderr
    } else if !stdout.is_empty() {
        stdout
    } else {
        fallback.to_string()
    }
}

pub fn ensure_repo_result(runner: &dyn Runner, repo: &Repo, step: &StepResult) -> CloudResult<()> {
    if step.exit == 0 {
        return Ok(());
    }
    Err(crate::workflow::plan::checkout_failure(
        runner,
        repo,
        step.exit,
        &step.stderr_text(),
    ))
}

fn deps_result(runner: &dyn Runner, preflight: &Value, step: &StepResult) -> CloudResult<()> {
    if step.exit != 0 {
        let detail = step_detail(step, "remote dependency check failed");
        return Err(CloudError::new("provider_failed", runner.redact(&detail)));
    }
    let mut missing: Vec<String> = step
        .stdout_text()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    missing.sort();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    Err(CloudError::new(
        "agent_deps_missing",
        format!(
            "Remote cloud runner is missing required runtime commands: {}",
            missing.join(", ")
        ),
    )
    .with("missing_commands", missing)
    .with("missing_env", Vec::<String>::new())
    .with("preflight", preflight.clone()))
}

fn head_result(step: &StepResult) -> (Option<String>, Option<String>) {
    if step.exit != 0 {
        return (None, None);
    }
    let text = step.stdout_text();
    let mut lines = text.lines().map(|l| l.trim().to_string());
    (lines.next(), lines.next())
}

/// What the launch output says about the session, matching the whole text the launch
/// prints for this session (named as it really is, not always `megaplan-chain`).
pub fn tmux_status(output: &str, session: &str) -> &'static str {
    if output.contains(&format!("{session} session already running")) {
        "already_running"
    } else if output.contains(&format!("started {session} session")) {
        "started"
    } else {
        "unknown"
    }
}
