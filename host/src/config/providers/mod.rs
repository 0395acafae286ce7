//! The built-in providers' sections of cloud.yaml, one module each: its fields and
//! defaults, how it is read and validated, what the provider receives, and what it adds
//! to the deploy directory. A new built-in adds a module here (and its crate).

pub mod local;
pub mod railway;
pub mod ssh;

use super::CloudSpec;
use super::fields::Field;
use super::reader::python_repr;
use crate::error::{CloudError, CloudResult};

/// The built-in providers, in the reference's order.
pub const NAMES: &[&str] = &["railway", "local", "ssh"];

/// Their sections' meaning (each name is also a block of cloud.yaml).
pub const BLOCKS: &[(&str, &str)] = &[
    ("railway", "Settings of the railway provider."),
    ("local", "Settings of the local provider."),
    ("ssh", "Settings of the ssh provider."),
];

/// Every built-in's own fields.
pub fn fields() -> impl Iterator<Item = &'static Field> {
    railway::FIELDS
        .iter()
        .chain(local::FIELDS)
        .chain(ssh::FIELDS)
}

/// The configured built-in's section as its provider receives it; `None` for a
/// third-party provider (whose section is passed as written).
pub fn section_of(spec: &CloudSpec) -> Option<serde_json::Value> {
    match spec.provider.as_str() {
        "railway" => Some(spec.railway.section()),
        "local" => spec.local.as_ref().map(local::Local::section),
        "ssh" => spec.ssh.as_ref().map(ssh::Ssh::section),
        _ => None,
    }
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
