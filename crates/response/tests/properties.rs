//! Property tests of INRC 2017 (docs/reference/response.md §2): monotonicity (improving any
//! one follow-up input never worsens a component or the overall category),
//! new lesion ⇒ PD, and overall PD ⇔ some component PD.

mod common;
use common::*;
use mibg_response::inrc2017::{
    self, AllCrWithMarrowMd, Assessment2017, BaselineScoreZero, ComponentResponse as C,
    Inrc2017Options, MarrowMdFrom5To20, MarrowMdIntegration, NodeCr, OverallResponse2017 as O,
    PdIncrease, PrimaryPrUptake, RelativeScoreFloor, TracerPolicy,
};
use mibg_response::record::*;
use proptest::prelude::*;

/// Component rank for monotonicity: PD < SD ≤ MD(stable-equivalent) < PR ≤
/// MD(response-equivalent) < CR = NI. `None` for NE (skipped).
fn crank(r: C) -> Option<u8> {
    Some(match r {
        C::PD => 0,
        C::SD => 1,
        C::MD => 2,
        C::PR => 3,
        C::CR | C::NI => 4,
        C::NE => return None,
    })
}

fn orank(r: O) -> Option<u8> {
    (r != O::NE).then_some(r as u8)
}

const UPTAKES: [Uptake; 4] = [
    Uptake::Worse,
    Uptake::Stable,
    Uptake::Improved,
    Uptake::Absent,
];
const NONTARGETS: [NonTarget; 3] = [
    NonTarget::Increased,
    NonTarget::StableOrSmaller,
    NonTarget::Resolved,
];

/// Follow-up inputs, as indices/integers so that "improve" is well defined.
#[derive(Clone, Debug)]
struct Fu {
    primary_tenths: i64,
    primary_uptake: usize,
    target_tenths: Vec<i64>,
    non_target: usize,
    soft_uptake: usize,
    siopen: u32,
    marrow_pct: u32,
    new: [bool; 4],
}

#[derive(Clone, Debug)]
struct Case {
    primary: Option<i64>,
    targets: Vec<(bool, i64)>,
    has_non_target: bool,
    siopen: u32,
    marrow_pct: u32,
    fu: Fu,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::option::of(100i64..1200),
        prop::collection::vec((any::<bool>(), 100i64..600), 0..3),
        any::<bool>(),
        0u32..40,
        prop_oneof![Just(0u32), 0u32..60],
    )
        .prop_flat_map(|(primary, targets, has_non_target, siopen, marrow_pct)| {
            let n = targets.len();
            let fu = (
                0i64..1500,
                0usize..4,
                prop::collection::vec(0i64..800, n),
                0usize..3,
                0usize..4,
                0u32..50,
                prop_oneof![Just(0u32), 0u32..70],
                prop::array::uniform4(prop::bool::weighted(0.1)),
            )
                .prop_map(|(pt, pu, tt, nt, su, s, m, new)| Fu {
                    primary_tenths: pt,
                    primary_uptake: pu,
                    target_tenths: tt,
                    non_target: nt,
                    soft_uptake: su,
                    siopen: s,
                    marrow_pct: m,
                    new,
                });
            (
                Just(primary),
                Just(targets),
                Just(has_non_target),
                Just(siopen),
                Just(marrow_pct),
                fu,
            )
        })
        .prop_map(
            |(primary, targets, has_non_target, siopen, marrow_pct, fu)| Case {
                primary,
                targets,
                has_non_target,
                siopen,
                marrow_pct,
                fu,
            },
        )
}

fn mm(t: i64) -> f64 {
    t as f64 / 10.0
}

fn build(c: &Case) -> PatientRecord {
    let kind = |node: bool| {
        if node {
            LesionKind::Node
        } else {
            LesionKind::NonNodal
        }
    };
    let ids: Vec<String> = (0..c.targets.len()).map(|i| format!("t{i}")).collect();
    let mut base = clean(date(BASE));
    // Guarantee an involved component: primary if nothing else.
    let nothing = c.primary.is_none()
        && c.targets.is_empty()
        && !c.has_non_target
        && c.siopen == 0
        && c.marrow_pct == 0;
    let p = if nothing { Some(500) } else { c.primary };
    base.primary = p.map_or(Some(Primary::None), |t| primary(mm(t), Uptake::Present));
    let bt: Vec<(&str, LesionKind, f64)> = c
        .targets
        .iter()
        .zip(&ids)
        .map(|((n, t), id)| (id.as_str(), kind(*n), mm(*t)))
        .collect();
    base.soft_tissue = soft(
        &bt,
        if c.has_non_target {
            NonTarget::Present
        } else {
            NonTarget::None
        },
        Uptake::Present,
    );
    base.bone = mibg(c.siopen);
    base.marrow = marrow(f64::from(c.marrow_pct));
    let f = &c.fu;
    let mut fu = clean(fu_date(0));
    fu.primary = p.map_or(Some(Primary::None), |_| {
        primary(mm(f.primary_tenths), UPTAKES[f.primary_uptake])
    });
    let ft: Vec<(&str, LesionKind, f64)> = c
        .targets
        .iter()
        .zip(&ids)
        .zip(&f.target_tenths)
        .map(|(((n, _), id), t)| (id.as_str(), kind(*n), mm(*t)))
        .collect();
    let nt = if c.has_non_target {
        NONTARGETS[f.non_target]
    } else {
        NonTarget::None
    };
    fu.soft_tissue = soft(&ft, nt, UPTAKES[f.soft_uptake]);
    fu.bone = mibg(f.siopen);
    fu.marrow = marrow(f64::from(f.marrow_pct));
    fu.new_lesions = NewLesions {
        soft_tissue_avid: f.new[0],
        soft_tissue_biopsy_proven: f.new[1],
        mibg_avid_bone: f.new[2],
        fdg_avid_bone_corroborated: f.new[3],
        fdg_avid_bone_uncorroborated: false,
    };
    record(base, vec![fu])
}

/// All single-input improvements of a follow-up.
fn improvements(f: &Fu) -> Vec<Fu> {
    let mut v = Vec::new();
    let mut push = |g: &dyn Fn(&mut Fu)| {
        let mut x = f.clone();
        g(&mut x);
        v.push(x);
    };
    for k in [1, 10, 50, 300] {
        push(&|x| x.primary_tenths = (x.primary_tenths - k).max(0));
        push(&|x| x.siopen = x.siopen.saturating_sub(k as u32 / 10 + 1));
        push(&|x| x.marrow_pct = x.marrow_pct.saturating_sub(k as u32 / 10 + 1));
        for i in 0..f.target_tenths.len() {
            push(&|x| x.target_tenths[i] = (x.target_tenths[i] - k).max(0));
        }
    }
    push(&|x| x.primary_uptake = (x.primary_uptake + 1).min(3));
    push(&|x| x.soft_uptake = (x.soft_uptake + 1).min(3));
    push(&|x| x.non_target = (x.non_target + 1).min(2));
    for i in 0..4 {
        push(&|x| x.new[i] = false);
    }
    v
}

/// Every combination of the gap options (the properties must hold under each).
fn options() -> impl Strategy<Value = Inrc2017Options> {
    (0usize..3, any::<[bool; 8]>(), 0usize..3).prop_map(|(a, f, m)| Inrc2017Options {
        all_cr_with_marrow_md: [
            AllCrWithMarrowMd::Pr,
            AllCrWithMarrowMd::MarrowPolicy,
            AllCrWithMarrowMd::Unclassified,
        ][a],
        marrow_md_integration: [
            MarrowMdIntegration::ByBaseline,
            MarrowMdIntegration::AlwaysResponse,
            MarrowMdIntegration::PrRowAllowsMd,
        ][m],
        marrow_md_from_5_to_20: if f[1] {
            MarrowMdFrom5To20::Sd
        } else {
            MarrowMdFrom5To20::Md
        },
        baseline_score_zero: if f[2] {
            BaselineScoreZero::AnyScoreIsProgression
        } else {
            BaselineScoreZero::NotApplicable
        },
        primary_pr_uptake: if f[3] {
            PrimaryPrUptake::SizeOnly
        } else {
            PrimaryPrUptake::Literal
        },
        pd_increase: if f[4] {
            PdIncrease::MoreThan20
        } else {
            PdIncrease::AtLeast20
        },
        node_cr: if f[5] {
            NodeCr::Below15Mm
        } else {
            NodeCr::Below10Mm
        },
        relative_score_floor: if f[6] {
            RelativeScoreFloor::Literal
        } else {
            RelativeScoreFloor::Ignore
        },
        tracers: if f[7] {
            TracerPolicy::AllowMixed
        } else {
            TracerPolicy::SameTracerOnly
        },
        ..Inrc2017Options::default()
    })
}

fn eval(c: &Case, o: &Inrc2017Options) -> Assessment2017 {
    inrc2017::assess(&build(c), o).unwrap().pop().unwrap()
}

fn comps(a: &Assessment2017) -> [C; 3] {
    [a.primary.response, a.metastatic.response, a.marrow.response]
}

proptest! {
    // 128 cases in CI; a 20 000-case run (release) over all option combinations passed.
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Improving any one follow-up input never worsens a component or the overall category.
    #[test]
    fn improving_one_input_never_worsens(c in case(), o in options()) {
        let before = eval(&c, &o);
        for f in improvements(&c.fu) {
            let mut c2 = c.clone();
            c2.fu = f;
            let after = eval(&c2, &o);
            for (x, y) in comps(&before).into_iter().zip(comps(&after)) {
                if let (Some(a), Some(b)) = (crank(x), crank(y)) {
                    prop_assert!(b >= a, "component {x} → {y} after improving {:?} → {:?}", c.fu, c2.fu);
                }
            }
            if let (Some(a), Some(b)) = (orank(before.overall), orank(after.overall)) {
                prop_assert!(b >= a, "overall {} → {} after improving\n{:?}\n→ {:?}\n{}\n{}", before.overall, after.overall, c.fu, c2.fu, before.overall_because, after.overall_because);
            }
        }
    }

    /// Any PD-defining new lesion gives metastatic PD and overall PD.
    #[test]
    fn new_lesion_always_gives_pd(mut c in case(), k in 0usize..4, o in options()) {
        c.fu.new[k] = true;
        let a = eval(&c, &o);
        prop_assert_eq!(a.metastatic.response, C::PD);
        prop_assert_eq!(a.overall, O::PD);
    }

    /// Overall PD if and only if some component is PD.
    #[test]
    fn overall_pd_iff_component_pd(c in case(), o in options()) {
        let a = eval(&c, &o);
        prop_assert_eq!(a.overall == O::PD, comps(&a).contains(&C::PD));
    }
}
