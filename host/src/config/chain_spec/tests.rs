//! The chain spec's defaults, every message of the reference, and locations.

use super::*;

fn parse(text: &str) -> CloudResult<ChainSpec> {
    ChainSpec::parse(text, "chain.yaml")
}

fn error(text: &str) -> String {
    let err = parse(text).expect_err("invalid");
    assert_eq!(err.code, "invalid_spec");
    err.message
}

const ONE: &str = "milestones:\n  - {label: m1, idea: ideas/m1.md}\n";

#[test]
fn defaults_and_what_the_host_reads() {
    let spec = parse(ONE).unwrap();
    assert_eq!(spec.base_branch, "main");
    assert!(!spec.base_branch_explicit);
    assert_eq!(spec.merge_policy, "auto");
    assert_eq!(spec.seed_plan, None);
    assert_eq!(
        spec.milestones,
        [Milestone {
            label: "m1".into(),
            idea: "ideas/m1.md".into(),
            branch: None,
            vendor: None,
            depth: None,
            with_prep: false,
            with_feedback: false,
            profile: None,
            phase_model: Vec::new(),
        }]
    );
    assert_eq!(spec.prerequisite_policy, "none");
    assert_eq!(spec.validation_policy, "none");
    assert_eq!(spec.clean_milestone_pr, "auto");
    let spec =
        parse("milestones: [{label: m, idea: i, phase_model: plan=claude, profile: apex}]\n")
            .unwrap();
    assert_eq!(spec.milestones[0].phase_model, ["plan=claude"]);
    assert_eq!(spec.milestones[0].profile.as_deref(), Some("apex"));
    let spec = parse("base_branch: '  dev '\nseed: {plan: '  '}\nfuture_key: kept\n").unwrap();
    assert_eq!(spec.base_branch, "dev");
    assert!(spec.base_branch_explicit);
    assert_eq!(spec.seed_plan, None);
    assert!(spec.milestones.is_empty());
    assert!(
        spec.mapping.contains_key("future_key"),
        "unknown keys are kept"
    );
    assert!(parse("").unwrap().milestones.is_empty());
}

#[test]
fn every_reference_message() {
    let cases: &[(&str, &str)] = &[
        ("- a\n", "chain spec must be a YAML mapping"),
        (
            "base_branch: ''\n",
            "`base_branch` must be a non-empty string",
        ),
        (
            "base_branch: 3\n",
            "`base_branch` must be a non-empty string",
        ),
        ("milestones: {a: 1}\n", "`milestones` must be a list"),
        ("milestones: [x]\n", "milestones[0] must be a mapping"),
        (
            "milestones: [{idea: i}]\n",
            "milestones[0].label is required",
        ),
        (
            "milestones: [{label: ' ', idea: i}]\n",
            "milestones[0].label is required",
        ),
        (
            "milestones: [{label: l}]\n",
            "milestones[0].idea is required",
        ),
        (
            "milestones: [{label: l, idea: i, branch: 3}]\n",
            "milestones[0].branch must be a string",
        ),
        (
            "milestones: [{label: l, idea: i, profile: [a]}]\n",
            "milestones[0].profile must be a string",
        ),
        (
            "milestones: [{label: l, idea: i, robustness: 1}]\n",
            "milestones[0].robustness must be a string",
        ),
        (
            "milestones: [{label: l, idea: i, vendor: x}]\n",
            "milestones[0].vendor must be one of ('claude', 'codex'); got 'x'",
        ),
        (
            "milestones: [{label: l, idea: i, vendor: 1}]\n",
            "milestones[0].vendor must be a string",
        ),
        (
            "milestones: [{label: l, idea: i, depth: deep}]\n",
            "milestones[0].depth must be one of ('minimal', 'low', 'medium', 'high', 'xhigh', 'max'); got 'deep'",
        ),
        (
            "milestones: [{label: l, idea: i, critic: x}]\n",
            "milestones[0].critic must be one of ('kimi', 'cross'); got 'x'",
        ),
        (
            "milestones: [{label: l, idea: i, deepseek_provider: x}]\n",
            "milestones[0].deepseek_provider must be one of ('fireworks', 'direct'); got 'x'",
        ),
        (
            "milestones: [{label: l, idea: i, with_prep: yes please}]\n",
            "milestones[0].with_prep must be a boolean",
        ),
        (
            "milestones: [{label: l, idea: i, with_feedback: 1}]\n",
            "milestones[0].with_feedback must be a boolean",
        ),
        (
            "milestones: [{label: l, idea: i, prep_direction: ' '}]\n",
            "milestones[0].prep_direction must be non-empty when provided",
        ),
        (
            "milestones: [{label: l, idea: i, prep_direction: 1}]\n",
            "milestones[0].prep_direction must be a string",
        ),
        (
            "milestones: [{label: l, idea: i, phase_model: [1]}]\n",
            "milestones[0].phase_model must be a string or list of strings",
        ),
        (
            "milestones: [{label: l, idea: i, bakeoff: x}]\n",
            "milestones[0].bakeoff must be a mapping",
        ),
        (
            "milestones: [{label: l, idea: i, notes: [x]}]\n",
            "milestones[0].notes must be a string",
        ),
        ("seed: x\n", "`seed` must be a mapping"),
        ("seed: {plan: 3}\n", "`seed.plan` must be a string"),
        (
            "on_failure: explode\n",
            "on_failure must be one of ('stop_chain', 'skip_milestone', 'retry_milestone'); got 'explode'",
        ),
        (
            "on_escalate: {retry: x}\n",
            "on_escalate.retry must be one of ('stop_chain', 'skip_milestone', 'retry_milestone'); got 'x'",
        ),
        (
            "on_failure: [x]\n",
            "`on_failure` must be a string or a mapping of retry/escalate/abort",
        ),
        (
            "merge_policy: x\n",
            "merge_policy must be one of ('auto', 'review'); got 'x'",
        ),
        (
            "merge_policy: null\n",
            "merge_policy must be one of ('auto', 'review'); got None",
        ),
        (
            "prerequisite_policy: x\n",
            "prerequisite_policy must be one of ('none', 'required'); got 'x'",
        ),
        (
            "validation_policy: x\n",
            "validation_policy must be one of ('none', 'required'); got 'x'",
        ),
        ("review_policy: x\n", "`review_policy` must be a mapping"),
        (
            "review_policy: {clean_milestone_pr: x}\n",
            "review_policy.clean_milestone_pr must be one of ('auto', 'manual'); got 'x'",
        ),
        ("driver: x\n", "`driver` must be a mapping"),
        (
            "driver: {stall_threshold: many}\n",
            "driver.stall_threshold must be a number; got 'many'",
        ),
        (
            "driver: {on_escalate: x}\n",
            "driver.on_escalate must be one of ('force-proceed', 'abort', 'fail'); got 'x'",
        ),
        (
            "driver: {robustness: 1}\n",
            "driver.robustness must be a string",
        ),
    ];
    for (text, expected) in cases {
        let message = error(text);
        assert!(message.ends_with(expected), "{text:?}: {message}");
    }
}

#[test]
fn the_reference_order_decides_which_error_wins() {
    // base_branch before milestones, milestones before the policies.
    let message = error("merge_policy: x\nmilestones: [{idea: i}]\nbase_branch: ''\n");
    assert!(
        message.ends_with("`base_branch` must be a non-empty string"),
        "{message}"
    );
    let message = error("merge_policy: x\nmilestones: [{idea: i}]\n");
    assert!(
        message.ends_with("milestones[0].label is required"),
        "{message}"
    );
}

#[test]
fn messages_carry_the_location_of_the_node() {
    let message =
        error("base_branch: main\nmilestones:\n  - label: l\n    idea: i\n    vendor: gpt\n");
    assert!(
        message.starts_with("chain.yaml:5:13: milestones[0].vendor must be one of"),
        "{message}"
    );
    let message = error("milestones: [\n");
    assert!(message.starts_with("chain.yaml:"), "{message}");
    assert!(message.contains("YAML parse error"), "{message}");
}

#[test]
fn a_missing_file_is_named() {
    let err = ChainSpec::load(Path::new("/no/such/chain.yaml")).unwrap_err();
    assert_eq!(err.message, "spec file not found: /no/such/chain.yaml");
}

#[test]
fn an_explicit_base_branch_uploads_the_original_bytes() {
    let text = "# keep me\nbase_branch: dev\nmilestones: [{label: m1, idea: a.md}]\n";
    let spec = ChainSpec::parse(text, "chain.yaml")
        .unwrap()
        .defaulting_base_branch("trunk");
    assert_eq!(spec.base_branch, "dev");
    assert_eq!(spec.upload_bytes().unwrap(), text.as_bytes());
}

#[test]
fn a_missing_base_branch_is_appended_last_from_the_repo_branch() {
    let text = "# lost\nmilestones:\n- label: m1\n  idea: a.md\nextra_key: {x: 1}\n";
    let spec = ChainSpec::parse(text, "chain.yaml")
        .unwrap()
        .defaulting_base_branch("trunk");
    assert_eq!(spec.base_branch, "trunk");
    let uploaded = String::from_utf8(spec.upload_bytes().unwrap()).unwrap();
    assert!(uploaded.ends_with("base_branch: trunk\n"), "{uploaded}");
    assert!(!uploaded.contains("lost"));
    // The re-serialised spec reads back to the same chain, unknown keys kept.
    let again = ChainSpec::parse(&uploaded, "chain.yaml").unwrap();
    assert_eq!(again.base_branch, "trunk");
    assert_eq!(again.milestones, spec.milestones);
    assert!(again.mapping.contains_key("extra_key"));
}

#[test]
fn a_misspelt_choice_gets_a_did_you_mean() {
    let err = ChainSpec::parse(
        "milestones: [{label: m1, idea: a.md}]\nmerge_policy: reveiw\n",
        "chain.yaml",
    )
    .unwrap_err();
    assert!(
        err.message.ends_with(
            "merge_policy must be one of ('auto', 'review'); got 'reveiw' (did you mean `review`?)"
        ),
        "{}",
        err.message
    );
}
