//! The literal forms a secret value can take in output: as it is, trimmed, each line of
//! a multi-line value, base64 (all three byte alignments; wrapped base64 is joined by
//! the redactor before matching), URL-encoded the ways encoders do it (RFC 3986, keeping
//! `/` as Python's `quote` does, keeping `!*'()` as JavaScript's `encodeURIComponent`
//! does, `+` for spaces as forms do; upper- and lowercase hex), and JSON-escaped (plain,
//! ASCII-only as Python writes it, and with `<`, `>`, `&` as Go writes them).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Literal forms shorter than this are not substring-masked: masking them would
/// over-redact ordinary text and reveal more than it hides.
pub const MIN_LITERAL_LEN: usize = 8;

/// Values from this length up to [`MIN_LITERAL_LEN`] are masked where they stand as a
/// whole word; shorter ones only in `NAME=value` forms. A secret that short is weak
/// anyway; megaplan-cloud says so when it loads cloud.yaml.
pub const MIN_WORD_LEN: usize = 4;

/// RFC 3986 unreserved characters stay as they are (`Uri.EscapeDataString`).
const URI_DATA: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Python's `urllib.parse.quote` default: unreserved and `/`.
const PYTHON_QUOTE: &AsciiSet = &URI_DATA.remove(b'/');

/// JavaScript's `encodeURIComponent`: unreserved and `!*'()`.
const URI_COMPONENT: &AsciiSet = &URI_DATA
    .remove(b'!')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

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
        forms.extend(percent_forms(base));
        forms.extend(json_forms(base));
    }
    forms.retain(|f| f.len() >= MIN_LITERAL_LEN);
    forms.sort();
    forms.dedup();
    forms
}

/// The value and each of its lines, when shorter than [`MIN_LITERAL_LEN`] but at least
/// [`MIN_WORD_LEN`]: masked only as whole words.
pub fn short_forms(value: &str) -> Vec<String> {
    let mut forms: Vec<String> = std::iter::once(value.trim())
        .chain(value.lines().map(str::trim))
        .filter(|f| (MIN_WORD_LEN..MIN_LITERAL_LEN).contains(&f.len()))
        .map(str::to_string)
        .collect();
    forms.sort();
    forms.dedup();
    forms
}

fn percent_forms(value: &str) -> Vec<String> {
    let mut forms = Vec::new();
    for set in [NON_ALPHANUMERIC, URI_DATA, PYTHON_QUOTE, URI_COMPONENT] {
        let encoded = utf8_percent_encode(value, set).to_string();
        // Form encoding writes a space as `+`.
        let form = encoded.replace("%20", "+");
        for text in [encoded, form] {
            forms.push(text.to_lowercase_hex());
            forms.push(text);
        }
    }
    forms
}

fn json_forms(value: &str) -> Vec<String> {
    let json = serde_json::to_string(value).unwrap_or_default();
    let body = json
        .get(1..json.len().saturating_sub(1))
        .unwrap_or_default();
    let ascii = crate::json::escape_non_ascii(body);
    let go = |text: &str| {
        text.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029")
    };
    vec![go(body), go(&ascii), body.to_string(), ascii]
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
    fn every_percent_encoding_and_go_json() {
        let forms = variants("a/b c&d<e>!");
        for expected in [
            "a%2Fb%20c%26d%3Ce%3E%21",
            "a/b%20c%26d%3Ce%3E%21",
            "a/b+c%26d%3ce%3e%21",
            "a%2Fb%20c%26d%3Ce%3E!",
            r"a/b c\u0026d\u003ce\u003e!",
        ] {
            assert!(
                forms.contains(&expected.to_string()),
                "{expected} not in {forms:?}"
            );
        }
    }

    #[test]
    fn short_values_are_whole_word_forms() {
        assert_eq!(short_forms("abc12"), ["abc12"]);
        assert!(short_forms("abc").is_empty());
        assert!(short_forms("long-enough-value").is_empty());
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
