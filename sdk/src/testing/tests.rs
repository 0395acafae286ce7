//! The test double refuses what the host refuses, with the host's own words.

use super::*;
use crate::prelude::*;

struct Probe;

impl ProviderImpl for Probe {
    fn describe() -> Description {
        Description {
            name: "probe".into(),
            version: "0.1.0".into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: ["probectl", "ssh"]
                .into_iter()
                .map(|name| Program {
                    name: name.into(),
                    install_hint: format!("install {name}"),
                    required: true,
                })
                .collect(),
            env: vec!["PROBE_MODE".into()],
            features: Features::REMOTE_EXEC,
            summary: "a provider for the test double's own tests".into(),
        }
    }
}

fn host() -> TestHost {
    TestHost::for_provider::<Probe>().secrets(&["API_TOKEN"])
}

fn run(host: &TestHost, operation: &'static str, cmd: Cmd) -> Result<Output, ProviderError> {
    host.call(operation, |_| cmd.run())
}

#[test]
fn scripted_replies_answer_by_prefix_in_order_and_calls_are_kept() {
    let host = host()
        .reply(&["probectl", "status"], Reply::ok("first\n"))
        .reply(&["probectl", "status"], Reply::fail(3, "second\n"));
    let first = run(
        &host,
        "exec",
        Cmd::new("probectl").args(["status", "--json"]),
    )
    .unwrap();
    assert_eq!(first.stdout, b"first\n");
    let second = run(&host, "exec", Cmd::new("probectl").arg("status")).unwrap();
    assert_eq!((second.status, second.stderr), (3, b"second\n".to_vec()));
    let unscripted = run(&host, "exec", Cmd::new("probectl").arg("status")).unwrap_err();
    assert!(
        unscripted
            .message
            .contains("no reply scripted for `probectl status`"),
        "{}",
        unscripted.message
    );
    let calls = host.calls();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].argv(), ["probectl", "status", "--json"]);
    assert_eq!(calls[0].operation, "exec");
    assert!(calls.iter().all(|c| c.denied.is_none()));
}

#[test]
fn what_the_host_refuses_is_refused_here_with_its_words() {
    let host = host().otherwise(Reply::ok(""));
    let refused = |operation, cmd: Cmd, says: &str| {
        let err = run(&host, operation, cmd).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Denied, "{}", err.message);
        assert!(err.message.contains(says), "{}", err.message);
    };
    refused("exec", Cmd::new("curl"), "did not declare it");
    refused(
        "exec",
        Cmd::new("ssh").args(["-o", "ProxyCommand=sh -c id", "host"]),
        "ProxyCommand",
    );
    refused(
        "exec",
        Cmd::new("probectl").env("HOME", "/x"),
        "did not declare it",
    );
    refused(
        "exec",
        Cmd::new("probectl").env("LD_PRELOAD", "x.so"),
        "never pass",
    );
    refused(
        "deploy",
        Cmd::new("probectl").stdin(Stdin::Secret("OTHER".into())),
        "not listed under `secrets:`",
    );
    refused(
        "deploy",
        Cmd::new("probectl").stdin(Stdin::Inherit),
        "only `exec` may",
    );
    refused(
        "exec",
        Cmd::new("probectl").binary_output(),
        "only `read-file` may",
    );
    refused(
        "build",
        Cmd::new("probectl").cwd("/etc"),
        "inside the deploy directory",
    );
    let denied = host.calls().iter().filter(|c| c.denied.is_some()).count();
    assert_eq!(denied, 8, "every refusal is kept with its reason");
    // What is allowed passes: a declared variable, a configured secret by name, the
    // deploy directory as working directory.
    let fine = Cmd::new("probectl")
        .env("PROBE_MODE", "1")
        .cwd(DEPLOY_DIR)
        .stdin(Stdin::EnvFile(vec![EnvEntry::Secret("API_TOKEN".into())]));
    run(&host, "deploy", fine).unwrap();
    let last = host.calls().pop().unwrap();
    assert_eq!(
        last.command.stdin,
        StdinSpec::EnvFile(vec![HostEnvEntry::Secret("API_TOKEN".into())])
    );
}

#[test]
fn a_missing_program_is_unavailable_and_which_says_so() {
    let host = host().missing("probectl");
    let err = host
        .call("exec", |_| Cmd::new("probectl").run_ok())
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable);
    assert_eq!(
        err.message,
        "Missing required CLI 'probectl'. Install: install probectl"
    );
    assert!(!host.call("exec", |_| process::which("probectl")));
    assert!(host.call("exec", |_| process::which("ssh")));
    assert!(!host.call("exec", |_| process::which("curl")), "undeclared");
}

#[test]
fn env_files_and_probes_keep_to_their_rules() {
    let host = host().otherwise(Reply::ok("v1\n"));
    let entries = [EnvEntry::Secret("API_TOKEN".into())];
    assert!(
        host.call("deploy", |_| files::write_env_file(".env", &entries))
            .is_ok()
    );
    let outside = host.call("exec", |_| files::write_env_file(".env", &entries));
    assert_eq!(
        outside.unwrap_err(),
        "no deploy directory is open for this operation"
    );
    let climbing = host.call("deploy", |_| files::write_env_file("../.env", &entries));
    assert!(climbing.unwrap_err().contains("plain path"));
    let unknown = [EnvEntry::Secret("OTHER".into())];
    let err = host.call("deploy", |_| files::write_env_file(".env", &unknown));
    assert!(err.unwrap_err().contains("not listed under `secrets:`"));

    assert!(
        host.call("exec", |_| Cmd::new("probectl").arg("--version").probe())
            .is_ok()
    );
    let err = host
        .call("exec", |_| Cmd::new("probectl").stdin_bytes("x").probe())
        .unwrap_err();
    assert_eq!(err.message, "a probe reads no standard input");
    assert!(host.calls().iter().filter(|c| c.probe).count() == 2);
}

#[test]
fn returned_commands_are_checked_as_the_host_would_run_them() {
    let host = host();
    let attach = Cmd::new("ssh")
        .args(["-t", "host", "tmux attach"])
        .tty()
        .build();
    assert!(host.check("attach", &attach, CallKind::Terminal).is_ok());
    let sneaky = Cmd::new("ssh").args(["-oProxyCommand=id", "host"]).build();
    assert!(host.check("logs", &sneaky, CallKind::Stream).is_err());
}

#[test]
fn the_context_carries_names_not_values() {
    let host = host()
        .unset(&["API_TOKEN"])
        .config(serde_json::json!({"app": "demo"}));
    let ctx = host.context();
    assert_eq!(ctx.secret_names, ["API_TOKEN"]);
    assert_eq!(ctx.unset_secrets, ["API_TOKEN"]);
    assert_eq!(ctx.config, r#"{"app":"demo"}"#);
    assert_eq!(ctx.nonce, NONCE);
}

#[test]
#[should_panic(expected = "outside TestHost::call")]
fn an_import_outside_a_test_host_says_where_it_belongs() {
    let _ = Cmd::new("probectl").run();
}

#[test]
fn a_chains_runner_is_named_only_when_chains_get_their_own_and_only_as_the_host_names_it() {
    let for_chain = |given: Option<&str>, per_chain: bool| {
        host()
            .runner(given)
            .call("exec", |_| crate::runner::for_chain(per_chain))
    };
    assert_eq!(for_chain(None, true).unwrap(), None);
    assert_eq!(for_chain(Some("ship-it-1a2b3c4d"), false).unwrap(), None);
    assert_eq!(
        for_chain(Some("ship-it-1a2b3c4d"), true)
            .unwrap()
            .as_deref(),
        Some("ship-it-1a2b3c4d")
    );
    let longest = "a".repeat(crate::runner::NAME_MAX);
    assert!(for_chain(Some(&longest), true).is_ok());
    for forged in ["", "-all", "x-", "Upper", "a b", "a/b", &"a".repeat(25)] {
        let err = for_chain(Some(forged), true).unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidArgs,
            "{forged:?}: {}",
            err.message
        );
    }
}
