//! The progress of a long operation, seen where an operator sees it: on a real terminal
//! (a tmux pane, read with `capture-pane`) a spinner line names the step while the
//! transport's output appears above it as it arrives, redacted; piped, plain lines and
//! no escape codes; `NO_COLOR` takes the colour away; `--quiet` prints none of it.
//! `docker` is a stub whose build prints a first step, then waits for the test to let
//! it finish, so what is on screen is seen while the build is still running.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use megaplan_cloud_tests::e2e::{Pane, Project};
use megaplan_cloud_tests::{poll, process};

const SECRET: &str = "progress-secret-6f1d2c9a";

struct SlowBuild {
    project: Project,
    go: PathBuf,
    _bin: tempfile::TempDir,
}

impl SlowBuild {
    fn new(extra_env: &[(&str, &str)]) -> Self {
        let bin = tempfile::tempdir().unwrap();
        let go = bin.path().join("go");
        let script = format!(
            "#!/bin/sh\ncase \"$*\" in\n  'compose version') echo 'Docker Compose version v2.29.0' ;;\n  *' build'*)\n    echo 'Step 1/2 : FROM base'\n    echo \"using token {SECRET}\"\n    while [ ! -e '{}' ]; do sleep 0.05; done\n    echo 'Step 2/2 : COPY . /app'\n    printf 'moving the cursor \\033[2J here\\n' ;;\n  *) exit 0 ;;\nesac\n",
            go.display()
        );
        let docker = bin.path().join("docker");
        std::fs::write(&docker, script).unwrap();
        std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!(
            "{}:{}",
            bin.path().display(),
            process::env_var("PATH").unwrap().to_string_lossy()
        );
        let mut env = vec![("PATH", path.as_str()), ("PROGRESS_TOKEN", SECRET)];
        env.extend_from_slice(extra_env);
        let project = Project::new(
            env!("CARGO_BIN_EXE_mpc-e2e"),
            "provider: local\nrepo: {url: https://example.com/app.git}\nsecrets: [PROGRESS_TOKEN]\n",
            &env,
        );
        SlowBuild {
            project,
            go,
            _bin: bin,
        }
    }

    fn release(&self) {
        std::fs::write(&self.go, "").unwrap();
    }
}

/// The shell line that runs `megaplan-cloud build` in the pane and then leaves its
/// exit status on screen (the pane stays until the test kills it).
fn build_in_pane(slow: &SlowBuild, extra: &str) -> Pane {
    let env: String = ["PATH", "PROGRESS_TOKEN", "NO_COLOR"]
        .iter()
        .filter_map(|k| {
            let v = slow.project.env_value(k)?;
            Some(format!("{k}='{v}' "))
        })
        .collect();
    Pane::start(
        "mpc-progress",
        &format!(
            "cd '{}' && {env}MEGAPLAN_CLOUD_HOME='{}' {} build {extra}; echo build-exited-$?; exec cat",
            slow.project.path().display(),
            slow.project.home().display(),
            env!("CARGO_BIN_EXE_mpc-e2e"),
        ),
    )
}

#[test]
fn on_a_terminal_a_spinner_names_the_step_and_the_output_streams_above_it() {
    let slow = SlowBuild::new(&[]);
    let pane = build_in_pane(&slow, "");
    // Seen while the build is still running: the first step's output, redacted, and
    // the spinner's line naming the command.
    let screen = pane.wait_for("Step 1/2 : FROM base");
    assert!(screen.contains("using token ***REDACTED***"), "{screen}");
    assert!(!screen.contains(SECRET), "{screen}");
    let running = pane.wait_for("build: docker compose");
    assert!(
        !running.contains("build-exited"),
        "the build was still running:\n{running}"
    );
    assert!(!running.contains("Step 2/2"), "{running}");
    slow.release();
    let done = pane.wait_for("build-exited-0");
    assert!(done.contains("Step 2/2 : COPY . /app"), "{done}");
    // The transport cannot clear the screen: its escape is shown, not obeyed.
    assert!(done.contains("moving the cursor \\u{1b}[2J here"), "{done}");
    assert!(done.contains("Step 1/2 : FROM base"), "{done}");
    // The spinner is gone once the build is over.
    assert!(!done.contains("build: docker compose"), "{done}");
}

#[test]
fn no_color_keeps_the_spinner_plain_and_colour_is_there_without_it() {
    for (no_color, coloured) in [(true, false), (false, true)] {
        let env: &[(&str, &str)] = if no_color { &[("NO_COLOR", "1")] } else { &[] };
        let slow = SlowBuild::new(env);
        let pane = build_in_pane(&slow, "");
        pane.wait_for("build: docker compose");
        let with_escapes = poll(Duration::from_secs(30), || {
            let screen = pane.screen(true);
            screen.contains("build: docker compose").then_some(screen)
        })
        .unwrap();
        // The spinner's colour is cyan: SGR 36.
        assert_eq!(
            with_escapes.contains("\u{1b}[36m"),
            coloured,
            "NO_COLOR={no_color}:\n{with_escapes:?}"
        );
        slow.release();
        pane.wait_for("build-exited-0");
    }
}

#[test]
fn piped_each_step_is_a_line_and_quiet_prints_none() {
    let slow = SlowBuild::new(&[]);
    slow.release();
    let out = slow.project.run(&["build"]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let step = stderr
        .lines()
        .position(|l| l.starts_with("build: docker compose -p"))
        .unwrap_or_else(|| panic!("no step line:\n{stderr}"));
    let first = stderr
        .lines()
        .position(|l| l == "Step 1/2 : FROM base")
        .unwrap();
    assert!(
        step < first,
        "the step is named before its output:\n{stderr}"
    );
    assert!(stderr.contains("using token ***REDACTED***"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no escape codes when piped:\n{stderr:?}"
    );
    let quiet = slow.project.run(&["--quiet", "build"]);
    assert!(quiet.status.success(), "{quiet:?}");
    let said = String::from_utf8_lossy(&quiet.stderr);
    assert!(
        !said.contains("Step 1/2") && !said.contains("build: "),
        "{said}"
    );
}
