//! The swarm provider's command lines and readings, natively on the SDK's test double.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{NONCE, Reply, StdinSpec, TestHost, json};

use super::Swarm;
use crate::observe::{from_tasks, parse_tasks};

fn section(extra: serde_json::Value) -> serde_json::Value {
    let mut section = json!({
        "service": "runner", "volume": "runner-ws", "constraints": [], "nodes": {}
    });
    for (key, value) in extra.as_object().unwrap() {
        section[key] = value.clone();
    }
    section
}

fn host(extra: serde_json::Value) -> TestHost {
    TestHost::for_provider::<Swarm>()
        .built_in()
        .config(section(extra))
        .secrets(&["API_KEY", "UNSET_ONE"])
        .unset(&["UNSET_ONE"])
}

fn argvs(host: &TestHost) -> Vec<String> {
    host.calls().iter().map(|c| c.argv().join(" ")).collect()
}

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
fn exec_finds_the_running_tasks_container_then_runs_in_it() {
    let host = host(json!({}))
        .reply(&["docker", "ps"], Reply::ok("abc123\n"))
        .otherwise(Reply::ok("out"));
    let out = host
        .call("exec", |ctx| {
            Swarm::exec(ctx, "echo hi".into(), Stdin::None)
        })
        .unwrap();
    assert_eq!(out.stdout, b"out");
    assert_eq!(
        argvs(&host),
        [
            "docker ps --filter label=com.docker.swarm.service.name=runner --filter status=running --format {{.ID}}",
            "docker exec -i abc123 bash -lc echo hi",
        ]
    );
}

#[test]
fn a_task_on_another_node_is_reached_through_that_nodes_engine() {
    let host = host(json!({"nodes": {"box2": "ssh://deploy@box2"}}))
        .reply(
            &["docker", "service", "ps"],
            Reply::ok("box2 Running 3 minutes ago\n"),
        )
        .reply(&["docker", "ps"], Reply::ok("def456\n"))
        .otherwise(Reply::ok(""));
    host.call("exec", |ctx| Swarm::exec(ctx, "pwd".into(), Stdin::None))
        .unwrap();
    let calls = host.calls();
    assert!(calls[0].command.env.is_empty());
    for call in &calls[1..] {
        assert_eq!(
            call.command.env,
            [("DOCKER_HOST".to_string(), "ssh://deploy@box2".to_string())]
        );
    }
    assert_eq!(calls[2].argv()[..3], ["docker", "exec", "-i"]);
}

#[test]
fn a_task_elsewhere_without_a_way_there_is_a_clear_error() {
    let host = host(json!({}))
        .reply(&["docker", "ps"], Reply::ok(""))
        .reply(
            &["docker", "service", "ps"],
            Reply::ok("box9 Running 1 second ago\n"),
        );
    let err = host
        .call("exec", |ctx| Swarm::exec(ctx, "pwd".into(), Stdin::None))
        .unwrap_err();
    assert!(
        err.message.contains("runs on node box9") && err.message.contains("swarm.nodes"),
        "{}",
        err.message
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

#[test]
fn tasks_read_as_running_restarting_stopped_or_missing() {
    let running = parse_tasks(
        "Running\tRunning 2 minutes ago\tbox1\t\nShutdown\tFailed 3 minutes ago\tbox1\ttask: non-zero exit (1)\n",
    );
    let seen = from_tasks("runner", &running);
    assert_eq!(seen.state, ContainerState::Running);
    assert_eq!(seen.restart_count, Some(1));
    assert!(seen.detail.contains("on node box1"), "{}", seen.detail);

    let restarting = parse_tasks(
        "Running\tStarting 1 second ago\tbox1\t\nShutdown\tFailed 9 seconds ago\tbox1\tboom\n",
    );
    assert_eq!(
        from_tasks("runner", &restarting).state,
        ContainerState::Restarting
    );

    // A task a redeploy replaced is no restart; one that crashed is.
    let redeployed = parse_tasks(
        "Running\tRunning 1 minute ago\tbox1\t\nShutdown\tShutdown 1 minute ago\tbox1\t\n\
         Shutdown\tFailed 1 hour ago\tbox1\t\"task: non-zero exit (137)\"\n\
         Shutdown\tRejected 2 hours ago\tbox1\t\"No such image\"\n",
    );
    let seen = from_tasks("runner", &redeployed);
    assert_eq!(seen.restart_count, Some(2));
    assert!(
        seen.detail.contains("(3 earlier tasks listed)"),
        "{}",
        seen.detail
    );

    let down = parse_tasks("Shutdown\tShutdown 5 seconds ago\tbox1\t\n");
    assert_eq!(from_tasks("runner", &down).state, ContainerState::Exited(0));

    // Scaled down while its task was failing: the code Swarm reported.
    let failed =
        parse_tasks("Shutdown\tFailed 2 seconds ago\tbox1\t\"task: non-zero exit (137)\"\n");
    let seen = from_tasks("runner", &failed);
    assert_eq!(seen.state, ContainerState::Exited(137));
    assert!(
        seen.detail.contains(": task: non-zero exit (137)"),
        "{}",
        seen.detail
    );

    // During a rolling update the new task is listed first, ready; the old one runs.
    let update =
        parse_tasks("Ready\tReady 1 second ago\tbox1\t\nShutdown\tRunning 1 second ago\tbox1\t\n");
    assert_eq!(
        from_tasks("runner", &update).state,
        ContainerState::Restarting
    );

    // Scaled down, its task still stopping: still running for now.
    let stopping = parse_tasks("Shutdown\tRunning 3 seconds ago\tbox1\t\n");
    assert_eq!(
        from_tasks("runner", &stopping).state,
        ContainerState::Running
    );

    assert_eq!(from_tasks("runner", &[]).state, ContainerState::Missing);
}

#[test]
fn a_missing_service_is_observed_as_missing_not_as_a_failure() {
    let host = host(json!({})).reply(
        &["docker", "service", "ps"],
        Reply::fail(1, "no such service: runner"),
    );
    let seen = host.call("observe", Swarm::observe).unwrap();
    assert_eq!(seen.state, ContainerState::Missing);
}

#[test]
fn destroy_keeps_the_volume_and_removing_it_removes_the_containers_first() {
    let host = host(json!({}))
        .reply(&["docker", "secret", "ls"], Reply::ok("runner-a-0\n"))
        .otherwise(Reply::ok(""));
    host.call("destroy", Swarm::destroy).unwrap();
    let destroyed = argvs(&host);
    assert_eq!(destroyed[0], "docker service rm runner");
    assert!(
        destroyed.iter().all(|a| !a.contains("volume")),
        "{destroyed:?}"
    );

    let host = host.reply(&["docker", "ps"], Reply::ok("c1\nc2\n"));
    host.call("volume", |ctx| Swarm::volume(ctx, VolumeAction::Remove))
        .unwrap();
    let removed = &argvs(&host)[destroyed.len()..];
    assert_eq!(
        removed,
        [
            "docker ps -aq --filter label=com.docker.swarm.service.name=runner",
            "docker rm -f c1 c2",
            "docker volume rm runner-ws",
        ]
    );
}

#[test]
fn a_task_swarm_still_lists_as_running_whose_container_stopped_is_observed_stopped() {
    let host = host(json!({}))
        .reply(
            &["docker", "service", "ps"],
            Reply::ok("Shutdown\tRunning 9 seconds ago\tbox1\t\n"),
        )
        .reply(&["docker", "ps"], Reply::ok(""))
        .reply(&["docker", "service", "ps"], Reply::ok(""));
    let seen = host.call("observe", Swarm::observe).unwrap();
    assert_eq!(seen.state, ContainerState::Exited(0), "{}", seen.detail);
}

#[test]
fn down_scales_to_zero_then_waits_for_the_container_to_stop() {
    let host = host(json!({}))
        .reply(&["docker", "ps"], Reply::ok("abc\n"))
        .otherwise(Reply::ok(""));
    host.call("down", Swarm::down).unwrap();
    assert_eq!(
        argvs(&host)[1..],
        ["docker service scale --detach runner=0", "docker wait abc"]
    );
}

#[test]
fn a_chains_runner_is_a_service_and_volume_of_its_own_running_the_same_image() {
    let host = host(json!({"runner_per_chain": true}))
        .runner(Some("chain-a"))
        .reply(
            &["docker", "service", "inspect"],
            Reply::fail(1, "no such service"),
        )
        .otherwise(Reply::ok(""));
    assert!(host.call("chain-runners", Swarm::chain_runners).unwrap());
    host.call("deploy", Swarm::deploy).unwrap();
    let create = argvs(&host)
        .into_iter()
        .find(|a| a.starts_with("docker service create"))
        .unwrap();
    for word in [
        "--name=runner-chain-a",
        "--mount=type=volume,source=runner-ws-chain-a,target=/workspace",
        "--label=megaplan-cloud.runner=runner-chain-a",
    ] {
        assert!(create.contains(word), "{word} in {create}");
    }
    assert!(create.ends_with(" runner:latest"), "{create}");
}

#[test]
fn a_selected_runner_is_ignored_unless_chains_get_their_own_and_must_be_a_hosts_name() {
    let shared = host(json!({}))
        .runner(Some("chain-a"))
        .otherwise(Reply::ok("c1\n"));
    assert!(!shared.call("chain-runners", Swarm::chain_runners).unwrap());
    shared
        .call("exec", |ctx| Swarm::exec(ctx, "pwd".into(), Stdin::None))
        .unwrap();
    assert!(
        argvs(&shared)[0].contains("service.name=runner "),
        "{:?}",
        argvs(&shared)
    );

    let forged = host(json!({"runner_per_chain": true}))
        .runner(Some("../x --all"))
        .otherwise(Reply::ok(""));
    let err = forged
        .call("exec", |ctx| Swarm::exec(ctx, "pwd".into(), Stdin::None))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgs, "{}", err.message);
    assert!(forged.calls().is_empty());
}
