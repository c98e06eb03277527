//! Landmarks and the options a Kaplan–Meier fit reports
//! (docs/reference/statistics.md §2.4: S(t*) is S at the last time ≤ t*,
//! the number at risk at t* counts every subject with time ≥ t*, as R
//! `summary(fit, times =)`).
//! Five subjects with events at 1, 2, 3, 4 and 5: by hand S(t) = (5 − k)/5
//! after the k-th event.

use mibg_stats::conf::ConfLevel;
use mibg_stats::km::{ConfType, KaplanMeier, KmOptions};
use mibg_stats::time::SurvTime;

fn fit(options: KmOptions) -> KaplanMeier {
    let time: Vec<SurvTime> = [1.0, 2.0, 3.0, 4.0, 5.0]
        .iter()
        .map(|&t| SurvTime::new(t).unwrap())
        .collect();
    KaplanMeier::fit(&time, &[true; 5], options).unwrap()
}

#[test]
fn the_number_at_risk_at_a_landmark_counts_times_at_or_after_it() {
    let km = fit(KmOptions::default());
    // Between events: t* = 2.5, S = 3/5, at risk: 3, 4, 5 → 3; Peto SE
    // S·√((1 − S)/n) = 0.6·√(0.4/3) = 0.219 089 023.
    let l = km.landmark(SurvTime::new(2.5).unwrap());
    // (S is the product 4/5 · 3/4, 0.6 to rounding.)
    assert!((l.surv - 0.6).abs() < 1e-15);
    assert_eq!(l.n_risk, 3);
    assert!((l.std_err_peto.unwrap() - 0.6 * (0.4f64 / 3.0).sqrt()).abs() < 1e-14);
    // At an event time: t* = 2, S(2) = 3/5 (the event at 2 counts), at
    // risk: 2, 3, 4, 5 → 4.
    let l = km.landmark(SurvTime::new(2.0).unwrap());
    assert!((l.surv - 0.6).abs() < 1e-15);
    assert_eq!(l.n_risk, 4);
    // Before the first time: S = 1, all 5 at risk.
    let l = km.landmark(SurvTime::new(0.5).unwrap());
    assert_eq!((l.surv, l.n_risk), (1.0, 5));
    // Beyond the last: S = 0, nobody at risk, flagged.
    let l = km.landmark(SurvTime::new(6.0).unwrap());
    assert!(l.surv.abs() < 1e-15);
    assert_eq!((l.n_risk, l.beyond_last_time), (0, true));
}

#[test]
fn a_fit_reports_the_options_it_used() {
    let options = KmOptions {
        conf_type: ConfType::Log,
        conf_level: ConfLevel::new(0.9).unwrap(),
    };
    let km = fit(options);
    assert_eq!(km.options().conf_type, ConfType::Log);
    assert_eq!(km.options().conf_level.value(), 0.9);
    let km = fit(KmOptions {
        conf_type: ConfType::Arcsin,
        conf_level: ConfLevel::new(0.99).unwrap(),
    });
    assert_eq!(km.options().conf_type, ConfType::Arcsin);
    assert_eq!(km.options().conf_level.value(), 0.99);
}

/// A quantile probability must lie strictly between 0 and 1: both ends,
/// and values beyond them, are refused (the median is p = 0.5).
#[test]
fn quantile_probabilities_are_strictly_inside_0_and_1() {
    use mibg_stats::km::KmError;
    let km = fit(KmOptions::default());
    for p in [0.0, 1.0, -0.25, 1.5, f64::NAN] {
        match km.quantile(p) {
            Err(KmError::InvalidProbability(q)) => {
                assert!(q == p || (q.is_nan() && p.is_nan()))
            }
            other => panic!("{p}: {other:?}"),
        }
    }
    assert!(km.quantile(0.5).is_ok());
}
