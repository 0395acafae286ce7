//! The reference's own example, golden; tolerant parsing; context precedence.

use serde_json::json;

use super::*;

fn spec() -> ChainSpec {
    ChainSpec::parse(
        "seed: {plan: seed-plan-20260421}\nmilestones:\n- {label: m1, idea: a.md}\n- {label: m2, idea: b.md}\n",
        "chain.yaml",
    )
    .unwrap()
}

fn observation(state: Value) -> Observation {
    Observation {
        state_path: "/workspace/app/.megaplan/plans/.chains/chain-31aeaa26cfe5.json".into(),
        state: state.as_object().unwrap().clone(),
        spec_text: String::new(),
        runtime_policy: Map::new(),
        plan_status: None,
        runner_alive: true,
        log_stat: Some((1234567890, 5000)),
        verify_human: None,
    }
}

fn local(marker: Option<&Map<String, Value>>) -> Local<'_> {
    Local {
        remote_spec: "/workspace/app/chain.yaml",
        workspace: "/workspace/app",
        config_session: None,
        config_extra_repos: vec![],
        provider: "local",
        identity: "megaplan-cloud",
        marker,
    }
}

#[test]
fn the_references_example_block() {
    let state = json!({
        "current_milestone_index": 1, "current_plan_name": "plan-for-m2", "last_state": "done",
        "completed": [{"label": "m1", "plan": "plan-for-m1", "status": "done"}],
    });
    let status = build(&observation(state), &spec(), &local(None));
    assert_eq!(
        status.text,
        concat!(
            "Current milestone: m2 (index 1)\n",
            "Completed: m1\n",
            "Remaining: m2\n",
            "Seed plan: seed-plan-20260421\n",
            "Base branch: main\n",
            "Current plan: plan-for-m2\n",
            "Last state: done\n",
            "Sync:\n",
            "Policy:\n",
            "  Prerequisite: none\n",
            "  Validation: none\n",
            "  Review (clean_milestone_pr): auto\n",
            "Per-milestone:\n",
            "  - [completed] m1 (index 0)\n",
            "  - [in_progress] m2 (index 1)\n",
        )
    );
    let keys: Vec<&str> = status
        .payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "success",
            "spec",
            "milestone_count",
            "seed_plan",
            "chain_state",
            "summary",
            "effective_status",
            "policy",
            "sync",
            "plan_status",
            "runner",
            "logs",
            "pr",
            "provider_consistency",
            "human_verification",
            "resolved_workspace",
            "resolved_session",
            "resolved_context"
        ]
    );
    let payload = &status.payload;
    assert_eq!(
        payload["plan_status"],
        json!({"status": "missing", "reason": "no current plan"})
    );
    assert_eq!(
        payload["runner"],
        json!({"status": "alive", "session": "megaplan-chain", "detail": "tmux session present"})
    );
    assert_eq!(
        payload["logs"],
        json!({"workspace": "/workspace/app", "plan_log": "/workspace/app/.megaplan/logs/latest.log",
               "agent_log": "/workspace/app/agent.log",
               "chain_log": {"path": "/workspace/app/.megaplan/cloud-chain.log", "mtime": 1234567890, "size": 5000}})
    );
    assert_eq!(payload["pr"], json!({"status": "none"}));
    assert_eq!(
        payload["provider_consistency"],
        json!({"status": "not_applicable", "reason": "provider 'local' has no comparable provider identity", "spec_provider": "local"})
    );
    assert_eq!(
        payload["resolved_context"]["source"],
        json!({"workspace": "remote_spec", "session": "default", "extra_repos": []})
    );
    let state_keys: Vec<&str> = payload["chain_state"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        state_keys,
        [
            "current_milestone_index",
            "current_plan_name",
            "last_state",
            "pr_number",
            "pr_state",
            "completed",
            "branch_head",
            "pr_head",
            "last_pushed_commit",
            "dirty_flag",
            "sync_state",
            "extra_repos",
            "chain_session",
            "resolved_workspace",
            "extra_repo_sync"
        ]
    );
}

#[test]
fn malformed_state_values_are_made_harmless() {
    let state = chain_state(
        json!({"extra_repos": "x", "extra_repo_sync": 3, "chain_session": "  ", "resolved_workspace": 7,
               "sync_state": "weird", "completed": ["bad", {"label": "m1"}]})
        .as_object()
        .unwrap(),
    );
    assert_eq!(state["current_milestone_index"], -1);
    assert_eq!(state["extra_repos"], json!([]));
    assert_eq!(state["extra_repo_sync"], json!([]));
    assert_eq!(state["chain_session"], Value::Null);
    assert_eq!(state["resolved_workspace"], Value::Null);
    assert_eq!(state["sync_state"], Value::Null);
    assert_eq!(state["completed"], json!([{"label": "m1"}]));
}

#[test]
fn context_precedence_state_then_marker_then_spec() {
    let marker =
        json!({"workspace": "/m/ws", "chain_session": "from-marker", "extra_repos": ["/x", "/y"]});
    let marker = marker.as_object().unwrap();
    let mut local = local(Some(marker));
    local.config_extra_repos = vec!["/y".into(), "/z".into()];
    let empty = chain_state(&Map::new());
    let context = resolve(&empty, &local);
    assert_eq!(context.workspace, ("/m/ws".into(), "marker"));
    assert_eq!(context.session, ("from-marker".into(), "marker"));
    assert_eq!(
        context.extra_repos,
        [
            ("/y".into(), "spec"),
            ("/z".into(), "spec"),
            ("/x".into(), "marker")
        ]
    );
    let state = chain_state(
        json!({"resolved_workspace": "/s/ws", "chain_session": "s"})
            .as_object()
            .unwrap(),
    );
    let context = resolve(&state, &local);
    assert_eq!(context.workspace, ("/s/ws".into(), "chain_state"));
    assert_eq!(context.session, ("s".into(), "chain_state"));
}

#[test]
fn railway_compares_the_marker_identity() {
    let marker = json!({"provider": "railway", "provider_identity": "old"});
    let marker = marker.as_object().unwrap();
    let mut local = local(Some(marker));
    local.provider = "railway";
    local.identity = "agent";
    let status = build(&observation(json!({})), &spec(), &local);
    assert_eq!(status.payload["provider_consistency"]["status"], "mismatch");
    assert_eq!(
        status.payload["provider_consistency"]["reason"],
        "marker provider_identity 'old' does not match spec identity 'agent'"
    );
}
