//! The checks, each generated for what the component declares: which operations it
//! implements, which programs, which features, which fields its section has.

mod cassettes;
mod determinism;
mod errors;
mod hostile;
mod hygiene;

use std::path::Path;

use super::harness::{Harness, Mode, Run};
use super::operation::Operation;
use super::report::{Line, Status};
use crate::capability::{CallRecord, CommandSpec};
use crate::plugin::Feature;

pub use cassettes::cassettes;
pub use determinism::determinism;
pub use errors::errors;
pub use hostile::hostile;
pub use hygiene::hygiene;

/// What one run left to look at.
pub struct Evidence {
    pub operation: Operation,
    pub calls: Vec<CallRecord>,
}

impl Evidence {
    fn of(operation: Operation, run: &Run) -> Self {
        Evidence {
            operation,
            calls: run.calls.clone(),
        }
    }
}

/// The operations the component implements, each with its first rehearsal, and a
/// line for each it does not.
pub struct Survey {
    pub implemented: Vec<(Operation, Run)>,
    pub skipped: Vec<Line>,
}

/// Rehearses every operation once (answering from its cassette where there is one).
pub fn survey(harness: &Harness, dir: &Path) -> Survey {
    let mut survey = Survey {
        implemented: Vec::new(),
        skipped: Vec::new(),
    };
    for operation in Operation::ALL {
        let check = format!("operation {}", operation.name());
        if operation == Operation::Volume && !harness.description.has_feature(Feature::Volumes) {
            let why = "the provider does not declare the `volumes` feature";
            survey.skipped.push(Line::new(check, Status::Skip, why));
            continue;
        }
        let run = rehearse(harness, dir, operation, &harness.fixture.context, false);
        match &run.result {
            Err(e) if e.code == "not_implemented" => {
                survey
                    .skipped
                    .push(Line::new(check, Status::Skip, "not implemented"));
            }
            _ => survey.implemented.push((operation, run)),
        }
    }
    survey
}

/// One rehearsal of `operation` with `context`, answered loosely from its cassette.
fn rehearse(
    harness: &Harness,
    dir: &Path,
    operation: Operation,
    context: &crate::plugin::OpContext,
    programs_missing: bool,
) -> Run {
    let cassette = Harness::cassette(dir, operation);
    let script = cassette.is_file().then_some(cassette.as_path());
    let mode = Mode::Rehearse {
        programs_missing,
        script,
    };
    harness.run(operation, mode, context, !programs_missing)
}

/// A command as a line for the operator.
fn shown(command: &CommandSpec) -> String {
    if command.program.is_empty() {
        return format!("env file {}", command.args.join(" "));
    }
    super::literal::controls_escaped(&command.display())
}

/// The first problem and how many others there were (repeats counted once), as one
/// detail.
fn first_of(mut problems: Vec<String>) -> Option<String> {
    let mut seen = std::collections::BTreeSet::new();
    problems.retain(|p| seen.insert(p.clone()));
    let more = problems.len().saturating_sub(1);
    let mut problems = problems.into_iter();
    problems.next().map(|first| match more {
        0 => first,
        n => format!("{first}\n(and {n} more)"),
    })
}

/// `1 call`, `3 calls`.
pub fn plural(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}
