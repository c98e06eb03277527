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
    assert!(
        e.starts_with("protocol.toml: radiation_protection.self_attenuation_factor = 1.2: 1.2 is implausible (plausible 0.3-1: "),
        "{e}"
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
    // integer overflow while building the schedule. Every day count now has
    // a plausible range (plausible::INFUSION_INTERVAL_DAYS, 7-42 days;
    // plausible::DAYS_AFTER_INFUSION2, 1-56 days).
    let e = err(&seed_with(
        "interval_max_days = 16",
        "interval_max_days = 4294967295",
    ));
    assert!(
        e.starts_with(
            "protocol.toml: infusion2.interval_max_days = 4294967295: 4294967295 days is implausible (plausible 7-42 days"
        ),
        "{e}"
    );
    let e = err(&seed_with(
        "[stem_cells]\ndays_after_infusion2 = 14",
        "[stem_cells]\ndays_after_infusion2 = 4294967295",
    ));
    assert!(
        e.starts_with("protocol.toml: stem_cells.days_after_infusion2 = 4294967295: 4294967295 days is implausible (plausible 1-56 days"),
        "{e}"
    );
    let e = err(&seed_with(
        "days_after_infusion2 = 13",
        "days_after_infusion2 = 4294967294",
    ));
    assert!(
        e.starts_with("protocol.toml: melphalan.days_after_infusion2 = 4294967294: 4294967294 days is implausible"),
        "{e}"
    );
    // Weeks typed for days: named.
    let e = err(&seed_with(
        "interval_nominal_days = 14",
        "interval_nominal_days = 2",
    ));
    assert!(e.ends_with("; 2 weeks = 14 days?"), "{e}");
}

#[test]
fn small_child_divisor_must_be_a_plausible_kg_per_m2() {
    // Review: divisor = 1e-300 gave a melphalan dose of 1.1e303 mg. The
    // divisor is kg per m² (COG 30, docs/reference/dosimetry.md §9.2): 9 kg / 0.433 m² = 20.8 and
    // 32 kg / 1.1155 m² = 28.7 (hand, docs/reference/dosimetry.md §9.1 test vectors), so 10–60 covers
    // every child with a wide margin.
    let e = err(&seed_with("divisor = 30.0", "divisor = 1e-3"));
    assert!(
        e.starts_with(
            "protocol.toml: melphalan.small_child.divisor = 0.001: 0.001 kg/m2 is implausible (plausible 10-60 kg/m2"
        ),
        "{e}"
    );
    let e = err(&seed_with("divisor = 30.0", "divisor = 61"));
    assert!(e.contains("61 kg/m2 is implausible"), "{e}");
    assert!(Protocol::from_toml(&seed_with("divisor = 30.0", "divisor = 10"), "p").is_ok());
    assert!(Protocol::from_toml(&seed_with("divisor = 30.0", "divisor = 60"), "p").is_ok());
    assert!(Protocol::from_toml(&seed_with("divisor = 30.0", "divisor = 9.99"), "p").is_err());
}

#[test]
fn activity_caps_are_bounded_so_limits_stay_finite() {
    // Review: max_activity_per_kg_mbq = 1e308 made the infusion-2 limit
    // 1e308 × 20 kg = inf MBq. Every activity now has a two-sided plausible
    // range (crates/protocol/src/plausible.rs).
    let e = err(&seed_with(
        "max_activity_per_kg_mbq = 777.0",
        "max_activity_per_kg_mbq = 1e308",
    ));
    assert!(
        e.starts_with("protocol.toml: infusion2.max_activity_per_kg_mbq = ")
            && e.contains("MBq/kg is implausible (plausible 74-1110 MBq/kg"),
        "{e}"
    );
    let e = err(&seed_with(
        "max_total_activity_gbq = 40.0",
        "max_total_activity_gbq = 101",
    ));
    assert!(
        e.starts_with(
            "protocol.toml: caps.max_total_activity_gbq = 101: 101 GBq is implausible (plausible 5-100 GBq"
        ),
        "{e}"
    );
    let e = err(&seed_with(
        "# max_activity_mbq = 20000.0",
        "max_activity_mbq = 100001",
    ));
    assert!(
        e.starts_with(
            "protocol.toml: infusion1.max_activity_mbq = 100001: 100001 MBq is implausible"
        ),
        "{e}"
    );
    // MBq typed in the GBq field: named.
    let e = err(&seed_with(
        "max_total_activity_gbq = 40.0",
        "max_total_activity_gbq = 40000",
    ));
    assert!(e.ends_with("; 40000 MBq = 40 GBq?"), "{e}");
}

/// Issue 9: `activity_per_kg_mbq = 12` (the mCi/kg figure in the MBq/kg
/// field) gave a 37× underdose with only a review warning. It is refused,
/// with the slip named.
#[test]
fn the_mci_per_kg_figure_in_the_mbq_field_is_refused() {
    let e = err(&seed_with(
        "activity_per_kg_mbq = 444.0",
        "activity_per_kg_mbq = 12",
    ));
    assert!(
        e.starts_with(
            "protocol.toml: infusion1.activity_per_kg_mbq = 12: 12 MBq/kg is implausible (plausible 74-1110 MBq/kg"
        ),
        "{e}"
    );
    assert!(e.ends_with("; 12 mCi/kg = 444 MBq/kg?"), "{e}");
}

/// Every numeric value of the protocol is checked on both sides: for each
/// key, a value just below and just above its plausible range is refused
/// naming the key, and the boundaries themselves are accepted.
#[test]
fn every_value_is_bounded_on_both_sides() {
    use crate::plausible as pl;
    let keys: [(&str, &str, pl::PlausibleRange); 26] = [
        (
            "activity_per_kg_mbq = 444.0",
            "infusion1.activity_per_kg_mbq",
            pl::ACTIVITY_PER_KG,
        ),
        (
            "# max_activity_mbq = 20000.0",
            "infusion1.max_activity_mbq",
            pl::INFUSION_ACTIVITY,
        ),
        (
            "target_total_wb_gy = 4.0",
            "infusion2.target_total_wb_gy",
            pl::WB_DOSE,
        ),
        (
            "interval_nominal_days = 14",
            "infusion2.interval_nominal_days",
            pl::INFUSION_INTERVAL_DAYS,
        ),
        (
            "interval_min_days = 12",
            "infusion2.interval_min_days",
            pl::INFUSION_INTERVAL_DAYS,
        ),
        (
            "interval_max_days = 16",
            "infusion2.interval_max_days",
            pl::INFUSION_INTERVAL_DAYS,
        ),
        (
            "max_activity_per_kg_mbq = 777.0",
            "infusion2.max_activity_per_kg_mbq",
            pl::ACTIVITY_PER_KG,
        ),
        (
            "min_worthwhile_activity_mbq = 1000.0",
            "infusion2.min_worthwhile_activity_mbq",
            pl::MIN_WORTHWHILE_ACTIVITY,
        ),
        (
            "overshoot_margin_gy = 0.5",
            "infusion2.overshoot_margin_gy",
            pl::OVERSHOOT_MARGIN,
        ),
        (
            "max_total_activity_gbq = 40.0",
            "caps.max_total_activity_gbq",
            pl::COURSE_ACTIVITY,
        ),
        ("max_total_wb_gy = 4.5", "caps.max_total_wb_gy", pl::WB_DOSE),
        (
            "dose_mg_per_m2 = 110.0",
            "melphalan.dose_mg_per_m2",
            pl::MELPHALAN_PER_M2,
        ),
        (
            "below_weight_kg = 12.0",
            "melphalan.small_child.below_weight_kg",
            pl::SMALL_CHILD_WEIGHT,
        ),
        (
            "patient_release_usv_h_at_1m = 20.0",
            "radiation_protection.patient_release_usv_h_at_1m",
            pl::DOSE_RATE_THRESHOLD,
        ),
        (
            "stem_cell_return_usv_h_at_1m = 20.0",
            "radiation_protection.stem_cell_return_usv_h_at_1m",
            pl::DOSE_RATE_THRESHOLD,
        ),
        (
            "caregiver_constraint_msv = 5.0",
            "radiation_protection.caregiver_constraint_msv",
            pl::CAREGIVER_CONSTRAINT,
        ),
        (
            "public_constraint_msv = 1.0",
            "radiation_protection.public_constraint_msv",
            pl::PUBLIC_CONSTRAINT,
        ),
        (
            "dose_rate_constant_usv_m2_per_mbq_h = 0.07647",
            "radiation_protection.dose_rate_constant_usv_m2_per_mbq_h",
            pl::DOSE_RATE_CONSTANT,
        ),
        (
            "self_attenuation_factor = 1.0",
            "radiation_protection.self_attenuation_factor",
            pl::SELF_ATTENUATION,
        ),
        (
            "reading_noise_fraction = 0.05",
            "plausibility.reading_noise_fraction",
            pl::READING_NOISE,
        ),
        (
            "outlier_alpha = 0.05",
            "plausibility.outlier_alpha",
            pl::OUTLIER_ALPHA,
        ),
        (
            "min_r_squared = 0.98",
            "plausibility.min_r_squared",
            pl::MIN_R_SQUARED,
        ),
        (
            "max_relative_tau_se = 0.10",
            "plausibility.max_relative_tau_se",
            pl::MAX_RELATIVE_TAU_SE,
        ),
        (
            "max_bootstrap_failure_share = 0.10",
            "plausibility.max_bootstrap_failure_share",
            pl::MAX_BOOTSTRAP_FAILURE_SHARE,
        ),
        (
            "background_factor = 5.0",
            "plausibility.background_factor",
            pl::BACKGROUND_FACTOR,
        ),
        (
            "max_total_dose_uncertainty_gy = 0.5",
            "plausibility.max_total_dose_uncertainty_gy",
            pl::TOTAL_DOSE_UNCERTAINTY,
        ),
    ];
    for (line, key, r) in keys {
        let name = line.trim_start_matches("# ").split(" = ").next().unwrap();
        let is_days = key.ends_with("_days");
        // Keep cross-field rules satisfied: the interval triple moves together,
        // target and total cap move together.
        let text_with = |v: f64| -> String {
            let v_s = if is_days {
                format!("{}", v as u32)
            } else {
                format!("{v:?}")
            };
            let mut t = seed_with(line, &format!("{name} = {v_s}"));
            if key.starts_with("infusion2.interval_") {
                for other in [
                    "interval_nominal_days = 14",
                    "interval_min_days = 12",
                    "interval_max_days = 16",
                ] {
                    if !other.starts_with(name) {
                        let oname = other.split(" = ").next().unwrap();
                        t = t.replacen(other, &format!("{oname} = {}", v as u32), 1);
                    }
                }
            }
            if key == "infusion2.target_total_wb_gy" && v > 4.5 {
                t = t.replacen(
                    "max_total_wb_gy = 4.5",
                    &format!("max_total_wb_gy = {v:?}"),
                    1,
                );
            }
            if key == "caps.max_total_wb_gy" && v < 4.0 {
                t = t.replacen(
                    "target_total_wb_gy = 4.0",
                    &format!("target_total_wb_gy = {v:?}"),
                    1,
                );
            }
            t
        };
        for v in [r.lo, r.hi] {
            if v > 0.0 {
                Protocol::from_toml(&text_with(v), "p")
                    .unwrap_or_else(|e| panic!("{key} = {v} at the boundary: {e}"));
            }
        }
        let (below, above) = if is_days {
            (r.lo - 1.0, r.hi + 1.0)
        } else {
            (r.lo * 0.999, r.hi * 1.001)
        };
        for v in [below, above] {
            if v <= 0.0 || (v < r.lo && r.zero_allowed && v == 0.0) {
                continue;
            }
            let e = err(&text_with(v));
            let named = if key.starts_with("infusion2.interval_") {
                "infusion2.interval_"
            } else if key.ends_with("_wb_gy") && !e.contains(key) {
                // target and total cap moved together: the first one checked is named.
                "_wb_gy = "
            } else {
                key
            };
            assert!(
                e.contains(named) && e.contains("is implausible"),
                "{key} = {v}: {e}"
            );
        }
    }
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
    // The weight typed in pounds (20 kg = 44.09 lb): the prescription for
    // "44.09 kg" is 19 577 MBq, 8880 MBq is 0.4536 of it.
    let e = p
        .check_infusion1_given(Activity::from_mbq(8880.0), Mass::from_kg(44.09), 0.25)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("-55 %") && e.contains("a weight in pounds?"),
        "{e}"
    );
    // The weight with a slipped decimal point (2.0 for 20 kg): ×10.
    let e = p
        .check_infusion1_given(Activity::from_mbq(8880.0), Mass::from_kg(2.0), 0.25)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("decimal point in the activity or the weight"),
        "{e}"
    );
    // Band edges: ±30 % around 1/2.2046 (0.3175–0.5897) names pounds.
    for (given, named) in [(0.32, true), (0.58, true), (0.31, false), (0.60, false)] {
        let e = p
            .check_infusion1_given(Activity::from_mbq(8880.0 * given), w, 0.25)
            .unwrap_err()
            .to_string();
        assert_eq!(e.contains("pounds"), named, "{given}: {e}");
    }
    // A weight typed ×10 is hidden by the course cap (145 kg → 40 000 MBq,
    // ratio 0.16 names nothing); the weight that fits the activity is named.
    let e = p
        .check_infusion1_given(Activity::from_mbq(6440.0), Mass::from_kg(145.0), 0.25)
        .unwrap_err();
    assert_eq!(
        e.0.likely_slip,
        " (a slipped decimal point in the weight? 14.5 kg fits this activity)"
    );
    // Converted from mCi twice (×37) and from pounds twice (×2.2046 on the
    // weight: 8880 MBq for "9.07 kg").
    let e = p
        .check_infusion1_given(Activity::from_mbq(8880.0 * 37.0), w, 0.25)
        .unwrap_err()
        .to_string();
    assert!(e.contains("converted from mCi twice"), "{e}");
    let e = p
        .check_infusion1_given(
            Activity::from_mbq(8880.0),
            Mass::from_kg(20.0 / 2.2046),
            0.25,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("converted from pounds twice"), "{e}");
    // Decimal slips of the activity ×100, ×1000, ×1/100 name the decimal
    // point (×1/1000 is GBq).
    for f in [100.0, 1000.0, 0.01] {
        let e = p
            .check_infusion1_given(Activity::from_mbq(8880.0 * f), w, 0.25)
            .unwrap_err();
        assert_eq!(
            e.0.likely_slip, " (a slipped decimal point in the activity or the weight?)",
            "{f}"
        );
    }
    // A 60 kg patient typed as 132 (pounds): the course cap hides the ratio
    // (26 640 / 40 000 = 0.67); 132 lb = 59.9 kg fits the activity.
    let e = p
        .check_infusion1_given(Activity::from_mbq(444.0 * 60.0), Mass::from_kg(132.0), 0.25)
        .unwrap_err();
    assert_eq!(
        e.0.likely_slip,
        " (a weight in pounds? 59.9 kg fits this activity)"
    );
    // Zero matches no slip.
    let e = p
        .check_infusion1_given(Activity::ZERO, w, 0.25)
        .unwrap_err();
    assert_eq!(e.0.likely_slip, "");
    // Within the deviation no slip is looked for.
    let ok = p
        .check_infusion1_given(Activity::from_mbq(8880.0), w, 0.25)
        .unwrap();
    assert_eq!(ok.likely_slip, "");
    // A plain wrong number names no slip (2000/8880 = 0.225: no band).
    let e = p
        .check_infusion1_given(Activity::from_mbq(2000.0), w, 0.25)
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

#[test]
fn plan_json_carries_every_activity_in_mbq_and_mci_and_the_bsa_formula() {
    // Seed, 20 kg, by hand: 444 MBq/kg × 20 = 8880 MBq = 8880/37 = 240 mCi;
    // infusion-2 limit 777 × 20 = 15540 MBq = 420 mCi; minimum 1000 MBq =
    // 27.027… mCi.
    let p = plan(
        &Protocol::seed(),
        Mass::from_kg(20.0),
        Length::from_cm(110.0),
    )
    .unwrap();
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["infusion1"]["activity_mbq"], 8880.0);
    assert_eq!(v["infusion1"]["activity_mci"], 240.0);
    assert_eq!(v["infusion1"]["prescribed_mci_per_kg"], 12.0);
    assert_eq!(v["infusion1"]["given_mci_per_kg"], 12.0);
    assert_eq!(v["infusion2"]["max_activity_mci"], 420.0);
    assert_eq!(v["infusion2"]["min_worthwhile_activity_mci"], 1000.0 / 37.0);
    assert_eq!(v["melphalan"]["bsa_formula"], "mosteller");
    assert!(
        v["melphalan"]["bsa_formula_description"]
            .as_str()
            .unwrap()
            .starts_with("Mosteller (N Engl J Med 1987;317:1098)")
    );
    // No start date: no date fields at all.
    assert!(v.get("start_date").is_none());
    assert!(v["schedule"][0].get("date").is_none());
}

#[test]
fn a_capped_infusion1_shows_the_uncapped_activity_in_mci_too() {
    // 130 kg → 444 × 130 = 57 720 MBq = 1560 mCi, capped at the 40 GBq course total.
    let p = plan(
        &Protocol::seed(),
        Mass::from_kg(130.0),
        Length::from_cm(180.0),
    )
    .unwrap();
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["infusion1"]["cap"]["uncapped_mbq"], 57_720.0);
    assert_eq!(v["infusion1"]["cap"]["uncapped_mci"], 1560.0);
    assert_eq!(v["infusion1"]["cap"]["limit"], "course_max_total_activity");
}

#[test]
fn a_start_date_dates_every_schedule_entry_and_window() {
    // Seed: infusion 2 day 14 (12–16), melphalan day 27 (25–29), stem cells
    // day 28 (26–30). From 2026-12-20, by calendar: day 14 = 2027-01-03,
    // day 12 = 2027-01-01, day 16 = 2027-01-05; day 27 = 2027-01-16;
    // day 28 = 2027-01-17 (window 2027-01-15 to 2027-01-19).
    let start = jiff::civil::date(2026, 12, 20);
    let p = plan(
        &Protocol::seed(),
        Mass::from_kg(20.0),
        Length::from_cm(110.0),
    )
    .unwrap()
    .with_start_date(start)
    .unwrap();
    let dates: Vec<String> = p
        .schedule
        .iter()
        .map(|e| e.date.unwrap().to_string())
        .collect();
    assert_eq!(
        dates,
        ["2026-12-20", "2027-01-03", "2027-01-16", "2027-01-17"]
    );
    assert_eq!(p.schedule[0].window_dates, None);
    let w = p.schedule[1].window_dates.unwrap();
    assert_eq!(
        (w.0.to_string(), w.1.to_string()),
        ("2027-01-01".into(), "2027-01-05".into())
    );
    let w = p.schedule[3].window_dates.unwrap();
    assert_eq!(
        (w.0.to_string(), w.1.to_string()),
        ("2027-01-15".into(), "2027-01-19".into())
    );
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["start_date"], "2026-12-20");
    assert_eq!(v["schedule"][1]["window_dates"][1], "2027-01-05");
    // The end of the calendar is an error, not a wrapped date.
    let late = plan(
        &Protocol::seed(),
        Mass::from_kg(20.0),
        Length::from_cm(110.0),
    )
    .unwrap()
    .with_start_date(jiff::civil::date(9999, 12, 25));
    assert!(matches!(late, Err(PlanError::StartDate(_))));
}

/// Fuzz finding (issue 9, item 7), input class "huge field": a value of a
/// megabyte pasted into the protocol file was echoed whole in the syntax
/// error; it is quoted cut, with its length.
#[test]
fn huge_field_is_quoted_cut_in_the_error() {
    let huge = "x".repeat(1 << 20);
    let text = format!("[protocol]\n{huge} = 1\n");
    let e = Protocol::from_toml(&text, "p.toml")
        .unwrap_err()
        .to_string();
    assert!(e.len() < 1000, "{} characters", e.len());
    assert!(e.starts_with("p.toml: line 2 (in [protocol])"), "{e}");
    assert!(e.contains("characters)"), "{e}");
}

/// Fuzz finding (issue 9, item 7), input class "1e308": an infusion-1
/// activity of 1e308 MBq printed as hundreds of digits in the deviation
/// error; it prints in scientific notation.
#[test]
fn activity_of_1e308_prints_short_in_the_deviation_error() {
    let p = Protocol::seed();
    let e = p
        .check_infusion1_given(Activity::from_mbq(1e308), Mass::from_kg(20.0), 0.25)
        .unwrap_err()
        .to_string();
    assert!(e.len() < 400, "{e}");
    assert!(e.starts_with("1e308 MBq"), "{e}");
}
