//! The `log` interface: a provider's lines for the operator, redacted and printed on
//! stderr (warnings prefixed `WARN: `).

use super::Capability;

impl Capability {
    pub fn log_info(&self, message: &str) {
        self.settings.console.err_line(&self.log_line(message));
    }

    pub fn log_warn(&self, message: &str) {
        let line = self.log_line(message);
        self.settings.console.err_line(&format!("WARN: {line}"));
    }

    /// Redacted, and with every control character shown as an escape, so a provider
    /// cannot move the cursor, retitle the terminal or forge a line of the host's own.
    fn log_line(&self, message: &str) -> String {
        let redacted = self.settings.redactor.redact(message);
        escape_controls(&redacted)
    }
}

/// `\n`, `\r`, ESC and the other control characters as visible escapes (tabs stay).
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::Settings;
    use super::*;
    use crate::console::Console;
    use crate::redact::Redactor;

    #[test]
    fn lines_are_redacted_and_warnings_marked() {
        let (console, captured) = Console::capture();
        let mut settings = Settings::new(console);
        settings.redactor = Arc::new(Redactor::new(&[], &["hunter2-hunter2".into()]));
        let capability = Capability::new(settings);
        capability.log_info("token hunter2-hunter2");
        capability.log_warn("careful");
        assert_eq!(captured.stderr(), "token ***REDACTED***\nWARN: careful\n");
    }
}
