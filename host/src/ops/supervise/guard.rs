//! What keeps ticks from harming a chain on this machine: one tick per chain at a
//! time (an `flock` beside the marker), and a restart budget (timestamps beside the
//! marker) that stops restarting a runner that keeps dying.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::error::{CloudError, CloudResult};

/// The local lock, held until dropped.
pub struct LocalLock {
    _file: File,
}

/// Who is ticking: written into both locks so a refused tick can name the holder.
pub fn holder() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown-host".into());
    format!(
        "host={host} pid={} started_at={}",
        std::process::id(),
        jiff::Timestamp::now()
    )
}

/// Takes `path` exclusively, without waiting; `Err(holder)` when another tick has it.
pub fn lock(path: &Path, holder: &str) -> CloudResult<Result<LocalLock, String>> {
    let failed = |e: std::io::Error| {
        CloudError::new(
            "internal_error",
            format!("cannot open the supervisor lock {}: {e}", path.display()),
        )
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(failed)?;
    if rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        let mut held = String::new();
        let _ = file.read_to_string(&mut held);
        return Ok(Err(held.trim().to_string()));
    }
    file.set_len(0).map_err(failed)?;
    file.rewind().map_err(failed)?;
    file.write_all(format!("{holder}\n").as_bytes())
        .map_err(failed)?;
    Ok(Ok(LocalLock { _file: file }))
}

/// Restart times (Unix seconds) of one chain.
pub struct Budget {
    path: PathBuf,
    restarts: Vec<i64>,
    limit: usize,
    window: i64,
}

impl Budget {
    /// Reads the record; an unreadable one counts as no restarts.
    pub fn load(path: PathBuf, limit: u64, window_secs: u64) -> Self {
        let restarts = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .and_then(|v| v["restarts"].as_array().cloned())
            .map(|items| items.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        Budget {
            path,
            restarts,
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            window: i64::try_from(window_secs).unwrap_or(i64::MAX),
        }
    }

    fn recent(&self, now: i64) -> impl Iterator<Item = &i64> {
        self.restarts
            .iter()
            .filter(move |at| now.saturating_sub(**at) < self.window)
    }

    pub fn allows_one_more(&self, now: i64) -> bool {
        self.recent(now).count() < self.limit
    }

    /// Records a restart, forgetting those outside the window.
    pub fn record(&mut self, now: i64) -> CloudResult<()> {
        let mut kept: Vec<i64> = self.recent(now).copied().collect();
        kept.push(now);
        self.restarts = kept;
        let text = json!({"restarts": self.restarts}).to_string();
        crate::fs::atomic_write(&self.path, text.as_bytes(), 0o644)
    }
}

pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_tick_is_refused_and_names_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k/supervise.lock");
        let first = lock(&path, "host=a pid=1").unwrap().unwrap();
        assert_eq!(
            lock(&path, "host=b pid=2").unwrap().err().unwrap(),
            "host=a pid=1"
        );
        drop(first);
        assert!(
            lock(&path, "host=b pid=2").unwrap().is_ok(),
            "released on drop"
        );
    }

    #[test]
    fn the_budget_counts_only_the_window_and_survives_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("restarts.json");
        let mut budget = Budget::load(path.clone(), 2, 3600);
        assert!(budget.allows_one_more(10_000));
        budget.record(10_000).unwrap();
        budget.record(10_100).unwrap();
        let budget = Budget::load(path.clone(), 2, 3600);
        assert!(
            !budget.allows_one_more(10_200),
            "two in the hour: exhausted"
        );
        assert!(
            budget.allows_one_more(10_000 + 3600),
            "the first left the window"
        );
        std::fs::write(&path, "garbage").unwrap();
        assert!(Budget::load(path, 2, 3600).allows_one_more(0));
    }
}
