//! Decision-table tests of INRC 2017: every row of docs/reference/response.md §2.3–§2.7 and
//! every boundary. Each test names the table row (or section) it checks; the
//! expected category is read off the table by hand.

mod common;
use common::*;
use mibg_response::inrc2017::ComponentResponse::{self as C, *};
use mibg_response::inrc2017::OverallResponse2017 as O;
use mibg_response::inrc2017::{self, *};
use mibg_response::record::*;
use mibg_response::score::Tracer;

fn primary_resp(b: f64, fus: &[(f64, Uptake)], o: &Inrc2017Options) -> (C, String) {
    let a = last(&primary_only(b, fus), o);
    (a.primary.response, a.primary.because)
}

// ---------- docs/reference/response.md §2.3 primary tumour ----------

#[test]
fn primary_cr_row_needs_below_10mm_and_resolved_uptake() {
    // docs/reference/response.md §2.3 row CR: < 10 mm residual AND complete resolution of uptake.
    assert_eq!(primary_resp(50.0, &[(9.9, Uptake::Absent)], &d()).0, CR);
    // exactly 10 mm is not < 10 mm: PR by the −80 % size rule.
    assert_eq!(primary_resp(50.0, &[(10.0, Uptake::Absent)], &d()).0, PR);
    // docs/reference/response.md §2.3 implementation note: < 10 mm but still avid is not CR (PR by size).
    let (r, why) = primary_resp(50.0, &[(8.0, Uptake::Improved)], &d());
    assert_eq!(r, PR);
    assert!(why.contains("not CR because uptake is improved"), "{why}");
    // < 10 mm, avid, and not a 30 % decrease (12 → 9 mm = −25 %): SD.
    assert_eq!(primary_resp(12.0, &[(9.0, Uptake::Stable)], &d()).0, SD);
    // resected during the study (status none at follow-up) = 0 mm, no uptake: CR.
    let mut rec = primary_only(50.0, &[(10.0, Uptake::Improved)]);
    rec.follow_ups[0].primary = Some(Primary::None);
    assert_eq!(last(&rec, &d()).primary.response, CR);
}

#[test]
fn primary_pr_row_boundary_exactly_30_percent() {
    // docs/reference/response.md §2.3 row PR: ≥ 30 % decrease vs baseline. 50 → 35 mm = −30 % exactly.
    let (r, why) = primary_resp(50.0, &[(35.0, Uptake::Stable)], &d());
    assert_eq!(r, PR);
    assert!(why.contains("−30 %"), "{why}");
    // 50 → 35.1 mm = −29.8 %: SD.
    assert_eq!(primary_resp(50.0, &[(35.1, Uptake::Stable)], &d()).0, SD);
    // A boundary that floating point gets wrong: 33 → 23.1 mm is −30 % exactly
    // (0.7·33 = 23.099999999999998 in f64); tenths of mm make it exact.
    assert_eq!(primary_resp(33.0, &[(23.1, Uptake::Stable)], &d()).0, PR);
}

#[test]
fn primary_pd_row_boundary_20_percent_and_5mm_vs_nadir() {
    // docs/reference/response.md §2.3 row PD: increase vs nadir ≥ 20 % (default, RECIST) AND ≥ 5 mm.
    // 25 → 30 mm: +20 % and +5 mm exactly.
    assert_eq!(primary_resp(25.0, &[(30.0, Uptake::Stable)], &d()).0, PD);
    let gt = Inrc2017Options {
        pd_increase: PdIncrease::MoreThan20,
        ..d()
    };
    // INRC wording "> 20 %": exactly 20 % is not PD.
    assert_eq!(primary_resp(25.0, &[(30.0, Uptake::Stable)], &gt).0, SD);
    // +20 % but +4 mm (20 → 24): not PD.
    assert_eq!(primary_resp(20.0, &[(24.0, Uptake::Stable)], &d()).0, SD);
    // +5 mm but +10 % (50 → 55): not PD.
    assert_eq!(primary_resp(50.0, &[(55.0, Uptake::Stable)], &d()).0, SD);
    // Against the nadir, not the baseline: 50 → 30 (PR) → 36: +20 % vs nadir 30, +6 mm.
    let (r, why) = primary_resp(
        50.0,
        &[(30.0, Uptake::Improved), (36.0, Uptake::Stable)],
        &d(),
    );
    assert_eq!(r, PD);
    assert!(why.contains("vs nadir 30 mm"), "{why}");
}

#[test]
fn primary_sd_row() {
    // docs/reference/response.md §2.3 row SD: neither PR nor PD (50 → 45 mm, −10 %).
    let (r, why) = primary_resp(50.0, &[(45.0, Uptake::Stable)], &d());
    assert_eq!(r, SD);
    assert!(why.starts_with("SD because"), "{why}");
}

#[test]
fn primary_pr_with_worse_uptake_gap() {
    // docs/reference/response.md §2.3 [I]: ≥ 30 % shrinkage but uptake worse. Default literal → SD, flagged.
    let rec = primary_only(50.0, &[(30.0, Uptake::Worse)]);
    let a = last(&rec, &d());
    assert_eq!(a.primary.response, SD);
    assert_eq!(a.gaps[0].gap, "primary_pr_uptake");
    assert!(!a.warnings.is_empty());
    let o = Inrc2017Options {
        primary_pr_uptake: PrimaryPrUptake::SizeOnly,
        ..d()
    };
    let a = last(&rec, &o);
    assert_eq!(a.primary.response, PR);
    assert_eq!(a.gaps[0].resolution, "size_only (option): PR");
}

#[test]
fn primary_not_involved_and_not_evaluable() {
    // docs/reference/response.md §2.3: no primary at baseline (resected / not identifiable) → NI.
    let a = last(&marrow_only(30.0, 0.0), &d());
    assert_eq!(a.primary.response, NI);
    // Not assessed at follow-up → NE (never imputed, docs/reference/response.md §2.7 gap 4).
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Improved)]);
    rec.follow_ups[0].primary = None;
    assert_eq!(last(&rec, &d()).primary.response, NE);
    // Uptake not assessed: size alone cannot give CR/PR → NE; PD still shown.
    assert_eq!(
        primary_resp(50.0, &[(9.0, Uptake::NotAssessed)], &d()).0,
        NE
    );
    assert_eq!(
        primary_resp(25.0, &[(30.0, Uptake::NotAssessed)], &d()).0,
        PD
    );
    // …and SD needs no uptake: 50 → 45 mm is SD whatever the uptake.
    assert_eq!(
        primary_resp(50.0, &[(45.0, Uptake::NotAssessed)], &d()).0,
        SD
    );
    assert_eq!(
        primary_resp(50.0, &[(35.0, Uptake::NotAssessed)], &d()).0,
        NE
    );
    // Soft tissue: uptake matters only for CR.
    let rec = soft_only(
        &[("a", L, 50.0)],
        &[("a", L, 30.0)],
        Uptake::NotAssessed,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, PR);
    let rec = soft_only(
        &[("a", L, 50.0)],
        &[("a", L, 5.0)],
        Uptake::NotAssessed,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, NE);
}

#[test]
fn multifocal_primary_uses_sum_of_diameters() {
    // docs/reference/response.md §2.2 [R]: multifocal primary → sum of LDs. 30 + 20 = 50 → 20 + 15 = 35: −30 %.
    let mut rec = primary_only(50.0, &[(35.0, Uptake::Stable)]);
    rec.baseline.primary = Some(Primary::Present {
        diameters: vec![
            mibg_units::Length::from_mm(30.0),
            mibg_units::Length::from_mm(20.0),
        ],
        uptake: Uptake::Present,
    });
    rec.follow_ups[0].primary = Some(Primary::Present {
        diameters: vec![
            mibg_units::Length::from_mm(20.0),
            mibg_units::Length::from_mm(15.0),
        ],
        uptake: Uptake::Stable,
    });
    assert_eq!(last(&rec, &d()).primary.response, PR);
}

// ---------- docs/reference/response.md §2.4 metastatic soft tissue and bone ----------

fn soft_only(
    b: &[(&str, LesionKind, f64)],
    f: &[(&str, LesionKind, f64)],
    fu_uptake: Uptake,
    nt: (NonTarget, NonTarget),
) -> PatientRecord {
    record(
        Assessment {
            soft_tissue: soft(b, nt.0, Uptake::Present),
            ..clean(date(BASE))
        },
        vec![Assessment {
            soft_tissue: soft(f, nt.1, fu_uptake),
            ..clean(fu_date(0))
        }],
    )
}

const N: LesionKind = LesionKind::Node;
const L: LesionKind = LesionKind::NonNodal;

#[test]
fn metastatic_cr_row() {
    // docs/reference/response.md §2.4 row CR: non-nodal < 10 mm, target nodes short axis < 10 mm,
    // non-targets resolved, uptake resolved (and bone score 0: here bone NI).
    let rec = soft_only(
        &[("n", N, 20.0), ("l", L, 30.0)],
        &[("n", N, 9.9), ("l", L, 9.9)],
        Uptake::Absent,
        (NonTarget::Present, NonTarget::Resolved),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, CR);
    // node 10 mm is not < 10 mm: PR (sum −60 %).
    let rec = soft_only(
        &[("n", N, 20.0), ("l", L, 30.0)],
        &[("n", N, 10.0), ("l", L, 9.9)],
        Uptake::Absent,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, PR);
    // node 12 mm: CR with the PDQ < 15 mm threshold (docs/reference/response.md §2.4 known discrepancy).
    let rec = soft_only(
        &[("n", N, 20.0)],
        &[("n", N, 12.0)],
        Uptake::Absent,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, PR);
    let o = Inrc2017Options {
        node_cr: NodeCr::Below15Mm,
        ..d()
    };
    assert_eq!(last(&rec, &o).metastatic.response, CR);
    // non-nodal 12 mm stays ≥ 10 mm even with the 15 mm node option.
    let rec = soft_only(
        &[("l", L, 40.0)],
        &[("l", L, 12.0)],
        Uptake::Absent,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &o).metastatic.response, PR);
    // uptake still present (improved) → not CR.
    let rec = soft_only(
        &[("n", N, 20.0)],
        &[("n", N, 5.0)],
        Uptake::Improved,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, PR);
}

#[test]
fn residual_biopsy_negative_override() {
    // docs/reference/response.md §2.8 [I]: residual ≥ 10 mm, uptake-negative, biopsy-negative → CR only with the flag.
    let mut rec = soft_only(
        &[("l", L, 40.0)],
        &[("l", L, 15.0)],
        Uptake::Absent,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, PR);
    rec.follow_ups[0]
        .soft_tissue
        .as_mut()
        .unwrap()
        .residual_biopsy_negative = true;
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, CR);
    assert!(a.warnings.iter().any(|w| w.contains("override")));
}

#[test]
fn metastatic_pr_row_soft_tissue_boundary() {
    // docs/reference/response.md §2.4 row PR: ≥ 30 % decrease of the sum of target diameters vs baseline.
    // 30 + 20 = 50 → 21 + 14 = 35: exactly −30 %.
    let rec = soft_only(
        &[("a", L, 30.0), ("b", N, 20.0)],
        &[("a", L, 21.0), ("b", N, 14.0)],
        Uptake::Stable,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, PR);
    let rec = soft_only(
        &[("a", L, 30.0), ("b", N, 20.0)],
        &[("a", L, 21.1), ("b", N, 14.0)],
        Uptake::Stable,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, SD);
    // non-target lesions increased → not PR (PR needs non-targets stable or smaller).
    let rec = soft_only(
        &[("a", L, 50.0)],
        &[("a", L, 20.0)],
        Uptake::Stable,
        (NonTarget::Present, NonTarget::Increased),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, SD);
}

#[test]
fn metastatic_pd_row_item5_sum_vs_nadir() {
    // docs/reference/response.md §2.4 PD 5: sum +20 % (≥, default) and ≥ 5 mm vs nadir. 25 → 30 mm.
    let rec = soft_only(
        &[("a", L, 25.0)],
        &[("a", L, 30.0)],
        Uptake::Stable,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, PD);
    let o = Inrc2017Options {
        pd_increase: PdIncrease::MoreThan20,
        ..d()
    };
    assert_eq!(last(&rec, &o).metastatic.response, SD);
    // +20 % with +4 mm (20 → 24): SD.
    let rec = soft_only(
        &[("a", L, 20.0)],
        &[("a", L, 24.0)],
        Uptake::Stable,
        (NonTarget::None, NonTarget::None),
    );
    assert_eq!(last(&rec, &d()).metastatic.response, SD);
}

fn with_new(f: impl Fn(&mut NewLesions)) -> Assessment2017 {
    // A patient in CR everywhere except the new lesion (docs/reference/response.md §2.8: PD even if the primary is CR).
    let mut rec = primary_only(50.0, &[(5.0, Uptake::Absent)]);
    f(&mut rec.follow_ups[0].new_lesions);
    last(&rec, &d())
}

#[test]
fn metastatic_pd_rows_items_1_to_4_new_lesions() {
    // docs/reference/response.md §2.4 PD 1: new soft-tissue lesion, MIBG/FDG-avid.
    let a = with_new(|n| n.soft_tissue_avid = true);
    assert_eq!(
        (a.primary.response, a.metastatic.response, a.overall),
        (CR, PD, O::PD)
    );
    // docs/reference/response.md §2.4 PD 2: new soft-tissue lesion, biopsy-proven.
    assert_eq!(
        with_new(|n| n.soft_tissue_biopsy_proven = true).overall,
        O::PD
    );
    // docs/reference/response.md §2.4 PD 3: any new MIBG-avid bone site.
    let a = with_new(|n| n.mibg_avid_bone = true);
    assert!(a.metastatic.because.contains("new MIBG-avid bone site"));
    assert_eq!(a.overall, O::PD);
    // docs/reference/response.md §2.4 PD 4: new FDG-avid bone site WITH corroboration.
    assert_eq!(
        with_new(|n| n.fdg_avid_bone_corroborated = true).overall,
        O::PD
    );
    // …without corroboration: not PD, flagged for review.
    let a = with_new(|n| n.fdg_avid_bone_uncorroborated = true);
    assert_eq!(a.overall, O::CR);
    assert!(a.warnings.iter().any(|w| w.contains("without CT/MRI")));
}

#[test]
fn relative_score_boundaries_0_5_and_1_2() {
    // docs/reference/response.md §2.5 table, bone-only patients (soft tissue NI), exact integer comparisons.
    // r = 5/10 = 0.5 → PR; 6/10 → SD; 11/10 → SD; 12/10 = 1.2 → PD.
    let m = |b, f| last(&bone_only(b, f), &d()).metastatic.response;
    assert_eq!(m(10, 5), PR);
    assert_eq!(m(10, 6), SD);
    assert_eq!(m(10, 11), SD);
    assert_eq!(m(10, 12), PD);
    // 5 → 6 is r = 1.2 exactly (1.2·5 = 6.000000000000001 in f64: a float test could miss it).
    assert_eq!(m(5, 6), PD);
    // 7 → 3: r = 0.43 → PR; 7 → 4: 0.57 → SD.
    assert_eq!(m(7, 3), PR);
    assert_eq!(m(7, 4), SD);
    // r = 0 (score 0) → bone resolved → CR of the metastatic component.
    assert_eq!(m(10, 0), CR);
    let a = last(&bone_only(10, 5), &d());
    assert!(
        a.metastatic
            .because
            .contains("relative SIOPEN score 0.50 ≤ 0.5"),
        "{}",
        a.metastatic.because
    );
}

#[test]
fn relative_score_below_0_1_floor() {
    // docs/reference/response.md §2.5 [I]: 0 < r < 0.1 (1/20 = 0.05) qualifies for PR by default, flagged.
    let a = last(&bone_only(20, 1), &d());
    assert_eq!(a.metastatic.response, PR);
    assert_eq!(a.gaps[0].gap, "relative_score_floor");
    let o = Inrc2017Options {
        relative_score_floor: RelativeScoreFloor::Literal,
        ..d()
    };
    // literal: 0 < r < 0.1 matches no row → NE (unclassified), overall NE.
    let a = last(&bone_only(20, 1), &o);
    assert_eq!((a.metastatic.response, a.overall), (NE, O::NE));
    // r = 2/20 = 0.1 exactly is inside "≥ 0.1 to ≤ 0.5".
    assert_eq!(last(&bone_only(20, 2), &o).metastatic.response, PR);
}

#[test]
fn both_subcomponents_must_respond_for_pr() {
    // docs/reference/response.md §2.4 sub-component handling [I]: MIBG 0.3 but soft tissue −10 % → SD.
    let rec = record(
        Assessment {
            soft_tissue: soft(&[("a", L, 50.0)], NonTarget::None, Uptake::Present),
            bone: mibg(10),
            ..clean(date(BASE))
        },
        vec![Assessment {
            soft_tissue: soft(&[("a", L, 45.0)], NonTarget::None, Uptake::Stable),
            bone: mibg(3),
            ..clean(fu_date(0))
        }],
    );
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, SD);
    // soft tissue −42 % and relative score 0.4 → PR, with the trace of both.
    let rec = record(
        Assessment {
            soft_tissue: soft(&[("a", L, 50.0)], NonTarget::None, Uptake::Present),
            bone: mibg(10),
            ..clean(date(BASE))
        },
        vec![Assessment {
            soft_tissue: soft(&[("a", L, 29.0)], NonTarget::None, Uptake::Stable),
            bone: mibg(4),
            ..clean(fu_date(0))
        }],
    );
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, PR);
    assert_eq!(
        a.metastatic.because,
        "PR because sum of target diameters −42 % vs baseline 50 mm (≤ −30 %) and relative SIOPEN score 0.40 ≤ 0.5 (4 vs baseline 10), no new lesions"
    );
    // soft CR + bone PR → PR; soft CR + bone CR → CR.
    let rec = record(
        Assessment {
            soft_tissue: soft(&[("a", L, 50.0)], NonTarget::None, Uptake::Present),
            bone: mibg(10),
            ..clean(date(BASE))
        },
        vec![Assessment {
            soft_tissue: soft(&[("a", L, 5.0)], NonTarget::None, Uptake::Absent),
            bone: mibg(0),
            ..clean(fu_date(0))
        }],
    );
    assert_eq!(last(&rec, &d()).metastatic.response, CR);
}

#[test]
fn non_target_only_soft_tissue() {
    // docs/reference/response.md §2.4 [I]: no measurable targets → anatomic clause does not apply;
    // stable non-targets alone are SD, with a bone PR they allow PR.
    let rec = record(
        Assessment {
            soft_tissue: soft(&[], NonTarget::Present, Uptake::Present),
            bone: mibg(10),
            ..clean(date(BASE))
        },
        vec![Assessment {
            soft_tissue: soft(&[], NonTarget::StableOrSmaller, Uptake::Stable),
            bone: mibg(5),
            ..clean(fu_date(0))
        }],
    );
    assert_eq!(last(&rec, &d()).metastatic.response, PR);
    let rec = record(
        Assessment {
            soft_tissue: soft(&[], NonTarget::Present, Uptake::Present),
            ..clean(date(BASE))
        },
        vec![Assessment {
            soft_tissue: soft(&[], NonTarget::StableOrSmaller, Uptake::Stable),
            ..clean(fu_date(0))
        }],
    );
    assert_eq!(last(&rec, &d()).metastatic.response, SD);
}

#[test]
fn baseline_score_zero_gap() {
    // docs/reference/response.md §2.5 [I]: baseline 0 → ratio not applicable; bone NI; PD only via the new-site flag.
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Improved)]);
    rec.follow_ups[0].bone = mibg(3);
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, NI);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("without a 'new MIBG-avid bone site' flag"))
    );
    assert_eq!(a.measures.relative_mibg_score, None);
    let o = Inrc2017Options {
        baseline_score_zero: BaselineScoreZero::AnyScoreIsProgression,
        ..d()
    };
    assert_eq!(last(&rec, &o).metastatic.response, PD);
    rec.follow_ups[0].new_lesions.mibg_avid_bone = true;
    assert_eq!(last(&rec, &d()).overall, O::PD);
}

#[test]
fn tracers_are_not_mixed_by_default() {
    // docs/reference/response.md §4.3: compare only same-tracer scans by default.
    let mut rec = bone_only(10, 4);
    rec.follow_ups[0].bone = Some(Bone::Mibg {
        tracer: Tracer::I131,
        score: siopen(4),
    });
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, NE);
    assert!(
        a.metastatic
            .because
            .contains("baseline 123I, follow-up 131I")
    );
    let o = Inrc2017Options {
        tracers: TracerPolicy::AllowMixed,
        ..d()
    };
    assert_eq!(last(&rec, &o).metastatic.response, PR);
}

/// Review: baseline SIOPEN 0 (bone not involved, docs/reference/response.md §2.5 [I] not-applicable):
/// no score is compared, so a 131I follow-up scan must not make the bone part
/// (and with it the metastatic component and the overall response) NE.
/// Primary 50 → 30 mm = −40 % ≤ −30 % with uptake improved → PR (docs/reference/response.md §2.3 row PR);
/// metastatic NI (no soft tissue, bone score 0 → 0); marrow NI → overall PR.
#[test]
fn tracer_mismatch_is_irrelevant_when_baseline_score_is_zero() {
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Improved)]);
    rec.follow_ups[0].bone = Some(Bone::Mibg {
        tracer: Tracer::I131,
        score: siopen(0),
    });
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, NI, "{}", a.metastatic.because);
    assert_eq!(a.overall, O::PR);
    // A comparison is made under any_score_is_progression: tracers matter again.
    let o = Inrc2017Options {
        baseline_score_zero: BaselineScoreZero::AnyScoreIsProgression,
        ..d()
    };
    assert_eq!(last(&rec, &o).metastatic.response, NE);
}

#[test]
fn different_methods_are_an_error() {
    // docs/reference/response.md §2.5: never mix methods.
    let mut rec = bone_only(10, 4);
    let curie = mibg_response::score::MibgScore::parse_list(
        mibg_response::score::MibgMethod::Curie,
        "1,1,0,0,0,0,0,0,0,0",
    )
    .unwrap();
    rec.follow_ups[0].bone = Some(Bone::Mibg {
        tracer: Tracer::I123,
        score: curie,
    });
    let e = inrc2017::assess(&rec, &d()).unwrap_err().to_string();
    assert!(
        e.contains(
            "bone.mibg.method: Curie score cannot be compared with the baseline SIOPEN score"
        ),
        "{e}"
    );
}

#[test]
fn not_assessable_segments_decide_only_when_the_interval_agrees() {
    // docs/reference/response.md §4.3 NotAssessable: baseline 30 (exact); follow-up 2 + one NE segment (0–6)
    // → relative score 0.07–0.27, all ≤ 0.5 → PR.
    let mut rec = bone_only(30, 2);
    let mut segs: Vec<_> = siopen(2).segments().map(|(_, s)| s).collect();
    segs[11] = mibg_response::score::SegmentScore::NotAssessable;
    let sc = mibg_response::score::MibgScore::new(mibg_response::score::MibgMethod::Siopen, segs)
        .unwrap();
    rec.follow_ups[0].bone = Some(Bone::Mibg {
        tracer: Tracer::I123,
        score: sc.clone(),
    });
    assert_eq!(last(&rec, &d()).metastatic.response, PR);
    // baseline 10: 2–8 → 0.2–0.8 straddles 0.5 → NE.
    let mut rec = bone_only(10, 2);
    rec.follow_ups[0].bone = Some(Bone::Mibg {
        tracer: Tracer::I123,
        score: sc,
    });
    let a = last(&rec, &d());
    assert_eq!(a.metastatic.response, NE);
    assert!(a.metastatic.because.contains("distal_left_lower_limb"));
}

#[test]
fn fdg_bone_lesion_counts_for_mibg_non_avid_disease() {
    // docs/reference/response.md §2.4 PR: ≥ 50 % reduction in the number of FDG-avid bone lesions.
    let fdg = |b, f| {
        let rec = record(
            Assessment {
                bone: Some(Bone::Fdg { avid_lesions: b }),
                ..clean(date(BASE))
            },
            vec![Assessment {
                bone: Some(Bone::Fdg { avid_lesions: f }),
                ..clean(fu_date(0))
            }],
        );
        last(&rec, &d()).metastatic.response
    };
    assert_eq!(fdg(10, 5), PR);
    assert_eq!(fdg(10, 6), SD);
    assert_eq!(fdg(10, 0), CR);
}

// ---------- docs/reference/response.md §2.6 bone marrow ----------

fn bm(b: f64, f: f64, o: &Inrc2017Options) -> (C, Option<MdKind>, Vec<GapUse>) {
    let a = last(&marrow_only(b, f), o);
    (a.marrow.response, a.marrow.md, a.gaps)
}

#[test]
fn marrow_cr_row_regardless_of_baseline() {
    // docs/reference/response.md §2.6 row CR: f = 0 regardless of baseline; b = 0 and f = 0 is NI.
    assert_eq!(bm(80.0, 0.0, &d()).0, CR);
    assert_eq!(bm(3.0, 0.0, &d()).0, CR);
    let a = last(&primary_only(50.0, &[(30.0, Uptake::Improved)]), &d());
    assert_eq!(a.marrow.response, NI);
}

#[test]
fn marrow_pd_row_from_negative_needs_more_than_5_percent() {
    // docs/reference/response.md §2.6 row PD (b = 0 and f > 5 %); b = 0, f = 5 % exactly is MD (overlap rule).
    assert_eq!(bm(0.0, 5.1, &d()).0, PD);
    let (r, k, _) = bm(0.0, 5.0, &d());
    assert_eq!((r, k), (MD, Some(MdKind::New)));
}

#[test]
fn marrow_pd_row_twofold_and_20_percent() {
    // docs/reference/response.md §2.6 row PD (b > 0): f > 2b AND f > 20 %.
    assert_eq!(bm(10.0, 21.0, &d()).0, PD);
    // f = 20 % exactly (> 2b but not > 20 %): SD.
    assert_eq!(bm(8.0, 20.0, &d()).0, SD);
    // exactly twofold (12 → 24) is not "more than twofold": SD; 24.1 → PD.
    assert_eq!(bm(12.0, 24.0, &d()).0, SD);
    assert_eq!(bm(12.0, 24.1, &d()).0, PD);
    // docs/reference/response.md §2.6 gap: 15 → 25 (> 20 % but ≤ 2b) SD; 3 → 8 (> 2b but ≤ 20 %) SD.
    assert_eq!(bm(15.0, 25.0, &d()).0, SD);
    assert_eq!(bm(3.0, 8.0, &d()).0, SD);
}

#[test]
fn marrow_md_rows_and_5_percent_boundary() {
    // docs/reference/response.md §2.6 row MD clause 1: b ≤ 5 and 0 < f ≤ 5 → MD (persistent). b = 5 exactly, f = 5 exactly.
    assert_eq!(bm(5.0, 5.0, &d()).1, Some(MdKind::Persistent));
    // f = 5.1 → not MD: SD ("still positive with f > 5 %").
    assert_eq!(bm(5.0, 5.1, &d()).0, SD);
    // clause 3: b > 20 and 0 < f ≤ 5 → MD (improved).
    assert_eq!(bm(30.0, 5.0, &d()).1, Some(MdKind::Improved));
    // b = 20 % exactly falls in the gap 5 < b ≤ 20: default MD, option SD.
    let (r, k, g) = bm(20.0, 2.0, &d());
    assert_eq!((r, k), (MD, Some(MdKind::Improved)));
    assert_eq!(g[0].gap, "marrow_md_from_5_to_20");
    let o = Inrc2017Options {
        marrow_md_from_5_to_20: MarrowMdFrom5To20::Sd,
        ..d()
    };
    assert_eq!(bm(20.0, 2.0, &o).0, SD);
    assert_eq!(bm(20.1, 2.0, &o).0, MD);
}

#[test]
fn marrow_sd_row() {
    // docs/reference/response.md §2.6 row SD: still > 5 %, not PD (30 → 25).
    assert_eq!(bm(30.0, 25.0, &d()).0, SD);
}

#[test]
fn marrow_sampling_adequacy() {
    // docs/reference/response.md §2.6 [I]: fewer samples than required → NE unless PD is shown.
    let mut rec = marrow_only(30.0, 0.0);
    rec.follow_ups[0]
        .marrow
        .as_mut()
        .unwrap()
        .samples
        .truncate(2); // aspirates only
    let a = last(&rec, &d());
    assert_eq!(a.marrow.response, NE);
    assert!(a.marrow.because.contains("2 aspirate(s) and 0 trephine(s)"));
    let o = Inrc2017Options {
        marrow_min_trephines: 0,
        ..d()
    };
    assert_eq!(last(&rec, &o).marrow.response, CR);
    let mut rec = marrow_only(10.0, 50.0);
    rec.follow_ups[0].marrow.as_mut().unwrap().samples.remove(0);
    assert_eq!(last(&rec, &d()).marrow.response, PD);
}

// ---------- docs/reference/response.md §2.7 overall ----------

/// Primary and marrow involved: primary 50 mm → `p` mm (uptake), marrow b → f.
fn overall2(p: (f64, Uptake), b: f64, f: f64, o: &Inrc2017Options) -> (O, String) {
    let mut rec = primary_only(50.0, &[p]);
    rec.baseline.marrow = marrow(b);
    rec.follow_ups[0].marrow = marrow(f);
    let a = last(&rec, o);
    (a.overall, a.overall_because)
}

/// Review: the docs/reference/response.md §2.7 PR row allows "MD (marrow)" among the other components,
/// but the docs/reference/response.md §2.7 reference procedure [I] (the default) counts persistent or new
/// MD as stable, giving MR. Primary 50 → 30 mm: (30 − 50)/50 = −40 % ≤ −30 %,
/// uptake improved → PR (docs/reference/response.md §2.3). Marrow 4 % → 3 %: persistent MD (§2.6,
/// b ≤ 5, 0 < f ≤ 5); 0 % → 3 %: new MD. Default: PR + stable-equivalent →
/// MR. Option pr_row_allows_md: the PR row → PR. With the primary SD instead
/// (50 → 45 mm = −10 %), both give SD (docs/reference/response.md §2.7 gap 2, persistent MD).
#[test]
fn pr_row_allows_marrow_md_option() {
    assert_eq!(overall2((30.0, Uptake::Improved), 4.0, 3.0, &d()).0, O::MR);
    let o = Inrc2017Options {
        marrow_md_integration: MarrowMdIntegration::PrRowAllowsMd,
        ..d()
    };
    let (r, why) = overall2((30.0, Uptake::Improved), 4.0, 3.0, &o);
    assert_eq!(r, O::PR, "{why}");
    assert_eq!(overall2((30.0, Uptake::Improved), 0.0, 3.0, &o).0, O::PR);
    assert_eq!(overall2((45.0, Uptake::Stable), 4.0, 3.0, &o).0, O::SD);
    assert_eq!(overall2((45.0, Uptake::Stable), 4.0, 3.0, &d()).0, O::SD);
    // improved MD with SD elsewhere stays MR under the option (gap 2).
    assert_eq!(overall2((45.0, Uptake::Stable), 30.0, 3.0, &o).0, O::MR);
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Improved)]);
    rec.baseline.marrow = marrow(4.0);
    rec.follow_ups[0].marrow = marrow(3.0);
    let a = last(&rec, &o);
    assert!(
        a.gaps
            .iter()
            .any(|g| g.gap == "marrow_md_integration" && g.resolution.contains("pr_row_allows_md")),
        "{:?}",
        a.gaps
    );
}

#[test]
fn overall_cr_row() {
    // docs/reference/response.md §2.7 CR: all components CR; NI compatible.
    assert_eq!(overall2((5.0, Uptake::Absent), 30.0, 0.0, &d()).0, O::CR);
    assert_eq!(
        last(&primary_only(50.0, &[(5.0, Uptake::Absent)]), &d()).overall,
        O::CR
    );
}

#[test]
fn overall_pr_row() {
    // docs/reference/response.md §2.7 PR: PR in ≥ 1 component, others CR/MD/PR/NI, no PD.
    assert_eq!(overall2((30.0, Uptake::Improved), 30.0, 0.0, &d()).0, O::PR);
    // PR + marrow MD after > 20 % (improved) → PR.
    assert_eq!(overall2((30.0, Uptake::Improved), 30.0, 3.0, &d()).0, O::PR);
}

#[test]
fn overall_mr_row() {
    // docs/reference/response.md §2.7 MR: PR or CR in ≥ 1 component, ≥ 1 other SD, no PD.
    assert_eq!(
        overall2((30.0, Uptake::Improved), 30.0, 25.0, &d()).0,
        O::MR
    );
    assert_eq!(overall2((5.0, Uptake::Absent), 30.0, 25.0, &d()).0, O::MR);
}

#[test]
fn overall_sd_row() {
    // docs/reference/response.md §2.7 SD: SD with nothing better than SD or NI.
    assert_eq!(overall2((45.0, Uptake::Stable), 30.0, 25.0, &d()).0, O::SD);
    assert_eq!(
        last(&primary_only(50.0, &[(45.0, Uptake::Stable)]), &d()).overall,
        O::SD
    );
}

#[test]
fn overall_pd_row() {
    // docs/reference/response.md §2.7 PD: any component PD, whatever the others.
    assert_eq!(overall2((5.0, Uptake::Absent), 10.0, 25.0, &d()).0, O::PD);
    // docs/reference/response.md §2.7 gap 4: PD wins over NE.
    let mut rec = primary_only(50.0, &[(65.0, Uptake::Stable)]);
    rec.follow_ups[0].marrow = None;
    rec.baseline.marrow = marrow(10.0);
    let a = last(&rec, &d());
    assert_eq!((a.marrow.response, a.overall), (NE, O::PD));
}

#[test]
fn overall_ne_without_pd() {
    // docs/reference/response.md §2.7 gap 4: any NE among involved components (no PD) → NE, never imputed.
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Improved)]);
    rec.baseline.marrow = marrow(10.0);
    rec.follow_ups[0].marrow = None;
    assert_eq!(last(&rec, &d()).overall, O::NE);
}

#[test]
fn gap1_all_cr_with_marrow_md() {
    // docs/reference/response.md §2.7 gap 1: all CR except marrow MD (persistent: b = 3 → f = 2).
    let (r, why) = overall2((5.0, Uptake::Absent), 3.0, 2.0, &d());
    assert_eq!(r, O::PR);
    assert!(why.contains("gap: all CR with marrow MD"));
    let o = Inrc2017Options {
        all_cr_with_marrow_md: AllCrWithMarrowMd::MarrowPolicy,
        ..d()
    };
    assert_eq!(overall2((5.0, Uptake::Absent), 3.0, 2.0, &o).0, O::MR);
    // …with an improved MD the marrow policy also gives PR.
    assert_eq!(overall2((5.0, Uptake::Absent), 30.0, 2.0, &o).0, O::PR);
    let o = Inrc2017Options {
        all_cr_with_marrow_md: AllCrWithMarrowMd::Unclassified,
        ..d()
    };
    assert_eq!(overall2((5.0, Uptake::Absent), 3.0, 2.0, &o).0, O::NE);
}

#[test]
fn gap2_marrow_md_integration_by_baseline() {
    // docs/reference/response.md §2.7 gap 2: primary SD + MD(improved, b > 5) → MR; + MD(persistent) → SD.
    assert_eq!(overall2((45.0, Uptake::Stable), 30.0, 3.0, &d()).0, O::MR);
    assert_eq!(overall2((45.0, Uptake::Stable), 4.0, 3.0, &d()).0, O::SD);
    // marrow-only: MD improved → PR; MD persistent → SD.
    assert_eq!(last(&marrow_only(30.0, 3.0), &d()).overall, O::PR);
    assert_eq!(last(&marrow_only(4.0, 3.0), &d()).overall, O::SD);
    // option always_response: persistent MD counts as a response.
    let o = Inrc2017Options {
        marrow_md_integration: MarrowMdIntegration::AlwaysResponse,
        ..d()
    };
    assert_eq!(last(&marrow_only(4.0, 3.0), &o).overall, O::PR);
    assert_eq!(overall2((45.0, Uptake::Stable), 4.0, 3.0, &o).0, O::MR);
}

#[test]
fn gap3_new_md_in_negative_marrow_is_flagged() {
    // docs/reference/response.md §2.7 gap 3: b = 0 → 0 < f ≤ 5: MD (not PD), stable-equivalent, flagged.
    let (r, _) = overall2((30.0, Uptake::Improved), 0.0, 4.0, &d());
    assert_eq!(r, O::MR);
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Improved)]);
    rec.follow_ups[0].marrow = marrow(4.0);
    let a = last(&rec, &d());
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("previously negative marrow"))
    );
}

#[test]
fn gap5_all_not_involved_is_an_error() {
    // docs/reference/response.md §2.7 gap 5: no involved component at entry is impossible → error.
    let rec = record(clean(date(BASE)), vec![clean(fu_date(0))]);
    let e = inrc2017::assess(&rec, &d()).unwrap_err().to_string();
    assert!(e.contains("no component involved at baseline"), "{e}");
}

// ---------- record validation ----------

#[test]
fn implausible_diameter_and_inconsistent_non_target_are_errors() {
    let rec = primary_only(50.0, &[(5000.0, Uptake::Stable)]);
    let e = inrc2017::assess(&rec, &d()).unwrap_err().to_string();
    assert!(
        e.contains("primary.diameters_mm: 5000 mm is implausible"),
        "{e}"
    );
    let mut rec = primary_only(50.0, &[(30.0, Uptake::Stable)]);
    rec.baseline.soft_tissue = soft(&[], NonTarget::Present, Uptake::Present);
    rec.follow_ups[0].soft_tissue = soft(&[], NonTarget::None, Uptake::Absent);
    let e = inrc2017::assess(&rec, &d()).unwrap_err().to_string();
    assert!(
        e.contains("soft_tissue.non_target: 'none' but non-target lesions were present"),
        "{e}"
    );
}

#[test]
fn unilateral_marrow_sampling_is_warned() {
    // docs/reference/response.md §2.6 sampling [V]: bilateral aspirates and trephines.
    let mut rec = marrow_only(30.0, 0.0);
    for s in &mut rec.follow_ups[0].marrow.as_mut().unwrap().samples {
        s.side = Side::Left;
    }
    let a = last(&rec, &d());
    assert_eq!(a.marrow.response, CR);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("aspirates and trephines at this follow-up not bilateral")),
        "{:?}",
        a.warnings
    );
}

#[test]
fn new_md_is_never_a_response_even_with_always_response() {
    // docs/reference/response.md §2.7 gap 3: b = 0 → f = 5 % is MD (new), stable-equivalent under every policy.
    // Regression found by the monotonicity property: with always_response it
    // gave MR, and the marrow turning negative (NI) then gave SD.
    let o = Inrc2017Options {
        marrow_md_integration: MarrowMdIntegration::AlwaysResponse,
        ..d()
    };
    let mut rec = primary_only(50.0, &[(45.0, Uptake::Stable)]);
    rec.follow_ups[0].marrow = marrow(5.0);
    assert_eq!(last(&rec, &o).overall, O::SD);
    rec.follow_ups[0].marrow = marrow(0.0);
    assert_eq!(last(&rec, &o).overall, O::SD);
}

#[test]
fn non_measurable_baseline_targets_are_warned() {
    // docs/reference/response.md §2.2 (RECIST 1.1): target nodes ≥ 15 mm short axis, other lesions ≥ 10 mm.
    let rec = soft_only(
        &[("n", N, 14.0), ("l", L, 10.0)],
        &[("n", N, 10.0), ("l", L, 5.0)],
        Uptake::Stable,
        (NonTarget::None, NonTarget::None),
    );
    let w = last(&rec, &d()).warnings;
    assert!(
        w.iter()
            .any(|x| x.contains("'n' (14 mm) is not measurable")),
        "{w:?}"
    );
    assert!(!w.iter().any(|x| x.contains("'l'")), "{w:?}");
}
