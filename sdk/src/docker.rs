//! `observe` for providers whose runner is a Docker container: the `docker inspect`
//! template, the disk probe run inside the container, and the parsing of both into an
//! [`Observation`]. The local and ssh providers share it; so can a third party's.

use crate::{ContainerState, Disk, Observation};

/// What `docker inspect --format` prints: status, exit code, restarts, start, image.
pub const INSPECT_FORMAT: &str =
    "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}} {{.State.StartedAt}} {{.Image}}";

/// A shell line for inside the container: `df` of `dir` (or `/` when it does not exist
/// yet) in bytes, then in inodes.
pub fn disk_line(dir: &str) -> String {
    format!(
        "d={}; [ -d \"$d\" ] || d=/; df -P -B1 \"$d\"; df -P -i \"$d\"",
        crate::quote(dir)
    )
}

/// The free-space column of each data line `df -P` printed (bytes, then inodes).
pub fn parse_disk(text: &str) -> Option<Disk> {
    let mut free = text
        .lines()
        .filter(|line| !line.starts_with("Filesystem"))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // `Filesystem Size Used Available …`: the fourth column, counted from the
            // right so a device name with spaces cannot shift it.
            let n = fields.len();
            (n >= 6).then(|| {
                (
                    fields[n - 5].parse::<u64>().ok(),
                    fields[n - 3].parse::<u64>().ok(),
                )
            })
        });
    let (_, bytes) = free.next()??;
    let inodes = free.next().flatten().and_then(|(total, free)| match total {
        // A filesystem that does not count inodes reports 0 of them.
        Some(0) | None => None,
        Some(_) => free,
    });
    Some(Disk {
        free_bytes: bytes?,
        free_inodes: inodes,
    })
}

/// The state `docker inspect` reported; `None` when the line is not its output.
pub fn parse_inspect(line: &str) -> Option<Observation> {
    let mut words = line.split_whitespace();
    let status = words.next()?;
    let exit_code: i32 = words.next()?.parse().ok()?;
    let restart_count = words.next().and_then(|w| w.parse().ok());
    let started_at = words.next().map(str::to_string);
    let image_id = words.next().map(str::to_string);
    let state = match status {
        "running" => ContainerState::Running,
        "restarting" => ContainerState::Restarting,
        "exited" | "dead" => ContainerState::Exited(exit_code),
        other => ContainerState::Other(other.to_string()),
    };
    let since = started_at.as_deref().unwrap_or("?");
    let restarts = restart_count.unwrap_or(0);
    let detail = match &state {
        ContainerState::Exited(code) => {
            format!("{status} with code {code} (started {since}, {restarts} restarts)")
        }
        _ => format!("{status} (started {since}, {restarts} restarts)"),
    };
    Some(Observation {
        state,
        image_id,
        started_at,
        restart_count,
        disk: None,
        detail,
    })
}

/// No container by that name.
pub fn missing(detail: &str) -> Observation {
    Observation {
        state: ContainerState::Missing,
        image_id: None,
        started_at: None,
        restart_count: None,
        disk: None,
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspect_and_df_as_docker_and_coreutils_print_them() {
        let seen = parse_inspect("exited 137 4 2026-12-02T06:00:00.123Z sha256:abc\n").unwrap();
        assert!(matches!(seen.state, ContainerState::Exited(137)));
        assert_eq!(seen.restart_count, Some(4));
        assert_eq!(seen.image_id.as_deref(), Some("sha256:abc"));
        assert!(matches!(
            parse_inspect("running 0 0 x y").unwrap().state,
            ContainerState::Running
        ));
        assert!(
            matches!(parse_inspect("created 0 0 x y").unwrap().state, ContainerState::Other(ref w) if w == "created")
        );
        assert!(parse_inspect("Error: No such object").is_none());
        let df = "Filesystem     1B-blocks       Used   Available Use% Mounted on\n\
                  overlay     105088212992 5368709120 99719503872   6% /\n\
                  Filesystem      Inodes  IUsed   IFree IUse% Mounted on\n\
                  overlay        6553600 120000 6433600    2% /\n";
        let disk = parse_disk(df).unwrap();
        assert_eq!(
            (disk.free_bytes, disk.free_inodes),
            (99719503872, Some(6433600))
        );
        let no_inodes = "Filesystem 1B-blocks Used Available Use% Mounted on\nbtrfs 100 50 50 50% /\nFilesystem Inodes IUsed IFree IUse% Mounted on\nbtrfs 0 0 0 - /\n";
        assert_eq!(parse_disk(no_inodes).unwrap().free_inodes, None);
        assert!(parse_disk("df: /x: No such file\n").is_none());
    }
}
