//! The `fly:` section of cloud.yaml (checked by the host against config.schema.json,
//! defaults filled in) and what Fly itself accepts of it, and the `fly.toml` the
//! provider writes into the deploy directory from it.

use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub app: String,
    pub org: Option<String>,
    pub region: String,
    pub builder: Builder,
    pub vm_size: String,
    pub volume_size: u32,
}

#[derive(Deserialize, Debug, PartialEq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Builder {
    Remote,
    Local,
}

impl Builder {
    /// `fly deploy`'s flag for it.
    pub fn flag(self) -> &'static str {
        match self {
            Builder::Remote => "--remote-only",
            Builder::Local => "--local-only",
        }
    }
}

impl Config {
    /// The section, with every value Fly would refuse (or a shell would read) refused
    /// here first, as `invalid-config`.
    pub fn read(ctx: &Context) -> Result<Config, ProviderError> {
        let config: Config = parse_config(ctx, "fly")?;
        name(
            "fly.app",
            &config.app,
            "lower-case letters, digits and dashes",
            63,
            |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
        )?;
        if let Some(org) = &config.org {
            name(
                "fly.org",
                org,
                "lower-case letters, digits and dashes",
                63,
                |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
            )?;
        }
        name(
            "fly.region",
            &config.region,
            "three lower-case letters",
            3,
            |c| c.is_ascii_lowercase(),
        )?;
        name(
            "fly.vm_size",
            &config.vm_size,
            "lower-case letters, digits and dashes",
            63,
            |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
        )?;
        if let Some(volume) = &ctx.volume {
            name(
                "resources.volume",
                volume,
                "lower-case letters, digits and underscores (Fly's rule for volume names)",
                30,
                |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_',
            )?;
        }
        Ok(config)
    }

    /// `fly.toml`: the app, its region, the image built from the deploy directory's
    /// Dockerfile, the runner's port, the Machine's size, and the volume mounted at the
    /// parent of the workspace, so repositories and plan state survive a redeploy.
    pub fn fly_toml(&self, ctx: &Context) -> String {
        let mut text = format!(
            "# Written by megaplan-cloud's fly provider on every build and deploy.\n\
             app = {}\n\
             primary_region = {}\n\n\
             [build]\n  dockerfile = \"Dockerfile\"\n\n\
             [env]\n  PORT = {}\n\n\
             [[vm]]\n  size = {}\n",
            toml(&self.app),
            toml(&self.region),
            toml(&ctx.port.to_string()),
            toml(&self.vm_size),
        );
        if let Some(volume) = &ctx.volume {
            let mount = posix_parent(ctx.workspace.trim_end_matches('/'));
            text.push_str(&format!(
                "\n[[mounts]]\n  source = {}\n  destination = {}\n  initial_size = {}\n",
                toml(volume),
                toml(&mount),
                toml(&format!("{}gb", self.volume_size)),
            ));
        }
        text
    }
}

/// A TOML basic string (a JSON string is one, escapes included).
fn toml(value: &str) -> String {
    serde_json::Value::from(value).to_string()
}

/// `value` is a name Fly accepts: non-empty, at most `max` characters, each one `ok`,
/// not starting with `-`.
fn name(
    field: &str,
    value: &str,
    what: &str,
    max: usize,
    ok: impl Fn(char) -> bool,
) -> Result<(), ProviderError> {
    let fine = !value.is_empty()
        && value.chars().count() <= max
        && !value.starts_with('-')
        && value.chars().all(ok);
    if fine {
        return Ok(());
    }
    Err(error(
        ErrorKind::InvalidConfig,
        format!(
            "`{field}` must be {what}, at most {max} of them, not starting with '-'; got {value:?}"
        ),
    ))
}
