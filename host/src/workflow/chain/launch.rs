//! `chain`'s remote half in one transport call: one script checks the repository out,
//! checks the runtime commands (stopping before anything is written when one is
//! missing), checks who owns the tmux session, decides what to keep of an earlier
//! run's state, reads the head, unpacks every upload from one archive streamed on stdin
//! (each file checked against its sha256 before any is moved into place), starts the
//! tmux session, records the session marker and watches the chain come up. Its step
//! report gives each of the reference's errors precisely.

use serde_json::Value;

use megaplan_cloud_shell::{posix_join, posix_parent, quote, quote_join};

use super::archive::{self, Archive};
use super::capacity::{self, Floors};
use super::claim::{self, Claim};
use super::verify::{self, Verification, Watch};
use super::{launch_line, state_path};
use crate::config::Repo;
use crate::error::CloudResult;
use crate::workflow::Runner;
use crate::workflow::script::{Report, Script};

/// A file the chain needs in the runner.
pub struct Upload {
    /// As the spec names it; a relative path is taken from the workspace, where core
    /// runs the chain.
    pub destination: String,
    pub content: Vec<u8>,
}

pub struct LaunchRequest<'a> {
    pub repo: &'a Repo,
    pub runtime_commands: &'a [String],
    /// The ideas in milestone order, then the spec.
    pub uploads: &'a [Upload],
    /// The chain's identity and where it goes (session, spec, log, marker).
    pub claim: Claim<'a>,
    /// `--fresh`: stop this chain's own session and reset its state.
    pub fresh: bool,
    /// The verification deadline; `None` skips verification (`--no-verify`).
    pub verify_secs: Option<u64>,
    /// The free space the workspace filesystem must have.
    pub floors: Floors,
    /// Carried by `agent_deps_missing`, as the reference does.
    pub preflight: &'a Value,
}

impl LaunchRequest<'_> {
    pub fn session(&self) -> &str {
        &self.claim.placement.session
    }

    pub fn remote_spec(&self) -> &str {
        &self.claim.placement.remote_spec
    }

    fn launch_line(&self) -> String {
        let placement = self.claim.placement;
        launch_line(
            &self.repo.workspace,
            &placement.session,
            &placement.remote_spec,
            &placement.chain_log,
        )
    }

    /// Core's state file for this chain.
    fn state_path(&self) -> String {
        state_path(self.remote_spec())
    }

    fn watch(&self) -> Option<Watch> {
        self.verify_secs.map(|timeout_secs| Watch {
            session: self.session().to_string(),
            log: verify::log_path(&self.repo.workspace, &self.claim.placement.chain_log),
            state_path: self.state_path(),
            timeout_secs,
        })
    }
}

/// What the runner reported about a launch.
#[derive(Clone, Debug, PartialEq)]
pub struct Launched {
    pub checked_out_branch: Option<String>,
    pub head: Option<String>,
    /// `started`, `already_running` or `unknown`.
    pub tmux_status: &'static str,
    /// `--fresh` stopped this chain's earlier session.
    pub stopped_previous: bool,
    /// What the state reset did: `{"status": "reset"|"preserved"|"absent", …}`.
    pub state_reset: Value,
    pub verification: Option<Verification>,
}

/// The reference's dependency check: prints the missing commands on one line.
pub fn deps_line(commands: &[String]) -> String {
    format!(
        "missing=''; for cmd in {}; do if ! command -v \"$cmd\" >/dev/null 2>&1; then missing=\"$missing $cmd\"; fi; done; printf \"%s\\n\" \"$missing\"",
        quote_join(commands)
    )
}

/// The checked-out branch on line 1, the head commit on line 2.
pub fn head_line(workspace: &str) -> String {
    let ws = quote(workspace);
    format!(
        "git -C {ws} rev-parse --abbrev-ref HEAD 2>/dev/null && git -C {ws} rev-parse HEAD 2>/dev/null"
    )
}

/// Where an upload lands in the runner.
pub fn remote_path(workspace: &str, destination: &str) -> String {
    if destination.starts_with('/') {
        destination.to_string()
    } else {
        posix_join(workspace, destination)
    }
}

/// Extracts the archive in the scratch directory (`$1`), checks every file, then moves
/// each into place through a sibling temporary file.
fn unpack_line(workspace: &str, archive: &Archive, uploads: &[Upload]) -> String {
    let manifest: Vec<String> = archive
        .entries
        .iter()
        .map(|entry| format!("{}  {}", entry.sha256, entry.name))
        .collect();
    let mut line = format!(
        "cd \"$1\" && tar -xf a.tar && printf '%s\\n' {} | sha256sum -c --quiet -",
        quote_join(&manifest)
    );
    for (entry, upload) in archive.entries.iter().zip(uploads) {
        let target = remote_path(workspace, &upload.destination);
        let partial = format!("{target}.megaplan-upload");
        line.push_str(&format!(
            " && mkdir -p -- {parent} && cp -- {name} {partial} && mv -f -- {partial} {target}",
            parent = quote(&posix_parent(&target)),
            name = entry.name,
            partial = quote(&partial),
            target = quote(&target),
        ));
    }
    line
}

/// Where the archive comes from: the call's stdin (base64), or a file uploaded
/// beforehand for a provider whose `exec` does not pass stdin on.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Stdin,
    /// In the script itself (a here-document), for an archive small enough to travel
    /// in one command line.
    Inline,
    Staged(&'a str),
}

/// The largest archive (base64) sent inside the script: well under Linux's 128 KiB
/// limit on one argument, which the whole script is.
pub const INLINE_LIMIT: usize = 64 * 1024;

/// Puts the archive in the scratch directory, checks it arrived whole, and prints how
/// many bytes came.
fn receive_function(archive: &Archive, source: Source<'_>) -> String {
    let fetch = match source {
        Source::Stdin => "base64 -d <&3 >\"$s/a.tar\" || return 1".to_string(),
        Source::Inline => "[ -f \"$s/a.tar\" ] || return 1".to_string(),
        Source::Staged(path) => format!("mv -f -- {} \"$s/a.tar\" || return 1", quote(path)),
    };
    format!(
        "{fetch}; wc -c <\"$s/a.tar\"; printf '%s  %s\\n' {} \"$s/a.tar\" | sha256sum -c --status -",
        archive.sha256
    )
}

/// The whole remote script of a launch.
pub fn script(request: &LaunchRequest<'_>, archive: &Archive, source: Source<'_>) -> String {
    let repo = request.repo;
    let mut script = Script::new();
    if let Source::Inline = source {
        script.raw(&inline_archive(archive));
    }
    let root = posix_parent(repo.workspace.trim_end_matches('/'));
    script
        .function("recv", &receive_function(archive, source))
        .call_function("receive", "recv", true)
        .step_or_stop("capacity", &capacity::line(&root, request.floors), &[])
        .step_or_stop("ensure_repo", &crate::deploy_dir::ensure_repo(repo), &[]);
    if !request.runtime_commands.is_empty() {
        script
            .step_or_stop("deps", &deps_line(request.runtime_commands), &[])
            .stop_if_output();
    }
    let state = request.state_path();
    script
        .step_or_stop(
            "session",
            &claim::session_line(&request.claim, request.fresh),
            &[],
        )
        .step_or_stop(
            "reset",
            &claim::reset_line(&request.claim, &state, request.fresh),
            &[],
        )
        .step("head", &head_line(&repo.workspace), &[])
        .step_or_stop(
            "unpack",
            &unpack_line(&repo.workspace, archive, request.uploads),
            &["\"$s\""],
        );
    let watch = request.watch();
    if let Some(watch) = &watch {
        script.raw(&verify::size_before(watch));
    }
    script
        .step("launch", &request.launch_line(), &[])
        .raw("if [ \"$c\" = 0 ]; then")
        .raw(&format!(
            "if grep -qF {} \"$s/o\"; then",
            quote(&format!("started {} session", request.session()))
        ))
        .step("marker", &claim::marker_line(&request.claim), &[])
        .raw("fi");
    if let Some(watch) = &watch {
        script.step("verify", &verify::verify_line(watch), &["\"$b\""]);
    }
    script.raw("fi");
    script.finish()
}

/// The archive as a here-document decoded into the scratch directory.
fn inline_archive(archive: &Archive) -> String {
    let encoded = String::from_utf8(archive.base64()).unwrap_or_default();
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect();
    format!(
        "base64 -d >\"$s/a.tar\" <<'MEGAPLAN_CLOUD_ARCHIVE'\n{}\nMEGAPLAN_CLOUD_ARCHIVE",
        lines.join("\n")
    )
}

/// Where the archive waits for a provider that cannot stream stdin: beside the
/// workspace (never inside it, so the clone still finds it absent), named by its hash.
pub fn staging_path(workspace: &str, archive: &Archive) -> String {
    let parent = posix_parent(workspace.trim_end_matches('/'));
    posix_join(
        &parent,
        &format!(".megaplan-cloud-upload-{}.tar", &archive.sha256[..16]),
    )
}

/// Runs the launch: one call, or, when the runner received nothing on stdin (a
/// provider whose `exec` does not pass it on), a second with the archive inside the
/// script (up to [`INLINE_LIMIT`]), else an upload and a run reading it from there.
/// `None` on a dry run.
pub fn launch(
    runner: &mut dyn Runner,
    request: &LaunchRequest<'_>,
) -> CloudResult<Option<Launched>> {
    let archive = archive::build(request.uploads)?;
    let encoded = archive.base64();
    let fits_inline = encoded.len() <= INLINE_LIMIT;
    let line = script(request, &archive, Source::Stdin);
    let output = runner.run_with_input(&line, encoded)?;
    if runner.dry_run() {
        runner.note("dry run: the launch report comes from the runner, which was not contacted");
        return Ok(None);
    }
    let mut report = Report::parse(&output, &|text| runner.redact(text))?;
    if received_nothing(&report) && !archive.tar.is_empty() {
        let line = if fits_inline {
            runner.note("the provider did not pass stdin to the runner: sending the files inside the command");
            script(request, &archive, Source::Inline)
        } else {
            runner.note("the provider did not pass stdin to the runner: uploading the files first");
            let staged = staging_path(&request.repo.workspace, &archive);
            runner.upload(&staged, &archive.tar)?;
            script(request, &archive, Source::Staged(&staged))
        };
        let output = runner.run(&line)?;
        report = Report::parse(&output, &|text| runner.redact(text))?;
    }
    interpret(runner, request, &archive, &report).map(Some)
}

fn received_nothing(report: &Report) -> bool {
    report
        .step("receive")
        .is_some_and(|step| step.exit != 0 && step.stdout_text().trim() == "0")
}

mod interpret;

use interpret::interpret;
pub use interpret::{ensure_repo_result, tmux_status};

#[cfg(test)]
mod claim_tests;
#[cfg(test)]
mod tests;
