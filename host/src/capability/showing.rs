//! Showing a running command's output to the operator as it arrives (the steps of
//! `build` and `deploy`): each stream redacted on its own, safely across reads, and
//! every control character but the newline and the tab shown as an escape, so the
//! transport's output cannot move the cursor, retitle the terminal or draw over the
//! host's own lines.

use super::log::escape_controls;
use super::{Channel, Settings};
use crate::console::Console;
use crate::redact::StreamRedactor;

pub(super) struct Shower<'a> {
    stdout: StreamRedactor<'a>,
    stderr: StreamRedactor<'a>,
    console: &'a Console,
    redacted: Vec<u8>,
}

impl<'a> Shower<'a> {
    pub fn new(settings: &'a Settings) -> Self {
        Shower {
            stdout: StreamRedactor::new(&settings.redactor),
            stderr: StreamRedactor::new(&settings.redactor),
            console: &settings.console,
            redacted: Vec::new(),
        }
    }

    pub fn show(&mut self, channel: Channel, bytes: &[u8]) {
        match channel {
            Channel::Out => self.stdout.feed(bytes, &mut self.redacted),
            Channel::Err => self.stderr.feed(bytes, &mut self.redacted),
        }
        show_safely(self.console, &mut self.redacted);
    }

    /// The command ended: what the redactors held back goes out too.
    pub fn finish(self) {
        let Shower {
            stdout,
            stderr,
            console,
            mut redacted,
        } = self;
        stdout.finish(&mut redacted);
        stderr.finish(&mut redacted);
        show_safely(console, &mut redacted);
    }
}

fn show_safely(console: &Console, redacted: &mut Vec<u8>) {
    if redacted.is_empty() {
        return;
    }
    let text = String::from_utf8_lossy(redacted);
    let safe: Vec<String> = text.split('\n').map(escape_controls).collect();
    console.step_output(safe.join("\n").as_bytes());
    redacted.clear();
}
