//! Record and replay: a cassette is a JSON-lines file, one call per line. Replay
//! matches the call kind, program, arguments and stdin strictly and in order, so a
//! provider test fails the moment its command lines change.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{CallKind, Output, ProcessError};
use crate::error::{CloudError, CloudResult};
use crate::redact::Redactor;

/// What identifies a call: everything that can change what the program does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Key {
    pub call: CallKind,
    pub program: String,
    pub args: Vec<String>,
    pub stdin: Value,
    /// The working directory, machine paths as placeholders.
    #[serde(default)]
    pub cwd: Option<String>,
    /// The names of the variables the provider set (values may differ by machine).
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// `text` or `binary`.
    #[serde(default)]
    pub output: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Interaction {
    #[serde(flatten)]
    key: Key,
    status: i32,
    stdout: Value,
    stderr: Value,
    #[serde(default)]
    truncated: bool,
}

/// Appends every call to a cassette file as it happens.
pub struct Recorder {
    path: PathBuf,
    /// One writer at a time, so lines never interleave.
    lock: Mutex<()>,
}

/// Answers calls from a recorded cassette, strictly in order.
pub struct Player {
    path: PathBuf,
    calls: Vec<Interaction>,
    next: Mutex<usize>,
}

/// Bytes as JSON: a string when they are UTF-8, `{"base64": ...}` otherwise.
pub(super) fn blob(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => json!(text),
        Err(_) => json!({"base64": BASE64.encode(bytes)}),
    }
}

fn unblob(value: &Value) -> Result<Vec<u8>, String> {
    match value {
        Value::String(text) => Ok(text.as_bytes().to_vec()),
        Value::Object(map) => map
            .get("base64")
            .and_then(Value::as_str)
            .ok_or_else(|| "expected a string or {\"base64\": ...}".to_string())
            .and_then(|text| {
                BASE64
                    .decode(text)
                    .map_err(|e| format!("invalid base64: {e}"))
            }),
        _ => Err("expected a string or {\"base64\": ...}".into()),
    }
}

impl Recorder {
    /// Starts a new recording, replacing any file at `path`.
    pub fn create(path: &Path) -> CloudResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_error(path, e))?;
        }
        std::fs::write(path, b"").map_err(|e| io_error(path, e))?;
        Ok(Recorder {
            path: path.to_path_buf(),
            lock: Mutex::new(()),
        })
    }

    pub(super) fn record(
        &self,
        key: &Key,
        output: &Output,
        redactor: &Redactor,
    ) -> CloudResult<()> {
        let interaction = Interaction {
            key: key.clone(),
            status: output.status,
            stdout: blob(&redactor.redact_bytes(&output.stdout)),
            stderr: blob(&redactor.redact_bytes(&output.stderr)),
            truncated: output.truncated,
        };
        let line = serde_json::to_string(&interaction)
            .map_err(|e| CloudError::new("internal_error", format!("cannot encode a call: {e}")))?;
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|e| io_error(&self.path, e))?;
        file.write_all(format!("{line}\n").as_bytes())
            .map_err(|e| io_error(&self.path, e))
    }
}

impl Player {
    pub fn open(path: &Path) -> CloudResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
        let mut calls = Vec::new();
        for (index, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let call = serde_json::from_str(line).map_err(|e| {
                CloudError::new(
                    "invalid_cassette",
                    format!("{}:{}: not a recorded call: {e}", path.display(), index + 1),
                )
            })?;
            calls.push(call);
        }
        Ok(Player {
            path: path.to_path_buf(),
            calls,
            next: Mutex::new(0),
        })
    }

    pub(super) fn replay(&self, key: &Key) -> Result<Output, ProcessError> {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let number = *next + 1;
        let Some(expected) = self.calls.get(*next) else {
            return Err(ProcessError::ReplayMismatch(format!(
                "replay: call #{number} `{}` is not in the cassette {} (it has {} calls)",
                show(key),
                self.path.display(),
                self.calls.len()
            )));
        };
        if &expected.key != key {
            return Err(ProcessError::ReplayMismatch(format!(
                "replay: call #{number} does not match the cassette {}:\n  expected: {}\n  actual:   {}",
                self.path.display(),
                show(&expected.key),
                show(key)
            )));
        }
        *next += 1;
        let decode = |v: &Value| {
            unblob(v).map_err(|e| {
                ProcessError::ReplayMismatch(format!(
                    "replay: call #{number} in {}: {e}",
                    self.path.display()
                ))
            })
        };
        Ok(Output {
            status: expected.status,
            stdout: decode(&expected.stdout)?,
            stderr: decode(&expected.stderr)?,
            truncated: expected.truncated,
        })
    }

    /// Calls recorded but never replayed (a test can require none are left).
    pub fn unplayed(&self) -> usize {
        self.calls.len() - *self.next.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The first call recorded but not replayed, as a line for the operator.
    pub fn first_unplayed(&self) -> Option<String> {
        let next = *self.next.lock().unwrap_or_else(|p| p.into_inner());
        self.calls.get(next).map(|call| show(&call.key))
    }

    /// What the next recorded call answered, when it is a call of this kind to this
    /// program (its arguments may differ); it is then used up. A rehearsal answers
    /// with it so a provider reading its output gets as far as it did when recorded.
    pub(super) fn answer_loosely(&self, call: CallKind, program: &str) -> Option<Output> {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let recorded = self.calls.get(*next)?;
        if recorded.key.call != call || recorded.key.program != program {
            return None;
        }
        *next += 1;
        Some(Output {
            status: recorded.status,
            stdout: unblob(&recorded.stdout).unwrap_or_default(),
            stderr: unblob(&recorded.stderr).unwrap_or_default(),
            truncated: recorded.truncated,
        })
    }
}

fn show(key: &Key) -> String {
    let words = std::iter::once(key.program.as_str())
        .chain(key.args.iter().map(String::as_str))
        .map(megaplan_cloud_shell::quote)
        .collect::<Vec<_>>()
        .join(" ");
    let mut shown = format!("[{}] {words} (stdin: {})", key.call.name(), key.stdin);
    if let Some(cwd) = &key.cwd {
        shown.push_str(&format!(" (cwd: {cwd})"));
    }
    if !key.env.is_empty() {
        shown.push_str(&format!(" (env: {})", key.env.join(", ")));
    }
    if let Some(ms) = key.timeout_ms {
        shown.push_str(&format!(" (timeout: {ms} ms)"));
    }
    if !key.output.is_empty() && key.output != "text" {
        shown.push_str(&format!(" (output: {})", key.output));
    }
    shown
}

fn io_error(path: &Path, e: std::io::Error) -> CloudError {
    CloudError::new(
        "io_error",
        format!("cannot use cassette {}: {e}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip_text_and_binary() {
        for bytes in [b"plain text".to_vec(), vec![0xff, 0x00, 0x80]] {
            assert_eq!(unblob(&blob(&bytes)).unwrap(), bytes);
        }
        assert_eq!(blob(&[0xff]), json!({"base64": "/w=="}));
    }

    fn key(args: &[&str]) -> Key {
        Key {
            call: CallKind::Run,
            program: "docker".into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            stdin: json!("none"),
            ..Key::default()
        }
    }

    #[test]
    fn records_then_replays_strictly_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        let redactor = Redactor::new(&[], &["hunter2-hunter2".into()]);
        let recorder = Recorder::create(&path).unwrap();
        let out = Output {
            status: 3,
            stdout: b"token hunter2-hunter2\n".to_vec(),
            stderr: vec![0xff, 0x00],
            truncated: false,
        };
        recorder.record(&key(&["ps"]), &out, &redactor).unwrap();
        recorder
            .record(&key(&["logs"]), &Output::default(), &redactor)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("hunter2"), "cassettes are redacted: {text}");

        let player = Player::open(&path).unwrap();
        let wrong = player.replay(&key(&["logs"])).unwrap_err();
        assert!(
            matches!(wrong, ProcessError::ReplayMismatch(ref m) if m.contains("call #1 does not match")),
            "{wrong:?}"
        );
        let first = player.replay(&key(&["ps"])).unwrap();
        assert_eq!(first.status, 3);
        assert_eq!(first.stdout, b"token ***REDACTED***\n");
        assert_eq!(first.stderr, vec![0xff, 0x00]);
        assert_eq!(player.unplayed(), 1);
        player.replay(&key(&["logs"])).unwrap();
        let beyond = player.replay(&key(&["ps"])).unwrap_err();
        assert!(
            beyond.to_string().contains("call #3 `[run] docker ps"),
            "{beyond}"
        );
    }
}
