//! The single-plan workflows as actions: `status`, `resume`, `bootstrap`.

use serde_json::{Map, Value};

use super::context::{Context, SessionRequest};
use super::lifecycle::with_deploy_dir;
use crate::error::{CloudError, CloudResult};
use crate::workflow;

/// `--repo-url`, `--repo-branch`, `--repo-workspace`: applied in memory for one run.
#[derive(Clone, Debug, Default)]
pub struct RepoOverrides {
    pub url: Option<String>,
    pub branch: Option<String>,
    pub workspace: Option<String>,
}

pub struct BootstrapOptions<'a> {
    pub idea_file: &'a str,
    pub plan_name: Option<&'a str>,
    pub robustness: &'a str,
    pub repo: &'a RepoOverrides,
}

/// `status`: the remote `megaplan status` JSON; `None` on a dry run.
pub fn status(ctx: &mut Context, plan: Option<&str>) -> CloudResult<Option<Map<String, Value>>> {
    let spec = ctx.load_spec()?;
    let mut session = ctx.open_session(&spec, SessionRequest::plain())?;
    let status = workflow::plan::status(&mut session, &spec.repo.workspace, plan);
    super::diagnose::explained(&mut session, status)
}

/// `resume`: runs the remote plan's next step.
pub fn resume(ctx: &mut Context, plan: Option<&str>) -> CloudResult<()> {
    let spec = ctx.load_spec()?;
    let mut session = ctx.open_session(&spec, SessionRequest::plain())?;
    workflow::plan::resume(&mut session, &spec.repo.workspace, plan)
}

/// `bootstrap`: reads the idea first (a missing file stops everything before anything
/// is written), then renders the deploy directory as the reference does, uploads the
/// idea and starts `megaplan init`.
pub fn bootstrap(ctx: &mut Context, options: &BootstrapOptions<'_>) -> CloudResult<()> {
    let overrides = options.repo;
    let spec = ctx.load_spec()?.with_repo_overrides(
        overrides.url.as_deref(),
        overrides.branch.as_deref(),
        overrides.workspace.as_deref(),
    )?;
    let idea_path = ctx.local_path(options.idea_file);
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
        plan_name: options.plan_name,
        robustness: options.robustness,
    };
    with_deploy_dir(ctx, &spec, |session| {
        workflow::plan::bootstrap(session, &request)
    })
}
