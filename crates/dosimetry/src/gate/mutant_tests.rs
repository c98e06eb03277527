//! Fixed cases for the private helpers of the plausibility gate (issue 16:
//! the gate.rs mutants of the leave-one-out machinery and the texts), each
//! expected value derived by hand from the rule in the doc comment of the
//! helper (the arithmetic is written out beside each case).

use super::*;

const LN2: f64 = std::f64::consts::LN_2;

/// A mono-exponential leave-one-out fit a·e^(−λt) with a chosen σ² and
/// covariance (row-major 2 × 2).
fn mono(a: f64, lambda: f64, sigma2: f64, cov: [f64; 4]) -> LooFit {
    LooFit {
        kind: LooKind::Mono,
        params: vec![a, lambda],
        sigma2,
        cov: cov.to_vec(),
        dof: 3,
    }
}

#[test]
fn the_number_of_parameters_of_each_leave_one_out_model() {
    // a, λ; a, λ1, λ2 (the amplitudes sum to 1); a1, λ1, a2, λ2.
    assert_eq!(LooKind::Mono.n_params(), 2);
    assert_eq!(LooKind::Bi.n_params(), 3);
    assert_eq!(LooKind::BiFree.n_params(), 4);
}

#[test]
fn the_free_bi_exponential_and_its_gradient() {
    // a1·e^(−λ1 t) + a2·e^(−λ2 t) at p = (0.3, 0.2, 0.7, 0.01), t = 5 h:
    // e1 = e^(−1) = 0.367879441, e2 = e^(−0.05) = 0.951229425;
    // value 0.3·e1 + 0.7·e2 = 0.776224430; ∂/∂a1 = e1, ∂/∂λ1 = −a1·t·e1 =
    // −0.551819162, ∂/∂a2 = e2, ∂/∂λ2 = −a2·t·e2 = −3.329302986 (hand).
    let mut g = [0.0; 4];
    let v = BiFree.eval(&[0.3, 0.2, 0.7, 0.01], 5.0, &mut g);
    let want = [
        0.367_879_441_171_442_3,
        -0.551_819_161_757_163_5,
        0.951_229_424_500_714,
        -3.329_302_985_752_499,
    ];
    assert!((v - 0.776_224_429_501_932_4).abs() < 1e-12, "{v}");
    for (got, w) in g.iter().zip(want) {
        assert!((got - w).abs() < 1e-12, "{g:?}");
    }
    // The same through LooFit::value_grad (and value).
    let f = LooFit {
        kind: LooKind::BiFree,
        params: vec![0.3, 0.2, 0.7, 0.01],
        sigma2: 0.0,
        cov: vec![0.0; 16],
        dof: 1,
    };
    let (v2, g2) = f.value_grad(5.0);
    assert_eq!(v2, v);
    assert_eq!(g2, g.to_vec());
    assert_eq!(f.value(5.0), v);
}

#[test]
fn the_fixed_bi_exponential_through_value_grad() {
    // a·e^(−λ1 t) + (1 − a)·e^(−λ2 t) at (0.4, ln2/2, ln2/20), t = 20 h:
    // 0.4·2^−10 + 0.6·2^−1 = 0.000390625 + 0.3 = 0.300390625 (hand);
    // ∂/∂a = e1 − e2 = 2^−10 − 0.5 = −0.4990234375.
    let f = LooFit {
        kind: LooKind::Bi,
        params: vec![0.4, LN2 / 2.0, LN2 / 20.0],
        sigma2: 0.0,
        cov: vec![0.0; 9],
        dof: 1,
    };
    let (v, g) = f.value_grad(20.0);
    assert!((v - 0.300_390_625).abs() < 1e-12, "{v}");
    assert_eq!(g.len(), 3);
    assert!((g[0] + 0.499_023_437_5).abs() < 1e-12, "{g:?}");
}

#[test]
fn the_relative_model_scales_value_and_gradient_by_the_weight() {
    // Relative: the i-th "time" is an index into t; value and gradient are
    // the inner model's at t_i times w_i. Mono (1, ln2/10) at t = 10 h:
    // 0.5, gradient (0.5, −1·10·0.5 = −5); × w = 4 → 2, (2, −20) (hand).
    let t = [0.0, 10.0];
    let w = [2.0, 4.0];
    let rel = Relative {
        inner: &Mono,
        t: &t,
        w: &w,
    };
    let mut g = [0.0; 2];
    let v = rel.eval(&[1.0, LN2 / 10.0], 1.0, &mut g);
    assert!((v - 2.0).abs() < 1e-12, "{v}");
    assert!(
        (g[0] - 2.0).abs() < 1e-12 && (g[1] + 20.0).abs() < 1e-12,
        "{g:?}"
    );
    // Index 0: t = 0, value 1 × w = 2, gradient (1·2, 0·2).
    let v = rel.eval(&[1.0, LN2 / 10.0], 0.0, &mut g);
    assert_eq!((v, g), (2.0, [2.0, 0.0]));
}

/// `time_of(r)`: the time at which the decreasing fitted curve falls to r.
#[test]
fn the_time_at_which_the_fitted_curve_falls_to_a_retention() {
    // e^(−t·ln2/10): 0.5 at 10 h, 0.25 at 20 h, 0.8 at 10·log2(1/0.8) =
    // 3.219280949 h (hand).
    let f = mono(1.0, LN2 / 10.0, 0.0, [0.0; 4]);
    for (r, want) in [(0.5, 10.0), (0.25, 20.0), (0.8, 3.219_280_948_873_623_5)] {
        let got = f.time_of(r).unwrap();
        assert!((got - want).abs() < 1e-9, "{r}: {got}");
    }
    // A curve that starts at or below r never falls to it; r must be > 0.
    assert_eq!(f.time_of(1.0), None);
    assert_eq!(f.time_of(1.5), None);
    assert_eq!(f.time_of(0.0), None);
    assert_eq!(f.time_of(-0.5), None);
    assert_eq!(f.time_of(f64::NAN), None);
    // A curve that starts above r: 2·e^(−λt) reaches 1.5 at
    // 10·log2(2/1.5) = 4.150374993 h.
    let g = mono(2.0, LN2 / 10.0, 0.0, [0.0; 4]);
    assert!((g.time_of(1.5).unwrap() - 4.150_374_992_788_438).abs() < 1e-9);
}

#[test]
fn the_time_search_gives_up_beyond_two_to_the_23_hours() {
    // λ = 1e-6 /h: e^(−λt) = 0.5 at ln2·10⁶ = 693 147.18 h (found: the
    // doubling passes it at 2^20 h); = e^(−9) at 9·10⁶ h, beyond 2^23 =
    // 8 388 608 h, where the doubling stops (no time slip is that large).
    let f = mono(1.0, 1e-6, 0.0, [0.0; 4]);
    let t = f.time_of(0.5).unwrap();
    assert!((t / (LN2 * 1e6) - 1.0).abs() < 1e-9, "{t}");
    assert_eq!(f.time_of((-9.0_f64).exp()), None);
    // Just inside: e^(−8) at 8·10⁶ h < 2^23 h.
    let t = f.time_of((-8.0_f64).exp()).unwrap();
    assert!((t / 8e6 - 1.0).abs() < 1e-9, "{t}");
}

/// The externally studentized residual (y − ŷ)/√(σ²ŷ² + gᵀCg).
#[test]
fn the_studentized_residual_by_hand() {
    // Mono (1, ln2/10) at 10 h: ŷ = 0.5, g = (0.5, −5). With σ² = 0.01 and
    // C = [[4e-4, −2e-5], [−2e-5, 1e-5]]: gᵀCg = 0.25·4e-4 +
    // 2·0.5·(−5)·(−2e-5) + 25·1e-5 = 1e-4 + 1e-4 + 2.5e-4 = 4.5e-4;
    // variance 0.01·0.25 + 4.5e-4 = 2.95e-3; y = 0.6: t = 0.1/√2.95e-3 =
    // 1.841149236 (hand).
    let f = mono(1.0, LN2 / 10.0, 0.01, [4e-4, -2e-5, -2e-5, 1e-5]);
    let (yhat, t) = f.studentized(10.0, 0.6);
    assert!((yhat - 0.5).abs() < 1e-12);
    assert!((t - 1.841_149_235_796_646).abs() < 1e-9, "{t}");
    // Below the curve the sign turns: y = 0.4 → −1.841149236.
    let (_, t) = f.studentized(10.0, 0.4);
    assert!((t + 1.841_149_235_796_646).abs() < 1e-9, "{t}");
    // Without σ²: 0.1/√4.5e-4 = 4.714045208.
    let f = mono(1.0, LN2 / 10.0, 0.0, [4e-4, -2e-5, -2e-5, 1e-5]);
    let (_, t) = f.studentized(10.0, 0.6);
    assert!((t - 4.714_045_207_910_317).abs() < 1e-9, "{t}");
}

#[test]
fn a_negative_parameter_variance_counts_as_zero() {
    // gᵀCg < 0 (C = −I: −(0.25 + 25)) is clamped to 0: the variance is
    // σ²ŷ² = 0.01·0.25 alone, t = 0.1/0.05 = 2 (hand).
    let f = mono(1.0, LN2 / 10.0, 0.01, [-1.0, 0.0, 0.0, -1.0]);
    let (_, t) = f.studentized(10.0, 0.6);
    assert!((t - 2.0).abs() < 1e-12, "{t}");
}

#[test]
fn a_residual_with_no_variance_is_zero_or_infinite() {
    // Variance 0 (σ² = 0, C = 0): a reading on the curve is t = 0, one off
    // it ±∞ (exact data make any deviation infinitely significant).
    let f = mono(1.0, LN2 / 10.0, 0.0, [0.0; 4]);
    assert_eq!(f.studentized(10.0, 0.5), (0.5, 0.0));
    assert_eq!(f.studentized(10.0, 0.6).1, f64::INFINITY);
    assert_eq!(f.studentized(10.0, 0.4).1, f64::NEG_INFINITY);
    // An infinite variance is no variance either: ±∞ off the curve, 0 on it.
    let f = mono(1.0, LN2 / 10.0, f64::INFINITY, [0.0; 4]);
    assert_eq!(f.studentized(10.0, 0.6).1, f64::INFINITY);
    assert_eq!(f.studentized(10.0, 0.5).1, 0.0);
}

/// `deviation_text`: `+25 %`, or `×66` / `×1/100` beyond a factor of ten
/// (a factor of exactly 10 or 1/10 is written as a factor).
#[test]
fn the_deviation_in_words() {
    for (rel, want) in [
        (0.25, "+25 %"),
        (-0.25, "-25 %"),
        (0.0, "+0 %"),
        (8.0, "+800 %"),
        (9.0, "×10"),
        (65.0, "×66"),
        (-0.95, "×1/20"),
        (-0.99, "×1/100"),
        (-0.87, "-87 %"),
        // q = 0: no factor can be written; −100 %.
        (-1.0, "-100 %"),
        (-1.5, "-150 %"),
    ] {
        assert_eq!(deviation_text(rel), want, "{rel}");
    }
    // Just beyond a factor of ten below: q = 1 − 0.9 = 0.0999…98 → ×1/10;
    // just above 1/10: q = 0.11 → −89 %.
    assert_eq!(deviation_text(-0.9), "×1/10");
    assert_eq!(deviation_text(-0.89), "-89 %");
}

/// `fmt_stat`: one decimal, or `> 10^6` / `< −10^6` from |t| = 10^6 on.
#[test]
fn a_test_statistic_in_words() {
    assert_eq!(fmt_stat(2.54), "2.5");
    assert_eq!(fmt_stat(-56.34), "-56.3");
    assert_eq!(fmt_stat(999_999.9), "999999.9");
    assert_eq!(fmt_stat(1e6), "> 10^6");
    assert_eq!(fmt_stat(-1e6), "< −10^6");
    assert_eq!(fmt_stat(f64::INFINITY), "> 10^6");
    assert_eq!(fmt_stat(f64::NEG_INFINITY), "< −10^6");
    assert_eq!(fmt_stat(-999_999.9), "-999999.9");
}

/// `loo_kind`: the reference model, with free amplitudes when the
/// pre-void reading (which fixes R(0) = 1) is not among those fitted.
#[test]
fn the_model_each_reading_is_tested_against() {
    assert_eq!(loo_kind(ModelKind::Bi, 0, &[]), LooKind::BiFree);
    assert_eq!(loo_kind(ModelKind::Bi, 3, &[0]), LooKind::BiFree);
    assert_eq!(loo_kind(ModelKind::Bi, 3, &[2, 0]), LooKind::BiFree);
    assert_eq!(loo_kind(ModelKind::Bi, 3, &[]), LooKind::Bi);
    assert_eq!(loo_kind(ModelKind::Bi, 3, &[2]), LooKind::Bi);
    assert_eq!(loo_kind(ModelKind::Mono, 0, &[]), LooKind::Mono);
    assert_eq!(loo_kind(ModelKind::Mono, 3, &[0]), LooKind::Mono);
    assert_eq!(loo_kind(ModelKind::Trapezoid, 0, &[0]), LooKind::Mono);
}

/// The example's readings as retention: (reading − 0.12)/(408.12 − 0.12)
/// (`examples/dose/readings.csv`).
fn example() -> (Vec<f64>, Vec<f64>) {
    let t = vec![0.0, 3.5, 7.75, 23.5, 31.0, 47.25, 71.5, 95.75, 119.5];
    let raw = [
        408.12, 348.53, 283.58, 170.2, 142.82, 107.81, 70.12, 47.06, 31.34,
    ];
    let y = raw.iter().map(|m| (m - 0.12) / 408.0).collect();
    (t, y)
}

fn without(v: &[f64], k: usize) -> Vec<f64> {
    v.iter()
        .enumerate()
        .filter(|(i, _)| *i != k)
        .map(|(_, x)| *x)
        .collect()
}

/// The relative least-squares fits of the leave-one-out test, each model,
/// against SciPy (`scripts/gate_reference.py`, SciPy 1.17.1, the JSON files
/// of `tests/data/dosimetry/gate/`): the value the fit of the others
/// predicts at the reading's time (relative 1e-6) and the studentized
/// residual (1e-4), which needs σ², the covariance and ν = n − 1 − p.
#[test]
fn leave_one_out_fits_agree_with_scipy() {
    let (t, y) = example();
    // example_bi.json: reading 0 against the free bi-exponential (p = 4),
    // reading 4 (31 h) against the bi-exponential through 1 (p = 3).
    for (k, kind, e, st) in [
        (
            0,
            LooKind::BiFree,
            1.052_000_205_420_442_5,
            -2.619_245_601_990_371_6,
        ),
        (
            4,
            LooKind::Bi,
            0.356_651_926_549_974_46,
            -1.341_435_227_766_901,
        ),
        (
            8,
            LooKind::Bi,
            0.078_105_203_431_485_11,
            -0.849_535_531_905_547_8,
        ),
    ] {
        let f = loo_fit(kind, &without(&t, k), &without(&y, k)).unwrap();
        assert_eq!(f.dof, 8 - kind.n_params());
        let (yhat, ts) = f.studentized(t[k], y[k]);
        assert!((yhat / e - 1.0).abs() < 1e-6, "{k}: {yhat}");
        assert!((ts - st).abs() < 1e-4 * st.abs(), "{k}: {ts}");
    }
    // slip_24h_without_24h_mono.json: the six readings of issue 9's file
    // without its slip, mono-exponential (p = 2), readings 0 and 5.
    let t = [0.0, 4.0, 48.0, 72.0, 96.0, 120.0];
    let y: Vec<f64> = [350.0, 319.4, 131.2, 82.6, 52.1, 32.9]
        .iter()
        .map(|m| m / 350.0)
        .collect();
    for (k, e, st) in [
        (0, 0.974_211_895_119_475_3, 1.414_797_193_729_169),
        (5, 0.091_374_232_239_376_06, 1.458_352_548_863_305_1),
    ] {
        let f = loo_fit(LooKind::Mono, &without(&t, k), &without(&y, k)).unwrap();
        assert_eq!(f.dof, 3);
        let (yhat, ts) = f.studentized(t[k], y[k]);
        assert!((yhat / e - 1.0).abs() < 1e-6, "{k}: {yhat}");
        assert!((ts - st).abs() < 1e-4 * st.abs(), "{k}: {ts}");
    }
}

/// No fit without a residual degree of freedom (n ≤ p), nor of a retention
/// that is not > 0 (relative residuals divide by it).
#[test]
fn a_leave_one_out_fit_needs_a_degree_of_freedom_and_positive_readings() {
    let t = [0.0, 24.0, 48.0, 72.0];
    let y = [1.0, 0.5, 0.25, 0.125];
    assert!(loo_fit(LooKind::Mono, &t[..2], &y[..2]).is_none());
    assert!(loo_fit(LooKind::Bi, &t[..3], &y[..3]).is_none());
    assert!(loo_fit(LooKind::BiFree, &t, &y).is_none());
    let f = loo_fit(LooKind::Mono, &t[..3], &y[..3]).unwrap();
    assert_eq!(f.dof, 1);
    // Exact: 2^(−t/24) through every point (hand).
    assert!((f.value(72.0) - 0.125).abs() < 1e-9);
    for bad in [0.0, -0.25, f64::NAN] {
        let y2 = [1.0, 0.5, bad, 0.125];
        assert!(loo_fit(LooKind::Mono, &t, &y2).is_none(), "{bad}");
    }
}

/// σ² of the relative residuals at the fixed point of the reweighting,
/// WRSS/(n − 1 − p), against SciPy (`scripts/gate_reference.py`, the
/// `sigma2` of `tests/data/dosimetry/gate/slip_24h_mono_with_sigma2.json`
/// and `slip_24h_bi.json`, SciPy 1.17.1): issue 9's slip file, every
/// reading left out in turn (mono), and the slipped 24 h reading left out
/// (bi through 1). Relative 1e-4.
#[test]
fn the_residual_variance_of_each_leave_one_out_fit_agrees_with_scipy() {
    let t = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0, 120.0];
    let y: Vec<f64> = [350.0, 319.4, 2.10, 131.2, 82.6, 52.1, 32.9]
        .iter()
        .map(|m| m / 350.0)
        .collect();
    let mono = [
        0.351_588_190_431_393_6,
        0.346_387_812_109_356_76,
        0.000_243_494_058_177_175_23,
        0.317_324_193_023_083_84,
        0.311_538_578_830_826_25,
        0.308_209_000_462_042_2,
        0.306_880_098_196_503,
    ];
    for (k, want) in mono.iter().enumerate() {
        let f = loo_fit(LooKind::Mono, &without(&t, k), &without(&y, k)).unwrap();
        assert!((f.sigma2 / want - 1.0).abs() < 1e-4, "{k}: {}", f.sigma2);
    }
    let f = loo_fit(LooKind::Bi, &without(&t, 2), &without(&y, 2)).unwrap();
    assert!(
        (f.sigma2 / 1.004_867_188_110_019_3e-7 - 1.0).abs() < 1e-3,
        "{}",
        f.sigma2
    );
    assert!((f.value(24.0) / 0.599_975_113_781_568_9 - 1.0).abs() < 1e-6);
}

/// `improves`: which fit of a reweighting stage becomes the best.
#[test]
fn a_stage_fit_replaces_the_best_only_when_finite_and_strictly_better() {
    // The first finite fit is the best.
    assert!(improves(&[0.5, 0.01], 2.0, None));
    // A non-finite parameter or residual sum is never kept, even as the
    // first fit (each of the two conditions alone refuses it).
    assert!(!improves(&[f64::NAN, 0.01], 2.0, None));
    assert!(!improves(&[0.5, f64::INFINITY], 2.0, None));
    assert!(!improves(&[0.5, 0.01], f64::NAN, None));
    assert!(!improves(&[0.5, 0.01], f64::INFINITY, Some(3.0)));
    assert!(!improves(&[f64::NAN, 0.01], 1.0, Some(3.0)));
    // Strictly lower wins; higher loses; a tie keeps the earlier seed's fit.
    assert!(improves(&[0.5, 0.01], 1.0, Some(2.0)));
    assert!(!improves(&[0.5, 0.01], 3.0, Some(2.0)));
    assert!(!improves(&[0.5, 0.01], 2.0, Some(2.0)));
}

/// `settled`: the reweighting stops when every parameter moved by at most
/// 1e-8 of its new value.
#[test]
fn the_reweighting_settles_at_a_relative_change_of_1e_minus_8() {
    // An exact repeat has settled.
    assert!(settled(&[1.0, 0.02], &[1.0, 0.02]));
    // 1 → 1 + 5e-9: moved 5e-9 ≤ 1e-8 × 1.000000005; 1 → 1 + 2e-8: not.
    assert!(settled(&[1.0], &[1.0 + 5e-9]));
    assert!(!settled(&[1.0], &[1.0 + 2e-8]));
    // Relative to the new value: at 100, a move of 5e-7 is 5e-9 of it
    // (settled), 2e-6 is 2e-8 of it (not).
    assert!(settled(&[100.0], &[100.0 + 5e-7]));
    assert!(!settled(&[100.0], &[100.0 + 2e-6]));
    // At 0.001 a move of 5e-12 is 5e-9 of it (settled), 5e-11 is 5e-8.
    assert!(settled(&[0.001], &[0.001 + 5e-12]));
    assert!(!settled(&[0.001], &[0.001 + 5e-11]));
    // Near 0 the scale is 1e-12: a move of 5e-21 ≤ 1e-20 settles, 5e-20
    // does not.
    assert!(settled(&[0.0], &[5e-21]));
    assert!(!settled(&[0.0], &[5e-20]));
    // Every parameter must have settled.
    assert!(!settled(&[1.0, 2.0], &[1.0, 2.1]));
    assert!(!settled(&[1.1, 2.0], &[1.0, 2.0]));
}

/// `mono_seed`: the log-linear regression of the readings.
#[test]
fn the_mono_exponential_seed_is_the_log_linear_regression() {
    let lp = lambda_phys().per_h(); // ln 2 / 192.497 h = 0.0036008 /h (ICRP 107)
    // Exact data 0.8·e^(−0.05 t): the regression gives ln 0.8 and −0.05.
    let t: [f64; 4] = [1.0, 2.0, 4.0, 8.0];
    let y: Vec<f64> = t.iter().map(|&x| 0.8 * (-0.05 * x).exp()).collect();
    let s = mono_seed(&t, &y, lp);
    assert!(
        (s[0] - 0.8).abs() < 1e-12 && (s[1] - 0.05).abs() < 1e-12,
        "{s:?}"
    );
    // Rising readings 0.5·e^(+0.01 t): the rate is held at the physical
    // decay.
    let y: Vec<f64> = t.iter().map(|&x| 0.5 * (0.01 * x).exp()).collect();
    let s = mono_seed(&t, &y, lp);
    assert!((s[0] - 0.5).abs() < 1e-12, "{s:?}");
    assert_eq!(s[1], lp);
    // An amplitude of 20 is held at 10; one of 1e-12 at 1e-9.
    let y: Vec<f64> = t.iter().map(|&x| 20.0 * (-0.05 * x).exp()).collect();
    assert_eq!(mono_seed(&t, &y, lp)[0], 10.0);
    let y: Vec<f64> = t.iter().map(|&x| 1e-12 * (-0.05 * x).exp()).collect();
    assert_eq!(mono_seed(&t, &y, lp)[0], 1e-9);
    // One reading: no regression, the generic seed (y₀, 0.02 /h).
    assert_eq!(mono_seed(&[1.0], &[0.3], lp), [0.3, 0.02]);
}

/// `bi_free_seeds`: curve peeling on exact bi-exponential data.
#[test]
fn the_free_bi_exponential_seeds_peel_the_curve() {
    let lp = lambda_phys().per_h();
    // 0.6·e^(−0.5 t) + 0.4·e^(−0.02 t) at 0.5, 1, 48, 72, 96, 120 h: from
    // 48 h the fast part (0.6·e^(−24) = 2.3e-11) is below 2e-10 of the
    // slow one, so each tail's regression gives a₂ = 0.4, λ₂ = 0.02 and
    // the earlier readings less it give a₁ = 0.6, λ₁ = 0.5 (> 1.5 × 0.02).
    let t: [f64; 6] = [0.5, 1.0, 48.0, 72.0, 96.0, 120.0];
    let y: Vec<f64> = t
        .iter()
        .map(|&x| 0.6 * (-0.5 * x).exp() + 0.4 * (-0.02 * x).exp())
        .collect();
    let s = bi_free_seeds(&t, &y, lp);
    // Tails of 3 (72–120 h), 4 (48–120 h) and n/2 = 3, then the generic
    // seed: y₀ = 0.6·e^(−0.25) + 0.4·e^(−0.01) = 0.467280 + 0.396020 =
    // 0.863300 (hand), halved 0.431650; max(0.01, 1.01 × 0.0036) = 0.01.
    assert_eq!(s.len(), 4, "{s:?}");
    for seed in &s[..3] {
        for (got, want) in seed.iter().zip([0.6, 0.5, 0.4, 0.02]) {
            assert!((got / want - 1.0).abs() < 1e-4, "{seed:?}");
        }
    }
    let y0 = 0.6 * (-0.25f64).exp() + 0.4 * (-0.01f64).exp();
    assert!((y0 - 0.863_300).abs() < 1e-6);
    assert_eq!(s[3], [0.5 * y0, 0.1, 0.5 * y0, 0.01]);

    // Five readings: tails of 3 and n/2 = 2 leave at least 2 readings
    // before them; a tail of 4 would leave 1 and is skipped: 2 + 1 seeds.
    let t5: [f64; 5] = [0.5, 1.0, 72.0, 96.0, 120.0];
    let y5: Vec<f64> = t5
        .iter()
        .map(|&x| 0.6 * (-0.5 * x).exp() + 0.4 * (-0.02 * x).exp())
        .collect();
    let s5 = bi_free_seeds(&t5, &y5, lp);
    assert_eq!(s5.len(), 3, "{s5:?}");
    for (got, want) in s5[0].iter().zip([0.6, 0.5, 0.4, 0.02]) {
        assert!((got / want - 1.0).abs() < 1e-4, "{s5:?}");
    }
    // The tail of 2 (96, 120 h) gives the slow component too.
    assert!((s5[1][2] / 0.4 - 1.0).abs() < 1e-6 && (s5[1][3] / 0.02 - 1.0).abs() < 1e-6);

    // A tail slower than the physical decay, 0.6·e^(−0.5 t) + 0.4·e^(−0.001
    // t): its regression gives a₂ = 0.4 and a rate 0.001 /h, held at
    // 1.01 × λ_phys = 1.01 × ln 2 / 192.497 h (ICRP 107) = 0.0036368 /h.
    let y: Vec<f64> = t
        .iter()
        .map(|&x| 0.6 * (-0.5 * x).exp() + 0.4 * (-0.001 * x).exp())
        .collect();
    let s = bi_free_seeds(&t, &y, lp);
    assert!((lp * 1.01 - 0.003_636_8).abs() < 1e-7);
    for seed in &s[..3] {
        assert!((seed[2] / 0.4 - 1.0).abs() < 1e-9, "{seed:?}");
        assert_eq!(seed[3], lp * 1.01, "{seed:?}");
    }

    // A rising start, 0.4·e^(−0.02 t) − 0.1·e^(−0.5 t), at 0.5, 1, 48, 72,
    // 96, 120 h: the tails give a₂ = 0.4, λ₂ = 0.02, and what is left
    // before them is negative (−0.078, −0.061, −3.8e-12), so there is no
    // regression of it: a₁ = a₂/10 = 0.04 and λ₁ = 5·λ₂ = 0.1 (the
    // fallback).
    let t: [f64; 6] = [0.5, 1.0, 48.0, 72.0, 96.0, 120.0];
    let y: Vec<f64> = t
        .iter()
        .map(|&x| 0.4 * (-0.02 * x).exp() - 0.1 * (-0.5 * x).exp())
        .collect();
    let s = bi_free_seeds(&t, &y, lp);
    assert_eq!(s.len(), 4, "{s:?}");
    for seed in &s[..3] {
        for (got, want) in seed.iter().zip([0.04, 0.1, 0.4, 0.02]) {
            assert!((got / want - 1.0).abs() < 1e-9, "{seed:?}");
        }
    }
}

/// `bi_free_seeds`: an earlier part that falls, but not faster than
/// 1.5·λ₂, is not peeled.
#[test]
fn a_slowly_falling_earlier_part_is_not_peeled() {
    let lp = lambda_phys().per_h();
    // Tail (72, 96, 120 h) exactly 0.4·e^(−0.02 t); before it (0.5, 1,
    // 48 h) 0.4·e^(−0.02 t) + 0.1·e^(−0.015 t). The tail of 3 gives a₂ =
    // 0.4, λ₂ = 0.02; what is left before it is 0.1·e^(−0.015 t), falling
    // at 0.015 /h, not faster than 1.5 × 0.02 = 0.03 /h: a₁ = 0.04, λ₁ =
    // 0.1 (the fallback), not the peeled (0.1, 0.015).
    let t: [f64; 6] = [0.5, 1.0, 48.0, 72.0, 96.0, 120.0];
    let y: Vec<f64> = t
        .iter()
        .map(|&x| {
            0.4 * (-0.02 * x).exp()
                + if x < 60.0 {
                    0.1 * (-0.015 * x).exp()
                } else {
                    0.0
                }
        })
        .collect();
    let s = bi_free_seeds(&t, &y, lp);
    assert_eq!(s.len(), 4, "{s:?}");
    for seed in [s[0], s[2]] {
        for (got, want) in seed.iter().zip([0.04, 0.1, 0.4, 0.02]) {
            assert!((got / want - 1.0).abs() < 1e-9, "{seed:?}");
        }
    }
}

/// `most_consistent_without`: the reading without which the others fit
/// best.
#[test]
fn the_most_consistent_subset_leaves_out_the_slipped_reading() {
    // 1000·e^(−0.02 t) at 0, 1, 2, 4, 24, 48, 72 h, with the reading at
    // 24 h typed ×1/10 (61.88 for 618.78): without it the six others are
    // exactly mono-exponential (residual variance 0), without any other
    // the slipped reading stays in the fit.
    let times: [f64; 7] = [0.0, 1.0, 2.0, 4.0, 24.0, 48.0, 72.0];
    let pairs: Vec<(Hours, f64)> = times
        .iter()
        .map(|&t| {
            let v = 1000.0 * (-0.02 * t).exp();
            (Hours::new(t), if t == 24.0 { 0.1 * v } else { v })
        })
        .collect();
    let r = Readings::from_pairs("test", &pairs, 1.0).unwrap();
    let all: Vec<usize> = (0..times.len()).collect();
    assert_eq!(most_consistent_without(&r, &all, &[]), Some(4));
    // Of two candidates, the slipped one (the candidate list's second).
    assert_eq!(most_consistent_without(&r, &[1, 4], &[]), Some(4));
    assert_eq!(most_consistent_without(&r, &[4, 6], &[]), Some(4));
}

/// `name_slip`: two neighbouring readings exchanged, each fitting the
/// other's time on the curve of the rest.
#[test]
fn two_readings_that_fit_each_others_time_are_named_swapped() {
    // 1000·e^(−0.02 t) at 0, 1, 2, 4, 24, 48, 72 h (980.2 at 1 h, 960.8 at
    // 2 h, to 0.1), the values at 1 and 2 h exchanged: a rise of 2 %,
    // within the 5 % reading noise, so no physical violation. Without both
    // readings the rest is mono-exponential, 1000·e^(−0.02 t) to 1e-4, so
    // reading k = 1 (960.8) is the curve at 2 h and reading 2 (980.2) the
    // curve at 1 h: q₁ = 0.9608/e^(−0.04) = 1.0000, q₂ = 0.9802/e^(−0.02)
    // = 1.0000 (hand; both within 2 × 5 %), log error below 1e-4.
    let times: [f64; 7] = [0.0, 1.0, 2.0, 4.0, 24.0, 48.0, 72.0];
    let raw = [1000.0, 960.8, 980.2, 923.1, 618.8, 382.9, 236.9];
    let pairs: Vec<(Hours, f64)> = times.iter().map(|&t| Hours::new(t)).zip(raw).collect();
    let r = Readings::from_pairs("test", &pairs, 1.0).unwrap();
    let limits = GateLimits::default();
    let want =
        "rows swapped? the readings of lines 3 and 4 fit each other's time (960.8 and 980.2)";
    // From either reading, the lines in file order.
    for k in [1, 2] {
        let s = name_slip(&r, k, &[], &limits).slip.expect("a swap");
        assert_eq!(s.text, want, "k = {k}");
        assert!(s.log_error < 1e-4, "k = {k}: {}", s.log_error);
    }
}

/// `name_slip`: a swap needs both readings to fit the other's time.
#[test]
fn a_reading_that_fits_another_time_alone_is_not_a_swap() {
    // The same curve with the reading at 24 h 1.5 times too high
    // (928.2 for 618.8): it sits on the curve at 24 − ln 1.5/0.02 = 3.73 h,
    // so against the reading at 4 h q₁ = 1.5·e^(−0.48)/e^(−0.08) = 1.5·e^(−0.4)
    // = 1.0055 (within 10 %), but that reading is not on the curve at
    // 24 h: q₂ = e^(−0.08)/e^(−0.48) = e^(0.4) = 1.49 (hand). No decimal
    // slip (×1.5), no time slip (3.73 h for 24 h), no swap: nothing named.
    let times: [f64; 7] = [0.0, 1.0, 2.0, 4.0, 24.0, 48.0, 72.0];
    let raw = [1000.0, 980.2, 960.8, 923.1, 928.2, 382.9, 236.9];
    let pairs: Vec<(Hours, f64)> = times.iter().map(|&t| Hours::new(t)).zip(raw).collect();
    let r = Readings::from_pairs("test", &pairs, 1.0).unwrap();
    let named = name_slip(&r, 4, &[], &GateLimits::default());
    assert!(named.slip.is_none(), "{:?}", named.slip.map(|s| s.text));
    // The expected reading at 24 h is the curve of the others: 0.6188.
    assert!((named.expected.unwrap() - 0.6188).abs() < 1e-3);
}
