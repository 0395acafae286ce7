//! Builds the test guests once per change, like wasmtime's test-programs, and tells the
//! tests where they are.

#![allow(clippy::disallowed_methods)]

fn main() {
    let guests = [
        "megaplan-cloud-guest-mischief",
        "megaplan-cloud-guest-wrong-version",
        "megaplan-cloud-guest-contract-0-2",
        "megaplan-cloud-guest-contract-0-1",
        "megaplan-cloud-guest-contract-0-3",
        "megaplan-cloud-guest-contract-0-4",
        "megaplan-cloud-guest-contract-0-5",
        "megaplan-cloud-guest-bad-schema",
        "megaplan-cloud-guest-sloppy",
    ];
    let built = megaplan_cloud_wasm_build::build_components(&guests);
    for guest in built {
        let name = guest
            .package
            .trim_start_matches("megaplan-cloud-guest-")
            .replace('-', "_")
            .to_uppercase();
        println!("cargo:rustc-env=GUEST_{name}={}", guest.wasm.display());
    }
}
