//! `process.probe`: a command whose answer depends only on the program and how it is
//! called (`docker compose version`). Its answer is remembered on disk, keyed by what
//! could change it, so the hot paths (`exec`, `logs`) do not start a process to learn
//! what they learned a moment ago.
//!
//! The key is a hash of the provider's name, the program's resolved path, its size,
//! modification time, inode and device, the arguments, the working directory, the
//! declared variables and the environment the command would inherit. An answer lives
//! for a day; `doctor` probes afresh and refreshes it. Only live runs store answers:
//! a recording or a replay always runs (or replays) the call, so cassettes are the
//! same whatever the cache holds.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::journal::JournalEntry;
use super::{Backend, CallKind, Caller, Capability, CommandSpec, Output};
use super::{ProcessError, policy, spawn};

/// How long a remembered answer holds even when nothing in its key changed: a
/// program can change what it answers without changing itself (a plugin installed
/// beside it).
pub const ANSWER_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Where remembered answers live, and whether this run ignores them (`doctor`).
#[derive(Clone, Debug)]
pub struct ProbeCache {
    pub dir: PathBuf,
    pub refresh: bool,
}

#[derive(Serialize, Deserialize)]
struct Remembered {
    /// Seconds since the epoch when the probe ran.
    at: u64,
    status: i32,
    stdout: String,
    stderr: String,
}

impl Capability {
    /// Runs a probe, or answers it from what an earlier run remembered.
    pub fn probe(&self, caller: &Caller, cmd: &CommandSpec) -> Result<Output, ProcessError> {
        if let Some(reason) = policy::probe_problem(cmd) {
            self.log_call(caller, CallKind::Run, cmd, Some(reason));
            let mut entry = JournalEntry::new(caller, cmd, CallKind::Run, &self.settings);
            entry.denied(reason);
            self.journal.write(&entry);
            return Err(ProcessError::Denied(reason.into()));
        }
        let allowed =
            policy::check(caller, cmd, CallKind::Run, self.settings.secrets.names()).is_ok();
        let remembers = matches!(self.settings.backend, Backend::Live | Backend::DryRun);
        let cache = self
            .settings
            .probe_cache
            .as_ref()
            .filter(|_| allowed && remembers);
        let key = cache.and_then(|_| self.probe_key(caller, cmd));
        if let (Some(cache), Some(key)) = (cache, &key)
            && !cache.refresh
            && let Some(output) = load(&cache.dir, key)
        {
            let mut entry = JournalEntry::new(caller, cmd, CallKind::Run, &self.settings);
            entry.remembered(&output);
            self.journal.write(&entry);
            return Ok(output);
        }
        let output = self.run(caller, cmd)?;
        match (&self.settings.backend, cache, key) {
            (Backend::Live, Some(cache), Some(key)) => store(&cache.dir, &key, &output),
            (Backend::DryRun, _, _) => self.settings.console.out(
                format!(
                    "# {}: a probe with no remembered answer; not run in a dry run, taken as exit 0\n",
                    cmd.program
                )
                .as_bytes(),
            ),
            _ => {}
        }
        Ok(output)
    }

    /// What the answer depends on, hashed; `None` when the program is not on PATH
    /// (the run itself then reports it).
    fn probe_key(&self, caller: &Caller, cmd: &CommandSpec) -> Option<String> {
        let path = spawn::locate(&cmd.program, self.search_path())?;
        let path = path.canonicalize().unwrap_or(path);
        let meta = std::fs::metadata(&path).ok()?;
        let inherited: Vec<(String, String)> =
            crate::environment::child_environment(caller.policy.passthrough_env())
                .into_iter()
                .map(|(k, v)| (k.to_string_lossy().into(), v.to_string_lossy().into()))
                .collect();
        let identity = serde_json::json!({
            "provider": caller.provider,
            "program": path.to_string_lossy(),
            "size": meta.len(),
            "mtime": [meta.mtime(), meta.mtime_nsec()],
            "inode": [meta.dev(), meta.ino()],
            "args": cmd.args,
            "cwd": cmd.cwd,
            "env": cmd.env,
            "inherited": inherited,
        });
        Some(hex(&Sha256::digest(identity.to_string().as_bytes())))
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn load(dir: &Path, key: &str) -> Option<Output> {
    let text = std::fs::read_to_string(dir.join(format!("{key}.json"))).ok()?;
    let remembered: Remembered = serde_json::from_str(&text).ok()?;
    let age = now().checked_sub(remembered.at)?;
    (age < ANSWER_LIFETIME.as_secs()).then(|| Output {
        status: remembered.status,
        stdout: remembered.stdout.into_bytes(),
        stderr: remembered.stderr.into_bytes(),
        truncated: false,
    })
}

/// Best effort: a probe whose answer cannot be kept just runs again next time.
fn store(dir: &Path, key: &str, output: &Output) {
    if output.truncated {
        return;
    }
    let remembered = Remembered {
        at: now(),
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    let Ok(text) = serde_json::to_string(&remembered) else {
        return;
    };
    let _ = crate::fs::atomic_write(&dir.join(format!("{key}.json")), text.as_bytes(), 0o600);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
