//! Process groups and deadlines: every captured or streamed command runs in a group of
//! its own, registered while it runs so an interrupt of megaplan-cloud reaches it, and
//! killed with everything it started when its deadline passes.

use std::collections::BTreeSet;
use std::process::{Child, ExitStatus};
use std::sync::{Mutex, Once, mpsc};
use std::thread;
use std::time::Instant;

use wait_timeout::ChildExt;

/// Process groups of the commands running now.
static LIVE_GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());
static FORWARD_INTERRUPTS: Once = Once::new();

/// Keeps a command's process group registered while it runs.
pub(super) struct LiveGroup(i32);

impl LiveGroup {
    /// Installs the interrupt forwarding; call before spawning, so that an interrupt
    /// arriving as soon as the child runs is forwarded rather than lost.
    pub(super) fn prepare() {
        FORWARD_INTERRUPTS.call_once(forward_interrupts);
        super::reap::become_subreaper();
    }

    pub(super) fn register(child: &Child) -> Self {
        let pgid = child.id() as i32;
        LIVE_GROUPS.lock().expect("not poisoned").insert(pgid);
        LiveGroup(pgid)
    }
}

impl Drop for LiveGroup {
    fn drop(&mut self) {
        LIVE_GROUPS.lock().expect("not poisoned").remove(&self.0);
    }
}

/// On SIGINT, SIGTERM or SIGHUP: terminate every live group, then die of the signal as
/// megaplan-cloud would have without a handler.
fn forward_interrupts() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            for &pgid in LIVE_GROUPS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
                    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::TERM);
                }
            }
            // A command spawned a moment ago may not be registered yet: every child of
            // ours, and what it started, gets the signal too.
            super::reap::terminate_children();
            let _ = signal_hook::low_level::emulate_default_handler(signal);
        }
    });
}

/// Ends the command and everything it started, even what left its process group.
pub(super) fn kill_group(child: &Child, tag: &str) {
    super::reap::kill_everything(child.id() as i32, tag);
}

/// Waits for the child until `deadline`; on expiry kills its process group.
pub(super) fn wait_until(
    child: &mut Child,
    deadline: Option<Instant>,
    tag: &str,
) -> std::io::Result<(ExitStatus, bool)> {
    let Some(deadline) = deadline else {
        return Ok((child.wait()?, false));
    };
    let remaining = deadline.saturating_duration_since(Instant::now());
    match child.wait_timeout(remaining)? {
        Some(status) => Ok((status, false)),
        None => {
            kill_group(child, tag);
            Ok((child.wait()?, true))
        }
    }
}

/// Kills a process group when its deadline passes, unless cancelled first.
pub(super) struct Watchdog {
    fired: mpsc::Receiver<bool>,
    cancel: mpsc::Sender<()>,
}

impl Watchdog {
    pub(super) fn fired(self) -> bool {
        let _ = self.cancel.send(());
        self.fired.recv().unwrap_or(false)
    }
}

pub(super) fn spawn_watchdog(pid: u32, deadline: Instant, tag: String) -> Watchdog {
    let (cancel, cancelled) = mpsc::channel::<()>();
    let (fired_tx, fired) = mpsc::channel();
    thread::spawn(move || {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let fire = matches!(
            cancelled.recv_timeout(remaining),
            Err(mpsc::RecvTimeoutError::Timeout)
        );
        if fire {
            super::reap::kill_everything(pid as i32, &tag);
        }
        let _ = fired_tx.send(fire);
    });
    Watchdog { fired, cancel }
}
