//! docker, podman and docker-compose: nothing that reaches beyond the container (host
//! namespaces, privileges, host-path mounts), no other daemon or config, and no
//! Compose file from standard input.

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

/// `DOCKER_HOST` is `docker -H`, `COMPOSE_FILE` is `-f`; prefixes name families.
pub(super) const DOCKER_ENV: &[&str] = &[
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_CONFIG",
    "DOCKER_CERT_PATH",
    "DOCKER_TLS",
    "CONTAINER_HOST",
    "CONTAINERS_",
    "COMPOSE_",
];

pub(super) fn docker(args: &[String]) -> Result<(), String> {
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

/// `-v /:/host`, `--mount type=bind,source=/etc,...`: a source that is a host path.
fn binds_host_path(spec: &str) -> bool {
    if spec.contains("type=bind") || spec.contains("source=/") || spec.contains("src=/") {
        return true;
    }
    let source = spec.split(':').next().unwrap_or_default();
    source.starts_with('/') || source.starts_with('.') || source.starts_with('~')
}

#[cfg(test)]
mod tests {
    use super::super::{check, words};

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
}
