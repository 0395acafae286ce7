//! Many chains on one runner, end to end: two isolated chains run side by side in
//! their own workspaces and sessions, `status --chain --all` lists both in one call,
//! `--session` picks one, a launch into a session another chain owns is refused, and
//! `--fresh` restarts one chain from a clean state without touching the other.

use serde_json::Value;

use crate::e2e::Project;

const ALPHA: &str =
    "milestones:\n  - {label: a1, idea: ideas/a1.md}\n  - {label: a2, idea: ideas/a2.md}\n";
const BETA: &str = "milestones:\n  - {label: b1, idea: /workspace/app/ideas/b1.md}\n";

impl Project {
    fn launch(&self, transport: &str, args: &[&str]) -> Value {
        let (out, calls) = self.calls_of(transport, args);
        let launched = Self::json_of(&out, &args.join(" "));
        assert_eq!(calls, 1, "{args:?} makes one transport call");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "cloud chain launch: session={} alive=true",
                launched["tmux"]["session"].as_str().unwrap()
            )),
            "{stderr}"
        );
        assert_eq!(
            launched["verification"]["session_alive"], true,
            "{launched}"
        );
        launched
    }

    /// Run after [`Project::chain_flow`], whose shared chain (`chain.yaml`) owns the
    /// reference's session.
    pub fn isolation_flow(&self, transport: &str) {
        std::fs::create_dir_all(self.path().join("ideas")).unwrap();
        for (name, text) in [("a1", "A one\n"), ("a2", "A two\n"), ("b1", "B one\n")] {
            std::fs::write(self.path().join(format!("ideas/{name}.md")), text).unwrap();
        }
        std::fs::write(self.path().join("alpha.yaml"), ALPHA).unwrap();
        std::fs::write(self.path().join("beta.yaml"), BETA).unwrap();

        let alpha = self.launch(transport, &["chain", "alpha.yaml", "--isolated"]);
        let beta = self.launch(transport, &["chain", "beta.yaml", "--isolated"]);
        let session = |payload: &Value| payload["tmux"]["session"].as_str().unwrap().to_string();
        let (alpha_session, beta_session) = (session(&alpha), session(&beta));
        for (payload, slug) in [(&alpha, "alpha"), (&beta, "beta")] {
            let hash8 = &payload["launch"]["identity_digest"].as_str().unwrap()[..8];
            // The test repository's URL ends in `seed-repo`.
            let ws = format!("/workspace/{slug}-{hash8}/seed-repo");
            assert_eq!(payload["repo"]["workspace"], ws.as_str(), "{payload}");
            assert_eq!(payload["remote_spec"], format!("{ws}/chain.yaml"));
            assert_eq!(payload["launch"]["derived_workspace"], ws.as_str());
            assert_eq!(session(payload), format!("megaplan-chain-{slug}-{hash8}"));
            assert_eq!(payload["tmux"]["status"], "started", "{payload}");
        }
        // An absolute idea under the configured workspace moved into beta's own.
        let beta_ws = beta["repo"]["workspace"].as_str().unwrap();
        assert_eq!(
            self.ok(&["exec", &format!("cat {beta_ws}/ideas/b1.md")]),
            "B one\n"
        );
        let uploaded = self.ok(&["exec", &format!("cat {beta_ws}/chain.yaml")]);
        assert!(
            uploaded.contains(&format!("{beta_ws}/ideas/b1.md")),
            "{uploaded}"
        );

        self.both_listed(transport, &alpha_session, &beta_session);
        let picked = Self::json_of(
            &self.run(&["status", "--chain", "--session", &alpha_session]),
            "status --chain --session",
        );
        assert_eq!(picked["spec"], alpha["remote_spec"], "{picked}");

        // The reference's session belongs to chain.yaml (relaunched here, as the
        // supervisor's flow left it stopped): alpha may not take it.
        let shared = Self::json_of(&self.run(&["chain", "chain.yaml"]), "chain chain.yaml");
        assert_eq!(shared["verification"]["session_alive"], true, "{shared}");
        assert_eq!(shared["state_reset"]["status"], "preserved", "{shared}");
        let out = self.run(&["chain", "alpha.yaml"]);
        let refused: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        assert_eq!(refused["error"], "chain_session_collision", "{refused}");

        self.fresh_touches_only_its_own_chain(transport, &alpha, &beta);
    }

    fn both_listed(&self, transport: &str, alpha: &str, beta: &str) {
        let listed = crate::poll_result(std::time::Duration::from_secs(60), || {
            let (out, calls) = self.calls_of(transport, &["status", "--chain", "--all"]);
            let listed = Self::json_of(&out, "status --chain --all");
            if calls != 1 {
                return Err(format!("status --chain --all made {calls} calls"));
            }
            let chains = listed["chains"].as_array().cloned().unwrap_or_default();
            let ready = [(alpha, "a1"), (beta, "b1")].iter().all(|(s, m)| {
                chains.iter().any(|c| {
                    c["session"] == *s && c["alive"] == true && c["current_milestone"] == *m
                })
            });
            if ready {
                Ok((listed, out.stderr))
            } else {
                Err(listed.to_string())
            }
        })
        .unwrap_or_else(|last| panic!("both chains never showed up: {last}"));
        let stderr = String::from_utf8_lossy(&listed.1);
        assert!(stderr.contains(&format!("  {alpha}  alive  ")), "{stderr}");
        assert!(stderr.contains(&format!("  {beta}  alive  ")), "{stderr}");
    }

    fn fresh_touches_only_its_own_chain(&self, transport: &str, alpha: &Value, beta: &Value) {
        let alpha_state = format!(
            "{}/.megaplan/plans/.chains",
            alpha["repo"]["workspace"].as_str().unwrap()
        );
        let before = self.ok(&["exec", &format!("ls {alpha_state}")]);
        let again = self.launch(transport, &["chain", "beta.yaml", "--isolated", "--fresh"]);
        assert_eq!(again["launch"]["stopped_previous_session"], true, "{again}");
        assert_eq!(again["state_reset"]["status"], "reset", "{again}");
        assert_eq!(again["state_reset"]["reason"], "fresh");
        assert_eq!(again["tmux"]["status"], "started");
        assert_eq!(again["tmux"]["session"], beta["tmux"]["session"]);
        let moved = again["state_reset"]["moved_to"].as_str().unwrap();
        assert!(!self.ok(&["exec", &format!("ls {moved}")]).trim().is_empty());
        // Alpha's session and state are untouched.
        let alive = format!(
            "tmux has-session -t ={} && echo alive",
            alpha["tmux"]["session"].as_str().unwrap()
        );
        assert_eq!(self.ok(&["exec", &alive]), "alive\n");
        assert_eq!(self.ok(&["exec", &format!("ls {alpha_state}")]), before);
    }
}
