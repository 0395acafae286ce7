//! A program name is not the whole grant. Some programs run arbitrary code through
//! their arguments (`ssh -o ProxyCommand=…`, `rsync -e 'sh -c …'`, `docker run
//! --privileged -v /:/host`, `railway run`), so a third-party provider granted one of
//! them is held to argument rules the host owns; and some programs *are* arbitrary code
//! (a shell, an interpreter), which the operator is told before granting them.

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

type Rule = fn(&[String]) -> Result<(), String>;

fn rules_for(program: &str) -> Option<Rule> {
    match program {
        "ssh" | "scp" | "sftp" => Some(ssh_family),
        "rsync" => Some(rsync),
        "docker" | "podman" => Some(docker),
        "docker-compose" => Some(compose),
        "git" => Some(git),
        "railway" => Some(railway),
        "kubectl" => Some(kubectl),
        _ => None,
    }
}

/// `Ok` when `args` keep `program` to what it is granted for.
pub fn check(program: &str, args: &[String]) -> Result<(), String> {
    match rules_for(program) {
        Some(rule) => rule(args).map_err(|why| format!("{program} {why}")),
        None => Ok(()),
    }
}

/// OpenSSH options that run a local command or read one from a file.
const SSH_COMMAND_OPTIONS: &[&str] = &[
    "proxycommand",
    "localcommand",
    "permitlocalcommand",
    "knownhostscommand",
    "match",
    "include",
];

fn ssh_family(args: &[String]) -> Result<(), String> {
    let mut words = args.iter().map(String::as_str).peekable();
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        let option = match word {
            "-o" => words.next().unwrap_or_default(),
            other if other.starts_with("-o") => &other[2..],
            "-F" | "-S" => {
                return Err(format!(
                    "may not be given {word} (it names a program or config to run)"
                ));
            }
            other if other.starts_with("-F") || (other.starts_with("-S") && other.len() > 2) => {
                return Err(format!(
                    "may not be given {other} (it names a program or config to run)"
                ));
            }
            _ => continue,
        };
        let key = option
            .split(['=', ' '])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if SSH_COMMAND_OPTIONS.contains(&key.as_str()) {
            return Err(format!(
                "may not be given -o {option} (it runs a local command)"
            ));
        }
    }
    Ok(())
}

fn rsync(args: &[String]) -> Result<(), String> {
    for arg in args {
        let option = arg.split('=').next().unwrap_or_default();
        if matches!(option, "-e" | "--rsh" | "--rsync-path")
            || (arg.starts_with("-e") && arg.len() > 2 && !arg.starts_with("--"))
        {
            return Err(format!(
                "may not be given {arg} (it names a program to run)"
            ));
        }
    }
    Ok(())
}

/// Flags that hand a container the host, or point docker at another daemon or config.
const DOCKER_FLAGS: &[&str] = &[
    "--privileged",
    "--cap-add",
    "--device",
    "--security-opt",
    "--pid",
    "--ipc",
    "--uts",
    "--userns",
    "--cgroupns",
    "-H",
    "--host",
    "--config",
    "--context",
];

fn docker(args: &[String]) -> Result<(), String> {
    let mut words = args.iter().map(String::as_str);
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (word, None),
        };
        if DOCKER_FLAGS.contains(&flag) {
            return Err(format!(
                "may not be given {word} (it reaches beyond the container)"
            ));
        }
        if matches!(flag, "--network" | "--net")
            && (inline == Some("host")
                || (inline.is_none() && words.clone().next() == Some("host")))
        {
            return Err(format!(
                "may not be given {word} host (it reaches beyond the container)"
            ));
        }
        if matches!(flag, "-v" | "--volume" | "--mount") {
            let value = inline.or_else(|| words.next()).unwrap_or_default();
            if binds_host_path(value) {
                return Err(format!(
                    "may not be given {flag} {value} (it mounts the host's files)"
                ));
            }
        }
        if matches!(flag, "-f" | "--file") {
            let value = inline.or_else(|| words.next()).unwrap_or_default();
            if matches!(value, "-" | "/dev/stdin")
                || value.starts_with("/dev/fd/")
                || value.starts_with("/proc/")
            {
                return Err(format!(
                    "may not be given {flag} {value} (a Compose file from stdin can do anything)"
                ));
            }
        }
    }
    Ok(())
}

fn compose(args: &[String]) -> Result<(), String> {
    docker(args)
}

/// `-v /:/host`, `--mount type=bind,source=/etc,...`: a source that is a host path.
fn binds_host_path(spec: &str) -> bool {
    if spec.contains("type=bind") || spec.contains("source=/") || spec.contains("src=/") {
        return true;
    }
    let source = spec.split(':').next().unwrap_or_default();
    source.starts_with('/') || source.starts_with('.') || source.starts_with('~')
}

fn git(args: &[String]) -> Result<(), String> {
    for (index, arg) in args.iter().enumerate() {
        let config = if arg == "-c" {
            args.get(index + 1).map(String::as_str)
        } else {
            arg.strip_prefix("-c")
        };
        let lower = config.unwrap_or_default().to_ascii_lowercase();
        if lower.starts_with("core.sshcommand")
            || lower.starts_with("core.fsmonitor")
            || lower.starts_with("core.hookspath")
            || lower.contains(".helper")
            || lower.starts_with("protocol.ext")
        {
            return Err(format!(
                "may not be given -c {} (it runs a local command)",
                config.unwrap_or_default()
            ));
        }
        if arg.starts_with("--upload-pack")
            || arg.starts_with("--receive-pack")
            || arg == "-u"
            || arg.starts_with("--exec")
        {
            return Err(format!(
                "may not be given {arg} (it names a program to run)"
            ));
        }
    }
    Ok(())
}

fn railway(args: &[String]) -> Result<(), String> {
    match args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str)
    {
        Some(sub @ ("run" | "shell" | "local")) => Err(format!(
            "may not run `{sub}` (it runs a local command with the project's variables)"
        )),
        _ => Ok(()),
    }
}

/// The kubectl subcommands a provider may run: reading and changing objects, exec and
/// logs. Anything else may run a program here (`diff`'s external diff, `edit`'s
/// editor, `kubectl-<name>` plugins for an unknown word), copy files off this machine
/// (`cp`), open a port or a proxy on it, or print the credentials (`config`).
const KUBECTL_SUBCOMMANDS: &[&str] = &[
    "get",
    "describe",
    "explain",
    "apply",
    "create",
    "replace",
    "patch",
    "delete",
    "label",
    "annotate",
    "set",
    "scale",
    "autoscale",
    "rollout",
    "wait",
    "exec",
    "logs",
    "top",
    "auth",
    "version",
    "cluster-info",
    "api-resources",
    "api-versions",
];

/// Global flags that take a value as the next word.
const KUBECTL_VALUE_FLAGS: &[&str] = &[
    "--context",
    "-n",
    "--namespace",
    "--cluster",
    "--user",
    "--request-timeout",
    "-v",
    "--v",
    "--cache-dir",
];

/// Flags that point kubectl at other credentials or another server.
const KUBECTL_FLAGS: &[&str] = &[
    "--kubeconfig",
    "-s",
    "--server",
    "--token",
    "--as",
    "--as-group",
    "--as-uid",
    "--username",
    "--password",
    "--certificate-authority",
    "--client-certificate",
    "--client-key",
    "--insecure-skip-tls-verify",
    "--tls-server-name",
];

fn kubectl(args: &[String]) -> Result<(), String> {
    let mut subcommand = None;
    let mut words = args.iter().map(String::as_str);
    while let Some(word) = words.next() {
        // What follows `--` is the command `exec` runs in the pod, not kubectl's.
        if word == "--" {
            break;
        }
        let flag = word.split_once('=').map_or(word, |(flag, _)| flag);
        if KUBECTL_FLAGS.contains(&flag) {
            return Err(format!(
                "may not be given {word} (it points kubectl elsewhere)"
            ));
        }
        if subcommand.is_none() {
            if KUBECTL_VALUE_FLAGS.contains(&word) {
                words.next();
            } else if !word.starts_with('-') {
                subcommand = Some(word);
            }
        }
    }
    match subcommand {
        Some(sub) if !KUBECTL_SUBCOMMANDS.contains(&sub) => Err(format!(
            "may not run `{sub}` (only reading and changing objects, exec and logs)"
        )),
        _ => Ok(()),
    }
}

/// Environment variables that do what a refused argument does: name a program to
/// run (`RSYNC_RSH` is `rsync -e`, `GIT_SSH_COMMAND` is `-c core.sshCommand`,
/// `SSH_ASKPASS` runs when ssh wants a password) or point the program elsewhere
/// (`DOCKER_HOST` is `docker -H`, `COMPOSE_FILE` is `-f`). Matched by prefix where a
/// family of them does (`GIT_CONFIG_KEY_0`…).
fn forbidden_env(program: &str) -> &'static [&'static str] {
    match program {
        "ssh" | "scp" | "sftp" => &["SSH_ASKPASS"],
        "rsync" => &["RSYNC_RSH", "RSYNC_CONNECT_PROG", "SSH_ASKPASS"],
        "docker" | "podman" | "docker-compose" => &[
            "DOCKER_HOST",
            "DOCKER_CONTEXT",
            "DOCKER_CONFIG",
            "DOCKER_CERT_PATH",
            "DOCKER_TLS",
            "CONTAINER_HOST",
            "CONTAINERS_",
            "COMPOSE_",
        ],
        "kubectl" => &[
            "KUBECONFIG",
            "KUBECTL_EXTERNAL_DIFF",
            "KUBE_EDITOR",
            "EDITOR",
            "KUBECTL_PLUGINS",
        ],
        "git" => &[
            "GIT_SSH",
            "GIT_PROXY_COMMAND",
            "GIT_ASKPASS",
            "GIT_EXTERNAL_DIFF",
            "GIT_EXEC_PATH",
            "GIT_CONFIG",
            "GIT_TEMPLATE_DIR",
            "SSH_ASKPASS",
        ],
        _ => &[],
    }
}

/// `Ok` when setting `key` keeps `program` to what it is granted for.
pub fn check_env(program: &str, key: &str) -> Result<(), String> {
    let upper = key.to_ascii_uppercase();
    match forbidden_env(program)
        .iter()
        .find(|f| upper.starts_with(*f))
    {
        Some(_) => Err(format!(
            "{program} may not be given {key} (it runs another program or points {program} elsewhere)"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_keeps_to_objects_exec_and_logs_on_the_configured_cluster() {
        for bad in [
            "--kubeconfig /tmp/other get pods",
            "--namespace x --server=https://198.51.100.7 get pods",
            "--context c cp pod:/etc/x /tmp/x",
            "proxy",
            "-n x port-forward pod/p 8080",
            "krew install evil",
            "config view --raw",
            "diff -f x.yaml",
            "get pods --token abc",
        ] {
            assert!(check("kubectl", &words(bad)).is_err(), "{bad}");
        }
        for good in [
            "--context prod --namespace agents exec -i runner-0 -c agent -- bash -lc pwd",
            "--namespace agents apply -f /home/me/.megaplan/deploy/runner.yaml",
            "--namespace agents auth can-i create pods --subresource=exec",
            "-n agents logs runner-0 -c agent --tail=200",
            "-n agents exec -i runner-0 -- curl --server x --token y",
        ] {
            assert!(check("kubectl", &words(good)).is_ok(), "{good}");
        }
        assert!(check_env("kubectl", "KUBECONFIG").is_err());
        assert_eq!(exposure("kubectl"), Exposure::Restricted);
    }

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

    fn words(line: &str) -> Vec<String> {
        line.split(' ').map(String::from).collect()
    }

    #[test]
    fn ssh_options_that_run_local_commands_are_refused() {
        for bad in [
            "-o ProxyCommand=sh -c id -- host",
            "-oProxyCommand=id host",
            "-o proxycommand id host",
            "-o LocalCommand=id -o PermitLocalCommand=yes host",
            "-F /tmp/evil_config host",
            "-o Include=/tmp/x host",
        ] {
            assert!(check("ssh", &words(bad)).is_err(), "{bad}");
        }
        assert!(check("scp", &words("-S /tmp/evil a b")).is_err());
        let good = "-p 22 -i key -o BatchMode=yes -o ConnectTimeout=10 -- root@host docker ps";
        assert!(check("ssh", &words(good)).is_ok());
        // After `--`, words are the remote command, not options.
        assert!(check("ssh", &words("-- host -o ProxyCommand=x")).is_ok());
    }

    #[test]
    fn rsync_may_not_choose_its_transport() {
        for bad in [
            "-az -e sh a b",
            "--rsh=sh a b",
            "-esh a b",
            "--rsync-path=evil a b",
        ] {
            assert!(check("rsync", &words(bad)).is_err(), "{bad}");
        }
        assert!(check("rsync", &words("-az --protect-args -- a/ host:b/")).is_ok());
    }

    #[test]
    fn docker_stays_inside_its_containers() {
        for bad in [
            "run --privileged alpine",
            "run -v /:/host alpine",
            "run --volume=/etc:/etc alpine",
            "run --mount type=bind,source=/,target=/h alpine",
            "run --network host alpine",
            "run --net=host alpine",
            "run --pid=host alpine",
            "run --cap-add=SYS_ADMIN alpine",
            "-H tcp://10.0.0.1 ps",
            "compose -f /dev/stdin up",
            "compose -f - up",
        ] {
            assert!(check("docker", &words(bad)).is_err(), "{bad}");
        }
        for good in [
            "compose -p app -f /home/me/.megaplan/cloud/app/docker-compose.yaml up -d",
            "run -v data:/data alpine",
            "exec -i agent bash -lc pwd",
            "build -t agent .",
        ] {
            assert!(check("docker", &words(good)).is_ok(), "{good}");
        }
    }

    #[test]
    fn git_and_railway_run_no_local_commands() {
        assert!(check("git", &words("-c core.sshCommand=evil clone u")).is_err());
        assert!(check("git", &words("clone --upload-pack=evil u")).is_err());
        assert!(check("git", &words("clone --branch main -- u ws")).is_ok());
        assert!(check("railway", &words("run sh")).is_err());
        assert!(check("railway", &words("-p x ssh -- ls")).is_ok());
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
