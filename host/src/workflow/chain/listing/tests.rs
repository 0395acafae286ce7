use std::path::Path;

use super::*;
use crate::workflow::chain::state_path;
use crate::workflow::chain::testbed::Testbed;

fn write(path: &str, text: &str) {
    std::fs::create_dir_all(Path::new(path).parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A chain as a launch leaves it: its marker, spec and (optionally) state.
fn chain(root: &str, name: &str, state: Option<&str>) {
    let ws = format!("{root}/{name}/app");
    let spec = format!("{ws}/chain.yaml");
    let session = format!("megaplan-chain-{name}");
    write(
        &format!("{root}/.megaplan/cloud-sessions/{session}.json"),
        &json!({"session": session, "workspace": ws, "remote_spec": spec,
                "identity_digest": "ab", "chain_slug": name, "started_at": "2026-12-02T00:00:00+00:00"})
            .to_string(),
    );
    write(
        &spec,
        "milestones:\n- {label: m1, idea: a.md}\n- {label: m2, idea: b.md}\n",
    );
    if let Some(state) = state {
        write(&state_path(&spec), state);
    }
}

#[test]
fn every_chain_on_the_runner_in_one_call() {
    let mut bed = Testbed::new(&[]);
    let root = bed.path("workspace").display().to_string();
    chain(
        &root,
        "one-11111111",
        Some(
            r#"{"current_milestone_index": 1, "last_state": "running", "completed": [{"label": "m1"}]}"#,
        ),
    );
    chain(&root, "two-22222222", None);
    write(
        &format!("{root}/.megaplan/cloud-sessions/broken.json"),
        "[\"not a marker\"]",
    );
    write(
        &format!("{root}/.megaplan/cloud-sessions/hostile.json"),
        r#"{"session": "$(touch PWNED)", "workspace": "/nonexistent", "remote_spec": "/x/`touch PWNED`.yaml"}"#,
    );
    std::fs::write(bed.path("session"), "").unwrap();
    let listing = list(&mut bed, &root).unwrap().unwrap();
    assert_eq!(bed.calls, 1);
    assert!(!bed.path("PWNED").exists());
    assert_eq!(listing["count"], 4);
    let chains = listing["chains"].as_array().unwrap();
    let by_session = |s: &str| chains.iter().find(|c| c["session"] == s).unwrap().clone();
    let one = by_session("megaplan-chain-one-11111111");
    assert_eq!(one["alive"], true);
    assert_eq!(one["current_milestone"], "m2");
    assert_eq!(one["milestone_count"], 2);
    assert_eq!(one["effective_status"], "running");
    assert_eq!(
        by_session("megaplan-chain-two-22222222")["effective_status"],
        "no_state"
    );
    assert!(
        chains
            .iter()
            .any(|c| c["error"] == "unreadable or incomplete session marker")
    );
    let hostile = by_session("$(touch PWNED)");
    assert_eq!(hostile["effective_status"], "no_state");
    let tmux = bed.recorded();
    assert!(
        tmux.iter()
            .any(|c| c[..] == ["tmux", "has-session", "-t", "=$(touch PWNED)"])
    );
    let text = summary(&listing);
    assert!(text.starts_with("Chains on the runner: 4\n"), "{text}");
    assert!(
        text.contains("  megaplan-chain-one-11111111  alive  running  m2 (2/2)  "),
        "{text}"
    );
}

#[test]
fn no_markers_is_an_empty_list_and_a_failure_keeps_its_stderr() {
    let mut bed = Testbed::new(&[]);
    let root = bed.path("workspace").display().to_string();
    let listing = list(&mut bed, &root).unwrap().unwrap();
    assert_eq!(listing["count"], 0);
    let mut runner =
        crate::workflow::fake::FakeRunner::answering(vec![crate::workflow::fake::answer(
            127,
            "",
            "sh: python3: not found",
        )]);
    let err = list(&mut runner, "/workspace").unwrap_err();
    assert_eq!(err.code, "provider_failed");
    assert!(
        err.message.contains("python3: not found"),
        "{}",
        err.message
    );
}
