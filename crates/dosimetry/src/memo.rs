//! Memoised fits. The plausibility gate fits the same readings more than
//! once for one series (the reference fit again for the leave-one-out
//! tests, the same leave-one-out fit for the outlier test, the slip's name
//! and the influence check, the whole chain again for "the result without
//! this reading"): about 45 % of the fits of a study report repeat an
//! earlier one. A fit is a pure function of its inputs, so each thread
//! keeps its last [`CAPACITY`] fits, keyed by the exact inputs (numbers
//! compared bit for bit), and a repeated fit returns a copy of the first:
//! the same result, bit for bit, as fitting again, on any number of
//! threads. The memo is invisible to callers and holds no more than
//! [`CAPACITY`] results per thread.

use std::cell::RefCell;
use std::collections::VecDeque;

/// Fits kept per thread and per kind of fit (more than one series'
/// fits; the repeats come within one series).
pub(crate) const CAPACITY: usize = 128;

/// The last [`CAPACITY`] (key, result) pairs, newest last.
pub(crate) struct Memo<K, V> {
    entries: VecDeque<(K, V)>,
}

impl<K, V: Clone> Memo<K, V> {
    pub(crate) const fn new() -> Self {
        Memo {
            entries: VecDeque::new(),
        }
    }
}

/// The memoised value of `compute` for the key that `matches` recognises
/// (`make_key` builds it only on a miss), in the thread's `memo`.
/// `compute` runs without the memo borrowed, so it may use other memos.
pub(crate) fn cached<K: 'static, V: Clone + 'static>(
    memo: &'static std::thread::LocalKey<RefCell<Memo<K, V>>>,
    matches: impl Fn(&K) -> bool,
    make_key: impl FnOnce() -> K,
    compute: impl FnOnce() -> V,
) -> V {
    let hit = memo.with(|m| {
        m.borrow()
            .entries
            .iter()
            .rev()
            .find(|(k, _)| matches(k))
            .map(|(_, v)| v.clone())
    });
    if let Some(v) = hit {
        return v;
    }
    let v = compute();
    memo.with(|m| {
        let mut m = m.borrow_mut();
        if m.entries.len() >= CAPACITY {
            m.entries.pop_front();
        }
        m.entries.push_back((make_key(), v.clone()));
    });
    v
}

/// A series as a key: the bits of every number (`-0.0` and `0.0`, or two
/// NaNs of different payloads, are different keys: a miss, never a wrong
/// hit), with a digest of them compared first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Series {
    digest: u64,
    bits: Vec<u64>,
}

impl Series {
    /// The key of `x`.
    pub(crate) fn of(x: &[f64]) -> Self {
        Series {
            digest: digest(x),
            bits: x.iter().map(|v| v.to_bits()).collect(),
        }
    }

    /// Whether `x` (whose [`digest`] is `d`) has exactly these bits.
    pub(crate) fn is(&self, d: u64, x: &[f64]) -> bool {
        self.digest == d
            && self.bits.len() == x.len()
            && self.bits.iter().zip(x).all(|(k, v)| *k == v.to_bits())
    }
}

/// A digest of the bits of `x` (FNV-1a over the 64-bit words): equal
/// series have equal digests; a collision only costs a full comparison.
pub(crate) fn digest(x: &[f64]) -> u64 {
    x.iter().fold(0xcbf2_9ce4_8422_2325, |h: u64, v| {
        (h ^ v.to_bits()).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        static SQUARES: RefCell<Memo<Series, f64>> = const { RefCell::new(Memo::new()) };
    }

    fn square(x: f64, calls: &Cell<usize>) -> f64 {
        let k = [x];
        let d = digest(&k);
        cached(
            &SQUARES,
            |key| key.is(d, &k),
            || Series::of(&k),
            || {
                calls.set(calls.get() + 1);
                x * x
            },
        )
    }

    #[test]
    fn a_repeat_is_served_from_the_memo_and_equal() {
        let calls = Cell::new(0);
        assert_eq!(square(3.0, &calls), 9.0);
        assert_eq!(square(3.0, &calls), 9.0);
        assert_eq!(calls.get(), 1);
        // Different bits are a different key, even when equal as numbers.
        assert_eq!(square(-0.0, &calls), 0.0);
        assert_eq!(square(0.0, &calls), 0.0);
        assert_eq!(calls.get(), 3);
    }

    thread_local! {
        static SUMS: RefCell<Memo<Series, f64>> = const { RefCell::new(Memo::new()) };
    }

    fn sum(x: &[f64], calls: &Cell<usize>) -> f64 {
        let d = digest(x);
        cached(
            &SUMS,
            |key| key.is(d, x),
            || Series::of(x),
            || {
                calls.set(calls.get() + 1);
                x.iter().sum()
            },
        )
    }

    /// The value y for which `digest(x ++ [y]) == digest(x)`: one FNV-1a
    /// step maps h to (h ^ y)·P (mod 2^64), which is h when
    /// h ^ y = h·P⁻¹, i.e. y = h ^ (h·P⁻¹). P = 0x100000001b3 is odd, so
    /// it has an inverse mod 2^64; Newton's step x ← x·(2 − P·x) doubles the
    /// number of correct low bits and P·P ≡ 1 (mod 8) for every odd P, so
    /// 3 bits → 6, 12, 24, 48, 96: five steps suffice (six are taken).
    fn colliding_extension(x: &[f64]) -> f64 {
        const P: u64 = 0x0000_0100_0000_01b3;
        let mut inv = P;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(P.wrapping_mul(inv)));
        }
        assert_eq!(P.wrapping_mul(inv), 1, "P⁻¹ mod 2^64");
        let h = digest(x);
        f64::from_bits(h ^ h.wrapping_mul(inv))
    }

    #[test]
    fn a_prefix_of_a_series_is_another_key() {
        // Equal numbers as far as the shorter goes, digests different: only
        // the lengths tell them apart.
        let long = [2.0, 24.0, 48.0];
        let short = [2.0, 24.0];
        assert!(!Series::of(&long).is(digest(&short), &short));
        assert!(!Series::of(&short).is(digest(&long), &long));
        assert!(Series::of(&short).is(digest(&short), &short));
        let calls = Cell::new(0);
        assert_eq!(sum(&long, &calls), 74.0); // 2 + 24 + 48
        assert_eq!(sum(&short, &calls), 26.0); // 2 + 24, computed: not the first series' sum
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn a_digest_collision_with_a_prefix_is_no_hit() {
        // A series and its one-longer extension with the same digest (the
        // FNV-1a step inverted): only the length and the bits, compared after
        // the digest, tell them apart.
        let short = [3.0, 24.0];
        let y = colliding_extension(&short);
        let long = [3.0, 24.0, y];
        assert_eq!(digest(&long), digest(&short), "the constructed collision");
        assert!(!Series::of(&long).is(digest(&short), &short));
        assert!(!Series::of(&short).is(digest(&long), &long));
        let calls = Cell::new(0);
        let first = sum(&long, &calls);
        assert!(first.is_nan() || first != 27.0);
        assert_eq!(sum(&short, &calls), 27.0); // 3 + 24, computed: not the colliding series' sum
        assert_eq!(calls.get(), 2);
        assert_eq!(sum(&short, &calls), 27.0); // and now a real hit
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn the_memo_keeps_at_most_its_capacity() {
        let calls = Cell::new(0);
        for i in 0..(CAPACITY + 10) {
            square(1000.0 + i as f64, &calls);
        }
        SQUARES.with(|m| assert_eq!(m.borrow().entries.len(), CAPACITY));
        // The oldest was dropped: computed again.
        let before = calls.get();
        square(1000.0, &calls);
        assert_eq!(calls.get(), before + 1);
    }
}
