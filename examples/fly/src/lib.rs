//! The fly provider for megaplan-cloud: the runner as a single Fly Machine in a Fly app,
//! built from the deploy directory with `fly deploy` and a `fly.toml` the provider
//! writes beside the host's files, its secrets imported on stdin, its workspace on a
//! Fly volume, reached with `fly ssh console`. Every command line is checked against
//! flyctl's own command reference (docs/providers/fly.md says what could only be
//! checked by cassette). Built out of tree: `cargo build --release --target
//! wasm32-wasip2`, then `megaplan-cloud provider install target/wasm32-wasip2/release/fly.wasm`.

mod config;
mod listing;

use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::remote;

use config::Config;

pub struct Fly;

const INSTALL: &str = "https://fly.io/docs/flyctl/install/";
const SSH: &str = "fly ssh console";

fn flyctl<'a>(words: impl IntoIterator<Item = &'a str>) -> Cmd {
    Cmd::new("flyctl").args(words)
}

/// The deploy directory's path: `build` and `deploy` have one.
fn deploy_dir(ctx: &Context) -> Result<String, ProviderError> {
    ctx.deploy_dir
        .as_ref()
        .map(|dir| dir.host_path.clone())
        .ok_or_else(|| failed("the fly provider needs the deploy directory"))
}

/// Writes `fly.toml` into the deploy directory and returns its path.
fn write_fly_toml(ctx: &Context, config: &Config) -> Result<String, ProviderError> {
    let dir = deploy_dir(ctx)?;
    files::write_file("fly.toml", config.fly_toml(ctx).as_bytes()).map_err(failed)?;
    Ok(posix_join(&dir, "fly.toml"))
}

/// A shell line in the runner over `fly ssh console`, with its real exit status.
/// Whether the remote side reads `--command` with a shell is not documented, so the
/// whole line goes to an explicit `sh -c`.
fn run_remote(
    config: &Config,
    ctx: &Context,
    line: &str,
    input: Stdin,
    binary: bool,
) -> Result<Output, ProviderError> {
    let script = format!("sh -c {}", quote(&remote::marked_line(line, &ctx.nonce)));
    let mut cmd = flyctl([
        "ssh",
        "console",
        "--app",
        &config.app,
        "--quiet",
        "--command",
    ])
    .arg(script)
    .stdin(input);
    if binary {
        cmd = cmd.binary_output();
    }
    remote::take_status(cmd.run()?, &ctx.nonce, SSH)
}

/// Creates the app unless `fly apps list` already lists it.
fn ensure_app(config: &Config) -> Result<(), ProviderError> {
    let listed = flyctl(["apps", "list", "--json"]).run_ok()?;
    if listing::app_listed(&listed.stdout_text(), &config.app) {
        return Ok(());
    }
    flyctl(["apps", "create", "--name", &config.app])
        .opt_arg("--org", config.org.as_deref())
        .run_ok()
        .map(drop)
}

impl ProviderImpl for Fly {
    fn describe() -> Description {
        Description {
            name: "fly".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![Program {
                name: "flyctl".into(),
                install_hint: INSTALL.into(),
                required: true,
            }],
            env: Vec::new(),
            features: Features::REMOTE_EXEC | Features::VOLUMES,
            summary: "A Fly Machine in a Fly app, reached with fly ssh console".into(),
        }
    }

    fn config_schema() -> Option<String> {
        Some(include_str!("../config.schema.json").into())
    }

    /// flyctl's version, and whether it is logged in.
    fn doctor(_ctx: Context) -> Result<Vec<Check>, ProviderError> {
        let version = flyctl(["version"]).run()?;
        let whoami = flyctl(["auth", "whoami"]).run()?;
        let check = |name: &str, out: &Output, bad: &str| Check {
            name: name.into(),
            ok: out.status == 0,
            detail: match out.status {
                0 => out.stdout_text().trim().to_string(),
                _ => format!("{bad}: {}", out.stderr_text().trim()),
            },
        };
        Ok(vec![
            check("flyctl", &version, "cannot run"),
            check("login", &whoami, "not logged in (fly auth login)"),
        ])
    }

    /// The runner image, built (not deployed) from the deploy directory.
    fn build(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let fly_toml = write_fly_toml(&ctx, &config)?;
        let dir = deploy_dir(&ctx)?;
        flyctl(["deploy", &dir, "--app", &config.app, "--config", &fly_toml])
            .args(["--build-only", config.builder.flag()])
            .run_ok()
            .map(drop)
    }

    /// The app (created when missing), its secrets (by name, on stdin, staged for the
    /// deploy that follows), then one Machine from the deploy directory.
    fn deploy(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        if !ctx.unset_secrets.is_empty() {
            return Err(error(
                ErrorKind::MissingSecrets,
                format!("Missing required secrets: {}", ctx.unset_secrets.join(", ")),
            ));
        }
        let fly_toml = write_fly_toml(&ctx, &config)?;
        ensure_app(&config)?;
        if !ctx.secret_names.is_empty() {
            let entries = ctx
                .secret_names
                .iter()
                .cloned()
                .map(EnvEntry::Secret)
                .collect();
            flyctl(["secrets", "import", "--app", &config.app, "--stage"])
                .stdin(Stdin::EnvFile(entries))
                .run_ok()?;
        }
        let dir = deploy_dir(&ctx)?;
        flyctl(["deploy", &dir, "--app", &config.app, "--config", &fly_toml])
            .args([config.builder.flag(), "--ha=false", "--yes"])
            .run_ok()
            .map(drop)
    }

    fn exec(ctx: Context, line: String, input: Stdin) -> Result<Output, ProviderError> {
        let config = Config::read(&ctx)?;
        run_remote(&config, &ctx, &line, input, false)
    }

    fn upload(ctx: Context, destination: String, content: Vec<u8>) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let (line, input) = remote::verified_upload(&destination, &content);
        let out = run_remote(&config, &ctx, &line, Stdin::Bytes(input), false)?;
        match out.status {
            0 => Ok(()),
            _ => Err(out.failure(&format!("upload to {destination}"))),
        }
    }

    fn read_file(ctx: Context, path: String) -> Result<Vec<u8>, ProviderError> {
        let config = Config::read(&ctx)?;
        let line = format!("cat -- {}", quote(&path));
        let out = run_remote(&config, &ctx, &line, Stdin::None, true)?;
        match out.status {
            0 => Ok(out.stdout),
            _ => Err(out.failure(&format!("cat {path}"))),
        }
    }

    /// `fly logs` streams until interrupted; `--no-tail` prints what is buffered.
    fn logs(ctx: Context, follow: bool) -> Result<LogSource, ProviderError> {
        let config = Config::read(&ctx)?;
        let cmd = flyctl(["logs", "--app", &config.app]);
        let cmd = if follow { cmd } else { cmd.arg("--no-tail") };
        Ok(LogSource::Streamed(cmd.build()))
    }

    fn attach_command(ctx: Context) -> Result<Command, ProviderError> {
        let config = Config::read(&ctx)?;
        let cmd = flyctl(["ssh", "console", "--app", &config.app, "--pty", "--command"])
            .arg("tmux attach -t =agent");
        Ok(cmd.tty().build())
    }

    /// `ensure`: the volume named by `resources.volume` exists in the app's region
    /// (created when missing); `remove`: every volume of that name is destroyed.
    fn volume(ctx: Context, action: VolumeAction) -> Result<String, ProviderError> {
        let config = Config::read(&ctx)?;
        let Some(volume) = ctx.volume.clone() else {
            return Ok("no resources.volume configured".into());
        };
        ensure_app(&config)?;
        let listed = flyctl(["volumes", "list", "--app", &config.app, "--json"]).run_ok()?;
        let ids = listing::volume_ids(&listed.stdout_text(), &volume);
        match action {
            VolumeAction::Ensure if !ids.is_empty() => Ok(format!("volume {volume} exists")),
            VolumeAction::Ensure => {
                let size = config.volume_size.to_string();
                flyctl([
                    "volumes",
                    "create",
                    "--app",
                    &config.app,
                    "--region",
                    &config.region,
                ])
                .args(["--size", &size, "--yes", "--", &volume])
                .run_ok()?;
                Ok(format!(
                    "created volume {volume} ({size} GB) in {}",
                    config.region
                ))
            }
            VolumeAction::Remove => {
                for id in &ids {
                    flyctl([
                        "volumes",
                        "destroy",
                        "--app",
                        &config.app,
                        "--yes",
                        "--",
                        id,
                    ])
                    .run_ok()?;
                }
                Ok(format!("destroyed {} volume(s) named {volume}", ids.len()))
            }
        }
    }

    /// Stops the runner: no Machines, the app and its volume kept.
    fn down(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        flyctl(["scale", "count", "0", "--app", &config.app, "--yes"])
            .run_ok()
            .map(drop)
    }

    /// The runner's Machine as `fly machine list` shows it (one call).
    fn observe(ctx: Context) -> Result<Observation, ProviderError> {
        let config = Config::read(&ctx)?;
        let listed = flyctl(["machine", "list", "--app", &config.app, "--json"]).run_ok()?;
        Ok(listing::observation(&listed.stdout_text(), &config.app))
    }

    /// The app, its Machines and its volumes, for good.
    fn destroy(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        flyctl(["apps", "destroy", "--yes", "--", &config.app])
            .run_ok()
            .map(drop)
    }
}

megaplan_cloud_sdk::export!(Fly);

#[cfg(test)]
mod tests;
