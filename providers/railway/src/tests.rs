//! The railway provider's parsing, natively (the exit-status marker is the SDK's, `remote`).

use super::*;

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
