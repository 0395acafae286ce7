//! `init`, `schema`, bad cloud.yaml input and the deploy directory, through the real
//! binary; also what the plan workflows do with bad input and on a dry run (they need
//! no runner for that).

// These tests drive the real binary from outside, as an operator does.

use megaplan_cloud_tests::process;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use megaplan_cloud_tests::MISCHIEF;
use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> Output {
    process::command(env!("CARGO_BIN_EXE_mpc-e2e"))
        .args(args)
        .current_dir(dir)
        .env("MEGAPLAN_CLOUD_HOME", dir.join("home"))
        .env("MISCHIEF_TOKEN", "correct-horse-battery")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn init_writes_a_template_that_loads_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0));
    let path = std::fs::canonicalize(dir.path())
        .unwrap()
        .join("cloud.yaml");
    let reply = json(&out);
    assert_eq!(reply["success"], true);
    assert!(
        reply["cloud_yaml"]
            .as_str()
            .unwrap()
            .ends_with("/cloud.yaml")
    );
    assert!(path.is_file());

    let again = run(dir.path(), &["init"]);
    assert_eq!(again.status.code(), Some(1));
    let error = json(&again);
    assert_eq!(error["error"], "invalid_args");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .ends_with("cloud.yaml. Use --force to overwrite.")
    );

    std::fs::write(&path, "junk: [").unwrap();
    assert_eq!(run(dir.path(), &["init", "--force"]).status.code(), Some(0));
    // The written file loads: a dry-run action gets past validation to the provider.
    let nested = dir.path().join("nested/dir");
    let out = run(
        dir.path(),
        &["init", "--cloud-yaml", "nested/dir/custom.yaml"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(nested.join("custom.yaml").is_file());
}

#[test]
fn schema_prints_the_committed_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["schema"]);
    let committed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/cloud.schema.json"))
            .unwrap();
    assert_eq!(out.stdout, committed);
}

#[test]
fn bad_input_is_a_located_json_error_and_nothing_is_written() {
    let cases = [
        ("repo:\n  url: [unclosed\n", "YAML parse error: "),
        ("- just\n- a list\n", "cloud spec must be a YAML mapping"),
        (
            "provider: local\nrepo:\n  url: u\n  workspace: relative\n",
            "cloud.yaml:4:14: `repo.workspace` must be an absolute POSIX path; got 'relative'",
        ),
        (
            "provider: local\nrepo: {url: u}\ntoolchains: [zig]\n",
            "Unknown toolchain alias 'zig'; expected one of: rust, go, java",
        ),
        (
            "provider: local\nrepo: {url: u}\nresources: {port: lots}\n",
            "`resources.port` must be an integer",
        ),
        ("provider: local\nrepo: {}\n", "`repo.url` is required"),
    ];
    for (text, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cloud.yaml"), text).unwrap();
        for action in ["build", "deploy", "exec"] {
            let args: Vec<&str> = if action == "exec" {
                vec!["exec", "pwd"]
            } else {
                vec![action]
            };
            let out = run(dir.path(), &args);
            assert_eq!(out.status.code(), Some(1), "{text:?} {action}");
            let error = json(&out);
            assert_eq!(error["error"], "invalid_spec", "{text:?}");
            assert!(
                error["message"].as_str().unwrap().contains(message),
                "{text:?}: {error}"
            );
        }
        assert!(
            !dir.path().join("home").join("megaplan-cloud").exists(),
            "{text:?}: a deploy dir was written"
        );
    }
}

#[test]
fn unknown_keys_warn_on_stderr_and_the_action_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cloud.yaml"),
        "provider: local\nrepo:\n  url: u\n  brnach: dev\n",
    )
    .unwrap();
    let out = run(dir.path(), &["--dry-run", "exec", "pwd"]);
    // The dry run shows where each command would run, as the journal does.
    let shown = String::from_utf8_lossy(&out.stdout);
    let deploy_dir = dir.path().join("home/megaplan-cloud");
    assert!(
        shown
            .lines()
            .any(|line| line.starts_with(&format!("(cd {} && docker", deploy_dir.display()))),
        "{shown}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: cloud.yaml:4:3: unknown key `repo.brnach` is ignored (did you mean `repo.branch`?)"),
        "{stderr}"
    );
}

#[test]
fn build_and_deploy_materialize_the_deploy_dir_and_env_files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    assert_eq!(
        run(dir.path(), &["provider", "install", MISCHIEF, "--yes"])
            .status
            .code(),
        Some(0)
    );
    std::fs::write(
        dir.path().join("cloud.yaml"),
        "provider: mischief\nrepo: {url: u}\nsecrets: [MISCHIEF_TOKEN]\n",
    )
    .unwrap();
    // The mischief provider does not implement build: the error comes from it, after
    // the deploy directory was rendered and opened for it.
    let error = json(&run(dir.path(), &["build"]));
    assert_eq!(error["error"], "not_implemented");
    assert_eq!(
        error["message"],
        "provider 'mischief' does not implement `build`"
    );

    // The stand-in provider has no runner whose health could be waited for.
    let out = run(dir.path(), &["deploy", "--no-wait"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = String::from_utf8_lossy(&out.stderr).to_string();
    let env_file = report
        .lines()
        .find_map(|l| l.strip_prefix("mischief wrote "))
        .unwrap_or_else(|| panic!("{report}"))
        .to_string();
    assert!(report.contains("\nmode 600\n"), "{report}");
    // The `NAME=value` rule takes everything up to whitespace, the trailing `|` too.
    assert!(
        report.contains("\ncontent PORT=8080|MISCHIEF_TOKEN=***REDACTED***\n"),
        "{report}"
    );
    assert!(
        report.contains(
            "escape Err(\"\\\"../escape.env\\\" must be a plain path inside the deploy directory\")"
        ),
        "{report}"
    );
    assert!(
        !report.contains("correct-horse")
            && !String::from_utf8_lossy(&out.stdout).contains("correct-horse")
    );
    assert!(
        !Path::new(&env_file).exists(),
        "a temporary deploy dir is removed after the action"
    );
    let journal: String = files_under(&home.join("journal"))
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(journal.contains("\"call\":\"write-env-file\""), "{journal}");
    assert!(!journal.contains("correct-horse"), "{journal}");
}

#[test]
fn bootstrap_refuses_bad_input_before_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("idea.md"), "an idea\n").unwrap();

    let out = run(
        dir.path(),
        &["bootstrap", "idea.md", "--repo-workspace", "relative/w"],
    );
    assert_eq!(out.status.code(), Some(1));
    let error = json(&out);
    assert_eq!(error["error"], "invalid_spec");
    assert_eq!(
        error["message"],
        "`repo.workspace` must be an absolute POSIX path; got 'relative/w'"
    );

    let out = run(dir.path(), &["bootstrap", "sub/../missing idea.md"]);
    assert_eq!(out.status.code(), Some(1));
    let error = json(&out);
    let expected = std::fs::canonicalize(dir.path())
        .unwrap()
        .join("missing idea.md");
    assert_eq!(error["error"], "missing_idea_file");
    assert_eq!(
        error["message"],
        format!("idea file not found: {}", expected.display())
    );

    assert_eq!(
        files_under(&dir.path().join("home")),
        Vec::<PathBuf>::new(),
        "no deploy directory was rendered"
    );
}

#[test]
fn a_dry_run_of_status_and_resume_prints_the_status_command_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cloud.yaml"),
        "provider: local\nrepo: {url: https://example.com/app.git, workspace: /work space/app}\n",
    )
    .unwrap();
    let status_line = "'cd '\"'\"'/work space/app'\"'\"' && megaplan status --plan p'";
    for action in ["status", "resume"] {
        let out = run(dir.path(), &["--dry-run", action, "--plan", "p"]);
        assert_eq!(out.status.code(), Some(0), "{action}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout.lines().last().unwrap();
        // Run in the deploy directory, the line in parentheses.
        assert!(
            last.ends_with(&format!("{status_line})")),
            "{action}: {stdout}"
        );
        assert!(!stdout.contains('{'), "{action} printed no JSON: {stdout}");
    }
    let out = run(dir.path(), &["--dry-run", "resume"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("dry run: the next step comes from the remote status")
    );
}

/// A built-in provider's own check of its section (the ssh provider's: the remote
/// directory is replaced on every deploy, so it may not hold the workspace) is located
/// at the field it names, as the host's own checks are; nothing runs.
#[test]
fn a_providers_own_check_is_located_at_the_field_it_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cloud.yaml"),
        "provider: ssh\nrepo: {url: u}\nssh:\n  host: h\n  remote_dir: /opt/m/workspace/deploy\n  workspace_dir: /opt/m/workspace\n",
    )
    .unwrap();
    let out = run(dir.path(), &["--dry-run", "exec", "pwd"]);
    let error = json(&out);
    assert_eq!(error["error"], "invalid_spec", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message
            .starts_with("cloud.yaml:5:15: `ssh.remote_dir` must be outside `ssh.workspace_dir`"),
        "{message}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).lines().next() == Some("{"),
        "nothing ran"
    );
}
