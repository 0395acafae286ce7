//! The deploy directory: Dockerfile, entrypoint, health server, railway.toml, the four
//! wrappers, and what the configured provider adds (for local: docker-compose.yaml and
//! the workdir; see `config::providers`). Everything is rendered in memory first, so bad
//! input writes nothing; then each file is written atomically with its mode.

mod blocks;

use std::path::{Path, PathBuf};

use crate::config::{CloudSpec, Mode};
use crate::error::{CloudError, CloudResult};
use crate::fs::write_beneath;
use crate::paths::CloudHome;
use megaplan_cloud_shell::quote;

use crate::template::render;
pub use blocks::ensure_repo;

const DOCKERFILE: &str = include_str!("../../templates/Dockerfile");
const ENTRYPOINT: &str = include_str!("../../templates/entrypoint.sh");
const HEALTHSERVER: &str = include_str!("../../templates/healthserver.py");
const RAILWAY_TOML: &str = include_str!("../../templates/railway.toml");
const WRAPPERS: &[(&str, &str)] = &[
    ("mp-run", include_str!("../../templates/wrappers/mp-run")),
    (
        "mp-supervise",
        include_str!("../../templates/wrappers/mp-supervise"),
    ),
    (
        "mp-heartbeat",
        include_str!("../../templates/wrappers/mp-heartbeat"),
    ),
    (
        "mp-chain",
        include_str!("../../templates/wrappers/mp-chain"),
    ),
];

/// One file of the deploy directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// Relative to the deploy directory.
    pub path: String,
    pub contents: String,
    pub mode: u32,
}

/// `auto.robustness` as the field table defaults it (the entrypoint needs a value in
/// every mode).
fn robustness_default() -> &'static str {
    crate::config::fields::text_default("auto.robustness").unwrap_or_default()
}

/// A TOML (and JSON) basic string.
fn toml_string(value: &str) -> String {
    serde_json::to_string(value).expect("strings serialise")
}

pub fn dockerfile(spec: &CloudSpec) -> CloudResult<String> {
    let template = match &spec.image.dockerfile {
        None => DOCKERFILE.to_string(),
        Some(path) => {
            let base = spec.path.parent().unwrap_or(Path::new("."));
            let path = base.join(path);
            std::fs::read_to_string(&path).map_err(|e| {
                CloudError::new(
                    "invalid_spec",
                    format!("`image.dockerfile` cannot be read: {}: {e}", path.display()),
                )
            })?
        }
    };
    render(
        &template,
        "Dockerfile",
        &[
            ("BASE_IMAGE", spec.image.base.clone()),
            ("TOOLCHAIN_BLOCK", blocks::toolchains(&spec.toolchains)),
        ],
    )
}

pub fn entrypoint(spec: &CloudSpec) -> CloudResult<String> {
    let auto = spec.auto.as_ref();
    let values = [
        ("REPO_URL", quote(&spec.repo.url)),
        ("REPO_BRANCH", quote(&spec.repo.branch)),
        ("WORKSPACE_PATH", quote(&spec.repo.workspace)),
        ("MODE", quote(spec.mode.as_str())),
        (
            "IDEA_FILE",
            quote(auto.map_or("/workspace/idea.txt", |a| &a.idea_file)),
        ),
        (
            "CHAIN_SPEC",
            quote(
                spec.chain
                    .as_ref()
                    .map_or("/workspace/chain.yaml", |c| &c.spec),
            ),
        ),
        (
            "AUTO_PLAN_NAME",
            quote(auto.map_or("idle-plan", |a| &a.plan_name)),
        ),
        ("CODEX_MODEL", quote(&spec.codex.model)),
        ("CODEX_REASONING", quote(&spec.codex.reasoning)),
        ("CODEX_MODEL_TOML", toml_string(&spec.codex.model)),
        ("CODEX_REASONING_TOML", toml_string(&spec.codex.reasoning)),
        ("MEGAPLAN_REF", quote(&spec.megaplan_ref)),
        (
            "ROBUSTNESS",
            quote(auto.map_or(robustness_default(), |a| &a.robustness)),
        ),
        ("AGENT_ROUTING_BLOCK", blocks::agent_routing(spec)),
        ("ENSURE_REPO_BLOCK", blocks::ensure_repo(&spec.repo)),
        ("RUNNER_LAUNCH_BLOCK", blocks::runner_launch(spec)),
    ];
    debug_assert!(matches!(spec.mode, Mode::Idle) || auto.is_some() || spec.chain.is_some());
    render(ENTRYPOINT, "entrypoint", &values)
}

/// Every file of the deploy directory, rendered.
pub fn artifacts(spec: &CloudSpec) -> CloudResult<Vec<Artifact>> {
    let file = |path: &str, contents: String, mode: u32| Artifact {
        path: path.to_string(),
        contents,
        mode,
    };
    let mut files = vec![
        file("Dockerfile", dockerfile(spec)?, 0o644),
        file("entrypoint.sh", entrypoint(spec)?, 0o755),
        file("healthserver.py", HEALTHSERVER.to_string(), 0o644),
        file("railway.toml", RAILWAY_TOML.to_string(), 0o644),
    ];
    for (name, text) in WRAPPERS {
        files.push(file(&format!("wrappers/{name}"), text.to_string(), 0o755));
    }
    for extra in spec.deploy_extras()?.files {
        files.push(file(extra.path, extra.contents, extra.mode));
    }
    Ok(files)
}

/// A rendered deploy directory: where it lives, and the files the host wrote there.
#[derive(Debug)]
pub struct DeployDir {
    place: Place,
    /// Relative paths of every file the host rendered (a provider may not replace one).
    files: Vec<String>,
}

/// Where a provider's deploy directory lives.
#[derive(Debug)]
enum Place {
    /// Deleted when dropped (railway and third-party providers).
    Temporary(tempfile::TempDir),
    /// Kept across runs: `~/.megaplan/cloud/<compose_project>/` (local) or
    /// `~/.megaplan/cloud/ssh-<host>/` (ssh).
    Persistent(PathBuf),
}

impl DeployDir {
    pub fn path(&self) -> &Path {
        match &self.place {
            Place::Temporary(dir) => dir.path(),
            Place::Persistent(path) => path,
        }
    }

    /// The files the host rendered, relative to [`DeployDir::path`].
    pub fn host_files(&self) -> &[String] {
        &self.files
    }
}

/// The provider's persistent deploy directory (local, ssh), if it keeps one.
pub fn persistent_dir(spec: &CloudSpec, home: &CloudHome) -> CloudResult<Option<PathBuf>> {
    Ok(spec
        .deploy_extras()?
        .dir_name
        .map(|name| home.root().join(name)))
}

/// Renders the deploy directory and writes it. Nothing is written when rendering fails.
pub fn materialize(spec: &CloudSpec, home: &CloudHome) -> CloudResult<DeployDir> {
    let files = artifacts(spec)?;
    let place = match persistent_dir(spec, home)? {
        Some(path) => Place::Persistent(path),
        None => Place::Temporary(
            tempfile::Builder::new()
                .prefix("megaplan-cloud-")
                .tempdir()
                .map_err(|e| {
                    CloudError::new(
                        "io_error",
                        format!("cannot create a temporary deploy directory: {e}"),
                    )
                })?,
        ),
    };
    let dir = DeployDir {
        place,
        files: files.iter().map(|f| f.path.clone()).collect(),
    };
    for file in &files {
        write_beneath(dir.path(), &file.path, file.contents.as_bytes(), file.mode)?;
    }
    for name in spec.deploy_extras()?.dirs {
        let extra = dir.path().join(name);
        std::fs::create_dir_all(&extra).map_err(|e| {
            CloudError::new(
                "io_error",
                format!("cannot create {}: {e}", extra.display()),
            )
        })?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests;
