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
        "cloud.yaml@acme.size: `acme.size` must be a positive integer"
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
            "a map of names to scalars",
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

const BUILT_IN_KINDS: &str = r#"{
    "type": "object",
    "properties": {
        "dir": {"type": "string", "format": "absolute-path", "default": "/tmp/x"},
        "host": {"type": "string", "format": "command-word"},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 22},
        "options": {"type": "object", "additionalProperties": {"type": ["string", "integer", "boolean"]}, "default": {}}
    }
}"#;

fn kinds(section: Value) -> Result<Value, String> {
    let schema = SectionSchema::parse(BUILT_IN_KINDS, "ssh").unwrap();
    schema
        .apply(&section, "ssh", &|path, _| format!("@{path}: "))
        .map_err(|e| e.message)
}

#[test]
fn formats_and_maps_speak_the_references_words() {
    assert_eq!(
        kinds(json!({"options": {"Port": 22, "BatchMode": false}})).unwrap(),
        json!({"options": {"Port": 22, "BatchMode": false}, "dir": "/tmp/x", "port": 22})
    );
    let cases = [
        (
            json!({"dir": "rel/x"}),
            "@ssh.dir: `ssh.dir` must be an absolute POSIX path; got 'rel/x'",
        ),
        (json!({"dir": null}), "@ssh.dir: `ssh.dir` is required"),
        (
            json!({"host": "-oProxyCommand=id"}),
            "@ssh.host: `ssh.host` must not start with '-' or contain whitespace or control characters; got '-oProxyCommand=id'",
        ),
        (
            json!({"port": 0}),
            "@ssh.port: `ssh.port` must be a positive integer",
        ),
        (
            json!({"port": "22"}),
            "@ssh.port: `ssh.port` must be a positive integer",
        ),
        (
            json!({"port": 70000}),
            "@ssh.port: `ssh.port` must be at most 65535",
        ),
        (
            json!({"options": "x"}),
            "@ssh.options: `ssh.options` must be a mapping",
        ),
        (
            json!({"options": {"A=B": "x"}}),
            "@ssh.options: `ssh.options` keys must be option names",
        ),
        (
            json!({"options": {"ProxyJump": ["a"]}}),
            "@ssh.options.ProxyJump: `ssh.options.ProxyJump` must be a string, number or boolean",
        ),
    ];
    for (section, says) in cases {
        assert_eq!(kinds(section.clone()).unwrap_err(), says, "{section}");
    }
}
