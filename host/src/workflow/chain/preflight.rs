//! The chain's local preflight: which agents each milestone routes its phases to, and
//! so which commands the runner must have and which keys the agents will look for.
//! Pure: nothing remote, nothing read. The payload's keys and their order are the
//! reference's, because scripts parse it.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::config::chain_spec::{ChainSpec, Milestone};
use crate::config::fields::PHASES;

/// Shown whatever cloud.yaml says: its `agents.default` is only a fallback.
pub const AGENTS_DEFAULT_WARNING: &str = "cloud.yaml agents.default does not override explicit chain profile or phase_model routing; resolved chain phase maps are shown below.";

const VALIDATION_NOTE: &str = "validation_policy='required' — the cloud environment must provide these commands and env vars for validation phases.";

fn commands_of(agent: &str) -> &'static [&'static str] {
    match agent {
        "claude" | "shannon" => &["shannon", "bun", "claude", "tmux"],
        "codex" => &["codex", "tmux"],
        _ => &[],
    }
}

fn env_hints_of(agent: &str) -> &'static [&'static str] {
    match agent {
        "claude" | "shannon" => &["ANTHROPIC_API_KEY"],
        "codex" => &["OPENAI_API_KEY"],
        _ => &[],
    }
}

fn hermes_env_hints(provider: &str) -> &'static [&'static str] {
    match provider {
        "deepseek" => &["DEEPSEEK_API_KEY"],
        "fireworks" => &["FIREWORKS_API_KEY"],
        _ => &[],
    }
}

/// `agent[:model]` → (agent, model).
fn parse_agent_spec(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once(':') {
        Some((agent, model)) => (agent, Some(model)),
        None => (spec, None),
    }
}

/// The agent spec of every phase: the milestone's first `phase=spec` entry for it,
/// else the fallback (cloud.yaml's `agents.default` for all phases, else the built-in
/// routing).
pub fn resolved_phase_map(
    milestone: &Milestone,
    default_agent: Option<&str>,
) -> Map<String, Value> {
    PHASES
        .iter()
        .map(|(phase, builtin)| {
            let explicit = milestone.phase_model.iter().find_map(|entry| {
                let (name, spec) = entry.split_once('=')?;
                (name == *phase).then_some(spec)
            });
            let spec = explicit.or(default_agent).unwrap_or(builtin);
            (phase.to_string(), Value::String(spec.to_string()))
        })
        .collect()
}

/// What one milestone needs; the sets are sorted, as the payload lists them.
#[derive(Default)]
struct Needs {
    agents: BTreeSet<String>,
    commands: BTreeSet<String>,
    env_hints: BTreeSet<String>,
    provider_requirements: Vec<Value>,
}

impl Needs {
    fn add(&mut self, spec: &str) {
        let (agent, model) = parse_agent_spec(spec);
        self.agents.insert(agent.to_string());
        self.commands
            .extend(commands_of(agent).iter().map(|c| c.to_string()));
        self.env_hints
            .extend(env_hints_of(agent).iter().map(|e| e.to_string()));
        if agent == "hermes" {
            let (provider, model) = match model.and_then(|m| m.split_once(':')) {
                Some((provider, model)) => (Some(provider), Some(model)),
                None => (None, model),
            };
            let hints = hermes_env_hints(provider.unwrap_or(""));
            self.env_hints.extend(hints.iter().map(|e| e.to_string()));
            self.provider_requirements.push(json!({
                "agent": "hermes",
                "provider": provider,
                "model": model,
                "env_hints": hints,
            }));
        }
    }

    fn merge(&mut self, other: &Needs) {
        self.agents.extend(other.agents.iter().cloned());
        self.commands.extend(other.commands.iter().cloned());
        self.env_hints.extend(other.env_hints.iter().cloned());
        self.provider_requirements
            .extend(other.provider_requirements.iter().cloned());
    }
}

fn sorted(set: &BTreeSet<String>) -> Value {
    Value::Array(set.iter().cloned().map(Value::String).collect())
}

/// The policy block, as both the preflight and the launch payload show it.
pub fn policy(spec: &ChainSpec) -> Value {
    json!({
        "prerequisite_policy": spec.prerequisite_policy,
        "validation_policy": spec.validation_policy,
        "review_policy": {"clean_milestone_pr": spec.clean_milestone_pr},
    })
}

/// The preflight report: every milestone's resolved routing and needs, their unions,
/// and the policies.
pub fn preflight(spec: &ChainSpec, default_agent: Option<&str>) -> Preflight {
    let mut all = Needs::default();
    let mut milestones = Vec::new();
    for milestone in &spec.milestones {
        let resolved = resolved_phase_map(milestone, default_agent);
        let mut needs = Needs::default();
        for agent_spec in resolved.values().filter_map(Value::as_str) {
            needs.add(agent_spec);
        }
        all.merge(&needs);
        milestones.push(json!({
            "label": milestone.label,
            "profile": milestone.profile,
            "explicit_phase_model": milestone.phase_model,
            "resolved_phase_map": resolved,
            "required_agents": sorted(&needs.agents),
            "runtime_commands": sorted(&needs.commands),
            "env_hints": sorted(&needs.env_hints),
            "provider_requirements": needs.provider_requirements,
        }));
    }
    let mut report = json!({
        "base_branch": spec.base_branch,
        "cloud_default_agent": default_agent,
        "warning": AGENTS_DEFAULT_WARNING,
        "milestones": milestones,
        "required_agents": sorted(&all.agents),
        "runtime_commands": sorted(&all.commands),
        "env_hints": sorted(&all.env_hints),
        "provider_requirements": all.provider_requirements,
        "policy": policy(spec),
    });
    if spec.validation_policy == "required" {
        let mut commands = BTreeSet::new();
        for agent in &all.agents {
            commands.extend(commands_of(agent).iter().map(|c| c.to_string()));
        }
        report["validation_environment"] = json!({
            "required_commands": sorted(&commands),
            "env_hints": sorted(&all.env_hints),
            "note": VALIDATION_NOTE,
        });
    }
    Preflight {
        runtime_commands: all.commands.into_iter().collect(),
        report,
    }
}

/// The preflight's report and the commands the runner is checked for.
pub struct Preflight {
    pub runtime_commands: Vec<String>,
    pub report: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> ChainSpec {
        ChainSpec::parse(text, "chain.yaml").unwrap()
    }

    #[test]
    fn the_default_cloud_yaml_needs_codex_and_tmux() {
        let spec = spec("milestones: [{label: m1, idea: a.md}]\n");
        let result = preflight(&spec, Some("codex"));
        assert_eq!(result.runtime_commands, ["codex", "tmux"]);
        let keys: Vec<&str> = result
            .report
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "base_branch",
                "cloud_default_agent",
                "warning",
                "milestones",
                "required_agents",
                "runtime_commands",
                "env_hints",
                "provider_requirements",
                "policy"
            ]
        );
        assert_eq!(result.report["env_hints"], json!(["OPENAI_API_KEY"]));
        let milestone = &result.report["milestones"][0];
        assert_eq!(milestone["resolved_phase_map"]["feedback"], "codex");
        assert_eq!(milestone["profile"], Value::Null);
    }

    #[test]
    fn explicit_phase_models_win_first_entry_per_phase() {
        let spec = spec(
            "milestones:\n- label: m1\n  idea: a.md\n  phase_model: [plan=claude, plan=codex, execute=hermes:deepseek:v4]\n",
        );
        let result = preflight(&spec, Some("codex"));
        let milestone = &result.report["milestones"][0];
        assert_eq!(milestone["resolved_phase_map"]["plan"], "claude");
        assert_eq!(
            milestone["resolved_phase_map"]["execute"],
            "hermes:deepseek:v4"
        );
        assert_eq!(
            milestone["required_agents"],
            json!(["claude", "codex", "hermes"])
        );
        assert_eq!(
            result.runtime_commands,
            ["bun", "claude", "codex", "shannon", "tmux"]
        );
        assert_eq!(
            milestone["provider_requirements"],
            json!([{"agent": "hermes", "provider": "deepseek", "model": "v4", "env_hints": ["DEEPSEEK_API_KEY"]}])
        );
        assert_eq!(
            result.report["env_hints"],
            json!(["ANTHROPIC_API_KEY", "DEEPSEEK_API_KEY", "OPENAI_API_KEY"])
        );
    }

    #[test]
    fn without_agents_default_the_builtin_routing_applies() {
        let spec = spec("milestones: [{label: m1, idea: a.md}]\n");
        let result = preflight(&spec, None);
        let map = &result.report["milestones"][0]["resolved_phase_map"];
        assert_eq!(map["feedback"], "claude:low");
        assert_eq!(map["critique"], "codex");
        assert_eq!(result.report["cloud_default_agent"], Value::Null);
    }

    #[test]
    fn required_validation_adds_the_environment_block() {
        let spec = spec("validation_policy: required\nmilestones: [{label: m1, idea: a.md}]\n");
        let report = preflight(&spec, Some("codex")).report;
        assert_eq!(
            report["validation_environment"],
            json!({"required_commands": ["codex", "tmux"], "env_hints": ["OPENAI_API_KEY"], "note": VALIDATION_NOTE})
        );
        assert_eq!(
            report["policy"],
            json!({"prerequisite_policy": "none", "validation_policy": "required", "review_policy": {"clean_milestone_pr": "auto"}})
        );
    }
}
