//! A swarm for the swarm provider's end-to-end tests: this machine's engine in swarm
//! mode on loopback (entered by the first test that needs it and left by it again;
//! one test at a time), and a project whose runner leaves nothing behind.

use std::sync::Mutex;
use std::time::Duration;

use crate::e2e::{Project, docker, docker_ok, require_test_image};
use crate::{TEST_IMAGE, free_port, poll, unique};

/// The secret every swarm project is configured with.
pub const SECRET: &str = "swarm-e2e-secret-value";

/// One swarm test at a time: each enters swarm mode and may leave it.
static SWARM: Mutex<()> = Mutex::new(());

/// Swarm mode for the length of a test: started on 127.0.0.1 when the engine was not
/// in a swarm, and left again when dropped (with the bridge network `swarm init`
/// made); an existing swarm is used and kept.
pub struct SwarmMode {
    started: bool,
    /// Whether `swarm init` made the `docker_gwbridge` network (`swarm leave` keeps it).
    made_gwbridge: bool,
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

impl SwarmMode {
    pub fn enter() -> Self {
        let one_at_a_time = SWARM.lock().unwrap_or_else(|p| p.into_inner());
        let state = docker_ok(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
        if state == "active" {
            return SwarmMode {
                started: false,
                made_gwbridge: false,
                _one_at_a_time: one_at_a_time,
            };
        }
        let had_gwbridge = docker(&["network", "ls", "--format", "{{.Name}}"])
            .lines()
            .any(|name| name == "docker_gwbridge");
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
            made_gwbridge: !had_gwbridge,
            _one_at_a_time: one_at_a_time,
        }
    }
}

impl Drop for SwarmMode {
    fn drop(&mut self) {
        if self.started {
            docker(&["swarm", "leave", "--force"]);
        }
        if self.made_gwbridge {
            // Its endpoints may outlive the swarm by a moment.
            poll(Duration::from_secs(20), || {
                let removed = crate::process::command("docker")
                    .args(["network", "rm", "docker_gwbridge"])
                    .output()
                    .is_ok_and(|out| out.status.success());
                removed.then_some(())
            });
        }
    }
}

pub struct Runner {
    pub project: Project,
    pub service: String,
    pub volume: String,
    // Dropped last: the runner's cleanup needs the swarm.
    _swarm: SwarmMode,
}

impl Runner {
    /// A project for the binary under test (`env!("CARGO_BIN_EXE_mpc-e2e")`).
    pub fn new(bin: &'static str) -> Self {
        Self::with(bin, "")
    }

    /// A runner whose `swarm:` section also holds `extra` (`, key: value`).
    pub fn with(bin: &'static str, extra: &str) -> Self {
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
            project: Project::new(bin, &cloud_yaml, &[("E2E_SECRET", SECRET)]),
            service,
            volume,
            _swarm: swarm,
        }
    }

    pub fn filter(&self) -> String {
        format!("label=com.docker.swarm.service.name={}", self.service)
    }

    /// The running task's container, if one runs.
    pub fn container(&self) -> Option<String> {
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

    pub fn secrets(&self) -> Vec<String> {
        let label = format!("label=megaplan-cloud.service={}", self.service);
        docker_ok(&["secret", "ls", "-q", "--filter", &label])
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn volume_exists(&self) -> bool {
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
            // Swarm removes the tasks' containers itself once the service is gone and
            // refuses a second removal meanwhile: look until none is left, or the
            // volume is still in use below.
            let filter = format!("label=com.docker.swarm.service.name={name}");
            poll(Duration::from_secs(30), || {
                let ids = docker(&["ps", "-aq", "--filter", &filter]);
                for id in ids.lines() {
                    docker(&["rm", "-f", id]);
                }
                ids.trim().is_empty().then_some(())
            });
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
