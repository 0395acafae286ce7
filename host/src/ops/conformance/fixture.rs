//! What the suite runs a provider with: a cloud.yaml (the cassette directory's own,
//! or one made from the provider's schema), the context every operation is told, and
//! secrets whose values are made up for the run (a replay never needs the real ones).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::super::session::op_context;
use crate::capability::fresh_nonce;
use crate::config::CloudSpec;
use crate::config::section_schema::SectionSchema;
use crate::error::{CloudError, CloudResult};
use crate::plugin::{Feature, OpContext, ProviderDescription};
use crate::secrets::Secrets;

/// The secret a made-up cloud.yaml configures, so secret handling is exercised.
pub const SECRET_NAME: &str = "CONFORMANCE_TOKEN";
/// The session `attach` is asked for when the provider has named sessions.
pub const SESSION: &str = "conformance";

pub struct Fixture {
    pub spec: CloudSpec,
    pub context: OpContext,
    /// Where the cloud.yaml is (written there when made up during a recording).
    pub path: PathBuf,
    /// Made from the schema rather than read.
    pub made_up: bool,
    /// Its text.
    pub text: String,
}

impl Fixture {
    /// `<dir>/cloud.yaml`, or one made from what the provider declares.
    pub fn load(
        dir: &Path,
        description: &ProviderDescription,
        schema: Option<&SectionSchema>,
    ) -> CloudResult<Self> {
        let path = dir.join("cloud.yaml");
        let (text, made_up) = match std::fs::read_to_string(&path) {
            Ok(text) => (text, false),
            Err(_) => (made_up_cloud_yaml(description, schema), true),
        };
        let spec = CloudSpec::parse(&text, &path.display().to_string(), &|_| true)?.spec;
        if spec.provider != description.name {
            return Err(CloudError::new(
                "invalid_spec",
                format!(
                    "{} selects provider '{}', but the component is '{}'",
                    path.display(),
                    spec.provider,
                    description.name
                ),
            ));
        }
        let session = description
            .has_feature(Feature::NamedSessions)
            .then(|| SESSION.to_string());
        let mut context = op_context(&spec, session, &|_| true);
        if let Some(schema) = schema {
            context.config = spec.checked_section(schema)?;
        }
        Ok(Fixture {
            spec,
            context,
            path,
            made_up,
            text,
        })
    }

    /// The configured secrets with values made up for this run: long and random,
    /// so any that reached a command line would be found there.
    pub fn invented_secrets(&self) -> Secrets {
        let values: Vec<(String, String)> = self
            .spec
            .secrets
            .iter()
            .map(|name| (name.clone(), format!("mpc-secret-{}", fresh_nonce())))
            .collect();
        let pairs: Vec<(&str, &str)> = values
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        Secrets::in_memory(&pairs)
    }
}

/// A cloud.yaml selecting the provider, with a value for each property the schema
/// requires (or that has no default), a volume when the provider manages volumes, and
/// one secret.
fn made_up_cloud_yaml(description: &ProviderDescription, schema: Option<&SectionSchema>) -> String {
    let name = &description.name;
    let mut text = format!(
        "# The configuration `megaplan-cloud provider test` runs {name} with. Point it at\n\
         # something you may deploy to and destroy, then record again (--record).\n\
         provider: {name}\n\
         repo:\n  url: https://github.com/example/app.git\n"
    );
    if description.has_feature(Feature::Volumes) {
        text.push_str("resources:\n  volume: conformance-volume\n");
    }
    text.push_str(&format!("secrets:\n  - {SECRET_NAME}\n"));
    let section = schema.map(example_section).unwrap_or_default();
    if !section.is_empty() {
        text.push_str(&format!("{name}:\n"));
        for (key, value) in section {
            text.push_str(&format!("  {key}: {value}\n"));
        }
    }
    text
}

/// A value for every property without a default: the first of its `enum`, the least
/// number it allows, `false`, an empty list, or `conformance`.
fn example_section(schema: &SectionSchema) -> Map<String, Value> {
    let mut section = Map::new();
    for (name, field) in schema.properties() {
        if field.get("default").is_some() {
            continue;
        }
        let kind = field.get("type").and_then(Value::as_str).unwrap_or("");
        let least = field
            .get("minimum")
            .and_then(Value::as_f64)
            .unwrap_or(1.0)
            .max(1.0);
        let value = match (kind, field.get("enum").and_then(|e| e.get(0))) {
            (_, Some(first)) => first.clone(),
            ("integer", _) => Value::from(least.ceil() as i64),
            ("number", _) => Value::from(least),
            ("boolean", _) => Value::Bool(false),
            ("array", _) => Value::Array(Vec::new()),
            _ => Value::from("conformance"),
        };
        section.insert(name, value);
    }
    section
}
