//! Golden transcripts of every operation of the local and ssh providers, with hostile
//! values (spaces, quotes, `$(...)`, newlines) that must stay literal. By default the
//! committed cassettes in tests/transcripts/ are replayed: the providers must issue
//! exactly the recorded commands, in order, and handle the recorded output, with no
//! Docker engine or sshd involved. `RECORD_TRANSCRIPTS=1` re-records them against this
//! machine's Docker engine and a real sshd.

// Recording drives docker and sshd; RECORD_TRANSCRIPTS is read here.

use megaplan_cloud_tests::process;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use megaplan_cloud::capability::{
    Backend, Capability, CommandSpec, DeployDirMount, Settings, StdinSpec,
};
use megaplan_cloud::config::CloudSpec;
use megaplan_cloud::console::Console;
use megaplan_cloud::paths::CloudHome;
use megaplan_cloud::plugin::registry::Registry;
use megaplan_cloud::plugin::{Limits, LogSource, OpContext, ProviderInstance, Runtime};
use megaplan_cloud::redact::Redactor;
use megaplan_cloud::secrets::Secrets;
use megaplan_cloud_tests::e2e::{Sshd, docker, require_test_image};
use megaplan_cloud_tests::{TEST_DOCKERFILE, TEST_IMAGE, poll_result};

const SECRET_NAME: &str = "TRANSCRIPT_SECRET";
const SECRET: &str = "transcript-secret-value";
/// spaces, a quote, a command substitution and a subshell: all literal on the runner.
const HOSTILE_LINE: &str = r#"printf '%s|' "a b" 'it'"'"'s' '$(id)' "$(echo sub)"; printf '\n'"#;
const HOSTILE_PATH: &str = "/workspace/app/dir with space/q'uote $(x).bin";

fn recording() -> bool {
    process::env_var("RECORD_TRANSCRIPTS").is_some()
}

fn transcript(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("transcripts")
        .join(name)
}

/// What varies between machines, and the placeholder it is recorded as.
struct Place {
    home: tempfile::TempDir,
    project: tempfile::TempDir,
    substitutions: Vec<(String, String)>,
}

impl Place {
    fn new(extra: &[(&str, String)]) -> Self {
        let home = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let mut substitutions = vec![(
            "${CLOUD_HOME}".to_string(),
            home.path().display().to_string(),
        )];
        substitutions.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        Place {
            home,
            project,
            substitutions,
        }
    }

    fn capability(&self, cassette: &Path) -> Arc<Capability> {
        let (console, _) = Console::capture();
        let mut settings = Settings::new(console);
        settings.backend = if recording() {
            Backend::record(cassette).unwrap()
        } else {
            Backend::replay(cassette).unwrap()
        };
        settings.redactor = Arc::new(Redactor::new(&[SECRET_NAME.into()], &[SECRET.into()]));
        settings.secrets = Secrets::in_memory(&[(SECRET_NAME, SECRET)]);
        settings.substitutions = self.substitutions.clone();
        Arc::new(Capability::new(settings))
    }

    fn spec(&self, cloud_yaml: &str) -> CloudSpec {
        std::fs::write(self.project.path().join("Dockerfile.test"), TEST_DOCKERFILE).unwrap();
        let path = self.project.path().join("cloud.yaml");
        std::fs::write(&path, cloud_yaml).unwrap();
        CloudSpec::load(&path, &|_| false).unwrap().spec
    }

    /// A command spec as a comparable text, machine paths replaced by placeholders.
    fn show(&self, cmd: &CommandSpec) -> String {
        let mut text = format!("{} tty={}", cmd.display(), cmd.tty);
        for (placeholder, value) in &self.substitutions {
            text = text.replace(value.as_str(), placeholder);
        }
        text
    }
}

fn load(
    place: &Place,
    spec: &CloudSpec,
    capability: Arc<Capability>,
    open: bool,
) -> ProviderInstance {
    let home = CloudHome::at(place.home.path());
    let path = if open {
        megaplan_cloud::deploy_dir::materialize(spec, &home)
            .unwrap()
            .path()
            .to_path_buf()
    } else {
        megaplan_cloud::deploy_dir::persistent_dir(spec, &home)
            .unwrap()
            .unwrap()
    };
    let runtime = Runtime::new(None, Limits::default()).unwrap();
    Registry::new(home, vec![])
        .load(
            &runtime,
            &spec.provider,
            capability,
            Some(if open {
                DeployDirMount::rendered(path, Vec::new())
            } else {
                DeployDirMount::path_only(path)
            }),
        )
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every operation, in the order an operator would use them; the same assertions hold
/// when recording (against real programs) and when replaying.
fn every_operation(place: &Place, spec: &CloudSpec, cassette: &str) -> Vec<String> {
    let capability = place.capability(&transcript(cassette));
    let ctx: OpContext = megaplan_cloud::ops::op_context(spec, None, &|_| true);
    let mut builder = load(place, spec, capability.clone(), true);
    builder.build(&ctx).unwrap();
    builder.deploy(&ctx).unwrap();
    drop(builder);

    let mut provider = load(place, spec, capability.clone(), false);
    // A replay miss (or any other error) is reported as it is, not as a timeout.
    let agent_up = poll_result(Duration::from_secs(120), || {
        let out = provider.exec(
            &ctx,
            "tmux has-session -t =agent && echo up",
            StdinSpec::None,
        );
        match out {
            Ok(out) if out.status == 0 => Ok(()),
            Ok(out) => Err(format!("not up yet (status {})", out.status)),
            Err(e) if e.code == "replay_mismatch" => panic!("{}", e.message),
            Err(e) => Err(e.message),
        }
    });
    agent_up.unwrap_or_else(|last| panic!("the agent session never came up: {last}"));

    let observed = provider.observe(&ctx).unwrap().expect("an observation");
    assert!(observed.running(), "{observed:?}");
    assert!(
        observed.disk.is_some_and(|disk| disk.free_bytes > 0),
        "{observed:?}"
    );

    let hostile = provider.exec(&ctx, HOSTILE_LINE, StdinSpec::None).unwrap();
    assert_eq!(text(&hostile.stdout), "a b|it's|$(id)|sub|\n");
    let lines = provider
        .exec(&ctx, "echo one\necho 'two  spaces'", StdinSpec::None)
        .unwrap();
    assert_eq!(text(&lines.stdout), "one\ntwo  spaces\n");
    let secret = provider
        .exec(
            &ctx,
            &format!("echo \"value=${SECRET_NAME}\""),
            StdinSpec::None,
        )
        .unwrap();
    assert_eq!(text(&secret.stdout), "value=***REDACTED***\n");
    let failing = provider
        .exec(&ctx, "echo nope >&2; exit 7", StdinSpec::None)
        .unwrap();
    assert_eq!(
        (failing.status, text(&failing.stderr)),
        (7, "nope\n".to_string())
    );

    let content: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    provider.upload(&ctx, HOSTILE_PATH, &content).unwrap();
    assert_eq!(provider.read_file(&ctx, HOSTILE_PATH).unwrap(), content);

    let LogSource::Streamed(snapshot) = provider.logs(&ctx, false).unwrap() else {
        panic!("logs come from a command")
    };
    let mut logs = Vec::new();
    let status = capability
        .stream(provider.caller(), &snapshot, &mut |_, chunk| {
            logs.extend_from_slice(chunk)
        })
        .unwrap();
    assert_eq!(status, 0);
    assert!(text(&logs).contains("entrypoint"), "{}", text(&logs));

    // Commands the host runs itself (streamed, or on the terminal): their argv is golden.
    let LogSource::Streamed(follow) = provider.logs(&ctx, true).unwrap() else {
        panic!("logs come from a command")
    };
    let attach = provider.attach_command(&ctx).unwrap();
    let shown = vec![
        format!("logs --no-follow: {}", place.show(&snapshot)),
        format!("logs: {}", place.show(&follow)),
        format!("attach: {}", place.show(&attach)),
    ];

    provider.down(&ctx).unwrap();
    provider.destroy(&ctx).unwrap();
    assert_eq!(
        capability.unplayed_calls(),
        0,
        "the provider skipped recorded calls"
    );
    shown
}

fn golden_commands(name: &str, shown: Vec<String>) {
    let path = transcript(name);
    let text = shown.join("\n") + "\n";
    if recording() {
        std::fs::write(&path, text).unwrap();
    } else {
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "{}",
            path.display()
        );
    }
}

/// The images a recording built, removed when dropped: `destroy` keeps the image, as
/// the reference does; a test run should not.
struct BuiltImages(&'static [&'static str]);

impl Drop for BuiltImages {
    fn drop(&mut self) {
        if recording() {
            for image in self.0 {
                docker(&["rmi", "-f", image]);
            }
        }
    }
}

#[test]
fn local_provider_transcript() {
    if recording() {
        require_test_image();
    }
    // Compose v2 names the image `<project>-agent`, docker-compose v1 `<project>_agent`.
    let _images = BuiltImages(&["mpc-transcript-local-agent", "mpc-transcript-local_agent"]);
    let place = Place::new(&[]);
    let spec = place.spec(&format!(
        "provider: local\nrepo: {{url: file:///opt/seed-repo}}\nlocal: {{compose_project: mpc-transcript-local}}\n\
         resources: {{port: 18081}}\nsecrets: [{SECRET_NAME}]\n\
         image: {{base: '{TEST_IMAGE}', dockerfile: Dockerfile.test}}\n"
    ));
    let shown = every_operation(&place, &spec, "local.jsonl");
    golden_commands("local-commands.txt", shown);
}

#[test]
fn ssh_provider_transcript() {
    // Replay needs no server: the recorded machine's paths and port are placeholders.
    let sshd = recording().then(|| {
        require_test_image();
        Sshd::start()
    });
    // The sshd's engine is this machine's.
    let _images = BuiltImages(&["mpc-transcript-ssh"]);
    let (dir, port) = match &sshd {
        Some(sshd) => (sshd.dir.path().display().to_string(), sshd.port.to_string()),
        None => (
            "/nonexistent/sshd-transcript".to_string(),
            "2222".to_string(),
        ),
    };
    let place = Place::new(&[("${SSHD}", dir.clone()), ("${SSH_PORT}", port.clone())]);
    let spec = place.spec(&format!(
        "provider: ssh\nrepo: {{url: file:///opt/seed-repo}}\nresources: {{port: 18082}}\nsecrets: [{SECRET_NAME}]\n\
         image: {{base: '{TEST_IMAGE}', dockerfile: Dockerfile.test}}\n\
         ssh:\n  host: 127.0.0.1\n  user: root\n  port: {port}\n  identity_file: '{dir}/client_key'\n\
         \x20 remote_dir: \"{dir}/remote dir/it's here\"\n  container: mpc-transcript-ssh\n\
         \x20 options: {{UserKnownHostsFile: '{dir}/known_hosts'}}\n"
    ));
    let shown = every_operation(&place, &spec, "ssh.jsonl");
    golden_commands("ssh-commands.txt", shown);
}
