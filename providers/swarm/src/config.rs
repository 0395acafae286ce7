//! The `swarm:` section, read and checked: every value reaches a `docker` argument, so
//! each is held to the characters Docker accepts there, and a value that could be read
//! as a flag or cut a mount specification is refused before anything runs.

use std::collections::BTreeMap;

use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

/// The label every Docker secret of a runner carries, with the service's name.
pub const SECRET_LABEL: &str = "megaplan-cloud.service";

/// The longest `swarm.service`: a chain's runner is `<service>-<runner>` (a runner's
/// name is at most `runner::NAME_MAX`), within Docker's 63 characters for a service.
const SERVICE_MAX: usize = 32;

#[derive(Deserialize)]
pub struct Config {
    /// The runner's service: `swarm.service`, or a chain's own (`<service>-<runner>`).
    pub service: String,
    image: Option<String>,
    registry: Option<String>,
    /// The runner's volume: `swarm.volume`, or a chain's own (`<volume>-<runner>`).
    pub volume: String,
    #[serde(default)]
    pub runner_per_chain: bool,
    /// `swarm.service` as configured, which names the image whichever runner this is.
    #[serde(skip)]
    configured_service: String,
    #[serde(default)]
    pub constraints: Vec<String>,
    #[serde(default)]
    pub nodes: BTreeMap<String, String>,
}

impl Config {
    /// The section, checked, with the names of the runner the operation is for: a
    /// chain's own when chains get runners of their own and the host named one.
    pub fn read(ctx: &Context) -> Result<Self, ProviderError> {
        let mut config: Config = parse_config(ctx, "swarm")?;
        config.check()?;
        config.configured_service = config.service.clone();
        if let Some(runner) = runner::for_chain(config.runner_per_chain)? {
            config.service = format!("{}-{runner}", config.service);
            config.volume = format!("{}-{runner}", config.volume);
        }
        Ok(config)
    }

    /// The image `build` tags and `deploy` runs: one for every runner, named after
    /// `swarm.service` whichever runner this is.
    pub fn image(&self) -> String {
        match (&self.image, &self.registry) {
            (Some(image), _) => image.clone(),
            (None, Some(registry)) => {
                let registry = registry.trim_end_matches('/');
                format!("{registry}/{}:latest", self.configured_service)
            }
            (None, None) => format!("{}:latest", self.configured_service),
        }
    }

    /// Whether the image is meant to be pulled from a registry by the nodes.
    pub fn pushes(&self) -> bool {
        self.registry.is_some()
    }

    fn check(&self) -> Result<(), ProviderError> {
        let service_ok = !self.service.is_empty()
            && self.service.len() <= SERVICE_MAX
            && self
                .service
                .starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && self.service.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            });
        if !service_ok {
            return Err(invalid(format!(
                "`swarm.service` must be 1 to {SERVICE_MAX} lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit; got {:?}",
                self.service
            )));
        }
        let volume_ok = self.volume.starts_with(|c: char| c.is_ascii_alphanumeric())
            && self
                .volume
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !volume_ok {
            return Err(invalid(format!(
                "`swarm.volume` must be a Docker volume name (letters, digits, `.`, `_`, `-`, starting with a letter or digit); got {:?}",
                self.volume
            )));
        }
        for (field, value) in [("image", &self.image), ("registry", &self.registry)] {
            if let Some(value) = value {
                reference_word(field, value)?;
            }
        }
        for constraint in &self.constraints {
            let has_operator = constraint.contains("==") || constraint.contains("!=");
            if !has_operator || !plain(constraint) {
                return Err(invalid(format!(
                    "each of `swarm.constraints` must read `<attribute>==<value>` or `<attribute>!=<value>` on one line; got {constraint:?}"
                )));
            }
        }
        for (node, endpoint) in &self.nodes {
            let scheme_ok = ["ssh://", "tcp://", "unix://"]
                .iter()
                .any(|scheme| endpoint.starts_with(scheme));
            if !plain(node) || !scheme_ok || !plain(endpoint) {
                return Err(invalid(format!(
                    "`swarm.nodes` maps a node's hostname to a DOCKER_HOST value (ssh://, tcp:// or unix://); got {node:?}: {endpoint:?}"
                )));
            }
        }
        Ok(())
    }
}

/// One line, not empty, not a flag.
fn plain(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with('-')
        && !value.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// An image or registry reference: what Docker allows in one, nothing a shell or a
/// flag parser would read otherwise.
fn reference_word(field: &str, value: &str) -> Result<(), ProviderError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-:/@".contains(c);
    if plain(value) && value.chars().all(allowed) {
        return Ok(());
    }
    Err(invalid(format!(
        "`swarm.{field}` must be an image reference (letters, digits, `.`, `_`, `-`, `:`, `/`, `@`); got {value:?}"
    )))
}

fn invalid(message: String) -> ProviderError {
    error(ErrorKind::InvalidConfig, message)
}

/// Where the runner's workspace volume is mounted: the parent of `repo.workspace`, as
/// the local and ssh providers mount theirs. A mount is given as comma-separated
/// `key=value` pairs, so the path may not hold a comma or a quote.
pub fn volume_target(ctx: &Context) -> Result<String, ProviderError> {
    let target = posix_parent(ctx.workspace.trim_end_matches('/'));
    if target.contains([',', '"', '\n']) {
        return Err(invalid(format!(
            "the swarm provider mounts its volume at the parent of `repo.workspace`, which may not contain a comma, a quote or a newline; got {:?}",
            target
        )));
    }
    Ok(target)
}
