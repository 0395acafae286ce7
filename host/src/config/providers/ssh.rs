//! The ssh provider's section of cloud.yaml, and its persistent deploy directory
//! (`~/.megaplan/cloud/ssh-<host>/`).

use serde_json::{Map, Value as Json, json};
use yaml_serde::Mapping;

use super::super::fields::DefaultValue::{Json as JsonText, Number, Text};
use super::super::fields::{Field, Kind, added, field};
use super::super::reader::{Reader, get, python_repr};
use super::{DeployExtras, directory_name};
use crate::error::CloudResult;

#[derive(Clone, Debug, PartialEq)]
pub struct Ssh {
    pub host: String,
    pub user: Option<String>,
    pub port: u16,
    pub identity_file: Option<String>,
    pub remote_dir: String,
    pub container: String,
    /// The host directory mounted at the parent of `repo.workspace`, so repositories,
    /// plan state and logins survive a redeploy (the later upstream's field).
    pub workspace_dir: Option<String>,
    /// The host directory holding pip's and npm's caches.
    pub cache_dir: Option<String>,
    /// OpenSSH `-o` options, in file order (an addition).
    pub options: Vec<(String, String)>,
}

pub const FIELDS: &[Field] = &[
    field(
        "ssh.host",
        Kind::String,
        None,
        "Docker host reached over SSH. Required for provider ssh.",
    ),
    field("ssh.user", Kind::String, None, "SSH user."),
    field(
        "ssh.port",
        Kind::PositiveInteger,
        Some(Number(22)),
        "SSH port.",
    ),
    field(
        "ssh.identity_file",
        Kind::String,
        None,
        "Identity file for ssh, scp and rsync (not expanded).",
    ),
    field(
        "ssh.remote_dir",
        Kind::AbsolutePath,
        Some(Text("/tmp/megaplan-cloud")),
        "Remote directory holding the build context and .env.",
    ),
    field(
        "ssh.container",
        Kind::String,
        Some(Text("megaplan-cloud-agent")),
        "Remote container name and image tag.",
    ),
    added(
        "ssh.workspace_dir",
        Kind::AbsolutePath,
        None,
        "Directory on the Docker host mounted at the parent of `repo.workspace`: the repositories, plan state and logins survive every redeploy. `deploy` creates it; `destroy` keeps it unless `--purge-workspace`.",
    ),
    added(
        "ssh.cache_dir",
        Kind::AbsolutePath,
        None,
        "Directory on the Docker host holding pip's and npm's caches (`pip/` at /root/.cache/pip, `npm/` at /root/.npm).",
    ),
    added(
        "ssh.options",
        Kind::StringMap,
        Some(JsonText("{}")),
        "OpenSSH options (`-o NAME=VALUE`) overriding the defaults BatchMode=yes (non-interactive calls), ConnectTimeout=10, ServerAliveInterval=30, ServerAliveCountMax=3, StrictHostKeyChecking=accept-new.",
    ),
];

/// Read when the provider is ssh or the section has keys.
pub(in crate::config) fn read(
    r: &Reader<'_>,
    root: Option<&Mapping>,
    provider: &str,
) -> CloudResult<Option<Ssh>> {
    let map = r.mapping(get(root, "ssh"), "ssh")?;
    if provider != "ssh" && map.is_none_or(|m| m.is_empty()) {
        return Ok(None);
    }
    let message = "`ssh.port` must be a positive integer";
    let port = r.number(map, "ssh.port", message)?;
    let port = u16::try_from(port)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| r.error("ssh.port", message))?;
    let ssh = Ssh {
        host: r.text(map, "ssh.host")?,
        user: r.optional_text(map, "ssh.user")?,
        port,
        identity_file: r.optional_text(map, "ssh.identity_file")?,
        remote_dir: r.absolute(map, "ssh.remote_dir")?,
        container: r.text(map, "ssh.container")?,
        workspace_dir: optional_absolute(r, map, "ssh.workspace_dir")?,
        cache_dir: optional_absolute(r, map, "ssh.cache_dir")?,
        options: r.string_map(get(map, "options"), "ssh.options")?,
    };
    separate_from_workspace(r, &ssh)?;
    let words = [
        ("ssh.host", Some(&ssh.host)),
        ("ssh.user", ssh.user.as_ref()),
        ("ssh.identity_file", ssh.identity_file.as_ref()),
        ("ssh.container", Some(&ssh.container)),
    ];
    for (path, value) in words {
        if let Some(value) = value {
            operand(r, path, value)?;
        }
    }
    Ok(Some(ssh))
}

fn optional_absolute(
    r: &Reader<'_>,
    map: Option<&Mapping>,
    path: &str,
) -> CloudResult<Option<String>> {
    let value = r.optional_text(map, path)?;
    if let Some(value) = &value
        && let Some(message) = super::super::reader::absolute_path_problem(path, value)
    {
        return Err(r.error(path, message));
    }
    Ok(value)
}

/// `remote_dir` is synced over (and `scp` replaces it, `destroy` deletes it), so it
/// may not be the workspace or hold it, nor sit inside it.
fn separate_from_workspace(r: &Reader<'_>, ssh: &Ssh) -> CloudResult<()> {
    let Some(workspace) = &ssh.workspace_dir else {
        return Ok(());
    };
    let inside = |dir: &str, outer: &str| {
        let outer = outer.trim_end_matches('/');
        let dir = dir.trim_end_matches('/');
        dir == outer || outer.is_empty() || dir.starts_with(&format!("{outer}/"))
    };
    if inside(&ssh.remote_dir, workspace) || inside(workspace, &ssh.remote_dir) {
        return Err(r.error(
            "ssh.remote_dir",
            format!(
                "`ssh.remote_dir` must be outside `ssh.workspace_dir` and must not contain it (each deploy replaces the remote directory); got {} and {}",
                python_repr(&ssh.remote_dir),
                python_repr(workspace)
            ),
        ));
    }
    Ok(())
}

/// A value that ends up as a word of an ssh, scp or rsync command line: one that starts
/// with `-` would be read as an option (`-oProxyCommand=…` runs a local command).
fn operand(r: &Reader<'_>, path: &str, value: &str) -> CloudResult<()> {
    if value.starts_with('-') || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(r.error(
            path,
            format!(
                "`{path}` must not start with '-' or contain whitespace or control characters; got {}",
                python_repr(value)
            ),
        ));
    }
    Ok(())
}

impl Ssh {
    pub fn section(&self) -> Json {
        let options: Map<String, Json> = self
            .options
            .iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect();
        json!({
            "host": self.host,
            "user": self.user,
            "port": self.port,
            "identity_file": self.identity_file,
            "remote_dir": self.remote_dir,
            "container": self.container,
            "workspace_dir": self.workspace_dir,
            "cache_dir": self.cache_dir,
            "options": options,
        })
    }

    pub(in crate::config) fn extras(&self) -> CloudResult<DeployExtras> {
        Ok(DeployExtras {
            dir_name: Some(format!("ssh-{}", directory_name(&self.host, "ssh.host")?)),
            ..DeployExtras::default()
        })
    }
}
