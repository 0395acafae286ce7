//! `provider new`: an out-of-tree provider crate that builds for `wasm32-wasip2` on the
//! first try, with everything an author starts from: the skeleton of every usual
//! operation on the SDK's command builder, the schema of its cloud.yaml section, a
//! cloud.yaml to try it with, unit tests on the SDK's test double, and the cassettes
//! and cloud.yaml of `provider test`'s conformance suite. The files are written into a fresh directory beside the target and moved into
//! place at once, so a failure leaves nothing half-written.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::context::Context;
use crate::error::{CloudError, CloudResult};
use crate::template::render;

/// What `provider new` was asked.
pub struct NewProvider<'a> {
    pub name: &'a str,
    /// Where the crate goes (default: `./<name>`).
    pub dir: Option<&'a str>,
    /// The SDK's directory (default: the one this megaplan-cloud was built from).
    pub sdk: Option<&'a str>,
}

/// (path in the crate, template)
const FILES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../../templates/provider/Cargo.toml"),
    ),
    (
        "src/lib.rs",
        include_str!("../../templates/provider/lib.rs"),
    ),
    (
        "config.schema.json",
        include_str!("../../templates/provider/config.schema.json"),
    ),
    (
        "cloud.yaml",
        include_str!("../../templates/provider/cloud.yaml"),
    ),
    (
        "wit/provider.wit",
        include_str!("../../../wit/provider.wit"),
    ),
    (
        "src/tests.rs",
        include_str!("../../templates/provider/tests.rs"),
    ),
    (
        "tests/cassettes/cloud.yaml",
        include_str!("../../templates/provider/conformance-cloud.yaml"),
    ),
    (
        "tests/cassettes/deploy.cassette",
        include_str!("../../templates/provider/cassettes/deploy.cassette"),
    ),
    (
        "tests/cassettes/exec.cassette",
        include_str!("../../templates/provider/cassettes/exec.cassette"),
    ),
    (
        "tests/cassettes/logs.cassette",
        include_str!("../../templates/provider/cassettes/logs.cassette"),
    ),
    (
        "tests/cassettes/attach.cassette",
        include_str!("../../templates/provider/cassettes/attach.cassette"),
    ),
    (
        "tests/cassettes/destroy.cassette",
        include_str!("../../templates/provider/cassettes/destroy.cassette"),
    ),
];

pub fn new_provider(ctx: &Context, request: NewProvider<'_>) -> CloudResult<Value> {
    check_name(request.name)?;
    let dir = ctx.local_path(request.dir.unwrap_or(request.name));
    let sdk = find_sdk(ctx, request.sdk)?;
    if dir.exists() && std::fs::read_dir(&dir).map_or(true, |mut d| d.next().is_some()) {
        return Err(CloudError::new(
            "invalid_args",
            format!(
                "{} already exists and is not empty; choose another --dir",
                dir.display()
            ),
        ));
    }
    // A JSON string is a TOML basic string, escapes included.
    let sdk_toml = serde_json::to_string(&sdk.display().to_string()).unwrap_or_default();
    let values = [
        ("NAME", request.name.to_string()),
        ("CLI", format!("{}ctl", request.name)),
        ("SDK", sdk_toml.trim_matches('"').to_string()),
    ];
    write_crate(&dir, &values)?;
    let wasm = format!("target/wasm32-wasip2/release/{}.wasm", request.name);
    Ok(json!({
        "success": true,
        "provider": request.name,
        "dir": dir.display().to_string(),
        "sdk": sdk.display().to_string(),
        "files": FILES.iter().map(|(path, _)| *path).collect::<Vec<_>>(),
        "next": [
            format!("cd {}", megaplan_cloud_shell::quote(&dir.display().to_string())),
            "cargo test".to_string(),
            "cargo build --release --target wasm32-wasip2".to_string(),
            format!("megaplan-cloud provider test {wasm}"),
            format!("megaplan-cloud provider install {wasm}"),
        ],
    }))
}

/// Lower-case letters and digits: the name is the cloud.yaml section, the component's
/// file name (`<name>.wasm`, as cargo names it) and the crate's name at once.
fn check_name(name: &str) -> CloudResult<()> {
    let well_formed = (2..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !well_formed {
        return Err(CloudError::new(
            "invalid_args",
            format!(
                "a provider name is 2 to 32 lower-case letters and digits, starting with a letter (it names the cloud.yaml section and the component file); got '{name}'"
            ),
        ));
    }
    if crate::config::is_builtin_provider(name) {
        return Err(CloudError::new(
            "invalid_args",
            format!("'{name}' is a built-in provider; choose another name"),
        ));
    }
    Ok(())
}

/// `--sdk`, else the SDK beside the sources this binary was built from.
fn find_sdk(ctx: &Context, given: Option<&str>) -> CloudResult<PathBuf> {
    let candidate = match given {
        Some(dir) => ctx.local_path(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk"),
    };
    let manifest = std::fs::read_to_string(candidate.join("Cargo.toml")).unwrap_or_default();
    if !manifest.contains("name = \"megaplan-cloud-sdk\"") {
        return Err(CloudError::new(
            "invalid_args",
            format!(
                "{} is not the megaplan-cloud SDK (no Cargo.toml naming megaplan-cloud-sdk); pass --sdk DIR, the sdk directory of a megaplan-cloud checkout",
                candidate.display()
            ),
        ));
    }
    Ok(candidate.canonicalize().unwrap_or(candidate))
}

/// Renders every file into a fresh directory beside `dir`, then moves it into place.
fn write_crate(dir: &Path, values: &[(&str, String)]) -> CloudResult<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    let io = |e: std::io::Error| {
        CloudError::new("io_error", format!("cannot write {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(parent).map_err(io)?;
    let staging = tempfile::Builder::new()
        .prefix(".provider-new-")
        .tempdir_in(parent)
        .map_err(io)?;
    for (path, template) in FILES {
        let text = render(template, path, values)?;
        crate::fs::atomic_write(&staging.path().join(path), text.as_bytes(), 0o644)?;
    }
    if dir.exists() {
        // Empty (checked above): the rename needs it gone.
        std::fs::remove_dir(dir).map_err(io)?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        io(e)
    })
}
