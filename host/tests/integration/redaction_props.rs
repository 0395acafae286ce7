//! Property tests: secrets (and their encoded forms) inserted anywhere in random text,
//! fed in random chunks, never reach the output; text without secrets passes unchanged;
//! and the output does not depend on the chunking.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use megaplan_cloud::redact::Redactor;

use crate::redaction_stream::stream;
use proptest::prelude::*;

/// Lowercase words, digits, spaces, some punctuation and newlines: it cannot form a
/// token shape, a configured name (uppercase) or a secret (see `secret()`).
/// Half of the texts have no newline at all, so long lines take the early-flush path.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex("[a-z0-9 ,;:!?()\n]{0,1500}").unwrap(),
        proptest::string::string_regex("[a-z0-9 ,;:!?()]{0,4000}").unwrap(),
    ]
}

fn secret() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[A-Z][A-Za-z0-9@#%^&*+]{7,40}").unwrap()
}

#[derive(Debug, Clone)]
enum Form {
    Plain,
    Named,
    Base64Prefixed(String),
    Json,
    Url,
}

fn form() -> impl Strategy<Value = Form> {
    prop_oneof![
        Just(Form::Plain),
        Just(Form::Named),
        "[a-z]{0,5}".prop_map(Form::Base64Prefixed),
        Just(Form::Json),
        Just(Form::Url),
    ]
}

fn render(secret: &str, form: &Form) -> String {
    match form {
        Form::Plain => secret.to_string(),
        Form::Named => format!("API_SECRET={secret}"),
        Form::Base64Prefixed(prefix) => STANDARD.encode(format!("{prefix}{secret}")),
        Form::Json => serde_json::to_string(secret).unwrap(),
        Form::Url => {
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_secret_survives_any_chunking(
        base in text(),
        secrets in proptest::collection::vec(secret(), 1..4),
        insertions in proptest::collection::vec((any::<usize>(), any::<usize>(), form()), 1..8),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        small_window in any::<bool>(),
    ) {
        let mut text = base.clone();
        for (at, which, form) in &insertions {
            let secret = &secrets[which % secrets.len()];
            let mut position = at % (text.len() + 1);
            while !text.is_char_boundary(position) {
                position -= 1;
            }
            text.insert_str(position, &format!(" {} ", render(secret, form)));
        }
        let redactor = Redactor::new(&["API_SECRET".to_string()], &secrets);
        let window = if small_window { 600 } else { 64 * 1024 };
        let out = stream(&redactor, text.as_bytes(), &cuts, window);
        let out = String::from_utf8(out).unwrap();
        for secret in &secrets {
            prop_assert!(!out.contains(secret.as_str()), "{secret} leaked: {out}");
        }
        for (_, which, form) in &insertions {
            let rendered = render(&secrets[which % secrets.len()], form);
            prop_assert!(!out.contains(&rendered), "{rendered} ({form:?}) leaked: {out}");
        }
        // The whole-text redactor and the stream agree.
        prop_assert_eq!(out, redactor.redact(&text).into_owned());
    }

    #[test]
    fn text_without_secrets_passes_through_unchanged(
        base in text(),
        secrets in proptest::collection::vec(secret(), 0..4),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        small_window in any::<bool>(),
    ) {
        let redactor = Redactor::new(&["API_SECRET".to_string()], &secrets);
        let window = if small_window { 600 } else { 64 * 1024 };
        let out = stream(&redactor, base.as_bytes(), &cuts, window);
        prop_assert_eq!(String::from_utf8(out).unwrap(), base);
    }
}
