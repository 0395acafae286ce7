//! The ssh provider: one long-lived runner container on any Docker host reachable over
//! SSH (the reference's command lines, docs/compatibility.md, with its fixes: `ssh -t` for attach, `docker exec
//! -i` so stdin passes through, the remote `.env` written with mode 0600).

use std::collections::BTreeMap;

use megaplan_cloud_sdk::docker;
use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

pub struct Ssh;

const OPENSSH_HINT: &str = "https://www.openssh.com/";

/// Options every non-interactive call gets unless cloud.yaml's `ssh.options` overrides
/// them: never prompt, fail fast, notice a dead connection, trust a new host once.
const DEFAULT_OPTIONS: &[(&str, &str)] = &[
    ("BatchMode", "yes"),
    ("ConnectTimeout", "10"),
    ("ServerAliveInterval", "30"),
    ("ServerAliveCountMax", "3"),
    ("StrictHostKeyChecking", "accept-new"),
];

#[derive(Deserialize)]
struct Config {
    host: String,
    user: Option<String>,
    port: u16,
    identity_file: Option<String>,
    remote_dir: String,
    container: String,
    #[serde(default)]
    workspace_dir: Option<String>,
    #[serde(default)]
    cache_dir: Option<String>,
    /// OpenSSH options as cloud.yaml wrote them (strings, numbers or booleans).
    #[serde(default)]
    options: BTreeMap<String, serde_json::Value>,
}

/// Where the caches live in the runner, and their directories under `cache_dir`.
const CACHES: &[(&str, &str)] = &[("pip", "/root/.cache/pip"), ("npm", "/root/.npm")];

impl Config {
    fn target(&self) -> String {
        match &self.user {
            Some(user) => format!("{user}@{}", self.host),
            None => self.host.clone(),
        }
    }

    /// `-o NAME=VALUE` pairs: the defaults, overridden or extended by cloud.yaml. An
    /// interactive session may prompt, so it does not get BatchMode by default.
    fn options(&self, interactive: bool) -> Vec<String> {
        let mut merged: BTreeMap<&str, String> = DEFAULT_OPTIONS
            .iter()
            .filter(|(name, _)| !(interactive && *name == "BatchMode"))
            .map(|(name, value)| (*name, value.to_string()))
            .collect();
        for (name, value) in &self.options {
            merged.insert(name, option_text(value));
        }
        merged
            .into_iter()
            .flat_map(|(name, value)| ["-o".to_string(), format!("{name}={value}")])
            .collect()
    }

    /// `ssh -p <port> [-i <identity>] -o …` (the transport, without the target).
    fn transport(&self, interactive: bool) -> Vec<String> {
        let mut words = vec!["ssh".to_string()];
        if interactive {
            words.push("-t".into());
        }
        words.extend(["-p".to_string(), self.port.to_string()]);
        if let Some(identity) = &self.identity_file {
            words.extend(["-i".to_string(), identity.clone()]);
        }
        words.extend(self.options(interactive));
        words
    }

    /// Runs `line` on the Docker host (one argument: the remote shell parses it). `--`
    /// ends ssh's options, so no value from cloud.yaml can be read as one.
    fn remote(&self, line: &str) -> Cmd {
        let transport = self.transport(false);
        Cmd::new(&transport[0])
            .args(&transport[1..])
            .arg("--")
            .arg(self.target())
            .arg(line)
    }

    fn in_container(&self, flags: &str, line: &str) -> Cmd {
        self.remote(&format!(
            "docker exec {flags}{} bash -lc {}",
            quote(&self.container),
            quote(line)
        ))
    }

    /// Runs and requires success; an ssh failure (status 255) names the host.
    fn run_ok(&self, cmd: Cmd) -> Result<Output, ProviderError> {
        let argv = cmd.argv_text();
        let out = cmd.run()?;
        match out.status {
            0 => Ok(out),
            255 => Err(self.connection_failure(&out)),
            _ => Err(out.failure(&argv)),
        }
    }

    fn connection_failure(&self, out: &Output) -> ProviderError {
        failed(format!(
            "ssh to {} (port {}) failed: {}",
            self.target(),
            self.port,
            out.stderr_text().trim()
        ))
    }

    fn env_file(&self) -> String {
        format!("{}/.env", self.remote_dir)
    }

    /// The host directories `deploy` creates and `docker run -v` mounts: the workspace
    /// at the parent of `repo.workspace`, each cache at its tool's path.
    fn mounts(&self, workspace: &str) -> Vec<(String, String)> {
        let mut mounts = Vec::new();
        if let Some(dir) = &self.workspace_dir {
            mounts.push((dir.clone(), posix_parent(workspace.trim_end_matches('/'))));
        }
        if let Some(dir) = &self.cache_dir {
            for (name, target) in CACHES {
                mounts.push((posix_join(dir, name), target.to_string()));
            }
        }
        mounts
    }
}

/// `mkdir -p -- <dirs> && ` and ` -v <dir>:<target>…` for the mounts (empty without).
fn mount_words(mounts: &[(String, String)]) -> (String, String) {
    if mounts.is_empty() {
        return (String::new(), String::new());
    }
    let dirs: Vec<&str> = mounts.iter().map(|(dir, _)| dir.as_str()).collect();
    let create = format!("mkdir -p -- {} && ", quote_join(dirs));
    let flags: String = mounts
        .iter()
        .map(|(dir, target)| format!(" -v {}", quote(&format!("{dir}:{target}"))))
        .collect();
    (create, flags)
}

fn config(ctx: &Context) -> Result<Config, ProviderError> {
    let config: Config = parse_config(ctx, "ssh")?;
    separate_from_workspace(&config)?;
    Ok(config)
}

/// An option's value as OpenSSH reads it: booleans as `yes`/`no`.
fn option_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Bool(true) => "yes".into(),
        serde_json::Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

/// `remote_dir` is synced over (`scp` replaces it, `destroy` deletes it), so it may
/// not be the workspace or hold it, nor sit inside it.
fn separate_from_workspace(config: &Config) -> Result<(), ProviderError> {
    let Some(workspace) = &config.workspace_dir else {
        return Ok(());
    };
    let inside = |dir: &str, outer: &str| {
        let outer = outer.trim_end_matches('/');
        let dir = dir.trim_end_matches('/');
        dir == outer || outer.is_empty() || dir.starts_with(&format!("{outer}/"))
    };
    if inside(&config.remote_dir, workspace) || inside(workspace, &config.remote_dir) {
        return Err(error(
            ErrorKind::InvalidConfig,
            format!(
                "`ssh.remote_dir` must be outside `ssh.workspace_dir` and must not contain it (each deploy replaces the remote directory); got '{}' and '{}'",
                config.remote_dir, workspace
            ),
        ));
    }
    Ok(())
}

fn deploy_dir(ctx: &Context) -> Result<String, ProviderError> {
    ctx.deploy_dir
        .as_ref()
        .map(|d| d.host_path.clone())
        .ok_or_else(|| failed("the ssh provider needs its deploy directory"))
}

impl ProviderImpl for Ssh {
    /// Its cloud.yaml section, which the host checks and fills defaults from: the same
    /// declaration a third-party provider makes.
    fn config_schema() -> Option<String> {
        Some(include_str!("../config.schema.json").into())
    }

    fn describe() -> Description {
        let program = |name: &str, required| Program {
            name: name.into(),
            install_hint: OPENSSH_HINT.into(),
            required,
        };
        Description {
            name: "ssh".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![
                program("ssh", true),
                program("rsync", false),
                program("scp", false),
            ],
            env: Vec::new(),
            features: Features::REMOTE_EXEC,
            summary: "A Docker host over SSH".into(),
        }
    }

    /// Connectivity and the remote Docker engine, in one ssh call.
    fn doctor(ctx: Context) -> Result<Vec<Check>, ProviderError> {
        let c = config(&ctx)?;
        let out = c
            .remote("docker version --format '{{.Server.Version}}'")
            .run()?;
        let check = match out.status {
            0 => Check {
                name: format!("docker on {}", c.target()),
                ok: true,
                detail: format!("reachable over ssh, Docker {}", out.stdout_text().trim()),
            },
            255 => Check {
                name: format!("ssh to {}", c.target()),
                ok: false,
                detail: format!(
                    "cannot connect (port {}): {}",
                    c.port,
                    out.stderr_text().trim()
                ),
            },
            status => Check {
                name: format!("docker on {}", c.target()),
                ok: false,
                detail: format!(
                    "ssh works, but `docker version` failed (exit {status}): {}",
                    out.stderr_text().trim()
                ),
            },
        };
        Ok(vec![check])
    }

    /// Syncs the deploy directory to `remote_dir` (rsync, or `scp -r` without it) and
    /// builds the image there.
    fn build(ctx: Context) -> Result<(), ProviderError> {
        let c = config(&ctx)?;
        let local = deploy_dir(&ctx)?;
        let remote_dir = quote(&c.remote_dir);
        if process::which("rsync") {
            c.run_ok(c.remote(&format!("mkdir -p {remote_dir}")))?;
            // The remote path goes raw: --protect-args (rsync ≥ 3.0; the default since
            // 3.2.4) keeps the remote shell from splitting it, so quotes would be literal.
            let rsync = Cmd::new("rsync")
                .args([
                    "-az",
                    "--protect-args",
                    "-e",
                    &quote_join(c.transport(false)),
                ])
                .arg("--")
                .arg(format!("{local}/"))
                .arg(format!("{}:{}/", c.target(), c.remote_dir));
            c.run_ok(rsync)?;
        } else if process::which("scp") {
            log::warn("rsync unavailable; falling back to scp -r");
            c.run_ok(c.remote(&format!("rm -rf {remote_dir} && mkdir -p {remote_dir}")))?;
            let mut scp = Cmd::new("scp").args(["-r", "-P", &c.port.to_string()]);
            if let Some(identity) = &c.identity_file {
                scp = scp.args(["-i", identity]);
            }
            // OpenSSH ≥ 9.0 copies over SFTP, where no shell parses the path: it goes raw.
            let scp = scp
                .args(c.options(false))
                .arg("--")
                .arg(format!("{local}/."))
                .arg(format!("{}:{}", c.target(), c.remote_dir));
            c.run_ok(scp)?;
        } else {
            return Err(unavailable("scp/rsync", OPENSSH_HINT));
        }
        c.run_ok(c.remote(&format!(
            "docker build -t {} {remote_dir}",
            quote(&c.container)
        )))
        .map(drop)
    }

    /// Writes the remote `.env` from stdin (mode 0600; values never in argv) and
    /// (re)starts the container, with the persistent workspace and caches mounted when
    /// configured (created first).
    fn deploy(ctx: Context) -> Result<(), ProviderError> {
        let c = config(&ctx)?;
        let mut entries = vec![EnvEntry::Literal(("PORT".into(), ctx.port.to_string()))];
        entries.extend(ctx.secret_names.iter().cloned().map(EnvEntry::Secret));
        let env_file = quote(&c.env_file());
        let write = c
            .remote(&format!("umask 077 && cat > {env_file}"))
            .stdin(Stdin::EnvFile(entries));
        c.run_ok(write)?;
        let container = quote(&c.container);
        c.run_ok(c.remote(&format!("docker rm -f {container} >/dev/null 2>&1 || true")))?;
        let port = ctx.port;
        let (create, volumes) = mount_words(&c.mounts(&ctx.workspace));
        c.run_ok(c.remote(&format!(
            "{create}docker run -d --name {container} --restart unless-stopped --env-file {env_file} -p {port}:{port}{volumes} {container}"
        )))
        .map(drop)
    }

    fn exec(ctx: Context, line: String, input: Stdin) -> Result<Output, ProviderError> {
        let c = config(&ctx)?;
        let out = c.in_container("-i ", &line).stdin(input).run()?;
        if out.status == 255 {
            return Err(c.connection_failure(&out));
        }
        Ok(out)
    }

    fn upload(ctx: Context, destination: String, content: Vec<u8>) -> Result<(), ProviderError> {
        let c = config(&ctx)?;
        let line = format!(
            "mkdir -p {} && base64 -d > {}",
            quote(&posix_parent(&destination)),
            quote(&destination)
        );
        let cmd = c
            .in_container("-i ", &line)
            .stdin_bytes(base64_encode(&content));
        c.run_ok(cmd).map(drop)
    }

    fn read_file(ctx: Context, path: String) -> Result<Vec<u8>, ProviderError> {
        let c = config(&ctx)?;
        let cmd = c
            .in_container("", &format!("cat {}", quote(&path)))
            .binary_output();
        Ok(c.run_ok(cmd)?.stdout)
    }

    fn logs(ctx: Context, follow: bool) -> Result<LogSource, ProviderError> {
        let c = config(&ctx)?;
        let container = quote(&c.container);
        let line = if follow {
            format!("docker logs -f {container}")
        } else {
            format!("docker logs --tail 200 {container}")
        };
        Ok(LogSource::Streamed(c.remote(&line).build()))
    }

    /// `ssh -t` so `docker exec -it` gets the terminal it needs (the reference omitted it).
    fn attach_command(ctx: Context) -> Result<Command, ProviderError> {
        let c = config(&ctx)?;
        let transport = c.transport(true);
        let cmd = Cmd::new(&transport[0])
            .args(&transport[1..])
            .arg("--")
            .arg(c.target())
            .arg(format!(
                "docker exec -it {} tmux attach -t =agent",
                quote(&c.container)
            ))
            .tty();
        Ok(cmd.build())
    }

    fn down(ctx: Context) -> Result<(), ProviderError> {
        let c = config(&ctx)?;
        c.run_ok(c.remote(&format!("docker stop {}", quote(&c.container))))
            .map(drop)
    }

    /// One ssh call: `docker inspect`, then, when the container exists, `df` of the
    /// workspace's filesystem inside it.
    fn observe(ctx: Context) -> Result<Observation, ProviderError> {
        let c = config(&ctx)?;
        let root = posix_parent(ctx.workspace.trim_end_matches('/'));
        let line = format!(
            "c={}; if docker inspect --type container --format {} \"$c\" 2>/dev/null; then docker exec \"$c\" sh -c {} 2>/dev/null; else echo missing; fi",
            quote(&c.container),
            quote(docker::INSPECT_FORMAT),
            quote(&docker::disk_line(&root)),
        );
        let out = c.run_ok(c.remote(&line))?;
        let text = out.stdout_text();
        let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
        if first.trim() == "missing" {
            return Ok(docker::missing(&format!(
                "no container {} on {}",
                c.container, c.host
            )));
        }
        let mut seen = docker::parse_inspect(first)
            .ok_or_else(|| failed(format!("docker inspect printed no state: {}", first.trim())))?;
        seen.disk = docker::parse_disk(rest);
        Ok(seen)
    }

    /// Removes the container and the remote directory; the persistent workspace and
    /// caches stay (the host purges the workspace first when asked to).
    fn destroy(ctx: Context) -> Result<(), ProviderError> {
        let c = config(&ctx)?;
        c.run_ok(c.remote(&format!(
            "docker rm -f {} >/dev/null 2>&1 || true && rm -rf {}",
            quote(&c.container),
            quote(&c.remote_dir)
        )))
        .map(drop)
    }
}

megaplan_cloud_sdk::export!(Ssh);

#[cfg(test)]
mod tests;
