//! The per-patient steps of the cohort act (`cohort::patient`) on edited
//! copies of the seed study (examples/seed-study): baseline involvement,
//! the response criteria the study names, a patient without a follow-up
//! assessment. Expected values read from the seed's assessment files.

mod common;
use common::seed;
use mibg_clinic::cohort::{PatientResult, StudyReport, report, validate};

fn patient<'a>(r: &'a StudyReport, id: &str) -> &'a PatientResult {
    r.patients.iter().find(|p| p.patient == id).unwrap()
}

/// The abstract of De Ioris et al., ESMO Open 2025;10(4):104541
/// (../shared/seed, reproduced by the seed study): "Twenty-three patients
/// presented a bone/bone marrow involvement, and 21 patients presented an
/// uptake at primary site or at soft-tissue sites."
#[test]
fn baseline_involvement_is_the_published_count() {
    let r = report(&seed()).unwrap();
    assert_eq!(r.cohort.n, 26);
    assert_eq!(r.cohort.bone_marrow_involved, 23);
    assert_eq!(r.cohort.soft_tissue_involved, 21);
    // SYN-06 (assessments/SYN-06.toml): no primary, no soft-tissue target,
    // SIOPEN skeletal score > 0 at baseline.
    let p = patient(&r, "SYN-06");
    assert!(!p.involvement.soft_tissue);
    assert!(p.involvement.bone_marrow);
    // SYN-01: a 95 mm primary present at baseline.
    assert!(patient(&r, "SYN-01").involvement.soft_tissue);
}

/// The same abstract: "The overall response rate was 48% [95% CI 28% to
/// 69%] with only one progression" (INRC 2017, the seed's criteria).
#[test]
fn the_criteria_the_study_names_are_used() {
    let r = report(&seed()).unwrap();
    let rr = &r.cohort.response_rate;
    assert_eq!((rr.x, rr.n), (12, 25));
    // As published, in whole percent (Clopper–Pearson, study.toml).
    let pct = |v: Option<f64>| v.unwrap().round();
    assert_eq!(
        (pct(rr.percent), pct(rr.lower_pct), pct(rr.upper_pct)),
        (48.0, 28.0, 69.0)
    );
    assert_eq!(r.cohort.best_response.get("PD"), Some(&1));
    // INRC 2017 has "SD" where INRC 1993 has "NR" (no response), and no
    // VGPR (docs/reference/response.md §2.7, §3).
    assert_eq!(patient(&r, "SYN-01").response.as_ref().unwrap().best, "SD");
    assert!(!r.cohort.best_response.contains_key("NR"));
    let mut s = seed();
    let t = s.files["study.toml"].clone();
    assert!(t.contains("criteria = \"inrc2017\""));
    s.insert(
        "study.toml",
        t.replacen("criteria = \"inrc2017\"", "criteria = \"inrc1993\"", 1),
    );
    let r = report(&s).unwrap();
    assert_eq!(patient(&r, "SYN-01").response.as_ref().unwrap().best, "NR");
    assert!(!r.cohort.best_response.contains_key("SD"));
}

#[test]
fn a_patient_without_a_follow_up_assessment_is_not_evaluable() {
    let mut s = seed();
    let f = "assessments/SYN-01.toml";
    let t = s.files[f].clone();
    let cut = t.find("[[follow_up]]").unwrap();
    s.insert(f, t[..cut].to_string());
    let r = report(&s).unwrap();
    let resp = patient(&r, "SYN-01").response.as_ref().unwrap();
    assert_eq!(resp.best, "NE");
    assert!(!resp.evaluable);
    assert!(resp.follow_ups.is_empty());
    // SYN-01 was SD: one fewer evaluable patient, the same responders.
    let rr = &r.cohort.response_rate;
    assert_eq!((rr.x, rr.n), (12, 24));
}

/// SYN-01's engraftment after its stem cells of 2017-02-08 (day 0), by
/// hand from labs.csv and transfusions.csv with the rules of
/// docs/reference/toxicity.md §8: neutrophils reach 0.5×10⁹/L on 02-19,
/// 02-20, 02-21 after the nadir of 02-13 (0.02): day +11; platelets are
/// ≥ 20×10⁹/L on three successive days without a platelet transfusion in
/// the 7 days before each only from 03-07 (21, 26, 36; the last
/// transfusion was on 02-26; 02-27 and 02-28 are within 7 days of it, and
/// 03-01 is 18): day +27.
#[test]
fn engraftment_days_by_hand() {
    let r = report(&seed()).unwrap();
    let e = &patient(&r, "SYN-01").engraftment;
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].neutrophil_day, Some(11));
    assert_eq!(e[0].platelet_day, Some(27));
}

/// The same abstract: "The 3-year overall survival was 55% (95% CI 33% to
/// 73%) and event-free survival was 42% (95% CI 23% to 60%)" (log-log
/// intervals, study.toml); the landmark of 3 years is 3 × 365.25 days.
#[test]
fn three_year_survival_is_the_published_figure() {
    let r = report(&seed()).unwrap();
    let at3 = |s: &mibg_clinic::cohort::SurvivalSummary| {
        let l = s.landmarks.iter().find(|l| l.years == 3.0).unwrap();
        assert_eq!(l.days, 1095.75);
        (
            l.percent.round(),
            l.lower_pct.unwrap().round(),
            l.upper_pct.unwrap().round(),
        )
    };
    assert_eq!(at3(&r.cohort.os), (55.0, 33.0, 73.0));
    assert_eq!(at3(&r.cohort.efs), (42.0, 23.0, 60.0));
    // What each endpoint is, in words, from study.toml.
    assert_eq!(
        r.cohort.os.definition,
        "OS: from the first 131I-mIBG infusion to the first of death; censored at the last contact"
    );
    assert_eq!(
        r.cohort.efs.definition,
        "EFS: from the first 131I-mIBG infusion to the first of progression, relapse, second_malignancy, death; censored at the last contact"
    );
}

/// Every number of a landmark is the statistics crate's Kaplan–Meier
/// estimate at 3 × 365.25 days of the patients' own OS times, in percent
/// (the conversion is the cohort step's only arithmetic).
#[test]
fn landmarks_are_the_kaplan_meier_estimate_in_percent() {
    use mibg_stats::conf::ConfLevel;
    use mibg_stats::km::{ConfType, KaplanMeier, KmOptions};
    use mibg_stats::time::SurvTime;
    let r = report(&seed()).unwrap();
    let os: Vec<_> = r.patients.iter().filter_map(|p| p.os.clone()).collect();
    let t: Vec<SurvTime> = os
        .iter()
        .map(|s| SurvTime::new(s.days as f64).unwrap())
        .collect();
    let e: Vec<bool> = os.iter().map(|s| s.event).collect();
    let km = KaplanMeier::fit(
        &t,
        &e,
        KmOptions {
            conf_type: ConfType::LogLog,
            conf_level: ConfLevel::new(0.95).unwrap(),
        },
    )
    .unwrap();
    let want = km.landmark(SurvTime::new(1095.75).unwrap());
    let got = r
        .cohort
        .os
        .landmarks
        .iter()
        .find(|l| l.years == 3.0)
        .unwrap();
    let close = |a: f64, b: f64| assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} {b}");
    close(got.percent, want.surv * 100.0);
    close(got.lower_pct.unwrap(), want.lower.unwrap() * 100.0);
    close(got.upper_pct.unwrap(), want.upper.unwrap() * 100.0);
    close(got.std_err_pct.unwrap(), want.std_err.unwrap() * 100.0);
    assert_eq!(got.n_risk, want.n_risk);
    // The summary's counts and median (days), and the plotted curve: one
    // point per observed time, the censored ones marked, the numbers at
    // risk at each whole year up to the last time.
    let s = &r.cohort.os;
    assert_eq!((s.n, s.n_events), (km.n(), km.n_events()));
    let m = km.median();
    assert_eq!(s.median.days, m.estimate.ok().map(|t| t.value()));
    assert_eq!(s.median.lower_days, m.lower.ok().map(|t| t.value()));
    assert_eq!(s.median.upper_days, m.upper.ok().map(|t| t.value()));
    let c = &r.curves.os;
    let rows = km.rows();
    assert_eq!(
        c.days,
        rows.iter().map(|r| r.time.value()).collect::<Vec<_>>()
    );
    assert_eq!(c.surv, rows.iter().map(|r| r.surv).collect::<Vec<_>>());
    assert_eq!(
        c.lower,
        rows.iter().map(|r| r.lower.ok()).collect::<Vec<_>>()
    );
    assert_eq!(
        c.upper,
        rows.iter().map(|r| r.upper.ok()).collect::<Vec<_>>()
    );
    let censored: Vec<(f64, f64)> = rows
        .iter()
        .filter(|r| r.n_censor > 0)
        .map(|r| (r.time.value(), r.surv))
        .collect();
    assert!(!censored.is_empty() && censored.len() < rows.len());
    assert_eq!(c.censored, censored);
    let last = km.last_time().value();
    let years = (last / 365.25).floor() as usize + 1;
    assert_eq!(c.at_risk.len(), years);
    for (y, (yy, n)) in c.at_risk.iter().enumerate() {
        assert_eq!(*yy, y as f64);
        let l = km.landmark(SurvTime::new(y as f64 * 365.25).unwrap());
        assert_eq!(*n, l.n_risk, "year {y}");
    }
    // At year 0 every patient is at risk.
    assert_eq!(c.at_risk[0], (0.0, 26));
}

/// The same abstract: "52% (95% CI 32% to 73%) of patients achieved/
/// maintained a SIOPEN skeletal score <7 and a soft-tissue lesion <5 cm was
/// seen in 67% (95% CI 43% to 91%)" (Wald intervals, study.toml).
#[test]
fn siopen_and_soft_tissue_endpoints_are_the_published_figures() {
    let r = report(&seed()).unwrap();
    let pct = |e: &mibg_clinic::cohort::Estimate| {
        (
            e.percent.unwrap().round(),
            e.lower_pct.unwrap().round(),
            e.upper_pct.unwrap().round(),
        )
    };
    assert_eq!(pct(&r.cohort.siopen_endpoint), (52.0, 32.0, 73.0));
    assert_eq!(pct(&r.cohort.soft_tissue_endpoint), (67.0, 43.0, 91.0));
}

/// The best-response table counts every patient once: those with an
/// assessment file by their best response, those without one as NE.
#[test]
fn the_best_response_table_counts_every_patient_once() {
    let r = report(&seed()).unwrap();
    let mut by_patient = std::collections::BTreeMap::<String, usize>::new();
    for p in &r.patients {
        *by_patient
            .entry(p.response.as_ref().unwrap().best.clone())
            .or_default() += 1;
    }
    assert_eq!(r.cohort.best_response, by_patient);
    assert_eq!(r.cohort.best_response.values().sum::<usize>(), 26);
    let ne = r.cohort.best_response.get("NE").copied().unwrap_or(0);
    let sd = r.cohort.best_response["SD"];
    // SYN-01 (SD) without its assessment file: NE, not missing.
    let mut s = seed();
    s.files.remove("assessments/SYN-01.toml");
    let r = report(&s).unwrap();
    assert!(patient(&r, "SYN-01").response.is_none());
    assert_eq!(r.cohort.best_response.get("NE"), Some(&(ne + 1)));
    assert_eq!(r.cohort.best_response["SD"], sd - 1);
    assert_eq!(r.cohort.best_response.values().sum::<usize>(), 26);
}

/// The same abstract: "The median SIOPEN skeletal score was 10 (range
/// 1-70)" at baseline (patients with bone disease: score > 0); "after
/// treatment the median SIOPEN skeletal score was 6 (range 0-70) with a
/// median reduction of 35%".
#[test]
fn siopen_scores_are_the_published_medians_and_ranges() {
    let r = report(&seed()).unwrap();
    let mr = |d: &mibg_clinic::cohort::Descriptive| {
        let s = &d.summary;
        (s.median.unwrap(), s.min.unwrap(), s.max.unwrap())
    };
    assert_eq!(mr(&r.cohort.siopen_before), (10.0, 1.0, 70.0));
    assert_eq!(r.cohort.siopen_before.summary.n, 23);
    assert_eq!(mr(&r.cohort.siopen_after), (6.0, 0.0, 70.0));
    // The median reduction as published (the seed does not reproduce the
    // range: its one progression has a negative reduction).
    let m = r.cohort.siopen_reduction_pct.summary.median.unwrap();
    assert_eq!(m.round(), 35.0);
    // "Twenty-six patients with a median age of 5.9 years (range 2.5-17.2
    // years)".
    let round1 = |v: f64| (v * 10.0).round() / 10.0;
    let (m, lo, hi) = mr(&r.cohort.age_years);
    assert_eq!((round1(m), round1(lo), round1(hi)), (5.9, 2.5, 17.2));
}

/// The same abstract: "no toxic deaths"; "Hypothyroidism was reported in
/// 6 patients of the 14 alive patients"; "65% of patients underwent
/// GD2-targeting chimeric antigen receptor (CAR)-T-cell therapy and 50%,
/// high-dose chemotherapy with busulfan and melphalan". The sexes counted
/// from patients.csv (15 M, 11 F, with Python's csv module).
#[test]
fn later_therapies_thyroid_and_sexes_are_the_published_counts() {
    let r = report(&seed()).unwrap();
    let c = &r.cohort;
    assert_eq!((c.male, c.female), (15, 11));
    assert_eq!(c.toxic_deaths, 0);
    assert_eq!((c.hypothyroidism.x, c.hypothyroidism.n), (6, 14));
    let t: Vec<(&str, f64)> = c
        .therapies
        .iter()
        .map(|e| (e.name.as_str(), e.percent.unwrap().round()))
        .collect();
    assert!(
        t.contains(&("Proceeded to GD2-CAR-T cells (gd2_car_t)", 65.0)),
        "{t:?}"
    );
    assert!(
        t.contains(&("Proceeded to busulfan–melphalan (busulfan_melphalan)", 50.0)),
        "{t:?}"
    );
}

/// A follow-up assessment that leaves an involved component unassessed
/// (SYN-01's bone disease at baseline, no MIBG scan at its follow-up) is
/// NE overall (docs/reference/response.md §2.7): the patient has a
/// follow-up yet is not evaluable, and stays out of the response rate.
#[test]
fn a_follow_up_without_the_involved_component_is_not_evaluable() {
    let mut s = seed();
    let f = "assessments/SYN-01.toml";
    let t = s.files[f].clone();
    let start = t.find("[follow_up.mibg]").unwrap();
    let end = t[start..].find("[[follow_up.marrow]]").unwrap() + start;
    s.insert(f, format!("{}{}", &t[..start], &t[end..]));
    let r = report(&s).unwrap();
    let resp = patient(&r, "SYN-01").response.as_ref().unwrap();
    assert_eq!(resp.follow_ups.len(), 1);
    assert_eq!(resp.best, "NE");
    assert!(!resp.evaluable);
    let rr = &r.cohort.response_rate;
    assert_eq!((rr.x, rr.n), (12, 24));
}

/// The Cox covariates of each patient (`cohort::cox::covariate`) are the
/// report's own per-patient values: the indicators sum to the published
/// counts (23 bone/marrow, 21 soft tissue) and to patients.csv's 15 males.
#[test]
fn cox_covariates_are_the_patients_values() {
    use mibg_clinic::cohort::cox::covariate;
    use mibg_study::config::CoxCovariate as C;
    let r = report(&seed()).unwrap();
    let sum = |c: C| -> f64 { r.patients.iter().map(|p| covariate(p, c).unwrap()).sum() };
    assert_eq!(sum(C::BoneMarrowInvolved), 23.0);
    assert_eq!(sum(C::SoftTissueInvolved), 21.0);
    assert_eq!(sum(C::Male), 15.0);
    for p in &r.patients {
        assert_eq!(covariate(p, C::AgeYears), Some(p.age_years));
        assert_eq!(
            covariate(p, C::Dose1Gy),
            p.dosimetry.as_ref().map(|d| d.dose1_gy.gy())
        );
        assert_eq!(
            covariate(p, C::DeliveredTotalGy),
            p.dosimetry
                .as_ref()
                .and_then(|d| d.delivered_total_gy)
                .map(|g| g.gy())
        );
        assert_eq!(
            covariate(p, C::SiopenBefore),
            p.response
                .as_ref()
                .and_then(|x| x.siopen_before)
                .map(f64::from)
        );
    }
}

/// The strata of the Cox models (`cohort::cox::stratum`): each patient's
/// level, counted as in patients.csv (15 M, 11 F; 22 Rome, 4 Milan, with
/// Python's csv module) and the published involvement (23 and 21 "yes").
#[test]
fn cox_strata_are_the_patients_levels() {
    use mibg_clinic::cohort::cox::stratum;
    use mibg_study::config::CoxStratum as S;
    let r = report(&seed()).unwrap();
    let count = |s: S, level: &str| r.patients.iter().filter(|p| stratum(p, s) == level).count();
    assert_eq!((count(S::Sex, "M"), count(S::Sex, "F")), (15, 11));
    assert_eq!(
        (count(S::Centre, "Rome"), count(S::Centre, "Milan")),
        (22, 4)
    );
    assert_eq!(count(S::BoneMarrowInvolved, "yes"), 23);
    assert_eq!(count(S::BoneMarrowInvolved, "no"), 3);
    assert_eq!(count(S::SoftTissueInvolved, "yes"), 21);
    assert_eq!(count(S::SoftTissueInvolved, "no"), 5);
}

/// Each declared Cox model counts the patients with a time for its
/// endpoint (all 26 of the seed have EFS and OS), leaves out those missing
/// a covariate by name, and fits the rest.
#[test]
fn cox_models_count_their_patients() {
    let r = report(&seed()).unwrap();
    assert_eq!(r.cohort.cox.len(), 2);
    for m in &r.cohort.cox {
        assert_eq!(m.n_with_endpoint, 26, "{}", m.name);
        let fit = m.fit.as_ref().unwrap();
        assert_eq!(fit.n, 26 - m.excluded.len(), "{}", m.name);
    }
}

/// A model's ties method and the study's confidence level reach its fit.
#[test]
fn cox_models_take_their_ties_and_the_study_level() {
    use mibg_stats::cox::Ties;
    let mut s = seed();
    let t = s.files["study.toml"].clone();
    let t = t.replacen(
        "covariates = [\"age_years\", \"siopen_before\"]",
        "covariates = [\"age_years\", \"siopen_before\"]\nties = \"breslow\"",
        1,
    );
    let t = t.replacen("conf_level = 0.95", "conf_level = 0.90", 1);
    s.insert("study.toml", t);
    let r = report(&s).unwrap();
    let f0 = r.cohort.cox[0].fit.as_ref().unwrap();
    let f1 = r.cohort.cox[1].fit.as_ref().unwrap();
    assert_eq!((f0.ties, f1.ties), (Ties::Breslow, Ties::Efron));
    assert_eq!((f0.conf_level, f1.conf_level), (0.90, 0.90));
}

/// The patient flow balances at every stage, as CONSORT 2010 asks (Schulz
/// et al., BMJ 2010;340:c332, item 13a): the population plus everyone
/// left out, reason by reason, is every enrolled patient; a reason that
/// leaves nobody out is not listed.
#[test]
fn the_patient_flow_balances_at_every_stage() {
    for s in [seed(), {
        // And with a patient without an assessment file.
        let mut s = seed();
        s.files.remove("assessments/SYN-01.toml");
        s
    }] {
        let r = report(&s).unwrap();
        let f = mibg_clinic::cohort::flow::patient_flow(&r);
        assert_eq!(f.enrolled, 26);
        assert_eq!(f.stages.len(), 6);
        for st in &f.stages {
            let out: usize = st.excluded.iter().map(|(_, k)| k).sum();
            assert_eq!(st.n + out, 26, "{}: {:?}", st.label, st.excluded);
            assert!(st.excluded.iter().all(|(_, k)| *k > 0), "{:?}", st.excluded);
        }
        assert_eq!(f.stages[1].n as u64, r.cohort.response_rate.n);
        assert_eq!(f.stages[2].n as u64, r.cohort.siopen_endpoint.n);
        assert_eq!(f.stages[3].n as u64, r.cohort.soft_tissue_endpoint.n);
    }
}

/// A Cox model's complete cases: a warning names the patients left out for
/// a missing covariate, and there is none when nobody is left out.
#[test]
fn cox_models_warn_only_when_a_patient_is_left_out() {
    let r = report(&seed()).unwrap();
    for m in &r.cohort.cox {
        let warned = r.warnings.iter().any(|w| {
            w.contains(&format!("Cox model '{}'", m.name))
                && w.contains("left out for a missing covariate")
        });
        assert_eq!(
            warned,
            !m.excluded.is_empty(),
            "{}: {:?}",
            m.name,
            m.excluded
        );
    }
    // The age-only model leaves nobody out; the SIOPEN model leaves out the
    // patients without a baseline score.
    assert!(r.cohort.cox[1].excluded.is_empty());
}

/// The seed's `thyroid.csv` without the rows of `id` dated after `after`
/// (ISO dates compare as text).
fn drop_thyroid_rows_after(s: &mut mibg_study::StudyInput, id: &str, after: &str) {
    let text = s.files["thyroid.csv"].clone();
    let prefix = format!("{id},");
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !(l.starts_with(&prefix) && l[prefix.len()..].split(',').next() > Some(after)))
        .collect();
    assert!(
        kept.len() < text.lines().count(),
        "{id} has rows after {after}"
    );
    s.insert("thyroid.csv", kept.join("\n") + "\n");
}

/// A patient alive at the last contact with hypothyroidism in `events.csv`
/// but no thyroid assessment after the first infusion is warned about (the
/// diagnosis counts as the assessment, so the patient stays in the
/// denominator); a patient without hypothyroidism and without such an
/// assessment is not, and leaves the denominator. SYN-26 (alive,
/// hypothyroidism grade 2 on 2023-10-29, first infusion 2023-02-10) and
/// SYN-13 (alive, no hypothyroidism, first infusion 2020-09-01) keep only
/// their baseline row: of the
/// published 6 of 14, SYN-13 leaves the 14 (6 of 13, by hand).
#[test]
fn hypothyroidism_without_a_thyroid_assessment_is_warned_about_and_counted() {
    let mut s = seed();
    drop_thyroid_rows_after(&mut s, "SYN-26", "2023-02-10");
    let r = report(&s).unwrap();
    let thyroid = |r: &StudyReport| -> Vec<String> {
        r.warnings
            .iter()
            .filter(|w| w.contains("thyroid"))
            .cloned()
            .collect()
    };
    assert_eq!(
        thyroid(&r),
        [
            "thyroid.csv: patient 'SYN-26' has Hypothyroidism in events.csv but no thyroid assessment after the first infusion in thyroid.csv; the diagnosis is counted as the assessment (hypothyroidism denominator)"
        ]
    );
    assert_eq!(
        (r.cohort.hypothyroidism.x, r.cohort.hypothyroidism.n),
        (6, 14)
    );
    drop_thyroid_rows_after(&mut s, "SYN-13", "2020-09-01");
    let r = report(&s).unwrap();
    assert_eq!(thyroid(&r).len(), 1, "{:?}", thyroid(&r));
    assert_eq!(
        (r.cohort.hypothyroidism.x, r.cohort.hypothyroidism.n),
        (6, 13)
    );
    // The seed itself: every alive patient has an assessment after the
    // first infusion, so no warning.
    assert!(thyroid(&report(&seed()).unwrap()).is_empty());
}

/// A response the criteria cannot assess is the patient's error, at the
/// assessment file: INRC 2017 (Park et al., J Clin Oncol 2017) requires
/// evaluable disease at entry, so SYN-22 without its 30 mm primary (its
/// only involved site) and with a follow-up assessment is refused.
#[test]
fn a_response_the_criteria_refuse_is_an_error_at_its_assessment_file() {
    let mut s = seed();
    let file = "assessments/SYN-22.toml";
    let nothing = |table: &str| {
        let mut t = format!(
            "[{table}.soft_tissue]\nnon_target = \"none\"\nuptake = \"absent\"\ntargets = []\n\n\
             [{table}.mibg]\nmethod = \"siopen\"\ntracer = \"123I\"\n[{table}.mibg.segments]\n"
        );
        for seg in mibg_response::score::SIOPEN_SEGMENTS {
            t.push_str(&format!("{seg} = 0\n"));
        }
        for (kind, side) in [
            ("aspirate", "left"),
            ("aspirate", "right"),
            ("trephine", "left"),
            ("trephine", "right"),
        ] {
            t.push_str(&format!(
                "[[{table}.marrow]]\nkind = \"{kind}\"\nside = \"{side}\"\ntumour_pct = 0\n"
            ));
        }
        t
    };
    let text = format!(
        "patient = \"SYN-22\"\n\n[baseline]\ndate = \"2022-10-07\"\nprimary = {{ status = \"none\" }}\n\n{}\n\
         [[follow_up]]\ndate = \"2022-12-20\"\nprimary = {{ status = \"none\" }}\n\n\
         [follow_up.new_lesions]\nmibg_avid_bone = false\n\n{}",
        nothing("baseline"),
        nothing("follow_up")
    );
    s.insert(file, text);
    let errors = validate(&s).problems.errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, file);
    assert_eq!(errors[0].kind, mibg_study::ProblemKind::Domain);
    assert!(
        errors[0]
            .message
            .contains("no component involved at baseline: evaluable disease is required at entry"),
        "{}",
        errors[0].message
    );
    assert!(report(&s).is_err());
}
