//! The host's standard output and standard error, shared by everything that prints, so
//! tests can capture exactly what an operator would see.

use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Console {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    err: Arc<Mutex<Box<dyn Write + Send>>>,
}

/// What a captured console received.
#[derive(Clone, Default)]
pub struct Captured {
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().expect("not poisoned")).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().expect("not poisoned")).into_owned()
    }
}

struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
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
        }
    }

    /// A console that keeps everything in memory.
    pub fn capture() -> (Self, Captured) {
        let captured = Captured::default();
        let console = Console {
            out: Arc::new(Mutex::new(Box::new(SharedBuffer(captured.out.clone())))),
            err: Arc::new(Mutex::new(Box::new(SharedBuffer(captured.err.clone())))),
        };
        (console, captured)
    }

    /// Writes to stdout and flushes, so streamed output appears line by line. A closed
    /// stdout (e.g. piped into `head`) is not an error worth failing an action for.
    pub fn out(&self, bytes: &[u8]) {
        let mut out = self.out.lock().expect("not poisoned");
        let _ = out.write_all(bytes).and_then(|_| out.flush());
    }

    pub fn err(&self, bytes: &[u8]) {
        let mut err = self.err.lock().expect("not poisoned");
        let _ = err.write_all(bytes).and_then(|_| err.flush());
    }

    pub fn err_line(&self, line: &str) {
        self.err(format!("{line}\n").as_bytes());
    }
}
