//! INRC 1993 (docs/reference/response.md §3, Brodeur 1993 [R]) beyond the
//! one-row-per-test table of `inrc1993_table.rs`: soft-tissue targets
//! followed lesion by lesion, the conditions of each row taken one at a
//! time, the marrow footnote (†), and the rule traces with their
//! hand-computed numbers (issue 16).

use crate::common::*;
use mibg_response::inrc1993::{self, LesionChange, LesionValue, OverallResponse1993 as R};
use mibg_response::record::*;
use mibg_units::Length;

fn run(rec: &PatientRecord) -> inrc1993::Assessment1993 {
    inrc1993::assess(rec).unwrap().pop().unwrap()
}

const NORMAL: Option<Catecholamines> = Some(Catecholamines::Normal);
const L: LesionKind = LesionKind::NonNodal;

/// Primary `b` mm → `p` mm (uptake), positive bone sites `bs` → `fs`,
/// marrow `bm` % → `fm` % (one positive trephine), catecholamines `cat`.
#[allow(clippy::too_many_arguments)]
fn case(
    b: f64,
    p: f64,
    uptake: Uptake,
    bs: u32,
    fs: u32,
    bm: f64,
    fm: f64,
    cat: Option<Catecholamines>,
) -> PatientRecord {
    let mut base = clean(date(BASE));
    base.primary = primary(b, Uptake::Present);
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

/// A follow-up: its targets (id, mm), non-target state and uptake.
type FollowUp<'a> = (&'a [(&'a str, f64)], NonTarget, Uptake);

/// Soft-tissue metastases only (no primary, no bone site, marrow negative):
/// baseline targets `b`, follow-ups `fus` (targets, non-target state, uptake).
fn soft_case(b: &[(&str, f64)], nt: NonTarget, fus: &[FollowUp]) -> PatientRecord {
    fn targets<'a>(t: &[(&'a str, f64)]) -> Vec<(&'a str, LesionKind, f64)> {
        t.iter().map(|(id, mm)| (*id, L, *mm)).collect()
    }
    let mut base = clean(date(BASE));
    base.soft_tissue = soft(&targets(b), nt, Uptake::Present);
    base.positive_bone_sites = Some(0);
    let f = fus
        .iter()
        .enumerate()
        .map(|(i, (t, nt, u))| {
            let mut a = clean(fu_date(i));
            a.soft_tissue = soft(&targets(t), *nt, *u);
            a.positive_bone_sites = Some(0);
            a.catecholamines = NORMAL;
            a
        })
        .collect();
    record(base, f)
}

fn mm(v: f64) -> Length {
    Length::from_mm(v)
}

// ---------- "no tumour" at a soft-tissue site (module doc [I]: every focus < 10 mm, uptake resolved, non-targets resolved) ----------

#[test]
fn soft_tissue_cr_needs_every_target_below_10_mm_and_uptake_resolved() {
    // 30 → 5 mm, uptake resolved, no non-targets: CR (catecholamines normal).
    let a = run(&soft_case(
        &[("a", 30.0)],
        NonTarget::None,
        &[(&[("a", 5.0)], NonTarget::None, Uptake::Absent)],
    ));
    assert_eq!(
        (a.overall, a.because.as_str()),
        (
            R::CR,
            "CR because no tumour at the primary or metastatic sites, catecholamines normal ('a' 5 mm (−83.3 % vs baseline 30 mm))"
        )
    );
    // 30 → 10 mm exactly (not < 10 mm): tumour remains; −66.7 % > 50 %: PR.
    let a = run(&soft_case(
        &[("a", 30.0)],
        NonTarget::None,
        &[(&[("a", 10.0)], NonTarget::None, Uptake::Absent)],
    ));
    assert_eq!(a.overall, R::PR, "{}", a.because);
    // 30 → 5 mm but uptake only improved: not "no tumour": PR.
    let a = run(&soft_case(
        &[("a", 30.0)],
        NonTarget::None,
        &[(&[("a", 5.0)], NonTarget::None, Uptake::Improved)],
    ));
    assert_eq!(a.overall, R::PR, "{}", a.because);
    // 30 → 5 mm, uptake resolved, non-targets only smaller: PR.
    let a = run(&soft_case(
        &[("a", 30.0)],
        NonTarget::Present,
        &[(&[("a", 5.0)], NonTarget::StableOrSmaller, Uptake::Absent)],
    ));
    assert_eq!(a.overall, R::PR, "{}", a.because);
}

/// Non-target soft tissue alone at baseline is disease too: while it is only
/// smaller, there is tumour left (PR with the primary gone), never CR.
#[test]
fn non_target_soft_tissue_alone_still_counts() {
    let mut rec = case(100.0, 5.0, Uptake::Absent, 0, 0, 0.0, 0.0, NORMAL);
    rec.baseline.soft_tissue = soft(&[], NonTarget::Present, Uptake::Present);
    rec.follow_ups[0].soft_tissue = soft(&[], NonTarget::StableOrSmaller, Uptake::Stable);
    let a = run(&rec);
    assert_eq!(a.overall, R::PR, "{}", a.because);
}

/// Each target lesion is followed by its id: baseline, nadir and current
/// values per lesion (docs/reference/response.md §3 implementation: lesion by lesion,
/// without sums).
#[test]
fn targets_are_followed_by_id_with_their_nadir() {
    // a: 40 → 20 → 25.1 mm (+25.5 % over its nadir 20 mm: PD although −37 % vs baseline);
    // b: 20 → 18 → 15 mm.
    let rec = soft_case(
        &[("a", 40.0), ("b", 20.0)],
        NonTarget::None,
        &[
            (&[("a", 20.0), ("b", 18.0)], NonTarget::None, Uptake::Stable),
            (&[("a", 25.1), ("b", 15.0)], NonTarget::None, Uptake::Stable),
        ],
    );
    let a = run(&rec);
    assert_eq!(
        a.lesions,
        vec![
            LesionChange {
                lesion: "a".into(),
                value: LesionValue::Diameter {
                    baseline: mm(40.0),
                    nadir: mm(20.0),
                    current: mm(25.1)
                }
            },
            LesionChange {
                lesion: "b".into(),
                value: LesionValue::Diameter {
                    baseline: mm(20.0),
                    nadir: mm(18.0),
                    current: mm(15.0)
                }
            },
        ]
    );
    assert_eq!(
        (a.overall, a.because.as_str()),
        (
            R::PD,
            "PD because 'a' 25.1 mm (−37.2 % vs baseline 40 mm) is > 25 % above its nadir 20 mm"
        )
    );
}

/// docs/reference/response.md §3 PD (> 25 %) needs more than a 25 % rise: +10 % is not PD.
#[test]
fn a_rise_below_25_percent_is_not_progression() {
    let a = run(&case(100.0, 110.0, Uptake::Stable, 4, 4, 20.0, 20.0, None));
    assert_eq!(a.overall, R::NR, "{}", a.because);
}

/// A lesion that disappeared (0 mm) and stays at 0 mm has not increased
/// (0 % over its nadir 0): MR stays MR, not the "exactly 25 %" NR.
#[test]
fn a_lesion_staying_at_zero_is_no_increase() {
    // a: 30 → 0 → 0 mm (−100 %); b: 30 → 20 → 20 mm (−33 %, not > 50 %): MR.
    let rec = soft_case(
        &[("a", 30.0), ("b", 30.0)],
        NonTarget::None,
        &[
            (&[("a", 0.0), ("b", 20.0)], NonTarget::None, Uptake::Stable),
            (&[("a", 0.0), ("b", 20.0)], NonTarget::None, Uptake::Stable),
        ],
    );
    let a = run(&rec);
    assert_eq!(
        (a.overall, a.because.as_str()),
        (
            R::MR,
            "MR because a lesion decreased > 50 % but others did not, no new lesions, no increase ≥ 25 % ('a' 0 mm (−100 % vs baseline 30 mm), 'b' 20 mm (−33.3 % vs baseline 30 mm))"
        )
    );
}

// ---------- CR / VGPR / PR rows, one condition at a time ----------

/// docs/reference/response.md §3 CR needs no tumour at the metastatic sites too: primary gone
/// but 1 positive bone site left (4 → 1, −75 %) is PR.
#[test]
fn primary_gone_with_bone_sites_left_is_pr() {
    let a = run(&case(100.0, 5.0, Uptake::Absent, 4, 1, 20.0, 0.0, NORMAL));
    assert_eq!(
        (a.overall, a.because.as_str()),
        (
            R::PR,
            "PR because primary and all measurable metastatic sites decreased > 50 %, bone sites decreased > 50 % and ≤ 1 positive marrow sample (primary 5 mm (−95 % vs baseline 100 mm), positive bone sites 1 (−75 % vs baseline 4))"
        )
    );
}

/// "No tumour" at the primary needs < 10 mm and uptake resolved: 5 mm still
/// avid, or exactly 10 mm, are a ≥ 90 % decrease (VGPR), not CR.
#[test]
fn primary_residual_is_vgpr_not_cr() {
    let a = run(&case(100.0, 5.0, Uptake::Improved, 4, 0, 20.0, 0.0, NORMAL));
    assert_eq!(
        (a.overall, a.because.as_str()),
        (
            R::VGPR,
            "VGPR because primary decreased ≥ 90 %, no metastatic tumour, catecholamines normal (primary 5 mm (−95 % vs baseline 100 mm), positive bone sites 0 (−100 % vs baseline 4))"
        )
    );
    let a = run(&case(100.0, 10.0, Uptake::Absent, 4, 0, 20.0, 0.0, NORMAL));
    assert_eq!(a.overall, R::VGPR, "{}", a.because);
}

/// docs/reference/response.md §3 VGPR needs no metastatic tumour: primary −90 % with a bone
/// site left is PR; primary −50.1 % with every metastasis gone is PR (the
/// 90 % is the primary's, not the bone sites').
#[test]
fn vgpr_needs_the_primary_at_90_percent_and_no_metastasis() {
    let a = run(&case(
        100.0,
        10.0,
        Uptake::Improved,
        4,
        1,
        20.0,
        0.0,
        NORMAL,
    ));
    assert_eq!(a.overall, R::PR, "{}", a.because);
    let a = run(&case(
        100.0,
        49.9,
        Uptake::Improved,
        4,
        0,
        20.0,
        0.0,
        NORMAL,
    ));
    assert_eq!(a.overall, R::PR, "{}", a.because);
}

/// A primary that is gone (< 10 mm, uptake resolved) meets the primary part
/// of PR even when that is not a > 50 % decrease (15 → 9 mm, −40 %); it is
/// not a measurable metastatic site.
#[test]
fn a_gone_primary_meets_pr_whatever_its_decrease() {
    let a = run(&case(15.0, 9.0, Uptake::Absent, 4, 1, 20.0, 0.0, NORMAL));
    assert_eq!(a.overall, R::PR, "{}", a.because);
}

/// docs/reference/response.md §3 PR needs every part: the primary −40 % (not > 50 %) with bone
/// −75 % and marrow cleared is MR.
#[test]
fn pr_needs_the_primary_decrease_too() {
    let a = run(&case(100.0, 60.0, Uptake::Stable, 4, 1, 20.0, 0.0, NORMAL));
    assert_eq!(a.overall, R::MR, "{}", a.because);
}

// ---------- marrow (†, ‡) ----------

/// Marrow samples with tumour: baseline `bp` positive, follow-up `fp` positive (of 4).
fn marrow_positive(n: usize) -> Option<Marrow> {
    let mut m = marrow(0.0).unwrap();
    for s in m.samples.iter_mut().take(n) {
        s.tumour = Infiltration::from_percent(10.0).unwrap();
    }
    Some(m)
}

/// † PR allows at most 1 positive marrow sample: 3 → 2 positive samples is
/// fewer, but not ≤ 1: MR.
#[test]
fn pr_allows_at_most_one_positive_marrow_sample() {
    let mut rec = case(100.0, 40.0, Uptake::Improved, 4, 1, 0.0, 0.0, NORMAL);
    rec.baseline.marrow = marrow_positive(3);
    rec.follow_ups[0].marrow = marrow_positive(2);
    assert_eq!(run(&rec).overall, R::MR);
    rec.follow_ups[0].marrow = marrow_positive(1);
    assert_eq!(run(&rec).overall, R::PR);
}

/// docs/reference/response.md §3 PD "a previously negative marrow positive": a negative marrow
/// that stays negative is no progression, and a negative marrow not
/// resampled is not missing data.
#[test]
fn a_negative_marrow_that_stays_negative_or_is_not_resampled() {
    let rec = case(100.0, 40.0, Uptake::Improved, 4, 1, 0.0, 0.0, NORMAL);
    assert_eq!(run(&rec).overall, R::PR);
    let mut rec = rec;
    rec.follow_ups[0].marrow = None;
    assert_eq!(run(&rec).overall, R::PR);
}

/// Soft tissue uninvolved at baseline need not be reassessed.
#[test]
fn uninvolved_soft_tissue_not_reassessed_is_not_missing() {
    let mut rec = case(100.0, 40.0, Uptake::Improved, 4, 1, 20.0, 0.0, NORMAL);
    rec.follow_ups[0].soft_tissue = None;
    assert_eq!(run(&rec).overall, R::PR);
}

// ---------- bone sites from MIBG segments ----------

/// When `positive_bone_sites` is not recorded, the warning about the
/// baseline is given once, with the first follow-up; each follow-up warns
/// about itself.
#[test]
fn bone_site_fallback_warns_about_the_baseline_once() {
    let mut rec = case(100.0, 40.0, Uptake::Improved, 0, 0, 20.0, 0.0, NORMAL);
    rec.baseline.positive_bone_sites = None;
    rec.baseline.bone = mibg(13); // segments 6, 6, 1: 3 sites
    let mut fu2 = rec.follow_ups[0].clone();
    fu2.date = fu_date(1);
    rec.follow_ups.push(fu2);
    for f in &mut rec.follow_ups {
        f.positive_bone_sites = None;
        f.bone = mibg(6); // 1 site: −67 %
    }
    let all = inrc1993::assess(&rec).unwrap();
    let w = |at: &str| {
        format!("{at}: positive_bone_sites not recorded; counted MIBG segments with a score > 0")
    };
    assert_eq!(
        all[0].warnings,
        vec![w("baseline 2024-01-01"), w("follow-up 2024-02-01")]
    );
    assert_eq!(all[1].warnings, vec![w("follow-up 2024-03-01")]);
    assert_eq!(
        all[1].lesions.last().unwrap().value,
        LesionValue::Count {
            baseline: 3,
            nadir: 3,
            current: 1
        }
    );
}

// ---------- traces of the other rows ----------

#[test]
fn traces_of_pd_ne_and_nr() {
    let a = run(&case(100.0, 125.1, Uptake::Stable, 4, 4, 20.0, 10.0, None));
    assert_eq!(
        a.because,
        "PD because primary 125.1 mm (+25.1 % vs baseline 100 mm) is > 25 % above its nadir 100 mm"
    );
    let mut rec = case(100.0, 40.0, Uptake::Improved, 4, 1, 20.0, 0.0, NORMAL);
    rec.follow_ups[0].marrow = None;
    assert_eq!(
        run(&rec).because,
        "NE because marrow not assessed at this follow-up"
    );
    let a = run(&case(100.0, 80.0, Uptake::Stable, 4, 3, 20.0, 10.0, None));
    assert_eq!(
        a.because,
        "NR because no lesion decreased > 50 % or the marrow prevents PR, no new lesions, no increase > 25 % (primary 80 mm (−20 % vs baseline 100 mm), positive bone sites 3 (−25 % vs baseline 4))"
    );
    let a = run(&case(100.0, 125.0, Uptake::Stable, 4, 4, 20.0, 10.0, None));
    assert_eq!(
        a.because,
        "NR because primary increased by exactly 25 % (neither PD nor < 25 %), no new lesions, no increase > 25 % (primary 125 mm (+25 % vs baseline 100 mm), positive bone sites 4 (+0 % vs baseline 4))"
    );
}

#[test]
fn category_names() {
    // docs/reference/response.md §1 table: the INRC 1993 overall categories.
    let names = [R::CR, R::VGPR, R::PR, R::MR, R::NR, R::PD, R::NE].map(|r| r.to_string());
    assert_eq!(names, ["CR", "VGPR", "PR", "MR", "NR", "PD", "NE"]);
}

// ---------- the > 50 % of the bone sites and the < 25 % of MR, off the tested points ----------

/// docs/reference/response.md §3 PR: "number of positive bone sites reduced
/// by > 50 %", with the primary −60 % and the marrow cleared. 6 → 3 sites is
/// exactly −50 %: not PR, MR (the primary fell > 50 %, the bone sites did
/// not). 6 → 2 (−66.7 %) and 2 → 0 (−100 %) are PR. (The 4 → 2 of the table
/// test cannot tell 2·c < b from 2 + c < b; these can.)
#[test]
fn bone_sites_must_fall_by_more_than_half_for_pr() {
    let at = |bs, fs| {
        run(&case(
            100.0,
            40.0,
            Uptake::Improved,
            bs,
            fs,
            20.0,
            0.0,
            NORMAL,
        ))
        .overall
    };
    assert_eq!(at(6, 3), R::MR);
    assert_eq!(at(6, 2), R::PR);
    assert_eq!(at(2, 0), R::PR);
}

/// docs/reference/response.md §3 MR: "> 50 % reduction of any measurable
/// lesion … with < 50 % reduction in any other; < 25 % increase in any
/// existing lesion". a: 30 → 10 mm (−66.7 %); b: 30 → 33 mm (+10 % over its
/// nadir 30 mm, below 25 %): MR. With b at 37.5 mm (+25 % exactly) the
/// increase is not "< 25 %": NR (module doc [I]).
#[test]
fn a_rise_below_25_percent_elsewhere_keeps_mr() {
    let with_b = |b: f64| {
        run(&soft_case(
            &[("a", 30.0), ("b", 30.0)],
            NonTarget::None,
            &[(&[("a", 10.0), ("b", b)], NonTarget::None, Uptake::Stable)],
        ))
    };
    let a = with_b(33.0);
    assert_eq!(a.overall, R::MR, "{}", a.because);
    let a = with_b(37.5);
    assert_eq!(
        (a.overall, a.because.as_str()),
        (
            R::NR,
            "NR because 'b' increased by exactly 25 % (neither PD nor < 25 %), no new lesions, no increase > 25 % ('a' 10 mm (−66.7 % vs baseline 30 mm), 'b' 37.5 mm (+25 % vs baseline 30 mm))"
        )
    );
}
