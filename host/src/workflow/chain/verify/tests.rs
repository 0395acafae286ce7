use super::*;

fn watch() -> Watch {
    Watch {
        session: "megaplan-chain".into(),
        log: "/workspace/app/.megaplan/cloud-chain.log".into(),
        state_path: "/workspace/app/.megaplan/plans/.chains/chain-31aeaa26cfe5.json".into(),
        timeout_secs: 30,
    }
}

fn step(exit: i32, stdout: &str) -> StepResult {
    StepResult {
        name: "verify".into(),
        exit,
        stdout: stdout.as_bytes().to_vec(),
        stderr: Vec::new(),
    }
}

fn same(text: &str) -> String {
    text.to_string()
}

#[test]
fn a_chain_that_wrote_to_its_log_is_ok() {
    let seen = result(
        &same,
        &watch(),
        &step(0, "alive=1 size=120 before=0 state=0 attempts=2\n"),
    )
    .unwrap();
    assert!(seen.advanced);
    assert_eq!(seen.status(), "ok");
    assert_eq!(seen.likely_cause(), None);
    assert_eq!(
        seen.to_json(),
        json!({"status": "ok", "session_alive": true,
               "chain_log": "/workspace/app/.megaplan/cloud-chain.log",
               "chain_log_size": 120, "state_present": false, "advanced": true,
               "attempts": 2, "likely_cause": null})
    );
    assert_eq!(
        seen.summary("megaplan-chain"),
        "cloud chain launch: session=megaplan-chain alive=true advanced=true log=/workspace/app/.megaplan/cloud-chain.log"
    );
}

#[test]
fn an_old_log_that_did_not_grow_is_a_warning() {
    let seen = result(
        &same,
        &watch(),
        &step(0, "alive=1 size=500 before=500 state=0 attempts=61\n"),
    )
    .unwrap();
    assert!(!seen.advanced);
    assert_eq!(seen.status(), "warning");
    assert!(seen.summary("s").ends_with(" likely_cause=no_output_yet"));
}

#[test]
fn a_dead_session_fails_with_the_logs_tail_redacted() {
    let redact = |text: &str| text.replace("hunter2-secret", "***REDACTED***");
    let err = result(
        &redact,
        &watch(),
        &step(
            0,
            "alive=0 size=40 before=0 state=0 attempts=1\nTraceback\nKeyError: token=hunter2-secret\n",
        ),
    )
    .unwrap_err();
    assert_eq!(err.code, "chain_launch_failed");
    assert!(
        err.message.contains("KeyError: token=***REDACTED***"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("hunter2"));
    assert_eq!(
        err.extra["log_tail"],
        json!(["Traceback", "KeyError: token=***REDACTED***"])
    );
    assert_eq!(err.extra["verification"]["likely_cause"], "session_exited");
}

#[test]
fn garbage_is_a_provider_failure() {
    let err = result(&same, &watch(), &step(127, "sh: tmux: not found\n")).unwrap_err();
    assert_eq!(err.code, "provider_failed");
    assert!(err.message.contains("exit 127"), "{}", err.message);
}
