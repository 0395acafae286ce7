//! Who a chain is, and where it lives on a runner shared with other chains.
//!
//! A chain's identity is `<local spec file stem>:<seed.plan or empty>:<milestone labels
//! joined by ",">`; its SHA-1 names everything the chain owns on the runner, so two
//! chains never share a workspace, a tmux session, a log or a state file, and the same
//! spec launched again finds its own again. The formulas are the later upstream tool's,
//! so a runner both tools touched agrees on every name (docs/workflows.md).

use megaplan_cloud_shell::{posix_join, posix_parent};
use sha1::{Digest, Sha1};

/// The longest slug a name carries.
const SLUG_MAX: usize = 48;

#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    /// `<stem>:<seed plan>:<labels>`.
    pub text: String,
    /// SHA-1 of `text`, 40 hex characters.
    pub digest: String,
    /// The spec's stem as a slug.
    pub slug: String,
}

impl Identity {
    pub fn new(spec_stem: &str, seed_plan: Option<&str>, labels: &[String]) -> Self {
        let text = format!(
            "{spec_stem}:{}:{}",
            seed_plan.unwrap_or_default(),
            labels.join(",")
        );
        let digest = sha1_hex(&text, 20);
        Identity {
            text,
            digest,
            slug: slug(spec_stem, "chain"),
        }
    }

    pub fn hash8(&self) -> &str {
        &self.digest[..8]
    }

    /// `<slug>-<hash8>`, the name of the chain's directory and the tail of its session.
    pub fn name(&self) -> String {
        format!("{}-{}", self.slug, self.hash8())
    }

    /// The name of the chain's own runner, when its provider gives it one: the slug's
    /// first 15 letters and digits (other characters as `-`) and the hash, so at most
    /// 24 lower-case characters a transport can put in a service or volume name.
    pub fn runner_name(&self) -> String {
        let head: String = self
            .slug
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(15)
            .collect();
        match head.trim_matches('-') {
            "" => format!("chain-{}", self.hash8()),
            head => format!("{head}-{}", self.hash8()),
        }
    }
}

/// Lower-cased; every run of characters outside `[A-Za-z0-9_.-]` becomes one `-`;
/// leading and trailing `.` and `-` dropped; at most 48 characters; `empty` when
/// nothing is left.
pub fn slug(text: &str, empty: &str) -> String {
    let mut out = String::new();
    let mut in_run = false;
    for c in text.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('-');
            in_run = true;
        }
    }
    let trimmed = out.trim_matches(|c| c == '.' || c == '-');
    let cut: String = trimmed.chars().take(SLUG_MAX).collect();
    let cut = cut.trim_end_matches(['.', '-']);
    if cut.is_empty() {
        empty.to_string()
    } else {
        cut.to_string()
    }
}

/// The repository's directory name: the URL's last path segment without `.git`,
/// slugified, `app` when nothing is left.
pub fn repo_dir(url: &str) -> String {
    let path = url.trim_end_matches('/');
    let last = path.rsplit(['/', ':']).next().unwrap_or_default();
    slug(last.strip_suffix(".git").unwrap_or(last), "app")
}

/// Everything a launch names on the runner.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    pub workspace: String,
    pub session: String,
    pub remote_spec: String,
    /// The chain's log, relative to the workspace.
    pub chain_log: String,
    /// Where the runner keeps the session marker saying which chain owns the session.
    pub session_marker: String,
    /// Set when the workspace or the session was derived from the identity.
    pub derived: bool,
}

/// The reference's chain log, relative to the workspace.
pub const REFERENCE_LOG: &str = ".megaplan/cloud-chain.log";

/// The log of a derived session (the later upstream's per-session name); every other
/// session keeps the reference's [`REFERENCE_LOG`].
pub fn chain_log(session: &str) -> String {
    format!(".megaplan/cloud-chain-{}.log", file_stem(session))
}

/// Session markers live in the directory that holds the workspaces (the configured
/// workspace's parent), so every chain on the runner finds every other's.
pub fn session_marker(root: &str, session: &str) -> String {
    posix_join(
        root,
        &format!(".megaplan/cloud-sessions/{}.json", file_stem(session)),
    )
}

/// A session's name as one file name: itself when it is already a safe one (every
/// derived session is), else its slug and a hash of it, so no name can reach another
/// directory and two names never share a file.
pub fn file_stem(session: &str) -> String {
    let safe = slug(session, "session");
    if safe == session {
        return safe;
    }
    format!("{safe}-{}", sha1_hex(session, 4))
}

/// The first `bytes` bytes of the SHA-1 of `text`, in hex.
fn sha1_hex(text: &str, bytes: usize) -> String {
    Sha1::digest(text.as_bytes())
        .iter()
        .take(bytes)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What the operator configured, for [`place`].
pub struct Configured<'a> {
    pub workspace: &'a str,
    /// `repo.workspace` written in cloud.yaml or given by `--repo-workspace`.
    pub workspace_explicit: bool,
    pub session: &'a str,
    /// A session named in cloud.yaml (`chain_session`).
    pub session_explicit: bool,
    pub repo_url: &'a str,
}

/// Where a chain goes. Shared (the reference's behaviour): the configured workspace and
/// session. Isolated: `<root>/<slug>-<hash8>/<repo dir>` and `megaplan-chain-<slug>-<hash8>`,
/// unless the operator named either; `<root>` is the configured workspace's parent
/// (`/workspace` by default).
pub fn place(configured: &Configured<'_>, identity: Option<&Identity>) -> Placement {
    let root = posix_parent(configured.workspace.trim_end_matches('/'));
    let derive = |explicit: bool| identity.filter(|_| !explicit);
    let workspace = match derive(configured.workspace_explicit) {
        Some(id) => posix_join(
            &posix_join(&root, &id.name()),
            &repo_dir(configured.repo_url),
        ),
        None => configured.workspace.to_string(),
    };
    let session = match derive(configured.session_explicit) {
        Some(id) => format!("megaplan-chain-{}", id.name()),
        None => configured.session.to_string(),
    };
    let chain_log = if session == configured.session {
        REFERENCE_LOG.to_string()
    } else {
        chain_log(&session)
    };
    let derived = workspace != configured.workspace || session != configured.session;
    Placement {
        remote_spec: posix_join(&workspace, "chain.yaml"),
        chain_log,
        session_marker: session_marker(&root, &session),
        workspace,
        session,
        derived,
    }
}

/// An idea path under the configured workspace, moved into the chain's own; any other
/// path (relative, or outside it) is unchanged.
pub fn relocate(path: &str, from: &str, to: &str) -> String {
    let from = from.trim_end_matches('/');
    match path.strip_prefix(from) {
        Some(rest) if from != to && (rest.is_empty() || rest.starts_with('/')) => {
            format!("{}{rest}", to.trim_end_matches('/'))
        }
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests;
