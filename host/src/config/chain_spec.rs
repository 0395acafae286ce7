//! The chain spec (core megaplan's format), parsed locally before anything remote
//! happens: every field, default and message of the reference, in its order, located as
//! `<file>:<line>:<column>:` like cloud.yaml's. Unknown keys are kept: the spec itself
//! is what goes to the runner, so this model only checks it and reads what the host
//! needs (the milestones' idea files, the base branch).

use std::path::Path;

use yaml_serde::{Mapping, Value};

use super::locate::Locations;
use super::reader::{Reader, get, python_repr, untagged};
use crate::error::{CloudError, CloudResult};

const VENDORS: &[&str] = &["claude", "codex"];
const DEPTHS: &[&str] = &["minimal", "low", "medium", "high", "xhigh", "max"];
const CRITICS: &[&str] = &["kimi", "cross"];
const DEEPSEEK_PROVIDERS: &[&str] = &["fireworks", "direct"];
const FAILURE_ACTIONS: &[&str] = &["stop_chain", "skip_milestone", "retry_milestone"];
const MERGE_POLICIES: &[&str] = &["auto", "review"];
const PREREQUISITE_POLICIES: &[&str] = &["none", "required"];
const VALIDATION_POLICIES: &[&str] = &["none", "required"];
const CLEAN_MILESTONE_PR: &[&str] = &["auto", "manual"];
const ESCALATE_ACTIONS: &[&str] = &["force-proceed", "abort", "fail"];

#[derive(Clone, Debug, PartialEq)]
pub struct Milestone {
    pub label: String,
    /// The idea file as written (resolved against the idea directory by `chain`).
    pub idea: String,
    pub branch: Option<String>,
    pub vendor: Option<String>,
    pub depth: Option<String>,
    pub with_prep: bool,
    pub with_feedback: bool,
    /// A core profile name; its expansion is core's (docs/compatibility.md).
    pub profile: Option<String>,
    /// `phase=agent[:model]` entries; a single string is one entry.
    pub phase_model: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChainSpec {
    /// The file's bytes as read: what is uploaded when `base_branch` is explicit.
    pub text: String,
    /// The parsed mapping, unknown keys included.
    pub mapping: Mapping,
    pub base_branch: String,
    /// Whether the file sets `base_branch` itself.
    pub base_branch_explicit: bool,
    pub milestones: Vec<Milestone>,
    pub seed_plan: Option<String>,
    pub merge_policy: String,
    pub prerequisite_policy: String,
    pub validation_policy: String,
    /// `review_policy.clean_milestone_pr`.
    pub clean_milestone_pr: String,
    /// The mapping was changed after reading, so `text` is no longer what is uploaded.
    pub edited: bool,
}

/// Python's `repr` of a tuple of strings, as the reference prints the choices.
pub(super) fn tuple(choices: &[&str]) -> String {
    let items: Vec<String> = choices.iter().map(|c| python_repr(c)).collect();
    format!("({})", items.join(", "))
}

/// Python's `repr` of any YAML scalar, for "got …" in messages.
fn got(value: &Value) -> String {
    match untagged(value) {
        Value::String(s) => python_repr(s),
        other => super::reader::python_str(other),
    }
}

impl ChainSpec {
    /// Reads and checks the spec at `path`.
    pub fn load(path: &Path) -> CloudResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|_| {
            CloudError::new(
                "invalid_spec",
                format!("spec file not found: {}", path.display()),
            )
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "chain.yaml".into());
        Self::parse(&text, &name)
    }

    /// Where the file sets no `base_branch`, the chain runs on the repository's branch
    /// (cloud.yaml's `repo.branch`, after overrides).
    pub fn defaulting_base_branch(mut self, repo_branch: &str) -> Self {
        if !self.base_branch_explicit {
            self.base_branch = repo_branch.to_string();
        }
        self
    }

    /// The bytes uploaded to the runner: the file as written when it sets
    /// `base_branch`, else its mapping re-serialised with `base_branch` appended last
    /// (comments are lost; the local file is untouched).
    /// Every milestone's `idea` passed through `relocate` (a per-chain workspace moves
    /// the ideas that lived under the configured one), in the milestones and in the
    /// uploaded mapping alike.
    pub fn relocating_ideas(mut self, relocate: &dyn Fn(&str) -> String) -> Self {
        for milestone in &mut self.milestones {
            milestone.idea = relocate(&milestone.idea);
        }
        let key = Value::String("milestones".into());
        if let Some(Value::Sequence(items)) = self.mapping.get_mut(&key) {
            for item in items.iter_mut() {
                if let Value::Mapping(entry) = item
                    && let Some(Value::String(idea)) = entry.get_mut(Value::String("idea".into()))
                {
                    let moved = relocate(idea);
                    if moved != *idea {
                        *idea = moved;
                        self.edited = true;
                    }
                }
            }
        }
        self
    }

    pub fn upload_bytes(&self) -> CloudResult<Vec<u8>> {
        if self.base_branch_explicit && !self.edited {
            return Ok(self.text.clone().into_bytes());
        }
        let mut mapping = self.mapping.clone();
        mapping.insert(
            Value::String("base_branch".into()),
            Value::String(self.base_branch.clone()),
        );
        yaml_serde::to_string(&mapping)
            .map(String::into_bytes)
            .map_err(|e| {
                CloudError::new(
                    "internal_error",
                    format!("cannot re-serialise the chain spec: {e}"),
                )
            })
    }

    pub fn parse(text: &str, file_name: &str) -> CloudResult<Self> {
        let root: Value = yaml_serde::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("{file_name}:{}:{}: ", l.line(), l.column()))
                .unwrap_or_default();
            CloudError::new("invalid_spec", format!("{at}YAML parse error: {e}"))
        })?;
        let mapping = match untagged(&root) {
            Value::Null => Mapping::new(),
            Value::Mapping(map) => map.clone(),
            _ => {
                return Err(CloudError::new(
                    "invalid_spec",
                    "chain spec must be a YAML mapping",
                ));
            }
        };
        let locations = Locations::index(text);
        let r = Reader {
            file_name,
            locations: &locations,
        };
        read(&r, text, mapping)
    }
}

fn read(r: &Reader<'_>, text: &str, mapping: Mapping) -> CloudResult<ChainSpec> {
    let root = Some(&mapping);
    let base_branch_explicit = get(root, "base_branch").is_some();
    let base_branch = match get(root, "base_branch").map(untagged) {
        None => "main".to_string(),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(_) => {
            return Err(r.error("base_branch", "`base_branch` must be a non-empty string"));
        }
    };
    let milestones = milestone::read_milestones(r, get(root, "milestones"))?;
    let seed_plan = read_seed(r, get(root, "seed"))?;
    for section in ["on_failure", "on_escalate"] {
        read_failure_policy(r, get(root, section), section)?;
    }
    let merge_policy = choice(
        r,
        get(root, "merge_policy"),
        "merge_policy",
        MERGE_POLICIES,
        "auto",
    )?;
    let prerequisite_policy = choice(
        r,
        get(root, "prerequisite_policy"),
        "prerequisite_policy",
        PREREQUISITE_POLICIES,
        "none",
    )?;
    let validation_policy = choice(
        r,
        get(root, "validation_policy"),
        "validation_policy",
        VALIDATION_POLICIES,
        "none",
    )?;
    let review = section(r, get(root, "review_policy"), "review_policy")?;
    let clean_milestone_pr = choice(
        r,
        get(review, "clean_milestone_pr"),
        "review_policy.clean_milestone_pr",
        CLEAN_MILESTONE_PR,
        "auto",
    )?;
    read_driver(r, get(root, "driver"))?;
    Ok(ChainSpec {
        edited: false,
        text: text.to_string(),
        mapping,
        base_branch,
        base_branch_explicit,
        milestones,
        seed_plan,
        merge_policy,
        prerequisite_policy,
        validation_policy,
        clean_milestone_pr,
    })
}

/// An optional block: absent or empty is fine, anything but a mapping is not.
fn section<'v>(
    r: &Reader<'_>,
    value: Option<&'v Value>,
    label: &str,
) -> CloudResult<Option<&'v Mapping>> {
    match value.map(untagged) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Mapping(map)) => Ok(Some(map)),
        Some(other) if is_falsy(other) => Ok(None),
        Some(_) => Err(r.error(label, format!("`{label}` must be a mapping"))),
    }
}

/// Python's truthiness, for `raw.get(key) or {}`.
pub(super) fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Sequence(items) => items.is_empty(),
        Value::Mapping(map) => map.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Tagged(tagged) => is_falsy(&tagged.value),
    }
}

/// A top-level or nested choice with the reference's "must be one of (…); got …".
fn choice(
    r: &Reader<'_>,
    value: Option<&Value>,
    label: &str,
    choices: &[&str],
    default: &str,
) -> CloudResult<String> {
    match value.map(untagged) {
        None => Ok(default.to_string()),
        Some(Value::String(s)) if choices.contains(&s.as_str()) => Ok(s.clone()),
        Some(other) => {
            let hint = match other {
                Value::String(text) => super::reader::hint(text, choices),
                _ => String::new(),
            };
            Err(r.error(
                label,
                format!(
                    "{label} must be one of {}; got {}{hint}",
                    tuple(choices),
                    got(other)
                ),
            ))
        }
    }
}

fn read_seed(r: &Reader<'_>, value: Option<&Value>) -> CloudResult<Option<String>> {
    let Some(seed) = section(r, value, "seed")? else {
        return Ok(None);
    };
    match get(Some(seed), "plan").map(untagged) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(r.error("seed.plan", "`seed.plan` must be a string")),
    }
}

/// `on_failure: stop_chain`, or a mapping of `retry`/`escalate`/`abort`.
fn read_failure_policy(r: &Reader<'_>, value: Option<&Value>, label: &str) -> CloudResult<()> {
    match value.map(untagged) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(_)) => choice(r, value, label, FAILURE_ACTIONS, "stop_chain").map(drop),
        Some(Value::Mapping(map)) => {
            for key in ["abort", "retry", "escalate"] {
                let value = get(Some(map), key).filter(|v| !matches!(untagged(v), Value::Null));
                choice(
                    r,
                    value,
                    &format!("{label}.{key}"),
                    FAILURE_ACTIONS,
                    "stop_chain",
                )?;
            }
            Ok(())
        }
        Some(_) => Err(r.error(
            label,
            format!("`{label}` must be a string or a mapping of retry/escalate/abort"),
        )),
    }
}

fn read_driver(r: &Reader<'_>, value: Option<&Value>) -> CloudResult<()> {
    let driver = section(r, value, "driver")?;
    for key in [
        "stall_threshold",
        "max_iterations",
        "poll_sleep",
        "phase_timeout",
        "status_timeout",
    ] {
        let label = format!("driver.{key}");
        match get(driver, key).map(untagged) {
            None | Some(Value::Number(_)) => {}
            Some(Value::String(s)) if s.trim().parse::<f64>().is_ok() => {}
            Some(other) => {
                return Err(r.error(
                    &label,
                    format!("{label} must be a number; got {}", got(other)),
                ));
            }
        }
    }
    choice(
        r,
        get(driver, "on_escalate"),
        "driver.on_escalate",
        ESCALATE_ACTIONS,
        "force-proceed",
    )?;
    match get(driver, "robustness").map(untagged) {
        None | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(r.error("driver.robustness", "driver.robustness must be a string")),
    }
}

mod milestone;
#[cfg(test)]
mod tests;
