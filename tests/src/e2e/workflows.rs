//! The checks every provider's lifecycle test runs against its runner: megaplan's
//! workflows, stdin, logs, uploads and attach.

use super::*;

impl Project {
    /// `status`, `resume` and `bootstrap` run megaplan (the image's stand-in, which
    /// logs its calls to /tmp/megaplan-stub.log) in the runner's workspace.
    pub fn plan_workflows_run_megaplan(&self) {
        let status: serde_json::Value =
            serde_json::from_str(&self.ok(&["status"])).expect("status prints JSON");
        assert_eq!(
            (status["plan"].as_str(), status["next_step"].as_str()),
            (Some("e2e"), Some("plan")),
            "{status}"
        );
        // The runner's secret in megaplan's own output reaches the operator redacted.
        assert_eq!(
            status["notes"],
            serde_json::json!(["token ***REDACTED***"]),
            "{status}"
        );
        // The stand-in's next step is `plan`, so resume runs `megaplan plan --plan e2e`.
        assert_eq!(
            self.ok(&["resume", "--plan", "e2e"]),
            "megaplan stand-in: plan --plan e2e\n"
        );
        // Beyond the plan step: execute runs unattended, feedback as the workflow.
        for (step, ran) in [
            (
                "execute",
                "execute --confirm-destructive --user-approved --retry-blocked-tasks --plan e2e",
            ),
            ("feedback", "feedback workflow --plan e2e"),
        ] {
            self.ok(&["exec", &format!("echo {step} > /tmp/megaplan-next-step")]);
            assert_eq!(
                self.ok(&["resume", "--plan", "e2e"]),
                format!("megaplan stand-in: {ran}\n")
            );
        }
        self.ok(&["exec", "rm -f /tmp/megaplan-next-step"]);
        // doctor on a working setup: every check passes, nothing secret in it.
        let doctor = self.run(&["doctor"]);
        let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
        assert!(doctor.status.success(), "{report}");
        assert_eq!(report["success"], true, "{report}");

        // A missing idea file stops bootstrap before anything reaches the runner.
        let out = self.run(&["bootstrap", "no-such-idea.md"]);
        assert_eq!(out.status.code(), Some(1));
        let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(error["error"], "missing_idea_file", "{error}");

        let idea = "Build the thing.\nWith 'quotes' and $(no substitution).\n";
        std::fs::write(self.path().join("idea.md"), idea).unwrap();
        let out = self.ok(&["bootstrap", "idea.md", "--plan-name", "first plan"]);
        assert!(
            out.ends_with(
                "megaplan stand-in: init --project-dir /workspace/app --idea-file \
                 /workspace/app/idea.txt --auto-start --robustness standard --name first plan\n"
            ),
            "{out}"
        );
        assert_eq!(self.ok(&["exec", "cat /workspace/app/idea.txt"]), idea);
        let calls = self.ok(&["exec", "cut -d' ' -f2- /tmp/megaplan-stub.log"]);
        for expected in [
            "megaplan status --plan e2e",
            "megaplan plan --plan e2e",
            "megaplan init --project-dir /workspace/app",
        ] {
            assert!(calls.contains(expected), "{expected} not in\n{calls}");
        }
    }

    /// What is piped into `exec` reaches the remote command.
    pub fn stdin_passes_through(&self) {
        use std::io::Write;
        let mut child = self
            .command(&["exec", "cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(b"through stdin\n").expect("write stdin");
        drop(stdin);
        let out = child.wait_with_output().expect("exec finishes");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "through stdin\n");
    }

    /// The log snapshot and a followed stream both show the entrypoint reaching idle.
    pub fn logs_show_the_entrypoint(&self) {
        let logs = poll(Duration::from_secs(60), || {
            let text = self.ok(&["logs", "--no-follow"]);
            text.contains("=== entrypoint idle ===").then_some(text)
        })
        .expect("the entrypoint reached idle");
        assert!(logs.contains("Runner mode: idle"), "{logs}");
        let mut follow = self
            .command(&["logs"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("logs runs");
        assert!(read_until(
            &mut follow,
            "entrypoint idle",
            Duration::from_secs(60)
        ));
        let _ = follow.kill();
        let _ = follow.wait();
    }

    /// upload and read-file are operations the workflows use; they go through the
    /// library: a binary file with spaces and a quote in its name comes back intact.
    pub fn upload_and_read_back(&self) {
        let home = CloudHome::at(self.home());
        let spec = CloudSpec::load(&self.path().join("cloud.yaml"), &|_| false)
            .expect("cloud.yaml loads")
            .spec;
        let (console, _) = Console::capture();
        let capability = Arc::new(Capability::new(Settings::new(console)));
        let runtime = Runtime::new(None, Limits::default()).expect("runtime");
        let deploy_dir = megaplan_cloud::deploy_dir::persistent_dir(&spec, &home)
            .expect("a valid deploy dir")
            .map(DeployDirMount::path_only);
        let mut provider = Registry::new(home, vec![])
            .load(&runtime, &spec.provider, capability, deploy_dir)
            .expect("the provider loads");
        let ctx = megaplan_cloud::ops::op_context(&spec, None, &|_| true);
        let content: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let destination = "/workspace/app/dir with space/it's a blob.bin";
        provider
            .upload(&ctx, destination, &content)
            .expect("upload");
        assert_eq!(
            provider.read_file(&ctx, destination).expect("read-file"),
            content
        );
        let missing = provider.read_file(&ctx, "/no/such file").unwrap_err();
        assert_eq!(missing.code, "provider_failed");
        assert!(
            missing.message.contains("No such file"),
            "{}",
            missing.message
        );
    }

    /// `attach` under a real pseudo-terminal (a host tmux session) reaches the runner's
    /// tmux session `agent`, and what is typed there runs.
    pub fn attach_reaches_the_agent_session(&self) {
        let env: String = self.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
        // The pane outlives the command, so a failure leaves its message on screen.
        let command = format!(
            "cd {} && {env}MEGAPLAN_CLOUD_HOME={} {} attach; echo attach-exited-$?; exec cat",
            self.path().display(),
            self.home().display(),
            self.bin
        );
        let pane = Pane::start("mpc-attach", &command);
        let attached = poll(Duration::from_secs(30), || {
            pane.screen(false).contains("[agent]").then_some(())
        });
        assert!(
            attached.is_some(),
            "no inner tmux status line:\n{}",
            pane.screen(false)
        );
        pane.send_line("echo attach-$((6*7))");
        pane.wait_for("attach-42");
    }
}
