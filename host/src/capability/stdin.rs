//! Standard input for commands: where secrets named by a provider become bytes, at the
//! last moment and only here.

use serde_json::{Value, json};

use super::{EnvEntry, StdinSpec};
use crate::redact::Redactor;
use crate::secrets::Secrets;

pub(super) enum StdinBytes {
    Null,
    Inherit,
    Bytes(Vec<u8>),
}

/// The bytes a command reads; secret names become their values here and nowhere else.
pub(super) fn expand(spec: &StdinSpec, secrets: &Secrets) -> StdinBytes {
    match spec {
        StdinSpec::None => StdinBytes::Null,
        StdinSpec::Inherit => StdinBytes::Inherit,
        StdinSpec::Bytes(bytes) => StdinBytes::Bytes(bytes.clone()),
        StdinSpec::Secret(name) => {
            StdinBytes::Bytes(secrets.value(name).unwrap_or_default().into_bytes())
        }
        StdinSpec::EnvFile(entries) => StdinBytes::Bytes(render_env_file(entries, secrets)),
    }
}

/// Renders `NAME=value` lines; an unset secret renders as `NAME=` (the reference's
/// `.env` semantics).
pub(super) fn render_env_file(entries: &[EnvEntry], secrets: &Secrets) -> Vec<u8> {
    let mut text = String::new();
    for entry in entries {
        let (name, value) = match entry {
            EnvEntry::Literal(name, value) => (name.as_str(), value.clone()),
            EnvEntry::Secret(name) => (name.as_str(), secrets.value(name).unwrap_or_default()),
        };
        text.push_str(name);
        text.push('=');
        text.push_str(&value);
        text.push('\n');
    }
    text.into_bytes()
}

/// A one-line description for dry-run output; never contains a secret value.
pub(super) fn describe(spec: &StdinSpec) -> Option<String> {
    match spec {
        StdinSpec::None => None,
        StdinSpec::Inherit => Some("inherited from the terminal".into()),
        StdinSpec::Bytes(bytes) => Some(format!("{} bytes", bytes.len())),
        StdinSpec::Secret(name) => Some(format!("value of secret {name}")),
        StdinSpec::EnvFile(entries) => Some(format!(
            "env file with {}",
            entries
                .iter()
                .map(|e| match e {
                    EnvEntry::Literal(name, _) => name.clone(),
                    EnvEntry::Secret(name) => format!("{name} (secret)"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The form in which stdin is journaled and recorded: secrets by name, bytes redacted.
pub(super) fn record(spec: &StdinSpec, redactor: &Redactor) -> Value {
    match spec {
        StdinSpec::None => json!("none"),
        StdinSpec::Inherit => json!("inherit"),
        StdinSpec::Bytes(bytes) => {
            json!({"bytes": super::cassette::blob(&redactor.redact_bytes(bytes))})
        }
        StdinSpec::Secret(name) => json!({"secret": name}),
        StdinSpec::EnvFile(entries) => json!({"env_file": entries
            .iter()
            .map(|e| match e {
                EnvEntry::Literal(name, value) => json!({"name": name, "value": redactor.redact(value)}),
                EnvEntry::Secret(name) => json!({"name": name, "secret": true}),
            })
            .collect::<Vec<_>>()}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::in_memory(&[("TOKEN", "s3cr3t-value")])
    }

    #[test]
    fn env_file_expands_secrets_and_keeps_order() {
        let spec = StdinSpec::EnvFile(vec![
            EnvEntry::Literal("PORT".into(), "8080".into()),
            EnvEntry::Secret("TOKEN".into()),
            EnvEntry::Secret("UNSET".into()),
        ]);
        let StdinBytes::Bytes(bytes) = expand(&spec, &secrets()) else {
            panic!("bytes expected")
        };
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "PORT=8080\nTOKEN=s3cr3t-value\nUNSET=\n"
        );
    }

    #[test]
    fn descriptions_and_records_never_hold_values() {
        let spec = StdinSpec::EnvFile(vec![EnvEntry::Secret("TOKEN".into())]);
        assert_eq!(describe(&spec).unwrap(), "env file with TOKEN (secret)");
        let redactor = Redactor::new(&["TOKEN".into()], &["s3cr3t-value".into()]);
        let recorded = record(&spec, &redactor).to_string();
        assert!(!recorded.contains("s3cr3t"), "{recorded}");
        let bytes = record(&StdinSpec::Bytes(b"x s3cr3t-value".to_vec()), &redactor).to_string();
        assert!(!bytes.contains("s3cr3t"), "{bytes}");
    }
}
