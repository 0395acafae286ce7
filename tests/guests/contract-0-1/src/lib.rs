//! A provider built the way a third party built one for contract 0.1.0, the first: from
//! the frozen WIT (`wit/legacy/0.1`), with no SDK. Its types differ from the later
//! versions' (no `env` in its description, a `guest-path` in its deploy directory, no
//! nonce in its context), so the host loads it through an adapter. Its `exec` echoes the
//! line and what it was told of the deploy directory; `logs` and `doctor` answer; the
//! rest is `not-implemented`.

wit_bindgen::generate!({
    path: "../../../wit/legacy/0.1",
    world: "provider-world",
    generate_all,
});

use exports::megaplan::cloud::provider::Guest;
use megaplan::cloud::process;
use megaplan::cloud::types::{
    Check, Command, Context, Description, ErrorKind, Features, LogSource, Output, OutputMode,
    Program, ProviderError, Stdin, VolumeAction,
};

struct First;

fn unsupported(what: &str) -> ProviderError {
    ProviderError {
        kind: ErrorKind::NotImplemented,
        message: format!("contract-0-1 does not implement {what}"),
    }
}

impl Guest for First {
    fn describe() -> Description {
        Description {
            name: "contract-0-1".into(),
            version: "0.1.9".into(),
            contract_version: "0.1.0".into(),
            programs: vec![Program {
                name: "echo".into(),
                install_hint: "coreutils".into(),
                required: true,
            }],
            features: Features::REMOTE_EXEC | Features::VOLUMES,
            summary: "Built for contract 0.1.0 (a test guest)".into(),
        }
    }

    fn doctor(_ctx: Context) -> Result<Vec<Check>, ProviderError> {
        Ok(vec![Check {
            name: "legacy".into(),
            ok: true,
            detail: "speaks 0.1.0".into(),
        }])
    }

    fn build(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported("build"))
    }

    fn deploy(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported("deploy"))
    }

    fn exec(ctx: Context, command_line: String, input: Stdin) -> Result<Output, ProviderError> {
        let told = match &ctx.deploy_dir {
            Some(dir) => format!("dir {} guest {:?}", dir.host_path, dir.guest_path),
            None => "no dir".into(),
        };
        let cmd = Command {
            program: "echo".into(),
            args: vec!["first:".into(), command_line, told],
            cwd: None,
            env: Vec::new(),
            stdin: input,
            timeout_ms: None,
            output: OutputMode::Text,
            tty: false,
        };
        process::run(&cmd).map_err(|e| ProviderError {
            kind: ErrorKind::Failed,
            message: format!("{e:?}"),
        })
    }

    fn upload(_ctx: Context, _destination: String, _content: Vec<u8>) -> Result<(), ProviderError> {
        Err(unsupported("upload"))
    }

    fn read_file(_ctx: Context, _path: String) -> Result<Vec<u8>, ProviderError> {
        Err(unsupported("read-file"))
    }

    fn logs(_ctx: Context, _follow: bool) -> Result<LogSource, ProviderError> {
        Ok(LogSource::Captured(b"first log line\n".to_vec()))
    }

    fn attach_command(_ctx: Context) -> Result<Command, ProviderError> {
        Err(unsupported("attach"))
    }

    fn volume(_ctx: Context, action: VolumeAction) -> Result<String, ProviderError> {
        Ok(format!("volume {action:?}"))
    }

    fn down(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported("down"))
    }

    fn destroy(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported("destroy"))
    }
}

export!(First);
