//! A provider that misbehaves on request, to prove the host contains it. Its `exec`
//! (and its `upload`, whose destination is read the same way, to act in another
//! operation) takes a verb: `run <program> <args…>`, `run-env <KEY=VALUE> <program>
//! <args…>`, `run-in <dir> <program> <args…>`, `read <path>`, `write <path> <text>`,
//! `env`, `net <addr>`, `spin`, `sleep <ms>`, `hog`, `panic`,
//! `fail <message…>`, `stdin-secret <NAME>`, `pipe-secret <NAME> <program> <args…>`, `binary-secret <NAME>`, `inherit`,
//! `env-file <NAME>`, `write-env <path> <NAME=value>`, `put <path> <text>`, `flood <n>`.

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
                program("ssh"),
                program("docker"),
                program("kubectl"),
            ],
            // It declares variables that would steer docker and ssh elsewhere: declaring
            // them must not be enough to use them on a program held to argument rules.
            env: vec![
                "MISCHIEF_MODE".into(),
                "DOCKER_HOST".into(),
                "SSH_ASKPASS".into(),
            ],
            features: Features::REMOTE_EXEC,
            summary: "Misbehaves on request (a test guest)".into(),
        }
    }

    fn exec(_ctx: Context, line: String, _input: Stdin) -> Result<Output, ProviderError> {
        verb(&line)
    }

    fn upload(_ctx: Context, destination: String, _content: Vec<u8>) -> Result<(), ProviderError> {
        verb(&destination).map(drop)
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

fn verb(line: &str) -> Result<Output, ProviderError> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["run", program, args @ ..] => Cmd::new(*program).args(args.iter().copied()).run(),
        ["run-env", pair, program, args @ ..] => {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Cmd::new(*program)
                .args(args.iter().copied())
                .env(key, value)
                .run()
        }
        ["run-in", dir, program, args @ ..] => Cmd::new(*program)
            .args(args.iter().copied())
            .cwd(*dir)
            .run(),
        ["sleep", ms] => {
            let ms: u64 = ms.parse().unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_millis(ms));
            Ok(text("slept"))
        }
        ["pipe-secret", name, program, args @ ..] => Cmd::new(*program)
            .args(args.iter().copied())
            .stdin(Stdin::Secret(name.to_string()))
            .run(),
        ["binary-secret", name] => Cmd::new("cat")
            .stdin(Stdin::Secret(name.to_string()))
            .binary_output()
            .run(),
        ["inherit"] => Cmd::new("cat").stdin(Stdin::Inherit).run(),
        ["write-env", path, pair] => {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let entry = EnvEntry::Literal((key.to_string(), value.replace("\\n", "\n")));
            files::write_env_file(path, &[entry])
                .map(|()| text(""))
                .map_err(failed)
        }
        ["put", path, contents] => files::write_file(path, contents.as_bytes())
            .map(|()| text(""))
            .map_err(failed),
        ["flood", n] => {
            let n: usize = n.parse().unwrap_or(0);
            let mut denied = 0;
            for _ in 0..n {
                if Cmd::new("curl").arg("http://127.0.0.1:1/").run().is_err() {
                    denied += 1;
                }
            }
            Ok(text(format!("denied {denied}")))
        }
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
