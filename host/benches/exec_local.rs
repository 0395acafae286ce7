//! What `megaplan-cloud exec pwd` through the local provider adds over the docker call
//! itself (budget: ≤ 10 ms and ≤ 20 MiB).
//! `docker` is a stub on PATH, so the figure is megaplan-cloud's own cost: argument
//! parsing, cloud.yaml, the provider from the compile cache, the `docker compose
//! version` probe (answered from the probe cache after the first run), the exec call
//! and the relay.
//! Run: `cargo bench -p megaplan-cloud --bench exec_local`.

// A benchmark reports on stdout and fails by panicking.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]
// Measuring the real binary means starting it; children are reaped with wait4.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::zombie_processes
)]

#[path = "support/measure.rs"]
mod measure;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

const RUNS: usize = 50;

const STUB_DOCKER: &str = "#!/bin/sh\ncase \"$*\" in\n  'compose version') echo 'Docker Compose version v2.29.0' ;;\n  *) echo /workspace/app ;;\nesac\n";

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let docker = bin.join("docker");
    std::fs::write(&docker, STUB_DOCKER).unwrap();
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.path().join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git}\n",
    )
    .unwrap();
    let home = dir.path().join("home");
    // The deploy directory exists after `build`/`deploy`; exec runs compose in it.
    std::fs::create_dir_all(home.join("megaplan-cloud")).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());

    let expected = "/workspace/app";
    let docker_alone = measure::measure(RUNS, expected, || {
        let mut cmd = Command::new(&docker);
        cmd.args([
            "compose",
            "-p",
            "megaplan-cloud",
            "-f",
            "/x/docker-compose.yaml",
            "exec",
            "-T",
            "agent",
            "bash",
            "-lc",
            "pwd",
        ]);
        cmd
    });
    let cli = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_megaplan-cloud"));
        cmd.args(["exec", "pwd"])
            .current_dir(dir.path())
            .env("MEGAPLAN_CLOUD_HOME", &home)
            .env("PATH", &path)
            .stderr(Stdio::null());
        cmd
    };
    measure::measure(1, expected, cli); // fills the compile cache
    let through_cli = measure::measure(RUNS, expected, cli);
    let added = through_cli
        .median_time()
        .saturating_sub(docker_alone.median_time());
    println!(
        "exec_local: stub docker alone: median {:?}, peak RSS {:.1} MiB",
        docker_alone.median_time(),
        docker_alone.max_rss_mib()
    );
    println!(
        "exec_local: megaplan-cloud exec pwd: median {:?}, p90 {:?}, peak RSS median {:.1} MiB, max {:.1} MiB",
        through_cli.median_time(),
        through_cli.p90_time(),
        through_cli.median_rss_mib(),
        through_cli.max_rss_mib()
    );
    println!(
        "exec_local: added over the docker call: {added:?} wall, {:.1} MiB peak RSS (megaplan-cloud's own process)",
        through_cli.max_rss_mib()
    );
    let ms = added.as_secs_f64() * 1000.0;
    measure::within_budget("exec pwd over the docker call, wall", ms, 10.0, "ms");
    measure::within_budget("exec pwd peak RSS", through_cli.max_rss_mib(), 20.0, "MiB");
}
