//! The process capability on its own, without wasm: lifetimes, caps, stdin, streams.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use megaplan_cloud::capability::{
    Backend, Caller, Capability, Channel, CommandSpec, DeployDirMount, ProcessError, ProgramPolicy,
    Settings, StdinSpec, Trust,
};
use megaplan_cloud::console::{Captured, Console};
use megaplan_cloud::redact::Redactor;

fn caller() -> Caller {
    let declared: BTreeMap<String, String> = ["sh", "cat", "echo"]
        .into_iter()
        .map(|p| (p.to_string(), "coreutils".to_string()))
        .collect();
    Caller {
        provider: "test".into(),
        version: "1".into(),
        sha256: "0".repeat(64),
        policy: ProgramPolicy::new(declared, Trust::BuiltIn),
        deploy_dir: None,
        operation: "exec",
    }
}

fn capability(backend: Backend, cap: usize) -> (Capability, Captured) {
    let (console, captured) = Console::capture();
    let mut settings = Settings::new(console);
    settings.backend = backend;
    settings.output_cap = cap;
    settings.redactor = Arc::new(Redactor::new(&[], &["hunter2-hunter2".into()]));
    (Capability::new(settings), captured)
}

fn sh(script: &str) -> CommandSpec {
    CommandSpec::new("sh", ["-c", script])
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let mut cmd = sh(&format!("sleep 30 & echo $! > {}; wait", pidfile.display()));
    cmd.timeout = Some(Duration::from_millis(300));
    let started = Instant::now();
    let err = cap.run(&caller(), &cmd).unwrap_err();
    assert!(matches!(err, ProcessError::TimedOut(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    // The grandchild was in the same group and is gone (or a zombie being reaped). The
    // kill is delivered at once but takes effect asynchronously: allow it a deadline.
    let alive = || {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ")
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive() && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert!(!alive(), "grandchild {pid} survived the timeout");
}

#[test]
fn output_is_capped_and_flagged() {
    let (cap, _) = capability(Backend::Live, 1000);
    let out = cap.run(&caller(), &sh("head -c 5000 /dev/zero")).unwrap();
    assert_eq!(out.stdout.len(), 1000);
    assert!(out.truncated);
}

#[test]
fn stdin_bytes_reach_the_program_and_text_output_is_redacted() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let mut cmd = CommandSpec::new("cat", Vec::<String>::new());
    cmd.stdin = StdinSpec::Bytes(b"pass hunter2-hunter2\n".to_vec());
    let out = cap.run(&caller(), &cmd).unwrap();
    assert_eq!(out.stdout, b"pass ***REDACTED***\n");
    assert_eq!(out.status, 0);
}

#[test]
fn exit_status_and_stderr_come_back() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let out = cap.run(&caller(), &sh("echo oops >&2; exit 7")).unwrap();
    assert_eq!(out.status, 7);
    assert_eq!(out.stderr, b"oops\n");
    let killed = cap.run(&caller(), &sh("kill -TERM $$")).unwrap();
    assert_eq!(killed.status, -15);
}

#[test]
fn streaming_keeps_stdout_and_stderr_apart_and_neither_waits_for_the_other() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let dir = tempfile::tempdir().unwrap();
    let seen_err = dir.path().join("seen-err");
    // stdout says nothing until the host has received stderr's line: a relay that
    // waited on stdout first would never get there (the timeout would end it).
    let mut cmd = sh(&format!(
        "echo two >&2; until [ -e '{}' ]; do sleep 0.01; done; echo one; echo three >&2; exit 3",
        seen_err.display()
    ));
    cmd.timeout = Some(Duration::from_secs(20));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = cap
        .stream(&caller(), &cmd, &mut |channel, chunk| match channel {
            Channel::Out => out.extend_from_slice(chunk),
            Channel::Err => {
                err.extend_from_slice(chunk);
                std::fs::write(&seen_err, "").unwrap();
            }
        })
        .unwrap();
    assert_eq!(status, 3);
    assert_eq!(String::from_utf8(out).unwrap(), "one\n");
    assert_eq!(String::from_utf8(err).unwrap(), "two\nthree\n");
}

#[test]
fn a_stream_larger_than_a_pipe_on_both_channels_does_not_deadlock() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let (mut out, mut err) = (0usize, 0usize);
    let script = "head -c 300000 /dev/zero | tr '\\0' a; head -c 300000 /dev/zero | tr '\\0' b >&2";
    cap.stream(
        &caller(),
        &sh(script),
        &mut |channel, chunk| match channel {
            Channel::Out => out += chunk.len(),
            Channel::Err => err += chunk.len(),
        },
    )
    .unwrap();
    assert_eq!((out, err), (300_000, 300_000));
}

#[test]
fn a_streamed_command_with_a_timeout_is_killed() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let mut cmd = sh("echo start; sleep 30");
    cmd.timeout = Some(Duration::from_millis(300));
    let mut seen = Vec::new();
    let err = cap
        .stream(&caller(), &cmd, &mut |_, c| seen.extend_from_slice(c))
        .unwrap_err();
    assert!(matches!(err, ProcessError::TimedOut(_)), "{err:?}");
    assert_eq!(seen, b"start\n");
}

#[test]
fn a_missing_program_is_reported_with_its_install_hint() {
    let mut declared = BTreeMap::new();
    declared.insert(
        "definitely-not-installed-xyz".to_string(),
        "https://example.com/get".to_string(),
    );
    let caller = Caller {
        policy: ProgramPolicy::new(declared, Trust::BuiltIn),
        ..caller()
    };
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let err = cap
        .run(
            &caller,
            &CommandSpec::new("definitely-not-installed-xyz", ["x"]),
        )
        .unwrap_err();
    assert_eq!(
        err,
        ProcessError::NotFound(
            "Missing required CLI 'definitely-not-installed-xyz'. Install: https://example.com/get"
                .into()
        )
    );
    assert!(!cap.which(&caller, "definitely-not-installed-xyz").unwrap());
    assert!(
        !cap.which(&self::caller(), "curl").unwrap(),
        "undeclared programs are never found"
    );
}

#[test]
fn dry_run_prints_quoted_commands_and_runs_nothing() {
    let (cap, captured) = capability(Backend::DryRun, 1 << 20);
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("x y");
    let out = cap
        .run(&caller(), &sh(&format!("touch '{}'", marker.display())))
        .unwrap();
    assert_eq!(out.status, 0);
    assert!(!marker.exists());
    assert_eq!(
        captured.stdout(),
        format!("sh -c 'touch '\"'\"'{}'\"'\"''\n", marker.display())
    );
}

#[test]
fn record_then_replay_with_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("c.jsonl");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let with_placeholder = |backend| {
        let (console, _) = Console::capture();
        let mut settings = Settings::new(console);
        settings.backend = backend;
        settings.substitutions = vec![("${WORK}".into(), work.display().to_string())];
        Capability::new(settings)
    };
    let recorder = with_placeholder(Backend::record(&cassette).unwrap());
    let cmd = CommandSpec::new("echo", [work.display().to_string()]);
    recorder.run(&caller(), &cmd).unwrap();
    let text = std::fs::read_to_string(&cassette).unwrap();
    assert!(text.contains("\"args\":[\"${WORK}\"]"), "{text}");

    let player = with_placeholder(Backend::replay(&cassette).unwrap());
    let out = player.run(&caller(), &cmd).unwrap();
    assert_eq!(out.stdout, format!("{}\n", work.display()).into_bytes());
}

#[test]
fn a_missing_working_directory_is_named() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let caller = Caller {
        deploy_dir: Some(DeployDirMount::path_only("/nonexistent/deploy dir")),
        ..caller()
    };
    let mut cmd = CommandSpec::new("echo", ["x"]);
    cmd.cwd = Some("/nonexistent/deploy dir".into());
    let err = cap.run(&caller, &cmd).unwrap_err();
    assert_eq!(
        err,
        ProcessError::Failed(
            "cannot run echo: its working directory /nonexistent/deploy dir does not exist (has `megaplan-cloud build` run?)".into()
        )
    );
}

#[test]
fn a_working_directory_outside_the_deploy_dir_is_denied() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let dir = tempfile::tempdir().unwrap();
    let caller = Caller {
        deploy_dir: Some(DeployDirMount::path_only(dir.path())),
        ..caller()
    };
    for outside in ["/".to_string(), format!("{}/..", dir.path().display())] {
        let mut cmd = CommandSpec::new("echo", ["x"]);
        cmd.cwd = Some(outside.clone().into());
        let err = cap.run(&caller, &cmd).unwrap_err();
        assert!(matches!(err, ProcessError::Denied(_)), "{outside}: {err:?}");
    }
    // Without a deploy directory no working directory is allowed at all.
    let mut cmd = CommandSpec::new("echo", ["x"]);
    cmd.cwd = Some(dir.path().to_path_buf());
    assert!(matches!(
        cap.run(&self::caller(), &cmd),
        Err(ProcessError::Denied(_))
    ));
    // Inside it works.
    let out = cap.run(&caller, &cmd).unwrap();
    assert_eq!(out.stdout, b"x\n");
}

#[test]
fn children_start_from_a_cleared_environment() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    // A variable of this test process that is not on the host's allowlist.
    let out = cap
        .run(&caller(), &sh("env | cut -d= -f1 | sort | tr '\\n' ' '"))
        .unwrap();
    let keys = String::from_utf8(out.stdout).unwrap();
    assert!(!keys.contains("CARGO"), "{keys}");
    assert!(!keys.contains("RUST_BACKTRACE"), "{keys}");
    assert!(keys.contains("PATH"), "{keys}");
}

#[test]
fn env_a_provider_did_not_declare_is_denied_and_the_loader_never_passes() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let caller = Caller {
        policy: ProgramPolicy::new([("sh".to_string(), String::new())].into(), Trust::BuiltIn)
            .with_env(["MODE".to_string()]),
        ..caller()
    };
    let mut cmd = sh("echo $MODE");
    cmd.env = vec![("MODE".into(), "fast".into())];
    assert_eq!(cap.run(&caller, &cmd).unwrap().stdout, b"fast\n");
    for key in ["LD_PRELOAD", "NODE_OPTIONS", "BASH_ENV"] {
        let mut cmd = sh("true");
        cmd.env = vec![(key.into(), "/tmp/evil.so".into())];
        let err = cap.run(&caller, &cmd).unwrap_err();
        assert!(
            matches!(err, ProcessError::Denied(ref m) if m.contains(key)),
            "{err:?}"
        );
    }
}

#[test]
fn stdin_may_name_only_configured_secrets() {
    let (console, _) = Console::capture();
    let mut settings = Settings::new(console);
    settings.secrets = megaplan_cloud::secrets::Secrets::in_memory(&[("TOKEN", "s3cr3t-value")]);
    settings.redactor = Arc::new(settings.secrets.redactor());
    let cap = Capability::new(settings);
    let mut cmd = CommandSpec::new("cat", Vec::<String>::new());
    cmd.stdin = StdinSpec::Secret("HOME".into());
    let err = cap.run(&caller(), &cmd).unwrap_err();
    assert!(
        matches!(err, ProcessError::Denied(ref m) if m.contains("not listed under `secrets:`")),
        "{err:?}"
    );
    cmd.stdin = StdinSpec::Secret("TOKEN".into());
    assert_eq!(cap.run(&caller(), &cmd).unwrap().stdout, b"***REDACTED***");
}

#[test]
fn inherited_stdin_and_binary_output_belong_to_one_operation_each() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let deploy = Caller {
        operation: "deploy",
        ..caller()
    };
    let mut cmd = CommandSpec::new("cat", Vec::<String>::new());
    cmd.stdin = StdinSpec::Inherit;
    assert!(matches!(
        cap.run(&deploy, &cmd),
        Err(ProcessError::Denied(_))
    ));
    let mut cmd = CommandSpec::new("echo", ["x"]);
    cmd.output = megaplan_cloud::capability::OutputMode::Binary;
    assert!(matches!(
        cap.run(&deploy, &cmd),
        Err(ProcessError::Denied(_))
    ));
    let read_file = Caller {
        operation: "read-file",
        ..caller()
    };
    assert_eq!(cap.run(&read_file, &cmd).unwrap().stdout, b"x\n");
}

#[test]
fn the_journal_of_one_operation_is_capped() {
    let dir = tempfile::tempdir().unwrap();
    let (console, _) = Console::capture();
    let mut settings = Settings::new(console);
    settings.journal_dir = Some(dir.path().to_path_buf());
    settings.journal_cap = 4_000;
    let cap = Capability::new(settings);
    cap.begin_operation();
    for _ in 0..100 {
        let _ = cap.run(
            &caller(),
            &CommandSpec::new("curl", ["http://127.0.0.1:1/"]),
        );
    }
    let text = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(text.len() < 4_000 + 400, "{} bytes", text.len());
    assert_eq!(text.matches("\"journal\":\"clipped\"").count(), 1, "{text}");
    // The next operation is journaled again.
    cap.begin_operation();
    let _ = cap.run(&caller(), &CommandSpec::new("echo", ["again"]));
    let text = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(text.contains("again"), "{text}");
}

#[test]
fn a_timeout_also_kills_what_left_the_process_group() {
    let (cap, _) = capability(Backend::Live, 1 << 20);
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("escaped.pid");
    // `setsid` puts the sleep in a session (and group) of its own.
    let mut cmd = sh(&format!(
        "setsid sleep 30 & echo $! > {}; wait",
        pidfile.display()
    ));
    cmd.timeout = Some(Duration::from_millis(400));
    let err = cap.run(&caller(), &cmd).unwrap_err();
    assert!(matches!(err, ProcessError::TimedOut(_)), "{err:?}");
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| !stat.contains(") Z "))
            .unwrap_or(false)
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive() && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert!(!alive(), "the setsid'd sleep {pid} survived the timeout");
}

#[test]
fn a_replay_notices_a_changed_cwd_env_timeout_or_output_mode() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("c.jsonl");
    let with = |backend| {
        let (console, _) = Console::capture();
        let mut settings = Settings::new(console);
        settings.backend = backend;
        Capability::new(settings)
    };
    let caller = Caller {
        deploy_dir: Some(DeployDirMount::path_only(dir.path())),
        policy: ProgramPolicy::new([("echo".to_string(), String::new())].into(), Trust::BuiltIn)
            .with_env(["MODE".to_string()]),
        ..caller()
    };
    let recorded = CommandSpec::new("echo", ["x"]);
    with(Backend::record(&cassette).unwrap())
        .run(&caller, &recorded)
        .unwrap();
    let mut in_dir = recorded.clone();
    in_dir.cwd = Some(dir.path().to_path_buf());
    let mut with_env = recorded.clone();
    with_env.env = vec![("MODE".into(), "x".into())];
    let mut with_timeout = recorded.clone();
    with_timeout.timeout = Some(Duration::from_secs(7));
    let mut binary = recorded.clone();
    binary.output = megaplan_cloud::capability::OutputMode::Binary;
    let read_file = Caller {
        operation: "read-file",
        ..caller.clone()
    };
    for (changed, who) in [
        (in_dir, &caller),
        (with_env, &caller),
        (with_timeout, &caller),
        (binary, &read_file),
    ] {
        let err = with(Backend::replay(&cassette).unwrap())
            .run(who, &changed)
            .unwrap_err();
        assert!(matches!(err, ProcessError::ReplayMismatch(_)), "{err:?}");
    }
    // The same call replays.
    let player = with(Backend::replay(&cassette).unwrap());
    assert_eq!(player.run(&caller, &recorded).unwrap().stdout, b"x\n");
}
