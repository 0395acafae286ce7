//! A provider built the way a third party built one for contract 0.5.0: straight from
//! the frozen WIT (`wit/legacy/0.5`), with no SDK and no `runner` import or
//! `chain-runners` export. It describes itself and its section's schema, probes `echo`
//! in `doctor`, runs `echo` for `exec`, writes a file of its own in `build` (so it
//! imports `files.write-file`), observes a running runner, and answers
//! `not-implemented` for the rest; the host must load it, run it, and take it to share
//! one runner.

wit_bindgen::generate!({
    path: "../../../wit/legacy/0.5",
    world: "provider-world",
    generate_all,
});

use exports::megaplan::cloud::provider::Guest;
use megaplan::cloud::observation::{ContainerState, Observation};
use megaplan::cloud::types::{
    Check, Command, Context, Description, ErrorKind, Features, LogSource, Output, OutputMode,
    Program, ProviderError, Stdin, VolumeAction,
};
use megaplan::cloud::{files, process};

struct Legacy;

fn unsupported(what: &str) -> ProviderError {
    ProviderError {
        kind: ErrorKind::NotImplemented,
        message: format!("contract-0-5 does not implement {what}"),
    }
}

impl Guest for Legacy {
    fn describe() -> Description {
        Description {
            name: "contract-0-5".into(),
            version: "0.5.1".into(),
            contract_version: "0.5.0".into(),
            programs: vec![Program {
                name: "echo".into(),
                install_hint: "coreutils".into(),
                required: true,
            }],
            env: Vec::new(),
            features: Features::REMOTE_EXEC,
            summary: "Built for contract 0.5.0 (a test guest)".into(),
        }
    }

    fn config_schema() -> Option<String> {
        Some(
            r#"{"type": "object", "properties": {"zone": {"type": "string", "default": "z1"}}}"#
                .into(),
        )
    }

    fn doctor(_ctx: Context) -> Result<Vec<Check>, ProviderError> {
        let cmd = Command {
            program: "echo".into(),
            args: vec!["probed".into()],
            cwd: None,
            env: Vec::new(),
            stdin: Stdin::None,
            timeout_ms: None,
            output: OutputMode::Text,
            tty: false,
        };
        let probed = process::probe(&cmd).map_err(|e| ProviderError {
            kind: ErrorKind::Failed,
            message: format!("{e:?}"),
        })?;
        Ok(vec![Check {
            name: "legacy".into(),
            ok: true,
            detail: format!(
                "speaks 0.5.0, {}",
                String::from_utf8_lossy(&probed.stdout).trim()
            ),
        }])
    }

    fn build(_ctx: Context) -> Result<(), ProviderError> {
        files::write_file("legacy.toml", b"built = true\n").map_err(|message| ProviderError {
            kind: ErrorKind::Failed,
            message,
        })
    }

    fn deploy(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported("deploy"))
    }

    fn exec(ctx: Context, command_line: String, _input: Stdin) -> Result<Output, ProviderError> {
        let cmd = Command {
            program: "echo".into(),
            args: vec!["legacy:".into(), command_line, ctx.config],
            cwd: None,
            env: Vec::new(),
            stdin: Stdin::None,
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
        Ok(LogSource::Captured(b"legacy log line\n".to_vec()))
    }

    fn attach_command(_ctx: Context) -> Result<Command, ProviderError> {
        Err(unsupported("attach"))
    }

    fn volume(_ctx: Context, _action: VolumeAction) -> Result<String, ProviderError> {
        Err(unsupported("volume"))
    }

    fn down(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported("down"))
    }

    fn destroy(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported("destroy"))
    }

    fn observe(_ctx: Context) -> Result<Observation, ProviderError> {
        Ok(Observation {
            state: ContainerState::Running,
            image_id: Some("sha256:legacy".into()),
            started_at: None,
            restart_count: Some(0),
            disk: None,
            detail: "observed by a 0.5.0 provider".into(),
        })
    }
}

export!(Legacy);
