//! Redaction: nothing secret reaches a terminal, a log, a journal, a cassette or a JSON
//! document.
//!
//! Rules (the reference's, plus what the most trusted runners do; docs/architecture.md):
//! 1. `NAME=value` / `NAME: value` for configured secret names: the value is replaced,
//!    the name and separator kept.
//! 2. Literal secret values of at least 8 characters, in every form of [`variants`]
//!    (trimmed, each line, base64 at three alignments, URL-encoded, JSON-escaped),
//!    longest first.
//! 3. Token shapes ([`shapes`]).
//!
//! All rules find byte ranges in one pass each; overlapping ranges are merged and each
//! merged range becomes one `***REDACTED***`. Text with no match is returned borrowed.
//! [`StreamRedactor`] applies the same rules to a stream, safely across chunk boundaries.

mod shapes;
mod stream;
mod variants;

use std::borrow::Cow;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::Regex;

pub use shapes::SHAPES;
pub use stream::StreamRedactor;
pub use variants::{MIN_LITERAL_LEN, variants};

pub const REPLACEMENT: &str = "***REDACTED***";

#[derive(Debug, Clone)]
pub struct Redactor {
    named: Option<Regex>,
    literals: Option<AhoCorasick>,
    longest_literal: usize,
    shapes: Regex,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(&[], &[])
    }
}

impl Redactor {
    /// `names` are the secret names from cloud.yaml, `values` their local values.
    pub fn new(names: &[String], values: &[String]) -> Self {
        let named = (!names.is_empty()).then(|| {
            let alternatives = names
                .iter()
                .map(|n| regex::escape(n))
                .collect::<Vec<_>>()
                .join("|");
            // Separators never cross a newline, so a stream can always cut at one.
            Regex::new(&format!(
                r#"\b(?:{alternatives})[^\S\n]*[:=][^\S\n]*([^\s"']+)"#
            ))
            .expect("escaped names form a valid pattern")
        });
        let mut literals: Vec<String> = values.iter().flat_map(|v| variants(v)).collect();
        literals.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        literals.dedup();
        let longest_literal = literals.first().map_or(0, String::len);
        let literals = (!literals.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&literals)
                .expect("literal patterns build")
        });
        Redactor {
            named,
            literals,
            longest_literal,
            shapes: Regex::new(&shapes::combined()).expect("static patterns"),
        }
    }

    /// The longest literal form, which bounds how far a literal match can reach.
    pub(crate) fn longest_literal(&self) -> usize {
        self.longest_literal
    }

    /// The merged, sorted ranges to replace in `hay`.
    pub(crate) fn ranges(&self, hay: &[u8]) -> Vec<Range<usize>> {
        self.matches(hay).0
    }

    /// The ranges to replace, and the full extent of every match (a `NAME=value`
    /// match spans its name too): a stream must never cut inside an extent.
    pub(crate) fn matches(&self, hay: &[u8]) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
        let mut ranges = Vec::new();
        let mut extents = Vec::new();
        if let Some(named) = &self.named {
            for captures in named.captures_iter(hay) {
                if let (Some(whole), Some(value)) = (captures.get(0), captures.get(1)) {
                    extents.push(whole.range());
                    ranges.push(value.range());
                }
            }
        }
        if let Some(literals) = &self.literals {
            ranges.extend(literals.find_iter(hay).map(|m| m.range()));
        }
        ranges.extend(self.shapes.find_iter(hay).map(|m| m.range()));
        let ranges = merge(ranges);
        extents.extend(ranges.iter().cloned());
        (ranges, merge(extents))
    }

    pub fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let ranges = self.ranges(bytes);
        if ranges.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        splice(bytes, &ranges, &mut out);
        Cow::Owned(out)
    }

    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.redact_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Ranges come from UTF-8 literals, ASCII shapes and Unicode-aware classes, so
            // they fall on character boundaries; lossy conversion is a safety net only.
            Cow::Owned(bytes) => Cow::Owned(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }
}

/// Sorts and merges overlapping or touching ranges.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    if ranges.len() <= 1 {
        return ranges;
    }
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// Appends `bytes` to `out` with each range replaced.
fn splice(bytes: &[u8], ranges: &[Range<usize>], out: &mut Vec<u8>) {
    let mut at = 0;
    for range in ranges {
        out.extend_from_slice(&bytes[at..range.start]);
        out.extend_from_slice(REPLACEMENT.as_bytes());
        at = range.end;
    }
    out.extend_from_slice(&bytes[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(
            &["OPENAI_API_KEY".into(), "API_TOKEN".into()],
            &["supersecretvalue".into(), "short".into()],
        )
    }

    #[test]
    fn reference_examples() {
        let r = redactor();
        assert_eq!(
            r.redact("OPENAI_API_KEY: supersecretvalue"),
            "OPENAI_API_KEY: ***REDACTED***"
        );
        assert_eq!(r.redact("token=supersecretvalue"), "token=***REDACTED***");
        assert_eq!(r.redact("bearer sk-abc123456789"), "bearer ***REDACTED***");
        assert_eq!(r.redact("slack xoxb-123456-abcdef"), "slack ***REDACTED***");
    }

    #[test]
    fn named_values_keep_name_and_separator() {
        let r = redactor();
        assert_eq!(r.redact("API_TOKEN = abc"), "API_TOKEN = ***REDACTED***");
        assert_eq!(r.redact("API_TOKEN=\"abc\""), "API_TOKEN=\"abc\"");
        assert_eq!(r.redact("MY_API_TOKEN=abc"), "MY_API_TOKEN=abc");
        assert_eq!(r.redact("a short word"), "a short word");
    }

    #[test]
    fn overlapping_matches_become_one_replacement() {
        let r = redactor();
        assert_eq!(
            r.redact("OPENAI_API_KEY=supersecretvaluesupersecretvalue!"),
            "OPENAI_API_KEY=***REDACTED***"
        );
        assert_eq!(
            r.redact("x supersecretvaluesupersecretvalue y"),
            "x ***REDACTED*** y"
        );
    }

    #[test]
    fn encoded_forms_are_redacted() {
        let r = redactor();
        let b64 = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "user:supersecretvalue\n",
        );
        assert!(!r.redact(&b64).contains(&b64[8..20]), "{b64}");
        assert_eq!(
            r.redact(r#"{"k": "supersecretvalue"}"#),
            r#"{"k": "***REDACTED***"}"#
        );
    }

    #[test]
    fn untouched_text_is_borrowed() {
        assert!(matches!(
            redactor().redact("nothing here"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn bytes_with_invalid_utf8_are_still_redacted() {
        let out = redactor().redact_bytes(b"\xff\xfe value supersecretvalue \x80\n");
        assert_eq!(&out[..], b"\xff\xfe value ***REDACTED*** \x80\n");
    }
}
