//! A chain's own runner: where the configuration gives each isolated chain a runner of
//! its own (the provider's `chain-runners`), `chain --isolated` names it after the
//! chain, deploys it when it is not running and waits for its health before the
//! launch; every later operation on the chain names it again (from its marker).

use serde_json::{Value, json};

use super::context::{Context, Mount, SessionRequest};
use crate::config::CloudSpec;
use crate::error::CloudResult;
use crate::workflow::Runner as _;
use crate::workflow::chain::identity::Identity;
use crate::workflow::chain::listing;
use crate::workflow::chain::status::ChainStatus;

/// How long a chain's new runner may take to become healthy.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

/// The chain's own runner's name, when an isolated chain gets one.
pub(super) fn own_runner(
    ctx: &Context,
    spec: &CloudSpec,
    identity: &Identity,
    isolated: bool,
) -> CloudResult<Option<String>> {
    if !isolated {
        return Ok(None);
    }
    let mut session = ctx.open_session(spec, SessionRequest::plain())?;
    Ok(session.chain_runners()?.then(|| identity.runner_name()))
}

/// Makes sure the chain's runner runs: nothing when it already does, else a deploy of
/// it (the configuration's image, its own service and volume) and a wait for its
/// health. `spec` is the configuration as written: the runner is laid out like the
/// configuration's own, and the chain's workspace goes inside it as on a shared one.
pub(super) fn ensure(ctx: &Context, spec: &CloudSpec, runner: &str) -> CloudResult<()> {
    let deploy_dir = crate::deploy_dir::materialize(spec, &ctx.home)?;
    let request = SessionRequest {
        mount: Mount::Rendered(&deploy_dir),
        runner: Some(runner.to_string()),
        ..SessionRequest::plain()
    };
    let mut session = ctx.open_session(spec, request)?;
    let running = session.observe()?.is_some_and(|seen| seen.running());
    if running {
        return Ok(());
    }
    ctx.console.err_line(&format!(
        "chain: starting the chain's own runner {runner} (provider {})",
        spec.provider
    ));
    super::lifecycle::deploy_and_wait(&mut session, spec, Some(HEALTH_TIMEOUT))
}

/// A session on `runner` (`None`: the configuration's own), the persistent deploy
/// directory's path mounted as for every operation but `build` and `deploy`.
pub(super) fn session_on(
    ctx: &Context,
    spec: &CloudSpec,
    runner: Option<&str>,
) -> CloudResult<super::session::Session> {
    let request = SessionRequest {
        runner: runner.map(str::to_string),
        ..SessionRequest::plain()
    };
    ctx.open_session(spec, request)
}

/// `status --chain --all` where chains have runners of their own: the configuration's
/// runner's listing, then each chain runner's (one call each, and one `observe` for
/// where it runs), every chain tagged with its runner. A runner that cannot be listed
/// is reported beside the others, not as the command's failure. `None` on a dry run.
pub(super) fn list_everywhere(
    ctx: &Context,
    spec: &CloudSpec,
    root: &str,
    runners: &[String],
) -> CloudResult<Option<ChainStatus>> {
    let mut chains = Vec::new();
    let mut seen = Vec::new();
    for runner in std::iter::once(None).chain(runners.iter().map(|r| Some(r.as_str()))) {
        let mut session = session_on(ctx, spec, runner)?;
        let listed = listing::list(&mut session, root);
        if session.dry_run() {
            continue;
        }
        let detail = session.observe().ok().flatten().map(|seen| seen.detail);
        let mut about = json!({"runner": runner, "detail": detail});
        match listed {
            Ok(Some(payload)) => {
                let found = payload["chains"].as_array().cloned().unwrap_or_default();
                about["count"] = json!(found.len());
                chains.extend(found.into_iter().map(|mut chain| {
                    chain["runner"] = json!(runner);
                    chain
                }));
            }
            Ok(None) => {}
            Err(error) => about["error"] = json!(error.message),
        }
        seen.push(about);
    }
    if seen.is_empty() {
        return Ok(None);
    }
    let payload = json!({
        "success": true,
        "sessions_dir": megaplan_cloud_shell::posix_join(root, ".megaplan/cloud-sessions"),
        "count": chains.len(),
        "chains": chains,
        "runners": seen,
    });
    Ok(Some(ChainStatus {
        text: summary(&payload),
        payload,
    }))
}

/// The listing's summary, then a line per runner: where it runs, or why it could not
/// be listed.
fn summary(payload: &Value) -> String {
    let mut text = listing::summary(payload);
    for runner in payload["runners"].as_array().into_iter().flatten() {
        let name = runner["runner"]
            .as_str()
            .unwrap_or("(the configuration's own)");
        let said = match (runner["error"].as_str(), runner["detail"].as_str()) {
            (Some(error), _) => format!("not listed: {error}"),
            (None, Some(detail)) => detail.to_string(),
            (None, None) => "listed".to_string(),
        };
        text.push_str(&format!("Runner {name}: {said}\n"));
    }
    text
}
