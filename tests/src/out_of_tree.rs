//! The out-of-tree example providers (`examples/<name>`), as their authors and operators
//! meet them: their own crate, built for wasm32-wasip2 beside the workspace's build, run
//! through `megaplan-cloud provider test` and installed.

use std::path::{Path, PathBuf};

use crate::process;

/// One example provider's crate.
pub struct Example {
    pub name: &'static str,
}

impl Example {
    pub fn dir(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples")
            .join(self.name)
    }

    /// Their builds share one target directory beside the workspace's own, so a rerun
    /// (and the second example) is quick.
    fn target() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/examples")
    }

    /// `cargo <args>` in the example, as its author runs it.
    pub fn cargo(&self, args: &[&str]) -> std::process::Output {
        process::command("cargo")
            .args(args)
            .current_dir(self.dir())
            .env("CARGO_TARGET_DIR", Self::target())
            .output()
            .unwrap()
    }

    /// Its own tests pass, natively.
    pub fn unit_tests_pass(&self) {
        let unit = self.cargo(&["test"]);
        assert!(
            unit.status.success(),
            "{}",
            String::from_utf8_lossy(&unit.stderr)
        );
    }

    /// The component, built (once per change: cargo skips what is fresh).
    pub fn component(&self) -> PathBuf {
        let build = self.cargo(&["build", "--release", "--target", "wasm32-wasip2"]);
        assert!(
            build.status.success(),
            "{}",
            String::from_utf8_lossy(&build.stderr)
        );
        Self::target().join(format!("wasm32-wasip2/release/{}.wasm", self.name))
    }

    pub fn cassettes(&self) -> PathBuf {
        self.dir().join("tests/cassettes")
    }
}

/// The binary under test with `args`, in `cwd`, with its own home and this PATH.
pub fn mpc(bin: &str, home: &Path, cwd: &Path, path: &str, args: &[&str]) -> std::process::Output {
    process::command(bin)
        .args(args)
        .current_dir(cwd)
        .env("MEGAPLAN_CLOUD_HOME", home)
        .env("PATH", path)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

pub fn system_path() -> String {
    process::env_var("PATH")
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Every call of a cassette but what the program printed.
pub fn calls(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let mut call: serde_json::Value = serde_json::from_str(line).unwrap();
            for printed in ["status", "stdout", "stderr", "truncated"] {
                call.as_object_mut().unwrap().remove(printed);
            }
            call
        })
        .collect()
}

/// Records every cassette again into a fresh directory (with the committed cloud.yaml)
/// with `path` in front of PATH, requires the same calls as the committed ones, and
/// returns how many cassettes it compared.
pub fn recorded_again_are_the_same(bin: &str, example: &Example, path: &str) -> usize {
    let wasm = example.component();
    let work = tempfile::tempdir().unwrap();
    let committed = example.cassettes();
    let fresh = work.path().join("cassettes");
    std::fs::create_dir_all(&fresh).unwrap();
    std::fs::copy(committed.join("cloud.yaml"), fresh.join("cloud.yaml")).unwrap();
    let path = format!("{path}:{}", system_path());
    let args = [
        "provider",
        "test",
        wasm.to_str().unwrap(),
        "--cassettes",
        fresh.to_str().unwrap(),
        "--record",
    ];
    let recorded = mpc(bin, &work.path().join("home"), work.path(), &path, &args);
    let report = String::from_utf8_lossy(&recorded.stdout);
    assert!(recorded.status.success(), "{report}\n{recorded:?}");
    let mut compared = 0;
    for entry in std::fs::read_dir(&committed).unwrap().flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().ends_with(".cassette") {
            continue;
        }
        assert_eq!(
            calls(&fresh.join(&name)),
            calls(&entry.path()),
            "{name:?} recorded again differs from the committed one"
        );
        compared += 1;
    }
    compared
}
