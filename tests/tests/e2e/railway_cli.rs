//! Every argv the railway provider emits parses with the real Railway CLI (built from
//! crates.io by tests/setup.sh): `--help` goes before any `--`, and the CLI must accept
//! the rest. The check can fail: a bogus flag, and the reference's
//! `railway volume delete <name>`, are rejected.

// Checking command lines means running the real railway binary.

use megaplan_cloud_tests::process;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// `$RAILWAY_BIN`, else the copy tests/setup.sh builds, else `railway` on PATH.
fn railway() -> PathBuf {
    if let Some(bin) = process::env_var("RAILWAY_BIN") {
        return bin.into();
    }
    let home = process::env_var("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cached = home.join(".cache/megaplan-cloud/railway/bin/railway");
    if cached.is_file() {
        return cached;
    }
    let on_path = process::command("sh")
        .args(["-c", "command -v railway"])
        .output()
        .unwrap();
    assert!(
        on_path.status.success(),
        "the Railway CLI is missing: run tests/setup.sh (cargo install railwayapp --locked)"
    );
    PathBuf::from(String::from_utf8(on_path.stdout).unwrap().trim())
}

/// Whether the CLI's parser accepts `args` (asked with `--help`, so nothing runs).
fn parses(args: &[String]) -> (bool, String) {
    let mut checked: Vec<String> = Vec::new();
    match args.iter().position(|a| a == "--") {
        Some(at) => {
            checked.extend_from_slice(&args[..at]);
            checked.push("--help".into());
            checked.extend_from_slice(&args[at..]);
        }
        None => {
            checked.extend_from_slice(args);
            checked.push("--help".into());
        }
    }
    let home = tempfile::tempdir().unwrap();
    let out = process::command(railway())
        .args(&checked)
        .env("HOME", home.path())
        .env("CI", "true")
        .env("RAILWAY_NO_AUTO_UPDATE", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every railway argv in the provider's golden transcript and command lines.
fn emitted() -> Vec<Vec<String>> {
    let transcripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts");
    let mut all = Vec::new();
    for line in std::fs::read_to_string(transcripts.join("railway.jsonl"))
        .unwrap()
        .lines()
    {
        let call: serde_json::Value = serde_json::from_str(line).unwrap();
        if call["program"] == "railway" {
            let args = call["args"].as_array().unwrap();
            all.push(
                args.iter()
                    .map(|a| a.as_str().unwrap().replace("${DEPLOY_DIR}", "/tmp/deploy"))
                    .collect(),
            );
        }
    }
    for line in std::fs::read_to_string(transcripts.join("railway-commands.txt"))
        .unwrap()
        .lines()
    {
        let command = line.split_once(": ").unwrap().1;
        let command = command.rsplit_once(" tty=").unwrap().0;
        let words = shlex::split(command).unwrap();
        assert_eq!(words[0], "railway");
        all.push(words[1..].to_vec());
    }
    all.sort();
    all.dedup();
    all
}

#[test]
fn every_argv_the_provider_emits_parses_with_the_real_cli() {
    let argvs = emitted();
    assert!(
        argvs.len() >= 12,
        "the transcript covers every operation: {argvs:?}"
    );
    for args in argvs {
        let (ok, stderr) = parses(&args);
        assert!(ok, "railway {args:?} does not parse:\n{stderr}");
    }
}

/// Runs `args` for real, offline: a bogus token, and every proxy pointed at a closed
/// loopback port, so the only traffic is a refused connection to 127.0.0.1. Passing
/// the parser means whatever error comes is the network's or the login's, never
/// clap's (which checks required arguments, `requires` and conflicts only here, not
/// under `--help`).
fn runs_past_the_parser(args: &[String]) -> Result<(), String> {
    let home = tempfile::tempdir().unwrap();
    // `railway ssh` wants a key before it dials: a throwaway one.
    std::fs::create_dir(home.path().join(".ssh")).unwrap();
    let keygen = process::command("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(home.path().join(".ssh/id_ed25519"))
        .status()
        .unwrap();
    assert!(keygen.success());
    let mut cmd = process::command("timeout");
    cmd.arg("30").arg(railway()).args(args);
    for (key, value) in [
        ("HOME", home.path().to_str().unwrap()),
        ("CI", "true"),
        ("RAILWAY_NO_AUTO_UPDATE", "1"),
        ("NO_COLOR", "1"),
        ("RAILWAY_TOKEN", "bogus-offline-token"),
        ("RAILWAY_API_TOKEN", "bogus-offline-token"),
        ("HTTPS_PROXY", "http://127.0.0.1:9"),
        ("HTTP_PROXY", "http://127.0.0.1:9"),
        ("ALL_PROXY", "http://127.0.0.1:9"),
        ("NO_PROXY", ""),
    ] {
        cmd.env(key, value);
    }
    // `variable set --stdin` reads the value: give it one.
    let out = process::run_with_input(cmd, b"offline-check-value");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.code() == Some(124) {
        return Err(format!("timed out: {stderr}"));
    }
    if stderr.contains("Usage:") || out.status.code() == Some(2) {
        return Err(format!("a usage error: {stderr}"));
    }
    let network_or_login = [
        "error sending request",
        "Connection refused",
        "Unauthorized",
        "login",
    ];
    if !out.status.success() && !network_or_login.iter().any(|n| stderr.contains(n)) {
        return Err(format!("neither a network nor a login error: {stderr}"));
    }
    Ok(())
}

/// `args` without `-p/--project` and `-e/--environment` (and their values): what the
/// provider emits when cloud.yaml configures neither.
fn without_project_and_environment(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            out.push(word.clone());
            out.extend(words.by_ref().cloned());
            break;
        }
        if ["-p", "--project", "-e", "--environment"].contains(&word.as_str()) {
            words.next();
            continue;
        }
        out.push(word.clone());
    }
    out
}

#[test]
fn every_argv_runs_past_the_parser_offline() {
    let mut argvs = emitted();
    let variants: Vec<Vec<String>> = argvs
        .iter()
        .map(|a| without_project_and_environment(a))
        .collect();
    argvs.extend(variants);
    argvs.sort();
    argvs.dedup();
    assert!(
        argvs
            .iter()
            .any(|a| !a.contains(&"-p".to_string()) && a[0] == "ssh")
    );
    for args in &argvs {
        if let Err(why) = runs_past_the_parser(args) {
            panic!("railway {args:?}: {why}");
        }
    }
    // And the check fails where clap would: a required value missing, a bogus flag.
    let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    assert!(runs_past_the_parser(&words("up --definitely-not-a-flag")).is_err());
    assert!(runs_past_the_parser(&words("volume delete agent-volume")).is_err());
    assert!(runs_past_the_parser(&words("variable set")).is_err());
}

#[test]
fn the_check_rejects_what_the_cli_rejects() {
    let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    assert!(!parses(&words("up --definitely-not-a-flag")).0);
    // The reference's destroy line: the volume is not a positional argument in v5.
    assert!(!parses(&words("volume delete agent-volume")).0);
}

#[test]
fn the_installed_cli_meets_the_minimum_version() {
    let out = process::command(railway())
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<u32> = version
        .split_whitespace()
        .last()
        .unwrap()
        .split('.')
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(numbers.as_slice() >= [4, 57, 4].as_slice(), "{version}");
}
