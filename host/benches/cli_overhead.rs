//! The whole CLI's overhead for a dry-run command: wall time and peak RSS of
//! `megaplan-cloud --dry-run exec pwd` with the local provider on a warm compile cache
//! (budget: < 10 ms and < 20 MiB). A bench binary, not a timed test.
//! Run: `cargo bench -p megaplan-cloud --bench cli_overhead`.

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

use std::process::{Command, Stdio};

const RUNS: usize = 50;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git}\n",
    )
    .unwrap();
    let home = dir.path().join("home");
    let cli = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_megaplan-cloud"));
        cmd.args(["--dry-run", "exec", "pwd"])
            .current_dir(dir.path())
            .env("MEGAPLAN_CLOUD_HOME", &home)
            .stderr(Stdio::null());
        cmd
    };
    // The dry run prints the compose call it would make.
    let expected = "exec -T agent bash -lc pwd";
    let first = measure::measure(1, expected, cli);
    let warm = measure::measure(RUNS, expected, cli);
    println!(
        "cli_overhead: first run (compiles the provider into the cache): {:?}, peak RSS {:.1} MiB",
        first.median_time(),
        first.max_rss_mib()
    );
    println!(
        "cli_overhead: warm cache, {RUNS} runs: median {:?}, p90 {:?}; peak RSS median {:.1} MiB, max {:.1} MiB",
        warm.median_time(),
        warm.p90_time(),
        warm.median_rss_mib(),
        warm.max_rss_mib()
    );
    let ms = warm.median_time().as_secs_f64() * 1000.0;
    measure::within_budget("cli_overhead wall, warm", ms, 10.0, "ms");
    measure::within_budget("cli_overhead peak RSS", warm.max_rss_mib(), 20.0, "MiB");
}
