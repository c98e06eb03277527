//! When is a threshold first reached? (patient release, stem-cell return;
//! docs/reference/dosimetry.md §6.5 and §8.3).
//!
//! Method: the quantity q(t) (dose rate at 1 m, or retained activity) is
//! evaluated on a grid from 0 to the horizon with step ≤ [`SCAN_STEP`]; the
//! first grid interval where q falls to the threshold brackets the crossing,
//! which bisection then locates to [`TIME_TOLERANCE`]. For the non-increasing
//! curves of the [`RetentionCurve`] contract this is exact to the tolerance;
//! for a curve that is not monotone the result is the first crossing visible
//! on the grid. If q(0) is already at or below the threshold the answer is 0.

use crate::{RadProtError, RetentionCurve, check_positive, eval};
use mibg_units::{Activity, DoseRate, Hours};

/// Largest step of the bracketing scan: 0.5 h.
pub const SCAN_STEP: Hours = Hours::new(0.5);
/// Width of the final bracket: 1e-6 h (3.6 ms).
pub const TIME_TOLERANCE: Hours = Hours::new(1e-6);
/// Most grid points scanned; longer horizons use a coarser step.
const MAX_STEPS: usize = 200_000;

/// First time t ≥ 0 at which the dose rate at 1 m, Ḋ₁ₘ(0)·R(t), is ≤
/// `threshold`.
///
/// # Errors
/// [`RadProtError::InvalidInput`] for a threshold or horizon that is not
/// finite and > 0 or an initial dose rate not finite and ≥ 0;
/// [`RadProtError::InvalidRetention`] for a bad curve value;
/// [`RadProtError::ThresholdNotReached`] if the dose rate is still above the
/// threshold at `horizon`.
pub fn time_to_dose_rate(
    curve: &dyn RetentionCurve,
    initial_at_1m: DoseRate,
    threshold: DoseRate,
    horizon: Hours,
) -> Result<Hours, RadProtError> {
    crate::check_non_negative(
        "initial dose rate at 1 m (µSv/h)",
        initial_at_1m.usv_per_h(),
    )?;
    check_positive("threshold dose rate (µSv/h)", threshold.usv_per_h())?;
    let q = |t: Hours| eval(curve, t).map(|r| initial_at_1m.usv_per_h() * r);
    first_at_or_below(q, threshold.usv_per_h(), horizon).map_err(|e| match e {
        Found::Err(e) => e,
        Found::NotReached(last) => RadProtError::ThresholdNotReached {
            what: "dose rate at 1 m",
            threshold: format!("{threshold}"),
            horizon_h: horizon.hours(),
            at_horizon: format!("{}", DoseRate::from_usv_per_h(last)),
        },
    })
}

/// First time t ≥ 0 at which the retained activity A₀·R(t) is ≤ `limit`
/// (e.g. a release rule on retained activity, NRC 1.22 GBq, docs/reference/dosimetry.md §8.3).
///
/// # Errors
/// As [`time_to_dose_rate`], with the administered activity and the limit
/// required to be finite and > 0.
pub fn time_to_retained_activity(
    curve: &dyn RetentionCurve,
    administered: Activity,
    limit: Activity,
    horizon: Hours,
) -> Result<Hours, RadProtError> {
    check_positive("administered activity (MBq)", administered.mbq())?;
    check_positive("retained-activity limit (MBq)", limit.mbq())?;
    let q = |t: Hours| eval(curve, t).map(|r| administered.mbq() * r);
    first_at_or_below(q, limit.mbq(), horizon).map_err(|e| match e {
        Found::Err(e) => e,
        Found::NotReached(last) => RadProtError::ThresholdNotReached {
            what: "retained activity",
            threshold: format!("{limit}"),
            horizon_h: horizon.hours(),
            at_horizon: format!("{}", Activity::from_mbq(last)),
        },
    })
}

enum Found {
    Err(RadProtError),
    NotReached(f64),
}

impl From<RadProtError> for Found {
    fn from(e: RadProtError) -> Self {
        Found::Err(e)
    }
}

fn first_at_or_below(
    q: impl Fn(Hours) -> Result<f64, RadProtError>,
    level: f64,
    horizon: Hours,
) -> Result<Hours, Found> {
    let h = check_positive("horizon (h)", horizon.hours())?;
    if q(Hours::new(0.0))? <= level {
        return Ok(Hours::new(0.0));
    }
    let n = ((h / SCAN_STEP.hours()).ceil() as usize).clamp(1, MAX_STEPS);
    let step = h / n as f64;
    let mut lo = 0.0;
    let mut last = f64::NAN;
    for k in 1..=n {
        let t = if k == n { h } else { k as f64 * step };
        let v = q(Hours::new(t))?;
        if v <= level {
            // Bisection on [lo, t]: q(lo) > level ≥ q(t).
            let mut a = lo;
            let mut b = t;
            while b - a > TIME_TOLERANCE.hours() {
                let m = 0.5 * (a + b);
                if q(Hours::new(m))? <= level {
                    b = m;
                } else {
                    a = m;
                }
            }
            return Ok(Hours::new(b));
        }
        lo = t;
        last = v;
    }
    Err(Found::NotReached(last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExpTerm, ExponentialSum, PhysicalDecay, retention_fn};
    use mibg_units::RateConstant;

    #[test]
    fn physical_decay_100_to_20_is_half_life_times_log2_5() {
        // T½·log2(5) = 192.497 × 2.321928095 = 446.9640 h.
        let t = time_to_dose_rate(
            &PhysicalDecay::i131(),
            DoseRate::from_usv_per_h(100.0),
            DoseRate::from_usv_per_h(20.0),
            Hours::from_days(60.0),
        )
        .unwrap();
        assert!((t.hours() - 192.497 * 5f64.log2()).abs() < 1e-5, "{t}");
        assert!((t.hours() - 446.9640).abs() < 1e-3);
    }

    #[test]
    fn mono_exponential_closed_form() {
        // T_eff = 24 h, 400 → 7.5 µSv/h: t = 24·log2(400/7.5) = 24 × 5.736966 = 137.687 h.
        let c = ExponentialSum::mono(Hours::new(24.0)).unwrap();
        let t = time_to_dose_rate(
            &c,
            DoseRate::from_usv_per_h(400.0),
            DoseRate::from_usv_per_h(7.5),
            Hours::new(1000.0),
        )
        .unwrap();
        assert!((t.hours() - 24.0 * (400.0f64 / 7.5).log2()).abs() < 1e-5);
    }

    #[test]
    fn bi_exponential_crossing_is_consistent() {
        // docs/reference/dosimetry.md §10.3 kinetics, 400 µSv/h at 0; R(t) = 20/400 = 0.05 near t = 120 h
        // (table: R(120) = 0.0496). The returned time must satisfy
        // 400·R(t) = 20 and 400·R(t − 1 ms) > 20.
        let c = ExponentialSum::new(vec![
            ExpTerm {
                fraction: 0.5,
                rate: RateConstant::from_half_life(Hours::new(6.0)),
            },
            ExpTerm {
                fraction: 0.5,
                rate: RateConstant::from_half_life(Hours::new(36.0)),
            },
        ])
        .unwrap();
        let t = time_to_dose_rate(
            &c,
            DoseRate::from_usv_per_h(400.0),
            DoseRate::from_usv_per_h(20.0),
            Hours::new(1000.0),
        )
        .unwrap();
        assert!((400.0 * c.retention(t) - 20.0).abs() < 1e-4, "{t}");
        assert!(t.hours() > 119.0 && t.hours() < 120.0, "{t}");
        // By hand: slow term alone 0.5·2^(−t/36) = 0.05 → t = 36·log2(10) = 119.589 h;
        // the fast term adds 0.5·2^(−19.9) ≈ 5e-7, so t is 119.589 h to 1e-3.
        assert!((t.hours() - 36.0 * 10f64.log2()).abs() < 1e-3, "{t}");
    }

    #[test]
    fn already_below_is_zero_and_never_reached_is_an_error() {
        let c = PhysicalDecay::i131();
        let t = time_to_dose_rate(
            &c,
            DoseRate::from_usv_per_h(5.0),
            DoseRate::from_usv_per_h(20.0),
            Hours::new(10.0),
        )
        .unwrap();
        assert_eq!(t.hours(), 0.0);
        let e = time_to_dose_rate(
            &c,
            DoseRate::from_usv_per_h(100.0),
            DoseRate::from_usv_per_h(20.0),
            Hours::new(100.0),
        )
        .unwrap_err();
        assert!(matches!(e, RadProtError::ThresholdNotReached { .. }));
        assert!(
            e.to_string()
                .starts_with("dose rate at 1 m 20.00 µSv/h is not reached within 100 h"),
            "{e}"
        );
    }

    #[test]
    fn retained_activity_rule() {
        // 8880 MBq physical decay to 1220 MBq: t = T½·log2(8880/1220)
        // = 192.497 × 2.863666 = 551.24 h.
        let t = time_to_retained_activity(
            &PhysicalDecay::i131(),
            Activity::from_mbq(8880.0),
            Activity::from_mbq(1220.0),
            Hours::from_days(60.0),
        )
        .unwrap();
        assert!((t.hours() - 192.497 * (8880.0f64 / 1220.0).log2()).abs() < 1e-5);
    }

    #[test]
    fn bad_curve_and_inputs_are_errors() {
        let bad = retention_fn(|t: Hours| if t.hours() > 5.0 { -1.0 } else { 1.0 });
        let e = time_to_dose_rate(
            &bad,
            DoseRate::from_usv_per_h(100.0),
            DoseRate::from_usv_per_h(20.0),
            Hours::new(100.0),
        )
        .unwrap_err();
        assert!(matches!(e, RadProtError::InvalidRetention { .. }), "{e}");
        assert!(
            time_to_dose_rate(
                &PhysicalDecay::i131(),
                DoseRate::from_usv_per_h(100.0),
                DoseRate::from_usv_per_h(0.0),
                Hours::new(100.0)
            )
            .is_err()
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(32))]

            /// For mono-exponential clearance the time matches the closed form
            /// T·log2(D₀/threshold), and a lower threshold is reached later.
            #[test]
            fn mono_closed_form_and_monotone(t_eff in 5.0f64..192.0, d0 in 50.0f64..1000.0, frac in 0.01f64..0.9) {
                let c = ExponentialSum::mono(Hours::new(t_eff)).unwrap();
                let thr = d0 * frac;
                let t = time_to_dose_rate(&c, DoseRate::from_usv_per_h(d0), DoseRate::from_usv_per_h(thr), Hours::from_days(400.0)).unwrap();
                prop_assert!((t.hours() - t_eff * (1.0 / frac).log2()).abs() < 1e-5);
                let t2 = time_to_dose_rate(&c, DoseRate::from_usv_per_h(d0), DoseRate::from_usv_per_h(thr * 0.5), Hours::from_days(400.0)).unwrap();
                prop_assert!(t2 > t);
            }
        }
    }
}
