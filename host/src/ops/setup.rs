//! `init` and `schema`: the operator's cloud.yaml.

use std::path::PathBuf;

use super::context::Context;
use crate::config::section_schema::SectionSchema;
use crate::error::{CloudError, CloudResult};

pub const CLOUD_YAML_TEMPLATE: &str = include_str!("../../templates/cloud.yaml");

/// Writes the commented template at the project root (or `--cloud-yaml`); an existing
/// file is kept unless `force`. Returns the path written.
pub fn init(ctx: &Context, force: bool) -> CloudResult<PathBuf> {
    let path = ctx.cloud_yaml_path();
    if path.exists() && !force {
        return Err(CloudError::new(
            "invalid_args",
            format!(
                "cloud spec already exists: {}. Use --force to overwrite.",
                path.display()
            ),
        ));
    }
    crate::fs::atomic_write(&path, CLOUD_YAML_TEMPLATE.as_bytes(), 0o644)?;
    Ok(path)
}

/// The JSON Schema of cloud.yaml, with the section of every provider that declares
/// one (contract 0.4.0), the built-ins included. A component that cannot be loaded
/// (not granted, broken) is left out: `provider list` says why.
pub fn schema(ctx: &Context) -> CloudResult<serde_json::Value> {
    let mut schema = crate::config::schema::schema();
    let registry = ctx.registry();
    let runtime = ctx.runtime()?;
    for candidate in registry.candidates() {
        let loaded = registry.load(&runtime, &candidate.name, ctx.capability()?, None);
        let Ok(Some(text)) = loaded.and_then(|mut provider| provider.config_schema()) else {
            continue;
        };
        let Ok(section) = SectionSchema::parse(&text, &candidate.name) else {
            continue;
        };
        let mut declared = section.as_json();
        // A built-in's block keeps the host's one-line description of it.
        if let Some(doc) = schema["properties"][&candidate.name].get("description") {
            declared["description"] = doc.clone();
        }
        schema["properties"][&candidate.name] = declared;
    }
    Ok(schema)
}
