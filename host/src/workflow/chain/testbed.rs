//! A runner for tests that is a real `sh` on this machine: the remote scripts run
//! unchanged against stand-ins for `git`, `tmux` and the agents' commands, which record
//! every argument they receive. Anything else a hostile value smuggled in would run
//! for real, which is what the tests look for.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // runs real shells

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use proptest::prelude::*;

use crate::capability::Output;
use crate::error::CloudResult;
use crate::workflow::Runner;

/// Separates a call's words and calls in the record (never in generated values).
const WORD: char = '\u{1f}';
const CALL: char = '\u{1e}';

const RECORDER: &str = r#"#!/bin/sh
{ printf '%s' "${0##*/}"; for a in "$@"; do printf '\037%s' "$a"; done; printf '\036'; } >> "$TESTBED_LOG"
"#;

pub struct Testbed {
    pub root: tempfile::TempDir,
    /// Transport calls: every run and upload.
    pub calls: usize,
    /// Behave like a provider whose `exec` does not pass stdin on.
    pub drops_stdin: bool,
    /// What the stand-in `megaplan` prints (into the chain log, when it runs a chain).
    pub megaplan_says: String,
}

impl Testbed {
    /// Stand-ins for `git` (clones by creating `.git`, answers rev-parse), `tmux` (a
    /// session exists once started, and runs its command), `megaplan` (prints one line)
    /// and each of `commands`.
    pub fn new(commands: &[&str]) -> Self {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let git = format!(
            "{RECORDER}case \"$1\" in\n  clone) for last; do :; done; mkdir -p \"$last/.git\" ;;\n  -C) case \"$4\" in --abbrev-ref) echo main ;; *) echo 0123abcd ;; esac ;;\nesac\n"
        );
        // new-session runs its command (in its -c directory) unless `dies` exists, in
        // which case the session ends at once, as a chain that failed on start does.
        let tmux = format!(
            "{RECORDER}case \"$1\" in\n  has-session) [ -e \"$TESTBED_ROOT/session\" ] ;;\n  new-session) [ -e \"$TESTBED_ROOT/dies\" ] || touch \"$TESTBED_ROOT/session\"; (cd \"$6\" && sh -c \"$7\") ;;\n  kill-session) rm -f \"$TESTBED_ROOT/session\" ;;\n  list-panes) [ -e \"$TESTBED_ROOT/session\" ] && echo 4242 ;;\nesac\n"
        );
        let megaplan = format!("{RECORDER}echo \"megaplan $1 $2: $TESTBED_SAYS\"\n");
        write_program(&bin.join("git"), &git);
        write_program(&bin.join("tmux"), &tmux);
        write_program(&bin.join("megaplan"), &megaplan);
        for command in commands {
            write_program(&bin.join(command), RECORDER);
        }
        Testbed {
            root,
            calls: 0,
            drops_stdin: false,
            megaplan_says: "started".into(),
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.path().join(relative)
    }

    /// Every recorded call, as words (program name first).
    pub fn recorded(&self) -> Vec<Vec<String>> {
        let log = std::fs::read_to_string(self.path("log")).unwrap_or_default();
        log.split(CALL)
            .filter(|call| !call.is_empty())
            .map(|call| call.split(WORD).map(str::to_string).collect())
            .collect()
    }

    fn shell(&mut self, line: &str, input: &[u8]) -> Output {
        self.calls += 1;
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(self.root.path())
            .env("PATH", path)
            .env("TESTBED_LOG", self.path("log"))
            .env("TESTBED_ROOT", self.root.path())
            .env("TESTBED_SAYS", &self.megaplan_says)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        Output {
            status: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: out.stderr,
            truncated: false,
        }
    }
}

fn write_program(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

impl Runner for Testbed {
    fn run(&mut self, line: &str) -> CloudResult<Output> {
        Ok(self.shell(line, b""))
    }

    fn run_with_input(&mut self, line: &str, input: Vec<u8>) -> CloudResult<Output> {
        let input = if self.drops_stdin { Vec::new() } else { input };
        Ok(self.shell(line, &input))
    }

    /// Writes where the runner would: the path as given, which must be in the bed.
    fn upload(&mut self, path: &str, content: &[u8]) -> CloudResult<()> {
        self.calls += 1;
        let target = Path::new(path);
        assert!(
            target.starts_with(self.root.path()),
            "upload outside the bed: {path}"
        );
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, content).unwrap();
        Ok(())
    }

    fn relay(&mut self, _output: &Output) {}

    fn redact(&self, text: &str) -> String {
        text.to_string()
    }

    fn dry_run(&self) -> bool {
        false
    }

    fn note(&mut self, _line: &str) {}
}

/// Values with every character a shell treats specially (no NUL, which no argv holds).
pub fn hostile() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("$(touch PWNED)".to_string()),
        Just("`touch PWNED`".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just("-".to_string()),
        Just("\\".to_string()),
        Just(";".to_string()),
        Just("*".to_string()),
        Just("${HOME}".to_string()),
        "[a-zé😀]{1,3}",
    ];
    prop::collection::vec(pieces, 1..6).prop_map(|p| p.concat())
}
