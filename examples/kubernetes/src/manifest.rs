//! The runner's objects, written into the deploy directory as `runner.yaml` and applied
//! with `kubectl apply`: a StatefulSet of one replica with a claim for its workspace,
//! and the headless Service a StatefulSet needs. Each object is a JSON document (JSON
//! is YAML), `---` between them. The Secret is made from the host's env file instead,
//! so no value ever passes through this provider.

use megaplan_cloud_sdk::prelude::*;
use serde_json::{Value, json};

use crate::config::Config;

/// Where the workspace claim is mounted: the parent of `repo.workspace`, as the other
/// providers mount their workspace.
pub fn workspace_mount(ctx: &Context) -> String {
    posix_parent(ctx.workspace.trim_end_matches('/'))
}

fn labels(config: &Config) -> Value {
    json!({
        "app.kubernetes.io/name": "megaplan-runner",
        "app.kubernetes.io/instance": config.name,
        "app.kubernetes.io/managed-by": "megaplan-cloud",
    })
}

fn metadata(config: &Config) -> Value {
    json!({"name": config.name, "namespace": config.namespace, "labels": labels(config)})
}

fn container(ctx: &Context, config: &Config) -> Value {
    json!({
        "name": "agent",
        "image": config.image,
        "env": [{"name": "PORT", "value": ctx.port.to_string()}],
        // Optional: a pod that starts while a deploy replaces the Secret starts without
        // it, and the deploy's rollout restart follows.
        "envFrom": [{"secretRef": {"name": config.secret(), "optional": true}}],
        "ports": [{"name": "health", "containerPort": ctx.port}],
        "readinessProbe": {
            "httpGet": {"path": "/", "port": "health"},
            "periodSeconds": 10,
        },
        "volumeMounts": [{"name": "workspace", "mountPath": workspace_mount(ctx)}],
    })
}

fn claim_template(config: &Config) -> Value {
    let mut spec = json!({
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": config.storage}},
    });
    if let Some(class) = &config.storage_class {
        spec["storageClassName"] = json!(class);
    }
    json!({"metadata": {"name": "workspace"}, "spec": spec})
}

pub fn stateful_set(ctx: &Context, config: &Config) -> Value {
    let selector = json!({"app.kubernetes.io/instance": config.name});
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(config),
        "spec": {
            "serviceName": config.name,
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": labels(config)},
                "spec": {
                    "containers": [container(ctx, config)],
                    "terminationGracePeriodSeconds": 10,
                },
            },
            "volumeClaimTemplates": [claim_template(config)],
            // Said outright: the claim stays when the StatefulSet goes or shrinks.
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            },
        },
    })
}

pub fn service(ctx: &Context, config: &Config) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(config),
        "spec": {
            "clusterIP": "None",
            "selector": {"app.kubernetes.io/instance": config.name},
            "ports": [{"name": "health", "port": ctx.port}],
        },
    })
}

/// `runner.yaml`: the StatefulSet, then its Service.
pub fn render(ctx: &Context, config: &Config) -> String {
    [stateful_set(ctx, config), service(ctx, config)]
        .iter()
        .map(|doc| serde_json::to_string_pretty(doc).expect("JSON values serialise"))
        .collect::<Vec<_>>()
        .join("\n---\n")
        + "\n"
}
