//! base64 wrapped at 64 or 76 columns (PEM, MIME, coreutils `base64`): a long secret's
//! encoding is cut into lines, so no literal form appears in the text as it is. Each run
//! of wrapped lines is joined, searched, and the matches mapped back onto the lines.

use std::ops::Range;

use aho_corasick::AhoCorasick;

/// The widths encoders wrap at.
const WIDTHS: [usize; 2] = [64, 76];

fn is_base64(line: &[u8]) -> bool {
    !line.is_empty()
        && line
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// A full line of a wrapped blob: exactly one of the widths, all base64.
pub(super) fn full_width(line: &[u8]) -> Option<usize> {
    WIDTHS
        .into_iter()
        .find(|&w| line.len() == w)
        .filter(|_| is_base64(line))
}

/// The byte ranges of each line of `hay` (newline excluded).
fn lines(hay: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for at in memchr::memchr_iter(b'\n', hay) {
        out.push(start..at);
        start = at + 1;
    }
    out.push(start..hay.len());
    out
}

/// Whether any line of `hay` ending in a newline is a full line of a wrapped blob (a
/// wrapping width, all base64): most text has none, and is done. Such a line holds a
/// 32-byte block of base64 where a vector load falls, and most blocks of text have none;
/// only the lines holding one are looked at.
fn may_hold_a_run(hay: &[u8]) -> bool {
    let mut checked_to = 0;
    for block in super::vector::base64_blocks(hay) {
        if block < checked_to {
            continue;
        }
        let Some(end) = memchr::memchr(b'\n', &hay[block..]).map(|at| block + at) else {
            return false;
        };
        let start = memchr::memrchr(b'\n', &hay[..block]).map_or(0, |at| at + 1);
        if full_width(&hay[start..end]).is_some() {
            return true;
        }
        checked_to = end;
    }
    false
}

/// Runs of two or more lines: full lines of one width, then a last line no longer.
fn runs(hay: &[u8]) -> Vec<Vec<Range<usize>>> {
    let lines = lines(hay);
    let mut runs = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let Some(width) = full_width(&hay[lines[at].clone()]) else {
            at += 1;
            continue;
        };
        let mut end = at + 1;
        while end < lines.len() && full_width(&hay[lines[end].clone()]) == Some(width) {
            end += 1;
        }
        if end < lines.len() {
            let last = &hay[lines[end].clone()];
            if is_base64(last) && last.len() < width {
                end += 1;
            }
        }
        if end - at >= 2 {
            runs.push(lines[at..end].to_vec());
        }
        at = end;
    }
    runs
}

/// Literal matches inside wrapped runs, as ranges of `hay` (spanning the newlines).
pub(super) fn matches(literals: &AhoCorasick, hay: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if !may_hold_a_run(hay) {
        return out;
    }
    for run in runs(hay) {
        let mut joined = Vec::new();
        let mut origin = Vec::new();
        for line in &run {
            joined.extend_from_slice(&hay[line.clone()]);
            origin.extend(line.clone());
        }
        for found in literals.find_iter(&joined) {
            let start = origin[found.start()];
            let end = origin[found.end() - 1] + 1;
            out.push(start..end);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::super::Redactor;

    fn wrap(text: &str, width: usize) -> String {
        text.as_bytes()
            .chunks(width)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_long_secret_in_wrapped_base64_is_redacted_at_any_offset() {
        let secret = "S3cr3t-".repeat(40);
        let redactor = Redactor::new(&[], std::slice::from_ref(&secret));
        for width in [64, 76] {
            for prefix in ["", "a", "ab", "abc", "some longer prefix text: "] {
                let encoded = STANDARD.encode(format!("{prefix}{secret} and after"));
                let text = format!("begin\n{}\nend\n", wrap(&encoded, width));
                let redacted = redactor.redact(&text).into_owned();
                // No line of the secret's own encoding survives.
                let core = STANDARD.encode(&secret);
                for line in wrap(&core[8..core.len() - 8], width).lines() {
                    if line.len() >= 16 {
                        assert!(!redacted.contains(line), "{width}/{prefix:?}: {redacted}");
                    }
                }
                assert!(redacted.starts_with("begin\n") && redacted.ends_with("end\n"));
            }
        }
    }

    /// A full line is found wherever it falls relative to the vector blocks; anything
    /// else is not one.
    #[test]
    fn a_full_line_is_found_at_every_offset_and_nothing_else_is() {
        let full = "QUJD".repeat(16);
        for offset in 0..80 {
            let text = format!("{}\n{full}\nafter", "x ".repeat(offset));
            assert!(super::may_hold_a_run(text.as_bytes()), "{offset}");
            let wide = format!("{}\n{full}{}\n", "x ".repeat(offset), "QUJD".repeat(3));
            assert!(super::may_hold_a_run(wide.as_bytes()), "76 wide, {offset}");
            for not_full in [
                format!("{}\n{full}A\n", "x ".repeat(offset)),
                format!("{}\n{}\n", "x ".repeat(offset), &full[1..]),
                format!("{}\n{} {}\n", "x ".repeat(offset), &full[..40], &full[..23]),
                format!("{}\n{full}", "x ".repeat(offset)),
            ] {
                assert!(!super::may_hold_a_run(not_full.as_bytes()), "{not_full:?}");
            }
        }
    }

    #[test]
    fn ordinary_lines_are_left_alone() {
        let redactor = Redactor::new(&[], &["S3cr3t-value-here".to_string()]);
        let text = format!("{}\n{}\n", "a".repeat(64), "b".repeat(10));
        assert_eq!(redactor.redact(&text), text);
    }
}
