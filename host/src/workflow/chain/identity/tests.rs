use proptest::prelude::*;

use super::*;

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_upstream_worked_examples() {
    let two = Identity::new("chain", None, &labels(&["m1", "m2"]));
    assert_eq!(two.text, "chain::m1,m2");
    assert_eq!(two.hash8(), "8fb6734d");
    assert_eq!(
        Identity::new("chain", None, &labels(&["m1"])).hash8(),
        "c055b7fa"
    );
    let smoke = Identity::new(
        "cloud-chain-smoke",
        None,
        &labels(&["sprint-1", "sprint-2", "sprint-3"]),
    );
    assert_eq!(smoke.hash8(), "4bb0e3d6");
    assert_eq!(smoke.name(), "cloud-chain-smoke-4bb0e3d6");
}

#[test]
fn the_seed_plan_is_part_of_the_identity() {
    let seeded = Identity::new("chain", Some("plan-a"), &labels(&["m1"]));
    assert_eq!(seeded.text, "chain:plan-a:m1");
    assert_ne!(
        seeded.digest,
        Identity::new("chain", None, &labels(&["m1"])).digest
    );
}

#[test]
fn slugs_follow_the_rules() {
    assert_eq!(slug("Chain", "chain"), "chain");
    assert_eq!(slug("My Chain!! v2", "chain"), "my-chain-v2");
    assert_eq!(slug("..--x--..", "chain"), "x");
    assert_eq!(slug("$(rm -rf /)", "chain"), "rm--rf");
    assert_eq!(slug("", "chain"), "chain");
    assert_eq!(slug("ünï", "chain"), "n");
    assert_eq!(slug("üï", "chain"), "chain");
    assert_eq!(slug(&"a".repeat(60), "chain").len(), 48);
    // A cut that ends on a separator drops it.
    assert_eq!(
        slug(&format!("{}-b", "a".repeat(47)), "chain"),
        "a".repeat(47)
    );
}

#[test]
fn repository_directories() {
    assert_eq!(repo_dir("https://github.com/example/app.git"), "app");
    assert_eq!(repo_dir("git@github.com:org/My Repo.git"), "my-repo");
    assert_eq!(repo_dir("git@host:tool.git"), "tool");
    assert_eq!(repo_dir("https://example.test/x/"), "x");
    assert_eq!(repo_dir(""), "app");
}

fn configured<'a>(explicit_ws: bool, explicit_session: bool) -> Configured<'a> {
    Configured {
        workspace: "/workspace/app",
        workspace_explicit: explicit_ws,
        session: "megaplan-chain",
        session_explicit: explicit_session,
        repo_url: "https://github.com/example/app.git",
    }
}

#[test]
fn shared_placement_is_the_references() {
    let placed = place(&configured(false, false), None);
    assert_eq!(
        placed,
        Placement {
            workspace: "/workspace/app".into(),
            session: "megaplan-chain".into(),
            remote_spec: "/workspace/app/chain.yaml".into(),
            chain_log: ".megaplan/cloud-chain.log".into(),
            session_marker: "/workspace/.megaplan/cloud-sessions/megaplan-chain.json".into(),
            derived: false,
        }
    );
}

#[test]
fn isolated_placement_derives_every_name() {
    let id = Identity::new("chain", None, &labels(&["m1", "m2"]));
    let placed = place(&configured(false, false), Some(&id));
    assert_eq!(placed.workspace, "/workspace/chain-8fb6734d/app");
    assert_eq!(placed.session, "megaplan-chain-chain-8fb6734d");
    assert_eq!(
        placed.remote_spec,
        "/workspace/chain-8fb6734d/app/chain.yaml"
    );
    assert_eq!(
        placed.chain_log,
        ".megaplan/cloud-chain-megaplan-chain-chain-8fb6734d.log"
    );
    assert_eq!(
        placed.session_marker,
        "/workspace/.megaplan/cloud-sessions/megaplan-chain-chain-8fb6734d.json"
    );
    assert!(placed.derived);
}

#[test]
fn what_the_operator_named_is_kept() {
    let id = Identity::new("chain", None, &labels(&["m1"]));
    let placed = place(&configured(true, false), Some(&id));
    assert_eq!(placed.workspace, "/workspace/app");
    assert_eq!(placed.session, "megaplan-chain-chain-c055b7fa");
    let placed = place(&configured(false, true), Some(&id));
    assert_eq!(placed.workspace, "/workspace/chain-c055b7fa/app");
    assert_eq!(placed.session, "megaplan-chain");
    assert_eq!(
        placed.chain_log, REFERENCE_LOG,
        "a named session keeps the reference's log"
    );
}

#[test]
fn ideas_under_the_workspace_move_with_it() {
    let to = "/workspace/chain-8fb6734d/app";
    assert_eq!(
        relocate("/workspace/app/ideas/m1.md", "/workspace/app", to),
        "/workspace/chain-8fb6734d/app/ideas/m1.md"
    );
    assert_eq!(relocate("/workspace/app", "/workspace/app/", to), to);
    for unchanged in ["/opt/external.txt", "/workspace/apple/x.md", "ideas/m1.md"] {
        assert_eq!(relocate(unchanged, "/workspace/app", to), unchanged);
    }
}

proptest! {
    #[test]
    fn slugs_are_always_safe_names(text in "\\PC{0,80}") {
        let slug = slug(&text, "chain");
        prop_assert!(!slug.is_empty() && slug.len() <= 48);
        prop_assert!(slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c)));
        prop_assert!(!slug.starts_with(['.', '-']) && !slug.ends_with(['.', '-']));
    }
}

#[test]
fn session_file_names_stay_in_their_directory() {
    assert_eq!(
        file_stem("megaplan-chain-chain-8fb6734d"),
        "megaplan-chain-chain-8fb6734d"
    );
    let odd = file_stem("../../etc/x y");
    assert!(!odd.contains('/') && odd.starts_with("etc-x-y-"), "{odd}");
    assert_ne!(file_stem("A"), file_stem("a"));
    assert_eq!(
        chain_log("s/../x"),
        format!(".megaplan/cloud-chain-{}.log", file_stem("s/../x"))
    );
}

#[test]
fn a_chains_runner_name_is_short_lower_case_and_its_own() {
    let labels = ["m1".to_string()];
    let plain = Identity::new("release-train", None, &labels);
    assert_eq!(
        plain.runner_name(),
        format!("release-train-{}", plain.hash8())
    );
    let long = Identity::new("A very_long.Spec name for a chain", None, &labels);
    let name = long.runner_name();
    assert!(name.len() <= 24, "{name}");
    assert!(
        name.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{name}"
    );
    assert!(
        name.ends_with(long.hash8()) && !name.starts_with('-'),
        "{name}"
    );
    let odd = Identity::new("___", None, &labels);
    assert_eq!(odd.runner_name(), format!("chain-{}", odd.hash8()));
    assert_ne!(
        plain.runner_name(),
        Identity::new("release-train", Some("seed"), &labels).runner_name()
    );
}
