//! Runners of their own for isolated chains.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{Reply, json};

use super::{Swarm, argvs, host};

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
