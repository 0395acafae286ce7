//! The provider's command lines and readings, natively on the SDK's test double.

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::testing::{CallKind, DEPLOY_DIR, Reply, StdinSpec, TestHost, json};

use super::Kubernetes;
use crate::pod;

fn section(extra: serde_json::Value) -> serde_json::Value {
    let mut section = json!({
        "namespace": "agents", "name": "runner", "image": "reg.example/team/runner:1",
        "storage": "20Gi"
    });
    for (key, value) in extra.as_object().unwrap() {
        section[key] = value.clone();
    }
    section
}

fn host(extra: serde_json::Value) -> TestHost {
    TestHost::for_provider::<Kubernetes>()
        .config(section(extra))
        .secrets(&["API_KEY"])
}

fn argvs(host: &TestHost) -> Vec<String> {
    host.calls()
        .iter()
        .filter(|c| c.kind == CallKind::Run)
        .map(|c| c.argv().join(" "))
        .collect()
}

/// The manifest `deploy` wrote into `file`, as its JSON documents.
fn written_manifest(host: &TestHost, file: &str) -> Vec<serde_json::Value> {
    let call = host
        .calls()
        .into_iter()
        .find(|c| c.kind == CallKind::WriteFile)
        .expect("deploy writes its manifest");
    assert_eq!(call.command.args, [file]);
    let StdinSpec::Bytes(bytes) = &call.command.stdin else {
        panic!("the file's contents")
    };
    String::from_utf8(bytes.clone())
        .unwrap()
        .split("\n---\n")
        .map(|doc| serde_json::from_str(doc).unwrap())
        .collect()
}

#[test]
fn deploy_makes_the_secret_from_the_env_file_and_applies_the_manifest() {
    let host = host(json!({"context": "prod", "storage_class": "fast"})).otherwise(Reply::ok(""));
    host.call("deploy", Kubernetes::deploy).unwrap();
    let k = "kubectl --context prod --namespace agents";
    assert_eq!(
        argvs(&host),
        [
            format!("{k} delete secret runner-env --ignore-not-found"),
            format!("{k} create secret generic runner-env --from-env-file=/dev/stdin"),
            format!("{k} apply -f {DEPLOY_DIR}/runner.yaml"),
            format!("{k} rollout restart statefulset/runner"),
        ]
    );
    let create = host
        .calls()
        .into_iter()
        .find(|c| c.argv().contains(&"generic"))
        .unwrap();
    let StdinSpec::EnvFile(entries) = &create.command.stdin else {
        panic!("the secrets go on stdin")
    };
    assert_eq!(entries.len(), 1, "{entries:?}");

    let docs = written_manifest(&host, "runner.yaml");
    assert_eq!(docs[0]["kind"], "StatefulSet");
    assert_eq!(docs[1]["kind"], "Service");
    let set = &docs[0]["spec"];
    let agent = &set["template"]["spec"]["containers"][0];
    assert_eq!(agent["image"], "reg.example/team/runner:1");
    assert_eq!(agent["volumeMounts"][0]["mountPath"], "/workspace");
    assert_eq!(agent["envFrom"][0]["secretRef"]["name"], "runner-env");
    assert_eq!(agent["env"][0], json!({"name": "PORT", "value": "8080"}));
    let claim = &set["volumeClaimTemplates"][0]["spec"];
    assert_eq!(claim["resources"]["requests"]["storage"], "20Gi");
    assert_eq!(claim["storageClassName"], "fast");
    assert_eq!(docs[1]["spec"]["clusterIP"], "None");
}

#[test]
fn exec_upload_and_read_file_go_to_the_pod_by_its_name() {
    let host = host(json!({})).otherwise(Reply::ok("out"));
    host.call("exec", |ctx| {
        Kubernetes::exec(ctx, "echo hi".into(), Stdin::None)
    })
    .unwrap();
    host.call("read-file", |ctx| {
        Kubernetes::read_file(ctx, "/etc/x y".into())
    })
    .unwrap();
    assert_eq!(
        argvs(&host),
        [
            "kubectl --namespace agents exec -i runner-0 -c agent -- bash -lc echo hi",
            "kubectl --namespace agents exec runner-0 -c agent -- cat /etc/x y",
        ]
    );
}

#[test]
fn down_waits_for_the_pod_to_go_and_destroy_keeps_the_claim_until_the_purge() {
    let host = host(json!({})).otherwise(Reply::ok(""));
    host.call("down", Kubernetes::down).unwrap();
    host.call("destroy", Kubernetes::destroy).unwrap();
    let k = "kubectl --namespace agents";
    assert_eq!(
        argvs(&host),
        [
            format!("{k} scale statefulset/runner --replicas=0"),
            format!("{k} wait --for=delete pod/runner-0 --timeout=120s"),
            format!(
                "{k} delete statefulset/runner service/runner secret/runner-env --ignore-not-found"
            ),
        ]
    );
    host.call("volume", |ctx| {
        Kubernetes::volume(ctx, VolumeAction::Remove)
    })
    .unwrap();
    assert_eq!(
        argvs(&host).last().unwrap(),
        &format!("{k} delete pvc workspace-runner-0 --ignore-not-found")
    );
}

#[test]
fn values_kubernetes_or_a_flag_parser_would_refuse_are_refused_before_anything_runs() {
    for extra in [
        json!({"name": "Runner"}),
        json!({"name": "-runner"}),
        json!({"name": "a".repeat(41)}),
        json!({"namespace": "a_b"}),
        json!({"image": "img $(id)"}),
        json!({"image": "--privileged"}),
        json!({"storage": "20GB"}),
        json!({"context": "--kubeconfig=/tmp/evil"}),
        json!({"storage_class": "Fast Disk"}),
    ] {
        let host = host(extra.clone()).otherwise(Reply::ok(""));
        let err = host.call("deploy", Kubernetes::deploy).unwrap_err();
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
fn a_pod_reads_as_running_restarting_waiting_or_exited() {
    let running = json!({
        "spec": {"nodeName": "node-a"},
        "status": {"phase": "Running", "containerStatuses": [{
            "name": "agent", "restartCount": 2, "imageID": "sha256:abc",
            "state": {"running": {"startedAt": "2026-12-07T10:00:00Z"}}}]}
    });
    let seen = pod::observation(&running).unwrap();
    assert_eq!(seen.state, ContainerState::Running);
    assert_eq!(seen.restart_count, Some(2));
    assert_eq!(seen.started_at.as_deref(), Some("2026-12-07T10:00:00Z"));
    assert!(seen.detail.contains("on node-a"), "{}", seen.detail);

    let looping = json!({"spec": {}, "status": {"containerStatuses": [{
        "name": "agent", "restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
    assert_eq!(
        pod::observation(&looping).unwrap().state,
        ContainerState::Restarting
    );

    let pulling = json!({"spec": {}, "status": {"containerStatuses": [{
        "name": "agent", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}});
    assert_eq!(
        pod::observation(&pulling).unwrap().state,
        ContainerState::Other("imagepullbackoff".into())
    );

    let done = json!({"spec": {}, "status": {"containerStatuses": [{
        "name": "agent", "state": {"terminated": {"exitCode": 3, "reason": "Error"}}}]}});
    assert_eq!(
        pod::observation(&done).unwrap().state,
        ContainerState::Exited(3)
    );
}

#[test]
fn without_a_pod_the_stateful_set_says_down_or_missing() {
    let not_found = Reply::fail(
        1,
        "Error from server (NotFound): pods \"runner-0\" not found",
    );
    let scaled_down = host(json!({}))
        .reply(
            &["kubectl", "--namespace", "agents", "get", "pod"],
            not_found.clone(),
        )
        .reply(
            &["kubectl", "--namespace", "agents", "get", "statefulset"],
            Reply::ok(r#"{"spec": {"replicas": 0}}"#),
        );
    let seen = scaled_down.call("observe", Kubernetes::observe).unwrap();
    assert_eq!(seen.state, ContainerState::Exited(0));

    let gone = host(json!({}))
        .reply(
            &["kubectl", "--namespace", "agents", "get", "pod"],
            not_found,
        )
        .reply(
            &["kubectl", "--namespace", "agents", "get", "statefulset"],
            Reply::fail(
                1,
                "Error from server (NotFound): statefulsets.apps \"runner\" not found",
            ),
        );
    assert_eq!(
        gone.call("observe", Kubernetes::observe).unwrap().state,
        ContainerState::Missing
    );
}

#[test]
fn the_declared_schema_is_the_one_the_host_reads() {
    let schema: serde_json::Value =
        serde_json::from_str(&<Kubernetes as ProviderImpl>::config_schema().unwrap()).unwrap();
    assert_eq!(schema["required"], json!(["image"]));
    assert_eq!(schema["properties"]["namespace"]["default"], "default");
}

#[test]
fn a_chains_runner_has_objects_and_a_manifest_of_its_own() {
    let host = host(json!({"runner_per_chain": true}))
        .runner(Some("ship-it-1a2b3c4d"))
        .otherwise(Reply::ok(""));
    assert!(
        host.call("chain-runners", Kubernetes::chain_runners)
            .unwrap()
    );
    host.call("deploy", Kubernetes::deploy).unwrap();
    host.call("exec", |ctx| {
        Kubernetes::exec(ctx, "pwd".into(), Stdin::None)
    })
    .unwrap();
    host.call("destroy", Kubernetes::destroy).unwrap();
    host.call("volume", |ctx| {
        Kubernetes::volume(ctx, VolumeAction::Remove)
    })
    .unwrap();
    let (k, own) = ("kubectl --namespace agents", "runner-ship-it-1a2b3c4d");
    assert_eq!(
        argvs(&host),
        [
            format!("{k} delete secret {own}-env --ignore-not-found"),
            format!("{k} create secret generic {own}-env --from-env-file=/dev/stdin"),
            format!("{k} apply -f {DEPLOY_DIR}/runner-ship-it-1a2b3c4d.yaml"),
            format!("{k} rollout restart statefulset/{own}"),
            format!("{k} exec -i {own}-0 -c agent -- bash -lc pwd"),
            format!(
                "{k} delete statefulset/{own} service/{own} secret/{own}-env --ignore-not-found"
            ),
            format!("{k} delete pvc workspace-{own}-0 --ignore-not-found"),
        ]
    );
    let docs = written_manifest(&host, "runner-ship-it-1a2b3c4d.yaml");
    assert_eq!(docs[0]["metadata"]["name"], own);
    assert_eq!(docs[1]["metadata"]["name"], own);
    let agent = &docs[0]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        agent["envFrom"][0]["secretRef"]["name"],
        format!("{own}-env")
    );
}

#[test]
fn a_selected_runner_is_ignored_unless_chains_get_their_own_and_must_be_a_hosts_name() {
    let shared = host(json!({})).runner(Some("ship-it-1a2b3c4d"));
    assert!(
        !shared
            .call("chain-runners", Kubernetes::chain_runners)
            .unwrap()
    );
    let shared = shared.otherwise(Reply::ok(""));
    shared
        .call("exec", |ctx| {
            Kubernetes::exec(ctx, "pwd".into(), Stdin::None)
        })
        .unwrap();
    assert!(
        argvs(&shared)[0].contains(" runner-0 "),
        "{:?}",
        argvs(&shared)
    );

    let forged = host(json!({"runner_per_chain": true}))
        .runner(Some("x --all"))
        .otherwise(Reply::ok(""));
    let err = forged
        .call("exec", |ctx| {
            Kubernetes::exec(ctx, "pwd".into(), Stdin::None)
        })
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgs, "{}", err.message);
    assert!(forged.calls().is_empty());

    // `<name>-<runner>` must still fit a StatefulSet's name.
    let long =
        host(json!({"runner_per_chain": true, "name": "a".repeat(16)})).otherwise(Reply::ok(""));
    let err = long.call("deploy", Kubernetes::deploy).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidConfig, "{}", err.message);
    assert!(
        err.message.contains("at most 15") || err.message.contains("1 to 15"),
        "{}",
        err.message
    );
}
