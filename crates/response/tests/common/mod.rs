//! Builders for test records: a patient whose only involved component is the
//! one under test, so that each decision-table row is checked in isolation.
#![allow(dead_code)]

use jiff::civil::Date;
use mibg_response::inrc2017::{self, Assessment2017, Inrc2017Options};
use mibg_response::record::*;
use mibg_response::score::{MibgMethod, MibgScore, SegmentScore, Tracer};
use mibg_units::Length;

pub fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// Baseline date and follow-up dates (monthly).
pub const BASE: &str = "2024-01-01";
pub fn fu_date(i: usize) -> Date {
    date(BASE)
        .checked_add(jiff::Span::new().months(i as i64 + 1))
        .unwrap()
}

/// A SIOPEN score with the given skeletal total (segments filled 6,6,… in order).
pub fn siopen(total: u32) -> MibgScore {
    let mut left = total;
    let segs = (0..12)
        .map(|_| {
            let v = left.min(6);
            left -= v;
            SegmentScore::Scored(v as u8)
        })
        .collect();
    assert_eq!(left, 0, "SIOPEN total ≤ 72");
    MibgScore::new(MibgMethod::Siopen, segs).unwrap()
}

pub fn mibg(total: u32) -> Option<Bone> {
    Some(Bone::Mibg {
        tracer: Tracer::I123,
        score: siopen(total),
    })
}

/// Four samples (2 aspirates, 2 trephines); the first trephine carries `pct`.
pub fn marrow(pct: f64) -> Option<Marrow> {
    let s = |kind, side, p| MarrowSample {
        kind,
        side,
        tumour: Infiltration::from_percent(p).unwrap(),
    };
    Some(Marrow {
        samples: vec![
            s(SampleKind::Aspirate, Side::Left, 0.0),
            s(SampleKind::Aspirate, Side::Right, 0.0),
            s(SampleKind::Trephine, Side::Left, pct),
            s(SampleKind::Trephine, Side::Right, 0.0),
        ],
    })
}

pub fn primary(mm: f64, uptake: Uptake) -> Option<Primary> {
    Some(Primary::Present {
        diameters: vec![Length::from_mm(mm)],
        uptake,
    })
}

pub fn soft(
    targets: &[(&str, LesionKind, f64)],
    non_target: NonTarget,
    uptake: Uptake,
) -> Option<SoftTissue> {
    Some(SoftTissue {
        targets: targets
            .iter()
            .map(|(id, kind, mm)| TargetLesion {
                id: id.to_string(),
                kind: *kind,
                diameter: Length::from_mm(*mm),
            })
            .collect(),
        non_target,
        uptake,
        residual_biopsy_negative: false,
    })
}

pub fn no_soft() -> Option<SoftTissue> {
    soft(&[], NonTarget::None, Uptake::Absent)
}

/// An assessment with nothing involved: no primary, no soft tissue, SIOPEN 0, marrow negative.
pub fn clean(d: Date) -> Assessment {
    Assessment {
        primary: Some(Primary::None),
        soft_tissue: no_soft(),
        bone: mibg(0),
        marrow: marrow(0.0),
        ..Assessment::new(d)
    }
}

pub fn record(baseline: Assessment, follow_ups: Vec<Assessment>) -> PatientRecord {
    PatientRecord {
        patient: "T".into(),
        baseline,
        follow_ups,
    }
}

/// Classifies and returns the last follow-up.
pub fn last(rec: &PatientRecord, o: &Inrc2017Options) -> Assessment2017 {
    inrc2017::assess(rec, o).unwrap().pop().unwrap()
}

pub fn d() -> Inrc2017Options {
    Inrc2017Options::default()
}

/// Primary-only patient: baseline `b` mm (avid), follow-ups `fus` (mm, uptake).
pub fn primary_only(b: f64, fus: &[(f64, Uptake)]) -> PatientRecord {
    let base = Assessment {
        primary: primary(b, Uptake::Present),
        ..clean(date(BASE))
    };
    let f = fus
        .iter()
        .enumerate()
        .map(|(i, (mm, u))| Assessment {
            primary: primary(*mm, *u),
            ..clean(fu_date(i))
        })
        .collect();
    record(base, f)
}

/// Bone-only patient: baseline SIOPEN `b`, follow-up SIOPEN `f`.
pub fn bone_only(b: u32, f: u32) -> PatientRecord {
    record(
        Assessment {
            bone: mibg(b),
            ..clean(date(BASE))
        },
        vec![Assessment {
            bone: mibg(f),
            ..clean(fu_date(0))
        }],
    )
}

/// Marrow-only patient: baseline `b` %, follow-up `f` %.
pub fn marrow_only(b: f64, f: f64) -> PatientRecord {
    record(
        Assessment {
            marrow: marrow(b),
            ..clean(date(BASE))
        },
        vec![Assessment {
            marrow: marrow(f),
            ..clean(fu_date(0))
        }],
    )
}
