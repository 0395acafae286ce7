//! The host's standard input, output and error, shared by everything that prints or
//! asks, so tests can capture exactly what an operator would see (the lint
//! configuration keeps `std::io::stdin` out of every other module).

use std::io::{BufRead, IsTerminal, Write};

use crate::progress::Steps;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Console {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    err: Arc<Mutex<Box<dyn Write + Send>>>,
    input: Arc<Mutex<Box<dyn BufRead + Send>>>,
    /// The steps of a long operation (a spinner on a terminal).
    steps: Steps,
}

/// What a captured console received.
#[derive(Clone, Default)]
pub struct Captured {
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Console {
    pub fn stdio() -> Self {
        Console {
            out: Arc::new(Mutex::new(Box::new(std::io::stdout()))),
            err: Arc::new(Mutex::new(Box::new(std::io::stderr()))),
            #[allow(clippy::disallowed_methods)] // the console owns the operator's stdin
            input: Arc::new(Mutex::new(Box::new(std::io::BufReader::new(
                std::io::stdin(),
            )))),
            steps: Steps::new(std::io::stderr().is_terminal()),
        }
    }

    /// A console that keeps everything in memory; its input is empty.
    pub fn capture() -> (Self, Captured) {
        Self::capture_with_input(b"")
    }

    /// A console that keeps everything in memory and reads `input` as the operator's
    /// typing.
    pub fn capture_with_input(input: &[u8]) -> (Self, Captured) {
        let captured = Captured::default();
        let console = Console {
            out: Arc::new(Mutex::new(Box::new(SharedBuffer(captured.out.clone())))),
            err: Arc::new(Mutex::new(Box::new(SharedBuffer(captured.err.clone())))),
            input: Arc::new(Mutex::new(Box::new(std::io::Cursor::new(input.to_vec())))),
            steps: Steps::default(),
        };
        (console, captured)
    }

    /// Prints `prompt` on stdout and reads one line: true for `y` or `yes` (any case).
    /// End of input declines.
    pub fn confirm(&self, prompt: &str) -> bool {
        self.out(prompt.as_bytes());
        self.read_yes()
    }

    /// The same, with the prompt on stderr (stdout carries the action's JSON).
    pub fn ask(&self, prompt: &str) -> bool {
        self.err(prompt.as_bytes());
        self.read_yes()
    }

    fn read_yes(&self) -> bool {
        let mut answer = String::new();
        let read = self
            .input
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .read_line(&mut answer);
        read.is_ok() && matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
    }

    /// Writes to stdout and flushes, so streamed output appears line by line. A closed
    /// stdout (e.g. piped into `head`) is not an error worth failing an action for.
    pub fn out(&self, bytes: &[u8]) {
        self.steps.around(&|| write_flushed(&self.out, bytes));
    }

    pub fn err(&self, bytes: &[u8]) {
        self.steps.around(&|| write_flushed(&self.err, bytes));
    }

    /// Names the step a long operation is at: the spinner's line on a terminal, else
    /// a line of its own.
    pub fn step(&self, text: &str) {
        self.steps.step(text, &|line| {
            write_flushed(&self.err, format!("{line}\n").as_bytes())
        });
    }

    /// What the current step's program prints (redacted, controls escaped), as it
    /// arrives, on stderr: above the spinner on a terminal.
    pub fn step_output(&self, bytes: &[u8]) {
        self.steps.output(bytes, &|b| write_flushed(&self.err, b));
    }

    /// The long operation is over: the spinner goes.
    pub fn end_steps(&self) {
        self.steps.end(&|b| write_flushed(&self.err, b));
    }

    pub fn err_line(&self, line: &str) {
        self.err(format!("{line}\n").as_bytes());
    }
}

fn write_flushed(to: &Mutex<Box<dyn Write + Send>>, bytes: &[u8]) {
    let mut to = to.lock().unwrap_or_else(|p| p.into_inner());
    let _ = to.write_all(bytes).and_then(|_| to.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirm_accepts_only_yes() {
        for (typed, expected) in [("y\n", true), ("YES\n", true), ("n\n", false), ("", false)] {
            let (console, captured) = Console::capture_with_input(typed.as_bytes());
            assert_eq!(console.confirm("sure? "), expected, "{typed:?}");
            assert_eq!(captured.stdout(), "sure? ");
        }
    }
}
