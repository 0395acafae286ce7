//! A real terminal for the tests that need one: a tmux pane to type into and read.

use super::*;

/// A tmux session of its own, killed however the test ends.
pub struct Pane(String);

impl Pane {
    /// `command` in a new detached session of 120x30 (named after `prefix`).
    pub fn start(prefix: &str, command: &str) -> Self {
        let session = unique(prefix);
        let started = tmux(&[
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "120",
            "-y",
            "30",
            command,
        ]);
        assert!(started.status.success(), "{started:?}");
        Pane(session)
    }

    /// The pane's text; with `escapes`, its colours and attributes as escape codes.
    pub fn screen(&self, escapes: bool) -> String {
        let target = format!("={}:", self.0);
        let mut args = vec!["capture-pane", "-p", "-t", &target];
        if escapes {
            args.push("-e");
        }
        String::from_utf8_lossy(&tmux(&args).stdout).into_owned()
    }

    /// Types `line` and Enter.
    pub fn send_line(&self, line: &str) {
        tmux(&["send-keys", "-t", &format!("={}:", self.0), line, "Enter"]);
    }

    /// Polls the pane's text until it contains `needle`; the text then.
    pub fn wait_for(&self, needle: &str) -> String {
        poll(Duration::from_secs(60), || {
            let screen = self.screen(false);
            screen.contains(needle).then_some(screen)
        })
        .unwrap_or_else(|| panic!("{needle:?} never appeared:\n{}", self.screen(false)))
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &format!("={}", self.0)]);
    }
}

pub fn tmux(args: &[&str]) -> Output {
    process::command("tmux")
        .args(args)
        .output()
        .expect("tmux runs")
}

/// Reads the child's stdout until a line contains `needle` or the deadline passes.
pub fn read_until(child: &mut Child, needle: &str, deadline: Duration) -> bool {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    poll(deadline, || {
        rx.recv_timeout(Duration::from_millis(200))
            .ok()
            .filter(|line| line.contains(needle))
    })
    .is_some()
}
