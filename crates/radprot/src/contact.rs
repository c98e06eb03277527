//! Dose to a caregiver or member of the public from a contact pattern
//! (docs/reference/dosimetry.md §8.2–8.4).
//!
//! Formula (NCRP 37 occupancy approach, in SI, generalised to any curve):
//!
//! ```text
//! D = Ḋ₁ₘ(0) · E · (1 m / d)^n · ∫_{t_start}^{t_end} R(t) dt
//!     E = hours per day / 24 (occupancy factor), n = 2 or 1.5 (DistanceLaw)
//! ```
//!
//! For exponential clearance from t = 0 to ∞ this is the NRC/NCRP form
//! D(∞) = Ḋ₀ · E · T_eff / ln 2 (= 34.6 · Ḋ₀ · T_eff\[d\] · E with
//! 34.6 = 24 h/d × 1.443, docs/reference/dosimetry.md §8.2 \[V\]). The integral is computed numerically
//! (adaptive Simpson, day by day) so that any fitted curve can be used. For
//! an open-ended contact, or one lasting longer than [`INDEFINITE_HORIZON`],
//! the integral runs to the horizon t_h after the start and the remainder
//! up to the end of contact is bounded above by
//! R(t_h)·T½,phys/ln 2·(1 − 2^(−(t_end − t_h)/T½,phys)) (clearance is never
//! slower than physical decay, docs/reference/dosimetry.md §4.2), so the estimate never underestimates
//! for a valid curve.
//!
//! The occupancy model spreads the daily hours uniformly over the day; it
//! does not model when in the day contact happens (glowgreen's hourly
//! patterns do; the difference is small when the effective half-life is
//! long compared with a day).

use crate::integrate::integrate;
use crate::rate::DistanceLaw;
use crate::{
    I131_HALF_LIFE, RadProtError, RetentionCurve, check_non_negative, check_positive, eval,
};
use mibg_units::{DoseRate, EquivalentDose, Hours, Length};
use serde::Serialize;

/// Integration horizon of an open-ended contact: 90 days (11.2 I-131
/// half-lives) after the start of contact.
pub const INDEFINITE_HORIZON: Hours = Hours::from_days(90.0);

/// Share of a caregiver-dose estimate above which its physical-decay tail
/// bound is named as a caveat: **5 %** \[I\] (a design choice: below it the
/// bound barely changes the estimate; above it the reader is told that the
/// estimate is conservative by construction, module docs).
pub const TAIL_SHARE_CAVEAT: f64 = 0.05;

/// The caveat of an estimate whose physical-decay tail bound (beyond
/// [`INDEFINITE_HORIZON`]) is **more than** [`TAIL_SHARE_CAVEAT`] of the
/// whole dose; `None` at exactly 5 % or below, and for a zero dose.
pub fn tail_share_caveat(tail_bound: EquivalentDose, dose: EquivalentDose) -> Option<String> {
    // A zero dose has no tail: 0/0 is NaN, and NaN > 5 % is false.
    let share = tail_bound / dose;
    (share > TAIL_SHARE_CAVEAT).then(|| {
        format!(
            "{:.0} % of the estimate is the physical-decay bound beyond {} days: the estimate is conservative",
            100.0 * share,
            INDEFINITE_HORIZON.days()
        )
    })
}

/// Who the constraint protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConstraintKind {
    /// Adult carer or comforter, per treatment episode.
    Caregiver,
    /// Member of the public, infant, child, pregnant woman, per year.
    Public,
}

/// A dose constraint with its source.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DoseConstraint {
    /// Who it protects.
    pub kind: ConstraintKind,
    /// The limit.
    #[serde(rename = "limit_msv")]
    pub limit: EquivalentDose,
    /// Where the value comes from.
    pub source: String,
}

impl DoseConstraint {
    /// 5 mSv per episode for an adult carer or comforter (ICRP; NRC 10 CFR
    /// 35.75 "any other individual"; docs/reference/dosimetry.md §8.3–8.4 \[R\]/\[V\]). The
    /// default constraint.
    pub fn caregiver() -> Self {
        DoseConstraint {
            kind: ConstraintKind::Caregiver,
            limit: EquivalentDose::from_msv(5.0),
            source: "5 mSv per episode, adult carer/comforter (ICRP; 10 CFR 35.75; docs/reference/dosimetry.md §8.3-8.4)".into(),
        }
    }

    /// 1 mSv per year for members of the public, infants, children and
    /// pregnant women (docs/reference/dosimetry.md §8.4 \[R\]).
    pub fn public() -> Self {
        DoseConstraint {
            kind: ConstraintKind::Public,
            limit: EquivalentDose::from_msv(1.0),
            source: "1 mSv per year, members of the public (docs/reference/dosimetry.md §8.4)"
                .into(),
        }
    }

    /// A constraint of `kind` with a protocol-supplied `limit` (e.g. from
    /// `radiation_protection.caregiver_constraint_msv`) and its source.
    pub fn with_limit(
        kind: ConstraintKind,
        limit: EquivalentDose,
        source: impl Into<String>,
    ) -> Self {
        DoseConstraint {
            kind,
            limit,
            source: source.into(),
        }
    }
}

/// When contact ends.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "hours")]
#[non_exhaustive]
pub enum ContactEnd {
    /// After this long from the start of contact (e.g. 7 days).
    For(Hours),
    /// At this time after the end of infusion (e.g. a date converted to
    /// hours by the caller).
    Until(Hours),
    /// Never: until the activity has decayed ([`INDEFINITE_HORIZON`] plus a
    /// physical-decay tail bound).
    Indefinite,
}

/// A contact pattern: someone spends `hours_per_day` at `distance` from the
/// patient, from `start` (h after the end of infusion, e.g. discharge) until
/// `end`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ContactPattern {
    /// Distance from the patient.
    #[serde(rename = "distance_cm")]
    pub distance: Length,
    /// Hours per day at that distance, in (0, 24].
    #[serde(rename = "hours_per_day_h")]
    pub hours_per_day: Hours,
    /// Start of contact, h after the end of infusion (≥ 0).
    #[serde(rename = "start_h")]
    pub start: Hours,
    /// End of contact.
    pub end: ContactEnd,
    /// Distance scaling.
    pub law: DistanceLaw,
}

/// A caregiver-dose estimate compared with its constraint.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaregiverEstimate {
    /// Estimated dose over the contact period.
    #[serde(rename = "dose_msv")]
    pub dose: EquivalentDose,
    /// Part of `dose` from the physical-decay tail bound (contact lasting
    /// beyond [`INDEFINITE_HORIZON`] after its start; otherwise 0).
    #[serde(rename = "tail_bound_msv")]
    pub tail_bound: EquivalentDose,
    /// The constraint compared with.
    pub constraint: DoseConstraint,
    /// dose / limit.
    pub fraction_of_constraint: f64,
    /// `true` when dose > limit.
    pub exceeds: bool,
    /// Occupancy factor E = hours per day / 24.
    pub occupancy: f64,
    /// Distance factor (1 m / d)^n.
    pub distance_factor: f64,
    /// The pattern used.
    pub pattern: ContactPattern,
    /// End of the integration (h after end of infusion); `None` for an
    /// open-ended contact (integrated to the horizon plus a tail bound).
    #[serde(rename = "end_h")]
    pub end: Option<Hours>,
    /// Caveats (near-field geometry, large tail share).
    pub warnings: Vec<String>,
}

/// Estimates the dose to a person with contact `pattern` and compares it with
/// `constraint`. See the module documentation for the formula.
///
/// # Errors
/// [`RadProtError::InvalidInput`] for a distance below 1 cm, hours per day
/// outside (0, 24], a negative start, an end before the start, or an initial
/// dose rate not ≥ 0; [`RadProtError::InvalidRetention`] for a bad curve
/// value.
pub fn caregiver_dose(
    curve: &dyn RetentionCurve,
    initial_at_1m: DoseRate,
    pattern: &ContactPattern,
    constraint: &DoseConstraint,
) -> Result<CaregiverEstimate, RadProtError> {
    let d0 = check_non_negative(
        "initial dose rate at 1 m (µSv/h)",
        initial_at_1m.usv_per_h(),
    )?;
    let hpd = check_positive("hours per day", pattern.hours_per_day.hours())?;
    if hpd > 24.0 {
        return Err(RadProtError::InvalidInput {
            what: "hours per day",
            value: hpd,
            rule: "must be <= 24",
        });
    }
    let start = check_non_negative(
        "contact start (h after end of infusion)",
        pattern.start.hours(),
    )?;
    check_positive("constraint (mSv)", constraint.limit.msv())?;
    let factor = pattern.law.factor(pattern.distance)?;
    let occupancy = hpd / 24.0;

    let end = match pattern.end {
        ContactEnd::For(d) => Some(start + check_non_negative("contact duration (h)", d.hours())?),
        ContactEnd::Until(t) => {
            let t = check_non_negative("contact end (h after end of infusion)", t.hours())?;
            if t < start {
                return Err(RadProtError::InvalidInput {
                    what: "contact end (h after end of infusion)",
                    value: t,
                    rule: "must not be before the start of contact",
                });
            }
            Some(t)
        }
        ContactEnd::Indefinite => None,
    };
    // Integrate numerically up to the horizon at most (a longer contact would
    // mean millions of day-long pieces); bound the rest by physical decay.
    let horizon = start + INDEFINITE_HORIZON.hours();
    let upper = end.map_or(horizon, |e| e.min(horizon));
    let f = |t: f64| eval(curve, Hours::new(t));
    // Tolerance: 1e-9 of the integral scale (R ≤ 1 over ≤ horizon hours).
    let area = integrate(&f, start, upper, 24.0, 1e-9)?;
    // ∫ R from `upper` to the end ≤ R(upper)·T½/ln 2·(1 − 2^(−(end − upper)/T½))
    // (clearance is never slower than physical decay, docs/reference/dosimetry.md §4.2; end = ∞ gives 1).
    let tail = match end {
        Some(e) if e <= horizon => 0.0,
        _ => {
            let t_half = I131_HALF_LIFE.hours();
            let rest = end.map_or(f64::INFINITY, |e| e - upper);
            f(upper)? * t_half / std::f64::consts::LN_2 * (1.0 - (-rest / t_half).exp2())
        }
    };
    let scale = d0 * occupancy * factor; // µSv/h
    let dose = EquivalentDose::from_usv(scale * (area + tail));
    let tail_bound = EquivalentDose::from_usv(scale * tail);

    let mut warnings = Vec::new();
    let d_m = pattern.distance.m();
    if d_m < 0.3 {
        warnings.push(format!(
            "distance {d_m} m is below 0.3 m: neither point-source nor 1.5-power scaling is reliable this close to the patient"
        ));
    } else if d_m < 1.0 && pattern.law == DistanceLaw::InverseSquare {
        warnings.push(format!(
            "distance {d_m} m < 1 m with inverse-square scaling: a point-source model overestimates the dose near an extended patient (conservative; docs/reference/dosimetry.md §8.1)"
        ));
    }
    warnings.extend(tail_share_caveat(tail_bound, dose));
    let fraction = dose / constraint.limit;
    Ok(CaregiverEstimate {
        dose,
        tail_bound,
        constraint: constraint.clone(),
        fraction_of_constraint: fraction,
        exceeds: dose > constraint.limit,
        occupancy,
        distance_factor: factor,
        pattern: *pattern,
        end: end.map(Hours::new),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExpTerm, ExponentialSum, PhysicalDecay, retention_fn};
    use mibg_units::RateConstant;

    fn pattern(d_m: f64, hpd: f64, start: f64, end: ContactEnd) -> ContactPattern {
        ContactPattern {
            distance: Length::from_m(d_m),
            hours_per_day: Hours::new(hpd),
            start: Hours::new(start),
            end,
            law: DistanceLaw::InverseSquare,
        }
    }

    fn bi() -> ExponentialSum {
        ExponentialSum::new(vec![
            ExpTerm {
                fraction: 0.5,
                rate: RateConstant::from_half_life(Hours::new(6.0)),
            },
            ExpTerm {
                fraction: 0.5,
                rate: RateConstant::from_half_life(Hours::new(36.0)),
            },
        ])
        .unwrap()
    }

    #[test]
    fn physical_decay_to_infinity_closed_form() {
        // 100 µSv/h at 1 m, 6 h/day (E = 0.25), 1 m, from 0 to ∞:
        // 100 × 0.25 × 192.497 / ln 2 = 6942.83 µSv = 6.9428 mSv > 5 mSv.
        let e = caregiver_dose(
            &PhysicalDecay::i131(),
            DoseRate::from_usv_per_h(100.0),
            &pattern(1.0, 6.0, 0.0, ContactEnd::Indefinite),
            &DoseConstraint::caregiver(),
        )
        .unwrap();
        let want = 100.0 * 0.25 * 192.497 / std::f64::consts::LN_2 / 1000.0;
        assert!(
            (e.dose.msv() - want).abs() < 1e-6 * want,
            "{} vs {want}",
            e.dose.msv()
        );
        assert!((e.dose.msv() - 6.9428).abs() < 1e-3);
        assert!(e.exceeds);
        assert!((e.fraction_of_constraint - want / 5.0).abs() < 1e-9);
        // 90 d = 11.2 half-lives: the tail is 2^(−11.22) = 0.042 % of the dose.
        assert!(e.tail_bound / e.dose < 0.001);
    }

    #[test]
    fn nrc_worked_case() {
        // McGuire slides / NCRP 37 (docs/reference/dosimetry.md §8.2 [V]): 34.6 × 0.22 × 33 mCi
        // × 8 d × ¼ ≈ 500 mrem. Same inputs here: Ḋ₀ = 0.22 × 33 = 7.26 (mrem/h
        // read as µSv/h-scale units), T½ = 8 d = 192 h, E = ¼, to ∞:
        // 7.26 × 0.25 × 192 / ln 2 = 502.75 (NRC's 34.6 rounds 24/ln 2 = 34.62).
        let c = PhysicalDecay {
            half_life: Hours::from_days(8.0),
        };
        let e = caregiver_dose(
            &c,
            DoseRate::from_usv_per_h(7.26),
            &pattern(1.0, 6.0, 0.0, ContactEnd::Indefinite),
            &DoseConstraint::caregiver(),
        )
        .unwrap();
        let nrc = 34.6 * 0.22 * 33.0 * 8.0 * 0.25;
        assert!(
            (e.dose.usv() - nrc).abs() / nrc < 0.002,
            "{} vs {nrc}",
            e.dose.usv()
        );
    }

    #[test]
    fn bi_exponential_window_matches_closed_form() {
        // docs/reference/dosimetry.md §10.3 kinetics, 400 µSv/h at 0; contact 8 h/day at 2 m from day 2
        // (48 h) for 7 days. Closed form: 400 × (8/24) × 0.25 × ∫48^216 R dt.
        let c = bi();
        let e = caregiver_dose(
            &c,
            DoseRate::from_usv_per_h(400.0),
            &pattern(2.0, 8.0, 48.0, ContactEnd::For(Hours::from_days(7.0))),
            &DoseConstraint::public(),
        )
        .unwrap();
        let want = 400.0 / 3.0 * 0.25 * c.integral(Hours::new(48.0), Hours::new(216.0)).hours();
        assert!(
            (e.dose.usv() - want).abs() < 1e-7 * want,
            "{} vs {want}",
            e.dose.usv()
        );
        assert_eq!(e.end, Some(Hours::new(216.0)));
        // Until(216 h) is the same window.
        let u = caregiver_dose(
            &c,
            DoseRate::from_usv_per_h(400.0),
            &pattern(2.0, 8.0, 48.0, ContactEnd::Until(Hours::new(216.0))),
            &DoseConstraint::public(),
        )
        .unwrap();
        assert!((u.dose.usv() - e.dose.usv()).abs() < 1e-9);
        // Whole curve, 24 h/day at 1 m: 400 × τ = 400 × 30.2966 = 12118.6 µSv.
        let all = caregiver_dose(
            &c,
            DoseRate::from_usv_per_h(400.0),
            &pattern(1.0, 24.0, 0.0, ContactEnd::Indefinite),
            &DoseConstraint::caregiver(),
        )
        .unwrap();
        assert!((all.dose.usv() - 12118.6).abs() < 0.1, "{}", all.dose.usv());
    }

    #[test]
    fn very_long_contact_is_bounded_not_a_hang() {
        // Review: For(1e12 h) split the integral into 4e10 day-long pieces
        // (a hang). Beyond INDEFINITE_HORIZON the rest is bounded by physical
        // decay, which is exact for a physical-decay curve:
        // 100 µSv/h × 0.25 × T/ln2 × (1 − 2^(−t/T)), T = 192.497 h (hand).
        let c = PhysicalDecay::i131();
        let d0 = DoseRate::from_usv_per_h(100.0);
        let t_half = 192.497;
        for days in [200.0, 1e6, 1e12] {
            let e = caregiver_dose(
                &c,
                d0,
                &pattern(1.0, 6.0, 0.0, ContactEnd::For(Hours::from_days(days))),
                &DoseConstraint::caregiver(),
            )
            .unwrap();
            let t = days * 24.0;
            let want =
                100.0 * 0.25 * t_half / std::f64::consts::LN_2 * (1.0 - (-t / t_half).exp2());
            assert!(
                (e.dose.usv() - want).abs() < 1e-6 * want,
                "{days} d: {} vs {want}",
                e.dose.usv()
            );
            assert!(e.tail_bound.usv() > 0.0, "{days} d");
        }
        // Until() takes the same path.
        let e = caregiver_dose(
            &c,
            d0,
            &pattern(1.0, 6.0, 0.0, ContactEnd::Until(Hours::new(1e15))),
            &DoseConstraint::caregiver(),
        )
        .unwrap();
        assert!((e.dose.msv() - 6.9428).abs() < 1e-3);
    }

    #[test]
    fn near_field_and_input_errors() {
        let c = PhysicalDecay::i131();
        let d0 = DoseRate::from_usv_per_h(10.0);
        let e = caregiver_dose(
            &c,
            d0,
            &pattern(0.5, 2.0, 0.0, ContactEnd::For(Hours::new(24.0))),
            &DoseConstraint::caregiver(),
        )
        .unwrap();
        assert!(
            e.warnings.iter().any(|w| w.contains("overestimates")),
            "{:?}",
            e.warnings
        );
        assert_eq!(e.distance_factor, 4.0);
        assert!(
            caregiver_dose(
                &c,
                d0,
                &pattern(1.0, 25.0, 0.0, ContactEnd::Indefinite),
                &DoseConstraint::caregiver()
            )
            .is_err()
        );
        assert!(
            caregiver_dose(
                &c,
                d0,
                &pattern(1.0, 2.0, 10.0, ContactEnd::Until(Hours::new(5.0))),
                &DoseConstraint::caregiver()
            )
            .is_err()
        );
        let bad = retention_fn(|_| f64::INFINITY);
        assert!(matches!(
            caregiver_dose(
                &bad,
                d0,
                &pattern(1.0, 2.0, 0.0, ContactEnd::Indefinite),
                &DoseConstraint::caregiver()
            ),
            Err(RadProtError::InvalidRetention { .. })
        ));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(32))]

            /// Dose is linear in the initial dose rate and in hours per day,
            /// and falls with distance.
            #[test]
            fn linear_in_rate_and_occupancy(d0 in 1.0f64..1000.0, hpd in 0.5f64..12.0, start in 0.0f64..200.0, t6 in 2.0f64..40.0) {
                let c = ExponentialSum::new(vec![
                    ExpTerm { fraction: 0.4, rate: RateConstant::from_half_life(Hours::new(t6)) },
                    ExpTerm { fraction: 0.6, rate: RateConstant::from_half_life(Hours::new(60.0)) },
                ]).unwrap();
                let k = DoseConstraint::caregiver();
                let one = caregiver_dose(&c, DoseRate::from_usv_per_h(d0), &pattern(1.0, hpd, start, ContactEnd::For(Hours::new(240.0))), &k).unwrap();
                let two = caregiver_dose(&c, DoseRate::from_usv_per_h(2.0 * d0), &pattern(1.0, 2.0 * hpd, start, ContactEnd::For(Hours::new(240.0))), &k).unwrap();
                prop_assert!((two.dose.msv() - 4.0 * one.dose.msv()).abs() <= 1e-9 * two.dose.msv().max(1e-12));
                let far = caregiver_dose(&c, DoseRate::from_usv_per_h(d0), &pattern(2.0, hpd, start, ContactEnd::For(Hours::new(240.0))), &k).unwrap();
                prop_assert!((far.dose.msv() - one.dose.msv() / 4.0).abs() <= 1e-9 * one.dose.msv());
                // Closed form of the same window.
                let want = d0 * hpd / 24.0 * c.integral(Hours::new(start), Hours::new(start + 240.0)).hours() / 1000.0;
                prop_assert!((one.dose.msv() - want).abs() <= 1e-7 * want);
            }
        }
    }
}
