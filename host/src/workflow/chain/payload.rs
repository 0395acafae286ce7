//! The `cloud_chain_launched` payload, keys in the reference's order: scripts parse it,
//! and the marker keeps it as the chain's provenance.

use serde_json::{Value, json};

use super::identity::{Identity, Placement};
use super::launch::Launched;
use super::verify;
use crate::config::Repo;
use crate::config::chain_spec::ChainSpec;

pub struct LaunchFacts<'a> {
    pub spec: &'a ChainSpec,
    pub repo: &'a Repo,
    pub megaplan_ref: &'a str,
    pub preflight: &'a Value,
    pub identity: &'a Identity,
    pub placement: &'a Placement,
    pub isolated: bool,
    pub fresh: bool,
    pub launched: &'a Launched,
}

/// The reference's keys, then this tool's (`log`, `launch`, `state_reset`,
/// `verification`), so a parser of the reference's payload reads it unchanged.
pub fn launched(facts: &LaunchFacts<'_>) -> Value {
    let mut payload = reference_keys(facts);
    let placement = facts.placement;
    let launched = facts.launched;
    let derived = |value: &str, derived: bool| if derived { json!(value) } else { Value::Null };
    let extra = json!({
        "log": {"chain_log": verify::log_path(&facts.repo.workspace, &placement.chain_log)},
        "launch": {
            "isolated": facts.isolated,
            "fresh": facts.fresh,
            "identity": facts.identity.text,
            "identity_digest": facts.identity.digest,
            "session_marker": placement.session_marker,
            "derived_workspace": derived(&placement.workspace, placement.derived),
            "derived_session": derived(&placement.session, placement.derived),
            "stopped_previous_session": launched.stopped_previous,
        },
        "state_reset": launched.state_reset,
        "verification": launched.verification.as_ref().map(verify::Verification::to_json),
    });
    if let (Value::Object(payload), Value::Object(extra)) = (&mut payload, extra) {
        payload.extend(extra);
    }
    payload
}

fn reference_keys(facts: &LaunchFacts<'_>) -> Value {
    let spec = facts.spec;
    let session = &facts.placement.session;
    json!({
        "success": true,
        "event": "cloud_chain_launched",
        "remote_spec": facts.placement.remote_spec,
        "current_milestone": spec.milestones.first().map(|m| m.label.clone()),
        "plan_name": null,
        "pr_number": null,
        "repo": {
            "url": facts.repo.url,
            "branch": facts.repo.branch,
            "workspace": facts.repo.workspace,
            "head": facts.launched.head,
            "checked_out_branch": facts.launched.checked_out_branch,
        },
        "chain": {
            "base_branch": spec.base_branch,
            "milestone_count": spec.milestones.len(),
            "resolved_phase_map_summary": facts.preflight["milestones"],
            "prerequisite_policy": spec.prerequisite_policy,
            "validation_policy": spec.validation_policy,
            "review_policy": {"clean_milestone_pr": spec.clean_milestone_pr},
        },
        "megaplan": {"ref": facts.megaplan_ref, "install_source": "cloud_image_runtime"},
        "uploaded_idea_count": spec.milestones.len(),
        "tmux": {"session": session, "status": facts.launched.tmux_status},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_keys_in_order() {
        let spec = ChainSpec::parse(
            "milestones: [{label: m1, idea: a.md}, {label: m2, idea: b.md}]\n",
            "chain.yaml",
        )
        .unwrap()
        .defaulting_base_branch("main");
        let repo = Repo {
            url: "https://example.test/app.git".into(),
            branch: "main".into(),
            workspace: "/workspace/app".into(),
        };
        let preflight = super::super::preflight::preflight(&spec, Some("codex")).report;
        let launched = Launched {
            checked_out_branch: Some("main".into()),
            head: Some("abc".into()),
            tmux_status: "started",
            stopped_previous: false,
            state_reset: json!({"status": "absent"}),
            verification: None,
        };
        let identity = Identity::new("chain", None, &["m1".into(), "m2".into()]);
        let placement = super::super::identity::place(
            &super::super::identity::Configured {
                workspace: "/workspace/app",
                workspace_explicit: false,
                session: "megaplan-chain",
                session_explicit: false,
                repo_url: &repo.url,
            },
            None,
        );
        let payload = super::launched(&LaunchFacts {
            spec: &spec,
            repo: &repo,
            megaplan_ref: "main",
            preflight: &preflight,
            identity: &identity,
            placement: &placement,
            isolated: false,
            fresh: false,
            launched: &launched,
        });
        let golden = r#"{"success":true,"event":"cloud_chain_launched","remote_spec":"/workspace/app/chain.yaml","current_milestone":"m1","plan_name":null,"pr_number":null,"repo":{"url":"https://example.test/app.git","branch":"main","workspace":"/workspace/app","head":"abc","checked_out_branch":"main"},"chain":{"base_branch":"main","milestone_count":2,"resolved_phase_map_summary":["#;
        let text = serde_json::to_string(&payload).unwrap();
        assert!(text.starts_with(golden), "{text}");
        assert!(
            text.contains(r#""prerequisite_policy":"none","validation_policy":"none","review_policy":{"clean_milestone_pr":"auto"}},"megaplan":{"ref":"main","install_source":"cloud_image_runtime"},"uploaded_idea_count":2,"tmux":{"session":"megaplan-chain","status":"started"},"log":{"chain_log":"/workspace/app/.megaplan/cloud-chain.log"},"launch":{"isolated":false,"fresh":false,"identity":"chain::m1,m2","identity_digest":"8fb6734d"#),
            "{text}"
        );
        assert_eq!(
            payload["chain"]["resolved_phase_map_summary"][1]["label"],
            "m2"
        );
        assert!(
            text.ends_with(r#""derived_workspace":null,"derived_session":null,"stopped_previous_session":false},"state_reset":{"status":"absent"},"verification":null}"#),
            "{text}"
        );
    }
}
