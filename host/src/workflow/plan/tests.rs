//! The single-plan workflows against a scripted runner: exact command lines, parsing
//! and errors.

use super::super::fake::{FakeRunner, answer};
use super::*;

const STATUS: &str = r#"{"success": true, "plan": "p", "state": "planned", "next_step": "execute", "z": 1, "a": [1.5, null]}"#;

#[test]
fn status_runs_megaplan_status_in_the_workspace_and_keeps_key_order() {
    let mut runner = FakeRunner::answering(vec![answer(0, STATUS, "")]);
    let payload = status(&mut runner, "/workspace/app", None)
        .unwrap()
        .unwrap();
    assert_eq!(runner.lines, ["cd /workspace/app && megaplan status"]);
    let keys: Vec<&str> = payload.keys().map(String::as_str).collect();
    assert_eq!(keys, ["success", "plan", "state", "next_step", "z", "a"]);

    let mut runner = FakeRunner::answering(vec![answer(0, STATUS, "")]);
    status(&mut runner, "/work space/it's", Some("plan $(x)")).unwrap();
    assert_eq!(
        runner.lines,
        [r#"cd '/work space/it'"'"'s' && megaplan status --plan 'plan $(x)'"#]
    );
}

#[test]
fn a_dry_run_prints_the_status_command_and_goes_no_further() {
    let mut runner = FakeRunner::answering(vec![answer(0, "", ""), answer(0, "", "")]);
    runner.dry_run = true;
    assert_eq!(status(&mut runner, "/w", None).unwrap(), None);
    resume(&mut runner, "/w", None).unwrap();
    assert_eq!(
        runner.lines,
        ["cd /w && megaplan status", "cd /w && megaplan status"]
    );
    assert_eq!(
        runner.notes,
        ["dry run: the next step comes from the remote status, which was not read"]
    );
}

#[test]
fn status_that_is_not_a_json_object_is_provider_failed() {
    let mut runner = FakeRunner::answering(vec![answer(0, "Traceback: boom\n", "")]);
    let error = status(&mut runner, "/w", None).unwrap_err();
    assert_eq!(error.code, "provider_failed");
    assert!(
        error
            .message
            .starts_with("megaplan status did not return JSON: "),
        "{}",
        error.message
    );

    let mut runner = FakeRunner::answering(vec![answer(0, "[1, 2]", "")]);
    let error = status(&mut runner, "/w", None).unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (
            "provider_failed",
            "megaplan status did not return a JSON object: got a list"
        )
    );
}

#[test]
fn a_failing_status_reports_the_remote_stderr() {
    let mut runner = FakeRunner::answering(vec![answer(2, "", "megaplan: no plan named 'x'\n")]);
    let error = status(&mut runner, "/w", Some("x")).unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        ("provider_failed", "megaplan: no plan named 'x'")
    );
}

#[test]
fn resume_runs_the_next_step_with_the_unattended_flags() {
    let mut runner = FakeRunner::answering(vec![
        answer(0, STATUS, ""),
        answer(0, "executing\n", "warn\n"),
    ]);
    resume(&mut runner, "/workspace/custom", Some("plan-x")).unwrap();
    assert_eq!(
        runner.lines,
        [
            "cd /workspace/custom && megaplan status --plan plan-x",
            "cd /workspace/custom && megaplan execute --confirm-destructive --user-approved --retry-blocked-tasks --plan plan-x",
        ]
    );
    assert_eq!(runner.relayed, [answer(0, "executing\n", "warn\n")]);
}

#[test]
fn resume_splits_other_steps_shell_style() {
    let status = r#"{"next_step": "override add-note"}"#;
    let mut runner = FakeRunner::answering(vec![answer(0, status, ""), answer(0, "", "")]);
    resume(&mut runner, "/workspace/custom", None).unwrap();
    assert_eq!(
        runner.lines[1],
        "cd /workspace/custom && megaplan override add-note"
    );
    assert_eq!(
        phase_command("review").unwrap(),
        ["review"].map(String::from)
    );
    assert_eq!(
        phase_command("feedback").unwrap(),
        ["feedback", "workflow"].map(String::from)
    );
    assert_eq!(
        phase_command("override add-note 'two words'").unwrap(),
        ["override", "add-note", "two words"].map(String::from)
    );
    // Python's shlex.split: no comments, backslashes and both quotes honoured.
    assert_eq!(
        phase_command(r#"add-note #1 a\ b "x\"y" 'z'"#).unwrap(),
        ["add-note", "#1", "a b", "x\"y", "z"].map(String::from)
    );
    assert_eq!(
        phase_command("note 'unclosed").unwrap_err().code,
        "invalid_status"
    );
}

#[test]
fn resume_without_a_next_step_is_invalid_status_and_runs_nothing_else() {
    for payload in [
        r#"{"success": true}"#,
        r#"{"next_step": ""}"#,
        r#"{"next_step": null}"#,
        r#"{"next_step": 3}"#,
    ] {
        let mut runner = FakeRunner::answering(vec![answer(0, payload, "")]);
        let error = resume(&mut runner, "/w", None).unwrap_err();
        assert_eq!(
            (error.code.as_str(), error.message.as_str()),
            (
                "invalid_status",
                "Remote status did not include a next_step"
            ),
            "{payload}"
        );
        assert_eq!(runner.lines.len(), 1);
    }
}

#[test]
fn a_failing_step_is_provider_failed_with_its_stderr() {
    let mut runner = FakeRunner::answering(vec![
        answer(0, STATUS, ""),
        answer(1, "partial\n", "execute: blocked\n"),
    ]);
    let error = resume(&mut runner, "/w", None).unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        ("provider_failed", "execute: blocked")
    );
}

#[test]
fn bootstrap_checks_out_uploads_and_starts_init() {
    let mut runner = FakeRunner::answering(vec![
        answer(0, "Cloning into '/workspace/app'...\n", ""),
        answer(0, "initialized\n", ""),
    ]);
    let repo = Repo::example("/workspace/app");
    bootstrap(
        &mut runner,
        &Bootstrap {
            repo: &repo,
            idea: b"build it\n",
            plan_name: Some("my plan"),
            robustness: "standard",
        },
    )
    .unwrap();
    assert_eq!(
        runner.lines,
        [
            "mkdir -p /workspace && if [ ! -d /workspace/app/.git ]; then git clone --branch main -- https://github.com/example/app.git /workspace/app; else true; fi",
            "cd /workspace/app && megaplan init --project-dir /workspace/app --idea-file /workspace/app/idea.txt --auto-start --robustness standard --name 'my plan'",
        ]
    );
    assert_eq!(
        runner.uploads,
        [(
            "/workspace/app/idea.txt".to_string(),
            b"build it\n".to_vec()
        )]
    );
    assert_eq!(runner.relayed.len(), 2, "clone and init output are relayed");
}

#[test]
fn a_failed_checkout_stops_bootstrap_before_the_upload() {
    let mut runner = FakeRunner::answering(vec![answer(128, "", "fatal: repository not found\n")]);
    let repo = Repo::example("/workspace/app");
    let error = bootstrap(
        &mut runner,
        &Bootstrap {
            repo: &repo,
            idea: b"x",
            plan_name: None,
            robustness: "standard",
        },
    )
    .unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (
            "provider_failed",
            "ensure repo checkout failed for https://github.com/example/app.git@main into /workspace/app (exit 128): fatal: repository not found"
        )
    );
    assert_eq!(error.extra["exit_code"], 128);
    assert_eq!(error.extra["stderr"], "fatal: repository not found");
    assert!(runner.uploads.is_empty());
    assert_eq!(runner.relayed.len(), 1, "git's own error is shown");
}
