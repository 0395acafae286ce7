//! `provider new`, as an author meets it: the crate it writes passes its own tests
//! natively, builds for wasm32-wasip2 on the first try with nothing but crates.io and
//! the SDK, and passes the conformance suite on its committed cassettes; installed, it
//! serves the host. Bad names, a taken directory and a wrong SDK are refused with
//! nothing written.

use std::path::Path;

use megaplan_cloud_tests::process;

const BIN: &str = env!("CARGO_BIN_EXE_mpc-e2e");

fn provider_new(cwd: &Path, args: &[&str]) -> std::process::Output {
    process::command(BIN)
        .args(["provider", "new"])
        .args(args)
        .current_dir(cwd)
        .env("MEGAPLAN_CLOUD_HOME", cwd.join("home"))
        .output()
        .unwrap()
}

fn error_of(out: &std::process::Output) -> serde_json::Value {
    assert!(!out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout)
        .or_else(|_| serde_json::from_slice(&out.stderr))
        .unwrap_or_else(|_| panic!("no JSON error: {out:?}"))
}

/// Where the scaffold's build goes: beside the workspace's own, so a rerun is quick.
fn scaffold_target() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/scaffold")
}

/// `cargo build --release --target wasm32-wasip2` in the scaffold, into the shared target.
fn build_scaffold(dir: &Path) -> std::process::Output {
    process::command("cargo")
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", scaffold_target())
        .output()
        .unwrap()
}

/// `provider install <wasm> --yes` into `home`.
fn install(home: &Path, wasm: &Path) -> std::process::Output {
    process::command(BIN)
        .args(["provider", "install"])
        .arg(wasm)
        .arg("--yes")
        .env("MEGAPLAN_CLOUD_HOME", home)
        .output()
        .unwrap()
}

#[test]
fn a_new_provider_passes_its_tests_and_the_suite_and_serves_the_host() {
    let work = tempfile::tempdir().unwrap();
    let out = provider_new(work.path(), &["acme"]);
    assert!(out.status.success(), "{out:?}");
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(said["provider"], "acme");
    let dir = work.path().join("acme");
    for file in said["files"].as_array().unwrap() {
        assert!(dir.join(file.as_str().unwrap()).is_file(), "{file}");
    }
    let fmt = process::command("cargo")
        .args(["fmt", "--check"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        fmt.status.success(),
        "the scaffold is not rustfmt-clean: {fmt:?}"
    );
    // Its own tests run natively, on the SDK's test double.
    let unit = process::command("cargo")
        .arg("test")
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", scaffold_target())
        .output()
        .unwrap();
    assert!(
        unit.status.success(),
        "the scaffold's own tests fail:\n{}",
        String::from_utf8_lossy(&unit.stderr)
    );
    assert!(String::from_utf8_lossy(&unit.stdout).contains("test result: ok. 3 passed"));
    let build = build_scaffold(&dir);
    assert!(
        build.status.success(),
        "the scaffold does not build:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let wasm = scaffold_target().join("wasm32-wasip2/release/acme.wasm");
    // The conformance suite passes on its committed cassettes, with nothing run.
    let suite = process::command(BIN)
        .args(["provider", "test"])
        .arg(&wasm)
        .current_dir(&dir)
        .env("MEGAPLAN_CLOUD_HOME", work.path().join("suite-home"))
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&suite.stdout);
    assert!(suite.status.success(), "{report}\n{suite:?}");
    assert!(
        report.contains("\npassed: 18 passed, 0 failed, 6 skipped"),
        "{report}"
    );

    // The section is checked against the schema the component declares: located,
    // with a hint, and with its defaults filled in.
    let home = work.path().join("checked-home");
    let cli = |yaml: &str, args: &[&str]| {
        std::fs::write(dir.join("try.yaml"), yaml).unwrap();
        process::command(BIN)
            .args(["--cloud-yaml", "try.yaml", "--dry-run"])
            .args(args)
            .current_dir(&dir)
            .env("MEGAPLAN_CLOUD_HOME", &home)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let installed = install(&home, &wasm);
    assert!(installed.status.success(), "{installed:?}");
    let head = "provider: acme\nrepo: {url: https://example.com/a.git}\n";
    let typo = error_of(&cli(
        &format!("{head}acme:\n  app: demo\n  regoin: ams\n"),
        &["exec", "pwd"],
    ));
    assert_eq!(typo["error"], "invalid_spec", "{typo}");
    assert_eq!(
        typo["message"],
        "try.yaml:5:11: unknown key `acme.regoin` (did you mean `acme.region`?)"
    );
    let missing = error_of(&cli(&format!("{head}acme: {{}}\n"), &["exec", "pwd"]));
    // At the mapping that lacks it, as for the host's own blocks.
    assert_eq!(missing["message"], "try.yaml:3:1: `acme.app` is required");
    let deployed = cli(
        &format!("{head}acme: {{app: demo}}\n"),
        &["deploy", "--no-wait"],
    );
    assert!(deployed.status.success(), "{deployed:?}");
    let printed = String::from_utf8_lossy(&deployed.stdout);
    assert!(
        printed.contains("acmectl deploy --region auto --app demo"),
        "{printed}"
    );
    let exec = cli(&format!("{head}acme: {{app: demo}}\n"), &["exec", "pwd"]);
    assert!(exec.status.success(), "{exec:?}");
    let printed = String::from_utf8_lossy(&exec.stdout);
    assert!(
        printed.contains("acmectl ssh --app demo -- bash -lc pwd"),
        "{printed}"
    );

    // `schema` carries the section.
    let schema = process::command(BIN)
        .arg("schema")
        .env("MEGAPLAN_CLOUD_HOME", &home)
        .output()
        .unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(
        schema["properties"]["acme"]["required"],
        serde_json::json!(["app"])
    );
    assert_eq!(
        schema["properties"]["acme"]["properties"]["region"]["default"],
        "auto"
    );

    // Without a schema the provider's own check speaks, located at its section.
    let lib = dir.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    let unschemed = source.replace(
        "Some(include_str!(\"../config.schema.json\").into())",
        "None",
    );
    assert_ne!(source, unschemed, "the scaffold declares its schema");
    std::fs::write(&lib, unschemed).unwrap();
    let rebuilt = build_scaffold(&dir);
    assert!(rebuilt.status.success(), "{rebuilt:?}");
    let reinstalled = install(&home, &wasm);
    assert!(reinstalled.status.success(), "{reinstalled:?}");
    let own = error_of(&cli(
        &format!("{head}acme:\n  app: demo\n  regoin: ams\n"),
        &["exec", "pwd"],
    ));
    let message = own["message"].as_str().unwrap();
    assert!(
        message.starts_with("try.yaml:3:1: `acme` section is invalid: unknown field `regoin`"),
        "{message}"
    );
    assert!(!message.contains("line 1 column"), "{message}");
    std::fs::write(&lib, source).unwrap();

    // The directory is taken now: refused, and what is there is left alone.
    let again = provider_new(work.path(), &["acme"]);
    let error = error_of(&again);
    assert_eq!(error["error"], "invalid_args", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("already exists and is not empty"),
        "{error}"
    );
    assert!(dir.join("tests/cassettes/exec.cassette").is_file());
}

#[test]
fn bad_names_and_a_wrong_sdk_are_refused_with_nothing_written() {
    let work = tempfile::tempdir().unwrap();
    for (name, says) in [
        ("Acme", "lower-case letters and digits"),
        ("my-cloud", "lower-case letters and digits"),
        ("a", "lower-case letters and digits"),
        ("local", "is a built-in provider"),
    ] {
        let error = error_of(&provider_new(work.path(), &[name]));
        assert_eq!(error["error"], "invalid_args", "{name}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains(says),
            "{name}: {error}"
        );
        assert!(!work.path().join(name).exists(), "{name}");
    }
    let error = error_of(&provider_new(
        work.path(),
        &["acme", "--sdk", "/nonexistent"],
    ));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("is not the megaplan-cloud SDK"),
        "{error}"
    );
    assert!(!work.path().join("acme").exists());
    let leftovers: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "home")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A component whose schema reaches outside the subset (a reference to resolve, a
/// pattern that backtracks forever) is refused when its session opens: no operation
/// runs, and the error names the provider and what it may not declare.
#[test]
fn a_schema_outside_the_subset_refuses_the_provider_before_anything_runs() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    std::fs::write(
        work.path().join("cloud.yaml"),
        "provider: badschema\nrepo: {url: https://example.com/a.git}\nbadschema: {app: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!}\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        process::command(BIN)
            .args(args)
            .current_dir(work.path())
            .env("MEGAPLAN_CLOUD_HOME", &home)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let installed = run(&[
        "provider",
        "install",
        megaplan_cloud_tests::BAD_SCHEMA,
        "--yes",
    ]);
    assert!(installed.status.success(), "{installed:?}");
    let error = error_of(&run(&["exec", "echo ran"]));
    assert_eq!(error["error"], "invalid_provider", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "provider 'badschema' declares a config schema the host cannot use: property `app`:"
        ),
        "{message}"
    );
    let journal = std::fs::read_dir(home.join("journal"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<String>();
    assert!(!journal.contains("\"program\":\"echo\""), "{journal}");
}

/// Every command in the authoring guide's `sh` blocks, in order and as written, in one
/// shell: `megaplan-cloud` is the binary under test and `acmectl` a stand-in that runs
/// the remote line here, so `--record` has something real to record.
#[test]
fn every_command_of_the_authoring_guide_runs_as_written() {
    let guide = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/providers/authoring.md"),
    )
    .unwrap();
    let blocks: Vec<&str> = guide
        .split("```sh\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 2, "the guide's sh blocks are gone");
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("megaplan-cloud")).unwrap();
    let stand_in = bin.join("acmectl");
    std::fs::write(
        &stand_in,
        "#!/bin/sh\n[ \"$1\" = ssh ] || exit 0\nwhile [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = format!("set -eux\n{}", blocks.join("\n"));
    let path = format!(
        "{}:{}",
        bin.display(),
        process::env_var("PATH").unwrap().to_string_lossy()
    );
    let out = process::command("sh")
        .args(["-c", &script])
        .current_dir(work.path())
        .env("PATH", path)
        .env("MEGAPLAN_CLOUD_HOME", work.path().join("home"))
        .env_remove("CARGO_TARGET_DIR")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `provider test`, before and after `--record` against the stand-in.
    assert_eq!(
        stdout.matches("\npassed: 18 passed, 0 failed").count(),
        3,
        "{stdout}"
    );
    assert!(
        stdout.contains("acmectl ssh --app demo -- bash -lc pwd"),
        "{stdout}"
    );
    // The recorded and the replayed `exec pwd` print the same directory.
    let crate_dir = work.path().join("acme").canonicalize().unwrap();
    let printed = stdout.lines().filter(|l| Path::new(l) == crate_dir).count();
    assert_eq!(printed, 2, "{stdout}");
    assert!(work.path().join("acme/acme.cassette").is_file());
}
