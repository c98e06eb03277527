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

use mibg_dosimetry::SecondActivityRules;
use mibg_protocol::Protocol;
use mibg_units::AbsorbedDose;

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
}
