//! The runner's workspace outlives its container: a chain's state and a file written
//! in the workspace are still there after `deploy`, `deploy` again, `down` and `deploy`.

use crate::e2e::Project;

const SPEC: &str = "milestones:\n  - {label: p1, idea: ideas/p1.md}\n";
const STATES: &str = "/workspace/app/.megaplan/plans/.chains";

impl Project {
    /// Launches a chain (when none has run yet) and writes a file, then puts the runner
    /// through the redeploys; both must survive.
    pub fn workspace_survives_redeploys(&self) {
        if self
            .run(&["exec", &format!("ls {STATES}/*.json")])
            .status
            .code()
            != Some(0)
        {
            std::fs::create_dir_all(self.path().join("ideas")).unwrap();
            std::fs::write(self.path().join("ideas/p1.md"), "Persist.\n").unwrap();
            std::fs::write(self.path().join("persist.yaml"), SPEC).unwrap();
            Self::json_of(&self.run(&["chain", "persist.yaml"]), "chain persist.yaml");
        }
        let states = self.ok(&[
            "exec",
            &format!("ls {STATES}/*.json && cat {STATES}/*.json"),
        ]);
        self.ok(&["exec", "echo kept > /workspace/app/kept.txt"]);
        for step in [&["deploy"][..], &["deploy"], &["down"], &["deploy"]] {
            self.ok(step);
            if step == ["deploy"] {
                self.wait_for_agent();
            }
        }
        assert_eq!(self.ok(&["exec", "cat /workspace/app/kept.txt"]), "kept\n");
        let after = self.ok(&[
            "exec",
            &format!("ls {STATES}/*.json && cat {STATES}/*.json"),
        ]);
        let listed = |text: &str| text.lines().next().unwrap_or_default().to_string();
        assert_eq!(
            listed(&after),
            listed(&states),
            "the chain state file survived"
        );
    }
}
