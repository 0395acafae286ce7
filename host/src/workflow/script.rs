//! Remote scripts that run several steps in one transport call and report every
//! step's exit status, stdout and stderr as one JSON document, so a workflow pays one
//! round trip yet still gives the precise error of the step that failed.
//!
//! The report is built with `printf` and `base64 -w0` only (coreutils), because
//! arbitrary stderr cannot be escaped into JSON by a POSIX shell: every captured
//! stream travels base64-encoded, which is JSON-safe by construction. Every step runs
//! with stdin from `/dev/null`; the script's own stdin stays readable on fd 3. The
//! scratch directory is flat, so it is removed file by file and never with `rm -r`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use megaplan_cloud_shell::quote;

use crate::capability::Output;
use crate::error::{CloudError, CloudResult};

/// The version of the report format the scripts print.
pub const PROTOCOL: u32 = 1;

const PRELUDE: &str = r#"exec 3<&0
s=$(mktemp -d "${TMPDIR:-/tmp}/megaplan-cloud.XXXXXX") || exit 70
trap 'rm -f -- "$s"/*; rmdir -- "$s"' EXIT
d=''
r() { printf '%s{"step":"%s","exit":%d,"stdout":"%s","stderr":"%s"}' "$d" "$1" "$2" "$(base64 -w0 <"$s/o")" "$(base64 -w0 <"$s/e")"; d=,; }
t() { n=$1; shift; "$@" >"$s/o" 2>"$s/e" </dev/null; c=$?; r "$n" "$c"; return "$c"; }
f() { printf ']}\n'; exit 0; }
"#;

/// The value of `key=value` among the words a step printed; `None` when absent or
/// empty. The steps that report facts print them this way.
pub fn named_value<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    text.split_whitespace()
        .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
        .filter(|value| !value.is_empty())
}

/// A script under construction: a prelude, then steps in order.
pub struct Script {
    text: String,
}

impl Default for Script {
    fn default() -> Self {
        Self::new()
    }
}

impl Script {
    pub fn new() -> Self {
        let mut text = PRELUDE.to_string();
        text.push_str(&format!("printf '{{\"protocol\":{PROTOCOL},\"steps\":['\n"));
        Script { text }
    }

    /// Defines a shell function the steps may call (`name() { body; }`).
    pub fn function(&mut self, name: &str, body: &str) -> &mut Self {
        self.text.push_str(&format!("{name}() {{ {body}; }}\n"));
        self
    }

    /// Runs `line` in its own `sh -c` as step `name`; the script goes on whatever its
    /// exit status. `args` become `$1…` of the line (e.g. `"$s"`, the scratch directory,
    /// given unquoted so the script expands it).
    pub fn step(&mut self, name: &str, line: &str, args: &[&str]) -> &mut Self {
        let tail = self.call(name, line, args);
        self.text.push_str(&tail);
        self.text.push('\n');
        self
    }

    /// Like [`Script::step`], but a non-zero exit ends the script (the report so far
    /// is complete).
    pub fn step_or_stop(&mut self, name: &str, line: &str, args: &[&str]) -> &mut Self {
        let tail = self.call(name, line, args);
        self.text.push_str(&format!("{tail} || f\n"));
        self
    }

    /// Ends the script when the last step printed anything but whitespace.
    pub fn stop_if_output(&mut self) -> &mut Self {
        self.text
            .push_str("if grep -q '[^[:space:]]' \"$s/o\"; then f; fi\n");
        self
    }

    /// Shell text between steps (variables the later steps are given, conditions).
    pub fn raw(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self.text.push('\n');
        self
    }

    /// Runs a function defined with [`Script::function`] as step `name`.
    pub fn call_function(&mut self, name: &str, function: &str, stop: bool) -> &mut Self {
        let stop = if stop { " || f" } else { "" };
        self.text.push_str(&format!("t {name} {function}{stop}\n"));
        self
    }

    fn call(&self, name: &str, line: &str, args: &[&str]) -> String {
        let mut call = format!("t {name} sh -c {} {name}", quote(line));
        for arg in args {
            call.push(' ');
            call.push_str(arg);
        }
        call
    }

    pub fn finish(mut self) -> String {
        self.text.push('f');
        self.text
    }
}

#[derive(Deserialize)]
struct RawReport {
    protocol: u32,
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
struct RawStep {
    step: String,
    exit: i32,
    stdout: String,
    stderr: String,
}

/// One step as the runner reported it.
#[derive(Clone, Debug, PartialEq)]
pub struct StepResult {
    pub name: String,
    pub exit: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl StepResult {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim().to_string()
    }

    /// The step's output as the command itself would have shown it.
    pub fn output(&self) -> Output {
        Output {
            status: self.exit,
            stdout: self.stdout.clone(),
            stderr: self.stderr.clone(),
            truncated: false,
        }
    }
}

/// Every step the script reached, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub steps: Vec<StepResult>,
}

impl Report {
    /// Parses the script's stdout. A script that died before reporting (no shell
    /// tools, killed) is `provider_failed` with what it printed on stderr.
    pub fn parse(output: &Output, redact: &dyn Fn(&str) -> String) -> CloudResult<Report> {
        let failed = |why: String| {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
            let detail = if stderr.is_empty() {
                why
            } else {
                format!("{why}: {stderr}")
            };
            CloudError::new(
                "provider_failed",
                redact(&format!(
                    "the remote workflow script failed (exit {}): {detail}",
                    output.status
                )),
            )
            .with("exit_code", output.status)
            .with(
                "stdout",
                redact(String::from_utf8_lossy(&output.stdout).trim()),
            )
            .with("stderr", redact(&stderr))
        };
        let raw: RawReport = serde_json::from_slice(&output.stdout)
            .map_err(|e| failed(format!("no step report ({e})")))?;
        if raw.protocol != PROTOCOL {
            return Err(failed(format!("unknown report protocol {}", raw.protocol)));
        }
        let decode = |text: &str| match salvage(text) {
            Some(bytes) => Ok(bytes),
            None => STANDARD
                .decode(text)
                .map_err(|e| failed(format!("a step's output was not base64 ({e})"))),
        };
        let steps = raw
            .steps
            .into_iter()
            .map(|step| {
                Ok(StepResult {
                    stdout: decode(&step.stdout)?,
                    stderr: decode(&step.stderr)?,
                    name: step.step,
                    exit: step.exit,
                })
            })
            .collect::<CloudResult<Vec<_>>>()?;
        Ok(Report { steps })
    }

    pub fn step(&self, name: &str) -> Option<&StepResult> {
        self.steps.iter().find(|step| step.name == name)
    }
}

/// A stream the host redacted on its way back (it held a secret, and the redactor
/// catches a secret's base64 forms too): what decodes before the first replacement,
/// then the replacement; the rest is lost rather than guessed at. `None` when the
/// stream was not touched.
fn salvage(text: &str) -> Option<Vec<u8>> {
    let at = text.find(crate::redact::REPLACEMENT)?;
    let whole = at - at % 4;
    let mut bytes = STANDARD.decode(&text[..whole]).unwrap_or_default();
    bytes.extend_from_slice(crate::redact::REPLACEMENT.as_bytes());
    Some(bytes)
}

#[cfg(test)]
mod tests;
