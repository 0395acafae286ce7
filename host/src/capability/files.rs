//! The `files` interface: env files that hold secret values, which only the host may
//! write, and the provider's own files (its transport's configuration), each into the
//! caller's mounted deploy directory, beneath it and never through a link.

use super::{Caller, Capability, EnvEntry, StdinSpec, policy, stdin};

impl Capability {
    /// Writes an env file (secrets expanded here) into the caller's deploy dir, mode
    /// 0600, atomically. Dry-run prints what it would write instead.
    pub fn write_env_file(
        &self,
        caller: &Caller,
        path: &str,
        entries: &[EnvEntry],
    ) -> Result<(), String> {
        let spec = StdinSpec::EnvFile(entries.to_vec());
        let checked = policy::check_env_file(caller, path, entries, self.settings.secrets.names());
        let mut logged = super::CommandSpec::new("", [path]);
        logged.stdin = spec.clone();
        let kind = super::CallKind::WriteEnvFile;
        self.log_call(
            caller,
            kind,
            &logged,
            checked.as_ref().err().map(String::as_str),
        );
        checked?;
        let Some(deploy_dir) = caller.deploy_dir.as_ref().and_then(|dir| dir.writable()) else {
            return Err("no deploy directory is open for this operation".into());
        };
        let description = stdin::describe(&spec).unwrap_or_default();
        self.journal
            .write_file(caller, kind, path, &description, &self.settings);
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

impl Capability {
    /// Writes a file of the provider's own (no secret in it: the provider has none)
    /// into the deploy directory this operation rendered, mode 0644, atomically; never
    /// over a file the host rendered. Dry-run prints what it would write instead.
    pub fn write_file(&self, caller: &Caller, path: &str, contents: &[u8]) -> Result<(), String> {
        let checked = policy::check_file(caller, path, contents.len());
        let mut logged = super::CommandSpec::new("", [path]);
        logged.stdin = StdinSpec::Bytes(contents.to_vec());
        let kind = super::CallKind::WriteFile;
        self.log_call(
            caller,
            kind,
            &logged,
            checked.as_ref().err().map(String::as_str),
        );
        checked?;
        let Some(deploy_dir) = caller.deploy_dir.as_ref().and_then(|dir| dir.writable()) else {
            return Err("no deploy directory is open for this operation".into());
        };
        let description = format!("{} bytes", contents.len());
        self.journal
            .write_file(caller, kind, path, &description, &self.settings);
        if self.settings.backend.is_dry_run() {
            let line = format!("# write {path} (mode 644): {description}\n");
            self.settings.console.out(line.as_bytes());
            return Ok(());
        }
        if let Some(label) = self.progress() {
            let step = super::log::escape_controls(&format!("{label}: writing {path}"));
            self.settings.console.step(&step);
        }
        crate::fs::write_beneath(deploy_dir, path, contents, 0o644).map_err(|e| e.message)
    }
}
