//! The @@NAME@@ provider for megaplan-cloud: a runner managed with the `@@CLI@@`
//! command-line tool. Every command goes through the host, which checks it against what
//! `describe` declares and the operator granted, redacts it and journals it.
//! Build: `cargo build --release --target wasm32-wasip2`.

use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

struct Provider;

/// The `@@NAME@@:` section of cloud.yaml, as config.schema.json declares it (the host
/// has checked it against the schema and filled in its defaults).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// The app (or service, or machine group) the runner lives in.
    app: String,
    #[serde(default = "default_region")]
    region: String,
}

fn default_region() -> String {
    "auto".into()
}

fn config(ctx: &Context) -> Result<Config, ProviderError> {
    parse_config(ctx, "@@NAME@@")
}

/// `@@CLI@@ <args…> --app APP`, the shape of every call below.
fn cli(config: &Config, args: &[&str]) -> Cmd {
    Cmd::new("@@CLI@@")
        .args(args.iter().copied())
        .args(["--app", &config.app])
}

impl ProviderImpl for Provider {
    /// The host checks the section against this schema (errors located in cloud.yaml)
    /// and fills in its defaults before any operation.
    fn config_schema() -> Option<String> {
        Some(include_str!("../config.schema.json").into())
    }

    fn describe() -> Description {
        Description {
            name: "@@NAME@@".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![Program {
                name: "@@CLI@@".into(),
                install_hint: "see the @@NAME@@ documentation for @@CLI@@".into(),
                required: true,
            }],
            env: Vec::new(),
            features: Features::REMOTE_EXEC,
            summary: "Runners managed with @@CLI@@".into(),
        }
    }

    /// Starts (or restarts) the runner, its secrets passed by name in an env file the
    /// host renders on the command's stdin.
    fn deploy(ctx: Context) -> Result<(), ProviderError> {
        let config = config(&ctx)?;
        let mut entries = vec![EnvEntry::Literal(("PORT".into(), ctx.port.to_string()))];
        entries.extend(ctx.secret_names.iter().cloned().map(EnvEntry::Secret));
        cli(&config, &["secrets", "import"])
            .stdin(Stdin::EnvFile(entries))
            .run_ok()?;
        let dir = ctx.deploy_dir.as_ref().map(|d| d.host_path.clone());
        let deploy = cli(&config, &["deploy", "--region", &config.region]);
        match dir {
            Some(dir) => deploy.cwd(dir),
            None => deploy,
        }
        .run_ok()
        .map(drop)
    }

    /// One shell line in the runner, verbatim; its exit status is returned as it is.
    fn exec(ctx: Context, line: String, input: Stdin) -> Result<Output, ProviderError> {
        let config = config(&ctx)?;
        cli(&config, &["ssh"])
            .args(["--", "bash", "-lc", &line])
            .stdin(input)
            .run()
    }

    /// The runner's log: followed, or its last 200 lines.
    fn logs(ctx: Context, follow: bool) -> Result<LogSource, ProviderError> {
        let config = config(&ctx)?;
        let cmd = if follow {
            cli(&config, &["logs", "--follow"])
        } else {
            cli(&config, &["logs", "--lines", "200"])
        };
        Ok(LogSource::Streamed(cmd.build()))
    }

    /// The command that puts the operator's terminal in the runner's tmux session.
    fn attach_command(ctx: Context) -> Result<Command, ProviderError> {
        let config = config(&ctx)?;
        Ok(cli(&config, &["ssh", "--tty"])
            .args(["--", "tmux", "attach", "-t", "=agent"])
            .tty()
            .build())
    }

    /// Removes the runner and everything the transport keeps for it.
    fn destroy(ctx: Context) -> Result<(), ProviderError> {
        let config = config(&ctx)?;
        cli(&config, &["destroy", "--yes"]).run_ok().map(drop)
    }
}

megaplan_cloud_sdk::export!(Provider);

#[cfg(test)]
mod tests;
