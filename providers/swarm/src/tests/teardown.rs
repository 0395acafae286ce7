//! `down`, `destroy` and the volume's removal.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{Reply, json};

use super::{Swarm, argvs, host};

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
            "docker ps -aq --filter label=com.docker.swarm.service.name=runner",
            "docker volume rm runner-ws",
        ]
    );
}

#[test]
fn containers_swarm_is_already_removing_are_waited_for_before_the_volume_goes() {
    let in_progress = "Error response from daemon: removal of container c1 is already in progress\n\
                       Error response from daemon: No such container: c2\n";
    let host = host(json!({}))
        .reply(&["docker", "ps"], Reply::ok("c1\nc2\n"))
        .reply(&["docker", "rm"], Reply::fail(1, in_progress))
        .reply(&["docker", "ps"], Reply::ok("c1\n"))
        .reply(&["docker", "rm"], Reply::fail(1, in_progress))
        .otherwise(Reply::ok(""));
    let said = host
        .call("volume", |ctx| Swarm::volume(ctx, VolumeAction::Remove))
        .unwrap();
    assert_eq!(said, "volume runner-ws deleted");
    let calls = argvs(&host);
    assert_eq!(calls.len(), 6, "{calls:?}");
    assert_eq!(calls[5], "docker volume rm runner-ws");
}

#[test]
fn a_container_that_cannot_be_removed_keeps_the_volume_and_says_why() {
    let host = host(json!({}))
        .reply(&["docker", "ps"], Reply::ok("c1\n"))
        .reply(
            &["docker", "rm"],
            Reply::fail(1, "Error response from daemon: permission denied\n"),
        )
        .otherwise(Reply::ok(""));
    let refused = host
        .call("volume", |ctx| Swarm::volume(ctx, VolumeAction::Remove))
        .unwrap_err();
    assert!(
        format!("{refused:?}").contains("permission denied"),
        "{refused:?}"
    );
    assert!(argvs(&host).iter().all(|a| !a.contains("volume rm")));
}

#[test]
fn containers_that_never_go_leave_the_volume_with_a_clear_error() {
    let mut host = host(json!({})).otherwise(Reply::fail(
        1,
        "Error response from daemon: removal of container c1 is already in progress\n",
    ));
    for _ in 0..60 {
        host = host.reply(&["docker", "ps"], Reply::ok("c1\n"));
    }
    let refused = host
        .call("volume", |ctx| Swarm::volume(ctx, VolumeAction::Remove))
        .unwrap_err();
    assert!(
        format!("{refused:?}").contains("still being removed"),
        "{refused:?}"
    );
    assert!(argvs(&host).iter().all(|a| !a.contains("volume rm")));
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
