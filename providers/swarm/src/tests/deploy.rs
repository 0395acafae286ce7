//! `deploy`: the service created or updated, and the values refused before anything runs.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{NONCE, Reply, StdinSpec, TestHost, json};

use super::{Swarm, argvs, host, section};

#[test]
fn a_first_deploy_creates_the_service_with_its_secret_volume_and_constraints() {
    let host = host(json!({"constraints": ["node.role==manager"]}))
        .reply(
            &["docker", "service", "inspect"],
            Reply::fail(1, "no such service"),
        )
        .reply(
            &["docker", "secret", "ls"],
            Reply::ok(format!("mpc-{NONCE}-0\nrunner-old-0\n")),
        )
        .otherwise(Reply::ok(""));
    host.call("deploy", Swarm::deploy).unwrap();
    let calls = host.calls();
    let object = format!("mpc-{NONCE}-0");
    // The secret's value goes on stdin, by name; the unset one not at all.
    assert_eq!(
        calls[0].argv(),
        [
            "docker",
            "secret",
            "create",
            "--label=megaplan-cloud.service=runner",
            &object,
            "-"
        ]
    );
    assert_eq!(calls[0].command.stdin, StdinSpec::Secret("API_KEY".into()));
    let all = argvs(&host).join("\n");
    assert!(!all.contains("UNSET_ONE"), "{all}");
    let create = &argvs(&host)[2];
    for word in [
        "docker service create --detach --name=runner --replicas=1 --restart-condition=any --update-order=stop-first",
        "--env=PORT=8080",
        "--mount=type=volume,source=runner-ws,target=/workspace",
        "--constraint=node.role==manager",
        &format!("--secret=source={object},target=API_KEY,mode=0400"),
    ] {
        assert!(create.contains(word), "{word} in {create}");
    }
    assert!(create.ends_with(" runner:latest"), "{create}");
    // The previous deploy's secret goes; this one's stays.
    assert_eq!(
        argvs(&host).last().unwrap(),
        "docker secret rm runner-old-0"
    );
}

#[test]
fn a_later_deploy_swaps_the_secrets_and_the_constraints_that_changed() {
    let current = r#"{"secrets":["runner-old-0"],"constraints":["node.role==worker","node.labels.x==1"],"mounts":[{"Type":"volume","Source":"runner-ws","Target":"/workspace"}]}"#;
    let host = host(json!({"constraints": ["node.labels.x==1", "node.hostname==b"], "registry": "reg.example:5000/team"}))
        .reply(&["docker", "service", "inspect"], Reply::ok(current))
        .reply(&["docker", "ps"], Reply::ok("old-task\n"))
        .otherwise(Reply::ok(""));
    host.call("deploy", Swarm::deploy).unwrap();
    let argvs = argvs(&host);
    let at = argvs
        .iter()
        .position(|a| a.starts_with("docker service update"))
        .unwrap();
    // The replaced task's container was found first, and the deploy returns once it
    // has stopped: until then a health check would pass on it.
    assert!(
        argvs[..at].iter().any(|a| a.starts_with("docker ps ")),
        "{argvs:?}"
    );
    assert_eq!(argvs[at + 1], "docker wait old-task");
    let update = argvs[at].clone();
    let expected = format!(
        "docker service update --detach --force --image=reg.example:5000/team/runner:latest --replicas=1 --env-add=PORT=8080 \
         --secret-rm=runner-old-0 --secret-add=source=mpc-{NONCE}-0,target=API_KEY,mode=0400 \
         --constraint-rm=node.role==worker --constraint-add=node.hostname==b --with-registry-auth runner"
    );
    assert_eq!(update, expected);
}

#[test]
fn a_moved_workspace_moves_the_volume_mount() {
    let current = r#"{"secrets":[],"constraints":null,"mounts":[{"Type":"volume","Source":"runner-ws","Target":"/old"}]}"#;
    let host = host(json!({}))
        .reply(&["docker", "service", "inspect"], Reply::ok(current))
        .otherwise(Reply::ok(""));
    host.call("deploy", Swarm::deploy).unwrap();
    let update = argvs(&host)
        .into_iter()
        .find(|a| a.starts_with("docker service update"))
        .unwrap();
    assert!(
        update
            .contains("--mount-rm=/old --mount-add=type=volume,source=runner-ws,target=/workspace"),
        "{update}"
    );
}

#[test]
fn values_a_flag_parser_or_a_mount_would_misread_are_refused_before_anything_runs() {
    for extra in [
        json!({"service": "-rm"}),
        json!({"service": "Runner"}),
        json!({"service": "a b"}),
        json!({"service": "x".repeat(33)}),
        json!({"volume": "a,b"}),
        json!({"volume": "-v"}),
        json!({"image": "img $(rm -rf /)"}),
        json!({"registry": "--insecure"}),
        json!({"constraints": ["node.role"]}),
        json!({"constraints": ["node.role==a\nb"]}),
        json!({"nodes": {"box": "http://x"}}),
        json!({"nodes": {"box": "ssh://a b"}}),
    ] {
        let host = host(extra.clone()).otherwise(Reply::ok(""));
        let err = host.call("deploy", Swarm::deploy).unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidConfig,
            "{extra}: {}",
            err.message
        );
        assert!(host.calls().is_empty(), "{extra}: nothing runs");
    }
}

#[test]
fn a_workspace_that_would_cut_the_mount_specification_is_refused() {
    let host = TestHost::for_provider::<Swarm>()
        .built_in()
        .config(section(json!({})))
        .otherwise(Reply::ok(""));
    let mut ctx = host.context();
    ctx.workspace = "/work,dst=/etc/app".into();
    let err = host.call("deploy", |_| Swarm::deploy(ctx)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidConfig, "{}", err.message);
}
