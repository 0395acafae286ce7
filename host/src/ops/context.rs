//! What every operation works with: the console, the global options, the cloud home,
//! the working directory, and the configured secrets with the redactor built from them.
//! Providers are opened from here, one way: [`Context::open_session`].

use std::path::PathBuf;
use std::sync::Arc;

use super::session::{Session, op_context};
use crate::capability::probe::ProbeCache;
use crate::capability::{Backend, Capability, DeployDirMount, Settings};
use crate::config::CloudSpec;
use crate::config::section_schema::SectionSchema;
use crate::console::Console;
use crate::environment;
use crate::error::{CloudError, CloudResult};
use crate::paths::CloudHome;
use crate::plugin::registry::Registry;
use crate::plugin::{Feature, Limits, Runtime};
use crate::redact::Redactor;
use crate::secrets::Secrets;

/// The global options of every action.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--cloud-yaml`, as typed.
    pub cloud_yaml: Option<String>,
    pub dry_run: bool,
    pub verbose: bool,
    pub record: Option<PathBuf>,
    pub replay: Option<PathBuf>,
    /// `--quiet`: no progress lines on stderr (results and errors still print).
    pub quiet: bool,
}

pub struct Context {
    pub console: Console,
    pub options: Options,
    pub home: CloudHome,
    pub cwd: PathBuf,
    secrets: Secrets,
    /// Widened with the configured secrets once cloud.yaml is loaded, so even errors
    /// about it are redacted.
    redactor: Arc<Redactor>,
}

/// How a session sees the provider's deploy directory.
#[derive(Clone, Copy, Debug)]
pub enum Mount<'a> {
    /// The persistent directory's path (local, ssh) for command arguments; nothing is
    /// opened inside the component.
    PathOnly,
    /// A directory this action rendered: the host may write env files and the
    /// provider's own files into it for the provider (which never opens it itself).
    Rendered(&'a crate::deploy_dir::DeployDir),
}

/// What a session is opened for.
pub struct SessionRequest<'a> {
    /// `attach --session`: needs a provider with named sessions.
    pub session: Option<String>,
    pub mount: Mount<'a>,
    /// Refuse to start when a required program is missing (every action but `doctor`,
    /// which reports it instead).
    pub check_programs: bool,
    /// Run every probe afresh rather than answer from what earlier runs remembered
    /// (`doctor`, which is where an operator looks when something seems off).
    pub fresh_probes: bool,
    /// The chain's own runner the operations are for (`runner.selected`); `None` for
    /// the configuration's own.
    pub runner: Option<String>,
}

impl SessionRequest<'_> {
    /// The usual request: no named session, the persistent directory's path, programs
    /// checked.
    pub fn plain() -> Self {
        SessionRequest {
            session: None,
            mount: Mount::PathOnly,
            check_programs: true,
            fresh_probes: false,
            runner: None,
        }
    }
}

impl Context {
    pub fn new(console: Console, options: Options) -> CloudResult<Self> {
        let cwd = environment::current_dir().map_err(|e| {
            CloudError::new(
                "invalid_args",
                format!("cannot read the working directory: {e}"),
            )
        })?;
        Ok(Context {
            console,
            options,
            home: CloudHome::from_environment()?,
            cwd,
            secrets: Secrets::from_environment(),
            redactor: Arc::new(Redactor::default()),
        })
    }

    /// Whether the secret has a non-empty value in the local environment.
    pub fn secret_is_set(&self, name: &str) -> bool {
        self.secrets.is_set(name)
    }

    /// The redactor in force (every secret of the loaded cloud.yaml).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn cloud_yaml_path(&self) -> PathBuf {
        let home = environment::home_dir();
        crate::project::cloud_yaml_path(
            self.options.cloud_yaml.as_deref(),
            &self.cwd,
            home.as_deref(),
        )
    }

    /// A path the operator typed (`~` expanded, relative to the working directory).
    pub fn local_path(&self, raw: &str) -> PathBuf {
        let home = environment::home_dir();
        crate::project::resolve_local_path(raw, &self.cwd, home.as_deref())
    }

    pub fn registry(&self) -> Registry {
        Registry::new(self.home.clone(), environment::provider_path())
    }

    pub fn runtime(&self) -> CloudResult<Runtime> {
        Runtime::new(Some(self.home.cache_dir()), Limits::default())
    }

    /// Loads cloud.yaml, tells the operator its warnings, and widens the secrets and
    /// the redactor with its `secrets:`.
    pub fn load_spec(&mut self) -> CloudResult<CloudSpec> {
        let registry = self.registry();
        let loaded = CloudSpec::load(&self.cloud_yaml_path(), &|name| {
            !crate::config::is_builtin_provider(name) && registry.find(name).is_some()
        })?;
        for warning in &loaded.warnings {
            self.console.err_line(warning);
        }
        self.secrets = self.secrets.clone().with_names(&loaded.spec.secrets);
        self.redactor = Arc::new(self.secrets.redactor());
        for name in self.secrets.short() {
            self.console.err_line(&format!(
                "warning: secret {name} is shorter than {} characters: it is redacted only where it stands as a word (from {} characters) or after its name ({name}=value)",
                crate::redact::MIN_LITERAL_LEN,
                crate::redact::MIN_WORD_LEN
            ));
        }
        Ok(loaded.spec)
    }

    fn backend(&self) -> CloudResult<Backend> {
        if self.options.dry_run {
            Ok(Backend::DryRun)
        } else if let Some(path) = &self.options.record {
            if path.as_os_str().is_empty() {
                return Err(CloudError::new(
                    "invalid_args",
                    "--record needs a FILE: the cassette to record every call into",
                ));
            }
            Backend::record(path)
        } else if let Some(path) = &self.options.replay {
            Backend::replay(path)
        } else {
            Ok(Backend::Live)
        }
    }

    pub fn capability(&self) -> CloudResult<Arc<Capability>> {
        self.capability_probing(false)
    }

    /// The capability, with probes' answers remembered in the cloud home's cache
    /// (`fresh`: run them all again and remember the new answers).
    fn capability_probing(&self, fresh: bool) -> CloudResult<Arc<Capability>> {
        let mut settings = Settings::new(self.console.clone());
        settings.backend = self.backend()?;
        settings.secrets = self.secrets.clone();
        settings.journal_dir = Some(self.home.journal_dir());
        settings.verbose = self.options.verbose;
        settings.redactor = self.redactor.clone();
        settings.probe_cache = Some(ProbeCache {
            dir: self.home.cache_dir().join("probes"),
            refresh: fresh,
        });
        if let Some(home) = environment::home_dir() {
            settings
                .substitutions
                .push(("${HOME}".into(), home.display().to_string()));
        }
        Ok(Arc::new(Capability::new(settings)))
    }

    /// The provider of `spec`, loaded with its deploy directory as `request` says and,
    /// unless nothing will really run, checked for its required programs.
    pub fn open_session(
        &self,
        spec: &CloudSpec,
        request: SessionRequest<'_>,
    ) -> CloudResult<Session> {
        let mount = match request.mount {
            Mount::Rendered(dir) => Some(DeployDirMount::rendered(
                dir.path(),
                dir.host_files().to_vec(),
            )),
            Mount::PathOnly => {
                crate::deploy_dir::persistent_dir(spec, &self.home)?.map(DeployDirMount::path_only)
            }
        };
        let runtime = self.runtime()?;
        let provider = self.registry().load(
            &runtime,
            &spec.provider,
            self.capability_probing(request.fresh_probes)?,
            mount,
        )?;
        if request.session.is_some() && !provider.description().has_feature(Feature::NamedSessions)
        {
            return Err(CloudError::new(
                "invalid_args",
                "--session is only supported for provider: railway",
            ));
        }
        let is_set = |name: &str| self.secrets.is_set(name);
        let mut provider = provider;
        let mut context = op_context(spec, request.session, &is_set);
        context.runner = request.runner;
        // A provider that declares its section's schema (every built-in does) gets it
        // checked, located in cloud.yaml, and with its defaults, before any operation;
        // what it finds wrong itself is located there too.
        provider.locate_config_errors(Box::new(spec.config_error_locator()));
        if let Some(text) = provider.config_schema()? {
            let schema = SectionSchema::parse(&text, &spec.provider)?;
            context.config = spec.checked_section(&schema)?;
        }
        let mut session = Session::new(provider, context);
        session.show_progress = !self.options.quiet;
        // A replay checks too, from the cassette, as the recording did; only a dry run,
        // which answers nothing, skips the check.
        if request.check_programs && !crate::workflow::Runner::dry_run(&session) {
            session.require_programs()?;
        }
        Ok(session)
    }
}
