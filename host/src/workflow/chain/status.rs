//! The `status --chain` payload, built from one observation with no I/O: the chain
//! state parsed tolerantly, the workspace/session/extra-repo context resolved in the
//! reference's precedence, the summary and its human-readable block, every key in the
//! reference's order.

use serde_json::{Map, Value, json};

use megaplan_cloud_shell::{posix_join, posix_parent};

use super::DEFAULT_SESSION;
use super::classify::{self, Facts};
use super::observe::{self, Observation};
use crate::config::chain_spec::ChainSpec;

/// What the host knows besides the observation.
pub struct Local<'a> {
    pub remote_spec: &'a str,
    /// `repo.workspace`.
    pub workspace: &'a str,
    /// `chain.chain_session` from cloud.yaml.
    pub config_session: Option<&'a str>,
    pub config_extra_repos: Vec<String>,
    pub provider: &'a str,
    /// `railway.service` when the provider is railway.
    pub identity: &'a str,
    pub marker: Option<&'a Map<String, Value>>,
}

impl Local<'_> {
    /// The context before any state is read: what the observation's probes fall back to.
    pub fn fallback(&self) -> Context {
        resolve(&chain_state(&Map::new()), self)
    }

    /// The log the launch chose (the marker's provenance says; absolute), else the
    /// reference's, relative to the workspace.
    pub fn chain_log(&self) -> String {
        self.marker
            .and_then(|marker| marker.get("provenance"))
            .and_then(|provenance| provenance.pointer("/log/chain_log"))
            .and_then(Value::as_str)
            .filter(|path| path.starts_with('/'))
            .unwrap_or(super::identity::REFERENCE_LOG)
            .to_string()
    }
}

fn non_blank(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

fn list(value: Option<&Value>) -> Value {
    match value {
        Some(Value::Array(items)) => Value::Array(items.clone()),
        _ => json!([]),
    }
}

/// §9.6: every key, in order, malformed values made harmless.
pub fn chain_state(raw: &Map<String, Value>) -> Value {
    let get = |key: &str| raw.get(key).cloned().unwrap_or(Value::Null);
    let index = raw
        .get("current_milestone_index")
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    let completed: Vec<Value> = match raw.get("completed") {
        Some(Value::Array(items)) => items.iter().filter(|i| i.is_object()).cloned().collect(),
        _ => Vec::new(),
    };
    let sync_state = match raw.get("sync_state").and_then(Value::as_str) {
        Some(word @ ("clean" | "stale" | "dirty")) => json!(word),
        _ => Value::Null,
    };
    let strings = |key: &str| match raw.get(key) {
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => get(key),
        _ => json!([]),
    };
    json!({
        "current_milestone_index": index,
        "current_plan_name": non_blank(raw.get("current_plan_name")),
        "last_state": get("last_state"),
        "pr_number": get("pr_number"),
        "pr_state": get("pr_state"),
        "completed": completed,
        "branch_head": get("branch_head"),
        "pr_head": get("pr_head"),
        "last_pushed_commit": get("last_pushed_commit"),
        "dirty_flag": raw.get("dirty_flag").and_then(Value::as_bool).unwrap_or(false),
        "sync_state": sync_state,
        "extra_repos": strings("extra_repos"),
        "chain_session": non_blank(raw.get("chain_session")),
        "resolved_workspace": non_blank(raw.get("resolved_workspace")),
        "extra_repo_sync": list(raw.get("extra_repo_sync")),
    })
}

/// The resolved workspace and session with where each came from.
pub struct Context {
    pub workspace: (String, &'static str),
    pub session: (String, &'static str),
    pub extra_repos: Vec<(String, &'static str)>,
}

/// §9.4. With an empty state this is what the observation's probes fall back to.
pub fn resolve(state: &Value, local: &Local<'_>) -> Context {
    let marker = |key: &str| non_blank(local.marker.and_then(|m| m.get(key)));
    let spec_dir = posix_parent(local.remote_spec);
    let spec_parent =
        (local.remote_spec.contains('/') && spec_dir != "/" && spec_dir != ".").then_some(spec_dir);
    let workspace = non_blank(state.get("resolved_workspace"))
        .map(|w| (w, "chain_state"))
        .or_else(|| marker("workspace").map(|w| (w, "marker")))
        .or_else(|| spec_parent.map(|w| (w, "remote_spec")))
        .unwrap_or_else(|| (local.workspace.to_string(), "spec"));
    let session = non_blank(state.get("chain_session"))
        .map(|s| (s, "chain_state"))
        .or_else(|| marker("chain_session").map(|s| (s, "marker")))
        .or_else(|| local.config_session.map(|s| (s.to_string(), "spec")))
        .unwrap_or_else(|| (DEFAULT_SESSION.to_string(), "default"));
    let mut extra_repos: Vec<(String, &'static str)> = Vec::new();
    let marker_repos = local.marker.and_then(|m| m.get("extra_repos"));
    let sources = [
        (local.config_extra_repos.clone(), "spec"),
        (strings_of(state.get("extra_repos")), "chain_state"),
        (strings_of(marker_repos), "marker"),
    ];
    for (repos, source) in sources {
        for repo in repos {
            if !extra_repos.iter().any(|(known, _)| *known == repo) {
                extra_repos.push((repo, source));
            }
        }
    }
    Context {
        workspace,
        session,
        extra_repos,
    }
}

fn strings_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The policy in force: runtime overrides over the spec's values.
pub fn effective_policy(spec: &ChainSpec, overrides: &Map<String, Value>) -> Value {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_string);
    let prerequisite = text(overrides.get("prerequisite_policy"));
    let validation = text(overrides.get("validation_policy"));
    let clean = text(
        overrides
            .get("review_policy")
            .and_then(|r| r.get("clean_milestone_pr")),
    );
    let overridden = prerequisite.is_some() || validation.is_some() || clean.is_some();
    json!({
        "prerequisite_policy": prerequisite.unwrap_or_else(|| spec.prerequisite_policy.clone()),
        "validation_policy": validation.unwrap_or_else(|| spec.validation_policy.clone()),
        "review_policy": {"clean_milestone_pr": clean.unwrap_or_else(|| spec.clean_milestone_pr.clone())},
        "source": if overridden { "runtime_override" } else { "chain_yaml" },
    })
}

fn sync(state: &Value) -> Value {
    json!({
        "branch_head": state["branch_head"],
        "pr_head": state["pr_head"],
        "last_pushed_commit": state["last_pushed_commit"],
        "dirty_flag": state["dirty_flag"],
        "sync_state": state["sync_state"],
    })
}

/// The payload and the block printed on stderr before it.
pub struct ChainStatus {
    pub payload: Value,
    pub text: String,
}

pub fn build(observation: &Observation, spec: &ChainSpec, local: &Local<'_>) -> ChainStatus {
    let state = chain_state(&observation.state);
    let context = resolve(&state, local);
    let ws = context.workspace.0.as_str();
    let policy = effective_policy(spec, &observation.runtime_policy);
    let plan_status = observation
        .plan_status
        .clone()
        .unwrap_or_else(|| json!({"status": "missing", "reason": "no current plan"}));
    let runner = observe::runner_status(observation.runner_alive, &context.session.0);
    let human = observe::human_verification(observation.verify_human.as_ref());
    let effective = classify::effective_status(&Facts {
        state: &state,
        milestone_count: spec.milestones.len(),
        policy: &policy,
        plan_status: &plan_status,
        runner: &runner,
        human_verification: &human,
    });
    let summary = super::summary::summary(spec, &state);
    let payload = json!({
        "success": true,
        "spec": local.remote_spec,
        "milestone_count": spec.milestones.len(),
        "seed_plan": spec.seed_plan,
        "chain_state": state,
        "summary": summary,
        "effective_status": effective,
        "policy": policy,
        "sync": sync(&state),
        "plan_status": plan_status,
        "runner": runner,
        "logs": logs(ws, &local.chain_log(), &state, observation.log_stat),
        "pr": pr(&state),
        "provider_consistency": consistency(local),
        "human_verification": human,
        "resolved_workspace": ws,
        "resolved_session": context.session.0,
        "resolved_context": resolved_context(&context, local.remote_spec),
    });
    ChainStatus {
        text: super::summary::text(&summary),
        payload,
    }
}

fn logs(ws: &str, chain_log: &str, state: &Value, stat: Option<(i64, i64)>) -> Value {
    let path = if chain_log.starts_with('/') {
        chain_log.to_string()
    } else {
        posix_join(ws, chain_log)
    };
    let chain_log = match stat {
        Some((mtime, size)) => json!({"path": path, "mtime": mtime, "size": size}),
        None => json!({"path": path, "status": "unavailable"}),
    };
    let plan_log = state["current_plan_name"]
        .as_str()
        .map(|_| posix_join(ws, ".megaplan/logs/latest.log"));
    json!({
        "workspace": ws,
        "plan_log": plan_log,
        "agent_log": posix_join(ws, "agent.log"),
        "chain_log": chain_log,
    })
}

fn pr(state: &Value) -> Value {
    if state["pr_number"].is_null() {
        return json!({"status": "none"});
    }
    let mut pr = json!({"pr_number": state["pr_number"], "pr_state": state["pr_state"]});
    if !state["pr_head"].is_null() {
        pr["pr_head"] = state["pr_head"].clone();
    }
    pr
}

fn consistency(local: &Local<'_>) -> Value {
    if local.provider != "railway" {
        return json!({
            "status": "not_applicable",
            "reason": format!("provider '{}' has no comparable provider identity", local.provider),
            "spec_provider": local.provider,
        });
    }
    let marker = |key: &str| {
        local
            .marker
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    };
    let (marker_provider, marker_identity) = (marker("provider"), marker("provider_identity"));
    let mismatch = match (marker_provider, marker_identity) {
        (Some(p), _) if p != local.provider => Some(format!(
            "marker was written for provider '{p}' but spec declares '{}'",
            local.provider
        )),
        (_, Some(i)) if i != local.identity => Some(format!(
            "marker provider_identity '{i}' does not match spec identity '{}'",
            local.identity
        )),
        _ => None,
    };
    let mut out = json!({
        "status": if mismatch.is_some() { "mismatch" } else { "consistent" },
        "spec_provider": local.provider,
        "spec_identity": local.identity,
        "marker_provider": marker_provider,
        "marker_identity": marker_identity,
    });
    if let Some(reason) = mismatch {
        out["reason"] = json!(reason);
    }
    out
}

fn resolved_context(context: &Context, remote_spec: &str) -> Value {
    json!({
        "workspace": context.workspace.0,
        "chain_session": context.session.0,
        "extra_repos": context.extra_repos.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(),
        "remote_spec": remote_spec,
        "source": {
            "workspace": context.workspace.1,
            "session": context.session.1,
            "extra_repos": context.extra_repos.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
        },
    })
}

#[cfg(test)]
mod tests;
