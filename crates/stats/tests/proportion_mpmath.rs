//! Clopper–Pearson and Jeffreys limits against mpmath at 60 digits, for n
//! from 1 to 10¹² and x at 0, 1, 2, n/3, n/2, n − 2, n − 1 and n
//! (`tests/data/stats/proportion-mpmath`, produced by
//! `scripts/reference/proportion_mpmath.py`; see its PROVENANCE.md).
//!
//! Tolerance: |got − want| ≤ 1e-12 · min(want, 1 − want) + ε, with ε =
//! 2.2e-16 the spacing of doubles just below 1: 1e-12 relative to the limit
//! and to its complement 1 − limit (an upper limit near 1 is checked from
//! the other side as far as a double near 1 can express it). The bounded
//! quantile reaches a few 1e-15; 1e-12 leaves room for the float rounding
//! of α/2 (the reference uses the exact decimal level).

use mibg_stats::conf::ConfLevel;
use mibg_stats::proportion::{Method, confint};

const REL_TOL: f64 = 1e-12;

fn close(got: f64, want: f64) -> bool {
    if want == 0.0 || want == 1.0 {
        return got == want;
    }
    (got - want).abs() <= REL_TOL * want.min(1.0 - want) + f64::EPSILON
}

/// Relative error, for the report (limits below ½).
fn rel_err(got: f64, want: f64) -> f64 {
    if want < 0.5 {
        ((got - want) / want).abs()
    } else {
        0.0
    }
}

/// The spacing of doubles at `v` (0 < v < 1).
fn ulp(v: f64) -> f64 {
    f64::from_bits(v.to_bits() + 1) - v
}

#[test]
fn limits_match_mpmath() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/stats/proportion-mpmath/expected.csv"
    );
    let text = std::fs::read_to_string(path).expect("reference file");
    let mut checked = 0;
    let mut worst = 0.0_f64;
    let mut ulps = 0.0_f64;
    for line in text.lines().skip_while(|l| l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let method: Method = f[0].parse().unwrap();
        let x: u64 = f[1].parse().unwrap();
        let n: u64 = f[2].parse().unwrap();
        let level = ConfLevel::new(f[3].parse().unwrap()).unwrap();
        let lower: f64 = f[4].parse().unwrap();
        let upper: f64 = f[5].parse().unwrap();
        let ci = confint(x, n, method, level).unwrap();
        assert!(
            close(ci.lower, lower) && close(ci.upper, upper),
            "{method} {x}/{n} at {}: got ({:e}, {:e}), mpmath ({lower:e}, {upper:e})",
            f[3],
            ci.lower,
            ci.upper
        );
        for (g, w) in [(ci.lower, lower), (ci.upper, upper)] {
            if w != 0.0 && w != 1.0 {
                worst = worst.max(rel_err(g, w));
                ulps = ulps.max((g - w).abs() / ulp(w));
            }
        }
        checked += 1;
    }
    assert!(checked >= 200, "only {checked} reference intervals");
    eprintln!(
        "{checked} intervals; worst relative error of limits below 1/2: {worst:e}; worst distance from the double nearest mpmath: {ulps} ulp"
    );
}

/// The two inputs of issue 9 that never returned with statrs.
#[test]
fn huge_n_returns() {
    for (x, n) in [
        (0, 8_000_000),
        (1, 100_000_000),
        (500_000_000_000, 1_000_000_000_000),
    ] {
        for m in [Method::ClopperPearson, Method::Jeffreys] {
            let ci = confint(x, n, m, ConfLevel::NINETY_FIVE).unwrap();
            assert!(
                ci.lower <= ci.estimate && ci.estimate <= ci.upper,
                "{m} {x}/{n}"
            );
        }
    }
    // 0/n upper = 1 − 0.025^(1/n) (closed form, hand): 4.6111e-7 for 8·10⁶.
    let ci = confint(0, 8_000_000, Method::ClopperPearson, ConfLevel::NINETY_FIVE).unwrap();
    let want = -(0.025f64.ln() / 8e6).exp_m1();
    assert!(((ci.upper - want) / want).abs() < 1e-13, "{}", ci.upper);
}
