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
    for field in all() {
        assert!(
            guide.contains(&format!("`{}`", field.path)),
            "docs/configuration.md lacks `{}`",
            field.path
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
