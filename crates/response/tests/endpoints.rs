//! Seed-study endpoints (docs/reference/response.md §6; De Ioris 2025 abstract): SIOPEN
//! before/after and % reduction, SIOPEN < 7 achieved or maintained, largest
//! soft-tissue lesion < 5 cm, with the thresholds as parameters.

mod common;
use common::*;
use mibg_response::record::*;
use mibg_response::series::*;
use mibg_units::Length;

fn siopen_case(b: u32, fus: &[u32]) -> PatientRecord {
    let mut base = clean(date(BASE));
    base.bone = mibg(b);
    let f = fus
        .iter()
        .enumerate()
        .map(|(i, s)| Assessment {
            bone: mibg(*s),
            ..clean(fu_date(i))
        })
        .collect();
    record(base, f)
}

#[test]
fn siopen_below_7_boundary_and_reduction() {
    let p = EndpointParams::default();
    // 10 → 6: 6 < 7 → achieved; reduction (10 − 6)/10 = 40 %.
    let e = endpoints(&siopen_case(10, &[6]), &p);
    assert_eq!(e.siopen_below_cutoff, CutoffStatus::Achieved);
    assert!((e.siopen_reduction_pct.unwrap() - 40.0).abs() < 1e-12);
    // 10 → 7: 7 is not < 7 → not achieved.
    assert_eq!(
        endpoints(&siopen_case(10, &[7]), &p).siopen_below_cutoff,
        CutoffStatus::NotAchieved
    );
    // 5 → 3: already below at baseline → maintained.
    assert_eq!(
        endpoints(&siopen_case(5, &[3]), &p).siopen_below_cutoff,
        CutoffStatus::Maintained
    );
    // baseline 0: no bone involvement → not in the denominator.
    assert_eq!(
        endpoints(&primary_only(50.0, &[(30.0, Uptake::Improved)]), &p).siopen_below_cutoff,
        CutoffStatus::NotApplicable
    );
    // cut-off is a parameter: < 4 (Riaz 2018).
    let p4 = EndpointParams {
        siopen_cutoff: 4,
        ..p
    };
    assert_eq!(
        endpoints(&siopen_case(10, &[4]), &p4).siopen_below_cutoff,
        CutoffStatus::NotAchieved
    );
}

#[test]
fn time_point_is_a_parameter() {
    let rec = siopen_case(20, &[5, 12]);
    let last = endpoints(&rec, &EndpointParams::default());
    assert_eq!(last.siopen_after.unwrap().exact(), Some(12));
    let first = endpoints(
        &rec,
        &EndpointParams {
            time_point: TimePoint::FirstFollowUp,
            ..Default::default()
        },
    );
    assert_eq!(first.siopen_after.unwrap().exact(), Some(5));
    assert_eq!(first.siopen_below_cutoff, CutoffStatus::Achieved);
    let on = endpoints(
        &rec,
        &EndpointParams {
            time_point: TimePoint::On(fu_date(1)),
            ..Default::default()
        },
    );
    assert_eq!(on.time_point_date, Some(fu_date(1)));
}

#[test]
fn largest_soft_tissue_lesion_below_5_cm() {
    let p = EndpointParams::default();
    // primary 80 → 49.9 mm: < 50 mm achieved; exactly 50 mm is not < 5 cm.
    let e = endpoints(&primary_only(80.0, &[(49.9, Uptake::Improved)]), &p);
    assert_eq!(e.soft_tissue_below_cutoff, CutoffStatus::Achieved);
    assert!((e.largest_soft_tissue.unwrap().mm() - 49.9).abs() < 1e-9);
    let e = endpoints(&primary_only(80.0, &[(50.0, Uptake::Improved)]), &p);
    assert_eq!(e.soft_tissue_below_cutoff, CutoffStatus::NotAchieved);
    // excluding the primary: a primary-only patient is not in the denominator…
    let ex = EndpointParams {
        soft_tissue_includes_primary: false,
        ..p
    };
    let e = endpoints(&primary_only(80.0, &[(60.0, Uptake::Improved)]), &ex);
    assert_eq!(e.soft_tissue_below_cutoff, CutoffStatus::NotApplicable);
    // …unless every patient forms the denominator.
    let all = EndpointParams {
        soft_tissue_denominator: SoftTissueDenominator::AllPatients,
        ..ex
    };
    assert_eq!(
        endpoints(&primary_only(80.0, &[(60.0, Uptake::Improved)]), &all).soft_tissue_below_cutoff,
        CutoffStatus::Maintained
    );
    // the cut-off is a parameter.
    let p6 = EndpointParams {
        soft_tissue_cutoff: Length::from_cm(6.0),
        ..p
    };
    assert_eq!(
        endpoints(&primary_only(80.0, &[(50.0, Uptake::Improved)]), &p6).soft_tissue_below_cutoff,
        CutoffStatus::Achieved
    );
}

/// Review: docs/reference/response.md §4.3 "by default compare only scans with the same
/// tracer". Baseline 123I SIOPEN 10, follow-up 131I SIOPEN 2: by hand the
/// mixed comparison would be a (10 − 2)/10 = 80 % reduction and "achieved";
/// by default neither is computed, the reading itself is still reported.
#[test]
fn siopen_endpoints_do_not_compare_tracers_by_default() {
    use mibg_response::inrc2017::TracerPolicy;
    use mibg_response::score::Tracer;
    let mut rec = siopen_case(10, &[2]);
    if let Some(Bone::Mibg { tracer, .. }) = &mut rec.follow_ups[0].bone {
        *tracer = Tracer::I131;
    }
    let p = EndpointParams::default();
    let e = endpoints(&rec, &p);
    assert_eq!(e.siopen_below_cutoff, CutoffStatus::NotEvaluable);
    assert_eq!(e.siopen_reduction_pct, None);
    assert_eq!(e.siopen_after.and_then(|t| t.exact()), Some(2));
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("131I") && n.contains("same_tracer_only")),
        "{:?}",
        e.notes
    );
    let m = endpoints_with_tracers(&rec, &p, TracerPolicy::AllowMixed);
    assert_eq!(m.siopen_below_cutoff, CutoffStatus::Achieved);
    assert!((m.siopen_reduction_pct.unwrap() - 80.0).abs() < 1e-12);
    assert!(m.notes.iter().any(|n| n.contains("allow_mixed")));
}
