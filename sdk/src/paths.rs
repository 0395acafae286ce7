//! Small helpers for remote paths and payloads.

use base64::Engine as _;

pub use megaplan_cloud_shell::{posix_join, posix_parent};

/// Standard base64 on one line, for `base64 -d` on the other side.
pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_standard() {
        assert_eq!(base64_encode(b"hi\n"), "aGkK");
    }
}
