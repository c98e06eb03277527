//! The k-group log-rank test (docs/reference/statistics.md §3; R `survdiff`, rho = 0).
//!
//! At each pooled event time t_j with n_j at risk, d_j events, and group
//! counts n_gj, d_gj:
//!
//! ```text
//! E_gj = d_j · n_gj / n_j        O_g = Σ_j d_gj        E_g = Σ_j E_gj
//! V_gh = Σ_j d_j (n_j − d_j)/(n_j − 1) · (n_gj/n_j) · (δ_gh − n_hj/n_j)   (0 when n_j = 1)
//! χ² = (O − E)ᵀ V⁻¹ (O − E) over the groups with E_g > 0 except the first,
//! df = (number of groups with E_g > 0) − 1, p = P(χ²_df > χ²).
//! ```
//!
//! The groups' [`EventCounts`] are merged in one pass (O(T·k²) for T
//! distinct times); no re-sorting.
//!
//! Stratified test ([`logrank_stratified`], R `survdiff(... ~ g + strata(s))`):
//! O, E and V are computed within each stratum as above and summed over the
//! strata before the χ² (Kalbfleisch & Prentice 2002 section 7.3; R `survdiff`
//! documentation); groups may be absent from some strata.

use crate::km::EventCounts;
use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Result of the log-rank test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogRank {
    /// The χ² statistic.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// P(χ²_df > chisq).
    pub p: f64,
    /// Subjects per group.
    pub n: Vec<u64>,
    /// Observed events per group, O_g.
    pub observed: Vec<u64>,
    /// Expected events per group under H₀, E_g.
    pub expected: Vec<f64>,
    /// The variance matrix V of O − E (k × k, row-major).
    pub variance: Vec<Vec<f64>>,
}

/// Why the test cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LogRankError {
    /// Fewer than two groups have subjects at risk at an event time.
    #[error(
        "log-rank test needs at least two groups with expected events > 0 (found {0}); check the group column"
    )]
    TooFewGroups(usize),
    /// The variance matrix cannot be inverted.
    #[error("log-rank variance matrix is singular: the groups are not comparable")]
    Singular,
    /// Strata with different numbers of groups.
    #[error("stratified log-rank: every stratum needs one entry per group")]
    Shape,
}

/// The log-rank test comparing `groups` (one [`EventCounts`] per group).
///
/// # Errors
/// [`LogRankError::TooFewGroups`] when fewer than two groups have a positive
/// expected count; [`LogRankError::Singular`] if V cannot be inverted.
pub fn logrank(groups: &[EventCounts]) -> Result<LogRank, LogRankError> {
    let k = groups.len();
    let mut acc = Sums::new(k);
    acc.add(groups.iter().map(Some).collect::<Vec<_>>().as_slice());
    acc.finish(groups.iter().map(EventCounts::n).collect())
}

/// The stratified log-rank test: `strata[s][g]` are the counts of group g
/// in stratum s (`None` when the group has no subject in that stratum);
/// every stratum has one entry per group.
///
/// # Errors
/// As [`logrank`]; [`LogRankError::Shape`] when the strata do not all have
/// the same number of groups.
pub fn logrank_stratified(strata: &[Vec<Option<EventCounts>>]) -> Result<LogRank, LogRankError> {
    let k = strata.first().map_or(0, Vec::len);
    if strata.iter().any(|s| s.len() != k) {
        return Err(LogRankError::Shape);
    }
    let mut acc = Sums::new(k);
    let mut n = vec![0u64; k];
    for s in strata {
        let groups: Vec<Option<&EventCounts>> = s.iter().map(Option::as_ref).collect();
        for (g, c) in groups.iter().enumerate() {
            n[g] += c.map_or(0, EventCounts::n);
        }
        acc.add(&groups);
    }
    acc.finish(n)
}

/// O, E and V summed over one or more strata.
struct Sums {
    k: usize,
    observed: Vec<u64>,
    expected: Vec<f64>,
    var: Vec<f64>,
}

impl Sums {
    fn new(k: usize) -> Self {
        Self {
            k,
            observed: vec![0; k],
            expected: vec![0.0; k],
            var: vec![0.0; k * k],
        }
    }

    /// Adds one stratum (`None`: the group has no subject in it).
    fn add(&mut self, groups: &[Option<&EventCounts>]) {
        let k = self.k;
        let observed = &mut self.observed;
        let expected = &mut self.expected;
        let var = &mut self.var;
        let mut at_risk: Vec<u64> = groups.iter().map(|c| c.map_or(0, EventCounts::n)).collect();
        let mut cursor = vec![0usize; k];
        let mut d_g = vec![0u64; k];
        let mut c_g = vec![0u64; k];
        loop {
            // Next pooled time: the smallest current time over the groups.
            let mut t = f64::INFINITY;
            for (g, c) in groups.iter().enumerate() {
                if let Some(&tg) = c.and_then(|c| c.times().get(cursor[g])) {
                    t = t.min(tg);
                }
            }
            if t == f64::INFINITY {
                break;
            }
            let mut n_j = 0u64;
            let mut d_j = 0u64;
            for (g, c) in groups.iter().enumerate() {
                n_j += at_risk[g];
                d_g[g] = 0;
                c_g[g] = 0;
                let Some(c) = c else { continue };
                if c.times().get(cursor[g]) == Some(&t) {
                    d_g[g] = c.events()[cursor[g]];
                    c_g[g] = c.censorings()[cursor[g]];
                    cursor[g] += 1;
                }
                d_j += d_g[g];
            }
            if d_j > 0 {
                let (nf, df) = (n_j as f64, d_j as f64);
                let factor = if n_j > 1 {
                    df * (nf - df) / (nf - 1.0)
                } else {
                    0.0
                };
                for g in 0..k {
                    observed[g] += d_g[g];
                    let share_g = at_risk[g] as f64 / nf;
                    expected[g] += df * share_g;
                    if factor != 0.0 && at_risk[g] > 0 {
                        for h in 0..k {
                            let delta = if g == h { 1.0 } else { 0.0 };
                            var[g * k + h] += factor * share_g * (delta - at_risk[h] as f64 / nf);
                        }
                    }
                }
            }
            for g in 0..k {
                at_risk[g] -= d_g[g] + c_g[g];
            }
        }
    }

    /// The test from the summed O, E, V (`n` subjects per group).
    fn finish(self, n: Vec<u64>) -> Result<LogRank, LogRankError> {
        let Self {
            k,
            observed,
            expected,
            var,
        } = self;
        // R survdiff: keep groups with E > 0, drop the first of them.
        let keep: Vec<usize> = (0..k).filter(|&g| expected[g] > 0.0).collect();
        if keep.len() < 2 {
            return Err(LogRankError::TooFewGroups(keep.len()));
        }
        let idx = &keep[1..];
        let m = idx.len();
        let diff = DVector::from_iterator(m, idx.iter().map(|&g| observed[g] as f64 - expected[g]));
        let v = DMatrix::from_fn(m, m, |a, b| var[idx[a] * k + idx[b]]);
        let sol = v
            .clone()
            .cholesky()
            .map(|c| c.solve(&diff))
            .or_else(|| v.lu().solve(&diff))
            .ok_or(LogRankError::Singular)?;
        let chisq = diff.dot(&sol);
        if !chisq.is_finite() {
            return Err(LogRankError::Singular);
        }
        let df = m;
        let p = chisq_sf(chisq, df);
        Ok(LogRank {
            chisq,
            df,
            p,
            n,
            observed,
            expected,
            variance: (0..k).map(|g| var[g * k..(g + 1) * k].to_vec()).collect(),
        })
    }
}

/// P(χ²_df > x) (R `pchisq(x, df, lower.tail = FALSE)`).
pub(crate) fn chisq_sf(x: f64, df: usize) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    ChiSquared::new(df as f64).expect("df ≥ 1").sf(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SurvTime;

    fn counts(times: &[f64], events: &[u8]) -> EventCounts {
        let t: Vec<SurvTime> = times.iter().map(|&x| SurvTime::new(x).unwrap()).collect();
        let e: Vec<bool> = events.iter().map(|&x| x == 1).collect();
        EventCounts::from_observations(&t, &e).unwrap()
    }

    /// Hand calculation. Group A: 1, 3 (events); group B: 2 (event), 4+.
    /// t=1: n=4 (A2,B2), d=1 (A): E_A = 1·2/4 = .5, V = 1·3/3·(.5·.5) = .25
    /// t=2: n=3 (A1,B2), d=1 (B): E_A = 1/3, V += 1·2/2·(1/3·2/3) = 2/9
    /// t=3: n=2 (A1,B1), d=1 (A): E_A = 1/2, V += 1·1/1·(.5·.5) = .25
    /// O_A = 2, E_A = 4/3, V_AA = .25 + 2/9 + .25 = 13/18;
    /// χ² (first group dropped → B): (O_B − E_B)² / V = (2/3)²/(13/18) = 8/13.
    #[test]
    fn two_group_hand_calculation() {
        let a = counts(&[1., 3.], &[1, 1]);
        let b = counts(&[2., 4.], &[1, 0]);
        let lr = logrank(&[a, b]).unwrap();
        assert_eq!(lr.observed, vec![2, 1]);
        assert!((lr.expected[0] - 4.0 / 3.0).abs() < 1e-15);
        assert!((lr.expected[1] - 5.0 / 3.0).abs() < 1e-15);
        assert!((lr.variance[0][0] - 13.0 / 18.0).abs() < 1e-15);
        assert!((lr.chisq - 8.0 / 13.0).abs() < 1e-14);
        assert_eq!(lr.df, 1);
        // R 4.2.2: pchisq(8/13, 1, lower.tail = FALSE) = 0.43276758066778465
        assert!((lr.p - 0.432_767_580_667_784_65).abs() < 1e-13, "{}", lr.p);
    }

    /// Hand calculation with a last event where one subject is at risk.
    /// Group A: 1, 3 (events); group B: 2 (event).
    /// t=1: n=3 (A2,B1), d=1: E_A = 2/3, E_B = 1/3, V_AA = 1·2/2·(2/3·1/3) = 2/9
    /// t=2: n=2 (A1,B1), d=1: E_A = 1/2, E_B = 1/2, V_AA += 1·1/1·(1/2·1/2) = 1/4
    /// t=3: n=1 (A1), d=1: E_A = 1, E_B = 0, V += 0 (n_j = 1: no variance)
    /// O = (2, 1), E = (13/6, 5/6), V = [[17/36, −17/36], [−17/36, 17/36]];
    /// χ² = (1 − 5/6)²/(17/36) = 1/17, df 1, p = erfc(√(1/34)) =
    /// 0.8083651559145103 (Python 3.11 math.erfc; for df 1,
    /// P(χ² > x) = erfc(√(x/2))).
    #[test]
    fn last_event_with_one_at_risk_adds_no_variance() {
        let a = counts(&[1., 3.], &[1, 1]);
        let b = counts(&[2.], &[1]);
        let lr = logrank(&[a, b]).unwrap();
        assert_eq!(lr.n, vec![2, 1]);
        assert_eq!(lr.observed, vec![2, 1]);
        assert!(
            (lr.expected[0] - 13.0 / 6.0).abs() < 1e-15,
            "{:?}",
            lr.expected
        );
        assert!(
            (lr.expected[1] - 5.0 / 6.0).abs() < 1e-15,
            "{:?}",
            lr.expected
        );
        let v = 17.0 / 36.0;
        // V is k × k (2 × 2 here): each row has k entries.
        assert_eq!(lr.variance.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2]);
        for (g, h, want) in [(0, 0, v), (0, 1, -v), (1, 0, -v), (1, 1, v)] {
            assert!(
                (lr.variance[g][h] - want).abs() < 1e-15,
                "{:?}",
                lr.variance
            );
        }
        assert!((lr.chisq - 1.0 / 17.0).abs() < 1e-15, "{}", lr.chisq);
        assert_eq!(lr.df, 1);
        assert!((lr.p - 0.808_365_155_914_510_3).abs() < 1e-13, "{}", lr.p);
    }

    /// A group with no expected events (C: one subject censored at 0.5,
    /// before the first event) is dropped before the χ² (R `survdiff`:
    /// groups with E > 0 only; module rule): the test is the two-group
    /// hand case above, χ² = 1/17 on 1 df; C alone beside A is too few.
    #[test]
    fn a_group_without_expected_events_is_dropped() {
        let a = counts(&[1., 3.], &[1, 1]);
        let b = counts(&[2.], &[1]);
        let c = counts(&[0.5], &[0]);
        let lr = logrank(&[a.clone(), b, c.clone()]).unwrap();
        assert_eq!(lr.observed, vec![2, 1, 0]);
        assert_eq!(lr.expected[2], 0.0);
        assert_eq!(lr.df, 1);
        assert!((lr.chisq - 1.0 / 17.0).abs() < 1e-15, "{}", lr.chisq);
        assert!(matches!(
            logrank(&[a, c]),
            Err(LogRankError::TooFewGroups(1))
        ));
    }

    /// Strata must all have one entry per group.
    #[test]
    fn strata_of_different_widths_are_refused() {
        let a = counts(&[1., 3.], &[1, 1]);
        let b = counts(&[2.], &[1]);
        let strata = vec![vec![Some(a.clone()), Some(b)], vec![Some(a)]];
        assert!(matches!(
            logrank_stratified(&strata),
            Err(LogRankError::Shape)
        ));
    }

    #[test]
    fn one_group_is_an_error() {
        let a = counts(&[1., 3.], &[1, 1]);
        assert!(matches!(logrank(&[a]), Err(LogRankError::TooFewGroups(1))));
    }
}
