//! `destroy`: the deployment goes, the persistent workspace stays unless the operator
//! asks for it to go too (`--purge-workspace`), and then only after saying so.

use std::path::Path;

use megaplan_cloud_shell::{posix_parent, quote};

use super::context::{Context, SessionRequest};
use crate::config::CloudSpec;
use crate::error::{CloudError, CloudResult};

/// Where a runner's workspace outlives its container, as the operator should hear it.
pub enum Persistence {
    /// A directory on the operator's machine (local: the deploy directory's workdir).
    LocalDir { relative: String },
    /// A directory on the Docker host (ssh: `ssh.workspace_dir`), mounted at `mount`.
    HostDir { dir: String, mount: String },
    /// A named volume the provider removes when asked (swarm: `swarm.volume`).
    NamedVolume(String),
    /// Whatever a third-party provider keeps: it removes it when asked (`volume
    /// remove`), if it declares that it manages one.
    ProviderKept,
    /// The provider's volume (`resources.volume`), deleted by `destroy` as the
    /// reference does.
    Volume(String),
}

impl Persistence {
    pub fn of(spec: &CloudSpec) -> Option<Self> {
        match spec.provider.as_str() {
            "local" => spec.local.as_ref().map(|local| Persistence::LocalDir {
                relative: local.workdir.clone(),
            }),
            "ssh" => spec
                .ssh
                .as_ref()?
                .workspace_dir
                .clone()
                .map(|dir| Persistence::HostDir {
                    dir,
                    mount: posix_parent(spec.repo.workspace.trim_end_matches('/')),
                }),
            "swarm" => spec
                .swarm
                .as_ref()
                .map(|swarm| Persistence::NamedVolume(swarm.volume.clone())),
            builtin if crate::config::providers::NAMES.contains(&builtin) => {
                spec.resources.volume.clone().map(Persistence::Volume)
            }
            _ => Some(
                spec.resources
                    .volume
                    .clone()
                    .map_or(Persistence::ProviderKept, Persistence::Volume),
            ),
        }
    }
}

/// `destroy`: asks `confirm` (unless `yes`), then tears the deployment down and removes
/// the persistent deploy directory, keeping the persistent workspace unless `purge`.
/// Declining is `Ok(false)`, with no provider call.
pub fn destroy(
    ctx: &mut Context,
    yes: bool,
    purge: bool,
    confirm: &mut dyn FnMut(&str) -> bool,
) -> CloudResult<bool> {
    let spec = ctx.load_spec()?;
    let persistence = Persistence::of(&spec);
    // A dry run asks nothing: it only shows what would run.
    let dry_run = ctx.options.dry_run;
    if !yes && !dry_run && !confirm(&prompt(&spec, persistence.as_ref(), purge)) {
        return Ok(false);
    }
    if dry_run {
        ctx.console.err_line(&format!(
            "dry run: destroy would ask: {}",
            prompt(&spec, persistence.as_ref(), purge).trim_end()
        ));
    }
    let mut session = ctx.open_session(&spec, SessionRequest::plain())?;
    if purge && let Some(Persistence::HostDir { dir, mount }) = &persistence {
        purge_host_dir(&mut session, dir, mount)?;
    }
    session.destroy()?;
    if purge && provider_removes(&session, persistence.as_ref()) {
        // After the runner, which holds it.
        session.remove_volume()?;
    }
    // The chains' own runners go too, each with its volume on a purge.
    for runner in crate::markers::runners(&ctx.home, &ctx.cloud_yaml_path()) {
        let mut chain_runner = super::chain_runner::session_on(ctx, &spec, Some(&runner))?;
        chain_runner.destroy()?;
        if purge && provider_removes(&chain_runner, persistence.as_ref()) {
            chain_runner.remove_volume()?;
        }
    }
    if dry_run {
        return Ok(true);
    }
    if !purge && let Some(kept) = persistence.as_ref().and_then(Persistence::described) {
        ctx.console.err_line(&format!(
            "{kept} is kept; destroy --purge-workspace deletes it"
        ));
    }
    if let Some(dir) = crate::deploy_dir::persistent_dir(&spec, &ctx.home)?
        && dir.exists()
    {
        let keep = match &persistence {
            Some(Persistence::LocalDir { relative }) if !purge => Some(relative.as_str()),
            _ => None,
        };
        remove_keeping(&dir, keep)?;
    }
    Ok(true)
}

impl Persistence {
    /// How the operator should hear of it; `None` for the provider's volume, which the
    /// reference's prompt already names.
    fn described(&self) -> Option<String> {
        match self {
            Persistence::LocalDir { relative } => Some(format!(
                "the workspace in the deploy directory's {relative}/"
            )),
            Persistence::HostDir { dir, .. } => {
                Some(format!("the workspace {dir} on the Docker host"))
            }
            Persistence::NamedVolume(volume) => Some(format!("the workspace volume {volume}")),
            Persistence::ProviderKept => {
                Some("the runner's persistent workspace (if its provider keeps one)".into())
            }
            Persistence::Volume(_) => None,
        }
    }
}

/// Whether the provider itself deletes the workspace on a purge (`volume remove`).
fn provider_removes(session: &super::Session, persistence: Option<&Persistence>) -> bool {
    match persistence {
        Some(Persistence::NamedVolume(_)) => true,
        Some(Persistence::ProviderKept) => session
            .description()
            .has_feature(crate::plugin::Feature::Volumes),
        _ => false,
    }
}

/// The reference's prompt, unless the workspace is to be purged too.
fn prompt(spec: &CloudSpec, persistence: Option<&Persistence>, purge: bool) -> String {
    let volume = spec.resources.volume.as_deref().unwrap_or("<no volume>");
    match persistence.and_then(Persistence::described) {
        Some(workspace) if purge => format!(
            "Destroy cloud deployment, delete volume '{volume}' and delete {workspace} (every repository, plan and login in it)? [y/N]: "
        ),
        _ => format!("Destroy cloud deployment and delete volume '{volume}'? [y/N]: "),
    }
}

/// Empties the workspace directory through the runner, before the runner goes; it
/// fails, and nothing is destroyed, when the runner cannot be reached.
fn purge_host_dir(session: &mut super::Session, dir: &str, mount: &str) -> CloudResult<()> {
    use crate::workflow::Runner;
    let line = format!(
        "find {} -mindepth 1 -maxdepth 1 -exec rm -rf -- {{}} +",
        quote(mount)
    );
    let output = session.run(&line)?;
    if output.status == 0 || session.dry_run() {
        return Ok(());
    }
    Err(CloudError::new(
        "purge_failed",
        session.redact(&format!(
            "cannot purge the persistent workspace {dir} through the runner (exit {}): {}; nothing was destroyed. Start the runner with deploy and retry, or remove {dir} on the Docker host",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    ))
}

/// Removes `dir`, except the directory `keep` (relative) and what leads to it.
fn remove_keeping(dir: &Path, keep: Option<&str>) -> CloudResult<()> {
    let failed = |e: std::io::Error, path: &Path| {
        CloudError::new(
            "io_error",
            format!("cannot remove the deploy directory {}: {e}", path.display()),
        )
    };
    let Some(keep) = keep.map(Path::new).filter(|k| !k.as_os_str().is_empty()) else {
        return std::fs::remove_dir_all(dir).map_err(|e| failed(e, dir));
    };
    let mut components = keep.components();
    let Some(first) = components.next() else {
        return Ok(());
    };
    let rest = components.as_path();
    for entry in std::fs::read_dir(dir).map_err(|e| failed(e, dir))? {
        let path = entry.map_err(|e| failed(e, dir))?.path();
        if path.file_name() != Some(first.as_os_str()) {
            let removed = if path.is_dir() && !path.is_symlink() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.map_err(|e| failed(e, &path))?;
        } else if !rest.as_os_str().is_empty() && path.is_dir() && !path.is_symlink() {
            remove_keeping(&path, rest.to_str())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> CloudSpec {
        CloudSpec::parse(text, "cloud.yaml", &|_| false)
            .unwrap()
            .spec
    }

    #[test]
    fn the_prompt_is_the_references_unless_the_workspace_goes_too() {
        let ssh = spec("provider: ssh\nrepo: {url: u}\nssh: {host: h, workspace_dir: /opt/w}\n");
        let persistence = Persistence::of(&ssh);
        assert!(
            matches!(&persistence, Some(Persistence::HostDir { dir, mount }) if dir == "/opt/w" && mount == "/workspace")
        );
        assert_eq!(
            prompt(&ssh, persistence.as_ref(), false),
            "Destroy cloud deployment and delete volume '<no volume>'? [y/N]: "
        );
        assert_eq!(
            prompt(&ssh, persistence.as_ref(), true),
            "Destroy cloud deployment, delete volume '<no volume>' and delete the workspace /opt/w on the Docker host (every repository, plan and login in it)? [y/N]: "
        );
        let local = spec("provider: local\nrepo: {url: u}\n");
        assert!(
            prompt(&local, Persistence::of(&local).as_ref(), true)
                .contains("delete the workspace in the deploy directory's workspace/")
        );
        let plain = spec("provider: ssh\nrepo: {url: u}\nssh: {host: h}\n");
        assert!(Persistence::of(&plain).is_none());
        let swarm = spec("provider: swarm\nrepo: {url: u}\nswarm: {volume: ws}\n");
        assert!(
            prompt(&swarm, Persistence::of(&swarm).as_ref(), true)
                .contains("delete the workspace volume ws (every repository")
        );
        // A third-party provider's workspace is its own; a purge asks it to delete it.
        let third = CloudSpec::parse("provider: acme\nrepo: {url: u}\n", "cloud.yaml", &|_| true)
            .unwrap()
            .spec;
        assert!(matches!(
            Persistence::of(&third),
            Some(Persistence::ProviderKept)
        ));
        assert!(
            prompt(&third, Persistence::of(&third).as_ref(), true)
                .contains("delete the runner's persistent workspace (if its provider keeps one)")
        );
    }

    #[test]
    fn the_workspace_survives_and_everything_else_goes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "docker-compose.yaml",
            ".env",
            "a/b/work/x",
            "a/b/other",
            "a/sibling/y",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        remove_keeping(root, Some("a/b/work")).unwrap();
        let mut left: Vec<String> = walk(root);
        left.sort();
        assert_eq!(left, ["a", "a/b", "a/b/work", "a/b/work/x"]);
        remove_keeping(root, None).unwrap();
        assert!(!root.exists());
    }

    fn walk(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                out.push(path.strip_prefix(root).unwrap().display().to_string());
                if path.is_dir() {
                    stack.push(path);
                }
            }
        }
        out
    }
}
