//! The hot-path bench's fixtures on disk: the logs `logs` reads and what it must print
//! for them (the whole text redacted at once, which the stream must equal), and a
//! comparison of two files that names the first difference.

// Each bench binary includes this file and uses only part of it.
#![allow(dead_code)]

use std::path::Path;

use megaplan_cloud::redact::Redactor;

#[path = "log_fixture.rs"]
mod log_fixture;

pub use log_fixture::{generate_log, secrets};

/// 10 MB on one line: words, now and then a secret, one newline at the very end.
pub fn long_line() -> Vec<u8> {
    let secrets = secrets();
    let mut line = Vec::with_capacity(10_100_000);
    let mut n = 0;
    while line.len() < 10_000_000 {
        n += 1;
        line.extend_from_slice(b"tokens=4521 step critique finished ");
        if n % 500 == 0 {
            let (name, value) = &secrets[n / 500 % secrets.len()];
            line.extend_from_slice(format!("{name}={value} Bearer {value} ").as_bytes());
        }
    }
    line.push(b'\n');
    line
}

/// Writes the log and what `logs` must print for it: the whole text redacted at once,
/// which the stream must equal.
pub fn write_fixture(log: &[u8], log_path: &Path, expected_path: &Path) {
    let secrets = secrets();
    let names: Vec<String> = secrets.iter().map(|(n, _)| n.clone()).collect();
    let values: Vec<String> = secrets.iter().map(|(_, v)| v.clone()).collect();
    let expected = Redactor::new(&names, &values)
        .redact_bytes(log)
        .into_owned();
    assert!(
        expected.len() < log.len(),
        "the log carries secrets to redact"
    );
    for value in &values {
        assert!(!expected.windows(value.len()).any(|w| w == value.as_bytes()));
    }
    std::fs::write(log_path, log).unwrap();
    std::fs::write(expected_path, &expected).unwrap();
}

/// Compares two files a block at a time, naming the first difference.
pub fn same_file(got: &Path, wanted: &Path) {
    use std::io::Read;
    let open =
        |p: &Path| std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(p).unwrap());
    let (mut a, mut b) = (open(got), open(wanted));
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    let mut offset = 0;
    loop {
        let n = read_full(&mut a, &mut x);
        let m = read_full(&mut b, &mut y);
        if x[..n] != y[..m] {
            let at = x[..n]
                .iter()
                .zip(&y[..m])
                .position(|(p, q)| p != q)
                .unwrap_or(n.min(m));
            let show = |bytes: &[u8]| {
                String::from_utf8_lossy(&bytes[at.saturating_sub(60)..(at + 60).min(bytes.len())])
                    .into_owned()
            };
            panic!(
                "the output differs from the expected at byte {}:\n got: {:?}\nwant: {:?}",
                offset + at,
                show(&x[..n]),
                show(&y[..m])
            );
        }
        if n == 0 {
            return;
        }
        offset += n;
    }

    fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> usize {
        let mut filled = 0;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]).unwrap() {
                0 => break,
                n => filled += n,
            }
        }
        filled
    }
}
