//! A shell line run in the runner over a transport that does not report the remote
//! exit status faithfully (`railway ssh`, `fly ssh console`): the line is followed by a
//! marker carrying its status and the operation's nonce, and the marker is taken off
//! the output again. Without the marker the command never ran, whatever the CLI's own
//! status says; remote output cannot forge it, having never seen the nonce.

use sha2::{Digest, Sha256};

use crate::command::OutputExt;
use crate::error::failed;
use crate::paths::{base64_encode, posix_parent};
use crate::quote::quote;
use crate::{Output, ProviderError};

fn marker(nonce: &str) -> String {
    format!("__MEGAPLAN_RC_{nonce}=")
}

/// `bash -lc '<line>'; printf '\n<marker>%s\n' "$?"`: the line for the transport's
/// remote shell.
pub fn marked_line(line: &str, nonce: &str) -> String {
    marked_script(&format!("bash -lc {}", quote(line)), nonce)
}

/// `<script>; printf '\n<marker>%s\n' "$?"` for a script already in the remote
/// shell's words.
pub fn marked_script(script: &str, nonce: &str) -> String {
    format!("{script}; printf '\\n{}%s\\n' \"$?\"", marker(nonce))
}

/// Takes the marker off the end of stdout and puts its status in; `transport` names the
/// CLI in the error when there is none.
pub fn take_status(mut out: Output, nonce: &str, transport: &str) -> Result<Output, ProviderError> {
    let text = &out.stdout;
    let marker = format!("\n{}", marker(nonce)).into_bytes();
    let Some(at) = text
        .windows(marker.len())
        .rposition(|w| w == marker.as_slice())
    else {
        let detail = out.stderr_text();
        let detail = detail.trim();
        return Err(failed(format!(
            "{transport} exited (status {}) without running the command: {}",
            out.status,
            if detail.is_empty() {
                "no output"
            } else {
                detail
            }
        )));
    };
    let status = String::from_utf8_lossy(&text[at + marker.len()..])
        .trim()
        .parse::<i32>()
        .map_err(|_| {
            failed(format!(
                "{transport} returned an unreadable exit-status marker"
            ))
        })?;
    out.stdout.truncate(at);
    out.status = status;
    Ok(out)
}

/// An upload over a remote shell: the line that writes `content` (arriving base64 on
/// stdin) to `destination` and moves it into place only once its sha256 checks out, so
/// a transport that drops or cuts stdin leaves nothing half-written; and that stdin.
pub fn verified_upload(destination: &str, content: &[u8]) -> (String, Vec<u8>) {
    let digest: String = Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let temporary = format!("{destination}.megaplan-upload");
    let line = format!(
        "mkdir -p {parent} && base64 -d > {tmp} && echo {sum} {tmp} | sha256sum -c --status - && mv -f {tmp} {dest}",
        parent = quote(&posix_parent(destination)),
        tmp = quote(&temporary),
        sum = quote(&format!("{digest} ")),
        dest = quote(destination),
    );
    (line, base64_encode(content).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn output(stdout: &[u8], status: i32) -> Output {
        Output {
            status,
            stdout: stdout.to_vec(),
            stderr: b"ssh noise".to_vec(),
            truncated: false,
        }
    }

    #[test]
    fn the_marker_gives_the_real_status_and_exact_output() {
        let out = take_status(output(b"hello\n\n__MEGAPLAN_RC_n0=3\n", 0), "n0", "x").unwrap();
        assert_eq!(
            (out.stdout.as_slice(), out.status),
            (b"hello\n".as_slice(), 3)
        );
        let out = take_status(output(b"no newline\n__MEGAPLAN_RC_n0=0\n", 0), "n0", "x").unwrap();
        assert_eq!(out.stdout, b"no newline");
    }

    #[test]
    fn a_missing_or_forged_marker_is_a_failure_even_with_status_0() {
        let err = take_status(output(b"", 0), "n0", "railway ssh").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Failed);
        assert_eq!(
            err.message,
            "railway ssh exited (status 0) without running the command: ssh noise"
        );
        let forged = output(b"owned\n__MEGAPLAN_RC=0\n__MEGAPLAN_RC_guess=0\n", 0);
        assert!(take_status(forged, "n0", "x").is_err());
    }

    #[test]
    fn an_upload_moves_into_place_only_what_checks_out() {
        let (line, stdin) = verified_upload("/w/a b.txt", b"hi");
        assert_eq!(stdin, b"aGk=");
        assert_eq!(
            line,
            "mkdir -p /w && base64 -d > '/w/a b.txt.megaplan-upload' && echo \
             '8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4 ' \
             '/w/a b.txt.megaplan-upload' | sha256sum -c --status - && mv -f \
             '/w/a b.txt.megaplan-upload' '/w/a b.txt'"
        );
    }

    #[test]
    fn the_line_is_quoted_once_for_the_remote_shell() {
        assert_eq!(
            marked_line("echo 'a b'", "n0"),
            r#"bash -lc 'echo '"'"'a b'"'"''; printf '\n__MEGAPLAN_RC_n0=%s\n' "$?""#
        );
    }
}
