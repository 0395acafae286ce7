//! One thin function per action; each calls one operation.

use std::io::BufRead;
use std::process::ExitCode;

use clap::CommandFactory;

use super::App;
use super::args::{Action, Cli, RepoOverrides};
use crate::config::CloudSpec;
use crate::error::{CloudError, CloudResult};
use crate::workflow;

const WORKFLOW_FEATURE: &str =
    "the remote chain workflows: chain, status --chain and the supervisor (not yet scheduled)";

pub fn dispatch(app: &mut App, action: Action) -> CloudResult<ExitCode> {
    match action {
        Action::Init { force } => init(app, force),
        Action::Schema => {
            app.print_json(&crate::config::fields::schema());
            Ok(ExitCode::SUCCESS)
        }
        Action::Doctor => doctor(app),
        Action::Build => {
            let spec = app.spec()?;
            with_deploy_dir(app, &spec, |remote| remote.build())
        }
        Action::Deploy => {
            let spec = app.spec()?;
            with_deploy_dir(app, &spec, |remote| remote.deploy())
        }
        Action::Chain { .. } => Err(CloudError::not_implemented("`chain`", WORKFLOW_FEATURE)),
        Action::Bootstrap {
            idea_file,
            plan_name,
            robustness,
            repo,
        } => bootstrap(app, &idea_file, plan_name.as_deref(), &robustness, &repo),
        Action::Status { chain: true, .. } => Err(CloudError::not_implemented(
            "`status --chain`",
            WORKFLOW_FEATURE,
        )),
        Action::Status { plan, .. } => {
            let spec = app.spec()?;
            let mut remote = app.provider(&spec, None, None)?;
            let status =
                workflow::plan::status(&mut remote, &spec.repo.workspace, plan.as_deref())?;
            if let Some(payload) = status {
                app.print_json(&serde_json::Value::Object(payload));
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Resume { plan } => {
            let spec = app.spec()?;
            let mut remote = app.provider(&spec, None, None)?;
            done(workflow::plan::resume(
                &mut remote,
                &spec.repo.workspace,
                plan.as_deref(),
            ))
        }
        Action::Supervise { chain, .. } => supervise(chain),
        Action::Exec { command } => done(app.remote(None)?.exec(&command)),
        Action::Logs { no_follow } => done(app.remote(None)?.logs(!no_follow)),
        Action::Attach { session } => done(app.remote(session)?.attach()),
        Action::Down => done(app.remote(None)?.down()),
        Action::Destroy { yes } => destroy(app, yes),
        Action::Provider(action) => super::provider::run(app, action),
        Action::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "megaplan-cloud", &mut out);
            app.console.out(&out);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The provider's programs on PATH, then its own checks; exit 1 when any fails.
fn doctor(app: &mut App) -> CloudResult<ExitCode> {
    let spec = app.spec()?;
    let mut remote = app.provider_unchecked(&spec)?;
    let mut checks = Vec::new();
    let description = remote.provider().description().clone();
    for program in &description.programs {
        let found = remote.which(&program.name)?;
        checks.push(serde_json::json!({
            "name": format!("program {}", program.name),
            "ok": found || !program.required,
            "detail": match (found, program.required) {
                (true, _) => "found on PATH".to_string(),
                (false, true) => format!("missing: install from {}", program.install_hint),
                (false, false) => "not found (optional)".to_string(),
            },
        }));
    }
    for (name, ok, detail) in remote.doctor()? {
        checks.push(serde_json::json!({"name": name, "ok": ok, "detail": detail}));
    }
    let healthy = checks.iter().all(|c| c["ok"] == true);
    app.print_json(&serde_json::json!({
        "success": healthy,
        "provider": description.name,
        "checks": checks,
    }));
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes the bundled template; an existing file is kept unless `--force`.
fn init(app: &mut App, force: bool) -> CloudResult<ExitCode> {
    let path = app.cloud_yaml();
    if path.exists() && !force {
        return Err(CloudError::new(
            "invalid_args",
            format!(
                "cloud spec already exists: {}. Use --force to overwrite.",
                path.display()
            ),
        ));
    }
    crate::capability::atomic_write(&path, CLOUD_YAML_TEMPLATE.as_bytes(), 0o644)?;
    app.print_json(&serde_json::json!({"success": true, "cloud_yaml": path.display().to_string()}));
    Ok(ExitCode::SUCCESS)
}

pub const CLOUD_YAML_TEMPLATE: &str = include_str!("../../templates/cloud.yaml");

/// Materializes the deploy directory, then runs one provider operation with it open.
/// A temporary directory (railway) is removed when the action ends.
fn with_deploy_dir(
    app: &mut App,
    spec: &CloudSpec,
    operation: impl FnOnce(&mut crate::remote::Remote) -> CloudResult<()>,
) -> CloudResult<ExitCode> {
    let deploy_dir = crate::image::materialize(spec, &app.home)?;
    let mut remote = app.provider(spec, None, Some(deploy_dir.path()))?;
    operation(&mut remote)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the idea first (a missing file stops everything before anything is written),
/// then materializes the deploy directory as the reference does and runs the workflow.
fn bootstrap(
    app: &mut App,
    idea_file: &str,
    plan_name: Option<&str>,
    robustness: &str,
    overrides: &RepoOverrides,
) -> CloudResult<ExitCode> {
    let spec = app.spec()?.with_repo_overrides(
        overrides.repo_url.as_deref(),
        overrides.repo_branch.as_deref(),
        overrides.repo_workspace.as_deref(),
    )?;
    let home = crate::environment::home_dir();
    let idea_path = crate::project::resolve_local_path(idea_file, &app.cwd, home.as_deref());
    let idea = std::fs::read(&idea_path).map_err(|error| {
        let message = match error.kind() {
            std::io::ErrorKind::NotFound => format!("idea file not found: {}", idea_path.display()),
            _ => format!("cannot read idea file {}: {error}", idea_path.display()),
        };
        CloudError::new("missing_idea_file", message)
    })?;
    let request = workflow::plan::Bootstrap {
        repo: &spec.repo,
        idea: &idea,
        plan_name,
        robustness,
    };
    with_deploy_dir(app, &spec, |remote| {
        workflow::plan::bootstrap(remote, &request)
    })
}

fn done(result: CloudResult<()>) -> CloudResult<ExitCode> {
    result.map(|()| ExitCode::SUCCESS)
}

fn supervise(chain: bool) -> CloudResult<ExitCode> {
    if !chain {
        return Err(CloudError::new(
            "invalid_args",
            "`cloud supervise` requires --chain. Try `megaplan cloud supervise --chain`.",
        ));
    }
    Err(CloudError::not_implemented(
        "`supervise --chain`",
        WORKFLOW_FEATURE,
    ))
}

/// Asks before tearing down unless `--yes`; declining exits 1 with no provider call.
fn destroy(app: &mut App, yes: bool) -> CloudResult<ExitCode> {
    let spec = app.spec()?;
    if !yes {
        let volume = spec.resources.volume.as_deref().unwrap_or("<no volume>");
        app.console.out(
            format!("Destroy cloud deployment and delete volume '{volume}'? [y/N]: ").as_bytes(),
        );
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
            return Ok(ExitCode::from(1));
        }
    }
    app.provider(&spec, None, None)?.destroy()?;
    if let Some(dir) = crate::image::persistent_dir(&spec, &app.home)?
        && dir.exists()
    {
        std::fs::remove_dir_all(&dir).map_err(|e| {
            CloudError::new(
                "io_error",
                format!("cannot remove the deploy directory {}: {e}", dir.display()),
            )
        })?;
    }
    Ok(ExitCode::SUCCESS)
}
