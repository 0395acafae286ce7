//! What ran, and what would: verbose journal lines, dry runs, recordings and replays.

use super::*;

#[test]
fn dry_run_prints_the_commands_and_runs_none() {
    let sandbox = Sandbox::new();
    sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    let marker = sandbox.project().join("should-not-exist");
    let out = sandbox.run(&[
        "--dry-run",
        "exec",
        &format!("run sh -c touch {}", marker.display()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), format!("sh -c touch {}\n", marker.display()));
    assert!(!marker.exists(), "dry-run ran nothing");
    let out = sandbox.run(&["--dry-run", "exec", "env-file MISCHIEF_TOKEN"]);
    assert_eq!(
        stdout(&out),
        "cat  # stdin: env file with PORT, MISCHIEF_TOKEN (secret)\n"
    );
    // The variables a command carries are shown, values redacted, in the dry run and
    // in the journal.
    let out = sandbox.run(&[
        "--dry-run",
        "exec",
        "run-env MISCHIEF_MODE=correct-horse-battery echo hi",
    ]);
    assert_eq!(stdout(&out), "MISCHIEF_MODE=***REDACTED*** echo hi\n");
    let journal = sandbox.journal();
    assert_eq!(journal[0]["mode"], "dry-run");
    assert_eq!(journal.len(), 3);
    assert_eq!(
        journal[2]["env"],
        serde_json::json!({"MISCHIEF_MODE": "***REDACTED***"})
    );
}

#[test]
fn verbose_shows_the_journal_line_on_stderr() {
    let sandbox = Sandbox::new();
    sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    let out = sandbox.run(&[
        "--verbose",
        "exec",
        "run echo MISCHIEF_TOKEN=correct-horse-battery",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("journal: {"), "{stderr}");
    assert!(stderr.contains("\"program\":\"echo\""), "{stderr}");
    assert!(!stderr.contains("correct-horse"), "{stderr}");
    assert_eq!(stdout(&out), "MISCHIEF_TOKEN=***REDACTED***\n");
}

#[test]
fn a_recording_replays_and_a_different_call_is_a_clear_miss() {
    let sandbox = Sandbox::new();
    sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    let cassette = sandbox.project().join("cassette.jsonl");
    let cassette = cassette.to_str().unwrap();
    let out = sandbox.run(&["--record", cassette, "exec", "run echo recorded"]);
    assert_eq!(stdout(&out), "recorded\n");

    let out = sandbox.run(&["--replay", cassette, "exec", "run echo recorded"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "recorded\n");

    let (miss, code) = sandbox.json(&["--replay", cassette, "exec", "run echo something-else"]);
    assert_eq!(code, 1);
    assert_eq!(miss["error"], "replay_mismatch");
    let message = miss["message"].as_str().unwrap();
    assert!(
        message.contains("call #1 does not match the cassette"),
        "{message}"
    );
    assert!(
        message.contains("expected: [run] echo recorded"),
        "{message}"
    );
    assert!(
        message.contains("actual:   [run] echo something-else"),
        "{message}"
    );
}

/// A provider with a required program: the host's own check for it is recorded, and a
/// replay makes the same check from the cassette (it used to skip it, so the first
/// call missed). The provider is one built for contract 0.2.0, loaded through the CLI.
#[test]
fn a_provider_with_a_required_program_replays_what_it_recorded() {
    let sandbox = Sandbox::new();
    let (installed, code) = sandbox.json(&[
        "provider",
        "install",
        megaplan_cloud_tests::CONTRACT_0_2,
        "--yes",
    ]);
    assert_eq!(code, 0, "{installed}");
    std::fs::write(
        sandbox.project().join("cloud.yaml"),
        "provider: contract-0-2\nrepo: {url: u}\n",
    )
    .unwrap();
    let cassette = sandbox.project().join("legacy.jsonl");
    let cassette = cassette.to_str().unwrap();
    let out = sandbox.run(&["--record", cassette, "exec", "hello"]);
    assert_eq!(stdout(&out), "legacy: hello\n", "{out:?}");
    let recorded = std::fs::read_to_string(cassette).unwrap();
    assert!(
        recorded
            .lines()
            .next()
            .unwrap()
            .contains(r#""call":"which""#),
        "{recorded}"
    );
    let out = sandbox.run(&["--replay", cassette, "exec", "hello"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(stdout(&out), "legacy: hello\n");
}

/// A dry run answers every command with exit 0 and no output; a provider that reads
/// an answer (railway's CLI version) stops there, after showing its commands, and the
/// dry run says so and succeeds rather than failing on an answer it made up itself.
#[test]
fn a_dry_run_ends_where_a_provider_needs_a_real_answer() {
    let project = megaplan_cloud_tests::e2e::Project::new(
        env!("CARGO_BIN_EXE_mpc-e2e"),
        "provider: railway\nrepo: {url: https://example.com/a.git}\nrailway: {project: p, environment: e}\n",
        &[],
    );
    let out = project.run(&["--dry-run", "exec", "pwd"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("railway --version"), "{stdout}");
    assert!(
        stderr.contains("dry run: railway stops after the commands above"),
        "{stderr}"
    );
    // A refusal is still an error in a dry run: it would be one for real.
    let bad = megaplan_cloud_tests::e2e::Project::new(
        env!("CARGO_BIN_EXE_mpc-e2e"),
        "provider: railway\nrepo: {url: https://example.com/a.git}\nrailway: {project: p}\n",
        &[],
    );
    let out = bad.run(&["--dry-run", "exec", "pwd"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}
