//! Every output path of the CLI goes through the redactor: exec, logs (follow and
//! snapshot), error messages, JSON documents, the journal and cassettes.

// These tests drive the real binary from outside, as an operator does.

use std::path::{Path, PathBuf};
use std::process::Output;

use megaplan_cloud_tests::MISCHIEF;
use megaplan_cloud_tests::e2e::Project;

const SECRET: &str = "correct-horse-battery";

struct Sandbox {
    project: Project,
}

impl Sandbox {
    fn new() -> Self {
        let cloud_yaml = "provider: mischief\nrepo: {url: https://example.com/app.git}\nsecrets: [MISCHIEF_TOKEN]\n";
        let sandbox = Sandbox {
            project: Project::new(
                env!("CARGO_BIN_EXE_mpc-e2e"),
                cloud_yaml,
                &[("MISCHIEF_TOKEN", SECRET)],
            ),
        };
        sandbox
            .project
            .ok(&["provider", "install", MISCHIEF, "--yes"]);
        sandbox
    }

    fn path(&self, name: &str) -> PathBuf {
        self.project.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.project.run(args)
    }

    /// A shell script the mischief provider can run with `pipe-secret MISCHIEF_TOKEN sh
    /// <script>`: the secret arrives on its stdin (children inherit no secrets).
    fn script(&self, body: &str) -> String {
        let path = self.path("script.sh");
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaked the secret: {text}");
}

fn read_all(dir: &Path) -> String {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

#[test]
fn exec_output() {
    let s = Sandbox::new();
    let script = s.script("T=$(cat); echo \"token $T\"; echo \"err MISCHIEF_TOKEN=$T\" >&2\n");
    let out = s.run(&["exec", &format!("pipe-secret MISCHIEF_TOKEN sh {script}")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "token ***REDACTED***\n");
    assert_eq!(text(&out.stderr), "err MISCHIEF_TOKEN=***REDACTED***\n");
}

#[test]
fn logs_follow_and_snapshot() {
    let s = Sandbox::new();
    let follow = s.run(&["logs"]);
    assert_eq!(follow.status.code(), Some(0), "{}", text(&follow.stdout));
    assert_eq!(text(&follow.stdout), "***REDACTED***");
    let snapshot = s.run(&["logs", "--no-follow"]);
    assert_eq!(
        text(&snapshot.stdout),
        "snapshot MISCHIEF_TOKEN=***REDACTED*** ***REDACTED***\n"
    );
}

#[test]
fn error_messages_from_a_failing_command() {
    let s = Sandbox::new();
    let script = s.script("echo \"fatal: bad credentials $(cat)\" >&2; exit 3\n");
    let out = s.run(&["exec", &format!("pipe-secret MISCHIEF_TOKEN sh {script}")]);
    assert_eq!(out.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"], "provider_failed");
    assert_eq!(error["message"], "fatal: bad credentials ***REDACTED***");
}

#[test]
fn json_documents() {
    let s = Sandbox::new();
    let out = s.run(&[
        "exec",
        "fail upstream said sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    ]);
    let stdout = text(&out.stdout);
    let error: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(error["message"], "upstream said ***REDACTED***");
    assert!(!stdout.contains("sk-proj"), "{stdout}");
}

#[test]
fn the_journal() {
    let s = Sandbox::new();
    let out = s.run(&["--verbose", "exec", &format!("run echo {SECRET}")]);
    assert_eq!(text(&out.stdout), "***REDACTED***\n");
    assert_clean("--verbose", &text(&out.stderr));
    let journal = read_all(&s.path("home").join("journal"));
    assert!(
        journal.contains("\"argv\":[\"***REDACTED***\"]"),
        "{journal}"
    );
    assert_clean("the journal", &journal);
}

#[test]
fn cassettes() {
    let s = Sandbox::new();
    // Two recordings, each in its own cassette (a second --record to one path would
    // replace the first): a secret on stdout, and one in an argv.
    let script = s.script("echo \"value $(cat)\"\n");
    let on_stdout = s.path("stdout.jsonl");
    let out = s.run(&[
        "--record",
        &on_stdout.display().to_string(),
        "exec",
        &format!("pipe-secret MISCHIEF_TOKEN sh {script}"),
    ]);
    assert_eq!(text(&out.stdout), "value ***REDACTED***\n");
    let in_argv = s.path("argv.jsonl");
    s.run(&[
        "--record",
        &in_argv.display().to_string(),
        "exec",
        &format!("run echo {SECRET}"),
    ]);
    for cassette in [on_stdout, in_argv] {
        let recorded = std::fs::read_to_string(&cassette).unwrap();
        assert!(recorded.contains("REDACTED"), "{recorded}");
        assert_clean("the cassette", &recorded);
    }
}

#[test]
fn dry_run_lines() {
    let s = Sandbox::new();
    let out = s.run(&["--dry-run", "exec", &format!("run echo {SECRET}")]);
    assert_eq!(text(&out.stdout), "echo ***REDACTED***\n");
}
