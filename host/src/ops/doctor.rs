//! `doctor`: the provider's programs on PATH, then the provider's own checks.

use serde::Serialize;

use super::context::{Context, SessionRequest};
use crate::error::CloudResult;
use crate::plugin::Check;

#[derive(Debug, Serialize)]
pub struct DoctorReport {
    /// Every check passed.
    pub success: bool,
    pub provider: String,
    pub checks: Vec<Check>,
}

pub fn doctor(ctx: &mut Context) -> CloudResult<DoctorReport> {
    let spec = ctx.load_spec()?;
    let request = SessionRequest {
        check_programs: false,
        ..SessionRequest::plain()
    };
    let mut session = ctx.open_session(&spec, request)?;
    let description = session.description().clone();
    let mut checks = Vec::new();
    for program in &description.programs {
        let found = session.which(&program.name)?;
        checks.push(Check {
            name: format!("program {}", program.name),
            ok: found || !program.required,
            detail: match (found, program.required) {
                (true, _) => "found on PATH".to_string(),
                (false, true) => format!("missing: install from {}", program.install_hint),
                (false, false) => "not found (optional)".to_string(),
            },
        });
    }
    checks.extend(session.doctor()?);
    Ok(DoctorReport {
        success: checks.iter().all(|c| c.ok),
        provider: description.name,
        checks,
    })
}
