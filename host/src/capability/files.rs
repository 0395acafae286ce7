//! The `files` interface: env files that hold secret values, which only the host may
//! write, into the caller's mounted deploy directory.

use super::policy::is_env_name;
use super::{Caller, Capability, EnvEntry, StdinSpec, rules, stdin};

impl Capability {
    /// Writes an env file (secrets expanded here) into the caller's deploy dir, mode
    /// 0600, atomically. Dry-run prints what it would write instead.
    pub fn write_env_file(
        &self,
        caller: &Caller,
        path: &str,
        entries: &[EnvEntry],
    ) -> Result<(), String> {
        let Some(deploy_dir) = caller.deploy_dir.as_ref().and_then(|dir| dir.writable()) else {
            return Err("no deploy directory is open for this operation".into());
        };
        if crate::fs::plain_relative_path(path).is_none() {
            return Err(format!(
                "{path:?} must be a plain path inside the deploy directory"
            ));
        }
        let spec = StdinSpec::EnvFile(entries.to_vec());
        rules::check_secrets(caller, &spec, &self.settings.secrets)?;
        check_lines(entries)?;
        let description = stdin::describe(&spec).unwrap_or_default();
        self.journal
            .write_file(caller, path, &description, &self.settings);
        if self.settings.backend.is_dry_run() {
            self.settings
                .console
                .out(format!("# write {path} (mode 600): {description}\n").as_bytes());
            return Ok(());
        }
        if let Some(label) = self.progress() {
            let step = super::log::escape_controls(&format!("{label}: writing {path}"));
            self.settings.console.step(&step);
        }
        let bytes = stdin::render_env_file(entries, &self.settings.secrets);
        crate::fs::write_beneath(deploy_dir, path, &bytes, 0o600).map_err(|e| e.message)
    }
}

/// One `NAME=value` per line: a name or value that would start another line (or is no
/// variable name at all) is refused.
fn check_lines(entries: &[EnvEntry]) -> Result<(), String> {
    for entry in entries {
        let (name, value) = match entry {
            EnvEntry::Literal(name, value) => (name, value.as_str()),
            EnvEntry::Secret(name) => (name, ""),
        };
        if !is_env_name(name) || name.contains(['\n', '\r']) || value.contains(['\n', '\r']) {
            return Err(format!(
                "{name:?} cannot be a line of an env file (one NAME=value per line)"
            ));
        }
    }
    Ok(())
}
