//! One compiled component and everything a run of one of its operations needs: each
//! run gets a fresh instance and a capability of its own (replaying a cassette,
//! rehearsing with nothing started, or recording for real), whose every call is kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::fixture::Fixture;
use super::operation::{Operation, Returned};
use crate::capability::{
    Backend, CallKind, CallLog, CallRecord, Capability, DeployDirMount, Player, Rehearsal,
    Settings, Trust,
};
use crate::config::section_schema::SectionSchema;
use crate::console::Console;
use crate::deploy_dir::DeployDir;
use crate::error::{CloudError, CloudResult};
use crate::paths::CloudHome;
use crate::plugin::{Compiled, Limits, OpContext, ProviderDescription, Runtime};
use crate::secrets::Secrets;

/// Where a run's calls go.
pub enum Mode<'a> {
    /// Strictly against this cassette.
    Replay(&'a Path),
    /// Nothing starts; answers loosely from this cassette when given.
    Rehearse {
        programs_missing: bool,
        script: Option<&'a Path>,
    },
    /// For real, into this cassette.
    Record(&'a Path),
}

/// What one run of one operation did.
pub struct Run {
    pub result: CloudResult<()>,
    /// Every call, the commands the operation handed back to the host included.
    pub calls: Vec<CallRecord>,
    /// Replay: calls the cassette holds that the operation never made, and the first.
    pub unplayed: (usize, Option<String>),
}

pub struct Harness {
    runtime: Runtime,
    compiled: Compiled,
    trust: Trust,
    pub component: PathBuf,
    pub description: ProviderDescription,
    pub schema: Option<SectionSchema>,
    pub fixture: Fixture,
    deploy_dir: DeployDir,
    /// Made-up values for replays and rehearsals.
    secrets: Secrets,
    console: Console,
}

impl Harness {
    /// Compiles the component, lets it describe itself and declare its schema, and
    /// prepares the fixture and a deploy directory.
    pub fn load(component: &Path, cassettes: &Path, home: &CloudHome) -> CloudResult<Self> {
        let bytes = std::fs::read(component).map_err(|e| {
            CloudError::new(
                "invalid_args",
                format!("cannot read {}: {e}", component.display()),
            )
        })?;
        let runtime = Runtime::new(Some(home.cache_dir()), Limits::default())?;
        let compiled = runtime.compile(&bytes, &component.display().to_string())?;
        let (console, _) = Console::capture();
        let mut settings = Settings::new(console.clone());
        settings.backend = Backend::Rehearse(Rehearsal::default());
        let capability = Arc::new(Capability::new(settings));
        let nothing_granted = Trust::Granted {
            programs: Default::default(),
            unrestricted: Default::default(),
            component: component.to_path_buf(),
        };
        let mut probe = runtime.instantiate(&compiled, nothing_granted, capability, None)?;
        let description = probe.description().clone();
        let schema = match probe.config_schema()? {
            Some(text) => Some(SectionSchema::parse(&text, &description.name)?),
            None => None,
        };
        let fixture = Fixture::load(cassettes, &description, schema.as_ref())?;
        let deploy_dir = crate::deploy_dir::materialize(&fixture.spec, home)?;
        let trust = Trust::Granted {
            programs: description
                .programs
                .iter()
                .map(|p| p.name.clone())
                .collect(),
            unrestricted: Default::default(),
            component: component.to_path_buf(),
        };
        Ok(Harness {
            secrets: fixture.invented_secrets(),
            runtime,
            compiled,
            trust,
            component: component.to_path_buf(),
            description,
            schema,
            fixture,
            deploy_dir,
            console,
        })
    }

    /// The secrets of replays and rehearsals (their values made up).
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Runs `operation` once with `context`; `check_programs` makes the host's own
    /// check that every required program is on PATH first, as a session does.
    pub fn run(
        &self,
        operation: Operation,
        mode: Mode<'_>,
        context: &OpContext,
        check_programs: bool,
    ) -> Run {
        let log = Arc::new(CallLog::default());
        let mut run = Run {
            result: Ok(()),
            calls: Vec::new(),
            unplayed: (0, None),
        };
        let capability = match self.capability(mode, &log) {
            Ok(capability) => Arc::new(capability),
            Err(error) => {
                run.result = Err(error);
                return run;
            }
        };
        run.result = self.drive(operation, &capability, context, check_programs);
        run.calls = log.calls();
        run.unplayed = (
            capability.unplayed_calls(),
            capability.first_unplayed_call(),
        );
        run
    }

    fn capability(&self, mode: Mode<'_>, log: &Arc<CallLog>) -> CloudResult<Capability> {
        let mut settings = Settings::new(self.console.clone());
        let (backend, secrets) = match mode {
            Mode::Replay(path) => (Backend::Replay(Player::open(path)?), self.secrets.clone()),
            Mode::Rehearse {
                programs_missing,
                script,
            } => {
                let script = script.map(Player::open).transpose()?;
                let rehearsal = Rehearsal {
                    programs_missing,
                    script,
                };
                (Backend::Rehearse(rehearsal), self.secrets.clone())
            }
            Mode::Record(path) => {
                let real = Secrets::from_environment().with_names(&self.fixture.spec.secrets);
                (Backend::record(path)?, real)
            }
        };
        settings.backend = backend;
        settings.redactor = Arc::new(secrets.redactor());
        settings.secrets = secrets;
        settings.call_log = Some(log.clone());
        settings.substitutions = vec![(
            "${DEPLOY_DIR}".into(),
            self.deploy_dir.path().display().to_string(),
        )];
        if let Some(home) = crate::environment::home_dir() {
            let home = home.display().to_string();
            settings.substitutions.push(("${HOME}".into(), home));
        }
        Ok(Capability::new(settings))
    }

    fn drive(
        &self,
        operation: Operation,
        capability: &Arc<Capability>,
        context: &OpContext,
        check_programs: bool,
    ) -> CloudResult<()> {
        let mount = operation.renders().then(|| {
            let files = self.deploy_dir.host_files().to_vec();
            DeployDirMount::rendered(self.deploy_dir.path(), files)
        });
        let mut provider = self.runtime.instantiate(
            &self.compiled,
            self.trust.clone(),
            capability.clone(),
            mount,
        )?;
        if check_programs {
            for program in self.description.programs.iter().filter(|p| p.required) {
                if !capability.which(provider.caller(), &program.name)? {
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
        match operation.invoke(&mut provider, context)? {
            Returned::Nothing => Ok(()),
            Returned::Stream(cmd) => {
                capability.stream(provider.caller(), &cmd, &mut |_, _| {})?;
                Ok(())
            }
            Returned::Terminal(cmd) => {
                Ok(capability.pin(provider.caller(), &cmd, CallKind::Terminal)?)
            }
        }
    }

    /// `<dir>/<operation>.cassette`.
    pub fn cassette(dir: &Path, operation: Operation) -> PathBuf {
        dir.join(format!("{}.cassette", operation.name()))
    }
}
