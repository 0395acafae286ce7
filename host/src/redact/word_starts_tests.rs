use std::ops::ControlFlow;

use proptest::prelude::*;

use super::{WordStarts, is_word};

/// Every reported position, with the literal named there.
fn scanned(literals: &[Vec<u8>], hay: &[u8]) -> Vec<(usize, usize)> {
    let scanner = WordStarts::new(literals).expect("this machine runs the vector loop");
    let mut out = Vec::new();
    scanner.each(hay, &mut |at, literal| {
        out.push((at, literal));
        ControlFlow::Continue(())
    });
    out
}

/// What the scanner must find, byte by byte.
fn expected_positions(literals: &[Vec<u8>], hay: &[u8]) -> Vec<usize> {
    (0..hay.len())
        .filter(|&at| at == 0 || !is_word(hay[at - 1]))
        .filter(|&at| literals.iter().any(|l| hay[at..].starts_with(l)))
        .collect()
}

fn check(literals: &[Vec<u8>], hay: &[u8]) -> Result<(), TestCaseError> {
    let found = scanned(literals, hay);
    for &(at, literal) in &found {
        prop_assert!(hay[at..].starts_with(&literals[literal]), "{at} {literal}");
    }
    let positions: Vec<usize> = found.iter().map(|&(at, _)| at).collect();
    prop_assert_eq!(positions, expected_positions(literals, hay));
    Ok(())
}

fn bytes(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

#[test]
fn glued_occurrences_are_skipped_and_word_starts_found_in_every_lane() {
    let literals = vec![bytes("sk-"), bytes("ghp_"), bytes("OPENAI_API_KEY")];
    // Every alignment of a hit relative to a 32-byte block, and past the last block.
    for pad in 0..70 {
        let hay = format!(
            "{}task-17 (sk-x ghp_y\tOPENAI_API_KEY=1 _sk- 9ghp_",
            " ".repeat(pad)
        );
        check(&literals, hay.as_bytes()).unwrap();
        let found = scanned(&literals, hay.as_bytes());
        assert_eq!(found.len(), 3, "{pad}: {found:?}");
    }
}

#[test]
fn a_literal_at_the_very_start_and_at_the_very_end_is_found() {
    let literals = vec![bytes("AKIA"), bytes("xo")];
    check(&literals, b"AKIA").unwrap();
    check(&literals, b"xo").unwrap();
    let long = format!("AKIA{}xo", "-".repeat(100));
    assert_eq!(
        scanned(&literals, long.as_bytes())
            .iter()
            .map(|&(at, _)| at)
            .collect::<Vec<_>>(),
        vec![0, 104]
    );
}

#[test]
fn a_non_ascii_byte_before_a_literal_is_not_a_word_byte() {
    let literals = vec![bytes("sk-")];
    let hay = format!("{}ésk-1 \u{80}sk-2", "x".repeat(40));
    check(&literals, hay.as_bytes()).unwrap();
    assert_eq!(scanned(&literals, hay.as_bytes()).len(), 2);
}

#[test]
fn the_scan_stops_when_asked() {
    let literals = vec![bytes("a")];
    let scanner = WordStarts::new(&literals).unwrap();
    let hay = " a".repeat(100);
    let mut seen = 0;
    scanner.each(hay.as_bytes(), &mut |_, _| {
        seen += 1;
        if seen == 40 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(seen, 40);
}

#[test]
fn an_empty_literal_gets_no_scanner() {
    assert!(WordStarts::new(&[bytes("sk-"), Vec::new()]).is_none());
    assert!(WordStarts::new(&[]).is_none());
}

/// Haystacks made of pieces that make hits, near misses and glued occurrences likely.
fn hay_strategy() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"sk-".to_vec()),
        Just(b"ghp_".to_vec()),
        Just(b"gh".to_vec()),
        Just(b"AK".to_vec()),
        Just(b"IA".to_vec()),
        Just(b"_".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\n".to_vec()),
        Just("é".as_bytes().to_vec()),
        Just(vec![0xFF]),
        "[a-z0-9=:-]{1,6}".prop_map(|s| s.into_bytes()),
    ];
    proptest::collection::vec(piece, 0..120).prop_map(|pieces| pieces.concat())
}

fn literals_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let literal = prop_oneof![
        Just(b"sk-".to_vec()),
        Just(b"ghp_".to_vec()),
        Just(b"AKIA".to_vec()),
        "[a-zA-Z_-]{1,2}".prop_map(|s| s.into_bytes()),
        "[a-zA-Z0-9_]{3,12}".prop_map(|s| s.into_bytes()),
    ];
    // Up to 24: more literals than buckets, so that buckets are shared.
    proptest::collection::vec(literal, 1..24)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn the_scan_finds_exactly_the_word_starts_of_a_byte_by_byte_search(
        literals in literals_strategy(),
        hay in hay_strategy(),
    ) {
        check(&literals, &hay)?;
    }
}
