//! What an action needs, built on demand: the console, cloud.yaml, the process
//! capability, the plugin runtime and the provider registry.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::args::GlobalArgs;
use crate::capability::{Mode, ProcessCapability, Settings};
use crate::config::CloudSpec;
use crate::console::Console;
use crate::environment;
use crate::error::{CloudError, CloudResult};
use crate::paths::CloudHome;
use crate::plugin::registry::Registry;
use crate::plugin::{DeployDir, Limits, Runtime};
use crate::redact::Redactor;
use crate::remote::Remote;

pub struct App {
    pub console: Console,
    pub global: GlobalArgs,
    pub home: CloudHome,
    pub cwd: PathBuf,
    /// The redactor in force; widened with the configured secrets once cloud.yaml
    /// is loaded, so even errors about it are redacted.
    pub redactor: Arc<Redactor>,
}

impl App {
    pub fn new(console: Console, global: GlobalArgs) -> CloudResult<Self> {
        let cwd = std::env::current_dir().map_err(|e| {
            CloudError::new(
                "invalid_args",
                format!("cannot read the working directory: {e}"),
            )
        })?;
        Ok(App {
            console,
            global,
            home: CloudHome::from_environment()?,
            cwd,
            redactor: Arc::new(Redactor::default()),
        })
    }

    /// Prints a JSON document (Python-compatible, redacted) on stdout.
    pub fn print_json(&self, value: &serde_json::Value) {
        let text = crate::json::to_python_json(value);
        self.console.out(self.redactor.redact(&text).as_bytes());
    }

    pub fn registry(&self) -> Registry {
        Registry::new(self.home.clone(), environment::provider_path())
    }

    pub fn runtime(&self) -> CloudResult<Runtime> {
        Runtime::new(Some(self.home.cache_dir()), Limits::default())
    }

    fn mode(&self) -> Mode {
        if self.global.dry_run {
            Mode::DryRun
        } else if let Some(path) = &self.global.record {
            Mode::Record(path.clone())
        } else if let Some(path) = &self.global.replay {
            Mode::Replay(path.clone())
        } else {
            Mode::Live
        }
    }

    pub fn capability(&self) -> CloudResult<Arc<ProcessCapability>> {
        let mut settings = Settings::new(self.console.clone());
        settings.mode = self.mode();
        settings.journal_dir = Some(self.home.journal_dir());
        settings.verbose = self.global.verbose;
        settings.redactor = self.redactor.clone();
        if let Some(home) = environment::home_dir() {
            settings
                .substitutions
                .push(("${HOME}".into(), home.display().to_string()));
        }
        ProcessCapability::new(settings).map(Arc::new)
    }

    pub fn cloud_yaml(&self) -> PathBuf {
        let home = environment::home_dir();
        crate::project::cloud_yaml_path(
            self.global.cloud_yaml.as_deref(),
            &self.cwd,
            home.as_deref(),
        )
    }

    /// Loads cloud.yaml and widens the redactor with its secrets.
    pub fn spec(&mut self) -> CloudResult<CloudSpec> {
        let registry = self.registry();
        let loaded = CloudSpec::load(&self.cloud_yaml(), &|name| {
            !crate::config::fields::PROVIDERS.contains(&name) && registry.find(name).is_some()
        })?;
        for warning in &loaded.warnings {
            self.console.err_line(warning);
        }
        let spec = loaded.spec;
        let values: Vec<String> = spec
            .secrets
            .iter()
            .filter_map(|name| environment::secret_value(name))
            .collect();
        self.redactor = Arc::new(Redactor::new(&spec.secrets, &values));
        Ok(spec)
    }

    /// The configured provider, loaded and checked for its required programs.
    pub fn remote(&mut self, session: Option<String>) -> CloudResult<Remote> {
        let spec = self.spec()?;
        self.provider(&spec, session, None)
    }

    /// The provider of `spec`, with its deploy directory (pre-opened when `rendered`
    /// is given, else the persistent one's path for command arguments), checked for its
    /// required programs (unless nothing will really run).
    pub fn provider(
        &mut self,
        spec: &CloudSpec,
        session: Option<String>,
        rendered: Option<&Path>,
    ) -> CloudResult<Remote> {
        let remote = self.load_provider(spec, session, rendered)?;
        if matches!(remote.capability_mode(), Mode::Live | Mode::Record(_)) {
            let programs = remote.provider_description().programs.clone();
            for program in programs.iter().filter(|p| p.required) {
                if !remote.which(&program.name)? {
                    return Err(CloudError::new(
                        "provider_unavailable",
                        format!(
                            "Missing required CLI '{}'. Install: {}",
                            program.name, program.install_hint
                        ),
                    ));
                }
            }
        }
        Ok(remote)
    }

    /// The provider of `spec` without the program check (for `doctor`, which reports it).
    pub fn provider_unchecked(&mut self, spec: &CloudSpec) -> CloudResult<Remote> {
        self.load_provider(spec, None, None)
    }

    fn load_provider(
        &mut self,
        spec: &CloudSpec,
        session: Option<String>,
        rendered: Option<&Path>,
    ) -> CloudResult<Remote> {
        let deploy_dir = match rendered {
            Some(path) => Some(DeployDir {
                path: path.to_path_buf(),
                open: true,
            }),
            None => crate::image::persistent_dir(spec, &self.home)?
                .map(|path| DeployDir { path, open: false }),
        };
        let runtime = self.runtime()?;
        let capability = self.capability()?;
        let provider = self
            .registry()
            .load(&runtime, &spec.provider, capability, deploy_dir)?;
        if session.is_some() && !provider.description().has_feature("named-sessions") {
            return Err(CloudError::new(
                "invalid_args",
                "--session is only supported for provider: railway",
            ));
        }
        let is_set = |name: &str| environment::secret_value(name).is_some_and(|v| !v.is_empty());
        Ok(Remote::new(provider, spec.op_context(session, &is_set)))
    }
}
