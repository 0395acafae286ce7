//! `provider test` against a provider with the mistakes real authors make: each one
//! fails the suite with a line that names the operation and the mistake.

use std::path::Path;

use megaplan_cloud_tests::{SLOPPY, process};

const BIN: &str = env!("CARGO_BIN_EXE_mpc-e2e");

fn provider_test(component: &str, cassettes: &Path, extra: &[&str]) -> std::process::Output {
    process::command(BIN)
        .args(["provider", "test", component, "--cassettes"])
        .arg(cassettes)
        .args(extra)
        .env("MEGAPLAN_CLOUD_HOME", cassettes.join("home"))
        .output()
        .unwrap()
}

/// The report line of `check`, which must be there.
fn line<'a>(report: &'a str, check: &str) -> &'a str {
    let start = report
        .find(&format!("  {check} "))
        .unwrap_or_else(|| panic!("no `{check}` line in:\n{report}"));
    let begin = report[..start].rfind('\n').map_or(0, |at| at + 1);
    let end = report[start..]
        .find('\n')
        .map_or(report.len(), |at| start + at);
    &report[begin..end]
}

#[test]
fn a_deliberately_broken_provider_fails_the_suite_with_the_right_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = provider_test(SLOPPY, dir.path(), &[]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{report}\n{out:?}");
    let expect = [
        // A token pasted into the source reaches argv; the report shows it redacted.
        (
            "secrets in argv",
            "deploy: `sloppyctl login --token ***REDACTED***`",
        ),
        (
            "programs",
            "exec ran `curl`, which describe does not declare",
        ),
        ("determinism", "logs: call 2 differs between two runs"),
        ("hostile sloppy.app", "destroy:"),
        (
            "missing program",
            "down: with its programs missing it answered provider_failed",
        ),
        (
            "invalid config",
            "upload: with `sloppy.app: 7` it answered provider_crashed",
        ),
        ("cassette deploy", "no cassette"),
    ];
    for (check, says) in expect {
        let line = line(&report, check);
        assert!(line.starts_with("FAIL"), "{line}\n{report}");
        assert!(
            line.contains(says),
            "`{check}` should say {says:?}:\n{report}"
        );
    }
    assert!(
        !report.contains("0123456789abcdefghij"),
        "the token leaked:\n{report}"
    );
    let handles = line(&report, "secret handles");
    assert!(
        handles.starts_with("FAIL") && handles.contains("CONFORMANCE_TOKEN"),
        "{report}"
    );
    for check in [
        "describe",
        "config schema",
        "sandbox",
        "hostile repo.workspace",
    ] {
        assert!(line(&report, check).starts_with("ok"), "{report}");
    }
    assert!(report.trim_end().ends_with("skipped"), "{report}");
    assert!(report.contains("\nFAILED: "), "{report}");

    let json = provider_test(SLOPPY, dir.path(), &["--json"]);
    assert_eq!(json.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["success"], false);
    let failed: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    for check in [
        "secrets in argv",
        "programs",
        "determinism",
        "hostile sloppy.app",
    ] {
        assert!(failed.contains(&check), "{failed:?}");
    }
    assert_eq!(json["summary"]["failed"], failed.len());
}

#[test]
fn bad_requests_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let missing = provider_test("/nonexistent/x.wasm", dir.path(), &[]);
    assert_eq!(missing.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&missing.stdout).unwrap();
    assert_eq!(error["error"], "invalid_args");
    let no_dir = provider_test(SLOPPY, &dir.path().join("absent"), &[]);
    let error: serde_json::Value = serde_json::from_slice(&no_dir.stdout).unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("--record"),
        "{error}"
    );
    let file = provider_test(SLOPPY, dir.path(), &["--record", "x.cassette"]);
    let error: serde_json::Value = serde_json::from_slice(&file.stdout).unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("takes no FILE"),
        "{error}"
    );
    assert!(!dir.path().join("x.cassette").exists());
}
