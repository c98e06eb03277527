//! Boundary-value tests of every threshold of the protocol crate (issue 16):
//! each rule at its boundary, just below and just above, with the expected
//! value taken from the rule's source (named at each case), never from what
//! the code printed before. Fixed cases only: each is deterministic.
//!
//! Sources of the [I] thresholds (design choices without a literature
//! value) are the documented constants themselves; the test pins the
//! documented rule ("outside 2–150 kg is refused", "below 10 kg …").

use mibg_protocol::melphalan::{MelphalanBasis, melphalan_dose};
use mibg_protocol::plan::{
    BMI_WARN_RANGE, BSA_DOSING_CAUTION_BELOW_KG, DEFAULT_MAX_INFUSION1_DEVIATION, HEIGHT_RANGE_CM,
    Limit, PlanError, WEIGHT_RANGE_KG, plan,
};
use mibg_protocol::{Protocol, SmallChildRule};
use mibg_units::{Activity, Length, Mass};

fn kg(v: f64) -> Mass {
    Mass::from_kg(v)
}
fn cm(v: f64) -> Length {
    Length::from_cm(v)
}
fn mbq(v: f64) -> Activity {
    Activity::from_mbq(v)
}

fn warned(p: &mibg_protocol::plan::Plan, needle: &str) -> bool {
    p.warnings.iter().any(|w| w.contains(needle))
}

// --- Patient weight range: 2–150 kg, inclusive [I] (plan.rs WEIGHT_RANGE_KG:
// "outside it the input is almost certainly a typo or a wrong unit").
#[test]
fn weight_range_is_inclusive_at_2_and_150_kg() {
    let p = Protocol::seed();
    assert_eq!(WEIGHT_RANGE_KG, (2.0, 150.0));
    let h = cm(100.0);
    assert!(plan(&p, kg(2.0), h).is_ok(), "2 kg is inside 2–150 kg");
    assert!(plan(&p, kg(2.001), h).is_ok());
    assert!(matches!(plan(&p, kg(1.999), h), Err(PlanError::Weight(w)) if w == 1.999));
    assert!(plan(&p, kg(150.0), cm(200.0)).is_ok(), "150 kg is inside");
    assert!(plan(&p, kg(149.999), cm(200.0)).is_ok());
    assert!(matches!(plan(&p, kg(150.001), cm(200.0)), Err(PlanError::Weight(w)) if w == 150.001));
    assert!(matches!(
        plan(&p, kg(f64::NAN), h),
        Err(PlanError::Weight(_))
    ));
    assert!(matches!(
        plan(&p, kg(f64::INFINITY), h),
        Err(PlanError::Weight(_))
    ));
}

// --- Height range: 40–220 cm, inclusive [I] (plan.rs HEIGHT_RANGE_CM:
// "catches metres or inches typed as cm").
#[test]
fn height_range_is_inclusive_at_40_and_220_cm() {
    let p = Protocol::seed();
    assert_eq!(HEIGHT_RANGE_CM, (40.0, 220.0));
    assert!(plan(&p, kg(3.0), cm(40.0)).is_ok(), "40 cm is inside");
    assert!(plan(&p, kg(3.0), cm(40.001)).is_ok());
    assert!(matches!(plan(&p, kg(3.0), cm(39.999)), Err(PlanError::Height(h)) if h == 39.999));
    assert!(plan(&p, kg(100.0), cm(220.0)).is_ok(), "220 cm is inside");
    assert!(plan(&p, kg(100.0), cm(219.999)).is_ok());
    assert!(matches!(plan(&p, kg(100.0), cm(220.001)), Err(PlanError::Height(h)) if h == 220.001));
    assert!(matches!(
        plan(&p, kg(20.0), cm(f64::NAN)),
        Err(PlanError::Height(_))
    ));
    assert!(matches!(
        plan(&p, kg(20.0), cm(f64::INFINITY)),
        Err(PlanError::Height(_))
    ));
}

// --- BMI warning outside 10–40 kg/m², the edges inside [I] (plan.rs
// BMI_WARN_RANGE). BMI = weight / (height in m)²: at 200 cm, weight / 4; at
// 50 cm, weight / 0.25 = 4 × weight (hand, exact in binary).
#[test]
fn bmi_warning_outside_10_to_40_only() {
    let p = Protocol::seed();
    assert_eq!(BMI_WARN_RANGE, (10.0, 40.0));
    let bmi = |w: f64, h: f64| warned(&plan(&p, kg(w), cm(h)).unwrap(), "body-mass index");
    assert!(!bmi(40.0, 200.0), "BMI 10.0 is inside");
    assert!(bmi(39.96, 200.0), "BMI 9.99 is below 10");
    assert!(!bmi(40.04, 200.0));
    assert!(!bmi(10.0, 50.0), "BMI 40.0 is inside");
    assert!(bmi(10.0025, 50.0), "BMI 40.01 is above 40");
    assert!(!bmi(9.9975, 50.0));
    // The text names the BMI: 20 kg at 200 cm → 5.0; 20 kg at 50 cm → 80.0 (hand).
    let w = plan(&p, kg(20.0), cm(200.0)).unwrap();
    assert!(
        warned(
            &w,
            "weight 20 kg and height 200 cm give a body-mass index of 5.0 kg/m2, outside 10-40"
        ),
        "{:?}",
        w.warnings
    );
    let w = plan(&p, kg(20.0), cm(50.0)).unwrap();
    assert!(
        warned(&w, "body-mass index of 80.0 kg/m2"),
        "{:?}",
        w.warnings
    );
}

// --- Infusion 1 = 444 MBq/kg × weight (docs/reference/dosimetry.md §9.3), reduced
// to infusion1.max_activity only when it exceeds it (docs/reference/dosimetry.md §6.4: a cap binds when the
// activity is above it; at the cap the activity is unchanged and no cap is named).
#[test]
fn infusion1_max_activity_binds_only_above_it() {
    let mut p = Protocol::seed();
    // 444 × 20 = 8880 MBq exactly (hand).
    p.infusion1.max_activity = Some(mbq(8880.0));
    let at = p.infusion1_activity(kg(20.0));
    assert_eq!(at.activity.mbq(), 8880.0);
    assert!(at.cap.is_none(), "at the cap nothing is capped");
    let below = p.infusion1_activity(kg(19.99));
    assert_eq!(below.activity.mbq(), 444.0 * 19.99);
    assert!(below.cap.is_none());
    let above = p.infusion1_activity(kg(20.01));
    assert_eq!(above.activity.mbq(), 8880.0);
    let cap = above.cap.expect("20.01 kg × 444 = 8884.44 MBq > 8880");
    assert_eq!(cap.limit, Limit::Infusion1MaxActivity);
    assert!((cap.uncapped.mbq() - 8884.44).abs() < 1e-9);
    // given per kg = 8880 / 20.01 (hand).
    assert!((above.given_per_kg.mbq_per_kg() - 8880.0 / 20.01).abs() < 1e-12);
}

// --- Course total caps.max_total_activity (docs/reference/dosimetry.md §6.4):
// infusion 1 above it is reduced to it; at it, unchanged.
#[test]
fn course_total_binds_infusion1_only_above_it() {
    let mut p = Protocol::seed();
    p.caps.max_total_activity = mbq(8880.0);
    let at = p.infusion1_activity(kg(20.0));
    assert_eq!(at.activity.mbq(), 8880.0);
    assert!(at.cap.is_none(), "at the course total nothing is capped");
    assert!(p.infusion1_activity(kg(19.99)).cap.is_none());
    let above = p.infusion1_activity(kg(20.01));
    assert_eq!(above.activity.mbq(), 8880.0);
    assert_eq!(above.cap.unwrap().limit, Limit::CourseMaxTotalActivity);
    // Seed (40 GBq): 90 kg → 39 960 MBq, not capped; 91 kg → 40 404 → 40 000 (hand).
    let seed = Protocol::seed();
    let a90 = seed.infusion1_activity(kg(90.0));
    assert_eq!((a90.activity.mbq(), a90.cap.is_none()), (39_960.0, true));
    let a91 = seed.infusion1_activity(kg(91.0));
    assert_eq!(a91.activity.mbq(), 40_000.0);
    assert_eq!(a91.cap.unwrap().limit, Limit::CourseMaxTotalActivity);
}

// --- Largest A2 = min(777 MBq/kg × m2, 40 000 − A1), never below 0
// (docs/reference/dosimetry.md §6.4; seed values §6.3). At a tie the per-kg cap is
// named: the first of the lowest caps in the order of docs/reference/dosimetry.md §6.4 (as in
// mibg_dosimetry::plan::cap_second_activity).
#[test]
fn max_second_activity_at_the_course_total_edge() {
    let p = Protocol::seed();
    // 777 × 20 = 15 540 MBq (hand); 40 000 − 24 460 = 15 540: a tie.
    assert_eq!(
        p.max_second_activity(kg(20.0), mbq(24_460.0)),
        (mbq(15_540.0), Limit::Infusion2MaxActivityPerKg)
    );
    assert_eq!(
        p.max_second_activity(kg(20.0), mbq(24_459.0)),
        (mbq(15_540.0), Limit::Infusion2MaxActivityPerKg)
    );
    assert_eq!(
        p.max_second_activity(kg(20.0), mbq(24_461.0)),
        (mbq(15_539.0), Limit::CourseMaxTotalActivity)
    );
    // A1 above the course total: nothing remains (never negative).
    assert_eq!(
        p.max_second_activity(kg(20.0), mbq(41_000.0)),
        (Activity::ZERO, Limit::CourseMaxTotalActivity)
    );
    // Exactly the course total: 0 remains.
    assert_eq!(
        p.max_second_activity(kg(20.0), mbq(40_000.0)),
        (Activity::ZERO, Limit::CourseMaxTotalActivity)
    );
}

// --- Minimum worthwhile A2 (docs/reference/dosimetry.md §6.4: "below it, recommend
// no second infusion"): the plan warns only when the largest allowed A2 is below it.
#[test]
fn minimum_worthwhile_warning_only_below_it() {
    let mut p = Protocol::seed();
    // 20 kg: A1 = 8880, largest A2 = min(15 540, 31 120) = 15 540 MBq (hand).
    let warn = |p: &Protocol| {
        warned(
            &plan(p, kg(20.0), cm(120.0)).unwrap(),
            "below the minimum worthwhile activity",
        )
    };
    p.infusion2.min_worthwhile_activity = mbq(15_540.0);
    assert!(!warn(&p), "equal to the minimum is not below it");
    p.infusion2.min_worthwhile_activity = mbq(15_540.5);
    assert!(warn(&p), "15 540 < 15 540.5");
    p.infusion2.min_worthwhile_activity = mbq(15_539.5);
    assert!(!warn(&p));
    // Seed minimum 1000 MBq: 2 kg → largest A2 = 777 × 2 = 1554 (no warning);
    // with the course total at 888 + 999 the remainder is 999 < 1000 (warning).
    let seed = Protocol::seed();
    assert!(!warn_at(&seed, 2.0));
    let mut tight = Protocol::seed();
    tight.caps.max_total_activity = mbq(888.0 + 999.0);
    assert!(warn_at(&tight, 2.0));
    tight.caps.max_total_activity = mbq(888.0 + 1000.0);
    assert!(!warn_at(&tight, 2.0));
}

fn warn_at(p: &Protocol, w: f64) -> bool {
    warned(
        &plan(p, kg(w), cm(50.0)).unwrap(),
        "below the minimum worthwhile activity",
    )
}

// --- Melphalan: BSA dosing below 10 kg can cause significant overdoses
// (Australian consensus, docs/reference/dosimetry.md §9.1): warned only when the
// per-m² rule is used below 10 kg; 10 kg itself is not below.
#[test]
fn bsa_dosing_caution_only_below_10_kg_without_small_child_rule() {
    assert_eq!(BSA_DOSING_CAUTION_BELOW_KG, 10.0);
    let mut p = Protocol::seed();
    p.melphalan.small_child = None;
    let caution = |p: &Protocol, w: f64| {
        warned(
            &plan(p, kg(w), cm(75.0)).unwrap(),
            "BSA dosing below 10 kg can cause significant overdoses",
        )
    };
    assert!(caution(&p, 9.99), "9.99 kg per m² is below 10 kg");
    assert!(caution(&p, 2.0));
    assert!(!caution(&p, 10.0), "10 kg is not below 10 kg");
    assert!(!caution(&p, 10.01));
    assert!(!caution(&p, 20.0));
    // With the seed's small-child rule (< 12 kg per kg, docs/reference/dosimetry.md §9.2) a 9 kg child is
    // dosed per kg: the per-m² caution does not apply, the per-kg note does.
    let seed = Protocol::seed();
    assert!(!caution(&seed, 9.0));
    assert!(warned(
        &plan(&seed, kg(9.0), cm(75.0)).unwrap(),
        "melphalan dosed per kg: weight 9 kg is below melphalan.small_child.below_weight_kg = 12 kg"
    ));
    assert!(!warned(
        &plan(&seed, kg(12.0), cm(90.0)).unwrap(),
        "melphalan dosed per kg"
    ));
}

// --- Small-child rule (COG, docs/reference/dosimetry.md §9.2 [R]): below 12 kg the
// dose is (110 / 30) mg/kg × weight; at 12 kg and above, 110 mg/m² × BSA
// (Mosteller, docs/reference/dosimetry.md §9.1).
#[test]
fn small_child_rule_applies_strictly_below_12_kg() {
    let p = Protocol::seed();
    assert_eq!(
        p.melphalan.small_child,
        Some(SmallChildRule {
            below_weight: kg(12.0),
            divisor: 30.0
        })
    );
    // 11.99 kg: 110 / 30 × 11.99 = 43.963… mg (hand).
    let below = melphalan_dose(&p.melphalan, kg(11.99), cm(85.0));
    assert!(
        matches!(below.basis, MelphalanBasis::SmallChildPerKg { divisor, .. } if divisor == 30.0)
    );
    assert!((below.dose.mg() - 110.0 / 30.0 * 11.99).abs() < 1e-9);
    // 12 kg, 85 cm: BSA = √(85 × 12 / 3600) = 0.53229 m² → 58.552 mg (hand, docs/reference/dosimetry.md §9.1).
    let at = melphalan_dose(&p.melphalan, kg(12.0), cm(85.0));
    assert!(matches!(at.basis, MelphalanBasis::PerArea { .. }));
    let bsa = (85.0_f64 * 12.0 / 3600.0).sqrt();
    assert!((at.bsa.m2() - bsa).abs() < 1e-12);
    assert!((at.dose.mg() - 110.0 * bsa).abs() < 1e-9);
    assert!((at.dose.mg() - 58.552).abs() < 1e-3);
    let above = melphalan_dose(&p.melphalan, kg(12.01), cm(85.0));
    assert!(matches!(above.basis, MelphalanBasis::PerArea { .. }));
}

// --- Deviation of a given infusion-1 activity: accepted within ±25 % of the
// prescription, the edge included [I] (plan.rs DEFAULT_MAX_INFUSION1_DEVIATION).
// 20 kg → 8880 MBq (docs/reference/dosimetry.md §9.3); ±25 % = 6660 … 11 100 MBq (hand).
#[test]
fn infusion1_deviation_accepted_up_to_25_percent_inclusive() {
    let p = Protocol::seed();
    let d = DEFAULT_MAX_INFUSION1_DEVIATION;
    assert_eq!(d, 0.25);
    let check = |a: f64| p.check_infusion1_given(mbq(a), kg(20.0), d);
    assert!(check(11_100.0).is_ok(), "+25 % is accepted");
    assert!(check(6_660.0).is_ok(), "−25 % is accepted");
    assert!(check(11_099.0).is_ok());
    assert!(check(6_661.0).is_ok());
    let hi = check(11_101.0).unwrap_err().0;
    assert!((hi.deviation - 2221.0 / 8880.0).abs() < 1e-12);
    assert!(check(6_659.0).is_err());
    assert!(check(0.0).is_err() && check(-1.0).is_err() && check(f64::NAN).is_err());
    // Exactly the prescription: deviation 0.
    assert_eq!(check(8880.0).unwrap().deviation, 0.0);
}

// --- The slip named for a far-off activity (plan.rs likely_slip: each slip's
// factor ± 30 %): mCi for MBq is 1/37, GBq for MBq 1/1000, pounds 1/2.2046.
#[test]
fn deviation_names_the_slip_that_fits() {
    let p = Protocol::seed();
    let slip = |a: f64| {
        p.check_infusion1_given(mbq(a), kg(20.0), 0.25)
            .unwrap_err()
            .0
            .likely_slip
    };
    // 8880 MBq = 240 mCi (8880 / 37, hand): typed as MBq.
    assert!(slip(240.0).contains("in mCi"), "{}", slip(240.0));
    assert!(slip(8.88).contains("in GBq"));
    assert!(slip(8880.0 * 37.0).contains("converted from mCi twice"));
    assert!(slip(8880.0 / 2.2046).contains("a weight in pounds"));
    assert!(slip(8880.0 * 2.2046).contains("converted from pounds twice"));
    assert!(slip(88_800.0).contains("slipped decimal point"));
    assert!(slip(888.0).contains("slipped decimal point"));
    // +50 % fits no slip: the text is empty.
    assert_eq!(slip(13_320.0), "");
    // ± 30 % band edges around 1/37: ratio 0.71/37 fits, 0.69/37 does not.
    assert!(slip(8880.0 * 0.71 / 37.0).contains("in mCi"));
    assert!(!slip(8880.0 * 0.69 / 37.0).contains("in mCi"));
}

// The deviation rule refuses only |deviation| > limit + 1e-9 (the 1e-9 absorbs
// the rounding of an activity typed exactly at the limit; plan.rs
// check_infusion1_given). With a limit of 0.5 − 1e-9 the slack edge is 0.5
// exactly, reached by 1.5 × 8880 = 13 320 MBq (hand): accepted; 13 321 is not.
#[test]
fn deviation_slack_edge_is_inclusive() {
    let p = Protocol::seed();
    let max = 0.5 - 1e-9;
    assert_eq!(max + 1e-9, 0.5);
    assert!(
        p.check_infusion1_given(mbq(13_320.0), kg(20.0), max)
            .is_ok()
    );
    assert!(p.check_infusion1_given(mbq(4_440.0), kg(20.0), max).is_ok());
    assert!(
        p.check_infusion1_given(mbq(13_321.0), kg(20.0), max)
            .is_err()
    );
}

// Messages print huge numbers in scientific notation from 10¹⁵ (plan.rs `fixed`,
// a fuzz finding: 1e308 printed as 310 digits): 1e15 MBq is "1e15", 9.99e14 is
// printed in full.
#[test]
fn huge_activities_print_in_scientific_notation_from_1e15() {
    let p = Protocol::seed();
    let msg = |a: f64| {
        p.check_infusion1_given(mbq(a), kg(20.0), 0.25)
            .unwrap_err()
            .to_string()
    };
    assert!(msg(1e15).starts_with("1e15 MBq ("), "{}", msg(1e15));
    assert!(
        msg(999_999_999_999_999.0).starts_with("999999999999999.0 MBq ("),
        "{}",
        msg(999_999_999_999_999.0)
    );
}
