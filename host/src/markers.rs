//! The chain marker: what `chain` remembers of the chain it launched, so that `status
//! --chain` and `supervise --chain` find it again from the same cloud.yaml, whatever the
//! provider. `~/.megaplan/cloud/markers/<key>/last_chain.json`, where the key is the
//! first 16 hex characters of the SHA-256 of the cloud.yaml's resolved absolute path; the
//! fields and their order are the reference's, and the file is written atomically.
//! Reading never fails: an unreadable or invalid marker is treated as absent.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::CloudResult;
use crate::paths::CloudHome;

/// What `chain` records after a successful launch.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub remote_spec: String,
    /// UTC, ISO 8601 with `+00:00`.
    pub started_at: String,
    pub base_branch: String,
    /// The full `cloud_chain_launched` payload.
    pub provenance: Value,
    pub workspace: String,
    pub chain_session: String,
    pub extra_repos: Vec<String>,
    pub provider: String,
    /// railway: `railway.service`; local: `local.compose_project`; ssh: `ssh.host`.
    pub provider_identity: String,
    /// The chain's own runner, when its provider gives isolated chains one
    /// (`runner.selected`); absent for the configuration's own runner, as in the
    /// reference's markers.
    pub runner: Option<String>,
}

impl Marker {
    /// The marker as JSON, keys in the reference's order.
    pub fn to_json(&self) -> Value {
        let mut marker = json!({
            "remote_spec": self.remote_spec,
            "started_at": self.started_at,
            "base_branch": self.base_branch,
            "provenance": self.provenance,
            "workspace": self.workspace,
            "chain_session": self.chain_session,
            "extra_repos": self.extra_repos,
            "provider": self.provider,
            "provider_identity": self.provider_identity,
        });
        if let Some(runner) = &self.runner {
            marker["runner"] = json!(runner);
        }
        marker
    }
}

/// The chain's own runner a marker names, if any.
pub fn runner(marker: &Map<String, Value>) -> Option<&str> {
    marker
        .get("runner")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Every chain runner the chains launched from this cloud.yaml were given, sorted.
pub fn runners(home: &CloudHome, cloud_yaml: &Path) -> Vec<String> {
    let dir = home.markers_dir().join(key(cloud_yaml)).join("chains");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .flatten()
        .filter_map(|entry| read_file(&entry.path()))
        .filter_map(|marker| runner(&marker).map(str::to_string))
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The marker key of a cloud.yaml: SHA-256 of its resolved absolute path, 16 hex.
pub fn key(cloud_yaml: &Path) -> String {
    short_sha256(&cloud_yaml.to_string_lossy())
}

/// The first 16 hex characters of the SHA-256 of `text`.
fn short_sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

pub fn path(home: &CloudHome, cloud_yaml: &Path) -> PathBuf {
    home.markers_dir()
        .join(key(cloud_yaml))
        .join("last_chain.json")
}

/// This chain's own entry beside `last_chain.json`: one per session, so launching a
/// second chain from the same cloud.yaml does not forget the first.
/// `chains/<sha256(session)[:16]>.json`, whatever characters the session has.
pub fn session_path(home: &CloudHome, cloud_yaml: &Path, session: &str) -> PathBuf {
    let name = short_sha256(session);
    home.markers_dir()
        .join(key(cloud_yaml))
        .join("chains")
        .join(format!("{name}.json"))
}

/// Writes the marker (pretty JSON and a newline) as the last chain, replacing any
/// earlier one, and as its session's entry.
pub fn write(home: &CloudHome, cloud_yaml: &Path, marker: &Marker) -> CloudResult<()> {
    let text = crate::json::to_python_json(&marker.to_json());
    let entry = session_path(home, cloud_yaml, &marker.chain_session);
    crate::fs::atomic_write(&entry, text.as_bytes(), 0o644)?;
    crate::fs::atomic_write(&path(home, cloud_yaml), text.as_bytes(), 0o644)
}

/// The entry of the chain launched in `session`, if any.
pub fn read_session(
    home: &CloudHome,
    cloud_yaml: &Path,
    session: &str,
) -> Option<Map<String, Value>> {
    read_file(&session_path(home, cloud_yaml, session))
}

/// The marker's fields, or `None` when there is no readable JSON object.
pub fn read(home: &CloudHome, cloud_yaml: &Path) -> Option<Map<String, Value>> {
    read_file(&path(home, cloud_yaml))
}

fn read_file(path: &Path) -> Option<Map<String, Value>> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The remote spec a marker names: only a non-empty string counts.
pub fn remote_spec(marker: &Map<String, Value>) -> Option<&str> {
    marker
        .get("remote_spec")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker() -> Marker {
        Marker {
            remote_spec: "/workspace/app/chain.yaml".into(),
            started_at: "2026-12-01T22:00:00+00:00".into(),
            base_branch: "main".into(),
            provenance: json!({"success": true}),
            workspace: "/workspace/app".into(),
            chain_session: "megaplan-chain".into(),
            extra_repos: vec![],
            provider: "local".into(),
            provider_identity: "megaplan-cloud".into(),
            runner: None,
        }
    }

    #[test]
    fn the_key_is_the_references() {
        // The reference's own example.
        assert_eq!(
            key(Path::new("/home/dev/proj/cloud.yaml")),
            "64d2fdfe9fcfe329"
        );
    }

    #[test]
    fn written_in_order_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let home = CloudHome::at(dir.path());
        let cloud_yaml = Path::new("/home/dev/proj/cloud.yaml");
        write(&home, cloud_yaml, &marker()).unwrap();
        let file = dir.path().join("markers/64d2fdfe9fcfe329/last_chain.json");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with(
                "{\n  \"remote_spec\": \"/workspace/app/chain.yaml\",\n  \"started_at\""
            ),
            "{text}"
        );
        assert!(
            text.ends_with("\"provider_identity\": \"megaplan-cloud\"\n}\n"),
            "{text}"
        );
        let read_back = read(&home, cloud_yaml).unwrap();
        assert_eq!(remote_spec(&read_back), Some("/workspace/app/chain.yaml"));
    }

    #[test]
    fn every_session_keeps_its_own_entry() {
        let dir = tempfile::tempdir().unwrap();
        let home = CloudHome::at(dir.path());
        let cloud_yaml = Path::new("/p/cloud.yaml");
        let mut first = marker();
        first.chain_session = "megaplan-chain-a-11111111".into();
        let mut second = marker();
        second.chain_session = "../../s p a c e".into();
        second.remote_spec = "/workspace/b/app/chain.yaml".into();
        write(&home, cloud_yaml, &first).unwrap();
        write(&home, cloud_yaml, &second).unwrap();
        let last = read(&home, cloud_yaml).unwrap();
        assert_eq!(last["chain_session"], "../../s p a c e");
        let a = read_session(&home, cloud_yaml, "megaplan-chain-a-11111111").unwrap();
        assert_eq!(a["remote_spec"], "/workspace/app/chain.yaml");
        let b = read_session(&home, cloud_yaml, "../../s p a c e").unwrap();
        assert_eq!(b["remote_spec"], "/workspace/b/app/chain.yaml");
        let entry = session_path(&home, cloud_yaml, "../../s p a c e");
        assert!(entry.starts_with(dir.path().join("markers")), "{entry:?}");
        assert!(read_session(&home, cloud_yaml, "other").is_none());
    }

    #[test]
    fn a_chains_own_runner_is_recorded_and_every_one_listed_once() {
        let dir = tempfile::tempdir().unwrap();
        let home = CloudHome::at(dir.path());
        let cloud_yaml = Path::new("/p/cloud.yaml");
        write(&home, cloud_yaml, &marker()).unwrap();
        assert!(
            !std::fs::read_to_string(path(&home, cloud_yaml))
                .unwrap()
                .contains("runner\"")
        );
        for (session, runner) in [("s-b", "b-2"), ("s-a", "a-1"), ("s-a2", "a-1")] {
            let mut own = marker();
            own.chain_session = session.into();
            own.runner = Some(runner.into());
            write(&home, cloud_yaml, &own).unwrap();
        }
        assert_eq!(runners(&home, cloud_yaml), ["a-1", "b-2"]);
        let entry = read_session(&home, cloud_yaml, "s-b").unwrap();
        assert_eq!(super::runner(&entry), Some("b-2"));
    }

    #[test]
    fn an_unreadable_marker_is_absent() {
        let dir = tempfile::tempdir().unwrap();
        let home = CloudHome::at(dir.path());
        let cloud_yaml = Path::new("/p/cloud.yaml");
        assert!(read(&home, cloud_yaml).is_none());
        let file = path(&home, cloud_yaml);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        for junk in ["{not json", "[1, 2]", ""] {
            std::fs::write(&file, junk).unwrap();
            assert!(read(&home, cloud_yaml).is_none(), "{junk:?}");
        }
        std::fs::write(&file, r#"{"remote_spec": ""}"#).unwrap();
        assert_eq!(remote_spec(&read(&home, cloud_yaml).unwrap()), None);
    }
}
