//! `provider test --record`: every operation the component implements, run for real
//! in the order of a runner's life (deploy before exec, destroy last), each into its
//! own cassette; the suite then replays them.

use std::path::Path;

use super::checks;
use super::harness::{Harness, Mode};
use crate::capability::CallKind;
use crate::error::{CloudError, CloudResult};
use crate::ops::context::Context;

pub fn record(ctx: &Context, harness: &Harness, dir: &Path) -> CloudResult<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        CloudError::new("io_error", format!("cannot create {}: {e}", dir.display()))
    })?;
    let fixture = &harness.fixture;
    if fixture.made_up {
        crate::fs::atomic_write(&fixture.path, fixture.text.as_bytes(), 0o644)?;
        ctx.console.err_line(&format!(
            "record: wrote {} from the provider's schema; point it at something you may deploy to and destroy",
            fixture.path.display()
        ));
    }
    let survey = checks::survey(harness, dir);
    for (operation, rehearsal) in &survey.implemented {
        if rehearsal.calls.iter().all(|c| c.kind == CallKind::Which) {
            continue;
        }
        let path = Harness::cassette(dir, *operation);
        ctx.console.err_line(&format!(
            "record: {} for real into {}",
            operation.name(),
            path.display()
        ));
        let run = harness.run(*operation, Mode::Record(&path), &fixture.context, true);
        if let Err(e) = run.result {
            ctx.console.err_line(&format!(
                "record: {} failed: {}: {}",
                operation.name(),
                e.code,
                e.message
            ));
        }
    }
    Ok(())
}
