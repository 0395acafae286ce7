//! The launch script run for real in a local `sh` against recording stand-ins, and its
//! report turned into the reference's errors with a scripted runner.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::workflow::chain::capacity::Floors;
use crate::workflow::chain::identity::{self, Identity, Placement};
use crate::workflow::chain::testbed::{Testbed, hostile};
use crate::workflow::fake::{FakeRunner, answer};

fn repo(workspace: &str, branch: &str, url: &str) -> Repo {
    Repo {
        url: url.into(),
        branch: branch.into(),
        workspace: workspace.into(),
    }
}

pub(super) fn uploads(ws: &str, ideas: &[(&str, &[u8])]) -> Vec<Upload> {
    let mut out: Vec<Upload> = ideas
        .iter()
        .map(|(dest, content)| Upload {
            destination: dest.to_string(),
            content: content.to_vec(),
        })
        .collect();
    out.push(Upload {
        destination: posix_join(ws, "chain.yaml"),
        content: b"milestones: []\n".to_vec(),
    });
    out
}

pub(super) struct Case {
    pub repo: Repo,
    pub uploads: Vec<Upload>,
    pub commands: Vec<String>,
    pub identity: Identity,
    pub placement: Placement,
    pub fresh: bool,
    pub verify_secs: Option<u64>,
    pub floors: Floors,
}

impl Case {
    pub fn new(ws: &str, session: &str, uploads: Vec<Upload>) -> Self {
        let root = posix_parent(ws);
        Case {
            repo: repo(ws, "main", "https://example.test/app.git"),
            commands: vec!["codex".into(), "tmux".into()],
            identity: Identity::new("chain", None, &["m1".to_string()]),
            placement: Placement {
                workspace: ws.to_string(),
                session: session.to_string(),
                remote_spec: uploads.last().unwrap().destination.clone(),
                chain_log: identity::REFERENCE_LOG.into(),
                session_marker: identity::session_marker(&root, session),
                derived: false,
            },
            uploads,
            fresh: false,
            verify_secs: None,
            floors: Floors {
                bytes: 0,
                inodes: 0,
            },
        }
    }

    pub fn request(&self) -> LaunchRequest<'_> {
        LaunchRequest {
            repo: &self.repo,
            runtime_commands: &self.commands,
            uploads: &self.uploads,
            claim: Claim {
                identity: &self.identity,
                placement: &self.placement,
                started_at: "2026-12-02T00:00:00+00:00",
            },
            fresh: self.fresh,
            verify_secs: self.verify_secs,
            floors: self.floors,
            preflight: &Value::Null,
        }
    }
}

pub(super) fn case(bed: &Testbed, workspace: &str, ideas: &[(&str, &[u8])]) -> Case {
    let ws = bed.path(workspace).display().to_string();
    Case::new(&ws, "megaplan-chain", uploads(&ws, ideas))
}

#[test]
fn one_call_clones_checks_uploads_and_starts() {
    let mut bed = Testbed::new(&["codex"]);
    let case = case(
        &bed,
        "ws",
        &[("ideas/m1.md", b"first\n"), ("m2.md", b"second")],
    );
    let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
    assert_eq!(bed.calls, 1);
    assert_eq!(
        launched,
        Launched {
            checked_out_branch: Some("main".into()),
            head: Some("0123abcd".into()),
            tmux_status: "started",
            stopped_previous: false,
            state_reset: json!({"status": "absent"}),
            verification: None,
        }
    );
    let ws = &case.repo.workspace;
    assert_eq!(
        std::fs::read(format!("{ws}/ideas/m1.md")).unwrap(),
        b"first\n"
    );
    assert_eq!(std::fs::read(format!("{ws}/m2.md")).unwrap(), b"second");
    assert_eq!(
        std::fs::read(format!("{ws}/chain.yaml")).unwrap(),
        b"milestones: []\n"
    );
    let calls = bed.recorded();
    let programs: Vec<&str> = calls.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(
        programs,
        [
            "git", "tmux", "tmux", "git", "git", "tmux", "tmux", "megaplan"
        ]
    );
    assert_eq!(
        calls[6][..7],
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            "megaplan-chain",
            "-c",
            ws.as_str()
        ]
    );
    // A second launch finds the session and says so.
    let again = launch(&mut bed, &case.request()).unwrap().unwrap();
    assert_eq!(again.tmux_status, "already_running");
}

#[test]
fn large_uploads_arrive_intact_at_absolute_paths() {
    let mut bed = Testbed::new(&["codex"]);
    let dest = bed.path("elsewhere/big.bin").display().to_string();
    let big: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i * 31 % 256) as u8)
        .collect();
    let case = case(&bed, "ws", &[(&dest, &big)]);
    launch(&mut bed, &case.request()).unwrap().unwrap();
    assert!(
        std::fs::read(&dest).unwrap() == big,
        "10 MB idea changed in transit"
    );
}

#[test]
fn missing_commands_stop_before_anything_is_written() {
    let mut bed = Testbed::new(&[]);
    let mut case = case(&bed, "ws", &[("m1.md", b"idea")]);
    case.commands = vec!["claude".into(), "codex".into(), "tmux".into()];
    let err = launch(&mut bed, &case.request()).unwrap_err();
    assert_eq!(err.code, "agent_deps_missing");
    assert_eq!(
        err.message,
        "Remote cloud runner is missing required runtime commands: claude, codex"
    );
    assert_eq!(err.extra["missing_commands"], json!(["claude", "codex"]));
    assert_eq!(err.extra["missing_env"], json!([]));
    let ws = &case.repo.workspace;
    assert!(!std::path::Path::new(&format!("{ws}/m1.md")).exists());
    assert!(!std::path::Path::new(&format!("{ws}/chain.yaml")).exists());
    assert!(bed.recorded().iter().all(|call| call[0] != "tmux"));
}

fn step(name: &str, exit: i32, stdout: &str, stderr: &str) -> String {
    use base64::Engine;
    let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    format!(
        r#"{{"step":"{name}","exit":{exit},"stdout":"{}","stderr":"{}"}}"#,
        b64(stdout),
        b64(stderr)
    )
}

fn claimed() -> String {
    step("session", 0, "alive=0 owner=none\n", "")
}

fn reset_absent() -> String {
    step("reset", 0, "{\"status\": \"absent\"}\n", "")
}

fn scripted(steps: &[String]) -> FakeRunner {
    let report = format!(r#"{{"protocol":1,"steps":[{}]}}"#, steps.join(","));
    FakeRunner::answering(vec![answer(0, &report, "")])
}

fn fixed_case() -> Case {
    let ws = "/workspace/app";
    Case::new(ws, "megaplan-chain", uploads(ws, &[("ideas/m1.md", b"x")]))
}

#[test]
fn a_failed_checkout_names_the_repo_and_carries_stderr() {
    let case = fixed_case();
    let mut runner = scripted(&[
        step("receive", 0, "10240\n", ""),
        step("capacity", 0, "", ""),
        step("ensure_repo", 128, "", "fatal: repository not found\n"),
    ]);
    let err = launch(&mut runner, &case.request()).unwrap_err();
    assert_eq!(err.code, "provider_failed");
    assert_eq!(
        err.message,
        "ensure repo checkout failed for https://example.test/app.git@main into /workspace/app (exit 128): fatal: repository not found"
    );
    assert_eq!(err.extra["exit_code"], json!(128));
    assert_eq!(runner.lines.len(), 1);
}

#[test]
fn a_failed_dependency_check_prefers_stderr_then_stdout() {
    let case = fixed_case();
    let base = || {
        vec![
            step("receive", 0, "1", ""),
            step("capacity", 0, "", ""),
            step("ensure_repo", 0, "", ""),
        ]
    };
    for (stdout, stderr, expected) in [
        ("", "sh: boom", "sh: boom"),
        ("partial", "", "partial"),
        ("", "", "remote dependency check failed"),
    ] {
        let mut steps = base();
        steps.push(step("deps", 2, stdout, stderr));
        let err = launch(&mut scripted(&steps), &case.request()).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("provider_failed", expected)
        );
    }
}

#[test]
fn no_head_is_null_and_the_launch_output_decides_the_status() {
    let case = fixed_case();
    let mut runner = scripted(&[
        step("receive", 0, "1", ""),
        step("capacity", 0, "", ""),
        step("ensure_repo", 0, "", ""),
        step("deps", 0, " \n", ""),
        claimed(),
        reset_absent(),
        step("head", 128, "", ""),
        step("unpack", 0, "", ""),
        step("launch", 0, "megaplan-chain session already running\n", ""),
    ]);
    let launched = launch(&mut runner, &case.request()).unwrap().unwrap();
    assert_eq!(launched.head, None);
    assert_eq!(launched.checked_out_branch, None);
    assert_eq!(launched.tmux_status, "already_running");
    assert_eq!(runner.relayed.len(), 1, "the launch output is relayed");
    assert_eq!(tmux_status("whatever", "s"), "unknown");
    assert_eq!(tmux_status("started s session", "s"), "started");
}

#[test]
fn a_corrupted_upload_or_a_failed_launch_is_reported() {
    let case = fixed_case();
    let err = launch(
        &mut scripted(&[step("receive", 1, "12\n", "")]),
        &case.request(),
    )
    .unwrap_err();
    assert!(err.message.contains("incomplete"), "{}", err.message);
    let mut steps = vec![
        step("receive", 0, "1", ""),
        step("capacity", 0, "", ""),
        step("ensure_repo", 0, "", ""),
        step("deps", 0, "\n", ""),
        claimed(),
        reset_absent(),
        step("head", 0, "main\nabc\n", ""),
    ];
    steps.push(step("unpack", 1, "f0: FAILED\n", ""));
    let err = launch(&mut scripted(&steps), &case.request()).unwrap_err();
    assert!(err.message.contains("f0: FAILED"), "{}", err.message);
    steps.pop();
    steps.push(step("unpack", 0, "", ""));
    steps.push(step("launch", 1, "", "no server running"));
    let err = launch(&mut scripted(&steps), &case.request()).unwrap_err();
    assert_eq!(err.message, "no server running");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn hostile_values_arrive_literally_and_run_nothing(
        dir in hostile(),
        branch in hostile(),
        session in hostile(),
        idea in hostile(),
        content in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bed = Testbed::new(&["codex"]);
        let ws = format!("{}/{}", bed.path("w").display(), dir.replace('/', "_"));
        let destination = format!("ideas/{}", idea.replace('/', "_"));
        let mut case = Case::new(&ws, &session, uploads(&ws, &[(&destination, &content)]));
        case.repo = repo(&ws, &branch, "https://example.test/$(touch PWNED).git");
        let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
        prop_assert_eq!(launched.tmux_status, "started");
        prop_assert!(!bed.root.path().join("PWNED").exists());
        prop_assert!(!std::path::Path::new("PWNED").exists());
        let uploaded = std::fs::read(format!("{ws}/{destination}")).unwrap();
        prop_assert_eq!(uploaded, content);
        let calls = bed.recorded();
        let clone = &calls[0];
        prop_assert_eq!(
            &clone[..],
            &["git", "clone", "--branch", branch.as_str(), "--",
              "https://example.test/$(touch PWNED).git", ws.as_str()][..]
        );
        let start = calls.iter().find(|c| c[1] == "new-session").unwrap();
        prop_assert_eq!(&start[4], &session);
        prop_assert_eq!(&start[6], &ws);
        let has = calls.iter().find(|c| c[1] == "has-session").unwrap();
        prop_assert_eq!(&has[3], &format!("={session}"));
        let chain = calls.iter().find(|c| c[0] == "megaplan").unwrap();
        prop_assert_eq!(&chain[..], &["megaplan", "chain", "start", "--spec", case.placement.remote_spec.as_str()][..]);
        for call in &calls {
            prop_assert!(["git", "tmux", "megaplan"].contains(&call[0].as_str()), "{:?}", call);
        }
    }
}

#[test]
fn one_call_whatever_the_number_of_ideas() {
    for n in [1usize, 20] {
        let mut bed = Testbed::new(&["codex"]);
        let ideas: Vec<(String, Vec<u8>)> = (0..n)
            .map(|i| (format!("ideas/m{i}.md"), format!("idea {i}\n").into_bytes()))
            .collect();
        let refs: Vec<(&str, &[u8])> = ideas
            .iter()
            .map(|(d, c)| (d.as_str(), c.as_slice()))
            .collect();
        let case = case(&bed, "ws", &refs);
        launch(&mut bed, &case.request()).unwrap().unwrap();
        assert_eq!(bed.calls, 1, "{n} ideas");
        for (dest, content) in &ideas {
            let ws = &case.repo.workspace;
            assert_eq!(&std::fs::read(format!("{ws}/{dest}")).unwrap(), content);
        }
    }
}

#[test]
fn a_provider_that_drops_stdin_gets_small_files_inside_the_second_call() {
    let mut bed = Testbed::new(&["codex"]);
    bed.drops_stdin = true;
    let idea: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let case = case(&bed, "ws", &[("ideas/m1.md", &idea)]);
    let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
    assert_eq!(launched.tmux_status, "started");
    assert_eq!(
        bed.calls, 2,
        "the probe, then the launch with the files inside"
    );
    let ws = &case.repo.workspace;
    assert!(std::fs::read(format!("{ws}/ideas/m1.md")).unwrap() == idea);
}

#[test]
fn a_provider_that_drops_stdin_costs_an_upload_and_a_second_run() {
    let mut bed = Testbed::new(&["codex"]);
    bed.drops_stdin = true;
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 13 % 256) as u8).collect();
    let case = case(&bed, "ws", &[("ideas/m1.md", &big)]);
    let launched = launch(&mut bed, &case.request()).unwrap().unwrap();
    assert_eq!(launched.tmux_status, "started");
    assert_eq!(bed.calls, 3, "the attempt, the upload, the run");
    let ws = &case.repo.workspace;
    assert!(std::fs::read(format!("{ws}/ideas/m1.md")).unwrap() == big);
    let archive = archive::build(&case.uploads).unwrap();
    assert!(
        !std::path::Path::new(&staging_path(ws, &archive)).exists(),
        "the staged archive is consumed"
    );
    // The first attempt stopped at once: nothing was cloned or started by it.
    let clones = bed.recorded().iter().filter(|c| c[1] == "clone").count();
    assert_eq!(clones, 1);
}
