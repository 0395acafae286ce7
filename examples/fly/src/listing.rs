//! What flyctl's `--json` listings say: whether an app exists, which volumes have a
//! name, what state the runner's Machine is in. Read leniently (any key casing, extra
//! fields ignored): flyctl's documentation names the flags, not the shape of the JSON.

use megaplan_cloud_sdk::prelude::*;
use serde_json::Value;

fn field<'a>(item: &'a Value, key: &str) -> Option<&'a Value> {
    item.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn text<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    field(item, key)?.as_str()
}

/// The items of a JSON array (or of the first array-valued field of an object).
fn items(json: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Object(map)) => map
            .into_iter()
            .find_map(|(_, v)| match v {
                Value::Array(items) => Some(items),
                _ => None,
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// `fly apps list --json` lists `app`.
pub fn app_listed(json: &str, app: &str) -> bool {
    items(json)
        .iter()
        .any(|item| text(item, "name") == Some(app))
}

/// The ids of the volumes called `name` in `fly volumes list --json`.
pub fn volume_ids(json: &str, name: &str) -> Vec<String> {
    items(json)
        .iter()
        .filter(|item| text(item, "name") == Some(name))
        .filter(|item| !matches!(text(item, "state"), Some("destroyed" | "pending_destroy")))
        .filter_map(|item| text(item, "id").map(str::to_string))
        .collect()
}

/// The runner's Machine in `fly machine list --json` (the first one: the provider
/// deploys with `--ha=false`, so there is one), as an observation.
pub fn observation(json: &str, app: &str) -> Observation {
    let machines = items(json);
    let Some(machine) = machines.first() else {
        return Observation {
            state: ContainerState::Missing,
            image_id: None,
            started_at: None,
            restart_count: None,
            disk: None,
            detail: format!("no Machine in app {app}"),
        };
    };
    let word = text(machine, "state").unwrap_or("unknown");
    let state = match word {
        "started" => ContainerState::Running,
        "stopped" | "suspended" => ContainerState::Exited(0),
        "failed" => ContainerState::Exited(1),
        "destroyed" | "destroying" => ContainerState::Missing,
        "replacing" | "starting" | "created" => ContainerState::Restarting,
        other => ContainerState::Other(other.to_string()),
    };
    let image = field(machine, "image_ref")
        .and_then(|image| text(image, "digest").or_else(|| text(image, "tag")))
        .map(str::to_string);
    Observation {
        state,
        image_id: image,
        started_at: text(machine, "updated_at").map(str::to_string),
        restart_count: None,
        disk: None,
        detail: format!(
            "Machine {} in {}: {word}",
            text(machine, "id").unwrap_or("?"),
            text(machine, "region").unwrap_or("?")
        ),
    }
}
