//! docs/workflows.md shows the exact remote scripts `chain` and `status --chain` run for
//! the reference's default example; this test keeps them the real ones. Regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p megaplan-cloud --lib documented`.

#![allow(clippy::disallowed_methods)] // UPDATE_GOLDEN is read here

use serde_json::Value;

use super::archive;
use super::claim::Claim;
use super::identity::{self, Configured, Identity};
use super::launch::{self, LaunchRequest, Upload};
use super::observe::{self, Probe};
use crate::config::Repo;

fn launch_script() -> String {
    let repo = Repo {
        url: "https://github.com/example/app.git".into(),
        branch: "main".into(),
        workspace: "/workspace/app".into(),
    };
    let uploads = vec![
        Upload {
            destination: "ideas/m1.md".into(),
            content: b"First milestone.\n".to_vec(),
        },
        Upload {
            destination: "/workspace/app/chain.yaml".into(),
            content: b"milestones:\n- label: m1\n  idea: ideas/m1.md\nbase_branch: main\n".to_vec(),
        },
    ];
    let commands = vec!["codex".to_string(), "tmux".to_string()];
    let identity = Identity::new("chain", None, &["m1".to_string()]);
    let placement = identity::place(
        &Configured {
            workspace: "/workspace/app",
            workspace_explicit: false,
            session: super::DEFAULT_SESSION,
            session_explicit: false,
            repo_url: &repo.url,
        },
        None,
    );
    let request = LaunchRequest {
        repo: &repo,
        runtime_commands: &commands,
        uploads: &uploads,
        claim: Claim {
            identity: &identity,
            placement: &placement,
            started_at: "2026-12-02T09:00:00.000000+00:00",
        },
        fresh: false,
        verify_secs: Some(30),
        floors: super::capacity::Floors {
            bytes: 2 << 30,
            inodes: 100_000,
        },
        preflight: &Value::Null,
    };
    launch::script(
        &request,
        &archive::build(&uploads).unwrap(),
        launch::Source::Stdin,
    )
}

fn status_script() -> String {
    observe::script(&Probe {
        remote_spec: "/workspace/app/chain.yaml",
        workspace: "/workspace/app",
        session: super::DEFAULT_SESSION,
        chain_log: identity::REFERENCE_LOG,
    })
}

/// The text between `<!-- begin NAME -->` and `<!-- end NAME -->`.
fn section<'d>(doc: &'d str, name: &str) -> (usize, usize, &'d str) {
    let begin = format!("<!-- begin {name} -->\n```sh\n");
    let end = format!("\n```\n<!-- end {name} -->");
    let from = doc
        .find(&begin)
        .map(|at| at + begin.len())
        .expect("begin marker");
    let to = from + doc[from..].find(&end).expect("end marker");
    (from, to, &doc[from..to])
}

#[test]
fn the_documented_scripts_are_the_ones_that_run() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/workflows.md");
    let mut doc = std::fs::read_to_string(&path).unwrap();
    for (name, script) in [("launch", launch_script()), ("status", status_script())] {
        let (from, to, shown) = section(&doc, name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            doc.replace_range(from..to, &script);
        } else {
            assert_eq!(shown, script, "docs/workflows.md's {name} script is stale");
        }
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, doc).unwrap();
    }
}
