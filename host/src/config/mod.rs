//! cloud.yaml: every field of the reference with its default, validated in the
//! reference's order with its messages (located as `cloud.yaml:<line>:<column>:`), plus
//! this tool's additions (`image`). Unknown keys are accepted, as the reference does,
//! with a warning and a did-you-mean hint.

pub mod chain_spec;
pub mod fields;
mod locate;
pub mod providers;
mod reader;
pub mod schema;
pub mod section_schema;
mod validate;

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};
use yaml_serde::Value;

use crate::error::{CloudError, CloudResult};
pub use locate::Locations;
pub use providers::local::Local;
pub use providers::railway::Railway;
pub use providers::ssh::Ssh;
pub use providers::swarm::Swarm;
pub use providers::{DeployExtras, ExtraFile};
pub use reader::python_repr;

/// Whether `name` is one of the providers that ship inside the binary.
pub fn is_builtin_provider(name: &str) -> bool {
    providers::NAMES.contains(&name)
}

pub const DEFAULT_BASE_IMAGE: &str = "ubuntu:22.04";

#[derive(Clone, Debug, PartialEq)]
pub struct Repo {
    pub url: String,
    pub branch: String,
    pub workspace: String,
}

#[cfg(test)]
impl Repo {
    /// The reference's example repository on `main`, checked out at `workspace`.
    pub fn example(workspace: &str) -> Self {
        Repo {
            url: "https://github.com/example/app.git".into(),
            branch: "main".into(),
            workspace: workspace.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Codex {
    pub model: String,
    pub reasoning: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Chain,
    Idle,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Chain => "chain",
            Mode::Idle => "idle",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Resources {
    pub volume: Option<String>,
    pub port: u16,
    /// `chain` refuses to launch below this much free space on the runner's
    /// workspace filesystem (`resources.min_free_bytes`).
    pub min_free_bytes: u64,
    /// And below this many free inodes (`resources.min_free_inodes`).
    pub min_free_inodes: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Auto {
    pub plan_name: String,
    pub idea_file: String,
    pub robustness: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub spec: String,
    pub chain_session: Option<String>,
}

/// `chain.isolation`: whether every chain gets its own workspace and session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// The reference's behaviour: one workspace and one session for every chain.
    Shared,
    /// Names derived from each chain's identity (docs/workflows.md).
    PerChain,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExtraRepo {
    /// The seed era's form: a path in the runner.
    Path(String),
    /// The later form.
    Repo(Repo),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Toolchain {
    pub name: String,
    pub install: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub base: String,
    /// The operator's own Dockerfile template, as written (relative to cloud.yaml).
    pub dockerfile: Option<String>,
}

/// `supervisor:`: the tick's restart budget and lock lifetime.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Supervisor {
    pub restart_budget: u64,
    pub restart_window_secs: u64,
    pub lock_ttl_secs: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CloudSpec {
    pub path: PathBuf,
    pub provider: String,
    pub repo: Repo,
    /// `repo.workspace` was written in cloud.yaml or given by a flag (so a per-chain
    /// launch keeps it rather than deriving one).
    pub workspace_explicit: bool,
    pub codex: Codex,
    pub mode: Mode,
    /// `agents` as written (`[("default", "codex")]` when absent or empty).
    pub agents: Vec<(String, String)>,
    pub megaplan_ref: String,
    pub resources: Resources,
    pub railway: Railway,
    pub local: Option<Local>,
    pub ssh: Option<Ssh>,
    pub swarm: Option<Swarm>,
    pub auto: Option<Auto>,
    pub chain: Option<Chain>,
    pub isolation: Isolation,
    pub extra_repos: Vec<ExtraRepo>,
    pub chain_session: Option<String>,
    pub secrets: Vec<String>,
    pub toolchains: Vec<Toolchain>,
    pub image: Image,
    pub supervisor: Supervisor,
    /// Top-level mappings as JSON, for third-party providers' own sections.
    sections: serde_json::Map<String, Json>,
    /// The built-ins' sections that were read, checked and with their defaults.
    builtin_sections: serde_json::Map<String, Json>,
    /// Where each node of the file is, and the file's name, for errors found after
    /// loading (a third-party section checked against its provider's schema).
    locations: std::sync::Arc<Locations>,
    file_name: String,
}

/// A loaded cloud.yaml and what the operator should hear about it.
#[derive(Debug)]
pub struct Loaded {
    pub spec: CloudSpec,
    pub warnings: Vec<String>,
}

impl CloudSpec {
    /// Loads and validates cloud.yaml. `installed` says whether a third-party provider of
    /// that name is installed (it is then accepted as `provider:`).
    pub fn load(path: &Path, installed: &dyn Fn(&str) -> bool) -> CloudResult<Loaded> {
        let text = std::fs::read_to_string(path).map_err(|_| {
            CloudError::new(
                "invalid_spec",
                format!("spec file not found: {}", path.display()),
            )
        })?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "cloud.yaml".into());
        Self::parse(&text, &file_name, installed).map(|mut loaded| {
            loaded.spec.path = path.to_path_buf();
            loaded
        })
    }

    /// This spec with the `--repo-url`, `--repo-branch` and `--repo-workspace` flags
    /// applied in memory (the file is never touched); an empty flag keeps the file's
    /// value, and the workspace must be an absolute POSIX path as in cloud.yaml.
    pub fn with_repo_overrides(
        mut self,
        url: Option<&str>,
        branch: Option<&str>,
        workspace: Option<&str>,
    ) -> CloudResult<Self> {
        if let Some(url) = url.filter(|url| !url.is_empty()) {
            self.repo.url = url.to_string();
        }
        if let Some(branch) = branch.filter(|branch| !branch.is_empty()) {
            self.repo.branch = branch.to_string();
        }
        if let Some(workspace) = workspace {
            if let Some(message) = reader::absolute_path_problem("repo.workspace", workspace) {
                return Err(CloudError::new("invalid_spec", message));
            }
            self.repo.workspace = workspace.to_string();
            self.workspace_explicit = true;
        }
        Ok(self)
    }

    /// Validates cloud.yaml text; `file_name` prefixes located messages.
    pub fn parse(
        text: &str,
        file_name: &str,
        installed: &dyn Fn(&str) -> bool,
    ) -> CloudResult<Loaded> {
        let root: Value = yaml_serde::from_str(text).map_err(|e| {
            let located = match e.location() {
                Some(at) => format!(
                    "{file_name}:{}:{}: YAML parse error: {e}",
                    at.line(),
                    at.column()
                ),
                None => format!("YAML parse error: {e}"),
            };
            CloudError::new("invalid_spec", located)
        })?;
        let empty = yaml_serde::Mapping::new();
        let root = match &root {
            Value::Null => &empty,
            Value::Mapping(map) => map,
            _ => {
                return Err(CloudError::new(
                    "invalid_spec",
                    "cloud spec must be a YAML mapping",
                ));
            }
        };
        let locations = Locations::index(text);
        let reader = reader::Reader {
            file_name,
            locations: &locations,
        };
        let mut spec = validate::read(&reader, root, installed)?;
        // A third-party provider's section is passed on as written, so it must at least
        // be a mapping (or absent): `acme: demo` is an error, not an empty section.
        if !providers::NAMES.contains(&spec.provider.as_str()) {
            reader.mapping(reader::get(Some(root), &spec.provider), &spec.provider)?;
        }
        spec.sections = root
            .iter()
            .filter_map(|(key, value)| {
                let key = key.as_str()?;
                let json = serde_json::to_value(value).ok()?;
                json.is_object().then(|| (key.to_string(), json))
            })
            .collect();
        let warnings = unknown_keys(root, &spec.provider, &locations, file_name);
        spec.locations = std::sync::Arc::new(locations);
        spec.file_name = file_name.to_string();
        Ok(Loaded { spec, warnings })
    }

    /// The provider's own section as the provider receives it: a built-in's checked,
    /// with its defaults; a third-party one's as written (its own schema, if it
    /// declares one, is applied when its session opens).
    pub fn provider_section(&self) -> Json {
        self.builtin_sections
            .get(&self.provider)
            .or_else(|| self.sections.get(&self.provider))
            .cloned()
            .unwrap_or_else(|| json!({}))
    }

    /// The third-party provider's section checked against the schema its component
    /// declares, with the schema's defaults filled in; errors located in this file.
    pub fn checked_section(&self, schema: &section_schema::SectionSchema) -> CloudResult<Json> {
        let section = self
            .sections
            .get(&self.provider)
            .cloned()
            .unwrap_or_else(|| json!({}));
        schema.apply(&section, &self.provider, &|path, key| {
            self.locate(path, key)
        })
    }

    /// `cloud.yaml:<line>:<column>: ` of the node at `path` (its key when `key`).
    fn locate(&self, path: &str, key: bool) -> String {
        locate_in(&self.locations, &self.file_name, path, key)
    }

    /// Where a provider's own configuration error belongs in cloud.yaml, as a prefix
    /// for its message: at the field the message starts with (`` `fly.app` must be …
    /// ``), else at the provider's section (the document's start when it has none).
    pub fn config_error_locator(&self) -> impl Fn(&str) -> String + Send + Sync + 'static {
        let locations = self.locations.clone();
        let file_name = self.file_name.clone();
        let provider = self.provider.clone();
        move |message: &str| {
            let field = message
                .strip_prefix('`')
                .and_then(|rest| rest.split_once('`'))
                .map(|(path, _)| path)
                .filter(|path| path.starts_with(&format!("{provider}.")));
            match field {
                Some(path) => locate_in(&locations, &file_name, path, false),
                None => locate_in(&locations, &file_name, &provider, true),
            }
        }
    }

    /// What the configured provider adds to the deploy directory.
    pub fn deploy_extras(&self) -> CloudResult<DeployExtras> {
        providers::extras_of(self)
    }

    /// The agent for each phase: `agents.<phase>`, else `agents.default`, else the
    /// built-in routing.
    pub fn routing(&self) -> Vec<(&'static str, String)> {
        let lookup = |key: &str| {
            self.agents
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let default = lookup("default");
        fields::PHASES
            .iter()
            .map(|(phase, fallback)| {
                let agent = lookup(phase)
                    .or_else(|| default.clone())
                    .unwrap_or_else(|| fallback.to_string());
                (*phase, agent)
            })
            .collect()
    }
}

fn locate_in(locations: &Locations, file_name: &str, path: &str, key: bool) -> String {
    let reader = reader::Reader {
        file_name,
        locations,
    };
    reader.prefix(path, key)
}

/// Warnings for keys the reference would silently ignore.
fn unknown_keys(
    root: &yaml_serde::Mapping,
    provider: &str,
    at: &Locations,
    file_name: &str,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut warn = |path: String| {
        let location = at
            .key(&path)
            .map(|(line, column)| format!("{file_name}:{line}:{column}: "))
            .unwrap_or_default();
        let hint = fields::suggest(&path)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        warnings.push(format!(
            "warning: {location}unknown key `{path}` is ignored{hint}"
        ));
    };
    for (key, value) in root {
        let Some(key) = key.as_str() else { continue };
        if key == provider && !providers::NAMES.contains(&provider) {
            continue;
        }
        if !fields::is_known(key) {
            warn(key.to_string());
            continue;
        }
        let is_block = fields::is_block(key) && key != "agents";
        if let (true, Some(map)) = (is_block, value.as_mapping()) {
            for sub in map.keys().filter_map(Value::as_str) {
                let path = format!("{key}.{sub}");
                if !fields::is_known(&path) {
                    warn(path);
                }
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests;
