//! Shared helpers for the end-to-end tests.

// Helpers of the test suite: a failed step fails the test that called it.
#![allow(clippy::unwrap_used)]

pub mod chain_flow;
pub mod e2e;
pub mod isolation_flow;
pub mod out_of_tree;
pub mod persistence_flow;
pub mod process;
pub mod supervise_flow;
pub mod swarm;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The hostile test guest.
pub const MISCHIEF: &str = env!("GUEST_MISCHIEF");
/// A guest whose `describe` claims an unsupported contract version.
pub const WRONG_VERSION: &str = env!("GUEST_WRONG_VERSION");
/// A guest built from the frozen contract 0.2.0, without the SDK.
pub const CONTRACT_0_2: &str = env!("GUEST_CONTRACT_0_2");
/// A provider built against the frozen contract 0.3.0, without the SDK.
pub const CONTRACT_0_3: &str = env!("GUEST_CONTRACT_0_3");
/// A provider built against the frozen contract 0.4.0, without the SDK.
pub const CONTRACT_0_4: &str = env!("GUEST_CONTRACT_0_4");
/// A provider built against the frozen contract 0.5.0, without the SDK.
pub const CONTRACT_0_5: &str = env!("GUEST_CONTRACT_0_5");
/// A provider built against the first contract, 0.1.0, without the SDK.
pub const CONTRACT_0_1: &str = env!("GUEST_CONTRACT_0_1");
/// A guest whose cloud.yaml schema is outside what the host understands.
pub const BAD_SCHEMA: &str = env!("GUEST_BAD_SCHEMA");
/// A provider with the mistakes the conformance suite must catch.
pub const SLOPPY: &str = env!("GUEST_SLOPPY");

/// Polls `check` until it returns `Some` or the deadline passes, backing off from 50 to
/// 500 ms between tries (the machine is often busy starting what is being waited for).
pub fn poll<T>(deadline: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    poll_result(deadline, || check().ok_or(())).ok()
}

/// Like [`poll`], for a check that says why it is not done yet: on timeout, the last
/// reason it gave.
pub fn poll_result<T, E>(
    deadline: Duration,
    mut check: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let end = Instant::now() + deadline;
    let mut pause = Duration::from_millis(50);
    loop {
        match check() {
            Ok(value) => return Ok(value),
            Err(reason) if Instant::now() >= end => return Err(reason),
            Err(_) => {}
        }
        // Waiting between tries is the point here, with a deadline above it.
        let (_keep, never) = std::sync::mpsc::channel::<()>();
        let _ = never.recv_timeout(pause.min(end.saturating_duration_since(Instant::now())));
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// Copies a component and appends a custom section, giving a valid component with
/// different bytes (a "changed" provider).
pub fn changed_copy(from: &str, to: &Path) -> PathBuf {
    let mut bytes = std::fs::read(from).expect("guest exists");
    // Custom section: id 0, size 5, name "test" (length-prefixed).
    bytes.extend_from_slice(&[0, 5, 4, b't', b'e', b's', b't']);
    std::fs::write(to, bytes).expect("write the copy");
    to.to_path_buf()
}

/// The base image the end-to-end tests build on (tests/image/build-test-image.sh).
pub const TEST_IMAGE: &str = "megaplan-cloud-test-base:bookworm";

/// A loopback TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A name unique to this test run, for containers, projects and sessions.
pub fn unique(prefix: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// A Dockerfile template for the test image: no network, the same files as the real one.
pub const TEST_DOCKERFILE: &str = include_str!("../image/Dockerfile.offline");

/// Lowercase hex SHA-256, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
