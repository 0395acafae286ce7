//! What a command may carry besides its program: the environment variables it sets,
//! its working directory, the secrets its stdin names, and the forms of stdin and
//! output that only one operation needs. Checked before anything runs or is printed.

use std::path::Path;

use super::{CallKind, Caller, CommandSpec, EnvEntry, OutputMode, StdinSpec};
use crate::secrets::Secrets;

/// `Ok` when `cmd` may run for `caller`; otherwise the denial, saying what would allow
/// it where anything would.
pub(super) fn check(
    caller: &Caller,
    cmd: &CommandSpec,
    kind: CallKind,
    secrets: &Secrets,
) -> Result<(), String> {
    let provider = &caller.provider;
    caller
        .policy
        .check_args(provider, &cmd.program, &cmd.args)?;
    for (key, _) in &cmd.env {
        caller.policy.check_env(provider, key)?;
    }
    if let Some(cwd) = &cmd.cwd {
        check_cwd(caller, cwd)?;
    }
    check_secrets(caller, &cmd.stdin, secrets)?;
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
pub(super) fn check_secrets(
    caller: &Caller,
    stdin: &StdinSpec,
    secrets: &Secrets,
) -> Result<(), String> {
    for name in secret_names(stdin) {
        if !secrets.names().iter().any(|n| n == name) {
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
    if cwd
        .components()
        .any(|c| c == std::path::Component::ParentDir)
    {
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
