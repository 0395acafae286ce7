//! What the host does with the local provider's section: `docker-compose.yaml`, the
//! bind-mounted workdir, and a persistent directory named after the Compose project.

use serde_json::Value as Json;

use super::super::reader::python_repr;
use super::{DeployExtras, ExtraFile, directory_name};
use crate::error::{CloudError, CloudResult};

const COMPOSE: &str = include_str!("../../../templates/docker-compose.yaml");

#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Local {
    pub compose_project: String,
    pub workdir: String,
}

/// A JSON string is a YAML string, and `$$` is Compose's literal `$`: any workspace or
/// workdir stays literal (Compose would otherwise interpolate `$HOME` or `${X:?}`).
fn yaml_string(value: &str) -> String {
    Json::String(value.to_string())
        .to_string()
        .replace('$', "$$")
}

impl Local {
    /// The compose file for a runner with `workspace` and `port`.
    pub fn compose_file(&self, workspace: &str, port: u16) -> CloudResult<String> {
        let values = [
            ("WORKSPACE_PATH", yaml_string(workspace)),
            ("PORT_MAPPING", yaml_string(&format!("{port}:{port}"))),
            (
                "WORKDIR_MOUNT",
                yaml_string(&format!("./{}:{workspace}", self.workdir)),
            ),
        ];
        crate::template::render(COMPOSE, "docker-compose", &values)
    }

    pub(in crate::config) fn extras(
        &self,
        workspace: &str,
        port: u16,
    ) -> CloudResult<DeployExtras> {
        inside_deploy_dir(&self.workdir, "local.workdir")?;
        Ok(DeployExtras {
            dir_name: Some(directory_name(
                &self.compose_project,
                "local.compose_project",
            )?),
            files: vec![ExtraFile {
                path: "docker-compose.yaml",
                contents: self.compose_file(workspace, port)?,
                mode: 0o644,
            }],
            dirs: vec![self.workdir.clone()],
        })
    }
}

/// A relative path that stays inside the deploy directory.
fn inside_deploy_dir(value: &str, label: &str) -> CloudResult<()> {
    if crate::fs::plain_relative_path(value).is_none() {
        return Err(CloudError::new(
            "invalid_spec",
            format!(
                "`{label}` must be a relative path inside the deploy directory; got {}",
                python_repr(value)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_values_are_literal() {
        let local = Local {
            compose_project: "p".into(),
            workdir: "w$X".into(),
        };
        let compose = local.compose_file("/work/$HOME/${SECRET:?}", 8080).unwrap();
        assert!(
            compose.contains(r#"working_dir: "/work/$$HOME/$${SECRET:?}""#),
            "{compose}"
        );
        assert!(
            compose.contains(r#""./w$$X:/work/$$HOME/$${SECRET:?}""#),
            "{compose}"
        );
    }
}
