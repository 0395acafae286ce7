//! Redaction: nothing secret reaches a terminal, a log, a journal, a cassette or a JSON
//! document.
//!
//! Rules (the reference's, plus what the most trusted runners do; docs/architecture.md):
//! 1. `NAME=value`, `NAME: value`, `NAME="value"`, `NAME='value'` for configured secret
//!    names, whatever the value's length: the value is replaced, the name, separator
//!    and quotes kept. A quote left open runs to the end of the line; an unquoted value
//!    ends at ASCII whitespace or a quote only (bytes, so that a stream that has to
//!    cut a giant value can swallow its tail by the same rule, see [`Continuation`]).
//! 2. Literal secret values of at least 8 characters, in every form of [`variants`]
//!    (trimmed, each line, base64 at three alignments, URL-encoded, JSON-escaped),
//!    longest first, also inside base64 wrapped at 64 or 76 columns; values of 4 to 7
//!    characters where they stand as a whole word.
//! 3. Token shapes ([`shapes`]).
//!
//! Rules 1 and 3 share one pass that finds where they may begin ([`starts`]); the
//! literals take one more. Overlapping ranges are merged and each
//! merged range becomes one `***REDACTED***`. Text with no match is returned borrowed.
//! [`StreamRedactor`] applies the same rules to a stream, safely across chunk boundaries.

mod shapes;
mod starts;
mod stream;
mod variants;
mod vector;
mod word_starts;
mod wrapped;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::bytes::Regex;

pub use shapes::SHAPES;
pub use stream::StreamRedactor;
pub use variants::{MIN_LITERAL_LEN, MIN_WORD_LEN, short_forms, variants};

pub const REPLACEMENT: &str = "***REDACTED***";

/// The rule of the token shapes in [`starts::Starts`]; `NAME=value` is the other.
const SHAPES_RULE: usize = 0;

/// The token shapes, compiled once per process: every command builds a redactor before
/// it knows its secrets, and again after, and compiling them is most of the cost.
static SHAPES_REGEX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&shapes::combined()).expect("static patterns"));
static SHAPES_ONLY: LazyLock<Arc<starts::Starts>> =
    LazyLock::new(|| Arc::new(starts::Starts::new(&[&shapes::combined()])));

/// What may still belong to a match cut at the end of a stream's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Continuation {
    /// A token shape or an encoded secret: letters, digits and `_-+/=.%~`.
    Token,
    /// An unquoted named value: anything but ASCII whitespace and quotes.
    Unquoted,
    /// A quoted named value: anything up to its closing quote or the end of the line.
    Quoted(u8),
}

impl Continuation {
    /// How many bytes at the start of `bytes` continue the match.
    pub(crate) fn span(self, bytes: &[u8]) -> usize {
        let goes_on = |b: u8| match self {
            Continuation::Token => b.is_ascii_alphanumeric() || b"_-+/=.%~".contains(&b),
            Continuation::Unquoted => !b.is_ascii_whitespace() && b != b'"' && b != b'\'',
            Continuation::Quoted(quote) => b != quote && b != b'\n',
        };
        bytes.iter().take_while(|&&b| goes_on(b)).count()
    }
}

#[derive(Debug, Clone)]
pub struct Redactor {
    named: Option<Regex>,
    /// Matches a configured name (and separator) at the very end of a buffer: a named
    /// value may still follow, so a stream must not cut there.
    name_tail: Option<Regex>,
    longest_name: usize,
    literals: Option<AhoCorasick>,
    longest_literal: usize,
    /// Literal forms that span lines: a stream holds back a tail that could begin one.
    multi_line: Vec<Vec<u8>>,
    /// Values of 4 to 7 characters, masked as whole words only.
    words: Option<AhoCorasick>,
    shapes: Regex,
    /// Where `named` and `shapes` may match, found in one scan.
    starts: Arc<starts::Starts>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(&[], &[])
    }
}

impl Redactor {
    /// `names` are the secret names from cloud.yaml, `values` their local values.
    pub fn new(names: &[String], values: &[String]) -> Self {
        let alternatives = names
            .iter()
            .map(|n| regex::escape(n))
            .collect::<Vec<_>>()
            .join("|");
        // Separators never cross a newline, so a stream can always cut at one.
        let named_pattern = format!(
            r#"\b(?:{alternatives})[^\S\n]*[:=][^\S\n]*(?:"((?-u:[^"\n])*)"?|'((?-u:[^'\n])*)'?|((?-u:[^\s"'])+))"#
        );
        let named = (!names.is_empty())
            .then(|| Regex::new(&named_pattern).expect("escaped names form a valid pattern"));
        let starts = match named {
            Some(_) => Arc::new(starts::Starts::new(&[&shapes::combined(), &named_pattern])),
            None => SHAPES_ONLY.clone(),
        };
        let name_tail = (!names.is_empty()).then(|| {
            Regex::new(&format!(
                r#"\b(?:{alternatives})[^\S\n]*(?:[:=][^\S\n]*["']?)?$"#
            ))
            .expect("escaped names form a valid pattern")
        });
        let mut literals: Vec<String> = values.iter().flat_map(|v| variants(v)).collect();
        literals.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        literals.dedup();
        let multi_line = literals
            .iter()
            .filter(|l| l.contains('\n'))
            .map(|l| l.as_bytes().to_vec())
            .collect();
        let words: Vec<String> = values.iter().flat_map(|v| short_forms(v)).collect();
        Redactor {
            named,
            name_tail,
            longest_name: names.iter().map(String::len).max().unwrap_or(0),
            longest_literal: literals.first().map_or(0, String::len),
            literals: automaton(&literals),
            multi_line,
            words: automaton(&words),
            shapes: SHAPES_REGEX.clone(),
            starts,
        }
    }

    /// How much a stream must keep back so that no match can straddle a cut: the
    /// longest literal form (with the newlines of its wrapped base64), or a name and
    /// its separator.
    pub(crate) fn reach(&self) -> usize {
        (self.longest_literal + self.longest_literal / 32 + 2).max(self.longest_name + 64)
    }

    /// The merged, sorted ranges to replace in `hay`.
    pub(crate) fn ranges(&self, hay: &[u8]) -> Vec<Range<usize>> {
        self.matches(hay, None).0
    }

    /// How far a stream may emit `block` (which ends with a newline) now: not into a
    /// run of wrapped base64 that may go on, nor into lines that may begin a multi-line
    /// secret. What lies past the returned index waits for more input.
    pub(crate) fn safe_cut(&self, block: &[u8]) -> usize {
        let mut cut = block.len();
        // Trailing full-width base64 lines: the run may continue in the next read.
        let body = block.strip_suffix(b"\n").unwrap_or(block);
        let mut width = None;
        let mut earliest_held = 0;
        for line in body.rsplit(|b| *b == b'\n') {
            match (wrapped::full_width(line), width) {
                (Some(w), None) => width = Some(w),
                (Some(w), Some(x)) if w == x => {}
                // A run of wider lines ends with the first held line (a last line no
                // longer than its width): that run is complete, so it goes out whole.
                (Some(w), Some(x)) if w > x => {
                    cut += earliest_held + 1;
                    break;
                }
                _ => break,
            }
            earliest_held = line.len();
            cut -= line.len() + 1;
        }
        // A tail that starts a multi-line literal (which may begin mid-line).
        for literal in &self.multi_line {
            let from = block.len().saturating_sub(literal.len() - 1);
            let first = literal[0];
            let start = memchr::memchr_iter(first, &block[from..])
                .map(|i| from + i)
                .find(|&i| literal.starts_with(&block[i..]));
            if let Some(start) = start {
                cut = cut.min(start);
            }
        }
        if cut < block.len() {
            // Never cut inside a match already complete: hold it back whole.
            let (_, extents) = self.matches(block, None);
            if let Some(extent) = extents.iter().find(|e| e.start < cut && cut < e.end) {
                cut = extent.start;
            }
        }
        cut
    }

    /// Where a configured name (with its separator) ends `hay`, so that the value may
    /// still follow.
    pub(crate) fn trailing_name(&self, hay: &[u8]) -> Option<usize> {
        let tail = &self.name_tail.as_ref()?;
        let from = hay.len().saturating_sub(self.longest_name + 4096);
        tail.find(&hay[from..]).map(|m| from + m.start())
    }

    /// How a match that fills `hay` from its start to its end goes on, for a stream
    /// that has to flush it before it ends: a named value by its own rule, anything
    /// else as a token.
    pub(crate) fn continuation(&self, hay: &[u8]) -> Continuation {
        let named = self.named.as_ref().and_then(|named| named.captures(hay));
        match named {
            Some(c)
                if c.get(0)
                    .is_some_and(|m| m.start() == 0 && m.end() == hay.len()) =>
            {
                if c.get(1).is_some() {
                    Continuation::Quoted(b'"')
                } else if c.get(2).is_some() {
                    Continuation::Quoted(b'\'')
                } else {
                    Continuation::Unquoted
                }
            }
            _ => Continuation::Token,
        }
    }

    /// The ranges to replace, and the full extent of every match (a `NAME=value`
    /// match spans its name too): a stream must never cut inside an extent.
    /// `before` is the byte just before `hay` in the stream, if any (a whole-word match
    /// needs it).
    pub(crate) fn matches(
        &self,
        hay: &[u8],
        before: Option<u8>,
    ) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
        let mut ranges = Vec::new();
        let mut extents = Vec::new();
        self.starts.matches(hay, &mut |rule, from| match rule {
            SHAPES_RULE => {
                let m = self.shapes.find_at(hay, from)?.range();
                ranges.push(m.clone());
                Some(m)
            }
            _ => {
                let captures = self.named.as_ref()?.captures_at(hay, from)?;
                let whole = captures.get(0)?.range();
                extents.push(whole.clone());
                let value = (1..=3).find_map(|group| captures.get(group));
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    ranges.push(value.range());
                }
                Some(whole)
            }
        });
        if let Some(literals) = &self.literals {
            ranges.extend(literals.find_iter(hay).map(|m| m.range()));
            ranges.extend(wrapped::matches(literals, hay));
        }
        if let Some(words) = &self.words {
            ranges.extend(
                words
                    .find_iter(hay)
                    .map(|m| m.range())
                    .filter(|r| is_whole_word(hay, r, before)),
            );
        }
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

fn automaton(patterns: &[String]) -> Option<AhoCorasick> {
    (!patterns.is_empty()).then(|| {
        // Searched through its SIMD prefilter; a contiguous NFA confirms a hit about as
        // fast as a DFA and builds in a fraction of the time, which every command pays.
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(patterns)
            .expect("literal patterns build")
    })
}

/// Not glued to a letter, digit or `_` on either side.
fn is_whole_word(hay: &[u8], range: &Range<usize>, context: Option<u8>) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let before = match range.start.checked_sub(1) {
        Some(i) => hay.get(i).copied(),
        None => context,
    };
    !before.is_some_and(word) && !hay.get(range.end).copied().is_some_and(word)
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
mod tests;
