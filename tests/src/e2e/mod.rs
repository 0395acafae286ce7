//! What the end-to-end tests share: a project directory with its own megaplan-cloud
//! home, the real binary run in it, and attach driven on a real terminal.

// These helpers drive the real binary, docker and tmux from outside, as an operator does.

use crate::process;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use megaplan_cloud::capability::{Capability, DeployDirMount, Settings};
use megaplan_cloud::config::CloudSpec;
use megaplan_cloud::console::Console;
use megaplan_cloud::paths::CloudHome;
use megaplan_cloud::plugin::registry::Registry;
use megaplan_cloud::plugin::{Limits, Runtime};

use std::net::TcpStream;

use crate::{TEST_IMAGE, free_port, poll, unique};

mod sshd;
mod terminal;
mod workflows;

pub use sshd::Sshd;
pub use terminal::{Pane, read_until, tmux};

/// Fails (never skips) when the offline test image is missing.
pub fn require_test_image() {
    let image = process::command("docker")
        .args(["image", "inspect", TEST_IMAGE])
        .output()
        .expect("docker runs");
    assert!(
        image.status.success(),
        "{TEST_IMAGE} is missing: run tests/image/build-test-image.sh (.ci/run does)"
    );
}

/// A project directory with a cloud.yaml and a private megaplan-cloud home.
pub struct Project {
    pub dir: tempfile::TempDir,
    /// The binary under test (`env!("CARGO_BIN_EXE_mpc-e2e")` in an integration test).
    bin: &'static str,
    env: Vec<(String, String)>,
}

impl Project {
    pub fn new(bin: &'static str, cloud_yaml: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::write(dir.path().join("cloud.yaml"), cloud_yaml).expect("write cloud.yaml");
        std::fs::write(dir.path().join("Dockerfile.test"), crate::TEST_DOCKERFILE)
            .expect("write the Dockerfile");
        Project {
            dir,
            bin,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A variable the project's commands get, as given to [`Project::new`].
    pub fn env_value(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn command(&self, args: &[&str]) -> process::Process {
        let mut cmd = process::command(self.bin);
        cmd.args(args)
            .current_dir(self.path())
            .env("MEGAPLAN_CLOUD_HOME", self.home());
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs")
    }

    /// Runs and requires success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Polls `exec` until the runner's tmux session `agent` exists.
    /// Runs a command that must fail (exit 1) with its error as JSON on stdout; that
    /// error.
    pub fn error(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// Builds a runner image whose boot prints `dying on purpose with <words>` (shell
    /// words, expanded in the runner) and exits 3.
    pub fn build_a_runner_that_dies(&self, words: &str) {
        let dying = format!(
            "{}\nCMD [\"sh\", \"-c\", \"echo dying on purpose with {words}; exit 3\"]\n",
            crate::TEST_DOCKERFILE
        );
        std::fs::write(self.path().join("Dockerfile.test"), dying).unwrap();
        self.ok(&["build"]);
    }

    pub fn wait_for_agent(&self) {
        let up = poll(Duration::from_secs(120), || {
            let out = self.run(&["exec", "tmux has-session -t =agent && echo agent-up"]);
            String::from_utf8_lossy(&out.stdout)
                .contains("agent-up")
                .then_some(())
        });
        assert!(
            up.is_some(),
            "the agent session never appeared:\n{}",
            self.ok(&["logs", "--no-follow"])
        );
    }
}

/// A docker call the tests make themselves (inspecting, cleaning up).
pub fn docker(args: &[&str]) -> String {
    let out = process::command("docker")
        .args(args)
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `docker <args>` that must succeed (a query whose empty answer means something):
/// its stdout, trimmed. A failing docker fails the test rather than answering "none".
pub fn docker_ok(args: &[&str]) -> String {
    let out = process::command("docker")
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
