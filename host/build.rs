//! Builds the built-in providers as WebAssembly components and embeds them, so a plain
//! `cargo build` or `cargo install` yields a binary that carries railway, local, ssh and swarm.

// Build scripts read cargo's variables directly; the environment rule is for the runtime.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::path::PathBuf;

const BUILTIN: &[(&str, &str)] = &[
    ("railway", "megaplan-cloud-provider-railway"),
    ("local", "megaplan-cloud-provider-local"),
    ("ssh", "megaplan-cloud-provider-ssh"),
    ("swarm", "megaplan-cloud-provider-swarm"),
];

fn main() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let packages: Vec<&str> = BUILTIN.iter().map(|(_, package)| *package).collect();
    let built = megaplan_cloud_wasm_build::build_components(&packages);

    let mut table = String::from("/// Built-in providers: (name, component bytes).\n");
    table.push_str("pub static BUILTIN_PROVIDERS: &[(&str, &[u8])] = &[\n");
    for ((name, _), component) in BUILTIN.iter().zip(&built) {
        let embedded = out_dir.join(format!("{name}.wasm"));
        std::fs::copy(&component.wasm, &embedded).expect("copy the component into OUT_DIR");
        writeln!(
            table,
            "    ({name:?}, include_bytes!({:?})),",
            embedded.display().to_string()
        )
        .expect("write to a String");
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("builtin_providers.rs"), table).expect("write the table");
}
