//! The out-of-tree fly provider (`examples/fly`), as its author and its operator meet
//! it: it passes its own tests natively, builds for wasm32-wasip2, passes the
//! conformance suite on its committed cassettes with no flyctl anywhere, and, once
//! installed, serves `provider: fly` (which answers `future_provider` before). Its
//! cassettes hold command lines flyctl's command reference accepts: recorded again
//! through the stand-in that parses each against the reference's flags, they are the
//! same calls.

use std::path::{Path, PathBuf};

use megaplan_cloud_tests::process;

const BIN: &str = env!("CARGO_BIN_EXE_mpc-e2e");

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/fly")
}

/// Its build, beside the workspace's own, so a rerun is quick.
fn target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/examples")
}

fn cargo(args: &[&str]) -> std::process::Output {
    process::command("cargo")
        .args(args)
        .current_dir(example())
        .env("CARGO_TARGET_DIR", target())
        .output()
        .unwrap()
}

/// The component, built (once per change: cargo skips what is fresh).
fn component() -> PathBuf {
    let build = cargo(&["build", "--release", "--target", "wasm32-wasip2"]);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    target().join("wasm32-wasip2/release/fly.wasm")
}

fn mpc(home: &Path, cwd: &Path, path: &str, args: &[&str]) -> std::process::Output {
    process::command(BIN)
        .args(args)
        .current_dir(cwd)
        .env("MEGAPLAN_CLOUD_HOME", home)
        .env("PATH", path)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn system_path() -> String {
    process::env_var("PATH")
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn the_fly_example_passes_its_tests_and_the_suite_and_serves_as_provider_fly() {
    let unit = cargo(&["test"]);
    assert!(
        unit.status.success(),
        "{}",
        String::from_utf8_lossy(&unit.stderr)
    );
    let wasm = component();
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    let cassettes = example().join("tests/cassettes");
    let wasm_arg = wasm.to_str().unwrap();
    let cassettes_arg = cassettes.to_str().unwrap();
    let args = ["provider", "test", wasm_arg, "--cassettes", cassettes_arg];
    // No flyctl anywhere: a replay starts nothing.
    let suite = mpc(&home, work.path(), "/nonexistent", &args);
    let report = String::from_utf8_lossy(&suite.stdout);
    assert!(suite.status.success(), "{report}\n{suite:?}");
    assert!(
        report.contains("\npassed: 28 passed, 0 failed, 0 skipped"),
        "{report}"
    );

    std::fs::write(
        work.path().join("cloud.yaml"),
        "provider: fly\nrepo: {url: https://example.com/a.git}\nfly: {app: megaplan-runner, region: ams}\n",
    )
    .unwrap();
    let dry = ["--dry-run", "exec", "pwd"];
    let before = mpc(&home, work.path(), &system_path(), &dry);
    let error: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    assert_eq!(error["error"], "future_provider", "{error}");
    let install = ["provider", "install", wasm_arg, "--grant", "flyctl"];
    let installed = mpc(&home, work.path(), &system_path(), &install);
    assert!(installed.status.success(), "{installed:?}");
    let after = mpc(&home, work.path(), &system_path(), &dry);
    let printed = String::from_utf8_lossy(&after.stdout);
    assert!(after.status.success(), "{printed}\n{after:?}");
    assert!(
        printed.contains("flyctl ssh console --app megaplan-runner --quiet --command 'sh -c "),
        "{printed}"
    );
}

/// Every call of a cassette but what the program printed.
fn calls(path: &Path) -> Vec<serde_json::Value> {
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

#[test]
fn the_cassettes_hold_command_lines_flyctls_reference_accepts() {
    let wasm = component();
    let stand_in = example().join("tests/flyctl");
    for refused in [&["deploy", "--bogus"][..], &["apps", "create", "--yes"]] {
        let out = process::command(&stand_in).args(refused).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{refused:?} {out:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.starts_with("Error: unknown"), "{said}");
    }
    let work = tempfile::tempdir().unwrap();
    let committed = example().join("tests/cassettes");
    let fresh = work.path().join("cassettes");
    std::fs::create_dir_all(&fresh).unwrap();
    std::fs::copy(committed.join("cloud.yaml"), fresh.join("cloud.yaml")).unwrap();
    let path = format!("{}:{}", stand_in.parent().unwrap().display(), system_path());
    let args = [
        "provider",
        "test",
        wasm.to_str().unwrap(),
        "--cassettes",
        fresh.to_str().unwrap(),
        "--record",
    ];
    let recorded = mpc(&work.path().join("home"), work.path(), &path, &args);
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
    assert_eq!(compared, 12);
    let _ = std::fs::remove_dir_all("/tmp/megaplan-fly-conformance");
}
