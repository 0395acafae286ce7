//! Provider load times: first compile, and load from the on-disk cache (the budget is
//! < 150 ms and < 1 ms). Run: `cargo bench -p megaplan-cloud --bench plugin_load`.

// A benchmark reports on stdout and fails by panicking.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
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

criterion_group!(benches, bench);
criterion_main!(benches);
