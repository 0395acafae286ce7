//! Reading the task list as a container state.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{Reply, json};

use super::{Swarm, host};
use crate::observe::{from_tasks, parse_tasks};

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
