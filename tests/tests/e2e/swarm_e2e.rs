//! The swarm provider end to end on a real single-node swarm: this machine's engine is
//! put in swarm mode on loopback by the test (and taken out again at the end when the
//! test put it there), then build, deploy (a Docker secret, never an argument), exec,
//! the chain flow, the task's container killed and Swarm starting a new one with the
//! workspace intact, logs, down, destroy keeping the volume, and the purge; and, with
//! `swarm.runner_per_chain`, two isolated chains each on a service of its own.

use std::sync::Mutex;
use std::time::Duration;

use megaplan_cloud_tests::e2e::{Project, docker, docker_ok, require_test_image};
use megaplan_cloud_tests::{TEST_IMAGE, free_port, poll, unique};

const SECRET: &str = "swarm-e2e-secret-value";

/// One swarm test at a time: each enters swarm mode and may leave it.
static SWARM: Mutex<()> = Mutex::new(());

/// Swarm mode for the length of a test: started on 127.0.0.1 when the engine was not
/// in a swarm, and left again when dropped; an existing swarm is used and kept.
struct SwarmMode {
    started: bool,
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

impl SwarmMode {
    fn enter() -> Self {
        let one_at_a_time = SWARM.lock().unwrap_or_else(|p| p.into_inner());
        let state = docker_ok(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
        if state == "active" {
            return SwarmMode {
                started: false,
                _one_at_a_time: one_at_a_time,
            };
        }
        docker_ok(&[
            "swarm",
            "init",
            "--advertise-addr",
            "127.0.0.1",
            "--listen-addr",
            "127.0.0.1:2377",
        ]);
        SwarmMode {
            started: true,
            _one_at_a_time: one_at_a_time,
        }
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
        Self::with("")
    }

    /// A runner whose `swarm:` section also holds `extra` (`, key: value`).
    fn with(extra: &str) -> Self {
        require_test_image();
        let swarm = SwarmMode::enter();
        let service = unique("mpc-swarm");
        let volume = format!("{service}-ws");
        let cloud_yaml = format!(
            "provider: swarm\nrepo: {{url: file:///opt/seed-repo}}\n\
             swarm: {{service: {service}, volume: {volume}{extra}}}\n\
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
    /// Whatever happened, leave no service, secret, container, volume or image behind:
    /// the configuration's runner's and every chain runner's (`<service>-<chain>`).
    fn drop(&mut self) {
        let services = docker(&[
            "service",
            "ls",
            "--format",
            "{{.Name}}",
            "--filter",
            &format!("name={}", self.service),
        ]);
        let names: Vec<&str> = std::iter::once(self.service.as_str())
            .chain(services.lines().filter(|name| *name != self.service))
            .collect();
        for name in &names {
            docker(&["service", "rm", name]);
            let label = format!("label=megaplan-cloud.service={name}");
            for secret in docker(&["secret", "ls", "-q", "--filter", &label]).lines() {
                docker(&["secret", "rm", secret]);
            }
            let filter = format!("label=com.docker.swarm.service.name={name}");
            for id in docker(&["ps", "-aq", "--filter", &filter]).lines() {
                docker(&["rm", "-f", id]);
            }
        }
        let volumes = docker(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("name={}", self.volume),
        ]);
        for volume in volumes.lines() {
            docker(&["volume", "rm", "-f", volume]);
        }
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

#[test]
fn isolated_chains_get_runners_of_their_own_on_the_swarm() {
    let runner = Runner::with(", runner_per_chain: true");
    let project = &runner.project;
    project.ok(&["build"]);
    std::fs::create_dir_all(project.path().join("ideas")).unwrap();
    for (spec, idea) in [("alpha", "a1"), ("beta", "b1")] {
        std::fs::write(project.path().join(format!("ideas/{idea}.md")), "Go.\n").unwrap();
        let chain = format!("milestones:\n  - {{label: {idea}, idea: ideas/{idea}.md}}\n");
        std::fs::write(project.path().join(format!("{spec}.yaml")), chain).unwrap();
    }
    // No deploy: each isolated chain's launch starts its own runner first.
    let launched: Vec<serde_json::Value> = ["alpha.yaml", "beta.yaml"]
        .iter()
        .map(|spec| {
            let out = project.run(&["chain", spec, "--isolated"]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(out.status.success(), "{text}\n{out:?}");
            let start = text.find("\n{").map(|at| at + 1).unwrap_or(0);
            serde_json::from_str(&text[start..]).unwrap()
        })
        .collect();
    let runners: Vec<String> = launched
        .iter()
        .map(|payload| {
            payload["runner"]
                .as_str()
                .expect("a runner of its own")
                .to_string()
        })
        .collect();
    assert_ne!(runners[0], runners[1]);
    assert!(
        runners[0].starts_with("alpha-") && runners[1].starts_with("beta-"),
        "{runners:?}"
    );
    for (name, payload) in runners.iter().zip(&launched) {
        assert_eq!(payload["tmux"]["status"], "started", "{payload}");
        let service = format!("{}-{name}", runner.service);
        let replicas = docker_ok(&[
            "service",
            "inspect",
            "--format",
            "{{.Spec.Mode.Replicated.Replicas}}",
            &service,
        ]);
        assert_eq!(replicas, "1", "{service}");
        assert!(
            !docker_ok(&[
                "volume",
                "ls",
                "-q",
                "--filter",
                &format!("name={}-{name}", runner.volume)
            ])
            .is_empty(),
            "the chain runner has its own volume"
        );
    }
    // The configuration's own runner was never started.
    assert_eq!(docker(&["service", "inspect", &runner.service]), "[]");

    // Every chain, each with its runner and where it runs.
    let all = project.ok(&["status", "--chain", "--all"]);
    let listed: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert_eq!(listed["count"], 2, "{listed}");
    for chain in listed["chains"].as_array().unwrap() {
        assert!(
            runners.iter().any(|r| chain["runner"] == r.as_str()),
            "{chain}"
        );
    }
    let about = listed["runners"].as_array().unwrap();
    assert_eq!(about.len(), 3, "{listed}");
    assert!(
        about[0]["error"].is_string(),
        "the configuration's own is not running: {listed}"
    );
    for own in &about[1..] {
        assert!(own["detail"].as_str().unwrap().contains("on node"), "{own}");
    }

    // A chain's status comes from its own runner.
    let session = launched[1]["tmux"]["session"].as_str().unwrap();
    let status: serde_json::Value =
        serde_json::from_str(&project.ok(&["status", "--chain", "--session", session])).unwrap();
    assert_eq!(
        status["summary"]["current_milestone"]["label"], "b1",
        "{status}"
    );

    // destroy takes every runner, and the purge every volume.
    project.ok(&["destroy", "--yes", "--purge-workspace"]);
    for name in &runners {
        let service = format!("{}-{name}", runner.service);
        assert_eq!(
            docker(&[
                "service",
                "ls",
                "-q",
                "--filter",
                &format!("name={service}")
            ]),
            ""
        );
        assert_eq!(
            docker(&[
                "volume",
                "ls",
                "-q",
                "--filter",
                &format!("name={}-{name}", runner.volume)
            ]),
            ""
        );
    }
}
