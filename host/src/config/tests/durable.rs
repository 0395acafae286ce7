//! The durable-runner fields: the ssh workspace and caches, chain isolation.

use super::{error, parse};
use crate::config::Isolation;

const SSH: &str = "provider: ssh\nrepo: {url: u}\n";

#[test]
fn the_workspace_and_caches_are_read_and_passed_to_the_provider() {
    let text = format!(
        "{SSH}ssh: {{host: h, remote_dir: /opt/m/deploy, workspace_dir: /opt/m/workspace, cache_dir: /opt/m/cache}}\n"
    );
    let spec = parse(&text).unwrap().spec;
    assert_eq!(
        spec.ssh.as_ref().unwrap().workspace_dir.as_deref(),
        Some("/opt/m/workspace")
    );
    assert_eq!(spec.provider_section()["cache_dir"], "/opt/m/cache");
    assert_eq!(spec.provider_section()["workspace_dir"], "/opt/m/workspace");
    let plain = parse(&format!("{SSH}ssh: {{host: h}}\n")).unwrap().spec;
    assert_eq!(
        plain.provider_section()["workspace_dir"],
        serde_json::Value::Null
    );
}

#[test]
fn workspace_paths_are_absolute() {
    let err = error(&format!("{SSH}ssh: {{host: h, workspace_dir: rel/dir}}\n"));
    assert!(
        err.message
            .ends_with("`ssh.workspace_dir` must be an absolute POSIX path; got 'rel/dir'"),
        "{}",
        err.message
    );
}

#[test]
fn isolation_is_read_in_every_mode() {
    let shared = parse("repo: {url: u}\n").unwrap().spec;
    assert_eq!(shared.isolation, Isolation::Shared);
    let per_chain = parse("repo: {url: u}\nchain: {isolation: per-chain}\n")
        .unwrap()
        .spec;
    assert_eq!(per_chain.isolation, Isolation::PerChain);
    assert!(
        parse("repo: {url: u}\nmode: chain\nchain: {spec: /w/c.yaml, isolation: per-chain}\n")
            .is_ok()
    );
    let err = error("repo: {url: u}\nchain: {isolation: everyone}\n");
    assert!(
        err.message
            .contains("chain.isolation must be one of shared, per-chain; got 'everyone'"),
        "{}",
        err.message
    );
}

#[test]
fn an_explicit_workspace_is_remembered() {
    assert!(!parse("repo: {url: u}\n").unwrap().spec.workspace_explicit);
    assert!(
        parse("repo: {url: u, workspace: /w/app}\n")
            .unwrap()
            .spec
            .workspace_explicit
    );
    let overridden = parse("repo: {url: u}\n")
        .unwrap()
        .spec
        .with_repo_overrides(None, None, Some("/srv/app"))
        .unwrap();
    assert!(overridden.workspace_explicit);
}

#[test]
fn enum_values_get_a_did_you_mean_and_required_keys_a_location() {
    let err = error("provider: lcoal\nrepo: {url: u}\n");
    assert_eq!(
        err.message,
        "cloud.yaml:1:11: provider must be one of railway, local, ssh, swarm, fly; got 'lcoal' (did you mean `local`?)"
    );
    let err = error("repo: {url: u}\nmode: chian\n");
    assert!(
        err.message.ends_with("got 'chian' (did you mean `chain`?)"),
        "{}",
        err.message
    );
    let far = error("provider: kubernetes\nrepo: {url: u}\n");
    assert!(!far.message.contains("did you mean"), "{}", far.message);
    // The mapping that lacks the key: the repo block, else the document itself.
    assert_eq!(
        error("repo: {branch: main}\n").message,
        "cloud.yaml:1:1: `repo.url` is required"
    );
    assert_eq!(
        error("provider: local\n").message,
        "cloud.yaml:1:1: `repo.url` is required"
    );
    assert_eq!(
        error("provider: local\nrepo:\n  branch: main\n").message,
        "cloud.yaml:2:1: `repo.url` is required"
    );
}

#[test]
fn a_third_party_section_must_be_a_mapping() {
    let parse_with =
        |text: &str| super::super::CloudSpec::parse(text, "cloud.yaml", &|name| name == "acme");
    for bad in ["acme: demo\n", "acme: [1]\n"] {
        let err = parse_with(&format!("provider: acme\nrepo: {{url: u}}\n{bad}")).unwrap_err();
        assert_eq!(
            err.message, "cloud.yaml:3:7: `acme` must be a mapping",
            "{bad}"
        );
    }
    for fine in ["", "acme:\n", "acme: {region: ams}\n"] {
        let spec = parse_with(&format!("provider: acme\nrepo: {{url: u}}\n{fine}"))
            .unwrap()
            .spec;
        assert!(spec.provider_section().is_object(), "{fine}");
    }
}
