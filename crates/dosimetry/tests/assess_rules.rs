//! The rules of [`mibg_dosimetry::assess`] and [`mibg_dosimetry::assess_second`]
//! themselves (issue 16): the checks of the request (masses, the weight change
//! between infusions, positive activities and options, the span of the
//! readings), every warning threshold at its edge, the stated 95 % interval of
//! A₂ and the delivered dose of infusion 2.
//!
//! The series are exact mono-exponentials, so every expected value is a hand
//! calculation: R(t) = 2^(−t/24 h) gives τ = 24/ln 2 = 34.624681 h
//! (docs/reference/dosimetry.md §4), S(20 kg) of the analytic model
//! 0.11065/m + 0.0188/m^(2/3) = 0.0080840526 Gy/(GBq·h) (docs/reference/dosimetry.md §5.3),
//! so for A₁ = 444 MBq/kg × 20 kg = 8880 MBq: D₁ = A₁·τ·S = 2.4855807 Gy,
//! d₂ = τ·S = 0.27990774 Gy/GBq and A₂ = (4 − D₁)/d₂ = 5410.423 MBq
//! (docs/reference/dosimetry.md §6.1, variant 1).

use mibg_dosimetry::plan::{Decision, PredictionVariant, SecondActivityRules};
use mibg_dosimetry::{
    DoseError, DoseRequest, IntervalMethod, ModelChoice, ModelKind, Readings, UncertaintyOptions,
    assess, assess_second, check_weight_change,
};
use mibg_units::{AbsorbedDose, Activity, ActivityPerMass, Hours, Mass};

const TAU_H: f64 = 34.624_680_981_335_125;
const D1_GY: f64 = 2.485_580_739_302_719;
const D2_GY_PER_GBQ: f64 = 0.279_907_740_912_468_4;
const A2_MBQ: f64 = 5_410.422_933_501_02;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a / b - 1.0).abs() < rel
}

/// R(t) = 2^(−t/half_life) at the given times, raw counts 1000·R.
fn mono(times: &[f64], half_life: f64) -> Readings {
    let pairs: Vec<(Hours, f64)> = times
        .iter()
        .map(|&t| (Hours::new(t), 1000.0 * (-t / half_life).exp2()))
        .collect();
    Readings::from_pairs("r.csv", &pairs, 0.05).unwrap()
}

const SCHEDULE: [f64; 7] = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0, 120.0];

/// ±4 % reading noise (a fixed pattern, so that every run fits the same).
const NOISE: [f64; 7] = [1.0, 1.03, 0.97, 1.02, 0.98, 1.04, 0.99];

/// R(t) = 2^(−t/half_life) at [`SCHEDULE`], each reading times its factor.
fn noisy(half_life: f64, noise: &[f64; 7]) -> Readings {
    let pairs: Vec<(Hours, f64)> = SCHEDULE
        .iter()
        .zip(noise)
        .map(|(&t, e)| (Hours::new(t), 1000.0 * (-t / half_life).exp2() * e))
        .collect();
    Readings::from_pairs("r.csv", &pairs, 1.0).unwrap()
}

fn request() -> DoseRequest {
    let mut r = DoseRequest::new(Mass::from_kg(20.0), Activity::from_mbq(8880.0));
    r.model = ModelChoice::Fixed(ModelKind::Mono);
    r.uncertainty = None;
    r
}

fn warned(w: &[String], needle: &str) -> bool {
    w.iter().any(|x| x.contains(needle))
}

#[test]
fn the_hand_case() {
    let a = assess(&mono(&SCHEDULE, 24.0), &request()).unwrap();
    assert!(close(a.tau_h.hours(), TAU_H, 1e-6));
    assert!(close(a.dose1.gy(), D1_GY, 1e-6));
    assert!(close(
        a.dose_per_activity1.gy_per_gbq(),
        D2_GY_PER_GBQ,
        1e-6
    ));
    assert!(close(a.plan.activity_mbq.mbq(), A2_MBQ, 1e-6));
    assert_eq!(a.plan.decision, Decision::SecondInfusion);
    assert!(a.plan.binding_cap.is_none());
    // Nothing doubtful in an exact series read for five days.
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

// --- The span of the readings: the last one at least 24 h after the end of
// infusion by default (DEFAULT_MIN_LAST_READING_H), the edge accepted.
#[test]
fn the_last_reading_must_reach_the_minimum_time() {
    let at_edge = mono(&[0.0, 2.0, 6.0, 12.0, 24.0], 24.0);
    assert!(assess(&at_edge, &request()).is_ok());
    let short = mono(&[0.0, 2.0, 6.0, 12.0, 23.9], 24.0);
    match assess(&short, &request()).unwrap_err() {
        DoseError::ReadingsTooShort {
            source_name,
            last_h,
            min_h,
        } => {
            assert_eq!(source_name, "r.csv");
            assert_eq!((last_h, min_h), (23.9, 24.0));
        }
        e => panic!("{e}"),
    }
    // The limit is an option; it must itself be a number > 0.
    let mut req = request();
    req.min_last_reading = Hours::new(23.9);
    assert!(assess(&short, &req).is_ok());
    req.min_last_reading = Hours::new(0.0);
    assert!(matches!(
        assess(&short, &req).unwrap_err(),
        DoseError::BadValue { field, .. } if field == "minimum time of the last reading (h)"
    ));
    // The same rule for the readings after infusion 2.
    let first = assess(&mono(&SCHEDULE, 24.0), &request()).unwrap();
    assert!(matches!(
        assess_second(&first, &short, Activity::from_mbq(5410.0)).unwrap_err(),
        DoseError::ReadingsTooShort { .. }
    ));
    assert!(assess_second(&first, &at_edge, Activity::from_mbq(5410.0)).is_ok());
}

// --- Masses: 2–150 kg inclusive (mibg_protocol::plan::WEIGHT_RANGE_KG). At
// the edges the mass passes this rule and the analytic S model (3–80 kg)
// refuses it instead: the error says which rule was broken.
#[test]
fn masses_outside_2_to_150_kg_are_refused_as_implausible() {
    let r = mono(&SCHEDULE, 24.0);
    let with = |m1: f64, m2: Option<f64>| {
        let mut q = request();
        q.mass1 = Mass::from_kg(m1);
        q.mass2 = m2.map(Mass::from_kg);
        q.max_weight_change = 1e9;
        assess(&r, &q)
    };
    for kg in [1.999, 150.001, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(with(kg, None), Err(DoseError::ImplausibleMass { field, .. }) if field == "weight"),
            "{kg}"
        );
    }
    for kg in [2.0, 150.0] {
        assert!(matches!(with(kg, None), Err(DoseError::SValue(_))), "{kg}");
    }
    for kg in [1.999, 150.001] {
        assert!(
            matches!(with(20.0, Some(kg)), Err(DoseError::ImplausibleMass { field, .. }) if field == "weight at infusion 2"),
            "{kg}"
        );
    }
    assert!(matches!(with(20.0, Some(150.0)), Err(DoseError::SValue(_))));
}

// --- The weight change between infusions: |m₂ − m₁|/m₁ ≤ 20 % by default
// (DEFAULT_MAX_WEIGHT_CHANGE), the edge accepted.
#[test]
fn the_weight_change_edge_is_accepted_and_beyond_it_refused() {
    let kg = Mass::from_kg;
    assert!(check_weight_change(kg(20.0), kg(24.0), 0.2).is_ok());
    assert!(check_weight_change(kg(20.0), kg(16.0), 0.2).is_ok());
    match check_weight_change(kg(20.0), kg(24.01), 0.2).unwrap_err() {
        DoseError::ImplausibleWeightChange {
            mass1_kg,
            mass2_kg,
            change_percent,
            max_percent,
        } => {
            assert_eq!((mass1_kg, mass2_kg), (20.0, 24.01));
            // Hand: 4.01/20 = 20.05 %.
            assert!((change_percent - 20.05).abs() < 1e-9);
            assert!((max_percent - 20.0).abs() < 1e-12);
        }
        e => panic!("{e}"),
    }
    assert!(check_weight_change(kg(20.0), kg(15.99), 0.2).is_err());
    // The tolerance itself (1e-9, so that an exact boundary passes): a
    // change of exactly 0.5 against a limit whose limit + 1e-9 is 0.5.
    let limit = 0.5 - 1e-9;
    assert_eq!(limit + 1e-9, 0.5);
    assert!(check_weight_change(kg(10.0), kg(15.0), limit).is_ok());
    assert!(check_weight_change(kg(10.0), kg(15.0), limit - 1e-9).is_err());
    for bad in [0.0, -0.2, f64::NAN] {
        assert!(matches!(
            check_weight_change(kg(20.0), kg(20.0), bad).unwrap_err(),
            DoseError::BadValue { field, .. } if field == "maximum weight change"
        ));
    }
    // assess applies it to mass2.
    let mut q = request();
    q.mass2 = Some(kg(24.01));
    assert!(matches!(
        assess(&mono(&SCHEDULE, 24.0), &q).unwrap_err(),
        DoseError::ImplausibleWeightChange { .. }
    ));
    q.mass2 = Some(kg(24.0));
    let a = assess(&mono(&SCHEDULE, 24.0), &q).unwrap();
    assert_eq!(a.plan.mass2_kg, kg(24.0));
}

// --- Activities, the target and the prediction factor must be finite and > 0.
#[test]
fn activities_target_and_factor_must_be_positive() {
    let r = mono(&SCHEDULE, 24.0);
    let field_of = |q: &DoseRequest| match assess(&r, q) {
        Err(DoseError::BadValue { field, rule, .. }) => {
            assert_eq!(rule, "must be a finite number > 0");
            field
        }
        other => panic!("{other:?}"),
    };
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let mut q = request();
        q.activity1 = Activity::from_mbq(bad);
        assert_eq!(field_of(&q), "activity of infusion 1 (MBq)");
        let mut q = request();
        q.rules.target_total = AbsorbedDose::from_gy(bad);
        assert_eq!(field_of(&q), "target dose (Gy)");
        let mut q = request();
        q.prediction = PredictionVariant::Factor { c: bad };
        assert_eq!(field_of(&q), "prediction factor c");
    }
    let mut q = request();
    q.prediction = PredictionVariant::Factor { c: 1.0 };
    assert!(assess(&r, &q).is_ok());
    let first = assess(&r, &request()).unwrap();
    for bad in [0.0, -1.0, f64::NAN] {
        assert!(matches!(
            assess_second(&first, &r, Activity::from_mbq(bad)).unwrap_err(),
            DoseError::BadValue { field, .. } if field == "activity of infusion 2 (MBq)"
        ));
    }
}

// --- The warning thresholds (WarningThresholds), each at its edge: equal
// to the value is not a warning, beyond it is.
#[test]
fn extrapolated_fraction_and_last_reading_edges() {
    let r = mono(&SCHEDULE, 24.0);
    let base = assess(&r, &request()).unwrap();
    // Hand: the share of τ after the last reading of a mono-exponential is
    // 2^(−120/24) = 1/32 = 0.03125.
    assert!((base.fit.extrapolated_fraction - 0.03125).abs() < 1e-9);
    let mut q = request();
    q.thresholds.max_extrapolated_fraction = base.fit.extrapolated_fraction;
    assert!(!warned(
        &assess(&r, &q).unwrap().warnings,
        "lies after the last reading"
    ));
    q.thresholds.max_extrapolated_fraction = 0.03;
    let w = assess(&r, &q).unwrap().warnings;
    assert!(
        warned(
            &w,
            "3.1 % of the time-integrated activity lies after the last reading (> 3 %)"
        ),
        "{w:?}"
    );
    let mut q = request();
    q.thresholds.min_last_reading = Hours::new(120.0);
    assert!(!warned(
        &assess(&r, &q).unwrap().warnings,
        "last reading at"
    ));
    q.thresholds.min_last_reading = Hours::new(120.5);
    assert!(warned(
        &assess(&r, &q).unwrap().warnings,
        "last reading at 120.0 h is earlier than 120 h: the slow phase is poorly determined"
    ));
}

#[test]
fn pre_void_delay_edge_is_one_hour() {
    // First reading exactly 1 h after the end of infusion: the default limit.
    let r = mono(&[1.0, 4.0, 24.0, 48.0, 72.0, 96.0, 120.0], 24.0);
    let a = assess(&r, &request()).unwrap();
    assert!(!warned(&a.warnings, "pre-void"), "{:?}", a.warnings);
    let mut q = request();
    q.thresholds.max_pre_void_delay = Hours::new(0.9);
    let w = assess(&r, &q).unwrap().warnings;
    assert!(
        warned(
            &w,
            "the pre-void reading was taken 1.0 h after the end of infusion (> 0.9 h)"
        ),
        "{w:?}"
    );
}

#[test]
fn r_squared_and_tau_se_edges() {
    // A noisy mono series: R² < 1 and SE(τ) > 0.
    let r = noisy(24.0, &NOISE);
    let base = assess(&r, &request()).unwrap();
    let r2 = base.fit.r_squared.unwrap();
    assert!(r2 < 1.0);
    let mut q = request();
    q.thresholds.min_r_squared = r2;
    assert!(!warned(&assess(&r, &q).unwrap().warnings, "poor fit"));
    q.thresholds.min_r_squared = 1.0;
    let w = assess(&r, &q).unwrap().warnings;
    assert!(warned(&w, "poor fit: R² = "), "{w:?}");
    assert!(
        warned(&w, "< 1 (check the readings and the model)"),
        "{w:?}"
    );

    let rel = base.fit.tau_se_h.unwrap().hours() / base.fit.tau_h.hours();
    assert!(rel > 0.0);
    let mut q = request();
    q.thresholds.max_relative_tau_se = rel;
    assert!(!warned(&assess(&r, &q).unwrap().warnings, "τ is uncertain"));
    q.thresholds.max_relative_tau_se = rel * 0.999;
    let w = assess(&r, &q).unwrap().warnings;
    assert!(warned(&w, "τ is uncertain: SE/τ = "), "{w:?}");
}

#[test]
fn runs_test_warning_edge_and_model() {
    // A bi-exponential (0.5·2^(−t/4) + 0.5·2^(−t/60)) fitted by one
    // exponential: the residuals run + + … − − … + +, too few runs.
    let times = [0.0, 2.0, 4.0, 8.0, 24.0, 48.0, 72.0, 96.0, 120.0];
    let pairs: Vec<(Hours, f64)> = times
        .iter()
        .map(|&t| {
            (
                Hours::new(t),
                500.0 * (-t / 4.0).exp2() + 500.0 * (-t / 60.0).exp2(),
            )
        })
        .collect();
    let r = Readings::from_pairs("r.csv", &pairs, 0.05).unwrap();
    let mut q = request();
    q.thresholds.min_r_squared = 0.0;
    q.thresholds.runs_test_z = 10.0;
    let w = assess(&r, &q).unwrap().warnings;
    assert!(
        warned(&w, "residuals show a systematic trend (runs test z = ")
            && warned(&w, "< 10): the mono model may not describe the kinetics"),
        "{w:?}"
    );
    q.thresholds.runs_test_z = -10.0;
    assert!(!warned(
        &assess(&r, &q).unwrap().warnings,
        "systematic trend"
    ));
    // At its edge: z equal to the threshold is not a trend. z by hand from
    // the fit's residual signs, Wald–Wolfowitz (docs/reference/dosimetry.md §4.3):
    // μ = 2n₁n₂/n + 1, σ² = 2n₁n₂(2n₁n₂ − n)/(n²(n − 1)), z = (R − μ)/σ.
    let res = assess(&r, &q).unwrap().fit.residuals;
    let signs: Vec<bool> = res.iter().map(|x| *x >= 0.0).collect();
    let n = signs.len() as f64;
    let pos = signs.iter().filter(|s| **s).count() as f64;
    let neg = n - pos;
    let runs = 1 + signs.windows(2).filter(|w| w[0] != w[1]).count();
    let mu = 2.0 * pos * neg / n + 1.0;
    let var = 2.0 * pos * neg * (2.0 * pos * neg - n) / (n * n * (n - 1.0));
    let z = (runs as f64 - mu) / var.sqrt();
    assert!(z < -1.0, "{z}");
    q.thresholds.runs_test_z = z;
    assert!(!warned(
        &assess(&r, &q).unwrap().warnings,
        "systematic trend"
    ));
    q.thresholds.runs_test_z = z + 1e-9;
    assert!(warned(
        &assess(&r, &q).unwrap().warnings,
        "systematic trend"
    ));
    // The trapezoid is not a model of the kinetics: no runs test.
    q.thresholds.runs_test_z = 10.0;
    q.model = ModelChoice::Fixed(ModelKind::Trapezoid);
    assert!(!warned(
        &assess(&r, &q).unwrap().warnings,
        "systematic trend"
    ));
}

#[test]
fn degrees_of_freedom_warning_below_three() {
    // Mono: 2 parameters. 4 readings leave 2 degrees of freedom, 5 leave 3.
    let four = mono(&[0.0, 24.0, 48.0, 72.0], 24.0);
    let w = assess(&four, &request()).unwrap().warnings;
    assert!(
        warned(
            &w,
            "only 2 residual degree(s) of freedom (4 readings, 2 parameters): standard errors and the 95 % interval are unreliable"
        ),
        "{w:?}"
    );
    let five = mono(&[0.0, 24.0, 48.0, 72.0, 96.0], 24.0);
    assert!(!warned(
        &assess(&five, &request()).unwrap().warnings,
        "degree(s) of freedom"
    ));
    // The trapezoid has no parameters to estimate.
    let mut q = request();
    q.model = ModelChoice::Fixed(ModelKind::Trapezoid);
    assert!(!warned(
        &assess(&four, &q).unwrap().warnings,
        "degree(s) of freedom"
    ));
}

// --- Outcomes of the plan named in the warnings.
#[test]
fn no_second_infusion_below_the_target_is_a_warning() {
    let r = mono(&SCHEDULE, 24.0);
    // A₁ = 13 933.16 MBq gives D₁ = 3.9 Gy (hand: 3.9/(τ·S)); A₂ = 0.1/d₂ =
    // 357 MBq < the minimum worthwhile 1000 MBq: no second infusion.
    let mut q = request();
    q.activity1 = Activity::from_mbq(13_933.162_360_163_493);
    q.max_weight_change = 0.2;
    let a = assess(&r, &q).unwrap();
    assert!(close(a.dose1.gy(), 3.9, 1e-6));
    assert_eq!(a.plan.decision, Decision::NoSecondInfusion);
    assert!(
        warned(
            &a.warnings,
            "no second infusion: the total whole-body dose stays at D1 = 3.90 Gy, below the 4.00 Gy target"
        ),
        "{:?}",
        a.warnings
    );
    // D₁ exactly at the target (the target set to this D₁): no second
    // infusion, and the dose is not "below the target".
    let mut at = request();
    at.activity1 = q.activity1;
    at.rules.target_total = a.dose1;
    let a = assess(&r, &at).unwrap();
    assert_eq!(a.plan.decision, Decision::NoSecondInfusion);
    assert!(
        !warned(&a.warnings, "no second infusion"),
        "{:?}",
        a.warnings
    );
    // D₁ above the target: no second infusion, and nothing to warn about.
    q.activity1 = Activity::from_mbq(15_000.0);
    let a = assess(&r, &q).unwrap();
    assert_eq!(a.plan.decision, Decision::NoSecondInfusion);
    assert!(
        !warned(&a.warnings, "no second infusion"),
        "{:?}",
        a.warnings
    );
}

#[test]
fn caps_that_cannot_admit_the_minimum_are_a_conflict() {
    let r = mono(&SCHEDULE, 24.0);
    let with_per_kg = |mbq_per_kg: f64| {
        let mut q = request();
        q.rules = SecondActivityRules {
            max_activity_per_kg: Some(ActivityPerMass::from_mbq_per_kg(mbq_per_kg)),
            ..SecondActivityRules::default()
        };
        assess(&r, &q).unwrap()
    };
    // 40 MBq/kg × 20 kg = 800 MBq < 1000 MBq minimum worthwhile.
    let a = with_per_kg(40.0);
    assert!(
        warned(
            &a.warnings,
            "protocol caps conflict: max_activity_per_kg allows at most 800 MBq"
        ),
        "{:?}",
        a.warnings
    );
    assert!(warned(&a.warnings, "below the minimum worthwhile 1000 MBq"));
    // 50 MBq/kg × 20 kg = 1000 MBq: exactly the minimum, no conflict; the
    // cap binds.
    let a = with_per_kg(50.0);
    assert!(!warned(&a.warnings, "caps conflict"), "{:?}", a.warnings);
    assert_eq!(a.plan.activity_mbq, Activity::from_mbq(1000.0));
    assert_eq!(a.plan.binding_cap.as_deref(), Some("max_activity_per_kg"));
    assert!(
        warned(
            &a.warnings,
            "the second activity is capped by max_activity_per_kg: the predicted total"
        ),
        "{:?}",
        a.warnings
    );
    // The total-dose cap is not a conflict of the protocol: it depends on D₁.
    let mut q = request();
    q.rules.max_total_dose = Some(AbsorbedDose::from_gy(D1_GY + 0.1));
    let a = assess(&r, &q).unwrap();
    assert!(!warned(&a.warnings, "caps conflict"), "{:?}", a.warnings);
    // Without a minimum worthwhile there is nothing to conflict with.
    let mut q = request();
    q.rules.min_worthwhile = None;
    q.rules.max_activity_per_kg = Some(ActivityPerMass::from_mbq_per_kg(40.0));
    let a = assess(&r, &q).unwrap();
    assert!(!warned(&a.warnings, "caps conflict"), "{:?}", a.warnings);
}

// --- The stated 95 % interval of A₂.
#[test]
fn delta_method_interval_through_the_caps() {
    let r = noisy(24.0, &NOISE);
    let a = assess(&r, &request()).unwrap();
    let (lo, hi, how) = a.second_activity_interval().unwrap();
    assert_eq!(how, IntervalMethod::DeltaMethod);
    // Hand: SE(A₂) = T/(d₂·τ)·SE(τ) (uncertainty::second_activity_se_delta).
    let se_gbq = 4.0 / (a.plan.dose_per_activity2.gy_per_gbq() * a.tau_h.hours())
        * a.fit.tau_se_h.unwrap().hours();
    let u = a.plan.uncapped_mbq.mbq();
    assert!(close(lo.mbq(), u - 1960.0 * se_gbq, 1e-9), "{lo:?}");
    assert!(close(hi.mbq(), u + 1960.0 * se_gbq, 1e-9), "{hi:?}");
    assert!(lo < a.plan.activity_mbq && a.plan.activity_mbq < hi);

    // A cap between the two ends: the high end is the cap.
    let mut q = request();
    let cap = u + 1000.0 * se_gbq;
    q.rules.max_activity_per_infusion = Some(Activity::from_mbq(cap));
    let a = assess(&r, &q).unwrap();
    let (lo2, hi2, _) = a.second_activity_interval().unwrap();
    assert!(close(lo2.mbq(), lo.mbq(), 1e-12));
    assert!(close(hi2.mbq(), cap, 1e-12));
    // A minimum worthwhile between the ends: the low end is no infusion.
    let mut q = request();
    q.rules.min_worthwhile = Some(Activity::from_mbq(u - 1000.0 * se_gbq));
    let a = assess(&r, &q).unwrap();
    let (lo3, hi3, _) = a.second_activity_interval().unwrap();
    assert_eq!(lo3, Activity::ZERO);
    assert!(close(hi3.mbq(), hi.mbq(), 1e-12));
    // Without a minimum, an end at or below zero is no infusion too.
    let mut q = request();
    q.rules.min_worthwhile = None;
    q.activity1 = Activity::from_mbq(15_000.0);
    let a = assess(&r, &q).unwrap();
    assert!(a.plan.uncapped_mbq <= Activity::ZERO || a.plan.decision == Decision::NoSecondInfusion);
    let (lo4, hi4, _) = a.second_activity_interval().unwrap();
    // D₁ ≥ target: no second infusion, the interval is 0–0.
    assert!(a.dose1.gy() >= 4.0);
    assert_eq!((lo4, hi4), (Activity::ZERO, Activity::ZERO));

    // The bootstrap's interval when it ran.
    let mut q = request();
    q.uncertainty = Some(UncertaintyOptions {
        replicates: 200,
        ..Default::default()
    });
    let a = assess(&r, &q).unwrap();
    let u = a.uncertainty.as_ref().unwrap();
    assert_eq!(
        a.second_activity_interval().unwrap(),
        (
            u.second_activity.low_mbq,
            u.second_activity.high_mbq,
            IntervalMethod::Bootstrap
        )
    );
}

#[test]
fn delta_method_end_below_zero_without_minimum_is_no_infusion() {
    // D₁ = 3.9 Gy (A₁ by hand as above): A₂ = 357 MBq, its SE from a noisy
    // series reaches below zero; with no minimum worthwhile the low end is 0.
    let r = noisy(24.0, &[1.0, 1.2, 0.8, 1.15, 0.85, 1.2, 0.9]);
    let mut q = request();
    q.rules.min_worthwhile = None;
    q.activity1 = Activity::from_mbq(13_000.0);
    let a = assess(&r, &q).unwrap();
    assert_eq!(a.plan.decision, Decision::SecondInfusion, "{:?}", a.plan);
    let u = a.plan.uncapped_mbq.mbq();
    let se_gbq = 4.0 / (a.plan.dose_per_activity2.gy_per_gbq() * a.tau_h.hours())
        * a.fit.tau_se_h.unwrap().hours();
    assert!(u - 1960.0 * se_gbq < 0.0, "{u} {se_gbq}");
    let (lo, hi, _) = a.second_activity_interval().unwrap();
    assert_eq!(lo, Activity::ZERO);
    // The high end through the same caps as A₂ (here the 4.5 Gy total).
    let tightest = a
        .plan
        .caps
        .iter()
        .map(|c| c.allows_mbq.mbq())
        .fold(u + 1960.0 * se_gbq, f64::min);
    assert!(close(hi.mbq(), tightest, 1e-9), "{hi:?} {tightest}");
}

#[test]
fn no_interval_without_bootstrap_or_standard_error() {
    let mut q = request();
    q.model = ModelChoice::Fixed(ModelKind::Trapezoid);
    let a = assess(&mono(&SCHEDULE, 24.0), &q).unwrap();
    assert!(a.fit.tau_se_h.is_none());
    assert_eq!(a.second_activity_interval(), None);
}

// --- The delivered dose of infusion 2 (docs/reference/dosimetry.md §6.1).
#[test]
fn delivered_dose_of_infusion_two_by_hand() {
    let first = assess(&mono(&SCHEDULE, 24.0), &request()).unwrap();
    // Infusion 2 of 5410 MBq with a faster washout, T½ = 20 h: τ₂ = 20/ln 2 =
    // 28.853901 h; D₂ = 5.410 GBq × 28.853901 h × 0.0080840526 = 1.2619527 Gy
    // (hand); predicted D₂ = 5.410 × 0.27990774 = 1.5143009 Gy.
    let r2 = mono(&SCHEDULE, 20.0);
    let s = assess_second(&first, &r2, Activity::from_mbq(5410.0)).unwrap();
    let tau2 = 20.0 / std::f64::consts::LN_2;
    assert!(close(s.tau_h.hours(), tau2, 1e-6));
    let d2 = 5.410 * tau2 * 0.008_084_052_559_599_212;
    assert!(close(s.dose2.gy(), d2, 1e-6));
    assert!(close(
        s.dose_per_activity2.gy_per_gbq(),
        tau2 * 0.008_084_052_559_599_212,
        1e-6
    ));
    assert!(close(s.predicted_dose2.gy(), 5.410 * D2_GY_PER_GBQ, 1e-6));
    assert!(close(s.delivered_total.gy(), D1_GY + d2, 1e-6));
    assert!(close(
        s.planned_total.gy(),
        D1_GY + 5.410 * D2_GY_PER_GBQ,
        1e-6
    ));
    assert!(close(s.difference.gy(), d2 - 5.410 * D2_GY_PER_GBQ, 1e-5));
    assert_eq!(s.target_total, AbsorbedDose::from_gy(4.0));
    assert_eq!(s.mass2, Mass::from_kg(20.0));
    assert_eq!(s.activity2, Activity::from_mbq(5410.0));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.notes.len(), 1);
    assert!(s.notes[0].starts_with("infusion-2 readings are attributed entirely to infusion 2"));
}

#[test]
fn activity_given_five_percent_from_the_plan_is_the_edge() {
    let first = assess(&mono(&SCHEDULE, 24.0), &request()).unwrap();
    let planned = first.plan.activity_mbq.mbq();
    let r2 = mono(&SCHEDULE, 24.0);
    let given = |f: f64| {
        assess_second(&first, &r2, Activity::from_mbq(planned * f))
            .unwrap()
            .warnings
    };
    // 5 % either way is within the tolerance (|rel| > 0.05 warns); the
    // factors are chosen so that the relative change is not 0.05 ± 1 ulp.
    assert!(!warned(&given(1.0499), "differs from the planned"));
    assert!(!warned(&given(0.9501), "differs from the planned"));
    let w = given(1.06);
    assert!(warned(&w, "differs from the planned"), "{w:?}");
    assert!(warned(&w, "by +6.0 %"), "{w:?}");
    let w = given(0.94);
    assert!(warned(&w, "by -6.0 %"), "{w:?}");
    assert!(!warned(&w, "no second infusion was planned"));

    // Exactly ±5 %: a plan of exactly 4000 MBq (the per-infusion cap binds)
    // and 4200 or 3800 MBq given, (4200 − 4000)/4000 = 1/20, which rounds
    // to the same double as 0.05: within the tolerance.
    let mut q = request();
    q.rules.max_activity_per_infusion = Some(Activity::from_mbq(4000.0));
    let capped = assess(&r2, &q).unwrap();
    assert_eq!(capped.plan.activity_mbq, Activity::from_mbq(4000.0));
    for mbq in [4200.0, 3800.0] {
        let w = assess_second(&capped, &r2, Activity::from_mbq(mbq))
            .unwrap()
            .warnings;
        assert!(!warned(&w, "differs from the planned"), "{mbq}: {w:?}");
    }
    let w = assess_second(&capped, &r2, Activity::from_mbq(4201.0))
        .unwrap()
        .warnings;
    assert!(warned(&w, "differs from the planned"), "{w:?}");

    // No second infusion planned (D₁ above the target): infusion 2 given anyway.
    let mut q = request();
    q.activity1 = Activity::from_mbq(15_000.0);
    let first = assess(&r2, &q).unwrap();
    assert_eq!(first.plan.activity_mbq, Activity::ZERO);
    let w = assess_second(&first, &r2, Activity::from_mbq(1000.0))
        .unwrap()
        .warnings;
    assert!(warned(&w, "no second infusion was planned"), "{w:?}");
    assert!(!warned(&w, "differs from the planned"), "{w:?}");
}

// --- P(total > target + margin) from the bootstrap: warned above
// max_overshoot_probability, only when a second infusion is planned.
#[test]
fn overshoot_probability_edge_and_only_with_a_second_infusion() {
    let r = noisy(24.0, &NOISE);
    let mut q = request();
    q.uncertainty = Some(UncertaintyOptions {
        replicates: 200,
        ..Default::default()
    });
    // Margin 0: the planned total is the target, about half the replicates
    // lie above it.
    q.rules.overshoot_margin = AbsorbedDose::from_gy(0.0);
    let a = assess(&r, &q).unwrap();
    let p = a
        .uncertainty
        .as_ref()
        .unwrap()
        .p_total_exceeds_target_plus_margin;
    assert!(p > 0.05 && p < 0.95, "{p}");
    q.thresholds.max_overshoot_probability = p;
    assert!(!warned(&assess(&r, &q).unwrap().warnings, "P(total >"));
    q.thresholds.max_overshoot_probability = p - 0.001;
    let w = assess(&r, &q).unwrap().warnings;
    assert!(
        warned(&w, &format!("P(total > 4.00 Gy) = {:.1} % (> ", p * 100.0))
            && warned(&w, "consider a lower second activity"),
        "{w:?}"
    );
    // D₁ above target + margin: every replicate's total exceeds it, but no
    // second infusion is planned, so there is nothing to lower.
    q.activity1 = Activity::from_mbq(15_000.0);
    let a = assess(&r, &q).unwrap();
    assert_eq!(a.plan.decision, Decision::NoSecondInfusion);
    assert!(
        a.uncertainty
            .as_ref()
            .unwrap()
            .p_total_exceeds_target_plus_margin
            > 0.5
    );
    assert!(!warned(&a.warnings, "P(total >"), "{:?}", a.warnings);
}

#[test]
fn delta_method_interval_of_a_refused_second_infusion() {
    let r = noisy(24.0, &NOISE);
    // D₁ near 3.9 Gy: A₂ = (4 Gy − D₁)/d₂ ≈ 413 MBq (this noisy series) <
    // a 500 MBq minimum, no second infusion, yet the interval's high end
    // reaches above the minimum: the stated interval keeps it (not 0–0,
    // which is for D₁ at the target).
    let mut q = request();
    q.activity1 = Activity::from_mbq(13_933.162_360_163_493);
    q.rules.min_worthwhile = Some(Activity::from_mbq(500.0));
    let a = assess(&r, &q).unwrap();
    let se_gbq = 4.0 / (a.plan.dose_per_activity2.gy_per_gbq() * a.tau_h.hours())
        * a.fit.tau_se_h.unwrap().hours();
    let u = a.plan.uncapped_mbq.mbq();
    assert!(a.dose1.gy() < 4.0);
    assert_eq!(a.plan.decision, Decision::NoSecondInfusion, "{u}");
    assert!(u + 1960.0 * se_gbq > 500.0, "{u} {se_gbq}");
    let (lo, hi, _) = a.second_activity_interval().unwrap();
    assert_eq!(lo, Activity::ZERO);
    assert!(close(hi.mbq(), u + 1960.0 * se_gbq, 1e-9), "{hi:?}");

    // D₁ just above the target (D₁ is proportional to A₁: A₁ chosen for
    // 4.002 Gy from this series' D₁ at 8880 MBq) and no minimum: A₂ is none,
    // and so is its interval, although u + 1.96 SE > 0.
    let d_at_8880 = assess(&r, &request()).unwrap().dose1.gy();
    let mut q = request();
    q.activity1 = Activity::from_mbq(8880.0 * 4.002 / d_at_8880);
    q.rules.min_worthwhile = None;
    let a = assess(&r, &q).unwrap();
    assert!(
        a.dose1.gy() > 4.0 && a.dose1.gy() < 4.01,
        "{}",
        a.dose1.gy()
    );
    let se_gbq = 4.0 / (a.plan.dose_per_activity2.gy_per_gbq() * a.tau_h.hours())
        * a.fit.tau_se_h.unwrap().hours();
    assert!(a.plan.uncapped_mbq.mbq() + 1960.0 * se_gbq > 0.0);
    assert_eq!(
        a.second_activity_interval().unwrap(),
        (Activity::ZERO, Activity::ZERO, IntervalMethod::DeltaMethod)
    );
}

#[test]
fn an_interval_end_capped_at_exactly_the_minimum_is_kept() {
    // A per-infusion cap equal to the minimum worthwhile (1000 MBq): the
    // prescription is 1000 MBq (the minimum is inclusive) and so is the
    // high end of its interval.
    let r = noisy(24.0, &NOISE);
    let mut q = request();
    q.rules.max_activity_per_infusion = Some(Activity::from_mbq(1000.0));
    let a = assess(&r, &q).unwrap();
    assert_eq!(a.plan.activity_mbq, Activity::from_mbq(1000.0));
    let (_, hi, _) = a.second_activity_interval().unwrap();
    assert_eq!(hi, Activity::from_mbq(1000.0));
}

#[test]
fn failed_bootstrap_replicates_are_counted_in_a_warning() {
    // The trapezoid of a fast washout (T½ = 8 h, so 2^(−15) of the
    // pre-void reading at 120 h) with ±3 % noise on the early readings: a
    // replicate adds a resampled residual of ±0.02 to each fitted value,
    // which makes some late values ≤ 0; the log-linear tail cannot take
    // them and the replicate is dropped (uncertainty.rs, `bootstrap`).
    let r = noisy(8.0, &NOISE);
    let mut q = request();
    q.model = ModelChoice::Fixed(ModelKind::Trapezoid);
    q.uncertainty = Some(UncertaintyOptions {
        replicates: 200,
        ..Default::default()
    });
    let a = assess(&r, &q).unwrap();
    let u = a.uncertainty.as_ref().expect("bootstrap");
    assert!(u.successful < u.replicates && u.successful > 0, "{u:?}");
    let want = format!(
        "{} of 200 bootstrap replicates failed and were dropped",
        200 - u.successful
    );
    assert!(warned(&a.warnings, &want), "{:?}", a.warnings);
    // None failed: no such warning (the exact series of the hand case).
    let mut q = request();
    q.uncertainty = Some(UncertaintyOptions {
        replicates: 200,
        ..Default::default()
    });
    let a = assess(&mono(&SCHEDULE, 24.0), &q).unwrap();
    let u = a.uncertainty.as_ref().unwrap();
    assert_eq!(u.successful, u.replicates);
    assert!(
        !warned(&a.warnings, "bootstrap replicates failed"),
        "{:?}",
        a.warnings
    );
}

#[test]
fn the_trapezoids_bootstrap_takes_its_exponential_bounded_by_physics() {
    // Readings that decay more slowly than 131I itself (T½ = 250 h against
    // the physical 192.5 h): the trapezoid with its tail at physical decay
    // (TailMethod::Physical) integrates them as measured, and its residual
    // bootstrap needs an exponential model, fitted with the rate pinned at
    // the physical bound rather than refused (the default policy would
    // refuse it, and leave the trapezoid without an interval).
    let r = mono(&SCHEDULE, 250.0);
    let mut q = request();
    q.activity1 = Activity::from_mbq(2000.0);
    q.model = ModelChoice::Fixed(ModelKind::Trapezoid);
    q.fit.tail = mibg_dosimetry::TailMethod::Physical;
    q.uncertainty = Some(UncertaintyOptions {
        replicates: 50,
        ..Default::default()
    });
    match assess(&r, &q) {
        Ok(a) => {
            assert!(a.uncertainty.is_some(), "{:?}", a.warnings);
            assert!(!warned(&a.warnings, "the bootstrap could not be computed"));
        }
        Err(e) => panic!("{e}"),
    }
}
