//! Finding where a literal begins at the start of a word, in one SIMD pass.
//!
//! Every prefix of the pattern rules (`sk-`, `ghp_`, a configured `NAME`…) must begin
//! right after a non-word byte. A general multi-literal searcher stops at every
//! occurrence, and a short prefix occurs inside ordinary words all the time (`sk-` in
//! `task-17`, once a line in a typical agent log); each stop costs a restart of the
//! search. This scanner checks the byte before a candidate inside its vector loop, so
//! such occurrences never stop it.
//!
//! It is Teddy (the packed searcher of Hyperscan and of aho-corasick) reduced to what is
//! needed here: the literals are spread over eight buckets; for each of the first four
//! bytes of a candidate two table lookups by nibble give the buckets whose literals may
//! have that byte there; a position survives when some bucket allows all four and the
//! byte before it is not an ASCII letter, digit or `_`; survivors are verified against
//! the literals of their buckets. It needs AVX2 and is not built without it: the caller
//! then uses its general searcher and drops glued occurrences itself.

use std::ops::ControlFlow;

/// How many leading bytes of a literal the vector loop checks.
const FINGERPRINT: usize = 4;
const BUCKETS: usize = 8;

#[derive(Debug)]
pub(super) struct WordStarts {
    literals: Vec<Vec<u8>>,
    buckets: [Vec<usize>; BUCKETS],
    /// Per fingerprint position, indexed by a byte's low (`low`) and high (`high`)
    /// nibble: the buckets whose literals may have such a byte there.
    low: [[u8; 16]; FINGERPRINT],
    high: [[u8; 16]; FINGERPRINT],
}

impl WordStarts {
    /// `None` where the CPU cannot run the vector loop, or for an empty literal.
    pub(super) fn new(literals: &[Vec<u8>]) -> Option<Self> {
        if literals.is_empty()
            || literals.iter().any(|l| l.is_empty())
            || !super::vector::available()
        {
            return None;
        }
        let buckets = spread_over_buckets(literals);
        let (mut low, mut high) = ([[0u8; 16]; FINGERPRINT], [[0u8; 16]; FINGERPRINT]);
        for (bucket, members) in buckets.iter().enumerate() {
            let bit = 1u8 << bucket;
            for &index in members {
                for position in 0..FINGERPRINT {
                    match literals[index].get(position) {
                        Some(&byte) => {
                            low[position][usize::from(byte & 0x0F)] |= bit;
                            high[position][usize::from(byte >> 4)] |= bit;
                        }
                        // Past a short literal's end anything may follow.
                        None => {
                            low[position].iter_mut().for_each(|b| *b |= bit);
                            high[position].iter_mut().for_each(|b| *b |= bit);
                        }
                    }
                }
            }
        }
        Some(WordStarts {
            literals: literals.to_vec(),
            buckets,
            low,
            high,
        })
    }

    /// Calls `found(at, literal)` for every position `at`, in increasing order, where
    /// some literal begins and the byte before is not an ASCII word byte (or there is
    /// none): once per position, naming one literal that begins there. Stops when
    /// `found` breaks.
    pub(super) fn each(&self, hay: &[u8], found: &mut dyn FnMut(usize, usize) -> ControlFlow<()>) {
        if hay.is_empty() || self.verify(hay, 0, u8::MAX, found).is_break() {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `new` builds a scanner only where the CPU has AVX2.
        let scanned_to = match unsafe { self.vector_loop(hay, found) } {
            ControlFlow::Continue(to) => to,
            ControlFlow::Break(()) => return,
        };
        #[cfg(not(target_arch = "x86_64"))]
        let scanned_to = 1;
        for at in scanned_to..hay.len() {
            if !is_word(hay[at - 1]) && self.verify(hay, at, u8::MAX, found).is_break() {
                return;
            }
        }
    }

    /// Checks the literals of `buckets` at `at`; reports the first that begins there.
    fn verify(
        &self,
        hay: &[u8],
        at: usize,
        mut buckets: u8,
        found: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let rest = &hay[at..];
        while buckets != 0 {
            let bucket = buckets.trailing_zeros() as usize;
            buckets &= buckets - 1;
            let hit = self.buckets[bucket]
                .iter()
                .find(|&&index| rest.starts_with(&self.literals[index]));
            if let Some(&index) = hit {
                return found(at, index);
            }
        }
        ControlFlow::Continue(())
    }

    /// Scans `hay` from position 1 in blocks of 32 positions while the fingerprint of
    /// a block's last position is still inside `hay`; returns where it stopped.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn vector_loop(
        &self,
        hay: &[u8],
        found: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
    ) -> ControlFlow<(), usize> {
        use super::vector::word_bytes;
        use std::arch::x86_64::*;
        // SAFETY: a table is 16 bytes, what one 128-bit load reads.
        let table = |t: &[u8; 16]| {
            _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(t.as_ptr().cast()) })
        };
        let low: [__m256i; FINGERPRINT] = std::array::from_fn(|p| table(&self.low[p]));
        let high: [__m256i; FINGERPRINT] = std::array::from_fn(|p| table(&self.high[p]));
        let nibble = _mm256_set1_epi8(0x0F);
        let zero = _mm256_setzero_si256();
        let mut block = 1;
        while block + 32 + FINGERPRINT - 1 <= hay.len() {
            // SAFETY: every load reads 32 bytes from `block - 1` to
            // `block + FINGERPRINT - 1`, inside `hay` by the loop's condition.
            let load = |offset: usize| unsafe {
                _mm256_loadu_si256(hay.as_ptr().add(block + offset).cast())
            };
            let before = unsafe { _mm256_loadu_si256(hay.as_ptr().add(block - 1).cast()) };
            let mut allowed = _mm256_andnot_si256(word_bytes(before), _mm256_set1_epi8(-1));
            for position in 0..FINGERPRINT {
                let bytes = load(position);
                let by_low = _mm256_shuffle_epi8(low[position], _mm256_and_si256(bytes, nibble));
                let high_nibbles = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble);
                let by_high = _mm256_shuffle_epi8(high[position], high_nibbles);
                allowed = _mm256_and_si256(allowed, _mm256_and_si256(by_low, by_high));
            }
            let mut candidates = !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(allowed, zero)) as u32);
            if candidates != 0 {
                let mut buckets = [0u8; 32];
                unsafe { _mm256_storeu_si256(buckets.as_mut_ptr().cast(), allowed) };
                while candidates != 0 {
                    let lane = candidates.trailing_zeros() as usize;
                    candidates &= candidates - 1;
                    self.verify(hay, block + lane, buckets[lane], found)?;
                }
            }
            block += 32;
        }
        ControlFlow::Continue(block)
    }
}

/// Literals with the same first bytes share a bucket, so a candidate is verified
/// against few literals; literals shorter than the fingerprint let any byte through
/// past their end and get buckets of their own.
fn spread_over_buckets(literals: &[Vec<u8>]) -> [Vec<usize>; BUCKETS] {
    let mut order: Vec<usize> = (0..literals.len()).collect();
    order.sort_by_key(|&i| &literals[i][..literals[i].len().min(FINGERPRINT)]);
    let (long, short): (Vec<usize>, Vec<usize>) = order
        .into_iter()
        .partition(|&i| literals[i].len() >= FINGERPRINT);
    let short_buckets = short.len().min(if long.is_empty() { BUCKETS } else { 2 });
    let long_buckets = BUCKETS - short_buckets;
    let mut buckets: [Vec<usize>; BUCKETS] = Default::default();
    for (n, &index) in long.iter().enumerate() {
        buckets[n * long_buckets / long.len()].push(index);
    }
    for (n, &index) in short.iter().enumerate() {
        buckets[long_buckets + n * short_buckets / short.len()].push(index);
    }
    buckets
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

#[cfg(all(test, target_arch = "x86_64"))]
#[path = "word_starts_tests.rs"]
mod tests;
