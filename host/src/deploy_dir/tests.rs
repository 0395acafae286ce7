//! Golden files for every artifact across provider × mode × toolchains, syntax checks
//! with the real interpreters, and materialization.
//! Regenerate the golden files with `UPDATE_GOLDEN=1 cargo test -p megaplan-cloud --lib image`.

// The syntax checks run bash and python3, and UPDATE_GOLDEN is read here.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use super::*;
use crate::config::CloudSpec;

const PROVIDERS: [&str; 3] = ["railway", "local", "ssh"];
const MODES: [&str; 3] = ["idle", "auto", "chain"];
const TOOLCHAINS: [&str; 2] = ["none", "all"];

fn spec(provider: &str, mode: &str, toolchains: &str) -> CloudSpec {
    let mut text = format!(
        "provider: {provider}\nmode: {mode}\nrepo: {{url: https://github.com/example/app.git}}\n\
         ssh: {{host: docker.example.com}}\nresources: {{port: 8080}}\n\
         auto: {{plan_name: my-plan, idea_file: /workspace/idea.txt}}\nchain: {{spec: /workspace/chain.yaml}}\n"
    );
    if toolchains == "all" {
        text.push_str("toolchains:\n  - rust\n  - go\n  - java\n  - name: custom\n    install: |\n      RUN curl -fsSL https://example.com/tool/install.sh | bash\n");
    }
    CloudSpec::parse(&text, "cloud.yaml", &|_| false)
        .unwrap()
        .spec
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run with UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == actual,
        "{name} differs from its golden file (UPDATE_GOLDEN=1 to accept):\n{actual}"
    );
}

#[test]
fn every_artifact_across_provider_mode_and_toolchains() {
    for provider in PROVIDERS {
        for mode in MODES {
            for toolchains in TOOLCHAINS {
                let files = artifacts(&spec(provider, mode, toolchains)).unwrap();
                let mut paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
                paths.sort();
                let mut expected = vec![
                    "Dockerfile",
                    "entrypoint.sh",
                    "healthserver.py",
                    "railway.toml",
                    "wrappers/mp-chain",
                    "wrappers/mp-heartbeat",
                    "wrappers/mp-run",
                    "wrappers/mp-supervise",
                ];
                if provider == "local" {
                    expected.insert(1, "docker-compose.yaml");
                }
                assert_eq!(paths, expected, "{provider} {mode} {toolchains}");
                for file in &files {
                    let executable =
                        file.path == "entrypoint.sh" || file.path.starts_with("wrappers/");
                    assert_eq!(
                        file.mode,
                        if executable { 0o755 } else { 0o644 },
                        "{}",
                        file.path
                    );
                    match file.path.as_str() {
                        "Dockerfile" => {
                            golden(&format!("Dockerfile-{toolchains}.golden"), &file.contents)
                        }
                        "entrypoint.sh" => {
                            golden(&format!("entrypoint-{mode}.sh.golden"), &file.contents)
                        }
                        "docker-compose.yaml" => {
                            golden("docker-compose.yaml.golden", &file.contents)
                        }
                        "railway.toml" => golden("railway.toml.golden", &file.contents),
                        _ => {}
                    }
                }
            }
        }
    }
}

#[test]
fn generated_scripts_parse_with_the_real_interpreters() {
    let dir = tempfile::tempdir().unwrap();
    for mode in MODES {
        for file in artifacts(&spec("local", mode, "all")).unwrap() {
            let path = dir.path().join(file.path.replace('/', "_"));
            std::fs::write(&path, &file.contents).unwrap();
            let check = if file.path.ends_with(".py") {
                std::process::Command::new("python3")
                    .args(["-m", "py_compile"])
                    .arg(&path)
                    .output()
            } else if file.path == "entrypoint.sh" || file.path.starts_with("wrappers/") {
                std::process::Command::new("bash")
                    .arg("-n")
                    .arg(&path)
                    .output()
            } else {
                continue;
            };
            let check = check.unwrap();
            assert!(
                check.status.success(),
                "{mode} {}: {}",
                file.path,
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }
}

#[test]
fn the_launch_script_reaches_bash_intact() {
    // The tmux command is one quoted word; the script inside it must come out of two
    // rounds of shell parsing exactly as written.
    let text = "mode: auto\nrepo: {url: u, workspace: \"/work space/it's\"}\nauto: {plan_name: \"p $(id)\", idea_file: /i.txt}\n";
    let spec = CloudSpec::parse(text, "cloud.yaml", &|_| false)
        .unwrap()
        .spec;
    let block = blocks::runner_launch(&spec);
    let start = block.find("  else\n    ").unwrap() + "  else\n    ".len();
    let end = block.rfind("\n  fi").unwrap();
    let launch = block[start..end].replacen("tmux new-session -d -s agent -c", "printf '%s\\n'", 1);
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&launch)
        .output()
        .unwrap();
    let words = String::from_utf8(out.stdout).unwrap();
    let mut words = words.splitn(2, '\n');
    assert_eq!(words.next().unwrap(), "/work space/it's");
    let command = words.next().unwrap();
    assert!(command.starts_with("bash -lc "), "{command}");
    // tmux hands that string to `sh -c`; peel that round too, as tmux would.
    let script = std::process::Command::new("sh")
        .arg("-c")
        .arg(command.trim_end().replacen("bash -lc", "printf '%s'", 1))
        .output()
        .unwrap();
    let script = String::from_utf8(script.stdout).unwrap();
    assert!(script.starts_with("set -euo pipefail\n"), "{script}");
    assert!(
        script.contains("--name 'p $(id)' --auto-approve"),
        "{script}"
    );
    assert!(
        script.contains("--project-dir '/work space/it'\"'\"'s'"),
        "{script}"
    );
}

#[test]
fn materialize_writes_the_files_with_their_modes() {
    let home = tempfile::tempdir().unwrap();
    let home = CloudHome::at(home.path());
    let dir = materialize(&spec("local", "idle", "none"), &home).unwrap();
    assert_eq!(dir.path(), home.root().join("megaplan-cloud"));
    assert!(dir.path().join("workspace").is_dir());
    let mode = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("entrypoint.sh"), 0o755);
    assert_eq!(mode("wrappers/mp-chain"), 0o755);
    assert_eq!(mode("Dockerfile"), 0o644);

    let ssh = materialize(&spec("ssh", "idle", "none"), &home).unwrap();
    assert_eq!(ssh.path(), home.root().join("ssh-docker.example.com"));
    let railway = materialize(&spec("railway", "idle", "none"), &home).unwrap();
    let temporary = railway.path().to_path_buf();
    assert!(
        temporary
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("megaplan-cloud-")
    );
    assert!(!temporary.join("docker-compose.yaml").exists());
    drop(railway);
    assert!(
        !temporary.exists(),
        "the railway deploy dir goes away with the action"
    );
}

#[test]
fn bad_input_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let template = home.path().join("Dockerfile.tmpl");
    std::fs::write(&template, "FROM @@BASE_IMAGE@@\n@@NOT_A_PLACEHOLDER@@\n").unwrap();
    let text = format!(
        "provider: local\nrepo: {{url: u}}\nimage: {{dockerfile: {}}}\n",
        template.display()
    );
    let spec = CloudSpec::parse(&text, "cloud.yaml", &|_| false)
        .unwrap()
        .spec;
    let cloud_home = CloudHome::at(home.path().join("cloud"));
    let err = materialize(&spec, &cloud_home).unwrap_err();
    assert_eq!(
        err.message,
        "Unreplaced Dockerfile placeholders: NOT_A_PLACEHOLDER"
    );
    assert!(!cloud_home.root().exists(), "nothing was written");

    let refused = |text: &str| {
        let spec = CloudSpec::parse(text, "cloud.yaml", &|_| false)
            .unwrap()
            .spec;
        materialize(&spec, &cloud_home).unwrap_err()
    };
    let err = refused("provider: local\nrepo: {url: u}\nlocal: {compose_project: ../escape}\n");
    assert!(
        err.message
            .starts_with("`local.compose_project` cannot name a directory"),
        "{}",
        err.message
    );
    assert!(!cloud_home.root().exists());

    let err = refused("provider: local\nrepo: {url: u}\nlocal: {workdir: ../../outside}\n");
    assert!(
        err.message
            .starts_with("`local.workdir` must be a relative path inside"),
        "{}",
        err.message
    );
    assert!(!cloud_home.root().exists());
}

#[test]
fn an_operator_dockerfile_template_is_used_with_the_same_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile.offline"),
        "FROM @@BASE_IMAGE@@\n@@TOOLCHAIN_BLOCK@@\nCOPY . /x\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cloud.yaml"),
        "repo: {url: u}\nimage: {base: registry.local/runner:1, dockerfile: Dockerfile.offline}\ntoolchains: [go]\n",
    )
    .unwrap();
    let spec = CloudSpec::load(&dir.path().join("cloud.yaml"), &|_| false)
        .unwrap()
        .spec;
    let rendered = dockerfile(&spec).unwrap();
    assert!(
        rendered.starts_with("FROM registry.local/runner:1\n# Toolchain: go\n"),
        "{rendered}"
    );
}
