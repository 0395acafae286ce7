//! Components are checked for the contract they export before anything runs.

use megaplan_cloud::plugin::{Contract, Limits, Runtime};

fn component_exporting(export: &str) -> String {
    format!(
        r#"(component
             (core module $m (func (export "f")))
             (core instance $i (instantiate $m))
             (func $f (canon lift (core func $i "f")))
             (instance $provider (export "describe" (func $f)))
             (export "{export}" (instance $provider)))"#
    )
}

#[test]
fn a_component_built_for_another_contract_version_is_refused() {
    let runtime = Runtime::new(None, Limits::default()).unwrap();
    let wat = component_exporting("megaplan:cloud/provider@0.7.0");
    let err = runtime
        .compile(wat.as_bytes(), "fly.wasm")
        .err()
        .expect("refused");
    assert_eq!(err.code, "incompatible_provider");
    assert_eq!(
        err.message,
        "fly.wasm was built for contract megaplan:cloud@0.7.0, but this megaplan-cloud speaks \
         megaplan:cloud@0.6.0 (and loads megaplan:cloud@0.5, @0.4, @0.3, @0.2 and @0.1); rebuild it \
         against megaplan-cloud-sdk 0.6.0 or use a megaplan-cloud that speaks 0.7.0"
    );
}

#[test]
fn a_compatible_patch_version_passes_the_export_check_as_its_own_contract() {
    let runtime = Runtime::new(None, Limits::default()).unwrap();
    for (export, contract) in [
        ("megaplan:cloud/provider@0.6.0", Contract::Current),
        ("megaplan:cloud/provider@0.6.2", Contract::Current),
        ("megaplan:cloud/provider@0.5.0", Contract::V0_5),
        ("megaplan:cloud/provider@0.5.2", Contract::V0_5),
        ("megaplan:cloud/provider@0.4.0", Contract::V0_4),
        ("megaplan:cloud/provider@0.4.2", Contract::V0_4),
        ("megaplan:cloud/provider@0.3.0", Contract::V0_3),
        ("megaplan:cloud/provider@0.3.4", Contract::V0_3),
        ("megaplan:cloud/provider@0.2.0", Contract::V0_2),
        ("megaplan:cloud/provider@0.2.9", Contract::V0_2),
        ("megaplan:cloud/provider@0.1.0", Contract::V0_1),
        ("megaplan:cloud/provider@0.1.3", Contract::V0_1),
    ] {
        let compiled = runtime
            .compile(component_exporting(export).as_bytes(), "fly.wasm")
            .unwrap_or_else(|e| panic!("{export}: {e:?}"));
        assert_eq!(compiled.contract, contract, "{export}");
    }
    for refused in [
        "megaplan:cloud/provider@0.7.0",
        "megaplan:cloud/provider@0.0.9",
        "megaplan:cloud/provider@1.0.0",
    ] {
        let err = runtime
            .compile(component_exporting(refused).as_bytes(), "fly.wasm")
            .err()
            .expect(refused);
        assert_eq!(err.code, "incompatible_provider", "{refused}");
    }
}

#[test]
fn a_component_that_is_no_provider_is_refused() {
    let runtime = Runtime::new(None, Limits::default()).unwrap();
    let wat = component_exporting("wasi:cli/run@0.2.0");
    let err = runtime
        .compile(wat.as_bytes(), "tool.wasm")
        .err()
        .expect("refused");
    assert_eq!(err.code, "invalid_provider");
    assert!(
        err.message
            .contains("does not export megaplan:cloud/provider"),
        "{}",
        err.message
    );

    let err = runtime
        .compile(b"not wasm at all", "junk.wasm")
        .err()
        .expect("refused");
    assert_eq!(err.code, "invalid_provider");
    assert!(
        err.message
            .starts_with("junk.wasm: not a valid WebAssembly component"),
        "{}",
        err.message
    );
}

#[test]
fn the_compile_cache_is_used_on_the_second_load() {
    let dir = tempfile::tempdir().unwrap();
    let wat = component_exporting("megaplan:cloud/provider@0.2.0");
    let first = Runtime::new(Some(dir.path().to_path_buf()), Limits::default()).unwrap();
    assert_eq!(
        first.compile(wat.as_bytes(), "a").unwrap().origin,
        megaplan_cloud::plugin::Origin::Compiled
    );
    let second = Runtime::new(Some(dir.path().to_path_buf()), Limits::default()).unwrap();
    let again = second.compile(wat.as_bytes(), "a").unwrap();
    assert_eq!(again.origin, megaplan_cloud::plugin::Origin::Cached);
    // A corrupt entry is recompiled, not trusted. (Replaced, not rewritten in place:
    // the loaded component maps the file, as the cache's own atomic writes respect.)
    drop((again, second));
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"garbage").unwrap();
    }
    let third = Runtime::new(Some(dir.path().to_path_buf()), Limits::default()).unwrap();
    assert_eq!(
        third.compile(wat.as_bytes(), "a").unwrap().origin,
        megaplan_cloud::plugin::Origin::Compiled
    );
}
