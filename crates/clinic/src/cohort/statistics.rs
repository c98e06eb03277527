//! The cohort statistics of the report, from the per-patient results:
//! counts, descriptive summaries, every proportion with its numerator,
//! denominator rule and CI method, Kaplan–Meier landmarks and medians,
//! median follow-up. Every estimator is the statistics crate's; this module
//! chooses the denominators (documented on each estimate) and counts.

use super::types::{
    Cohort, Curve, Curves, Descriptive, Estimate, LandmarkOut, MedianOut, PatientDose,
    PatientEngraftment, PatientResponse, PatientResult, SurvivalSummary, SurvivalTime, ToxicityRow,
};
use mibg_response::series::CutoffStatus;
use mibg_stats::conf::ConfLevel;
use mibg_stats::descriptive::summarize;
use mibg_stats::km::{EventCounts, KaplanMeier, KmOptions};
use mibg_stats::proportion::{confint, doubt};
use mibg_stats::time::SurvTime;
use mibg_study::config::{
    Analysis, DAYS_PER_YEAR, EndpointDef, Origin, ProportionCi, SoftTissueDenominator,
};
use mibg_study::model::Sex;
use std::collections::BTreeMap;

/// The denominator rule of the hypothyroidism rate: survivors with a
/// thyroid assessment after the first infusion (`thyroid.csv`;
/// docs/reference/toxicity.md §9, "survivors with thyroid follow-up", as
/// De Ioris et al., ESMO Open 2025;10(4):104541 report 6 of 14); a folder
/// without `thyroid.csv` falls back to every survivor, and says so.
pub fn hypothyroidism_denominator(thyroid_recorded: bool) -> &'static str {
    if thyroid_recorded {
        "patients alive at the last contact with a thyroid assessment after the first infusion (thyroid.csv)"
    } else {
        "patients alive at the last contact (no thyroid.csv: thyroid follow-up not recorded, every survivor counted)"
    }
}

fn estimate(
    name: &str,
    rule: &str,
    x: usize,
    n: usize,
    method: ProportionCi,
    level: ConfLevel,
) -> Estimate {
    let ci = confint(x as u64, n as u64, method, level).ok();
    Estimate {
        name: name.into(),
        denominator_rule: rule.into(),
        x: x as u64,
        n: n as u64,
        percent: ci.map(|c| c.estimate * 100.0),
        lower_pct: ci.map(|c| c.lower * 100.0),
        upper_pct: ci.map(|c| c.upper * 100.0),
        method,
        conf_level: level.value(),
        warnings: ci
            .as_ref()
            .and_then(doubt)
            .map(|d| vec![format!("{name}: {}", d.message)])
            .unwrap_or_default(),
    }
}

fn describe(name: &str, population: &str, values: &[Option<f64>]) -> Descriptive {
    Descriptive {
        name: name.into(),
        population: population.into(),
        summary: summarize(values).expect("finite values"),
    }
}

fn def_text(name: &str, def: &EndpointDef) -> String {
    let origin = match def.origin {
        Origin::FirstInfusion => "the first 131I-mIBG infusion",
        Origin::SecondInfusion => "the second 131I-mIBG infusion",
        Origin::Enrolment => "enrolment",
    };
    let ev: Vec<&str> = def.events.iter().map(|e| e.as_str()).collect();
    format!(
        "{name}: from {origin} to the first of {}; censored at the last contact",
        ev.join(", ")
    )
}

fn survival(
    name: &str,
    def: &EndpointDef,
    times: &[&SurvivalTime],
    cfg: &Analysis,
    level: ConfLevel,
) -> (SurvivalSummary, Curve, Option<KaplanMeier>) {
    let t: Vec<SurvTime> = times
        .iter()
        .map(|s| SurvTime::new(s.days as f64).expect("validated: not before origin"))
        .collect();
    let e: Vec<bool> = times.iter().map(|s| s.event).collect();
    let opts = KmOptions {
        conf_type: cfg.ci.survival,
        conf_level: level,
    };
    let method = format!(
        "Kaplan–Meier, Greenwood variance, {} {:.0} % CI",
        cfg.ci.survival.name(),
        level.value() * 100.0
    );
    let Ok(km) = KaplanMeier::fit(&t, &e, opts) else {
        return (
            SurvivalSummary {
                name: name.into(),
                definition: def_text(name, def),
                n: 0,
                n_events: 0,
                method,
                landmarks: Vec::new(),
                median: MedianOut {
                    days: None,
                    lower_days: None,
                    upper_days: None,
                    method: "no patients".into(),
                },
            },
            Curve::default(),
            None,
        );
    };
    let landmarks = cfg
        .landmark_years
        .iter()
        .map(|&y| {
            let days = y * DAYS_PER_YEAR;
            let l = km.landmark(SurvTime::new(days).expect("positive landmark"));
            LandmarkOut {
                years: y,
                days,
                percent: l.surv * 100.0,
                lower_pct: l.lower.ok().map(|v| v * 100.0),
                upper_pct: l.upper.ok().map(|v| v * 100.0),
                std_err_pct: l.std_err.ok().map(|v| v * 100.0),
                n_risk: l.n_risk,
                beyond_last_time: l.beyond_last_time,
            }
        })
        .collect();
    let m = km.median();
    let median = MedianOut {
        days: m.estimate.ok().map(SurvTime::value),
        lower_days: m.lower.ok().map(SurvTime::value),
        upper_days: m.upper.ok().map(SurvTime::value),
        method: "R/SAS midpoint rule, CI by inverting the pointwise band".into(),
    };
    let mut curve = Curve::default();
    let last = km.last_time().value();
    for r in km.rows() {
        curve.days.push(r.time.value());
        curve.surv.push(r.surv);
        curve.lower.push(r.lower.ok());
        curve.upper.push(r.upper.ok());
        if r.n_censor > 0 {
            curve.censored.push((r.time.value(), r.surv));
        }
    }
    let mut y = 0.0;
    while y * DAYS_PER_YEAR <= last {
        let l = km.landmark(SurvTime::new(y * DAYS_PER_YEAR).expect("≥ 0"));
        curve.at_risk.push((y, l.n_risk));
        y += 1.0;
    }
    (
        SurvivalSummary {
            name: name.into(),
            definition: def_text(name, def),
            n: km.n(),
            n_events: km.n_events(),
            method,
            landmarks,
            median,
        },
        curve,
        Some(km),
    )
}

/// The cohort table and the Kaplan–Meier curves from every patient's
/// result, with the options of `study.toml` (`cfg`, already checked), the
/// toxicity crate's worst-grade table and the number of toxic deaths.
pub fn cohort(
    patients: &[PatientResult],
    cfg: &Analysis,
    toxicity: Vec<ToxicityRow>,
    toxic_deaths: usize,
) -> (Cohort, Curves) {
    let level = ConfLevel::new(cfg.conf_level).expect("checked: conf_level in range");
    let n = patients.len();
    let resp: Vec<&PatientResponse> = patients
        .iter()
        .filter_map(|r| r.response.as_ref())
        .collect();
    let mut best_response: BTreeMap<String, usize> = BTreeMap::new();
    for r in &resp {
        *best_response.entry(r.best.clone()).or_default() += 1;
    }
    let missing_files = n - resp.len();
    if missing_files > 0 {
        *best_response.entry("NE".into()).or_default() += missing_files;
    }
    let objective: &[&str] = if cfg.response.count_minor_response {
        &["CR", "PR", "MR", "VGPR"]
    } else {
        &["CR", "PR", "VGPR"]
    };
    let evaluable: Vec<&&PatientResponse> = resp.iter().filter(|r| r.evaluable).collect();
    let responders = evaluable
        .iter()
        .filter(|r| objective.contains(&r.best.as_str()))
        .count();
    let orr_name = if cfg.response.count_minor_response {
        "Overall response rate (CR + PR + MR)"
    } else {
        "Overall response rate (CR + PR)"
    };
    let response_rate = estimate(
        orr_name,
        "patients evaluable for response (at least one evaluable follow-up assessment)",
        responders,
        evaluable.len(),
        cfg.ci.response_rate,
        level,
    );
    let siopen_in: Vec<&&PatientResponse> = resp
        .iter()
        .filter(|r| {
            matches!(
                r.siopen_below,
                CutoffStatus::Achieved | CutoffStatus::Maintained | CutoffStatus::NotAchieved
            )
        })
        .collect();
    let siopen_endpoint = estimate(
        &format!(
            "SIOPEN skeletal score < {} achieved or maintained",
            cfg.response.siopen_threshold
        ),
        "patients with a baseline SIOPEN score > 0 and a score after treatment",
        siopen_in
            .iter()
            .filter(|r| r.siopen_below.is_below())
            .count(),
        siopen_in.len(),
        cfg.ci.siopen_endpoint,
        level,
    );
    let soft_in: Vec<&&PatientResponse> = resp
        .iter()
        .filter(|r| {
            matches!(
                r.soft_tissue_below,
                CutoffStatus::Achieved | CutoffStatus::Maintained | CutoffStatus::NotAchieved
            )
        })
        .collect();
    let soft_rule = match cfg.response.soft_tissue_denominator {
        SoftTissueDenominator::BaselineAtOrAboveThreshold => format!(
            "patients whose largest soft-tissue lesion{} measured ≥ {} mm at baseline, measured after treatment",
            if cfg.response.soft_tissue_includes_primary {
                " (primary included)"
            } else {
                ""
            },
            cfg.response.soft_tissue_threshold_mm
        ),
        SoftTissueDenominator::SoftTissueAtBaseline => {
            "patients with measurable soft-tissue disease at baseline, measured after treatment"
                .into()
        }
    };
    let soft_tissue_endpoint = estimate(
        &format!(
            "Largest soft-tissue lesion < {} mm after treatment",
            cfg.response.soft_tissue_threshold_mm
        ),
        &soft_rule,
        soft_in
            .iter()
            .filter(|r| r.soft_tissue_below.is_below())
            .count(),
        soft_in.len(),
        cfg.ci.soft_tissue_endpoint,
        level,
    );
    let bone_pts: Vec<&PatientResponse> = resp
        .iter()
        .copied()
        .filter(|r| r.siopen_before.is_some_and(|b| b > 0))
        .collect();
    let siopen_before = describe(
        "SIOPEN skeletal score at baseline",
        "patients with a baseline score > 0",
        &bone_pts
            .iter()
            .map(|r| r.siopen_before.map(f64::from))
            .collect::<Vec<_>>(),
    );
    let siopen_after = describe(
        "SIOPEN skeletal score after treatment",
        "patients with a baseline score > 0",
        &bone_pts
            .iter()
            .map(|r| r.siopen_after.map(f64::from))
            .collect::<Vec<_>>(),
    );
    let siopen_reduction_pct = describe(
        "SIOPEN reduction (%)",
        "patients with a baseline score > 0",
        &bone_pts
            .iter()
            .map(|r| r.siopen_reduction_pct)
            .collect::<Vec<_>>(),
    );
    let doses: Vec<&PatientDose> = patients
        .iter()
        .filter_map(|r| r.dosimetry.as_ref())
        .collect();
    let dosimetry = vec![
        describe(
            "D1, whole-body dose of infusion 1 (Gy)",
            "patients with infusion-1 readings",
            &doses
                .iter()
                .map(|d| Some(d.dose1_gy.gy()))
                .collect::<Vec<_>>(),
        ),
        describe(
            "A2 prescribed (MBq)",
            "patients with infusion-1 readings",
            &doses
                .iter()
                .map(|d| Some(d.a2_prescribed_mbq.mbq()))
                .collect::<Vec<_>>(),
        ),
        describe(
            "Delivered total whole-body dose (Gy)",
            "patients with readings after every infusion",
            &doses
                .iter()
                .map(|d| d.delivered_total_gy.map(|x| x.gy()))
                .collect::<Vec<_>>(),
        ),
    ];
    // The denominator: survivors with thyroid follow-up
    // (docs/reference/toxicity.md §9); without thyroid.csv, every survivor.
    let survivors: Vec<&PatientResult> = patients
        .iter()
        .filter(|r| r.alive && r.thyroid_assessed != Some(false))
        .collect();
    let recorded = patients.iter().any(|r| r.thyroid_assessed.is_some());
    let hypothyroidism = estimate(
        &format!(
            "{} (grade ≥ {}) at any time after the first infusion",
            cfg.toxicity.hypothyroidism_term, cfg.toxicity.hypothyroidism_min_grade
        ),
        hypothyroidism_denominator(recorded),
        survivors.iter().filter(|r| r.hypothyroidism).count(),
        survivors.len(),
        cfg.ci.hypothyroidism,
        level,
    );
    let first_episode = |f: fn(&PatientEngraftment) -> Option<i64>| -> Vec<Option<f64>> {
        patients
            .iter()
            .filter_map(|r| r.engraftment.first())
            .map(|e| f(e).map(|d| d as f64))
            .collect()
    };
    let engraftment = vec![
        describe(
            "Neutrophil recovery, days after stem cells",
            "first stem-cell infusion; missing = not recovered (censored)",
            &first_episode(|e| e.neutrophil_day),
        ),
        describe(
            "Platelet recovery, days after stem cells",
            "first stem-cell infusion; missing = not recovered or not applicable",
            &first_episode(|e| e.platelet_day),
        ),
    ];
    let mut codes: Vec<String> = patients
        .iter()
        .flat_map(|r| r.therapies.iter().cloned())
        .collect();
    codes.sort();
    codes.dedup();
    let therapies = codes
        .iter()
        .map(|c| {
            let x = patients.iter().filter(|r| r.therapies.contains(c)).count();
            estimate(
                &format!("Proceeded to {}", therapy_label(c)),
                "all patients",
                x,
                n,
                cfg.ci.subsequent_therapy,
                level,
            )
        })
        .collect();
    let os_times: Vec<&SurvivalTime> = patients.iter().filter_map(|r| r.os.as_ref()).collect();
    let efs_times: Vec<&SurvivalTime> = patients.iter().filter_map(|r| r.efs.as_ref()).collect();
    let (os, os_curve, _) = survival("OS", &cfg.os, &os_times, cfg, level);
    let (efs, efs_curve, _) = survival("EFS", &cfg.efs, &efs_times, cfg, level);
    let median_followup = {
        let t: Vec<SurvTime> = os_times
            .iter()
            .map(|s| SurvTime::new(s.days as f64).expect("validated"))
            .collect();
        let e: Vec<bool> = os_times.iter().map(|s| s.event).collect();
        match EventCounts::from_observations(&t, &e) {
            Ok(c) => {
                let km = KaplanMeier::from_counts(
                    &c.reversed(),
                    KmOptions {
                        conf_type: cfg.ci.survival,
                        conf_level: level,
                    },
                );
                let m = km.median();
                MedianOut {
                    days: m.estimate.ok().map(SurvTime::value),
                    lower_days: m.lower.ok().map(SurvTime::value),
                    upper_days: m.upper.ok().map(SurvTime::value),
                    method:
                        "reverse Kaplan–Meier (death censors, last contact is the event), OS origin"
                            .into(),
                }
            }
            Err(_) => MedianOut {
                days: None,
                lower_days: None,
                upper_days: None,
                method: "no patients".into(),
            },
        }
    };
    let age = describe(
        "Age at the first infusion (years)",
        "all patients",
        &patients
            .iter()
            .map(|r| Some(r.age_years).filter(|a| a.is_finite()))
            .collect::<Vec<_>>(),
    );
    let cohort = Cohort {
        n,
        female: patients.iter().filter(|p| p.sex == Sex::F).count(),
        male: patients.iter().filter(|p| p.sex == Sex::M).count(),
        age_years: age,
        bone_marrow_involved: patients
            .iter()
            .filter(|r| r.involvement.bone_marrow)
            .count(),
        soft_tissue_involved: patients
            .iter()
            .filter(|r| r.involvement.soft_tissue)
            .count(),
        siopen_before,
        siopen_after,
        siopen_reduction_pct,
        best_response,
        response_rate,
        siopen_endpoint,
        soft_tissue_endpoint,
        dosimetry,
        toxicity,
        toxic_deaths,
        hypothyroidism,
        engraftment,
        therapies,
        os,
        efs,
        median_followup,
        cox: Vec::new(),
    };
    (
        cohort,
        Curves {
            os: os_curve,
            efs: efs_curve,
        },
    )
}

/// Human label of a therapy code (the two of the seed study; other codes
/// are shown as written).
pub fn therapy_label(code: &str) -> String {
    match code {
        "gd2_car_t" => "GD2-CAR-T cells (gd2_car_t)".into(),
        "busulfan_melphalan" => "busulfan–melphalan (busulfan_melphalan)".into(),
        other => other.to_string(),
    }
}
