//! `provider list`, `provider inspect`, `provider install`: every answer is a JSON
//! document, printed (redacted) by the CLI.

use std::path::Path;

use serde_json::{Value, json};

use super::context::Context;
use crate::capability::argv_rules::Exposure;
use crate::error::{CloudError, CloudResult};
use crate::plugin::ProviderDescription;
use crate::plugin::registry::Grant;

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

/// What `provider install` was asked.
pub struct InstallRequest<'a> {
    pub file: &'a Path,
    pub grants: Vec<String>,
    pub unrestricted: Vec<String>,
    /// Accept everything the component asks for without asking.
    pub yes: bool,
}

/// Installs a component with the operator's grant. Without `--grant`, the component's
/// request is shown (programs that amount to running arbitrary code marked) and the
/// operator asked, unless `--yes`; declining installs nothing.
pub fn install(
    ctx: &Context,
    request: InstallRequest<'_>,
    confirm: &mut dyn FnMut(&str) -> bool,
) -> CloudResult<Value> {
    let runtime = ctx.runtime()?;
    let asked = request.grants.is_empty() && request.unrestricted.is_empty();
    let explicit = Grant {
        programs: request.grants,
        unrestricted: request.unrestricted,
    };
    let mut choose = |description: &ProviderDescription| {
        if !asked {
            return Ok(explicit.clone());
        }
        if !request.yes && !confirm(&describe_request(description)) {
            return Err(CloudError::new(
                "provider_not_granted",
                format!(
                    "nothing was installed: provider '{}' was not granted. Grant chosen programs with --grant PROGRAM, or all it asks for with --yes",
                    description.name
                ),
            ));
        }
        Ok(Grant::everything_declared(description))
    };
    let (listing, installed) =
        ctx.registry()
            .install(&runtime, request.file, &mut choose, ctx.capability()?)?;
    Ok(json!({
        "success": true,
        "installed": installed.display().to_string(),
        "provider": to_json(listing)?,
    }))
}

/// The component's request as the operator reads it before granting it.
fn describe_request(description: &ProviderDescription) -> String {
    let mut text = format!(
        "provider '{}' {} asks to run:\n",
        description.name, description.version
    );
    for program in &description.programs {
        let note = match program.exposure {
            Exposure::ArbitraryCode => {
                "  <- runs arbitrary code as you: granting it grants everything"
            }
            Exposure::Restricted => "  (arguments that would run local commands are refused)",
            Exposure::Plain => "",
        };
        text.push_str(&format!("  {}{note}\n", program.name));
    }
    if !description.env.is_empty() {
        text.push_str(&format!("and to set: {}\n", description.env.join(", ")));
    }
    text.push_str("Grant all of these? [y/N]: ");
    text
}
