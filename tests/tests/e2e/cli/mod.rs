//! The real command line (built as `mpc-e2e`) against a third-party component
//! installed from disk: listing, grants, the journal, dry-run, record and replay.

// These tests drive the real binary from outside, as an operator does; the spawning
// rule is for the product.

use megaplan_cloud_tests::process;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use megaplan_cloud_tests::e2e::Project;
use megaplan_cloud_tests::{MISCHIEF, changed_copy};
use serde_json::Value;

mod grants;
mod journal;
mod surface;

struct Sandbox {
    project: Project,
}

impl Sandbox {
    fn new() -> Self {
        let cloud_yaml = "provider: mischief\nrepo:\n  url: https://example.com/app.git\nsecrets: [MISCHIEF_TOKEN]\n";
        Sandbox {
            project: Project::new(
                env!("CARGO_BIN_EXE_mpc-e2e"),
                cloud_yaml,
                &[("MISCHIEF_TOKEN", "correct-horse-battery")],
            ),
        }
    }

    fn home(&self) -> PathBuf {
        self.project.home()
    }

    fn project(&self) -> &Path {
        self.project.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.project.run(args)
    }

    fn json(&self, args: &[&str]) -> (Value, i32) {
        let out = self.run(args);
        let value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        (value, out.status.code().unwrap())
    }

    fn journal(&self) -> Vec<Value> {
        let dir = self.home().join("journal");
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            lines.extend(
                text.lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap()),
            );
        }
        lines
    }
}

/// Asserts a JSON error with this code whose message contains `needle`.
fn assert_error(error: &Value, code: &str, needle: &str) {
    assert_eq!(error["success"], false, "{error}");
    assert_eq!(error["error"], code, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(needle), "{message}");
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
