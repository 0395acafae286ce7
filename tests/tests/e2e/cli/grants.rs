//! Which components run: the built-ins, grants, changed components, installing.

use super::*;

#[test]
fn list_shows_the_builtins_loaded_as_components() {
    let sandbox = Sandbox::new();
    let (list, code) = sandbox.json(&["provider", "list"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["railway", "local", "ssh", "swarm"]);
    assert_eq!(list["providers"][0]["grant"]["status"], "built_in");
    assert_eq!(
        list["providers"][0]["contract_version"],
        megaplan_cloud::plugin::Contract::Current.version()
    );
    assert_eq!(
        list["providers"][0]["features"],
        serde_json::json!(["named-sessions", "volumes", "remote-exec"])
    );
}

#[test]
fn an_ungranted_component_is_listed_but_not_run() {
    let sandbox = Sandbox::new();
    let providers = sandbox.home().join("providers");
    std::fs::create_dir_all(&providers).unwrap();
    std::fs::copy(MISCHIEF, providers.join("mischief.wasm")).unwrap();
    let (list, _) = sandbox.json(&["provider", "list"]);
    assert_eq!(list["providers"][4]["name"], "mischief");
    assert_eq!(list["providers"][4]["grant"]["status"], "not_granted");

    let (err, code) = sandbox.json(&["exec", "run echo hi"]);
    assert_eq!(code, 1);
    assert_error(
        &err,
        "provider_not_granted",
        "megaplan-cloud provider install",
    );
}

#[test]
fn an_installed_component_runs_only_its_granted_programs_and_journals_every_call() {
    let sandbox = Sandbox::new();
    let (installed, code) = sandbox.json(&[
        "provider", "install", MISCHIEF, "--grant", "echo", "--grant", "cat",
    ]);
    assert_eq!(code, 0, "{installed}");
    assert_eq!(
        installed["provider"]["grant"]["programs"],
        serde_json::json!(["cat", "echo"])
    );

    let (list, _) = sandbox.json(&["provider", "list"]);
    assert_eq!(list["providers"][4]["name"], "mischief");
    assert_eq!(list["providers"][4]["grant"]["status"], "granted");

    let out = sandbox.run(&["exec", "run echo hello from mischief"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "hello from mischief\n");

    let (denied, code) = sandbox.json(&["exec", "run sh -c id"]);
    assert_eq!(code, 1);
    assert_eq!(denied["error"], "capability_denied");
    let message = denied["message"].as_str().unwrap();
    assert!(
        message.contains("--grant cat --grant echo --grant sh"),
        "{message}"
    );

    let (undeclared, _) = sandbox.json(&["exec", "run curl x"]);
    assert_eq!(undeclared["error"], "capability_denied");

    // Secret stdin reaches cat; its output comes back redacted.
    let out = sandbox.run(&["exec", "stdin-secret MISCHIEF_TOKEN"]);
    assert_eq!(stdout(&out), "***REDACTED***");

    let journal = sandbox.journal();
    let programs: Vec<(&str, &str)> = journal
        .iter()
        .map(|l| {
            (
                l["program"].as_str().unwrap(),
                l["decision"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        programs,
        [
            ("echo", "allowed"),
            ("sh", "denied"),
            ("curl", "denied"),
            ("cat", "allowed")
        ]
    );
    let first = &journal[0];
    assert_eq!(first["provider"]["name"], "mischief");
    assert_eq!(first["provider"]["version"], "6.6.6");
    assert_eq!(first["provider"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        first["argv"],
        serde_json::json!(["hello", "from", "mischief"])
    );
    assert_eq!(first["status"], 0);
    assert_eq!(
        journal[3]["stdin"],
        serde_json::json!({"secret": "MISCHIEF_TOKEN"})
    );
    let text = std::fs::read_dir(sandbox.home().join("journal"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(!text.contains("correct-horse"), "the journal is redacted");
}

#[test]
fn a_changed_component_must_be_granted_again() {
    let sandbox = Sandbox::new();
    let (_, code) = sandbox.json(&["provider", "install", MISCHIEF, "--yes"]);
    assert_eq!(code, 0);
    let installed = sandbox.home().join("providers").join("mischief.wasm");
    changed_copy(MISCHIEF, &installed);

    let (list, _) = sandbox.json(&["provider", "list"]);
    assert_eq!(list["providers"][4]["grant"]["status"], "changed");
    assert_eq!(
        list["providers"][4]["grant"]["granted_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    let (err, code) = sandbox.json(&["exec", "run echo hi"]);
    assert_eq!(code, 1);
    assert_error(&err, "provider_not_granted", "changed since it was granted");

    let (_, code) = sandbox.json(&["provider", "install", installed.to_str().unwrap(), "--yes"]);
    assert_eq!(code, 0);
    assert_eq!(stdout(&sandbox.run(&["exec", "run echo again"])), "again\n");
}

#[test]
fn install_asks_before_granting_and_marks_what_runs_arbitrary_code() {
    let sandbox = Sandbox::new();
    let (inspected, _) = sandbox.json(&["provider", "inspect", MISCHIEF]);
    let programs = inspected["provider"]["programs"]
        .as_array()
        .unwrap()
        .clone();
    let exposure = |name: &str| {
        programs
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["exposure"].clone())
            .unwrap()
    };
    assert_eq!(exposure("sh"), "arbitrary-code");
    assert_eq!(exposure("ssh"), "restricted");
    assert_eq!(exposure("echo"), "plain");
    let install = |answer: &str| {
        let mut cmd = process::command(env!("CARGO_BIN_EXE_mpc-e2e"));
        cmd.args(["provider", "install", MISCHIEF])
            .current_dir(sandbox.project())
            .env("MEGAPLAN_CLOUD_HOME", sandbox.home());
        process::run_with_input(cmd, answer.as_bytes())
    };
    let declined = install("n\n");
    assert_eq!(declined.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&declined.stderr).into_owned();
    assert!(
        stderr.contains("  sh  <- runs arbitrary code as you: granting it grants everything"),
        "{stderr}"
    );
    assert!(stderr.contains("Grant all of these? [y/N]: "), "{stderr}");
    let error: serde_json::Value = serde_json::from_slice(&declined.stdout).unwrap();
    assert_eq!(error["error"], "provider_not_granted");
    assert!(!sandbox.home().join("providers/mischief.wasm").exists());
    let accepted = install("y\n");
    assert_eq!(accepted.status.code(), Some(0));
    let installed: serde_json::Value = serde_json::from_slice(&accepted.stdout).unwrap();
    assert_eq!(installed["provider"]["grant"]["status"], "granted");
    assert!(sandbox.home().join("providers/mischief.wasm").exists());
}

#[test]
fn components_on_the_provider_path_are_found_but_run_only_when_granted() {
    let sandbox = Sandbox::new();
    let extra = tempfile::tempdir().unwrap();
    std::fs::copy(MISCHIEF, extra.path().join("mischief.wasm")).unwrap();
    let with_path = |args: &[&str]| {
        sandbox
            .project
            .command(args)
            .env("MEGAPLAN_CLOUD_PROVIDER_PATH", extra.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let list: Value = serde_json::from_slice(&with_path(&["provider", "list"]).stdout).unwrap();
    let found = list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "mischief")
        .cloned()
        .expect("listed from the provider path");
    assert_eq!(
        found["source"],
        extra.path().join("mischief.wasm").display().to_string()
    );
    assert_eq!(found["grant"]["status"], "not_granted");
    let refused: Value =
        serde_json::from_slice(&with_path(&["exec", "run echo hi"]).stdout).unwrap();
    assert_error(
        &refused,
        "provider_not_granted",
        "megaplan-cloud provider install",
    );
    // Without the variable it is not found at all.
    let (unknown, code) = sandbox.json(&["exec", "run echo hi"]);
    assert_eq!(code, 1);
    assert_eq!(unknown["success"], false);
}
