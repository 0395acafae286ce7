//! The swarm provider's command lines and readings, natively on the SDK's test double.

use megaplan_cloud_sdk::testing::{TestHost, json};

use super::Swarm;

mod chains;
mod deploy;
mod observe;
mod reach;
mod teardown;

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
