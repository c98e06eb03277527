//! The rule traces, measures and warnings of INRC 2017 (issue 16: a text that
//! names the rule used counts, and so do the numbers a report shows). Each
//! expected value is derived by hand from docs/reference/response.md, cited
//! per test; the texts are the rule's wording with the hand-computed numbers
//! in it, never a copy of earlier output.

use crate::common::*;
use mibg_response::inrc2017::ComponentResponse::{self as C, *};
use mibg_response::inrc2017::OverallResponse2017 as O;
use mibg_response::inrc2017::*;
use mibg_response::record::*;
use mibg_response::score::{MibgMethod, MibgScore, ScoreTotal, SegmentScore, Tracer};
use mibg_units::Length;

const L: LesionKind = LesionKind::NonNodal;

/// Primary and marrow involved: primary 50 mm → `p` mm (uptake), marrow b → f.
fn overall2(p: (f64, Uptake), b: f64, f: f64, o: &Inrc2017Options) -> Assessment2017 {
    let mut rec = primary_only(50.0, &[p]);
    rec.baseline.marrow = marrow(b);
    rec.follow_ups[0].marrow = marrow(f);
    last(&rec, o)
}

fn close(got: Option<f64>, want: f64) -> bool {
    got.is_some_and(|g| (g - want).abs() < 1e-9)
}

// ---------- measures (docs/reference/response.md §2.3, §2.4, §2.5, §2.6) ----------

/// Primary 50 → 35.5 mm: sum 35.5 mm, change (35.5 − 50)/50 = −29 %
/// (docs/reference/response.md §2.3 "change against baseline").
#[test]
fn primary_measures_are_the_hand_computed_sum_and_change() {
    let a = last(&primary_only(50.0, &[(35.5, Uptake::Stable)]), &d());
    assert_eq!(a.primary.response, SD);
    let sum = a.measures.primary_sum.expect("primary sum");
    assert!((sum.mm() - 35.5).abs() < 1e-9, "{}", sum.mm());
    assert!(
        close(a.measures.primary_change_vs_baseline_pct, -29.0),
        "{:?}",
        a.measures.primary_change_vs_baseline_pct
    );
    // 50 → 65 mm: +30 % (and PD: +15 mm ≥ 5 mm, +30 % ≥ 20 %).
    let a = last(&primary_only(50.0, &[(65.0, Uptake::Stable)]), &d());
    assert_eq!(a.primary.response, PD);
    assert!(close(a.measures.primary_change_vs_baseline_pct, 30.0));
}

/// Soft-tissue targets 30 + 20 = 50 mm → 21.5 + 14 = 35.5 mm: −29 %
/// (docs/reference/response.md §2.4 PR row: sum of diameters vs baseline).
#[test]
fn target_measures_are_the_hand_computed_sum_and_change() {
    let rec = record(
        Assessment {
            soft_tissue: soft(
                &[("a", L, 30.0), ("b", LesionKind::Node, 20.0)],
                NonTarget::None,
                Uptake::Present,
            ),
            ..clean(date(BASE))
        },
        vec![Assessment {
            soft_tissue: soft(
                &[("a", L, 21.5), ("b", LesionKind::Node, 14.0)],
                NonTarget::None,
                Uptake::Stable,
            ),
            ..clean(fu_date(0))
        }],
    );
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, SD);
    let sum = a.measures.target_sum.expect("target sum");
    assert!((sum.mm() - 35.5).abs() < 1e-9, "{}", sum.mm());
    assert!(close(a.measures.target_change_vs_baseline_pct, -29.0));
}

/// SIOPEN 10 → 4: relative score 4/10 = 0.4 (docs/reference/response.md §2.5
/// definition: follow-up over baseline skeletal score).
#[test]
fn relative_score_measure_is_follow_up_over_baseline() {
    let a = last(&bone_only(10, 4), &d());
    assert_eq!(a.metastatic.response, PR);
    assert_eq!(a.measures.relative_mibg_score, Some(0.4));
    assert_eq!(a.measures.mibg_method, Some(MibgMethod::Siopen));
    assert_eq!(
        a.measures.skeletal_score,
        Some(ScoreTotal { min: 4, max: 4 })
    );
    // 7 → 3: 3/7.
    let a = last(&bone_only(7, 3), &d());
    assert_eq!(a.measures.relative_mibg_score, Some(3.0 / 7.0));
}

/// docs/reference/response.md §4.3: with a not-assessable segment the total
/// is an interval and no single relative score exists, even when the
/// interval decides the category (30 → 2–8: 0.07–0.27, all ≤ 0.5, PR).
#[test]
fn no_relative_score_measure_when_a_total_is_an_interval() {
    let mut rec = bone_only(30, 2);
    let mut segs: Vec<_> = siopen(2).segments().map(|(_, s)| s).collect();
    segs[11] = SegmentScore::NotAssessable;
    rec.follow_ups[0].bone = Some(Bone::Mibg {
        tracer: Tracer::I123,
        score: MibgScore::new(MibgMethod::Siopen, segs).unwrap(),
    });
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, PR);
    assert_eq!(a.measures.relative_mibg_score, None);
    assert_eq!(
        a.measures.skeletal_score,
        Some(ScoreTotal { min: 2, max: 8 })
    );
}

/// Marrow 10 % → 3 %: the highest infiltration over the samples is reported
/// (docs/reference/response.md §2.6: f is the highest % of the time point).
#[test]
fn marrow_measure_is_the_highest_sample() {
    let a = last(&marrow_only(10.0, 3.0), &d());
    assert_eq!(a.measures.marrow_max_pct, Some(3.0));
}

// ---------- component traces ----------

/// docs/reference/response.md §2.3 SD row with no change at all: 50 → 50 mm
/// is +0 % (not a decrease) vs baseline and nadir.
#[test]
fn primary_sd_trace_of_no_change() {
    let a = last(&primary_only(50.0, &[(50.0, Uptake::Stable)]), &d());
    assert_eq!(
        a.primary.because,
        "SD because longest diameter 50 mm (+0 % vs baseline 50 mm): not a ≥ 30 % decrease, and not PD vs nadir 50 mm"
    );
}

/// docs/reference/response.md §2.3 PD row: 25 → 30.5 mm is +22 % and +5.5 mm
/// vs the nadir 25 mm.
#[test]
fn primary_pd_trace_names_the_rule_and_the_numbers() {
    let a = last(&primary_only(25.0, &[(30.5, Uptake::Stable)]), &d());
    assert_eq!(
        a.primary.because,
        "PD because longest diameter 30.5 mm is +22 % vs nadir 25 mm (≥ 20 % needed) and +5.5 mm (≥ 5 mm needed)"
    );
    let gt = Inrc2017Options {
        pd_increase: PdIncrease::MoreThan20,
        ..d()
    };
    let a = last(&primary_only(25.0, &[(30.5, Uptake::Stable)]), &gt);
    assert!(
        a.primary.because.contains("(> 20 % needed)"),
        "{}",
        a.primary.because
    );
}

/// docs/reference/response.md §2.5: r ≥ 1.2 is PD; 12/10 = 1.20. No gap is
/// involved (the baseline score is not 0).
#[test]
fn bone_pd_trace_and_no_gap() {
    let a = last(&bone_only(10, 12), &d());
    assert_eq!(
        a.metastatic.because,
        "PD because relative SIOPEN score 1.20 ≥ 1.2 (12 vs baseline 10)"
    );
    assert!(a.gaps.is_empty(), "{:?}", a.gaps);
    // 10 → 8: 0.80, the SD range (0.5 < r < 1.2).
    let a = last(&bone_only(10, 8), &d());
    assert_eq!(
        a.metastatic.because,
        "SD because relative SIOPEN score 0.80 between 0.5 and 1.2 (8 vs baseline 10), no new lesions"
    );
}

/// docs/reference/response.md §2.5 gap "baseline score 0", option
/// any_score_is_progression: 0 → 3 is PD, and the option is named.
#[test]
fn bone_pd_from_zero_names_the_option() {
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Improved)]);
    rec.follow_ups[0].bone = mibg(3);
    let o = Inrc2017Options {
        baseline_score_zero: BaselineScoreZero::AnyScoreIsProgression,
        ..d()
    };
    let a = last(&rec, &o);
    assert_eq!(
        a.metastatic.because,
        "PD because SIOPEN skeletal score rose from 0 to 3 (option any_score_is_progression)"
    );
    assert_eq!(
        a.gaps,
        vec![GapUse {
            gap: "baseline_score_zero",
            resolution: "any_score_is_progression (option)".into()
        }]
    );
}

/// docs/reference/response.md §2.5 [I] "≥ 0.1" parenthetical: only
/// 0 < r < 0.1 hits the gap. 2/20 = 0.1 exactly and 3/20 = 0.15 do not;
/// 1/20 = 0.05 and 2/30 = 0.067 do.
#[test]
fn relative_score_floor_gap_only_below_one_tenth() {
    for (b, f) in [(20, 2), (20, 3)] {
        let a = last(&bone_only(b, f), &d());
        assert_eq!(a.metastatic.response, PR, "{b} → {f}");
        assert!(a.gaps.is_empty(), "{b} → {f}: {:?}", a.gaps);
        assert!(a.warnings.is_empty(), "{b} → {f}: {:?}", a.warnings);
    }
    for (b, f) in [(20, 1), (30, 2)] {
        let a = last(&bone_only(b, f), &d());
        assert_eq!(a.metastatic.response, PR, "{b} → {f}");
        assert_eq!(
            a.gaps,
            vec![GapUse {
                gap: "relative_score_floor",
                resolution: "ignore (default): 0 < r < 0.1 qualifies for PR".into()
            }]
        );
        assert_eq!(
            a.warnings,
            vec![
                "bone: relative SIOPEN score below 0.1 (the recalled '≥ 0.1 to ≤ 0.5' parenthetical); counted as PR-qualifying"
            ]
        );
    }
}

/// docs/reference/response.md §2.7 gap 4 (nothing imputed): an involved bone
/// (SIOPEN 10) without a scan at the follow-up is NE; an uninvolved one
/// (SIOPEN 0) stays NI, with a warning.
#[test]
fn bone_not_rescanned() {
    let mut rec = bone_only(10, 4);
    rec.follow_ups[0].bone = None;
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, NE);
    assert!(
        a.metastatic
            .because
            .contains("bone: no MIBG scan at this follow-up"),
        "{}",
        a.metastatic.because
    );
    assert_eq!(a.overall, O::NE);
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Improved)]);
    rec.follow_ups[0].bone = None;
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, NI);
    assert_eq!(a.overall, O::PR);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("baseline skeletal score was 0, bone taken as still not involved")),
        "{:?}",
        a.warnings
    );
}

// ---------- marrow (docs/reference/response.md §2.6) ----------

fn marrow_because(b: f64, f: f64) -> (C, String) {
    let a = last(&marrow_only(b, f), &d());
    (a.marrow.response, a.marrow.because)
}

/// docs/reference/response.md §2.6 SD row and its two gaps: the trace says
/// which PD condition failed. 8 → 20: more than twofold (20 > 16) but not
/// above 20 %; 15 → 25 and 30 → 25: above 20 % but not more than twofold
/// (25 ≤ 30, 25 ≤ 60); 12 → 20: neither (20 ≤ 24, 20 not > 20); 30 → 15:
/// neither.
#[test]
fn marrow_sd_trace_names_the_failed_pd_condition() {
    assert_eq!(
        marrow_because(8.0, 20.0),
        (
            SD,
            "SD because tumour 20 % vs baseline 8 %: still > 5 % (more than twofold but not > 20 %)"
                .into()
        )
    );
    assert_eq!(
        marrow_because(15.0, 25.0),
        (
            SD,
            "SD because tumour 25 % vs baseline 15 %: still > 5 % (> 20 % but not more than twofold)"
                .into()
        )
    );
    assert_eq!(
        marrow_because(12.0, 20.0),
        (
            SD,
            "SD because tumour 20 % vs baseline 12 %: still > 5 %".into()
        )
    );
    assert_eq!(
        marrow_because(30.0, 25.0),
        (
            SD,
            "SD because tumour 25 % vs baseline 30 %: still > 5 % (> 20 % but not more than twofold)"
                .into()
        )
    );
    // Exactly twofold is not "more than twofold" (docs/reference/response.md §2.6 PD row):
    // 8 → 16 fails neither condition of the trace; 12 → 24 is above 20 %
    // only.
    assert_eq!(
        marrow_because(8.0, 16.0),
        (
            SD,
            "SD because tumour 16 % vs baseline 8 %: still > 5 %".into()
        )
    );
    assert_eq!(
        marrow_because(12.0, 24.0),
        (
            SD,
            "SD because tumour 24 % vs baseline 12 %: still > 5 % (> 20 % but not more than twofold)"
                .into()
        )
    );
    assert_eq!(
        marrow_because(30.0, 15.0),
        (
            SD,
            "SD because tumour 15 % vs baseline 30 %: still > 5 %".into()
        )
    );
}

/// docs/reference/response.md §2.6 PD row and MD row clause 3 traces.
#[test]
fn marrow_pd_and_md_traces() {
    assert_eq!(
        marrow_because(10.0, 21.0),
        (
            PD,
            "PD because tumour 21 % vs baseline 10 %: more than twofold and > 20 %".into()
        )
    );
    assert_eq!(
        marrow_because(0.0, 5.5),
        (
            PD,
            "PD because tumour 5.5 % vs baseline 0 %: a negative marrow now > 5 %".into()
        )
    );
    assert_eq!(
        marrow_because(30.0, 5.0),
        (
            MD,
            "MD because tumour 5 % vs baseline 30 %: baseline > 20 %, now 0 < tumour ≤ 5 %".into()
        )
    );
}

/// docs/reference/response.md §2.6 [I]: fewer aspirates than required (1 of
/// 2) is NE unless PD is shown; the trephines are complete.
#[test]
fn one_aspirate_too_few_is_not_evaluable() {
    let mut rec = marrow_only(30.0, 0.0);
    rec.follow_ups[0].marrow.as_mut().unwrap().samples.remove(0);
    let a = last(&rec, &d());
    assert_eq!(a.marrow.response, NE);
    assert_eq!(
        a.marrow.because,
        "NE because marrow sampling was inadequate (1 aspirate(s) and 2 trephine(s), 2 + 2 required) and PD is not shown (tumour 0 % vs baseline 30 %)"
    );
}

/// docs/reference/response.md §2.6 sampling (Burchill 2017: bilateral
/// aspirates and bilateral trephines): the warning names exactly the sample
/// kind that is one-sided, and nothing is warned for bilateral sampling or
/// for a kind with no sample at all.
#[test]
fn bilateral_sampling_warnings_name_the_one_sided_kind() {
    // Bilateral everywhere (the fixture): no sampling warning.
    let a = last(&marrow_only(30.0, 0.0), &d());
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    // Aspirates left and right, both trephines on the left: only the trephines.
    let mut rec = marrow_only(30.0, 0.0);
    rec.follow_ups[0].marrow.as_mut().unwrap().samples[3].side = Side::Left;
    let a = last(&rec, &d());
    assert_eq!(
        a.warnings,
        vec![
            "marrow: trephines at this follow-up not bilateral (Burchill 2017 asks for both sides)"
        ]
    );
    // Both aspirates on the right, trephines bilateral: only the aspirates.
    let mut rec = marrow_only(30.0, 0.0);
    rec.follow_ups[0].marrow.as_mut().unwrap().samples[0].side = Side::Right;
    let a = last(&rec, &d());
    assert_eq!(
        a.warnings,
        vec![
            "marrow: aspirates at this follow-up not bilateral (Burchill 2017 asks for both sides)"
        ]
    );
    // Aspirates only (bilateral), trephines not required by the options: no
    // trephine is not a one-sided trephine.
    let aspirates = |left: f64| {
        let s = |side, p| MarrowSample {
            kind: SampleKind::Aspirate,
            side,
            tumour: Infiltration::from_percent(p).unwrap(),
        };
        Some(Marrow {
            samples: vec![s(Side::Left, left), s(Side::Right, 0.0)],
        })
    };
    let rec = record(
        Assessment {
            marrow: aspirates(30.0),
            ..clean(date(BASE))
        },
        vec![Assessment {
            marrow: aspirates(0.0),
            ..clean(fu_date(0))
        }],
    );
    let o = Inrc2017Options {
        marrow_min_trephines: 0,
        ..d()
    };
    let a = last(&rec, &o);
    assert_eq!(a.marrow.response, CR);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

// ---------- RECIST 1.1 target selection (docs/reference/response.md §2.2) ----------

/// At most 5 target lesions: 6 is warned, 5 is not.
#[test]
fn more_than_five_targets_are_warned() {
    let targets = |n: usize| -> Vec<(String, LesionKind, f64)> {
        (0..n).map(|i| (format!("t{i}"), L, 20.0)).collect()
    };
    for (n, warned) in [(5, false), (6, true)] {
        let t = targets(n);
        let b: Vec<(&str, LesionKind, f64)> =
            t.iter().map(|(id, k, mm)| (id.as_str(), *k, *mm)).collect();
        let f: Vec<(&str, LesionKind, f64)> =
            t.iter().map(|(id, k, _)| (id.as_str(), *k, 10.0)).collect();
        let rec = record(
            Assessment {
                soft_tissue: soft(&b, NonTarget::None, Uptake::Present),
                ..clean(date(BASE))
            },
            vec![Assessment {
                soft_tissue: soft(&f, NonTarget::None, Uptake::Stable),
                ..clean(fu_date(0))
            }],
        );
        let w = last(&rec, &d()).warnings;
        let expected =
            format!("baseline has {n} target lesions; RECIST 1.1 allows at most 5 (2 per organ)");
        assert_eq!(w.contains(&expected), warned, "{n}: {w:?}");
        assert_eq!(w.len(), usize::from(warned), "{n}: {w:?}");
    }
}

// ---------- overall (docs/reference/response.md §2.7) ----------

/// Each overall row names the components that decided it, and the
/// components not involved (here the metastatic one) after a semicolon.
#[test]
fn overall_traces_name_the_deciding_components() {
    let cases = [
        // docs/reference/response.md §2.7 CR: primary 50 → 5 mm uptake resolved, marrow 30 → 0.
        (
            (5.0, Uptake::Absent),
            30.0,
            0.0,
            O::CR,
            "CR because every involved component is CR (primary CR, marrow CR); metastatic NI",
        ),
        // docs/reference/response.md §2.7 PR: primary PR (−40 %), marrow CR.
        (
            (30.0, Uptake::Improved),
            30.0,
            0.0,
            O::PR,
            "PR because response in primary PR, marrow CR and no component stable or progressing; metastatic NI",
        ),
        // docs/reference/response.md §2.7 MR: primary PR, marrow SD (30 → 25).
        (
            (30.0, Uptake::Improved),
            30.0,
            25.0,
            O::MR,
            "MR because response in primary PR but stable marrow SD; metastatic NI",
        ),
        // docs/reference/response.md §2.7 SD: primary SD (−10 %), marrow SD.
        (
            (45.0, Uptake::Stable),
            30.0,
            25.0,
            O::SD,
            "SD because primary SD, marrow SD and no component responding; metastatic NI",
        ),
        // docs/reference/response.md §2.7 PD: marrow 10 → 25 (> 20 % and > 2 × 10).
        (
            (5.0, Uptake::Absent),
            10.0,
            25.0,
            O::PD,
            "PD because marrow PD",
        ),
        // docs/reference/response.md §2.7 gap 1 (default PR): primary CR, marrow 3 → 2 persistent MD.
        (
            (5.0, Uptake::Absent),
            3.0,
            2.0,
            O::PR,
            "PR because every other involved component is CR and marrow is MD (gap: all CR with marrow MD, default PR); metastatic NI",
        ),
    ];
    for (p, b, f, overall, because) in cases {
        let a = overall2(p, b, f, &d());
        assert_eq!((a.overall, a.overall_because.as_str()), (overall, because));
    }
    // docs/reference/response.md §2.7 gap 4: NE, naming the component.
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Improved)]);
    rec.baseline.marrow = marrow(10.0);
    rec.follow_ups[0].marrow = None;
    let a = last(&rec, &d());
    assert_eq!(
        a.overall_because,
        "NE because marrow NE not evaluable and no component PD"
    );
}

/// The names used in traces and reports: the categories as published
/// (docs/reference/response.md §1 table) and which are evaluable (NE is not,
/// docs/reference/response.md §2.7 gap 4).
#[test]
fn category_names_and_evaluability() {
    let comps = [CR, PR, MD, SD, PD, NI, NE].map(|c| c.to_string());
    assert_eq!(comps, ["CR", "PR", "MD", "SD", "PD", "NI", "NE"]);
    let all = [O::CR, O::PR, O::MR, O::SD, O::PD, O::NE];
    let names = all.map(|o| o.to_string());
    assert_eq!(names, ["CR", "PR", "MR", "SD", "PD", "NE"]);
    let evaluable = all.map(|o| o.is_evaluable());
    assert_eq!(evaluable, [true, true, true, true, true, false]);
}

/// docs/reference/response.md §2.2 RECIST resolution: lengths are compared
/// in tenths of a millimetre, so 35.04 mm is 35.0 mm (−30 % exactly vs
/// 50 mm, PR) and 35.06 mm is 35.1 mm (SD).
#[test]
fn lengths_are_rounded_to_a_tenth_of_a_millimetre() {
    let r = |mm| {
        last(&primary_only(50.0, &[(mm, Uptake::Stable)]), &d())
            .primary
            .response
    };
    assert_eq!(r(35.04), PR);
    assert_eq!(r(35.06), SD);
    let a = last(&primary_only(50.0, &[(35.06, Uptake::Stable)]), &d());
    let sum = a.measures.primary_sum.unwrap();
    assert_eq!(sum, Length::from_mm(35.1));
}
