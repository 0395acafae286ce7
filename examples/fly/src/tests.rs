//! The fly provider's own tests, natively, on the SDK's test double (which holds every
//! command to the host's rules): what each operation asks flyctl, and what it makes of
//! the answers.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{Call, DEPLOY_DIR, NONCE, Reply, StdinSpec, TestHost, json};

use super::Fly;

fn host() -> TestHost {
    TestHost::for_provider::<Fly>()
        .config(json!({
            "app": "runner", "region": "ams", "builder": "remote",
            "vm_size": "shared-cpu-2x", "volume_size": 10
        }))
        .secrets(&["OPENAI_API_KEY"])
}

fn argv(call: &Call) -> String {
    call.argv().join(" ")
}

#[test]
fn deploy_writes_fly_toml_creates_the_app_stages_the_secrets_and_deploys() {
    let host = host()
        .reply(
            &["flyctl", "apps", "list"],
            Reply::ok(r#"[{"Name":"other"}]"#),
        )
        .otherwise(Reply::ok(""));
    host.call("deploy", Fly::deploy).unwrap();
    let calls = host.calls();
    let toml = &calls[0];
    assert_eq!(toml.kind, megaplan_cloud_sdk::testing::CallKind::WriteFile);
    let StdinSpec::Bytes(text) = &toml.command.stdin else {
        panic!("{toml:?}")
    };
    let text = String::from_utf8_lossy(text);
    assert!(
        text.contains("app = \"runner\"\nprimary_region = \"ams\""),
        "{text}"
    );
    assert!(
        text.contains("[[vm]]\n  size = \"shared-cpu-2x\""),
        "{text}"
    );
    assert!(!text.contains("[[mounts]]"), "no volume configured: {text}");
    assert_eq!(argv(&calls[1]), "flyctl apps list --json");
    assert_eq!(argv(&calls[2]), "flyctl apps create --name runner");
    assert_eq!(
        argv(&calls[3]),
        "flyctl secrets import --app runner --stage"
    );
    let secrets = vec![megaplan_cloud_sdk::testing::HostEnvEntry::Secret(
        "OPENAI_API_KEY".into(),
    )];
    assert_eq!(calls[3].command.stdin, StdinSpec::EnvFile(secrets));
    assert_eq!(
        argv(&calls[4]),
        format!(
            "flyctl deploy {DEPLOY_DIR} --app runner --config {DEPLOY_DIR}/fly.toml --remote-only --ha=false --yes"
        )
    );
    assert!(calls.iter().all(|c| c.denied.is_none()), "{calls:?}");
}

#[test]
fn a_secret_without_a_local_value_stops_deploy_before_anything_runs() {
    let host = host().unset(&["OPENAI_API_KEY"]);
    let err = host.call("deploy", Fly::deploy).unwrap_err();
    assert_eq!(err.kind, ErrorKind::MissingSecrets);
    assert!(host.calls().is_empty());
}

#[test]
fn exec_goes_through_sh_with_a_marker_and_returns_the_real_status() {
    let marked = format!("out\n\n__MEGAPLAN_RC_{NONCE}=7\n");
    let host = host().reply(&["flyctl", "ssh", "console"], Reply::ok(marked));
    let out = host
        .call("exec", |ctx| Fly::exec(ctx, "ls 'a b'".into(), Stdin::None))
        .unwrap();
    assert_eq!(
        (out.status, out.stdout.as_slice()),
        (7, b"out\n".as_slice())
    );
    let call = &host.calls()[0];
    assert_eq!(
        call.argv()[..7],
        [
            "flyctl",
            "ssh",
            "console",
            "--app",
            "runner",
            "--quiet",
            "--command"
        ]
    );
    assert!(
        call.argv()[7].starts_with("sh -c 'bash -lc '\"'\"'ls "),
        "{}",
        call.argv()[7]
    );
    let lost = self::host().reply(&["flyctl", "ssh"], Reply::ok("hello\n"));
    let err = lost
        .call("exec", |ctx| Fly::exec(ctx, "true".into(), Stdin::None))
        .unwrap_err();
    assert!(
        err.message
            .starts_with("fly ssh console exited (status 0) without running the command"),
        "{}",
        err.message
    );
}

#[test]
fn volumes_are_created_once_and_fly_toml_mounts_them() {
    let listed = r#"[{"id":"vol_1","name":"work","state":"created"}]"#;
    let host = TestHost::for_provider::<Fly>()
        .config(json!({"app": "runner", "region": "ams", "builder": "local", "vm_size": "x", "volume_size": 5}))
        .reply(&["flyctl", "apps", "list"], Reply::ok(r#"[{"name":"runner"}]"#))
        .reply(&["flyctl", "volumes", "list"], Reply::ok("[]"))
        .otherwise(Reply::ok(""));
    let mut ctx = host.context();
    ctx.volume = Some("work".into());
    let said = host
        .call("volume", |_| Fly::volume(ctx.clone(), VolumeAction::Ensure))
        .unwrap();
    assert_eq!(said, "created volume work (5 GB) in ams");
    let calls = host.calls();
    assert_eq!(
        argv(&calls[2]),
        "flyctl volumes create --app runner --region ams --size 5 --yes -- work"
    );
    let host = host.reply(&["flyctl", "volumes", "list"], Reply::ok(listed));
    let said = host
        .call("volume", |_| Fly::volume(ctx.clone(), VolumeAction::Ensure))
        .unwrap();
    assert_eq!(said, "volume work exists");
    let toml = super::config::Config::read(&ctx).unwrap().fly_toml(&ctx);
    assert!(toml.contains("[[mounts]]\n  source = \"work\"\n  destination = \"/workspace\"\n  initial_size = \"5gb\""), "{toml}");
}

#[test]
fn names_fly_would_refuse_or_a_shell_would_read_are_invalid_config() {
    for (section, volume) in [
        (
            json!({"app": "-oProxy", "region": "ams", "builder": "remote", "vm_size": "x", "volume_size": 1}),
            None,
        ),
        (
            json!({"app": "my app", "region": "ams", "builder": "remote", "vm_size": "x", "volume_size": 1}),
            None,
        ),
        (
            json!({"app": "ok", "region": "amsterdam", "builder": "remote", "vm_size": "x", "volume_size": 1}),
            None,
        ),
        (
            json!({"app": "ok", "region": "ams", "builder": "remote", "vm_size": "x", "volume_size": 1}),
            Some("agent-volume"),
        ),
    ] {
        let host = TestHost::for_provider::<Fly>().config(section.clone());
        let mut ctx = host.context();
        ctx.volume = volume.map(str::to_string);
        let err = host
            .call("deploy", |_| Fly::deploy(ctx.clone()))
            .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidConfig,
            "{section}: {}",
            err.message
        );
        assert!(host.calls().is_empty(), "{section}");
    }
}

#[test]
fn observe_reads_the_machine_list() {
    let listed = r#"[{"id":"e28","state":"started","region":"ams","updated_at":"2026-12-07T10:00:00Z","image_ref":{"tag":"deployment-1","digest":"sha256:ab"}}]"#;
    let host = host().reply(&["flyctl", "machine", "list"], Reply::ok(listed));
    let seen = host.call("observe", Fly::observe).unwrap();
    assert_eq!(seen.state, ContainerState::Running);
    assert_eq!(seen.image_id.as_deref(), Some("sha256:ab"));
    assert_eq!(seen.detail, "Machine e28 in ams: started");
    let none = host.reply(&["flyctl", "machine", "list"], Reply::ok("[]"));
    assert_eq!(
        none.call("observe", Fly::observe).unwrap().state,
        ContainerState::Missing
    );
}

#[test]
fn a_missing_flyctl_is_unavailable() {
    let host = host().missing("flyctl");
    let err = host.call("down", Fly::down).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable);
}
