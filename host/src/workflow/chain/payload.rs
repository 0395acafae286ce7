//! The `cloud_chain_launched` payload, keys in the reference's order: scripts parse it,
//! and the marker keeps it as the chain's provenance.

use serde_json::{Value, json};

use super::launch::Launched;
use crate::config::Repo;
use crate::config::chain_spec::ChainSpec;

pub struct LaunchFacts<'a> {
    pub spec: &'a ChainSpec,
    pub repo: &'a Repo,
    pub remote_spec: &'a str,
    pub megaplan_ref: &'a str,
    pub preflight: &'a Value,
    pub session: &'a str,
    pub launched: &'a Launched,
}

pub fn launched(facts: &LaunchFacts<'_>) -> Value {
    let spec = facts.spec;
    json!({
        "success": true,
        "event": "cloud_chain_launched",
        "remote_spec": facts.remote_spec,
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
        "tmux": {"session": facts.session, "status": facts.launched.tmux_status},
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
        };
        let payload = super::launched(&LaunchFacts {
            spec: &spec,
            repo: &repo,
            remote_spec: "/workspace/app/chain.yaml",
            megaplan_ref: "main",
            preflight: &preflight,
            session: "megaplan-chain",
            launched: &launched,
        });
        let golden = r#"{"success":true,"event":"cloud_chain_launched","remote_spec":"/workspace/app/chain.yaml","current_milestone":"m1","plan_name":null,"pr_number":null,"repo":{"url":"https://example.test/app.git","branch":"main","workspace":"/workspace/app","head":"abc","checked_out_branch":"main"},"chain":{"base_branch":"main","milestone_count":2,"resolved_phase_map_summary":["#;
        let text = serde_json::to_string(&payload).unwrap();
        assert!(text.starts_with(golden), "{text}");
        assert!(
            text.ends_with(r#""prerequisite_policy":"none","validation_policy":"none","review_policy":{"clean_milestone_pr":"auto"}},"megaplan":{"ref":"main","install_source":"cloud_image_runtime"},"uploaded_idea_count":2,"tmux":{"session":"megaplan-chain","status":"started"}}"#),
            "{text}"
        );
        assert_eq!(
            payload["chain"]["resolved_phase_map_summary"][1]["label"],
            "m2"
        );
    }
}
