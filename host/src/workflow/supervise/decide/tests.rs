//! Every row of the reference's decision table, and a property over any observation.

use proptest::prelude::*;

use super::*;

fn situation(status: &str) -> Situation {
    Situation {
        effective_status: status.into(),
        consistency_mismatch: None,
        runner_status: "alive".into(),
        remote_exec: true,
        pr_number: None,
        pr_state: "unknown".into(),
        human: Human::Unavailable("no current plan".into()),
        budget_left: true,
    }
}

fn row(d: &Decision) -> (&str, &str, Option<&str>, Option<Mutation>) {
    (d.event, d.next_action, d.refused_code, d.mutation)
}

#[test]
fn the_decision_table() {
    let mut s = situation("running");
    s.consistency_mismatch =
        Some("marker was written for provider 'ssh' but spec declares 'railway'".into());
    let d = decide(&s);
    assert_eq!(
        row(&d),
        (
            "supervisor_blocked",
            "blocked",
            Some("provider_mismatch"),
            None
        )
    );
    assert_eq!(
        d.refused_reason.as_deref(),
        Some(
            "provider consistency mismatch: marker was written for provider 'ssh' but spec declares 'railway'"
        )
    );
    assert_eq!(
        row(&decide(&situation("running"))),
        ("supervisor_tick", "noop", Some("running"), None)
    );
    assert_eq!(decide(&situation("running")).refused_reason, None);
    assert_eq!(
        row(&decide(&situation("complete"))),
        ("supervisor_tick", "done", Some("complete"), None)
    );
    let d = decide(&situation("human_prerequisite"));
    assert_eq!(
        row(&d),
        (
            "supervisor_blocked",
            "blocked",
            Some("human_prerequisite"),
            None
        )
    );
    assert!(
        d.refused_reason
            .unwrap()
            .starts_with("human prerequisite policy is 'required' and unmet")
    );
    let d = decide(&situation("quality_gate"));
    assert_eq!(
        row(&d),
        ("supervisor_blocked", "blocked", Some("quality_gate"), None)
    );

    let mut s = situation("awaiting_pr_merge");
    let d = decide(&s);
    assert_eq!(
        row(&d),
        ("supervisor_blocked", "blocked", Some("pr_unmerged"), None)
    );
    assert_eq!(
        d.refused_reason.as_deref(),
        Some(
            "awaiting PR merge (PR #None state=unknown); supervisor will not advance until PR is merged"
        )
    );
    s.pr_number = Some(7);
    s.pr_state = "MERGED".into();
    assert_eq!(
        row(&decide(&s)),
        (
            "supervisor_advanced",
            "advance",
            None,
            Some(Mutation::Advance)
        )
    );
    s.pr_state = "open".into();
    assert!(
        decide(&s)
            .refused_reason
            .unwrap()
            .contains("PR #7 state=open")
    );

    let mut s = situation("stale_bookkeeping");
    assert_eq!(
        row(&decide(&s)),
        ("supervisor_blocked", "blocked", Some("live_runner"), None)
    );
    assert_eq!(
        decide(&s).refused_reason.as_deref(),
        Some(
            "stale bookkeeping but runner status is 'alive'; supervisor will not force-restart a live runner"
        )
    );
    for gone in ["dead", "unavailable"] {
        s.runner_status = gone.into();
        assert_eq!(
            row(&decide(&s)),
            (
                "supervisor_restarted",
                "restart",
                None,
                Some(Mutation::Restart)
            )
        );
    }
    s.budget_left = false;
    assert_eq!(row(&decide(&s)).2, Some("restart_budget_exhausted"));
    s.budget_left = true;
    s.remote_exec = false;
    assert_eq!(
        decide(&s).refused_reason.as_deref(),
        Some("stale bookkeeping but provider lacks ssh_exec; cannot restart runner")
    );

    let mut s = situation("awaiting_human_verify");
    assert_eq!(
        decide(&s).refused_reason.as_deref(),
        Some("awaiting human verification but verification facts are unavailable: no current plan")
    );
    s.human = Human::Available {
        pending: 2,
        verified: 1,
        all_verified: false,
    };
    assert_eq!(
        decide(&s).refused_reason.as_deref(),
        Some(
            "awaiting human verification: 2 pending, 1 verified of deferred-must criteria; latest-verdict semantics require a 'pass' verdict on every criterion before the chain can wake"
        )
    );
    s.human = Human::Available {
        pending: 0,
        verified: 3,
        all_verified: true,
    };
    assert_eq!(
        row(&decide(&s)),
        ("supervisor_tick", "noop", Some("live_runner"), None)
    );
    s.runner_status = "dead".into();
    assert_eq!(
        row(&decide(&s)),
        (
            "supervisor_restarted",
            "restart",
            None,
            Some(Mutation::Restart)
        )
    );

    let d = decide(&situation("weird"));
    assert_eq!(
        row(&d),
        ("supervisor_tick", "noop", Some("unknown_status"), None)
    );
    assert_eq!(
        d.refused_reason.as_deref(),
        Some("unknown effective_status: weird")
    );
}

fn any_situation() -> impl Strategy<Value = Situation> {
    let status = prop_oneof![
        Just("running".to_string()),
        Just("complete".to_string()),
        Just("human_prerequisite".to_string()),
        Just("quality_gate".to_string()),
        Just("awaiting_pr_merge".to_string()),
        Just("stale_bookkeeping".to_string()),
        Just("awaiting_human_verify".to_string()),
        "\\PC{0,12}",
    ];
    let runner = prop_oneof![
        Just("alive".to_string()),
        Just("connected".to_string()),
        Just("dead".to_string()),
        Just("unavailable".to_string()),
        Just("unknown".to_string()),
        "\\PC{0,8}",
    ];
    let pr_state = prop_oneof![
        Just("merged".to_string()),
        Just("MERGED".to_string()),
        "\\PC{0,8}"
    ];
    let human = prop_oneof![
        "\\PC{0,8}".prop_map(Human::Unavailable),
        (any::<i64>(), any::<i64>(), any::<bool>()).prop_map(
            |(pending, verified, all_verified)| Human::Available {
                pending,
                verified,
                all_verified
            }
        ),
    ];
    (
        status,
        proptest::option::of("\\PC{0,8}"),
        runner,
        any::<bool>(),
        proptest::option::of(any::<i64>()),
        pr_state,
        human,
        any::<bool>(),
    )
        .prop_map(
            |(
                effective_status,
                consistency_mismatch,
                runner_status,
                remote_exec,
                pr_number,
                pr_state,
                human,
                budget_left,
            )| Situation {
                effective_status,
                consistency_mismatch,
                runner_status,
                remote_exec,
                pr_number,
                pr_state,
                human,
                budget_left,
            },
        )
}

proptest! {
    #[test]
    fn only_the_two_safe_mutations_and_only_when_their_facts_hold(s in any_situation()) {
        let d = decide(&s);
        match d.mutation {
            None => prop_assert!(!matches!(d.event, "supervisor_restarted" | "supervisor_advanced")),
            Some(Mutation::Restart) => {
                prop_assert!(s.consistency_mismatch.is_none());
                prop_assert!(matches!(s.runner_status.as_str(), "dead" | "unavailable"));
                prop_assert!(s.remote_exec && s.budget_left);
                prop_assert!(matches!(s.effective_status.as_str(), "stale_bookkeeping" | "awaiting_human_verify"));
            }
            Some(Mutation::Advance) => {
                prop_assert!(s.consistency_mismatch.is_none());
                prop_assert_eq!(s.effective_status.as_str(), "awaiting_pr_merge");
                prop_assert!(s.pr_number.is_some() && s.pr_state.eq_ignore_ascii_case("merged"));
            }
        }
        prop_assert_eq!(d.refused_code.is_some(), d.mutation.is_none());
    }
}
