//! Whether a value of cloud.yaml fits a declared property, in the host's words for its
//! own fields (the reference's where it had them).

use serde_json::{Map, Value};

use super::super::reader::{absolute_path_problem, closest, python_repr};

/// Why a value does not fit: the node to point at (`ssh.options.Port` for one entry of
/// a map) and what to say.
#[derive(Debug)]
pub(super) struct Misfit {
    pub at: String,
    pub message: String,
}

fn misfit(at: &str, message: String) -> Misfit {
    Misfit {
        at: at.to_string(),
        message,
    }
}

/// Why `value` does not fit `field`, if it does not.
pub(super) fn check_value(value: &Value, field: &Value, path: &str) -> Result<(), Misfit> {
    let kind = field.get("type").and_then(Value::as_str).unwrap_or("");
    if kind == "object" {
        return check_map(value, path);
    }
    let positive = kind == "integer" && field.get("minimum").and_then(Value::as_f64) == Some(1.0);
    if !fits_type(value, field, kind) {
        let what = match kind {
            "string" => "a non-empty string",
            "integer" if positive => "a positive integer",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "true or false",
            _ => "a list of non-empty strings",
        };
        return Err(misfit(path, format!("`{path}` must be {what}")));
    }
    if let Some(text) = value.as_str() {
        check_text(text, field, path).map_err(|m| misfit(path, m))?;
    }
    let number = value.as_f64();
    if let (Some(n), Some(min)) = (number, field.get("minimum").and_then(Value::as_f64))
        && n < min
    {
        let message = match positive {
            true => format!("`{path}` must be a positive integer"),
            false => format!("`{path}` must be at least {min}"),
        };
        return Err(misfit(path, message));
    }
    if let (Some(n), Some(max)) = (number, field.get("maximum").and_then(Value::as_f64))
        && n > max
    {
        return Err(misfit(path, format!("`{path}` must be at most {max}")));
    }
    Ok(())
}

fn fits_type(value: &Value, field: &Value, kind: &str) -> bool {
    match kind {
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
    }
}

/// A string against its `enum`, `minLength` and `format`.
fn check_text(text: &str, field: &Value, path: &str) -> Result<(), String> {
    if let Some(allowed) = field.get("enum").and_then(Value::as_array) {
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
        && (text.chars().count() as u64) < min
    {
        return Err(format!("`{path}` must be at least {min} characters"));
    }
    match field.get("format").and_then(Value::as_str) {
        Some("absolute-path") => absolute_path_problem(path, text).map_or(Ok(()), Err),
        Some("command-word") => command_word(text, path),
        _ => Ok(()),
    }
}

/// A value that ends up as one word of a command line: one that starts with `-` would
/// be read as an option (`-oProxyCommand=…` runs a local command).
fn command_word(text: &str, path: &str) -> Result<(), String> {
    if text.starts_with('-') || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{path}` must not start with '-' or contain whitespace or control characters; got {}",
            python_repr(text)
        ));
    }
    Ok(())
}

/// A map of names to scalars (`ssh.options`): names are option names, values strings,
/// numbers or booleans.
fn check_map(value: &Value, path: &str) -> Result<(), Misfit> {
    let Some(map) = value.as_object() else {
        return Err(misfit(path, format!("`{path}` must be a mapping")));
    };
    check_entries(map, path)
}

fn check_entries(map: &Map<String, Value>, path: &str) -> Result<(), Misfit> {
    for (key, entry) in map {
        if key.is_empty() || key.contains('=') {
            return Err(misfit(path, format!("`{path}` keys must be option names")));
        }
        if !(entry.is_string() || entry.is_number() || entry.is_boolean()) {
            let at = format!("{path}.{key}");
            let message = format!("`{at}` must be a string, number or boolean");
            return Err(misfit(&at, message));
        }
    }
    Ok(())
}
