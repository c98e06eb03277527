//! The analytic validation cases of `docs/reference/dosimetry.md` (§10.3
//! and the mono-exponential closed form). Expected values are computed by
//! hand from the formulas (shown in each comment), not by this crate.

use mibg_dosimetry::*;
use mibg_units::*;

const LN2: f64 = std::f64::consts::LN_2;

fn analytic_readings() -> Readings {
    let text = include_str!("../../../tests/data/dosimetry/analytic_20kg/readings.csv");
    parse_readings("readings.csv", text, &ReadingsOptions::default()).unwrap()
}

fn request(model: ModelChoice) -> DoseRequest {
    let mut r = DoseRequest::new(Mass::from_kg(20.0), Activity::from_mbq(8880.0));
    r.model = model;
    r.rules = SecondActivityRules {
        max_activity_per_kg: None,
        max_total_dose: None,
        ..SecondActivityRules::default()
    };
    r.uncertainty = Some(UncertaintyOptions {
        replicates: 200,
        ..Default::default()
    });
    r
}

/// docs/reference/dosimetry.md §10.3 truth: τ = 0.5·6/ln2 + 0.5·36/ln2 = 30.2966 h; Ã = 8.88·τ = 269.03 GBq·h;
/// S(20) = 0.11065/20 + 0.0188/20^(2/3) = 8.08405e-3; D₁ = 2.17488 Gy;
/// A₂ = (4 − D₁)/(τ·S) = 7.4519 GBq.
/// Tolerances: the readings are rounded to 0.01 µSv/h (relative ≤ 5e-4 at
/// 120 h), so the bi-exponential fit must reproduce τ within 0.01 h, D₁
/// within 0.001 Gy and A₂ within 5 MBq.
#[test]
fn bi_exponential_20kg_vector() {
    let a = assess(&analytic_readings(), &request(ModelChoice::Auto)).unwrap();
    assert_eq!(a.fit.model, ModelKind::Bi, "{}", a.selection.reason);
    let p = &a.fit.parameter_values;
    assert!((p[0] - 0.5).abs() < 2e-3, "a = {}", p[0]);
    assert!((a.fit.components[0].half_life_h.hours() - 6.0).abs() < 0.02);
    assert!((a.fit.components[1].half_life_h.hours() - 36.0).abs() < 0.05);
    assert!(
        (a.tau_h.hours() - 30.2966).abs() < 0.01,
        "τ = {}",
        a.tau_h.hours()
    );
    assert!((a.tia.gbq_h() - 269.03).abs() < 0.1);
    assert!((a.s_value1.gy_per_gbq_h() - 8.0841e-3).abs() < 1e-7);
    assert!(
        (a.dose1.gy() - 2.1749).abs() < 1e-3,
        "D1 = {}",
        a.dose1.gy()
    );
    assert!((a.dose_per_activity1.gy_per_gbq() - 0.2449).abs() < 1e-4);
    assert!(
        (a.plan.activity_mbq.mbq() - 7451.9).abs() < 5.0,
        "A2 = {}",
        a.plan.activity_mbq.mbq()
    );
    assert!((a.plan.activity_per_kg.mbq_per_kg() - 372.6).abs() < 0.3);
    assert!((a.plan.predicted_total.gy() - 4.0).abs() < 1e-9);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

/// Trapezoid over the 9 points: Σ ½(Rᵢ + Rᵢ₊₁)Δt = 28.4217 h; log-linear tail
/// over 72/96/120 h: λ = 0.0192776 h⁻¹ → 0.0496/λ = 2.5730 h; τ = 30.9946 h,
/// D₁ = 8.88 × 30.9946 × 8.08405e-3 = 2.2250 Gy. Physical tail:
/// 0.0496 × 192.497/ln2 = 13.7746 h (ICRP 107 half-life) → τ = 42.1963 h (an upper
/// bound), D₁ = 8.88 × 42.1963 × 8.08405e-3 = 3.0291 Gy.
/// (numpy polyfit of ln R on t; hand-checked.) Tolerance 1e-3 h: exact arithmetic.
#[test]
fn trapezoid_tails() {
    let r = analytic_readings();
    let a = assess(&r, &request(ModelChoice::Fixed(ModelKind::Trapezoid))).unwrap();
    assert!((a.tau_h.hours() - 30.99464).abs() < 1e-3);
    assert!((a.dose1.gy() - 2.22499).abs() < 1e-4);
    let mut req = request(ModelChoice::Fixed(ModelKind::Trapezoid));
    req.fit.tail = TailMethod::Physical;
    let a = assess(&r, &req).unwrap();
    assert!((a.tau_h.hours() - 42.19634).abs() < 1e-3);
    assert!((a.dose1.gy() - 3.02912).abs() < 1e-4);
    assert!(a.tau_h.hours() > 30.2966, "physical tail is an upper bound");
}

/// A mono-exponential fitted to the bi-phasic docs/reference/dosimetry.md §10.3 curve underestimates τ (§4.1).
#[test]
fn mono_underestimates_biphasic() {
    let a = assess(
        &analytic_readings(),
        &request(ModelChoice::Fixed(ModelKind::Mono)),
    )
    .unwrap();
    assert!(a.tau_h.hours() < 30.2966 - 2.0, "τ = {}", a.tau_h.hours());
    assert!(
        a.warnings.iter().any(|w| w.contains("R²")),
        "{:?}",
        a.warnings
    );
}

/// Variant 2 with the mass falling to 19.5 kg at infusion 2:
/// S(19.5) = 0.11065/19.5 + 0.0188/19.5^(2/3) = 8.26934e-3;
/// A₂ = (4 − 2.17488)/(30.2966 × 8.26934e-3) = 7.2849 GBq (fit tolerance 5 MBq).
#[test]
fn variant2_weight_change() {
    let mut req = request(ModelChoice::Auto);
    req.mass2 = Some(Mass::from_kg(19.5));
    let a = assess(&analytic_readings(), &req).unwrap();
    assert!((a.plan.s_value2.gy_per_gbq_h() - 8.26934e-3).abs() < 1e-8);
    assert!(
        (a.plan.activity_mbq.mbq() - 7284.9).abs() < 5.0,
        "{}",
        a.plan.activity_mbq.mbq()
    );
    // Variant 1 ignores the weight change: A₂ as for 20 kg.
    req.prediction = PredictionVariant::SameDosePerActivity;
    let a = assess(&analytic_readings(), &req).unwrap();
    assert!((a.plan.activity_mbq.mbq() - 7451.9).abs() < 5.0);
}

/// Residual activity of infusion 1 at 336 h (docs/reference/dosimetry.md §6.1): 8880 × (0.5·2^(−56) +
/// 0.5·2^(−336/36)) = 6.90 MBq; fraction of D₁ delivered by then:
/// 1 − 0.5·(36/ln2)·2^(−9.333)/30.2966 = 99.867 %.
#[test]
fn residual_at_day_15() {
    let a = assess(&analytic_readings(), &request(ModelChoice::Auto)).unwrap();
    let r336 = a.fit.curve.retention(Hours::new(336.0));
    assert!((8880.0 * r336 - 6.90).abs() < 0.05, "{}", 8880.0 * r336);
    let delivered = 1.0 - a.fit.curve.integral_from(Hours::new(336.0)) / a.tau_h;
    assert!((delivered - 0.99867).abs() < 5e-5, "{delivered}");
}

/// Mono-exponential closed form: A = 8.88 GBq, T_eff = 24 h, 20 kg:
/// τ = 24/ln2 = 34.6247 h; Ã = 307.467 GBq·h; D₁ = 307.467 × 8.08405e-3 = 2.48558 Gy.
/// Exact readings → tolerance 1e-6 relative.
#[test]
fn mono_closed_form() {
    let pairs: Vec<(Hours, f64)> = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0]
        .iter()
        .map(|&t| (Hours::new(t), 500.0 * (-LN2 * t / 24.0).exp()))
        .collect();
    let r = Readings::from_pairs("mono", &pairs, 0.05).unwrap();
    let a = assess(&r, &request(ModelChoice::Fixed(ModelKind::Mono))).unwrap();
    assert!((a.tau_h.hours() / 34.624681 - 1.0).abs() < 1e-6);
    assert!((a.tia.gbq_h() / 307.46717 - 1.0).abs() < 1e-6);
    assert!((a.dose1.gy() / 2.485581 - 1.0).abs() < 1e-6);
    // Bootstrap of exact data: the interval collapses onto the estimate.
    let u = a.uncertainty.unwrap();
    assert!((u.dose1.high_gy - u.dose1.low_gy).gy() < 1e-6);
}

/// With noisy readings the bootstrap interval contains the estimate, is
/// reproducible (fixed seed) and the delta-method SE is of the same size.
#[test]
fn bootstrap_interval_is_reproducible() {
    let text = include_str!("../../../examples/dose/readings.csv");
    let r = parse_readings("readings.csv", text, &ReadingsOptions::default()).unwrap();
    let req = request(ModelChoice::Auto);
    let a = assess(&r, &req).unwrap();
    let b = assess(&r, &req).unwrap();
    assert_eq!(a.uncertainty, b.uncertainty);
    let u = a.uncertainty.unwrap();
    assert!(u.dose1.low_gy < a.dose1 && a.dose1 < u.dose1.high_gy);
    let width = (u.dose1.high_gy - u.dose1.low_gy).gy();
    let se = u.dose1_se_delta.unwrap().gy();
    // 95 % normal interval is ±1.96 SE: width ≈ 3.9 SE, within a factor 2.
    assert!(
        width > 2.0 * se && width < 8.0 * se,
        "width {width}, se {se}"
    );
    assert_eq!(u.successful, 200);
}

/// Infusion 2 with the same (docs/reference/dosimetry.md §10.3) kinetics and the planned A₂ = 7451.9 MBq:
/// D₂ = A₂·τ·S(20) = 7.4519 × 30.2966 × 8.08405e-3 = 1.8251 Gy and the
/// delivered total equals the planned 4 Gy (fit tolerance 2e-3 Gy).
#[test]
fn delivered_second_infusion_same_kinetics() {
    let r = analytic_readings();
    let first = assess(&r, &request(ModelChoice::Auto)).unwrap();
    let a2 = first.plan.activity_mbq;
    let second = assess_second(&first, &r, a2).unwrap();
    assert!(
        (second.dose2.gy() - 1.8251).abs() < 2e-3,
        "{}",
        second.dose2.gy()
    );
    assert!((second.delivered_total.gy() - 4.0).abs() < 2e-3);
    assert!(
        second.difference.gy().abs() < 1e-9,
        "same curve → same prediction"
    );
    // Data as planned: no warning; the attribution of the readings is a
    // note of method, not a warning.
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);
    assert_eq!(second.notes.len(), 1);
    assert!(second.notes[0].contains("attributed entirely to infusion 2"));
    // Giving 10 % more than planned is flagged.
    let more = assess_second(&first, &r, a2 * 1.1).unwrap();
    assert!(
        more.warnings.iter().any(|w| w.contains("+10.0 %")),
        "{:?}",
        more.warnings
    );
}

/// Variant 3: d₂ = c·d₁ with c = 1.2 → A₂ = (4 − D₁)/(1.2·d₁) = 7451.9/1.2 = 6209.9 MBq.
#[test]
fn variant3_factor() {
    let mut req = request(ModelChoice::Auto);
    req.prediction = PredictionVariant::Factor { c: 1.2 };
    let a = assess(&analytic_readings(), &req).unwrap();
    assert!(
        (a.plan.activity_mbq.mbq() - 6209.9).abs() < 5.0,
        "{}",
        a.plan.activity_mbq.mbq()
    );
    req.prediction = PredictionVariant::Factor { c: -1.0 };
    assert!(matches!(
        assess(&analytic_readings(), &req),
        Err(DoseError::BadValue { .. })
    ));
}

/// The weight-change rule alone: ±20 % by default, the boundary included
/// (20 → 24 kg), beyond it refused with both weights and the change.
#[test]
fn weight_change_rule() {
    let kg = Mass::from_kg;
    assert!(check_weight_change(kg(20.0), kg(24.0), DEFAULT_MAX_WEIGHT_CHANGE).is_ok());
    assert!(check_weight_change(kg(20.0), kg(16.0), DEFAULT_MAX_WEIGHT_CHANGE).is_ok());
    match check_weight_change(kg(20.0), kg(24.2), DEFAULT_MAX_WEIGHT_CHANGE) {
        Err(DoseError::ImplausibleWeightChange {
            mass1_kg,
            mass2_kg,
            change_percent,
            max_percent,
        }) => {
            assert_eq!((mass1_kg, mass2_kg), (20.0, 24.2));
            assert!((change_percent - 21.0).abs() < 1e-9);
            assert!((max_percent - 20.0).abs() < 1e-9);
        }
        other => panic!("{other:?}"),
    }
    assert!(check_weight_change(kg(20.0), kg(15.9), DEFAULT_MAX_WEIGHT_CHANGE).is_err());
    assert!(check_weight_change(kg(20.0), kg(30.0), 0.5).is_ok());
    assert!(matches!(
        check_weight_change(kg(20.0), kg(20.0), 0.0),
        Err(DoseError::BadValue { .. })
    ));
}
