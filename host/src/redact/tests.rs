//! The redactor on whole buffers: names, values, shapes and their edges.

use super::*;

fn redactor() -> Redactor {
    Redactor::new(
        &["OPENAI_API_KEY".into(), "API_TOKEN".into()],
        &["supersecretvalue".into(), "short".into()],
    )
}

#[test]
fn reference_examples() {
    let r = redactor();
    assert_eq!(
        r.redact("OPENAI_API_KEY: supersecretvalue"),
        "OPENAI_API_KEY: ***REDACTED***"
    );
    assert_eq!(r.redact("token=supersecretvalue"), "token=***REDACTED***");
    assert_eq!(r.redact("bearer sk-abc123456789"), "bearer ***REDACTED***");
    assert_eq!(r.redact("slack xoxb-123456-abcdef"), "slack ***REDACTED***");
}

#[test]
fn named_values_keep_name_and_separator() {
    let r = redactor();
    assert_eq!(r.redact("API_TOKEN = abc"), "API_TOKEN = ***REDACTED***");
    // Quoted, of any length: only the value goes.
    assert_eq!(
        r.redact("API_TOKEN=\"abc\""),
        "API_TOKEN=\"***REDACTED***\""
    );
    assert_eq!(r.redact("API_TOKEN: 'a b'"), "API_TOKEN: '***REDACTED***'");
    assert_eq!(r.redact("API_TOKEN=\"\""), "API_TOKEN=\"\"");
    assert_eq!(r.redact("MY_API_TOKEN=abc"), "MY_API_TOKEN=abc");
    // "short" (5 characters) is a configured value: masked as a word, not inside one.
    assert_eq!(r.redact("a short word"), "a ***REDACTED*** word");
    assert_eq!(r.redact("shorter shortstop"), "shorter shortstop");
}

#[test]
fn overlapping_matches_become_one_replacement() {
    let r = redactor();
    assert_eq!(
        r.redact("OPENAI_API_KEY=supersecretvaluesupersecretvalue!"),
        "OPENAI_API_KEY=***REDACTED***"
    );
    assert_eq!(
        r.redact("x supersecretvaluesupersecretvalue y"),
        "x ***REDACTED*** y"
    );
}

#[test]
fn encoded_forms_are_redacted() {
    let r = redactor();
    let b64 = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        "user:supersecretvalue\n",
    );
    assert!(!r.redact(&b64).contains(&b64[8..20]), "{b64}");
    assert_eq!(
        r.redact(r#"{"k": "supersecretvalue"}"#),
        r#"{"k": "***REDACTED***"}"#
    );
}

#[test]
fn untouched_text_is_borrowed() {
    assert!(matches!(
        redactor().redact("nothing here"),
        Cow::Borrowed(_)
    ));
}

#[test]
fn bytes_with_invalid_utf8_are_still_redacted() {
    let out = redactor().redact_bytes(b"\xff\xfe value supersecretvalue \x80\n");
    assert_eq!(&out[..], b"\xff\xfe value ***REDACTED*** \x80\n");
}
