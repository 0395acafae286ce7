//! git and railway: no configuration, option or subcommand that runs a local command.

/// `GIT_SSH_COMMAND` is `-c core.sshCommand`; `GIT_CONFIG_KEY_0`… set any `-c`.
pub(super) const GIT_ENV: &[&str] = &[
    "GIT_SSH",
    "GIT_PROXY_COMMAND",
    "GIT_ASKPASS",
    "GIT_EXTERNAL_DIFF",
    "GIT_EXEC_PATH",
    "GIT_CONFIG",
    "GIT_TEMPLATE_DIR",
    "SSH_ASKPASS",
];

pub(super) fn git(args: &[String]) -> Result<(), String> {
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

pub(super) fn railway(args: &[String]) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::super::{check, words};

    #[test]
    fn git_and_railway_run_no_local_commands() {
        assert!(check("git", &words("-c core.sshCommand=evil clone u")).is_err());
        assert!(check("git", &words("clone --upload-pack=evil u")).is_err());
        assert!(check("git", &words("clone --branch main -- u ws")).is_ok());
        assert!(check("railway", &words("run sh")).is_err());
        assert!(check("railway", &words("-p x ssh -- ls")).is_ok());
    }
}
