//! The use-case core of mibg: one function per clinical act of a course of
//! 131I-mIBG therapy (plan a course, assess the dosimetry of infusion 1,
//! propose the second activity, assess response and toxicity, report the
//! cohort), each taking typed inputs and returning a typed, serialisable
//! result with its warnings and an explanation.
//!
//! Every front end (the `mibg` command line, the study report, the web
//! application, the PDF documents) calls these functions, so that two front
//! ends never compute the same thing twice or differently. This crate holds
//! no clinical rule of its own (rules live in the science crates) and does
//! no I/O: it composes.
//!
//! * [`second_activity_rules`]: the A₂ rules of a protocol.
//! * [`cohort`]: report the cohort from a study folder, as per-patient steps
//!   ([`cohort::patient`]) and cohort statistics ([`cohort::statistics`]);
//!   [`cohort::validate`] and [`cohort::report`] share one pipeline
//!   ([`cohort::assess`]). The renderers ([`cohort::render`]) live here too:
//!   the HTML report is the document of this act, and the command line, the
//!   web application and any script must produce the same one.

pub mod cohort;

pub mod course;

pub mod dosimetry;
pub mod family;
pub mod patterns;
pub mod plan;
pub mod survival;

pub use dosimetry::{
    CourseDosimetry, CourseInput, DosimetryError, DosimetryOptions, SecondInfusionInput,
    assess_course_dosimetry,
};
pub use plan::{CoursePlan, plan_course};

use mibg_dosimetry::SecondActivityRules;
use mibg_dosimetry::gate::GateLimits;
use mibg_protocol::Protocol;
use mibg_units::AbsorbedDose;

/// The limits of the plausibility gate, from the protocol's
/// `[plausibility]` section.
pub fn gate_limits(p: &Protocol) -> GateLimits {
    let q = p.plausibility;
    GateLimits {
        reading_noise: q.reading_noise,
        outlier_alpha: q.outlier_alpha,
        min_r_squared: q.min_r_squared,
        max_relative_tau_se: q.max_relative_tau_se,
        max_bootstrap_failure_share: q.max_bootstrap_failure_share,
        background_factor: q.background_factor,
        max_total_dose_uncertainty: q.max_total_dose_uncertainty,
    }
}

/// The rules the second activity is held to, from the protocol: the
/// cumulative whole-body target (or `target` when the user sets another),
/// the per-kg cap of infusion 2, the course-total activity and whole-body
/// dose caps, the minimum worthwhile activity and the overshoot margin.
/// `mibg dose`, the study report and the application all take their rules
/// from here.
pub fn second_activity_rules(p: &Protocol, target: Option<AbsorbedDose>) -> SecondActivityRules {
    SecondActivityRules {
        target_total: target.unwrap_or(p.infusion2.target_total_wb),
        max_activity_per_kg: Some(p.infusion2.max_activity_per_kg),
        max_activity_per_infusion: None,
        max_total_activity: Some(p.caps.max_total_activity),
        max_total_dose: Some(p.caps.max_total_wb),
        min_worthwhile: Some(p.infusion2.min_worthwhile_activity),
        overshoot_margin: p.infusion2.overshoot_margin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_protocol_gives_its_rules() {
        // Values of protocols/seed.toml: 4 Gy target, 777 MBq/kg, 40 GBq,
        // 4.5 Gy, 1000 MBq, 0.5 Gy.
        let r = second_activity_rules(&Protocol::seed(), None);
        assert_eq!(r.target_total.gy(), 4.0);
        assert_eq!(r.max_activity_per_kg.unwrap().mbq_per_kg(), 777.0);
        assert_eq!(r.max_activity_per_infusion, None);
        assert_eq!(r.max_total_activity.unwrap().mbq(), 40_000.0);
        assert_eq!(r.max_total_dose.unwrap().gy(), 4.5);
        assert_eq!(r.min_worthwhile.unwrap().mbq(), 1000.0);
        assert_eq!(r.overshoot_margin.gy(), 0.5);
        // The dosimetry crate's documented default is the seed protocol.
        assert_eq!(r, SecondActivityRules::default());
        let r = second_activity_rules(&Protocol::seed(), Some(AbsorbedDose::from_gy(3.0)));
        assert_eq!(r.target_total.gy(), 3.0);
    }

    #[test]
    fn the_seed_protocol_gives_the_gate_limits() {
        // protocols/seed.toml [plausibility]: 0.05, 0.05, 0.98, 0.10, 0.10, 5, 0.5 Gy;
        // the dosimetry crate's documented default is the seed protocol.
        let g = gate_limits(&Protocol::seed());
        assert_eq!(g, GateLimits::default());
        assert_eq!(
            (
                g.reading_noise,
                g.outlier_alpha,
                g.min_r_squared,
                g.max_relative_tau_se,
                g.max_bootstrap_failure_share,
                g.background_factor
            ),
            (0.05, 0.05, 0.98, 0.10, 0.10, 5.0)
        );
        assert_eq!(g.max_total_dose_uncertainty.gy(), 0.5);
    }

    #[test]
    fn a_centres_plausibility_section_gives_its_own_gate_limits() {
        // A centre's protocol file that sets every [plausibility] value
        // away from the seed's: the gate must take each from the file, not
        // the dosimetry crate's defaults (which are the seed's).
        let text = mibg_protocol::SEED_TOML
            .replace(
                "reading_noise_fraction = 0.05",
                "reading_noise_fraction = 0.04",
            )
            .replace("outlier_alpha = 0.05", "outlier_alpha = 0.01")
            .replace("min_r_squared = 0.98", "min_r_squared = 0.99")
            .replace("max_relative_tau_se = 0.10", "max_relative_tau_se = 0.08")
            .replace(
                "max_bootstrap_failure_share = 0.10",
                "max_bootstrap_failure_share = 0.05",
            )
            .replace(
                "max_total_dose_uncertainty_gy = 0.5",
                "max_total_dose_uncertainty_gy = 0.4",
            )
            .replace("background_factor = 5.0", "background_factor = 3.0");
        let p = Protocol::from_toml(&text, "centre.toml").unwrap();
        let g = gate_limits(&p);
        assert_eq!(
            (
                g.reading_noise,
                g.outlier_alpha,
                g.min_r_squared,
                g.max_relative_tau_se,
                g.max_bootstrap_failure_share,
                g.background_factor
            ),
            (0.04, 0.01, 0.99, 0.08, 0.05, 3.0)
        );
        assert_eq!(g.max_total_dose_uncertainty.gy(), 0.4);
    }
}
