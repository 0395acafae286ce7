//! The `files` interface: env files that hold secret values, which only the host may
//! write, into the caller's mounted deploy directory.

use super::{Caller, Capability, EnvEntry, StdinSpec, stdin};

impl Capability {
    /// Writes an env file (secrets expanded here) into the caller's deploy dir, mode
    /// 0600, atomically. Dry-run prints what it would write instead.
    pub fn write_env_file(
        &self,
        caller: &Caller,
        path: &str,
        entries: &[EnvEntry],
    ) -> Result<(), String> {
        let Some(deploy_dir) = caller
            .deploy_dir
            .as_ref()
            .and_then(|dir| dir.mounted_host())
        else {
            return Err("no deploy directory is open for this operation".into());
        };
        let relative = crate::fs::plain_relative_path(path)
            .ok_or_else(|| format!("{path:?} must be a plain path inside the deploy directory"))?;
        let spec = StdinSpec::EnvFile(entries.to_vec());
        let description = stdin::describe(&spec).unwrap_or_default();
        self.journal
            .write_file(caller, path, &description, &self.settings);
        if self.settings.backend.is_dry_run() {
            self.settings
                .console
                .out(format!("# write {path} (mode 600): {description}\n").as_bytes());
            return Ok(());
        }
        let bytes = stdin::render_env_file(entries, &self.settings.secrets);
        crate::fs::atomic_write(&deploy_dir.join(relative), &bytes, 0o600).map_err(|e| e.message)
    }
}
