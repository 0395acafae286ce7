//! The AVX2 byte classes the redactor's scans share, and whether this CPU runs them.
//!
//! Each class is a few signed comparisons per 32 bytes: bytes of 0x80 and above are
//! negative and fall outside every ASCII range. Where the CPU lacks AVX2 the callers
//! take their general path (aho-corasick's searcher, a line-by-line check).

/// Whether this CPU runs the vector loops (std caches the answer).
pub(super) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

/// Where the 32-byte blocks of `hay` that start at a multiple of 32 and hold only base64
/// bytes (ASCII letters, digits, `+`, `/`, `=`) start. Every run of 64 such bytes
/// contains one.
pub(super) fn base64_blocks(hay: &[u8]) -> Vec<usize> {
    #[cfg(target_arch = "x86_64")]
    if available() {
        // SAFETY: AVX2 was just detected.
        return unsafe { base64_blocks_avx2(hay) };
    }
    let base64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    hay.chunks_exact(32)
        .enumerate()
        .filter(|(_, block)| block.iter().all(base64))
        .map(|(n, _)| n * 32)
        .collect()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn base64_blocks_avx2(hay: &[u8]) -> Vec<usize> {
    use std::arch::x86_64::*;
    let mut out = Vec::new();
    for (n, block) in hay.chunks_exact(32).enumerate() {
        // SAFETY: a chunk is 32 bytes, what one 256-bit load reads.
        let bytes = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        if _mm256_movemask_epi8(base64_bytes(bytes)) == -1 {
            out.push(n * 32);
        }
    }
    out
}

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::__m256i;

/// 0xFF in each lane holding an ASCII letter, digit or `_`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) fn word_bytes(bytes: __m256i) -> __m256i {
    use std::arch::x86_64::*;
    let underscore = _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(b'_' as i8));
    _mm256_or_si256(alphanumeric(bytes), underscore)
}

/// 0xFF in each lane holding an ASCII letter, digit, `+`, `/` or `=`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn base64_bytes(bytes: __m256i) -> __m256i {
    use std::arch::x86_64::*;
    let is = |byte: u8| _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(byte as i8));
    let symbol = _mm256_or_si256(_mm256_or_si256(is(b'+'), is(b'/')), is(b'='));
    _mm256_or_si256(alphanumeric(bytes), symbol)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn alphanumeric(bytes: __m256i) -> __m256i {
    use std::arch::x86_64::*;
    let between = |v, low: u8, high: u8| {
        _mm256_and_si256(
            _mm256_cmpgt_epi8(v, _mm256_set1_epi8(low as i8 - 1)),
            _mm256_cmpgt_epi8(_mm256_set1_epi8(high as i8 + 1), v),
        )
    };
    // Setting bit 5 folds upper case onto lower case and leaves digits as they are.
    let folded = _mm256_or_si256(bytes, _mm256_set1_epi8(0x20));
    _mm256_or_si256(between(folded, b'a', b'z'), between(bytes, b'0', b'9'))
}

#[cfg(test)]
mod tests {
    use super::base64_blocks;

    fn some_block_all_base64(hay: &[u8]) -> bool {
        !base64_blocks(hay).is_empty()
    }

    /// Every byte value in every lane: the classes agree with a byte-by-byte check.
    #[test]
    fn a_block_is_all_base64_exactly_when_each_of_its_bytes_is() {
        let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
        for byte in 0..=u8::MAX {
            for lane in 0..32 {
                let mut block = [b'A'; 32];
                block[lane] = byte;
                assert_eq!(
                    some_block_all_base64(&block),
                    base64(byte),
                    "{byte:#x}@{lane}"
                );
            }
        }
    }

    #[test]
    fn only_whole_blocks_at_multiples_of_32_count() {
        let run = "QUJD".repeat(16); // 64 base64 bytes
        for offset in 0..40 {
            let text = format!("{}{run} tail", " ".repeat(offset));
            assert!(some_block_all_base64(text.as_bytes()), "{offset}");
        }
        // One space in the only block.
        let short = format!(" {}", &run[..31]);
        assert!(!some_block_all_base64(short.as_bytes()));
        assert!(!some_block_all_base64(b""));
    }

    #[test]
    fn each_all_base64_block_is_named_by_its_start() {
        let text = format!("{}{}{}", "A".repeat(32), " ".repeat(32), "b/+=".repeat(16));
        assert_eq!(base64_blocks(text.as_bytes()), vec![0, 64, 96]);
    }
}
