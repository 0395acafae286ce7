//! What the host does with the ssh provider's section: its persistent deploy directory
//! (`~/.megaplan/cloud/ssh-<host>/`) and the workspace directory `destroy` keeps.

use super::{DeployExtras, directory_name};
use crate::error::CloudResult;

#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Ssh {
    pub host: String,
    /// The host directory mounted at the parent of `repo.workspace`, so repositories,
    /// plan state and logins survive a redeploy (the later upstream's field).
    pub workspace_dir: Option<String>,
}

impl Ssh {
    pub(in crate::config) fn extras(&self) -> CloudResult<DeployExtras> {
        Ok(DeployExtras {
            dir_name: Some(format!("ssh-{}", directory_name(&self.host, "ssh.host")?)),
            ..DeployExtras::default()
        })
    }
}
