//! The local provider end to end on this machine's Docker engine: build, deploy, exec
//! (a secret in the runner's environment comes back redacted; stdin passes through),
//! upload and read-file (binary, a name with spaces), logs (snapshot and follow),
//! attach on a real terminal, down, destroy. The image is built offline by
//! tests/image/build-test-image.sh (`.ci/run` runs it).

// These tests drive the real binary and docker from outside, as an operator does.

use megaplan_cloud_tests::e2e::{Project, docker, docker_ok, require_test_image};
use megaplan_cloud_tests::{TEST_IMAGE, free_port, unique};

const SECRET: &str = "local-e2e-secret-value";

struct Local {
    project: Project,
    compose_project: String,
}

impl Local {
    fn new() -> Self {
        Self::with("")
    }

    /// A runner whose cloud.yaml also holds `extra` (e.g. a mode).
    fn with(extra: &str) -> Self {
        Self::with_env(extra, &[])
    }

    fn with_env(extra: &str, env: &[(&str, &str)]) -> Self {
        require_test_image();
        let compose_project = unique("mpc-e2e");
        let cloud_yaml = format!(
            "provider: local\nrepo: {{url: file:///opt/seed-repo}}\nlocal: {{compose_project: {compose_project}}}\n\
             resources: {{port: {}}}\nsecrets: [E2E_SECRET]\n\
             image: {{base: '{TEST_IMAGE}', dockerfile: Dockerfile.test}}\n{extra}",
            free_port()
        );
        Local {
            project: Project::new(
                env!("CARGO_BIN_EXE_mpc-e2e"),
                &cloud_yaml,
                &[&[("E2E_SECRET", SECRET)], env].concat(),
            ),
            compose_project,
        }
    }

    fn container(&self) -> String {
        let filter = format!("label=com.docker.compose.project={}", self.compose_project);
        docker_ok(&["ps", "-aq", "--filter", &filter])
    }
}

impl Drop for Local {
    /// Whatever happened, leave no container behind.
    fn drop(&mut self) {
        let _ = self.project.run(&["destroy", "--yes"]);
        let leftover = self.container();
        if !leftover.is_empty() {
            docker(&["rm", "-f", &leftover]);
        }
        // destroy keeps the image, as the reference does; a test run should not. Compose
        // v2 names it `<project>-agent`, docker-compose v1 `<project>_agent`.
        for separator in ["-", "_"] {
            docker(&[
                "rmi",
                "-f",
                &format!("{}{separator}agent", self.compose_project),
            ]);
        }
    }
}

#[test]
fn the_whole_lifecycle_on_a_real_docker_engine() {
    let local = Local::new();
    let project = &local.project;
    project.ok(&["build"]);
    project.ok(&["deploy"]);
    let deploy_dir = project.home().join(&local.compose_project);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(deploy_dir.join(".env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, ".env is private");
    }
    assert!(deploy_dir.join("workspace").is_dir());

    // The entrypoint ran, cloned the repository and opened the tmux session `agent`.
    project.wait_for_agent();
    assert_eq!(
        project.ok(&["exec", "cat /workspace/app/README.md"]),
        "seed repository for megaplan-cloud end-to-end tests\n"
    );

    // A secret in the runner's environment comes back redacted.
    assert_eq!(
        project.ok(&["exec", "echo \"value=$E2E_SECRET\""]),
        "value=***REDACTED***\n"
    );

    compose_is_probed_once_and_a_dry_run_prints_what_ran(project);

    // doctor: the engine answers, the Compose in use is named, the workdir persists.
    let doctor: serde_json::Value = serde_json::from_str(&project.ok(&["doctor"])).unwrap();
    assert_eq!(doctor["success"], true, "{doctor}");
    let details: Vec<&str> = doctor["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["detail"].as_str().unwrap())
        .collect();
    assert!(
        details.iter().any(|d| d.starts_with("Docker ")),
        "{details:?}"
    );
    assert!(
        details.iter().any(|d| d.starts_with("docker")),
        "{details:?}"
    );
    assert_eq!(doctor["warnings"], serde_json::json!([]));

    // stdin passes through exec.
    project.stdin_passes_through();
    project.plan_workflows_run_megaplan();
    project.chain_flow("docker");
    project.supervise_flow("docker");
    project.isolation_flow("docker");
    project.workspace_survives_redeploys();

    // A remote failure is provider_failed with the remote stderr.
    let out = project.run(&["exec", "echo broken >&2; exit 3"]);
    assert_eq!(out.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (error["error"].as_str(), error["message"].as_str()),
        (Some("provider_failed"), Some("broken"))
    );

    project.upload_and_read_back();

    // Logs: the snapshot and a followed stream both show the entrypoint.
    project.logs_show_the_entrypoint();

    project.attach_reaches_the_agent_session();

    project.ok(&["down"]);
    // Stopped on request, not killed when the grace period ran out (137): the
    // entrypoint, PID 1, ends itself on SIGTERM.
    assert_eq!(
        docker_ok(&[
            "inspect",
            "-f",
            "{{.State.Running}} {{.State.ExitCode}}",
            &local.container()
        ]),
        "false 0"
    );
    assert!(
        project.ok(&["logs"]).contains("entrypoint stopping"),
        "the entrypoint says it stops"
    );
    // A dry run asks nothing and changes nothing: it shows the teardown's commands.
    let dry = project.run(&["--dry-run", "destroy"]);
    assert_eq!(dry.status.code(), Some(0), "{dry:?}");
    let shown = String::from_utf8_lossy(&dry.stdout);
    assert!(shown.contains("down --volumes --remove-orphans"), "{shown}");
    assert!(!shown.contains("[y/N]"), "{shown}");
    assert!(
        String::from_utf8_lossy(&dry.stderr)
            .contains("dry run: destroy would ask: Destroy cloud deployment"),
        "{dry:?}"
    );
    assert_ne!(local.container(), "", "the dry run kept the container");
    assert!(deploy_dir.exists(), "the dry run kept the deploy dir");
    // Declining the prompt keeps everything; accepting it tears down.
    let declined = destroy_answering(project, "n\n");
    assert_eq!(declined.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&declined.stdout),
        "Destroy cloud deployment and delete volume '<no volume>'? [y/N]: "
    );
    assert_ne!(local.container(), "", "declining kept the container");
    assert!(deploy_dir.exists(), "declining kept the deploy dir");
    let accepted = destroy_answering(project, "y\n");
    assert_eq!(accepted.status.code(), Some(0), "{accepted:?}");
    assert_eq!(local.container(), "", "destroy removed the container");
    // The bind-mounted workdir is the persistent workspace: destroy keeps only it.
    let left: Vec<_> = std::fs::read_dir(&deploy_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        ["workspace"],
        "destroy removed the rest of the deploy dir"
    );
    assert!(
        String::from_utf8_lossy(&accepted.stderr).contains("is kept; destroy --purge-workspace"),
        "{accepted:?}"
    );
    // A new container finds the old workspace.
    project.ok(&["deploy"]);
    project.wait_for_agent();
    assert_eq!(
        project.ok(&["exec", "cat /workspace/app/kept.txt"]),
        "kept\n"
    );
    project.ok(&["destroy", "--yes", "--purge-workspace"]);
    assert!(
        !deploy_dir.exists(),
        "--purge-workspace removed the workspace too"
    );
    assert_eq!(
        megaplan_cloud_tests::chain_flow::markers_in(&project.home()).len(),
        1,
        "destroy keeps the chain marker"
    );
}

/// `destroy` with `answer` typed at its prompt.
/// `docker compose version` runs once (the first command) and every later command is
/// answered from the probe cache; a dry run then prints the Compose a live run used
/// (`docker-compose` where the plugin is missing); `doctor` asks afresh.
fn compose_is_probed_once_and_a_dry_run_prints_what_ran(project: &Project) {
    let probes = |cached: bool| {
        project
            .journal()
            .iter()
            .filter(|l| {
                l["program"] == "docker" && l["argv"] == serde_json::json!(["compose", "version"])
            })
            .filter(|l| (l["cached"] == true) == cached)
            .count()
    };
    assert_eq!(probes(false), 1, "only the first command probes");
    assert!(probes(true) >= 3, "build, deploy and exec used the answer");
    let live = project
        .journal()
        .into_iter()
        .rev()
        .find(|l| {
            l["argv"]
                .as_array()
                .is_some_and(|a| a.iter().any(|w| w == "exec"))
        })
        .expect("an exec call is journaled");
    let compose = match live["program"].as_str().unwrap() {
        "docker" => "docker compose -p".to_string(),
        other => format!("{other} -p"),
    };
    let dry = project.ok(&["--dry-run", "exec", "pwd"]);
    assert!(dry.contains(&format!("&& {compose} ")), "{dry}");
    assert!(!dry.contains("no remembered answer"), "{dry}");
    project.ok(&["doctor"]);
    assert_eq!(probes(false), 2, "doctor probes afresh");
}

fn destroy_answering(project: &Project, answer: &str) -> std::process::Output {
    megaplan_cloud_tests::process::run_with_input(project.command(&["destroy"]), answer.as_bytes())
}

/// `mode: chain` and `mode: auto` start their work when the runner boots: the stand-in
/// core logs what it was asked (the seed repository's README stands in for the spec and
/// the idea, which must exist at boot).
#[test]
fn chain_and_auto_modes_start_their_work_at_boot() {
    let stand_in_log = |project: &Project, needle: &str| {
        let found = megaplan_cloud_tests::poll(std::time::Duration::from_secs(120), || {
            let out = project.run(&["exec", "cat /tmp/megaplan-stub.log 2>/dev/null"]);
            let log = String::from_utf8_lossy(&out.stdout).into_owned();
            log.contains(needle).then_some(log)
        });
        assert!(found.is_some(), "the runner never ran `{needle}`");
    };
    let chain = Local::with("mode: chain\nchain: {spec: /workspace/app/README.md}\n");
    chain.project.ok(&["build"]);
    chain.project.ok(&["deploy"]);
    stand_in_log(
        &chain.project,
        "megaplan chain start --spec /workspace/app/README.md",
    );
    drop(chain);

    let auto = Local::with(
        "mode: auto\nauto: {plan_name: e2e-auto, idea_file: /workspace/app/README.md}\n",
    );
    auto.project.ok(&["build"]);
    auto.project.ok(&["deploy"]);
    stand_in_log(
        &auto.project,
        "megaplan init --project-dir /workspace/app --name e2e-auto --auto-approve --robustness standard",
    );
    stand_in_log(&auto.project, "megaplan auto --plan e2e-auto");
}

/// The Compose v2 branch (`docker compose …`) on a real engine. This machine has only
/// docker-compose v1, so a `docker` on PATH answers `compose version` as v2 and hands
/// `docker compose <args>` to `docker-compose <args>` (the same arguments): what runs is
/// the provider's v2 command line, end to end.
#[test]
fn the_compose_v2_command_lines_drive_a_real_engine() {
    let shim = tempfile::tempdir().unwrap();
    let docker = megaplan_cloud_tests::process::command("sh")
        .args(["-c", "command -v docker"])
        .output()
        .unwrap();
    let real = String::from_utf8(docker.stdout).unwrap().trim().to_string();
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = compose ]; then\n  shift\n  if [ \"$1\" = version ]; then echo 'Docker Compose version v2.29.0'; exit 0; fi\n  exec docker-compose \"$@\"\nfi\nexec {real} \"$@\"\n"
    );
    let path = shim.path().join("docker");
    std::fs::write(&path, script).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let search = format!(
        "{}:{}",
        shim.path().display(),
        megaplan_cloud_tests::process::env_var("PATH")
            .unwrap()
            .to_string_lossy()
    );
    let local = Local::with_env("", &[("PATH", &search)]);
    let project = &local.project;
    project.ok(&["build"]);
    project.ok(&["deploy"]);
    project.wait_for_agent();
    assert_eq!(project.ok(&["exec", "echo through v2"]), "through v2\n");
    let exec_call = project
        .journal()
        .into_iter()
        .find(|line| {
            line["argv"]
                .as_array()
                .is_some_and(|a| a.iter().any(|w| w == "echo through v2"))
        })
        .expect("the exec call is journaled");
    assert_eq!(exec_call["program"], "docker", "{exec_call}");
    assert_eq!(exec_call["argv"][0], "compose", "{exec_call}");
    project.ok(&["destroy", "--yes"]);
    assert_eq!(local.container(), "", "destroy removed the container");
}

/// A runner whose entrypoint dies at boot: `deploy` does not report success, it says
/// the runner is unhealthy, with the container's state and its last log lines, redacted.
#[test]
fn a_runner_that_dies_at_boot_fails_the_deploy() {
    let local = Local::new();
    let project = &local.project;
    project.build_a_runner_that_dies("$E2E_SECRET");
    let error = project.error(&["deploy", "--wait-timeout", "60"]);
    assert_eq!(error["error"], "runner_unhealthy", "{error}");
    assert_eq!(error["observed"]["state"], "exited", "{error}");
    assert_eq!(error["observed"]["exit_code"], 3, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("the container stopped"), "{message}");
    assert!(
        message.contains("dying on purpose with ***REDACTED***"),
        "{message}"
    );
    assert!(!error.to_string().contains(SECRET));

    // Every remote workflow now says the runner is not running, not a raw exec error.
    for args in [
        &["status"][..],
        &[
            "status",
            "--chain",
            "--remote-spec",
            "/workspace/app/chain.yaml",
        ],
    ] {
        let out = project.run(args);
        let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(error["error"], "runner_not_running", "{args:?}: {error}");
        assert_eq!(error["observed"]["state"], "exited");
        assert!(
            error["exit_code"].is_i64(),
            "the failed call's exit code is kept: {error}"
        );
    }
}

/// A secret pasted into the operator's own Dockerfile reaches the terminal only
/// redacted: in the build's progress (Docker echoes each step and its output) and in
/// `--verbose`, `doctor` and `--dry-run deploy`.
#[test]
fn build_output_and_doctor_with_a_secret_in_them_are_redacted() {
    let local = Local::new();
    let project = &local.project;
    let pasted = format!(
        "{}\nRUN echo \"pasted token {SECRET} here\"\n",
        megaplan_cloud_tests::TEST_DOCKERFILE
    );
    std::fs::write(project.path().join("Dockerfile.test"), pasted).unwrap();
    for args in [
        &["build"][..],
        &["--verbose", "build"],
        &["doctor"],
        &["--dry-run", "deploy"],
    ] {
        let out = project.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            !stdout.contains(SECRET) && !stderr.contains(SECRET),
            "{args:?} leaked: {stdout}\n{stderr}"
        );
        if args.ends_with(&["build"]) {
            assert!(
                stderr.contains("pasted token ***REDACTED*** here"),
                "{args:?}: the step's output is shown, redacted: {stderr}"
            );
        }
    }
}
