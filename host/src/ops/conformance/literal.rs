//! Whether a hostile value a provider was given reached its commands literally: as a
//! word of its own (or the value of `--flag=`), and, where it went into a line a shell
//! will read (a remote command, `bash -lc '…'`, a script on stdin), quoted so that
//! shell hands the same word on, with nothing expanded and nothing split, however
//! deeply the lines nest. A value starting with `-` must never stand where a program
//! reads options.
//!
//! The values carry a canary (`MPCPWNED`, `MPCDASH`) that no provider writes itself:
//! a string holding the canary carries the value, in one form or another.

use megaplan_cloud_shell::quote;

/// Text shell-quoted for the report, on one line.
fn one_line(text: &str) -> String {
    controls_escaped(&quote(text))
}

/// `\n`, `\r` and `\t` as escapes, so a report line stays one line.
pub fn controls_escaped(text: &str) -> String {
    text.replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
}

/// How deep lines may nest (`ssh` → `docker exec` → `bash -lc` → …).
const MAX_DEPTH: usize = 6;

/// A value the conformance suite hands a provider in place of a cloud.yaml value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hostile {
    pub value: &'static str,
    canary: &'static str,
}

impl Hostile {
    /// Whether `text` carries the value, in one form or another.
    pub fn carried_by(&self, text: &str) -> bool {
        text.contains(self.canary)
    }
}

/// Spaces, both quotes, a command substitution, a backtick, a backslash, a `;`, a
/// glob and a newline.
pub const SHELL_TEXT: Hostile = Hostile {
    value: "mpc x'y\"$(echo MPCPWNED)`id`;\\z*\nend",
    canary: "MPCPWNED",
};
/// A value a program would read as an option.
pub const LEADING_DASH: Hostile = Hostile {
    value: "-oMPCDASH",
    canary: "MPCDASH",
};
/// An absolute path (for `repo.workspace`) with spaces, quotes and a substitution.
pub const SHELL_PATH: Hostile = Hostile {
    value: "/work space/it's \"$(echo MPCPWNED)\"/app",
    canary: "MPCPWNED",
};

/// The first way `words` (an argv, program first) lets `hostile` loose, if any.
pub fn problem_in_argv(words: &[String], hostile: Hostile) -> Option<String> {
    sequence(words, hostile, 0)
}

/// The first way a shell `script` (a command's stdin) lets `hostile` loose, if any.
pub fn problem_in_script(script: &str, hostile: Hostile) -> Option<String> {
    if !script.contains(hostile.canary) {
        return None;
    }
    line(script, hostile, 1)
}

/// Words as one program receives them.
fn sequence(words: &[String], hostile: Hostile, depth: usize) -> Option<String> {
    let mut options_ended = false;
    for (at, word) in words.iter().enumerate() {
        if word == "--" {
            options_ended = true;
        }
        if hostile == LEADING_DASH && word.starts_with(hostile.value) && !options_ended {
            let previous = at.checked_sub(1).map(|p| words[p].as_str());
            if !previous.is_some_and(takes_a_value) {
                return Some(format!(
                    "{} stands where `{}` reads options (put it after `--` or in `--flag=VALUE`, or refuse it in the schema)",
                    one_line(word),
                    words[0]
                ));
            }
        }
        if word.contains(hostile.canary)
            && word != hostile.value
            && let Some(problem) = inside_word(word, hostile, depth)
        {
            return Some(problem);
        }
    }
    None
}

/// `-f` or `--flag` (not `--flag=value`, not `--`): an option whose value may follow.
fn takes_a_value(word: &str) -> bool {
    word.starts_with('-') && word != "--" && !word.contains('=') && word.len() > 1
}

/// A word that carries the value but is not the value itself.
fn inside_word(word: &str, hostile: Hostile, depth: usize) -> Option<String> {
    if let Some(at) = word.find(hostile.value) {
        let rest = format!("{}{}", &word[..at], &word[at + hostile.value.len()..]);
        // `--app=VALUE`, `VALUE@host`: one argument, whatever the program makes of it.
        if !rest.contains(|c: char| c.is_whitespace() || "'\"`$;&|<>()\\".contains(c)) {
            return None;
        }
    }
    if depth >= MAX_DEPTH {
        return Some(format!(
            "{} nests lines too deeply to follow",
            one_line(word)
        ));
    }
    line(word, hostile, depth + 1)
}

/// Text a shell will read: the value must come out of it as it went in.
fn line(text: &str, hostile: Hostile, depth: usize) -> Option<String> {
    // The shell values carry quotes of both kinds: written out whole, they are bare.
    if hostile != LEADING_DASH && text.contains(hostile.value) {
        return Some(format!(
            "{} splices the value into a shell line unquoted",
            one_line(text)
        ));
    }
    let words = match split(text) {
        Ok(words) => words,
        Err(why) => {
            return Some(format!(
                "{} carries the value in text a shell cannot read ({why})",
                one_line(text)
            ));
        }
    };
    if words.len() == 1 && words[0].text == text {
        // Nothing was quoted: the value arrived changed (encoded, say), not loose.
        return None;
    }
    let expanded = words
        .iter()
        .any(|w| w.text.contains(hostile.canary) && !w.expands.is_empty());
    if expanded {
        return Some(format!(
            "{} lets a shell expand the value (it is double-quoted or bare)",
            one_line(text)
        ));
    }
    let plain: Vec<String> = words.into_iter().map(|w| w.text).collect();
    sequence(&plain, hostile, depth)
}

/// A word as a POSIX shell reads it: the text after quote removal, and the byte
/// offsets (in that text) of each `$` and backtick the shell would act on.
#[derive(Debug, PartialEq)]
struct Word {
    text: String,
    expands: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq)]
enum Quoting {
    Bare,
    Single,
    Double,
}

/// Splits a command line into words with POSIX quoting (operators end a word).
fn split(text: &str) -> Result<Vec<Word>, &'static str> {
    let mut words = Vec::new();
    let mut word: Option<Word> = None;
    let mut quoting = Quoting::Bare;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let current = word.get_or_insert_with(|| Word {
            text: String::new(),
            expands: Vec::new(),
        });
        match (quoting, c) {
            (Quoting::Single, '\'') => quoting = Quoting::Bare,
            (Quoting::Single, c) => current.text.push(c),
            (Quoting::Double, '"') => quoting = Quoting::Bare,
            (Quoting::Double, '\\') => match chars.next() {
                Some('\n') => {}
                Some(next @ ('$' | '`' | '"' | '\\')) => current.text.push(next),
                Some(next) => {
                    current.text.push('\\');
                    current.text.push(next);
                }
                None => return Err("a backslash ends it"),
            },
            (Quoting::Bare, '\\') => match chars.next() {
                Some('\n') => {}
                Some(next) => current.text.push(next),
                None => return Err("a backslash ends it"),
            },
            (Quoting::Bare, '\'') => quoting = Quoting::Single,
            (Quoting::Bare, '"') => quoting = Quoting::Double,
            (Quoting::Bare, c) if c.is_whitespace() || ";&|<>()".contains(c) => {
                if let Some(done) = word.take().filter(|w| !w.text.is_empty()) {
                    words.push(done);
                }
            }
            (_, c @ ('$' | '`')) => {
                current.expands.push(current.text.len());
                current.text.push(c);
            }
            (_, c) => current.text.push(c),
        }
    }
    if quoting != Quoting::Bare {
        return Err("a quote is never closed");
    }
    words.extend(word.filter(|w| !w.text.is_empty()));
    Ok(words)
}

#[cfg(test)]
mod tests;
