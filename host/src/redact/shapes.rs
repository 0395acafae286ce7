//! Token shapes: credentials recognisable by their prefix, redacted wherever they
//! appear. The reference's three (`sk-`, `ghp_`, `xoxb-`) plus shapes chosen from
//! gitleaks' public rule set, written for recall (loose tails, word boundaries) rather
//! than a detector's precision.

/// (name, pattern). Names are for tests and documentation.
pub const SHAPES: &[(&str, &str)] = &[
    // The reference's rules, verbatim.
    ("openai-legacy (reference)", r"\bsk-[A-Za-z0-9_-]+\b"),
    ("github-pat (reference)", r"\bghp_[A-Za-z0-9]+\b"),
    ("slack-bot (reference)", r"\bxoxb-[A-Za-z0-9-]+\b"),
    // gitleaks openai-api-key, anthropic-api-key, anthropic-admin-api-key (covered by
    // the reference's `sk-` rule too; kept explicit so a change there cannot lose them).
    (
        "openai-project",
        r"\bsk-(?:proj|svcacct|admin|service)-[A-Za-z0-9_-]{20,}",
    ),
    ("anthropic", r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
    // gitleaks github-oauth, github-app-token, github-refresh-token.
    ("github-oauth-app-refresh", r"\bgh[ousr]_[A-Za-z0-9]{30,}"),
    // gitleaks github-fine-grained-pat.
    ("github-fine-grained", r"\bgithub_pat_[A-Za-z0-9_]{30,}"),
    // gitleaks slack-user-token, slack-legacy tokens, slack-app-token.
    ("slack", r"\bxox[aeoprs]-[A-Za-z0-9-]{10,}"),
    ("slack-app", r"\bxapp-[0-9]-[A-Za-z0-9-]{10,}"),
    // gitleaks aws-access-token.
    (
        "aws-access-key-id",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
    ),
];

/// All shapes as one alternation, for a single scan.
pub fn combined() -> String {
    SHAPES
        .iter()
        .map(|(_, pattern)| format!("(?:{pattern})"))
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    use super::SHAPES;
    use crate::redact::Redactor;

    fn redacted(text: &str) -> String {
        Redactor::new(&[], &[]).redact(text).into_owned()
    }

    #[test]
    fn every_shape_is_redacted_with_its_surroundings_kept() {
        let a36 = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
        let samples = [
            format!("sk-{a36}"),
            format!("ghp_{a36}"),
            "xoxb-1234567890-abcdefABCDEF".to_string(),
            format!("sk-proj-{a36}_-x"),
            format!("sk-ant-api03-{a36}AA"),
            format!("gho_{a36}"),
            format!("ghu_{a36}"),
            format!("ghs_{a36}"),
            format!("ghr_{a36}"),
            format!("github_pat_11ABCDEFG0_{a36}"),
            "xoxp-1234567890-1234567890-abcdef".to_string(),
            "xoxa-2-1234567890abc".to_string(),
            "xoxr-1234567890abcdef".to_string(),
            "xapp-1-A012345678-abcdefABCDEF".to_string(),
            "AKIAIOSFODNN7EXAMPLE".to_string(),
            "ASIAY34FZKBOKMUTVV7A".to_string(),
        ];
        for token in samples {
            assert_eq!(
                redacted(&format!("key=({token}) end")),
                "key=(***REDACTED***) end",
                "{token}"
            );
        }
    }

    #[test]
    fn every_shape_compiles_on_its_own() {
        for (name, pattern) in SHAPES {
            assert!(regex::Regex::new(pattern).is_ok(), "{name}");
        }
    }

    #[test]
    fn lookalikes_are_left_alone() {
        for text in [
            "task-list and risk-free",
            "ghost_town gho_short",
            "xoxo hugs",
            "AKIA is too short",
            "AKIAIOSFODNN7EXAMPLE1234 is too long for an id",
            "github_pat_short",
        ] {
            assert_eq!(redacted(text), text);
        }
    }
}
