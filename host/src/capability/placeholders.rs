//! What a cassette stores in place of what differs between machines and runs: the
//! configured paths and the operation's nonce as placeholders, secrets redacted.

use super::cassette::Key;
use super::{CallKind, Capability, CommandSpec, NONCE_PLACEHOLDER, OutputMode, stdin};

impl Capability {
    /// Machine paths and the operation's nonce as placeholders, for cassettes.
    pub(super) fn to_placeholders(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (placeholder, value) in &self.settings.substitutions {
            if !value.is_empty() {
                text = text.replace(value.as_str(), placeholder);
            }
        }
        let nonce = self.nonce();
        if !nonce.is_empty() {
            text = text.replace(&nonce, NONCE_PLACEHOLDER);
        }
        text
    }

    /// Output as a cassette stores it (the nonce as its placeholder), and back; binary
    /// output too, since a marker ends it.
    pub(super) fn nonce_out(&self, bytes: &[u8]) -> Vec<u8> {
        replace_bytes(bytes, self.nonce().as_bytes(), NONCE_PLACEHOLDER.as_bytes())
    }

    pub(super) fn nonce_in(&self, bytes: Vec<u8>) -> Vec<u8> {
        replace_bytes(
            &bytes,
            NONCE_PLACEHOLDER.as_bytes(),
            self.nonce().as_bytes(),
        )
    }

    pub(super) fn cassette_key(&self, cmd: &CommandSpec, call: CallKind) -> Key {
        let substitute = |text: &str| self.to_placeholders(text);
        Key {
            call,
            program: cmd.program.clone(),
            args: cmd
                .args
                .iter()
                .map(|a| self.settings.redactor.redact(&substitute(a)).into_owned())
                .collect(),
            stdin: stdin::record(&cmd.stdin, &self.settings.redactor),
            cwd: cmd
                .cwd
                .as_ref()
                .map(|c| substitute(&c.display().to_string())),
            env: cmd.env.iter().map(|(k, _)| k.clone()).collect(),
            timeout_ms: cmd.timeout.map(|t| t.as_millis() as u64),
            output: match cmd.output {
                OutputMode::Text => "text".into(),
                OutputMode::Binary => "binary".into(),
            },
        }
    }
}

/// `bytes` with every `from` replaced by `to` (unchanged when `from` is empty).
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = memchr::memmem::find(rest, from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}
