//! The swarm provider end to end on a real single-node swarm (`megaplan_cloud_tests::swarm`
//! puts this machine's engine in swarm mode on loopback and takes it out again): build,
//! deploy (a Docker secret, never an argument), exec, the chain flow, the task's
//! container killed and Swarm starting a new one with the workspace intact, logs, down,
//! destroy keeping the volume, and the purge.

use std::time::Duration;

use megaplan_cloud_tests::e2e::{docker, docker_ok};
use megaplan_cloud_tests::poll;
use megaplan_cloud_tests::swarm::{Runner, SECRET};

#[test]
fn the_whole_lifecycle_on_a_real_single_node_swarm() {
    let runner = Runner::new(env!("CARGO_BIN_EXE_mpc-e2e"));
    let project = &runner.project;
    project.ok(&["build"]);
    project.ok(&["deploy"]);
    project.wait_for_agent();

    // The secret reached the runner as a Docker secret: exported for the login shell,
    // shown redacted, and never in a command line nor in the service's spec.
    assert_eq!(
        project.ok(&["exec", "echo \"value=$E2E_SECRET\""]),
        "value=***REDACTED***\n"
    );
    assert_eq!(
        project.ok(&["exec", "test -f /run/secrets/E2E_SECRET && echo file"]),
        "file\n"
    );
    let spec = docker_ok(&["service", "inspect", &runner.service]);
    assert!(!spec.contains(SECRET), "the service's spec holds no value");
    assert!(
        spec.contains("\"E2E_SECRET\""),
        "the secret is mounted by name: {spec}"
    );
    for line in project.journal() {
        assert!(!line.to_string().contains(SECRET), "journal: {line}");
    }
    let argv_seen = project
        .journal()
        .iter()
        .any(|line| line["argv"].to_string().contains("secret"));
    assert!(argv_seen, "the deploy's secret create is journaled");

    project.chain_flow("swarm");

    // Swarm replaces a killed task with a new container, on the same volume.
    project.ok(&["exec", "echo kept > /workspace/app/kept.txt"]);
    let first = runner.container().expect("a running task");
    docker_ok(&["kill", &first]);
    let second = poll(Duration::from_secs(120), || {
        runner.container().filter(|id| *id != first)
    })
    .expect("Swarm started a new task");
    assert_ne!(first, second);
    project.wait_for_agent();
    assert_eq!(
        project.ok(&["exec", "cat /workspace/app/kept.txt"]),
        "kept\n"
    );
    assert!(
        project
            .ok(&["exec", "ls /workspace/app/.megaplan/plans/.chains/"])
            .contains(".json"),
        "the chain's state survived the restart"
    );

    // A redeploy rolls a new task with fresh secrets; the old ones go.
    let before = runner.secrets();
    project.ok(&["deploy"]);
    project.wait_for_agent();
    let after = runner.secrets();
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(
        !before.contains(&after[0]),
        "a fresh secret: {before:?} {after:?}"
    );
    assert_eq!(
        project.ok(&["exec", "cat /workspace/app/kept.txt"]),
        "kept\n"
    );

    project.upload_and_read_back();
    project.logs_show_the_entrypoint();

    project.ok(&["down"]);
    let replicas = docker_ok(&[
        "service",
        "inspect",
        "--format",
        "{{.Spec.Mode.Replicated.Replicas}}",
        &runner.service,
    ]);
    assert_eq!(replicas, "0");
    // A workflow against the stopped runner says so, with what Swarm reported: its
    // task shut down, and earlier tasks in its history.
    let out = project.run(&[
        "status",
        "--chain",
        "--remote-spec",
        "/workspace/app/chain.yaml",
    ]);
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"], "runner_not_running", "{error}");
    assert_eq!(error["observed"]["state"], "exited", "{error}");
    assert!(
        error["observed"]["restart_count"].as_u64() >= Some(1),
        "{error}"
    );

    // destroy removes the service and its secrets and keeps the workspace volume.
    let destroyed = project.run(&["destroy", "--yes"]);
    assert!(destroyed.status.success(), "{destroyed:?}");
    assert!(
        String::from_utf8_lossy(&destroyed.stderr)
            .contains(&format!("the workspace volume {} is kept", runner.volume)),
        "{destroyed:?}"
    );
    assert_eq!(
        docker(&[
            "service",
            "ls",
            "-q",
            "--filter",
            &format!("name={}", runner.service)
        ]),
        ""
    );
    assert!(runner.secrets().is_empty());
    assert!(runner.volume_exists());

    // The purge removes it.
    project.ok(&["destroy", "--yes", "--purge-workspace"]);
    assert!(!runner.volume_exists());
}

/// A redeploy whose runner dies at boot fails the deploy as a crash loop (Swarm keeps
/// starting new tasks, so the container never stays stopped): the failed tasks are
/// the restarts, counted apart from the healthy tasks redeploys replaced, with the
/// log's tail redacted.
#[test]
fn a_redeploy_whose_runner_dies_at_boot_fails_as_a_crash_loop() {
    let runner = Runner::new(env!("CARGO_BIN_EXE_mpc-e2e"));
    let project = &runner.project;
    project.ok(&["build"]);
    project.ok(&["deploy"]);
    // Swarm's task history (five tasks) filled with replaced, healthy tasks: counting
    // every earlier task as a restart would see no growth and wait out the timeout.
    for _ in 0..4 {
        project.ok(&["deploy", "--no-wait"]);
    }
    let listed = docker_ok(&["service", "ps", "-q", &runner.service]);
    assert_eq!(listed.lines().count(), 5, "{listed}");

    project.build_a_runner_that_dies("$(cat /run/secrets/E2E_SECRET)");
    let error = project.error(&["deploy", "--wait-timeout", "110"]);
    assert_eq!(error["error"], "runner_unhealthy", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("crash-looping"), "{message}");
    assert!(
        message.contains("dying on purpose with ***REDACTED***"),
        "{message}"
    );
    assert!(!error.to_string().contains(SECRET));
    assert!(
        error["observed"]["restart_count"].as_u64() >= Some(2),
        "{error}"
    );
}
