//! The runner's life: build, deploy, exec, logs, attach, down, destroy.

use super::context::{Context, Mount, SessionRequest};
use super::session::Session;
use crate::config::CloudSpec;
use crate::error::CloudResult;

/// Renders the deploy directory, then runs one provider operation with it mounted.
/// A temporary directory (railway) is removed when the operation ends.
pub(super) fn with_deploy_dir<T>(
    ctx: &Context,
    spec: &CloudSpec,
    operation: impl FnOnce(&mut Session) -> CloudResult<T>,
) -> CloudResult<T> {
    with_deploy_dir_on(ctx, spec, None, operation)
}

/// `with_deploy_dir` for a chain's own runner (`None`: the configuration's own).
pub(super) fn with_deploy_dir_on<T>(
    ctx: &Context,
    spec: &CloudSpec,
    runner: Option<String>,
    operation: impl FnOnce(&mut Session) -> CloudResult<T>,
) -> CloudResult<T> {
    let deploy_dir = crate::deploy_dir::materialize(spec, &ctx.home)?;
    let request = SessionRequest {
        mount: Mount::Rendered(&deploy_dir),
        runner,
        ..SessionRequest::plain()
    };
    let mut session = ctx.open_session(spec, request)?;
    operation(&mut session)
}

/// `build`: the runner image, from a freshly rendered deploy directory.
pub fn build(ctx: &mut Context) -> CloudResult<()> {
    let spec = ctx.load_spec()?;
    with_deploy_dir(ctx, &spec, Session::build)
}

/// `deploy`: starts (or restarts) the runner, then, unless `wait` is `None` (the
/// reference's fire-and-forget), waits until its container runs and its health server
/// answers.
pub fn deploy(ctx: &mut Context, wait: Option<std::time::Duration>) -> CloudResult<()> {
    let spec = ctx.load_spec()?;
    with_deploy_dir(ctx, &spec, |session| deploy_and_wait(session, &spec, wait))
}

/// Deploys the session's runner and, unless `wait` is `None`, waits for its health.
pub(super) fn deploy_and_wait(
    session: &mut Session,
    spec: &CloudSpec,
    wait: Option<std::time::Duration>,
) -> CloudResult<()> {
    session.deploy()?;
    let can_probe = session
        .description()
        .has_feature(crate::plugin::Feature::RemoteExec);
    match wait {
        Some(timeout) if session.runs_programs() && can_probe => {
            if session.show_progress {
                session.step("deploy: waiting for the runner's health server");
            }
            let healthy = super::health::wait(session, spec.resources.port, timeout);
            session.end_steps();
            healthy
        }
        _ => Ok(()),
    }
}

/// The configured provider with the persistent deploy directory's path.
fn session(ctx: &mut Context, session: Option<String>) -> CloudResult<Session> {
    let spec = ctx.load_spec()?;
    let request = SessionRequest {
        session,
        ..SessionRequest::plain()
    };
    ctx.open_session(&spec, request)
}

/// `exec`: one shell line in the runner, its output relayed (redacted).
pub fn exec(ctx: &mut Context, line: &str) -> CloudResult<()> {
    session(ctx, None)?.exec(line)
}

/// `logs`: follows the runner's log, or prints its last lines.
pub fn logs(ctx: &mut Context, follow: bool) -> CloudResult<()> {
    session(ctx, None)?.logs(follow)
}

/// `attach`: the operator's terminal joins the runner's tmux session.
pub fn attach(ctx: &mut Context, named: Option<String>) -> CloudResult<()> {
    session(ctx, named)?.attach()
}

/// `down`: stops the runner, keeping its volume.
pub fn down(ctx: &mut Context) -> CloudResult<()> {
    session(ctx, None)?.down()
}
