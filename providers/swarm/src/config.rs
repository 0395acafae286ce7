//! The `swarm:` section, read and checked: every value reaches a `docker` argument, so
//! each is held to the characters Docker accepts there, and a value that could be read
//! as a flag or cut a mount specification is refused before anything runs.

use std::collections::BTreeMap;

use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

/// The label every Docker secret of a runner carries, with the service's name.
pub const SECRET_LABEL: &str = "megaplan-cloud.service";

/// The longest service name: its secrets are `<service>-<nonce>-<n>`, and Docker
/// allows 64 characters in a secret's name.
const SERVICE_MAX: usize = 32;

#[derive(Deserialize)]
pub struct Config {
    pub service: String,
    image: Option<String>,
    registry: Option<String>,
    pub volume: String,
    #[serde(default)]
    pub constraints: Vec<String>,
    #[serde(default)]
    pub nodes: BTreeMap<String, String>,
}

impl Config {
    pub fn read(ctx: &Context) -> Result<Self, ProviderError> {
        let config: Config = parse_config(ctx, "swarm")?;
        config.check()?;
        Ok(config)
    }

    /// The image `build` tags and `deploy` runs.
    pub fn image(&self) -> String {
        match (&self.image, &self.registry) {
            (Some(image), _) => image.clone(),
            (None, Some(registry)) => {
                format!("{}/{}:latest", registry.trim_end_matches('/'), self.service)
            }
            (None, None) => format!("{}:latest", self.service),
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
