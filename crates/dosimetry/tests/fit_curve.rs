//! The fitted curve's own arithmetic (`fit.rs`: `Curve::retention`,
//! `Curve::integral_from`, `Curve::tau`, the `RetentionCurve` view, the
//! model names): each case against a hand value from the formulas of
//! docs/reference/dosimetry.md §4.1, the arithmetic in the comment (issue 16).

use mibg_dosimetry::fit::{Curve, ModelKind};
use mibg_radprot::RetentionCurve;
use mibg_units::Hours;

/// Hand values below are rounded to 1e-9; the curves' own rounding is ~1e-15.
const TOL: f64 = 1e-9;

fn close(got: f64, hand: f64, what: &str) {
    assert!((got - hand).abs() < TOL, "{what}: {got}, by hand {hand}");
}

/// R(t) = 0.6·e^(−0.1 t) + 0.4·e^(−0.01 t).
fn bi() -> Curve {
    Curve::Exponential {
        terms: vec![(0.6, 0.1), (0.4, 0.01)],
    }
}

/// Readings R = 0.9, 0.5, 0.2 at t = 2, 10, 30 h, tail λ = 0.05 h⁻¹.
fn trapezoid() -> Curve {
    Curve::Trapezoid {
        times_h: vec![2.0, 10.0, 30.0],
        retention: vec![0.9, 0.5, 0.2],
        lambda_tail_per_h: 0.05,
    }
}

#[test]
fn exponential_retention_and_integrals_by_hand() {
    let c = bi();
    // R(0) = 0.6 + 0.4 = 1.
    close(c.retention(Hours::new(0.0)), 1.0, "R(0)");
    // R(10) = 0.6·e^(−1) + 0.4·e^(−0.1) = 0.220727665 + 0.361934967.
    close(c.retention(Hours::new(10.0)), 0.582662632, "R(10)");
    // τ = Σ a/λ = 0.6/0.1 + 0.4/0.01 = 6 + 40 = 46 h.
    close(c.tau().hours(), 46.0, "τ");
    close(c.integral_from(Hours::ZERO).hours(), 46.0, "∫ from 0");
    // ∫ from 10 h = 6·e^(−1) + 40·e^(−0.1) = 2.207276647 + 36.193496721.
    close(
        c.integral_from(Hours::new(10.0)).hours(),
        38.400773368,
        "∫ from 10",
    );
    // The radiation-protection view: the same R, and the terms themselves.
    close(
        RetentionCurve::retention(&c, Hours::new(10.0)),
        0.582662632,
        "view R(10)",
    );
    assert_eq!(c.exponential_terms(), Some(vec![(0.6, 0.1), (0.4, 0.01)]));
}

#[test]
fn trapezoid_retention_by_hand() {
    let c = trapezoid();
    // Before (and at) the first reading: R = R₀ = 0.9.
    close(c.retention(Hours::new(0.0)), 0.9, "R(0)");
    close(c.retention(Hours::new(2.0)), 0.9, "R(2)");
    // At an inner reading: its value.
    close(c.retention(Hours::new(10.0)), 0.5, "R(10)");
    // Linear between readings: t = 4 is a quarter of 2–10: 0.9 − 0.25·0.4 = 0.8.
    close(c.retention(Hours::new(4.0)), 0.8, "R(4)");
    // t = 25 is three quarters of 10–30: 0.5 − 0.75·0.3 = 0.275.
    close(c.retention(Hours::new(25.0)), 0.275, "R(25)");
    // At the last reading and after it: 0.2·e^(−0.05·(t − 30)).
    close(c.retention(Hours::new(30.0)), 0.2, "R(30)");
    // R(50) = 0.2·e^(−1) = 0.073575888.
    close(c.retention(Hours::new(50.0)), 0.073575888, "R(50)");
    // The view: the same R, and no exponential terms (a trapezoid).
    close(
        RetentionCurve::retention(&c, Hours::new(25.0)),
        0.275,
        "view R(25)",
    );
    assert_eq!(c.exponential_terms(), None);
}

#[test]
fn trapezoid_integrals_by_hand() {
    let c = trapezoid();
    // τ = R₀·t₀ + Σ ½(Rᵢ + Rᵢ₊₁)(tᵢ₊₁ − tᵢ) + R_n/λ
    //   = 0.9·2 + ½(0.9 + 0.5)·8 + ½(0.5 + 0.2)·20 + 0.2/0.05
    //   = 1.8 + 5.6 + 7 + 4 = 18.4 h.
    close(c.tau().hours(), 18.4, "τ");
    // From t = 1 (inside the constant start): 0.9·1 + 5.6 + 7 + 4 = 17.5 h.
    close(c.integral_from(Hours::new(1.0)).hours(), 17.5, "∫ from 1");
    // From t = 4 (inside 2–10, R(4) = 0.8): ½(0.8 + 0.5)·6 + 7 + 4
    //   = 3.9 + 11 = 14.9 h.
    close(c.integral_from(Hours::new(4.0)).hours(), 14.9, "∫ from 4");
    // From t = 10 (on a reading): 7 + 4 = 11 h.
    close(c.integral_from(Hours::new(10.0)).hours(), 11.0, "∫ from 10");
    // From t = 50 (in the tail): R(50)/λ = 0.2·e^(−1)/0.05 = 1.471517765 h.
    close(
        c.integral_from(Hours::new(50.0)).hours(),
        1.471517765,
        "∫ from 50",
    );
}

#[test]
fn model_names_as_on_the_command_line() {
    // The CLI's --model values and the JSON "model" field (README).
    assert_eq!(ModelKind::Mono.name(), "mono");
    assert_eq!(ModelKind::Bi.name(), "bi");
    assert_eq!(ModelKind::Trapezoid.name(), "trapezoid");
}

#[test]
fn a_fit_as_the_radiation_protection_curve() {
    // Readings exactly on R = 0.9·e^(−λt), T_eff = 24 h (λ = ln2/24 =
    // 0.028881133 h⁻¹, faster than physical decay): the mono fit returns
    // those parameters, and its radiation-protection view gives the same
    // R and the one term (0.9, λ). R(48) = 0.9·¼ = 0.225.
    use mibg_dosimetry::fit::{FitOptions, fit_model};
    let lambda = std::f64::consts::LN_2 / 24.0;
    let t = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0];
    let y: Vec<f64> = t.iter().map(|&ti| 0.9 * (-lambda * ti).exp()).collect();
    let fit = fit_model("exact.csv", ModelKind::Mono, &t, &y, &FitOptions::default()).unwrap();
    // Tolerance 1e-9: the solver stops within 1e-12 (relative) of the exact solution.
    close(
        RetentionCurve::retention(&fit, Hours::new(48.0)),
        0.225,
        "fit R(48)",
    );
    let terms = RetentionCurve::exponential_terms(&fit).expect("a mono fit has terms");
    assert_eq!(terms.len(), 1);
    close(terms[0].0, 0.9, "fraction");
    close(terms[0].1, lambda, "λ");
}
