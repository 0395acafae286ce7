//! What a command may carry: its program (declared and granted), its arguments (the
//! argument rules), the environment variables it sets, its working directory, the
//! secrets its stdin names, and the forms of stdin and output that only one operation
//! needs; and what an env file or a probe may be. Checked before anything runs or is
//! printed.

use std::path::{Component, Path};

use crate::{CallKind, Caller, CommandSpec, EnvEntry, OutputMode, StdinSpec, is_env_name};

/// `Ok` when `cmd` may run for `caller` as a `kind` call; otherwise the denial, saying
/// what would allow it where anything would. `configured` are the secret names the
/// operator listed under `secrets:`.
pub fn check(
    caller: &Caller,
    cmd: &CommandSpec,
    kind: CallKind,
    configured: &[String],
) -> Result<(), String> {
    let provider = &caller.provider;
    caller.policy.check(provider, &cmd.program)?;
    caller
        .policy
        .check_args(provider, &cmd.program, &cmd.args)?;
    for (key, _) in &cmd.env {
        caller.policy.check_env(provider, key)?;
        caller.policy.check_env_for(provider, &cmd.program, key)?;
    }
    if let Some(cwd) = &cmd.cwd {
        check_cwd(caller, cwd)?;
    }
    check_secrets(caller, &cmd.stdin, configured)?;
    if cmd.stdin == StdinSpec::Inherit && caller.operation != "exec" && kind != CallKind::Terminal {
        return Err(format!(
            "provider '{provider}' may not pass the operator's stdin to a command in \
             `{}`: only `exec` may",
            caller.operation
        ));
    }
    if cmd.output == OutputMode::Binary && caller.operation != "read-file" {
        return Err(format!(
            "provider '{provider}' may not ask for unredacted output in `{}`: only \
             `read-file` may",
            caller.operation
        ));
    }
    Ok(())
}

/// Every secret `stdin` names must be one the operator configured.
pub fn check_secrets(
    caller: &Caller,
    stdin: &StdinSpec,
    configured: &[String],
) -> Result<(), String> {
    for name in secret_names(stdin) {
        if !configured.iter().any(|n| n == name) {
            return Err(format!(
                "provider '{}' may not read secret {name}: it is not listed under \
                 `secrets:` in cloud.yaml (add it there to hand it to the runner)",
                caller.provider
            ));
        }
    }
    Ok(())
}

fn secret_names(stdin: &StdinSpec) -> Vec<&str> {
    match stdin {
        StdinSpec::Secret(name) => vec![name.as_str()],
        StdinSpec::EnvFile(entries) => entries
            .iter()
            .filter_map(|entry| match entry {
                EnvEntry::Secret(name) => Some(name.as_str()),
                EnvEntry::Literal(..) => None,
            })
            .collect(),
        StdinSpec::None | StdinSpec::Inherit | StdinSpec::Bytes(_) => Vec::new(),
    }
}

/// The working directory must be the deploy directory or inside it, symlinks resolved.
fn check_cwd(caller: &Caller, cwd: &Path) -> Result<(), String> {
    let provider = &caller.provider;
    if cwd.components().any(|c| c == Component::ParentDir) {
        return Err(format!(
            "provider '{provider}' may not run in {}: `..` is not allowed in a working directory",
            cwd.display()
        ));
    }
    let Some(dir) = &caller.deploy_dir else {
        return Err(format!(
            "provider '{provider}' may not run in {}: a command's working directory must \
             be inside the deploy directory, and this operation has none",
            cwd.display()
        ));
    };
    let root = std::fs::canonicalize(&dir.host).unwrap_or_else(|_| dir.host.clone());
    let wanted = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    if !wanted.starts_with(&root) {
        return Err(format!(
            "provider '{provider}' may not run in {}: a command's working directory must \
             be inside the deploy directory {}",
            cwd.display(),
            dir.host.display()
        ));
    }
    Ok(())
}

/// Why `cmd` cannot be a probe, if it cannot: a probe's answer is remembered and
/// handed out again, so it may depend on nothing but the program and its arguments.
pub fn probe_problem(cmd: &CommandSpec) -> Option<&'static str> {
    if !matches!(cmd.stdin, StdinSpec::None) {
        Some("a probe reads no standard input")
    } else if cmd.tty {
        Some("a probe runs without a terminal")
    } else if cmd.output != OutputMode::Text {
        Some("a probe's output is text")
    } else {
        None
    }
}

/// `Ok` when the host may write an env file of `entries` at `path` for `caller`: into
/// a deploy directory this operation rendered, at a plain relative path, naming only
/// configured secrets, one `NAME=value` per line.
pub fn check_env_file(
    caller: &Caller,
    path: &str,
    entries: &[EnvEntry],
    configured: &[String],
) -> Result<(), String> {
    if caller
        .deploy_dir
        .as_ref()
        .and_then(|d| d.writable())
        .is_none()
    {
        return Err("no deploy directory is open for this operation".into());
    }
    if plain_relative_path(path).is_none() {
        return Err(format!(
            "{path:?} must be a plain path inside the deploy directory"
        ));
    }
    check_secrets(caller, &StdinSpec::EnvFile(entries.to_vec()), configured)?;
    for entry in entries {
        let (name, value) = match entry {
            EnvEntry::Literal(name, value) => (name, value.as_str()),
            EnvEntry::Secret(name) => (name, ""),
        };
        if !is_env_name(name) || name.contains(['\n', '\r']) || value.contains(['\n', '\r']) {
            return Err(format!(
                "{name:?} cannot be a line of an env file (one NAME=value per line)"
            ));
        }
    }
    Ok(())
}

/// The most a provider's own file may hold.
pub const MAX_PROVIDER_FILE: usize = 1 << 20;

/// `Ok` when the host may write a provider's own file of `size` bytes at `path`: into
/// a deploy directory this operation rendered, at a plain relative path, not over a
/// file the host rendered there, and not too large.
pub fn check_file(caller: &Caller, path: &str, size: usize) -> Result<(), String> {
    let Some(dir) = caller.deploy_dir.as_ref().filter(|d| d.rendered) else {
        return Err("no deploy directory is open for this operation".into());
    };
    let Some(relative) = plain_relative_path(path) else {
        return Err(format!(
            "{path:?} must be a plain path inside the deploy directory"
        ));
    };
    let taken = dir
        .host_files
        .iter()
        .any(|f| Path::new(f) == relative || Path::new(f).starts_with(relative));
    if taken {
        return Err(format!(
            "{path} is the host's (it renders it into the deploy directory); a provider writes files of its own beside it"
        ));
    }
    if size > MAX_PROVIDER_FILE {
        return Err(format!(
            "{path} would hold {size} bytes; a provider's file holds at most {MAX_PROVIDER_FILE}"
        ));
    }
    Ok(())
}

/// `path` as a relative path of plain names only (no `..`, `.`, root or prefix), so
/// that joining it to a directory stays inside that directory lexically.
pub fn plain_relative_path(path: &str) -> Option<&Path> {
    let relative = Path::new(path);
    let plain = !path.is_empty()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    plain.then_some(relative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DEPLOY_DIR_FILES, DeployDirMount, ProgramPolicy, Trust};

    fn caller(operation: &'static str, rendered: bool) -> Caller {
        let files = DEPLOY_DIR_FILES.iter().map(|f| f.to_string()).collect();
        Caller {
            provider: "fly".into(),
            version: "0.1.0".into(),
            sha256: String::new(),
            policy: ProgramPolicy::new(Default::default(), Trust::BuiltIn),
            deploy_dir: Some(match rendered {
                true => DeployDirMount::rendered("/deploy", files),
                false => DeployDirMount::path_only("/deploy"),
            }),
            operation,
        }
    }

    #[test]
    fn a_providers_file_goes_beside_the_hosts_in_a_rendered_directory_only() {
        let deploy = caller("deploy", true);
        assert!(check_file(&deploy, "fly.toml", 10).is_ok());
        assert!(check_file(&deploy, "conf/fly.toml", 10).is_ok());
        for host_file in ["Dockerfile", "wrappers/mp-chain", "wrappers"] {
            let refused = check_file(&deploy, host_file, 10).unwrap_err();
            assert!(refused.contains("is the host's"), "{host_file}: {refused}");
        }
        for bad in ["../x", "/etc/passwd", "", "./fly.toml"] {
            assert!(check_file(&deploy, bad, 1).is_err(), "{bad}");
        }
        let big = check_file(&deploy, "fly.toml", MAX_PROVIDER_FILE + 1).unwrap_err();
        assert!(big.contains("at most"), "{big}");
        let exec = check_file(&caller("exec", false), "fly.toml", 1).unwrap_err();
        assert_eq!(exec, "no deploy directory is open for this operation");
    }

    #[test]
    fn an_env_file_names_configured_secrets_on_lines_of_their_own() {
        let deploy = caller("deploy", true);
        let configured = ["TOKEN".to_string()];
        let fine = [
            EnvEntry::Literal("PORT".into(), "8080".into()),
            EnvEntry::Secret("TOKEN".into()),
        ];
        assert!(check_env_file(&deploy, ".env", &fine, &configured).is_ok());
        let other = [EnvEntry::Secret("HOME".into())];
        assert!(check_env_file(&deploy, ".env", &other, &configured).is_err());
        let smuggled = [EnvEntry::Literal("A".into(), "1\nLD_PRELOAD=/x".into())];
        assert!(check_env_file(&deploy, ".env", &smuggled, &configured).is_err());
        let exec = caller("exec", false);
        assert!(check_env_file(&exec, ".env", &fine, &configured).is_err());
    }
}
