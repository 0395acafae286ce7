//! The out-of-tree fly provider (`examples/fly`), as its author and its operator meet
//! it: it passes its own tests natively, builds for wasm32-wasip2, passes the
//! conformance suite on its committed cassettes with no flyctl anywhere, and, once
//! installed, serves `provider: fly` (which answers `future_provider` before). Its
//! cassettes hold command lines flyctl's command reference accepts: recorded again
//! through the stand-in that parses each against the reference's flags, they are the
//! same calls.

use megaplan_cloud_tests::out_of_tree::{self, Example, mpc, system_path};
use megaplan_cloud_tests::process;

const BIN: &str = env!("CARGO_BIN_EXE_mpc-e2e");
const FLY: Example = Example { name: "fly" };

#[test]
fn the_fly_example_passes_its_tests_and_the_suite_and_serves_as_provider_fly() {
    FLY.unit_tests_pass();
    let wasm = FLY.component();
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    let cassettes = FLY.cassettes();
    let wasm_arg = wasm.to_str().unwrap();
    let cassettes_arg = cassettes.to_str().unwrap();
    let args = ["provider", "test", wasm_arg, "--cassettes", cassettes_arg];
    // No flyctl anywhere: a replay starts nothing.
    let suite = mpc(BIN, &home, work.path(), "/nonexistent", &args);
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
    let before = mpc(BIN, &home, work.path(), &system_path(), &dry);
    let error: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    assert_eq!(error["error"], "future_provider", "{error}");
    let install = ["provider", "install", wasm_arg, "--grant", "flyctl"];
    let installed = mpc(BIN, &home, work.path(), &system_path(), &install);
    assert!(installed.status.success(), "{installed:?}");
    let after = mpc(BIN, &home, work.path(), &system_path(), &dry);
    let printed = String::from_utf8_lossy(&after.stdout);
    assert!(after.status.success(), "{printed}\n{after:?}");
    assert!(
        printed.contains("flyctl ssh console --app megaplan-runner --quiet --command 'sh -c "),
        "{printed}"
    );
}

#[test]
fn the_cassettes_hold_command_lines_flyctls_reference_accepts() {
    let stand_in = FLY.dir().join("tests/flyctl");
    for refused in [&["deploy", "--bogus"][..], &["apps", "create", "--yes"]] {
        let out = process::command(&stand_in).args(refused).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{refused:?} {out:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.starts_with("Error: unknown"), "{said}");
    }
    let stand_ins = FLY.dir().join("tests");
    let compared = out_of_tree::recorded_again_are_the_same(BIN, &FLY, stand_ins.to_str().unwrap());
    assert_eq!(compared, 12);
    let _ = std::fs::remove_dir_all("/tmp/megaplan-fly-conformance");
}
