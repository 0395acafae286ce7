//! The built-in Dockerfile, checked without the network it needs to build in full (its
//! RUN steps fetch pyenv, nvm, bun and the GitHub CLI, which this machine cannot reach):
//! Docker's own parser reads every instruction, every RUN is valid `sh`, every COPY
//! source is in the deploy directory, and the steps from the first COPY on (what the
//! runner's entrypoint, health server and wrappers need) are built for real on the
//! offline test image and inspected.

use std::path::{Path, PathBuf};
use std::process::Output;

use megaplan_cloud::config::CloudSpec;
use megaplan_cloud::deploy_dir::materialize;
use megaplan_cloud::paths::CloudHome;
use megaplan_cloud_tests::e2e::{docker, docker_ok, require_test_image};
use megaplan_cloud_tests::{TEST_IMAGE, process, unique};

const CLOUD_YAML: &str = "\
provider: local
repo:
  url: https://example.com/acme/app.git
toolchains: [rust, go, java, {name: zig, install: \"RUN echo zig && true\"}]
";

/// The deploy directory `build` writes for a spec that uses the built-in Dockerfile
/// with every toolchain recipe, under a home in `dir`.
fn deploy_dir(dir: &Path) -> PathBuf {
    let path = dir.join("cloud.yaml");
    std::fs::write(&path, CLOUD_YAML).unwrap();
    let spec = CloudSpec::load(&path, &|_| false).unwrap().spec;
    assert!(spec.image.dockerfile.is_none(), "the built-in Dockerfile");
    let written = materialize(&spec, &CloudHome::at(dir.join("home"))).unwrap();
    written.path().to_path_buf()
}

/// `docker build <args>` with the classic builder (this engine has no BuildKit).
fn classic_build(args: &[&str], context: &Path) -> Output {
    process::command("docker")
        .env("DOCKER_BUILDKIT", "0")
        .arg("build")
        .args(args)
        .arg(context)
        .output()
        .unwrap()
}

/// Instructions with their continuation lines joined and comment lines inside them
/// dropped, as Docker's parser reads them.
fn instructions(dockerfile: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || (current.is_empty() && trimmed.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

#[test]
fn dockers_parser_reads_every_instruction_of_the_built_in_dockerfile() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = deploy_dir(dir.path());
    // The classic builder parses the whole file before it looks for the target, so a
    // target that does not exist is a parse-only run: any syntax error, unknown
    // instruction or bad flag is reported instead of the missing target.
    let out = classic_build(&["--target", "megaplan-cloud-parse-only"], &deploy);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a parse-only build builds nothing");
    assert!(
        stderr.contains("failed to reach build target megaplan-cloud-parse-only"),
        "Docker's parser rejected the Dockerfile: {stderr}"
    );
}

#[test]
fn every_run_step_is_valid_sh_and_every_copy_source_exists() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = deploy_dir(dir.path());
    let dockerfile = std::fs::read_to_string(deploy.join("Dockerfile")).unwrap();
    let steps = instructions(&dockerfile);
    assert!(
        steps[0].starts_with("FROM "),
        "FROM comes first: {}",
        steps[0]
    );
    let (mut runs, mut copies) = (0, 0);
    for step in &steps {
        let (keyword, rest) = step.split_once(char::is_whitespace).unwrap_or((step, ""));
        match keyword {
            "RUN" => {
                runs += 1;
                let check = process::command("sh")
                    .args(["-n", "-c", rest])
                    .output()
                    .unwrap();
                assert!(
                    check.status.success(),
                    "not valid sh: {rest}\n{}",
                    String::from_utf8_lossy(&check.stderr)
                );
                if rest.contains("apt-get install") {
                    assert!(
                        rest.contains("--no-install-recommends")
                            && rest.contains("rm -rf /var/lib/apt/lists/*"),
                        "an apt layer without its cleanup: {rest}"
                    );
                }
            }
            "COPY" => {
                copies += 1;
                let words: Vec<&str> = rest.split_whitespace().collect();
                for source in &words[..words.len() - 1] {
                    assert!(
                        deploy.join(source).exists(),
                        "COPY source {source} is not in the deploy directory"
                    );
                }
            }
            "CMD" | "ENTRYPOINT" => {
                let form: Result<Vec<String>, _> = serde_json::from_str(rest.trim());
                assert!(
                    form.is_ok(),
                    "{keyword} in exec form (signals reach it): {rest}"
                );
            }
            _ => {}
        }
    }
    // The recipes of every toolchain made it in, and the count is what the file says.
    assert!(
        runs >= 10 && copies == 3,
        "{runs} RUN, {copies} COPY in\n{dockerfile}"
    );
    for recipe in ["rustup", "go.dev", "openjdk", "echo zig"] {
        assert!(dockerfile.contains(recipe), "{recipe} missing");
    }
}

#[test]
fn the_runner_layers_of_the_built_in_dockerfile_build_and_run() {
    require_test_image();
    let dir = tempfile::tempdir().unwrap();
    let deploy = deploy_dir(dir.path());
    let dockerfile = std::fs::read_to_string(deploy.join("Dockerfile")).unwrap();
    let tail = &dockerfile[dockerfile.find("\nCOPY ").expect("a COPY step")..];
    std::fs::write(
        deploy.join("Dockerfile.tail"),
        format!("FROM {TEST_IMAGE}{tail}"),
    )
    .unwrap();
    let image = unique("mpc-dockerfile-tail").to_lowercase();
    let tail_file = deploy.join("Dockerfile.tail");
    let tail_file = tail_file.to_str().unwrap();
    let build = classic_build(&["-q", "-t", &image, "-f", tail_file], &deploy);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let checks = "set -e; cd /usr/local/bin; \
        for f in entrypoint.sh mp-run mp-supervise mp-heartbeat mp-chain; do test -x $f; done; \
        bash -n entrypoint.sh; for w in mp-*; do sh -n $w || bash -n $w; done; \
        python3 -c 'import ast,sys; ast.parse(open(\"healthserver.py\").read())'; \
        echo checked";
    let out = docker_ok(&["run", "--rm", &image, "sh", "-c", checks]);
    assert_eq!(out, "checked");
    let config = docker_ok(&[
        "image",
        "inspect",
        "-f",
        "{{json .Config.Cmd}} {{.Config.WorkingDir}} {{json .Config.ExposedPorts}}",
        &image,
    ]);
    assert_eq!(
        config.trim(),
        r#"["/usr/local/bin/entrypoint.sh"] /workspace {"8080/tcp":{}}"#
    );
    docker(&["rmi", "-f", &image]);
}
