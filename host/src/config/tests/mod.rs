//! Every validation message of the reference (docs/configuration.md), defaults,
//! locations and warnings.

use super::*;

mod durable;
mod messages;

pub(super) fn parse(text: &str) -> CloudResult<Loaded> {
    CloudSpec::parse(text, "cloud.yaml", &|name| name == "sandbox")
}

pub(super) fn error(text: &str) -> CloudError {
    parse(text).expect_err(text)
}

const REPO: &str = "repo: {url: https://example.com/app.git}\n";

#[test]
fn defaults_match_the_reference() {
    let spec = parse(REPO).unwrap().spec;
    assert_eq!(spec.provider, "railway");
    assert_eq!(spec.repo.branch, "main");
    assert_eq!(spec.repo.workspace, "/workspace/app");
    assert_eq!(
        spec.agents,
        vec![("default".to_string(), "codex".to_string())]
    );
    assert_eq!(
        spec.codex,
        Codex {
            model: "gpt-5.4".into(),
            reasoning: "high".into()
        }
    );
    assert_eq!(spec.mode, Mode::Idle);
    assert_eq!(spec.megaplan_ref, "main");
    assert_eq!(
        spec.resources,
        Resources {
            volume: None,
            port: 8080,
            min_free_bytes: 2 << 30,
            min_free_inodes: 100_000,
        }
    );
    assert_eq!(
        spec.railway,
        Railway {
            service: "agent".into()
        }
    );
    // The railway section is read whatever the provider, with its declared defaults.
    let railway = parse(&format!("provider: railway\n{REPO}")).unwrap().spec;
    assert_eq!(
        railway.provider_section(),
        serde_json::json!({"service": "agent", "session": "agent"})
    );
    assert_eq!(spec.local, None);
    assert_eq!(spec.ssh, None);
    assert!(spec.secrets.is_empty() && spec.toolchains.is_empty() && spec.extra_repos.is_empty());
    assert_eq!(
        spec.image,
        Image {
            base: "ubuntu:22.04".into(),
            dockerfile: None
        }
    );
}

#[test]
fn provider_blocks_get_their_defaults() {
    let spec = parse(&format!("provider: local\n{REPO}")).unwrap().spec;
    assert_eq!(
        spec.local,
        Some(Local {
            compose_project: "megaplan-cloud".into(),
            workdir: "workspace".into()
        })
    );
    let spec = parse(&format!("provider: ssh\n{REPO}ssh: {{host: h}}\n"))
        .unwrap()
        .spec;
    assert_eq!(
        spec.ssh,
        Some(Ssh {
            host: "h".into(),
            workspace_dir: None,
        })
    );
    // The provider gets its whole section, with the defaults its schema declares.
    assert_eq!(
        spec.provider_section(),
        serde_json::json!({
            "host": "h",
            "port": 22,
            "remote_dir": "/tmp/megaplan-cloud",
            "container": "megaplan-cloud-agent",
            "options": {}
        })
    );
    // A non-empty local block is built whatever the provider.
    let spec = parse(&format!("{REPO}local: {{workdir: w}}\n"))
        .unwrap()
        .spec;
    assert_eq!(spec.local.unwrap().workdir, "w");
}

#[test]
fn the_reference_order_decides_which_error_wins() {
    // provider before repo, repo before codex, codex before mode, ..., secrets before toolchains.
    assert!(
        error("provider: bogus\nrepo: 1\n")
            .message
            .contains("provider must be one of")
    );
    assert!(
        error("repo: 1\ncodex: 1\n")
            .message
            .contains("`repo` must be a mapping")
    );
    assert!(
        error("repo: {url: u}\ncodex: 1\nmode: x\n")
            .message
            .contains("`codex`")
    );
    assert!(
        error("repo: {url: u}\nmode: x\nagents: 1\n")
            .message
            .contains("mode must be")
    );
    assert!(
        error("repo: {url: u}\nsecrets: 1\ntoolchains: 1\n")
            .message
            .contains("`secrets`")
    );
    assert!(
        error("repo: {url: u}\nextra_repos: 1\nsecrets: 1\n")
            .message
            .contains("`extra_repos`")
    );
}

#[test]
fn blocks_of_other_modes_are_ignored() {
    let spec = parse("repo: {url: u}\nauto: 5\nchain: [x]\n").unwrap().spec;
    assert_eq!((spec.auto, spec.chain), (None, None));
}

#[test]
fn messages_carry_the_location_of_the_node() {
    let text = "provider: local\nrepo:\n  url: https://x/y.git\n  workspace: relative/path\n";
    assert_eq!(
        error(text).message,
        "cloud.yaml:4:14: `repo.workspace` must be an absolute POSIX path; got 'relative/path'"
    );
    // A missing field is reported at its block.
    assert_eq!(
        error("repo:\n  branch: main\n").message,
        "cloud.yaml:1:1: `repo.url` is required"
    );
    // YAML syntax errors carry the parser's location.
    let syntax = error("repo:\n  url: [unclosed\n").message;
    assert!(
        syntax.starts_with("cloud.yaml:") && syntax.contains("YAML parse error: "),
        "{syntax}"
    );
}

#[test]
fn unknown_keys_warn_with_a_hint() {
    let loaded = parse("repo:\n  url: u\n  brnach: main\nprovder: local\nfancy: 1\n").unwrap();
    assert_eq!(
        loaded.warnings,
        vec![
            "warning: cloud.yaml:3:3: unknown key `repo.brnach` is ignored (did you mean `repo.branch`?)",
            "warning: cloud.yaml:4:1: unknown key `provder` is ignored (did you mean `provider`?)",
            "warning: cloud.yaml:5:1: unknown key `fancy` is ignored",
        ]
    );
}

#[test]
fn a_third_party_provider_gets_its_own_section() {
    let loaded = parse("provider: sandbox\nrepo: {url: u}\nsandbox: {greeting: hi}\n").unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.spec.provider_section(), json!({"greeting": "hi"}));
}

#[test]
fn routing_prefers_phase_then_default_then_builtin() {
    let spec = parse("repo: {url: u}\nagents: {execute: claude}\n")
        .unwrap()
        .spec;
    let routing = spec.routing();
    assert_eq!(routing[0], ("plan", "claude".to_string()));
    assert_eq!(routing[5], ("feedback", "claude:low".to_string()));
    assert_eq!(routing[7], ("execute", "claude".to_string()));
    let spec = parse("repo: {url: u}\nagents: {default: hermes, review: codex}\n")
        .unwrap()
        .spec;
    assert!(
        spec.routing()
            .iter()
            .all(|(p, a)| a == if *p == "review" { "codex" } else { "hermes" })
    );
}

#[test]
fn missing_file() {
    let err = CloudSpec::load(Path::new("/nonexistent/cloud.yaml"), &|_| false).unwrap_err();
    assert_eq!(err.message, "spec file not found: /nonexistent/cloud.yaml");
}

#[test]
fn fly_is_used_when_a_fly_component_is_installed() {
    let loaded = CloudSpec::parse(
        "provider: fly\nrepo: {url: u}\nfly: {app: my-app}\n",
        "cloud.yaml",
        &|n| n == "fly",
    )
    .unwrap();
    assert_eq!(loaded.spec.provider, "fly");
    assert_eq!(loaded.spec.provider_section(), json!({"app": "my-app"}));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn ssh_options_reach_the_provider_as_written() {
    let spec = parse(&format!(
        "provider: ssh\n{REPO}ssh: {{host: h, options: {{ConnectTimeout: 5, BatchMode: false, Ciphers: aes256-ctr}}}}\n"
    ))
    .unwrap()
    .spec;
    assert_eq!(
        spec.provider_section()["options"],
        serde_json::json!({"ConnectTimeout": 5, "BatchMode": false, "Ciphers": "aes256-ctr"})
    );
    let err = error(&format!(
        "provider: ssh\n{REPO}ssh: {{host: h, options: {{ProxyJump: [a]}}}}\n"
    ));
    assert!(
        err.message
            .ends_with("`ssh.options.ProxyJump` must be a string, number or boolean"),
        "{}",
        err.message
    );
}

#[test]
fn repo_overrides_apply_in_memory_and_check_the_workspace() {
    let spec = || parse(REPO).unwrap().spec;
    let overridden = spec()
        .with_repo_overrides(
            Some("https://example.com/fork.git"),
            Some("dev"),
            Some("/srv/w"),
        )
        .unwrap();
    assert_eq!(
        overridden.repo,
        Repo {
            url: "https://example.com/fork.git".into(),
            branch: "dev".into(),
            workspace: "/srv/w".into()
        }
    );
    // An empty flag keeps the file's value, as `value or spec.value` does.
    assert_eq!(
        spec()
            .with_repo_overrides(Some(""), Some(""), None)
            .unwrap()
            .repo,
        spec().repo
    );
    let error = spec()
        .with_repo_overrides(None, None, Some("relative/w"))
        .unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (
            "invalid_spec",
            "`repo.workspace` must be an absolute POSIX path; got 'relative/w'"
        )
    );
    let error = spec()
        .with_repo_overrides(None, None, Some("  "))
        .unwrap_err();
    assert_eq!(error.message, "`repo.workspace` must be a non-empty string");
}

#[test]
fn ssh_words_that_would_be_options_are_refused() {
    for (yaml, path) in [
        ("ssh: {host: -oProxyCommand=touch /tmp/pwned}", "ssh.host"),
        ("ssh: {host: 'a b'}", "ssh.host"),
        ("ssh: {host: h, user: -lroot}", "ssh.user"),
        (
            "ssh: {host: h, identity_file: \"k\\n-oX\"}",
            "ssh.identity_file",
        ),
    ] {
        let text = format!("provider: ssh\n{REPO}{yaml}\n");
        let err = error(&text);
        assert_eq!(err.code, "invalid_spec");
        assert!(
            err.message.contains(&format!(
                "`{path}` must not start with '-' or contain whitespace or control characters"
            )),
            "{}",
            err.message
        );
    }
}
