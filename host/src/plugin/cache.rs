//! Compiled components on disk, content-addressed by the component's sha256 and the
//! engine's compatibility hash, so a second load is an mmap instead of a compile.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::error::{CloudError, CloudResult};

pub struct CompileCache {
    dir: Option<PathBuf>,
    /// Hex digest of the engine's settings, part of every key.
    engine_key: String,
}

/// Feeds `Hash` output into sha256, giving a digest that is stable across runs
/// (unlike `DefaultHasher`'s random keys).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        unreachable!("only the full digest is used")
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a component was obtained, for benchmarks and `--verbose`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Cached,
    Compiled,
}

impl CompileCache {
    pub fn new(engine: &Engine, dir: Option<PathBuf>) -> Self {
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        hasher.0.update(env!("CARGO_PKG_VERSION").as_bytes());
        CompileCache {
            dir,
            engine_key: hex(&hasher.0.finalize()),
        }
    }

    fn entry(&self, sha256: &str) -> Option<PathBuf> {
        let key = sha256_hex(format!("{sha256}:{}", self.engine_key).as_bytes());
        self.dir.as_ref().map(|d| d.join(format!("{key}.cwasm")))
    }

    /// Loads `bytes` (whose sha256 is `sha256`) from the cache or compiles it and
    /// stores the result. A cache that cannot be read or written only costs time.
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
        sha256: &str,
    ) -> CloudResult<(Component, Origin)> {
        let entry = self.entry(sha256);
        if let Some(path) = entry.as_deref().filter(|p| p.is_file())
            && let Ok(component) = deserialize(engine, path)
        {
            return Ok((component, Origin::Cached));
        }
        let compiled = engine.precompile_component(bytes).map_err(|e| {
            CloudError::new(
                "invalid_provider",
                format!("not a valid WebAssembly component: {e:#}"),
            )
        })?;
        if let Some(path) = &entry {
            let _ = crate::fs::atomic_write(path, &compiled, 0o644);
        }
        // SAFETY: `compiled` was produced by this engine a moment ago.
        let component = unsafe { Component::deserialize(engine, &compiled) }.map_err(|e| {
            CloudError::new(
                "invalid_provider",
                format!("cannot load the compiled component: {e:#}"),
            )
        })?;
        Ok((component, Origin::Compiled))
    }
}

fn deserialize(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: cache entries are written only by `CompileCache::load` (atomically, in the
    // operator's own cache directory) from this engine's output; the key covers the
    // engine's settings, and wasmtime checks the header for compatibility.
    unsafe { Component::deserialize_file(engine, path) }
}
