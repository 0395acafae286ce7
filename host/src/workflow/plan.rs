//! The single-plan workflows: `status`, `resume` and `bootstrap`, with the reference's
//! command lines (docs/compatibility.md).

use serde_json::{Map, Value};

use megaplan_cloud_shell::{posix_join, quote, quote_join, split};

use super::Runner;
use crate::config::Repo;
use crate::error::{CloudError, CloudResult};

/// `cd <ws> && megaplan status[ --plan <plan>]`, parsed as a JSON object; `None` on a
/// dry run, where nothing ran and there is nothing to parse.
pub fn status(
    runner: &mut dyn Runner,
    workspace: &str,
    plan: Option<&str>,
) -> CloudResult<Option<Map<String, Value>>> {
    let mut line = format!("cd {} && megaplan status", quote(workspace));
    if let Some(plan) = plan {
        line.push_str(&format!(" --plan {}", quote(plan)));
    }
    let output = runner.run(&line)?;
    if runner.dry_run() {
        return Ok(None);
    }
    if output.status != 0 {
        return Err(runner.failure(&line, &output));
    }
    // Invalid JSON is the runner's failure, not a crash (docs/compatibility.md).
    match serde_json::from_slice::<Value>(&output.stdout) {
        Ok(Value::Object(payload)) => Ok(Some(payload)),
        Ok(other) => Err(CloudError::new(
            "provider_failed",
            format!(
                "megaplan status did not return a JSON object: got {}",
                json_kind(&other)
            ),
        )),
        Err(error) => Err(CloudError::new(
            "provider_failed",
            format!("megaplan status did not return JSON: {error}"),
        )),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads the plan's `next_step` and runs it: `cd <ws> && megaplan <argv>`, output
/// relayed, a non-zero exit is `provider_failed` with the remote stderr.
pub fn resume(runner: &mut dyn Runner, workspace: &str, plan: Option<&str>) -> CloudResult<()> {
    let Some(payload) = status(runner, workspace, plan)? else {
        runner.note("dry run: the next step comes from the remote status, which was not read");
        return Ok(());
    };
    let next_step = match payload.get("next_step") {
        Some(Value::String(step)) if !step.is_empty() => step.clone(),
        _ => {
            return Err(CloudError::new(
                "invalid_status",
                "Remote status did not include a next_step",
            ));
        }
    };
    let mut argv = phase_command(&next_step)?;
    if let Some(plan) = plan {
        argv.extend(["--plan".to_string(), plan.to_string()]);
    }
    let line = format!("cd {} && megaplan {}", quote(workspace), quote_join(&argv));
    run_relayed(runner, &line)
}

/// The megaplan arguments that carry out a plan step, as megaplan's own driver maps
/// them: `execute` runs unattended, `feedback` is the workflow form, anything else is
/// split shell-style.
pub fn phase_command(next_step: &str) -> CloudResult<Vec<String>> {
    let words: &[&str] = match next_step {
        "execute" => &[
            "execute",
            "--confirm-destructive",
            "--user-approved",
            "--retry-blocked-tasks",
        ],
        "feedback" => &["feedback", "workflow"],
        other => {
            return split(other).map_err(|error| {
                CloudError::new(
                    "invalid_status",
                    format!("Remote status next_step {other:?} cannot be split: {error}"),
                )
            });
        }
    };
    Ok(words.iter().map(|word| word.to_string()).collect())
}

/// What `bootstrap` starts from: the idea's text and where it came from.
pub struct Bootstrap<'a> {
    pub repo: &'a Repo,
    pub idea: &'a [u8],
    pub plan_name: Option<&'a str>,
    pub robustness: &'a str,
}

/// Checks the repository out (output relayed), uploads the idea to `<ws>/idea.txt`
/// and starts `megaplan init --auto-start` there (output relayed).
pub fn bootstrap(runner: &mut dyn Runner, request: &Bootstrap<'_>) -> CloudResult<()> {
    let repo = request.repo;
    ensure_repo(runner, repo)?;
    let idea_path = posix_join(&repo.workspace, "idea.txt");
    runner.upload(&idea_path, request.idea)?;
    let workspace = quote(&repo.workspace);
    let mut line = format!(
        "cd {workspace} && megaplan init --project-dir {workspace} --idea-file {} --auto-start --robustness {}",
        quote(&idea_path),
        quote(request.robustness),
    );
    if let Some(name) = request.plan_name {
        line.push_str(&format!(" --name {}", quote(name)));
    }
    run_relayed(runner, &line)
}

/// The entrypoint's clone-if-absent step, run on demand; its output is relayed.
pub fn ensure_repo(runner: &mut dyn Runner, repo: &Repo) -> CloudResult<()> {
    let output = runner.run(&crate::deploy_dir::ensure_repo(repo))?;
    runner.relay(&output);
    if output.status != 0 {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(checkout_failure(runner, repo, output.status, &stderr));
    }
    Ok(())
}

/// The reference's checkout error, with the exit code and the remote stderr (redacted)
/// in the message and as fields of the JSON.
pub fn checkout_failure(runner: &dyn Runner, repo: &Repo, exit: i32, stderr: &str) -> CloudError {
    let stderr = runner.redact(stderr.trim());
    let mut message = format!(
        "ensure repo checkout failed for {}@{} into {} (exit {exit})",
        repo.url, repo.branch, repo.workspace
    );
    if !stderr.is_empty() {
        message.push_str(&format!(": {stderr}"));
    }
    CloudError::new("provider_failed", runner.redact(&message))
        .with("exit_code", exit)
        .with("stderr", stderr)
}

fn run_relayed(runner: &mut dyn Runner, line: &str) -> CloudResult<()> {
    let output = runner.run(line)?;
    if output.status != 0 {
        return Err(runner.failure(line, &output));
    }
    runner.relay(&output);
    Ok(())
}

#[cfg(test)]
mod tests;
