//! A third-party provider's own cloud.yaml section, checked against the JSON Schema its
//! component declares (`config-schema`, contract 0.4.0) the way the host checks its own
//! blocks: located errors (`cloud.yaml:<line>:<column>:`), "did you mean" for a
//! mistyped key or value, defaults filled in.
//!
//! The schema is a small, closed subset: an object whose properties are strings,
//! integers, numbers, booleans or lists of strings, with `required`, `default`, `enum`,
//! `minLength`, `minimum`, `maximum`, `description`, `title` and `additionalProperties`.
//! A component is untrusted: a schema with anything else (nested objects, patterns,
//! references), or too large, is refused when the provider loads rather than half
//! understood.

use serde_json::{Map, Value};

use super::reader::{closest, python_repr};
use crate::error::{CloudError, CloudResult};

const MAX_SCHEMA_BYTES: usize = 64 * 1024;
const MAX_PROPERTIES: usize = 256;
const TOP_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "title",
    "description",
    "type",
    "properties",
    "required",
    "additionalProperties",
];
const FIELD_KEYWORDS: &[&str] = &[
    "type",
    "description",
    "title",
    "default",
    "enum",
    "minLength",
    "minimum",
    "maximum",
    "items",
];
const TYPES: &[&str] = &["string", "integer", "number", "boolean", "array"];

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

    /// The schema as JSON, for `megaplan-cloud schema`.
    pub fn as_json(&self) -> Value {
        Value::Object(self.schema.clone())
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
            match out.get(name).filter(|v| !v.is_null()) {
                Some(value) => check_value(value, field, &path).map_err(|m| fail(&path, m))?,
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

/// Why a schema is outside the subset, if it is.
fn check_schema(schema: &Map<String, Value>) -> Result<(), String> {
    if let Some(key) = schema.keys().find(|k| !TOP_KEYWORDS.contains(&k.as_str())) {
        return Err(format!("`{key}` is not supported at the top"));
    }
    if schema.get("type").is_some_and(|t| t != "object") {
        return Err("the section's `type` must be `object`".into());
    }
    if !matches!(
        schema.get("additionalProperties"),
        None | Some(Value::Bool(_))
    ) {
        return Err("`additionalProperties` must be true or false".into());
    }
    let properties = match schema.get("properties") {
        None => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return Err("`properties` must be an object".into()),
    };
    if properties.len() > MAX_PROPERTIES {
        return Err(format!("more than {MAX_PROPERTIES} properties"));
    }
    match schema.get("required") {
        None => {}
        Some(Value::Array(names))
            if names
                .iter()
                .all(|n| n.as_str().is_some_and(|n| properties.contains_key(n))) => {}
        Some(_) => return Err("`required` must list names of `properties`".into()),
    }
    for (name, field) in &properties {
        check_field(field).map_err(|why| format!("property `{name}`: {why}"))?;
    }
    Ok(())
}

fn check_field(field: &Value) -> Result<(), String> {
    let Value::Object(field) = field else {
        return Err("must be an object".into());
    };
    if let Some(key) = field.keys().find(|k| !FIELD_KEYWORDS.contains(&k.as_str())) {
        return Err(format!("`{key}` is not supported"));
    }
    let kind = field.get("type").and_then(Value::as_str).unwrap_or("");
    if !TYPES.contains(&kind) {
        return Err(format!("`type` must be one of {}", TYPES.join(", ")));
    }
    match (kind, field.get("items")) {
        ("array", Some(items)) if *items == serde_json::json!({"type": "string"}) => {}
        ("array", _) => return Err("an array's `items` must be {\"type\": \"string\"}".into()),
        (_, Some(_)) => return Err("`items` belongs to arrays only".into()),
        _ => {}
    }
    if let Some(values) = field.get("enum") {
        let ok = values
            .as_array()
            .is_some_and(|v| !v.is_empty() && v.iter().all(Value::is_string));
        if !ok || kind != "string" {
            return Err("`enum` must be a non-empty list of strings, on a string".into());
        }
    }
    for bound in ["minLength", "minimum", "maximum"] {
        if field.get(bound).is_some_and(|b| !b.is_number()) {
            return Err(format!("`{bound}` must be a number"));
        }
    }
    if let Some(default) = field.get("default") {
        check_value(default, &Value::Object(field.clone()), "default")
            .map_err(|why| format!("its default is invalid: {why}"))?;
    }
    Ok(())
}

/// Why `value` does not fit `field`, in the host's words for its own fields.
fn check_value(value: &Value, field: &Value, path: &str) -> Result<(), String> {
    let kind = field.get("type").and_then(Value::as_str).unwrap_or("");
    let fits = match kind {
        "string" => value.as_str().is_some_and(|s| {
            !s.trim().is_empty() || field.get("minLength").and_then(Value::as_u64) == Some(0)
        }),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.as_array().is_some_and(|items| {
            items
                .iter()
                .all(|i| i.as_str().is_some_and(|s| !s.is_empty()))
        }),
        _ => false,
    };
    if !fits {
        let what = match kind {
            "string" => "a non-empty string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "true or false",
            _ => "a list of non-empty strings",
        };
        return Err(format!("`{path}` must be {what}"));
    }
    if let (Some(text), Some(allowed)) =
        (value.as_str(), field.get("enum").and_then(Value::as_array))
    {
        let allowed: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
        if !allowed.contains(&text) {
            let hint = closest(text, &allowed)
                .map(|best| format!(" (did you mean `{best}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "`{path}` must be one of {}; got {}{hint}",
                allowed.join(", "),
                python_repr(text)
            ));
        }
    }
    if let Some(min) = field.get("minLength").and_then(Value::as_u64)
        && value
            .as_str()
            .is_some_and(|s| (s.chars().count() as u64) < min)
    {
        return Err(format!("`{path}` must be at least {min} characters"));
    }
    let number = value.as_f64();
    if let (Some(n), Some(min)) = (number, field.get("minimum").and_then(Value::as_f64))
        && n < min
    {
        return Err(format!("`{path}` must be at least {min}"));
    }
    if let (Some(n), Some(max)) = (number, field.get("maximum").and_then(Value::as_f64))
        && n > max
    {
        return Err(format!("`{path}` must be at most {max}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: &str = r#"{
        "type": "object",
        "additionalProperties": false,
        "required": ["app"],
        "properties": {
            "app": {"type": "string", "minLength": 1},
            "region": {"type": "string", "default": "auto", "enum": ["auto", "ams", "iad"]},
            "size": {"type": "integer", "minimum": 1, "maximum": 16, "default": 2},
            "tags": {"type": "array", "items": {"type": "string"}}
        }
    }"#;

    fn apply(section: Value) -> CloudResult<Value> {
        let schema = SectionSchema::parse(SCHEMA, "acme").unwrap();
        schema.apply(&section, "acme", &|path, _| format!("cloud.yaml@{path}: "))
    }

    fn message(section: Value) -> String {
        apply(section).unwrap_err().message
    }

    #[test]
    fn defaults_are_filled_in_and_what_is_written_is_kept() {
        assert_eq!(
            apply(json!({"app": "demo", "tags": ["a"]})).unwrap(),
            json!({"app": "demo", "region": "auto", "size": 2, "tags": ["a"]})
        );
    }

    #[test]
    fn errors_are_located_with_the_hosts_words_and_hints() {
        assert_eq!(
            message(json!({})),
            "cloud.yaml@acme.app: `acme.app` is required"
        );
        assert_eq!(
            message(json!({"app": "d", "regoin": "ams"})),
            "cloud.yaml@acme.regoin: unknown key `acme.regoin` (did you mean `acme.region`?)"
        );
        assert_eq!(
            message(json!({"app": "d", "region": "amss"})),
            "cloud.yaml@acme.region: `acme.region` must be one of auto, ams, iad; got 'amss' (did you mean `ams`?)"
        );
        assert_eq!(
            message(json!({"app": ""})),
            "cloud.yaml@acme.app: `acme.app` must be a non-empty string"
        );
        assert_eq!(
            message(json!({"app": "d", "size": 40})),
            "cloud.yaml@acme.size: `acme.size` must be at most 16"
        );
        assert_eq!(
            message(json!({"app": "d", "size": "2"})),
            "cloud.yaml@acme.size: `acme.size` must be an integer"
        );
        assert_eq!(
            message(json!({"app": "d", "tags": [1]})),
            "cloud.yaml@acme.tags: `acme.tags` must be a list of non-empty strings"
        );
    }

    #[test]
    fn a_schema_outside_the_subset_is_refused_when_the_provider_loads() {
        for (schema, says) in [
            (r#"{"type": "array"}"#, "must be `object`"),
            (r##"{"$ref": "#/x"}"##, "`$ref` is not supported"),
            (
                r#"{"properties": {"a": {"type": "object"}}}"#,
                "`type` must be one of",
            ),
            (
                r#"{"properties": {"a": {"type": "string", "pattern": "(a+)+$"}}}"#,
                "`pattern` is not supported",
            ),
            (
                r#"{"required": ["b"], "properties": {"a": {"type": "string"}}}"#,
                "`required` must list",
            ),
            (
                r#"{"properties": {"a": {"type": "string", "enum": ["x"], "default": "y"}}}"#,
                "its default is invalid",
            ),
            ("[1]", "not a JSON object"),
            ("{", "not JSON"),
        ] {
            let err = SectionSchema::parse(schema, "acme").unwrap_err();
            assert_eq!(err.code, "invalid_provider", "{schema}");
            assert!(err.message.contains(says), "{schema}: {}", err.message);
        }
        let huge = format!("{{\"description\": \"{}\"}}", "x".repeat(MAX_SCHEMA_BYTES));
        assert!(SectionSchema::parse(&huge, "acme").is_err());
    }
}
