//! The semantic rules of a response record (`PatientRecord::validate`): each
//! rule refuses its bad input with the assessment, the field and the rule,
//! and accepts the edge of what is allowed (issue 16; the project rule "bad
//! input → clear error with file/line/field, nothing partial written").
//! Marrow sample helpers are checked against hand counts.

use crate::common::*;
use mibg_response::inrc2017;
use mibg_response::record::*;
use mibg_response::score::{MibgMethod, MibgScore, Tracer};
use mibg_units::Length;

fn err(rec: &PatientRecord) -> String {
    rec.validate().unwrap_err().to_string()
}

fn ok_primary(b: f64, f: f64) -> PatientRecord {
    primary_only(b, &[(f, Uptake::Stable)])
}

#[test]
fn patient_id_and_date_order() {
    let mut rec = ok_primary(50.0, 40.0);
    rec.patient = "  ".into();
    assert_eq!(err(&rec), "record: patient: must not be empty");
    // A follow-up on the baseline date is not after it.
    let mut rec = ok_primary(50.0, 40.0);
    rec.follow_ups[0].date = date(BASE);
    assert_eq!(
        err(&rec),
        "follow-up 2024-01-01: date: must be after the previous assessment (2024-01-01); follow-ups are listed in date order"
    );
    // One day after is fine.
    rec.follow_ups[0].date = date("2024-01-02");
    assert!(rec.validate().is_ok());
}

/// Diameters: finite, ≥ 0, at most 1000 mm (`MAX_DIAMETER_MM`); 0 and
/// 1000 mm themselves are allowed at follow-up.
#[test]
fn diameter_range_edges() {
    assert!(ok_primary(50.0, 0.0).validate().is_ok());
    assert!(ok_primary(50.0, 1000.0).validate().is_ok());
    assert_eq!(
        err(&ok_primary(50.0, 1000.1)),
        "follow-up 2024-02-01: primary.diameters_mm: 1000.1 mm is implausible (more than 1000 mm); check the unit"
    );
    assert_eq!(
        err(&ok_primary(50.0, -0.1)),
        "follow-up 2024-02-01: primary.diameters_mm: -0.1 mm must be a finite number ≥ 0"
    );
    assert_eq!(
        err(&ok_primary(50.0, f64::NAN)),
        "follow-up 2024-02-01: primary.diameters_mm: NaN mm must be a finite number ≥ 0"
    );
    assert_eq!(
        err(&ok_primary(50.0, f64::INFINITY)),
        "follow-up 2024-02-01: primary.diameters_mm: inf mm must be a finite number ≥ 0"
    );
}

/// A primary of 0 mm is measurable only after baseline; at baseline it must
/// be written "none" (docs/reference/response.md §2.3: NI when resected).
#[test]
fn baseline_primary_of_zero_mm() {
    assert_eq!(
        err(&ok_primary(0.0, 0.0)),
        "baseline 2024-01-01: primary.diameters_mm: a baseline primary of 0 mm is not measurable; use status \"none\""
    );
    // A multifocal baseline primary with one focus of 0 mm is measurable.
    let mut rec = ok_primary(50.0, 40.0);
    rec.baseline.primary = Some(Primary::Present {
        diameters: vec![Length::from_mm(0.0), Length::from_mm(30.0)],
        uptake: Uptake::Present,
    });
    assert!(rec.validate().is_ok());
    let mut rec = ok_primary(50.0, 40.0);
    rec.follow_ups[0].primary = Some(Primary::Present {
        diameters: vec![],
        uptake: Uptake::Stable,
    });
    assert_eq!(
        err(&rec),
        "follow-up 2024-02-01: primary.diameters_mm: at least one diameter is required (use status \"none\" if there is no primary)"
    );
}

/// Uptake at baseline is absent, present or not assessed; at follow-up it is
/// a change (present is refused).
#[test]
fn uptake_values_at_baseline_and_follow_up() {
    let rec = primary_only(50.0, &[(40.0, Uptake::Present)]);
    assert_eq!(
        err(&rec),
        "follow-up 2024-02-01: primary.uptake: 'present' is not allowed at follow-up; state the change against baseline: absent (resolved), improved, stable or worse"
    );
    let mut rec = ok_primary(50.0, 40.0);
    rec.baseline.primary = primary(50.0, Uptake::Improved);
    assert_eq!(
        err(&rec),
        "baseline 2024-01-01: primary.uptake: 'improved' is a change; at baseline use absent or present"
    );
    let mut rec = ok_primary(50.0, 40.0);
    rec.baseline.primary = primary(50.0, Uptake::NotAssessed);
    assert!(rec.validate().is_ok());
}

fn soft_rec(b: &[(&str, f64)], bnt: NonTarget, f: &[(&str, f64)], fnt: NonTarget) -> PatientRecord {
    let t = |v: &[(&str, f64)]| -> Vec<TargetLesion> {
        v.iter()
            .map(|(id, mm)| TargetLesion {
                id: id.to_string(),
                kind: LesionKind::NonNodal,
                diameter: Length::from_mm(*mm),
            })
            .collect()
    };
    let st = |targets, non_target, uptake| {
        Some(SoftTissue {
            targets,
            non_target,
            uptake,
            residual_biopsy_negative: false,
        })
    };
    record(
        Assessment {
            soft_tissue: st(t(b), bnt, Uptake::Present),
            ..clean(date(BASE))
        },
        vec![Assessment {
            soft_tissue: st(t(f), fnt, Uptake::Stable),
            ..clean(fu_date(0))
        }],
    )
}

#[test]
fn target_lesion_rules() {
    // A baseline target of 0 mm is refused; at follow-up 0 mm means it disappeared.
    assert_eq!(
        err(&soft_rec(
            &[("a", 0.0)],
            NonTarget::None,
            &[("a", 0.0)],
            NonTarget::None
        )),
        "baseline 2024-01-01: soft_tissue.targets 'a'.diameter_mm: a baseline target lesion must have a diameter > 0"
    );
    assert!(
        soft_rec(
            &[("a", 20.0)],
            NonTarget::None,
            &[("a", 0.0)],
            NonTarget::None
        )
        .validate()
        .is_ok()
    );
    // Ids are unique.
    assert_eq!(
        err(&soft_rec(
            &[("a", 20.0), ("a", 10.0)],
            NonTarget::None,
            &[("a", 10.0)],
            NonTarget::None
        )),
        "baseline 2024-01-01: soft_tissue.targets: target id 'a' appears twice"
    );
    // The follow-up follows the same targets.
    assert_eq!(
        err(&soft_rec(
            &[("a", 20.0)],
            NonTarget::None,
            &[("b", 10.0)],
            NonTarget::None
        )),
        "follow-up 2024-02-01: soft_tissue.targets: target lesions ['b'] differ from the baseline targets ['a']; follow the same targets (a disappeared lesion has diameter 0, a new lesion is a new-lesion flag)"
    );
    // A target diameter is checked like any length.
    assert_eq!(
        err(&soft_rec(
            &[("a", 20.0)],
            NonTarget::None,
            &[("a", -1.0)],
            NonTarget::None
        )),
        "follow-up 2024-02-01: soft_tissue.targets 'a'.diameter_mm: -1 mm must be a finite number ≥ 0"
    );
}

#[test]
fn non_target_states() {
    // Baseline: none, present or not assessed; follow-up: anything but present.
    assert_eq!(
        err(&soft_rec(
            &[],
            NonTarget::Resolved,
            &[],
            NonTarget::Resolved
        )),
        "baseline 2024-01-01: soft_tissue.non_target: at baseline use none or present"
    );
    assert_eq!(
        err(&soft_rec(&[], NonTarget::Present, &[], NonTarget::Present)),
        "follow-up 2024-02-01: soft_tissue.non_target: at follow-up use none, resolved, stable_or_smaller or increased"
    );
    assert!(
        soft_rec(&[], NonTarget::NotAssessed, &[], NonTarget::NotAssessed)
            .validate()
            .is_ok()
    );
    // Present at baseline, "none" at follow-up: refused (resolved is the word).
    assert_eq!(
        err(&soft_rec(&[], NonTarget::Present, &[], NonTarget::None)),
        "follow-up 2024-02-01: soft_tissue.non_target: 'none' but non-target lesions were present at baseline; use resolved, stable_or_smaller or increased"
    );
    // None at baseline and none at follow-up is consistent.
    assert!(
        soft_rec(
            &[("a", 20.0)],
            NonTarget::None,
            &[("a", 10.0)],
            NonTarget::None
        )
        .validate()
        .is_ok()
    );
    assert!(
        soft_rec(&[], NonTarget::Present, &[], NonTarget::Resolved)
            .validate()
            .is_ok()
    );
}

#[test]
fn marrow_and_new_lesions_at_baseline() {
    let mut rec = marrow_only(10.0, 0.0);
    rec.follow_ups[0].marrow = Some(Marrow { samples: vec![] });
    assert_eq!(
        err(&rec),
        "follow-up 2024-02-01: marrow.samples: no samples; omit the marrow section if marrow was not assessed"
    );
    for flag in 0..5 {
        let mut rec = marrow_only(10.0, 0.0);
        let n = &mut rec.baseline.new_lesions;
        match flag {
            0 => n.soft_tissue_avid = true,
            1 => n.soft_tissue_biopsy_proven = true,
            2 => n.mibg_avid_bone = true,
            3 => n.fdg_avid_bone_corroborated = true,
            _ => n.fdg_avid_bone_uncorroborated = true,
        }
        assert_eq!(
            err(&rec),
            "baseline 2024-01-01: new_lesions: new lesions cannot be flagged at baseline",
            "flag {flag}"
        );
    }
}

#[test]
fn bone_modalities_and_methods_are_not_mixed() {
    let mut rec = bone_only(10, 5);
    rec.follow_ups[0].bone = Some(Bone::Fdg { avid_lesions: 2 });
    assert_eq!(
        err(&rec),
        "follow-up 2024-02-01: bone: modality differs from baseline (MIBG vs FDG); bone response compares like with like"
    );
    let mut rec = bone_only(10, 5);
    rec.baseline.bone = Some(Bone::Fdg { avid_lesions: 2 });
    assert!(err(&rec).contains("modality differs from baseline"));
    // The same method (SIOPEN) with a different tracer is a valid record
    // (the tracer policy decides, docs/reference/response.md §4.3).
    let mut rec = bone_only(10, 5);
    rec.follow_ups[0].bone = Some(Bone::Mibg {
        tracer: Tracer::I131,
        score: siopen(5),
    });
    assert!(rec.validate().is_ok());
    assert_eq!(rec.mibg_method(), Some(MibgMethod::Siopen));
    let curie = MibgScore::parse_list(MibgMethod::Curie, "1,0,0,0,0,0,0,0,0,0").unwrap();
    rec.baseline.bone = Some(Bone::Mibg {
        tracer: Tracer::I123,
        score: curie,
    });
    assert_eq!(rec.mibg_method(), Some(MibgMethod::Curie));
    rec.baseline.bone = Some(Bone::Fdg { avid_lesions: 1 });
    assert_eq!(rec.mibg_method(), None);
}

/// Sample helpers, by hand on 2 aspirates (0 %, 12.5 %) and 1 trephine (3 %).
#[test]
fn marrow_sample_counts() {
    let s = |kind, p| MarrowSample {
        kind,
        side: Side::Left,
        tumour: Infiltration::from_percent(p).unwrap(),
    };
    let m = Marrow {
        samples: vec![
            s(SampleKind::Aspirate, 0.0),
            s(SampleKind::Aspirate, 12.5),
            s(SampleKind::Trephine, 3.0),
        ],
    };
    assert_eq!(m.max_percent(), Some(12.5));
    assert_eq!(m.count(SampleKind::Aspirate), 2);
    assert_eq!(m.count(SampleKind::Trephine), 1);
    assert_eq!(m.positive(), 2);
    assert_eq!(Marrow { samples: vec![] }.max_percent(), None);
    // Infiltration is a percentage 0–100, both ends included.
    assert_eq!(Infiltration::from_percent(0.0).unwrap().percent(), 0.0);
    assert_eq!(Infiltration::from_percent(100.0).unwrap().percent(), 100.0);
    assert_eq!(
        Infiltration::from_percent(100.5).unwrap_err(),
        "100.5 % is outside 0–100 %"
    );
    assert!(Infiltration::from_percent(-0.5).is_err());
    assert!(Infiltration::from_percent(f64::NAN).is_err());
}

/// The PD-defining new lesions (docs/reference/response.md §2.4 PD 1–4), in order; the
/// uncorroborated FDG bone site is not one of them.
#[test]
fn new_lesion_reasons() {
    let all = NewLesions {
        soft_tissue_avid: true,
        soft_tissue_biopsy_proven: true,
        mibg_avid_bone: true,
        fdg_avid_bone_corroborated: true,
        fdg_avid_bone_uncorroborated: true,
    };
    assert_eq!(
        all.pd_reasons(),
        [
            "new avid soft-tissue lesion",
            "new biopsy-proven soft-tissue lesion",
            "new MIBG-avid bone site",
            "new corroborated FDG-avid bone site"
        ]
    );
    assert!(all.any());
    let only_uncorroborated = NewLesions {
        fdg_avid_bone_uncorroborated: true,
        ..Default::default()
    };
    assert!(only_uncorroborated.pd_reasons().is_empty());
    assert!(!only_uncorroborated.any());
    assert!(!NewLesions::default().any());
}

/// Uptake names as written in files and traces.
#[test]
fn uptake_names() {
    let names = [
        Uptake::Absent,
        Uptake::Present,
        Uptake::Improved,
        Uptake::Stable,
        Uptake::Worse,
        Uptake::NotAssessed,
    ]
    .map(Uptake::name);
    assert_eq!(
        names,
        [
            "absent",
            "present",
            "improved",
            "stable",
            "worse",
            "not_assessed"
        ]
    );
}

/// The classifier refuses an invalid record before classifying anything.
#[test]
fn classification_validates_first() {
    let rec = ok_primary(0.0, 0.0);
    let e = inrc2017::assess(&rec, &d()).unwrap_err();
    assert_eq!(e.field, "primary.diameters_mm");
}
