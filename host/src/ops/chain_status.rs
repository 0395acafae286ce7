//! `status --chain`: the last chain launched from this cloud.yaml, the one in a given
//! session, or every chain on the runner; each in one remote call.

use serde_json::Value;

use super::chain::extra_repo_path;
use super::context::{Context, SessionRequest};
use crate::config::chain_spec::ChainSpec;
use crate::config::{CloudSpec, Mode};
use crate::error::{CloudError, CloudResult};
use crate::markers;
use crate::workflow::chain::status::{self, ChainStatus};
use crate::workflow::chain::{listing, observe};

/// What names the runner within its provider (compared by `status --chain`).
pub fn provider_identity(spec: &CloudSpec) -> String {
    match spec.provider.as_str() {
        "railway" => spec.railway.service.clone(),
        "local" => spec
            .local
            .as_ref()
            .map(|local| local.compose_project.clone())
            .unwrap_or_default(),
        "ssh" => spec
            .ssh
            .as_ref()
            .map(|ssh| ssh.host.clone())
            .unwrap_or_default(),
        "swarm" => spec
            .swarm
            .as_ref()
            .map(|swarm| swarm.service.clone())
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

/// Which chain `status --chain` reports.
pub enum ChainPick<'a> {
    /// The flag's spec, else the last chain launched from this cloud.yaml.
    Last { remote_spec: Option<&'a str> },
    /// The chain launched in this session (`--session`).
    Session {
        session: &'a str,
        remote_spec: Option<&'a str>,
    },
    /// Every chain on the runner (`--all`).
    All,
}

/// `status --chain`: the remote chain's state from one remote call; `None` on a dry
/// run.
pub fn chain_status(ctx: &mut Context, pick: &ChainPick<'_>) -> CloudResult<Option<ChainStatus>> {
    let spec = ctx.load_spec()?;
    let (marker, flag, session) = match pick {
        ChainPick::All => return chain_list(ctx, &spec),
        ChainPick::Last { remote_spec } => (
            markers::read(&ctx.home, &ctx.cloud_yaml_path()),
            *remote_spec,
            None,
        ),
        ChainPick::Session {
            session,
            remote_spec,
        } => (
            markers::read_session(&ctx.home, &ctx.cloud_yaml_path(), session),
            *remote_spec,
            Some(*session),
        ),
    };
    let remote_spec = match (session, &marker, flag) {
        (Some(session), None, None) => {
            return Err(CloudError::new(
                "missing_remote_spec",
                format!(
                    "no chain launched from this cloud.yaml runs in session {session}; pass --remote-spec <path>, or list the runner's chains with status --chain --all"
                ),
            ));
        }
        _ => find_remote_spec(flag, marker.as_ref(), &spec)?,
    };
    let identity = provider_identity(&spec);
    let local = local_view(&spec, &remote_spec, marker.as_ref(), &identity);
    let fallback = local.fallback();
    let chain_log = local.chain_log();
    let probe = observe::Probe {
        remote_spec: &remote_spec,
        workspace: &fallback.workspace.0,
        session: session.unwrap_or(&fallback.session.0),
        chain_log: &chain_log,
    };
    // A chain on a runner of its own is observed there (its marker names it).
    let runner = marker
        .as_ref()
        .filter(|m| markers::remote_spec(m) == Some(remote_spec.as_str()))
        .and_then(|m| markers::runner(m));
    let mut session = super::chain_runner::session_on(ctx, &spec, runner)?;
    let observed = observe::observe(&mut session, &probe);
    let Some(observation) = super::diagnose::explained(&mut session, observed)? else {
        return Ok(None);
    };
    let name = remote_spec.rsplit('/').next().unwrap_or("chain.yaml");
    let chain = ChainSpec::parse(&observation.spec_text, name)?;
    Ok(Some(status::build(&observation, &chain, &local)))
}

/// `status --chain --all`: every chain on the runner (from its session markers, in the
/// directory that holds the workspaces) in one remote call; `None` on a dry run.
fn chain_list(ctx: &mut Context, spec: &CloudSpec) -> CloudResult<Option<ChainStatus>> {
    let root = megaplan_cloud_shell::posix_parent(spec.repo.workspace.trim_end_matches('/'));
    let runners = markers::runners(&ctx.home, &ctx.cloud_yaml_path());
    if !runners.is_empty() {
        return super::chain_runner::list_everywhere(ctx, spec, &root, &runners);
    }
    let mut session = ctx.open_session(spec, SessionRequest::plain())?;
    let listed = listing::list(&mut session, &root);
    Ok(
        super::diagnose::explained(&mut session, listed)?.map(|payload| ChainStatus {
            text: listing::summary(&payload),
            payload,
        }),
    )
}

/// What this machine knows of a chain for `status --chain` and the supervisor.
pub(super) fn local_view<'a>(
    spec: &'a CloudSpec,
    remote_spec: &'a str,
    marker: Option<&'a serde_json::Map<String, Value>>,
    identity: &'a str,
) -> status::Local<'a> {
    status::Local {
        remote_spec,
        workspace: &spec.repo.workspace,
        config_session: spec.chain.as_ref().and_then(|c| c.chain_session.as_deref()),
        config_extra_repos: spec.extra_repos.iter().map(extra_repo_path).collect(),
        provider: &spec.provider,
        identity,
        marker,
    }
}

/// §9.2: the flag, the marker, `chain.spec` in `mode: chain`, else an error that says
/// how to get one.
pub(super) fn find_remote_spec(
    flag: Option<&str>,
    marker: Option<&serde_json::Map<String, Value>>,
    spec: &CloudSpec,
) -> CloudResult<String> {
    if let Some(flag) = flag.filter(|f| !f.is_empty()) {
        return Ok(flag.to_string());
    }
    if let Some(found) = marker.and_then(markers::remote_spec) {
        return Ok(found.to_string());
    }
    if spec.mode == Mode::Chain
        && let Some(chain) = &spec.chain
    {
        return Ok(chain.spec.clone());
    }
    Err(CloudError::new(
        "missing_remote_spec",
        "Unable to locate remote chain spec. Pass --remote-spec <path>, run `cloud chain <spec>` first, or set mode: chain in cloud.yaml.",
    ))
}
