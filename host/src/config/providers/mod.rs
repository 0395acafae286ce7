//! The built-in providers' sections of cloud.yaml. Each built-in declares its section's
//! schema the way any provider does (`config.schema.json` in its crate, returned by its
//! `config-schema`); the host embeds the same files at build time, so a section is
//! validated and defaulted by that one mechanism, with located errors, even when its
//! provider is not the one in use (as the reference validates them). What the host
//! still knows of a section is only what it does with it itself: the local provider's
//! compose project and workdir (its persistent directory, compose file and bind mount),
//! the ssh provider's host and workspace directory (its persistent directory, what
//! `destroy` keeps), the railway provider's service (what names the runner in a marker),
//! the swarm provider's service and volume (the runner's name, what `destroy` keeps).

pub mod local;
pub mod railway;
pub mod ssh;
pub mod swarm;

use std::sync::OnceLock;

use serde_json::Value as Json;
use yaml_serde::Mapping;

use super::CloudSpec;
use super::reader::{Reader, get, python_repr};
use super::section_schema::SectionSchema;
use crate::error::{CloudError, CloudResult};

/// The built-in providers, in the reference's order.
pub const NAMES: &[&str] = &["railway", "local", "ssh", "swarm"];

/// Their sections' meaning (each name is also a block of cloud.yaml).
pub const BLOCKS: &[(&str, &str)] = &[
    ("railway", "Settings of the railway provider."),
    ("local", "Settings of the local provider."),
    ("ssh", "Settings of the ssh provider."),
    (
        "swarm",
        "Settings of the swarm provider. (megaplan-cloud addition)",
    ),
];

/// What each built-in declares: the file its component returns from `config-schema`.
pub const DECLARED: &[(&str, &str)] = &[
    (
        "railway",
        include_str!("../../../../providers/railway/config.schema.json"),
    ),
    (
        "local",
        include_str!("../../../../providers/local/config.schema.json"),
    ),
    (
        "ssh",
        include_str!("../../../../providers/ssh/config.schema.json"),
    ),
    (
        "swarm",
        include_str!("../../../../providers/swarm/config.schema.json"),
    ),
];

struct Declared {
    name: &'static str,
    schema: SectionSchema,
    /// `ssh.host`, … for the unknown-key warnings and their hints.
    paths: Vec<String>,
}

fn declared() -> &'static [Declared] {
    static DECLARED_SCHEMAS: OnceLock<Vec<Declared>> = OnceLock::new();
    DECLARED_SCHEMAS.get_or_init(|| {
        DECLARED
            .iter()
            .map(|(name, text)| {
                let schema = SectionSchema::parse(text, name)
                    .unwrap_or_else(|e| panic!("a built-in's schema is the host's own: {e}"));
                let paths = schema
                    .properties()
                    .keys()
                    .map(|key| format!("{name}.{key}"))
                    .collect();
                Declared {
                    name,
                    schema,
                    paths,
                }
            })
            .collect()
    })
}

/// The schema a built-in declares for its section.
pub fn schema_of(name: &str) -> Option<&'static SectionSchema> {
    declared()
        .iter()
        .find(|d| d.name == name)
        .map(|d| &d.schema)
}

/// Every field of every built-in's section (`ssh.host`, …).
pub fn field_paths() -> impl Iterator<Item = &'static str> {
    declared()
        .iter()
        .flat_map(|d| d.paths.iter().map(String::as_str))
}

/// A built-in's section, checked against its schema with its defaults filled in; `None`
/// when it is not read: local's, ssh's and swarm's only when their provider is in use or
/// their mapping has keys, railway's always (as the reference does).
pub(in crate::config) fn read_section(
    r: &Reader<'_>,
    root: Option<&Mapping>,
    name: &str,
    provider: &str,
) -> CloudResult<Option<Json>> {
    let map = r.mapping(get(root, name), name)?;
    if name != "railway" && provider != name && map.is_none_or(|m| m.is_empty()) {
        return Ok(None);
    }
    let section = match map {
        Some(map) => serde_json::to_value(map).map_err(|e| r.error(name, e.to_string()))?,
        None => Json::Object(Default::default()),
    };
    let schema = schema_of(name).expect("every built-in declares its section");
    schema
        .apply(&section, name, &|path, key| r.prefix(path, key))
        .map(Some)
}

/// What the host reads of a checked section for its own use.
pub(in crate::config) fn typed<T: serde::de::DeserializeOwned>(
    section: &Json,
    name: &str,
) -> CloudResult<T> {
    serde_json::from_value(section.clone()).map_err(|e| {
        CloudError::new(
            "invalid_spec",
            format!("the `{name}` section does not fit its own schema: {e}"),
        )
    })
}

/// What the configured provider adds to the deploy directory.
pub fn extras_of(spec: &CloudSpec) -> CloudResult<DeployExtras> {
    let (workspace, port) = (spec.repo.workspace.as_str(), spec.resources.port);
    match (spec.provider.as_str(), &spec.local, &spec.ssh) {
        ("local", Some(local), _) => local.extras(workspace, port),
        ("ssh", _, Some(ssh)) => ssh.extras(),
        _ => Ok(DeployExtras::default()),
    }
}

/// One file a provider adds to the deploy directory.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtraFile {
    pub path: &'static str,
    pub contents: String,
    pub mode: u32,
}

/// What the configured provider adds to the deploy directory.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeployExtras {
    /// A persistent directory under the cloud home, kept across runs; `None` for a
    /// temporary one.
    pub dir_name: Option<String>,
    pub files: Vec<ExtraFile>,
    /// Directories created inside it.
    pub dirs: Vec<String>,
}

/// A single path component taken from cloud.yaml must not climb out of the cloud home.
fn directory_name(value: &str, label: &str) -> CloudResult<String> {
    if value.is_empty()
        || value == "."
        || value == ".."
        || value.contains('/')
        || value.contains('\0')
    {
        return Err(CloudError::new(
            "invalid_spec",
            format!(
                "`{label}` cannot name a directory under ~/.megaplan/cloud; got {}",
                python_repr(value)
            ),
        ));
    }
    Ok(value.to_string())
}
