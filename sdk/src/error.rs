//! Constructors for [`ProviderError`], so providers read like ordinary Rust.

use crate::{ErrorKind, ProcessError, ProviderError};

pub fn error(kind: ErrorKind, message: impl Into<String>) -> ProviderError {
    ProviderError {
        kind,
        message: message.into(),
    }
}

/// `provider_failed`.
pub fn failed(message: impl Into<String>) -> ProviderError {
    error(ErrorKind::Failed, message)
}

/// `provider_unavailable`, in the reference's words.
pub fn unavailable(program: &str, install_hint: &str) -> ProviderError {
    error(
        ErrorKind::Unavailable,
        format!("Missing required CLI '{program}'. Install: {install_hint}"),
    )
}

/// `not_implemented` for an operation this provider does not support.
pub fn not_implemented(provider: &str, operation: &str) -> ProviderError {
    error(
        ErrorKind::NotImplemented,
        format!("provider '{provider}' does not implement `{operation}`"),
    )
}

/// Maps a host refusal onto the provider error the host will report.
pub fn process_error(err: ProcessError) -> ProviderError {
    match err {
        ProcessError::Denied(m) => error(ErrorKind::Denied, m),
        ProcessError::NotFound(m) => error(ErrorKind::Unavailable, m),
        ProcessError::TimedOut(m) | ProcessError::Failed(m) | ProcessError::ReplayMismatch(m) => {
            failed(m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_uses_reference_wording() {
        let e = unavailable("docker", "https://docs.docker.com/get-docker/");
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert_eq!(
            e.message,
            "Missing required CLI 'docker'. Install: https://docs.docker.com/get-docker/"
        );
    }

    #[test]
    fn process_errors_keep_their_meaning() {
        assert_eq!(
            process_error(ProcessError::Denied("no".into())).kind,
            ErrorKind::Denied
        );
        assert_eq!(
            process_error(ProcessError::NotFound("x".into())).kind,
            ErrorKind::Unavailable
        );
        assert_eq!(
            process_error(ProcessError::TimedOut("t".into())).kind,
            ErrorKind::Failed
        );
    }
}
