//! `provider install`: a third-party component checked, copied into the providers
//! directory, and granted exactly the programs the operator accepted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{GrantStatus, Listing, Registry, file_candidate, is_builtin, no_programs};
use crate::capability::Capability;
use crate::capability::grants::GrantRecord;
use crate::error::{CloudError, CloudResult};
use crate::plugin::{ProviderDescription, Runtime};

/// What the operator grants a component.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grant {
    /// Programs it may run, held to the host's argument rules.
    pub programs: Vec<String>,
    /// Of those, the ones granted without argument rules.
    pub unrestricted: Vec<String>,
}

impl Grant {
    /// Everything the component declares, under the argument rules.
    pub fn everything_declared(description: &ProviderDescription) -> Self {
        Grant {
            programs: description
                .programs
                .iter()
                .map(|p| p.name.clone())
                .collect(),
            unrestricted: Vec::new(),
        }
    }

    /// The grant, checked against what the component declares, sorted and unique.
    fn checked(&self, description: &ProviderDescription) -> CloudResult<Self> {
        let declared: BTreeSet<&str> = description
            .programs
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let wanted = self.programs.iter().chain(&self.unrestricted);
        for program in wanted {
            if !declared.contains(program.as_str()) {
                return Err(CloudError::new(
                    "invalid_args",
                    format!(
                        "cannot grant '{program}': provider '{}' does not declare it (declared: {})",
                        description.name,
                        declared.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        let unrestricted: BTreeSet<String> = self.unrestricted.iter().cloned().collect();
        let programs: BTreeSet<String> = self
            .programs
            .iter()
            .cloned()
            .chain(unrestricted.clone())
            .collect();
        Ok(Grant {
            programs: programs.into_iter().collect(),
            unrestricted: unrestricted.into_iter().collect(),
        })
    }
}

impl Registry {
    /// Installs a third-party component: checks it, lets `choose` decide the grant from
    /// what the component describes (it runs nothing meanwhile), copies it into the
    /// providers directory, and records the grant.
    pub fn install(
        &self,
        runtime: &Runtime,
        file: &Path,
        choose: &mut dyn FnMut(&ProviderDescription) -> CloudResult<Grant>,
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
        let grant = choose(&description)?.checked(&description)?;
        let bytes = candidate.bytes()?;
        let installed = self.home.providers_dir().join(format!("{name}.wasm"));
        crate::fs::atomic_write(&installed, &bytes, 0o644)?;
        let mut grants = self.grants()?;
        grants.record(
            &name,
            GrantRecord {
                sha256: compiled.sha256.clone(),
                programs: grant.programs.clone(),
                unrestricted: grant.unrestricted.clone(),
                source: file.display().to_string(),
                granted_at: jiff::Timestamp::now().to_string(),
            },
        )?;
        let listing = Listing {
            name: name.clone(),
            source: installed.display().to_string(),
            sha256: compiled.sha256,
            grant: GrantStatus::Granted {
                programs: grant.programs,
                unrestricted: grant.unrestricted,
            },
            description,
        };
        Ok((listing, installed))
    }
}
