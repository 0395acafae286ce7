//! What the end-to-end tests share: a project directory with its own megaplan-cloud
//! home, the real binary run in it, and attach driven on a real terminal.

// These helpers drive the real binary, docker and tmux from outside, as an operator does.

use crate::process;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use megaplan_cloud::capability::{Capability, DeployDirMount, Settings};
use megaplan_cloud::config::CloudSpec;
use megaplan_cloud::console::Console;
use megaplan_cloud::paths::CloudHome;
use megaplan_cloud::plugin::registry::Registry;
use megaplan_cloud::plugin::{Limits, Runtime};

use std::net::TcpStream;

use crate::{TEST_IMAGE, free_port, poll, unique};

/// Fails (never skips) when the offline test image is missing.
pub fn require_test_image() {
    let image = process::command("docker")
        .args(["image", "inspect", TEST_IMAGE])
        .output()
        .expect("docker runs");
    assert!(
        image.status.success(),
        "{TEST_IMAGE} is missing: run tests/image/build-test-image.sh (.ci/run does)"
    );
}

/// A project directory with a cloud.yaml and a private megaplan-cloud home.
pub struct Project {
    pub dir: tempfile::TempDir,
    /// The binary under test (`env!("CARGO_BIN_EXE_mpc-e2e")` in an integration test).
    bin: &'static str,
    env: Vec<(String, String)>,
}

impl Project {
    pub fn new(bin: &'static str, cloud_yaml: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::write(dir.path().join("cloud.yaml"), cloud_yaml).expect("write cloud.yaml");
        std::fs::write(dir.path().join("Dockerfile.test"), crate::TEST_DOCKERFILE)
            .expect("write the Dockerfile");
        Project {
            dir,
            bin,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A variable the project's commands get, as given to [`Project::new`].
    pub fn env_value(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn command(&self, args: &[&str]) -> process::Process {
        let mut cmd = process::command(self.bin);
        cmd.args(args)
            .current_dir(self.path())
            .env("MEGAPLAN_CLOUD_HOME", self.home());
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs")
    }

    /// Runs and requires success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Polls `exec` until the runner's tmux session `agent` exists.
    /// Runs a command that must fail (exit 1) with its error as JSON on stdout; that
    /// error.
    pub fn error(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// Builds a runner image whose boot prints `dying on purpose with <words>` (shell
    /// words, expanded in the runner) and exits 3.
    pub fn build_a_runner_that_dies(&self, words: &str) {
        let dying = format!(
            "{}\nCMD [\"sh\", \"-c\", \"echo dying on purpose with {words}; exit 3\"]\n",
            crate::TEST_DOCKERFILE
        );
        std::fs::write(self.path().join("Dockerfile.test"), dying).unwrap();
        self.ok(&["build"]);
    }

    pub fn wait_for_agent(&self) {
        let up = poll(Duration::from_secs(120), || {
            let out = self.run(&["exec", "tmux has-session -t =agent && echo agent-up"]);
            String::from_utf8_lossy(&out.stdout)
                .contains("agent-up")
                .then_some(())
        });
        assert!(
            up.is_some(),
            "the agent session never appeared:\n{}",
            self.ok(&["logs", "--no-follow"])
        );
    }

    /// `status`, `resume` and `bootstrap` run megaplan (the image's stand-in, which
    /// logs its calls to /tmp/megaplan-stub.log) in the runner's workspace.
    pub fn plan_workflows_run_megaplan(&self) {
        let status: serde_json::Value =
            serde_json::from_str(&self.ok(&["status"])).expect("status prints JSON");
        assert_eq!(
            (status["plan"].as_str(), status["next_step"].as_str()),
            (Some("e2e"), Some("plan")),
            "{status}"
        );
        // The runner's secret in megaplan's own output reaches the operator redacted.
        assert_eq!(
            status["notes"],
            serde_json::json!(["token ***REDACTED***"]),
            "{status}"
        );
        // The stand-in's next step is `plan`, so resume runs `megaplan plan --plan e2e`.
        assert_eq!(
            self.ok(&["resume", "--plan", "e2e"]),
            "megaplan stand-in: plan --plan e2e\n"
        );
        // Beyond the plan step: execute runs unattended, feedback as the workflow.
        for (step, ran) in [
            (
                "execute",
                "execute --confirm-destructive --user-approved --retry-blocked-tasks --plan e2e",
            ),
            ("feedback", "feedback workflow --plan e2e"),
        ] {
            self.ok(&["exec", &format!("echo {step} > /tmp/megaplan-next-step")]);
            assert_eq!(
                self.ok(&["resume", "--plan", "e2e"]),
                format!("megaplan stand-in: {ran}\n")
            );
        }
        self.ok(&["exec", "rm -f /tmp/megaplan-next-step"]);
        // doctor on a working setup: every check passes, nothing secret in it.
        let doctor = self.run(&["doctor"]);
        let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
        assert!(doctor.status.success(), "{report}");
        assert_eq!(report["success"], true, "{report}");

        // A missing idea file stops bootstrap before anything reaches the runner.
        let out = self.run(&["bootstrap", "no-such-idea.md"]);
        assert_eq!(out.status.code(), Some(1));
        let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(error["error"], "missing_idea_file", "{error}");

        let idea = "Build the thing.\nWith 'quotes' and $(no substitution).\n";
        std::fs::write(self.path().join("idea.md"), idea).unwrap();
        let out = self.ok(&["bootstrap", "idea.md", "--plan-name", "first plan"]);
        assert!(
            out.ends_with(
                "megaplan stand-in: init --project-dir /workspace/app --idea-file \
                 /workspace/app/idea.txt --auto-start --robustness standard --name first plan\n"
            ),
            "{out}"
        );
        assert_eq!(self.ok(&["exec", "cat /workspace/app/idea.txt"]), idea);
        let calls = self.ok(&["exec", "cut -d' ' -f2- /tmp/megaplan-stub.log"]);
        for expected in [
            "megaplan status --plan e2e",
            "megaplan plan --plan e2e",
            "megaplan init --project-dir /workspace/app",
        ] {
            assert!(calls.contains(expected), "{expected} not in\n{calls}");
        }
    }

    /// What is piped into `exec` reaches the remote command.
    pub fn stdin_passes_through(&self) {
        use std::io::Write;
        let mut child = self
            .command(&["exec", "cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(b"through stdin\n").expect("write stdin");
        drop(stdin);
        let out = child.wait_with_output().expect("exec finishes");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "through stdin\n");
    }

    /// The log snapshot and a followed stream both show the entrypoint reaching idle.
    pub fn logs_show_the_entrypoint(&self) {
        let logs = poll(Duration::from_secs(60), || {
            let text = self.ok(&["logs", "--no-follow"]);
            text.contains("=== entrypoint idle ===").then_some(text)
        })
        .expect("the entrypoint reached idle");
        assert!(logs.contains("Runner mode: idle"), "{logs}");
        let mut follow = self
            .command(&["logs"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("logs runs");
        assert!(read_until(
            &mut follow,
            "entrypoint idle",
            Duration::from_secs(60)
        ));
        let _ = follow.kill();
        let _ = follow.wait();
    }

    /// upload and read-file are operations the workflows use; they go through the
    /// library: a binary file with spaces and a quote in its name comes back intact.
    pub fn upload_and_read_back(&self) {
        let home = CloudHome::at(self.home());
        let spec = CloudSpec::load(&self.path().join("cloud.yaml"), &|_| false)
            .expect("cloud.yaml loads")
            .spec;
        let (console, _) = Console::capture();
        let capability = Arc::new(Capability::new(Settings::new(console)));
        let runtime = Runtime::new(None, Limits::default()).expect("runtime");
        let deploy_dir = megaplan_cloud::deploy_dir::persistent_dir(&spec, &home)
            .expect("a valid deploy dir")
            .map(DeployDirMount::path_only);
        let mut provider = Registry::new(home, vec![])
            .load(&runtime, &spec.provider, capability, deploy_dir)
            .expect("the provider loads");
        let ctx = megaplan_cloud::ops::op_context(&spec, None, &|_| true);
        let content: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let destination = "/workspace/app/dir with space/it's a blob.bin";
        provider
            .upload(&ctx, destination, &content)
            .expect("upload");
        assert_eq!(
            provider.read_file(&ctx, destination).expect("read-file"),
            content
        );
        let missing = provider.read_file(&ctx, "/no/such file").unwrap_err();
        assert_eq!(missing.code, "provider_failed");
        assert!(
            missing.message.contains("No such file"),
            "{}",
            missing.message
        );
    }

    /// `attach` under a real pseudo-terminal (a host tmux session) reaches the runner's
    /// tmux session `agent`, and what is typed there runs.
    pub fn attach_reaches_the_agent_session(&self) {
        let env: String = self.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
        // The pane outlives the command, so a failure leaves its message on screen.
        let command = format!(
            "cd {} && {env}MEGAPLAN_CLOUD_HOME={} {} attach; echo attach-exited-$?; exec cat",
            self.path().display(),
            self.home().display(),
            self.bin
        );
        let pane = Pane::start("mpc-attach", &command);
        let attached = poll(Duration::from_secs(30), || {
            pane.screen(false).contains("[agent]").then_some(())
        });
        assert!(
            attached.is_some(),
            "no inner tmux status line:\n{}",
            pane.screen(false)
        );
        pane.send_line("echo attach-$((6*7))");
        pane.wait_for("attach-42");
    }
}

/// A tmux session of its own, killed however the test ends.
pub struct Pane(String);

impl Pane {
    /// `command` in a new detached session of 120x30 (named after `prefix`).
    pub fn start(prefix: &str, command: &str) -> Self {
        let session = unique(prefix);
        let started = tmux(&[
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "120",
            "-y",
            "30",
            command,
        ]);
        assert!(started.status.success(), "{started:?}");
        Pane(session)
    }

    /// The pane's text; with `escapes`, its colours and attributes as escape codes.
    pub fn screen(&self, escapes: bool) -> String {
        let target = format!("={}:", self.0);
        let mut args = vec!["capture-pane", "-p", "-t", &target];
        if escapes {
            args.push("-e");
        }
        String::from_utf8_lossy(&tmux(&args).stdout).into_owned()
    }

    /// Types `line` and Enter.
    pub fn send_line(&self, line: &str) {
        tmux(&["send-keys", "-t", &format!("={}:", self.0), line, "Enter"]);
    }

    /// Polls the pane's text until it contains `needle`; the text then.
    pub fn wait_for(&self, needle: &str) -> String {
        poll(Duration::from_secs(60), || {
            let screen = self.screen(false);
            screen.contains(needle).then_some(screen)
        })
        .unwrap_or_else(|| panic!("{needle:?} never appeared:\n{}", self.screen(false)))
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &format!("={}", self.0)]);
    }
}

pub fn tmux(args: &[&str]) -> Output {
    process::command("tmux")
        .args(args)
        .output()
        .expect("tmux runs")
}

/// Reads the child's stdout until a line contains `needle` or the deadline passes.
pub fn read_until(child: &mut Child, needle: &str, deadline: Duration) -> bool {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    poll(deadline, || {
        rx.recv_timeout(Duration::from_millis(200))
            .ok()
            .filter(|line| line.contains(needle))
    })
    .is_some()
}

/// A docker call the tests make themselves (inspecting, cleaning up).
pub fn docker(args: &[&str]) -> String {
    let out = process::command("docker")
        .args(args)
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `docker <args>` that must succeed (a query whose empty answer means something):
/// its stdout, trimmed. A failing docker fails the test rather than answering "none".
pub fn docker_ok(args: &[&str]) -> String {
    let out = process::command("docker")
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// An OpenSSH server for one test, stopped when dropped.
pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub child: Child,
}

impl Sshd {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keygen = |name: &str| {
            let status = process::command("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(dir.path().join(name))
                .status()
                .unwrap();
            assert!(status.success());
        };
        keygen("host_key");
        keygen("client_key");
        std::fs::copy(
            dir.path().join("client_key.pub"),
            dir.path().join("authorized_keys"),
        )
        .unwrap();
        // sshd insists on its privilege-separation directory.
        std::fs::create_dir_all("/run/sshd").unwrap();
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\n\
             PidFile {d}/sshd.pid\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n\
             Subsystem sftp internal-sftp\n",
            d = dir.path().display()
        );
        std::fs::write(dir.path().join("sshd_config"), config).unwrap();
        let child = process::command("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(dir.path().join("sshd_config"))
            .stderr(std::fs::File::create(dir.path().join("sshd.log")).unwrap())
            .spawn()
            .expect("sshd starts (apt-get install openssh-server)");
        let listening = poll(Duration::from_secs(20), || {
            TcpStream::connect(("127.0.0.1", port)).ok()
        });
        assert!(listening.is_some(), "sshd did not listen on {port}");
        Sshd { dir, port, child }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
