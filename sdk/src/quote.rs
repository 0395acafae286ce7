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
}
