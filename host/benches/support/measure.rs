//! Runs a command many times and reports each run's own wall time and peak RSS
//! (`wait4`), for the bench binaries that measure whole processes.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Stats {
    pub times: Vec<Duration>,
    /// Peak RSS per run, KiB.
    pub rss: Vec<i64>,
}

impl Stats {
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

/// Runs `make()` `runs` times; every run must exit normally.
pub fn measure(runs: usize, make: impl Fn() -> Command) -> Stats {
    let mut times = Vec::with_capacity(runs);
    let mut rss = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let child = make().spawn().expect("the command starts");
        let (status, kib) = wait_with_rusage(child.id() as i32);
        times.push(started.elapsed());
        assert!(libc::WIFEXITED(status), "the command crashed");
        rss.push(kib);
    }
    times.sort();
    rss.sort();
    Stats { times, rss }
}

/// Waits for `pid` and returns its wait status and its own peak RSS in KiB.
fn wait_with_rusage(pid: i32) -> (i32, i64) {
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `pid` is our child, not yet reaped; wait4 fills `status` and `usage`.
    unsafe {
        let reaped = libc::wait4(pid, &mut status, 0, usage.as_mut_ptr());
        assert_eq!(reaped, pid, "wait4 failed");
        (status, usage.assume_init().ru_maxrss)
    }
}
