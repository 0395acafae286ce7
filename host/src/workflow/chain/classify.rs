//! `effective_status`: what a chain is doing, from what `status --chain` observed, in
//! the reference's order. The plan's status is read from core's `state` key, falling
//! back to `status` for older cores (docs/compatibility.md).

use serde_json::Value;

pub struct Facts<'a> {
    pub state: &'a Value,
    pub milestone_count: usize,
    pub policy: &'a Value,
    pub plan_status: &'a Value,
    pub runner: &'a Value,
    pub human_verification: &'a Value,
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// The plan's own status word: core's `state`, else `status`.
pub fn plan_state(plan_status: &Value) -> Option<&str> {
    text(plan_status, "state").or_else(|| text(plan_status, "status"))
}

pub fn runner_alive(runner: &Value) -> bool {
    matches!(text(runner, "status"), Some("alive" | "connected"))
}

fn verified(human: &Value) -> bool {
    text(human, "status") == Some("available")
        && text(human, "semantics") == Some("latest_verdict")
        && human.get("all_deferred_must_verified") == Some(&Value::Bool(true))
}

pub fn effective_status(facts: &Facts<'_>) -> &'static str {
    let index = facts
        .state
        .get("current_milestone_index")
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    if facts.milestone_count > 0 && index >= facts.milestone_count as i64 {
        return "complete";
    }
    if text(facts.state, "last_state") == Some("awaiting_pr_merge") {
        return "awaiting_pr_merge";
    }
    let plan = plan_state(facts.plan_status);
    let alive = runner_alive(facts.runner);
    if plan == Some("awaiting_human_verify") {
        if !verified(facts.human_verification) {
            return "awaiting_human_verify";
        }
        return if alive {
            "running"
        } else {
            "stale_bookkeeping"
        };
    }
    let plan_running = matches!(plan, Some("running" | "active" | "in_progress"));
    if plan_running && (alive || text(facts.runner, "status") == Some("unknown")) {
        return "running";
    }
    let has_plan = text(facts.state, "current_plan_name").is_some();
    if has_plan && !plan_running {
        if matches!(text(facts.state, "sync_state"), Some("stale" | "dirty")) {
            return "stale_bookkeeping";
        }
        if text(facts.policy, "prerequisite_policy") == Some("required") {
            return "human_prerequisite";
        }
        if text(facts.policy, "validation_policy") == Some("required") {
            return "quality_gate";
        }
        // The reference calls this `running`: a current plan nobody is driving. The
        // chain cannot move until its session is back (docs/compatibility.md).
        if !alive && text(facts.runner, "status") != Some("unknown") {
            return "stale_bookkeeping";
        }
    }
    if !has_plan && !alive {
        return "stale_bookkeeping";
    }
    "running"
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn classify(state: Value, plan: Value, runner: &str, policy: Value) -> &'static str {
        let runner = json!({"status": runner});
        let human = json!({"status": "unavailable"});
        effective_status(&Facts {
            state: &state,
            milestone_count: 2,
            policy: &policy,
            plan_status: &plan,
            runner: &runner,
            human_verification: &human,
        })
    }

    #[test]
    fn the_reference_order() {
        let none = json!({});
        let plan = |word: &str| json!({"current_plan_name": "p", "current_milestone_index": 0, "sync_state": word});
        assert_eq!(
            classify(
                json!({"current_milestone_index": 2}),
                none.clone(),
                "dead",
                none.clone()
            ),
            "complete"
        );
        assert_eq!(
            classify(
                json!({"last_state": "awaiting_pr_merge"}),
                none.clone(),
                "alive",
                none.clone()
            ),
            "awaiting_pr_merge"
        );
        assert_eq!(
            classify(
                plan("clean"),
                json!({"status": "awaiting_human_verify"}),
                "alive",
                none.clone()
            ),
            "awaiting_human_verify"
        );
        // Core reports `state`; the reference read only `status` and missed it.
        assert_eq!(
            classify(
                plan("clean"),
                json!({"state": "running"}),
                "alive",
                none.clone()
            ),
            "running"
        );
        assert_eq!(
            classify(
                plan("clean"),
                json!({"status": "running"}),
                "unknown",
                none.clone()
            ),
            "running"
        );
        assert_eq!(
            classify(
                plan("stale"),
                json!({"state": "done"}),
                "alive",
                none.clone()
            ),
            "stale_bookkeeping"
        );
        let required = |key: &str| json!({key: "required"});
        assert_eq!(
            classify(
                plan("clean"),
                json!({}),
                "alive",
                required("prerequisite_policy")
            ),
            "human_prerequisite"
        );
        assert_eq!(
            classify(
                plan("clean"),
                json!({}),
                "alive",
                required("validation_policy")
            ),
            "quality_gate"
        );
        assert_eq!(
            classify(
                json!({"current_milestone_index": 0}),
                none.clone(),
                "dead",
                none.clone()
            ),
            "stale_bookkeeping"
        );
        assert_eq!(
            classify(
                json!({"current_milestone_index": 0}),
                none.clone(),
                "alive",
                none
            ),
            "running"
        );
    }
}
