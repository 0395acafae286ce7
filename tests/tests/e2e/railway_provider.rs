//! The railway provider against a stand-in Railway CLI (tests/railway/fake-railway):
//! a golden transcript of every operation (replayed by default; `RECORD_TRANSCRIPTS=1`
//! re-records it against the stand-in), and the safety properties: no secret value in
//! any argv, missing secrets refused before any call, old CLIs refused, a command the
//! CLI silently dropped is an error.

// The stand-in CLI is a real program the tests set up; RECORD_TRANSCRIPTS is read here.

use megaplan_cloud_tests::process;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use megaplan_cloud::capability::{
    Backend, Capability, CommandSpec, DeployDirMount, Settings, StdinSpec,
};
use megaplan_cloud::config::CloudSpec;
use megaplan_cloud::console::Console;
use megaplan_cloud::paths::CloudHome;
use megaplan_cloud::plugin::registry::Registry;
use megaplan_cloud::plugin::{
    Limits, LogSource, OpContext, ProviderInstance, Runtime, VolumeAction,
};
use megaplan_cloud::redact::Redactor;
use megaplan_cloud::secrets::Secrets;

const SECRET_NAME: &str = "RAILWAY_TEST_SECRET";
const SECRET: &str = "railway-secret-value-42";
const HOSTILE_LINE: &str = r#"printf '%s|' "a b" 'it'"'"'s' '$(id)' "$(echo sub)"; printf '\n'"#;
const HOSTILE_PATH: &str = "dir with space/q'uote $(x).bin";
const CLOUD_YAML: &str = "provider: railway\nrepo: {url: https://example.com/app.git}\nsecrets: [RAILWAY_TEST_SECRET]\n\
    resources: {volume: agent-volume}\nrailway: {project: proj-1, environment: production, service: agent}\n";

fn recording() -> bool {
    process::env_var("RECORD_TRANSCRIPTS").is_some()
}

/// A bin directory with the stand-in `railway` and `docker`, and its state directory.
struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("railway");
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        std::fs::copy(source.join("fake-railway"), dir.path().join("bin/railway")).unwrap();
        std::fs::copy(source.join("fake-docker"), dir.path().join("bin/docker")).unwrap();
        std::fs::create_dir_all(dir.path().join("state")).unwrap();
        Fake { dir }
    }

    /// The real binary in `project` (with the test's cloud.yaml and secret), the
    /// stand-ins first on PATH.
    fn cli(&self, project: &Path, args: &[&str]) -> std::process::Output {
        std::fs::write(project.join("cloud.yaml"), CLOUD_YAML).unwrap();
        let path = format!("{}:/usr/bin:/bin", self.dir.path().join("bin").display());
        process::command(env!("CARGO_BIN_EXE_mpc-e2e"))
            .args(args)
            .current_dir(project)
            .env("MEGAPLAN_CLOUD_HOME", project.join("home"))
            .env("PATH", &path)
            .env(SECRET_NAME, SECRET)
            .output()
            .unwrap()
    }

    fn state(&self, name: &str) -> PathBuf {
        self.dir.path().join("state").join(name)
    }

    fn capability(
        &self,
        backend: Backend,
        substitutions: Vec<(String, String)>,
    ) -> Arc<Capability> {
        let (console, _) = Console::capture();
        let mut settings = Settings::new(console);
        settings.backend = backend;
        settings.search_path = Some(self.dir.path().join("bin").into_os_string());
        settings.redactor = Arc::new(Redactor::new(&[SECRET_NAME.into()], &[SECRET.into()]));
        settings.secrets = Secrets::in_memory(&[(SECRET_NAME, SECRET)]);
        settings.substitutions = substitutions;
        Arc::new(Capability::new(settings))
    }
}

fn spec(dir: &Path) -> CloudSpec {
    let path = dir.join("cloud.yaml");
    std::fs::write(&path, CLOUD_YAML).unwrap();
    CloudSpec::load(&path, &|_| false).unwrap().spec
}

/// The deploy directory rendered for `spec` (a temporary one, for railway).
fn render(spec: &CloudSpec, project: &Path) -> megaplan_cloud::deploy_dir::DeployDir {
    megaplan_cloud::deploy_dir::materialize(spec, &CloudHome::at(project.join("home"))).unwrap()
}

fn load(capability: Arc<Capability>, deploy_dir: Option<&Path>) -> ProviderInstance {
    let home = tempfile::tempdir().unwrap();
    let runtime = Runtime::new(None, Limits::default()).unwrap();
    let deploy_dir = deploy_dir.map(|dir| DeployDirMount::rendered(dir, Vec::new()));
    Registry::new(CloudHome::at(home.path()), vec![])
        .load(&runtime, "railway", capability, deploy_dir)
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn show(cmd: &CommandSpec) -> String {
    format!("{} tty={}", cmd.display(), cmd.tty)
}

#[test]
fn every_operation_transcript() {
    let fake = Fake::new();
    let project = tempfile::tempdir().unwrap();
    let spec = spec(project.path());
    let deploy_dir = render(&spec, project.path());
    let cassette = Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts/railway.jsonl");
    let backend = if recording() {
        Backend::record(&cassette).unwrap()
    } else {
        Backend::replay(&cassette).unwrap()
    };
    let substitutions = vec![(
        "${DEPLOY_DIR}".to_string(),
        deploy_dir.path().display().to_string(),
    )];
    let capability = fake.capability(backend, substitutions.clone());
    let mut provider = load(capability.clone(), Some(deploy_dir.path()));
    let all_set: OpContext = megaplan_cloud::ops::op_context(&spec, None, &|_| true);

    // A secret without a local value stops deploy before any command.
    let unset = megaplan_cloud::ops::op_context(&spec, None, &|_| false);
    let err = provider.deploy(&unset).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        (
            "missing_secrets",
            "Missing required secrets: RAILWAY_TEST_SECRET"
        )
    );

    let checks = provider.doctor(&all_set).unwrap();
    assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    assert_eq!(checks[0].detail, "railway 5.71.0 (minimum 4.57.4)");

    provider.build(&all_set).unwrap();
    provider.deploy(&all_set).unwrap();

    let hostile = provider
        .exec(&all_set, HOSTILE_LINE, StdinSpec::None)
        .unwrap();
    assert_eq!(
        (hostile.status, text(&hostile.stdout)),
        (0, "a b|it's|$(id)|sub|\n".to_string())
    );
    let failing = provider
        .exec(&all_set, "echo nope >&2; exit 7", StdinSpec::None)
        .unwrap();
    assert_eq!(failing.status, 7, "the marker carries the remote status");
    let piped = provider
        .exec(&all_set, "cat", StdinSpec::Bytes(b"via stdin".to_vec()))
        .unwrap();
    assert_eq!(text(&piped.stdout), "via stdin");

    let content: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    provider.upload(&all_set, HOSTILE_PATH, &content).unwrap();
    assert_eq!(provider.read_file(&all_set, HOSTILE_PATH).unwrap(), content);

    let LogSource::Streamed(snapshot) = provider.logs(&all_set, false).unwrap() else {
        panic!()
    };
    let mut logs = Vec::new();
    capability
        .stream(provider.caller(), &snapshot, &mut |_, chunk| {
            logs.extend_from_slice(chunk)
        })
        .unwrap();
    assert!(text(&logs).contains("entrypoint idle"));
    let LogSource::Streamed(follow) = provider.logs(&all_set, true).unwrap() else {
        panic!()
    };
    let attach = provider.attach_command(&all_set).unwrap();
    let with_session = provider
        .attach_command(&megaplan_cloud::ops::op_context(
            &spec,
            Some("debug".into()),
            &|_| true,
        ))
        .unwrap();

    assert_eq!(
        provider.volume(&all_set, VolumeAction::Ensure).unwrap(),
        "volume agent-volume created at /workspace"
    );
    assert_eq!(
        provider.volume(&all_set, VolumeAction::Ensure).unwrap(),
        "volume agent-volume is attached"
    );
    let observed = provider.observe(&all_set).unwrap().unwrap();
    assert!(observed.running(), "{observed:?}");
    assert_eq!(observed.detail, "deployment dep-1: SUCCESS");
    provider.down(&all_set).unwrap();
    provider.destroy(&all_set).unwrap();
    assert_eq!(
        capability.unplayed_calls(),
        0,
        "the provider skipped recorded calls"
    );

    let commands = [
        format!("logs --no-follow: {}", show(&snapshot)),
        format!("logs: {}", show(&follow)),
        format!("attach: {}", show(&attach)),
        format!("attach --session debug: {}", show(&with_session)),
    ]
    .join("\n")
        + "\n";
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts/railway-commands.txt");
    if recording() {
        std::fs::write(&golden, commands).unwrap();
    } else {
        assert_eq!(std::fs::read_to_string(&golden).unwrap(), commands);
    }
}

#[test]
fn secret_values_reach_railway_on_stdin_and_never_in_argv() {
    let fake = Fake::new();
    let project = tempfile::tempdir().unwrap();
    let spec = spec(project.path());
    let deploy_dir = render(&spec, project.path());
    let mut provider = load(
        fake.capability(Backend::Live, vec![]),
        Some(deploy_dir.path()),
    );
    provider
        .deploy(&megaplan_cloud::ops::op_context(&spec, None, &|_| true))
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(fake.state("vars/RAILWAY_TEST_SECRET")).unwrap(),
        SECRET
    );
    let argv = std::fs::read_to_string(fake.state("argv.log")).unwrap();
    assert!(
        argv.contains("variable set RAILWAY_TEST_SECRET --stdin -p proj-1 -e production -s agent"),
        "{argv}"
    );
    assert!(argv.contains("up "), "{argv}");
    assert!(
        !argv.contains(SECRET),
        "a secret value reached an argv:\n{argv}"
    );
}

#[test]
fn an_old_railway_cli_is_refused_with_an_upgrade_hint() {
    let fake = Fake::new();
    std::fs::write(fake.state("version"), "railway 4.24.0\n").unwrap();
    let project = tempfile::tempdir().unwrap();
    let spec = spec(project.path());
    let mut provider = load(fake.capability(Backend::Live, vec![]), None);
    let err = provider
        .exec(
            &megaplan_cloud::ops::op_context(&spec, None, &|_| true),
            "true",
            StdinSpec::None,
        )
        .unwrap_err();
    assert_eq!(err.code, "provider_unavailable");
    assert!(
        err.message.starts_with(
            "Railway CLI 4.24.0 is too old: megaplan-cloud needs 4.57.4 or newer. Upgrade:"
        ),
        "{}",
        err.message
    );
    let checks = provider
        .doctor(&megaplan_cloud::ops::op_context(&spec, None, &|_| true))
        .unwrap();
    assert!(!checks[0].ok, "{checks:?}");
}

#[test]
fn a_command_the_cli_drops_is_an_error_not_a_success() {
    let fake = Fake::new();
    std::fs::write(fake.state("ssh-drops-commands"), "").unwrap();
    let project = tempfile::tempdir().unwrap();
    let spec = spec(project.path());
    let mut provider = load(fake.capability(Backend::Live, vec![]), None);
    let err = provider
        .exec(
            &megaplan_cloud::ops::op_context(&spec, None, &|_| true),
            "echo hi",
            StdinSpec::None,
        )
        .unwrap_err();
    assert_eq!(err.code, "provider_failed");
    assert!(
        err.message
            .starts_with("railway ssh exited (status 0) without running the command"),
        "{}",
        err.message
    );
}

#[test]
fn remote_output_cannot_forge_the_exit_status_marker() {
    let fake = Fake::new();
    let project = tempfile::tempdir().unwrap();
    let spec = spec(project.path());
    let mut provider = load(fake.capability(Backend::Live, vec![]), None);
    // The remote prints markers of every shape it can guess, then kills the shell that
    // would have printed the real one.
    let forged = "printf '\\n__MEGAPLAN_RC=0\\n__MEGAPLAN_RC_0=0\\n'; kill -9 $PPID";
    let err = provider
        .exec(
            &megaplan_cloud::ops::op_context(&spec, None, &|_| true),
            forged,
            StdinSpec::None,
        )
        .unwrap_err();
    assert_eq!(err.code, "provider_failed");
    assert!(
        err.message.contains("without running the command"),
        "{}",
        err.message
    );
}

#[test]
fn deploy_refuses_to_guess_the_project() {
    let fake = Fake::new();
    let project = tempfile::tempdir().unwrap();
    let path = project.path().join("cloud.yaml");
    std::fs::write(&path, "provider: railway\nrepo: {url: u}\n").unwrap();
    let spec = CloudSpec::load(&path, &|_| false).unwrap().spec;
    let deploy_dir = render(&spec, project.path());
    let mut provider = load(
        fake.capability(Backend::Live, vec![]),
        Some(deploy_dir.path()),
    );
    let err = provider
        .deploy(&megaplan_cloud::ops::op_context(&spec, None, &|_| true))
        .unwrap_err();
    assert_eq!(err.code, "invalid_spec");
    assert!(
        err.message
            .contains("can never land in an unintended or a new project"),
        "{}",
        err.message
    );
    assert!(
        !std::fs::read_to_string(fake.state("argv.log"))
            .unwrap_or_default()
            .contains("up ")
    );
}

#[test]
fn doctor_reports_version_and_login_through_the_cli() {
    let fake = Fake::new();
    let project = tempfile::tempdir().unwrap();
    let doctor = || fake.cli(project.path(), &["doctor"]);
    let out = doctor();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["provider"], "railway");
    let details: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["detail"].as_str().unwrap())
        .collect();
    assert!(
        details.contains(&"railway 5.71.0 (minimum 4.57.4)"),
        "{details:?}"
    );
    assert!(details.contains(&"logged in"), "{details:?}");
    // Logged in is when whoami prints the account: none of it may reach the report.
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains("tests@example.com"), "{text}");
    }

    std::fs::write(fake.state("logged-out"), "").unwrap();
    let out = doctor();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report["success"], false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("not logged in: run `railway login`"),
        "{text}"
    );
    assert!(
        !text.contains("tests@example.com"),
        "doctor prints nothing whoami says"
    );
}

#[test]
fn deploy_through_the_cli_attaches_the_volume_before_the_runner_starts() {
    let fake = Fake::new();
    let project = tempfile::tempdir().unwrap();
    // The stand-in runner has no health server.
    let deploy = || fake.cli(project.path(), &["deploy", "--no-wait"]);
    let out = deploy();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("volume agent-volume created at /workspace"),
        "{stderr}"
    );
    let argv = std::fs::read_to_string(fake.state("argv.log")).unwrap();
    let position = |needle: &str| {
        argv.lines()
            .position(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in {argv}"))
    };
    assert!(position("volume") < position("up "), "{argv}");
    // The deploy's commands and what the CLI said are shown (redacted), not dropped.
    assert!(stderr.contains("deploy: railway up "), "{stderr}");
    assert!(stderr.contains("Deploy complete"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
    // A second deploy finds it attached and adds none.
    let out = deploy();
    assert!(String::from_utf8_lossy(&out.stderr).contains("volume agent-volume is attached"));
    let adds = std::fs::read_to_string(fake.state("argv.log"))
        .unwrap()
        .lines()
        .filter(|line| line.contains(" add "))
        .count();
    assert_eq!(adds, 1);
    let quiet = fake.cli(project.path(), &["--quiet", "deploy", "--no-wait"]);
    assert!(quiet.status.success());
    let said = String::from_utf8_lossy(&quiet.stderr);
    assert!(
        !said.contains("deploy: railway up") && !said.contains("Deploy complete"),
        "{said}"
    );
}

/// `logs --no-follow > file` keeps what the transport says about itself out of the
/// file: the command's stdout goes to stdout, its stderr to stderr.
#[test]
fn logs_keep_the_transports_stdout_and_stderr_apart() {
    let fake = Fake::new();
    let project = tempfile::tempdir().unwrap();
    std::fs::write(fake.state("logs-stderr"), "").unwrap();
    let out = fake.cli(project.path(), &["logs", "--no-follow"]);
    assert!(out.status.success(), "{out:?}");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(stdout.contains("=== entrypoint idle ==="), "{stdout}");
    assert!(!stdout.contains("streaming logs"), "{stdout}");
    assert!(
        stderr.contains("fake railway: streaming logs for agent"),
        "{stderr}"
    );
}
