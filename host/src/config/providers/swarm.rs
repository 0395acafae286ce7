//! What the host reads of the swarm provider's section for its own use: the service,
//! which names the runner in a chain marker, and the workspace volume, which `destroy`
//! keeps unless `--purge-workspace`. Its deploy directory is a temporary one, as
//! railway's: the service and its secrets live in the swarm.

use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Swarm {
    pub service: String,
    pub volume: String,
}
