//! Harrell's concordance index (C) with its standard error, as R `survival`
//! 3.5 computes it in `concordance()` and `summary(coxph)$concordance`
//! (`docs/reference/statistics.md` §5, §7 item 9).
//!
//! # Definition
//!
//! `risk` is a score where **higher means shorter expected survival** (the Cox
//! linear predictor; R's `concordance(..., reverse = TRUE)`, which is what
//! `coxph` uses). A pair (i, j) is *comparable* when the shorter of the two
//! times is an event:
//!
//! * t_i < t_j and event_i: comparable. It is **concordant** if
//!   risk_i > risk_j, **discordant** if risk_i < risk_j, and **tied on risk**
//!   (counted ½) if risk_i = risk_j.
//! * t_i = t_j, event_i, and j censored: comparable as well. Censoring at the
//!   same time as an event is taken to happen just after it (the Kaplan–Meier
//!   convention), so j outlived i. This is R's order
//!   `order(-time, status, risk)` in `concordancefit`.
//! * t_i = t_j and both events: **not comparable** (R's `tied.y`; counted in
//!   [`Concordance::tied_time`] or, when the risks are tied as well,
//!   [`Concordance::tied_time_risk`]).
//! * both censored, or the shorter time censored: not comparable.
//!
//! C = (concordant + ½ · tied_risk) / (concordant + discordant + tied_risk).
//!
//! Times are tied only when exactly equal. R's `coxph` first merges times that
//! differ by floating-point noise (`aeqSurv`, relative 1e-8); values parsed
//! from the same decimal text are identical, so this matters only for times
//! computed arithmetically.
//!
//! # Standard error
//!
//! R's infinitesimal-jackknife estimate (`concordancefit`, `var`): with
//! Somers' d = (concordant − discordant) / npair and, for each subject k, the
//! numbers c_k, d_k, t_k of concordant, discordant and risk-tied comparable
//! pairs that k belongs to,
//!
//! ```text
//! dfbeta_k = (c_k − d_k)/npair − (d/npair)·(c_k + d_k + t_k)
//! var(C)   = Σ_k dfbeta_k² / 4,    se = √var(C)
//! ```
//!
//! # Complexity
//!
//! O(n log n): one sort by time, one by risk, then a sweep in ascending risk
//! over two Fenwick trees indexed by time position (see `harrell_sorted`).

use serde::Serialize;

/// Harrell's C for a risk score against right-censored survival times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concordance {
    /// Harrell's C in [0, 1]; `None` when there is no comparable pair.
    pub concordance: Option<f64>,
    /// Infinitesimal-jackknife standard error of C (R's `sqrt(var)`);
    /// `None` when C is undefined.
    pub std_err: Option<f64>,
    /// Comparable pairs in which the subject with the shorter time has the
    /// higher risk.
    pub concordant: u64,
    /// Comparable pairs in which the subject with the shorter time has the
    /// lower risk.
    pub discordant: u64,
    /// Comparable pairs with equal risk (counted ½ in C). R: `tied.x`.
    pub tied_risk: u64,
    /// Pairs of events at the same time with different risk (not comparable).
    /// R: `tied.y`.
    pub tied_time: u64,
    /// Pairs of events at the same time with equal risk (not comparable).
    /// R: `tied.xy`.
    pub tied_time_risk: u64,
}

/// Errors of [`harrell`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConcordanceError {
    /// The three input slices differ in length.
    #[error("times ({times}), events ({events}) and risk ({risk}) must have the same length")]
    LengthMismatch {
        /// Length of `times`.
        times: usize,
        /// Length of `events`.
        events: usize,
        /// Length of `risk`.
        risk: usize,
    },
    /// More observations than supported (2³¹ − 1).
    #[error("{0} observations exceed the supported maximum of 2147483647")]
    TooLarge(usize),
    /// A time or risk value is NaN or infinite.
    #[error("observation {index} (0-based): {field} is {value}, which is not a finite number")]
    NotFinite {
        /// 0-based index of the observation.
        index: usize,
        /// `"time"` or `"risk"`.
        field: &'static str,
        /// The offending value.
        value: f64,
    },
}

/// Harrell's C of `risk` (higher = shorter survival) against `times` and
/// `events` (`true` = event, `false` = censored), with R's standard error.
///
/// `times` are in any one unit (the unit of the data's time column); only
/// their order matters.
///
/// # Errors
///
/// [`ConcordanceError::LengthMismatch`] if the slices differ in length;
/// [`ConcordanceError::NotFinite`] if a time or risk is NaN or infinite;
/// [`ConcordanceError::TooLarge`] for 2³¹ or more observations.
///
/// # Panics
///
/// Never.
pub fn harrell(
    times: &[f64],
    events: &[bool],
    risk: &[f64],
) -> Result<Concordance, ConcordanceError> {
    if times.len() != events.len() || times.len() != risk.len() {
        return Err(ConcordanceError::LengthMismatch {
            times: times.len(),
            events: events.len(),
            risk: risk.len(),
        });
    }
    if times.len() >= 1 << 31 {
        return Err(ConcordanceError::TooLarge(times.len()));
    }
    for (field, values) in [("time", times), ("risk", risk)] {
        if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(ConcordanceError::NotFinite {
                index,
                field,
                value,
            });
        }
    }
    let order = sort_by_time(times);
    let t: Vec<f64> = order.iter().map(|&i| times[i as usize]).collect();
    let e: Vec<bool> = order.iter().map(|&i| events[i as usize]).collect();
    let r: Vec<f64> = order.iter().map(|&i| risk[i as usize]).collect();
    let blocks = time_blocks(&t);
    Ok(harrell_sorted(&blocks, &e, &r))
}

/// Indices that sort `times` ascending (ties in input order is not
/// guaranteed; callers must not rely on the order within a tie).
pub(crate) fn sort_by_time(times: &[f64]) -> Vec<u32> {
    let mut keyed: Vec<(u64, u32)> = times
        .iter()
        .enumerate()
        .map(|(i, &t)| (order_key(t), i as u32))
        .collect();
    radix_sort(&mut keyed);
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Sorts `(key, index)` pairs by key, stably (ties keep their input order),
/// with a least-significant-digit radix sort on bytes: O(n) per byte, and
/// bytes shared by every key (common in the exponent and low mantissa bits
/// of clinical times) are skipped.
pub(crate) fn radix_sort(items: &mut Vec<(u64, u32)>) {
    let n = items.len();
    if n < 256 {
        items.sort_by_key(|&(key, _)| key);
        return;
    }
    let mut counts = vec![[0usize; 256]; 8];
    for &(key, _) in items.iter() {
        for (byte, count) in counts.iter_mut().enumerate() {
            count[((key >> (8 * byte)) & 0xff) as usize] += 1;
        }
    }
    let mut buffer = vec![(0u64, 0u32); n];
    for (byte, count) in counts.iter().enumerate() {
        if count.contains(&n) {
            continue; // every key has the same value in this byte
        }
        let mut offsets = [0usize; 256];
        let mut sum = 0;
        for (o, &c) in offsets.iter_mut().zip(count.iter()) {
            *o = sum;
            sum += c;
        }
        for &item in items.iter() {
            let d = ((item.0 >> (8 * byte)) & 0xff) as usize;
            buffer[offsets[d]] = item;
            offsets[d] += 1;
        }
        std::mem::swap(items, &mut buffer);
    }
}

/// A `u64` whose unsigned order is the numeric order of the finite `f64`
/// `x` (−0.0 and +0.0 map to the same key).
pub(crate) fn order_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// Half-open index ranges of equal times in an ascending-sorted slice.
pub(crate) fn time_blocks(sorted_times: &[f64]) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    let mut start = 0;
    while start < sorted_times.len() {
        let mut end = start + 1;
        while end < sorted_times.len() && sorted_times[end] == sorted_times[start] {
            end += 1;
        }
        blocks.push((start, end));
        start = end;
    }
    blocks
}

/// Fenwick (binary indexed) tree of counts over small integer keys.
struct Counter {
    tree: Vec<u32>,
}

impl Counter {
    fn new(size: usize) -> Self {
        Self {
            tree: vec![0; size + 1],
        }
    }

    fn add(&mut self, key: usize) {
        let mut i = key + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }

    /// Number of members with key < `key`.
    fn below(&self, key: usize) -> u64 {
        let mut i = key;
        let mut s = 0u64;
        while i > 0 {
            s += u64::from(self.tree[i]);
            i -= i & i.wrapping_neg();
        }
        s
    }
}

/// Harrell's C on data already sorted by ascending time, with `blocks` the
/// runs of equal time ([`time_blocks`]).
///
/// Sweep in ascending risk, one group of equal risk at a time, over two
/// Fenwick trees indexed by *time position* (few distinct times in clinical
/// data, so the trees stay in cache):
///
/// * every subject has a key 2b (event in time block b) or 2b + 1 (censored
///   in block b); an event in block b is comparable with exactly the
///   subjects whose key is > 2b (later, or censored at the same time);
/// * `all` holds the keys of the subjects with lower risk than the current
///   group, `dead` the blocks of the events with lower risk.
///
/// Querying before and after inserting the group splits each subject's
/// comparable pairs into lower / equal / higher risk in O(log B).
pub(crate) fn harrell_sorted(
    blocks: &[(usize, usize)],
    events: &[bool],
    risk: &[f64],
) -> Concordance {
    let n = risk.len();
    let nb = blocks.len();
    // greater[b] = number of subjects with key > 2b; deaths_before[b] =
    // number of events in blocks < b.
    let mut key_count = vec![0u64; 2 * nb];
    let mut deaths_before = vec![0u64; nb + 1];
    for (b, &(start, end)) in blocks.iter().enumerate() {
        let mut dead = 0;
        for &e in &events[start..end] {
            if e {
                dead += 1;
            }
        }
        key_count[2 * b] = dead;
        key_count[2 * b + 1] = (end - start) as u64 - dead;
        deaths_before[b + 1] = deaths_before[b] + dead;
    }
    let mut greater = vec![0u64; nb];
    let mut acc = 0u64;
    for b in (0..nb).rev() {
        acc += key_count[2 * b + 1];
        greater[b] = acc;
        acc += key_count[2 * b];
    }
    drop(key_count);
    // Events strictly earlier than a subject with time key `key` (key 2b →
    // blocks < b; key 2b + 1 → blocks ≤ b): the events it is comparable
    // with as the longer time. As a block bound: ⌈key/2⌉.
    let earlier_bound = |key: usize| key.div_ceil(2);

    // (risk, time key) sorted: the sweep below then reads memory
    // sequentially; per-subject sums are kept by position in this order
    // (the variance is a sum over subjects, so the order does not matter).
    // Built in ascending time key (per block: events, then censored), then
    // radix-sorted stably by risk: (risk, time key) order.
    let mut by_risk: Vec<(u64, u32)> = Vec::with_capacity(n);
    for (b, &(start, end)) in blocks.iter().enumerate() {
        for censored in [false, true] {
            for k in start..end {
                if events[k] != censored {
                    by_risk.push((order_key(risk[k]), 2 * b as u32 + u32::from(censored)));
                }
            }
        }
    }
    radix_sort(&mut by_risk);

    let mut all = Counter::new(2 * nb);
    let mut all_total = 0u64;
    let mut dead = Counter::new(nb);
    let (mut concordant, mut discordant, mut tied_risk) = (0u64, 0u64, 0u64);
    let (mut tied_time_all, mut tied_time_risk) = (0u64, 0u64);
    for &(start, end) in blocks {
        let d = events[start..end].iter().filter(|&&e| e).count() as u64;
        tied_time_all += d * d.saturating_sub(1) / 2;
    }
    // Per subject (orientation "higher risk = shorter time"): concordant −
    // discordant and the number of comparable pairs it belongs to.
    // i32 suffices: |values| ≤ n − 1 < 2³¹ (checked by callers).
    let mut diff = vec![0i32; n];
    let mut total = vec![0i32; n];
    let mut before: Vec<(u64, u64)> = Vec::new();

    let mut g = 0;
    while g < n {
        let mut h = g + 1;
        while h < n && by_risk[h].0 == by_risk[g].0 {
            h += 1;
        }
        let group = &by_risk[g..h];
        before.clear();
        for &(_, key) in group {
            let key = key as usize;
            let is_event = key.is_multiple_of(2);
            let lower_at_risk = if is_event {
                all_total - all.below(key + 1)
            } else {
                0
            };
            before.push((lower_at_risk, dead.below(earlier_bound(key))));
        }
        for &(_, key) in group {
            let key = key as usize;
            all.add(key);
            all_total += 1;
            if key.is_multiple_of(2) {
                dead.add(key / 2);
            }
        }
        for (pos, (&(_, key), &(lo, dlo))) in (g..h).zip(group.iter().zip(&before)) {
            let key = key as usize;
            if key.is_multiple_of(2) {
                // An event: partners with a longer time and lower risk are
                // concordant, higher discordant, equal tied.
                let le = all_total - all.below(key + 1);
                let (eq, hi) = (le - lo, greater[key / 2] - le);
                concordant += lo;
                discordant += hi;
                tied_risk += eq;
                diff[pos] += lo as i32 - hi as i32;
                total[pos] += (lo + eq + hi) as i32;
            }
            // As the longer time: events with higher risk are concordant,
            // lower discordant.
            let bound = earlier_bound(key);
            let dle = dead.below(bound);
            let (deq, dhi) = (dle - dlo, deaths_before[bound] - dle);
            diff[pos] += dhi as i32 - dlo as i32;
            total[pos] += (dlo + deq + dhi) as i32;
        }
        // Events tied on both risk and time: runs of one even key (the
        // group is sorted by key).
        let mut i = 0;
        while i < group.len() {
            let mut j = i + 1;
            while j < group.len() && group[j].1 == group[i].1 {
                j += 1;
            }
            if group[i].1.is_multiple_of(2) {
                let c = (j - i) as u64;
                tied_time_risk += c * (c - 1) / 2;
            }
            i = j;
        }
        g = h;
    }

    let npair = concordant + discordant + tied_risk;
    let (concordance, std_err) = if npair == 0 {
        (None, None)
    } else {
        let np = npair as f64;
        let somers_d = (concordant as f64 - discordant as f64) / np;
        let var: f64 = diff
            .iter()
            .zip(&total)
            .map(|(&d, &t)| {
                let dfbeta = d as f64 / np - somers_d / np * t as f64;
                dfbeta * dfbeta
            })
            .sum::<f64>()
            / 4.0;
        (Some((somers_d + 1.0) / 2.0), Some(var.sqrt()))
    };
    Concordance {
        concordance,
        std_err,
        concordant,
        discordant,
        tied_risk,
        tied_time: tied_time_all - tied_time_risk,
        tied_time_risk,
    }
}

/// C and its standard error with case weights and strata (R
/// `concordancefit(y, lp, strata, weights, reverse = TRUE)` as `coxph` calls
/// it): pairs are formed only within a stratum, a comparable pair (i, j)
/// counts w_i·w_j, each subject's influence counts its partners' weights,
/// and R's infinitesimal jackknife multiplies each subject's dfbeta by its
/// own weight:
///
/// ```text
/// dfbeta_k = w_k · [ (c_k − d_k)/npair − (d/npair)·(c_k + d_k + t_k) ]
/// var(C)   = Σ_k dfbeta_k² / 4
/// ```
///
/// With unit weights and one stratum this is [`harrell_sorted`] (tested).
/// Input in the sorted order of the Cox fitter: `blocks` are runs of equal
/// time within a stratum, strata contiguous, events first in each run.
/// Cost O(Σ n_s²) over strata s: used only for weighted or stratified Cox
/// models, where cohorts are small (the unweighted, unstratified case keeps
/// the O(n log n) sweep).
pub(crate) fn weighted_sorted(
    blocks: &[(usize, usize)],
    events: &[bool],
    risk: &[f64],
    weight: &[f64],
    stratum: &[u32],
) -> WeightedConcordance {
    let n = risk.len();
    let (mut conc, mut disc, mut tied) = (0.0, 0.0, 0.0);
    // Per subject: weighted concordant − discordant, and all comparable.
    let mut diff = vec![0.0; n];
    let mut total = vec![0.0; n];
    for (b, &(start, end)) in blocks.iter().enumerate() {
        for i in (start..end).filter(|&i| events[i]) {
            // Partners: censored in the same run, then every later run of
            // the same stratum.
            let later = blocks[b + 1..]
                .iter()
                .take_while(|&&(s, _)| stratum[s] == stratum[i])
                .flat_map(|&(s, e)| s..e);
            for j in (start..end).filter(|&j| !events[j]).chain(later) {
                let w = weight[i] * weight[j];
                let sign = if risk[i] > risk[j] {
                    conc += w;
                    1.0
                } else if risk[i] < risk[j] {
                    disc += w;
                    -1.0
                } else {
                    tied += w;
                    0.0
                };
                diff[i] += sign * weight[j];
                diff[j] += sign * weight[i];
                total[i] += weight[j];
                total[j] += weight[i];
            }
        }
    }
    let npair = conc + disc + tied;
    if npair <= 0.0 {
        return WeightedConcordance {
            concordance: None,
            std_err: None,
        };
    }
    let somers_d = (conc - disc) / npair;
    let var = diff
        .iter()
        .zip(&total)
        .zip(weight)
        .map(|((d, t), w)| {
            let dfbeta = w * (d / npair - somers_d / npair * t);
            dfbeta * dfbeta
        })
        .sum::<f64>()
        / 4.0;
    WeightedConcordance {
        concordance: Some((somers_d + 1.0) / 2.0),
        std_err: Some(var.sqrt()),
    }
}

/// Weighted and/or stratified C (see [`weighted_sorted`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WeightedConcordance {
    /// C, `None` without a comparable pair.
    pub concordance: Option<f64>,
    /// Its infinitesimal-jackknife standard error.
    pub std_err: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// O(n²) reference straight from the definitions in the module docs:
    /// counts, C and the infinitesimal-jackknife SE.
    fn brute(
        times: &[f64],
        events: &[bool],
        risk: &[f64],
    ) -> (u64, u64, u64, Option<f64>, Option<f64>) {
        let (mut c, mut d, mut t) = (0, 0, 0);
        let n = times.len();
        let mut diff = vec![0.0; n];
        let mut tot = vec![0.0; n];
        for i in 0..n {
            for j in 0..times.len() {
                if i == j || !events[i] {
                    continue;
                }
                let comparable = times[i] < times[j] || (times[i] == times[j] && !events[j]);
                if !comparable {
                    continue;
                }
                let sign = if risk[i] > risk[j] {
                    c += 1;
                    1.0
                } else if risk[i] < risk[j] {
                    d += 1;
                    -1.0
                } else {
                    t += 1;
                    0.0
                };
                for k in [i, j] {
                    diff[k] += sign;
                    tot[k] += 1.0;
                }
            }
        }
        let np = (c + d + t) as f64;
        if np == 0.0 {
            return (c, d, t, None, None);
        }
        let cc = (c as f64 + 0.5 * t as f64) / np;
        let somers = (c as f64 - d as f64) / np;
        let var: f64 = (0..n)
            .map(|k| (diff[k] / np - somers / np * tot[k]).powi(2))
            .sum::<f64>()
            / 4.0;
        (c, d, t, Some(cc), Some(var.sqrt()))
    }

    #[test]
    fn hand_example() {
        // times 1,2,3,4; events at 1 and 3; risk 4,3,2,1 (perfectly ordered).
        // Comparable pairs: (1 vs 2,3,4) and (3 vs 4): 4 pairs, all concordant.
        let c = harrell(
            &[1.0, 2.0, 3.0, 4.0],
            &[true, false, true, false],
            &[4.0, 3.0, 2.0, 1.0],
        )
        .unwrap();
        assert_eq!((c.concordant, c.discordant, c.tied_risk), (4, 0, 0));
        assert_eq!(c.concordance, Some(1.0));
        // Reversed risk: C = 0.
        let c = harrell(
            &[1.0, 2.0, 3.0, 4.0],
            &[true, false, true, false],
            &[1.0, 2.0, 3.0, 4.0],
        )
        .unwrap();
        assert_eq!(c.concordance, Some(0.0));
    }

    #[test]
    fn tied_times_follow_r() {
        // Event and censoring at t = 2: comparable (censored outlives).
        // Two events at t = 2: not comparable (tied.y).
        let times = [2.0, 2.0, 2.0, 5.0];
        let events = [true, true, false, true];
        let risk = [1.0, 1.0, 0.5, 0.0];
        let c = harrell(&times, &events, &risk).unwrap();
        // events 0 and 1 each vs 2 (censored at 2) and 3: 4 concordant pairs.
        assert_eq!((c.concordant, c.discordant, c.tied_risk), (4, 0, 0));
        assert_eq!((c.tied_time, c.tied_time_risk), (0, 1));
    }

    #[test]
    fn no_comparable_pair_is_none() {
        let c = harrell(&[1.0, 2.0], &[false, false], &[1.0, 2.0]).unwrap();
        assert_eq!(c.concordance, None);
        assert_eq!(c.std_err, None);
    }

    #[test]
    fn errors_name_the_observation() {
        let e = harrell(&[1.0, f64::NAN], &[true, true], &[0.0, 1.0]).unwrap_err();
        assert!(matches!(
            e,
            ConcordanceError::NotFinite {
                index: 1,
                field: "time",
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "observation 1 (0-based): time is NaN, which is not a finite number"
        );
    }

    /// One slice of another length is enough to refuse the input, whichever
    /// it is, and the message gives the three lengths.
    #[test]
    fn any_length_mismatch_is_refused() {
        let e = harrell(&[1.0, 2.0], &[true], &[0.0, 1.0]).unwrap_err();
        assert_eq!(
            e,
            ConcordanceError::LengthMismatch {
                times: 2,
                events: 1,
                risk: 2
            }
        );
        assert_eq!(
            e.to_string(),
            "times (2), events (1) and risk (2) must have the same length"
        );
        let e = harrell(&[1.0, 2.0], &[true, false], &[0.0]).unwrap_err();
        assert_eq!(
            e,
            ConcordanceError::LengthMismatch {
                times: 2,
                events: 2,
                risk: 1
            }
        );
    }

    /// −0.0 and +0.0 are the same number: a risk of −0.0 against one of
    /// +0.0 is a tie (½ in C), as in R (`-0 == 0`), in both sweeps. One
    /// comparable pair (the event at 1 against the censoring at 2), tied:
    /// C = ½.
    #[test]
    fn negative_zero_risk_ties_with_zero() {
        let c = harrell(&[1.0, 2.0], &[true, false], &[-0.0, 0.0]).unwrap();
        assert_eq!((c.concordant, c.discordant, c.tied_risk), (0, 0, 1));
        assert_eq!(c.concordance, Some(0.5));
        let w = weighted_sorted(
            &[(0, 1), (1, 2)],
            &[true, false],
            &[-0.0, 0.0],
            &[1.0; 2],
            &[0; 2],
        );
        assert_eq!(w.concordance, Some(0.5));
    }

    /// Two events at the same time and nothing else: no comparable pair
    /// (R's tied.y), so C and its SE are undefined, also with weights (the
    /// weighted sweep must not return 0/0 = NaN).
    #[test]
    fn weighted_without_comparable_pair_is_none() {
        let w = weighted_sorted(&[(0, 2)], &[true, true], &[0.0, 1.0], &[2.0, 0.5], &[0, 0]);
        assert_eq!((w.concordance, w.std_err), (None, None));
        // Two strata, one subject each: pairs never cross strata.
        let w = weighted_sorted(
            &[(0, 1), (1, 2)],
            &[true, false],
            &[1.0, 0.0],
            &[1.0; 2],
            &[0, 1],
        );
        assert_eq!((w.concordance, w.std_err), (None, None));
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn matches_brute_force(
            data in proptest::collection::vec((0u8..6, any::<bool>(), 0u8..4), 1..40)
        ) {
            let times: Vec<f64> = data.iter().map(|d| f64::from(d.0)).collect();
            let events: Vec<bool> = data.iter().map(|d| d.1).collect();
            let risk: Vec<f64> = data.iter().map(|d| f64::from(d.2)).collect();
            let fast = harrell(&times, &events, &risk).unwrap();
            let (c, d, t, cc, se) = brute(&times, &events, &risk);
            prop_assert_eq!((fast.concordant, fast.discordant, fast.tied_risk), (c, d, t));
            for (got, want) in [(fast.concordance, cc), (fast.std_err, se)] {
                match (got, want) {
                    (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-12, "{} vs {}", a, b),
                    (None, None) => {}
                    other => prop_assert!(false, "{:?}", other),
                }
            }
        }
    }
}
