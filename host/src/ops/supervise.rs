//! `supervise --chain`: one tick, safe by construction (docs/supervisor.md). Locally:
//! one tick per chain (a lock beside the marker) and the restart budget; remotely: the
//! workflow's observe-decide-act in one or two calls.

mod guard;

use serde_json::{Value, json};

use super::chain_status::{find_remote_spec, local_view, provider_identity};
use super::context::Context;
use crate::error::{CloudError, CloudResult};
use crate::markers;
use crate::plugin::Feature;
use crate::workflow::chain::observe::Probe;
use crate::workflow::supervise::tick::{self, Outcome, Tick};

/// The tick report and its stderr line; `None` on a dry run.
pub struct TickReport {
    pub report: Value,
    pub line: String,
}

impl TickReport {
    pub fn success(&self) -> bool {
        self.report["success"] == true
    }
}

fn finish(outcome: Outcome) -> TickReport {
    TickReport {
        line: tick::stderr_line(&outcome.report),
        report: outcome.report,
    }
}

pub fn supervise(
    ctx: &mut Context,
    chain: bool,
    remote_spec: Option<&str>,
) -> CloudResult<Option<TickReport>> {
    if !chain {
        return Err(CloudError::new(
            "invalid_args",
            "`cloud supervise` requires --chain. Try `megaplan cloud supervise --chain`.",
        ));
    }
    let spec = ctx.load_spec()?;
    let cloud_yaml = ctx.cloud_yaml_path();
    let marker = markers::read(&ctx.home, &cloud_yaml);
    let remote_spec = match find_remote_spec(remote_spec, marker.as_ref(), &spec) {
        Ok(found) => found,
        Err(error) => {
            let reason = format!("chain status read failed: {}", error.message);
            return Ok(Some(finish(Outcome {
                report: tick::error_report(&reason, "status_read_failed"),
                restarted: false,
            })));
        }
    };
    let marker_dir = markers::path(&ctx.home, &cloud_yaml)
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| ctx.home.markers_dir());
    let holder = guard::holder();
    let _lock = match guard::lock(&marker_dir.join("supervise.lock"), &holder)? {
        Ok(lock) => lock,
        Err(held) => return Ok(Some(finish(locked_here(&remote_spec, &held)))),
    };
    let settings = spec.supervisor;
    let mut budget = guard::Budget::load(
        marker_dir.join("restarts.json"),
        settings.restart_budget,
        settings.restart_window_secs,
    );
    let identity = provider_identity(&spec);
    let local = local_view(&spec, &remote_spec, marker.as_ref(), &identity);
    let fallback = local.fallback();
    let chain_log = local.chain_log();
    // The runner's lock says who holds it and for how long it counts.
    let remote_holder = format!("{holder} ttl={}", settings.lock_ttl_secs);
    // A chain on a runner of its own is supervised there (its marker names it).
    let runner = marker
        .as_ref()
        .filter(|m| markers::remote_spec(m) == Some(remote_spec.as_str()))
        .and_then(|m| markers::runner(m));
    let mut session = super::chain_runner::session_on(ctx, &spec, runner)?;
    let remote_exec = session.description().has_feature(Feature::RemoteExec);
    let request = Tick {
        probe: Probe {
            remote_spec: &remote_spec,
            workspace: &fallback.workspace.0,
            session: &fallback.session.0,
            chain_log: &chain_log,
        },
        local,
        remote_exec,
        budget_left: budget.allows_one_more(guard::now()),
        holder: &remote_holder,
        lock_ttl_secs: settings.lock_ttl_secs,
    };
    let ticked = tick::tick(&mut session, &request);
    let Some(outcome) = super::diagnose::explained(&mut session, ticked)? else {
        return Ok(None);
    };
    if outcome.restarted
        && let Err(error) = budget.record(guard::now())
    {
        ctx.console.err_line(&format!(
            "warning: the restart was not recorded in the restart budget: {}",
            error.message
        ));
    }
    Ok(Some(finish(outcome)))
}

/// Another tick on this machine is working on the same chain: nothing remote is tried.
fn locked_here(remote_spec: &str, held: &str) -> Outcome {
    let mut report = tick::error_report("", "locked");
    report["success"] = json!(true);
    report["event"] = json!("supervisor_blocked");
    report["spec"] = json!(remote_spec);
    report["next_action"] = json!("blocked");
    report["refused_reason"] = json!(format!(
        "another supervisor tick is running for this chain ({held}); nothing was done"
    ));
    Outcome {
        report,
        restarted: false,
    }
}
