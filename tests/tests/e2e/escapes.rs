//! The sandbox's escape routes, each tried by the hostile `mischief` component and each
//! closed: native code through the environment, host writes that follow planted
//! symlinks, secrets read back by name, and command forms meant for one operation only.

use megaplan_cloud::plugin::OpContext;
use megaplan_cloud_tests::process;

use crate::hostile::{assert_host_usable, exec, harness};

fn denied(result: Result<String, megaplan_cloud::error::CloudError>, needle: &str) {
    let err = result.expect_err("the attack must be refused");
    assert_eq!(err.code, "capability_denied", "{}", err.message);
    assert!(err.message.contains(needle), "{}", err.message);
}

#[test]
fn native_code_cannot_ride_along_in_the_environment() {
    let h = harness();
    let mut p = h.mischief();
    denied(
        exec(&mut p, "run-env LD_PRELOAD=/tmp/evil.so echo hi"),
        "LD_PRELOAD",
    );
    for key in ["NODE_OPTIONS", "BASH_ENV", "GIT_SSH_COMMAND", "RSYNC_RSH"] {
        denied(
            exec(&mut p, &format!("run-env {key}=x echo hi")),
            "did not declare it",
        );
    }
    // A declared key reaches the program, and so does the host's allowlist, but nothing
    // else of the operator's environment.
    let environ = exec(&mut p, "run-env MISCHIEF_MODE=on cat /proc/self/environ").unwrap();
    let keys: Vec<&str> = environ
        .split('\0')
        .filter_map(|pair| pair.split_once('=').map(|(k, _)| k))
        .collect();
    assert!(keys.contains(&"MISCHIEF_MODE"), "{keys:?}");
    let allowed = megaplan_cloud::environment::CHILD_ENV;
    for (key, _) in process::env_vars() {
        if !allowed.contains(&key.as_str()) && !key.starts_with("LC_") {
            assert!(!keys.contains(&key.as_str()), "{key} leaked: {keys:?}");
        }
    }
    assert_host_usable(&h);
}

#[test]
fn a_working_directory_must_be_inside_the_deploy_dir() {
    let h = harness();
    let mut p = h.mischief();
    denied(
        exec(&mut p, "run-in / cat etc/hostname"),
        "must be inside the deploy directory",
    );
    let parent = format!("{}/..", h.deploy_dir.path().display());
    denied(exec(&mut p, &format!("run-in {parent} echo x")), "`..`");
    let inside = h.deploy_dir.path().display().to_string();
    assert_eq!(
        exec(&mut p, &format!("run-in {inside} echo x")).unwrap(),
        "x\n"
    );
}

#[test]
fn the_component_opens_no_directory_at_all() {
    let h = harness();
    let mut p = h.mischief();
    std::fs::write(
        h.deploy_dir.path().join(".env"),
        "TOKEN=correct-horse-battery\n",
    )
    .unwrap();
    for attempt in ["read /deploy/.env", "read .env", "write /deploy/evil.so x"] {
        let err = exec(&mut p, attempt).unwrap_err();
        assert_eq!(err.code, "provider_failed", "{attempt}: {}", err.message);
    }
    assert!(!h.deploy_dir.path().join("evil.so").exists());
}

#[test]
fn host_writes_never_follow_a_planted_symlink() {
    let h = harness();
    let mut p = h.mischief();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), h.deploy_dir.path().join("esc")).unwrap();
    let err = exec(&mut p, "write-env esc/authorized_keys ssh-ed25519=AAAA").unwrap_err();
    assert_eq!(err.code, "provider_failed", "{}", err.message);
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    // A symlink at the target is replaced by the file; what it pointed at is untouched.
    let grants = outside.path().join("grants.json");
    std::fs::write(&grants, "{}").unwrap();
    std::os::unix::fs::symlink(&grants, h.deploy_dir.path().join(".env")).unwrap();
    exec(&mut p, "write-env .env A=1").unwrap();
    assert_eq!(std::fs::read_to_string(&grants).unwrap(), "{}");
    let env = h.deploy_dir.path().join(".env");
    assert_eq!(std::fs::read_to_string(&env).unwrap(), "A=1\n");
    // One NAME=value per line: a value cannot smuggle in another line.
    let err = exec(&mut p, r"write-env .env A=1\nLD_PRELOAD=/x").unwrap_err();
    assert!(
        err.message.contains("one NAME=value per line"),
        "{}",
        err.message
    );
    assert_host_usable(&h);
}

/// Contract 0.5.0: a provider's own files (`fly.toml`) are written by the host beneath
/// the deploy directory, never over what the host rendered, never through a link.
#[test]
fn a_providers_own_files_go_beside_the_hosts_and_nowhere_else() {
    let h = harness();
    let mut p = h.mischief();
    exec(&mut p, "put conf/fly.toml app=demo").unwrap();
    let written = h.deploy_dir.path().join("conf/fly.toml");
    assert_eq!(std::fs::read_to_string(&written).unwrap(), "app=demo");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&written).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o644);
    for (attempt, says) in [
        ("put Dockerfile evil", "is the host's"),
        ("put wrappers/mp-run x", "is the host's"),
        ("put ../outside x", "plain path"),
        ("put /etc/x x", "plain path"),
    ] {
        let err = exec(&mut p, attempt).unwrap_err();
        assert!(err.message.contains(says), "{attempt}: {}", err.message);
    }
    assert!(!h.deploy_dir.path().join("Dockerfile").exists());
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), h.deploy_dir.path().join("esc")).unwrap();
    assert!(exec(&mut p, "put esc/planted x").is_err());
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    assert_host_usable(&h);
}

#[test]
fn secrets_are_expanded_only_by_their_configured_names() {
    let h = harness();
    let mut p = h.mischief();
    for name in ["HOME", "PATH", "AWS_SECRET_ACCESS_KEY"] {
        denied(
            exec(&mut p, &format!("stdin-secret {name}")),
            "not listed under `secrets:`",
        );
    }
    denied(
        exec(&mut p, "write-env .env X=1").and_then(|_| exec(&mut p, "env-file HOME")),
        "not listed under `secrets:`",
    );
    // Raw bytes are for read-file only, so a secret cannot come back unredacted.
    denied(
        exec(&mut p, "binary-secret MISCHIEF_TOKEN"),
        "only `read-file` may",
    );
    assert!(!h.captured.stdout().contains("correct-horse"));
}

#[test]
fn the_operators_stdin_belongs_to_exec_alone() {
    let h = harness();
    let mut p = h.mischief();
    // `upload` reads its destination as a verb, so this runs inside `upload`.
    let err = p
        .upload(&OpContext::default(), "inherit", b"")
        .expect_err("stdin is exec's");
    assert_eq!(err.code, "capability_denied");
    assert!(err.message.contains("only `exec` may"), "{}", err.message);
}

#[test]
fn a_blocking_sleep_is_stopped_by_the_guest_budget() {
    let h = harness();
    let mut p = h.mischief();
    let started = std::time::Instant::now();
    let err = exec(&mut p, "sleep 60000").unwrap_err();
    assert_eq!(err.code, "provider_limit_exceeded");
    assert_eq!(
        err.message,
        "provider 'mischief' was stopped in `exec`: it spent more than 300 ms in its own code or a blocking call"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "held the host {:?}",
        started.elapsed()
    );
    let again = exec(&mut p, "run echo x").unwrap_err();
    assert!(
        again.message.contains("was stopped earlier"),
        "{}",
        again.message
    );
    assert_host_usable(&h);
}

#[test]
fn a_flood_of_host_calls_is_cut_off() {
    let h = harness();
    let mut p = h.mischief();
    // The harness allows 200 host calls per operation.
    let err = exec(&mut p, "flood 100000").unwrap_err();
    assert_eq!(err.code, "provider_limit_exceeded");
    assert_eq!(
        err.message,
        "provider 'mischief' was stopped in `exec`: it made more than 200 host calls in one operation"
    );
    // The host goes on; a fresh instance has a fresh budget.
    assert_host_usable(&h);
    let mut fresh = h.mischief();
    assert_eq!(exec(&mut fresh, "flood 50").unwrap(), "denied 50");
}

#[test]
fn a_granted_program_is_still_held_to_its_argument_rules() {
    let h = harness();
    let mut p = h.load_granted(&["echo", "ssh", "docker", "kubectl"]);
    let marker = h.deploy_dir.path().join("pwned");
    let attacks = [
        format!(
            "run ssh -o ProxyCommand=touch{} -- 127.0.0.1 true",
            marker.display()
        ),
        "run ssh -F /tmp/evil_config 127.0.0.1 true".to_string(),
        "run docker run --privileged -v /:/host alpine true".to_string(),
        "run docker compose -f /dev/stdin up".to_string(),
        // kubectl on other credentials, a plugin, a copy off this machine.
        "run kubectl --kubeconfig /tmp/other get pods".to_string(),
        "run kubectl krew install evil".to_string(),
        "run kubectl cp pod:/etc/passwd /tmp/x".to_string(),
        // Declared, yet refused where they would do what a refused argument does.
        "run-env DOCKER_HOST=tcp://198.51.100.7:2375 docker ps".to_string(),
        format!(
            "run-env SSH_ASKPASS=/bin/touch ssh -o BatchMode=no -- 127.0.0.1 {}",
            marker.display()
        ),
    ];
    for attack in attacks {
        denied(exec(&mut p, &attack), "--grant-unrestricted");
    }
    // The same variable on a program it does not steer passes.
    assert_eq!(
        exec(&mut p, "run-env DOCKER_HOST=tcp://x echo fine").unwrap(),
        "fine\n"
    );
    assert!(!marker.exists());
    assert_host_usable(&h);
}
