//! The remote chain actions: `chain` (launch), `status --chain`, `supervise --chain`.
//! Every local check runs before anything remote; the remote half of each is one
//! workflow call (docs/workflows.md).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::chain_runner;
use super::chain_status::provider_identity;
use super::context::Context;
use super::lifecycle::with_deploy_dir_on;
use super::plan::RepoOverrides;
use crate::config::chain_spec::ChainSpec;
use crate::config::{CloudSpec, ExtraRepo, Isolation, Mode};
use crate::error::{CloudError, CloudResult};
use crate::markers::{self, Marker};
use crate::workflow::chain::capacity::Floors;
use crate::workflow::chain::claim::Claim;
use crate::workflow::chain::identity::{self, Configured, Identity, Placement};
use crate::workflow::chain::launch::{self, LaunchRequest, Upload};
use crate::workflow::chain::{DEFAULT_SESSION, ideas, payload, preflight};

pub struct ChainRequest<'a> {
    pub spec: &'a str,
    pub idea_dir: Option<&'a str>,
    pub repo: &'a RepoOverrides,
    /// `--isolated`: this launch gets names derived from the chain's identity.
    pub isolated: bool,
    /// `--fresh`: stop this chain's own session and reset its state first.
    pub fresh: bool,
    /// `--verify-timeout`; `None` for `--no-verify`.
    pub verify_secs: Option<u64>,
}

/// Everything a launch needs, checked locally before anything remote happens.
struct Prepared {
    /// The configuration with the chain's workspace.
    spec: CloudSpec,
    /// The configuration as written: a chain's own runner is laid out like the
    /// configuration's.
    configured: CloudSpec,
    chain: ChainSpec,
    preflight: preflight::Preflight,
    uploads: Vec<Upload>,
    identity: Identity,
    placement: Placement,
    isolated: bool,
}

/// `chain`: checks everything locally, launches the chain in one remote call, records
/// the marker. Returns the launch payload (`None` on a dry run).
pub fn chain(ctx: &mut Context, request: &ChainRequest<'_>) -> CloudResult<Option<Value>> {
    let ready = prepare(ctx, request)?;
    let runner = chain_runner::own_runner(ctx, &ready.configured, &ready.identity, ready.isolated)?;
    if let Some(runner) = &runner {
        chain_runner::ensure(ctx, &ready.configured, runner)?;
    }
    let started_at = started_at();
    let launch_request = LaunchRequest {
        repo: &ready.spec.repo,
        runtime_commands: &ready.preflight.runtime_commands,
        uploads: &ready.uploads,
        claim: Claim {
            identity: &ready.identity,
            placement: &ready.placement,
            started_at: &started_at,
        },
        fresh: request.fresh,
        verify_secs: request.verify_secs,
        floors: Floors {
            bytes: ready.spec.resources.min_free_bytes,
            inodes: ready.spec.resources.min_free_inodes,
        },
        preflight: &ready.preflight.report,
    };
    let Some(launched) = with_deploy_dir_on(ctx, &ready.spec, runner.clone(), |session| {
        let launched = launch::launch(session, &launch_request);
        super::diagnose::explained(session, launched)
    })?
    else {
        return Ok(None);
    };
    if let Some(verification) = &launched.verification {
        let line = verification.summary(&ready.placement.session);
        ctx.console.err_line(&ctx.redactor().redact(&line));
    }
    let mut payload = payload::launched(&payload::LaunchFacts {
        spec: &ready.chain,
        repo: &ready.spec.repo,
        megaplan_ref: &ready.spec.megaplan_ref,
        preflight: &ready.preflight.report,
        identity: &ready.identity,
        placement: &ready.placement,
        isolated: ready.isolated,
        fresh: request.fresh,
        launched: &launched,
    });
    if let Some(runner) = &runner {
        payload["runner"] = Value::String(runner.clone());
    }
    remember(ctx, &ready, runner, &payload, &started_at);
    Ok(Some(payload))
}

/// The local half: cloud.yaml with the flags, the chain spec, the preflight, every
/// idea, the secrets, and where the chain goes (its ideas and spec moved with it).
fn prepare(ctx: &mut Context, request: &ChainRequest<'_>) -> CloudResult<Prepared> {
    let overrides = request.repo;
    let mut spec = ctx.load_spec()?.with_repo_overrides(
        overrides.url.as_deref(),
        overrides.branch.as_deref(),
        overrides.workspace.as_deref(),
    )?;
    let spec_path = ctx.local_path(request.spec);
    let chain = ChainSpec::load(&spec_path)?.defaulting_base_branch(&spec.repo.branch);
    let preflight = preflight::preflight(&chain, default_agent(&spec));
    let idea_dir = match request.idea_dir {
        Some(dir) => ctx.local_path(dir),
        None => spec_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| ctx.cwd.clone()),
    };
    let mut uploads = read_ideas(ctx, &spec, &chain, &idea_dir)?;
    check_secrets(ctx, &spec, &preflight.report)?;
    let isolated = request.isolated || spec.isolation == Isolation::PerChain;
    let as_configured = spec.clone();
    let identity = chain_identity(&spec_path, &chain);
    let placement = place(&spec, &identity, isolated);
    let configured = spec.repo.workspace.clone();
    let relocate = |path: &str| identity::relocate(path, &configured, &placement.workspace);
    let chain = chain.relocating_ideas(&relocate);
    for upload in &mut uploads {
        upload.destination = relocate(&upload.destination);
    }
    spec.repo.workspace = placement.workspace.clone();
    uploads.push(Upload {
        destination: placement.remote_spec.clone(),
        content: chain.upload_bytes()?,
    });
    Ok(Prepared {
        spec,
        configured: as_configured,
        chain,
        preflight,
        uploads,
        identity,
        placement,
        isolated,
    })
}

/// The chain's identity: the local spec file's stem, the seed plan, the labels.
fn chain_identity(spec_path: &Path, chain: &ChainSpec) -> Identity {
    let stem = spec_path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let labels: Vec<String> = chain.milestones.iter().map(|m| m.label.clone()).collect();
    Identity::new(&stem, chain.seed_plan.as_deref(), &labels)
}

/// Where the launch goes: the configured names, or, isolated, names derived from the
/// identity wherever the operator named none.
fn place(spec: &CloudSpec, identity: &Identity, isolated: bool) -> Placement {
    let session = launch_session(spec);
    identity::place(
        &Configured {
            workspace: &spec.repo.workspace,
            workspace_explicit: spec.workspace_explicit,
            session_explicit: session_is_configured(spec),
            session: &session,
            repo_url: &spec.repo.url,
        },
        isolated.then_some(identity),
    )
}

/// `agents.default` from cloud.yaml, the preflight's fallback agent.
fn default_agent(spec: &CloudSpec) -> Option<&str> {
    spec.agents
        .iter()
        .find(|(key, _)| key == "default")
        .map(|(_, agent)| agent.as_str())
}

/// The session `chain` starts: `chain.chain_session` in `mode: chain`, then the later
/// top-level `chain_session`, else `megaplan-chain`.
pub fn launch_session(spec: &CloudSpec) -> String {
    configured_session(spec).unwrap_or_else(|| DEFAULT_SESSION.to_string())
}

fn configured_session(spec: &CloudSpec) -> Option<String> {
    let in_chain_mode = spec
        .chain
        .as_ref()
        .filter(|_| spec.mode == Mode::Chain)
        .and_then(|chain| chain.chain_session.clone());
    in_chain_mode.or_else(|| spec.chain_session.clone())
}

fn session_is_configured(spec: &CloudSpec) -> bool {
    configured_session(spec).is_some()
}

/// Every milestone's idea, found on disk before anything remote happens.
fn read_ideas(
    ctx: &Context,
    spec: &CloudSpec,
    chain: &ChainSpec,
    idea_dir: &Path,
) -> CloudResult<Vec<Upload>> {
    let root = crate::project::project_root(&ctx.cwd);
    let places = ideas::Places {
        workspace: &spec.repo.workspace,
        root: &root,
        idea_dir,
    };
    let mut found: Vec<(PathBuf, &str)> = Vec::new();
    for milestone in &chain.milestones {
        let path = ideas::resolve(&milestone.label, &milestone.idea, &places)?;
        found.push((path, &milestone.idea));
    }
    found
        .into_iter()
        .map(|(path, destination)| {
            let content = std::fs::read(&path).map_err(|e| {
                CloudError::new(
                    "missing_idea_file",
                    format!("cannot read idea file {}: {e}", path.display()),
                )
            })?;
            Ok(Upload {
                destination: destination.to_string(),
                content,
            })
        })
        .collect()
}

/// Every configured secret must have a local value: the runner gets them from here.
fn check_secrets(ctx: &Context, spec: &CloudSpec, preflight: &Value) -> CloudResult<()> {
    let mut missing: Vec<String> = spec
        .secrets
        .iter()
        .filter(|name| !ctx.secret_is_set(name))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort();
    missing.dedup();
    Err(CloudError::new(
        "cloud_preflight_failed",
        format!(
            "Missing configured cloud secrets in the local environment: {}",
            missing.join(", ")
        ),
    )
    .with("missing_commands", Vec::<String>::new())
    .with("missing_env", missing)
    .with("preflight", preflight.clone()))
}

/// Writes the marker (the last chain, as the reference keeps it, and this chain's own
/// entry); the chain is running whatever happens here, so a failure is told, not
/// raised.
fn remember(
    ctx: &Context,
    ready: &Prepared,
    runner: Option<String>,
    payload: &Value,
    started_at: &str,
) {
    let (spec, placement) = (&ready.spec, &ready.placement);
    let marker = Marker {
        remote_spec: placement.remote_spec.clone(),
        started_at: started_at.to_string(),
        base_branch: ready.chain.base_branch.clone(),
        provenance: payload.clone(),
        workspace: spec.repo.workspace.clone(),
        chain_session: placement.session.clone(),
        extra_repos: spec.extra_repos.iter().map(extra_repo_path).collect(),
        provider: spec.provider.clone(),
        provider_identity: provider_identity(spec),
        runner,
    };
    if let Err(error) = markers::write(&ctx.home, &ctx.cloud_yaml_path(), &marker) {
        ctx.console.err_line(&format!(
            "warning: the chain was launched but its marker could not be written ({}); pass --remote-spec {} to status --chain",
            error.message, placement.remote_spec
        ));
    }
}

/// UTC with the reference's `+00:00` offset and microseconds, as Python prints it.
fn started_at() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
}

pub(super) fn extra_repo_path(repo: &ExtraRepo) -> String {
    match repo {
        ExtraRepo::Path(path) => path.clone(),
        ExtraRepo::Repo(repo) => repo.workspace.clone(),
    }
}
