//! The observation script run for real in a local `sh` (with python3, as runners have).

use megaplan_cloud_shell::posix_parent;

use super::*;
use crate::workflow::chain::testbed::Testbed;

fn probe<'a>(spec: &'a str, ws: &'a str) -> Probe<'a> {
    Probe {
        remote_spec: spec,
        workspace: ws,
        session: "megaplan-chain",
        chain_log: crate::workflow::chain::identity::REFERENCE_LOG,
    }
}

#[test]
fn no_state_yet_is_chain_state_missing_naming_the_path() {
    let mut bed = Testbed::new(&[]);
    let spec = bed.path("ws/chain.yaml").display().to_string();
    let ws = bed.path("ws").display().to_string();
    let err = observe(&mut bed, &probe(&spec, &ws)).err().unwrap();
    assert_eq!(err.code, "chain_state_missing");
    assert!(err.message.contains(&state_path(&spec)), "{}", err.message);
    assert_eq!(bed.calls, 1);
}

#[test]
fn one_call_reads_everything_with_the_states_own_context() {
    let mut bed = Testbed::new(&["megaplan"]);
    let ws = bed.path("ws").display().to_string();
    let spec = format!("{ws}/chain.yaml");
    let state_ws = bed.path("state ws $(x)").display().to_string();
    std::fs::create_dir_all(format!("{state_ws}/.megaplan")).unwrap();
    std::fs::write(format!("{state_ws}/.megaplan/cloud-chain.log"), "12345").unwrap();
    let state = state_path(&spec);
    std::fs::create_dir_all(posix_parent(&state)).unwrap();
    let body = serde_json::json!({
        "current_milestone_index": 0, "current_plan_name": "plan 'one'",
        "resolved_workspace": state_ws, "chain_session": "custom"
    });
    std::fs::write(&state, body.to_string()).unwrap();
    std::fs::write(&spec, "milestones: []\n").unwrap();
    std::fs::write(
        runtime_policy_path(&spec),
        r#"{"validation_policy": "required"}"#,
    )
    .unwrap();
    std::fs::write(bed.path("session"), "").unwrap();
    let seen = observe(&mut bed, &probe(&spec, &ws)).unwrap().unwrap();
    assert_eq!(bed.calls, 1);
    assert_eq!(seen.state["current_plan_name"], "plan 'one'");
    assert_eq!(seen.spec_text, "milestones: []\n");
    assert_eq!(seen.runtime_policy["validation_policy"], "required");
    assert!(seen.runner_alive);
    assert_eq!(seen.log_stat.map(|(_, size)| size), Some(5));
    let calls = bed.recorded();
    assert_eq!(calls[0], ["tmux", "has-session", "-t", "=custom"]);
    assert_eq!(calls[1], ["megaplan", "status", "--plan", "plan 'one'"]);
    assert_eq!(
        calls[2],
        [
            "megaplan",
            "verify-human",
            "--list",
            "--plan",
            "plan 'one'",
            "--json"
        ]
    );
    // The stand-in printed nothing: both facts say so instead of failing the status.
    assert_eq!(seen.plan_status.unwrap()["status"], "unavailable");
    assert_eq!(
        human_verification(seen.verify_human.as_ref())["reason"],
        "empty stdout"
    );
}

#[test]
fn verify_human_payloads() {
    let step = |stdout: &str| StepResult {
        name: "verify_human".into(),
        exit: 0,
        stdout: stdout.as_bytes().to_vec(),
        stderr: Vec::new(),
    };
    assert_eq!(
        human_verification(Some(&step(r#"{"semantics": "any"}"#)))["reason"],
        "remote payload semantics 'any' != 'latest_verdict'; facts may be stale"
    );
    let available = human_verification(Some(&step(
        r#"{"semantics": "latest_verdict", "pending": 1, "verified": 2, "rows": []}"#,
    )));
    assert_eq!(
        available,
        serde_json::json!({"status": "available", "pending": 1, "verified": 2,
            "all_deferred_must_verified": false, "rows": [], "semantics": "latest_verdict"})
    );
    assert!(
        human_verification(Some(&step("{")))["reason"]
            .as_str()
            .unwrap()
            .starts_with("invalid JSON: ")
    );
}

mod hostile {
    use proptest::prelude::*;

    use super::*;
    use crate::workflow::chain::testbed::hostile;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

        #[test]
        fn values_from_the_state_and_the_spec_path_stay_literal(
            dir in hostile(), session in hostile(), plan in hostile(),
        ) {
            let mut bed = Testbed::new(&["megaplan"]);
            let ws = format!("{}/{}", bed.path("w").display(), dir.replace('/', "_"));
            let spec = format!("{ws}/chain.yaml");
            let state = state_path(&spec);
            std::fs::create_dir_all(posix_parent(&state)).unwrap();
            let body = serde_json::json!({
                "current_plan_name": plan, "resolved_workspace": ws, "chain_session": session,
            });
            std::fs::write(&state, body.to_string()).unwrap();
            std::fs::write(&spec, "milestones: []\n").unwrap();
            let seen = observe(&mut bed, &probe(&spec, &ws)).unwrap().unwrap();
            prop_assert_eq!(seen.spec_text.as_str(), "milestones: []\n");
            prop_assert!(!bed.root.path().join("PWNED").exists());
            let calls = bed.recorded();
            let shown = if session.trim().is_empty() { "megaplan-chain" } else { session.as_str() };
            let expected_session = format!("={shown}");
            prop_assert_eq!(&calls[0][..], &["tmux", "has-session", "-t", expected_session.as_str()][..]);
            if !plan.trim().is_empty() {
                prop_assert_eq!(&calls[1][..], &["megaplan", "status", "--plan", plan.as_str()][..]);
            }
            for call in &calls {
                prop_assert!(["tmux", "megaplan"].contains(&call[0].as_str()), "{:?}", call);
            }
        }
    }
}
