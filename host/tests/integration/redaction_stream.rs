//! Feeding a redactor's stream in chunks cut at given points, for the property tests.

use megaplan_cloud::redact::{Redactor, StreamRedactor};

/// `input` through a stream with a `window`, cut at `cuts` (taken modulo its length).
/// Every block of 64 bytes or more is searched in two halves at once, so the property
/// tests hold that path to the whole text's redaction too.
pub fn stream(redactor: &Redactor, input: &[u8], cuts: &[usize], window: usize) -> Vec<u8> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.sort();
    let mut stream = StreamRedactor::with_window(redactor, window).parallel_from(64);
    let mut out = Vec::new();
    let mut at = 0;
    for point in points {
        stream.feed(&input[at..point], &mut out);
        at = point;
    }
    stream.feed(&input[at..], &mut out);
    stream.finish(&mut out);
    out
}
