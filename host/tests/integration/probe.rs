//! `process.probe` on its own, without wasm: a probe runs once and is answered from
//! what it left behind until the program, the call or a day changes; dry runs start
//! nothing; recordings always run; grants and the probe rules hold on a remembered
//! answer too.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use megaplan_cloud::capability::probe::ProbeCache;
use megaplan_cloud::capability::{
    Backend, Caller, Capability, CommandSpec, ProcessError, ProgramPolicy, Settings, StdinSpec,
    Trust,
};
use megaplan_cloud::console::{Captured, Console};
use megaplan_cloud::redact::Redactor;

const SECRET: &str = "hunter2-hunter2";

/// A machine with one program, `answer`, that counts its runs and prints `reply`.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new(reply: &str) -> Self {
        let machine = Machine {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(machine.bin()).unwrap();
        machine.install(reply);
        machine
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    fn install(&self, reply: &str) {
        let runs = self.dir.path().join("runs");
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\necho '{reply}'\n",
            runs.display()
        );
        let program = self.bin().join("answer");
        std::fs::write(&program, script).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("runs"))
            .map(|text| text.lines().count())
            .unwrap_or(0)
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("probes")
    }

    fn capability(&self, backend: Backend, refresh: bool) -> (Capability, Captured) {
        let (console, captured) = Console::capture();
        let mut settings = Settings::new(console);
        settings.backend = backend;
        settings.search_path = Some(self.bin().into_os_string());
        settings.journal_dir = Some(self.dir.path().join("journal"));
        settings.redactor = Arc::new(Redactor::new(&[], &[SECRET.into()]));
        settings.probe_cache = Some(ProbeCache {
            dir: self.cache_dir(),
            refresh,
        });
        (Capability::new(settings), captured)
    }

    fn journal(&self) -> Vec<serde_json::Value> {
        let dir = self.dir.path().join("journal");
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|entry| {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                text.lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Sets every remembered answer's time back by `seconds`.
    fn age_answers(&self, seconds: u64) {
        for entry in std::fs::read_dir(self.cache_dir()).unwrap().flatten() {
            let path = entry.path();
            let mut answer: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            answer["at"] = (answer["at"].as_u64().unwrap() - seconds).into();
            std::fs::write(&path, answer.to_string()).unwrap();
        }
    }
}

fn caller(granted: &[&str]) -> Caller {
    let declared: BTreeMap<String, String> = granted
        .iter()
        .map(|p| (p.to_string(), "a test program".to_string()))
        .collect();
    Caller {
        provider: "test".into(),
        version: "1".into(),
        sha256: "0".repeat(64),
        policy: ProgramPolicy::new(declared, Trust::BuiltIn),
        deploy_dir: None,
        operation: "exec",
    }
}

fn version() -> CommandSpec {
    CommandSpec::new("answer", ["version"])
}

fn stdout(cap: &Capability, cmd: &CommandSpec) -> String {
    let out = cap.probe(&caller(&["answer"]), cmd).unwrap();
    assert_eq!(out.status, 0);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_probe_runs_once_and_is_then_answered_without_starting_anything() {
    let machine = Machine::new("v2.29.0");
    let (cap, _) = machine.capability(Backend::Live, false);
    assert_eq!(stdout(&cap, &version()), "v2.29.0\n");
    // A later run (a new capability, as a new megaplan-cloud process has).
    let (cap, _) = machine.capability(Backend::Live, false);
    assert_eq!(stdout(&cap, &version()), "v2.29.0\n");
    assert_eq!(stdout(&cap, &version()), "v2.29.0\n");
    assert_eq!(machine.runs(), 1);
    let journal = machine.journal();
    assert_eq!(journal.len(), 3, "{journal:?}");
    assert_eq!(journal[0].get("cached"), None);
    for line in &journal[1..] {
        assert_eq!(line["cached"], true, "{line}");
        assert_eq!(line["status"], 0, "{line}");
        assert_eq!(line["argv"], serde_json::json!(["version"]));
    }
}

#[test]
fn a_changed_program_other_arguments_or_a_day_run_the_probe_again() {
    let machine = Machine::new("v1");
    let (cap, _) = machine.capability(Backend::Live, false);
    assert_eq!(stdout(&cap, &version()), "v1\n");
    // Other arguments are another probe.
    assert_eq!(
        stdout(&cap, &CommandSpec::new("answer", ["--version"])),
        "v1\n"
    );
    assert_eq!(machine.runs(), 2);
    // The program replaced (its size and modification time change with it).
    machine.install("v2-upgraded");
    assert_eq!(stdout(&cap, &version()), "v2-upgraded\n");
    assert_eq!(machine.runs(), 3);
    // A day later the answer no longer holds.
    machine.age_answers(23 * 3600);
    assert_eq!(stdout(&cap, &version()), "v2-upgraded\n");
    assert_eq!(machine.runs(), 3);
    machine.age_answers(2 * 3600);
    stdout(&cap, &version());
    assert_eq!(machine.runs(), 4);
}

#[test]
fn doctor_probes_afresh_and_remembers_the_new_answer() {
    let machine = Machine::new("v1");
    let (cap, _) = machine.capability(Backend::Live, false);
    stdout(&cap, &version());
    let (fresh, _) = machine.capability(Backend::Live, true);
    stdout(&fresh, &version());
    stdout(&fresh, &version());
    assert_eq!(machine.runs(), 3);
    stdout(&cap, &version());
    assert_eq!(machine.runs(), 3);
}

#[test]
fn a_dry_run_starts_nothing_and_uses_what_a_live_run_remembered() {
    let machine = Machine::new("v2.29.0");
    let (dry, printed) = machine.capability(Backend::DryRun, false);
    let out = dry.probe(&caller(&["answer"]), &version()).unwrap();
    assert_eq!((out.status, out.stdout.len()), (0, 0));
    assert_eq!(machine.runs(), 0);
    assert_eq!(
        printed.stdout(),
        "answer version\n# answer: a probe with no remembered answer; not run in a dry run, taken as exit 0\n"
    );
    let (live, _) = machine.capability(Backend::Live, false);
    stdout(&live, &version());
    let (dry, printed) = machine.capability(Backend::DryRun, false);
    assert_eq!(stdout(&dry, &version()), "v2.29.0\n");
    assert_eq!(
        printed.stdout(),
        "",
        "a remembered probe would not run live either"
    );
    assert_eq!(machine.runs(), 1);
}

#[test]
fn a_recording_always_runs_the_probe_so_its_cassette_has_the_call() {
    let machine = Machine::new("v1");
    let (live, _) = machine.capability(Backend::Live, false);
    stdout(&live, &version());
    let cassette = machine.dir.path().join("probe.jsonl");
    let (recording, _) = machine.capability(Backend::record(&cassette).unwrap(), false);
    stdout(&recording, &version());
    assert_eq!(machine.runs(), 2);
    let (replay, _) = machine.capability(Backend::replay(&cassette).unwrap(), false);
    assert_eq!(stdout(&replay, &version()), "v1\n");
    assert_eq!(machine.runs(), 2);
}

#[test]
fn a_remembered_answer_is_not_given_to_a_caller_without_the_grant() {
    let machine = Machine::new("v1");
    let (cap, _) = machine.capability(Backend::Live, false);
    stdout(&cap, &version());
    let err = cap.probe(&caller(&[]), &version()).unwrap_err();
    assert!(matches!(err, ProcessError::Denied(_)), "{err:?}");
    assert_eq!(machine.runs(), 1);
}

#[test]
fn a_probe_reads_no_stdin_needs_no_terminal_and_captures_text() {
    let machine = Machine::new("v1");
    let (cap, _) = machine.capability(Backend::Live, false);
    let mut with_stdin = version();
    with_stdin.stdin = StdinSpec::Bytes(b"x".to_vec());
    let mut on_terminal = version();
    on_terminal.tty = true;
    for cmd in [with_stdin, on_terminal] {
        let err = cap.probe(&caller(&["answer"]), &cmd).unwrap_err();
        assert!(matches!(err, ProcessError::Denied(_)), "{err:?}");
    }
    assert_eq!(machine.runs(), 0);
    assert!(machine.journal().iter().all(|l| l["decision"] == "denied"));
}

#[test]
fn what_is_remembered_is_redacted() {
    let machine = Machine::new(&format!("token {SECRET}"));
    let (cap, _) = machine.capability(Backend::Live, false);
    assert_eq!(stdout(&cap, &version()), "token ***REDACTED***\n");
    let stored = stored_text(&machine.cache_dir());
    assert!(!stored.contains(SECRET), "{stored}");
    assert!(stored.contains("***REDACTED***"), "{stored}");
}

fn stored_text(dir: &Path) -> String {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|entry| std::fs::read_to_string(entry.path()).unwrap())
        .collect()
}
