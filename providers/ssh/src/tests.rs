//! The ssh provider's own checks of its section and how it renders it, natively on the
//! SDK's test double.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{Reply, TestHost, json};

use super::Ssh;

fn host(section: serde_json::Value) -> TestHost {
    TestHost::for_provider::<Ssh>()
        .built_in()
        .config(section)
        .otherwise(Reply::ok(""))
}

fn section(extra: serde_json::Value) -> serde_json::Value {
    let mut section = json!({
        "host": "h", "port": 22, "remote_dir": "/tmp/megaplan-cloud",
        "container": "megaplan-cloud-agent", "options": {}
    });
    for (key, value) in extra.as_object().unwrap() {
        section[key] = value.clone();
    }
    section
}

#[test]
fn the_remote_dir_may_not_be_or_hold_or_sit_in_the_workspace() {
    for (remote, workspace) in [
        ("/opt/m", "/opt/m"),
        ("/opt/m/", "/opt/m"),
        ("/opt/m/workspace/deploy", "/opt/m/workspace"),
        ("/opt/m", "/opt/m/workspace"),
        ("/tmp/x", "/"),
    ] {
        let host = host(section(
            json!({"remote_dir": remote, "workspace_dir": workspace}),
        ));
        let err = host
            .call("exec", |ctx| Ssh::exec(ctx, "true".into(), Stdin::None))
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidConfig, "{remote} {workspace}");
        assert!(
            err.message
                .starts_with("`ssh.remote_dir` must be outside `ssh.workspace_dir`"),
            "{}",
            err.message
        );
        assert!(host.calls().is_empty(), "nothing runs");
    }
    let siblings = host(section(
        json!({"remote_dir": "/opt/m/deploy", "workspace_dir": "/opt/m/workspace2"}),
    ));
    let ran = siblings.call("exec", |ctx| Ssh::exec(ctx, "true".into(), Stdin::None));
    assert!(ran.is_ok(), "siblings are fine: {ran:?}");
}

#[test]
fn options_as_cloud_yaml_wrote_them_become_openssh_words() {
    let options =
        json!({"options": {"ConnectTimeout": 5, "BatchMode": false, "Compression": true}});
    let host = host(section(options));
    host.call("exec", |ctx| Ssh::exec(ctx, "true".into(), Stdin::None))
        .unwrap();
    let argv = host.calls()[0].argv().join(" ");
    for word in [
        "-o BatchMode=no",
        "-o Compression=yes",
        "-o ConnectTimeout=5",
    ] {
        assert!(argv.contains(word), "{argv}");
    }
    assert!(!argv.contains("ConnectTimeout=10"), "overridden: {argv}");
}
