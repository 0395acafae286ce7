//! The suite's verdict: one line per check, a summary, as text or as JSON.

use serde::Serialize;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Fail,
    Skip,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Line {
    /// `describe`, `cassette exec`, `hostile acme.app`, …
    pub check: String,
    pub status: Status,
    pub detail: String,
}

impl Line {
    pub fn new(check: impl Into<String>, status: Status, detail: impl Into<String>) -> Self {
        Line {
            check: check.into(),
            status,
            detail: detail.into(),
        }
    }
}

#[derive(Debug)]
pub struct Report {
    /// `acme 0.1.0`, or the file when it could not describe itself.
    pub provider: String,
    pub component: String,
    pub cassettes: String,
    pub lines: Vec<Line>,
}

impl Report {
    fn count(&self, status: Status) -> usize {
        self.lines.iter().filter(|l| l.status == status).count()
    }

    pub fn passed(&self) -> bool {
        self.count(Status::Fail) == 0
    }

    fn summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.count(Status::Ok),
            self.count(Status::Fail),
            self.count(Status::Skip)
        )
    }

    /// One line per check (details that run over several lines indented under it),
    /// then the summary.
    pub fn text(&self) -> String {
        let width = self.lines.iter().map(|l| l.check.len()).max().unwrap_or(0);
        let mut text = format!(
            "provider test: {} ({}), cassettes in {}\n",
            self.provider, self.component, self.cassettes
        );
        for line in &self.lines {
            let mut detail = line.detail.lines();
            text.push_str(&format!(
                "{:<5} {:<width$}  {}\n",
                line.status.label(),
                line.check,
                detail.next().unwrap_or("")
            ));
            for more in detail {
                text.push_str(&format!("{:<5} {:<width$}    {more}\n", "", ""));
            }
        }
        let verdict = if self.passed() { "passed" } else { "FAILED" };
        text.push_str(&format!("{verdict}: {}\n", self.summary()));
        text
    }

    pub fn json(&self) -> Value {
        json!({
            "success": self.passed(),
            "provider": self.provider,
            "component": self.component,
            "cassettes": self.cassettes,
            "checks": self.lines,
            "summary": {
                "passed": self.count(Status::Ok),
                "failed": self.count(Status::Fail),
                "skipped": self.count(Status::Skip),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_a_line_per_check_and_the_verdict_last() {
        let report = Report {
            provider: "acme 0.1.0".into(),
            component: "acme.wasm".into(),
            cassettes: "tests/cassettes".into(),
            lines: vec![
                Line::new("describe", Status::Ok, "acme 0.1.0"),
                Line::new("cassette exec", Status::Fail, "expected: a\nactual: b"),
                Line::new("cassette observe", Status::Skip, "not implemented"),
            ],
        };
        let text = report.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "ok    describe          acme 0.1.0");
        assert_eq!(lines[2], "FAIL  cassette exec     expected: a");
        assert_eq!(lines[3], "                          actual: b");
        assert_eq!(lines[5], "FAILED: 1 passed, 1 failed, 1 skipped");
        assert!(!report.passed());
        assert_eq!(report.json()["summary"]["failed"], 1);
        assert_eq!(report.json()["checks"][1]["status"], "fail");
    }
}
