//! The same context gives the same commands: each operation rehearsed a second time,
//! in a fresh instance, must ask for exactly what it asked for the first time (its
//! nonce aside, which is new for every operation by design).

use std::path::Path;

use super::{Evidence, Harness, Line, Status, Survey, first_of, rehearse};
use crate::capability::{CallRecord, NONCE_PLACEHOLDER, StdinSpec};

pub fn determinism(
    harness: &Harness,
    dir: &Path,
    survey: &Survey,
    evidence: &mut Vec<Evidence>,
) -> Line {
    let mut problems = Vec::new();
    let mut compared = 0;
    for (operation, first) in &survey.implemented {
        let second = rehearse(harness, dir, *operation, &harness.fixture.context, false);
        evidence.push(Evidence::of(*operation, first));
        evidence.push(Evidence::of(*operation, &second));
        let (before, after) = (transcript(&first.calls), transcript(&second.calls));
        compared += before.len();
        if let Some(at) =
            (0..before.len().max(after.len())).find(|&i| before.get(i) != after.get(i))
        {
            let missing = "(no call)".to_string();
            problems.push(format!(
                "{}: call {} differs between two runs with the same context:\n  first:  {}\n  second: {}",
                operation.name(),
                at + 1,
                before.get(at).unwrap_or(&missing),
                after.get(at).unwrap_or(&missing)
            ));
        }
    }
    match first_of(problems) {
        Some(detail) => Line::new("determinism", Status::Fail, detail),
        None => Line::new(
            "determinism",
            Status::Ok,
            format!(
                "{} operations asked for the same {compared} calls twice",
                survey.implemented.len()
            ),
        ),
    }
}

/// Each call as text, the operation's nonce set aside.
fn transcript(calls: &[CallRecord]) -> Vec<String> {
    calls
        .iter()
        .map(|call| {
            let mut text = format!("[{}] {}", call.kind.name(), super::shown(&call.command));
            for (key, value) in &call.command.env {
                text.push_str(&format!(" {key}={value}"));
            }
            if let Some(cwd) = &call.command.cwd {
                text.push_str(&format!(" (cwd {})", cwd.display()));
            }
            match &call.command.stdin {
                StdinSpec::Bytes(bytes) => {
                    text.push_str(&format!(" (stdin {:?})", String::from_utf8_lossy(bytes)))
                }
                StdinSpec::None => {}
                other => text.push_str(&format!(" (stdin {other:?})")),
            }
            if call.nonce.is_empty() {
                text
            } else {
                text.replace(&call.nonce, NONCE_PLACEHOLDER)
            }
        })
        .collect()
}
