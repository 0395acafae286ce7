//! One redacted JSON line per subprocess call, appended to
//! `journal/<UTC date>.jsonl`; `--verbose` echoes each line on stderr.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{Backend, CallKind, Caller, CommandSpec, Output, ProcessError, Settings, stdin};
use crate::console::Console;

pub(super) struct Journal {
    dir: Option<PathBuf>,
    verbose: bool,
    console: Console,
    warned: AtomicBool,
    /// Bytes one operation may write; a provider looping over calls cannot fill the
    /// disk through the journal.
    operation_cap: usize,
    operation_bytes: AtomicUsize,
    clipped: AtomicBool,
}

pub(super) struct JournalEntry {
    fields: Map<String, Value>,
}

impl JournalEntry {
    /// What every line starts with: when, in which mode, what kind of call, by whom.
    fn head(caller: &Caller, call: CallKind, backend: &Backend) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("ts".into(), json!(jiff::Timestamp::now().to_string()));
        fields.insert("mode".into(), json!(backend.name()));
        fields.insert("call".into(), json!(call));
        fields.insert(
            "provider".into(),
            json!({"name": caller.provider, "version": caller.version, "sha256": caller.sha256}),
        );
        fields
    }

    pub fn new(caller: &Caller, cmd: &CommandSpec, call: CallKind, settings: &Settings) -> Self {
        let redact = |s: &str| settings.redactor.redact(s).into_owned();
        let mut fields = Self::head(caller, call, &settings.backend);
        fields.insert("program".into(), json!(cmd.program));
        fields.insert(
            "argv".into(),
            json!(cmd.args.iter().map(|a| redact(a)).collect::<Vec<_>>()),
        );
        fields.insert(
            "cwd".into(),
            json!(cmd.cwd.as_ref().map(|c| redact(&c.display().to_string()))),
        );
        fields.insert(
            "env_keys".into(),
            json!(cmd.env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>()),
        );
        let env: Map<String, Value> = cmd
            .env
            .iter()
            .map(|(k, v)| (k.clone(), json!(redact(v))))
            .collect();
        fields.insert("env".into(), Value::Object(env));
        fields.insert(
            "stdin".into(),
            stdin::record(&cmd.stdin, &settings.redactor),
        );
        JournalEntry { fields }
    }

    pub fn denied(&mut self, reason: &str) {
        self.fields.insert("decision".into(), json!("denied"));
        self.fields.insert("reason".into(), json!(reason));
    }

    /// A probe answered from what an earlier run remembered: nothing started.
    pub fn remembered(&mut self, output: &Output) {
        self.fields.insert("decision".into(), json!("allowed"));
        self.fields.insert("cached".into(), json!(true));
        self.fields.insert("status".into(), json!(output.status));
        self.fields
            .insert("stdout_bytes".into(), json!(output.stdout.len()));
        self.fields
            .insert("stderr_bytes".into(), json!(output.stderr.len()));
    }

    pub fn finished(&mut self, result: &Result<Output, ProcessError>, elapsed: Duration) {
        self.fields.insert("decision".into(), json!("allowed"));
        self.fields
            .insert("duration_ms".into(), json!(elapsed.as_millis() as u64));
        match result {
            Ok(output) => {
                self.fields.insert("status".into(), json!(output.status));
                self.fields
                    .insert("stdout_bytes".into(), json!(output.stdout.len()));
                self.fields
                    .insert("stderr_bytes".into(), json!(output.stderr.len()));
                self.fields
                    .insert("truncated".into(), json!(output.truncated));
            }
            Err(error) => {
                self.fields.insert("error".into(), json!(error.code()));
                self.fields
                    .insert("reason".into(), json!(error.to_string()));
            }
        }
    }
}

impl Journal {
    /// A line for a file the host wrote on a provider's behalf (never its contents).
    pub fn write_file(
        &self,
        caller: &Caller,
        kind: CallKind,
        path: &str,
        description: &str,
        settings: &Settings,
    ) {
        let mut fields = JournalEntry::head(caller, kind, &settings.backend);
        fields.insert("path".into(), json!(path));
        fields.insert("content".into(), json!(description));
        self.write(&JournalEntry { fields });
    }

    pub fn new(dir: Option<PathBuf>, verbose: bool, console: Console, cap: usize) -> Self {
        Journal {
            dir,
            verbose,
            console,
            warned: AtomicBool::new(false),
            operation_cap: cap,
            operation_bytes: AtomicUsize::new(0),
            clipped: AtomicBool::new(false),
        }
    }

    /// A new operation starts with a fresh byte budget.
    pub fn begin_operation(&self) {
        self.operation_bytes.store(0, Ordering::Relaxed);
        self.clipped.store(false, Ordering::Relaxed);
    }

    pub fn write(&self, entry: &JournalEntry) {
        let line = Value::Object(entry.fields.clone()).to_string();
        let used = self
            .operation_bytes
            .fetch_add(line.len() + 1, Ordering::Relaxed);
        if used + line.len() + 1 > self.operation_cap {
            if !self.clipped.swap(true, Ordering::Relaxed) {
                let note = json!({
                    "ts": jiff::Timestamp::now().to_string(),
                    "journal": "clipped",
                    "reason": format!("this operation wrote more than {} bytes of journal; further calls are not journaled", self.operation_cap),
                });
                self.append(&note.to_string());
            }
            return;
        }
        self.append(&line);
    }

    fn append(&self, line: &str) {
        if self.verbose {
            self.console.err_line(&format!("journal: {line}"));
        }
        let Some(dir) = &self.dir else { return };
        let date = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
        let path = dir.join(format!("{date}.jsonl"));
        let written = std::fs::create_dir_all(dir).and_then(|_| {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            // One write per line, so concurrent runs never interleave within a line.
            file.write_all(format!("{line}\n").as_bytes())
        });
        if let Err(e) = written
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            self.console.err_line(&format!(
                "WARN: cannot write the journal {}: {e}",
                path.display()
            ));
        }
    }
}
