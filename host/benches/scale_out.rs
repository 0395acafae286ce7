//! What a runner costs on Docker Swarm, against a single engine, on this machine:
//! placement (from asking for the runner to its container running), a restart (from
//! killing the container to a running one again) and `exec pwd` through megaplan-cloud
//! with the swarm provider (wall time, and the docker calls its journal shows started
//! directly), next to the local provider's. Swarm mode is entered on 127.0.0.1 and left
//! at the end, unless the engine was in a swarm already. Every runner is an idle
//! container of the offline test image.
//! Run: `cargo bench -p megaplan-cloud --bench scale_out`.

// A benchmark reports on stdout and fails by panicking.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]
// Measuring real programs means starting them; children are reaped with wait4.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::zombie_processes
)]

#[path = "support/engine.rs"]
mod engine;
#[path = "support/measure.rs"]
mod measure;
#[path = "support/world.rs"]
mod world;

use std::process::Command;
use std::time::{Duration, Instant};

use world::World;

const TEST_IMAGE: &str = "megaplan-cloud-test-base:bookworm";
const EXEC_RUNS: usize = 10;
const DEADLINE: Duration = Duration::from_secs(120);

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Polls `check` until it answers, at most `DEADLINE`; the answer and how long it took.
fn poll<T>(mut check: impl FnMut() -> Option<T>) -> Option<(T, Duration)> {
    let started = Instant::now();
    loop {
        if let Some(found) = check() {
            return Some((found, started.elapsed()));
        }
        if started.elapsed() >= DEADLINE {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// [`poll`] that must answer within `DEADLINE`.
fn until<T>(what: &str, check: impl FnMut() -> Option<T>) -> (T, Duration) {
    poll(check).unwrap_or_else(|| panic!("{what}: not within {DEADLINE:?}"))
}

/// Swarm mode for the bench: started on loopback when the engine was not in a swarm,
/// left at the end with the bridge network `swarm init` made (`swarm leave` keeps it).
struct SwarmMode {
    started: bool,
    made_gwbridge: bool,
}

impl SwarmMode {
    fn enter() -> Self {
        if docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]) == "active" {
            return SwarmMode {
                started: false,
                made_gwbridge: false,
            };
        }
        let had_gwbridge = docker(&["network", "ls", "--format", "{{.Name}}"])
            .lines()
            .any(|name| name == "docker_gwbridge");
        docker(&[
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
        }
    }
}

impl Drop for SwarmMode {
    fn drop(&mut self) {
        if self.started {
            let _ = Command::new("docker")
                .args(["swarm", "leave", "--force"])
                .output();
        }
        if self.made_gwbridge {
            // Its endpoints may outlive the swarm by a moment. No panic here (a drop
            // while unwinding would abort): CI's leftover check reports a failure.
            poll(|| {
                let out = Command::new("docker")
                    .args(["network", "rm", "docker_gwbridge"])
                    .output()
                    .ok()?;
                out.status.success().then_some(())
            });
        }
    }
}

/// A single engine's runner as the ssh provider starts one: `docker run -d --restart
/// unless-stopped`. Returns (placement, restart).
fn single_engine() -> (Duration, Duration) {
    let name = format!("mpc-bench-run-{}", std::process::id());
    let started = Instant::now();
    docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--restart",
        "unless-stopped",
        "--init",
        TEST_IMAGE,
        "sleep",
        "infinity",
    ]);
    until("the container runs", || {
        (docker(&["inspect", "-f", "{{.State.Running}}", &name]) == "true").then_some(())
    });
    let placement = started.elapsed();
    let first = docker(&["inspect", "-f", "{{.State.StartedAt}}", &name]);
    crash(&name);
    let (_, restart) = until("Docker restarts it", || {
        let state = docker(&[
            "inspect",
            "-f",
            "{{.State.Running}} {{.State.StartedAt}}",
            &name,
        ]);
        (state.starts_with("true") && !state.ends_with(&first)).then_some(())
    });
    docker(&["rm", "-f", &name]);
    (placement, restart)
}

/// The runner's process dies (`docker kill` would count as stopping it by hand, which
/// Docker's restart policy respects).
fn crash(container: &str) {
    let _ = Command::new("docker")
        .args(["exec", container, "sh", "-c", "kill -9 -1"])
        .output();
}

/// The swarm provider's runner: a service of one replica. Returns (placement, restart).
fn swarm_service(service: &str) -> (Duration, Duration) {
    let filter = format!("label=com.docker.swarm.service.name={service}");
    let running = || {
        let id = docker(&[
            "ps",
            "-q",
            "--filter",
            &filter,
            "--filter",
            "status=running",
        ]);
        (!id.is_empty()).then_some(id)
    };
    let started = Instant::now();
    docker(&[
        "service",
        "create",
        "--detach",
        "--name",
        service,
        "--replicas",
        "1",
        "--restart-condition",
        "any",
        "--init",
        TEST_IMAGE,
        "sleep",
        "infinity",
    ]);
    let (first, _) = until("Swarm places the task", running);
    let placement = started.elapsed();
    crash(&first);
    let (_, restart) = until("Swarm starts a new task", || {
        running().filter(|id| *id != first)
    });
    (placement, restart)
}

/// `exec pwd` through megaplan-cloud `EXEC_RUNS` times, and the docker calls of one
/// run started directly as many times: (median, median of the floor, calls per exec).
fn exec_pwd(world: &World) -> (Duration, Duration, usize) {
    let cli = || world.cli(&["exec", "pwd"]);
    measure::measure(1, "/", cli);
    let warm = measure::measure(EXEC_RUNS, "/", cli);
    world.take_journal();
    measure::measure(1, "/", cli);
    let journal = world.take_journal();
    let calls = world::spawned_calls(&journal, &world.path).len();
    let mut floor: Vec<Duration> = (0..EXEC_RUNS)
        .map(|_| {
            let started = Instant::now();
            for mut call in world::spawned_calls(&journal, &world.path) {
                assert!(call.output().unwrap().status.success());
            }
            started.elapsed()
        })
        .collect();
    floor.sort();
    (warm.median_time(), floor[floor.len() / 2], calls)
}

fn world_with(cloud_yaml: &str) -> World {
    let world = World::new("", cloud_yaml, Vec::new());
    // The real docker, further down PATH.
    std::fs::remove_file(world.bin.join("docker")).unwrap();
    world
}

fn main() {
    assert!(
        Command::new("docker")
            .args(["image", "inspect", TEST_IMAGE])
            .output()
            .unwrap()
            .status
            .success(),
        "{TEST_IMAGE} is missing: run tests/image/build-test-image.sh"
    );
    let (run_placed, run_restarted) = single_engine();

    let project = format!("mpc-bench-scale-{}", std::process::id());
    let local = world_with(&format!(
        "provider: local\nrepo: {{url: https://example.com/app.git}}\nlocal: {{compose_project: {project}}}\n"
    ));
    let compose_started = Instant::now();
    let compose = engine::ComposeProject::start(&local.deploy_dir(&project), &project);
    let compose_placed = compose_started.elapsed();
    let (local_exec, local_floor, local_calls) = exec_pwd(&local);
    drop(compose);

    let _swarm = SwarmMode::enter();
    let service = format!("mpc-bench-{}", std::process::id());
    let removal = Service(service.clone());
    let (swarm_placed, swarm_restarted) = swarm_service(&service);
    let on_swarm = world_with(&format!(
        "provider: swarm\nrepo: {{url: https://example.com/app.git}}\nswarm: {{service: {service}}}\n"
    ));
    let (swarm_exec, swarm_floor, swarm_calls) = exec_pwd(&on_swarm);
    drop(removal);

    println!(
        "placement: docker run -d (ssh's runner): {run_placed:?}; docker compose up -d (local's): {compose_placed:?}; docker service create until its task runs (swarm's): {swarm_placed:?}"
    );
    println!(
        "restart: Docker's restart policy (ssh's runner): {run_restarted:?}; a new Swarm task (swarm's): {swarm_restarted:?}; local's runner has no restart policy"
    );
    println!(
        "exec pwd: local provider {local_exec:?} ({local_calls} docker calls, {local_floor:?} started directly); swarm provider {swarm_exec:?} ({swarm_calls} docker calls, {swarm_floor:?} started directly)"
    );
    let overhead =
        |cli: Duration, floor: Duration| cli.saturating_sub(floor).as_secs_f64() * 1000.0;
    measure::within_budget(
        "exec pwd on swarm over its docker calls, wall",
        overhead(swarm_exec, swarm_floor),
        10.0,
        "ms",
    );
    measure::within_budget("swarm placement", swarm_placed.as_secs_f64(), 10.0, "s");
    measure::within_budget("swarm restart", swarm_restarted.as_secs_f64(), 15.0, "s");
}

/// Removes the bench's service when dropped.
struct Service(String);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["service", "rm", &self.0])
            .output();
        // Swarm removes the containers too, and refuses a second removal meanwhile.
        let filter = format!("label=com.docker.swarm.service.name={}", self.0);
        poll(|| {
            let ids = docker(&["ps", "-aq", "--filter", &filter]);
            for id in ids.lines() {
                let _ = Command::new("docker").args(["rm", "-f", id]).output();
            }
            ids.is_empty().then_some(())
        });
    }
}
