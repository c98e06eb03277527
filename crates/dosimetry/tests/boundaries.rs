//! Boundary-value tests of the dosimetry rules (issue 16): the S models
//! (docs/reference/dosimetry.md §5.3, §5.4), the phantom-table validation, the
//! second-activity rule with its caps (docs/reference/dosimetry.md §6.1, §6.4) and the texts that say which
//! model and variant were used. Each case at the boundary, just below and just
//! above, the expected value computed by hand from the source named.

use mibg_dosimetry::plan::{
    CapKind, Decision, NoSecondReason, PredictionVariant, SecondActivityRules, apply_rules,
    cap_second_activity, plan_second_activity,
};
use mibg_dosimetry::svalue::{ANALYTIC_VALID_KG, TABLE_S_TIMES_MASS_RANGE};
use mibg_dosimetry::{SModel, SValueError, parse_s_table};
use mibg_units::{AbsorbedDose, Activity, ActivityPerMass, DosePerActivity, Hours, Mass, SValue};

fn s_at(m: &SModel, kg: f64) -> Result<f64, SValueError> {
    m.s_value(Mass::from_kg(kg)).map(|s| s.gy_per_gbq_h())
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a / b - 1.0).abs() < rel
}

// --- Analytic model, docs/reference/dosimetry.md §5.3: S(m) = 0.11065/m +
// 0.0188/m^(2/3), valid 3–80 kg inclusive ("Do not use the model outside about
// 3–80 kg").
#[test]
fn analytic_model_range_is_inclusive_3_to_80_kg() {
    let m = SModel::default();
    assert_eq!(ANALYTIC_VALID_KG, (3.0, 80.0));
    // Hand: 0.11065/3 + 0.0188/3^(2/3) = 0.03688333 + 0.0188/2.0800838 = 0.04592143.
    assert!(close(s_at(&m, 3.0).unwrap(), 0.045_921_43, 1e-6));
    // Hand: 0.11065/80 + 0.0188/80^(2/3) = 0.00138313 + 0.0188/18.5663553 = 0.00239571.
    assert!(close(s_at(&m, 80.0).unwrap(), 0.002_395_71, 1e-5));
    assert!(s_at(&m, 3.001).is_ok() && s_at(&m, 79.999).is_ok());
    for kg in [2.999, 80.001, f64::NAN] {
        assert!(
            matches!(s_at(&m, kg), Err(SValueError::OutOfRange { min_kg, max_kg, .. }) if (min_kg, max_kg) == (3.0, 80.0)),
            "{kg} kg"
        );
    }
}

// A three-row table whose two segments follow different power laws
// (docs/reference/dosimetry.md §5.4: log–log interpolation between the
// neighbouring rows, no extrapolation). Segment 1: S = 0.02·(m/10)^−2 (S·m 0.2 → 0.1);
// segment 2: S = 0.005 (flat). Log–log interpolation is exact for a power law.
const THREE_ROWS: &str = "mass_kg,s_gy_per_gbq_h\n10,0.02\n20,0.005\n40,0.005\n";

#[test]
fn table_interpolates_within_the_right_segment() {
    let m = SModel::Table(parse_s_table("s.csv", THREE_ROWS).unwrap());
    // Knots (hand: the row values).
    assert!(close(s_at(&m, 10.0).unwrap(), 0.02, 1e-12));
    assert!(close(s_at(&m, 20.0).unwrap(), 0.005, 1e-12));
    assert!(close(s_at(&m, 40.0).unwrap(), 0.005, 1e-12));
    // Segment 1 at 10·√2 kg: 0.02 × (√2)^−2 = 0.01 (hand).
    assert!(close(s_at(&m, 10.0 * 2f64.sqrt()).unwrap(), 0.01, 1e-12));
    // Segment 1 at 12 kg: 0.02 × (1.2)^−2 = 0.0138889 (hand).
    assert!(close(s_at(&m, 12.0).unwrap(), 0.02 / 1.44, 1e-12));
    // Just below and above the middle knot.
    assert!(close(
        s_at(&m, 19.99).unwrap(),
        0.02 * (1.999f64).powi(-2),
        1e-12
    ));
    assert!(close(s_at(&m, 20.01).unwrap(), 0.005, 1e-12));
    // Segment 2 (flat) at 30 kg: 0.005.
    assert!(close(s_at(&m, 30.0).unwrap(), 0.005, 1e-12));
    // No extrapolation: the table's ends are inclusive, beyond is refused.
    for kg in [9.999, 40.001] {
        assert!(
            matches!(s_at(&m, kg), Err(SValueError::OutOfRange { min_kg, max_kg, .. }) if (min_kg, max_kg) == (10.0, 40.0)),
            "{kg} kg"
        );
    }
}

// --- Phantom-table validation (svalue.rs parse_s_table; physical range of S·m,
// docs/reference/dosimetry.md §5.1 and §2: 0.9·Δ_np = 0.099585 to
// 1.005·(Δ_np + Δ_p) = 1.005 × 0.33142 = 0.3330771 Gy·kg/(GBq·h), edges inclusive).
#[test]
fn s_table_s_times_mass_range_edges() {
    let (lo, hi) = TABLE_S_TIMES_MASS_RANGE;
    assert!((lo - 0.099_585).abs() < 1e-12, "{lo}");
    assert!((hi - 0.333_077_1).abs() < 1e-9, "{hi}");
    let table = |s1: f64| format!("mass_kg,s_gy_per_gbq_h\n1,{s1}\n2,0.1\n");
    // At 1 kg, S·m = S.
    assert!(
        parse_s_table("s.csv", &table(lo)).is_ok(),
        "lower edge inside"
    );
    assert!(parse_s_table("s.csv", &table(0.0996)).is_ok());
    assert!(
        parse_s_table("s.csv", &table(0.0995)).is_err(),
        "0.0995 < 0.099585"
    );
    assert!(
        parse_s_table("s.csv", &table(hi)).is_ok(),
        "upper edge inside"
    );
    assert!(parse_s_table("s.csv", &table(0.3330)).is_ok());
    let e = parse_s_table("s.csv", &table(0.3332)).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("s.csv line 2, column 's_gy_per_gbq_h': S = 0.3332"),
        "{e}"
    );
}

#[test]
fn s_table_values_must_be_finite_and_positive() {
    // A negative mass with a negative S gives a positive S·m (−1 × −0.2 = 0.2,
    // inside the range): it must be refused as not positive, not let through.
    for (text, col) in [
        ("mass_kg,s_gy_per_gbq_h\n-1,-0.2\n2,0.1\n", "mass_kg"),
        ("mass_kg,s_gy_per_gbq_h\n0,0.2\n2,0.1\n", "mass_kg"),
        ("mass_kg,s_gy_per_gbq_h\n1,0\n2,0.1\n", "s_gy_per_gbq_h"),
        ("mass_kg,s_gy_per_gbq_h\n1,0.2\n2,-0.1\n", "s_gy_per_gbq_h"),
        ("mass_kg,s_gy_per_gbq_h\n1,inf\n2,0.1\n", "s_gy_per_gbq_h"),
        ("mass_kg,s_gy_per_gbq_h\n1,NaN\n2,0.1\n", "s_gy_per_gbq_h"),
        ("mass_kg,s_gy_per_gbq_h\n1,\n2,0.1\n", "s_gy_per_gbq_h"),
    ] {
        let e = parse_s_table("s.csv", text).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("column '{col}'")) && msg.contains("positive number"),
            "{text:?}: {msg}"
        );
    }
    // The rule broken is named: an empty cell, and a cell that is not a number.
    let e = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n1,\n2,0.1\n").unwrap_err();
    assert!(
        e.to_string()
            .ends_with("column 's_gy_per_gbq_h': empty; a positive number is required"),
        "{e}"
    );
    let e = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\nabc,0.2\n2,0.1\n").unwrap_err();
    assert!(
        e.to_string()
            .ends_with("column 'mass_kg': 'abc' is not a positive number"),
        "{e}"
    );
    // The smallest positive values that pass the S·m range are accepted.
    assert!(parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n0.5,0.4\n2,0.1\n").is_ok());
}

#[test]
fn s_table_needs_two_rows_and_strictly_increasing_masses() {
    let one = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n1,0.2\n").unwrap_err();
    assert!(one.to_string().contains("1 row(s); at least 2"), "{one}");
    let none = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n").unwrap_err();
    assert!(none.to_string().contains("0 row(s); at least 2"), "{none}");
    let two = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n1,0.2\n2,0.1\n").unwrap();
    assert_eq!(two.rows.len(), 2);
    assert_eq!(
        two.rows[1],
        (Mass::from_kg(2.0), SValue::from_gy_per_gbq_h(0.1))
    );
    // Equal mass: not strictly increasing.
    let eq = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n1,0.2\n1,0.2\n").unwrap_err();
    assert!(
        eq.to_string().contains("line 3") && eq.to_string().contains("increase"),
        "{eq}"
    );
    assert!(parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n1,0.2\n1.001,0.2\n").is_ok());
}

// --- The texts that say how S and d₂ were computed (a result that misdescribes
// how it was computed is wrong).
#[test]
fn model_and_variant_texts_name_what_was_used() {
    let a = SModel::default();
    assert_eq!(a.name(), "analytic");
    let d = a.describe();
    assert!(
        d.starts_with("analytic two-component model S(m) = 0.11065/m + 0.0188/m^(2/3)"),
        "{d}"
    );
    assert!(d.contains("docs/reference/dosimetry.md §5.3"), "{d}");
    let t = SModel::Table(parse_s_table("phantoms.csv", THREE_ROWS).unwrap());
    assert_eq!(t.name(), "table");
    let d = t.describe();
    assert!(
        d.starts_with("phantom table phantoms.csv (3 rows 10–40 kg, log–log interpolation"),
        "{d}"
    );
    // Without `--s-extrapolate` a supplied table is not extended beyond its rows.
    assert!(d.contains("not extrapolated"), "{d}");
    assert!(d.contains("docs/reference/dosimetry.md §5.4"), "{d}");

    assert!(
        PredictionVariant::SameTau
            .describe()
            .starts_with("variant 2: same τ")
    );
    assert!(
        PredictionVariant::SameDosePerActivity
            .describe()
            .starts_with("variant 1: same dose per activity")
    );
    assert!(
        PredictionVariant::Factor { c: 1.1 }
            .describe()
            .starts_with("variant 3: d₂ = 1.1 × d₁")
    );
}

// --- d₂ by variant (docs/reference/dosimetry.md §6.1): τ₁ = 100 h, S(m₁) = 0.01,
// S(m₂) = 0.008 Gy/(GBq·h): variant 2 → 100 × 0.008 = 0.8 Gy/GBq, variant 1 →
// 1.0, variant 3 with c = 1.1 → 1.1 (hand).
#[test]
fn dose_per_activity_by_variant() {
    let (tau, s1, s2) = (
        Hours::new(100.0),
        SValue::from_gy_per_gbq_h(0.01),
        SValue::from_gy_per_gbq_h(0.008),
    );
    let d = |v: PredictionVariant| v.dose_per_activity(tau, s1, s2).gy_per_gbq();
    assert!(close(d(PredictionVariant::SameTau), 0.8, 1e-12));
    assert!(close(d(PredictionVariant::SameDosePerActivity), 1.0, 1e-12));
    assert!(close(d(PredictionVariant::Factor { c: 1.1 }), 1.1, 1e-12));
}

// --- The second-activity rule and its caps (docs/reference/dosimetry.md §6.1,
// docs/reference/dosimetry.md §6.4). d₂ = 0.25 Gy/GBq, A₁ = 8880 MBq, m₂ = 20 kg throughout; A₂,raw =
// (target − D₁)/d₂ (hand).
fn rules() -> SecondActivityRules {
    SecondActivityRules {
        target_total: AbsorbedDose::from_gy(4.0),
        max_activity_per_kg: None,
        max_activity_per_infusion: None,
        max_total_activity: None,
        max_total_dose: None,
        min_worthwhile: None,
        overshoot_margin: AbsorbedDose::from_gy(0.5),
    }
}
fn cap(d1: f64, a1: f64, r: &SecondActivityRules) -> mibg_dosimetry::plan::CappedSecondActivity {
    cap_second_activity(
        AbsorbedDose::from_gy(d1),
        Activity::from_mbq(a1),
        Mass::from_kg(20.0),
        DosePerActivity::from_gy_per_gbq(0.25),
        r,
    )
}

#[test]
fn target_met_at_the_target_not_below() {
    let r = rules();
    // D₁ = 4 Gy = target: no second infusion (docs/reference/dosimetry.md §6.1: D₁ ≥ target).
    let at = cap(4.0, 8880.0, &r);
    assert_eq!(
        (at.decision, at.reason),
        (Decision::NoSecondInfusion, Some(NoSecondReason::TargetMet))
    );
    assert_eq!(at.activity, Activity::ZERO);
    assert!(at.caps.iter().all(Option::is_none));
    // D₁ = 3.5 Gy: A₂ = 0.5/0.25 = 2 GBq.
    let below = cap(3.5, 8880.0, &r);
    assert_eq!(below.decision, Decision::SecondInfusion);
    assert_eq!(below.activity.mbq(), 2000.0);
    assert_eq!(below.uncapped.mbq(), 2000.0);
    let above = cap(4.5, 8880.0, &r);
    assert_eq!(above.reason, Some(NoSecondReason::TargetMet));
    // (target − D₁)/d₂ = −2 GBq is reported as the uncapped value.
    assert_eq!(above.uncapped.mbq(), -2000.0);
}

#[test]
fn each_cap_binds_only_below_the_uncapped_activity() {
    // D₁ = 2 Gy → A₂,raw = 8 GBq = 8000 MBq (hand).
    let mut r = rules();
    r.max_activity_per_kg = Some(ActivityPerMass::from_mbq_per_kg(400.0)); // 400 × 20 = 8000: a tie
    let tie = cap(2.0, 8880.0, &r);
    assert_eq!((tie.activity.mbq(), tie.binding), (8000.0, None));
    r.max_activity_per_kg = Some(ActivityPerMass::from_mbq_per_kg(399.5)); // 7990
    let binds = cap(2.0, 8880.0, &r);
    assert_eq!(
        (binds.activity.mbq(), binds.binding),
        (7990.0, Some(CapKind::MaxActivityPerKg))
    );
    r.max_activity_per_kg = Some(ActivityPerMass::from_mbq_per_kg(400.5)); // 8010
    assert_eq!(cap(2.0, 8880.0, &r).binding, None);

    // Course total − A₁ (docs/reference/dosimetry.md §6.4): 16 880 − 8880 = 8000 (tie), 16 870 → 7990 binds.
    let mut r = rules();
    r.max_total_activity = Some(Activity::from_mbq(16_880.0));
    assert_eq!(cap(2.0, 8880.0, &r).binding, None);
    r.max_total_activity = Some(Activity::from_mbq(16_870.0));
    let c = cap(2.0, 8880.0, &r);
    assert_eq!(
        (c.activity.mbq(), c.binding),
        (7990.0, Some(CapKind::MaxTotalActivity))
    );
    assert_eq!(
        c.caps[2],
        Some((CapKind::MaxTotalActivity, Activity::from_mbq(7990.0)))
    );
    // A₁ above the course total: nothing allowed (never negative).
    r.max_total_activity = Some(Activity::from_mbq(8000.0));
    let none = cap(2.0, 8880.0, &r);
    assert_eq!(
        none.caps[2],
        Some((CapKind::MaxTotalActivity, Activity::ZERO))
    );
    assert_eq!(
        (none.decision, none.reason),
        (
            Decision::NoSecondInfusion,
            Some(NoSecondReason::NothingAllowed)
        )
    );

    // Total dose (docs/reference/dosimetry.md §6.4): (max − D₁)/d₂ = (4 − 2)/0.25 = 8 GBq (tie); 3.5 Gy → 6 GBq binds.
    let mut r = rules();
    r.max_total_dose = Some(AbsorbedDose::from_gy(4.0));
    assert_eq!(cap(2.0, 8880.0, &r).binding, None);
    r.max_total_dose = Some(AbsorbedDose::from_gy(3.5));
    let c = cap(2.0, 8880.0, &r);
    assert_eq!(
        (c.activity.mbq(), c.binding),
        (6000.0, Some(CapKind::MaxTotalDose))
    );
    // D₁ above the dose cap (target 5 Gy, cap 4.5, D₁ 4.6): nothing allowed, not negative.
    let mut r = rules();
    r.target_total = AbsorbedDose::from_gy(5.0);
    r.max_total_dose = Some(AbsorbedDose::from_gy(4.5));
    let c = cap(4.6, 8880.0, &r);
    assert_eq!(c.caps[3], Some((CapKind::MaxTotalDose, Activity::ZERO)));
    assert_eq!(c.reason, Some(NoSecondReason::NothingAllowed));

    // Per infusion: 8000 tie, 7990 binds.
    let mut r = rules();
    r.max_activity_per_infusion = Some(Activity::from_mbq(8000.0));
    assert_eq!(cap(2.0, 8880.0, &r).binding, None);
    r.max_activity_per_infusion = Some(Activity::from_mbq(7990.0));
    assert_eq!(
        cap(2.0, 8880.0, &r).binding,
        Some(CapKind::MaxActivityPerInfusion)
    );
}

#[test]
fn equal_caps_name_the_first_in_the_order_of_section_6_4() {
    // Per infusion 7000 and course total − A₁ = 15 880 − 8880 = 7000 and dose
    // (3.75 − 2)/0.25 = 7000: the first of the lowest, per infusion, binds.
    let mut r = rules();
    r.max_activity_per_infusion = Some(Activity::from_mbq(7000.0));
    r.max_total_activity = Some(Activity::from_mbq(15_880.0));
    r.max_total_dose = Some(AbsorbedDose::from_gy(3.75));
    let c = cap(2.0, 8880.0, &r);
    assert_eq!(
        (c.activity.mbq(), c.binding),
        (7000.0, Some(CapKind::MaxActivityPerInfusion))
    );
    // Per kg 350 × 20 = 7000 as well: per kg comes first.
    r.max_activity_per_kg = Some(ActivityPerMass::from_mbq_per_kg(350.0));
    assert_eq!(
        cap(2.0, 8880.0, &r).binding,
        Some(CapKind::MaxActivityPerKg)
    );
}

#[test]
fn minimum_worthwhile_refuses_only_below_it() {
    // A₂ = 8000 MBq (D₁ = 2 Gy); docs/reference/dosimetry.md §6.4: "below it, recommend no second infusion".
    let mut r = rules();
    r.min_worthwhile = Some(Activity::from_mbq(8000.0));
    let at = cap(2.0, 8880.0, &r);
    assert_eq!(
        (at.decision, at.activity.mbq()),
        (Decision::SecondInfusion, 8000.0)
    );
    r.min_worthwhile = Some(Activity::from_mbq(8000.5));
    let below = cap(2.0, 8880.0, &r);
    assert_eq!(
        (below.decision, below.reason, below.activity),
        (
            Decision::NoSecondInfusion,
            Some(NoSecondReason::BelowMinimumWorthwhile),
            Activity::ZERO
        )
    );
    assert_eq!(
        below.capped.mbq(),
        8000.0,
        "the capped value is still reported"
    );
    r.min_worthwhile = Some(Activity::from_mbq(7999.5));
    assert_eq!(cap(2.0, 8880.0, &r).decision, Decision::SecondInfusion);
    // The seed defaults (SecondActivityRules::default, protocols/seed.toml):
    // D₁ = 3.76 Gy → (4 − 3.76)/0.25 = 0.96 GBq < 1000 MBq; 3.74 → 1.04 GBq given.
    let seed = SecondActivityRules::default();
    assert_eq!(
        cap(3.76, 8880.0, &seed).reason,
        Some(NoSecondReason::BelowMinimumWorthwhile)
    );
    let c = cap(3.74, 8880.0, &seed);
    assert_eq!(c.decision, Decision::SecondInfusion);
    assert!(close(c.activity.mbq(), 1040.0, 1e-9));
}

// --- What the plan says (docs/reference/dosimetry.md §6.4: "A prescription
// limited by a cap names the cap that bound it"): the statement for each outcome,
// each cap's reason, and which cap binds. Activities in MBq and mCi (1 mCi =
// 37 MBq, docs/reference/dosimetry.md §2): 8000 MBq = 216.2 mCi, 7990 MBq = 215.9 mCi (hand).
fn statement(d1: f64, r: &SecondActivityRules) -> (Vec<(String, bool, String)>, String) {
    let (_, _, checks, _, statement, _) = apply_rules(
        AbsorbedDose::from_gy(d1),
        Activity::from_mbq(8880.0),
        Mass::from_kg(20.0),
        DosePerActivity::from_gy_per_gbq(0.25),
        r,
    );
    (
        checks
            .into_iter()
            .map(|c| (c.name, c.binds, c.reason))
            .collect(),
        statement,
    )
}

#[test]
fn the_statement_names_the_outcome() {
    let r = rules();
    assert_eq!(
        statement(4.0, &r).1,
        "No second infusion: D1 = 4.00 Gy already meets the 4.00 Gy target."
    );
    assert_eq!(
        statement(2.0, &r).1,
        "Second infusion of 8000 MBq (216.2 mCi) to reach the 4.00 Gy target."
    );
    let mut m = rules();
    m.min_worthwhile = Some(Activity::from_mbq(8000.5));
    assert_eq!(
        statement(2.0, &m).1,
        "No second infusion: the activity 8000 MBq (216.2 mCi) is below the minimum worthwhile 8000 MBq (216.2 mCi)."
    );
    m.max_activity_per_kg = Some(ActivityPerMass::from_mbq_per_kg(399.5));
    assert_eq!(
        statement(2.0, &m).1,
        "No second infusion: the capped activity 7990 MBq (215.9 mCi) is below the minimum worthwhile 8000 MBq (216.2 mCi)."
    );
    let mut n = rules();
    n.max_total_activity = Some(Activity::from_mbq(8000.0));
    assert_eq!(
        statement(2.0, &n).1,
        "No second infusion: a cap allows no further activity."
    );
}

#[test]
fn every_cap_is_listed_with_its_reason_and_only_the_binding_one_binds() {
    let mut r = rules();
    r.max_activity_per_kg = Some(ActivityPerMass::from_mbq_per_kg(400.0)); // 8000
    r.max_activity_per_infusion = Some(Activity::from_mbq(9000.0));
    r.max_total_activity = Some(Activity::from_mbq(16_870.0)); // 7990: binds
    r.max_total_dose = Some(AbsorbedDose::from_gy(4.5)); // 10 000
    let (checks, s) = statement(2.0, &r);
    assert_eq!(
        checks,
        vec![
            (
                "max_activity_per_kg".to_string(),
                false,
                "400 MBq/kg (10.8 mCi/kg) × 20.0 kg".to_string()
            ),
            (
                "max_activity_per_infusion".to_string(),
                false,
                "9000 MBq (243.2 mCi) per infusion".to_string()
            ),
            (
                "max_total_activity".to_string(),
                true,
                "course total 16870 MBq (455.9 mCi) minus A1 8880 MBq (240.0 mCi)".to_string()
            ),
            (
                "max_total_dose".to_string(),
                false,
                "total whole-body dose ≤ 4.50 Gy".to_string()
            ),
        ]
    );
    assert_eq!(
        s,
        "Second infusion of 7990 MBq (215.9 mCi) limited by the cap max_total_activity (uncapped 8000 MBq (216.2 mCi))."
    );
}

#[test]
fn the_plan_carries_the_predicted_doses() {
    // A₂ = 8000 MBq at 20 kg → 400 MBq/kg; D₂ = 8 GBq × 0.25 Gy/GBq = 2 Gy;
    // D₁ + D₂ = 2 + 2 = 4 Gy (hand, docs/reference/dosimetry.md §6.1).
    let p = plan_second_activity(
        AbsorbedDose::from_gy(2.0),
        Activity::from_mbq(8880.0),
        Mass::from_kg(20.0),
        DosePerActivity::from_gy_per_gbq(0.25),
        SValue::from_gy_per_gbq_h(0.008),
        PredictionVariant::SameTau,
        &rules(),
    );
    assert_eq!(p.decision, Decision::SecondInfusion);
    assert_eq!(p.activity_mbq.mbq(), 8000.0);
    assert_eq!(p.uncapped_mbq.mbq(), 8000.0);
    assert_eq!(p.activity_per_kg.mbq_per_kg(), 400.0);
    assert_eq!(p.predicted_dose2.gy(), 2.0);
    assert_eq!(p.predicted_total.gy(), 4.0);
    assert_eq!(p.s_value2.gy_per_gbq_h(), 0.008);
    assert_eq!(p.variant, PredictionVariant::SameTau);
    assert_eq!(p.binding_cap, None);
    assert_eq!(
        p.statement,
        "Second infusion of 8000 MBq (216.2 mCi) to reach the 4.00 Gy target."
    );
}
