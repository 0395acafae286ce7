//! The ssh provider end to end through a real OpenSSH server started by the test on
//! 127.0.0.1 (throwaway host key, authorized key, non-default port), whose user runs
//! docker on this machine: the same flow as the local provider, with rsync present and
//! with rsync absent (the `scp -r` fallback).

// These tests drive sshd, ssh-keygen, the real binary and docker, as an operator does.

use std::path::{Path, PathBuf};

use megaplan_cloud_tests::e2e::{Project, Sshd, docker, docker_ok, require_test_image};
use megaplan_cloud_tests::{TEST_IMAGE, free_port, unique};

const SECRET: &str = "ssh-e2e-secret-value";

struct Remote {
    sshd: Sshd,
    project: Project,
    container: String,
    remote_dir: PathBuf,
}

impl Remote {
    fn new(extra_env: &[(&str, &str)]) -> Self {
        Self::with_ssh_fields(extra_env, "")
    }

    /// `fields`: more lines of the `ssh:` block (each `  name: value\n`).
    fn with_ssh_fields(extra_env: &[(&str, &str)], fields: &str) -> Self {
        require_test_image();
        let sshd = Sshd::start();
        let container = unique("mpc-ssh-e2e");
        let remote_dir = sshd.path(&format!("remote {container}"));
        let cloud_yaml = format!(
            "provider: ssh\nrepo: {{url: file:///opt/seed-repo}}\nresources: {{port: {port}}}\nsecrets: [E2E_SECRET]\n\
             image: {{base: '{TEST_IMAGE}', dockerfile: Dockerfile.test}}\n\
             ssh:\n  host: 127.0.0.1\n  user: root\n  port: {ssh_port}\n  identity_file: '{key}'\n\
             \x20 remote_dir: '{remote}'\n  container: {container}\n\
             \x20 options: {{UserKnownHostsFile: '{known}'}}\n{fields}",
            port = free_port(),
            ssh_port = sshd.port,
            key = sshd.path("client_key").display(),
            remote = remote_dir.display(),
            known = sshd.path("known_hosts").display(),
        );
        let mut env = vec![("E2E_SECRET", SECRET)];
        env.extend_from_slice(extra_env);
        Remote {
            project: Project::new(env!("CARGO_BIN_EXE_mpc-e2e"), &cloud_yaml, &env),
            sshd,
            container,
            remote_dir,
        }
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        let _ = self.project.run(&["destroy", "--yes"]);
        docker(&["rm", "-f", &self.container]);
        docker(&["rmi", "-f", &self.container]);
    }
}

#[test]
fn the_whole_lifecycle_through_a_real_sshd() {
    let remote = Remote::new(&[]);
    let project = &remote.project;
    project.ok(&["build"]);
    assert!(
        remote.remote_dir.join("Dockerfile").is_file(),
        "rsync synced the deploy dir"
    );
    project.ok(&["deploy"]);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(remote.remote_dir.join(".env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the remote .env is private");
    }
    project.wait_for_agent();
    assert_eq!(
        project.ok(&["exec", "echo \"value=$E2E_SECRET\""]),
        "value=***REDACTED***\n"
    );
    // doctor reaches the Docker host and warns that this runner keeps no workspace.
    let out = project.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = report["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c["name"] == "docker on root@127.0.0.1"
                && c["ok"] == true
                && c["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with("reachable over ssh, Docker ")),
        "{report}"
    );
    assert!(
        report["warnings"][0]
            .as_str()
            .unwrap()
            .contains("set ssh.workspace_dir"),
        "{report}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("WARN: the runner has no persistent workspace")
    );

    project.stdin_passes_through();
    project.plan_workflows_run_megaplan();
    project.chain_flow("ssh");
    project.isolation_flow("ssh");

    project.upload_and_read_back();

    project.logs_show_the_entrypoint();

    project.attach_reaches_the_agent_session();

    project.ok(&["down"]);
    assert_eq!(
        docker_ok(&["inspect", "-f", "{{.State.Running}}", &remote.container]),
        "false"
    );
    project.ok(&["destroy", "--yes"]);
    assert_eq!(
        docker_ok(&[
            "ps",
            "-aq",
            "--filter",
            &format!("name=^{}$", remote.container)
        ]),
        ""
    );
    assert!(
        !remote.remote_dir.exists(),
        "destroy removed the remote dir"
    );
    assert!(
        !project.home().join("ssh-127.0.0.1").exists(),
        "destroy removed the deploy dir"
    );
    assert_eq!(
        megaplan_cloud_tests::chain_flow::markers_in(&project.home()).len(),
        1,
        "destroy keeps the chain marker"
    );
}

#[test]
fn without_rsync_the_deploy_dir_goes_over_scp() {
    let bin = tempfile::tempdir().unwrap();
    for program in ["ssh", "scp"] {
        std::os::unix::fs::symlink(
            Path::new("/usr/bin").join(program),
            bin.path().join(program),
        )
        .unwrap();
    }
    let path = bin.path().display().to_string();
    let remote = Remote::new(&[("PATH", path.as_str())]);
    let out = remote.project.run(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("WARN: rsync unavailable; falling back to scp -r"),
        "{stderr}"
    );
    assert!(
        remote.remote_dir.join("wrappers/mp-chain").is_file(),
        "scp copied the deploy dir"
    );
    assert!(
        !docker_ok(&["image", "inspect", "-f", "{{.Id}}", &remote.container]).is_empty(),
        "the image was built remotely"
    );
}

#[test]
fn a_connection_failure_names_the_host() {
    let mut remote = Remote::new(&[]);
    let port = remote.sshd.port.to_string();
    // Nobody listens on the port any more.
    remote.sshd.child.kill().unwrap();
    remote.sshd.child.wait().unwrap();
    let out = remote.project.run(&["exec", "true"]);
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"], "provider_failed");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("ssh to root@127.0.0.1 (port {port}) failed: ")),
        "{message}"
    );
    // doctor says the same, as a failed check, with exit 1.
    let out = remote.project.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ssh to root@127.0.0.1")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(check["ok"], false);
    assert!(
        check["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("cannot connect (port {port})"))
    );
}

#[test]
fn a_persistent_workspace_survives_redeploys_and_destroy() {
    let host = tempfile::tempdir().unwrap();
    let workspace = host.path().join("workspace");
    let cache = host.path().join("cache");
    let fields = format!(
        "  workspace_dir: '{}'\n  cache_dir: '{}'\n",
        workspace.display(),
        cache.display()
    );
    let remote = Remote::with_ssh_fields(&[], &fields);
    let project = &remote.project;
    project.ok(&["build"]);
    project.ok(&["deploy"]);
    project.wait_for_agent();
    let doctor: serde_json::Value = serde_json::from_str(&project.ok(&["doctor"])).unwrap();
    assert_eq!(
        doctor["warnings"],
        serde_json::json!([]),
        "a persistent workspace: no warning"
    );
    let first = docker_ok(&["inspect", "-f", "{{.Id}}", &remote.container]);
    project.workspace_survives_redeploys();
    let last = docker_ok(&["inspect", "-f", "{{.Id}}", &remote.container]);
    assert_ne!(first, last, "each ssh deploy starts a new container");
    // The workspace is the host directory; the caches are mounted where pip and npm look.
    assert_eq!(
        std::fs::read_to_string(workspace.join("app/kept.txt")).unwrap(),
        "kept\n"
    );
    project.ok(&["exec", "touch /root/.cache/pip/probe /root/.npm/probe"]);
    assert!(cache.join("pip/probe").exists() && cache.join("npm/probe").exists());

    let out = project.run(&["destroy", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is kept; destroy --purge-workspace deletes it"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        workspace.join("app/kept.txt").exists(),
        "destroy keeps the workspace"
    );

    // Purging goes through the runner, so it is running again first.
    project.ok(&["build"]);
    project.ok(&["deploy"]);
    project.wait_for_agent();
    project.ok(&["destroy", "--yes", "--purge-workspace"]);
    assert!(workspace.exists(), "the directory itself stays");
    assert_eq!(
        std::fs::read_dir(&workspace).unwrap().count(),
        0,
        "and is empty"
    );
}
