//! Redacting a stream whose chunks can split a secret anywhere, in bounded memory.
//!
//! Complete lines are redacted as soon as they arrive: no rule matches across a newline
//! (each line of a multi-line secret is a rule of its own). A line that grows past the
//! window without a newline is flushed early, except for a hold-back tail long enough to
//! contain any literal form, and never in the middle of a match or of a match that may
//! still be growing. Memory per stream is bounded by the window plus one chunk.

use std::ops::Range;

use super::{Continuation, REPLACEMENT, Redactor};

/// How much of a newline-less line is buffered before it is flushed early.
pub const WINDOW: usize = 64 * 1024;

pub struct StreamRedactor<'a> {
    redactor: &'a Redactor,
    pending: Vec<u8>,
    window: usize,
    holdback: usize,
    /// A match longer than the window was cut; its tail is swallowed too, by the rule
    /// of the match.
    in_match: Option<Continuation>,
    /// The last byte written, the left context of what comes next.
    before: Option<u8>,
    /// What was written last ended with a replacement: a match that continues it at
    /// the start of the next block is part of the same one (as the whole text has it).
    ended_in_replacement: bool,
}

impl<'a> StreamRedactor<'a> {
    pub fn new(redactor: &'a Redactor) -> Self {
        Self::with_window(redactor, WINDOW)
    }

    /// A smaller window, for tests of the early-flush path.
    pub fn with_window(redactor: &'a Redactor, window: usize) -> Self {
        let holdback = redactor.reach().max(256);
        StreamRedactor {
            redactor,
            pending: Vec::new(),
            window: window.max(holdback * 2),
            holdback,
            in_match: None,
            before: None,
            ended_in_replacement: false,
        }
    }

    /// Feeds a chunk, appending whatever can already be written to `out`.
    pub fn feed(&mut self, mut chunk: &[u8], out: &mut Vec<u8>) {
        if let Some(continuation) = self.in_match {
            // A character the read cut in two was masked with what it ended: the rest
            // of its bytes go with it, whatever the rule.
            let partial = chunk.iter().take_while(|&&b| b & 0xC0 == 0x80).count();
            let rest = &chunk[partial..];
            chunk = &rest[continuation.span(rest)..];
            if chunk.is_empty() {
                return;
            }
            self.in_match = None;
        }
        let Some(last_newline) = memchr_last_newline(chunk) else {
            self.pending.extend_from_slice(chunk);
            if self.pending.len() > self.window {
                self.flush_early(out);
            }
            return;
        };
        let (mut complete, rest) = chunk.split_at(last_newline + 1);
        if !self.pending.is_empty() {
            // Finish the pending line with the chunk's first line, as a block of its
            // own, so that the chunk's other lines need not be copied into `pending`
            // (no rule crosses a newline that `safe_cut` lets a block end at).
            let first_end = memchr::memchr(b'\n', complete).map_or(complete.len(), |at| at + 1);
            self.pending.extend_from_slice(&complete[..first_end]);
            complete = &complete[first_end..];
            self.emit_pending(out);
            if !self.pending.is_empty() {
                // Held back (a wrapped run or a multi-line secret may go on): the rest
                // waits with it.
                self.pending.extend_from_slice(complete);
                complete = &[];
                self.emit_pending(out);
            }
        }
        // Whole lines straight from the chunk, no copy.
        let cut = self.redactor.safe_cut(complete);
        self.emit(&complete[..cut], out);
        self.pending.extend_from_slice(&complete[cut..]);
        self.pending.extend_from_slice(rest);
        if self.pending.len() > self.window {
            self.flush_early(out);
        }
    }

    /// Writes the redacted remainder at the end of the stream.
    pub fn finish(mut self, out: &mut Vec<u8>) {
        let pending = std::mem::take(&mut self.pending);
        self.emit(&pending, out);
    }

    /// Emits what `pending` holds up to its safe cut and keeps the rest.
    fn emit_pending(&mut self, out: &mut Vec<u8>) {
        let block = std::mem::take(&mut self.pending);
        let cut = self.redactor.safe_cut(&block);
        self.emit(&block[..cut], out);
        self.pending = block;
        self.pending.drain(..cut);
    }

    fn emit(&mut self, block: &[u8], out: &mut Vec<u8>) {
        if block.is_empty() {
            return;
        }
        let (ranges, _) = self.redactor.matches(block, self.before);
        self.write(block, &ranges, out);
    }

    /// Flushes a long newline-less line, keeping back what might still be part of a
    /// match.
    fn flush_early(&mut self, out: &mut Vec<u8>) {
        let len = self.pending.len();
        let (ranges, extents) = self.redactor.matches(&self.pending, self.before);
        let mut cut = len - self.holdback;
        // A name at the end may still get its value.
        if let Some(name) = self.redactor.trailing_name(&self.pending) {
            cut = cut.min(name);
        }
        for extent in &extents {
            // Never cut through a match (name included), nor flush one that reaches
            // the end of what we have: it may continue in the next chunk.
            if extent.start < cut && (extent.end > cut || extent.end == len) {
                cut = extent.start;
                break;
            }
        }
        if cut == 0 {
            // One match fills the whole window: longer than any real secret. Redact it
            // to the end (a named value keeps its name) and swallow its continuation.
            let mut ranges = ranges;
            match ranges.last_mut() {
                Some(last) => last.end = len,
                None => ranges.push(0..len),
            }
            self.in_match = Some(self.redactor.continuation(&self.pending));
            let pending = std::mem::take(&mut self.pending);
            self.write(&pending, &ranges, out);
            return;
        }
        let flushed: Vec<Range<usize>> = ranges.into_iter().filter(|r| r.end <= cut).collect();
        let head = self.pending[..cut].to_vec();
        self.write(&head, &flushed, out);
        self.pending.drain(..cut);
    }
}

impl StreamRedactor<'_> {
    /// Writes `block` with `ranges` replaced, merging a range that starts the block into
    /// a replacement that ended the last one.
    fn write(&mut self, block: &[u8], ranges: &[Range<usize>], out: &mut Vec<u8>) {
        let mut at = 0;
        for (index, range) in ranges.iter().enumerate() {
            out.extend_from_slice(&block[at..range.start]);
            let continues = index == 0 && range.start == 0 && self.ended_in_replacement;
            if !continues {
                out.extend_from_slice(REPLACEMENT.as_bytes());
            }
            at = range.end;
        }
        out.extend_from_slice(&block[at..]);
        if !block.is_empty() {
            self.ended_in_replacement = ranges.last().is_some_and(|r| r.end == block.len());
            self.before = block.last().copied();
        }
    }
}

fn memchr_last_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memrchr(b'\n', bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(redactor: &Redactor, window: usize, chunks: &[&[u8]]) -> String {
        let mut stream = StreamRedactor::with_window(redactor, window);
        let mut out = Vec::new();
        for chunk in chunks {
            stream.feed(chunk, &mut out);
        }
        stream.finish(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_character_cut_by_the_read_after_a_giant_match_goes_with_it() {
        let r = Redactor::new(&[], &[]);
        let mut stream = StreamRedactor::with_window(&r, 1024);
        let mut out = Vec::new();
        let mut first = format!("sk-{}", "a".repeat(4000)).into_bytes();
        first.push(0xC3); // the first byte of `é`
        stream.feed(&first, &mut out);
        stream.feed(&[0xA9], &mut out);
        stream.feed(" tail\n".as_bytes(), &mut out);
        stream.finish(&mut out);
        let text = String::from_utf8(out).expect("the output stays UTF-8");
        assert_eq!(text, "***REDACTED*** tail\n");
    }

    #[test]
    fn a_secret_split_between_reads_is_redacted() {
        let r = Redactor::new(&[], &["topsecretvalue".into()]);
        assert_eq!(
            run(
                &r,
                WINDOW,
                &[b"a topsec", b"retvalue b\nnext top", b"secretvalue"]
            ),
            "a ***REDACTED*** b\nnext ***REDACTED***"
        );
    }

    #[test]
    fn a_long_line_without_newlines_is_flushed_in_bounded_memory() {
        let r = Redactor::new(&[], &["topsecretvalue".into()]);
        let mut stream = StreamRedactor::with_window(&r, 1024);
        let mut out = Vec::new();
        let filler = vec![b'x'; 300];
        for _ in 0..100 {
            stream.feed(&filler, &mut out);
            stream.feed(b"topsecret", &mut out);
            stream.feed(b"value", &mut out);
            assert!(
                stream.pending.len() <= 1024 + 300,
                "{}",
                stream.pending.len()
            );
        }
        stream.finish(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("topsecretvalue"));
        assert_eq!(text.matches(REPLACEMENT).count(), 100);
        assert_eq!(text.len(), 100 * (300 + REPLACEMENT.len()));
    }

    #[test]
    fn an_early_flush_never_cuts_between_a_name_and_its_value() {
        // Found by the property test: the cut fell inside `API_SECRET=`, leaving
        // neither half a match. The cut is at len - 256 = 1003, inside the name.
        let r = Redactor::new(&["API_SECRET".into()], &[]);
        let text = format!("{} API_SECRET=abcdef {}", "x".repeat(1000), "y".repeat(240));
        let streamed = run(&r, 1024, &[text.as_bytes()]);
        assert_eq!(streamed, r.redact(&text));
        assert!(streamed.contains("API_SECRET=***REDACTED***"), "{streamed}");
    }

    #[test]
    fn a_giant_token_is_redacted_with_its_tail() {
        let r = Redactor::default();
        let token = format!("sk-{}", "a".repeat(5000));
        let chunks: Vec<&[u8]> = token
            .as_bytes()
            .chunks(100)
            .chain([b" after\n".as_slice()])
            .collect();
        assert_eq!(run(&r, 1024, &chunks), "***REDACTED*** after\n");
    }

    #[test]
    fn a_giant_named_value_is_swallowed_by_its_own_rule() {
        // Found by the property test: a value longer than the window, with non-ASCII in
        // it, lost its tail after the first letter that a token cannot hold.
        let r = Redactor::new(&["API_SECRET".into()], &[]);
        for (value, after) in [
            (
                format!("{}é{}", "a".repeat(3000), "b".repeat(3000)),
                " after\n",
            ),
            (
                format!("\"{} {}", "c".repeat(3000), "d é".repeat(900)),
                "\" after\n",
            ),
        ] {
            let text = format!("x API_SECRET={value}{after}");
            let chunks: Vec<&[u8]> = text.as_bytes().chunks(100).collect();
            let streamed = run(&r, 1024, &chunks);
            assert_eq!(streamed, r.redact(&text), "{value:.20}");
            assert!(
                !streamed.contains('é') && !streamed.contains("bbb"),
                "{streamed}"
            );
        }
    }

    #[test]
    fn a_value_whose_quote_never_closes_is_redacted_to_the_end_of_its_line() {
        let r = Redactor::new(&["API_SECRET".into()], &[]);
        assert_eq!(
            r.redact("API_SECRET=\"open value\nnext"),
            "API_SECRET=\"***REDACTED***\nnext"
        );
    }

    #[test]
    fn a_multi_line_secret_split_anywhere_is_redacted_whole() {
        let secret = "6\nAA+a=a0=0\nA\n/a+AA6";
        let r = Redactor::new(&[], &[secret.to_string()]);
        let text = format!("a  a  aaa  aaaaa a \n{secret}\nafter\n");
        let whole = r.redact(&text).into_owned();
        for cut in 0..=text.len() {
            let (a, b) = text.as_bytes().split_at(cut);
            assert_eq!(run(&r, WINDOW, &[a, b]), whole, "cut at {cut}");
        }
    }
}
