//! Over every call any run made: programs used ⊆ programs declared, nothing the host
//! refused, no secret in any argument, variable or working directory, and every
//! configured secret handed to the runner by handle.

use std::collections::BTreeSet;

use super::super::operation::Operation;
use super::{Evidence, Harness, Line, Status, first_of, shown};
use crate::capability::{CallKind, CommandSpec, EnvEntry, StdinSpec};

/// `evidence` holds every run; `strict` the runs with the fixture's own context (the
/// cassettes and the rehearsals), where no refusal is expected.
pub fn hygiene(harness: &Harness, evidence: &[Evidence], strict: usize) -> Vec<Line> {
    vec![
        programs(harness, evidence),
        refusals(&evidence[..strict.min(evidence.len())]),
        secrets(harness, evidence),
        handles(harness, evidence),
    ]
}

/// Every command a run made or handed back, with the operation.
fn commands(evidence: &[Evidence]) -> impl Iterator<Item = (Operation, &CommandSpec)> {
    evidence.iter().flat_map(|e| {
        e.calls
            .iter()
            .filter(|c| !matches!(c.kind, CallKind::WriteEnvFile | CallKind::WriteFile))
            .map(move |c| (e.operation, &c.command))
    })
}

fn programs(harness: &Harness, evidence: &[Evidence]) -> Line {
    let declared: BTreeSet<&str> = harness
        .description
        .programs
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let mut used = BTreeSet::new();
    let mut problems = Vec::new();
    for (operation, command) in commands(evidence) {
        used.insert(command.program.clone());
        if !declared.contains(command.program.as_str()) {
            problems.push(format!(
                "{} ran `{}`, which describe does not declare (declared: {})",
                operation.name(),
                command.program,
                declared.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    match first_of(problems) {
        Some(detail) => Line::new("programs", Status::Fail, detail),
        None => Line::new(
            "programs",
            Status::Ok,
            format!(
                "used {} of the declared {}",
                list(used.iter().map(String::as_str)),
                list(declared.iter().copied())
            ),
        ),
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn refusals(evidence: &[Evidence]) -> Line {
    let problems: Vec<String> = evidence
        .iter()
        .flat_map(|e| e.calls.iter().map(move |c| (e.operation, c)))
        .filter_map(|(operation, call)| {
            let denial = call.denied.as_ref()?;
            (!denial.contains("did not declare it")).then(|| {
                format!(
                    "{}: the host refused `{}`: {denial}",
                    operation.name(),
                    shown(&call.command)
                )
            })
        })
        .collect();
    match first_of(problems) {
        Some(detail) => Line::new("sandbox", Status::Fail, detail),
        None => Line::new(
            "sandbox",
            Status::Ok,
            "the host refused none of its commands",
        ),
    }
}

fn secrets(harness: &Harness, evidence: &[Evidence]) -> Line {
    let redactor = harness.secrets().redactor();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (operation, command) in commands(evidence) {
        checked += 1;
        let env = command.env.iter().map(|(_, value)| value.as_str());
        let cwd = command.cwd.iter().map(|c| c.to_str().unwrap_or(""));
        let texts = command
            .args
            .iter()
            .map(String::as_str)
            .chain(env)
            .chain(cwd);
        if texts.into_iter().any(|text| redactor.redact(text) != text) {
            problems.push(format!(
                "{}: `{}` carries a secret (a configured secret's value or a token's shape) in its arguments, variables or directory: secrets go by name, on stdin or in an env file",
                operation.name(),
                redactor.redact(&shown(command))
            ));
        }
    }
    match first_of(problems) {
        Some(detail) => Line::new("secrets in argv", Status::Fail, detail),
        None => Line::new(
            "secrets in argv",
            Status::Ok,
            format!("no secret in the arguments, variables or directory of {checked} commands"),
        ),
    }
}

/// Every configured secret reaches the runner by name (stdin or an env file), in some
/// operation; otherwise the runner never gets it.
fn handles(harness: &Harness, evidence: &[Evidence]) -> Line {
    let configured = &harness.fixture.spec.secrets;
    let deploys = evidence.iter().any(|e| e.operation == Operation::Deploy);
    if configured.is_empty() || !deploys {
        return Line::new(
            "secret handles",
            Status::Skip,
            "no secrets configured, or no deploy",
        );
    }
    let handed: BTreeSet<&str> = evidence
        .iter()
        .flat_map(|e| e.calls.iter())
        .filter(|c| c.denied.is_none())
        .flat_map(|c| match &c.command.stdin {
            StdinSpec::Secret(name) => vec![name.as_str()],
            StdinSpec::EnvFile(entries) => entries
                .iter()
                .filter_map(|entry| match entry {
                    EnvEntry::Secret(name) => Some(name.as_str()),
                    EnvEntry::Literal(..) => None,
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    let missing: Vec<&str> = configured
        .iter()
        .map(String::as_str)
        .filter(|name| !handed.contains(name))
        .collect();
    if missing.is_empty() {
        return Line::new(
            "secret handles",
            Status::Ok,
            format!(
                "handed to the runner by name only: {}",
                configured.join(", ")
            ),
        );
    }
    Line::new(
        "secret handles",
        Status::Fail,
        format!(
            "not handed to the runner in any operation: {}; pass each by name (Stdin::Secret, Stdin::EnvFile or files::write_env_file)",
            missing.join(", ")
        ),
    )
}
