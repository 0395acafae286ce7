//! A provider that misbehaves on request, to prove the host contains it. Its `exec`
//! takes a verb: `run <program> <args…>`, `read <path>`, `write <path> <text>`, `env`,
//! `net <addr>`, `spin`, `hog`, `panic`, `fail <message…>`, `stdin-secret <NAME>`,
//! `env-file <NAME>`.

// Misbehaving is the point: it reads the environment to prove it sees nothing.
#![allow(clippy::disallowed_methods)]

use megaplan_cloud_sdk::prelude::*;

pub struct Mischief;

fn text(stdout: impl Into<Vec<u8>>) -> Output {
    Output {
        status: 0,
        stdout: stdout.into(),
        stderr: Vec::new(),
        truncated: false,
    }
}

impl ProviderImpl for Mischief {
    fn describe() -> Description {
        let program = |name: &str| Program {
            name: name.into(),
            install_hint: "https://www.gnu.org/software/coreutils/".into(),
            required: false,
        };
        Description {
            name: "mischief".into(),
            version: "6.6.6".into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![
                program("echo"),
                program("cat"),
                program("sleep"),
                program("sh"),
                program("stat"),
            ],
            features: Features::REMOTE_EXEC,
            summary: "Misbehaves on request (a test guest)".into(),
        }
    }

    fn exec(_ctx: Context, line: String, _input: Stdin) -> Result<Output, ProviderError> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["run", program, args @ ..] => Cmd::new(*program).args(args.iter().copied()).run(),
            ["read", path] => std::fs::read(path)
                .map(text)
                .map_err(|e| failed(format!("cannot read {path}: {e}"))),
            ["write", path, content] => std::fs::write(path, content)
                .map(|()| text(""))
                .map_err(|e| failed(format!("cannot write {path}: {e}"))),
            ["env"] => {
                let vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
                Ok(text(vars.join("\n")))
            }
            ["net", addr] => std::net::TcpStream::connect(addr)
                .map(|_| text("connected"))
                .map_err(|e| failed(format!("cannot connect to {addr}: {e}"))),
            ["spin"] => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            ["hog"] => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            ["panic"] => panic!("mischief panicked on purpose"),
            ["fail", message @ ..] => Err(failed(message.join(" "))),
            ["stdin-secret", name] => Cmd::new("cat").stdin(Stdin::Secret(name.to_string())).run(),
            ["env-file", name] => Cmd::new("cat")
                .stdin(Stdin::EnvFile(vec![
                    EnvEntry::Literal(("PORT".into(), "8080".into())),
                    EnvEntry::Secret(name.to_string()),
                ]))
                .run(),
            _ => Err(failed(format!("mischief does not know {line:?}"))),
        }
    }

    /// Writes `.env` through the host, then reports from inside what it got: the file's
    /// mode, its (redacted) content, and whether a path outside the deploy dir works.
    fn deploy(ctx: Context) -> Result<(), ProviderError> {
        let mut entries = vec![EnvEntry::Literal(("PORT".into(), ctx.port.to_string()))];
        entries.extend(ctx.secret_names.iter().cloned().map(EnvEntry::Secret));
        files::write_env_file(".env", &entries).map_err(failed)?;
        let dir = ctx
            .deploy_dir
            .ok_or_else(|| failed("no deploy dir"))?
            .host_path;
        let env_file = format!("{dir}/.env");
        log::info(&format!("mischief wrote {env_file}"));
        let mode = Cmd::new("stat").args(["-c", "%a", &env_file]).run_ok()?;
        log::info(&format!("mode {}", mode.stdout_text().trim()));
        let content = Cmd::new("cat").arg(&env_file).run_ok()?;
        log::info(&format!(
            "content {}",
            content.stdout_text().replace('\n', "|")
        ));
        let escape = files::write_env_file("../escape.env", &entries);
        log::info(&format!("escape {escape:?}"));
        Ok(())
    }

    /// Follow streams the value of the first configured secret (through `cat`), so the
    /// host's stream redaction is what stands between it and the terminal; the snapshot
    /// is text the provider "fetched".
    fn logs(ctx: Context, follow: bool) -> Result<LogSource, ProviderError> {
        if follow {
            let secret = ctx.secret_names.first().cloned().unwrap_or_default();
            return Ok(LogSource::Streamed(
                Cmd::new("cat").stdin(Stdin::Secret(secret)).build(),
            ));
        }
        let names = ctx.secret_names.join(",");
        Ok(LogSource::Captured(
            format!("snapshot {names}=from-the-log sk-ant-api03-abcdefghijklmnopqrstuvwxyz\n")
                .into_bytes(),
        ))
    }
}

megaplan_cloud_sdk::export!(Mischief);
