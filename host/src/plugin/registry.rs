//! Which providers exist: the built-ins embedded in the binary, and third-party
//! components in `~/.megaplan/cloud/providers/` and `$MEGAPLAN_CLOUD_PROVIDER_PATH`.
//! A third-party component is used only under an operator grant that matches its
//! sha256.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::{Compiled, ProviderDescription, ProviderInstance, Runtime};
use crate::capability::grants::Grants;
use crate::capability::{Capability, DeployDirMount, Trust};
use crate::error::{CloudError, CloudResult};
use crate::paths::CloudHome;

include!(concat!(env!("OUT_DIR"), "/builtin_providers.rs"));

mod install;

pub use install::Grant;

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    BuiltIn(&'static [u8]),
    File(PathBuf),
}

#[derive(Clone, Debug)]
pub struct Candidate {
    /// The built-in's name, or a component file's stem (which must match the name
    /// its `describe` reports).
    pub name: String,
    pub source: Source,
}

impl Candidate {
    pub fn location(&self) -> String {
        match &self.source {
            Source::BuiltIn(_) => "built-in".into(),
            Source::File(path) => path.display().to_string(),
        }
    }

    fn bytes(&self) -> CloudResult<Cow<'static, [u8]>> {
        match &self.source {
            Source::BuiltIn(bytes) => Ok(Cow::Borrowed(bytes)),
            Source::File(path) => std::fs::read(path).map(Cow::Owned).map_err(|e| {
                CloudError::new(
                    "invalid_provider",
                    format!("cannot read {}: {e}", path.display()),
                )
            }),
        }
    }
}

/// Whether the operator allows a component to run, as `provider list` reports it.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GrantStatus {
    BuiltIn,
    Granted {
        programs: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        unrestricted: Vec<String>,
    },
    NotGranted,
    Changed {
        granted_sha256: String,
    },
}

#[derive(Debug, Serialize)]
pub struct Listing {
    pub name: String,
    pub source: String,
    pub sha256: String,
    pub grant: GrantStatus,
    #[serde(flatten)]
    pub description: ProviderDescription,
}

pub struct Registry {
    home: CloudHome,
    search_dirs: Vec<PathBuf>,
}

pub fn is_builtin(name: &str) -> bool {
    BUILTIN_PROVIDERS.iter().any(|(n, _)| *n == name)
}

impl Registry {
    pub fn new(home: CloudHome, extra_dirs: Vec<PathBuf>) -> Self {
        let mut search_dirs = vec![home.providers_dir()];
        search_dirs.extend(extra_dirs);
        Registry { home, search_dirs }
    }

    /// Every provider: built-ins first, then components in search order; a later
    /// component with the same name as an earlier one is shadowed.
    pub fn candidates(&self) -> Vec<Candidate> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (name, bytes) in BUILTIN_PROVIDERS {
            seen.insert(name.to_string());
            out.push(Candidate {
                name: name.to_string(),
                source: Source::BuiltIn(bytes),
            });
        }
        for dir in &self.search_dirs {
            for path in component_files(dir) {
                let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                if seen.insert(stem.to_string()) {
                    out.push(Candidate {
                        name: stem.to_string(),
                        source: Source::File(path),
                    });
                }
            }
        }
        out
    }

    pub fn find(&self, name: &str) -> Option<Candidate> {
        self.candidates().into_iter().find(|c| c.name == name)
    }

    fn grants(&self) -> CloudResult<Grants> {
        Grants::load(&self.home.grants_file())
    }

    fn grant_status(&self, candidate: &Candidate, sha256: &str, grants: &Grants) -> GrantStatus {
        if matches!(candidate.source, Source::BuiltIn(_)) {
            return GrantStatus::BuiltIn;
        }
        match grants.get(&candidate.name) {
            None => GrantStatus::NotGranted,
            Some(g) if g.sha256 != sha256 => GrantStatus::Changed {
                granted_sha256: g.sha256.clone(),
            },
            Some(g) => GrantStatus::Granted {
                programs: g.programs.clone(),
                unrestricted: g.unrestricted.clone(),
            },
        }
    }

    fn compile(&self, runtime: &Runtime, candidate: &Candidate) -> CloudResult<Compiled> {
        let bytes = candidate.bytes()?;
        let what = match &candidate.source {
            Source::BuiltIn(_) => format!("built-in provider '{}'", candidate.name),
            Source::File(path) => format!("provider component {}", path.display()),
        };
        runtime.compile(&bytes, &what)
    }

    /// Loads a provider for use: built-ins as trusted, third-party ones only under a
    /// grant matching their current bytes.
    pub fn load(
        &self,
        runtime: &Runtime,
        name: &str,
        capability: Arc<Capability>,
        deploy_dir: Option<DeployDirMount>,
    ) -> CloudResult<ProviderInstance> {
        let candidate = self.find(name).ok_or_else(|| {
            CloudError::new(
                "unknown_provider",
                format!("no provider named '{name}' is installed"),
            )
        })?;
        let compiled = self.compile(runtime, &candidate)?;
        let trust = match (
            &candidate.source,
            self.grant_status(&candidate, &compiled.sha256, &self.grants()?),
        ) {
            (Source::BuiltIn(_), _) => Trust::BuiltIn,
            (
                Source::File(path),
                GrantStatus::Granted {
                    programs,
                    unrestricted,
                },
            ) => Trust::Granted {
                programs: programs.into_iter().collect(),
                unrestricted: unrestricted.into_iter().collect(),
                component: path.clone(),
            },
            (Source::File(path), GrantStatus::NotGranted) => {
                return Err(CloudError::new(
                    "provider_not_granted",
                    format!(
                        "provider '{name}' ({}) has not been granted by the operator. Review it, then run: megaplan-cloud provider install {}",
                        path.display(),
                        path.display()
                    ),
                ));
            }
            (Source::File(path), GrantStatus::Changed { granted_sha256 }) => {
                return Err(CloudError::new(
                    "provider_not_granted",
                    format!(
                        "provider '{name}' changed since it was granted (granted sha256 {granted_sha256}, now {}). Review it, then run: megaplan-cloud provider install {}",
                        compiled.sha256,
                        path.display()
                    ),
                ));
            }
            (Source::File(_), GrantStatus::BuiltIn) => unreachable!("files are never built-in"),
        };
        let instance = runtime.instantiate(&compiled, trust, capability, deploy_dir)?;
        if instance.name() != candidate.name {
            return Err(CloudError::new(
                "invalid_provider",
                format!(
                    "{} describes itself as '{}'; a component file must be named after its provider ({}.wasm)",
                    candidate.location(),
                    instance.name(),
                    instance.name()
                ),
            ));
        }
        Ok(instance)
    }

    /// Describes every provider without letting any of them run a program.
    pub fn list(
        &self,
        runtime: &Runtime,
        capability: Arc<Capability>,
    ) -> CloudResult<Vec<CloudResult<Listing>>> {
        let grants = self.grants()?;
        Ok(self
            .candidates()
            .iter()
            .map(|candidate| {
                self.inspect_candidate(runtime, candidate, &grants, capability.clone())
            })
            .collect())
    }

    pub fn inspect(
        &self,
        runtime: &Runtime,
        name_or_path: &str,
        capability: Arc<Capability>,
    ) -> CloudResult<Listing> {
        let grants = self.grants()?;
        let candidate = if name_or_path.ends_with(".wasm") || name_or_path.contains('/') {
            file_candidate(Path::new(name_or_path))?
        } else {
            self.find(name_or_path).ok_or_else(|| {
                CloudError::new(
                    "unknown_provider",
                    format!("no provider named '{name_or_path}' is installed"),
                )
            })?
        };
        self.inspect_candidate(runtime, &candidate, &grants, capability)
    }

    fn inspect_candidate(
        &self,
        runtime: &Runtime,
        candidate: &Candidate,
        grants: &Grants,
        capability: Arc<Capability>,
    ) -> CloudResult<Listing> {
        let compiled = self.compile(runtime, candidate)?;
        let instance = runtime.instantiate(&compiled, no_programs(candidate), capability, None)?;
        Ok(Listing {
            name: candidate.name.clone(),
            source: candidate.location(),
            grant: self.grant_status(candidate, &compiled.sha256, grants),
            sha256: compiled.sha256,
            description: instance.description().clone(),
        })
    }
}

/// Trust that lets a component describe itself but run nothing.
fn no_programs(candidate: &Candidate) -> Trust {
    match &candidate.source {
        Source::BuiltIn(_) => Trust::BuiltIn,
        Source::File(path) => Trust::Granted {
            programs: BTreeSet::new(),
            unrestricted: BTreeSet::new(),
            component: path.clone(),
        },
    }
}

fn file_candidate(path: &Path) -> CloudResult<Candidate> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if !absolute.is_file() {
        return Err(CloudError::new(
            "invalid_args",
            format!("provider component not found: {}", absolute.display()),
        ));
    }
    let name = absolute
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    Ok(Candidate {
        name,
        source: Source::File(absolute),
    })
}

fn component_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm") && p.is_file())
        .collect();
    files.sort();
    files
}
