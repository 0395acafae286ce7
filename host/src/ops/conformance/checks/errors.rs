//! Errors map to the right kinds: with its programs missing an operation answers
//! `unavailable` (or needs none), and with its section broken in a way its schema
//! forbids (a required key gone, a value of the wrong type) it answers
//! `invalid-config` (or does not read the section); never a crash or a plain failure.

use std::path::Path;

use serde_json::{Map, Value};

use super::{Harness, Line, Status, Survey, first_of, rehearse};

pub fn errors(harness: &Harness, dir: &Path, survey: &Survey) -> Vec<Line> {
    vec![
        unavailable(harness, dir, survey),
        invalid_config(harness, dir, survey),
    ]
}

fn unavailable(harness: &Harness, dir: &Path, survey: &Survey) -> Line {
    let mut problems = Vec::new();
    for (operation, _) in &survey.implemented {
        let run = rehearse(harness, dir, *operation, &harness.fixture.context, true);
        match run.result {
            Ok(()) => {}
            // What the host refused is the `programs` and `sandbox` checks' to report.
            Err(e) if matches!(e.code.as_str(), "provider_unavailable" | "capability_denied") => {}
            Err(e) => problems.push(format!(
                "{}: with its programs missing it answered {}: {} (a missing program is `unavailable`; the SDK's Cmd keeps the kind the host gives)",
                operation.name(),
                e.code,
                e.message
            )),
        }
    }
    match first_of(problems) {
        Some(detail) => Line::new("missing program", Status::Fail, detail),
        None => Line::new(
            "missing program",
            Status::Ok,
            format!(
                "{} operations answer `unavailable` (or need no program)",
                survey.implemented.len()
            ),
        ),
    }
}

fn invalid_config(harness: &Harness, dir: &Path, survey: &Survey) -> Line {
    let Some(schema) = &harness.schema else {
        return Line::new(
            "invalid config",
            Status::Skip,
            "no config schema: the suite cannot know what breaks the section",
        );
    };
    let section = harness
        .fixture
        .context
        .config
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut problems = Vec::new();
    let mut tried = 0;
    for (label, broken) in broken_sections(&schema.properties(), &section, harness) {
        let mut context = harness.fixture.context.clone();
        context.config = Value::Object(broken);
        for (operation, _) in &survey.implemented {
            tried += 1;
            let run = rehearse(harness, dir, *operation, &context, false);
            match run.result {
                Ok(()) => {}
                Err(e) if matches!(e.code.as_str(), "invalid_spec" | "capability_denied") => {}
                Err(e) => problems.push(format!(
                    "{}: with {label} it answered {}: {} (a broken section is `invalid-config`)",
                    operation.name(),
                    e.code,
                    e.message
                )),
            }
        }
    }
    match first_of(problems) {
        Some(detail) => Line::new("invalid config", Status::Fail, detail),
        None => Line::new(
            "invalid config",
            Status::Ok,
            format!(
                "{tried} runs with a broken section answered `invalid-config` (or did not read it)"
            ),
        ),
    }
}

/// The section with one required key gone, or one value of the wrong type.
fn broken_sections(
    properties: &Map<String, Value>,
    section: &Map<String, Value>,
    harness: &Harness,
) -> Vec<(String, Map<String, Value>)> {
    let provider = &harness.description.name;
    let mut broken = Vec::new();
    for (name, field) in properties {
        let wrong = match field.get("type").and_then(Value::as_str) {
            Some("string") => Value::from(7),
            _ => Value::from("not-a-number-or-list"),
        };
        let mut typed = section.clone();
        typed.insert(name.clone(), wrong.clone());
        broken.push((format!("`{provider}.{name}: {wrong}`"), typed));
        if harness.schema.as_ref().is_some_and(|s| s.is_required(name)) {
            let mut gone = section.clone();
            gone.remove(name);
            broken.push((format!("`{provider}.{name}` missing"), gone));
        }
    }
    broken
}
