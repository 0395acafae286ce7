//! Hostile components: each attack is stopped with a clear error and the host stays
//! usable afterwards.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use megaplan_cloud::capability::policy::DEPLOY_DIR_FILES;
use megaplan_cloud::capability::{Capability, DeployDirMount, Settings, StdinSpec, Trust};
use megaplan_cloud::console::{Captured, Console};
use megaplan_cloud::error::CloudError;
use megaplan_cloud::plugin::{Limits, OpContext, ProviderInstance, Runtime};
use megaplan_cloud::redact::Redactor;
use megaplan_cloud::secrets::Secrets;
use megaplan_cloud_tests::{
    CONTRACT_0_1, CONTRACT_0_2, CONTRACT_0_3, CONTRACT_0_4, CONTRACT_0_5, MISCHIEF, WRONG_VERSION,
};

pub(crate) struct Harness {
    pub(crate) runtime: Runtime,
    pub(crate) capability: Arc<Capability>,
    pub(crate) captured: Captured,
    pub(crate) deploy_dir: tempfile::TempDir,
}

pub(crate) fn harness() -> Harness {
    let (console, captured) = Console::capture();
    let mut settings = Settings::new(console);
    settings.redactor = Arc::new(Redactor::new(
        &["MISCHIEF_TOKEN".into()],
        &["correct-horse-battery".into()],
    ));
    settings.secrets = Secrets::in_memory(&[("MISCHIEF_TOKEN", "correct-horse-battery")]);
    let limits = Limits {
        memory_bytes: 32 << 20,
        guest_cpu: Duration::from_millis(300),
        epoch_tick: Duration::from_millis(5),
        operation_wall: Duration::from_secs(20),
        host_calls: 200,
    };
    Harness {
        runtime: Runtime::new(None, limits).unwrap(),
        capability: Arc::new(Capability::new(settings)),
        captured,
        deploy_dir: tempfile::tempdir().unwrap(),
    }
}

impl Harness {
    fn load(&self, path: &str, granted: &[&str]) -> Result<ProviderInstance, CloudError> {
        let bytes = std::fs::read(path).unwrap();
        let compiled = self.runtime.compile(&bytes, path)?;
        let trust = Trust::Granted {
            programs: granted
                .iter()
                .map(|p| p.to_string())
                .collect::<BTreeSet<_>>(),
            unrestricted: BTreeSet::new(),
            component: path.into(),
        };
        self.runtime.instantiate(
            &compiled,
            trust,
            self.capability.clone(),
            Some(DeployDirMount::rendered(
                self.deploy_dir.path(),
                DEPLOY_DIR_FILES.iter().map(|f| f.to_string()).collect(),
            )),
        )
    }

    pub(crate) fn mischief(&self) -> ProviderInstance {
        self.load(MISCHIEF, &["echo", "cat", "sleep"]).unwrap()
    }

    /// The mischief component with these programs granted.
    pub(crate) fn load_granted(&self, granted: &[&str]) -> ProviderInstance {
        self.load(MISCHIEF, granted).unwrap()
    }
}

pub(crate) fn exec(provider: &mut ProviderInstance, line: &str) -> Result<String, CloudError> {
    let out = provider.exec(&OpContext::default(), line, StdinSpec::None)?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// After an attack, the host must still load and run a provider.
pub(crate) fn assert_host_usable(h: &Harness) {
    let mut fresh = h.mischief();
    assert_eq!(
        exec(&mut fresh, "run echo still-alive").unwrap(),
        "still-alive\n"
    );
}

#[test]
fn an_undeclared_program_is_denied_and_the_instance_keeps_working() {
    let h = harness();
    let mut p = h.mischief();
    let err = exec(&mut p, "run curl http://127.0.0.1:1/").unwrap_err();
    assert_eq!(err.code, "capability_denied");
    assert!(
        err.message
            .contains("may not run 'curl': it did not declare it"),
        "{}",
        err.message
    );
    // A denial is an answer, not a crash: the same instance goes on.
    assert_eq!(exec(&mut p, "run echo ok").unwrap(), "ok\n");
}

#[test]
fn a_declared_but_ungranted_program_names_the_grant_that_would_allow_it() {
    let h = harness();
    let mut p = h.mischief();
    let err = exec(&mut p, "run sh -c id").unwrap_err();
    assert_eq!(err.code, "capability_denied");
    assert!(
        err.message.ends_with(&format!(
            "megaplan-cloud provider install {MISCHIEF} --grant cat --grant echo --grant sh --grant sleep"
        )),
        "{}",
        err.message
    );
    assert_host_usable(&h);
}

#[test]
fn files_outside_the_deploy_dir_are_out_of_reach() {
    let h = harness();
    let mut p = h.mischief();
    let err = exec(&mut p, "read /etc/passwd").unwrap_err();
    assert_eq!(err.code, "provider_failed");
    assert!(
        err.message.starts_with("cannot read /etc/passwd"),
        "{}",
        err.message
    );
    let err = exec(&mut p, "read /deploy/../../etc/passwd").unwrap_err();
    assert!(err.message.starts_with("cannot read"), "{}", err.message);
}

#[test]
fn the_environment_is_empty_and_the_network_closed() {
    let h = harness();
    let mut p = h.mischief();
    // The test process has HOME, PATH and more; the component sees none of them.
    assert_eq!(exec(&mut p, "env").unwrap(), "");
    // Something really listens there, so only the sandbox can make the connect fail.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let err = exec(&mut p, &format!("net {addr}")).unwrap_err();
    assert!(
        err.message
            .starts_with(&format!("cannot connect to {addr}")),
        "{}",
        err.message
    );
    assert!(
        listener.accept().is_err(),
        "the component reached a listening socket"
    );
}

#[test]
fn an_endless_loop_is_stopped_by_the_cpu_budget() {
    let h = harness();
    let mut p = h.mischief();
    let err = exec(&mut p, "spin").unwrap_err();
    assert_eq!(err.code, "provider_limit_exceeded");
    assert_eq!(
        err.message,
        "provider 'mischief' was stopped in `exec`: it used more than 300 ms of CPU"
    );
    let again = exec(&mut p, "run echo x").unwrap_err();
    assert_eq!(again.code, "provider_crashed");
    assert!(
        again.message.contains("was stopped earlier"),
        "{}",
        again.message
    );
    assert_host_usable(&h);
}

#[test]
fn time_in_host_calls_does_not_count_against_the_cpu_budget() {
    let h = harness();
    let mut p = h.mischief();
    // 0.6 s in a subprocess is twice the 300 ms guest budget.
    assert_eq!(exec(&mut p, "run sleep 0.6").unwrap(), "");
}

#[test]
fn unbounded_allocation_is_stopped_by_the_memory_cap() {
    let h = harness();
    let mut p = h.mischief();
    let err = exec(&mut p, "hog").unwrap_err();
    assert_eq!(err.code, "provider_limit_exceeded");
    assert_eq!(
        err.message,
        "provider 'mischief' was stopped in `exec`: it tried to use more than 32 MiB of memory"
    );
    assert_host_usable(&h);
}

#[test]
fn a_panic_is_reported_with_its_message() {
    let h = harness();
    let mut p = h.mischief();
    let err = exec(&mut p, "panic").unwrap_err();
    assert_eq!(err.code, "provider_crashed");
    assert!(
        err.message.contains("mischief panicked on purpose"),
        "{}",
        err.message
    );
    assert_host_usable(&h);
}

/// Contract 0.3.0 added `observe`; a provider built for 0.2.0 still loads, runs under
/// the same capability, and has no observation to give.
#[test]
fn a_provider_built_for_contract_0_2_still_loads_and_runs() {
    let h = harness();
    let compiled = h
        .runtime
        .compile(&std::fs::read(CONTRACT_0_2).unwrap(), CONTRACT_0_2)
        .unwrap();
    assert_eq!(compiled.contract, megaplan_cloud::plugin::Contract::V0_2);
    let mut legacy = h.load(CONTRACT_0_2, &["echo"]).unwrap();
    assert_eq!(legacy.description().contract_version, "0.2.0");
    assert_eq!(legacy.description().version, "0.2.7");
    assert_eq!(
        exec(&mut legacy, "hello there").unwrap(),
        "legacy: hello there\n"
    );
    let checks = legacy.doctor(&OpContext::default()).unwrap();
    assert_eq!(checks[0].detail, "speaks 0.2.0");
    assert_eq!(legacy.observe(&OpContext::default()).unwrap(), None);
    // Its commands go through the same grants as any other provider's.
    let ungranted =
        h.load(CONTRACT_0_2, &[])
            .unwrap()
            .exec(&OpContext::default(), "x", StdinSpec::None);
    let err = ungranted.unwrap_err();
    assert!(err.message.contains("Denied"), "{}", err.message);
    assert_host_usable(&h);
}

/// Contract 0.4.0 added `process.probe`; a provider built for 0.3.0, which imports no
/// probe, still loads, runs under the same grants, and observes its runner.
#[test]
fn a_provider_built_for_contract_0_3_still_loads_runs_and_observes() {
    let h = harness();
    let compiled = h
        .runtime
        .compile(&std::fs::read(CONTRACT_0_3).unwrap(), CONTRACT_0_3)
        .unwrap();
    assert_eq!(compiled.contract, megaplan_cloud::plugin::Contract::V0_3);
    let mut legacy = h.load(CONTRACT_0_3, &["echo"]).unwrap();
    assert_eq!(legacy.description().contract_version, "0.3.0");
    assert_eq!(legacy.description().version, "0.3.4");
    assert_eq!(exec(&mut legacy, "hi there").unwrap(), "legacy: hi there\n");
    let observed = legacy
        .observe(&OpContext::default())
        .unwrap()
        .expect("observed");
    assert!(observed.running(), "{observed:?}");
    assert_eq!(observed.image_id.as_deref(), Some("sha256:legacy"));
    assert_eq!(observed.detail, "observed by a 0.3.0 provider");
    let ungranted =
        h.load(CONTRACT_0_3, &[])
            .unwrap()
            .exec(&OpContext::default(), "x", StdinSpec::None);
    let err = ungranted.unwrap_err();
    assert!(err.message.contains("Denied"), "{}", err.message);
    assert_host_usable(&h);
}

/// Contract 0.6.0 added the `runner` import and `chain-runners`; a provider built for
/// 0.5.0 still loads, probes, writes a file of its own, runs and observes under the same
/// grants, and is taken to share one runner.
#[test]
fn a_provider_built_for_contract_0_5_still_loads_writes_and_runs_on_one_runner() {
    let h = harness();
    let compiled = h
        .runtime
        .compile(&std::fs::read(CONTRACT_0_5).unwrap(), CONTRACT_0_5)
        .unwrap();
    assert_eq!(compiled.contract, megaplan_cloud::plugin::Contract::V0_5);
    let mut legacy = h.load(CONTRACT_0_5, &["echo"]).unwrap();
    assert_eq!(legacy.description().contract_version, "0.5.0");
    let checks = legacy.doctor(&OpContext::default()).unwrap();
    assert_eq!(checks[0].detail, "speaks 0.5.0, probed");
    legacy.build(&OpContext::default()).unwrap();
    let written = std::fs::read_to_string(h.deploy_dir.path().join("legacy.toml")).unwrap();
    assert_eq!(written, "built = true\n");
    let ctx = OpContext {
        config: serde_json::json!({"zone": "z9"}),
        runner: Some("chain-a".into()),
        ..OpContext::default()
    };
    assert!(
        !legacy.chain_runners(&ctx).unwrap(),
        "an older provider shares one runner"
    );
    let out = legacy.exec(&ctx, "hi", StdinSpec::None).unwrap();
    assert_eq!(out.stdout, b"legacy: hi {\"zone\":\"z9\"}\n");
    assert!(legacy.observe(&ctx).unwrap().expect("observed").running());
    let ungranted = h.load(CONTRACT_0_5, &[]).unwrap().doctor(&ctx);
    assert!(ungranted.unwrap_err().message.contains("Denied"));
    assert_host_usable(&h);
}

/// Contract 0.5.0 added `files.write-file`; a provider built for 0.4.0 still loads,
/// declares its section's schema, probes, runs and observes under the same grants.
#[test]
fn a_provider_built_for_contract_0_4_still_loads_declares_probes_and_runs() {
    let h = harness();
    let compiled = h
        .runtime
        .compile(&std::fs::read(CONTRACT_0_4).unwrap(), CONTRACT_0_4)
        .unwrap();
    assert_eq!(compiled.contract, megaplan_cloud::plugin::Contract::V0_4);
    let mut legacy = h.load(CONTRACT_0_4, &["echo"]).unwrap();
    assert_eq!(legacy.description().contract_version, "0.4.0");
    let schema = legacy.config_schema().unwrap().expect("a schema");
    assert!(schema.contains("\"zone\""), "{schema}");
    let checks = legacy.doctor(&OpContext::default()).unwrap();
    assert_eq!(checks[0].detail, "speaks 0.4.0, probed");
    let ctx = OpContext {
        config: serde_json::json!({"zone": "z9"}),
        ..OpContext::default()
    };
    let out = legacy.exec(&ctx, "hi", StdinSpec::None).unwrap();
    assert_eq!(out.stdout, b"legacy: hi {\"zone\":\"z9\"}\n");
    assert!(legacy.observe(&ctx).unwrap().expect("observed").running());
    let ungranted = h.load(CONTRACT_0_4, &[]).unwrap().doctor(&ctx);
    assert!(ungranted.unwrap_err().message.contains("Denied"));
    assert_host_usable(&h);
}

/// Contract 0.1.0, the first, differs in its types (no `env` in the description, a
/// guest path for a pre-opened deploy directory, no nonce): the host loads it through
/// an adapter, pre-opens nothing (its guest path is `none`), and holds its commands to
/// the same grants.
#[test]
fn a_provider_built_for_contract_0_1_still_loads_and_runs_in_todays_sandbox() {
    let h = harness();
    let compiled = h
        .runtime
        .compile(&std::fs::read(CONTRACT_0_1).unwrap(), CONTRACT_0_1)
        .unwrap();
    assert_eq!(compiled.contract, megaplan_cloud::plugin::Contract::V0_1);
    let mut first = h.load(CONTRACT_0_1, &["echo"]).unwrap();
    let description = first.description().clone();
    assert_eq!(description.contract_version, "0.1.0");
    assert_eq!(description.version, "0.1.9");
    assert!(description.env.is_empty());
    assert!(description.has_feature(megaplan_cloud::plugin::Feature::Volumes));
    let told = exec(&mut first, "hello").unwrap();
    let dir = h.deploy_dir.path().display().to_string();
    assert_eq!(told, format!("first: hello dir {dir} guest None\n"));
    let checks = first.doctor(&OpContext::default()).unwrap();
    assert_eq!(checks[0].detail, "speaks 0.1.0");
    let ctx = OpContext::default();
    assert_eq!(
        first
            .volume(&ctx, megaplan_cloud::plugin::VolumeAction::Remove)
            .unwrap(),
        "volume VolumeAction::Remove"
    );
    assert_eq!(first.observe(&ctx).unwrap(), None);
    assert_eq!(first.config_schema().unwrap(), None);
    let err = first.build(&ctx).unwrap_err();
    assert_eq!(err.code, "not_implemented", "{err:?}");
    let ungranted = h
        .load(CONTRACT_0_1, &[])
        .unwrap()
        .exec(&ctx, "x", StdinSpec::None);
    assert!(ungranted.unwrap_err().message.contains("Denied"));
    assert_host_usable(&h);
}

#[test]
fn a_wrong_contract_version_is_refused_before_anything_runs() {
    let h = harness();
    let err = h.load(WRONG_VERSION, &[]).err().expect("refused");
    assert_eq!(err.code, "incompatible_provider");
    assert!(
        err.message.starts_with("provider 'wrong-version' (by its describe()) was built for contract megaplan:cloud@9.0.0, but this megaplan-cloud speaks megaplan:cloud@0.6.0 (and loads megaplan:cloud@0.5, @0.4, @0.3, @0.2 and @0.1)"),
        "{}",
        err.message
    );
    assert_host_usable(&h);
}

#[test]
fn secrets_reach_the_program_but_never_the_provider() {
    let h = harness();
    let mut p = h.mischief();
    // `cat` receives the real value on stdin; what comes back to the component is
    // redacted before it crosses the boundary.
    assert_eq!(
        exec(&mut p, "stdin-secret MISCHIEF_TOKEN").unwrap(),
        "***REDACTED***"
    );
    assert_eq!(
        exec(&mut p, "env-file MISCHIEF_TOKEN").unwrap(),
        "PORT=8080\nMISCHIEF_TOKEN=***REDACTED***\n"
    );
    assert!(!h.captured.stdout().contains("correct-horse"));
    assert!(!h.captured.stderr().contains("correct-horse"));
}
