//! `deploy`: the runner's service, created or updated to the configuration, its secrets
//! delivered as Docker secrets.
//!
//! A Docker secret cannot change, so every deploy creates the runner's secrets afresh,
//! named `mpc-<nonce>-<n>` and labelled with the service, each read by `docker
//! secret create` from its standard input (the host writes the value there: it is never
//! an argument, and never seen by this provider). The task finds each one as the file
//! `/run/secrets/<NAME>`, which the runner's entrypoint and login shells export. The
//! previous deploy's secrets are removed once the service no longer names them.

use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

use crate::config::{Config, SECRET_LABEL, volume_target};
use crate::task::{self, docker};

/// What `docker service inspect` says of the parts of a service a deploy changes.
#[derive(Deserialize, Default)]
struct Current {
    #[serde(default)]
    secrets: Vec<String>,
    /// `null` when there are none.
    constraints: Option<Vec<String>>,
    mounts: Option<Vec<Mount>>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Mount {
    #[serde(default)]
    source: String,
    target: String,
}

/// `docker service inspect --format`: one JSON object of the current secrets' names,
/// constraints and mounts.
const INSPECT: &str = concat!(
    r#"{"secrets":[{{range $i, $s := .Spec.TaskTemplate.ContainerSpec.Secrets}}{{if $i}},{{end}}{{json $s.SecretName}}{{end}}],"#,
    r#""constraints":{{with .Spec.TaskTemplate.Placement}}{{json .Constraints}}{{else}}null{{end}},"#,
    r#""mounts":{{json .Spec.TaskTemplate.ContainerSpec.Mounts}}}"#
);

pub fn deploy(ctx: &Context, config: &Config) -> Result<(), ProviderError> {
    let target = volume_target(ctx)?;
    let secrets = create_secrets(ctx, config)?;
    let spec = Spec {
        config,
        target: &target,
        port: ctx.port,
        secrets: &secrets,
    };
    match current(config)? {
        None => {
            docker(None).args(spec.create()).run_ok()?;
        }
        Some(current) => {
            // The update replaces the running task (stop first, then start: one
            // container on the workspace at a time). Until the old container has
            // stopped it still answers, and a health check would pass on it, so the
            // deploy returns only once it has.
            let replaced = task::locate(config).ok();
            docker(None).args(spec.update(&current)).run_ok()?;
            if let Some(old) = replaced {
                old.wait_stopped()?;
            }
        }
    }
    let keep: Vec<&str> = secrets.iter().map(|(name, _)| name.as_str()).collect();
    remove_secrets(config, &keep)
}

/// The service as it is, or `None` when there is none.
fn current(config: &Config) -> Result<Option<Current>, ProviderError> {
    let out = docker(None)
        .args(["service", "inspect", "--format", INSPECT, &config.service])
        .run()?;
    if out.status != 0 {
        return Ok(None);
    }
    let text = out.stdout_text();
    serde_json::from_str(text.trim())
        .map(Some)
        .map_err(|e| failed(format!("docker service inspect printed {text:?}: {e}")))
}

/// `(secret object's name, the variable it holds)` for every configured secret with a
/// local value; an unset one is left out, so the runner does not see it at all.
fn create_secrets(ctx: &Context, config: &Config) -> Result<Vec<(String, String)>, ProviderError> {
    let mut created = Vec::new();
    let set = ctx
        .secret_names
        .iter()
        .filter(|name| !ctx.unset_secrets.contains(name));
    for (n, name) in set.enumerate() {
        // Not named after the service: a chain's service name and the nonce would not
        // fit Docker's 64 characters. The label says whose it is.
        let object = format!("mpc-{}-{n}", ctx.nonce);
        docker(None)
            .args(["secret", "create"])
            .arg(format!("--label={SECRET_LABEL}={}", config.service))
            .arg(&object)
            .arg("-")
            .stdin(Stdin::Secret(name.clone()))
            .run_ok()?;
        created.push((object, name.clone()));
    }
    Ok(created)
}

/// Removes the service's secrets except `keep`. A secret a service still names cannot
/// be removed; Docker refuses and the next deploy or destroy tries again.
pub fn remove_secrets(config: &Config, keep: &[&str]) -> Result<(), ProviderError> {
    let listed = docker(None)
        .args(["secret", "ls", "--format", "{{.Name}}"])
        .arg(format!("--filter=label={SECRET_LABEL}={}", config.service))
        .run_ok()?;
    let stale: Vec<String> = listed
        .stdout_text()
        .split_whitespace()
        .filter(|name| !keep.contains(name))
        .map(str::to_string)
        .collect();
    if !stale.is_empty() {
        docker(None).args(["secret", "rm"]).args(stale).run()?;
    }
    Ok(())
}

/// The service a deploy asks for.
struct Spec<'a> {
    config: &'a Config,
    target: &'a str,
    port: u16,
    secrets: &'a [(String, String)],
}

impl Spec<'_> {
    /// Values go with `=` in the same word, so none can be read as a flag. `--detach`:
    /// the host's health wait, not the CLI, decides when the runner is up.
    fn create(&self) -> Vec<String> {
        let c = self.config;
        let mut args: Vec<String> = ["service", "create", "--detach"].map(String::from).to_vec();
        args.extend([
            format!("--name={}", c.service),
            "--replicas=1".into(),
            "--restart-condition=any".into(),
            // One container on the workspace at a time, even during an update.
            "--update-order=stop-first".into(),
            format!("--label=megaplan-cloud.runner={}", c.service),
            format!("--env=PORT={}", self.port),
            format!("--mount={}", self.mount()),
        ]);
        args.extend(c.constraints.iter().map(|k| format!("--constraint={k}")));
        args.extend(
            self.secrets
                .iter()
                .map(|s| format!("--secret={}", secret_spec(s))),
        );
        args.extend(self.registry_auth());
        args.push(c.image());
        args
    }

    /// Everything a deploy sets, over what the service has: the image (`--force` so a
    /// rebuilt image under the same tag is rolled out too), one replica (after `down`),
    /// this deploy's secrets for the last one's, the constraints as configured now.
    fn update(&self, current: &Current) -> Vec<String> {
        let c = self.config;
        let mut args: Vec<String> = ["service", "update", "--detach", "--force"]
            .map(String::from)
            .to_vec();
        args.extend([
            format!("--image={}", c.image()),
            "--replicas=1".into(),
            format!("--env-add=PORT={}", self.port),
        ]);
        args.extend(current.secrets.iter().map(|s| format!("--secret-rm={s}")));
        args.extend(
            self.secrets
                .iter()
                .map(|s| format!("--secret-add={}", secret_spec(s))),
        );
        let now = current.constraints.as_deref().unwrap_or_default();
        let gone = now.iter().filter(|k| !c.constraints.contains(k));
        args.extend(gone.map(|k| format!("--constraint-rm={k}")));
        let added = c.constraints.iter().filter(|k| !now.contains(k));
        args.extend(added.map(|k| format!("--constraint-add={k}")));
        args.extend(self.moved_mount(current));
        args.extend(self.registry_auth());
        args.push(c.service.clone());
        args
    }

    /// The workspace volume's mount, when the volume or `repo.workspace` changed: the
    /// mount at the old target goes, the configured one comes.
    fn moved_mount(&self, current: &Current) -> Vec<String> {
        let wanted = Mount {
            source: self.config.volume.clone(),
            target: self.target.to_string(),
        };
        let mounts = current.mounts.as_deref().unwrap_or_default();
        if mounts.contains(&wanted) {
            return Vec::new();
        }
        let old = mounts
            .iter()
            .filter(|m| m.source == wanted.source || m.target == wanted.target)
            .map(|m| format!("--mount-rm={}", m.target));
        old.chain([format!("--mount-add={}", self.mount())])
            .collect()
    }

    fn mount(&self) -> String {
        format!(
            "type=volume,source={},target={}",
            self.config.volume, self.target
        )
    }

    fn registry_auth(&self) -> Option<String> {
        self.config
            .pushes()
            .then(|| "--with-registry-auth".to_string())
    }
}

/// `source=<object>,target=<NAME>,mode=0400`: the file `/run/secrets/<NAME>`, readable
/// by the runner's user only.
fn secret_spec((object, name): &(String, String)) -> String {
    format!("source={object},target={name},mode=0400")
}
