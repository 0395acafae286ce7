//! Whole ticks in a real `sh` against the recording stand-ins: counts of calls,
//! idempotency, and faults between observation and action.

use super::*;
use crate::capability::Output;
use crate::error::CloudError;
use crate::workflow::chain::state_path;
use crate::workflow::chain::testbed::Testbed;

struct Chain {
    bed: Testbed,
    ws: String,
    spec: String,
}

fn chain(state: Value) -> Chain {
    let bed = Testbed::new(&["megaplan", "gh"]);
    let ws = bed.path("ws").display().to_string();
    let spec = format!("{ws}/chain.yaml");
    let path = state_path(&spec);
    std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
    std::fs::write(&path, state.to_string()).unwrap();
    std::fs::write(
        &spec,
        "milestones:\n- {label: m1, idea: a.md}\n- {label: m2, idea: b.md}\n",
    )
    .unwrap();
    Chain { bed, ws, spec }
}

fn run(runner: &mut dyn Runner, c: (&str, &str)) -> Outcome {
    let (ws, spec) = c;
    let t = Tick {
        probe: Probe {
            remote_spec: spec,
            workspace: ws,
            session: "megaplan-chain",
            chain_log: ".megaplan/cloud-chain.log",
        },
        local: status::Local {
            remote_spec: spec,
            workspace: ws,
            config_session: None,
            config_extra_repos: vec![],
            provider: "local",
            identity: "p",
            marker: None,
        },
        remote_exec: true,
        budget_left: true,
        holder: "host=test pid=1",
        lock_ttl_secs: 600,
    };
    tick(runner, &t).unwrap().unwrap()
}

impl Chain {
    fn tick(&mut self) -> Outcome {
        let (ws, spec) = (self.ws.clone(), self.spec.clone());
        run(&mut self.bed, (&ws, &spec))
    }
}

fn current_plan() -> Value {
    json!({"current_milestone_index": 0, "current_plan_name": "plan-m1", "last_state": "initialized"})
}

#[test]
fn a_dead_runner_is_restarted_once_in_two_calls_and_the_next_tick_is_a_noop() {
    let mut c = chain(current_plan());
    let first = c.tick();
    assert_eq!(c.bed.calls, 2, "observe, act");
    let r = &first.report;
    assert_eq!(
        (r["event"].as_str(), r["acted"].as_bool()),
        (Some("supervisor_restarted"), Some(true)),
        "{r}"
    );
    assert!(first.restarted && first.success());
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "success",
            "event",
            "spec",
            "effective_status",
            "next_action",
            "acted",
            "refused_reason",
            "runner",
            "sync",
            "pr",
            "logs",
            "sync_refresh",
            "provider_consistency",
            "extra_repo_sync",
            "human_verification",
            "refused_code"
        ]
    );
    assert_eq!(
        stderr_line(r),
        "supervisor tick: supervisor_restarted | acted=True | next_action=restart"
    );
    let second = c.tick();
    assert_eq!(c.bed.calls, 3, "a tick that does nothing costs one call");
    assert_eq!(
        second.report["event"], "supervisor_tick",
        "{}",
        second.report
    );
    assert_eq!(second.report["acted"], false);
    assert_eq!(second.report["refused_code"], "running");
}

#[test]
fn a_merged_pr_advances_once() {
    let mut state = current_plan();
    state["last_state"] = json!("awaiting_pr_merge");
    state["pr_number"] = json!(12);
    let mut c = chain(state);
    std::fs::write(c.bed.path("session"), "").unwrap();
    // The stand-in gh prints nothing: the PR state is unknown and nothing moves.
    let blocked = c.tick();
    assert_eq!(
        blocked.report["refused_code"], "pr_unmerged",
        "{}",
        blocked.report
    );
    assert_eq!(
        blocked.report["refused_reason"],
        "awaiting PR merge (PR #12 state=unknown); supervisor will not advance until PR is merged"
    );
    let gh = c.bed.path("bin/gh");
    std::fs::write(
        &gh,
        format!("{}echo MERGED\n", std::fs::read_to_string(&gh).unwrap()),
    )
    .unwrap();
    let advanced = c.tick();
    assert_eq!(
        advanced.report["event"], "supervisor_advanced",
        "{}",
        advanced.report
    );
    assert_eq!(advanced.report["acted"], true);
    let pr_call = c
        .bed
        .recorded()
        .into_iter()
        .find(|call| call[0] == "gh")
        .unwrap();
    assert_eq!(
        pr_call,
        [
            "gh", "pr", "view", "12", "--json", "state", "--jq", ".state"
        ]
    );
}

/// Delegates to the bed, but does something else on one call.
struct Faulty<'b> {
    bed: &'b mut Testbed,
    calls: usize,
    at: usize,
    fault: &'b dyn Fn(&mut Testbed) -> CloudResult<Option<Output>>,
}

impl Runner for Faulty<'_> {
    fn run(&mut self, line: &str) -> CloudResult<Output> {
        self.calls += 1;
        if self.calls == self.at
            && let Some(answer) = (self.fault)(self.bed)?
        {
            return Ok(answer);
        }
        self.bed.run(line)
    }
    fn run_with_input(&mut self, line: &str, input: Vec<u8>) -> CloudResult<Output> {
        self.bed.run_with_input(line, input)
    }
    fn upload(&mut self, path: &str, content: &[u8]) -> CloudResult<()> {
        self.bed.upload(path, content)
    }
    fn relay(&mut self, _: &Output) {}
    fn redact(&self, text: &str) -> String {
        text.to_string()
    }
    fn dry_run(&self) -> bool {
        false
    }
    fn note(&mut self, _: &str) {}
}

fn faulty(
    at: usize,
    fault: &dyn Fn(&mut Testbed) -> CloudResult<Option<Output>>,
) -> (Outcome, Chain) {
    let mut c = chain(current_plan());
    let (ws, spec) = (c.ws.clone(), c.spec.clone());
    let mut runner = Faulty {
        bed: &mut c.bed,
        calls: 0,
        at,
        fault,
    };
    let outcome = run(&mut runner, (&ws, &spec));
    (outcome, c)
}

fn restarts(bed: &Testbed) -> usize {
    bed.recorded()
        .iter()
        .filter(|call| call[1] == "new-session")
        .count()
}

#[test]
fn faults_are_errors_or_refusals_and_never_a_mutation() {
    let silent = |_: &mut Testbed| {
        Ok(Some(Output {
            status: 0,
            stdout: vec![],
            stderr: vec![],
            truncated: false,
        }))
    };
    let (outcome, c) = faulty(1, &silent);
    assert_eq!(outcome.report["event"], "supervisor_error");
    assert_eq!(outcome.report["success"], false);
    assert!(
        outcome.report["refused_reason"]
            .as_str()
            .unwrap()
            .starts_with("chain status read failed: ")
    );
    assert_eq!(restarts(&c.bed), 0);

    // The runner came back between observation and action: compare-and-set refuses.
    let revived = |bed: &mut Testbed| {
        std::fs::write(bed.path("session"), "").unwrap();
        Ok(None)
    };
    let (outcome, c) = faulty(2, &revived);
    assert_eq!(
        outcome.report["refused_code"], "state_changed",
        "{}",
        outcome.report
    );
    assert_eq!(outcome.report["acted"], false);
    assert_eq!(restarts(&c.bed), 0);

    let timed_out =
        |_: &mut Testbed| Err(CloudError::new("provider_failed", "timed out after 120 s"));
    let (outcome, c) = faulty(2, &timed_out);
    assert_eq!(
        outcome.report["event"], "supervisor_error",
        "{}",
        outcome.report
    );
    assert_eq!(
        outcome.report["refused_reason"],
        "stale bookkeeping restart failed: timed out after 120 s"
    );
    assert_eq!(restarts(&c.bed), 0);

    let (outcome, _) = faulty(2, &silent);
    assert_eq!(
        outcome.report["event"], "supervisor_error",
        "{}",
        outcome.report
    );
    assert!(!outcome.restarted);
}
