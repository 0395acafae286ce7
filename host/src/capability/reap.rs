//! Ending everything a command started. A process group kill misses a descendant that
//! left the group (`setsid`, `setpgid`); so megaplan-cloud makes itself the subreaper of
//! its descendants (an orphan comes back to it instead of to init), marks each command's
//! environment with a tag its descendants inherit, and, when it must end a command,
//! kills the command's whole process tree as `/proc` shows it and every orphan that came
//! back to it carrying the command's tag.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Once;

use rustix::process::{Pid, Signal, kill_process, kill_process_group, set_child_subreaper};

static SUBREAPER: Once = Once::new();

/// The variable that tags a command's processes.
pub(super) const TAG: &str = "MEGAPLAN_CLOUD_COMMAND";

/// A tag unique to one command of this process.
pub(super) fn new_tag() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether `pid` carries `tag` in its environment.
fn tagged(pid: i32, tag: &str) -> bool {
    let wanted = format!("{TAG}={tag}");
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|environ| {
            environ
                .split(|b| *b == 0)
                .any(|entry| entry == wanted.as_bytes())
        })
        .unwrap_or(false)
}

/// Makes this process the subreaper of everything it starts (once; harmless to repeat).
pub(super) fn become_subreaper() {
    SUBREAPER.call_once(|| {
        let _ = set_child_subreaper(Some(rustix::process::getpid()));
    });
}

/// (pid, parent pid) of every process, from `/proc/<pid>/stat`.
fn processes() -> Vec<(i32, i32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name is in parentheses and may hold spaces: read after it.
            let after = &stat[stat.rfind(')')? + 2..];
            let ppid = after.split(' ').nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect()
}

/// `root` and all its descendants.
fn tree(root: i32, table: &[(i32, i32)]) -> BTreeSet<i32> {
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for &(pid, ppid) in table {
        children.entry(ppid).or_default().push(pid);
    }
    let mut found = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        if found.insert(pid) {
            stack.extend(children.get(&pid).into_iter().flatten());
        }
    }
    found
}

/// Kills the command `root` (its group, its tree) and the orphans tagged `tag` that came
/// back to this process.
pub(super) fn kill_everything(root: i32, tag: &str) {
    if let Some(pid) = Pid::from_raw(root) {
        let _ = kill_process_group(pid, Signal::KILL);
    }
    let table = processes();
    let mut doomed = tree(root, &table);
    let me = rustix::process::getpid().as_raw_nonzero().get();
    for &(pid, ppid) in &table {
        if ppid == me && pid != root && tagged(pid, tag) {
            doomed.extend(tree(pid, &table));
        }
    }
    for pid in doomed.into_iter().filter_map(Pid::from_raw) {
        let _ = kill_process(pid, Signal::KILL);
    }
}

/// Sends SIGTERM to every child of this process and its whole tree (the process is
/// stopping on an interrupt; nothing it started may outlive it).
pub(super) fn terminate_children() {
    let table = processes();
    let me = rustix::process::getpid().as_raw_nonzero().get();
    let children = table
        .iter()
        .filter(|(_, ppid)| *ppid == me)
        .map(|(pid, _)| *pid);
    let doomed: BTreeSet<i32> = children.flat_map(|child| tree(child, &table)).collect();
    for pid in doomed.into_iter().filter_map(Pid::from_raw) {
        let _ = kill_process_group(pid, Signal::TERM);
        let _ = kill_process(pid, Signal::TERM);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_includes_every_descendant() {
        let table = [(10, 1), (11, 10), (12, 11), (13, 1), (14, 12)];
        assert_eq!(tree(10, &table), [10, 11, 12, 14].into());
    }

    #[test]
    fn this_process_is_listed_with_its_parent() {
        let me = rustix::process::getpid().as_raw_nonzero().get();
        assert!(processes().iter().any(|(pid, _)| *pid == me));
    }
}
