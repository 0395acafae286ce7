//! The chain summary: where the chain stands per milestone, as an object for the
//! payload and as the block of lines `status --chain` prints on stderr.

use serde_json::{Value, json};

use crate::config::chain_spec::ChainSpec;

pub fn summary(spec: &ChainSpec, state: &Value) -> Value {
    let index = state["current_milestone_index"].as_i64().unwrap_or(-1);
    let has_plan = state["current_plan_name"].is_string();
    let done: Vec<&str> = state["completed"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    let entry = |i: usize| json!({"label": spec.milestones[i].label, "index": i});
    let all = 0..spec.milestones.len();
    let is_done = |i: &usize| done.contains(&spec.milestones[*i].label.as_str());
    let current = usize::try_from(index)
        .ok()
        .filter(|i| *i < spec.milestones.len())
        .map(|i| {
            let mut current = entry(i);
            if let Some(branch) = &spec.milestones[i].branch {
                current["branch"] = json!(branch);
            }
            current
        });
    let per_milestone: Vec<Value> = all
        .clone()
        .map(|i| {
            let status = if is_done(&i) {
                "completed"
            } else if i as i64 == index && has_plan {
                "in_progress"
            } else {
                "pending"
            };
            json!({"label": spec.milestones[i].label, "index": i, "status": status})
        })
        .collect();
    let mut out = json!({
        "current_milestone": current,
        "completed": all.clone().filter(is_done).map(entry).collect::<Vec<_>>(),
        "remaining": all.filter(|i| !is_done(i)).map(entry).collect::<Vec<_>>(),
        "per_milestone": per_milestone,
        "seed_plan": spec.seed_plan,
        "base_branch": spec.base_branch,
        "current_plan_name": state["current_plan_name"],
        "last_state": state["last_state"],
        "sync": {
            "branch_head": state["branch_head"],
            "pr_head": state["pr_head"],
            "last_pushed_commit": state["last_pushed_commit"],
            "dirty_flag": state["dirty_flag"],
            "sync_state": state["sync_state"],
        },
        "policy": {
            "prerequisite_policy": spec.prerequisite_policy,
            "validation_policy": spec.validation_policy,
            "review_policy": {"clean_milestone_pr": spec.clean_milestone_pr},
        },
    });
    if !state["pr_number"].is_null() {
        out["pr_number"] = state["pr_number"].clone();
        out["pr_state"] = state["pr_state"].clone();
    }
    out
}

/// A JSON scalar as Python's `str()` would print it inside the block.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        _ => true,
    }
}

fn labels(items: &Value) -> String {
    let names: Vec<&str> = items
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

pub fn text(summary: &Value) -> String {
    let mut lines = Vec::new();
    match &summary["current_milestone"] {
        Value::Null => lines.push("Current milestone: none".to_string()),
        current => lines.push(format!(
            "Current milestone: {} (index {})",
            shown(&current["label"]),
            current["index"]
        )),
    }
    lines.push(format!("Completed: {}", labels(&summary["completed"])));
    lines.push(format!("Remaining: {}", labels(&summary["remaining"])));
    if truthy(&summary["seed_plan"]) {
        lines.push(format!("Seed plan: {}", shown(&summary["seed_plan"])));
    }
    let base = &summary["base_branch"];
    lines.push(format!(
        "Base branch: {}",
        if truthy(base) {
            shown(base)
        } else {
            "main".into()
        }
    ));
    for (key, label) in [
        ("current_plan_name", "Current plan"),
        ("last_state", "Last state"),
    ] {
        if truthy(&summary[key]) {
            lines.push(format!("{label}: {}", shown(&summary[key])));
        }
    }
    if truthy(&summary["pr_number"]) {
        let state = &summary["pr_state"];
        let state = if truthy(state) {
            shown(state)
        } else {
            "unknown".into()
        };
        lines.push(format!(
            "Current PR: #{} ({state})",
            shown(&summary["pr_number"])
        ));
    }
    sync_lines(&summary["sync"], &mut lines);
    let policy = &summary["policy"];
    lines.push("Policy:".into());
    lines.push(format!(
        "  Prerequisite: {}",
        shown(&policy["prerequisite_policy"])
    ));
    lines.push(format!(
        "  Validation: {}",
        shown(&policy["validation_policy"])
    ));
    lines.push(format!(
        "  Review (clean_milestone_pr): {}",
        shown(&policy["review_policy"]["clean_milestone_pr"])
    ));
    lines.push("Per-milestone:".into());
    for entry in summary["per_milestone"].as_array().into_iter().flatten() {
        lines.push(format!(
            "  - [{}] {} (index {})",
            shown(&entry["status"]),
            shown(&entry["label"]),
            entry["index"]
        ));
    }
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// `Sync:` whenever any value is not null (always: `dirty_flag` is a boolean), then
/// only the truthy ones.
fn sync_lines(sync: &Value, lines: &mut Vec<String>) {
    let any = sync
        .as_object()
        .is_some_and(|map| map.values().any(|v| !v.is_null()));
    if !any {
        return;
    }
    lines.push("Sync:".into());
    for (key, label) in [
        ("branch_head", "Branch head"),
        ("pr_head", "PR head"),
        ("last_pushed_commit", "Last pushed"),
    ] {
        if truthy(&sync[key]) {
            lines.push(format!("  {label}: {}", shown(&sync[key])));
        }
    }
    if truthy(&sync["dirty_flag"]) {
        lines.push("  Dirty: yes".into());
    }
    if truthy(&sync["sync_state"]) {
        lines.push(format!("  Sync state: {}", shown(&sync["sync_state"])));
    }
}
