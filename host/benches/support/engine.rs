//! A runner on the real Docker engine for the benches: a compose project of one
//! `agent` service on the offline test image, idle, removed when dropped.

// Each bench binary includes this file and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TEST_IMAGE: &str = "megaplan-cloud-test-base:bookworm";

pub struct ComposeProject {
    pub project: String,
    file: PathBuf,
}

impl ComposeProject {
    /// Writes the compose file into `deploy_dir` (where the local provider finds it)
    /// and starts the service.
    pub fn start(deploy_dir: &Path, project: &str) -> Self {
        let image = Command::new("docker")
            .args(["image", "inspect", TEST_IMAGE])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(
            image.success(),
            "{TEST_IMAGE} is missing: run tests/image/build-test-image.sh"
        );
        let file = deploy_dir.join("docker-compose.yaml");
        std::fs::write(
            &file,
            format!(
                "services:\n  agent:\n    image: {TEST_IMAGE}\n    command: [sleep, infinity]\n    working_dir: /workspace\n    init: true\n"
            ),
        )
        .unwrap();
        let project = ComposeProject {
            project: project.to_string(),
            file,
        };
        project.compose(&["up", "-d"]);
        project
    }

    fn compose(&self, args: &[&str]) {
        let plugin = Command::new("docker")
            .args(["compose", "version"])
            .output()
            .is_ok_and(|o| o.status.success());
        let mut cmd = if plugin {
            let mut cmd = Command::new("docker");
            cmd.arg("compose");
            cmd
        } else {
            Command::new("docker-compose")
        };
        let out = cmd
            .args(["-p", &self.project, "-f"])
            .arg(&self.file)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "compose {args:?} failed: {out:?}");
    }
}

impl Drop for ComposeProject {
    fn drop(&mut self) {
        self.compose(&["down", "-t", "0"]);
    }
}
