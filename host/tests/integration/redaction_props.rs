//! Property tests: secrets (and their encoded forms) inserted anywhere in random text,
//! fed in random chunks, never reach the output; text free of every secret form passes
//! unchanged; and the output does not depend on the chunking.
//!
//! The text is any printable Unicode plus the characters that matter to the rules (`=`,
//! `:`, quotes, `$`, backslashes, tabs, CR, newlines), sometimes with a line longer than
//! the stream's 64 KiB window. Secrets carry whitespace, newlines, quotes, backslashes
//! and non-ASCII, so their escaped forms differ from the plain one; they are inserted
//! padded or glued to their neighbours, under several configured names.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use megaplan_cloud::redact::{MIN_LITERAL_LEN, Redactor, SHAPES, variants};

use crate::redaction_stream::stream;
use proptest::prelude::*;

const WINDOW: usize = 64 * 1024;

/// Printable Unicode (any script, emoji, combining marks) mixed with the characters the
/// rules react to.
fn text_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "\\PC{0,60}",
        2 => "[ \t\r\n=:\"'$\\\\{}\\[\\],;a-zA-Z0-9_-]{0,60}",
        1 => Just("\n".to_string()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(text_piece(), 0..30).prop_map(|pieces| pieces.concat())
}

/// A line longer than the stream window (no newline in it), between ordinary text.
fn long_line_text() -> impl Strategy<Value = String> {
    (text(), "\\PC{1,40}", text()).prop_map(|(before, unit, after)| {
        let mut line = String::with_capacity(WINDOW + 2048);
        while line.len() <= WINDOW + 1024 {
            line.push_str(&unit);
        }
        format!("{before}{}{after}", line.replace('\n', " "))
    })
}

/// At least eight non-space characters (so the value is substring-masked), with
/// whitespace, a newline, quotes, backslashes or non-ASCII among them.
fn secret() -> impl Strategy<Value = String> {
    let core = "[A-Za-z0-9\"'\\\\$=:@#%&*+/é中𝄞-]{8,24}";
    (
        core,
        proptest::option::of("[ \t\n]{1,2}[A-Za-z0-9\"'\\\\é]{8,16}"),
        proptest::option::of("[ \t]{1,2}"),
    )
        .prop_map(|(core, more, pad)| {
            let pad = pad.unwrap_or_default();
            format!("{pad}{core}{}{pad}", more.unwrap_or_default())
        })
}

fn names() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("[A-Z][A-Z0-9_]{2,14}", 1..4)
}

#[derive(Debug, Clone)]
enum Form {
    Plain,
    /// `NAME=value`, `NAME: value`, `NAME="value"` under the n-th configured name.
    Named(usize, &'static str),
    Base64Prefixed(String),
    Json,
    Url,
}

fn form() -> impl Strategy<Value = Form> {
    prop_oneof![
        Just(Form::Plain),
        (
            any::<usize>(),
            prop_oneof![Just("="), Just(": "), Just("=\"")]
        )
            .prop_map(|(n, sep)| Form::Named(n, sep)),
        "[a-z]{0,5}".prop_map(Form::Base64Prefixed),
        Just(Form::Json),
        Just(Form::Url),
    ]
}

fn render(secret: &str, form: &Form, names: &[String]) -> String {
    match form {
        Form::Plain => secret.to_string(),
        Form::Named(n, sep) => {
            let close = if sep.ends_with('"') { "\"" } else { "" };
            format!("{}{sep}{secret}{close}", names[n % names.len()])
        }
        Form::Base64Prefixed(prefix) => STANDARD.encode(format!("{prefix}{secret}")),
        Form::Json => {
            let json = serde_json::to_string(secret).unwrap();
            json[1..json.len() - 1].to_string()
        }
        Form::Url => {
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        }
    }
}

/// The pieces of a secret that must never be seen: the value, trimmed, and each line
/// long enough to be masked on its own.
fn must_not_appear(secret: &str) -> Vec<String> {
    let mut pieces = vec![secret.trim().to_string()];
    pieces.extend(
        secret
            .lines()
            .map(str::trim)
            .filter(|l| l.len() >= MIN_LITERAL_LEN)
            .map(str::to_string),
    );
    pieces
}

/// Inserts each rendered secret at its position, padded by a space or glued on.
fn insert_all(
    base: &str,
    secrets: &[String],
    names: &[String],
    insertions: &[(usize, usize, Form, bool)],
) -> String {
    let mut text = base.to_string();
    for (at, which, form, glued) in insertions {
        let rendered = render(&secrets[which % secrets.len()], form, names);
        let mut position = at % (text.len() + 1);
        while !text.is_char_boundary(position) {
            position -= 1;
        }
        let piece = if *glued {
            rendered
        } else {
            format!(" {rendered} ")
        };
        text.insert_str(position, &piece);
    }
    text
}

fn check_no_leak(
    text: &str,
    secrets: &[String],
    names: &[String],
    insertions: &[(usize, usize, Form, bool)],
    cuts: &[usize],
    window: usize,
) -> Result<(), TestCaseError> {
    let redactor = Redactor::new(names, secrets);
    let out = stream(&redactor, text.as_bytes(), cuts, window);
    let out = String::from_utf8(out).expect("redaction keeps UTF-8 intact");
    // The replacement's own `*`s are not text: next to a secret's leftover tail (a later
    // insertion can split an earlier copy) they could spell a secret starting with `*`.
    let seen = out.replace(megaplan_cloud::redact::REPLACEMENT, "\u{0}");
    for secret in secrets {
        for piece in must_not_appear(secret) {
            prop_assert!(!seen.contains(&piece), "{piece:?} leaked: {out:?}");
        }
    }
    for (_, which, form, _) in insertions {
        if let Form::Named(..) = form {
            continue; // its value is checked above; the name itself is kept
        }
        let rendered = render(&secrets[which % secrets.len()], form, names);
        prop_assert!(!seen.contains(&rendered), "{rendered:?} ({form:?}) leaked");
    }
    let whole = redactor.redact(text).into_owned();
    prop_assert!(
        out == whole,
        "stream ≠ whole text: {}",
        first_difference(&out, &whole)
    );
    Ok(())
}

/// Where two outputs part, with some context, so a failure over 64 KiB stays readable.
fn first_difference(a: &str, b: &str) -> String {
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let around = |s: &str| {
        let from = s.floor_char_boundary(at.saturating_sub(80));
        let to = s.ceil_char_boundary((at + 80).min(s.len()));
        format!("{:?}", &s[from..to])
    };
    format!("at byte {at}: stream {} / whole {}", around(a), around(b))
}

/// `text` streamed through a redactor for `secrets` and `names` comes out as it went in.
fn check_unchanged(
    text: &str,
    secrets: &[String],
    names: &[String],
    cuts: &[usize],
    window: usize,
) -> Result<(), TestCaseError> {
    let redactor = Redactor::new(names, secrets);
    let out = stream(&redactor, text.as_bytes(), cuts, window);
    prop_assert_eq!(String::from_utf8(out).unwrap(), text);
    Ok(())
}

/// The published token shapes, compiled once for every case.
static SHAPE_PATTERNS: LazyLock<Vec<regex::Regex>> = LazyLock::new(|| {
    SHAPES
        .iter()
        .map(|(_, pattern)| regex::Regex::new(pattern).unwrap())
        .collect()
});

/// True when `text` holds nothing any rule could match: no form of any secret, no
/// configured name followed by a separator, no token shape. Checked independently of
/// the redactor's own matching (plain substring search and the published shapes).
fn free_of_secrets(text: &str, names: &[String], secrets: &[String]) -> bool {
    let shape_hit = SHAPE_PATTERNS.iter().any(|shape| shape.is_match(text));
    let name_hit = names.iter().any(|n| text.contains(n.as_str()));
    let literal_hit = secrets
        .iter()
        .flat_map(|s| variants(s))
        .any(|form| text.contains(&form));
    !shape_hit && !name_hit && !literal_hit
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn no_secret_survives_any_chunking(
        base in text(),
        secrets in proptest::collection::vec(secret(), 1..4),
        names in names(),
        insertions in proptest::collection::vec(
            (any::<usize>(), any::<usize>(), form(), any::<bool>()), 1..8),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        small_window in any::<bool>(),
    ) {
        let text = insert_all(&base, &secrets, &names, &insertions);
        let window = if small_window { 600 } else { WINDOW };
        check_no_leak(&text, &secrets, &names, &insertions, &cuts, window)?;
    }

    #[test]
    fn text_free_of_secrets_passes_through_unchanged(
        base in text(),
        secrets in proptest::collection::vec(secret(), 0..4),
        names in names(),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        small_window in any::<bool>(),
    ) {
        prop_assume!(free_of_secrets(&base, &names, &secrets));
        let window = if small_window { 600 } else { WINDOW };
        check_unchanged(&base, &secrets, &names, &cuts, window)?;
    }
}

proptest! {
    // Each case streams more than 64 KiB: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn no_secret_survives_in_lines_longer_than_the_window(
        base in long_line_text(),
        secrets in proptest::collection::vec(secret(), 1..3),
        names in names(),
        insertions in proptest::collection::vec(
            (any::<usize>(), any::<usize>(), form(), any::<bool>()), 1..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        let text = insert_all(&base, &secrets, &names, &insertions);
        check_no_leak(&text, &secrets, &names, &insertions, &cuts, WINDOW)?;
    }

    #[test]
    fn long_lines_free_of_secrets_pass_through_unchanged(
        base in long_line_text(),
        secrets in proptest::collection::vec(secret(), 0..3),
        names in names(),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        prop_assume!(free_of_secrets(&base, &names, &secrets));
        check_unchanged(&base, &secrets, &names, &cuts, WINDOW)?;
    }
}
