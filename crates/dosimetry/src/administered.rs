//! The administered activity as the hot lab measures it
//! (docs/reference/dosimetry.md §3.4).
//!
//! The hot lab assays the syringe (or vial) in a dose calibrator at a known
//! time, the infusion starts later, and what stays in the syringe and lines
//! is measured after the infusion. The net administered activity, at the
//! **start of the infusion** (the reference time of every activity here), is
//!
//! ```text
//! A_net = A_assay · e^(−λ·(t_start − t_assay)) − A_residual · e^(+λ·(t_residual − t_start))
//! λ = ln 2 / T½,  T½(I-131) = 192.497 h (ICRP 107, mibg_radprot::I131_HALF_LIFE)
//! ```
//!
//! The first factor decays the assay to the start (it is > 1 when the
//! calibration time is after the start, as for a vial calibrated for a later
//! reference time); the second takes the residual, measured later, back to
//! the start. A_net is the activity D₁/A₁, A₂ and the delivered total use.
//! The infusion lasts minutes to hours (decay during it < 0.5 % for 1 h):
//! the start is the reference time \[I\].
//!
//! One implementation: `mibg dose`, the study folder's infusions table and
//! the application core (`mibg_clinic`) call [`administered_activity`].

use jiff::Timestamp;
use mibg_units::{Activity, Hours, RateConstant};
use serde::Serialize;

/// The half-life used for every decay correction here: I-131, 192.497 h
/// (ICRP 107, via `icrp107-database` 0.0.3 and `radioactivedecay` 0.6.1;
/// docs/reference/dosimetry.md §2 \[V\]\[C\]).
pub const HALF_LIFE: Hours = mibg_radprot::I131_HALF_LIFE;
/// The source of [`HALF_LIFE`], printed with every result.
pub const HALF_LIFE_SOURCE: &str = "I-131 T½ = 192.497 h (8.0207 d), ICRP 107";

/// Largest accepted gap between the assay (calibration) time and the start
/// of the infusion, in either direction: 336 h = 14 days \[I\]. Beyond it
/// the date is most likely mistyped (a month or a year).
pub const MAX_ASSAY_GAP: Hours = Hours::new(336.0);
/// Largest accepted time from the start of the infusion to the residual
/// measurement: 72 h \[I\] (the residual is measured when the infusion is
/// over, usually within hours).
pub const MAX_RESIDUAL_DELAY: Hours = Hours::new(72.0);
/// A residual above this share of the assayed activity (both at the start)
/// is reported as a warning: 10 % \[I\] (a blocked line or an incomplete
/// infusion should be documented).
pub const LARGE_RESIDUAL_SHARE: f64 = 0.10;

/// What the hot lab recorded for one infusion.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HotLabRecord {
    /// Activity measured in the dose calibrator.
    #[serde(rename = "assayed_mbq")]
    pub assayed: Activity,
    /// When it was measured (its calibration time).
    pub assay_time: Timestamp,
    /// Start of the infusion: the reference time.
    pub infusion_start: Timestamp,
    /// Activity measured in the syringe and lines after the infusion.
    #[serde(rename = "residual_mbq")]
    pub residual: Activity,
    /// When the residual was measured.
    pub residual_time: Timestamp,
}

/// The administered activity of one infusion, as the user has it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "given", rename_all = "snake_case")]
pub enum AdministeredInput {
    /// A net activity already corrected by the user (the format before the
    /// hot-lab record): used as given.
    Net {
        /// The net administered activity.
        #[serde(rename = "net_mbq")]
        activity: Activity,
    },
    /// The hot-lab record: the net activity is computed.
    HotLab(HotLabRecord),
}

impl From<Activity> for AdministeredInput {
    fn from(activity: Activity) -> Self {
        Self::Net { activity }
    }
}

/// The hot-lab computation, every intermediate shown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HotLabActivity {
    /// The record.
    #[serde(flatten)]
    pub record: HotLabRecord,
    /// t_start − t_assay, h (negative when calibrated for a later time).
    #[serde(rename = "assay_to_start_h")]
    pub assay_to_start: Hours,
    /// e^(−λ·(t_start − t_assay)).
    pub assay_decay_factor: f64,
    /// A_assay at the start of the infusion.
    #[serde(rename = "assayed_at_start_mbq")]
    pub assayed_at_start: Activity,
    /// t_residual − t_start, h.
    #[serde(rename = "start_to_residual_h")]
    pub start_to_residual: Hours,
    /// e^(+λ·(t_residual − t_start)): the residual taken back to the start.
    pub residual_decay_correction: f64,
    /// A_residual at the start of the infusion.
    #[serde(rename = "residual_at_start_mbq")]
    pub residual_at_start: Activity,
    /// A_residual / A_assay, both at the start.
    pub residual_share: f64,
}

/// The net administered activity and how it was obtained.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdministeredActivity {
    /// `hot-lab assay` or `net as given`.
    pub method: &'static str,
    /// The net administered activity at the start of the infusion.
    #[serde(rename = "net_mbq")]
    pub net: Activity,
    /// The same in mCi.
    pub net_mci: f64,
    /// The hot-lab computation (None for a net activity as given).
    pub hot_lab: Option<HotLabActivity>,
    /// The reference time of every activity.
    pub reference_time: &'static str,
    /// The half-life and its source.
    pub half_life: &'static str,
    /// One sentence for reports.
    pub note: String,
    /// Doubtful but accepted values.
    pub warnings: Vec<String>,
}

/// The field of a hot-lab record that breaks a rule (front ends map it to
/// their flag or column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// The net activity given directly.
    Net,
    /// The assayed activity.
    Assayed,
    /// The assay (calibration) time.
    AssayTime,
    /// The start of the infusion.
    InfusionStart,
    /// The residual activity.
    Residual,
    /// The time of the residual measurement.
    ResidualTime,
}

/// A hot-lab record that breaks a rule.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{rule}")]
#[non_exhaustive]
pub struct AdministeredError {
    /// The field at fault.
    pub field: Field,
    /// The rule broken, with the values.
    pub rule: String,
}

fn err(field: Field, rule: String) -> AdministeredError {
    AdministeredError { field, rule }
}

fn hours_between(from: Timestamp, to: Timestamp) -> Hours {
    let ns = to.as_nanosecond() - from.as_nanosecond();
    // i128 nanoseconds to hours; exact to far below a second for any span
    // a clinical record holds.
    #[allow(clippy::cast_precision_loss)]
    Hours::new(ns as f64 / 3.6e12)
}

/// The net administered activity of one infusion.
///
/// # Errors
/// [`AdministeredError`] naming the field: an activity not finite or
/// not above 0 (a residual may be 0); an assay more than [`MAX_ASSAY_GAP`] from the
/// start; a residual measured before the start or more than
/// [`MAX_RESIDUAL_DELAY`] after it; a residual (at the start) not below the
/// assayed activity (at the start), with the probable unit slip named.
pub fn administered_activity(
    input: &AdministeredInput,
) -> Result<AdministeredActivity, AdministeredError> {
    let r = match input {
        AdministeredInput::Net { activity } => {
            let a = activity.mbq();
            if !(a.is_finite() && a > 0.0) {
                return Err(err(
                    Field::Net,
                    format!("net administered activity {a} MBq: must be a finite number > 0"),
                ));
            }
            return Ok(AdministeredActivity {
                method: "net as given",
                net: *activity,
                net_mci: activity.mci(),
                hot_lab: None,
                reference_time: "as given",
                half_life: HALF_LIFE_SOURCE,
                note: "net administered activity as given: no hot-lab assay or residual was supplied, so no decay or residual correction was made here".into(),
                warnings: Vec::new(),
            });
        }
        AdministeredInput::HotLab(r) => r,
    };
    let (a, res) = (r.assayed.mbq(), r.residual.mbq());
    if !(a.is_finite() && a > 0.0) {
        return Err(err(
            Field::Assayed,
            format!("assayed activity {a} MBq: must be a finite number > 0"),
        ));
    }
    if !(res.is_finite() && res >= 0.0) {
        return Err(err(
            Field::Residual,
            format!("residual activity {res} MBq: must be a finite number ≥ 0"),
        ));
    }
    let assay_to_start = hours_between(r.assay_time, r.infusion_start);
    if assay_to_start.hours().abs() > MAX_ASSAY_GAP.hours() {
        return Err(err(
            Field::AssayTime,
            format!(
                "assay time {} is {:.1} days {} the infusion start {}; more than {} days apart is taken as a mistyped date [I]",
                r.assay_time,
                assay_to_start.hours().abs() / 24.0,
                if assay_to_start.hours() > 0.0 {
                    "before"
                } else {
                    "after"
                },
                r.infusion_start,
                MAX_ASSAY_GAP.hours() / 24.0
            ),
        ));
    }
    let start_to_residual = hours_between(r.infusion_start, r.residual_time);
    if start_to_residual.hours() < 0.0 {
        return Err(err(
            Field::ResidualTime,
            format!(
                "residual measured at {}, {:.2} h before the infusion start {}; the residual is measured after the infusion",
                r.residual_time,
                -start_to_residual.hours(),
                r.infusion_start
            ),
        ));
    }
    if start_to_residual.hours() > MAX_RESIDUAL_DELAY.hours() {
        return Err(err(
            Field::ResidualTime,
            format!(
                "residual measured {:.1} h after the infusion start; more than {} h is taken as a mistyped date [I]",
                start_to_residual.hours(),
                MAX_RESIDUAL_DELAY.hours()
            ),
        ));
    }
    let lambda = RateConstant::from_half_life(HALF_LIFE);
    let assay_decay_factor = (-(lambda * assay_to_start)).exp();
    let residual_decay_correction = (lambda * start_to_residual).exp();
    let assayed_at_start = r.assayed * assay_decay_factor;
    let residual_at_start = r.residual * residual_decay_correction;
    let share = residual_at_start / assayed_at_start;
    if share >= 1.0 {
        let slip = if res / 1000.0 < a {
            format!(
                "; is the residual in kBq (÷ 1000 = {} MBq) or the assay in GBq or mCi?",
                res / 1000.0
            )
        } else {
            String::new()
        };
        return Err(err(
            Field::Residual,
            format!(
                "residual {res} MBq ({:.1} MBq at the infusion start) is not below the assayed activity {a} MBq ({:.1} MBq at the start): nothing would have been given{slip}",
                residual_at_start.mbq(),
                assayed_at_start.mbq()
            ),
        ));
    }
    let net = assayed_at_start - residual_at_start;
    let mut warnings = Vec::new();
    if share > LARGE_RESIDUAL_SHARE {
        warnings.push(format!(
            "the residual is {:.1} % of the assayed activity (above {:.0} % [I]): check the syringe and line measurement and document an incomplete infusion",
            100.0 * share,
            100.0 * LARGE_RESIDUAL_SHARE
        ));
    }
    if assay_to_start.hours() < 0.0 {
        warnings.push(format!(
            "the assay (calibration) time is {:.1} h after the infusion start: the assayed activity was decayed back (factor {:.5} > 1); check it is the calibration time of this syringe",
            -assay_to_start.hours(),
            assay_decay_factor
        ));
    }
    Ok(AdministeredActivity {
        method: "hot-lab assay",
        net,
        net_mci: net.mci(),
        hot_lab: Some(HotLabActivity {
            record: *r,
            assay_to_start,
            assay_decay_factor,
            assayed_at_start,
            start_to_residual,
            residual_decay_correction,
            residual_at_start,
            residual_share: share,
        }),
        reference_time: "start of infusion",
        half_life: HALF_LIFE_SOURCE,
        note: format!(
            "net administered activity {:.1} MBq at the infusion start = assay {:.1} MBq × {:.5} (decay over {:.2} h) − residual {:.1} MBq × {:.5} (decay correction over {:.2} h); {HALF_LIFE_SOURCE}",
            net.mbq(),
            a,
            assay_decay_factor,
            assay_to_start.hours(),
            res,
            residual_decay_correction,
            start_to_residual.hours()
        ),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn record(assay_mbq: f64, assay: &str, start: &str, res_mbq: f64, res: &str) -> HotLabRecord {
        HotLabRecord {
            assayed: Activity::from_mbq(assay_mbq),
            assay_time: t(assay),
            infusion_start: t(start),
            residual: Activity::from_mbq(res_mbq),
            residual_time: t(res),
        }
    }

    /// Hand calculation (docs/reference/dosimetry.md §3.4 worked example):
    /// λ = ln 2 / 192.497 h = 3.6008207e-3 h⁻¹. Assay 9000 MBq at 08:00,
    /// start 10:00 (2 h): factor e^(−0.0072016414) = 0.99282423;
    /// 9000 × 0.99282423 = 8935.4181 MBq. Residual 120 MBq at 12:00 (2 h after
    /// the start): factor e^(+0.0072016414) = 1.00722764; 120 × 1.00722764 =
    /// 120.86732 MBq. Net = 8814.5507 MBq. (Python 3.11 math.exp.)
    #[test]
    fn hand_calculation() {
        let r = record(
            9000.0,
            "2026-03-02T08:00:00Z",
            "2026-03-02T10:00:00Z",
            120.0,
            "2026-03-02T12:00:00Z",
        );
        let a = administered_activity(&AdministeredInput::HotLab(r)).unwrap();
        let h = a.hot_lab.as_ref().unwrap();
        assert!((h.assay_decay_factor - 0.992_824_228).abs() < 1e-9, "{h:?}");
        assert!((h.residual_decay_correction - 1.007_227_636).abs() < 1e-9);
        assert!((h.assayed_at_start.mbq() - 8_935.418_05).abs() < 1e-4);
        assert!((h.residual_at_start.mbq() - 120.867_316).abs() < 1e-5);
        assert!((a.net.mbq() - 8_814.550_74).abs() < 1e-4, "{}", a.net.mbq());
        assert!((a.net_mci - 8_814.550_74 / 37.0).abs() < 1e-4);
        assert!((h.residual_share - 120.867_316 / 8_935.418_05).abs() < 1e-8);
        assert!(a.warnings.is_empty());
        assert_eq!(a.method, "hot-lab assay");
        assert!(a.note.contains("8814.6 MBq"), "{}", a.note);
    }

    /// One half-life before the start: exactly half is left.
    #[test]
    fn one_half_life() {
        let r = record(
            1000.0,
            "2026-03-01T00:00:00Z",
            "2026-03-09T00:29:49.2Z", // 192.497 h later
            0.0,
            "2026-03-09T00:29:49.2Z",
        );
        let a = administered_activity(&AdministeredInput::HotLab(r)).unwrap();
        assert!((a.net.mbq() - 500.0).abs() < 1e-9, "{}", a.net.mbq());
        let h = a.hot_lab.unwrap();
        assert!((h.assay_to_start.hours() - 192.497).abs() < 1e-9);
        assert!((h.residual_decay_correction - 1.0).abs() < 1e-15);
    }

    #[test]
    fn net_as_given_says_so() {
        let a = administered_activity(&Activity::from_mbq(8880.0).into()).unwrap();
        assert_eq!(a.net, Activity::from_mbq(8880.0));
        assert!(a.hot_lab.is_none());
        assert!(a.note.contains("as given"));
        assert_eq!(
            administered_activity(&Activity::from_mbq(0.0).into())
                .unwrap_err()
                .field,
            Field::Net
        );
    }

    #[test]
    fn rules() {
        let ok = record(
            9000.0,
            "2026-03-02T08:00:00Z",
            "2026-03-02T10:00:00Z",
            120.0,
            "2026-03-02T12:00:00Z",
        );
        let field = |r: HotLabRecord| {
            administered_activity(&AdministeredInput::HotLab(r))
                .unwrap_err()
                .field
        };
        assert_eq!(
            field(HotLabRecord {
                assayed: Activity::from_mbq(0.0),
                ..ok
            }),
            Field::Assayed
        );
        assert_eq!(
            field(HotLabRecord {
                residual: Activity::from_mbq(-1.0),
                ..ok
            }),
            Field::Residual
        );
        // Residual before the start.
        assert_eq!(
            field(HotLabRecord {
                residual_time: t("2026-03-02T09:59:00Z"),
                ..ok
            }),
            Field::ResidualTime
        );
        // Exactly at the start and at 72 h are accepted; beyond is not.
        for (s, good) in [
            ("2026-03-02T10:00:00Z", true),
            ("2026-03-05T10:00:00Z", true),
            ("2026-03-05T10:01:00Z", false),
        ] {
            let r = HotLabRecord {
                residual_time: t(s),
                ..ok
            };
            assert_eq!(
                administered_activity(&AdministeredInput::HotLab(r)).is_ok(),
                good,
                "{s}"
            );
        }
        // Assay 14 days before/after is accepted, a day more is not.
        for (s, good) in [
            ("2026-02-16T10:00:00Z", true),
            ("2026-02-16T09:59:00Z", false),
            ("2026-03-16T10:00:00Z", true),
            ("2026-03-16T10:01:00Z", false),
        ] {
            let r = HotLabRecord {
                assay_time: t(s),
                ..ok
            };
            let x = administered_activity(&AdministeredInput::HotLab(r));
            assert_eq!(x.is_ok(), good, "{s}");
            if let Err(e) = x {
                assert_eq!(e.field, Field::AssayTime);
            }
        }
        // Residual in kBq: 120000 "MBq" > 9000 MBq.
        let e = administered_activity(&AdministeredInput::HotLab(HotLabRecord {
            residual: Activity::from_mbq(120_000.0),
            ..ok
        }))
        .unwrap_err();
        assert_eq!(e.field, Field::Residual);
        assert!(e.rule.contains("kBq (÷ 1000 = 120 MBq)"), "{}", e.rule);
        // Residual equal to the assay at the start: refused, no slip named.
        let e = administered_activity(&AdministeredInput::HotLab(HotLabRecord {
            residual: Activity::from_mbq(9_000_000.0),
            ..ok
        }))
        .unwrap_err();
        assert!(!e.rule.contains("kBq"), "{}", e.rule);
    }

    #[test]
    fn warnings() {
        // 11 % residual: a warning; 9 %: none.
        let w = |res: f64| {
            administered_activity(&AdministeredInput::HotLab(record(
                1000.0,
                "2026-03-02T10:00:00Z",
                "2026-03-02T10:00:00Z",
                res,
                "2026-03-02T10:00:00Z",
            )))
            .unwrap()
            .warnings
        };
        assert_eq!(w(110.0).len(), 1);
        assert!(w(110.0)[0].contains("11.0 %"));
        assert!(w(90.0).is_empty());
        assert!(w(100.0).is_empty());
        // Calibration after the start.
        let a = administered_activity(&AdministeredInput::HotLab(record(
            1000.0,
            "2026-03-03T10:00:00Z",
            "2026-03-02T10:00:00Z",
            0.0,
            "2026-03-02T10:00:00Z",
        )))
        .unwrap();
        assert_eq!(a.warnings.len(), 1);
        assert!(a.warnings[0].contains("24.0 h after"), "{:?}", a.warnings);
        assert!(a.net.mbq() > 1000.0);
    }
}
