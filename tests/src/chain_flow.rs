//! The main job end to end, shared by the local and ssh providers' lifecycle tests:
//! `chain` launches a two-milestone chain on the runner (the image's stand-in core
//! writes the chain state as core does), `status --chain` reports the first milestone,
//! a second `chain` finds the session running, `status --chain` from another directory
//! finds the marker through `--cloud-yaml`, and twenty ideas travel in one call (as a
//! second, isolated chain: the first owns the shared session).

use std::time::Duration;

use serde_json::Value;

use crate::e2e::Project;
use crate::poll_result;

const SPEC: &str =
    "milestones:\n  - label: m1\n    idea: ideas/m1.md\n  - label: m2\n    idea: ideas/m2.md\n";

impl Project {
    /// Journal lines written so far.
    pub fn journal(&self) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(self.home().join("journal")) else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        for entry in entries {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            lines.extend(
                text.lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap()),
            );
        }
        lines
    }

    /// The round trips to the runner of `args`: calls of the transport's programs
    /// (`docker` and `docker-compose` for local, `ssh` for ssh), leaving out the local
    /// `compose version` probe. For `swarm` the runner's round trips are its `docker
    /// exec`s: the lookup of the task's container before each (`docker ps`) asks this
    /// machine's engine, as `docker compose exec` does inside its one process.
    pub fn calls_of(&self, transport: &str, args: &[&str]) -> (std::process::Output, usize) {
        let programs: &[&str] = match transport {
            "docker" => &["docker", "docker-compose"],
            "swarm" => &["docker"],
            other => &[other],
        };
        let swarm = transport == "swarm";
        let before = self.journal().len();
        let out = self.run(args);
        let calls = self.journal()[before..]
            .iter()
            .filter(|line| line["call"] != "which")
            .filter(|line| programs.iter().any(|p| line["program"] == *p))
            .filter(|line| {
                let argv: Vec<&str> = line["argv"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                argv != ["compose", "version"]
                    && argv != ["version"]
                    && (!swarm || argv.first() == Some(&"exec"))
            })
            .count();
        (out, calls)
    }

    pub(crate) fn json_of(out: &std::process::Output, what: &str) -> Value {
        assert!(
            out.status.success(),
            "{what} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // `chain` relays the launch's own output before its JSON, as the reference does.
        let text = String::from_utf8_lossy(&out.stdout);
        let start = text.find("\n{").map(|at| at + 1).unwrap_or(0);
        serde_json::from_str(&text[start..])
            .unwrap_or_else(|e| panic!("{what} printed no JSON ({e}): {text}"))
    }

    /// The whole chain flow; `transport` is the program each remote call runs.
    pub fn chain_flow(&self, transport: &str) {
        std::fs::create_dir_all(self.path().join("ideas")).unwrap();
        std::fs::write(self.path().join("ideas/m1.md"), "First milestone.\n").unwrap();
        std::fs::write(
            self.path().join("ideas/m2.md"),
            "Second: 'quotes' $(none)\n",
        )
        .unwrap();
        std::fs::write(self.path().join("chain.yaml"), SPEC).unwrap();

        let (out, calls) = self.calls_of(transport, &["chain", "chain.yaml"]);
        let launched = Self::json_of(&out, "chain");
        assert_eq!(calls, 1, "chain makes one transport call");
        assert_eq!(launched["event"], "cloud_chain_launched", "{launched}");
        assert_eq!(launched["remote_spec"], "/workspace/app/chain.yaml");
        assert_eq!(launched["current_milestone"], "m1");
        assert_eq!(launched["uploaded_idea_count"], 2);
        assert_eq!(launched["tmux"]["status"], "started", "{launched}");
        assert_eq!(launched["repo"]["checked_out_branch"], "main", "{launched}");
        assert!(
            launched["repo"]["head"]
                .as_str()
                .is_some_and(|h| h.len() == 40)
        );
        assert_eq!(
            self.ok(&["exec", "cat /workspace/app/ideas/m2.md"]),
            "Second: 'quotes' $(none)\n"
        );
        // No base_branch in the file: the uploaded spec gets repo.branch appended.
        assert!(
            self.ok(&["exec", "cat /workspace/app/chain.yaml"])
                .ends_with("base_branch: main\n")
        );

        let status = self.status_until_first_milestone(transport);
        let stderr = String::from_utf8_lossy(&status.1);
        assert!(
            stderr.contains("Current milestone: m1 (index 0)\n"),
            "{stderr}"
        );
        assert!(
            stderr.contains("  - [in_progress] m1 (index 0)\n"),
            "{stderr}"
        );

        self.twenty_ideas_in_one_call(transport);
        // Relaunching the shared chain finds it running (and makes it the last chain
        // again, for the supervisor's flow).
        let again = Self::json_of(&self.run(&["chain", "chain.yaml"]), "chain again");
        assert_eq!(again["tmux"]["status"], "already_running", "{again}");

        // From anywhere, --cloud-yaml finds the marker and so the chain.
        let elsewhere = tempfile::tempdir().unwrap();
        let cloud_yaml = self.path().join("cloud.yaml").display().to_string();
        let out = self
            .command(&["--cloud-yaml", &cloud_yaml, "status", "--chain"])
            .current_dir(elsewhere.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let payload = Self::json_of(&out, "status --chain elsewhere");
        assert_eq!(payload["summary"]["current_milestone"]["label"], "m1");
        assert_eq!(payload["resolved_context"]["source"]["session"], "marker");
    }

    /// Polls `status --chain` (one transport call each) until the stand-in core has
    /// written the first milestone; returns the payload and stderr.
    fn status_until_first_milestone(&self, transport: &str) -> (Value, Vec<u8>) {
        poll_result(Duration::from_secs(60), || {
            let (out, calls) = self.calls_of(transport, &["status", "--chain"]);
            let payload: Value = serde_json::from_slice(&out.stdout)
                .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stderr)))?;
            if calls != 1 {
                return Err(format!("status --chain made {calls} transport calls"));
            }
            if payload["summary"]["current_milestone"]["label"] != "m1" {
                return Err(payload.to_string());
            }
            Ok((payload, out.stderr))
        })
        .unwrap_or_else(|last| panic!("status --chain never showed m1; last: {last}"))
    }

    /// Twenty ideas (one of a megabyte) still cost one call and arrive intact.
    fn twenty_ideas_in_one_call(&self, transport: &str) {
        let mut spec = String::from("base_branch: main\nmilestones:\n");
        for i in 0..20 {
            let content = if i == 7 {
                (0..1024 * 1024)
                    .map(|n| (b'a' + (n % 26) as u8) as char)
                    .collect()
            } else {
                format!("idea {i}\n")
            };
            std::fs::write(self.path().join(format!("ideas/many-{i}.md")), content).unwrap();
            spec.push_str(&format!("  - {{label: n{i}, idea: ideas/many-{i}.md}}\n"));
        }
        std::fs::write(self.path().join("many.yaml"), &spec).unwrap();
        // chain.yaml owns the shared session, so this chain gets its own.
        let (out, calls) = self.calls_of(transport, &["chain", "many.yaml", "--isolated"]);
        let launched = Self::json_of(&out, "chain with 20 ideas");
        assert_eq!(calls, 1, "20 ideas still take one transport call");
        assert_eq!(launched["uploaded_idea_count"], 20);
        let ws = launched["repo"]["workspace"].as_str().unwrap();
        let local = std::fs::read(self.path().join("ideas/many-7.md")).unwrap();
        let digest = crate::sha256_hex(&local);
        let remote = self.ok(&["exec", &format!("sha256sum {ws}/ideas/many-7.md")]);
        assert!(remote.starts_with(&digest), "{remote} vs {digest}");
        // The explicit base_branch keeps the file's own bytes.
        assert_eq!(self.ok(&["exec", &format!("cat {ws}/chain.yaml")]), spec);
    }
}

/// Where `chain` leaves its marker for this project (whatever the key).
pub fn markers_in(home: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(keys) = std::fs::read_dir(home.join("markers")) else {
        return Vec::new();
    };
    keys.filter_map(|k| {
        let path = k.ok()?.path().join("last_chain.json");
        path.is_file().then_some(path)
    })
    .collect()
}
