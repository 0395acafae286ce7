//! The action script in a real `sh` against the recording stand-ins: the lock, the
//! compare-and-set, the restart; and what no supervisor script ever contains.

use proptest::prelude::*;

use super::*;
use crate::workflow::Runner;
use crate::workflow::chain::testbed::Testbed;
use crate::workflow::script::Report;

struct Bed {
    bed: Testbed,
    ws: String,
    spec: String,
}

fn bed() -> Bed {
    let bed = Testbed::new(&["megaplan"]);
    let ws = bed.path("ws").display().to_string();
    let spec = format!("{ws}/chain.yaml");
    let state = state_path(&spec);
    std::fs::create_dir_all(std::path::Path::new(&state).parent().unwrap()).unwrap();
    std::fs::write(&state, r#"{"current_plan_name": "p"}"#).unwrap();
    Bed { bed, ws, spec }
}

impl Bed {
    fn fingerprint(&mut self) -> String {
        let line = format!(
            "sh -c {} fp {} megaplan-chain",
            quote(FINGERPRINT),
            quote(&state_path(&self.spec))
        );
        let out = self.bed.run(&line).unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn act(&mut self, fingerprint: &str, ttl: u64) -> Report {
        let (ws, spec) = (self.ws.clone(), self.spec.clone());
        let line = action(&Act {
            workspace: &ws,
            session: "megaplan-chain",
            remote_spec: &spec,
            chain_log: ".megaplan/cloud-chain.log",
            fingerprint,
            holder: "host=h pid=1",
            lock_ttl_secs: ttl,
        });
        let out = self.bed.run(&line).unwrap();
        Report::parse(&out, &|t| t.to_string()).unwrap()
    }

    fn restarts(&self) -> usize {
        self.bed
            .recorded()
            .iter()
            .filter(|c| c[1] == "new-session")
            .count()
    }
}

#[test]
fn restarts_under_the_lock_and_releases_it() {
    let mut b = bed();
    let fingerprint = b.fingerprint();
    let report = b.act(&fingerprint, 60);
    assert_eq!(
        report.step("restart").unwrap().stdout_text(),
        "restarted megaplan-chain session\n"
    );
    assert_eq!(b.restarts(), 1);
    let start = b
        .bed
        .recorded()
        .into_iter()
        .find(|c| c[1] == "new-session")
        .unwrap();
    assert!(
        start
            .last()
            .unwrap()
            .contains("megaplan chain start --spec")
    );
    assert!(start.last().unwrap().contains("--one"));
    assert!(
        !std::path::Path::new(&lock_dir(&b.ws)).exists(),
        "the lock is released"
    );
}

#[test]
fn a_changed_fingerprint_mutates_nothing() {
    let mut b = bed();
    let before = b.fingerprint();
    std::fs::write(b.bed.path("session"), "").unwrap(); // the runner came back meanwhile
    let report = b.act(&before, 60);
    assert_eq!(report.step("check").unwrap().exit, CHANGED);
    assert!(report.step("restart").is_none());
    assert_eq!(b.restarts(), 0);
    assert!(
        !std::path::Path::new(&lock_dir(&b.ws)).exists(),
        "released on refusal too"
    );
}

#[test]
fn a_held_lock_names_its_holder_and_a_stale_one_is_broken() {
    let mut b = bed();
    let lock = lock_dir(&b.ws);
    std::fs::create_dir_all(&lock).unwrap();
    std::fs::write(format!("{lock}/details"), "host=other pid=9\n").unwrap();
    let fingerprint = b.fingerprint();
    let report = b.act(&fingerprint, 3600);
    let step = report.step("lock").unwrap();
    assert_eq!(step.exit, LOCKED);
    assert_eq!(step.stdout_text(), "host=other pid=9\n");
    assert_eq!(b.restarts(), 0);
    assert!(
        std::path::Path::new(&lock).exists(),
        "someone else's lock stays"
    );

    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::open(&lock)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let report = b.act(&fingerprint, 3600);
    let step = report.step("lock").unwrap();
    assert_eq!(step.exit, 0);
    assert_eq!(step.stdout_text(), "broke a stale lock: host=other pid=9\n");
    assert_eq!(b.restarts(), 1);
}

fn forbidden(script: &str) -> Option<&'static str> {
    let banned = [
        "push --force",
        "push -f",
        "--force-with-lease",
        "reset --hard",
        "git reset",
        "branch -D",
        "branch -d",
        "branch --delete",
        "push --delete",
        "rm -rf",
        "rm -r ",
        "rm -fr",
    ];
    if let Some(word) = banned.into_iter().find(|w| script.contains(w)) {
        return Some(word);
    }
    let writes_verification = script
        .match_indices("verify-human")
        .any(|(at, _)| !script[at..].starts_with("verify-human --list"));
    writes_verification.then_some("a verify-human write")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn no_supervisor_script_can_hold_a_destructive_command(
        ws in "/[a-z $'\"`;-]{1,20}", session in "[a-z $'\"`;-]{1,12}", spec in "/[a-z $'\"`-]{1,20}",
        fingerprint in "[0-9a-f]{64}", log in "[a-z $'\"`;./-]{1,20}",
    ) {
        let probe = Probe { remote_spec: &spec, workspace: &ws, session: &session, chain_log: &log };
        prop_assert_eq!(forbidden(&observation(&probe)), None);
        let act = Act {
            workspace: &ws, session: &session, remote_spec: &spec, chain_log: &log, fingerprint: &fingerprint,
            holder: "h", lock_ttl_secs: 60,
        };
        prop_assert_eq!(forbidden(&action(&act)), None);
    }
}
