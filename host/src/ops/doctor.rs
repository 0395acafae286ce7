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
    /// What works today but will hurt later (a runner whose workspace a redeploy
    /// loses), each with its fix; they do not fail the report.
    pub warnings: Vec<String>,
}

/// The warning for a built-in runner whose workspace does not outlive its container.
fn persistence_warning(spec: &crate::config::CloudSpec) -> Option<String> {
    if super::Persistence::of(spec).is_some() {
        return None;
    }
    let fix = match spec.provider.as_str() {
        "ssh" => {
            "set ssh.workspace_dir (and ssh.cache_dir), e.g. /opt/megaplan-cloud/workspace and /opt/megaplan-cloud/cache"
        }
        "railway" => "set resources.volume so the runner's /workspace lives on a Railway volume",
        _ => return None,
    };
    Some(format!(
        "the runner has no persistent workspace: a redeploy loses every repository, plan state and login in it; {fix}"
    ))
}

pub fn doctor(ctx: &mut Context) -> CloudResult<DoctorReport> {
    let spec = ctx.load_spec()?;
    let request = SessionRequest {
        check_programs: false,
        fresh_probes: true,
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
    let warnings: Vec<String> = persistence_warning(&spec).into_iter().collect();
    for warning in &warnings {
        ctx.console.err_line(&format!("WARN: {warning}"));
    }
    Ok(DoctorReport {
        success: checks.iter().all(|c| c.ok),
        provider: description.name,
        checks,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::persistence_warning;
    use crate::config::CloudSpec;

    fn spec(text: &str) -> CloudSpec {
        CloudSpec::parse(text, "cloud.yaml", &|_| true)
            .unwrap()
            .spec
    }

    #[test]
    fn a_runner_without_a_persistent_workspace_is_warned_about_with_the_fix() {
        let ssh = spec("provider: ssh\nrepo: {url: u}\nssh: {host: h}\n");
        let warning = persistence_warning(&ssh).unwrap();
        assert!(
            warning.contains("a redeploy loses every repository"),
            "{warning}"
        );
        assert!(warning.contains("set ssh.workspace_dir"), "{warning}");
        let railway = spec("repo: {url: u}\n");
        assert!(
            persistence_warning(&railway)
                .unwrap()
                .contains("set resources.volume")
        );
        for quiet in [
            "provider: ssh\nrepo: {url: u}\nssh: {host: h, workspace_dir: /opt/w}\n",
            "repo: {url: u}\nresources: {volume: v}\n",
            "provider: local\nrepo: {url: u}\n",
            "provider: sandbox\nrepo: {url: u}\n",
        ] {
            assert_eq!(persistence_warning(&spec(quiet)), None, "{quiet}");
        }
    }
}
