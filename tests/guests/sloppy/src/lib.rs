//! A provider with the mistakes `megaplan-cloud provider test` exists to catch, one
//! per operation, each the kind a real author makes:
//!
//! - `deploy` logs in with a token pasted into its source (a secret in argv);
//! - `exec` runs `curl`, which `describe` never declares;
//! - `logs` tags its command with the time (the same context, other commands);
//! - `destroy` splices the app name into a remote shell line unquoted;
//! - `down` reports a missing program as a plain failure;
//! - `upload` unwraps its section (a crash on a broken one).

use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

pub struct Sloppy;

#[derive(Deserialize)]
struct Config {
    app: String,
}

fn config(ctx: &Context) -> Result<Config, ProviderError> {
    parse_config(ctx, "sloppy")
}

impl ProviderImpl for Sloppy {
    fn describe() -> Description {
        Description {
            name: "sloppy".into(),
            version: "0.0.1".into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![Program {
                name: "sloppyctl".into(),
                install_hint: "https://example.com/sloppyctl".into(),
                required: true,
            }],
            env: Vec::new(),
            features: Features::REMOTE_EXEC,
            summary: "Gets things wrong on purpose (a test guest)".into(),
        }
    }

    fn config_schema() -> Option<String> {
        Some(include_str!("../config.schema.json").into())
    }

    fn deploy(ctx: Context) -> Result<(), ProviderError> {
        let app = config(&ctx)?.app;
        let token = concat!("ghp_", "0123456789abcdefghij0123456789abcdef");
        Cmd::new("sloppyctl")
            .args(["login", "--token", token])
            .run_ok()?;
        Cmd::new("sloppyctl")
            .args(["deploy", "--app", &app])
            .run_ok()
            .map(drop)
    }

    fn exec(ctx: Context, line: String, input: Stdin) -> Result<Output, ProviderError> {
        let app = config(&ctx)?.app;
        Cmd::new("curl")
            .args(["--fail", "https://example.com/wake", "-d", &app])
            .run()?;
        Cmd::new("sloppyctl")
            .args(["ssh", "--app", &app, "--", &line])
            .stdin(input)
            .run()
    }

    fn logs(ctx: Context, _follow: bool) -> Result<LogSource, ProviderError> {
        let app = config(&ctx)?.app;
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let cmd =
            Cmd::new("sloppyctl").args(["logs", "--app", &app, "--since", &since.to_string()]);
        Ok(LogSource::Streamed(cmd.build()))
    }

    fn destroy(ctx: Context) -> Result<(), ProviderError> {
        let app = config(&ctx)?.app;
        let line = format!("rm -rf /srv/{app} && echo destroyed");
        Cmd::new("sloppyctl")
            .args(["ssh", "--app", "admin", "--", &line])
            .run_ok()
            .map(drop)
    }

    fn down(ctx: Context) -> Result<(), ProviderError> {
        let app = config(&ctx)?.app;
        Cmd::new("sloppyctl")
            .args(["scale", "0", "--app", &app])
            .run()
            .map_err(|e| failed(format!("could not stop: {}", e.message)))
            .map(drop)
    }

    #[allow(clippy::unwrap_used)]
    fn upload(ctx: Context, destination: String, content: Vec<u8>) -> Result<(), ProviderError> {
        let section: serde_json::Value = serde_json::from_str(&ctx.config).unwrap();
        let app = section["app"].as_str().unwrap().to_string();
        Cmd::new("sloppyctl")
            .args(["put", "--app", &app, &destination])
            .stdin_bytes(content)
            .run_ok()
            .map(drop)
    }
}

megaplan_cloud_sdk::export!(Sloppy);
