//! The provider's own tests: each operation runs natively against the SDK's test
//! double, which answers its commands as scripted and holds them to the host's own
//! rules (declared programs, secrets by name, the deploy directory), so `cargo test`
//! needs neither wasm nor megaplan-cloud.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{DEPLOY_DIR, HostEnvEntry, Reply, StdinSpec, TestHost, json};

use super::Provider;

fn host() -> TestHost {
    TestHost::for_provider::<Provider>()
        .config(json!({"app": "demo", "region": "auto"}))
        .secrets(&["API_TOKEN"])
}

#[test]
fn deploy_hands_the_secrets_over_by_name_then_deploys_the_deploy_directory() {
    let host = host().otherwise(Reply::ok(""));
    host.call("deploy", Provider::deploy).unwrap();
    let calls = host.calls();
    assert_eq!(
        calls[0].argv(),
        ["@@CLI@@", "secrets", "import", "--app", "demo"]
    );
    let env_file = vec![
        HostEnvEntry::Literal("PORT".into(), "8080".into()),
        HostEnvEntry::Secret("API_TOKEN".into()),
    ];
    assert_eq!(calls[0].command.stdin, StdinSpec::EnvFile(env_file));
    let deploy = &calls[1];
    assert_eq!(
        deploy.argv(),
        ["@@CLI@@", "deploy", "--region", "auto", "--app", "demo"]
    );
    assert_eq!(deploy.command.cwd.as_deref(), Some(DEPLOY_DIR.as_ref()));
    assert!(calls.iter().all(|call| call.denied.is_none()));
}

#[test]
fn exec_runs_the_line_verbatim_and_returns_its_exit_status() {
    let host = host().reply(&["@@CLI@@", "ssh"], Reply::fail(3, "no such file\n"));
    let line = "cat '/workspace/app/a b'";
    let out = host.call("exec", |ctx| Provider::exec(ctx, line.into(), Stdin::None));
    assert_eq!(out.unwrap().status, 3);
    let argv = host.calls()[0].argv().join(" ");
    assert_eq!(argv, format!("@@CLI@@ ssh --app demo -- bash -lc {line}"));
}

#[test]
fn a_missing_cli_is_unavailable() {
    let host = host().missing("@@CLI@@");
    let err = host.call("destroy", Provider::destroy).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable);
}
