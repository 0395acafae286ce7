//! Reaching the running task's container, here or on its node.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{Reply, json};

use super::{Swarm, argvs, host};

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
