//! JSON exactly as the reference prints it: Python's `json.dumps(indent=2)` with
//! `ensure_ascii`, keys in insertion order, one trailing newline.

use serde_json::Value;

/// Pretty JSON with non-ASCII characters escaped as `\uXXXX` (surrogate pairs above
/// the BMP), plus a newline.
pub fn to_python_json(value: &Value) -> String {
    let pretty = serde_json::to_string_pretty(value).expect("a Value always serialises");
    // Outside strings JSON is ASCII, so every non-ASCII char is inside a string.
    let mut out = escape_non_ascii(&pretty);
    out.push('\n');
    out
}

/// Every non-ASCII character as `\uXXXX` (surrogate pairs above the BMP), as JSON text
/// with `ensure_ascii` writes it.
pub fn escape_non_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_python_json_dumps_indent_2() {
        // python3 -c 'import json; print(json.dumps({"a": [], "b": {}, "c": [1, {"d": "é😀"}], "e": None}, indent=2))'
        let value = json!({"a": [], "b": {}, "c": [1, {"d": "é😀"}], "e": null});
        let expected = "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": \"\\u00e9\\ud83d\\ude00\"\n    }\n  ],\n  \"e\": null\n}\n";
        assert_eq!(to_python_json(&value), expected);
    }
}
