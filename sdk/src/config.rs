//! Typed access to the provider's own cloud.yaml section.

use serde::de::DeserializeOwned;

use crate::error::error;
use crate::{Context, ErrorKind, ProviderError};

/// Deserialises `ctx.config` (the provider's section as JSON) into `T`; a mismatch is
/// an `invalid_spec` error naming the section. The position serde gives is in the JSON
/// the host passed, which means nothing to the operator, so it is left out; the host
/// puts the section's place in cloud.yaml in front.
pub fn parse_config<T: DeserializeOwned>(ctx: &Context, section: &str) -> Result<T, ProviderError> {
    serde_json::from_str(&ctx.config).map_err(|e| {
        let text = e.to_string();
        let reason = match text.rfind(" at line ") {
            Some(at) if text[at..].contains(" column ") => &text[..at],
            _ => &text,
        };
        error(
            ErrorKind::InvalidConfig,
            format!("`{section}` section is invalid: {reason}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Ssh {
        host: String,
        #[serde(default)]
        port: Option<u16>,
    }

    fn ctx(config: &str) -> Context {
        Context {
            config: config.to_string(),
            workspace: "/workspace/app".into(),
            port: 8080,
            volume: None,
            secret_names: vec![],
            unset_secrets: vec![],
            deploy_dir: None,
            session: None,
            nonce: "n0".into(),
        }
    }

    #[test]
    fn parses_the_section() {
        let ssh: Ssh = parse_config(&ctx(r#"{"host":"h","port":2222}"#), "ssh").unwrap();
        assert_eq!(
            ssh,
            Ssh {
                host: "h".into(),
                port: Some(2222)
            }
        );
    }

    #[test]
    fn names_the_section_on_error() {
        let err = parse_config::<Ssh>(&ctx(r#"{"port":1}"#), "ssh").unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidConfig);
        assert_eq!(
            err.message,
            "`ssh` section is invalid: missing field `host`"
        );
    }
}
