//! Reading YAML nodes into typed values with the reference's messages, each located
//! as `<file>:<line>:<column>:` when the node is known. Fields named by their path
//! (`repo.branch`) take their default from the field table.

use yaml_serde::{Mapping, Value};

use super::fields;
use super::locate::Locations;
use crate::error::{CloudError, CloudResult};

pub(super) struct Reader<'a> {
    pub file_name: &'a str,
    pub locations: &'a Locations,
}

/// The reference's message when `text` cannot be the absolute POSIX path `label` needs.
pub fn absolute_path_problem(label: &str, text: &str) -> Option<String> {
    if text.trim().is_empty() {
        Some(format!("`{label}` must be a non-empty string"))
    } else if !text.starts_with('/') {
        Some(format!(
            "`{label}` must be an absolute POSIX path; got {}",
            python_repr(text)
        ))
    } else {
        None
    }
}

/// Python's `repr` of a string, as the reference's messages show values.
pub fn python_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str` of a YAML value (how `f"'{value}'"` renders it).
pub(super) fn python_str(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Sequence(items) => format!(
            "[{}]",
            items
                .iter()
                .map(python_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Mapping(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", python_literal(k), python_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Tagged(tagged) => python_str(&tagged.value),
    }
}

fn python_literal(value: &Value) -> String {
    match value {
        Value::String(s) => python_repr(s),
        other => python_str(other),
    }
}

/// The allowed value closest to `got` by edit distance (as cargo and Terraform
/// suggest), when it is close enough to be what was meant.
pub fn closest<'a>(got: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(got, candidate), *candidate))
        .filter(|(distance, candidate)| *distance > 0 && *distance <= 2.max(candidate.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// ` (did you mean `x`?)`, or nothing.
pub fn hint(got: &str, allowed: &[&str]) -> String {
    closest(got, allowed)
        .map(|best| format!(" (did you mean `{best}`?)"))
        .unwrap_or_default()
}

pub(super) fn untagged(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => untagged(&tagged.value),
        other => other,
    }
}

impl Reader<'_> {
    /// An `invalid_spec` error about the node at `path`.
    pub fn error(&self, path: &str, message: impl Into<String>) -> CloudError {
        self.error_with_code("invalid_spec", path, message)
    }

    pub fn error_with_code(
        &self,
        code: &str,
        path: &str,
        message: impl Into<String>,
    ) -> CloudError {
        let message = message.into();
        // Nothing on the way to the node exists: the mapping that lacks it is the
        // document itself, which starts at 1:1.
        let (line, column) = self.locations.nearest(path).unwrap_or((1, 1));
        let located = format!("{}:{line}:{column}: {message}", self.file_name);
        CloudError::new(code, located)
    }

    /// `<file>:<line>:<column>: ` of the node at `path` (of its key, when `key` and the
    /// key is there), for a message located the way [`Reader::error`] locates its own.
    pub fn prefix(&self, path: &str, key: bool) -> String {
        let at = match key {
            true => self.locations.key(path),
            false => None,
        };
        let (line, column) = at
            .or_else(|| self.locations.nearest(path))
            .unwrap_or((1, 1));
        format!("{}:{line}:{column}: ", self.file_name)
    }

    /// A sub-block: absent or null is empty; anything but a mapping is an error.
    pub fn mapping<'v>(
        &self,
        value: Option<&'v Value>,
        label: &str,
    ) -> CloudResult<Option<&'v Mapping>> {
        match value.map(untagged) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Mapping(map)) => Ok(Some(map)),
            Some(_) => Err(self.error(label, format!("`{label}` must be a mapping"))),
        }
    }

    /// A string: absent or null takes the default, or is "required" without one.
    pub fn string(
        &self,
        value: Option<&Value>,
        label: &str,
        default: Option<&str>,
    ) -> CloudResult<String> {
        match value.map(untagged) {
            None | Some(Value::Null) => default
                .map(str::to_string)
                .ok_or_else(|| self.error(label, format!("`{label}` is required"))),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(_) => Err(self.error(label, format!("`{label}` must be a non-empty string"))),
        }
    }

    pub fn optional_string(
        &self,
        value: Option<&Value>,
        label: &str,
    ) -> CloudResult<Option<String>> {
        match value.map(untagged) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.string(value, label, None).map(Some),
        }
    }

    /// An absolute POSIX path. An explicit null is "required" even with a default.
    pub fn absolute_path(
        &self,
        value: Option<&Value>,
        label: &str,
        default: Option<&str>,
    ) -> CloudResult<String> {
        let text = match (value, default) {
            (None, Some(default)) => default.to_string(),
            _ => self.string(value, label, None)?,
        };
        match absolute_path_problem(label, &text) {
            Some(message) => Err(self.error(label, message)),
            None => Ok(text),
        }
    }

    pub fn integer(
        &self,
        value: Option<&Value>,
        label: &str,
        default: i64,
        message: &str,
    ) -> CloudResult<i64> {
        match value.map(untagged) {
            None | Some(Value::Null) => Ok(default),
            // YAML booleans are not integers here (Python's bool-is-int is not copied).
            Some(Value::Number(n)) => n.as_i64().ok_or_else(|| self.error(label, message)),
            Some(_) => Err(self.error(label, message)),
        }
    }

    pub fn enum_value(
        &self,
        value: String,
        label: &str,
        allowed: &[&str],
        bare_label: &str,
    ) -> CloudResult<String> {
        if allowed.contains(&value.as_str()) {
            return Ok(value);
        }
        Err(self.error(
            label,
            format!(
                "{bare_label} must be one of {}; got {}{}",
                allowed.join(", "),
                python_repr(&value),
                hint(&value, allowed)
            ),
        ))
    }

    /// The field at `path` (its leaf read from `map`), with the table's default;
    /// required when the table has none.
    pub fn text(&self, map: Option<&Mapping>, path: &str) -> CloudResult<String> {
        self.string(get(map, leaf(path)), path, fields::text_default(path))
    }

    pub fn optional_text(&self, map: Option<&Mapping>, path: &str) -> CloudResult<Option<String>> {
        self.optional_string(get(map, leaf(path)), path)
    }

    /// An absolute POSIX path field, with the table's default.
    pub fn absolute(&self, map: Option<&Mapping>, path: &str) -> CloudResult<String> {
        self.absolute_path(get(map, leaf(path)), path, fields::text_default(path))
    }

    /// An integer field, with the table's default.
    pub fn number(&self, map: Option<&Mapping>, path: &str, message: &str) -> CloudResult<i64> {
        let default = fields::number_default(path).unwrap_or_default();
        self.integer(get(map, leaf(path)), path, default, message)
    }
}

/// The last component of a field path: `repo.branch` → `branch`.
fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

pub fn get<'v>(map: Option<&'v Mapping>, key: &str) -> Option<&'v Value> {
    map.and_then(|m| m.get(key))
}
