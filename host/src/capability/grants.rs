//! The operator's grants to third-party providers, kept in `grants.json`: for each
//! provider, the sha256 of the component that was reviewed and the programs granted.
//! A component whose bytes changed must be granted again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CloudError, CloudResult};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantRecord {
    pub sha256: String,
    pub programs: Vec<String>,
    /// Programs granted without the host's argument rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unrestricted: Vec<String>,
    /// Where the operator installed it from.
    pub source: String,
    pub granted_at: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct GrantsFile {
    version: u32,
    providers: BTreeMap<String, GrantRecord>,
}

#[derive(Debug)]
pub struct Grants {
    path: PathBuf,
    file: GrantsFile,
}

impl Grants {
    /// Loads the grants; a missing file means no grants.
    pub fn load(path: &Path) -> CloudResult<Self> {
        let file = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                CloudError::new(
                    "invalid_grants",
                    format!("{} is not a valid grants file: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => GrantsFile {
                version: 1,
                providers: BTreeMap::new(),
            },
            Err(e) => {
                return Err(CloudError::new(
                    "invalid_grants",
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        };
        Ok(Grants {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn get(&self, provider: &str) -> Option<&GrantRecord> {
        self.file.providers.get(provider)
    }

    /// Records a grant and writes the file atomically.
    pub fn record(&mut self, provider: &str, grant: GrantRecord) -> CloudResult<()> {
        self.file.providers.insert(provider.to_string(), grant);
        let text = serde_json::to_vec_pretty(&self.file).expect("grants serialise");
        crate::fs::atomic_write(&self.path, &text, 0o600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("grants.json");
        let mut grants = Grants::load(&path).unwrap();
        assert!(grants.get("fly").is_none());
        let record = GrantRecord {
            sha256: "ab".repeat(32),
            programs: vec!["flyctl".into()],
            unrestricted: Vec::new(),
            source: "/tmp/fly.wasm".into(),
            granted_at: "2026-11-24T00:00:00Z".into(),
        };
        grants.record("fly", record.clone()).unwrap();
        let again = Grants::load(&path).unwrap();
        assert_eq!(again.get("fly"), Some(&record));
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grants.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = Grants::load(&path).unwrap_err();
        assert_eq!(err.code, "invalid_grants");
        assert!(err.message.contains("is not a valid grants file"));
    }
}
