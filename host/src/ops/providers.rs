//! `provider list`, `provider inspect`, `provider install`: every answer is a JSON
//! document, printed (redacted) by the CLI.

use std::path::Path;

use serde_json::{Value, json};

use super::context::Context;
use crate::error::{CloudError, CloudResult};

fn to_json(value: impl serde::Serialize) -> CloudResult<Value> {
    serde_json::to_value(value)
        .map_err(|e| CloudError::new("internal_error", format!("cannot encode a listing: {e}")))
}

/// Built-in and installed providers, each with its description and grant, or the
/// error that kept it from describing itself.
pub fn list(ctx: &Context) -> CloudResult<Value> {
    let runtime = ctx.runtime()?;
    let listings = ctx.registry().list(&runtime, ctx.capability()?)?;
    let mut providers = Vec::new();
    for listing in listings {
        providers.push(match listing {
            Ok(listing) => to_json(listing)?,
            Err(e) => json!({"error": e.code, "message": e.message}),
        });
    }
    Ok(json!({"success": true, "providers": providers}))
}

/// One provider, by name or component file.
pub fn inspect(ctx: &Context, provider: &str) -> CloudResult<Value> {
    let runtime = ctx.runtime()?;
    let listing = ctx
        .registry()
        .inspect(&runtime, provider, ctx.capability()?)?;
    Ok(json!({"success": true, "provider": to_json(listing)?}))
}

/// Installs a component and records the operator's grant.
pub fn install(ctx: &Context, file: &Path, grants: &[String]) -> CloudResult<Value> {
    let runtime = ctx.runtime()?;
    let (listing, installed) = ctx
        .registry()
        .install(&runtime, file, grants, ctx.capability()?)?;
    Ok(json!({
        "success": true,
        "installed": installed.display().to_string(),
        "provider": to_json(listing)?,
    }))
}
