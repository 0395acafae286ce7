//! What a long operation (`build`, `deploy`) is doing, on the operator's stderr: on a
//! terminal, one spinner line naming the current step, with the transport's own output
//! printed above it as it arrives (as compose and flyctl show a build); anywhere else,
//! one plain line per step and the output as it is, so a log file reads top to bottom.
//! `NO_COLOR` turns the spinner's colour off (the terminal library honours it).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone, Default)]
pub struct Steps {
    /// Whether stderr is a terminal (a spinner makes sense there only).
    terminal: bool,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    bar: Option<ProgressBar>,
    /// Output of the step that has not ended its line yet: a spinner redrawn after a
    /// half line would land in the middle of it.
    partial: Vec<u8>,
}

impl Steps {
    pub fn new(terminal: bool) -> Self {
        Steps {
            terminal,
            state: Arc::default(),
        }
    }

    /// Names the step under way. `line` writes a plain line on stderr.
    pub fn step(&self, text: &str, line: &dyn Fn(&str)) {
        if !self.terminal {
            return line(text);
        }
        let mut state = self.lock();
        let bar = state.bar.get_or_insert_with(spinner);
        bar.set_message(text.to_string());
    }

    /// Output of the step, already redacted and made safe to print. `write` writes on
    /// stderr.
    pub fn output(&self, bytes: &[u8], write: &dyn Fn(&[u8])) {
        let mut state = self.lock();
        let Some(bar) = state.bar.clone() else {
            drop(state);
            return write(bytes);
        };
        state.partial.extend_from_slice(bytes);
        let Some(end) = state.partial.iter().rposition(|&b| b == b'\n') else {
            return;
        };
        let lines: Vec<u8> = state.partial.drain(..=end).collect();
        // Not under our lock: the spinner's own lock is held while `write` runs.
        drop(state);
        bar.suspend(|| write(&lines));
    }

    /// Runs `f` (a write to stdout or stderr) with the spinner out of its way.
    pub fn around(&self, f: &dyn Fn()) {
        let bar = self.lock().bar.clone();
        match bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// The operation is over: the spinner goes, what was left of the output stays.
    pub fn end(&self, write: &dyn Fn(&[u8])) {
        let mut state = self.lock();
        if let Some(bar) = state.bar.take() {
            bar.finish_and_clear();
        }
        let rest = std::mem::take(&mut state.partial);
        drop(state);
        if !rest.is_empty() {
            write(&rest);
            write(b"\n");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn spinner() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner:.cyan} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_a_terminal_each_step_is_a_line_and_output_passes_through() {
        let steps = Steps::new(false);
        let lines = Mutex::new(Vec::<String>::new());
        let written = Mutex::new(Vec::<u8>::new());
        steps.step("build: docker build", &|l| {
            lines.lock().unwrap().push(l.into())
        });
        steps.output(b"Step 1/2 : FROM", &|b| {
            written.lock().unwrap().extend_from_slice(b)
        });
        steps.output(b" base\n", &|b| {
            written.lock().unwrap().extend_from_slice(b)
        });
        steps.end(&|b| written.lock().unwrap().extend_from_slice(b));
        assert_eq!(*lines.lock().unwrap(), ["build: docker build"]);
        assert_eq!(&*written.lock().unwrap(), b"Step 1/2 : FROM base\n");
    }
}
