//! `provider test`: a component run through a conformance suite generated for what it
//! declares, in the sandbox, with nothing started: its description and schema, each
//! operation it implements against its cassette (strict replay), the same context
//! giving the same commands twice, hostile cloud.yaml values staying literal, no
//! secret in any argv, programs used within those declared, nothing the host
//! refuses, and errors of the right kinds. `--record` first runs each operation for
//! real and writes its cassette.

mod checks;
mod fixture;
mod harness;
mod literal;
mod operation;
mod record;
mod report;

use std::path::Path;

use super::context::Context;
use crate::error::{CloudError, CloudResult};
use harness::Harness;
pub use report::{Line, Report, Status};

/// What `provider test` was asked.
pub struct TestRequest<'a> {
    pub component: &'a Path,
    /// Where the cassettes (`<operation>.cassette`) and the suite's cloud.yaml are.
    pub cassettes: &'a Path,
    /// Run every implemented operation for real first, writing its cassette.
    pub record: bool,
}

pub fn provider_test(ctx: &Context, request: &TestRequest<'_>) -> CloudResult<Report> {
    if !request.component.is_file() {
        return Err(CloudError::new(
            "invalid_args",
            format!(
                "provider component not found: {}",
                request.component.display()
            ),
        ));
    }
    if !request.record && !request.cassettes.is_dir() {
        return Err(CloudError::new(
            "invalid_args",
            format!(
                "no cassette directory {}: pass --cassettes DIR, or record one with --record",
                request.cassettes.display()
            ),
        ));
    }
    let mut report = Report {
        provider: request.component.display().to_string(),
        component: request.component.display().to_string(),
        cassettes: request.cassettes.display().to_string(),
        lines: Vec::new(),
    };
    let harness = match Harness::load(request.component, request.cassettes, &ctx.home) {
        Ok(harness) => harness,
        Err(e) => {
            let detail = format!("{}: {}", e.code, e.message);
            report
                .lines
                .push(Line::new("describe", Status::Fail, detail));
            return Ok(report);
        }
    };
    let description = &harness.description;
    report.provider = format!("{} {}", description.name, description.version);
    if request.record {
        record::record(ctx, &harness, request.cassettes)?;
    }
    report.lines = run_suite(&harness, request.cassettes);
    // Whatever a line quotes from a command is shown redacted.
    let redactor = harness.secrets().redactor();
    for line in &mut report.lines {
        line.detail = redactor.redact(&line.detail).into_owned();
    }
    Ok(report)
}

fn run_suite(harness: &Harness, dir: &Path) -> Vec<Line> {
    let mut lines = vec![describe_line(harness), schema_line(harness)];
    let survey = checks::survey(harness, dir);
    lines.extend(survey.skipped.iter().cloned());
    let mut evidence = Vec::new();
    lines.extend(checks::cassettes(harness, dir, &survey, &mut evidence));
    lines.push(checks::determinism(harness, dir, &survey, &mut evidence));
    let strict = evidence.len();
    lines.extend(checks::hostile(harness, dir, &survey, &mut evidence));
    lines.extend(checks::hygiene(harness, &evidence, strict));
    lines.extend(checks::errors(harness, dir, &survey));
    lines
}

fn describe_line(harness: &Harness) -> Line {
    let d = &harness.description;
    let programs: Vec<String> = d
        .programs
        .iter()
        .map(|p| match p.required {
            true => p.name.clone(),
            false => format!("{} (optional)", p.name),
        })
        .collect();
    Line::new(
        "describe",
        Status::Ok,
        format!(
            "{} {}, contract {}, programs: {}",
            d.name,
            d.version,
            d.contract_version,
            programs.join(", ")
        ),
    )
}

fn schema_line(harness: &Harness) -> Line {
    let fixture = &harness.fixture;
    let source = match fixture.made_up {
        true => "a cloud.yaml made from it".to_string(),
        false => fixture.path.display().to_string(),
    };
    match &harness.schema {
        Some(schema) => Line::new(
            "config schema",
            Status::Ok,
            format!(
                "{}; {source} passes it",
                checks::plural(schema.properties().len(), "property")
                    .replace("propertys", "properties")
            ),
        ),
        None => Line::new(
            "config schema",
            Status::Skip,
            "none declared: the section reaches the provider as written",
        ),
    }
}
