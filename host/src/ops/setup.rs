//! `init` and `schema`: the operator's cloud.yaml.

use std::path::PathBuf;

use super::context::Context;
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

/// The JSON Schema of cloud.yaml.
pub fn schema() -> serde_json::Value {
    crate::config::schema::schema()
}
