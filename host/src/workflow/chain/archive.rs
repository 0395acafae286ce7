//! The one archive every chain upload travels in: a plain tar whose members are named
//! `f0`, `f1`, … (never a path from the spec, so extracting it cannot write anywhere
//! but the runner's scratch directory), with the sha256 of each member and of the
//! whole, which the runner checks before it moves anything into place.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::launch::Upload;
use crate::error::{CloudError, CloudResult};

pub struct Entry {
    /// The member's name in the archive.
    pub name: String,
    pub sha256: String,
}

pub struct Archive {
    pub tar: Vec<u8>,
    pub sha256: String,
    pub entries: Vec<Entry>,
}

impl Archive {
    /// What travels on stdin: base64, so every transport's stdin carries it unchanged.
    pub fn base64(&self) -> Vec<u8> {
        STANDARD.encode(&self.tar).into_bytes()
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn build(uploads: &[Upload]) -> CloudResult<Archive> {
    let failed = |e: std::io::Error| {
        CloudError::new("internal_error", format!("cannot pack the uploads: {e}"))
    };
    let mut builder = tar::Builder::new(Vec::new());
    let mut entries = Vec::new();
    for (index, upload) in uploads.iter().enumerate() {
        let name = format!("f{index}");
        let mut header = tar::Header::new_ustar();
        header.set_size(upload.content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, &name, upload.content.as_slice())
            .map_err(failed)?;
        entries.push(Entry {
            name,
            sha256: sha256_hex(&upload.content),
        });
    }
    let tar = builder.into_inner().map_err(failed)?;
    Ok(Archive {
        sha256: sha256_hex(&tar),
        tar,
        entries,
    })
}
