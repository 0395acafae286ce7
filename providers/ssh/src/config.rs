//! The ssh section of cloud.yaml and how it becomes command lines: the ssh transport
//! and its options, the remote directory, the container and its mounts.

use std::collections::BTreeMap;

use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

pub(crate) const OPENSSH_HINT: &str = "https://www.openssh.com/";

/// Options every non-interactive call gets unless cloud.yaml's `ssh.options` overrides
/// them: never prompt, fail fast, notice a dead connection, trust a new host once.
const DEFAULT_OPTIONS: &[(&str, &str)] = &[
    ("BatchMode", "yes"),
    ("ConnectTimeout", "10"),
    ("ServerAliveInterval", "30"),
    ("ServerAliveCountMax", "3"),
    ("StrictHostKeyChecking", "accept-new"),
];

#[derive(Deserialize)]
pub(crate) struct Config {
    pub(crate) host: String,
    pub(crate) user: Option<String>,
    pub(crate) port: u16,
    pub(crate) identity_file: Option<String>,
    pub(crate) remote_dir: String,
    pub(crate) container: String,
    #[serde(default)]
    pub(crate) workspace_dir: Option<String>,
    #[serde(default)]
    pub(crate) cache_dir: Option<String>,
    /// OpenSSH options as cloud.yaml wrote them (strings, numbers or booleans).
    #[serde(default)]
    pub(crate) options: BTreeMap<String, serde_json::Value>,
}

/// Where the caches live in the runner, and their directories under `cache_dir`.
const CACHES: &[(&str, &str)] = &[("pip", "/root/.cache/pip"), ("npm", "/root/.npm")];

impl Config {
    pub(crate) fn target(&self) -> String {
        match &self.user {
            Some(user) => format!("{user}@{}", self.host),
            None => self.host.clone(),
        }
    }

    /// `-o NAME=VALUE` pairs: the defaults, overridden or extended by cloud.yaml. An
    /// interactive session may prompt, so it does not get BatchMode by default.
    pub(crate) fn options(&self, interactive: bool) -> Vec<String> {
        let mut merged: BTreeMap<&str, String> = DEFAULT_OPTIONS
            .iter()
            .filter(|(name, _)| !(interactive && *name == "BatchMode"))
            .map(|(name, value)| (*name, value.to_string()))
            .collect();
        for (name, value) in &self.options {
            merged.insert(name, option_text(value));
        }
        merged
            .into_iter()
            .flat_map(|(name, value)| ["-o".to_string(), format!("{name}={value}")])
            .collect()
    }

    /// `ssh -p <port> [-i <identity>] -o …` (the transport, without the target).
    pub(crate) fn transport(&self, interactive: bool) -> Vec<String> {
        let mut words = vec!["ssh".to_string()];
        if interactive {
            words.push("-t".into());
        }
        words.extend(["-p".to_string(), self.port.to_string()]);
        if let Some(identity) = &self.identity_file {
            words.extend(["-i".to_string(), identity.clone()]);
        }
        words.extend(self.options(interactive));
        words
    }

    /// Runs `line` on the Docker host (one argument: the remote shell parses it). `--`
    /// ends ssh's options, so no value from cloud.yaml can be read as one.
    pub(crate) fn remote(&self, line: &str) -> Cmd {
        let transport = self.transport(false);
        Cmd::new(&transport[0])
            .args(&transport[1..])
            .arg("--")
            .arg(self.target())
            .arg(line)
    }

    pub(crate) fn in_container(&self, flags: &str, line: &str) -> Cmd {
        self.remote(&format!(
            "docker exec {flags}{} bash -lc {}",
            quote(&self.container),
            quote(line)
        ))
    }

    /// Runs and requires success; an ssh failure (status 255) names the host.
    pub(crate) fn run_ok(&self, cmd: Cmd) -> Result<Output, ProviderError> {
        let argv = cmd.argv_text();
        let out = cmd.run()?;
        match out.status {
            0 => Ok(out),
            255 => Err(self.connection_failure(&out)),
            _ => Err(out.failure(&argv)),
        }
    }

    pub(crate) fn connection_failure(&self, out: &Output) -> ProviderError {
        failed(format!(
            "ssh to {} (port {}) failed: {}",
            self.target(),
            self.port,
            out.stderr_text().trim()
        ))
    }

    pub(crate) fn env_file(&self) -> String {
        format!("{}/.env", self.remote_dir)
    }

    /// The host directories `deploy` creates and `docker run -v` mounts: the workspace
    /// at the parent of `repo.workspace`, each cache at its tool's path.
    pub(crate) fn mounts(&self, workspace: &str) -> Vec<(String, String)> {
        let mut mounts = Vec::new();
        if let Some(dir) = &self.workspace_dir {
            mounts.push((dir.clone(), posix_parent(workspace.trim_end_matches('/'))));
        }
        if let Some(dir) = &self.cache_dir {
            for (name, target) in CACHES {
                mounts.push((posix_join(dir, name), target.to_string()));
            }
        }
        mounts
    }
}

/// `mkdir -p -- <dirs> && ` and ` -v <dir>:<target>…` for the mounts (empty without).
pub(crate) fn mount_words(mounts: &[(String, String)]) -> (String, String) {
    if mounts.is_empty() {
        return (String::new(), String::new());
    }
    let dirs: Vec<&str> = mounts.iter().map(|(dir, _)| dir.as_str()).collect();
    let create = format!("mkdir -p -- {} && ", quote_join(dirs));
    let flags: String = mounts
        .iter()
        .map(|(dir, target)| format!(" -v {}", quote(&format!("{dir}:{target}"))))
        .collect();
    (create, flags)
}

pub(crate) fn config(ctx: &Context) -> Result<Config, ProviderError> {
    let config: Config = parse_config(ctx, "ssh")?;
    separate_from_workspace(&config)?;
    Ok(config)
}

/// An option's value as OpenSSH reads it: booleans as `yes`/`no`.
fn option_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Bool(true) => "yes".into(),
        serde_json::Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

/// `remote_dir` is synced over (`scp` replaces it, `destroy` deletes it), so it may
/// not be the workspace or hold it, nor sit inside it.
fn separate_from_workspace(config: &Config) -> Result<(), ProviderError> {
    let Some(workspace) = &config.workspace_dir else {
        return Ok(());
    };
    let inside = |dir: &str, outer: &str| {
        let outer = outer.trim_end_matches('/');
        let dir = dir.trim_end_matches('/');
        dir == outer || outer.is_empty() || dir.starts_with(&format!("{outer}/"))
    };
    if inside(&config.remote_dir, workspace) || inside(workspace, &config.remote_dir) {
        return Err(error(
            ErrorKind::InvalidConfig,
            format!(
                "`ssh.remote_dir` must be outside `ssh.workspace_dir` and must not contain it (each deploy replaces the remote directory); got '{}' and '{}'",
                config.remote_dir, workspace
            ),
        ));
    }
    Ok(())
}

pub(crate) fn deploy_dir(ctx: &Context) -> Result<String, ProviderError> {
    ctx.deploy_dir
        .as_ref()
        .map(|d| d.host_path.clone())
        .ok_or_else(|| failed("the ssh provider needs its deploy directory"))
}
