//! Dose rate at 1 m and at a distance (docs/reference/dosimetry.md §8.1).
//!
//! The dose rate at 1 m at time t is Ḋ₁ₘ(t) = Ḋ₁ₘ(0) · R(t), where Ḋ₁ₘ(0) is
//! either **measured** at the end of infusion (the pre-void reading when
//! readings are µSv/h at 1 m), or **estimated** from the administered activity
//! as Ḋ₁ₘ(0) = Γ · A₀ · f_att ([`initial_dose_rate_from_activity`]).

use crate::{RadProtError, RetentionCurve, check_positive};
use mibg_units::{Activity, DoseRate, DoseRateConstant, Hours, Length};
use serde::{Deserialize, Serialize};

/// How dose rate falls with distance d from the patient, relative to 1 m.
///
/// **Default: the Cormack & Shearer 1.5-power law** (Cormack J, Shearer J,
/// "Calculation of radiation exposures from patients to whom radioactive
/// materials have been administered", Phys Med Biol 1998;43:501–516; used by
/// glowgreen `close_contact.py` for every contact pattern and by Dorn to
/// normalise readings taken at 1–3 m, docs/reference/dosimetry.md §8.1 \[V\]). The standard
/// contact patterns shipped with mibg were derived with it, so they are
/// evaluated with it unless the user names the alternative.
///
/// Near-field caveat: the patient is an extended source. Inverse-square
/// treats it as a point and **overestimates** the dose rate close to the
/// patient (line-source model, docs/reference/dosimetry.md §8.1 \[V\]: at 30 cm a 100 cm line
/// gives a geometry factor of 6.87e-4 cm⁻² versus 1.11e-3 for a point, i.e.
/// 0.62×; at 1 m a 100 cm line is 0.93× the point value), and
/// **underestimates** it relative to the 1.5-power law beyond 1 m (at 2 m:
/// 0.25 versus 0.354, 29 % less). Neither is exact below about 0.3 m. Every
/// output names the law used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DistanceLaw {
    /// Point source: Ḋ(d) = Ḋ₁ₘ · (1 m / d)². Conservative below 1 m, not
    /// beyond.
    InverseSquare,
    /// Cormack & Shearer: Ḋ(d) = Ḋ₁ₘ · (1 m / d)^1.5 (glowgreen
    /// `close_contact.py`, docs/reference/dosimetry.md §8.1 \[V\]). The default.
    #[default]
    CormackShearer,
}

/// Readings taken at a distance are accepted from 1 m to 3 m (the range
/// glowgreen's `Clearance_1m` accepts for dose-rate fits, docs/reference/dosimetry.md §11
/// \[V\]): closer, the patient is not a point; farther, room scatter and
/// background dominate a survey meter.
pub const READING_DISTANCE_RANGE_M: (f64, f64) = (1.0, 3.0);

impl DistanceLaw {
    /// The exponent n of (1 m / d)^n.
    pub fn exponent(self) -> f64 {
        match self {
            DistanceLaw::InverseSquare => 2.0,
            DistanceLaw::CormackShearer => 1.5,
        }
    }

    /// The factor (1 m / d)^n by which the 1 m dose rate is multiplied.
    ///
    /// # Errors
    /// [`RadProtError::InvalidInput`] if `d` is not a finite length ≥ 1 cm
    /// (below it no distance law means anything, and a tiny distance would
    /// give an infinite factor).
    pub fn factor(self, d: Length) -> Result<f64, RadProtError> {
        let cm = check_positive("distance (cm)", d.cm())?;
        if cm < 1.0 {
            return Err(RadProtError::InvalidInput {
                what: "distance (cm)",
                value: cm,
                rule: "must be >= 1 cm",
            });
        }
        let m = cm / 100.0;
        Ok((1.0 / m).powf(self.exponent()))
    }

    /// Converts a dose rate read at `distance` (1–3 m,
    /// [`READING_DISTANCE_RANGE_M`]) to 1 m by this law:
    /// Ḋ₁ₘ = Ḋ(d) · (d / 1 m)^n.
    ///
    /// Example: 10 µSv/h at 2 m is 40 µSv/h at 1 m by inverse square and
    /// 28.284 µSv/h by the 1.5-power law.
    ///
    /// # Errors
    /// [`RadProtError::InvalidInput`] for a distance outside 1–3 m or a
    /// reading that is not finite and ≥ 0.
    pub fn to_1m(self, reading: DoseRate, distance: Length) -> Result<DoseRate, RadProtError> {
        crate::check_non_negative("dose-rate reading (µSv/h)", reading.usv_per_h())?;
        let m = distance.m();
        let (lo, hi) = READING_DISTANCE_RANGE_M;
        if !(m.is_finite() && (lo..=hi).contains(&m)) {
            return Err(RadProtError::InvalidInput {
                what: "reading distance (m)",
                value: m,
                rule: "readings are converted to 1 m from 1 m to 3 m only",
            });
        }
        Ok(reading * m.powf(self.exponent()))
    }

    /// Short name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DistanceLaw::InverseSquare => "inverse-square",
            DistanceLaw::CormackShearer => "cormack-shearer",
        }
    }

    /// The source of the law, for every output that uses it.
    pub fn source(self) -> &'static str {
        match self {
            DistanceLaw::InverseSquare => {
                "point source; conservative below 1 m, 29 % below the 1.5-power law at 2 m (docs/reference/dosimetry.md §8.1)"
            }
            DistanceLaw::CormackShearer => {
                "Cormack & Shearer, Phys Med Biol 1998;43:501; glowgreen close_contact.py (docs/reference/dosimetry.md §8.1 [V]); the default"
            }
        }
    }

    /// Human name.
    pub fn describe(self) -> &'static str {
        match self {
            DistanceLaw::InverseSquare => "inverse square (point source)",
            DistanceLaw::CormackShearer => "Cormack & Shearer (1 m / d)^1.5",
        }
    }
}

/// Ḋ₁ₘ(0) = Γ · A₀ · f_att: the dose rate at 1 m at the end of infusion
/// estimated from the administered activity, a dose-rate constant Γ (for
/// I-131 docs/reference/dosimetry.md §8.1: 0.07647 µSv·m²/(MBq·h) \[V\] for the unattenuated
/// point source used by Dorn; 0.0521 µGy·m²/(MBq·h) air kerma \[C\]) and the
/// self-attenuation factor f_att ∈ (0, 1] (1 = none, conservative; about
/// 0.6–0.8 for a child \[R\]).
///
/// Example (docs/reference/dosimetry.md §8.1 \[C\]): 8880 MBq × 0.0765 = 679.3 µSv/h with f_att = 1.
///
/// # Errors
/// [`RadProtError::InvalidInput`] for non-positive activity or constant, or
/// f_att outside (0, 1].
pub fn initial_dose_rate_from_activity(
    administered: Activity,
    constant: DoseRateConstant,
    self_attenuation: f64,
) -> Result<DoseRate, RadProtError> {
    check_positive("administered activity (MBq)", administered.mbq())?;
    check_positive(
        "dose-rate constant (µSv·m²/(MBq·h))",
        constant.usv_m2_per_mbq_h(),
    )?;
    if !(self_attenuation.is_finite() && self_attenuation > 0.0 && self_attenuation <= 1.0) {
        return Err(RadProtError::InvalidInput {
            what: "self-attenuation factor",
            value: self_attenuation,
            rule: "must be in (0, 1]",
        });
    }
    Ok(constant * administered * self_attenuation)
}

/// Ḋ₁ₘ(t) = Ḋ₁ₘ(0) · R(t).
///
/// # Errors
/// [`RadProtError::InvalidInput`] if `initial_at_1m` is not finite and ≥ 0
/// or `t` is negative; [`RadProtError::InvalidRetention`] if R(t) is not
/// finite and ≥ 0.
pub fn dose_rate_at_1m(
    curve: &dyn RetentionCurve,
    initial_at_1m: DoseRate,
    t: Hours,
) -> Result<DoseRate, RadProtError> {
    crate::check_non_negative(
        "initial dose rate at 1 m (µSv/h)",
        initial_at_1m.usv_per_h(),
    )?;
    crate::check_non_negative("time (h)", t.hours())?;
    crate::rate_1m(curve, initial_at_1m, t)
}

/// Ḋ(d, t) = Ḋ₁ₘ(0) · R(t) · (1 m / d)^n with n from `law`.
///
/// # Errors
/// As [`dose_rate_at_1m`], and for a distance that is not finite and > 0.
pub fn dose_rate_at(
    curve: &dyn RetentionCurve,
    initial_at_1m: DoseRate,
    t: Hours,
    distance: Length,
    law: DistanceLaw,
) -> Result<DoseRate, RadProtError> {
    let f = law.factor(distance)?;
    Ok(dose_rate_at_1m(curve, initial_at_1m, t)? * f)
}

/// Ḋ₁ₘ at each of `times` (e.g. days 1–14 for a table or a plot).
///
/// # Errors
/// As [`dose_rate_at_1m`] for any of the times.
pub fn dose_rate_series(
    curve: &dyn RetentionCurve,
    initial_at_1m: DoseRate,
    times: &[Hours],
) -> Result<Vec<(Hours, DoseRate)>, RadProtError> {
    times
        .iter()
        .map(|&t| Ok((t, dose_rate_at_1m(curve, initial_at_1m, t)?)))
        .collect()
}

/// Retained activity A₀ · R(t).
///
/// # Errors
/// [`RadProtError::InvalidInput`] for a negative or non-finite activity or
/// time; [`RadProtError::InvalidRetention`] for a bad curve value.
pub fn retained_activity(
    curve: &dyn RetentionCurve,
    administered: Activity,
    t: Hours,
) -> Result<Activity, RadProtError> {
    crate::check_non_negative("administered activity (MBq)", administered.mbq())?;
    crate::check_non_negative("time (h)", t.hours())?;
    Ok(administered * crate::eval(curve, t)?)
}

/// Ḋ₁ₘ(0) from a pre-void reading that is itself a dose rate at 1 m,
/// measured after `measured_after` and scaled to `administered`
/// (the readings are proportional to activity, docs/reference/dosimetry.md §3.3).
///
/// Example: 408 µSv/h after 8880 MBq → 182.1 µSv/h for 3964 MBq.
///
/// # Errors
/// [`RadProtError::InvalidInput`] for a reading that is not finite and ≥ 0
/// or activities that are not finite and > 0.
pub fn initial_dose_rate_from_reading(
    pre_void_at_1m: DoseRate,
    measured_after: Activity,
    administered: Activity,
) -> Result<DoseRate, RadProtError> {
    crate::check_non_negative(
        "pre-void dose rate at 1 m (µSv/h)",
        pre_void_at_1m.usv_per_h(),
    )?;
    check_positive("activity of the readings (MBq)", measured_after.mbq())?;
    check_positive("administered activity (MBq)", administered.mbq())?;
    Ok(pre_void_at_1m * (administered / measured_after))
}

/// One row of a dose-rate table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DoseRatePoint {
    /// Time after the end of infusion.
    #[serde(rename = "hours")]
    pub time: Hours,
    /// Activity in the body, A₀·R(t).
    #[serde(rename = "retained_activity_mbq")]
    pub retained: Activity,
    /// Dose rate at 1 m.
    #[serde(rename = "dose_rate_usv_h_at_1m")]
    pub dose_rate_at_1m: DoseRate,
}

/// Retained activity and dose rate at 1 m at each of `times`.
///
/// # Errors
/// As [`dose_rate_at_1m`] and [`retained_activity`].
pub fn dose_rate_table(
    curve: &dyn RetentionCurve,
    initial_at_1m: DoseRate,
    administered: Activity,
    times: &[Hours],
) -> Result<Vec<DoseRatePoint>, RadProtError> {
    times
        .iter()
        .map(|&t| {
            Ok(DoseRatePoint {
                time: t,
                retained: retained_activity(curve, administered, t)?,
                dose_rate_at_1m: dose_rate_at_1m(curve, initial_at_1m, t)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_initial_rate_scales_with_activity_and_table() {
        // 408 µSv/h after 8880 MBq → 408 · 3964/8880 = 182.130 µSv/h (hand).
        let d = initial_dose_rate_from_reading(
            DoseRate::from_usv_per_h(408.0),
            Activity::from_mbq(8880.0),
            Activity::from_mbq(3964.0),
        )
        .unwrap();
        assert!((d.usv_per_h() - 182.130).abs() < 1e-3);
        assert!(
            initial_dose_rate_from_reading(
                DoseRate::from_usv_per_h(408.0),
                Activity::ZERO,
                Activity::from_mbq(1.0)
            )
            .is_err()
        );
        assert!(
            initial_dose_rate_from_reading(
                DoseRate::from_usv_per_h(-1.0),
                Activity::from_mbq(1.0),
                Activity::from_mbq(1.0)
            )
            .is_err()
        );
        // Physical decay: after one half-life half the activity and rate.
        let c = crate::PhysicalDecay::i131();
        let t = dose_rate_table(
            &c,
            DoseRate::from_usv_per_h(100.0),
            Activity::from_mbq(8880.0),
            &[Hours::ZERO, crate::I131_HALF_LIFE],
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert!((t[0].retained.mbq() - 8880.0).abs() < 1e-9);
        assert!((t[1].retained.mbq() - 4440.0).abs() < 1e-9);
        assert!((t[1].dose_rate_at_1m.usv_per_h() - 50.0).abs() < 1e-9);
        assert_eq!(t[1].time, crate::I131_HALF_LIFE);
    }
    use crate::PhysicalDecay;

    #[test]
    fn default_law_and_reading_conversion() {
        assert_eq!(DistanceLaw::default(), DistanceLaw::CormackShearer);
        // 10 µSv/h at 2 m: ×4 = 40 (inverse square), ×2^1.5 = 28.2843 (hand).
        let r = DoseRate::from_usv_per_h(10.0);
        let d = Length::from_m(2.0);
        assert_eq!(
            DistanceLaw::InverseSquare.to_1m(r, d).unwrap().usv_per_h(),
            40.0
        );
        let c = DistanceLaw::CormackShearer.to_1m(r, d).unwrap().usv_per_h();
        assert!((c - 28.284_271).abs() < 1e-6);
        // The ends of 1–3 m are accepted, beyond them refused.
        assert_eq!(
            DistanceLaw::CormackShearer
                .to_1m(r, Length::from_m(1.0))
                .unwrap(),
            r
        );
        let c3 = DistanceLaw::CormackShearer
            .to_1m(r, Length::from_m(3.0))
            .unwrap()
            .usv_per_h();
        assert!((c3 - 51.961_524).abs() < 1e-6);
        for m in [0.99, 3.01, f64::NAN] {
            let e = DistanceLaw::InverseSquare
                .to_1m(r, Length::from_m(m))
                .unwrap_err();
            assert!(e.to_string().contains("1 m to 3 m"), "{e}");
        }
        assert!(
            DistanceLaw::InverseSquare
                .to_1m(DoseRate::from_usv_per_h(-1.0), d)
                .is_err()
        );
        assert_eq!(DistanceLaw::InverseSquare.name(), "inverse-square");
        assert_eq!(DistanceLaw::CormackShearer.name(), "cormack-shearer");
        assert!(DistanceLaw::CormackShearer.source().contains("1998"));
        assert!(DistanceLaw::InverseSquare.source().contains("point source"));
    }

    #[test]
    fn distance_laws_by_hand() {
        // 2 m: (1/2)² = 0.25; (1/2)^1.5 = 0.353553.
        assert_eq!(
            DistanceLaw::InverseSquare
                .factor(Length::from_m(2.0))
                .unwrap(),
            0.25
        );
        let f = DistanceLaw::CormackShearer
            .factor(Length::from_m(2.0))
            .unwrap();
        assert!((f - 0.353_553_4).abs() < 1e-7);
        // 0.5 m: 4 and 2^1.5 = 2.828427.
        assert_eq!(
            DistanceLaw::InverseSquare
                .factor(Length::from_cm(50.0))
                .unwrap(),
            4.0
        );
        assert!(
            DistanceLaw::InverseSquare
                .factor(Length::from_cm(0.0))
                .is_err()
        );
        // Review: 1e-300 cm passed the "> 0" check and gave an infinite
        // factor (an "inf mSv" caregiver dose). Below 1 cm no distance law
        // means anything (both already warn below 30 cm): an error.
        for cm in [1e-300, 0.5] {
            let e = DistanceLaw::InverseSquare
                .factor(Length::from_cm(cm))
                .unwrap_err();
            assert!(e.to_string().contains("must be >= 1 cm"), "{e}");
        }
        // 1 cm is the smallest accepted: (100/1)² = 10000 (hand).
        assert_eq!(
            DistanceLaw::InverseSquare
                .factor(Length::from_cm(1.0))
                .unwrap(),
            10000.0
        );
    }

    #[test]
    fn initial_rate_from_activity_matches_section_8_1() {
        // 8880 MBq × 0.0765 µSv·m²/(MBq·h) = 679.32 µSv/h (docs/reference/dosimetry.md §8.1 example ≈ 680).
        let r = initial_dose_rate_from_activity(
            Activity::from_mbq(8880.0),
            DoseRateConstant::from_usv_m2_per_mbq_h(0.0765),
            1.0,
        )
        .unwrap();
        assert!((r.usv_per_h() - 679.32).abs() < 1e-9);
        // f_att = 0.7 → 475.524 µSv/h.
        let r = initial_dose_rate_from_activity(
            Activity::from_mbq(8880.0),
            DoseRateConstant::from_usv_m2_per_mbq_h(0.0765),
            0.7,
        )
        .unwrap();
        assert!((r.usv_per_h() - 475.524).abs() < 1e-9);
        assert!(
            initial_dose_rate_from_activity(
                Activity::from_mbq(8880.0),
                DoseRateConstant::from_usv_m2_per_mbq_h(0.0765),
                1.2
            )
            .is_err()
        );
    }

    #[test]
    fn dose_rate_decays_and_scales() {
        let c = PhysicalDecay::i131();
        let d0 = DoseRate::from_usv_per_h(100.0);
        let r = dose_rate_at_1m(&c, d0, Hours::new(192.497)).unwrap();
        assert!((r.usv_per_h() - 50.0).abs() < 1e-9);
        let r = dose_rate_at(
            &c,
            d0,
            Hours::new(192.497),
            Length::from_m(2.0),
            DistanceLaw::InverseSquare,
        )
        .unwrap();
        assert!((r.usv_per_h() - 12.5).abs() < 1e-9);
        assert!(dose_rate_at_1m(&c, d0, Hours::new(-1.0)).is_err());
        let bad = crate::retention_fn(|_| f64::NAN);
        assert!(matches!(
            dose_rate_at_1m(&bad, d0, Hours::new(1.0)),
            Err(RadProtError::InvalidRetention { .. })
        ));
    }

    #[test]
    fn series_and_retained_activity() {
        // Physical decay: 100 µSv/h halves every 192.497 h; 8880 MBq after
        // 2 half-lives = 2220 MBq.
        let c = PhysicalDecay::i131();
        let s = dose_rate_series(
            &c,
            DoseRate::from_usv_per_h(100.0),
            &[Hours::new(0.0), Hours::new(192.497)],
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert!((s[1].1.usv_per_h() - 50.0).abs() < 1e-9);
        let a =
            retained_activity(&c, Activity::from_mbq(8880.0), Hours::new(2.0 * 192.497)).unwrap();
        assert!((a.mbq() - 2220.0).abs() < 1e-6);
    }
}
