//! The ssh provider: one long-lived runner container on any Docker host reachable over
//! SSH (the reference's command lines, docs/compatibility.md, with its fixes: `ssh -t` for attach, `docker exec
//! -i` so stdin passes through, the remote `.env` written with mode 0600).

mod config;

use megaplan_cloud_sdk::docker;
use megaplan_cloud_sdk::prelude::*;

use config::{OPENSSH_HINT, config, deploy_dir, mount_words};

pub struct Ssh;

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
