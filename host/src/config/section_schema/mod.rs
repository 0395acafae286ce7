//! A provider's own cloud.yaml section, checked against the JSON Schema its component
//! declares (`config-schema`, contract 0.4.0) the way the host checks its own blocks:
//! located errors (`cloud.yaml:<line>:<column>:`), "did you mean" for a mistyped key or
//! value, defaults filled in. The built-in providers declare theirs the same way.
//!
//! The schema is a small, closed subset: an object whose properties are strings,
//! integers, numbers, booleans, lists of strings or maps of names to scalars, with
//! `required`, `default`, `enum`, `minLength`, `minimum`, `maximum`, `format`
//! (`absolute-path`, `command-word`), `description`, `title` and
//! `additionalProperties`. A component is untrusted: a schema with anything else
//! (nested objects, patterns, references), or too large, is refused when the provider
//! loads rather than half understood.

mod subset;
mod value;

use serde_json::{Map, Value};

use super::reader::closest;
use crate::error::{CloudError, CloudResult};
use subset::check_schema;
use value::check_value;

const MAX_SCHEMA_BYTES: usize = 64 * 1024;

/// A provider's declared section, understood.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionSchema {
    schema: Map<String, Value>,
}

impl SectionSchema {
    /// Reads what a component's `config-schema` returned; `provider` names it in
    /// errors.
    pub fn parse(text: &str, provider: &str) -> CloudResult<Self> {
        let refuse = |why: String| {
            CloudError::new(
                "invalid_provider",
                format!(
                    "provider '{provider}' declares a config schema the host cannot use: {why}"
                ),
            )
        };
        if text.len() > MAX_SCHEMA_BYTES {
            return Err(refuse(format!("it is over {MAX_SCHEMA_BYTES} bytes")));
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| refuse(format!("not JSON ({e})")))?;
        let Value::Object(schema) = value else {
            return Err(refuse("it is not a JSON object".into()));
        };
        check_schema(&schema).map_err(refuse)?;
        Ok(SectionSchema { schema })
    }

    /// The schema as a section of cloud.yaml's (`megaplan-cloud schema`): as declared,
    /// less its own `$schema`, with what an editor can check of the host's formats
    /// (an absolute path starts with `/`).
    pub fn as_json(&self) -> Value {
        let mut schema = self.schema.clone();
        schema.remove("$schema");
        if let Some(Value::Object(properties)) = schema.get_mut("properties") {
            for field in properties.values_mut().filter_map(Value::as_object_mut) {
                if field.get("format") == Some(&Value::from("absolute-path")) {
                    field.insert("pattern".into(), Value::from("^/"));
                }
                // The host takes a string to be non-empty unless it says otherwise.
                if field.get("type") == Some(&Value::from("string")) {
                    field.entry("minLength").or_insert(Value::from(1));
                }
            }
        }
        Value::Object(schema)
    }

    /// The declared properties, by name.
    pub fn properties(&self) -> Map<String, Value> {
        self.schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// `section` checked, with the defaults filled in. `locate(path, key)` says where
    /// a node of cloud.yaml is (`acme.region`; its key rather than its value when
    /// `key`), as the error's prefix.
    pub fn apply(
        &self,
        section: &Value,
        prefix: &str,
        locate: &dyn Fn(&str, bool) -> String,
    ) -> CloudResult<Value> {
        let fail = |path: &str, message: String| {
            CloudError::new("invalid_spec", format!("{}{message}", locate(path, false)))
        };
        let mut out = section.as_object().cloned().unwrap_or_default();
        let properties = self.properties();
        let names: Vec<&str> = properties.keys().map(String::as_str).collect();
        if self.schema.get("additionalProperties") == Some(&Value::Bool(false)) {
            for key in out.keys() {
                if !properties.contains_key(key) {
                    let hint = closest(key, &names)
                        .map(|best| format!(" (did you mean `{prefix}.{best}`?)"))
                        .unwrap_or_default();
                    return Err(fail(
                        &format!("{prefix}.{key}"),
                        format!("unknown key `{prefix}.{key}`{hint}"),
                    ));
                }
            }
        }
        for (name, field) in &properties {
            let path = format!("{prefix}.{name}");
            // As for the host's own paths, an explicit null is not an absent path.
            let null_path = field.get("format") == Some(&Value::from("absolute-path"))
                && out.get(name) == Some(&Value::Null);
            if null_path {
                return Err(fail(&path, format!("`{path}` is required")));
            }
            match out.get(name).filter(|v| !v.is_null()) {
                Some(value) => check_value(value, field, &path)
                    .map_err(|misfit| fail(&misfit.at, misfit.message))?,
                None => match field.get("default") {
                    Some(default) => {
                        out.insert(name.clone(), default.clone());
                    }
                    None if self.is_required(name) => {
                        return Err(fail(&path, format!("`{path}` is required")));
                    }
                    None => {}
                },
            }
        }
        Ok(Value::Object(out))
    }

    /// Whether the schema lists `name` under `required`.
    pub fn is_required(&self, name: &str) -> bool {
        self.schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n == name))
    }
}

#[cfg(test)]
mod tests;
