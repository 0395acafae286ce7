//! Every implemented operation replays its cassette strictly: the same calls, in the
//! same order, with the same arguments and stdin, and none left over.

use std::path::Path;

use super::{Evidence, Harness, Line, Mode, Status, Survey};
use crate::capability::CallKind;

pub fn cassettes(
    harness: &Harness,
    dir: &Path,
    survey: &Survey,
    evidence: &mut Vec<Evidence>,
) -> Vec<Line> {
    let mut lines = Vec::new();
    for (operation, rehearsal) in &survey.implemented {
        let check = format!("cassette {}", operation.name());
        let path = Harness::cassette(dir, *operation);
        let calls_nothing = rehearsal.calls.iter().all(|c| c.kind == CallKind::Which);
        if !path.is_file() && calls_nothing {
            let detail = "makes no calls of its own: nothing to replay";
            lines.push(Line::new(check, Status::Ok, detail));
            continue;
        }
        if !path.is_file() {
            let detail = format!(
                "no cassette {}: record one with `megaplan-cloud provider test {} --cassettes {} --record`",
                path.display(),
                harness.component.display(),
                dir.display()
            );
            lines.push(Line::new(check, Status::Fail, detail));
            continue;
        }
        let context = &harness.fixture.context;
        let run = harness.run(*operation, Mode::Replay(&path), context, true);
        evidence.push(Evidence::of(*operation, &run));
        let calls = run.calls.len();
        let line = match (run.result, run.unplayed) {
            (Err(e), _) if e.code == "replay_mismatch" => Line::new(check, Status::Fail, e.message),
            (Err(e), _) => Line::new(
                check,
                Status::Fail,
                format!("failed against its own cassette: {}: {}", e.code, e.message),
            ),
            (Ok(()), (0, _)) => Line::new(
                check,
                Status::Ok,
                format!(
                    "{} replayed from {}",
                    super::plural(calls, "call"),
                    path.display()
                ),
            ),
            (Ok(()), (left, first)) => Line::new(
                check,
                Status::Fail,
                format!(
                    "the operation made {left} fewer calls than {} holds; the first it did not make: {}",
                    path.display(),
                    first.unwrap_or_default()
                ),
            ),
        };
        lines.push(line);
    }
    lines
}
