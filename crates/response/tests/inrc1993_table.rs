//! Decision-table tests of INRC 1993 (docs/reference/response.md §3 table, Brodeur 1993 [R]),
//! one test per row, plus the boundaries (> 50 %, 90 %, 25 %).

mod common;
use common::*;
use mibg_response::inrc1993::{self, OverallResponse1993 as R};
use mibg_response::record::*;

fn run(rec: &PatientRecord) -> inrc1993::Assessment1993 {
    inrc1993::assess(rec).unwrap().pop().unwrap()
}

/// Primary 100 mm + bone sites `bs` + marrow samples positive at baseline;
/// follow-up primary `p` mm with `uptake`, bone sites `fs`, marrow `fm` %.
fn case(
    p: f64,
    uptake: Uptake,
    bs: u32,
    fs: u32,
    bm: f64,
    fm: f64,
    cat: Option<Catecholamines>,
) -> PatientRecord {
    let mut base = clean(date(BASE));
    base.primary = primary(100.0, Uptake::Present);
    base.positive_bone_sites = Some(bs);
    base.marrow = marrow(bm);
    base.catecholamines = Some(Catecholamines::Elevated);
    let mut fu = clean(fu_date(0));
    fu.primary = primary(p, uptake);
    fu.positive_bone_sites = Some(fs);
    fu.marrow = marrow(fm);
    fu.catecholamines = cat;
    record(base, vec![fu])
}

const NORMAL: Option<Catecholamines> = Some(Catecholamines::Normal);

#[test]
fn row_cr_no_tumour_catecholamines_normal() {
    // docs/reference/response.md §3 CR: no tumour at primary and metastatic sites, catecholamines normal.
    let a = run(&case(5.0, Uptake::Absent, 4, 0, 20.0, 0.0, NORMAL));
    assert_eq!(a.overall, R::CR, "{}", a.because);
    // without catecholamines CR cannot be established: capped, warned.
    let a = run(&case(5.0, Uptake::Absent, 4, 0, 20.0, 0.0, None));
    assert_eq!(a.overall, R::PR);
    assert!(a.warnings.iter().any(|w| w.contains("catecholamines")));
}

#[test]
fn row_vgpr_primary_90_to_99_percent() {
    // docs/reference/response.md §3 VGPR: primary decreased 90–99 %, no metastatic tumour, catecholamines normal.
    // 100 → 10 mm = −90 % exactly (10·cur ≤ base).
    let a = run(&case(10.0, Uptake::Improved, 4, 0, 20.0, 0.0, NORMAL));
    assert_eq!(a.overall, R::VGPR, "{}", a.because);
    // 100 → 10.1 mm (−89.9 %): PR.
    assert_eq!(
        run(&case(10.1, Uptake::Improved, 4, 0, 20.0, 0.0, NORMAL)).overall,
        R::PR
    );
}

#[test]
fn row_pr_more_than_50_percent_and_marrow_footnote() {
    // docs/reference/response.md §3 PR: primary > 50 % decrease, bone sites > 50 % decrease, ≤ 1 positive marrow sample.
    assert_eq!(
        run(&case(49.9, Uptake::Improved, 4, 1, 20.0, 0.0, NORMAL)).overall,
        R::PR
    );
    // exactly 50 % is not "> 50 %": 100 → 50 mm → MR (bone sites −75 %).
    assert_eq!(
        run(&case(50.0, Uptake::Improved, 4, 1, 20.0, 0.0, NORMAL)).overall,
        R::MR
    );
    // bone sites 4 → 2 (exactly −50 %): not PR → MR (primary −60 %).
    assert_eq!(
        run(&case(40.0, Uptake::Improved, 4, 2, 20.0, 0.0, NORMAL)).overall,
        R::MR
    );
    // † one positive marrow sample allowed if fewer than at baseline.
    let mut rec = case(40.0, Uptake::Improved, 4, 1, 20.0, 10.0, NORMAL);
    // baseline: 2 positive samples, follow-up: 1.
    rec.baseline.marrow.as_mut().unwrap().samples[0].tumour =
        Infiltration::from_percent(5.0).unwrap();
    assert_eq!(run(&rec).overall, R::PR);
    // baseline 1 positive, follow-up 1 positive: not a decrease → not PR (MR).
    assert_eq!(
        run(&case(40.0, Uptake::Improved, 4, 1, 20.0, 10.0, NORMAL)).overall,
        R::MR
    );
}

#[test]
fn row_mr_and_nr() {
    // docs/reference/response.md §3 MR: > 50 % reduction of one lesion, < 50 % in another, < 25 % increase anywhere.
    let a = run(&case(40.0, Uptake::Improved, 4, 3, 20.0, 0.0, NORMAL));
    assert_eq!(a.overall, R::MR);
    // docs/reference/response.md §3 NR: < 50 % reduction, < 25 % increase (100 → 80 mm, bone 4 → 3).
    let a = run(&case(80.0, Uptake::Stable, 4, 3, 20.0, 10.0, None));
    assert_eq!(a.overall, R::NR, "{}", a.because);
}

#[test]
fn row_pd_25_percent_new_lesion_and_marrow() {
    // docs/reference/response.md §3 PD: increase of any measurable lesion > 25 % (vs nadir): 100 → 125.1 mm.
    assert_eq!(
        run(&case(125.1, Uptake::Stable, 4, 4, 20.0, 10.0, None)).overall,
        R::PD
    );
    // exactly +25 % is neither PD nor "< 25 %": NR [I].
    let a = run(&case(125.0, Uptake::Stable, 4, 4, 20.0, 10.0, None));
    assert_eq!(a.overall, R::NR);
    assert!(a.because.contains("exactly 25 %"));
    // any new lesion.
    let mut rec = case(40.0, Uptake::Improved, 4, 1, 20.0, 0.0, NORMAL);
    rec.follow_ups[0].new_lesions.mibg_avid_bone = true;
    assert_eq!(run(&rec).overall, R::PD);
    // previously negative marrow positive.
    assert_eq!(
        run(&case(40.0, Uptake::Improved, 4, 1, 0.0, 1.0, NORMAL)).overall,
        R::PD
    );
}

#[test]
fn missing_data_is_not_evaluable() {
    let mut rec = case(40.0, Uptake::Improved, 4, 1, 20.0, 0.0, NORMAL);
    rec.follow_ups[0].marrow = None;
    let a = run(&rec);
    assert_eq!(a.overall, R::NE);
    assert!(a.because.contains("marrow not assessed"));
}

#[test]
fn bone_sites_fall_back_to_mibg_segments() {
    // No positive_bone_sites: the number of SIOPEN segments > 0 stands in (warning).
    let mut rec = case(40.0, Uptake::Improved, 0, 0, 20.0, 0.0, NORMAL);
    rec.baseline.positive_bone_sites = None;
    rec.follow_ups[0].positive_bone_sites = None;
    rec.baseline.bone = mibg(13); // segments 6,6,1 → 3 sites
    rec.follow_ups[0].bone = mibg(6); // 1 site: −67 %
    let a = run(&rec);
    assert_eq!(a.overall, R::PR, "{}", a.because);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("positive_bone_sites not recorded"))
    );
}
