//! Provider load times: first compile, and load from the on-disk cache (the budget is
//! < 150 ms and < 1 ms). Run: `cargo bench -p megaplan-cloud --bench plugin_load`.

// A benchmark reports on stdout and fails by panicking.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]
// The shared measuring helpers also start processes and read the bench's slack setting.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::zombie_processes
)]

use std::sync::Arc;

#[path = "support/measure.rs"]
mod measure;

use criterion::{Criterion, criterion_group};
use megaplan_cloud::capability::{Capability, Settings, Trust};
use megaplan_cloud::console::Console;
use megaplan_cloud::plugin::registry::BUILTIN_PROVIDERS;
use megaplan_cloud::plugin::{Limits, Runtime};

fn local_provider() -> &'static [u8] {
    BUILTIN_PROVIDERS
        .iter()
        .find(|(name, _)| *name == "local")
        .map(|(_, bytes)| *bytes)
        .expect("local is built in")
}

fn bench(c: &mut Criterion) {
    let bytes = local_provider();
    let (console, _) = Console::capture();
    let capability = Arc::new(Capability::new(Settings::new(console)));

    let uncached = Runtime::new(None, Limits::default()).unwrap();
    let mut group = c.benchmark_group("provider_load");
    group.sample_size(20);
    group.bench_function("first_compile", |b| {
        b.iter(|| uncached.compile(bytes, "local").unwrap())
    });

    let cache = tempfile::tempdir().unwrap();
    let cached = Runtime::new(Some(cache.path().to_path_buf()), Limits::default()).unwrap();
    cached.compile(bytes, "local").unwrap();
    group.sample_size(200);
    group.bench_function("cached_compile_only", |b| {
        b.iter(|| cached.compile(bytes, "local").unwrap())
    });
    group.bench_function("cached_load_instantiate_describe", |b| {
        b.iter(|| {
            let compiled = cached.compile(bytes, "local").unwrap();
            cached
                .instantiate(&compiled, Trust::BuiltIn, capability.clone(), None)
                .unwrap()
        })
    });
    group.finish();
}

/// The budgets, checked after criterion's report: the median of a few direct runs
/// each, so the bench fails (not just reports) when a path is far over.
fn budgets() {
    let bytes = local_provider();
    let uncached = Runtime::new(None, Limits::default()).unwrap();
    let first = measure::median_ms(5, || drop(uncached.compile(bytes, "local").unwrap()));
    measure::within_budget("provider first compile", first, 150.0, "ms");
    let cache = tempfile::tempdir().unwrap();
    let cached = Runtime::new(Some(cache.path().to_path_buf()), Limits::default()).unwrap();
    cached.compile(bytes, "local").unwrap();
    let (console, _) = Console::capture();
    let capability = Arc::new(Capability::new(Settings::new(console)));
    let load = measure::median_ms(51, || {
        let compiled = cached.compile(bytes, "local").unwrap();
        drop(
            cached
                .instantiate(&compiled, Trust::BuiltIn, capability.clone(), None)
                .unwrap(),
        );
    });
    measure::within_budget(
        "provider cached load + instantiate + describe",
        load,
        1.0,
        "ms",
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    budgets();
}
