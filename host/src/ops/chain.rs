//! The remote chain workflows: `chain`, `status --chain`, `supervise --chain`.

use crate::error::{CloudError, CloudResult};

const WORKFLOW_FEATURE: &str =
    "the remote chain workflows: chain, status --chain and the supervisor (not yet scheduled)";

/// `chain`: upload a chain spec and start it remotely.
pub fn chain() -> CloudResult<()> {
    Err(CloudError::not_implemented("`chain`", WORKFLOW_FEATURE))
}

/// `status --chain`: the remote chain's state.
pub fn chain_status() -> CloudResult<()> {
    Err(CloudError::not_implemented(
        "`status --chain`",
        WORKFLOW_FEATURE,
    ))
}

/// `supervise --chain`: one supervisor tick.
pub fn supervise(chain: bool) -> CloudResult<()> {
    if !chain {
        return Err(CloudError::new(
            "invalid_args",
            "`cloud supervise` requires --chain. Try `megaplan cloud supervise --chain`.",
        ));
    }
    Err(CloudError::not_implemented(
        "`supervise --chain`",
        WORKFLOW_FEATURE,
    ))
}
