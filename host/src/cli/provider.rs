//! `megaplan-cloud provider list|inspect|install`.

use std::process::ExitCode;

use serde_json::{Value, json};

use super::App;
use super::args::ProviderAction;
use crate::error::CloudResult;

pub fn run(app: &mut App, action: ProviderAction) -> CloudResult<ExitCode> {
    let runtime = app.runtime()?;
    let capability = app.capability()?;
    let registry = app.registry();
    let payload = match action {
        ProviderAction::List => {
            let providers: Vec<Value> = registry
                .list(&runtime, capability)?
                .into_iter()
                .map(|listing| match listing {
                    Ok(listing) => serde_json::to_value(listing).expect("listings serialise"),
                    Err(e) => json!({"error": e.code, "message": e.message}),
                })
                .collect();
            json!({"success": true, "providers": providers})
        }
        ProviderAction::Inspect { provider } => {
            let listing = registry.inspect(&runtime, &provider, capability)?;
            json!({"success": true, "provider": listing})
        }
        ProviderAction::Install { file, grants } => {
            let (listing, installed) = registry.install(&runtime, &file, &grants, capability)?;
            json!({"success": true, "installed": installed.display().to_string(), "provider": listing})
        }
    };
    app.console
        .out(crate::json::to_python_json(&payload).as_bytes());
    Ok(ExitCode::SUCCESS)
}
