//! Where megaplan-cloud keeps its state: `~/.megaplan/cloud/` (the reference's layout)
//! or `$MEGAPLAN_CLOUD_HOME`.

use std::path::{Path, PathBuf};

use crate::environment;
use crate::error::CloudError;

#[derive(Clone, Debug)]
pub struct CloudHome {
    root: PathBuf,
}

impl CloudHome {
    pub fn at(root: impl Into<PathBuf>) -> Self {
        CloudHome { root: root.into() }
    }

    /// `$MEGAPLAN_CLOUD_HOME`, else `~/.megaplan/cloud`.
    pub fn from_environment() -> Result<Self, CloudError> {
        if let Some(root) = environment::cloud_home_override() {
            return Ok(CloudHome::at(root));
        }
        let home = environment::home_dir().ok_or_else(|| {
            CloudError::new(
                "invalid_args",
                "HOME is not set; cannot locate ~/.megaplan/cloud",
            )
        })?;
        Ok(CloudHome::at(home.join(".megaplan").join("cloud")))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Installed third-party provider components.
    pub fn providers_dir(&self) -> PathBuf {
        self.root.join("providers")
    }

    /// The operator's grants to third-party providers.
    pub fn grants_file(&self) -> PathBuf {
        self.root.join("grants.json")
    }

    /// Compiled components, content-addressed.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// One JSON line per subprocess call.
    pub fn journal_dir(&self) -> PathBuf {
        self.root.join("journal")
    }

    /// Provider-independent chain markers, one directory per cloud.yaml.
    pub fn markers_dir(&self) -> PathBuf {
        self.root.join("markers")
    }
}
