//! Shell quoting with Python `shlex.quote` semantics, byte for byte, because remote
//! command lines must match the reference implementation exactly.

/// Characters that `shlex.quote` leaves bare.
fn is_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c)
}

/// Quotes one word for a POSIX shell: bare when it only has safe characters, `''`
/// when empty, otherwise single-quoted with each `'` written as `'"'"'`.
pub fn quote(word: &str) -> String {
    if word.is_empty() {
        return "''".to_string();
    }
    if word.chars().all(is_safe) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r#"'"'"'"#))
}

/// Quotes each word and joins them with single spaces (`shlex.join`).
pub fn quote_join<I, S>(words: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    words
        .into_iter()
        .map(|w| quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a line could not be split; the texts are Python's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitError {
    NoClosingQuotation,
    NoEscapedCharacter,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SplitError::NoClosingQuotation => "No closing quotation",
            SplitError::NoEscapedCharacter => "No escaped character",
        })
    }
}

impl std::error::Error for SplitError {}

/// Splits a line into words as Python's `shlex.split` does (POSIX mode, no comments):
/// whitespace separates words, `'…'` is literal, `"…"` honours `\\` and `\"` only, a
/// bare backslash escapes the next character, and adjacent pieces join into one word.
/// (The `shlex` crate treats `#` as a comment, which Python's `split` does not.)
pub fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word exists once anything, even an empty `''`, has been seen.
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(inner) => word.push(inner),
                        None => return Err(SplitError::NoClosingQuotation),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('"' | '\\')) => word.push(escaped),
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => return Err(SplitError::NoEscapedCharacter),
                        },
                        Some(inner) => word.push(inner),
                        None => return Err(SplitError::NoClosingQuotation),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next().ok_or(SplitError::NoEscapedCharacter)?);
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_shlex_quote() {
        // Expected values produced by CPython 3.11 `shlex.quote`.
        let cases = [
            ("", "''"),
            ("abc", "abc"),
            ("/workspace/app", "/workspace/app"),
            ("a b", "'a b'"),
            ("it's", r#"'it'"'"'s'"#),
            ("$(id)", "'$(id)'"),
            ("a;b", "'a;b'"),
            ("x`y`", "'x`y`'"),
            ("{a}", "'{a}'"),
            ("\u{a0}", "'\u{a0}'"),
            ("é", "'é'"),
            ("line\nbreak", "'line\nbreak'"),
            ("user@host:/p,q=1+2%", "user@host:/p,q=1+2%"),
            ("~", "'~'"),
            ("*", "'*'"),
            ("''", r#"''"'"''"'"''"#),
        ];
        for (input, expected) in cases {
            assert_eq!(quote(input), expected, "quote({input:?})");
        }
    }

    #[test]
    fn splits_like_python_shlex_split() {
        // Expected values produced by CPython 3.11 `shlex.split`.
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   ", &[]),
            ("review", &["review"]),
            ("override  add-note\t x", &["override", "add-note", "x"]),
            ("add-note #1", &["add-note", "#1"]),
            (r#"a\ b "x\"y" 'z'"#, &["a b", "x\"y", "z"]),
            ("a '' b", &["a", "", "b"]),
            (r#"a'b c'd"#, &["ab cd"]),
            (r#""a\b" "a\\b" 'a\b'"#, &["a\\b", "a\\b", "a\\b"]),
            ("é ü", &["é", "ü"]),
        ];
        for (line, expected) in cases {
            assert_eq!(split(line).unwrap(), *expected, "split({line:?})");
        }
        assert_eq!(split("a 'b"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split(r#"a "b\"#), Err(SplitError::NoEscapedCharacter));
        assert_eq!(split("a \\"), Err(SplitError::NoEscapedCharacter));
        assert_eq!(
            SplitError::NoClosingQuotation.to_string(),
            "No closing quotation"
        );
    }

    #[test]
    fn split_undoes_quote_join() {
        let words = [
            "",
            "a b",
            "it's",
            "$(id)",
            "x\"y\\z",
            "line\nbreak",
            "#",
            "é",
        ];
        assert_eq!(split(&quote_join(words)).unwrap(), words);
    }

    #[test]
    fn join_quotes_each_word() {
        assert_eq!(
            quote_join(["megaplan", "init", "--name", "my plan"]),
            "megaplan init --name 'my plan'"
        );
        assert_eq!(quote_join(Vec::<String>::new()), "");
    }

    #[test]
    #[allow(clippy::disallowed_methods, clippy::disallowed_types)] // checks against a real shell
    fn quoted_words_survive_a_real_shell() {
        let hostile = [
            "a b",
            "it's",
            "$(touch /tmp/pwned)",
            "`id`",
            "x\ny",
            "\"dq\"",
            "\\",
            "",
            "-n",
        ];
        for word in hostile {
            let script = format!("printf '%s' {}", quote(word));
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output()
                .expect("sh runs");
            assert_eq!(String::from_utf8(out.stdout).unwrap(), word, "{script}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any words at all, including empty ones, quotes, backslashes, newlines and
        /// non-ASCII, come back from `split` exactly as `quote_join` was given them.
        #[test]
        fn split_undoes_quote_join_for_any_words(words in proptest::collection::vec(".*", 0..6)) {
            proptest::prop_assert_eq!(split(&quote_join(&words)).unwrap(), words);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// A real `sh` receives each quoted word unchanged (NUL cannot be an argument).
        #[test]
        #[allow(clippy::disallowed_methods, clippy::disallowed_types)] // checks against a real shell
        fn any_quoted_word_survives_a_real_shell(word in "[^\\x00]*") {
            let script = format!("printf '%s' {}", quote(&word));
            let out = std::process::Command::new("sh").arg("-c").arg(&script).output().unwrap();
            proptest::prop_assert_eq!(String::from_utf8(out.stdout).unwrap(), word);
        }
    }
}
