//! The committed JSON Schema matches the code, and the `init` template loads.

use megaplan_cloud::config::fields::all;
use megaplan_cloud::config::schema::schema;
use megaplan_cloud::config::{CloudSpec, Mode};
use megaplan_cloud::json::to_python_json;
use megaplan_cloud::ops::CLOUD_YAML_TEMPLATE;

fn repo_file(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_committed_schema_matches_the_code() {
    assert!(
        repo_file("docs/cloud.schema.json") == to_python_json(&schema()),
        "docs/cloud.schema.json is stale: run `cargo run -p megaplan-cloud -- schema > docs/cloud.schema.json`"
    );
}

#[test]
fn the_configuration_guide_documents_every_field() {
    let guide = repo_file("docs/configuration.md");
    let paths = all()
        .map(|field| field.path)
        .chain(megaplan_cloud::config::providers::field_paths());
    for path in paths {
        assert!(
            guide.contains(&format!("`{path}`")),
            "docs/configuration.md lacks `{path}`"
        );
    }
}

#[test]
fn the_init_template_loads_with_the_reference_values() {
    let loaded = CloudSpec::parse(CLOUD_YAML_TEMPLATE, "cloud.yaml", &|_| false).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let spec = loaded.spec;
    assert_eq!(spec.provider, "railway");
    assert_eq!(spec.repo.url, "https://github.com/example/app.git");
    assert_eq!(spec.repo.workspace, "/workspace/app");
    assert_eq!(spec.mode, Mode::Idle);
    assert_eq!(spec.codex.model, "gpt-5.4");
    assert_eq!(spec.resources.volume.as_deref(), Some("agent-volume"));
    assert_eq!(spec.secrets, vec!["OPENAI_API_KEY"]);
    assert_eq!(
        spec.agents,
        vec![("default".to_string(), "codex".to_string())]
    );
}

/// The built-in providers declare their sections the way any provider does, and the
/// host validates with exactly what they declare: each built-in component's
/// `config-schema` is the file the host embeds for it.
#[test]
fn each_built_in_declares_the_section_the_host_checks() {
    use megaplan_cloud::capability::{Capability, Settings};
    use megaplan_cloud::plugin::registry::Registry;
    use megaplan_cloud::plugin::{Limits, Runtime};
    let home = tempfile::tempdir().unwrap();
    let registry = Registry::new(
        megaplan_cloud::paths::CloudHome::at(home.path()),
        Vec::new(),
    );
    let runtime = Runtime::new(None, Limits::default()).unwrap();
    let (console, _) = megaplan_cloud::console::Console::capture();
    let capability = std::sync::Arc::new(Capability::new(Settings::new(console)));
    for (name, embedded) in megaplan_cloud::config::providers::DECLARED {
        let mut provider = registry
            .load(&runtime, name, capability.clone(), None)
            .unwrap();
        let declared = provider.config_schema().unwrap();
        assert_eq!(declared.as_deref(), Some(*embedded), "{name}");
    }
}
