//! Tests of parsing, validation, schedule and plan.

use super::*;
use crate::plan::{Limit, PlanError, plan};
use crate::schedule::Event;
use mibg_units::Length;

fn seed_with(replace: &str, with: &str) -> String {
    assert!(SEED_TOML.contains(replace), "seed has no {replace:?}");
    SEED_TOML.replacen(replace, with, 1)
}

fn err(text: &str) -> String {
    Protocol::from_toml(text, "protocol.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn seed_values_match_the_domain_notes() {
    let p = Protocol::seed();
    // 12 mCi/kg = 444 MBq/kg (docs/reference/dosimetry.md §9.3, 12 × 37 = 444).
    assert_eq!(p.infusion1.activity_per_kg.mbq_per_kg(), 444.0);
    assert_eq!(p.infusion1.activity_per_kg.mci_per_kg(), 12.0);
    assert_eq!(p.infusion1.max_activity, None);
    assert_eq!(p.infusion2.target_total_wb.gy(), 4.0);
    assert_eq!(p.infusion2.interval_nominal_days, 14);
    assert_eq!(p.melphalan.dose_per_area.mg_per_m2(), 110.0);
    assert_eq!(p.melphalan.bsa_formula, BsaFormula::Mosteller);
    let sc = p.melphalan.small_child.unwrap();
    assert_eq!((sc.below_weight.kg(), sc.divisor), (12.0, 30.0));
    assert_eq!(p.radiation_protection.caregiver_constraint.msv(), 5.0);
    assert_eq!(p.radiation_protection.public_constraint.msv(), 1.0);
    // 0.07647 µSv·m²/(MBq·h): Dorn's constant (docs/reference/dosimetry.md §8.1).
    assert_eq!(
        p.radiation_protection.dose_rate_constant.usv_m2_per_mbq_h(),
        0.07647
    );
    assert_eq!(p.caps.max_total_activity.mbq(), 40_000.0);
}

#[test]
fn every_seed_value_has_a_status_marker() {
    let p = Protocol::seed();
    assert!(p.value_status.len() >= 25, "{}", p.value_status.len());
    for v in &p.value_status {
        assert_ne!(v.status, Status::Unmarked, "{} has no marker", v.key);
        assert!(v.comment.len() > 10, "{} has no source", v.key);
    }
    let unverified: Vec<&str> = p.unverified().iter().map(|v| v.key.as_str()).collect();
    assert!(unverified.contains(&"melphalan.small_child.divisor"));
    assert!(unverified.contains(&"radiation_protection.stem_cell_return_usv_h_at_1m"));
    assert!(!unverified.contains(&"infusion1.activity_per_kg_mbq"));
    assert!(!unverified.contains(&"melphalan.dose_mg_per_m2"));
}

#[test]
fn negative_target_names_key_value_and_rule() {
    let text = seed_with("target_total_wb_gy = 4.0", "target_total_wb_gy = -4");
    assert_eq!(
        err(&text),
        "protocol.toml: infusion2.target_total_wb_gy = -4: must be > 0"
    );
}

#[test]
fn unknown_key_is_an_error_with_line_and_table() {
    let text = seed_with(
        "overshoot_margin_gy = 0.5",
        "overshoot_margin_gy = 0.5\ntarget_gy = 4",
    );
    let e = err(&text);
    assert!(e.starts_with("protocol.toml: line "), "{e}");
    assert!(e.contains("(in [infusion2])"), "{e}");
    assert!(e.contains("unknown field `target_gy`"), "{e}");
}

#[test]
fn missing_key_and_wrong_type_are_errors() {
    let text = seed_with("dose_mg_per_m2 = 110.0", "");
    assert!(
        err(&text).contains("missing field `dose_mg_per_m2`"),
        "{}",
        err(&text)
    );
    let text = seed_with(
        "interval_nominal_days = 14",
        "interval_nominal_days = \"two weeks\"",
    );
    let e = err(&text);
    assert!(e.starts_with("protocol.toml: line ") && e.contains("(in [infusion2]): infusion2.interval_nominal_days: invalid type: string \"two weeks\", expected u32"), "{e}");
    let text = seed_with("bsa_formula = \"mosteller\"", "bsa_formula = \"boyd\"");
    let e = err(&text);
    assert!(e.contains("unknown variant `boyd`"), "{e}");
}

#[test]
fn cross_field_rules() {
    let e = err(&seed_with(
        "interval_min_days = 12",
        "interval_min_days = 15",
    ));
    assert_eq!(
        e,
        "protocol.toml: infusion2.interval_nominal_days = 14: must lie within infusion2.interval_min_days..=interval_max_days (15..=16)"
    );
    let e = err(&seed_with("max_total_wb_gy = 4.5", "max_total_wb_gy = 3.5"));
    assert_eq!(
        e,
        "protocol.toml: infusion2.target_total_wb_gy = 4: must be <= caps.max_total_wb_gy (3.5)"
    );
    let e = err(&seed_with(
        "[stem_cells]\ndays_after_infusion2 = 14",
        "[stem_cells]\ndays_after_infusion2 = 13",
    ));
    assert!(e.starts_with("protocol.toml: stem_cells.days_after_infusion2 = 13: must be > melphalan.days_after_infusion2 (13)"), "{e}");
    let e = err(&seed_with(
        "self_attenuation_factor = 1.0",
        "self_attenuation_factor = 1.2",
    ));
    assert_eq!(
        e,
        "protocol.toml: radiation_protection.self_attenuation_factor = 1.2: must be <= 1"
    );
    let e = err(&seed_with(
        "activity_per_kg_mbq = 444.0",
        "activity_per_kg_mbq = 0",
    ));
    assert_eq!(
        e,
        "protocol.toml: infusion1.activity_per_kg_mbq = 0: must be > 0"
    );
    let e = err(&seed_with("divisor = 30.0", "divisor = nan"));
    assert_eq!(
        e,
        "protocol.toml: melphalan.small_child.divisor = NaN: must be a finite number"
    );
}

#[test]
fn serialises_back_to_an_equivalent_file() {
    let p = Protocol::seed();
    let text = toml::to_string(&p).unwrap();
    assert!(text.contains("activity_per_kg_mbq = 444.0"), "{text}");
    assert!(text.contains("max_total_activity_gbq = 40.0"), "{text}");
    let back = Protocol::from_toml(&text, "round trip").unwrap();
    assert_eq!(back.infusion1, p.infusion1);
    assert_eq!(back.infusion2, p.infusion2);
    assert_eq!(back.caps, p.caps);
    assert_eq!(back.melphalan, p.melphalan);
    assert_eq!(back.radiation_protection, p.radiation_protection);
    // The round-tripped file has no comments, so no markers.
    assert!(
        back.value_status
            .iter()
            .all(|v| v.status == Status::Unmarked)
    );
}

#[test]
fn seed_schedule_days() {
    // Day 0 infusion 1; infusion 2 day 14 (window 12–16); melphalan 14 + 13 = 27;
    // stem cells 14 + 14 = 28.
    let s = Protocol::seed().schedule();
    type Row = (Event, u32, Option<(u32, u32)>);
    let days: Vec<Row> = s.iter().map(|e| (e.event, e.day, e.window)).collect();
    assert_eq!(
        days,
        vec![
            (Event::Infusion1, 0, None),
            (Event::Infusion2, 14, Some((12, 16))),
            (Event::Melphalan, 27, Some((25, 29))),
            (Event::StemCellReturn, 28, Some((26, 30))),
        ]
    );
}

#[test]
fn plan_20kg_child_by_hand() {
    let p = Protocol::seed();
    let pl = plan(&p, Mass::from_kg(20.0), Length::from_cm(115.0)).unwrap();
    // 444 × 20 = 8880 MBq = 240 mCi.
    assert_eq!(pl.infusion1.activity.mbq(), 8880.0);
    assert_eq!(pl.infusion1.activity.mci(), 240.0);
    assert!(pl.infusion1.cap.is_none());
    // Max A2 = min(777 × 20 = 15540, 40000 − 8880 = 31120) = 15540 MBq.
    assert_eq!(pl.infusion2.max_activity.mbq(), 15540.0);
    assert_eq!(
        pl.infusion2.max_activity_limit,
        Limit::Infusion2MaxActivityPerKg
    );
    // Mosteller √(115·20/3600) = √0.638889 = 0.799305 m²; × 110 = 87.9235 mg.
    assert!((pl.melphalan.bsa.m2() - 0.799305).abs() < 1e-6);
    assert!((pl.melphalan.dose.mg() - 87.9235).abs() < 1e-3);
    assert!(pl.warnings.iter().any(|w| w.contains("not verified")));
}

#[test]
fn caps_bind_and_say_why() {
    let text = seed_with(
        "# max_activity_mbq = 20000.0",
        "max_activity_mbq = 20000.0 # [I] test",
    );
    let p = Protocol::from_toml(&text, "t").unwrap();
    // 60 kg × 444 = 26640 MBq > 20000 MBq cap.
    let pl = plan(&p, Mass::from_kg(60.0), Length::from_cm(165.0)).unwrap();
    assert_eq!(pl.infusion1.activity.mbq(), 20000.0);
    let cap = pl.infusion1.cap.as_ref().unwrap();
    assert_eq!(cap.limit, Limit::Infusion1MaxActivity);
    assert_eq!(cap.uncapped.mbq(), 26640.0);
    assert!(
        cap.reason
            .contains("26640 MBq exceeds infusion1.max_activity_mbq"),
        "{}",
        cap.reason
    );
    // 20000 / 60 = 333.33 MBq/kg given.
    assert!((pl.infusion1.given_per_kg.mbq_per_kg() - 333.3333).abs() < 1e-3);
    // Max A2 = min(777 × 60 = 46620, 40000 − 20000 = 20000) → course cap.
    assert_eq!(pl.infusion2.max_activity.mbq(), 20000.0);
    assert_eq!(
        pl.infusion2.max_activity_limit,
        Limit::CourseMaxTotalActivity
    );

    // Course cap below infusion 1: 30 GBq cap, 80 kg × 444 = 35520 MBq.
    let text = seed_with(
        "max_total_activity_gbq = 40.0",
        "max_total_activity_gbq = 30.0",
    );
    let p = Protocol::from_toml(&text, "t").unwrap();
    let pl = plan(&p, Mass::from_kg(80.0), Length::from_cm(180.0)).unwrap();
    assert_eq!(pl.infusion1.activity.mbq(), 30000.0);
    assert_eq!(
        pl.infusion1.cap.as_ref().unwrap().limit,
        Limit::CourseMaxTotalActivity
    );
    assert_eq!(pl.infusion2.max_activity.mbq(), 0.0);
    assert!(pl.warnings.iter().any(|w| w.contains("unlikely")));
}

#[test]
fn implausible_patients_are_errors() {
    let p = Protocol::seed();
    assert_eq!(
        plan(&p, Mass::from_kg(1.5), Length::from_cm(100.0)),
        Err(PlanError::Weight(1.5))
    );
    assert_eq!(
        plan(&p, Mass::from_kg(20.0), Length::from_cm(1.15)),
        Err(PlanError::Height(1.15))
    );
    assert!(plan(&p, Mass::from_kg(f64::NAN), Length::from_cm(100.0)).is_err());
    // Valid but odd: 20 kg at 180 cm, BMI 6.2 → warning.
    let pl = plan(&p, Mass::from_kg(20.0), Length::from_cm(180.0)).unwrap();
    assert!(pl.warnings.iter().any(|w| w.contains("body-mass index")));
}

#[test]
fn small_child_plan_warns() {
    // 9 kg, 75 cm: 3.6667 mg/kg × 9 = 33 mg.
    let pl = plan(&Protocol::seed(), Mass::from_kg(9.0), Length::from_cm(75.0)).unwrap();
    assert!((pl.melphalan.dose.mg() - 33.0).abs() < 1e-9);
    assert!(pl.warnings.iter().any(|w| w.contains("dosed per kg")));
}

#[test]
fn example_protocols_parse() {
    // Other regimens are files: the examples must stay valid.
    let text = include_str!("../../../examples/protocols/matthay-555.toml");
    let p = Protocol::from_toml(text, "matthay-555.toml").unwrap();
    assert_eq!(p.infusion1.activity_per_kg.mci_per_kg(), 15.0);
    assert!(p.value_status.iter().all(|v| v.status != Status::Unmarked));
}

#[test]
fn max_second_activity_at_a_new_weight() {
    let p = Protocol::seed();
    // Weight fell to 19.5 kg: 777 × 19.5 = 15151.5 MBq (per-kg cap binds).
    let (a, l) = p.max_second_activity(Mass::from_kg(19.5), mibg_units::Activity::from_mbq(8880.0));
    assert!((a.mbq() - 15151.5).abs() < 1e-9);
    assert_eq!(l, Limit::Infusion2MaxActivityPerKg);
    // 60 kg after 26640 MBq: min(46620, 40000 − 26640 = 13360) → course cap.
    let (a, l) =
        p.max_second_activity(Mass::from_kg(60.0), mibg_units::Activity::from_mbq(26640.0));
    assert!((a.mbq() - 13360.0).abs() < 1e-9);
    assert_eq!(l, Limit::CourseMaxTotalActivity);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Every BSA formula increases with weight and with height.
        #[test]
        fn bsa_increases_with_weight_and_height(w in 2.0f64..150.0, h in 40.0f64..220.0, dw in 0.1f64..10.0, dh in 0.1f64..10.0) {
            for f in BsaFormula::ALL {
                let a = f.bsa(Mass::from_kg(w), Length::from_cm(h)).m2();
                prop_assert!(f.bsa(Mass::from_kg(w + dw), Length::from_cm(h)).m2() > a);
                prop_assert!(f.bsa(Mass::from_kg(w), Length::from_cm(h + dh)).m2() > a);
            }
        }

        /// Uncapped infusion 1 is exactly rate × weight, and the plan never
        /// exceeds any cap.
        #[test]
        fn infusion1_is_rate_times_weight_within_caps(w in 2.0f64..150.0, h in 40.0f64..220.0) {
            let p = Protocol::seed();
            let pl = plan(&p, Mass::from_kg(w), Length::from_cm(h)).unwrap();
            let uncapped = 444.0 * w;
            if uncapped <= 40_000.0 {
                prop_assert!((pl.infusion1.activity.mbq() - uncapped).abs() < 1e-9 * uncapped);
                prop_assert!(pl.infusion1.cap.is_none());
            } else {
                prop_assert_eq!(pl.infusion1.activity.mbq(), 40_000.0);
            }
            prop_assert!(pl.infusion1.activity.mbq() + pl.infusion2.max_activity.mbq() <= 40_000.0 + 1e-6);
            prop_assert!(pl.melphalan.dose.mg() > 0.0);
        }
    }
}

#[test]
fn implausible_days_are_errors_not_an_overflow() {
    // Review: interval_max_days = 4294967295 made `mibg plan` panic with an
    // integer overflow while building the schedule. Every day count is
    // bounded to a year.
    let e = err(&seed_with(
        "interval_max_days = 16",
        "interval_max_days = 4294967295",
    ));
    assert_eq!(
        e,
        "protocol.toml: infusion2.interval_max_days = 4294967295: must be <= 365"
    );
    let e = err(&seed_with(
        "[stem_cells]\ndays_after_infusion2 = 14",
        "[stem_cells]\ndays_after_infusion2 = 4294967295",
    ));
    assert_eq!(
        e,
        "protocol.toml: stem_cells.days_after_infusion2 = 4294967295: must be <= 365"
    );
    let e = err(&seed_with(
        "days_after_infusion2 = 13",
        "days_after_infusion2 = 4294967294",
    ));
    assert_eq!(
        e,
        "protocol.toml: melphalan.days_after_infusion2 = 4294967294: must be <= 365"
    );
}

#[test]
fn small_child_divisor_must_be_a_plausible_kg_per_m2() {
    // Review: divisor = 1e-300 gave a melphalan dose of 1.1e303 mg. The
    // divisor is kg per m² (COG 30, docs/reference/dosimetry.md §9.2): 9 kg / 0.433 m² = 20.8 and
    // 32 kg / 1.1155 m² = 28.7 (hand, docs/reference/dosimetry.md §9.1 test vectors), so 10–60 covers
    // every child with a wide margin.
    let e = err(&seed_with("divisor = 30.0", "divisor = 1e-3"));
    assert_eq!(
        e,
        "protocol.toml: melphalan.small_child.divisor = 0.001: must be >= 10"
    );
    let e = err(&seed_with("divisor = 30.0", "divisor = 61"));
    assert_eq!(
        e,
        "protocol.toml: melphalan.small_child.divisor = 61: must be <= 60"
    );
    assert!(Protocol::from_toml(&seed_with("divisor = 30.0", "divisor = 10"), "p").is_ok());
}

#[test]
fn activity_caps_are_bounded_so_limits_stay_finite() {
    // Review: max_activity_per_kg_mbq = 1e308 made the infusion-2 limit
    // 1e308 × 20 kg = inf MBq. Per-kg rates are bounded like infusion 1
    // (1500 MBq/kg), absolute activities to 200 GBq (the largest published
    // course is 30.969 GBq single, 28.6 GBq total: docs/reference/dosimetry.md §6.3, §10.2).
    let e = err(&seed_with(
        "max_activity_per_kg_mbq = 777.0",
        "max_activity_per_kg_mbq = 1e308",
    ));
    assert!(
        e.starts_with("protocol.toml: infusion2.max_activity_per_kg_mbq = ")
            && e.ends_with(": must be <= 1500"),
        "{e}"
    );
    let e = err(&seed_with(
        "max_total_activity_gbq = 40.0",
        "max_total_activity_gbq = 201",
    ));
    assert_eq!(
        e,
        "protocol.toml: caps.max_total_activity_gbq = 201: must be <= 200"
    );
    let e = err(&seed_with(
        "# max_activity_mbq = 20000.0",
        "max_activity_mbq = 200001",
    ));
    assert_eq!(
        e,
        "protocol.toml: infusion1.max_activity_mbq = 200001: must be <= 200000"
    );
}

// --- the infusion-1 rule and the check of a given activity (one place) ---

#[test]
fn infusion1_activity_is_rate_times_weight_below_the_caps() {
    let p = Protocol::seed();
    // 444 MBq/kg × 20 kg = 8880 MBq (hand calculation), no cap.
    let i = p.infusion1_activity(Mass::from_kg(20.0));
    assert_eq!(i.activity.mbq(), 8880.0);
    assert_eq!(i.cap, None);
    // 444 × 90 = 39 960 MBq: just below the 40 GBq course cap, not capped.
    assert_eq!(p.infusion1_activity(Mass::from_kg(90.0)).cap, None);
}

#[test]
fn infusion1_activity_is_capped_by_the_course_total() {
    let p = Protocol::seed();
    // 444 × 130 = 57 720 MBq > 40 000 MBq course total → 40 000 MBq.
    let i = p.infusion1_activity(Mass::from_kg(130.0));
    assert_eq!(i.activity.mbq(), 40_000.0);
    let cap = i.cap.unwrap();
    assert_eq!(cap.limit, Limit::CourseMaxTotalActivity);
    assert_eq!(cap.uncapped.mbq(), 57_720.0);
    // plan() reports the same activity: one rule.
    let pl = plan(&p, Mass::from_kg(130.0), Length::from_cm(180.0)).unwrap();
    assert_eq!(pl.infusion1.activity.mbq(), 40_000.0);
    // And a given 40 000 MBq at 130 kg is exactly the prescription.
    let d = p
        .check_infusion1_given(Activity::from_mbq(40_000.0), Mass::from_kg(130.0), 0.25)
        .unwrap();
    assert_eq!(d.deviation, 0.0);
}

#[test]
fn infusion1_activity_is_capped_by_its_own_maximum_first() {
    let text = seed_with(
        "# max_activity_mbq = 20000.0",
        "max_activity_mbq = 20000.0 # [I] test",
    );
    let p = Protocol::from_toml(&text, "p.toml").unwrap();
    // 444 × 50 = 22 200 > 20 000 → 20 000 (infusion-1 cap).
    let i = p.infusion1_activity(Mass::from_kg(50.0));
    assert_eq!(i.activity.mbq(), 20_000.0);
    assert_eq!(i.cap.unwrap().limit, Limit::Infusion1MaxActivity);
    // 444 × 45 = 19 980 < 20 000: no cap.
    assert_eq!(p.infusion1_activity(Mass::from_kg(45.0)).cap, None);
}

#[test]
fn a_given_activity_is_checked_at_the_deviation_boundary() {
    let p = Protocol::seed();
    let w = Mass::from_kg(20.0);
    // 8880 × 1.25 = 11 100 (exactly +25 %): accepted; 11 101: refused.
    assert!(
        p.check_infusion1_given(Activity::from_mbq(11_100.0), w, 0.25)
            .is_ok()
    );
    assert!(
        p.check_infusion1_given(Activity::from_mbq(11_101.0), w, 0.25)
            .is_err()
    );
    // 8880 × 0.75 = 6660 (exactly −25 %): accepted; 6659: refused.
    assert!(
        p.check_infusion1_given(Activity::from_mbq(6660.0), w, 0.25)
            .is_ok()
    );
    assert!(
        p.check_infusion1_given(Activity::from_mbq(6659.0), w, 0.25)
            .is_err()
    );
    // A wider limit admits a real reduction.
    assert!(
        p.check_infusion1_given(Activity::from_mbq(4440.0), w, 0.5)
            .is_ok()
    );
}

#[test]
fn a_given_activity_in_the_wrong_unit_names_the_slip() {
    let p = Protocol::seed();
    let w = Mass::from_kg(20.0);
    // 240 mCi typed as MBq: 240/8880 = 1/37.
    let e = p
        .check_infusion1_given(Activity::from_mbq(240.0), w, 0.25)
        .unwrap_err()
        .to_string();
    assert!(e.contains("-97 %") && e.contains("1 mCi = 37 MBq"), "{e}");
    let e = p
        .check_infusion1_given(Activity::from_mbq(88_800.0), w, 0.25)
        .unwrap_err()
        .to_string();
    assert!(e.contains("+900 %") && e.contains("decimal point"), "{e}");
    let e = p
        .check_infusion1_given(Activity::from_mbq(8.88), w, 0.25)
        .unwrap_err()
        .to_string();
    assert!(e.contains("GBq"), "{e}");
    // A plain wrong number names no slip.
    let e = p
        .check_infusion1_given(Activity::from_mbq(3000.0), w, 0.25)
        .unwrap_err()
        .to_string();
    assert!(!e.contains('?'), "{e}");
    // Non-positive or non-finite is refused whatever the limit.
    assert!(
        p.check_infusion1_given(Activity::from_mbq(0.0), w, 10.0)
            .is_err()
    );
    assert!(
        p.check_infusion1_given(Activity::from_mbq(f64::NAN), w, 10.0)
            .is_err()
    );
}
