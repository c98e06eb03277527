//! Harrell's concordance index (C) with its standard error, as R `survival`
//! 3.5 computes it in `concordance()` and `summary(coxph)$concordance`
//! (domain notes `statistics.md` §5, §7 item 9).
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
//! O(n log n): one sort by time, one by risk (ranks), then two Fenwick trees
//! over the risk ranks (all subjects at risk, and events seen so far) walked
//! from the longest time backwards.

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
/// [`ConcordanceError::NotFinite`] if a time or risk is NaN or infinite.
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
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
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

/// Dense 0-based ranks of finite values (equal values share a rank) and the
/// number of distinct values.
fn dense_ranks(values: &[f64]) -> (Vec<u32>, usize) {
    let mut keyed: Vec<(u64, u32)> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (order_key(v), i as u32))
        .collect();
    keyed.sort_unstable();
    let mut ranks = vec![0u32; values.len()];
    let mut rank = 0u32;
    for (k, &(key, i)) in keyed.iter().enumerate() {
        if k > 0 && key != keyed[k - 1].0 {
            rank += 1;
        }
        ranks[i as usize] = rank;
    }
    let distinct = if values.is_empty() {
        0
    } else {
        rank as usize + 1
    };
    (ranks, distinct)
}

/// Counts of tree members with lower, equal and higher rank than a query.
#[derive(Clone, Copy)]
struct Split {
    lower: u64,
    equal: u64,
    higher: u64,
}

/// Fenwick (binary indexed) tree of counts over ranks, plus the count at each
/// rank, answering [`Split`] queries in O(log m).
struct RankCounter {
    tree: Vec<u64>,
    at: Vec<u64>,
    total: u64,
}

impl RankCounter {
    fn new(m: usize) -> Self {
        Self {
            tree: vec![0; m + 1],
            at: vec![0; m],
            total: 0,
        }
    }

    fn add(&mut self, rank: u32) {
        let r = rank as usize;
        self.at[r] += 1;
        self.total += 1;
        let mut i = r + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }

    /// Number of members with rank < `rank`.
    fn below(&self, rank: u32) -> u64 {
        let mut i = rank as usize;
        let mut s = 0;
        while i > 0 {
            s += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        s
    }

    fn split(&self, rank: u32) -> Split {
        let lower = self.below(rank);
        let equal = self.at[rank as usize];
        Split {
            lower,
            equal,
            higher: self.total - lower - equal,
        }
    }
}

/// Harrell's C on data already sorted by ascending time, with `blocks` the
/// runs of equal time ([`time_blocks`]).
pub(crate) fn harrell_sorted(
    blocks: &[(usize, usize)],
    events: &[bool],
    risk: &[f64],
) -> Concordance {
    let n = risk.len();
    let (ranks, distinct) = dense_ranks(risk);
    // All subjects with a longer time (plus censored at the same time).
    let mut at_risk = RankCounter::new(distinct);
    // Events seen so far (time ≥ current).
    let mut deaths = RankCounter::new(distinct);
    // Per subject, orientation "higher risk = shorter time":
    // diff = concordant − discordant, total = comparable pairs it belongs to.
    let mut diff = vec![0i64; n];
    let mut total = vec![0i64; n];
    let (mut concordant, mut discordant, mut tied_risk) = (0u64, 0u64, 0u64);
    let (mut tied_time_all, mut tied_time_risk) = (0u64, 0u64);
    let mut block_ranks: Vec<u32> = Vec::new();

    // For a subject k with a longer time than the events in `s`: the events
    // with higher risk than k are concordant pairs, lower risk discordant.
    let as_longer = |s: Split| {
        (
            s.higher as i64 - s.lower as i64,
            (s.lower + s.equal + s.higher) as i64,
        )
    };

    for &(start, end) in blocks.iter().rev() {
        // Censored at this time: outlive the events at this time.
        for k in start..end {
            if !events[k] {
                let (d, t) = as_longer(deaths.split(ranks[k]));
                diff[k] -= d;
                total[k] -= t;
                at_risk.add(ranks[k]);
            }
        }
        // Events: compare with everyone at risk with a longer time.
        block_ranks.clear();
        for k in start..end {
            if events[k] {
                let s = at_risk.split(ranks[k]);
                // The event k has the shorter time: concordant if its risk is
                // higher than the other's.
                concordant += s.lower;
                discordant += s.higher;
                tied_risk += s.equal;
                diff[k] += s.lower as i64 - s.higher as i64;
                total[k] += (s.lower + s.equal + s.higher) as i64;
                block_ranks.push(ranks[k]);
            }
        }
        for k in start..end {
            if events[k] {
                deaths.add(ranks[k]);
            }
        }
        for k in start..end {
            if events[k] {
                let (d, t) = as_longer(deaths.split(ranks[k]));
                diff[k] -= d;
                total[k] -= t;
                at_risk.add(ranks[k]);
            }
        }
        let d = block_ranks.len() as u64;
        if d > 1 {
            tied_time_all += d * (d - 1) / 2;
            block_ranks.sort_unstable();
            let mut i = 0;
            while i < block_ranks.len() {
                let mut j = i + 1;
                while j < block_ranks.len() && block_ranks[j] == block_ranks[i] {
                    j += 1;
                }
                let c = (j - i) as u64;
                tied_time_risk += c * (c - 1) / 2;
                i = j;
            }
        }
    }
    // Events with a shorter time than k: all events minus those counted at
    // k's own insertion.
    for k in 0..n {
        let (d, t) = as_longer(deaths.split(ranks[k]));
        diff[k] += d;
        total[k] += t;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// O(n²) reference straight from the definition in the module docs.
    fn brute(times: &[f64], events: &[bool], risk: &[f64]) -> (u64, u64, u64, Option<f64>) {
        let (mut c, mut d, mut t) = (0, 0, 0);
        for i in 0..times.len() {
            for j in 0..times.len() {
                if i == j || !events[i] {
                    continue;
                }
                let comparable = times[i] < times[j] || (times[i] == times[j] && !events[j]);
                if !comparable {
                    continue;
                }
                if risk[i] > risk[j] {
                    c += 1;
                } else if risk[i] < risk[j] {
                    d += 1;
                } else {
                    t += 1;
                }
            }
        }
        let np = c + d + t;
        let cc = (np > 0).then(|| (c as f64 + 0.5 * t as f64) / np as f64);
        (c, d, t, cc)
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
            let (c, d, t, cc) = brute(&times, &events, &risk);
            prop_assert_eq!((fast.concordant, fast.discordant, fast.tied_risk), (c, d, t));
            match (fast.concordance, cc) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-12),
                (None, None) => {}
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
