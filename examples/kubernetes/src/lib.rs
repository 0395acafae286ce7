//! The kubernetes provider for megaplan-cloud: the runner as a StatefulSet of one
//! replica, its workspace a claim made from the StatefulSet's template (kept when the
//! runner goes), its secrets a Secret made from the host's env file on stdin, reached
//! with `kubectl exec` on its pod `<name>-0`. Designed in docs/scale.md; no cluster
//! runs where it is built, so its command lines are pinned by cassettes recorded
//! through a stand-in that holds each to kubectl's reference, and its manifest is
//! validated offline against the Kubernetes schemas (docs/providers/kubernetes.md).
//! Built out of tree: `cargo build --release --target wasm32-wasip2`, then
//! `megaplan-cloud provider install target/wasm32-wasip2/release/kubernetes.wasm`.

mod config;
mod manifest;
mod pod;

use megaplan_cloud_sdk::docker::{disk_line, parse_disk};
use megaplan_cloud_sdk::prelude::*;
use megaplan_cloud_sdk::remote;

use config::Config;

pub struct Kubernetes;

const KUBECTL_HINT: &str = "https://kubernetes.io/docs/tasks/tools/";
const DOCKER_HINT: &str = "https://docs.docker.com/get-docker/";

fn deploy_dir(ctx: &Context) -> Result<String, ProviderError> {
    ctx.deploy_dir
        .as_ref()
        .map(|dir| dir.host_path.clone())
        .ok_or_else(|| failed("the kubernetes provider needs the deploy directory"))
}

/// `kubectl exec <flags> <pod> -c agent -- <words…>`.
fn in_pod<'a>(config: &Config, flags: &[&'a str], words: impl IntoIterator<Item = &'a str>) -> Cmd {
    let pod = config.pod();
    config
        .kubectl(["exec"])
        .args(flags.iter().copied())
        .args([pod.as_str(), "-c", "agent", "--"])
        .args(words)
}

/// A login shell in the runner, as the other providers run their lines.
fn shell(config: &Config, flags: &[&str], line: &str) -> Cmd {
    in_pod(config, flags, ["bash", "-lc", line])
}

fn not_found(out: &Output) -> bool {
    out.status != 0 && out.stderr_text().contains("NotFound")
}

impl ProviderImpl for Kubernetes {
    fn config_schema() -> Option<String> {
        Some(include_str!("../config.schema.json").into())
    }

    fn describe() -> Description {
        let program = |name: &str, hint: &str| Program {
            name: name.into(),
            install_hint: hint.into(),
            required: true,
        };
        Description {
            name: "kubernetes".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![
                program("kubectl", KUBECTL_HINT),
                program("docker", DOCKER_HINT),
            ],
            env: Vec::new(),
            features: Features::REMOTE_EXEC | Features::VOLUMES,
            summary: "A StatefulSet of one replica on a Kubernetes cluster".into(),
        }
    }

    /// The cluster answers, and this kubeconfig may run commands in the runner's pods.
    fn doctor(ctx: Context) -> Result<Vec<Check>, ProviderError> {
        let config = Config::read(&ctx)?;
        let may = config
            .kubectl(["auth", "can-i", "create", "pods", "--subresource=exec"])
            .run()?;
        let answer = may.stdout_text();
        let check = match (may.status, answer.trim()) {
            (0, "yes") => (true, format!("may exec into pods in {}", config.namespace)),
            (_, "no") => (
                false,
                format!("may not exec into pods in {}", config.namespace),
            ),
            _ => (
                false,
                format!("not reachable: {}", may.stderr_text().trim()),
            ),
        };
        Ok(vec![Check {
            name: "kubernetes".into(),
            ok: check.0,
            detail: check.1,
        }])
    }

    /// Builds the image here and pushes it: a cluster pulls from a registry.
    fn build(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let dir = deploy_dir(&ctx)?;
        Cmd::new("docker")
            .args(["build", "-t", &config.image, &dir])
            .run_ok()?;
        Cmd::new("docker")
            .args(["push", &config.image])
            .run_ok()
            .map(drop)
    }

    /// The Secret from the host's env file (deleted and created: there is no "create
    /// or replace" without a pipe), the manifest applied, and a rollout restart so the
    /// pod reads the new Secret.
    fn deploy(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let dir = deploy_dir(&ctx)?;
        let manifest = config.manifest_file();
        files::write_file(&manifest, manifest::render(&ctx, &config).as_bytes()).map_err(failed)?;
        let secret = config.secret();
        config
            .kubectl(["delete", "secret", &secret, "--ignore-not-found"])
            .run_ok()?;
        let entries = ctx
            .secret_names
            .iter()
            .cloned()
            .map(EnvEntry::Secret)
            .collect();
        config
            .kubectl([
                "create",
                "secret",
                "generic",
                &secret,
                "--from-env-file=/dev/stdin",
            ])
            .stdin(Stdin::EnvFile(entries))
            .run_ok()?;
        let file = posix_join(&dir, &manifest);
        config.kubectl(["apply", "-f", &file]).run_ok()?;
        let set = format!("statefulset/{}", config.name);
        config
            .kubectl(["rollout", "restart", &set])
            .run_ok()
            .map(drop)
    }

    /// `kubernetes.runner_per_chain`: each isolated chain gets a StatefulSet, pod,
    /// Secret and claim of its own, named `<name>-<runner>`.
    fn chain_runners(ctx: Context) -> Result<bool, ProviderError> {
        Ok(Config::read(&ctx)?.runner_per_chain)
    }

    fn exec(ctx: Context, line: String, input: Stdin) -> Result<Output, ProviderError> {
        let config = Config::read(&ctx)?;
        shell(&config, &["-i"], &line).stdin(input).run()
    }

    fn upload(ctx: Context, destination: String, content: Vec<u8>) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let (line, input) = remote::verified_upload(&destination, &content);
        shell(&config, &["-i"], &line)
            .stdin_bytes(input)
            .run_ok()
            .map(drop)
    }

    fn read_file(ctx: Context, path: String) -> Result<Vec<u8>, ProviderError> {
        let config = Config::read(&ctx)?;
        let out = in_pod(&config, &[], ["cat", path.as_str()])
            .binary_output()
            .run_ok()?;
        Ok(out.stdout)
    }

    fn logs(ctx: Context, follow: bool) -> Result<LogSource, ProviderError> {
        let config = Config::read(&ctx)?;
        let pod = config.pod();
        let more = if follow { "--follow" } else { "--tail=200" };
        let cmd = config.kubectl(["logs", pod.as_str(), "-c", "agent", more]);
        Ok(LogSource::Streamed(cmd.build()))
    }

    fn attach_command(ctx: Context) -> Result<Command, ProviderError> {
        let config = Config::read(&ctx)?;
        let cmd = in_pod(&config, &["-it"], ["tmux", "attach", "-t", "=agent"]);
        Ok(cmd.tty().build())
    }

    /// The pod, then `df` in it while it runs; without a pod, the StatefulSet's
    /// replica count says whether it was scaled down or never made.
    fn observe(ctx: Context) -> Result<Observation, ProviderError> {
        let config = Config::read(&ctx)?;
        let got = config
            .kubectl(["get", "pod", &config.pod(), "-o", "json"])
            .run()?;
        if not_found(&got) {
            let set = config
                .kubectl(["get", "statefulset", &config.name, "-o", "json"])
                .run()?;
            let parsed = (set.status == 0)
                .then(|| serde_json::from_slice::<serde_json::Value>(&set.stdout).ok())
                .flatten();
            return Ok(pod::without_pod(parsed.as_ref()));
        }
        let json: serde_json::Value = serde_json::from_slice(&got.run_ok_output()?)
            .map_err(|e| failed(format!("kubectl get pod printed no JSON: {e}")))?;
        let mut seen = pod::observation(&json)
            .ok_or_else(|| failed("kubectl get pod printed no pod status"))?;
        if seen.state == ContainerState::Running {
            let root = manifest::workspace_mount(&ctx);
            let df = in_pod(&config, &[], ["sh", "-c", &disk_line(&root)]).run()?;
            seen.disk = parse_disk(&df.stdout_text());
        }
        Ok(seen)
    }

    /// No replica, then wait until the pod is gone (its claim stays).
    fn down(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let set = format!("statefulset/{}", config.name);
        config.kubectl(["scale", &set, "--replicas=0"]).run_ok()?;
        let pod = format!("pod/{}", config.pod());
        config
            .kubectl(["wait", "--for=delete", &pod, "--timeout=120s"])
            .timeout_ms(150_000)
            .run_ok()
            .map(drop)
    }

    /// Everything but the workspace claim, which `volume remove` deletes on
    /// `--purge-workspace`.
    fn destroy(ctx: Context) -> Result<(), ProviderError> {
        let config = Config::read(&ctx)?;
        let objects = [
            format!("statefulset/{}", config.name),
            format!("service/{}", config.name),
            format!("secret/{}", config.secret()),
        ];
        config
            .kubectl(["delete"])
            .args(objects)
            .arg("--ignore-not-found")
            .run_ok()
            .map(drop)
    }

    /// `ensure`: the StatefulSet makes its claim itself. `remove`: the claim goes.
    fn volume(ctx: Context, action: VolumeAction) -> Result<String, ProviderError> {
        let config = Config::read(&ctx)?;
        let claim = config.claim();
        match action {
            VolumeAction::Ensure => Ok(format!(
                "the workspace claim {claim} is made by the StatefulSet"
            )),
            VolumeAction::Remove => {
                config
                    .kubectl(["delete", "pvc", &claim, "--ignore-not-found"])
                    .run_ok()?;
                Ok(format!("claim {claim} deleted"))
            }
        }
    }
}

/// `stdout` of a call that must have succeeded.
trait OkOutput {
    fn run_ok_output(self) -> Result<Vec<u8>, ProviderError>;
}

impl OkOutput for Output {
    fn run_ok_output(self) -> Result<Vec<u8>, ProviderError> {
        if self.status == 0 {
            return Ok(self.stdout);
        }
        Err(self.failure("kubectl get pod"))
    }
}

megaplan_cloud_sdk::export!(Kubernetes);

#[cfg(test)]
mod tests;
