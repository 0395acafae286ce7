//! The literal forms a secret value can take in output: as it is, trimmed, each line of
//! a multi-line value, base64 (all three byte alignments), URL-encoded and JSON-escaped.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Literal forms shorter than this are not substring-masked: masking them would
/// over-redact ordinary text and reveal more than it hides.
pub const MIN_LITERAL_LEN: usize = 8;

/// RFC 3986 unreserved characters stay as they are (`Uri.EscapeDataString`).
const URI_DATA: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Every form of `value` worth matching, at least [`MIN_LITERAL_LEN`] long, unique.
pub fn variants(value: &str) -> Vec<String> {
    let mut forms = Vec::new();
    let trimmed = value.trim();
    forms.push(value.to_string());
    forms.push(trimmed.to_string());
    if trimmed.contains('\n') {
        forms.extend(trimmed.lines().map(|line| line.trim().to_string()));
    }
    for base in [value, trimmed] {
        forms.extend(base64_forms(base.as_bytes()));
        let encoded = utf8_percent_encode(base, URI_DATA).to_string();
        forms.push(encoded.to_lowercase_hex());
        forms.push(encoded);
        let json = serde_json::to_string(base).expect("strings serialise");
        forms.push(json[1..json.len() - 1].to_string());
        forms.push(ascii_json(base));
    }
    forms.retain(|f| f.len() >= MIN_LITERAL_LEN);
    forms.sort();
    forms.dedup();
    forms
}

/// base64 of the value at each of the three byte alignments it can have inside a larger
/// encoded blob. Padding is trimmed, and so is the last character when there was
/// padding, because it also encodes whatever byte follows the value.
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    (0..3)
        .filter(|&skip| bytes.len() > skip)
        .map(|skip| {
            let encoded = STANDARD.encode(&bytes[skip..]);
            let unpadded = encoded.trim_end_matches('=');
            if unpadded.len() < encoded.len() {
                unpadded[..unpadded.len() - 1].to_string()
            } else {
                unpadded.to_string()
            }
        })
        .collect()
}

/// JSON string body with non-ASCII escaped as `\uXXXX` (Python's `json.dumps`).
fn ascii_json(value: &str) -> String {
    let json = serde_json::to_string(value).expect("strings serialise");
    crate::json::escape_non_ascii(&json[1..json.len() - 1])
}

trait LowerHex {
    fn to_lowercase_hex(&self) -> String;
}

impl LowerHex for String {
    /// `%2F` → `%2f`: some encoders use lowercase hex digits.
    fn to_lowercase_hex(&self) -> String {
        let mut out = String::with_capacity(self.len());
        let mut chars = self.chars();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '%' {
                out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_forms_match_inside_any_alignment() {
        let secret = "hunter2-hunter2!";
        let forms = variants(secret);
        for prefix in ["", "a", "ab", "user:"] {
            for suffix in ["", "\n", "xyz"] {
                let blob = STANDARD.encode(format!("{prefix}{secret}{suffix}"));
                assert!(
                    forms.iter().any(|f| blob.contains(f.as_str())),
                    "{prefix:?}+secret+{suffix:?} → {blob} not covered by {forms:?}"
                );
            }
        }
    }

    #[test]
    fn url_and_json_forms() {
        let forms = variants("p@ss word/\"quoted\"\\é");
        assert!(forms.contains(&"p%40ss%20word%2F%22quoted%22%5C%C3%A9".to_string()));
        assert!(forms.contains(&"p%40ss%20word%2f%22quoted%22%5c%c3%a9".to_string()));
        assert!(forms.contains(&r#"p@ss word/\"quoted\"\\é"#.to_string()));
        assert!(forms.contains(&r#"p@ss word/\"quoted\"\\\u00e9"#.to_string()));
    }

    #[test]
    fn multi_line_values_register_each_line() {
        let pem =
            "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\nZm9vYmFyYmF6cXV4\n-----END KEY-----\n";
        let forms = variants(pem);
        for line in [
            "-----BEGIN KEY-----",
            "MIIBOgIBAAJBAKj34GkxFhD9",
            "Zm9vYmFyYmF6cXV4",
            "-----END KEY-----",
        ] {
            assert!(forms.contains(&line.to_string()), "{line}");
        }
        assert!(forms.contains(&pem.to_string()));
    }

    #[test]
    fn short_forms_are_dropped() {
        assert!(variants("short").is_empty());
        assert!(
            variants("a\nb\ncdefghijk")
                .iter()
                .all(|f| f.len() >= MIN_LITERAL_LEN)
        );
    }
}
