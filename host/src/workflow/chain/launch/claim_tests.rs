//! The launch's claim on its session and state, and its verification, run for real in
//! a local `sh` against the testbed's stand-ins.

use std::path::Path;

use serde_json::json;

use super::tests::{Case, case};
use super::*;
use crate::workflow::chain::testbed::Testbed;

fn state_of(case: &Case) -> String {
    state_path(&case.placement.remote_spec)
}

fn write(path: &str, text: &str) {
    std::fs::create_dir_all(Path::new(path).parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The chain's session ended (the stand-in's one session file is gone).
fn session_ends(bed: &Testbed) {
    let _ = std::fs::remove_file(bed.path("session"));
}

fn starts(bed: &Testbed) -> usize {
    bed.recorded()
        .iter()
        .filter(|c| c.get(1).map(String::as_str) == Some("new-session"))
        .count()
}

#[test]
fn verification_sees_the_chain_come_up_and_the_marker_names_it() {
    let mut bed = Testbed::new(&["codex"]);
    let mut case = case(&bed, "ws", &[("m1.md", b"idea")]);
    case.verify_secs = Some(10);
    let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
    assert_eq!(bed.calls, 1, "verification rides in the launch call");
    let seen = launched.verification.unwrap();
    assert_eq!(
        (seen.status(), seen.session_alive, seen.advanced),
        ("ok", true, true)
    );
    let log = format!("{}/.megaplan/cloud-chain.log", case.repo.workspace);
    assert_eq!(seen.chain_log, log);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "megaplan chain start: started\n"
    );
    let marker: Value =
        serde_json::from_slice(&std::fs::read(&case.placement.session_marker).unwrap()).unwrap();
    assert_eq!(marker, case.request().claim.marker());
    assert_eq!(marker["identity_digest"], case.identity.digest.as_str());
}

#[test]
fn a_session_that_dies_at_once_fails_with_the_logs_tail() {
    let mut bed = Testbed::new(&["codex"]);
    std::fs::write(bed.path("dies"), "").unwrap();
    bed.megaplan_says = "ModuleNotFoundError: No module named 'megaplan'".into();
    let mut case = case(&bed, "ws", &[("m1.md", b"idea")]);
    case.verify_secs = Some(10);
    let err = launch(&mut bed, &case.request()).unwrap_err();
    assert_eq!(err.code, "chain_launch_failed");
    assert_eq!(
        err.extra["log_tail"],
        json!(["megaplan chain start: ModuleNotFoundError: No module named 'megaplan'"])
    );
    assert_eq!(err.extra["verification"]["session_alive"], false);
}

#[test]
fn a_chain_that_is_slow_to_speak_is_a_warning_after_the_deadline() {
    let mut bed = Testbed::new(&["codex"]);
    let mut case = case(&bed, "ws", &[("m1.md", b"idea")]);
    // Its log already holds an earlier run's line, and this run prints nothing.
    write(
        &format!("{}/.megaplan/cloud-chain.log", case.repo.workspace),
        "old\n",
    );
    bed.megaplan_says = String::new();
    std::fs::write(bed.path("bin/megaplan"), "#!/bin/sh\n").unwrap();
    case.verify_secs = Some(1);
    let seen = launch(&mut bed, &case.request())
        .unwrap()
        .unwrap()
        .verification
        .unwrap();
    assert_eq!(seen.status(), "warning");
    assert_eq!(seen.likely_cause(), Some("no_output_yet"));
    assert!(seen.attempts >= 2, "it polled: {seen:?}");
}

#[test]
fn a_session_owned_by_another_chain_is_refused_before_anything_is_written() {
    let mut bed = Testbed::new(&["codex"]);
    let case = case(&bed, "ws", &[("m1.md", b"idea")]);
    std::fs::write(bed.path("session"), "").unwrap();
    write(
        &case.placement.session_marker,
        r#"{"session": "megaplan-chain", "identity_digest": "0000000000000000000000000000000000000000"}"#,
    );
    for fresh in [false, true] {
        let mut case = super::tests::case(&bed, "ws", &[("m1.md", b"idea")]);
        case.fresh = fresh;
        let err = launch(&mut bed, &case.request()).unwrap_err();
        assert_eq!(err.code, "chain_session_collision", "fresh={fresh}");
        assert_eq!(err.extra["owner"], "other");
        assert!(
            bed.path("session").exists(),
            "the other chain's session lives on"
        );
    }
    assert!(!Path::new(&format!("{}/m1.md", case.repo.workspace)).exists());
    assert_eq!(starts(&bed), 0);
}

#[test]
fn fresh_stops_its_own_session_and_moves_the_state_aside() {
    let mut bed = Testbed::new(&["codex"]);
    let mut case = case(&bed, "ws", &[("m1.md", b"idea")]);
    launch(&mut bed, &case.request()).unwrap().unwrap();
    let state = state_of(&case);
    write(
        &state,
        r#"{"completed": [{"label": "m1"}], "current_plan_name": "plan-m2"}"#,
    );
    let plan_dir = format!("{}/.megaplan/plans/plan-m2", case.repo.workspace);
    write(&format!("{plan_dir}/plan.json"), "{}");
    case.fresh = true;
    let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
    assert!(launched.stopped_previous);
    assert_eq!(launched.tmux_status, "started");
    assert_eq!(launched.state_reset["status"], "reset");
    assert_eq!(launched.state_reset["reason"], "fresh");
    assert_eq!(launched.state_reset["plans"], json!(["plan-m2"]));
    let aside = launched.state_reset["moved_to"].as_str().unwrap();
    assert!(aside.starts_with(&format!("{}/.megaplan/cloud-reset/", case.repo.workspace)));
    let kept = Path::new(aside).join(Path::new(&state).file_name().unwrap());
    assert!(
        kept.exists(),
        "nothing is deleted: the old state is at {kept:?}"
    );
    assert!(Path::new(aside).join("plan-plan-m2/plan.json").exists());
    assert!(!Path::new(&state).exists() && !Path::new(&plan_dir).exists());
    assert_eq!(starts(&bed), 2);
}

#[test]
fn fresh_will_not_stop_a_session_no_marker_ties_to_this_chain() {
    let mut bed = Testbed::new(&["codex"]);
    let mut case = case(&bed, "ws", &[("m1.md", b"idea")]);
    std::fs::write(bed.path("session"), "").unwrap();
    case.fresh = true;
    let err = launch(&mut bed, &case.request()).unwrap_err();
    assert_eq!(err.code, "chain_session_collision");
    assert_eq!(err.extra["owner"], "none");
    assert!(bed.path("session").exists());
}

#[test]
fn a_relaunch_keeps_progress_and_resets_only_a_run_that_got_nowhere() {
    let mut bed = Testbed::new(&["codex"]);
    let case = case(&bed, "ws", &[("m1.md", b"idea")]);
    let state = state_of(&case);
    for (text, status, reason) in [
        (
            r#"{"last_state": "stalled", "completed": [{"label": "m1"}]}"#,
            "preserved",
            None,
        ),
        (
            r#"{"last_state": "running", "completed": []}"#,
            "preserved",
            None,
        ),
        (
            r#"{"last_state": "stalled", "completed": []}"#,
            "reset",
            Some("stalled_nothing_completed"),
        ),
        ("", "reset", Some("empty")),
        ("{}", "reset", Some("empty")),
    ] {
        session_ends(&bed);
        write(&state, text);
        let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
        assert_eq!(launched.state_reset["status"], status, "{text}");
        assert_eq!(
            launched.state_reset.get("reason").and_then(Value::as_str),
            reason
        );
        assert_eq!(Path::new(&state).exists(), status == "preserved");
    }
    // A running chain owns its state: a relaunch leaves it alone whatever it says.
    write(&state, r#"{"last_state": "stalled", "completed": []}"#);
    let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
    assert_eq!(launched.tmux_status, "already_running");
    assert_eq!(launched.state_reset["status"], "preserved");
    assert!(Path::new(&state).exists());
}

#[test]
fn an_unreadable_state_blocks_the_launch_and_is_left_alone() {
    let mut bed = Testbed::new(&["codex"]);
    let mut case = case(&bed, "ws", &[("m1.md", b"idea")]);
    let state = state_of(&case);
    for text in ["{not json", "[1, 2]"] {
        write(&state, text);
        let err = launch(&mut bed, &case.request()).unwrap_err();
        assert_eq!(err.code, "chain_state_unreadable", "{text}");
        assert_eq!(std::fs::read_to_string(&state).unwrap(), text);
        assert!(!Path::new(&format!("{}/m1.md", case.repo.workspace)).exists());
        assert_eq!(starts(&bed), 0);
    }
    // --fresh moves even an unreadable state aside.
    case.fresh = true;
    let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
    assert_eq!(launched.state_reset["status"], "reset");
    assert!(!Path::new(&state).exists());
}

#[test]
fn a_hostile_plan_name_in_the_state_moves_nothing_else() {
    let mut bed = Testbed::new(&["codex"]);
    let case = case(&bed, "ws", &[("m1.md", b"idea")]);
    let state = state_of(&case);
    let victim = bed.path("victim").display().to_string();
    std::fs::create_dir_all(&victim).unwrap();
    write(
        &state,
        r#"{"last_state": "stalled", "completed": [], "current_plan_name": "../../../../victim"}"#,
    );
    let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
    assert_eq!(launched.state_reset["status"], "reset");
    assert_eq!(launched.state_reset["plans"], json!([]));
    assert!(Path::new(&victim).exists());
}

#[test]
fn a_runner_short_of_disk_refuses_before_anything_is_written() {
    let mut bed = Testbed::new(&["codex"]);
    let mut case = case(&bed, "ws", &[("m1.md", b"idea")]);
    case.floors = crate::workflow::chain::capacity::Floors {
        bytes: u64::MAX / 2,
        inodes: 0,
    };
    let err = launch(&mut bed, &case.request()).unwrap_err();
    assert_eq!(err.code, "runner_low_disk");
    assert!(
        err.extra["free_bytes"].as_u64().is_some_and(|b| b > 0),
        "{err:?}"
    );
    assert!(
        err.message.contains("nothing was launched"),
        "{}",
        err.message
    );
    assert!(
        bed.recorded().is_empty(),
        "not even a clone: {:?}",
        bed.recorded()
    );
    // Inodes count too, and a floor of 0 turns a check off.
    case.floors = crate::workflow::chain::capacity::Floors {
        bytes: 0,
        inodes: u64::MAX / 2,
    };
    let err = launch(&mut bed, &case.request()).unwrap_err();
    assert_eq!(err.code, "runner_low_disk");
    case.floors.inodes = 0;
    launch(&mut bed, &case.request()).unwrap().unwrap();
}
