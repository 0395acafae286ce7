//! What the host reads of the railway provider's section for its own use: the service,
//! which names the runner in a chain marker. Railway needs no persistent deploy
//! directory and no extra files.

use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Railway {
    pub service: String,
}
