//! Isolated chains on runners of their own (`swarm.runner_per_chain`, contract 0.6.0)
//! on a real single-node swarm: each chain's launch starts a service and a volume of
//! its own, `status --chain --all` lists every runner's chains with where it runs, a
//! chain's status comes from its own runner, and destroy takes every runner.

use megaplan_cloud_tests::e2e::{docker, docker_ok};
use megaplan_cloud_tests::swarm::Runner;

#[test]
fn isolated_chains_get_runners_of_their_own_on_the_swarm() {
    let runner = Runner::with(env!("CARGO_BIN_EXE_mpc-e2e"), ", runner_per_chain: true");
    let project = &runner.project;
    project.ok(&["build"]);
    std::fs::create_dir_all(project.path().join("ideas")).unwrap();
    for (spec, idea) in [("alpha", "a1"), ("beta", "b1")] {
        std::fs::write(project.path().join(format!("ideas/{idea}.md")), "Go.\n").unwrap();
        let chain = format!("milestones:\n  - {{label: {idea}, idea: ideas/{idea}.md}}\n");
        std::fs::write(project.path().join(format!("{spec}.yaml")), chain).unwrap();
    }
    // No deploy: each isolated chain's launch starts its own runner first.
    let launched: Vec<serde_json::Value> = ["alpha.yaml", "beta.yaml"]
        .iter()
        .map(|spec| {
            let out = project.run(&["chain", spec, "--isolated"]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(out.status.success(), "{text}\n{out:?}");
            let start = text.find("\n{").map(|at| at + 1).unwrap_or(0);
            serde_json::from_str(&text[start..]).unwrap()
        })
        .collect();
    let runners: Vec<String> = launched
        .iter()
        .map(|payload| {
            payload["runner"]
                .as_str()
                .expect("a runner of its own")
                .to_string()
        })
        .collect();
    assert_ne!(runners[0], runners[1]);
    assert!(
        runners[0].starts_with("alpha-") && runners[1].starts_with("beta-"),
        "{runners:?}"
    );
    for (name, payload) in runners.iter().zip(&launched) {
        assert_eq!(payload["tmux"]["status"], "started", "{payload}");
        let service = format!("{}-{name}", runner.service);
        let replicas = docker_ok(&[
            "service",
            "inspect",
            "--format",
            "{{.Spec.Mode.Replicated.Replicas}}",
            &service,
        ]);
        assert_eq!(replicas, "1", "{service}");
        assert!(
            !docker_ok(&[
                "volume",
                "ls",
                "-q",
                "--filter",
                &format!("name={}-{name}", runner.volume)
            ])
            .is_empty(),
            "the chain runner has its own volume"
        );
    }
    // The configuration's own runner was never started.
    assert_eq!(docker(&["service", "inspect", &runner.service]), "[]");

    // Every chain, each with its runner and where it runs.
    let all = project.ok(&["status", "--chain", "--all"]);
    let listed: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert_eq!(listed["count"], 2, "{listed}");
    for chain in listed["chains"].as_array().unwrap() {
        assert!(
            runners.iter().any(|r| chain["runner"] == r.as_str()),
            "{chain}"
        );
    }
    let about = listed["runners"].as_array().unwrap();
    assert_eq!(about.len(), 3, "{listed}");
    assert!(
        about[0]["error"].is_string(),
        "the configuration's own is not running: {listed}"
    );
    for own in &about[1..] {
        assert!(own["detail"].as_str().unwrap().contains("on node"), "{own}");
    }

    // A chain's status comes from its own runner.
    let session = launched[1]["tmux"]["session"].as_str().unwrap();
    let status: serde_json::Value =
        serde_json::from_str(&project.ok(&["status", "--chain", "--session", session])).unwrap();
    assert_eq!(
        status["summary"]["current_milestone"]["label"], "b1",
        "{status}"
    );

    // destroy takes every runner, and the purge every volume.
    project.ok(&["destroy", "--yes", "--purge-workspace"]);
    for name in &runners {
        let service = format!("{}-{name}", runner.service);
        assert_eq!(
            docker(&[
                "service",
                "ls",
                "-q",
                "--filter",
                &format!("name={service}")
            ]),
            ""
        );
        assert_eq!(
            docker(&[
                "volume",
                "ls",
                "-q",
                "--filter",
                &format!("name={}-{name}", runner.volume)
            ]),
            ""
        );
    }
}
