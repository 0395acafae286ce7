//! Redaction throughput on a generated 50 MB log with three secrets, ~0.5% of lines
//! carrying one (budget: ≥ 1 GB/s on one core).
//! Run: `cargo bench -p megaplan-cloud --bench redaction`.

// A benchmark reports on stdout and fails by panicking.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]
// The shared measuring helpers also start processes and read the bench's slack setting.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::zombie_processes
)]

#[path = "support/log_fixture.rs"]
mod log_fixture;
#[path = "support/measure.rs"]
mod measure;

use std::time::Instant;

use criterion::{Criterion, Throughput};
use log_fixture::{SIZE, generate_log, secrets};
use megaplan_cloud::redact::{Redactor, StreamRedactor};

const CHUNK: usize = 64 * 1024;

/// The whole log through one stream in 64 KiB reads, appended to `out`.
fn redact_all(redactor: &Redactor, log: &[u8], out: &mut Vec<u8>) {
    let mut stream = StreamRedactor::new(redactor);
    for chunk in log.chunks(CHUNK) {
        stream.feed(chunk, out);
    }
    stream.finish(out);
}

/// The redactor for the three secrets and the generated log, built once for the
/// criterion run and the budget check.
struct Fixture {
    redactor: Redactor,
    values: Vec<String>,
    log: Vec<u8>,
}

impl Fixture {
    fn new() -> Self {
        let secrets = secrets();
        let names: Vec<String> = secrets.iter().map(|(n, _)| n.clone()).collect();
        let values: Vec<String> = secrets.iter().map(|(_, v)| v.clone()).collect();
        Fixture {
            redactor: Redactor::new(&names, &values),
            log: generate_log(&secrets),
            values,
        }
    }
}

fn bench(c: &mut Criterion, fixture: &Fixture) {
    let Fixture {
        redactor,
        values,
        log,
    } = fixture;
    // Correctness before speed: nothing secret survives.
    let mut out = Vec::with_capacity(log.len());
    redact_all(redactor, log, &mut out);
    let text = String::from_utf8(out).unwrap();
    for value in values {
        assert!(!text.contains(value.as_str()));
    }

    let mut group = c.benchmark_group("redaction");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.sample_size(10);
    group.bench_function("stream_50mb_64k_chunks", |b| {
        let mut out = Vec::with_capacity(log.len());
        b.iter(|| {
            out.clear();
            redact_all(redactor, log, &mut out);
            out.len()
        })
    });
    group.finish();
}

/// The budget, checked after criterion's report: the best of three direct passes over
/// the 50 MB log must take no longer than 1 GB/s allows.
fn budgets(fixture: &Fixture) {
    let mut out = Vec::with_capacity(fixture.log.len());
    let best = (0..3)
        .map(|_| {
            out.clear();
            let started = Instant::now();
            redact_all(&fixture.redactor, &fixture.log, &mut out);
            started.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::INFINITY, f64::min);
    assert!(out.len() > SIZE / 2, "the stream wrote its output");
    let budget_ms = fixture.log.len() as f64 / 1e9 * 1000.0;
    measure::within_budget("redaction of the 50 MB log (1 GB/s)", best, budget_ms, "ms");
}

fn main() {
    let fixture = Fixture::new();
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &fixture);
    criterion.final_summary();
    budgets(&fixture);
}
