//! Feeding a redactor's stream in chunks cut at given points, for the property tests.

use megaplan_cloud::redact::{Redactor, StreamRedactor};

/// `input` through a stream with a `window`, cut at `cuts` (taken modulo its length).
pub fn stream(redactor: &Redactor, input: &[u8], cuts: &[usize], window: usize) -> Vec<u8> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.sort();
    let mut stream = StreamRedactor::with_window(redactor, window);
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
