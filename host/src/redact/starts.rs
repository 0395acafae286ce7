//! Finding where the pattern rules (`NAME=value`, token shapes) may match, in one scan.
//!
//! Each rule is a regex; most of their matches begin with one of a few literals (a
//! configured name, `sk-`, `ghp_`, `AKIA`…) right after a word boundary. Searching each
//! regex over the whole text costs a pass per rule, and the shapes' short prefixes occur
//! inside ordinary words all the time (`sk-` in `task-17`), where a regex restarts its
//! automaton at every hit. Here one automaton finds every prefix of every rule; a hit
//! glued to a word character on its left is dropped at once (it cannot start a match
//! that begins with `\b`), and only a real candidate asks the rule's regex for its
//! leftmost match from there. The matches are exactly those of the regex's own
//! `find_iter`: a rule's next match can start only where one of its prefixes occurs,
//! and every such place is visited in order. A rule whose prefixes cannot be listed
//! (none, or too many) is searched over the whole text as before.

use std::ops::{ControlFlow, Range};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind, Look};

use super::word_starts::WordStarts;

#[derive(Debug)]
pub(super) struct Starts {
    /// Where every rule with prefixes begins at a word boundary, the scanner that skips
    /// glued occurrences in its vector loop (when the CPU can run it).
    word_starts: Option<WordStarts>,
    automaton: Option<Finder>,
    /// For each pattern of the automaton, the rule it is a prefix of.
    rule_of: Vec<usize>,
    /// Per rule: its prefixes (`None`: searched over the whole text), and whether each
    /// of its matches begins at a word boundary before a word character.
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    prefixes: Option<Vec<Vec<u8>>>,
    after_boundary: bool,
}

impl Starts {
    /// `patterns` in regex syntax, one per rule, in the order `matches` reports them.
    pub(super) fn new(patterns: &[&str]) -> Self {
        Self::build(patterns, true)
    }

    /// The same starts found by the general searcher only (tests compare the two).
    #[cfg(test)]
    fn without_scanner(patterns: &[&str]) -> Self {
        Self::build(patterns, false)
    }

    fn build(patterns: &[&str], scanner: bool) -> Self {
        let rules: Vec<Rule> = patterns.iter().map(|p| Rule::of(p)).collect();
        let mut literals = Vec::new();
        let mut rule_of = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            for prefix in rule.prefixes.iter().flatten() {
                literals.push(prefix.clone());
                rule_of.push(index);
            }
        }
        let every_prefix_after_a_boundary = rules
            .iter()
            .all(|rule| rule.prefixes.is_none() || rule.after_boundary);
        let word_starts = (scanner && every_prefix_after_a_boundary)
            .then(|| WordStarts::new(&literals))
            .flatten();
        let automaton =
            (word_starts.is_none() && !literals.is_empty()).then(|| Finder::new(&literals));
        Starts {
            word_starts,
            automaton,
            rule_of,
            rules,
        }
    }

    /// Calls `found(rule, from)` wherever rule `rule` may have its next match: it must
    /// return the rule's leftmost match at or after `from` (what `find_at` returns),
    /// which is then the rule's match, and the rule is asked again only past its end.
    pub(super) fn matches(
        &self,
        hay: &[u8],
        found: &mut dyn FnMut(usize, usize) -> Option<Range<usize>>,
    ) {
        let mut resume = vec![0usize; self.rules.len()];
        let mut done = vec![false; self.rules.len()];
        for (rule, spec) in self.rules.iter().enumerate() {
            if spec.prefixes.is_some() {
                continue;
            }
            while resume[rule] <= hay.len() {
                let Some(m) = found(rule, resume[rule]) else {
                    break;
                };
                resume[rule] = m.end.max(m.start + 1);
            }
            done[rule] = true;
        }
        let glued = |at: usize| at > 0 && is_ascii_word(hay[at - 1]);
        let mut visit = |at: usize, pattern: usize| {
            let first = self.rule_of[pattern];
            for (rule, spec) in self.rules.iter().enumerate() {
                if done[rule] || at < resume[rule] || (spec.after_boundary && glued(at)) {
                    continue;
                }
                if rule != first && !spec.begins_here(&hay[at..]) {
                    continue;
                }
                match found(rule, at) {
                    Some(m) => resume[rule] = m.end.max(m.start + 1),
                    None => done[rule] = true,
                }
            }
            match done.iter().all(|&d| d) {
                true => ControlFlow::Break(()),
                false => ControlFlow::Continue(()),
            }
        };
        if let Some(scanner) = &self.word_starts {
            scanner.each(hay, &mut visit);
            return;
        }
        let Some(automaton) = &self.automaton else {
            return;
        };
        // Every position where some prefix begins, in order: the search restarts one
        // byte past each hit, so no prefix hides inside another.
        let mut from = 0;
        while let Some((at, pattern)) = automaton.find(hay, from) {
            from = at + 1;
            if visit(at, pattern).is_break() {
                return;
            }
        }
    }
}

/// What finds the prefixes: aho-corasick's SIMD searcher itself where it can be built
/// (it stops at every hit, and going through the full automaton costs more per stop),
/// else the automaton.
#[derive(Debug)]
enum Finder {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Finder {
    fn new(literals: &[Vec<u8>]) -> Self {
        let packed = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(literals)
            .build();
        match packed {
            Some(searcher) => Finder::Packed(searcher),
            None => Finder::Automaton(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(literals)
                    .expect("literal prefixes build"),
            ),
        }
    }

    /// The leftmost hit at or after `from`: where it starts and which literal it is.
    fn find(&self, hay: &[u8], from: usize) -> Option<(usize, usize)> {
        let hit = match self {
            Finder::Packed(searcher) => {
                searcher.find_in(hay, aho_corasick::Span::from(from..hay.len()))?
            }
            Finder::Automaton(automaton) => {
                automaton.find(aho_corasick::Input::new(hay).span(from..hay.len()))?
            }
        };
        Some((hit.start(), hit.pattern().as_usize()))
    }
}

impl Rule {
    fn of(pattern: &str) -> Self {
        // As `regex::bytes` parses: classes may match bytes that are not UTF-8.
        let parsed = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .build()
            .parse(pattern);
        let Ok(hir) = parsed else {
            return Rule {
                prefixes: None,
                after_boundary: false,
            };
        };
        let mut seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
        // Fewer, shorter prefixes (`sk-` for `sk-proj-`, `sk-ant-`…): a smaller automaton.
        seq.optimize_for_prefix_by_preference();
        let prefixes: Option<Vec<Vec<u8>>> = seq
            .literals()
            .map(|literals| literals.iter().map(|l| l.as_bytes().to_vec()).collect());
        // An empty prefix would match everywhere: no better than the whole text.
        let prefixes =
            prefixes.filter(|p: &Vec<Vec<u8>>| !p.is_empty() && p.iter().all(|l| !l.is_empty()));
        let starts_with_word = prefixes
            .as_ref()
            .is_some_and(|p| p.iter().all(|l| is_ascii_word(l[0])));
        Rule {
            after_boundary: starts_with_word && begins_at_word_boundary(&hir),
            prefixes,
        }
    }

    fn begins_here(&self, rest: &[u8]) -> bool {
        self.prefixes
            .iter()
            .flatten()
            .any(|prefix| rest.starts_with(prefix))
    }
}

fn is_ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether every match of `hir` begins with `\b` (Unicode or ASCII).
fn begins_at_word_boundary(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Look(look) => matches!(look, Look::WordUnicode | Look::WordAscii),
        HirKind::Concat(parts) => parts.first().is_some_and(begins_at_word_boundary),
        HirKind::Alternation(branches) => branches.iter().all(begins_at_word_boundary),
        HirKind::Capture(capture) => begins_at_word_boundary(&capture.sub),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matches found through the vector scanner, checked to be those found
    /// through the general searcher.
    fn starts(patterns: &[&str], hay: &str) -> Vec<(usize, Range<usize>)> {
        let scanned = starts_by(&Starts::new(patterns), patterns, hay);
        let searched = starts_by(&Starts::without_scanner(patterns), patterns, hay);
        assert_eq!(scanned, searched, "{hay:?}");
        scanned
    }

    fn starts_by(starts: &Starts, patterns: &[&str], hay: &str) -> Vec<(usize, Range<usize>)> {
        let regexes: Vec<regex::bytes::Regex> = patterns
            .iter()
            .map(|p| regex::bytes::Regex::new(p).unwrap())
            .collect();
        let mut out = Vec::new();
        starts.matches(hay.as_bytes(), &mut |rule, from| {
            let m = regexes[rule]
                .find_at(hay.as_bytes(), from)
                .map(|m| m.range());
            if let Some(m) = &m {
                out.push((rule, m.clone()));
            }
            m
        });
        out.sort_by_key(|(rule, m)| (*rule, m.start));
        out
    }

    fn find_iter(patterns: &[&str], hay: &str) -> Vec<(usize, Range<usize>)> {
        let mut out = Vec::new();
        for (rule, pattern) in patterns.iter().enumerate() {
            let re = regex::bytes::Regex::new(pattern).unwrap();
            out.extend(re.find_iter(hay.as_bytes()).map(|m| (rule, m.range())));
        }
        out
    }

    #[test]
    fn the_matches_are_those_of_each_regex_on_its_own() {
        let patterns = [
            r"\b(?:GITHUB_TOKEN|AKIA_NAME)[^\S\n]*[:=][^\S\n]*(?:[^\s]+)",
            r"(?:\bsk-[A-Za-z0-9_-]+\b)|(?:\b(?:A3T[A-Z0-9]|AKIA)[A-Z2-7]{16}\b)",
            r"[0-9]{3}-[0-9]{4}",
        ];
        for hay in [
            "task-17 risk-free sk-abc GITHUB_TOKEN=x1 sk- sk-abc-sk-def 555-1234",
            "AKIA_NAME=AKIAIOSFODNN7EXAMPLE AKIAIOSFODNN7EXAMPLE_x éAKIAIOSFODNN7EXAMPLE",
            "xsk-abc _sk-abc (sk-abc) \"GITHUB_TOKEN\": 1 GITHUB_TOKEN : v GITHUB_TOKEN\n= v",
            "",
            "sk-",
        ] {
            assert_eq!(starts(&patterns, hay), find_iter(&patterns, hay), "{hay:?}");
        }
    }

    #[test]
    fn a_rule_whose_prefix_may_be_glued_keeps_the_general_searcher() {
        let bounded = [r"\bsk-[a-z]+", r"\bAKIA[A-Z]{4}"];
        assert!(Starts::new(&bounded).word_starts.is_some());
        let glued_allowed = [r"\bsk-[a-z]+", r"AKIA[A-Z]{4}"];
        assert!(Starts::new(&glued_allowed).word_starts.is_none());
        let hay = "xAKIAABCD sk-abc task-abc";
        assert_eq!(starts(&glued_allowed, hay), find_iter(&glued_allowed, hay));
    }

    fn log_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("sk-"),
            Just("task-17"),
            Just("ghp_"),
            Just("AKIA"),
            Just("IOSFODNN7EXAMPLE"),
            Just("GITHUB_TOKEN"),
            Just("="),
            Just(": "),
            Just(" "),
            Just("\n"),
            Just("_"),
            Just("é"),
            Just("abc123"),
            Just("xoxb-"),
            Just("-"),
        ];
        proptest::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        #[test]
        fn the_shapes_and_a_named_rule_match_as_their_regexes_do(hay in log_text()) {
            let named = r"\b(?:GITHUB_TOKEN|AKIA_NAME)[^\S\n]*[:=][^\S\n]*(?:[^\s]+)";
            let shapes = crate::redact::shapes::combined();
            let patterns = [shapes.as_str(), named];
            proptest::prop_assert_eq!(starts(&patterns, &hay), find_iter(&patterns, &hay));
        }
    }

    #[test]
    fn prefixes_and_boundaries_are_read_from_the_patterns() {
        let named = Rule::of(r"\b(?:A|BB)[:=](.*)");
        let prefixes = named.prefixes.clone().expect("listed");
        assert!(
            prefixes
                .iter()
                .all(|p| p.starts_with(b"A") || p.starts_with(b"BB")),
            "{prefixes:?}"
        );
        assert!(named.after_boundary);
        let unbounded = Rule::of(r"(?:sk-)[a-z]+");
        assert!(!unbounded.after_boundary);
        let everywhere = Rule::of(r"[a-z]*x");
        assert_eq!(everywhere.prefixes, None);
    }
}
