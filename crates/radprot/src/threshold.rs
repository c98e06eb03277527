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
use serde::Serialize;

/// How far the release and stem-cell-return searches look: 90 days after
/// the infusion \[I\] (ten I-131 half-lives are 80 days; a threshold not
/// met by then is reported as not reached, not extrapolated).
pub const RELEASE_HORIZON: Hours = Hours::from_days(90.0);

/// A release or stem-cell-return rule (docs/reference/dosimetry.md §8.3, §6.5): a dose
/// rate at 1 m and, optionally, a retained activity. The rule is met as soon
/// as **either** criterion is (NRC RG 8.39: release when the retained
/// activity is below 1.22 GBq *or* the dose rate at 1 m below 70 µSv/h,
/// docs/reference/dosimetry.md §8.3 \[V\]); the same "either" is applied to stem-cell return \[I\].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ReleaseRule {
    /// Dose rate at 1 m at or below which the rule is met.
    #[serde(rename = "dose_rate_usv_h_at_1m")]
    pub dose_rate_at_1m: DoseRate,
    /// Retained activity at or below which the rule is met, if the rule has one.
    #[serde(rename = "max_retained_mbq")]
    pub max_retained: Option<Activity>,
}

/// When a [`ReleaseRule`] is met.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReleaseTime {
    /// The earlier of the two criteria, `None` if neither is met within the horizon.
    #[serde(rename = "time_h")]
    pub time: Option<Hours>,
    /// When the dose-rate criterion is met.
    #[serde(rename = "by_dose_rate_h")]
    pub by_dose_rate: Option<Hours>,
    /// When the retained-activity criterion is met (if the rule has one).
    #[serde(rename = "by_retained_activity_h")]
    pub by_retained_activity: Option<Hours>,
    /// Which criterion decided, or why none did.
    pub note: Option<String>,
}

/// The first time the rule is met: the earlier of [`time_to_dose_rate`] and
/// (when the rule has one) [`time_to_retained_activity`].
///
/// # Errors
/// [`RadProtError::InvalidInput`] and [`RadProtError::InvalidRetention`] as
/// the two searches; a criterion not reached within `horizon` is not an
/// error (the time is `None` and the note says so).
pub fn release_time(
    curve: &dyn RetentionCurve,
    initial_at_1m: DoseRate,
    administered: Activity,
    rule: &ReleaseRule,
    horizon: Hours,
) -> Result<ReleaseTime, RadProtError> {
    let not_reached = |r: Result<Hours, RadProtError>| match r {
        Ok(t) => Ok(Ok(t)),
        Err(e @ RadProtError::ThresholdNotReached { .. }) => Ok(Err(e.to_string())),
        Err(e) => Err(e),
    };
    let by_rate = not_reached(time_to_dose_rate(
        curve,
        initial_at_1m,
        rule.dose_rate_at_1m,
        horizon,
    ))?;
    let by_act = rule
        .max_retained
        .map(|a| not_reached(time_to_retained_activity(curve, administered, a, horizon)))
        .transpose()?;
    let (time, note) = match (&by_rate, &by_act) {
        (Ok(t), None | Some(Err(_))) => (Some(*t), None),
        (Ok(t), Some(Ok(ta))) => (
            Some(t.min(*ta)),
            Some(format!(
                "dose-rate rule at {:.1} h, retained-activity rule at {:.1} h; the earlier applies",
                t.hours(),
                ta.hours()
            )),
        ),
        (Err(e), Some(Ok(ta))) => (Some(*ta), Some(e.clone())),
        (Err(e), _) => (None, Some(e.clone())),
    };
    Ok(ReleaseTime {
        time,
        by_dose_rate: by_rate.ok(),
        by_retained_activity: by_act.and_then(Result::ok),
        note,
    })
}

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

    #[test]
    fn release_rule_takes_the_earlier_criterion() {
        // Physical decay, 100 µSv/h at t = 0 after 8880 MBq (hand):
        // ≤ 20 µSv/h at T½·log2(5) = 446.964 h;
        // ≤ 1000 MBq at T½·log2(8.88) = 606.473 h; ≤ 5000 MBq at
        // T½·log2(1.776) = 159.509 h.
        let c = crate::PhysicalDecay::i131();
        let d0 = DoseRate::from_usv_per_h(100.0);
        let a = Activity::from_mbq(8880.0);
        let rule = |act: Option<f64>| ReleaseRule {
            dose_rate_at_1m: DoseRate::from_usv_per_h(20.0),
            max_retained: act.map(Activity::from_mbq),
        };
        let r = release_time(&c, d0, a, &rule(None), RELEASE_HORIZON).unwrap();
        assert!((r.time.unwrap().hours() - 446.964).abs() < 1e-3);
        assert_eq!(r.by_retained_activity, None);
        assert_eq!(r.note, None);
        let r = release_time(&c, d0, a, &rule(Some(1000.0)), RELEASE_HORIZON).unwrap();
        assert!((r.time.unwrap().hours() - 446.964).abs() < 1e-3);
        assert!((r.by_retained_activity.unwrap().hours() - 606.473).abs() < 1e-3);
        assert!(r.note.unwrap().contains("the earlier applies"));
        let r = release_time(&c, d0, a, &rule(Some(5000.0)), RELEASE_HORIZON).unwrap();
        assert!((r.time.unwrap().hours() - 159.509).abs() < 1e-3);
        // Within 200 h only the activity criterion is met.
        let r = release_time(&c, d0, a, &rule(Some(5000.0)), Hours::new(200.0)).unwrap();
        assert!((r.time.unwrap().hours() - 159.509).abs() < 1e-3);
        assert_eq!(r.by_dose_rate, None);
        assert!(r.note.unwrap().contains("not reached"));
        // Neither within 100 h.
        let r = release_time(&c, d0, a, &rule(Some(5000.0)), Hours::new(100.0)).unwrap();
        assert_eq!(r.time, None);
        assert!(r.note.unwrap().contains("not reached within 100 h"));
        // Bad input is an error, not "not reached".
        assert!(
            release_time(
                &c,
                DoseRate::from_usv_per_h(-1.0),
                a,
                &rule(None),
                RELEASE_HORIZON
            )
            .is_err()
        );
        assert!(release_time(&c, d0, Activity::ZERO, &rule(Some(1.0)), RELEASE_HORIZON).is_err());
        assert_eq!(RELEASE_HORIZON.hours(), 2160.0);
    }
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
