//! Hostile cloud.yaml values stay literal: every string of the provider's section,
//! `repo.workspace`, `resources.volume` (with volumes) and the `attach --session` name
//! (with named sessions) is replaced in turn by text full of shell syntax and by a
//! value starting with `-`, and every operation is rehearsed with it. Each must either
//! refuse the value (the schema or the provider says `invalid-config`) or carry it
//! literally in every argv and every line a shell will read.

use std::path::Path;

use serde_json::Value;

use super::super::literal::{
    Hostile, LEADING_DASH, SHELL_PATH, SHELL_TEXT, problem_in_argv, problem_in_script,
};
use super::{Evidence, Harness, Line, Status, Survey, rehearse, shown};
use crate::capability::StdinSpec;
use crate::plugin::{Feature, OpContext};

/// A value of the context the suite makes hostile.
enum Target {
    Field(String),
    Workspace,
    Volume,
    Session,
}

pub fn hostile(
    harness: &Harness,
    dir: &Path,
    survey: &Survey,
    evidence: &mut Vec<Evidence>,
) -> Vec<Line> {
    let mut lines = Vec::new();
    for (target, label) in targets(harness) {
        let values: &[Hostile] = match target {
            Target::Workspace => &[SHELL_PATH],
            _ => &[SHELL_TEXT, LEADING_DASH],
        };
        let mut verdict = Verdict::default();
        for value in values {
            match context_with(harness, &target, value.value) {
                Some(context) => {
                    verdict.rehearse_all(harness, dir, survey, &context, *value, evidence)
                }
                None => verdict.refused += 1,
            }
        }
        lines.push(verdict.line(format!("hostile {label}")));
    }
    lines
}

/// Every string of the section, then the context's own values.
fn targets(harness: &Harness) -> Vec<(Target, String)> {
    let provider = &harness.description.name;
    let section = &harness.fixture.context.config;
    let names: Vec<String> = match &harness.schema {
        Some(schema) => schema
            .properties()
            .into_iter()
            .filter(|(_, field)| field.get("type").and_then(Value::as_str) == Some("string"))
            .map(|(name, _)| name)
            .collect(),
        None => section
            .as_object()
            .map(|map| {
                map.iter()
                    .filter(|(_, v)| v.is_string())
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default(),
    };
    let mut targets: Vec<(Target, String)> = names
        .into_iter()
        .map(|name| (Target::Field(name.clone()), format!("{provider}.{name}")))
        .collect();
    targets.push((Target::Workspace, "repo.workspace".into()));
    if harness.description.has_feature(Feature::Volumes) {
        targets.push((Target::Volume, "resources.volume".into()));
    }
    if harness.description.has_feature(Feature::NamedSessions) {
        targets.push((Target::Session, "attach --session".into()));
    }
    targets
}

/// The fixture's context with `value` in place of the target; `None` when the host
/// refuses the value before any provider sees it (the schema: an `enum`, say).
fn context_with(harness: &Harness, target: &Target, value: &str) -> Option<OpContext> {
    let mut context = harness.fixture.context.clone();
    match target {
        Target::Field(name) => {
            let mut section = context.config.as_object().cloned().unwrap_or_default();
            section.insert(name.clone(), Value::from(value));
            let section = Value::Object(section);
            context.config = match &harness.schema {
                Some(schema) => schema
                    .apply(&section, &harness.description.name, &|_, _| String::new())
                    .ok()?,
                None => section,
            };
        }
        Target::Workspace => context.workspace = value.into(),
        Target::Volume => context.volume = Some(value.into()),
        Target::Session => context.session = Some(value.into()),
    }
    Some(context)
}

#[derive(Default)]
struct Verdict {
    refused: usize,
    checked_calls: usize,
    problems: Vec<String>,
}

impl Verdict {
    fn rehearse_all(
        &mut self,
        harness: &Harness,
        dir: &Path,
        survey: &Survey,
        context: &OpContext,
        value: Hostile,
        evidence: &mut Vec<Evidence>,
    ) {
        for (operation, _) in &survey.implemented {
            let run = rehearse(harness, dir, *operation, context, false);
            if matches!(&run.result, Err(e) if e.code == "invalid_spec") {
                self.refused += 1;
                continue;
            }
            // Commands only: a file's contents are data in their own format, not a line
            // for a shell.
            let allowed = run
                .calls
                .iter()
                .filter(|c| c.denied.is_none() && c.kind.runs_a_program())
                .map(|c| &c.command);
            for command in allowed {
                let script = match &command.stdin {
                    StdinSpec::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                    _ => String::new(),
                };
                let mut argv = vec![command.program.clone()];
                argv.extend(command.args.iter().cloned());
                if !argv
                    .iter()
                    .chain([&script])
                    .any(|text| value.carried_by(text))
                {
                    continue;
                }
                self.checked_calls += 1;
                let problem =
                    problem_in_argv(&argv, value).or_else(|| problem_in_script(&script, value));
                if let Some(problem) = problem {
                    self.problems.push(format!(
                        "{}: {problem}\n  in: {}",
                        operation.name(),
                        shown(command)
                    ));
                }
            }
            evidence.push(Evidence::of(*operation, &run));
        }
    }

    fn line(self, check: String) -> Line {
        if let Some(detail) = super::first_of(self.problems) {
            return Line::new(check, Status::Fail, detail);
        }
        let mut detail = match (self.checked_calls, self.refused) {
            (0, 0) => "no command carried it".to_string(),
            (0, _) => "refused every time (by the schema, or as invalid-config)".to_string(),
            (n, _) => format!("literal in all {n} commands that carried it"),
        };
        if self.checked_calls > 0 && self.refused > 0 {
            let refused = self.refused;
            detail.push_str(&format!(
                "; refused {refused} times (schema or invalid-config)"
            ));
        }
        Line::new(check, Status::Ok, detail)
    }
}
