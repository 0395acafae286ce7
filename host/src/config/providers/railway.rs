//! The railway provider's section of cloud.yaml: fields, defaults, reading, and what the
//! provider receives. Railway needs no persistent deploy directory and no extra files.

use serde_json::{Value as Json, json};
use yaml_serde::Mapping;

use super::super::fields::DefaultValue::Text;
use super::super::fields::{Field, Kind, field};
use super::super::reader::{Reader, get};
use crate::error::CloudResult;

#[derive(Clone, Debug, PartialEq)]
pub struct Railway {
    pub service: String,
    pub session: String,
    pub project: Option<String>,
    pub environment: Option<String>,
}

pub const FIELDS: &[Field] = &[
    field(
        "railway.service",
        Kind::String,
        Some(Text("agent")),
        "Railway service name.",
    ),
    field(
        "railway.session",
        Kind::String,
        Some(Text("agent")),
        "Railway SSH session name for `attach`.",
    ),
    field(
        "railway.project",
        Kind::String,
        None,
        "Railway project, passed explicitly when set.",
    ),
    field(
        "railway.environment",
        Kind::String,
        None,
        "Railway environment, passed explicitly when set.",
    ),
];

/// `railway:` is read (and validated) whatever the provider, as the reference does.
pub(in crate::config) fn read(r: &Reader<'_>, root: Option<&Mapping>) -> CloudResult<Railway> {
    let map = r.mapping(get(root, "railway"), "railway")?;
    Ok(Railway {
        service: r.text(map, "railway.service")?,
        session: r.text(map, "railway.session")?,
        project: r.optional_text(map, "railway.project")?,
        environment: r.optional_text(map, "railway.environment")?,
    })
}

impl Railway {
    /// The section as the provider receives it, defaults applied.
    pub fn section(&self) -> Json {
        json!({
            "service": self.service,
            "session": self.session,
            "project": self.project,
            "environment": self.environment,
        })
    }
}
