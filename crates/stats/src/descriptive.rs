//! Descriptive summary of a numeric column (docs/reference/statistics.md §6): n, missing,
//! mean, median, quartiles (R type 7), range.

use serde::Serialize;

/// Summary of the non-missing values of a column.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Number of non-missing values.
    pub n: usize,
    /// Number of missing values (`None` entries).
    pub missing: usize,
    /// Arithmetic mean; `None` when n = 0.
    pub mean: Option<f64>,
    /// Median (average of the two middle values for even n); `None` when n = 0.
    pub median: Option<f64>,
    /// First quartile, R type 7; `None` when n = 0.
    pub q1: Option<f64>,
    /// Third quartile, R type 7; `None` when n = 0.
    pub q3: Option<f64>,
    /// Smallest value; `None` when n = 0.
    pub min: Option<f64>,
    /// Largest value; `None` when n = 0.
    pub max: Option<f64>,
}

/// A value that is NaN or infinite.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("value {value} at position {index}: must be finite (use a missing value instead)")]
pub struct NonFinite {
    /// Zero-based position in the input.
    pub index: usize,
    /// The offending value.
    pub value: f64,
}

/// Summarises `values`, where `None` marks a missing value.
///
/// Quantiles use R's type 7 (= numpy/pandas "linear"):
/// Q(p) = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎), h = (n − 1)p + 1, with
/// 1-based order statistics (docs/reference/statistics.md §6; Hyndman & Fan, Am Stat 1996).
///
/// # Errors
/// [`NonFinite`] if a present value is NaN or infinite.
pub fn summarize(values: &[Option<f64>]) -> Result<Summary, NonFinite> {
    let mut xs: Vec<f64> = Vec::with_capacity(values.len());
    for (index, v) in values.iter().enumerate() {
        if let Some(value) = *v {
            if !value.is_finite() {
                return Err(NonFinite { index, value });
            }
            xs.push(value);
        }
    }
    let missing = values.len() - xs.len();
    xs.sort_unstable_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        return Ok(Summary {
            n,
            missing,
            mean: None,
            median: None,
            q1: None,
            q3: None,
            min: None,
            max: None,
        });
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    Ok(Summary {
        n,
        missing,
        mean: Some(mean),
        median: Some(quantile_type7(&xs, 0.5)),
        q1: Some(quantile_type7(&xs, 0.25)),
        q3: Some(quantile_type7(&xs, 0.75)),
        min: Some(xs[0]),
        max: Some(xs[n - 1]),
    })
}

/// R type-7 quantile of sorted, non-empty `xs` at 0 ≤ p ≤ 1.
///
/// # Panics
/// If `xs` is empty.
pub fn quantile_type7(xs: &[f64], p: f64) -> f64 {
    let n = xs.len();
    let h = (n as f64 - 1.0) * p; // 0-based h − 1
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    if lo + 1 >= n {
        xs[n - 1]
    } else {
        xs[lo] + frac * (xs[lo + 1] - xs[lo])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R: x <- c(7, 1, 3, NA, 10); quantile(x, type = 7, na.rm = TRUE)
    /// gives 1, 2.5, 5, 7.75, 10 (hand check: sorted 1 3 7 10, h = 1.75 →
    /// 1 + 0.75·2 = 2.5; h = 3.25 → 7 + 0.25·3 = 7.75); mean 21/4 = 5.25.
    #[test]
    fn matches_r_type7() {
        let s = summarize(&[Some(7.0), Some(1.0), Some(3.0), None, Some(10.0)]).unwrap();
        assert_eq!(s.n, 4);
        assert_eq!(s.missing, 1);
        assert_eq!(s.q1, Some(2.5));
        assert_eq!(s.median, Some(5.0));
        assert_eq!(s.q3, Some(7.75));
        assert_eq!(s.mean, Some(5.25));
        assert_eq!((s.min, s.max), (Some(1.0), Some(10.0)));
    }

    #[test]
    fn odd_n_median_is_middle_value() {
        let s = summarize(&[Some(5.0), Some(1.0), Some(2.0)]).unwrap();
        assert_eq!(s.median, Some(2.0));
        assert_eq!(s.q1, Some(1.5));
    }

    /// One value: by R type 7 (h = (1 − 1)p + 1 = 1 for every p) every
    /// quantile is that value; R: quantile(4, type = 7) gives 4 4 4 4 4.
    /// The mean is 4/1 = 4, min = max = 4.
    #[test]
    fn one_value_is_every_quantile() {
        let s = summarize(&[None, Some(4.0)]).unwrap();
        assert_eq!((s.n, s.missing), (1, 1));
        assert_eq!((s.q1, s.median, s.q3), (Some(4.0), Some(4.0), Some(4.0)));
        assert_eq!((s.mean, s.min, s.max), (Some(4.0), Some(4.0), Some(4.0)));
        // p = 0 and p = 1 are the smallest and largest values (R:
        // quantile(c(1, 3, 7, 10), c(0, 1), type = 7) gives 1 and 10).
        let xs = [1.0, 3.0, 7.0, 10.0];
        assert_eq!(quantile_type7(&xs, 0.0), 1.0);
        assert_eq!(quantile_type7(&xs, 1.0), 10.0);
        assert_eq!(quantile_type7(&[4.0], 1.0), 4.0);
    }

    #[test]
    fn all_missing_and_non_finite() {
        let s = summarize(&[None, None]).unwrap();
        assert_eq!((s.n, s.missing, s.median), (0, 2, None));
        assert!(summarize(&[Some(f64::NAN)]).is_err());
    }
}
