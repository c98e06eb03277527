//! Property tests (limited case counts to keep CI fast): dose is linear in
//! activity; A₂ falls as D₁ rises; uncapped plans hit the target; S
//! decreases with mass.

use mibg_dosimetry::plan::{apply_rules, cap_second_activity, plan_second_activity};
use mibg_dosimetry::*;
use mibg_units::*;
use proptest::prelude::*;

const LN2: f64 = std::f64::consts::LN_2;

fn readings(a: f64, t1: f64, t2: f64) -> Readings {
    let pairs: Vec<(Hours, f64)> = [0.0, 4.0, 8.0, 24.0, 32.0, 48.0, 72.0, 96.0, 120.0]
        .iter()
        .map(|&t| {
            let r = a * (-LN2 * t / t1).exp() + (1.0 - a) * (-LN2 * t / t2).exp();
            (Hours::new(t), 400.0 * r)
        })
        .collect();
    Readings::from_pairs("prop", &pairs, 0.05).unwrap()
}

fn uncapped() -> SecondActivityRules {
    SecondActivityRules {
        max_activity_per_kg: None,
        max_activity_per_infusion: None,
        max_total_activity: None,
        max_total_dose: None,
        min_worthwhile: None,
        ..SecondActivityRules::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// D₁ = A₁·τ·S: doubling (scaling) A₁ scales D₁ by the same factor.
    #[test]
    fn dose_is_linear_in_activity(
        a in 0.2f64..0.8, t1 in 3.0f64..12.0, t2 in 20.0f64..90.0,
        a1 in 1000.0f64..20000.0, k in 0.1f64..5.0, kg in 5.0f64..70.0,
    ) {
        let r = readings(a, t1, t2);
        let mut req = DoseRequest::new(Mass::from_kg(kg), Activity::from_mbq(a1));
        req.uncertainty = None;
        let d = assess(&r, &req).unwrap();
        req.activity1 = Activity::from_mbq(a1 * k);
        let dk = assess(&r, &req).unwrap();
        prop_assert!((dk.dose1.gy() - k * d.dose1.gy()).abs() <= 1e-9 * dk.dose1.gy().max(1.0));
        prop_assert!((dk.dose_per_activity1.gy_per_gbq() - d.dose_per_activity1.gy_per_gbq()).abs() < 1e-12);
    }

    /// For fixed d₂, A₂ is non-increasing in D₁ (caps included).
    #[test]
    fn second_activity_falls_as_d1_rises(
        d1 in 0.1f64..5.0, delta in 0.001f64..2.0, d2 in 0.05f64..1.0, kg in 5.0f64..70.0,
    ) {
        let rules = SecondActivityRules::default();
        let m = Mass::from_kg(kg);
        let a1 = Activity::from_mbq(444.0 * kg);
        let dpa = DosePerActivity::from_gy_per_gbq(d2);
        let (_, lo, ..) = apply_rules(AbsorbedDose::from_gy(d1), a1, m, dpa, &rules);
        let (_, hi, ..) = apply_rules(AbsorbedDose::from_gy(d1 + delta), a1, m, dpa, &rules);
        prop_assert!(hi <= lo, "A2({}) = {} > A2({}) = {}", d1 + delta, hi.mbq(), d1, lo.mbq());
        // The numeric core used by the bootstrap is the one the plan reports.
        let c = cap_second_activity(AbsorbedDose::from_gy(d1), a1, m, dpa, &rules);
        let (dec, v) = (c.decision, c.activity);
        let (dec_full, lo_full, ..) = apply_rules(AbsorbedDose::from_gy(d1), a1, m, dpa, &rules);
        prop_assert_eq!(dec, dec_full);
        prop_assert!((v - lo_full).abs().mbq() < 1e-9);
    }

    /// Without caps, D₁ + A₂·d₂ = target whenever D₁ < target.
    #[test]
    fn uncapped_plans_hit_the_target(
        d1 in 0.1f64..3.99, d2 in 0.05f64..1.0, target in 3.0f64..6.0,
    ) {
        prop_assume!(d1 < target);
        let rules = SecondActivityRules { target_total: AbsorbedDose::from_gy(target), ..uncapped() };
        let p = plan_second_activity(
            AbsorbedDose::from_gy(d1), Activity::from_mbq(8880.0), Mass::from_kg(20.0),
            DosePerActivity::from_gy_per_gbq(d2), SValue::ZERO, PredictionVariant::SameTau, &rules,
        );
        prop_assert_eq!(p.decision, Decision::SecondInfusion);
        prop_assert!((p.predicted_total.gy() - target).abs() < 1e-9);
    }

    /// S(m) decreases strictly with mass over the analytic model's range.
    #[test]
    fn s_decreases_with_mass(m in 3.0f64..79.0, dm in 0.01f64..1.0) {
        let s = SModel::default();
        let a = s.s_value(Mass::from_kg(m)).unwrap();
        let b = s.s_value(Mass::from_kg(m + dm)).unwrap();
        prop_assert!(b < a);
    }

    /// The fitted bi-exponential recovers exact kinetics (τ to 1e-4 relative).
    #[test]
    fn bi_fit_recovers_tau(a in 0.2f64..0.8, t1 in 3.0f64..12.0, t2 in 20.0f64..90.0) {
        let r = readings(a, t1, t2);
        let mut req = DoseRequest::new(Mass::from_kg(20.0), Activity::from_mbq(8880.0));
        req.uncertainty = None;
        req.model = ModelChoice::Fixed(ModelKind::Bi);
        let d = assess(&r, &req).unwrap();
        let tau = a * t1 / LN2 + (1.0 - a) * t2 / LN2;
        prop_assert!((d.tau_h.hours() / tau - 1.0).abs() < 1e-4, "{} vs {}", d.tau_h.hours(), tau);
    }
}
