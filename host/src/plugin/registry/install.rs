//! `provider install`: a third-party component checked, copied into the providers
//! directory, and granted the programs the operator accepted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{GrantStatus, Listing, Registry, file_candidate, is_builtin, no_programs};
use crate::capability::Capability;
use crate::capability::grants::GrantRecord;
use crate::error::{CloudError, CloudResult};
use crate::plugin::Runtime;

impl Registry {
    /// Installs a third-party component: checks it, copies it into the providers
    /// directory, and records the grant (all declared programs unless `grant` names a
    /// subset).
    pub fn install(
        &self,
        runtime: &Runtime,
        file: &Path,
        grant: &[String],
        capability: Arc<Capability>,
    ) -> CloudResult<(Listing, PathBuf)> {
        let candidate = file_candidate(file)?;
        let compiled = self.compile(runtime, &candidate)?;
        let instance = runtime.instantiate(&compiled, no_programs(&candidate), capability, None)?;
        let description = instance.description().clone();
        let name = description.name.clone();
        if is_builtin(&name) {
            return Err(CloudError::new(
                "invalid_args",
                format!(
                    "provider name '{name}' belongs to a built-in provider; a component cannot replace it"
                ),
            ));
        }
        let declared: BTreeSet<&str> = description
            .programs
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let programs: Vec<String> = if grant.is_empty() {
            declared.iter().map(|p| p.to_string()).collect()
        } else {
            for program in grant {
                if !declared.contains(program.as_str()) {
                    return Err(CloudError::new(
                        "invalid_args",
                        format!(
                            "cannot grant '{program}': provider '{name}' does not declare it (declared: {})",
                            declared.iter().copied().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
            grant
                .iter()
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        let bytes = candidate.bytes()?;
        let installed = self.home.providers_dir().join(format!("{name}.wasm"));
        crate::fs::atomic_write(&installed, &bytes, 0o644)?;
        let mut grants = self.grants()?;
        grants.record(
            &name,
            GrantRecord {
                sha256: compiled.sha256.clone(),
                programs: programs.clone(),
                source: file.display().to_string(),
                granted_at: jiff::Timestamp::now().to_string(),
            },
        )?;
        let listing = Listing {
            name: name.clone(),
            source: installed.display().to_string(),
            sha256: compiled.sha256,
            grant: GrantStatus::Granted { programs },
            description,
        };
        Ok((listing, installed))
    }
}
