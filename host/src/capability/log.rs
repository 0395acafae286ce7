//! The `log` interface: a provider's lines for the operator, redacted and printed on
//! stderr (warnings prefixed `WARN: `).

use super::Capability;

impl Capability {
    pub fn log_info(&self, message: &str) {
        let line = self.settings.redactor.redact(message).into_owned();
        self.settings.console.err_line(&line);
    }

    pub fn log_warn(&self, message: &str) {
        let line = self.settings.redactor.redact(message).into_owned();
        self.settings.console.err_line(&format!("WARN: {line}"));
    }
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
