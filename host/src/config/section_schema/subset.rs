//! What a declared schema may say: the closed subset the host understands, so that a
//! schema is either understood whole or refused.

use serde_json::{Map, Value};

use super::value::check_value;

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
    "format",
    "additionalProperties",
];
const TYPES: &[&str] = &["string", "integer", "number", "boolean", "array", "object"];
/// The formats the host checks, each with the host's own message.
const FORMATS: &[&str] = &["absolute-path", "command-word"];

/// Why a schema is outside the subset, if it is.
pub(super) fn check_schema(schema: &Map<String, Value>) -> Result<(), String> {
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
    check_shape(kind, field)?;
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
            .map_err(|why| format!("its default is invalid: {}", why.message))?;
    }
    Ok(())
}

/// A map is a property of type `object` whose `additionalProperties` are scalars; a
/// `format` is one the host knows, on a string.
fn check_shape(kind: &str, field: &Map<String, Value>) -> Result<(), String> {
    let scalars = serde_json::json!({"type": ["string", "integer", "boolean"]});
    match (kind, field.get("additionalProperties")) {
        ("object", Some(values)) if *values == scalars => {}
        ("object", _) => {
            return Err(format!(
                "an object's `additionalProperties` must be {scalars} (a map of names to scalars)"
            ));
        }
        (_, Some(_)) => return Err("`additionalProperties` belongs to objects only".into()),
        _ => {}
    }
    match field.get("format") {
        None => Ok(()),
        Some(Value::String(format)) if kind == "string" && FORMATS.contains(&format.as_str()) => {
            Ok(())
        }
        Some(_) => Err(format!(
            "`format` must be one of {}, on a string",
            FORMATS.join(", ")
        )),
    }
}
