//! The supervisor's decision: a pure function of what one tick observed. It can only
//! ever choose nothing or one of the two safe mutations (restart a dead runner's tmux
//! session, or start the next milestone with one `chain start --one` tick after a
//! merged PR), and both are the same restart command. Every refusal has the
//! reference's text and a stable one-word code.

/// What the decision looks at.
#[derive(Clone, Debug, PartialEq)]
pub struct Situation {
    pub effective_status: String,
    /// `Some(reason)` when the marker and cloud.yaml disagree about the runner.
    pub consistency_mismatch: Option<String>,
    /// `alive`, `connected`, `dead`, `unavailable`, `unknown`.
    pub runner_status: String,
    /// Whether the provider can run remote commands at all.
    pub remote_exec: bool,
    pub pr_number: Option<i64>,
    /// The PR probe's answer, lower-cased (`merged`, `open`, `unknown`, …).
    pub pr_state: String,
    pub human: Human,
    /// Whether the restart budget allows one more restart.
    pub budget_left: bool,
}

/// The verify-human facts as the decision needs them.
#[derive(Clone, Debug, PartialEq)]
pub enum Human {
    Unavailable(String),
    Available {
        pending: i64,
        verified: i64,
        all_verified: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// The runner's session is dead: start it again with one `--one` tick.
    Restart,
    /// The PR merged: one `--one` tick moves the chain to the next milestone.
    Advance,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub event: &'static str,
    pub next_action: &'static str,
    pub refused_reason: Option<String>,
    pub refused_code: Option<&'static str>,
    pub mutation: Option<Mutation>,
    /// The reason text used if the mutation fails.
    pub failure_prefix: Option<&'static str>,
}

fn tick(next_action: &'static str, code: &'static str) -> Decision {
    Decision {
        event: "supervisor_tick",
        next_action,
        refused_reason: None,
        refused_code: Some(code),
        mutation: None,
        failure_prefix: None,
    }
}

fn blocked(code: &'static str, reason: String) -> Decision {
    Decision {
        event: "supervisor_blocked",
        next_action: "blocked",
        refused_reason: Some(reason),
        refused_code: Some(code),
        mutation: None,
        failure_prefix: None,
    }
}

fn act(mutation: Mutation, budget_left: bool, failure_prefix: &'static str) -> Decision {
    if mutation == Mutation::Restart && !budget_left {
        return blocked(
            "restart_budget_exhausted",
            "restart budget exhausted: the runner was restarted too often recently; a human operator must look at why it keeps dying".into(),
        );
    }
    let (event, next_action) = match mutation {
        Mutation::Restart => ("supervisor_restarted", "restart"),
        Mutation::Advance => ("supervisor_advanced", "advance"),
    };
    Decision {
        event,
        next_action,
        refused_reason: None,
        refused_code: None,
        mutation: Some(mutation),
        failure_prefix: Some(failure_prefix),
    }
}

fn runner_gone(status: &str) -> bool {
    matches!(status, "dead" | "unavailable")
}

pub fn decide(s: &Situation) -> Decision {
    if let Some(reason) = &s.consistency_mismatch {
        return blocked(
            "provider_mismatch",
            format!("provider consistency mismatch: {reason}"),
        );
    }
    match s.effective_status.as_str() {
        "running" => tick("noop", "running"),
        "complete" => tick("done", "complete"),
        "human_prerequisite" => blocked(
            "human_prerequisite",
            "human prerequisite policy is 'required' and unmet; a human operator must resolve it via `megaplan user-action resolve` or `megaplan chain override`".into(),
        ),
        "quality_gate" => blocked(
            "quality_gate",
            "validation policy is 'required' and quality gate is failing; a human operator must resolve the blocker or accept with debt".into(),
        ),
        "awaiting_pr_merge" => awaiting_pr_merge(s),
        "stale_bookkeeping" => stale_bookkeeping(s),
        "awaiting_human_verify" => awaiting_human_verify(s),
        other => {
            let mut decision = tick("noop", "unknown_status");
            decision.refused_reason = Some(format!("unknown effective_status: {other}"));
            decision
        }
    }
}

fn awaiting_pr_merge(s: &Situation) -> Decision {
    if s.pr_number.is_some() && s.pr_state.eq_ignore_ascii_case("merged") {
        return act(
            Mutation::Advance,
            s.budget_left,
            "PR merged but restart failed",
        );
    }
    let number = s
        .pr_number
        .map(|n| n.to_string())
        .unwrap_or_else(|| "None".into());
    blocked(
        "pr_unmerged",
        format!(
            "awaiting PR merge (PR #{number} state={}); supervisor will not advance until PR is merged",
            s.pr_state
        ),
    )
}

fn stale_bookkeeping(s: &Situation) -> Decision {
    if !s.remote_exec {
        return blocked(
            "no_remote_exec",
            "stale bookkeeping but provider lacks ssh_exec; cannot restart runner".into(),
        );
    }
    if runner_gone(&s.runner_status) {
        return act(
            Mutation::Restart,
            s.budget_left,
            "stale bookkeeping restart failed",
        );
    }
    blocked(
        "live_runner",
        format!(
            "stale bookkeeping but runner status is '{}'; supervisor will not force-restart a live runner",
            s.runner_status
        ),
    )
}

fn awaiting_human_verify(s: &Situation) -> Decision {
    match &s.human {
        Human::Unavailable(reason) => blocked(
            "human_verification_unavailable",
            format!("awaiting human verification but verification facts are unavailable: {reason}"),
        ),
        Human::Available {
            pending,
            verified,
            all_verified: false,
        } => blocked(
            "human_verification_pending",
            format!(
                "awaiting human verification: {pending} pending, {verified} verified of deferred-must criteria; latest-verdict semantics require a 'pass' verdict on every criterion before the chain can wake"
            ),
        ),
        Human::Available { .. } if runner_gone(&s.runner_status) && s.remote_exec => act(
            Mutation::Restart,
            s.budget_left,
            "all human-verification criteria satisfied but wake restart failed",
        ),
        Human::Available { .. } => tick("noop", "live_runner"),
    }
}

#[cfg(test)]
mod tests;
