//! The architecture, enforced: which of the host's modules may name which (`crate::x`),
//! that the rules have no cycle, and that only `plugin` names wasmtime. The same table
//! is printed in docs/architecture.md; this test fails when the code or the table
//! drifts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Small modules with one job each, usable from anywhere.
const SUPPORT: &[&str] = &[
    "console",
    "environment",
    "error",
    "fs",
    "json",
    "markers",
    "paths",
    "progress",
    "project",
    "redact",
    "secrets",
    "template",
];

/// Who may import whom, beyond the support modules (which everyone may use).
const LAYERS: &[(&str, &[&str])] = &[
    ("cli", &["ops"]),
    (
        "ops",
        &["config", "deploy_dir", "plugin", "workflow", "capability"],
    ),
    ("workflow", &["config", "deploy_dir", "capability"]),
    ("deploy_dir", &["config"]),
    ("plugin", &["capability"]),
    ("config", &[]),
    ("capability", &[]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`capability/spawn.rs` → capability).
fn module_of(file: &Path) -> String {
    let relative = file.strip_prefix(src()).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// Every `crate::<name>` a file mentions, comments included (a doc link is a
/// dependency too).
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let preceded_by_ident = text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if preceded_by_ident {
            continue; // e.g. `megaplan_cloud_crate::`
        }
        let rest = &text[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            names.insert(name);
        }
    }
    names
}

fn allowed(module: &str) -> BTreeSet<&'static str> {
    let mut allowed: BTreeSet<&str> = SUPPORT.iter().copied().collect();
    if SUPPORT.contains(&module) {
        return allowed;
    }
    let (_, layer) = LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .unwrap_or_else(|| panic!("module `{module}` is not in the layering table"));
    allowed.extend(layer.iter().copied());
    allowed
}

#[test]
fn every_module_imports_only_what_its_layer_allows() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut violations = Vec::new();
    for file in files {
        let module = module_of(&file);
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let allowed = allowed(&module);
        for name in crate_references(&text) {
            if name != module && !allowed.contains(name.as_str()) {
                violations.push(format!("{}: uses crate::{name}", file.display()));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_layers_have_no_cycle() {
    let edges: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut done = BTreeSet::new();
    fn visit<'a>(
        node: &'a str,
        edges: &BTreeMap<&'a str, &'a [&'a str]>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        assert!(!path.contains(&node), "cycle: {path:?} -> {node}");
        if done.contains(node) {
            return;
        }
        path.push(node);
        for next in edges.get(node).copied().unwrap_or(&[]) {
            visit(next, edges, path, done);
        }
        path.pop();
        done.insert(node);
    }
    for node in edges.keys() {
        visit(node, &edges, &mut Vec::new(), &mut done);
    }
    // Support modules may use one another; they must not reach up into a layer.
    for (name, _) in LAYERS {
        assert!(
            !SUPPORT.contains(name),
            "{name} is both support and a layer"
        );
    }
}

#[test]
fn only_cli_imports_ops_and_nothing_imports_cli() {
    for (module, imports) in LAYERS {
        assert!(!imports.contains(&"cli"), "{module} may not import cli");
        if *module != "cli" {
            assert!(!imports.contains(&"ops"), "{module} may not import ops");
        }
    }
}

#[test]
fn only_the_plugin_module_names_wasmtime() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let offenders: Vec<String> = files
        .iter()
        .filter(|file| module_of(file) != "plugin")
        .filter(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            text.contains("wasmtime::") || text.contains("wasmtime_wasi")
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn the_reference_scanner_sees_paths_and_uses() {
    let found = crate_references(
        "use crate::config::{A};\n let x = crate::fs::f(); // crate::ops\nsdk_crate::no",
    );
    assert_eq!(
        found,
        ["config", "fs", "ops"]
            .map(String::from)
            .into_iter()
            .collect()
    );
}
