//! The supervisor end to end, after `chain_flow` launched a chain: a dead session is
//! restarted in two calls and the next tick is a one-call noop; two ticks at once act
//! once; a lock held on the runner by another supervisor is respected and named; a
//! merged PR advances the chain once.

use serde_json::Value;

use crate::e2e::Project;

const STATE_GLOB: &str = "/workspace/app/.megaplan/plans/.chains/chain-*.json";

impl Project {
    fn tick(&self, transport: &str) -> (Value, usize, String) {
        let (out, calls) = self.calls_of(transport, &["supervise", "--chain"]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "supervise printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        (
            report,
            calls,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn session_up(&self) -> bool {
        self.run(&["exec", "tmux has-session -t =megaplan-chain && echo up"])
            .stdout
            .starts_with(b"up")
    }

    fn set_state(&self, fields: &str) {
        let script = format!(
            "import glob, json; p = [f for f in glob.glob('{STATE_GLOB}') if 'runtime_policy' not in f][0]; s = json.load(open(p)); s.update({fields}); json.dump(s, open(p, 'w'))"
        );
        self.ok(&["exec", &format!("python3 -c \"{script}\"")]);
    }

    /// Runs after `chain_flow` (the chain is at its first milestone, session running).
    pub fn supervise_flow(&self, transport: &str) {
        let (report, calls, stderr) = self.tick(transport);
        assert_eq!(report["event"], "supervisor_tick", "{report}");
        assert_eq!(
            (report["effective_status"].as_str(), calls),
            (Some("running"), 1)
        );
        assert!(
            stderr.contains("supervisor tick: supervisor_tick | acted=False | next_action=noop"),
            "{stderr}"
        );

        self.ok(&["exec", "tmux kill-session -t =megaplan-chain"]);
        let (report, calls, _) = self.tick(transport);
        assert_eq!(report["event"], "supervisor_restarted", "{report}");
        assert_eq!(
            (report["acted"].as_bool(), calls),
            (Some(true), 2),
            "observe, act"
        );
        assert!(self.session_up(), "the session runs again");
        let (report, calls, _) = self.tick(transport);
        assert_eq!(
            (report["event"].as_str(), report["acted"].as_bool(), calls),
            (Some("supervisor_tick"), Some(false), 1),
            "{report}"
        );

        // Two ticks at once against a dead session: exactly one restarts it.
        self.ok(&["exec", "tmux kill-session -t =megaplan-chain"]);
        let spawn = || {
            self.command(&["supervise", "--chain"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let reports: Vec<Value> = [a, b]
            .into_iter()
            .map(|child| serde_json::from_slice(&child.wait_with_output().unwrap().stdout).unwrap())
            .collect();
        let acted = reports.iter().filter(|r| r["acted"] == true).count();
        assert_eq!(acted, 1, "{reports:?}");
        for other in reports.iter().filter(|r| r["acted"] != true) {
            assert!(
                ["locked", "running", "state_changed"]
                    .contains(&other["refused_code"].as_str().unwrap_or("")),
                "{other}"
            );
        }

        // Another machine's supervisor holds the runner's lock: nothing is done.
        self.ok(&["exec", "tmux kill-session -t =megaplan-chain"]);
        self.ok(&["exec", "mkdir -p /workspace/app/.megaplan/supervisor.lock && echo 'host=elsewhere pid=7' > /workspace/app/.megaplan/supervisor.lock/details"]);
        let (report, _, _) = self.tick(transport);
        assert_eq!(report["refused_code"], "locked", "{report}");
        assert!(
            report["refused_reason"]
                .as_str()
                .unwrap()
                .contains("host=elsewhere pid=7"),
            "{report}"
        );
        assert!(!self.session_up(), "a locked tick restarts nothing");
        self.ok(&["exec", "rm -f /workspace/app/.megaplan/supervisor.lock/details && rmdir /workspace/app/.megaplan/supervisor.lock"]);

        // A merged PR moves the chain on once.
        self.set_state("last_state='awaiting_pr_merge', pr_number=5");
        self.ok(&[
            "exec",
            "printf '#!/bin/sh\\necho MERGED\\n' > /usr/local/bin/gh && chmod +x /usr/local/bin/gh",
        ]);
        let (report, calls, _) = self.tick(transport);
        assert_eq!(report["event"], "supervisor_advanced", "{report}");
        assert_eq!(calls, 2);
        let status = self.ok(&["status", "--chain"]);
        let start = status.find('{').unwrap();
        let payload: Value = serde_json::from_str(&status[start..]).unwrap();
        // The shared chain's own two-milestone spec is still in place: the twenty-idea
        // chain went to its own workspace rather than over this one.
        let summary = &payload["summary"];
        assert_eq!(summary["current_milestone"]["label"], "m2", "{payload}");
        assert_eq!(summary["completed"][0]["label"], "m1", "{payload}");
        let (report, _, _) = self.tick(transport);
        assert_eq!(
            report["acted"], false,
            "the second tick after the advance does nothing: {report}"
        );
        self.local_lock_is_respected(transport);

        // Three restarts in the hour (the default budget): the fourth goes to a human.
        self.ok(&["exec", "tmux kill-session -t =megaplan-chain"]);
        let (report, _, _) = self.tick(transport);
        assert_eq!(
            report["refused_code"], "restart_budget_exhausted",
            "{report}"
        );
        assert_eq!(report["event"], "supervisor_blocked");
        assert!(!self.session_up(), "nothing was restarted");
    }

    /// A tick on this machine holds the chain's lock: another is refused before any
    /// remote call, naming the holder.
    fn local_lock_is_respected(&self, transport: &str) {
        let lock = crate::chain_flow::markers_in(&self.home())[0].with_file_name("supervise.lock");
        std::fs::write(&lock, "host=test-holder pid=4242\n").unwrap();
        // One process holds it (the shell becomes `sleep`), so killing it frees it.
        let mut holder = crate::process::command("sh")
            .args(["-c", "exec 9>>\"$1\" && flock -x 9 && exec sleep 120", "sh"])
            .arg(&lock)
            .spawn()
            .unwrap();
        let held = crate::poll(std::time::Duration::from_secs(10), || {
            let free = crate::process::command("flock")
                .args(["-n"])
                .arg(&lock)
                .arg("true")
                .status()
                .unwrap()
                .success();
            (!free).then_some(())
        });
        let (report, calls, _) = self.tick(transport);
        let _ = holder.kill();
        let _ = holder.wait();
        assert!(held.is_some(), "the test could not take the lock");
        assert_eq!(report["refused_code"], "locked", "{report}");
        assert_eq!(calls, 0, "refused before any remote call");
        assert!(
            report["refused_reason"]
                .as_str()
                .unwrap()
                .contains("host=test-holder pid=4242"),
            "{report}"
        );
    }
}
