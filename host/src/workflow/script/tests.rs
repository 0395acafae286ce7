//! The scripts run in a real `sh` (dash on Debian), as they do in the runner.

use super::*;

#[allow(clippy::disallowed_methods, clippy::disallowed_types)] // runs the script in a real shell
fn run(script: &str, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
        truncated: false,
    }
}

fn report(script: Script, stdin: &[u8]) -> Report {
    let output = run(&script.finish(), stdin);
    assert_eq!(output.status, 0, "{output:?}");
    Report::parse(&output, &|text| text.to_string()).unwrap()
}

#[test]
fn every_stream_comes_back_byte_for_byte() {
    let mut script = Script::new();
    script.step(
        "noisy",
        r#"printf 'out "q" \\ \t $x\n\303\251'; printf 'err\nline2 }]' >&2; exit 3"#,
        &[],
    );
    script.step("next", "echo ran", &[]);
    let report = report(script, b"");
    let noisy = report.step("noisy").unwrap();
    assert_eq!(noisy.exit, 3);
    assert_eq!(noisy.stdout, "out \"q\" \\ \t $x\né".as_bytes());
    assert_eq!(noisy.stderr, b"err\nline2 }]");
    assert_eq!(report.step("next").unwrap().stdout, b"ran\n");
}

#[test]
fn a_stopping_step_ends_the_report_there() {
    let mut script = Script::new();
    script.step_or_stop("first", "exit 2", &[]);
    script.step("second", "echo never", &[]);
    let report = report(script, b"");
    assert_eq!(report.steps.len(), 1);
    assert_eq!(report.steps[0].exit, 2);
}

#[test]
fn output_can_stop_the_script() {
    let mut script = Script::new();
    script.step("quiet", "printf '  \\n'", &[]).stop_if_output();
    script.step("loud", "echo missing", &[]).stop_if_output();
    script.step("after", "true", &[]);
    let names: Vec<String> = report(script, b"")
        .steps
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["quiet", "loud"]);
}

#[test]
fn steps_read_nothing_but_the_script_input_stays_on_fd_3() {
    let mut script = Script::new();
    script.step("reads_stdin", "cat", &[]);
    script.function("take", "cat <&3");
    script.call_function("input", "take", true);
    let report = report(script, b"payload");
    assert_eq!(report.step("reads_stdin").unwrap().stdout, b"");
    assert_eq!(report.step("input").unwrap().stdout, b"payload");
}

#[test]
fn the_scratch_directory_is_given_and_removed() {
    let mut script = Script::new();
    script.step("where", "printf %s \"$1\"; test -d \"$1\"", &["\"$s\""]);
    let report = report(script, b"");
    let step = report.step("where").unwrap();
    assert_eq!(step.exit, 0);
    let dir = step.stdout_text();
    assert!(dir.contains("megaplan-cloud."), "{dir}");
    assert!(
        !std::path::Path::new(&dir).exists(),
        "{dir} was left behind"
    );
}

#[test]
fn a_script_that_never_reports_is_a_provider_failure() {
    let output = Output {
        status: 127,
        stdout: b"".to_vec(),
        stderr: b"sh: base64: not found".to_vec(),
        truncated: false,
    };
    let err = Report::parse(&output, &|t| t.to_string()).unwrap_err();
    assert_eq!(err.code, "provider_failed");
    assert!(err.message.contains("exit 127"), "{}", err.message);
    assert!(err.message.contains("base64: not found"), "{}", err.message);
}

#[test]
fn a_stream_the_host_redacted_keeps_what_came_before_the_secret() {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD
        .encode("{\"notes\": [\"token hunter2-secret-value\"]}");
    // The host's redactor replaced the secret's base64 form in transit.
    let damaged = format!("{}***REDACTED***{}", &encoded[..22], &encoded[40..]);
    let stdout = format!(
        r#"{{"protocol":1,"steps":[{{"step":"plan_status","exit":0,"stdout":"{damaged}","stderr":""}}]}}"#
    );
    let output = Output {
        status: 0,
        stdout: stdout.into_bytes(),
        stderr: Vec::new(),
        truncated: false,
    };
    let report = Report::parse(&output, &|t| t.to_string()).unwrap();
    let step = report.step("plan_status").unwrap();
    assert_eq!(step.stdout_text(), "{\"notes\": [\"tok***REDACTED***");
}
