//! The real command line (built as `mpc-e2e`) against a third-party component
//! installed from disk: listing, grants, the journal, dry-run, record and replay.

// These tests drive the real binary from outside, as an operator does; the spawning
// rule is for the product.

use megaplan_cloud_tests::process;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use megaplan_cloud_tests::e2e::Project;
use megaplan_cloud_tests::{MISCHIEF, changed_copy};
use serde_json::Value;

struct Sandbox {
    project: Project,
}

impl Sandbox {
    fn new() -> Self {
        let cloud_yaml = "provider: mischief\nrepo:\n  url: https://example.com/app.git\nsecrets: [MISCHIEF_TOKEN]\n";
        Sandbox {
            project: Project::new(
                env!("CARGO_BIN_EXE_mpc-e2e"),
                cloud_yaml,
                &[("MISCHIEF_TOKEN", "correct-horse-battery")],
            ),
        }
    }

    fn home(&self) -> PathBuf {
        self.project.home()
    }

    fn project(&self) -> &Path {
        self.project.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.project.run(args)
    }

    fn json(&self, args: &[&str]) -> (Value, i32) {
        let out = self.run(args);
        let value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        (value, out.status.code().unwrap())
    }

    fn journal(&self) -> Vec<Value> {
        let dir = self.home().join("journal");
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            lines.extend(
                text.lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap()),
            );
        }
        lines
    }
}

/// Asserts a JSON error with this code whose message contains `needle`.
fn assert_error(error: &Value, code: &str, needle: &str) {
    assert_eq!(error["success"], false, "{error}");
    assert_eq!(error["error"], code, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(needle), "{message}");
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn list_shows_the_builtins_loaded_as_components() {
    let sandbox = Sandbox::new();
    let (list, code) = sandbox.json(&["provider", "list"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["railway", "local", "ssh", "swarm"]);
    assert_eq!(list["providers"][0]["grant"]["status"], "built_in");
    assert_eq!(
        list["providers"][0]["contract_version"],
        megaplan_cloud::plugin::Contract::Current.version()
    );
    assert_eq!(
        list["providers"][0]["features"],
        serde_json::json!(["named-sessions", "volumes", "remote-exec"])
    );
}

#[test]
fn an_ungranted_component_is_listed_but_not_run() {
    let sandbox = Sandbox::new();
    let providers = sandbox.home().join("providers");
    std::fs::create_dir_all(&providers).unwrap();
    std::fs::copy(MISCHIEF, providers.join("mischief.wasm")).unwrap();
    let (list, _) = sandbox.json(&["provider", "list"]);
    assert_eq!(list["providers"][4]["name"], "mischief");
    assert_eq!(list["providers"][4]["grant"]["status"], "not_granted");

    let (err, code) = sandbox.json(&["exec", "run echo hi"]);
    assert_eq!(code, 1);
    assert_error(
        &err,
        "provider_not_granted",
        "megaplan-cloud provider install",
    );
}

#[test]
fn an_installed_component_runs_only_its_granted_programs_and_journals_every_call() {
    let sandbox = Sandbox::new();
    let (installed, code) = sandbox.json(&[
        "provider", "install", MISCHIEF, "--grant", "echo", "--grant", "cat",
    ]);
    assert_eq!(code, 0, "{installed}");
    assert_eq!(
        installed["provider"]["grant"]["programs"],
        serde_json::json!(["cat", "echo"])
    );

    let (list, _) = sandbox.json(&["provider", "list"]);
    assert_eq!(list["providers"][4]["name"], "mischief");
    assert_eq!(list["providers"][4]["grant"]["status"], "granted");

    let out = sandbox.run(&["exec", "run echo hello from mischief"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "hello from mischief\n");

    let (denied, code) = sandbox.json(&["exec", "run sh -c id"]);
    assert_eq!(code, 1);
    assert_eq!(denied["error"], "capability_denied");
    let message = denied["message"].as_str().unwrap();
    assert!(
        message.contains("--grant cat --grant echo --grant sh"),
        "{message}"
    );

    let (undeclared, _) = sandbox.json(&["exec", "run curl x"]);
    assert_eq!(undeclared["error"], "capability_denied");

    // Secret stdin reaches cat; its output comes back redacted.
    let out = sandbox.run(&["exec", "stdin-secret MISCHIEF_TOKEN"]);
    assert_eq!(stdout(&out), "***REDACTED***");

    let journal = sandbox.journal();
    let programs: Vec<(&str, &str)> = journal
        .iter()
        .map(|l| {
            (
                l["program"].as_str().unwrap(),
                l["decision"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        programs,
        [
            ("echo", "allowed"),
            ("sh", "denied"),
            ("curl", "denied"),
            ("cat", "allowed")
        ]
    );
    let first = &journal[0];
    assert_eq!(first["provider"]["name"], "mischief");
    assert_eq!(first["provider"]["version"], "6.6.6");
    assert_eq!(first["provider"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        first["argv"],
        serde_json::json!(["hello", "from", "mischief"])
    );
    assert_eq!(first["status"], 0);
    assert_eq!(
        journal[3]["stdin"],
        serde_json::json!({"secret": "MISCHIEF_TOKEN"})
    );
    let text = std::fs::read_dir(sandbox.home().join("journal"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(!text.contains("correct-horse"), "the journal is redacted");
}

#[test]
fn a_changed_component_must_be_granted_again() {
    let sandbox = Sandbox::new();
    let (_, code) = sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    assert_eq!(code, 0);
    let installed = sandbox.home().join("providers").join("mischief.wasm");
    changed_copy(MISCHIEF, &installed);

    let (list, _) = sandbox.json(&["provider", "list"]);
    assert_eq!(list["providers"][4]["grant"]["status"], "changed");
    assert_eq!(
        list["providers"][4]["grant"]["granted_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    let (err, code) = sandbox.json(&["exec", "run echo hi"]);
    assert_eq!(code, 1);
    assert_error(&err, "provider_not_granted", "changed since it was granted");

    let (_, code) = sandbox.json(&["provider", "install", installed.to_str().unwrap(), "--yes"]);
    assert_eq!(code, 0);
    assert_eq!(stdout(&sandbox.run(&["exec", "run echo again"])), "again\n");
}

#[test]
fn dry_run_prints_the_commands_and_runs_none() {
    let sandbox = Sandbox::new();
    sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    let marker = sandbox.project().join("should-not-exist");
    let out = sandbox.run(&[
        "--dry-run",
        "exec",
        &format!("run sh -c touch {}", marker.display()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), format!("sh -c touch {}\n", marker.display()));
    assert!(!marker.exists(), "dry-run ran nothing");
    let out = sandbox.run(&["--dry-run", "exec", "env-file MISCHIEF_TOKEN"]);
    assert_eq!(
        stdout(&out),
        "cat  # stdin: env file with PORT, MISCHIEF_TOKEN (secret)\n"
    );
    // The variables a command carries are shown, values redacted, in the dry run and
    // in the journal.
    let out = sandbox.run(&[
        "--dry-run",
        "exec",
        "run-env MISCHIEF_MODE=correct-horse-battery echo hi",
    ]);
    assert_eq!(stdout(&out), "MISCHIEF_MODE=***REDACTED*** echo hi\n");
    let journal = sandbox.journal();
    assert_eq!(journal[0]["mode"], "dry-run");
    assert_eq!(journal.len(), 3);
    assert_eq!(
        journal[2]["env"],
        serde_json::json!({"MISCHIEF_MODE": "***REDACTED***"})
    );
}

#[test]
fn verbose_shows_the_journal_line_on_stderr() {
    let sandbox = Sandbox::new();
    sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    let out = sandbox.run(&[
        "--verbose",
        "exec",
        "run echo MISCHIEF_TOKEN=correct-horse-battery",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("journal: {"), "{stderr}");
    assert!(stderr.contains("\"program\":\"echo\""), "{stderr}");
    assert!(!stderr.contains("correct-horse"), "{stderr}");
    assert_eq!(stdout(&out), "MISCHIEF_TOKEN=***REDACTED***\n");
}

#[test]
fn a_recording_replays_and_a_different_call_is_a_clear_miss() {
    let sandbox = Sandbox::new();
    sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    let cassette = sandbox.project().join("cassette.jsonl");
    let cassette = cassette.to_str().unwrap();
    let out = sandbox.run(&["--record", cassette, "exec", "run echo recorded"]);
    assert_eq!(stdout(&out), "recorded\n");

    let out = sandbox.run(&["--replay", cassette, "exec", "run echo recorded"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "recorded\n");

    let (miss, code) = sandbox.json(&["--replay", cassette, "exec", "run echo something-else"]);
    assert_eq!(code, 1);
    assert_eq!(miss["error"], "replay_mismatch");
    let message = miss["message"].as_str().unwrap();
    assert!(
        message.contains("call #1 does not match the cassette"),
        "{message}"
    );
    assert!(
        message.contains("expected: [run] echo recorded"),
        "{message}"
    );
    assert!(
        message.contains("actual:   [run] echo something-else"),
        "{message}"
    );
}

/// A provider with a required program: the host's own check for it is recorded, and a
/// replay makes the same check from the cassette (it used to skip it, so the first
/// call missed). The provider is one built for contract 0.2.0, loaded through the CLI.
#[test]
fn a_provider_with_a_required_program_replays_what_it_recorded() {
    let sandbox = Sandbox::new();
    let (installed, code) = sandbox.json(&[
        "provider",
        "install",
        megaplan_cloud_tests::CONTRACT_0_2,
        "--yes",
    ]);
    assert_eq!(code, 0, "{installed}");
    std::fs::write(
        sandbox.project().join("cloud.yaml"),
        "provider: contract-0-2\nrepo: {url: u}\n",
    )
    .unwrap();
    let cassette = sandbox.project().join("legacy.jsonl");
    let cassette = cassette.to_str().unwrap();
    let out = sandbox.run(&["--record", cassette, "exec", "hello"]);
    assert_eq!(stdout(&out), "legacy: hello\n", "{out:?}");
    let recorded = std::fs::read_to_string(cassette).unwrap();
    assert!(
        recorded
            .lines()
            .next()
            .unwrap()
            .contains(r#""call":"which""#),
        "{recorded}"
    );
    let out = sandbox.run(&["--replay", cassette, "exec", "hello"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(stdout(&out), "legacy: hello\n");
}

#[test]
fn errors_are_json_on_stdout_with_exit_1_and_usage_errors_exit_2() {
    let sandbox = Sandbox::new();
    std::fs::remove_file(sandbox.project().join("cloud.yaml")).unwrap();
    let (err, code) = sandbox.json(&["exec", "pwd"]);
    assert_eq!(code, 1);
    assert_eq!(err["success"], false);
    assert_eq!(err["error"], "invalid_spec");
    let expected = format!(
        "spec file not found: {}",
        sandbox.project().join("cloud.yaml").display()
    );
    assert_eq!(err["message"], expected.as_str());

    let out = sandbox.run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage"));

    // Without --remote-spec, a marker or mode: chain there is no chain to look at, and
    // nothing remote is tried.
    std::fs::write(
        sandbox.project().join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git}\n",
    )
    .unwrap();
    let (missing, code) = sandbox.json(&["status", "--chain"]);
    assert_eq!(code, 1);
    assert_error(
        &missing,
        "missing_remote_spec",
        "Unable to locate remote chain spec. Pass --remote-spec <path>, run `cloud chain <spec>` first, or set mode: chain in cloud.yaml.",
    );
}

#[test]
fn a_missing_required_cli_is_provider_unavailable() {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.project().join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git}\n",
    )
    .unwrap();
    let out = process::command(env!("CARGO_BIN_EXE_mpc-e2e"))
        .args(["exec", "pwd"])
        .current_dir(sandbox.project())
        .env("MEGAPLAN_CLOUD_HOME", sandbox.home())
        .env("PATH", sandbox.project())
        .output()
        .unwrap();
    let err: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"], "provider_unavailable");
    assert_eq!(
        err["message"],
        "Missing required CLI 'docker'. Install: https://docs.docker.com/get-docker/"
    );
}

#[test]
fn completions_are_generated_for_every_shell_with_every_command_and_flag() {
    let sandbox = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = sandbox.run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        // fish writes long flags as `-l name`, the others as `--name`.
        for word in [
            "chain",
            "supervise",
            "isolated",
            "purge-workspace",
            "replay",
            "record",
        ] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let out = sandbox.run(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn help_shows_the_record_and_replay_flags_authors_need() {
    let sandbox = Sandbox::new();
    let help = stdout(&sandbox.run(&["exec", "--help"]));
    for flag in ["--dry-run", "--record [<FILE>]", "--replay <FILE>"] {
        assert!(help.contains(flag), "exec --help lacks {flag}:\n{help}");
    }
}

#[test]
fn an_interrupt_stops_the_commands_megaplan_cloud_started() {
    let sandbox = Sandbox::new();
    sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    let pidfile = sandbox.project().join("grandchild.pid");
    let script = sandbox.project().join("linger.sh");
    std::fs::write(
        &script,
        format!("sleep 60 & echo $! > {}\nwait\n", pidfile.display()),
    )
    .unwrap();
    let mut cli = process::command(env!("CARGO_BIN_EXE_mpc-e2e"))
        .args(["exec", &format!("run sh {}", script.display())])
        .current_dir(sandbox.project())
        .env("MEGAPLAN_CLOUD_HOME", sandbox.home())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let grandchild = megaplan_cloud_tests::poll(std::time::Duration::from_secs(20), || {
        std::fs::read_to_string(&pidfile)
            .ok()
            .filter(|p| p.ends_with('\n'))
    })
    .expect("the command started");
    let grandchild = grandchild.trim().to_string();
    let status = process::command("kill")
        .args(["-INT", &cli.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = cli.wait().unwrap();
    assert!(!exit.success());
    let gone = megaplan_cloud_tests::poll(std::time::Duration::from_secs(20), || {
        let stat = std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
        (stat.is_empty() || stat.contains(") Z ")).then_some(())
    });
    assert!(
        gone.is_some(),
        "sleep {grandchild} outlived the interrupted megaplan-cloud"
    );
}

#[test]
fn install_asks_before_granting_and_marks_what_runs_arbitrary_code() {
    let sandbox = Sandbox::new();
    let (inspected, _) = sandbox.json(&["provider", "inspect", MISCHIEF]);
    let programs = inspected["provider"]["programs"]
        .as_array()
        .unwrap()
        .clone();
    let exposure = |name: &str| {
        programs
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["exposure"].clone())
            .unwrap()
    };
    assert_eq!(exposure("sh"), "arbitrary-code");
    assert_eq!(exposure("ssh"), "restricted");
    assert_eq!(exposure("echo"), "plain");
    let install = |answer: &str| {
        let mut cmd = process::command(env!("CARGO_BIN_EXE_mpc-e2e"));
        cmd.args(["provider", "install", MISCHIEF])
            .current_dir(sandbox.project())
            .env("MEGAPLAN_CLOUD_HOME", sandbox.home());
        process::run_with_input(cmd, answer.as_bytes())
    };
    let declined = install("n\n");
    assert_eq!(declined.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&declined.stderr).into_owned();
    assert!(
        stderr.contains("  sh  <- runs arbitrary code as you: granting it grants everything"),
        "{stderr}"
    );
    assert!(stderr.contains("Grant all of these? [y/N]: "), "{stderr}");
    let error: serde_json::Value = serde_json::from_slice(&declined.stdout).unwrap();
    assert_eq!(error["error"], "provider_not_granted");
    assert!(!sandbox.home().join("providers/mischief.wasm").exists());
    let accepted = install("y\n");
    assert_eq!(accepted.status.code(), Some(0));
    let installed: serde_json::Value = serde_json::from_slice(&accepted.stdout).unwrap();
    assert_eq!(installed["provider"]["grant"]["status"], "granted");
    assert!(sandbox.home().join("providers/mischief.wasm").exists());
}

#[test]
fn components_on_the_provider_path_are_found_but_run_only_when_granted() {
    let sandbox = Sandbox::new();
    let extra = tempfile::tempdir().unwrap();
    std::fs::copy(MISCHIEF, extra.path().join("mischief.wasm")).unwrap();
    let with_path = |args: &[&str]| {
        sandbox
            .project
            .command(args)
            .env("MEGAPLAN_CLOUD_PROVIDER_PATH", extra.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let list: Value = serde_json::from_slice(&with_path(&["provider", "list"]).stdout).unwrap();
    let found = list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "mischief")
        .cloned()
        .expect("listed from the provider path");
    assert_eq!(
        found["source"],
        extra.path().join("mischief.wasm").display().to_string()
    );
    assert_eq!(found["grant"]["status"], "not_granted");
    let refused: Value =
        serde_json::from_slice(&with_path(&["exec", "run echo hi"]).stdout).unwrap();
    assert_error(
        &refused,
        "provider_not_granted",
        "megaplan-cloud provider install",
    );
    // Without the variable it is not found at all.
    let (unknown, code) = sandbox.json(&["exec", "run echo hi"]);
    assert_eq!(code, 1);
    assert_eq!(unknown["success"], false);
}

#[test]
fn chain_checks_everything_locally_before_any_remote_call() {
    let sandbox = Sandbox::new();
    let project = sandbox.project();
    std::fs::write(
        project.join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git}\nsecrets: [CHAIN_E2E_UNSET_TOKEN]\n",
    )
    .unwrap();
    std::fs::write(
        project.join("chain.yaml"),
        "milestones:\n  - {label: m1, idea: ideas/m1.md}\n",
    )
    .unwrap();

    // An invalid spec names the field and where it is.
    std::fs::write(project.join("bad.yaml"), "milestones:\n  - {label: m1}\n").unwrap();
    let (error, code) = sandbox.json(&["chain", "bad.yaml"]);
    assert_eq!(code, 1);
    assert_error(&error, "invalid_spec", "milestones[0].idea is required");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("bad.yaml:2:"),
        "{error}"
    );

    // A missing idea lists every place it was looked for.
    let (error, _) = sandbox.json(&["chain", "chain.yaml"]);
    assert_error(
        &error,
        "missing_idea_file",
        "milestone 'm1' idea not found on disk. Tried:\n- ",
    );
    assert_eq!(error["milestone"], "m1");
    assert!(
        error["tried_paths"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );

    // With the idea in place, the unset secret stops it, with the preflight attached.
    std::fs::create_dir_all(project.join("ideas")).unwrap();
    std::fs::write(project.join("ideas/m1.md"), "idea").unwrap();
    let (error, _) = sandbox.json(&["chain", "chain.yaml"]);
    assert_error(
        &error,
        "cloud_preflight_failed",
        "Missing configured cloud secrets in the local environment: CHAIN_E2E_UNSET_TOKEN",
    );
    assert_eq!(
        error["missing_env"],
        serde_json::json!(["CHAIN_E2E_UNSET_TOKEN"])
    );
    assert_eq!(error["missing_commands"], serde_json::json!([]));
    assert_eq!(
        error["preflight"]["runtime_commands"],
        serde_json::json!(["codex", "tmux"])
    );
    // Nothing ran: no transport call, no marker.
    assert!(
        sandbox
            .project
            .journal()
            .iter()
            .all(|line| line.get("program").is_none())
    );
    assert!(megaplan_cloud_tests::chain_flow::markers_in(&sandbox.home()).is_empty());
}

/// A dry run answers every command with exit 0 and no output; a provider that reads
/// an answer (railway's CLI version) stops there, after showing its commands, and the
/// dry run says so and succeeds rather than failing on an answer it made up itself.
#[test]
fn a_dry_run_ends_where_a_provider_needs_a_real_answer() {
    let project = megaplan_cloud_tests::e2e::Project::new(
        env!("CARGO_BIN_EXE_mpc-e2e"),
        "provider: railway\nrepo: {url: https://example.com/a.git}\nrailway: {project: p, environment: e}\n",
        &[],
    );
    let out = project.run(&["--dry-run", "exec", "pwd"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("railway --version"), "{stdout}");
    assert!(
        stderr.contains("dry run: railway stops after the commands above"),
        "{stderr}"
    );
    // A refusal is still an error in a dry run: it would be one for real.
    let bad = megaplan_cloud_tests::e2e::Project::new(
        env!("CARGO_BIN_EXE_mpc-e2e"),
        "provider: railway\nrepo: {url: https://example.com/a.git}\nrailway: {project: p}\n",
        &[],
    );
    let out = bad.run(&["--dry-run", "exec", "pwd"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}
