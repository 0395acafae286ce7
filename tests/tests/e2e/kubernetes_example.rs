//! The out-of-tree kubernetes provider (`examples/kubernetes`), designed in
//! docs/scale.md and tested without a cluster: it passes its own tests natively, builds
//! for wasm32-wasip2 and passes the conformance suite on its committed cassettes with
//! no kubectl anywhere; recorded again through its stand-ins (which hold every kubectl
//! command line to the flags of kubectl's reference) its cassettes are the same calls;
//! the manifest it applies validates strictly against the Kubernetes 1.37 schemas
//! (kubernetes-validate, installed by tests/setup.sh), where a broken one does not; and,
//! once installed, it serves `provider: kubernetes`.

use std::path::PathBuf;

use megaplan_cloud_tests::out_of_tree::{self, Example, mpc, system_path};
use megaplan_cloud_tests::process;

const BIN: &str = env!("CARGO_BIN_EXE_mpc-e2e");
const KUBERNETES: Example = Example { name: "kubernetes" };

/// The directory of `kubernetes-validate` as tests/setup.sh installs it.
fn validator_bin() -> PathBuf {
    let home = process::env_var("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let bin = home.join(".cache/megaplan-cloud/kubernetes-validate/bin");
    assert!(
        bin.join("kubernetes-validate").is_file(),
        "kubernetes-validate is missing: run tests/setup.sh"
    );
    bin
}

fn validate(manifest: &std::path::Path) -> std::process::Output {
    process::command(validator_bin().join("kubernetes-validate"))
        .args(["--strict", "-k", "1.37.0"])
        .arg(manifest)
        .output()
        .unwrap()
}

/// A project in `work` whose cloud.yaml uses the kubernetes provider (its section
/// with `extra` appended), the component installed with kubectl and docker granted.
fn install_with(
    home: &std::path::Path,
    work: &std::path::Path,
    wasm: &std::path::Path,
    extra: &str,
) {
    std::fs::write(
        work.join("cloud.yaml"),
        format!(
            "provider: kubernetes\nrepo: {{url: https://example.com/a.git}}\n\
             kubernetes: {{namespace: agents, image: registry.example.com/runner:1{extra}}}\n"
        ),
    )
    .unwrap();
    let wasm = wasm.to_str().unwrap();
    let install = [
        "provider", "install", wasm, "--grant", "kubectl", "--grant", "docker",
    ];
    let installed = mpc(BIN, home, work, &system_path(), &install);
    assert!(installed.status.success(), "{installed:?}");
}

#[test]
fn the_kubernetes_example_passes_its_tests_and_the_suite_and_serves_as_provider_kubernetes() {
    KUBERNETES.unit_tests_pass();
    let wasm = KUBERNETES.component();
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    let (wasm_arg, cassettes) = (wasm.to_str().unwrap(), KUBERNETES.cassettes());
    let args = [
        "provider",
        "test",
        wasm_arg,
        "--cassettes",
        cassettes.to_str().unwrap(),
    ];
    // No kubectl anywhere: a replay starts nothing.
    let suite = mpc(BIN, &home, work.path(), "/nonexistent", &args);
    let report = String::from_utf8_lossy(&suite.stdout);
    assert!(suite.status.success(), "{report}\n{suite:?}");
    assert!(
        report.contains("\npassed: 29 passed, 0 failed, 0 skipped"),
        "{report}"
    );

    install_with(&home, work.path(), &wasm, "");
    let dry = mpc(
        BIN,
        &home,
        work.path(),
        &system_path(),
        &["--dry-run", "exec", "pwd"],
    );
    let printed = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{printed}\n{dry:?}");
    assert!(
        printed.contains(
            "kubectl --namespace agents exec -i megaplan-runner-0 -c agent -- bash -lc pwd"
        ),
        "{printed}"
    );
    // A purge asks the provider to delete what it keeps: the claim, after the rest.
    let purge = ["--dry-run", "destroy", "--yes", "--purge-workspace"];
    let shown = mpc(BIN, &home, work.path(), &system_path(), &purge);
    let printed = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.status.success(), "{printed}\n{shown:?}");
    let lines: Vec<&str> = printed.lines().collect();
    let at = |needle: &str| lines.iter().position(|l| l.contains(needle));
    let (objects, claim) = (
        at("delete statefulset/megaplan-runner service/megaplan-runner"),
        at("delete pvc workspace-megaplan-runner-0 --ignore-not-found"),
    );
    assert!(objects.is_some() && claim > objects, "{printed}");
}

/// With `runner_per_chain`, an isolated chain's launch deploys the chain's own
/// runner first, every object named after it, then launches there: shown by a dry run
/// through the real command line, since no cluster runs here.
#[test]
fn an_isolated_chain_gets_a_runner_of_its_own() {
    let wasm = KUBERNETES.component();
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    install_with(&home, work.path(), &wasm, ", runner_per_chain: true");
    std::fs::create_dir(work.path().join("ideas")).unwrap();
    std::fs::write(work.path().join("ideas/a1.md"), "Go.\n").unwrap();
    std::fs::write(
        work.path().join("alpha.yaml"),
        "milestones:\n  - {label: a1, idea: ideas/a1.md}\n",
    )
    .unwrap();

    let launch = ["--dry-run", "chain", "alpha.yaml", "--isolated"];
    let shown = mpc(BIN, &home, work.path(), &system_path(), &launch);
    let (printed, said) = (
        String::from_utf8_lossy(&shown.stdout),
        String::from_utf8_lossy(&shown.stderr),
    );
    assert!(shown.status.success(), "{printed}\n{said}");
    let runner = said
        .split("starting the chain's own runner ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the chain's runner is started: {said}"));
    assert!(runner.starts_with("alpha-"), "{runner}");
    let own = format!("megaplan-runner-{runner}");
    let lines: Vec<&str> = printed.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} in {printed}"))
    };
    let restarted = at(&format!("rollout restart statefulset/{own}"));
    at(&format!(
        "create secret generic {own}-env --from-env-file=/dev/stdin"
    ));
    let applied = lines[at(" apply -f ")];
    assert!(
        applied.ends_with(&format!("/runner-{runner}.yaml")),
        "{applied}"
    );
    let launched = at(&format!("exec -i {own}-0 -c agent -- bash -lc"));
    assert!(
        restarted < launched,
        "deployed before the launch: {printed}"
    );
}

#[test]
fn its_cassettes_hold_command_lines_kubectls_reference_accepts_and_a_valid_manifest() {
    let stand_ins = KUBERNETES.dir().join("tests");
    let kubectl = stand_ins.join("kubectl");
    for refused in [
        &["--namespace", "x", "exec", "--bogus", "p"][..],
        &["rollout", "undo", "x"],
    ] {
        let out = process::command(&kubectl).args(refused).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{refused:?} {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: unknown"),
            "{out:?}"
        );
    }
    // The recording keeps a copy of each manifest the stand-in applies (and validates).
    let kept = tempfile::tempdir().unwrap();
    let keeping = kept.path().join("bin");
    std::fs::create_dir_all(&keeping).unwrap();
    let wrapper = keeping.join("kubectl");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in */runner.yaml) cp \"$a\" {}/runner.yaml ;; esac; done\nexec {} \"$@\"\n",
            kept.path().display(),
            kubectl.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}:{}",
        keeping.display(),
        stand_ins.display(),
        validator_bin().display()
    );
    let compared = out_of_tree::recorded_again_are_the_same(BIN, &KUBERNETES, &path);
    assert_eq!(compared, 11);
    let _ = std::fs::remove_dir_all("/tmp/megaplan-kubernetes-conformance");

    let manifest = kept.path().join("runner.yaml");
    let checked = validate(&manifest);
    let said = String::from_utf8_lossy(&checked.stdout).into_owned()
        + &String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{said}");
    for resource in [
        "statefulset/megaplan-conformance",
        "service/megaplan-conformance",
    ] {
        assert!(
            said.contains(&format!(
                "passed for resource {resource} against version 1.37"
            )),
            "{said}"
        );
    }
    // The check can fail: a field the schema does not have is refused, strictly.
    let text = std::fs::read_to_string(&manifest).unwrap();
    let broken = kept.path().join("broken.yaml");
    std::fs::write(
        &broken,
        text.replacen("\"serviceName\"", "\"serviceNames\"", 1),
    )
    .unwrap();
    let refused = validate(&broken);
    let said = String::from_utf8_lossy(&refused.stdout).into_owned()
        + &String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{said}");
    assert!(said.contains("'serviceNames' was unexpected"), "{said}");
}
