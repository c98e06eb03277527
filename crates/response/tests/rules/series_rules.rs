//! Best overall response and the seed-study endpoints (docs/reference/response.md
//! §2.8, §6), each rule at its edge with hand-derived values (issue 16).

use crate::common::*;
use jiff::civil::Date;
use mibg_response::inrc1993::OverallResponse1993 as R93;
use mibg_response::inrc2017::OverallResponse2017 as R17;
use mibg_response::record::*;
use mibg_response::score::{MibgMethod, MibgScore, SegmentScore, Tracer};
use mibg_response::series::*;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

// ---------- best overall response (docs/reference/response.md §2.8 [I]) ----------

/// Only the assessments up to the first PD count; the trace says how many
/// were ignored (PD first of three: 2 ignored, and the best is PD).
#[test]
fn best_response_counts_the_assessments_ignored_after_pd() {
    let seq = [
        (d("2024-02-01"), R17::PD),
        (d("2024-03-01"), R17::SD),
        (d("2024-04-01"), R17::CR),
    ];
    let b = best_response(&seq, Confirmation::NotRequired);
    assert_eq!(b.response, R17::PD);
    assert_eq!(
        b.because,
        "best response PD on 2024-02-01 among 1 evaluable follow-up(s) up to the first PD; 2 assessment(s) after the first PD ignored"
    );
    // Without PD nothing is ignored, and the trace says nothing about it.
    let seq = [(d("2024-02-01"), R17::SD), (d("2024-03-01"), R17::PR)];
    let b = best_response(&seq, Confirmation::NotRequired);
    assert_eq!(
        b.because,
        "best response PR on 2024-03-01 among 2 evaluable follow-up(s) up to the first PD"
    );
}

/// The date of the best response is the first follow-up that reached it.
#[test]
fn best_response_date_is_the_first_reaching_it() {
    let seq = [(d("2024-02-01"), R17::PR), (d("2024-03-01"), R17::PR)];
    let b = best_response(&seq, Confirmation::NotRequired);
    assert_eq!((b.response, b.date), (R17::PR, Some(d("2024-02-01"))));
}

/// Confirmation applies to responses better than stable only: PD and SD are
/// never "unconfirmed", and a PD later is no confirmation (it counts as SD).
#[test]
fn confirmation_applies_to_responses_only() {
    let c = Confirmation::Required { min_days: 28 };
    let b = best_response(&[(d("2024-02-01"), R17::PD)], c);
    assert_eq!(b.response, R17::PD);
    let b = best_response(&[(d("2024-02-01"), R17::SD)], c);
    assert_eq!(
        b.because,
        "best response SD on 2024-02-01 among 1 evaluable follow-up(s) up to the first PD"
    );
    // PR, then PD 35 days later: not confirmed → SD (not PD).
    let seq = [(d("2024-02-01"), R17::PR), (d("2024-03-07"), R17::PD)];
    assert_eq!(best_response(&seq, c).response, R17::SD);
    // PR, then SD 35 days later: not confirmed (SD is not a response).
    let seq = [(d("2024-02-01"), R17::PR), (d("2024-03-07"), R17::SD)];
    let b = best_response(&seq, c);
    assert_eq!(
        (b.response, b.because.as_str()),
        (
            R17::SD,
            "best response PR on 2024-02-01 not confirmed ≥ 28 days later, counted as SD among 2 evaluable follow-up(s) up to the first PD"
        )
    );
    // A single PR has no later assessment to confirm it, even with 0 days.
    let b = best_response(
        &[(d("2024-02-01"), R17::PR)],
        Confirmation::Required { min_days: 0 },
    );
    assert_eq!(b.response, R17::SD);
}

/// The same rules on the INRC 1993 scale, whose stable category is NR.
#[test]
fn best_response_on_the_1993_scale() {
    let seq = [
        (d("2024-02-01"), R93::NR),
        (d("2024-03-01"), R93::PD),
        (d("2024-04-01"), R93::CR),
    ];
    assert_eq!(
        best_response(&seq, Confirmation::NotRequired).response,
        R93::NR
    );
    let seq = [(d("2024-02-01"), R93::NE), (d("2024-03-01"), R93::VGPR)];
    assert_eq!(
        best_response(&seq, Confirmation::NotRequired).response,
        R93::VGPR
    );
    let c = Confirmation::Required { min_days: 28 };
    let seq = [(d("2024-02-01"), R93::PR), (d("2024-02-28"), R93::PR)];
    assert_eq!(best_response(&seq, c).response, R93::NR);
    let seq = [(d("2024-02-01"), R93::VGPR), (d("2024-03-07"), R93::PR)];
    assert_eq!(best_response(&seq, c).response, R93::PR);
    assert_eq!(
        best_response(&[(d("2024-02-01"), R93::PD)], c).response,
        R93::PD
    );
}

/// NE follow-ups are skipped, never ranked (docs/reference/response.md
/// §2.8, §6 [I]): they do not count among the evaluable follow-ups, and a
/// series of NE only has no best response date and says why. The same on
/// both scales (each has its own NE).
#[test]
fn not_evaluable_follow_ups_are_skipped_on_both_scales() {
    // SD, NE, NE: one evaluable follow-up (the SD), not three.
    let seq = [
        (d("2024-02-01"), R17::SD),
        (d("2024-03-01"), R17::NE),
        (d("2024-04-01"), R17::NE),
    ];
    let b = best_response(&seq, Confirmation::NotRequired);
    assert_eq!(
        (b.response, b.because.as_str()),
        (
            R17::SD,
            "best response SD on 2024-02-01 among 1 evaluable follow-up(s) up to the first PD"
        )
    );
    // NE only: NE, no date, "no evaluable follow-up".
    let b = best_response(&[(d("2024-02-01"), R17::NE)], Confirmation::NotRequired);
    assert_eq!(
        (b.response, b.date, b.because.as_str()),
        (R17::NE, None, "no evaluable follow-up")
    );
    // INRC 1993: NR, NE: one evaluable; NE only: no evaluable follow-up.
    let seq = [(d("2024-02-01"), R93::NR), (d("2024-03-01"), R93::NE)];
    let b = best_response(&seq, Confirmation::NotRequired);
    assert_eq!(
        b.because,
        "best response NR on 2024-02-01 among 1 evaluable follow-up(s) up to the first PD"
    );
    let b = best_response(&[(d("2024-02-01"), R93::NE)], Confirmation::NotRequired);
    assert_eq!(
        (b.response, b.date, b.because.as_str()),
        (R93::NE, None, "no evaluable follow-up")
    );
}

// ---------- SIOPEN < cut-off (docs/reference/response.md §6) ----------

fn siopen_case(b: MibgScore, f: MibgScore) -> PatientRecord {
    let bone = |s| {
        Some(Bone::Mibg {
            tracer: Tracer::I123,
            score: s,
        })
    };
    record(
        Assessment {
            bone: bone(b),
            ..clean(date(BASE))
        },
        vec![Assessment {
            bone: bone(f),
            ..clean(fu_date(0))
        }],
    )
}

/// The notes about the SIOPEN endpoint (the soft-tissue endpoint adds its own).
fn siopen_notes(e: &Endpoints) -> Vec<&str> {
    e.notes
        .iter()
        .map(String::as_str)
        .filter(|n| n.starts_with("SIOPEN"))
        .collect()
}

fn with_ne(total: u32) -> MibgScore {
    let mut segs: Vec<_> = siopen(total).segments().map(|(_, s)| s).collect();
    segs[11] = SegmentScore::NotAssessable;
    MibgScore::new(MibgMethod::Siopen, segs).unwrap()
}

#[test]
fn achieved_or_maintained_is_decided_by_the_baseline_side() {
    let p = EndpointParams::default();
    // 7 → 3: baseline 7 is not < 7, so "achieved" (not "maintained").
    let e = endpoints(&siopen_case(siopen(7), siopen(3)), &p);
    assert_eq!(e.siopen_below_cutoff, CutoffStatus::Achieved);
    assert!(siopen_notes(&e).is_empty(), "{:?}", e.notes);
    // 10 → 6: achieved, the baseline side is certain: no note.
    let e = endpoints(&siopen_case(siopen(10), siopen(6)), &p);
    assert_eq!(e.siopen_below_cutoff, CutoffStatus::Achieved);
    assert!(siopen_notes(&e).is_empty(), "{:?}", e.notes);
    // Baseline 5 + one NE segment = 5–11 straddles 7; after 3: achieved, noted.
    let e = endpoints(&siopen_case(with_ne(5), siopen(3)), &p);
    assert_eq!(e.siopen_below_cutoff, CutoffStatus::Achieved);
    assert_eq!(
        siopen_notes(&e),
        vec![
            "SIOPEN: below the cut-off now; baseline side undecided (not-assessable segments), reported as achieved"
        ]
    );
    // After 3 + NE = 3–9 straddles 7: not evaluable.
    let e = endpoints(&siopen_case(siopen(10), with_ne(3)), &p);
    assert_eq!(e.siopen_below_cutoff, CutoffStatus::NotEvaluable);
    assert_eq!(
        siopen_notes(&e),
        vec!["SIOPEN: not-assessable segments straddle the cut-off"]
    );
    // Baseline 0 + NE = 0–6: bone involvement itself is undecided.
    let e = endpoints(&siopen_case(with_ne(0), siopen(3)), &p);
    assert_eq!(e.siopen_below_cutoff, CutoffStatus::NotEvaluable);
    assert_eq!(
        siopen_notes(&e),
        vec!["SIOPEN: baseline score may be 0 (not-assessable segments)"]
    );
}

/// No bone involvement: no reduction (0/0 is not a number of the report).
#[test]
fn no_reduction_without_a_baseline_score() {
    let e = endpoints(
        &primary_only(50.0, &[(30.0, Uptake::Improved)]),
        &EndpointParams::default(),
    );
    assert_eq!(e.siopen_reduction_pct, None);
}

/// The SIOPEN endpoint reads SIOPEN scores only: a Curie scan is "no SIOPEN
/// score" (docs/reference/response.md §2.5: methods are never mixed).
#[test]
fn a_curie_score_is_not_a_siopen_score() {
    let curie = |l: &str| MibgScore::parse_list(MibgMethod::Curie, l).unwrap();
    let rec = siopen_case(curie("3,3,3,3,3,0,0,0,0,0"), curie("1,0,0,0,0,0,0,0,0,0"));
    let e = endpoints(&rec, &EndpointParams::default());
    assert_eq!(e.siopen_before, None);
    assert_eq!(e.siopen_after, None);
    assert_eq!(e.siopen_below_cutoff, CutoffStatus::NotApplicable);
    assert_eq!(siopen_notes(&e), vec!["SIOPEN: no baseline SIOPEN score"]);
    // A 131I Curie follow-up is not a SIOPEN tracer mismatch either.
    let mut rec = siopen_case(siopen(10), curie("1,0,0,0,0,0,0,0,0,0"));
    if let Some(Bone::Mibg { tracer, .. }) = &mut rec.follow_ups[0].bone {
        *tracer = Tracer::I131;
    }
    let e = endpoints(&rec, &EndpointParams::default());
    assert_eq!(e.siopen_below_cutoff, CutoffStatus::NotEvaluable);
    assert_eq!(
        siopen_notes(&e),
        vec!["SIOPEN: no SIOPEN score at the time point"]
    );
}

#[test]
fn is_below_means_achieved_or_maintained() {
    use CutoffStatus::*;
    let below = [
        Achieved,
        Maintained,
        NotAchieved,
        NotApplicable,
        NotEvaluable,
    ]
    .map(|s| s.is_below());
    assert_eq!(below, [true, true, false, false, false]);
}

// ---------- largest soft-tissue lesion < 5 cm (docs/reference/response.md §6) ----------

#[test]
fn soft_tissue_achieved_or_maintained_by_the_baseline_side() {
    let p = EndpointParams::default();
    // Baseline exactly 50 mm is not < 5 cm: 50 → 30 is achieved.
    let e = endpoints(&primary_only(50.0, &[(30.0, Uptake::Improved)]), &p);
    assert_eq!(e.soft_tissue_below_cutoff, CutoffStatus::Achieved);
    // 40 → 30: below at baseline already: maintained.
    let e = endpoints(&primary_only(40.0, &[(30.0, Uptake::Improved)]), &p);
    assert_eq!(e.soft_tissue_below_cutoff, CutoffStatus::Maintained);
}
