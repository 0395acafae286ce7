//! The command line itself: errors and exit codes, completions, help, interrupts, and the checks made before any remote call.

use super::*;

#[test]
fn errors_are_json_on_stdout_with_exit_1_and_usage_errors_exit_2() {
    let sandbox = Sandbox::new();
    std::fs::remove_file(sandbox.project().join("cloud.yaml")).unwrap();
    let (err, code) = sandbox.json(&["exec", "pwd"]);
    assert_eq!(code, 1);
    assert_eq!(err["success"], false);
    assert_eq!(err["error"], "invalid_spec");
    let expected = format!(
        "spec file not found: {}",
        sandbox.project().join("cloud.yaml").display()
    );
    assert_eq!(err["message"], expected.as_str());

    let out = sandbox.run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage"));

    // Without --remote-spec, a marker or mode: chain there is no chain to look at, and
    // nothing remote is tried.
    std::fs::write(
        sandbox.project().join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git}\n",
    )
    .unwrap();
    let (missing, code) = sandbox.json(&["status", "--chain"]);
    assert_eq!(code, 1);
    assert_error(
        &missing,
        "missing_remote_spec",
        "Unable to locate remote chain spec. Pass --remote-spec <path>, run `cloud chain <spec>` first, or set mode: chain in cloud.yaml.",
    );
}

#[test]
fn a_missing_required_cli_is_provider_unavailable() {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.project().join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git}\n",
    )
    .unwrap();
    let out = process::command(env!("CARGO_BIN_EXE_mpc-e2e"))
        .args(["exec", "pwd"])
        .current_dir(sandbox.project())
        .env("MEGAPLAN_CLOUD_HOME", sandbox.home())
        .env("PATH", sandbox.project())
        .output()
        .unwrap();
    let err: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"], "provider_unavailable");
    assert_eq!(
        err["message"],
        "Missing required CLI 'docker'. Install: https://docs.docker.com/get-docker/"
    );
}

#[test]
fn completions_are_generated_for_every_shell_with_every_command_and_flag() {
    let sandbox = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = sandbox.run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        // fish writes long flags as `-l name`, the others as `--name`.
        for word in [
            "chain",
            "supervise",
            "isolated",
            "purge-workspace",
            "replay",
            "record",
        ] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let out = sandbox.run(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn help_shows_the_record_and_replay_flags_authors_need() {
    let sandbox = Sandbox::new();
    let help = stdout(&sandbox.run(&["exec", "--help"]));
    for flag in ["--dry-run", "--record [<FILE>]", "--replay <FILE>"] {
        assert!(help.contains(flag), "exec --help lacks {flag}:\n{help}");
    }
}

#[test]
fn an_interrupt_stops_the_commands_megaplan_cloud_started() {
    let sandbox = Sandbox::new();
    sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    let pidfile = sandbox.project().join("grandchild.pid");
    let script = sandbox.project().join("linger.sh");
    std::fs::write(
        &script,
        format!("sleep 60 & echo $! > {}\nwait\n", pidfile.display()),
    )
    .unwrap();
    let mut cli = process::command(env!("CARGO_BIN_EXE_mpc-e2e"))
        .args(["exec", &format!("run sh {}", script.display())])
        .current_dir(sandbox.project())
        .env("MEGAPLAN_CLOUD_HOME", sandbox.home())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let grandchild = megaplan_cloud_tests::poll(std::time::Duration::from_secs(20), || {
        std::fs::read_to_string(&pidfile)
            .ok()
            .filter(|p| p.ends_with('\n'))
    })
    .expect("the command started");
    let grandchild = grandchild.trim().to_string();
    let status = process::command("kill")
        .args(["-INT", &cli.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = cli.wait().unwrap();
    assert!(!exit.success());
    let gone = megaplan_cloud_tests::poll(std::time::Duration::from_secs(20), || {
        let stat = std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
        (stat.is_empty() || stat.contains(") Z ")).then_some(())
    });
    assert!(
        gone.is_some(),
        "sleep {grandchild} outlived the interrupted megaplan-cloud"
    );
}

#[test]
fn chain_checks_everything_locally_before_any_remote_call() {
    let sandbox = Sandbox::new();
    let project = sandbox.project();
    std::fs::write(
        project.join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git}\nsecrets: [CHAIN_E2E_UNSET_TOKEN]\n",
    )
    .unwrap();
    std::fs::write(
        project.join("chain.yaml"),
        "milestones:\n  - {label: m1, idea: ideas/m1.md}\n",
    )
    .unwrap();

    // An invalid spec names the field and where it is.
    std::fs::write(project.join("bad.yaml"), "milestones:\n  - {label: m1}\n").unwrap();
    let (error, code) = sandbox.json(&["chain", "bad.yaml"]);
    assert_eq!(code, 1);
    assert_error(&error, "invalid_spec", "milestones[0].idea is required");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("bad.yaml:2:"),
        "{error}"
    );

    // A missing idea lists every place it was looked for.
    let (error, _) = sandbox.json(&["chain", "chain.yaml"]);
    assert_error(
        &error,
        "missing_idea_file",
        "milestone 'm1' idea not found on disk. Tried:\n- ",
    );
    assert_eq!(error["milestone"], "m1");
    assert!(
        error["tried_paths"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );

    // With the idea in place, the unset secret stops it, with the preflight attached.
    std::fs::create_dir_all(project.join("ideas")).unwrap();
    std::fs::write(project.join("ideas/m1.md"), "idea").unwrap();
    let (error, _) = sandbox.json(&["chain", "chain.yaml"]);
    assert_error(
        &error,
        "cloud_preflight_failed",
        "Missing configured cloud secrets in the local environment: CHAIN_E2E_UNSET_TOKEN",
    );
    assert_eq!(
        error["missing_env"],
        serde_json::json!(["CHAIN_E2E_UNSET_TOKEN"])
    );
    assert_eq!(error["missing_commands"], serde_json::json!([]));
    assert_eq!(
        error["preflight"]["runtime_commands"],
        serde_json::json!(["codex", "tmux"])
    );
    // Nothing ran: no transport call, no marker.
    assert!(
        sandbox
            .project
            .journal()
            .iter()
            .all(|line| line.get("program").is_none())
    );
    assert!(megaplan_cloud_tests::chain_flow::markers_in(&sandbox.home()).is_empty());
}
