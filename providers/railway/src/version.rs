//! Which Railway CLI versions the command lines work with.

use megaplan_cloud_sdk::prelude::*;

/// `--project` on logs, down, volume and variable arrived in 4.57.4; `variable set
/// --stdin` in 4.24; native SSH with stdin in 4.43.
pub const MINIMUM: (u32, u32, u32) = (4, 57, 4);

fn parse(text: &str) -> Option<(u32, u32, u32)> {
    let version = text
        .split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
    let mut parts = version.trim_start_matches('v').split(['.', '-']);
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    ))
}

pub fn show(v: (u32, u32, u32)) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

/// The installed version from `railway --version`, refused when too old.
pub fn check(version_output: &str) -> Result<String, ProviderError> {
    let found = parse(version_output).ok_or_else(|| {
        failed(format!(
            "cannot read the Railway CLI version from {:?}",
            version_output.trim()
        ))
    })?;
    if found < MINIMUM {
        return Err(megaplan_cloud_sdk::error::error(
            ErrorKind::Unavailable,
            format!(
                "Railway CLI {} is too old: megaplan-cloud needs {} or newer. Upgrade: railway upgrade (or cargo install railwayapp --locked)",
                show(found),
                show(MINIMUM)
            ),
        ));
    }
    Ok(show(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_and_old_ones_refused() {
        assert_eq!(check("railway 5.71.0\n").unwrap(), "5.71.0");
        assert_eq!(check("railwayapp 4.57.4").unwrap(), "4.57.4");
        let old = check("railway 4.24.0").unwrap_err();
        assert_eq!(old.kind, ErrorKind::Unavailable);
        assert!(
            old.message
                .starts_with("Railway CLI 4.24.0 is too old: megaplan-cloud needs 4.57.4 or newer")
        );
        assert!(check("garbage").is_err());
    }
}
