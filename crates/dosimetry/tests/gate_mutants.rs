//! The plausibility gate's outlier test, slip naming and counterfactual
//! readings on fixed cases (issue 16, the gate.rs mutants after piece 1).
//! Every expected value is known independently of mibg: by construction
//! (a file made from exact kinetics with one number mistyped in a known
//! way, so the reading to blame, its expected value and the slip are known),
//! by hand from the rule, or from SciPy (`scripts/gate_reference.py`, SciPy
//! 1.17.1 / NumPy 2.4.6, the JSON files in `tests/data/dosimetry/gate/`;
//! critical values `scipy.stats.t.ppf(1 − α/(2n), ν)`, same versions).

use mibg_dosimetry::gate::{self, Check, CheckStatus, GateLimits, inspect_fit, inspect_readings};
use mibg_dosimetry::*;
use serde_json::Value;
use std::path::PathBuf;

const LN2: f64 = std::f64::consts::LN_2;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn file(path: &str) -> Readings {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    parse_readings(path, &text, &ReadingsOptions::default()).unwrap()
}

fn series(text: &str) -> Readings {
    parse_readings("r.csv", text, &ReadingsOptions::default()).unwrap()
}

/// The outlier check of `r` against a fit of `model` (the fit only gives
/// the check its model).
fn outliers(r: &Readings, model: ModelKind) -> gate::Inspection {
    let clean = exact_mono(&[0.0, 24.0, 48.0, 72.0], &[]);
    let f = fit::fit_model(
        "r.csv",
        model,
        &clean.times_h(),
        &clean.retention(),
        &FitOptions::default(),
    )
    .unwrap();
    inspect_fit(r, &f, &FitOptions::default(), &GateLimits::default(), None)
}

fn outcome(ins: &gate::Inspection, c: Check) -> gate::CheckOutcome {
    ins.outcomes.iter().find(|o| o.check == c).unwrap().clone()
}

/// Exact mono-exponential readings 1000·2^(−t/24 h) (15 significant
/// digits), with the readings at `slipped` times typed ×1/100.
fn exact_mono(times: &[f64], slipped: &[f64]) -> Readings {
    let f: Vec<(f64, f64)> = slipped.iter().map(|&t| (t, 0.01)).collect();
    exact_mono_scaled(times, &f)
}

/// The same with the readings at the given times multiplied by a factor.
fn exact_mono_scaled(times: &[f64], scaled: &[(f64, f64)]) -> Readings {
    let mut s = "hours,reading\n".to_string();
    for &t in times {
        let mut v = 1000.0 * (-LN2 * t / 24.0).exp();
        if let Some((_, f)) = scaled.iter().find(|(x, _)| *x == t) {
            v *= f;
        }
        s.push_str(&format!("{t},{v:.15e}\n"));
    }
    series(&s)
}

/// Issue 9's 24 h reading typed 2.10 for 210 (mono-exponential): the
/// finding's text carries SciPy's values. Expected retention at 24 h
/// without it 0.6142087875 (SciPy, `slip_24h_mono.json`), observed
/// 2.10/350 = 0.006: 0.60 % against 61.42 %, a factor 0.6142…/0.006 =
/// 102.368 → "×1/102.4"; t = −56.608 (SciPy) → "-56.6"; the Bonferroni bound
/// over n = 7 readings with ν = 6 − 2 = 4: t.ppf(1 − 0.05/14, 4) =
/// 5.067510354 → "±5.07"; the slip by construction: 2.1 for 210.
#[test]
fn the_outlier_finding_states_the_scipy_values_and_the_slip() {
    let r = file("tests/data/dosimetry/issue9/slip_24h.csv");
    let ins = outliers(&r, ModelKind::Mono);
    let f: Vec<_> = ins
        .findings
        .iter()
        .filter(|f| f.check == Check::Outlier)
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    let f = f[0];
    assert_eq!(
        f.message,
        "line 7 (24 h, reading 2.1): retention 0.60 % where the other readings expect 61.42 % (×1/102.4); externally studentized residual -56.6, beyond ±5.07 (Bonferroni α = 0.05 over 7 readings, ν = 4); likely slip: ×1/100? a slipped decimal point (2.1 for 210?)"
    );
    assert_eq!(f.reading.as_ref().unwrap().line, 7);
    assert!((f.expected_retention.unwrap() / 0.614_208_787_519_925_5 - 1.0).abs() < 1e-5);
    assert!((f.statistic.unwrap() / 56.608_012_272_162_74 - 1.0).abs() < 1e-4);
    assert!((f.limit.unwrap() - 5.067_510_353_639_193).abs() < 1e-8);
    assert_eq!(
        f.likely_slip.as_deref(),
        Some("×1/100? a slipped decimal point (2.1 for 210?)")
    );
    let o = outcome(&ins, Check::Outlier);
    assert_eq!(o.status, CheckStatus::Failed);
    assert_eq!(
        o.detail,
        "7 readings tested against the mono fit of the others (Bonferroni α = 0.05); 1 outlier(s)"
    );
    // The table: every reading, the slipped one flagged with its first-pass
    // values (SciPy on all seven), the others as tested again without it
    // (sequential deletion: SciPy on the six others,
    // `slip_24h_without_24h_mono.json`), each with its ν and bound.
    let json = |p: &str| -> Vec<Value> {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(root().join(p)).unwrap()).unwrap();
        v["readings"].as_array().unwrap().clone()
    };
    let first = json("tests/data/dosimetry/gate/slip_24h_mono.json");
    let again = json("tests/data/dosimetry/gate/slip_24h_without_24h_mono.json");
    assert_eq!(ins.leave_one_out.len(), 7);
    for (i, l) in ins.leave_one_out.iter().enumerate() {
        // ν = 6 − 2 in the first pass; without line 7 as well, 5 − 2 = 3,
        // bound t.ppf(1 − 0.05/14, 3) = 6.579678502 (SciPy; n stays 7).
        let (s, nu, crit) = match i {
            2 => (&first[2], 4, 5.067_510_353_639_193),
            0 | 1 => (&again[i], 3, 6.579_678_501_573_44),
            _ => (&again[i - 1], 3, 6.579_678_501_573_44),
        };
        let e = s["expected_retention"].as_f64().unwrap();
        let t = s["studentized"].as_f64().unwrap();
        assert!((l.expected_retention / e - 1.0).abs() < 1e-5, "{l:?} {s}");
        assert!(
            (l.studentized - t).abs() < 1e-4 * t.abs().max(1.0),
            "{l:?} {s}"
        );
        assert_eq!(l.flagged, i == 2, "{l:?}");
        assert_eq!(l.degrees_of_freedom, nu, "{l:?}");
        assert!((l.critical - crit).abs() < 1e-8, "{l:?}");
        assert!(
            (l.relative_deviation - (l.reading.retention / e - 1.0)).abs() < 1e-5,
            "{l:?}"
        );
    }
}

/// Exact mono-exponential readings, the 48 h one typed ×1/100: the others
/// fit exactly, so the expected retention is 2^(−2) = 25 % (hand), the
/// reading 0.25 %, a factor 1/100, and the statistic beyond any bound
/// ("< −10^6": the residual variance of exact data is ~0).
#[test]
fn an_exact_series_with_one_slip_has_an_absurdly_large_statistic() {
    let times = [0.0, 4.0, 24.0, 48.0, 72.0, 96.0, 120.0];
    let r = exact_mono(&times, &[48.0]);
    let ins = outliers(&r, ModelKind::Mono);
    let f: Vec<_> = ins
        .findings
        .iter()
        .filter(|f| f.check == Check::Outlier)
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    let m = &f[0].message;
    assert!(
        m.starts_with(
            "line 5 (48 h, reading 2.5): retention 0.25 % where the other readings expect 25.00 % (×1/100); externally studentized residual < −10^6, beyond ±5.07 (Bonferroni α = 0.05 over 7 readings, ν = 4); likely slip: ×1/100? a slipped decimal point (2.5 for 250?)"
        ),
        "{m}"
    );
    assert!((f[0].expected_retention.unwrap() - 0.25).abs() < 1e-9);
    // A reading ×10 instead (62.5 → 625 at 96 h: 6.25 % → 62.50 %, ×10),
    // the statistic "> 10^6".
    let r = exact_mono_scaled(&times, &[(96.0, 10.0)]);
    let ins = outliers(&r, ModelKind::Mono);
    let f = ins
        .findings
        .iter()
        .find(|f| f.check == Check::Outlier)
        .unwrap();
    assert!(
        f.message.starts_with(
            "line 7 (96 h, reading 625): retention 62.50 % where the other readings expect 6.25 % (×10); externally studentized residual > 10^6"
        ),
        "{}",
        f.message
    );
    assert!(
        f.message
            .ends_with("likely slip: ×10? a slipped decimal point (625 for 62.5?)"),
        "{}",
        f.message
    );
}

/// Sequential deletion stops at MAX_OUTLIERS = 3. Thirty exact readings
/// (every 4 h) with four too high by 50 %, 20 %, 15 % and 12 % (well apart,
/// so that each stands out once the larger ones are gone): three are
/// flagged, the largest first (by construction: each is the farthest, in
/// ratio, from the fit of the others), and the fourth is left; with only
/// the first two deviations, two findings.
#[test]
fn at_most_three_outliers_are_flagged() {
    let times: Vec<f64> = (0..30).map(|i| i as f64 * 4.0).collect();
    let four = [(16.0, 1.5), (40.0, 1.2), (64.0, 1.15), (88.0, 1.12)];
    let flagged_lines = |scaled: &[(f64, f64)]| -> Vec<usize> {
        let r = exact_mono_scaled(&times, scaled);
        let ins = outliers(&r, ModelKind::Mono);
        let n = ins.leave_one_out.iter().filter(|l| l.flagged).count();
        let lines: Vec<usize> = ins
            .findings
            .iter()
            .filter(|f| f.check == Check::Outlier)
            .map(|f| f.reading.as_ref().unwrap().line)
            .collect();
        assert_eq!(n, lines.len());
        assert!(
            outcome(&ins, Check::Outlier)
                .detail
                .ends_with(&format!("; {} outlier(s)", lines.len())),
            "{:?}",
            outcome(&ins, Check::Outlier)
        );
        lines
    };
    assert_eq!(gate::MAX_OUTLIERS, 3);
    // 16, 40, 64 h are data rows 5, 11, 17: lines 6, 12, 18.
    assert_eq!(flagged_lines(&four), vec![6, 12, 18]);
    assert_eq!(flagged_lines(&four[..2]), vec![6, 12]);
}

/// Three readings fitted mono-exponentially: without any one of them two
/// remain for two parameters, no residual degree of freedom, so none can be
/// tested (hand: n − 1 = 2 = p), and the check fails saying so. With four
/// every reading is tested (ν = 1).
#[test]
fn too_few_readings_to_test_any_is_a_failed_outlier_check() {
    let r = exact_mono(&[0.0, 24.0, 48.0], &[]);
    let ins = outliers(&r, ModelKind::Mono);
    let o = outcome(&ins, Check::Outlier);
    assert_eq!(o.status, CheckStatus::Failed);
    assert_eq!(
        o.detail,
        "0 readings tested against the mono fit of the others (Bonferroni α = 0.05); 0 outlier(s); line(s) 2, 3, 4 could not be tested (no residual degree of freedom without them)"
    );
    let f: Vec<_> = ins
        .findings
        .iter()
        .filter(|f| f.check == Check::Outlier)
        .collect();
    assert_eq!(f.len(), 1);
    assert!(f[0].reading.is_none());
    assert_eq!(
        f[0].message,
        "3 readings are too few to test each one against the mono fit of the others (no residual degree of freedom): a mistyped reading could not be detected; take more readings"
    );
    assert!(ins.leave_one_out.is_empty());

    let r = exact_mono(&[0.0, 24.0, 48.0, 72.0], &[]);
    let ins = outliers(&r, ModelKind::Mono);
    let o = outcome(&ins, Check::Outlier);
    assert_eq!(o.status, CheckStatus::Passed);
    assert_eq!(
        o.detail,
        "4 readings tested against the mono fit of the others (Bonferroni α = 0.05); 0 outlier(s)"
    );
    assert!(ins.findings.iter().all(|f| f.check != Check::Outlier));
    assert_eq!(ins.leave_one_out.len(), 4);
    for l in &ins.leave_one_out {
        assert_eq!(l.degrees_of_freedom, 1);
        assert!(!l.flagged);
        // Exact data: each reading where the others expect it (hand:
        // 2^(−t/24)).
        let want = (-LN2 * l.reading.time.hours() / 24.0).exp();
        assert!((l.expected_retention / want - 1.0).abs() < 1e-9, "{l:?}");
    }
}

/// Issue 9's 1195 h for 119.5 h (the example's last time typed ×10): a
/// `physical-decay` finding on line 11 naming the time slip (by
/// construction).
#[test]
fn a_time_typed_ten_times_is_named() {
    let r = file("tests/data/dosimetry/issue9/time_1195h.csv");
    let ins = inspect_readings(&r, &GateLimits::default());
    let f = ins
        .findings
        .iter()
        .find(|f| f.check == Check::PhysicalDecay)
        .expect("physical-decay");
    assert_eq!(f.reading.as_ref().unwrap().line, 11);
    assert_eq!(
        f.likely_slip.as_deref(),
        Some("×10 on the time? a slipped decimal point (1195 h for 119.5 h?)")
    );
    assert!(
        f.message.ends_with(
            "likely slip: ×10 on the time? a slipped decimal point (1195 h for 119.5 h?)"
        ),
        "{}",
        f.message
    );
}

/// The example with the readings of 71.5 h and 95.75 h exchanged (lines 11
/// and 12 after the three comment lines and the header): 70.12 at 95.75 h
/// rises above 47.06 at 71.5 h; exchanging them back removes every rise
/// (by construction).
#[test]
fn two_rows_swapped_are_named() {
    let text = std::fs::read_to_string(root().join("examples/dose/readings.csv"))
        .unwrap()
        .replace("71.5,70.12", "71.5,47.06")
        .replace("95.75,47.06", "95.75,70.12");
    let r = series(&text);
    let ins = inspect_readings(&r, &GateLimits::default());
    let f: Vec<_> = ins
        .findings
        .iter()
        .filter(|f| f.check == Check::Rise)
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        f[0].likely_slip.as_deref(),
        Some(
            "rows swapped? exchanging the readings of lines 11 and 12 (47.06 and 70.12) removes every rise"
        )
    );
}

/// `readings_without`: rows and lines kept; `None` for an index out of
/// range or when fewer than three readings would remain; without the
/// pre-void reading the others are rescaled by its expected value (hand:
/// retention / 0.8).
#[test]
fn the_readings_without_one() {
    let r = exact_mono(&[0.0, 24.0, 48.0, 72.0], &[]);
    let w = gate::readings_without(&r, 2, None).unwrap();
    assert_eq!(w.len(), 3);
    assert_eq!(
        w.readings.iter().map(|x| x.line).collect::<Vec<_>>(),
        vec![2, 3, 5]
    );
    assert_eq!(
        w.readings.iter().map(|x| x.row).collect::<Vec<_>>(),
        vec![1, 2, 4]
    );
    assert_eq!(w.readings[2].retention, r.readings[3].retention);
    assert!(gate::readings_without(&r, 3, None).is_some());
    assert!(gate::readings_without(&r, 4, None).is_none());
    assert!(gate::readings_without(&r, 99, None).is_none());
    // Three readings: two would remain.
    let three = exact_mono(&[0.0, 24.0, 48.0], &[]);
    assert!(gate::readings_without(&three, 1, None).is_none());
    // Without the pre-void reading: rescaled by its expected value.
    let w = gate::readings_without(&r, 0, Some(0.8)).unwrap();
    assert_eq!(
        w.readings.iter().map(|x| x.line).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
    for (a, b) in w.readings.iter().zip(&r.readings[1..]) {
        assert!((a.retention - b.retention / 0.8).abs() < 1e-15, "{a:?}");
    }
    // … which must be known, finite and > 0.
    for e in [
        None,
        Some(0.0),
        Some(-0.8),
        Some(f64::INFINITY),
        Some(f64::NAN),
    ] {
        assert!(gate::readings_without(&r, 0, e).is_none(), "{e:?}");
    }
    // A later reading is not rescaled by it.
    let w = gate::readings_without(&r, 1, Some(0.8)).unwrap();
    assert_eq!(w.readings[1].retention, r.readings[2].retention);
}

/// The influence check names, among the readings whose removal moves A₂
/// outside its interval (each beyond the edge plus the 0.5 % slack), the one
/// farthest outside relative to the interval's half-width on its side:
/// (A₂' − hi)/(hi − A₂) above, (lo − A₂')/(A₂ − lo) below. A₂ without each
/// post-void reading of the example is computed here by the dose chain
/// (`assess` on `readings_without`), and two intervals are set, each
/// narrow on one side, so that the farthest in these terms is not the
/// farthest in MBq. Each finding gives A₂' and the edge it passed.
#[test]
fn the_influence_check_names_the_reading_farthest_outside() {
    let r = file("examples/dose/readings.csv");
    let mut req = DoseRequest::new(
        mibg_units::Mass::from_kg(20.0),
        mibg_units::Activity::from_mbq(8880.0),
    );
    let mut a = assess(&r, &req).unwrap();
    let a2 = a.plan.activity_mbq.mbq();
    req.uncertainty = None;
    let without: Vec<(usize, f64)> = (1..r.len())
        .map(|k| {
            let sub = gate::readings_without(&r, k, None).unwrap();
            (
                r.readings[k].line,
                assess(&sub, &req).unwrap().plan.activity_mbq.mbq(),
            )
        })
        .collect();
    let slack = gate::INFLUENCE_SLACK * a2;
    for (below, above) in [(60.0, 10.0), (10.0, 60.0)] {
        let (lo, hi) = (a2 - below, a2 + above);
        let u = a.uncertainty.as_mut().unwrap();
        u.second_activity.low_mbq = mibg_units::Activity::from_mbq(lo);
        u.second_activity.high_mbq = mibg_units::Activity::from_mbq(hi);
        // The rule by hand on the chain's A₂'.
        let mut want: Vec<(usize, f64, f64, f64)> = Vec::new(); // line, A2', edge, off
        for &(line, b2) in &without {
            if b2 > hi + slack {
                want.push((line, b2, hi, (b2 - hi) / (hi - a2)));
            } else if b2 < lo - slack {
                want.push((line, b2, lo, (lo - b2) / (a2 - lo)));
            }
        }
        assert!(want.len() >= 2, "{want:?}");
        let far = want
            .iter()
            .fold(None::<(usize, f64)>, |w, x| match w {
                Some((_, o)) if o >= x.3 => w,
                _ => Some((x.0, x.3)),
            })
            .unwrap()
            .0;
        // Not the farthest in MBq: the normalisation decides.
        let far_mbq = want
            .iter()
            .max_by(|x, y| (x.1 - a2).abs().total_cmp(&(y.1 - a2).abs()))
            .unwrap()
            .0;
        let ins = gate::inspect_influence(&a, &[], &GateLimits::default());
        let o = outcome(&ins, Check::Influence);
        assert_eq!(o.status, CheckStatus::Failed);
        assert_eq!(
            o.detail,
            format!(
                "A2 without each post-void reading within the bootstrap 95 % interval {lo:.0}–{hi:.0} MBq (±0.5 % slack); line {far} moves it outside"
            )
        );
        let got: Vec<(usize, f64, f64)> = ins
            .findings
            .iter()
            .map(|f| {
                (
                    f.reading.as_ref().unwrap().line,
                    f.statistic.unwrap(),
                    f.limit.unwrap(),
                )
            })
            .collect();
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0, w.0);
            assert!((g.1 - w.1).abs() < 1e-9 && g.2 == w.2, "{g:?} vs {w:?}");
        }
        let f = &ins.findings[0];
        assert!(
            f.message.contains(&format!(
                ": without this reading A2 would be {:.0} MBq, outside the bootstrap 95 % interval {lo:.0}–{hi:.0} MBq of A2 = {a2:.0} MBq: the prescription rests on this one reading; ",
                want[0].1
            )),
            "{}",
            f.message
        );
        if below > above {
            assert_ne!(far, far_mbq, "{want:?}");
        }
    }
}

/// The reading the others expect, as typed, is the expected net reading
/// plus the reading's own background. With a background of 40 µSv/h on
/// every reading (net 500·2^(−t/24 h), typed to 0.01), the 144 h reading
/// 47.81 typed ×10 as 478.1 is exactly ten times what the others expect
/// as typed (7.81 + 40), but not ten times the net: the slip named is
/// "×10" on the reading (by construction), not a time slip.
#[test]
fn a_decimal_slip_is_judged_on_the_reading_as_typed() {
    let r = series(
        "hours,reading,background\n0,540.00,40\n4,485.45,40\n24,290.00,40\n48,165.00,40\n72,102.50,40\n96,71.25,40\n120,55.63,40\n144,478.1,40\n",
    );
    let ins = inspect_readings(&r, &GateLimits::default());
    let f = ins
        .findings
        .iter()
        .find(|f| f.check == Check::PhysicalDecay)
        .expect("physical-decay");
    assert_eq!(f.reading.as_ref().unwrap().line, 9);
    assert_eq!(
        f.likely_slip.as_deref(),
        Some("×10? a slipped decimal point (478.1 for 47.81?)")
    );
}

/// The swapped example (lines 11 and 12 exchanged) against the
/// bi-exponential: the first of the two flagged as an outlier names the
/// swap; once it is flagged it is a reading "already known to be wrong",
/// so if the other is flagged later, its slip does not offer the swap with
/// it again (the rule of `name_slip`'s `exclude`).
#[test]
fn a_swap_partner_already_flagged_is_not_offered_again() {
    let text = std::fs::read_to_string(root().join("examples/dose/readings.csv"))
        .unwrap()
        .replace("71.5,70.12", "71.5,47.06")
        .replace("95.75,47.06", "95.75,70.12");
    let r = series(&text);
    let opts = FitOptions {
        physical_bound: fit::PhysicalBoundPolicy::Constrain,
        ..FitOptions::default()
    };
    let f = fit::fit_model("r.csv", ModelKind::Bi, &r.times_h(), &r.retention(), &opts).unwrap();
    let ins = inspect_fit(&r, &f, &FitOptions::default(), &GateLimits::default(), None);
    let pair: Vec<&gate::Finding> = ins
        .findings
        .iter()
        .filter(|f| f.check == Check::Outlier)
        .filter(|f| [11, 12].contains(&f.reading.as_ref().unwrap().line))
        .collect();
    assert_eq!(pair.len(), 2, "{:?}", ins.findings);
    let swap = "rows swapped? exchanging the readings of lines 11 and 12 (47.06 and 70.12) removes every rise";
    assert_eq!(pair[0].likely_slip.as_deref(), Some(swap));
    assert_ne!(pair[1].likely_slip.as_deref(), Some(swap));
    assert!(
        !pair[1].message.contains("rows swapped"),
        "{}",
        pair[1].message
    );
}

/// A background typed ×100 (20 for 0.2 µSv/h) on the 72 h reading of an
/// exact series (net 500·2^(−t/24 h), background 0.2): the net as typed,
/// 62.7 − 20 = 42.7, is 32 % below the 62.5 the others expect (beyond the
/// 2 × 5 % tolerance of the slip test), and with the background meant, 0.2,
/// it is exactly as expected. The outlier finding names the background slip
/// (by construction).
#[test]
fn a_background_slip_is_named_for_an_outlier() {
    let mut s = "hours,reading,background\n".to_string();
    for t in [0.0, 4.0, 24.0, 48.0, 72.0, 96.0, 120.0] {
        let net = 500.0 * (-LN2 * t / 24.0_f64).exp();
        let bg = if t == 72.0 { 20.0 } else { 0.2 };
        s.push_str(&format!("{t},{:.15e},{bg}\n", net + 0.2));
    }
    let r = series(&s);
    let ins = outliers(&r, ModelKind::Mono);
    let f: Vec<_> = ins
        .findings
        .iter()
        .filter(|f| f.check == Check::Outlier)
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].reading.as_ref().unwrap().line, 6);
    assert_eq!(
        f[0].likely_slip.as_deref(),
        Some("×100 on the background? a slipped decimal point (background 20 for 0.2?)")
    );
}

/// The value a slipped reading is named against comes from the better
/// (smaller residual variance) of the mono- and bi-exponential fits of the
/// other readings. Issue 9's 2.10-for-210 file: without the 24 h reading,
/// SciPy's relative fits give σ² = 1.0e-7 for the bi-exponential and
/// 2.4e-4 for the mono-exponential (`slip_24h_bi.json`,
/// `slip_24h_mono_with_sigma2.json`,
/// `scripts/gate_reference.py`), so the rise finding expects the
/// bi-exponential's 0.59998 at 24 h (the file's kinetics give R(24 h) = 0.6
/// by construction), not the mono-exponential's 0.6142.
#[test]
fn a_slip_is_named_against_the_better_fit_of_the_others() {
    let r = file("tests/data/dosimetry/issue9/slip_24h.csv");
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/dosimetry/gate/slip_24h_bi.json"))
            .unwrap(),
    )
    .unwrap();
    let bi = &v["readings"][2];
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(
            root().join("tests/data/dosimetry/gate/slip_24h_mono_with_sigma2.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(bi["sigma2"].as_f64().unwrap() < m["readings"][2]["sigma2"].as_f64().unwrap());
    let e = bi["expected_retention"].as_f64().unwrap();
    let ins = inspect_readings(&r, &GateLimits::default());
    let f = ins
        .findings
        .iter()
        .find(|f| f.check == Check::Rise)
        .expect("rise");
    assert_eq!(f.reading.as_ref().unwrap().line, 7);
    let got = f.expected_retention.unwrap();
    assert!((got / e - 1.0).abs() < 1e-5, "{got} vs {e}");
    assert!((got - 0.6).abs() < 1e-3, "{got}");
}

/// A failed quality check names the reading without which the others fit
/// best: the example with its 31 h reading (line 9) made 30 % too high (by
/// construction the one wrong reading), R² required to 0.99999 so that the
/// check fails. That reading is named.
#[test]
fn a_poor_fit_names_the_reading_without_which_the_others_fit_best() {
    let mut r = file("examples/dose/readings.csv");
    r.readings[4].retention *= 1.3;
    let mut req = DoseRequest::new(
        mibg_units::Mass::from_kg(20.0),
        mibg_units::Activity::from_mbq(8880.0),
    );
    req.uncertainty = None;
    let a = assess(&r, &req).unwrap();
    let lim = GateLimits {
        min_r_squared: 0.99999,
        ..GateLimits::default()
    };
    let ins = inspect_fit(&r, &a.fit, &FitOptions::default(), &lim, None);
    let f = ins
        .findings
        .iter()
        .find(|f| f.check == Check::RSquared)
        .unwrap();
    assert_eq!(f.reading.as_ref().unwrap().line, 9, "{f:?}");
    assert!(
        f.message
            .contains("; the other readings fit best without line 9 (31 h, reading 142.8): "),
        "{}",
        f.message
    );
}

/// Each reading is tested against the fit's own exponential model, whatever
/// the `auto` choice on the readings would be: the example (auto: bi) fitted
/// mono-exponentially is tested against the mono fit of the others, and
/// issue 9's slip file (auto: mono, `the_outlier_finding_states_…`) fitted
/// bi-exponentially against the bi fit.
#[test]
fn readings_are_tested_against_the_fits_own_model() {
    let opts = FitOptions {
        physical_bound: fit::PhysicalBoundPolicy::Constrain,
        ..FitOptions::default()
    };
    for (path, model, n) in [
        ("examples/dose/readings.csv", ModelKind::Mono, 9),
        ("examples/dose/readings.csv", ModelKind::Bi, 9),
        ("tests/data/dosimetry/issue9/slip_24h.csv", ModelKind::Bi, 7),
        (
            "tests/data/dosimetry/issue9/slip_24h.csv",
            ModelKind::Mono,
            7,
        ),
    ] {
        let r = file(path);
        let f = fit::fit_model(path, model, &r.times_h(), &r.retention(), &opts).unwrap();
        assert_eq!(f.model, model);
        let ins = inspect_fit(&r, &f, &FitOptions::default(), &GateLimits::default(), None);
        let d = outcome(&ins, Check::Outlier).detail;
        assert!(
            d.starts_with(&format!(
                "{n} readings tested against the {} fit of the others",
                model.name()
            )),
            "{path} {model:?}: {d}"
        );
    }
}

/// Four readings (docs/reference/dosimetry.md §10.3 at 0, 8, 24 and 72 h) fitted bi-exponentially: without any one of them three remain, too few for the bi-exponential through 1 (p = 3) or with free amplitudes (p = 4), so each is tested against the mono-exponential fit of the other three instead (ν = 3 − 2 = 1, by hand), and none is left untested.
#[test]
fn a_bi_exponential_too_large_for_the_others_falls_back_to_mono() {
    let r = series(
        "hours,reading,background\n0,400.10,0.10\n8,250.92,0.10\n24,138.59,0.10\n72,50.15,0.10\n",
    );
    let opts = FitOptions {
        physical_bound: fit::PhysicalBoundPolicy::Constrain,
        ..FitOptions::default()
    };
    let f = fit::fit_model("r.csv", ModelKind::Bi, &r.times_h(), &r.retention(), &opts).unwrap();
    let ins = inspect_fit(&r, &f, &FitOptions::default(), &GateLimits::default(), None);
    assert_eq!(
        outcome(&ins, Check::Outlier).detail,
        "4 readings tested against the bi fit of the others (Bonferroni α = 0.05); 0 outlier(s)"
    );
    assert_eq!(ins.leave_one_out.len(), 4);
    assert!(ins.leave_one_out.iter().all(|l| l.degrees_of_freedom == 1));
}

/// The trapezoid's quality is judged on its exponential reference fit made
/// as the bootstrap makes its residual model: with the rate pinned at
/// physical decay when the readings decay slower (module doc of `gate`:
/// "judged on the exponential fit whose residuals the bootstrap
/// resamples"). Readings nearly flat for 120 h (slower than I-131 decays:
/// an exponential fit under the default `physical_bound = error` is refused),
/// then falling fast over the last three (so the trapezoid's log-linear tail
/// is faster than physical decay and the trapezoid itself is accepted): R²
/// is computed on the pinned mono-exponential reference, not "could not be
/// computed".
#[test]
fn the_trapezoids_reference_fit_is_pinned_at_physical_decay() {
    let r = series(
        "hours,reading\n0,1000\n24,990\n48,980\n72,970\n96,960\n120,950\n144,600\n150,400\n",
    );
    let d = FitOptions::default();
    assert!(fit::fit_model("r.csv", ModelKind::Mono, &r.times_h(), &r.retention(), &d).is_err());
    let tr = fit::fit_model(
        "r.csv",
        ModelKind::Trapezoid,
        &r.times_h(),
        &r.retention(),
        &d,
    )
    .unwrap();
    let ins = inspect_fit(&r, &tr, &d, &GateLimits::default(), None);
    let o = outcome(&ins, Check::RSquared);
    assert!(
        o.detail.starts_with("R² = ")
            && o.detail
                .contains("(the mono reference fit of the trapezoid), at least 0.98"),
        "{o:?}"
    );
    let o = outcome(&ins, Check::TauSe);
    assert!(o.detail.starts_with("SE(τ)/τ = "), "{o:?}");
}

/// Of the readings beyond the bound in one pass, the one farthest (in
/// ratio) from the fit of the others goes first. Sixty exact readings
/// (every 2 h) with the 16 h one 40 % and the 40 h one 50 % too high: both
/// stand out against the fits that include the other (by construction the
/// two wrong readings), and the 40 h one (|ln 1.5| > |ln 1.4|) is flagged
/// before the earlier 16 h one.
#[test]
fn the_reading_farthest_from_the_others_is_flagged_first() {
    let times: Vec<f64> = (0..60).map(|i| i as f64 * 2.0).collect();
    let r = exact_mono_scaled(&times, &[(16.0, 1.4), (40.0, 1.5)]);
    let ins = outliers(&r, ModelKind::Mono);
    let lines: Vec<usize> = ins
        .findings
        .iter()
        .filter(|f| f.check == Check::Outlier)
        .map(|f| f.reading.as_ref().unwrap().line)
        .collect();
    // 40 h and 16 h are data rows 21 and 9: lines 22 and 10.
    assert_eq!(lines, vec![22, 10]);
}

/// A reading where the fit of the others predicts exactly 0 (e^(−λt)
/// underflows) has no ratio to that prediction, so it is not judged an
/// outlier: readings that clear at the fastest rate the fits allow, λ =
/// 10 /h (e^(−10 t): 1, 4.54e-5, 2.06e-9, 9.36e-14 at 0–3 h, exact), then a
/// reading at 100 h, where e^(−1000) is 0 in double precision.
#[test]
fn a_reading_the_others_predict_as_zero_is_not_judged() {
    let mut s = "hours,reading\n".to_string();
    for t in [0.0_f64, 1.0, 2.0, 3.0] {
        s.push_str(&format!("{t},{:.15e}\n", 1000.0 * (-10.0 * t).exp()));
    }
    s.push_str("100,1e-12\n");
    let r = series(&s);
    let ins = outliers(&r, ModelKind::Mono);
    let last = ins
        .leave_one_out
        .iter()
        .find(|l| l.reading.line == 6)
        .expect("tested");
    assert_eq!(last.expected_retention, 0.0, "{last:?}");
    assert!(!last.flagged, "{last:?}");
    assert!(
        ins.findings
            .iter()
            .all(|f| f.reading.as_ref().is_none_or(|x| x.line != 6)),
        "{:?}",
        ins.findings
    );
}

/// Of readings equally far outside, the first (earliest) is named: with a
/// per-kg cap of 200 MBq/kg × 20 kg = 4000 MBq above the example's A₂
/// (3964 MBq), A₂ without line 6 (4055 MBq uncapped) and without line 10
/// (4013 MBq) are both the cap, 4000 MBq exactly, above an interval whose
/// top is A₂ + 10 MBq (+ 0.5 % slack = 3994 MBq): the same distance, so
/// the detail names line 6.
#[test]
fn of_readings_equally_far_outside_the_first_is_named() {
    let r = file("examples/dose/readings.csv");
    let mut req = DoseRequest::new(
        mibg_units::Mass::from_kg(20.0),
        mibg_units::Activity::from_mbq(8880.0),
    );
    req.rules.max_activity_per_kg = Some(mibg_units::ActivityPerMass::from_mbq_per_kg(200.0));
    let mut a = assess(&r, &req).unwrap();
    let a2 = a.plan.activity_mbq.mbq();
    assert!(a2 + 10.0 + gate::INFLUENCE_SLACK * a2 < 4000.0, "{a2}");
    let (lo, hi) = (a2 - 200.0, a2 + 10.0);
    let u = a.uncertainty.as_mut().unwrap();
    u.second_activity.low_mbq = mibg_units::Activity::from_mbq(lo);
    u.second_activity.high_mbq = mibg_units::Activity::from_mbq(hi);
    let ins = gate::inspect_influence(&a, &[], &GateLimits::default());
    let capped: Vec<(usize, f64)> = ins
        .findings
        .iter()
        .map(|f| (f.reading.as_ref().unwrap().line, f.statistic.unwrap()))
        .collect();
    assert_eq!(capped, vec![(6, 4000.0), (10, 4000.0)]);
    assert!(
        outcome(&ins, Check::Influence)
            .detail
            .ends_with("; line 6 moves it outside"),
        "{:?}",
        outcome(&ins, Check::Influence)
    );
}
