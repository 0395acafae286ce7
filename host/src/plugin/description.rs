//! What the host knows of a provider and tells it, in the host's own types: the checked
//! description, doctor checks, the operation context, log sources. Nothing here is a
//! generated binding, so the rest of the host is tested without wasm.

use serde::Serialize;

use super::bindings::megaplan::cloud::types as wit;
use super::contract;
use crate::capability::argv_rules::{Exposure, exposure};
use crate::capability::{CommandSpec, policy};
use crate::error::{CloudError, CloudResult};

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProgramDecl {
    pub name: String,
    pub install_hint: String,
    pub required: bool,
    /// What granting it amounts to (the host's judgement, not the provider's).
    pub exposure: Exposure,
}

/// Optional abilities a provider declares.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Feature {
    /// `attach --session NAME` selects a named remote session.
    NamedSessions,
    /// The provider manages a persistent volume.
    Volumes,
    /// `exec` runs remote commands (the workflows depend on it).
    RemoteExec,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProviderDescription {
    pub name: String,
    pub version: String,
    pub contract_version: String,
    pub programs: Vec<ProgramDecl>,
    /// Environment variables it sets on its commands.
    pub env: Vec<String>,
    pub features: Vec<Feature>,
    pub summary: String,
}

impl ProviderDescription {
    pub fn has_feature(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }
}

/// One line of a `doctor` report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// What `volume` should do with `resources.volume`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolumeAction {
    Ensure,
    Remove,
}

/// What an operation is told, on the host's side. Contains no secret values.
#[derive(Clone, Debug, Default)]
pub struct OpContext {
    pub config: serde_json::Value,
    pub workspace: String,
    pub port: u16,
    pub volume: Option<String>,
    pub secret_names: Vec<String>,
    pub unset_secrets: Vec<String>,
    pub session: Option<String>,
    /// The runner the operation is for (`runner.selected`, contract 0.6.0): `None` for
    /// the configuration's own.
    pub runner: Option<String>,
}

pub enum LogSource {
    Streamed(CommandSpec),
    Captured(Vec<u8>),
}

fn describe_features(features: wit::Features) -> Vec<Feature> {
    [
        (wit::Features::NAMED_SESSIONS, Feature::NamedSessions),
        (wit::Features::VOLUMES, Feature::Volumes),
        (wit::Features::REMOTE_EXEC, Feature::RemoteExec),
    ]
    .into_iter()
    .filter(|(flag, _)| features.contains(*flag))
    .map(|(_, feature)| feature)
    .collect()
}

fn valid_provider_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.len() <= 64
}

/// The component's description, checked: a valid name, a contract compatible with the
/// one its exports speak (`exported`), bare program names.
pub(super) fn validate(raw: wit::Description, exported: &str) -> CloudResult<ProviderDescription> {
    if !valid_provider_name(&raw.name) {
        return Err(CloudError::new(
            "invalid_provider",
            format!(
                "provider name {:?} is invalid: use lowercase letters, digits, '-' or '_', starting with a letter",
                raw.name
            ),
        ));
    }
    if !contract::compatible(exported, &raw.contract_version) {
        return Err(contract::incompatible(
            &format!("provider '{}' (by its describe())", raw.name),
            &raw.contract_version,
        ));
    }
    for program in &raw.programs {
        if !policy::is_bare_program_name(&program.name) {
            return Err(CloudError::new(
                "invalid_provider",
                format!(
                    "provider '{}' declares program {:?}: programs must be bare names looked up on PATH",
                    raw.name, program.name
                ),
            ));
        }
    }
    for key in &raw.env {
        if !policy::is_env_name(key) || policy::is_loader_variable(key) {
            return Err(CloudError::new(
                "invalid_provider",
                format!(
                    "provider '{}' declares environment variable {key:?}: it must be a plain name, and never LD_* or DYLD_*",
                    raw.name
                ),
            ));
        }
    }
    Ok(ProviderDescription {
        env: raw.env,
        features: describe_features(raw.features),
        programs: raw
            .programs
            .into_iter()
            .map(|p| ProgramDecl {
                exposure: exposure(&p.name),
                name: p.name,
                install_hint: p.install_hint,
                required: p.required,
            })
            .collect(),
        name: raw.name,
        version: raw.version,
        contract_version: raw.contract_version,
        summary: raw.summary,
    })
}
