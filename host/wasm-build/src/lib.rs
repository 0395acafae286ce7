//! Builds workspace crates as WebAssembly components from a build script, so that
//! `cargo build`, `cargo install` and `cargo test` produce the providers (and the test
//! guests) without any extra step.
//!
//! Each crate is built with `cargo rustc --crate-type cdylib --target wasm32-wasip2`
//! in a target directory of its own, so the nested cargo never waits on the lock of
//! the build that is running this script.

// Build-time tooling, not the runtime: the process-capability rule does not apply, and
// a build script speaks to cargo on stdout.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::print_stdout
)]

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "provider";

/// A component built from a workspace package.
pub struct Built {
    pub package: String,
    pub wasm: PathBuf,
}

/// Builds each package as a component and returns where the `.wasm` files are.
/// Panics with an actionable message when the wasm target is missing or a build fails:
/// a build script has no better way to report.
pub fn build_components(packages: &[&str]) -> Vec<Built> {
    let workspace = workspace_root();
    for dir in ["wit", "sdk"] {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("wasm-components");
    packages
        .iter()
        .map(|package| build_one(&workspace, &target_dir, package))
        .collect()
}

fn build_one(workspace: &Path, target_dir: &Path, package: &str) -> Built {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args([
            "rustc",
            "--quiet",
            "--package",
            package,
            "--crate-type",
            "cdylib",
        ])
        .args(["--target", TARGET, "--profile", PROFILE, "--target-dir"])
        .arg(target_dir);
    // Settings meant for the outer build (clippy's wrapper, host rustflags, coverage)
    // must not leak into the wasm build.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_LLVM_COV",
        "LLVM_PROFILE_FILE",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build {package}: {e}"));
    if !status.success() {
        panic!(
            "building {package} for {TARGET} failed ({status}). If the target is missing, \
             run `rustup target add {TARGET}` (offline: ../shared/tools/ensure-wasm-target)."
        );
    }
    let crate_dir = package_dir(workspace, package);
    println!("cargo:rerun-if-changed={}", crate_dir.display());
    let file = format!("{}.wasm", package.replace('-', "_"));
    let wasm = target_dir.join(TARGET).join(PROFILE).join(file);
    assert!(wasm.is_file(), "{} was not produced", wasm.display());
    Built {
        package: package.to_string(),
        wasm,
    }
}

/// Finds the crate directory from the package name, by the workspace's layout rules:
/// `megaplan-cloud-provider-<name>` lives in `providers/<name>`, test guests in
/// `tests/guests/<name>`.
fn package_dir(workspace: &Path, package: &str) -> PathBuf {
    if let Some(name) = package.strip_prefix("megaplan-cloud-provider-") {
        workspace.join("providers").join(name)
    } else if let Some(name) = package.strip_prefix("megaplan-cloud-guest-") {
        workspace.join("tests").join("guests").join(name)
    } else {
        panic!("{package} does not follow the component naming rules")
    }
}

fn workspace_root() -> PathBuf {
    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("run from a build script"));
    manifest
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .map(|text| text.contains("[workspace]"))
                .unwrap_or(false)
        })
        .expect("a workspace root above the crate")
        .to_path_buf()
}
