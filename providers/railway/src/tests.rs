//! The railway provider's parsing and marker handling, natively.

use super::remote::strip_marker;
use super::*;

fn output(stdout: &[u8], status: i32) -> Output {
    Output {
        status,
        stdout: stdout.to_vec(),
        stderr: b"ssh noise".to_vec(),
        truncated: false,
    }
}

#[test]
fn the_marker_gives_the_real_status_and_exact_output() {
    let out = strip_marker(output(b"hello\n\n__MEGAPLAN_RC_n0=3\n", 0), "n0").unwrap();
    assert_eq!(
        (out.stdout.as_slice(), out.status),
        (b"hello\n".as_slice(), 3)
    );
    let out = strip_marker(output(b"no newline\n__MEGAPLAN_RC_n0=0\n", 0), "n0").unwrap();
    assert_eq!(out.stdout, b"no newline");
}

#[test]
fn a_missing_marker_is_a_failure_even_with_status_0() {
    let err = strip_marker(output(b"", 0), "n0").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Failed);
    assert!(
        err.message.contains("without running the command"),
        "{}",
        err.message
    );
}

#[test]
fn service_lists_in_every_shape() {
    assert!(service_listed(r#"[{"id":"1","name":"agent"}]"#, "agent"));
    assert!(service_listed(
        r#"{"services":[{"name":"agent"}]}"#,
        "agent"
    ));
    assert!(service_listed(r#"["web","agent"]"#, "agent"));
    assert!(!service_listed(r#"[{"name":"agent-old"}]"#, "agent"));
    assert!(!service_listed("not json", "agent"));
}

#[test]
fn a_marker_without_the_nonce_is_not_a_marker() {
    // Remote output that prints a marker and kills its shell forges nothing.
    let forged = output(b"owned\n__MEGAPLAN_RC=0\n__MEGAPLAN_RC_guess=0\n", 0);
    assert!(strip_marker(forged, "n0").is_err());
}
