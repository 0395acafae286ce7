//! The host's own view of a provider's `observe` (contract 0.3.0): the runner's state,
//! image, start time, restarts and free space on its workspace filesystem.

use serde_json::{Value, json};

use super::bindings::megaplan::cloud::observation as wit;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContainerState {
    Running,
    Restarting,
    Exited(i32),
    Missing,
    Other(String),
}

impl ContainerState {
    /// One word, as JSON shows it (`exited` carries its code separately).
    pub fn word(&self) -> &str {
        match self {
            ContainerState::Running => "running",
            ContainerState::Restarting => "restarting",
            ContainerState::Exited(_) => "exited",
            ContainerState::Missing => "missing",
            ContainerState::Other(word) => word,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disk {
    pub free_bytes: u64,
    pub free_inodes: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunnerObservation {
    pub state: ContainerState,
    pub image_id: Option<String>,
    pub started_at: Option<String>,
    pub restart_count: Option<u32>,
    pub disk: Option<Disk>,
    pub detail: String,
}

impl RunnerObservation {
    pub fn running(&self) -> bool {
        self.state == ContainerState::Running
    }

    pub fn to_json(&self) -> Value {
        let exit_code = match self.state {
            ContainerState::Exited(code) => Some(code),
            _ => None,
        };
        json!({
            "state": self.state.word(),
            "exit_code": exit_code,
            "image_id": self.image_id,
            "started_at": self.started_at,
            "restart_count": self.restart_count,
            "disk": self.disk.map(|d| json!({"free_bytes": d.free_bytes, "free_inodes": d.free_inodes})),
            "detail": self.detail,
        })
    }
}

pub(super) fn from_wit(raw: wit::Observation) -> RunnerObservation {
    RunnerObservation {
        state: match raw.state {
            wit::ContainerState::Running => ContainerState::Running,
            wit::ContainerState::Restarting => ContainerState::Restarting,
            wit::ContainerState::Exited(code) => ContainerState::Exited(code),
            wit::ContainerState::Missing => ContainerState::Missing,
            wit::ContainerState::Other(word) => ContainerState::Other(word),
        },
        image_id: raw.image_id,
        started_at: raw.started_at,
        restart_count: raw.restart_count,
        disk: raw.disk.map(|d| Disk {
            free_bytes: d.free_bytes,
            free_inodes: d.free_inodes,
        }),
        detail: raw.detail,
    }
}
