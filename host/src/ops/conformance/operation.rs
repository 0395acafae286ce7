//! The operations the suite runs, in the order of a runner's life, each with the
//! inputs the suite gives it.

use crate::capability::{CommandSpec, StdinSpec};
use crate::error::{CloudError, CloudResult};
use crate::plugin::{LogSource, OpContext, ProviderInstance, VolumeAction};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Doctor,
    Build,
    Volume,
    Deploy,
    Observe,
    Exec,
    Upload,
    ReadFile,
    Logs,
    Attach,
    Down,
    Destroy,
}

/// What an operation handed back for the host to run itself.
pub enum Returned {
    Nothing,
    /// `logs`: a command the host streams.
    Stream(CommandSpec),
    /// `attach-command`: a command for the operator's terminal (never run here).
    Terminal(CommandSpec),
}

impl Operation {
    pub const ALL: [Operation; 12] = [
        Operation::Doctor,
        Operation::Build,
        Operation::Volume,
        Operation::Deploy,
        Operation::Observe,
        Operation::Exec,
        Operation::Upload,
        Operation::ReadFile,
        Operation::Logs,
        Operation::Attach,
        Operation::Down,
        Operation::Destroy,
    ];

    /// Its name in the contract, and its cassette's (`<name>.cassette`).
    pub fn name(self) -> &'static str {
        match self {
            Operation::Doctor => "doctor",
            Operation::Build => "build",
            Operation::Volume => "volume",
            Operation::Deploy => "deploy",
            Operation::Observe => "observe",
            Operation::Exec => "exec",
            Operation::Upload => "upload",
            Operation::ReadFile => "read-file",
            Operation::Logs => "logs",
            Operation::Attach => "attach",
            Operation::Down => "down",
            Operation::Destroy => "destroy",
        }
    }

    /// Whether the host renders the deploy directory for it (as `build` and `deploy`
    /// do), so env files may be written into it.
    pub fn renders(self) -> bool {
        matches!(self, Operation::Build | Operation::Deploy)
    }

    /// Runs it with the suite's inputs.
    pub fn invoke(self, provider: &mut ProviderInstance, ctx: &OpContext) -> CloudResult<Returned> {
        let nothing = |result: CloudResult<()>| result.map(|()| Returned::Nothing);
        match self {
            Operation::Doctor => provider.doctor(ctx).map(|_| Returned::Nothing),
            Operation::Build => nothing(provider.build(ctx)),
            Operation::Volume => provider
                .volume(ctx, VolumeAction::Ensure)
                .map(|_| Returned::Nothing),
            Operation::Deploy => nothing(provider.deploy(ctx)),
            Operation::Observe => match provider.observe(ctx)? {
                Some(_) => Ok(Returned::Nothing),
                None => Err(CloudError::new(
                    "not_implemented",
                    "observe is not implemented",
                )),
            },
            Operation::Exec => provider
                .exec(ctx, "echo conformance", StdinSpec::None)
                .map(|_| Returned::Nothing),
            Operation::Upload => {
                let content = b"conformance\n";
                nothing(provider.upload(ctx, &conformance_file(ctx), content))
            }
            Operation::ReadFile => provider
                .read_file(ctx, &conformance_file(ctx))
                .map(|_| Returned::Nothing),
            Operation::Logs => Ok(match provider.logs(ctx, false)? {
                LogSource::Streamed(cmd) => Returned::Stream(cmd),
                LogSource::Captured(_) => Returned::Nothing,
            }),
            Operation::Attach => provider.attach_command(ctx).map(Returned::Terminal),
            Operation::Down => nothing(provider.down(ctx)),
            Operation::Destroy => nothing(provider.destroy(ctx)),
        }
    }
}

/// The file `upload` writes and `read-file` reads back (they run in that order).
fn conformance_file(ctx: &OpContext) -> String {
    format!(
        "{}/.megaplan/conformance.txt",
        ctx.workspace.trim_end_matches('/')
    )
}
