//! The clinical act "plan a course" (issue 10 section 1): the infusion-1 activity
//! with every cap (the one rule, [`Protocol::infusion1_activity`]), the
//! bounds on infusion 2, body-surface area, melphalan and the day-by-day
//! schedule, from a weight, a height and the protocol. `mibg plan` and the
//! application call this function; it composes `mibg-protocol`.

use mibg_protocol::Protocol;
use mibg_protocol::plan::{Plan, PlanError, plan};
use mibg_units::{Length, Mass};
use serde::Serialize;

/// A course plan with its explanation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoursePlan {
    /// The plan (infusion 1, infusion-2 bounds, melphalan, schedule,
    /// values to review, warnings, the protocol used).
    #[serde(flatten)]
    pub plan: Plan,
    /// How the numbers were reached, step by step.
    pub explanation: Vec<String>,
}

/// Plans the course of a patient of `weight` and `height` under `protocol`.
///
/// # Errors
/// [`PlanError`] when the weight or height is outside its plausible range.
pub fn plan_course(
    protocol: &Protocol,
    weight: Mass,
    height: Length,
) -> Result<CoursePlan, PlanError> {
    let p = plan(protocol, weight, height)?;
    let i1 = &p.infusion1;
    let mut explanation = vec![format!(
        "Infusion 1: {} MBq/kg × {} kg = {:.0} MBq{}.",
        i1.prescribed_per_kg.mbq_per_kg(),
        weight.kg(),
        (i1.prescribed_per_kg * weight).mbq(),
        i1.cap.as_ref().map_or(String::new(), |c| format!(
            ", capped to {:.0} MBq: {}",
            i1.activity.mbq(),
            c.reason
        ))
    )];
    explanation.push(format!(
        "Infusion 2 on day {} (allowed {}-{}): its activity comes from the dosimetry of infusion 1, to reach {:.2} Gy whole-body in total, at most {:.0} MBq at this weight.",
        p.infusion2.day,
        p.infusion2.earliest_day,
        p.infusion2.latest_day,
        p.infusion2.target_total_wb.gy(),
        p.infusion2.max_activity.mbq()
    ));
    explanation.push(format!(
        "Melphalan: {:.1} mg with BSA {:.2} m² ({}).",
        p.melphalan.dose.mg(),
        p.melphalan.bsa.m2(),
        p.melphalan.bsa_formula.describe()
    ));
    Ok(CoursePlan {
        plan: p,
        explanation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_20_kg_child_by_hand() {
        // Seed: 444 MBq/kg × 20 kg = 8880 MBq, no cap; infusion 2 at most
        // min(777 × 20 = 15 540, 40 000 − 8880) = 15 540 MBq.
        let c = plan_course(
            &Protocol::seed(),
            Mass::from_kg(20.0),
            Length::from_cm(115.0),
        )
        .unwrap();
        assert_eq!(c.plan.infusion1.activity.mbq(), 8880.0);
        assert_eq!(c.plan.infusion2.max_activity.mbq(), 15_540.0);
        assert_eq!(
            c.explanation[0],
            "Infusion 1: 444 MBq/kg × 20 kg = 8880 MBq."
        );
        assert!(
            c.explanation[1].contains("at most 15540 MBq"),
            "{}",
            c.explanation[1]
        );
        // The explanation serialises beside the plan's fields.
        let j = serde_json::to_value(&c).unwrap();
        assert_eq!(j["infusion1"]["activity_mbq"], 8880.0);
        assert!(j["explanation"].is_array());
    }

    #[test]
    fn the_course_cap_is_explained_and_the_weight_checked() {
        // 130 kg: 444 × 130 = 57 720 MBq, capped at the 40 GBq course total.
        let c = plan_course(
            &Protocol::seed(),
            Mass::from_kg(130.0),
            Length::from_cm(180.0),
        )
        .unwrap();
        assert_eq!(c.plan.infusion1.activity.mbq(), 40_000.0);
        assert!(
            c.explanation[0].contains("= 57720 MBq, capped to 40000 MBq"),
            "{}",
            c.explanation[0]
        );
        assert!(
            plan_course(
                &Protocol::seed(),
                Mass::from_kg(200.0),
                Length::from_cm(180.0)
            )
            .is_err()
        );
    }
}
