//! The swarm provider end to end on a real single-node swarm: this machine's engine is
//! put in swarm mode on loopback by the test (and taken out again at the end when the
//! test put it there), then build, deploy (a Docker secret, never an argument), exec,
//! the chain flow, the task's container killed and Swarm starting a new one with the
//! workspace intact, logs, down, destroy keeping the volume, and the purge.

use std::time::Duration;

use megaplan_cloud_tests::e2e::{Project, docker, docker_ok, require_test_image};
use megaplan_cloud_tests::{TEST_IMAGE, free_port, poll, unique};

const SECRET: &str = "swarm-e2e-secret-value";

/// Swarm mode for the length of a test: started on 127.0.0.1 when the engine was not
/// in a swarm, and left again when dropped; an existing swarm is used and kept.
struct SwarmMode {
    started: bool,
}

impl SwarmMode {
    fn enter() -> Self {
        let state = docker_ok(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
        if state == "active" {
            return SwarmMode { started: false };
        }
        docker_ok(&[
            "swarm",
            "init",
            "--advertise-addr",
            "127.0.0.1",
            "--listen-addr",
            "127.0.0.1:2377",
        ]);
        SwarmMode { started: true }
    }
}

impl Drop for SwarmMode {
    fn drop(&mut self) {
        if self.started {
            docker(&["swarm", "leave", "--force"]);
        }
    }
}

struct Runner {
    project: Project,
    service: String,
    volume: String,
    // Dropped last: the runner's cleanup needs the swarm.
    _swarm: SwarmMode,
}

impl Runner {
    fn new() -> Self {
        require_test_image();
        let swarm = SwarmMode::enter();
        let service = unique("mpc-swarm");
        let volume = format!("{service}-ws");
        let cloud_yaml = format!(
            "provider: swarm\nrepo: {{url: file:///opt/seed-repo}}\n\
             swarm: {{service: {service}, volume: {volume}}}\n\
             resources: {{port: {}}}\nsecrets: [E2E_SECRET]\n\
             image: {{base: '{TEST_IMAGE}', dockerfile: Dockerfile.test}}\n",
            free_port()
        );
        Runner {
            project: Project::new(
                env!("CARGO_BIN_EXE_mpc-e2e"),
                &cloud_yaml,
                &[("E2E_SECRET", SECRET)],
            ),
            service,
            volume,
            _swarm: swarm,
        }
    }

    fn filter(&self) -> String {
        format!("label=com.docker.swarm.service.name={}", self.service)
    }

    /// The running task's container, if one runs.
    fn container(&self) -> Option<String> {
        let id = docker_ok(&[
            "ps",
            "-q",
            "--filter",
            &self.filter(),
            "--filter",
            "status=running",
        ]);
        (!id.is_empty()).then(|| id.lines().next().unwrap().to_string())
    }

    fn secrets(&self) -> Vec<String> {
        let label = format!("label=megaplan-cloud.service={}", self.service);
        docker_ok(&["secret", "ls", "-q", "--filter", &label])
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn volume_exists(&self) -> bool {
        !docker_ok(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("name=^{}$", self.volume),
        ])
        .is_empty()
    }
}

impl Drop for Runner {
    /// Whatever happened, leave no service, secret, container, volume or image behind.
    fn drop(&mut self) {
        docker(&["service", "rm", &self.service]);
        for secret in self.secrets() {
            docker(&["secret", "rm", &secret]);
        }
        let leftover = docker(&["ps", "-aq", "--filter", &self.filter()]);
        for id in leftover.lines() {
            docker(&["rm", "-f", id]);
        }
        docker(&["volume", "rm", "-f", &self.volume]);
        docker(&["rmi", "-f", &format!("{}:latest", self.service)]);
    }
}

#[test]
fn the_whole_lifecycle_on_a_real_single_node_swarm() {
    let runner = Runner::new();
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
