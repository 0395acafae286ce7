//! The error every action reports: a code from the reference's vocabulary, a message,
//! and extra top-level fields, printed as JSON on stdout with exit status 1.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct CloudError {
    pub code: String,
    pub message: String,
    pub extra: Map<String, Value>,
}

impl CloudError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        CloudError {
            code: code.into(),
            message: message.into(),
            extra: Map::new(),
        }
    }

    /// Adds a top-level field to the JSON error (e.g. `missing_env`).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    /// `{"success": false, "error": code, "message": text, ...extra}` in that order.
    pub fn to_json_value(&self) -> Value {
        let mut object = Map::new();
        object.insert("success".into(), Value::Bool(false));
        object.insert("error".into(), Value::String(self.code.clone()));
        object.insert("message".into(), Value::String(self.message.clone()));
        for (key, value) in &self.extra {
            object.insert(key.clone(), value.clone());
        }
        Value::Object(object)
    }

    pub fn not_implemented(feature: &str, issue: &str) -> Self {
        CloudError::new(
            "not_implemented",
            format!("{feature} is not implemented yet (tracked in {issue})"),
        )
    }
}

impl std::fmt::Display for CloudError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CloudError {}

pub type CloudResult<T> = Result<T, CloudError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_reference_key_order() {
        let err = CloudError::new("missing_idea_file", "nope")
            .with("milestone", "m1")
            .with("tried_paths", vec!["a", "b"]);
        let text = serde_json::to_string(&err.to_json_value()).unwrap();
        assert_eq!(
            text,
            r#"{"success":false,"error":"missing_idea_file","message":"nope","milestone":"m1","tried_paths":["a","b"]}"#
        );
    }
}
