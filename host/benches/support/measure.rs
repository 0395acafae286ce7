//! Runs a command many times and reports each run's own wall time and peak RSS
//! (`wait4`), for the bench binaries that measure whole processes, and checks budgets.

// Each bench binary includes this file and uses only part of it.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Stats {
    pub times: Vec<Duration>,
    /// Peak RSS per run, KiB.
    pub rss: Vec<i64>,
}

impl Stats {
    /// The runs of several measurements as one.
    pub fn merged(parts: Vec<Stats>) -> Stats {
        let mut times: Vec<Duration> = parts.iter().flat_map(|s| s.times.clone()).collect();
        let mut rss: Vec<i64> = parts.iter().flat_map(|s| s.rss.clone()).collect();
        times.sort();
        rss.sort();
        Stats { times, rss }
    }
    pub fn median_time(&self) -> Duration {
        self.times[self.times.len() / 2]
    }
    pub fn p90_time(&self) -> Duration {
        self.times[self.times.len() * 9 / 10]
    }
    pub fn median_rss_mib(&self) -> f64 {
        self.rss[self.rss.len() / 2] as f64 / 1024.0
    }
    pub fn max_rss_mib(&self) -> f64 {
        self.rss[self.rss.len() - 1] as f64 / 1024.0
    }
}

/// Runs `make()` `runs` times. Fails closed: every run must exit 0 and print
/// `expected` on stdout, so an immediate error is never reported as a fast run.
pub fn measure(runs: usize, expected: &str, make: impl Fn() -> Command) -> Stats {
    measure_checked(runs, make, |stdout| {
        let printed = std::fs::read_to_string(stdout).unwrap_or_default();
        assert!(
            printed.contains(expected),
            "the command printed {printed:?}, not {expected:?}"
        );
    })
}

/// Runs `make()` `runs` times with stdout in a file that `check` inspects after each
/// run; every run must exit 0.
pub fn measure_checked(
    runs: usize,
    make: impl Fn() -> Command,
    check: impl Fn(&std::path::Path),
) -> Stats {
    let mut times = Vec::with_capacity(runs);
    let mut rss = Vec::with_capacity(runs);
    for _ in 0..runs {
        let stdout = tempfile::NamedTempFile::new().expect("a temp file");
        let mut cmd = make();
        cmd.stdout(stdout.reopen().expect("reopen the temp file"));
        let started = Instant::now();
        let child = cmd.spawn().expect("the command starts");
        let (status, kib) = wait_with_rusage(child.id() as i32);
        times.push(started.elapsed());
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "the command failed (wait status {status})"
        );
        check(stdout.path());
        rss.push(kib);
    }
    times.sort();
    rss.sort();
    Stats { times, rss }
}

/// The median wall time of `runs` calls of `f`, in milliseconds, for budgets checked
/// inside the bench's own process.
pub fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

/// Fails when `measured` exceeds `budget` times the slack (`MEGAPLAN_BENCH_SLACK`, 3 by
/// default: benches run on busy machines; a real regression is far past that).
pub fn within_budget(what: &str, measured: f64, budget: f64, unit: &str) {
    let slack: f64 = std::env::var("MEGAPLAN_BENCH_SLACK")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let limit = budget * slack;
    println!(
        "budget: {what}: {measured:.2} {unit} (budget {budget:.1} {unit}, limit {limit:.1} {unit})"
    );
    assert!(
        measured <= limit,
        "{what}: {measured:.2} {unit} is over {slack}x its budget of {budget} {unit}"
    );
}

/// Waits for `pid` and returns its wait status and its own peak RSS in KiB.
pub fn wait_with_rusage(pid: i32) -> (i32, i64) {
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `pid` is our child, not yet reaped; wait4 fills `status` and `usage`.
    unsafe {
        let reaped = libc::wait4(pid, &mut status, 0, usage.as_mut_ptr());
        assert_eq!(reaped, pid, "wait4 failed");
        (status, usage.assume_init().ru_maxrss)
    }
}
