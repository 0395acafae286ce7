//! Every validation message of the reference, each with the input that triggers it.

use super::error;

#[test]
fn every_reference_message() {
    let cases: &[(&str, &str, &str)] = &[
        ("- a\n", "invalid_spec", "cloud spec must be a YAML mapping"),
        ("42\n", "invalid_spec", "cloud spec must be a YAML mapping"),
        ("", "invalid_spec", "`repo.url` is required"),
        (
            "provider: fly\n",
            "future_provider",
            "provider 'fly' is reserved for a future release; future providers: fly",
        ),
        (
            "provider: bogus\n",
            "invalid_spec",
            "provider must be one of railway, local, ssh, swarm, fly; got 'bogus'",
        ),
        (
            "provider: ''\n",
            "invalid_spec",
            "`provider` must be a non-empty string",
        ),
        ("repo: [1]\n", "invalid_spec", "`repo` must be a mapping"),
        ("repo: {}\n", "invalid_spec", "`repo.url` is required"),
        (
            "repo: {url: 5}\n",
            "invalid_spec",
            "`repo.url` must be a non-empty string",
        ),
        (
            "repo: {url: '  '}\n",
            "invalid_spec",
            "`repo.url` must be a non-empty string",
        ),
        (
            "repo: {url: u, branch: ''}\n",
            "invalid_spec",
            "`repo.branch` must be a non-empty string",
        ),
        (
            "repo: {url: u, workspace: rel}\n",
            "invalid_spec",
            "`repo.workspace` must be an absolute POSIX path; got 'rel'",
        ),
        (
            "repo: {url: u, workspace: null}\n",
            "invalid_spec",
            "`repo.workspace` is required",
        ),
        (
            "repo: {url: u}\ncodex: 1\n",
            "invalid_spec",
            "`codex` must be a mapping",
        ),
        (
            "repo: {url: u}\ncodex: {reasoning: extreme}\n",
            "invalid_spec",
            "codex.reasoning must be one of minimal, low, medium, high; got 'extreme'",
        ),
        (
            "repo: {url: u}\ncodex: {model: ''}\n",
            "invalid_spec",
            "`codex.model` must be a non-empty string",
        ),
        (
            "repo: {url: u}\nmode: mystery\n",
            "invalid_spec",
            "mode must be one of auto, chain, idle; got 'mystery'",
        ),
        (
            "repo: {url: u}\nagents: [codex]\n",
            "invalid_spec",
            "`agents` must be a mapping",
        ),
        (
            "repo: {url: u}\nagents: {shipit: codex}\n",
            "invalid_spec",
            "Unknown agents key 'shipit'. Valid keys: default, plan, prep, critique, revise, gate, feedback, finalize, execute, loop_plan, loop_execute, review, tiebreaker_researcher, tiebreaker_challenger",
        ),
        (
            "repo: {url: u}\nagents: {1: codex}\n",
            "invalid_spec",
            "`agents` keys must be strings; valid keys: default, plan, prep, critique, revise, gate, feedback, finalize, execute, loop_plan, loop_execute, review, tiebreaker_researcher, tiebreaker_challenger",
        ),
        (
            "repo: {url: u}\nagents: {plan: marvin}\n",
            "invalid_spec",
            "Unknown agent 'marvin'. Valid agents: claude, codex, hermes, shannon",
        ),
        (
            "repo: {url: u}\nagents: {feedback: 'claude:low'}\n",
            "invalid_spec",
            "Unknown agent 'claude:low'. Valid agents: claude, codex, hermes, shannon",
        ),
        (
            "repo: {url: u}\nagents: {plan: null}\n",
            "invalid_spec",
            "Unknown agent 'None'. Valid agents: claude, codex, hermes, shannon",
        ),
        (
            "repo: {url: u}\nmegaplan: x\n",
            "invalid_spec",
            "`megaplan` must be a mapping",
        ),
        (
            "repo: {url: u}\nmegaplan: {ref: ''}\n",
            "invalid_spec",
            "`megaplan.ref` must be a non-empty string",
        ),
        (
            "repo: {url: u}\nresources: x\n",
            "invalid_spec",
            "`resources` must be a mapping",
        ),
        (
            "repo: {url: u}\nresources: {volume: ''}\n",
            "invalid_spec",
            "`resources.volume` must be a non-empty string",
        ),
        (
            "repo: {url: u}\nresources: {port: x}\n",
            "invalid_spec",
            "`resources.port` must be an integer",
        ),
        (
            "repo: {url: u}\nresources: {port: 80.5}\n",
            "invalid_spec",
            "`resources.port` must be an integer",
        ),
        (
            "repo: {url: u}\nresources: {port: true}\n",
            "invalid_spec",
            "`resources.port` must be an integer",
        ),
        (
            "repo: {url: u}\nrailway: x\n",
            "invalid_spec",
            "`railway` must be a mapping",
        ),
        (
            "repo: {url: u}\nrailway: {service: ''}\n",
            "invalid_spec",
            "`railway.service` must be a non-empty string",
        ),
        (
            "repo: {url: u}\nrailway: {project: 3}\n",
            "invalid_spec",
            "`railway.project` must be a non-empty string",
        ),
        (
            "repo: {url: u}\nlocal: x\n",
            "invalid_spec",
            "`local` must be a mapping",
        ),
        (
            "provider: local\nrepo: {url: u}\nlocal: {workdir: ''}\n",
            "invalid_spec",
            "`local.workdir` must be a non-empty string",
        ),
        (
            "repo: {url: u}\nssh: x\n",
            "invalid_spec",
            "`ssh` must be a mapping",
        ),
        (
            "provider: ssh\nrepo: {url: u}\n",
            "invalid_spec",
            "`ssh.host` is required",
        ),
        (
            "provider: ssh\nrepo: {url: u}\nssh: {host: h, port: 0}\n",
            "invalid_spec",
            "`ssh.port` must be a positive integer",
        ),
        (
            "provider: ssh\nrepo: {url: u}\nssh: {host: h, port: '22'}\n",
            "invalid_spec",
            "`ssh.port` must be a positive integer",
        ),
        (
            "provider: ssh\nrepo: {url: u}\nssh: {host: h, remote_dir: tmp/x}\n",
            "invalid_spec",
            "`ssh.remote_dir` must be an absolute POSIX path; got 'tmp/x'",
        ),
        (
            "repo: {url: u}\nmode: auto\n",
            "invalid_spec",
            "`auto.plan_name` is required",
        ),
        (
            "repo: {url: u}\nmode: auto\nauto: x\n",
            "invalid_spec",
            "`auto` must be a mapping",
        ),
        (
            "repo: {url: u}\nmode: auto\nauto: {plan_name: p, idea_file: idea.txt}\n",
            "invalid_spec",
            "`auto.idea_file` must be an absolute POSIX path; got 'idea.txt'",
        ),
        (
            "repo: {url: u}\nmode: chain\n",
            "invalid_spec",
            "`chain.spec` is required",
        ),
        (
            "repo: {url: u}\nmode: chain\nchain: [x]\n",
            "invalid_spec",
            "`chain` must be a mapping",
        ),
        (
            "repo: {url: u}\nmode: chain\nchain: {spec: rel.yaml}\n",
            "invalid_spec",
            "`chain.spec` must be an absolute POSIX path; got 'rel.yaml'",
        ),
        (
            "repo: {url: u}\nmode: chain\nchain: {spec: /c.yaml, chain_session: ' '}\n",
            "invalid_spec",
            "`chain.chain_session` must be a non-empty string",
        ),
        (
            "repo: {url: u}\nextra_repos: x\n",
            "invalid_spec",
            "`extra_repos` must be a list of strings",
        ),
        (
            "repo: {url: u}\nextra_repos: [/a, '']\n",
            "invalid_spec",
            "`extra_repos[1]` must be a non-empty string",
        ),
        (
            "repo: {url: u}\nsecrets: A\n",
            "invalid_spec",
            "`secrets` must be a list of strings",
        ),
        (
            "repo: {url: u}\nsecrets: [A, '']\n",
            "invalid_spec",
            "`secrets` must be a list of strings",
        ),
        (
            "repo: {url: u}\nsecrets: [A, 3]\n",
            "invalid_spec",
            "`secrets` must be a list of strings",
        ),
        (
            "repo: {url: u}\ntoolchains: rust\n",
            "invalid_spec",
            "`toolchains` must be a list",
        ),
        (
            "repo: {url: u}\ntoolchains: [zig]\n",
            "invalid_spec",
            "Unknown toolchain alias 'zig'; expected one of: rust, go, java",
        ),
        (
            "repo: {url: u}\ntoolchains: [3]\n",
            "invalid_spec",
            "`toolchains[0]` must be a string alias or mapping",
        ),
        (
            "repo: {url: u}\ntoolchains: [rust, {install: x}]\n",
            "invalid_spec",
            "`toolchains[1].name` is required",
        ),
        (
            "repo: {url: u}\ntoolchains: [{name: x}]\n",
            "invalid_spec",
            "`toolchains[0].install` is required",
        ),
        (
            "repo: {url: u}\nimage: {base: ''}\n",
            "invalid_spec",
            "`image.base` must be a non-empty string",
        ),
    ];
    for (text, code, message) in cases {
        let err = error(text);
        assert_eq!(err.code, *code, "{text:?}");
        assert!(
            err.message == *message || err.message.ends_with(&format!(": {message}")),
            "{text:?}\n  got:      {}\n  expected: {message}",
            err.message
        );
    }
}
