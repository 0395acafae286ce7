//! The launch's first check: room on the runner's workspace filesystem. A chain that
//! runs out of disk half way leaves a broken checkout and a stalled state; refusing at
//! the start costs nothing, since the check rides in the launch call.

use serde_json::json;

use megaplan_cloud_shell::quote;

use crate::error::{CloudError, CloudResult};
use crate::workflow::script::{StepResult, named_value};

/// The step's exit when the filesystem is under a floor (ENOSPC's number).
pub const LOW: i32 = 28;

/// `resources.min_free_bytes` and `resources.min_free_inodes`; 0 turns one off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Floors {
    pub bytes: u64,
    pub inodes: u64,
}

/// Prints `free_bytes=… inodes=… free_inodes=…` for `dir` (or `/` when it does not
/// exist yet) and exits [`LOW`] under a floor. A `df` that cannot answer blocks
/// nothing: the numbers are then empty.
pub fn line(dir: &str, floors: Floors) -> String {
    format!(
        "d={dir}; [ -d \"$d\" ] || d=/; \
         set -- $(df -P -B1 \"$d\" 2>/dev/null | tail -n 1); b=${{4:-}}; \
         set -- $(df -P -i \"$d\" 2>/dev/null | tail -n 1); it=${{2:-}}; i=${{4:-}}; \
         printf 'path=%s free_bytes=%s inodes=%s free_inodes=%s\\n' \"$d\" \"$b\" \"$it\" \"$i\"; \
         if [ -n \"$b\" ] && [ \"$b\" -lt {bytes} ] 2>/dev/null; then exit {LOW}; fi; \
         if [ -n \"$i\" ] && [ \"${{it:-0}}\" -gt 0 ] 2>/dev/null && [ \"$i\" -lt {inodes} ] 2>/dev/null; then exit {LOW}; fi; exit 0",
        dir = quote(dir),
        bytes = floors.bytes,
        inodes = floors.inodes,
    )
}

/// `runner_low_disk` with the numbers, or nothing.
pub fn result(floors: Floors, step: &StepResult) -> CloudResult<()> {
    if step.exit != LOW {
        return Ok(());
    }
    let text = step.stdout_text();
    let number = |key| named_value(&text, key).and_then(|v| v.parse::<u64>().ok());
    let (bytes, inodes) = (number("free_bytes"), number("free_inodes"));
    let path = named_value(&text, "path").unwrap_or("/");
    let gib = |n: u64| format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64);
    Err(CloudError::new(
        "runner_low_disk",
        format!(
            "the runner's workspace filesystem ({path}) has {} and {} inodes free, under the floor of {} and {} inodes; nothing was launched. Free space on the runner (old chains' workspaces, caches) or lower resources.min_free_bytes / resources.min_free_inodes",
            bytes.map(gib).unwrap_or_else(|| "unknown space".into()),
            inodes.map(|n| n.to_string()).unwrap_or_else(|| "unknown".into()),
            gib(floors.bytes),
            floors.inodes,
        ),
    )
    .with("path", path)
    .with("free_bytes", json!(bytes))
    .with("free_inodes", json!(inodes))
    .with("min_free_bytes", floors.bytes)
    .with("min_free_inodes", floors.inodes))
}
