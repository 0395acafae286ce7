//! ssh, scp, sftp and rsync: no option that runs a local command or names a program
//! or config file to run.

/// OpenSSH options that run a local command or read one from a file.
const SSH_COMMAND_OPTIONS: &[&str] = &[
    "proxycommand",
    "localcommand",
    "permitlocalcommand",
    "knownhostscommand",
    "match",
    "include",
];

/// `SSH_ASKPASS` runs when ssh wants a password.
pub(super) const SSH_ENV: &[&str] = &["SSH_ASKPASS"];

/// `RSYNC_RSH` is `rsync -e`; rsync runs ssh, so `SSH_ASKPASS` too.
pub(super) const RSYNC_ENV: &[&str] = &["RSYNC_RSH", "RSYNC_CONNECT_PROG", "SSH_ASKPASS"];

pub(super) fn ssh_family(args: &[String]) -> Result<(), String> {
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

pub(super) fn rsync(args: &[String]) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::super::{check, words};

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
}
