//! kubectl: the configured cluster's objects, exec and logs, nothing more.

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

/// Another kubeconfig, and variables naming a program kubectl runs.
pub(super) const KUBECTL_ENV: &[&str] = &[
    "KUBECONFIG",
    "KUBECTL_EXTERNAL_DIFF",
    "KUBE_EDITOR",
    "EDITOR",
    "KUBECTL_PLUGINS",
];

pub(super) fn kubectl(args: &[String]) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::super::{Exposure, check, check_env, exposure, words};

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
}
