//! A program name is not the whole grant. Some programs run arbitrary code through
//! their arguments (`ssh -o ProxyCommand=…`, `rsync -e 'sh -c …'`, `docker run
//! --privileged -v /:/host`, `railway run`), so a third-party provider granted one of
//! them is held to argument rules the host owns; and some programs *are* arbitrary code
//! (a shell, an interpreter), which the operator is told before granting them.
//!
//! One module per program family holds both halves of its rules: the arguments it
//! refuses and the environment variables that would do the same thing.

mod docker;
mod git;
mod kubectl;
mod ssh;

use serde::Serialize;

/// What granting a program amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exposure {
    /// Runs whatever code it is handed, as the operator: granting it grants everything.
    ArbitraryCode,
    /// Could run arbitrary code through some arguments, which the host refuses.
    Restricted,
    /// Nothing known beyond what the program does.
    Plain,
}

/// Shells and interpreters: any argument is a program.
const ARBITRARY: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "fish", "busybox", "env", "xargs", "nohup", "timeout",
    "nice", "python", "python3", "perl", "ruby", "node", "deno", "bun", "php", "lua", "tclsh",
    "awk", "gawk", "sudo", "su", "make", "find",
];

pub fn exposure(program: &str) -> Exposure {
    if ARBITRARY.contains(&program) {
        Exposure::ArbitraryCode
    } else if rules_for(program).is_some() {
        Exposure::Restricted
    } else {
        Exposure::Plain
    }
}

/// A program's rules: a check of its arguments, and the environment variables that do
/// what a refused argument does (matched by prefix, so `GIT_CONFIG` covers
/// `GIT_CONFIG_KEY_0`…).
type ArgsRule = fn(&[String]) -> Result<(), String>;

struct Rules {
    args: ArgsRule,
    env: &'static [&'static str],
}

fn rules_for(program: &str) -> Option<Rules> {
    let (args, env): (ArgsRule, _) = match program {
        "ssh" | "scp" | "sftp" => (ssh::ssh_family, ssh::SSH_ENV),
        "rsync" => (ssh::rsync, ssh::RSYNC_ENV),
        "docker" | "podman" | "docker-compose" => (docker::docker, docker::DOCKER_ENV),
        "git" => (git::git, git::GIT_ENV),
        "railway" => (git::railway, &[]),
        "kubectl" => (kubectl::kubectl, kubectl::KUBECTL_ENV),
        _ => return None,
    };
    Some(Rules { args, env })
}

/// `Ok` when `args` keep `program` to what it is granted for.
pub fn check(program: &str, args: &[String]) -> Result<(), String> {
    match rules_for(program) {
        Some(rules) => (rules.args)(args).map_err(|why| format!("{program} {why}")),
        None => Ok(()),
    }
}

/// `Ok` when setting `key` keeps `program` to what it is granted for.
pub fn check_env(program: &str, key: &str) -> Result<(), String> {
    let upper = key.to_ascii_uppercase();
    let forbidden = rules_for(program).map_or(&[][..], |rules| rules.env);
    match forbidden.iter().find(|f| upper.starts_with(*f)) {
        Some(_) => Err(format!(
            "{program} may not be given {key} (it runs another program or points {program} elsewhere)"
        )),
        None => Ok(()),
    }
}

/// A command line split on spaces, for the tests of each family.
#[cfg(test)]
fn words(line: &str) -> Vec<String> {
    line.split(' ').map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_that_do_what_a_refused_argument_does_are_refused() {
        for (program, key) in [
            ("rsync", "RSYNC_RSH"),
            ("git", "GIT_SSH_COMMAND"),
            ("git", "GIT_CONFIG_KEY_0"),
            ("git", "git_ssh"),
            ("docker", "DOCKER_HOST"),
            ("docker-compose", "COMPOSE_FILE"),
            ("ssh", "SSH_ASKPASS"),
        ] {
            assert!(check_env(program, key).is_err(), "{program} {key}");
        }
        for (program, key) in [
            ("rsync", "RSYNC_PARTIAL_DIR"),
            ("docker", "BUILDKIT_PROGRESS"),
            ("echo", "DOCKER_HOST"),
            ("railway", "RAILWAY_TOKEN"),
        ] {
            assert!(check_env(program, key).is_ok(), "{program} {key}");
        }
    }

    #[test]
    fn exposure_says_what_a_grant_amounts_to() {
        assert_eq!(exposure("sh"), Exposure::ArbitraryCode);
        assert_eq!(exposure("python3"), Exposure::ArbitraryCode);
        assert_eq!(exposure("ssh"), Exposure::Restricted);
        assert_eq!(exposure("docker"), Exposure::Restricted);
        assert_eq!(exposure("echo"), Exposure::Plain);
    }
}
