//! The JSON Schema of cloud.yaml (`megaplan-cloud schema`), generated from the field
//! table and the built-in providers' declared sections, so that editor completion can
//! never disagree with validation.

use serde_json::{Map, Value, json};

use super::fields::{AGENTS, Field, Kind, PHASES, TOOLCHAIN_ALIASES, all, blocks};

fn kind_schema(kind: Kind) -> Value {
    match kind {
        Kind::String => json!({"type": "string", "minLength": 1}),
        Kind::AbsolutePath => json!({"type": "string", "pattern": "^/"}),
        Kind::Enum(values) => json!({"type": "string", "enum": values}),
        Kind::Integer => json!({"type": "integer", "minimum": 1, "maximum": 65535}),
        Kind::PositiveInteger => json!({"type": "integer", "minimum": 1}),
        Kind::StringList => json!({"type": "array", "items": {"type": "string", "minLength": 1}}),
        Kind::Agents => {
            let keys: Vec<&str> = std::iter::once("default")
                .chain(PHASES.iter().map(|(p, _)| *p))
                .collect();
            json!({
                "type": "object",
                "propertyNames": {"enum": keys},
                "additionalProperties": {"type": "string", "enum": AGENTS},
            })
        }
        Kind::Toolchains => json!({
            "type": "array",
            "items": {"oneOf": [
                {"type": "string", "enum": TOOLCHAIN_ALIASES},
                {
                    "type": "object",
                    "required": ["name", "install"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "install": {"type": "string", "minLength": 1},
                    },
                },
            ]},
        }),
        Kind::ExtraRepos => json!({
            "type": "array",
            "items": {"oneOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "required": ["url"],
                    "properties": {
                        "url": {"type": "string", "minLength": 1},
                        "branch": {"type": "string", "minLength": 1},
                        "workspace": {"type": "string", "pattern": "^/"},
                    },
                },
            ]},
        }),
    }
}

fn field_schema(field: &Field) -> Value {
    let mut schema = kind_schema(field.kind);
    let object = schema.as_object_mut().expect("kind schemas are objects");
    let mut description = field.doc.to_string();
    if field.addition {
        description.push_str(" (megaplan-cloud addition)");
    }
    object.insert("description".into(), json!(description));
    if let Some(default) = field.default {
        object.insert("default".into(), default.to_json());
    }
    schema
}

/// The JSON Schema of cloud.yaml. Unknown keys are allowed (with a warning), as the
/// reference ignores them.
pub fn schema() -> Value {
    let mut properties = Map::new();
    for field in all().filter(|f| !f.path.contains('.')) {
        properties.insert(field.path.into(), field_schema(field));
    }
    for (block, doc) in blocks().filter(|(b, _)| *b != "agents") {
        if let Some(declared) = super::providers::schema_of(block) {
            // A built-in's section is the schema its provider declares.
            let mut section = declared.as_json();
            section["description"] = json!(doc);
            properties.insert(block.to_string(), section);
            continue;
        }
        let mut block_properties = Map::new();
        for field in all().filter(|f| f.path.split_once('.').is_some_and(|(b, _)| b == *block)) {
            let leaf = field.path.split_once('.').expect("nested").1;
            block_properties.insert(leaf.into(), field_schema(field));
        }
        let mut block_schema =
            json!({"type": "object", "description": doc, "properties": block_properties});
        if *block == "repo" {
            block_schema["required"] = json!(["url"]);
        }
        properties.insert(block.to_string(), block_schema);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "megaplan-cloud cloud.yaml",
        "type": "object",
        "required": ["repo"],
        "properties": properties,
    })
}
