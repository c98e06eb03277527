//! The Cox proportional-hazards models declared in `study.toml`
//! (`[[analysis.cox]]`), fitted on the per-patient results by the
//! statistics crate (`mibg_stats::cox::fit_with`: Efron or Breslow ties,
//! strata). This module only chooses the rows (patients with a time for the
//! endpoint and every covariate: complete cases, `docs/reference/statistics.md` §0) and
//! builds the design; it estimates nothing itself.
//!
//! Survival times are whole days, so R's near-equal-time merging
//! (`mibg_stats::time::timefix`) cannot change them and is not applied.

use super::types::{CoxModel, PatientResult, SurvivalTime};
use mibg_stats::cox::{CoxDesign, CoxOptions, fit_with};
use mibg_study::config::{Analysis, CoxCovariate, CoxModelDef, CoxStratum, Endpoint, line_of_nth};
use mibg_study::load::files;
use mibg_study::model::Sex;
use mibg_study::{Problem, ProblemKind};
use nalgebra::DMatrix;
use std::collections::BTreeMap;

/// A patient's value of a covariate (`None` when it is not known).
pub fn covariate(r: &PatientResult, c: CoxCovariate) -> Option<f64> {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    match c {
        CoxCovariate::AgeYears => Some(r.age_years).filter(|a| a.is_finite()),
        CoxCovariate::Male => Some(flag(r.sex == Sex::M)),
        CoxCovariate::BoneMarrowInvolved => Some(flag(r.involvement.bone_marrow)),
        CoxCovariate::SoftTissueInvolved => Some(flag(r.involvement.soft_tissue)),
        CoxCovariate::SiopenBefore => r
            .response
            .as_ref()
            .and_then(|x| x.siopen_before)
            .map(f64::from),
        CoxCovariate::Dose1Gy => r.dosimetry.as_ref().map(|d| d.dose1_gy.gy()),
        CoxCovariate::DeliveredTotalGy => r
            .dosimetry
            .as_ref()
            .and_then(|d| d.delivered_total_gy)
            .map(|g| g.gy()),
        _ => None,
    }
}

/// A patient's level of a stratification variable.
pub fn stratum(r: &PatientResult, s: CoxStratum) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    match s {
        CoxStratum::Sex => format!("{:?}", r.sex),
        CoxStratum::Centre => r.centre.clone(),
        CoxStratum::BoneMarrowInvolved => yes_no(r.involvement.bone_marrow),
        CoxStratum::SoftTissueInvolved => yes_no(r.involvement.soft_tissue),
        _ => String::new(),
    }
}

/// The patient's time for an endpoint.
pub fn endpoint_time(r: &PatientResult, e: Endpoint) -> Option<&SurvivalTime> {
    match e {
        Endpoint::Efs => r.efs.as_ref(),
        Endpoint::Os => r.os.as_ref(),
    }
}

/// Fits every declared model.
pub fn models(patients: &[PatientResult], cfg: &Analysis) -> Vec<CoxModel> {
    cfg.cox
        .iter()
        .map(|def| model(patients, def, cfg.conf_level))
        .collect()
}

fn model(patients: &[PatientResult], def: &CoxModelDef, conf_level: f64) -> CoxModel {
    let names: Vec<String> = def.covariates.iter().map(|c| c.as_str().into()).collect();
    let mut times = Vec::new();
    let mut events = Vec::new();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut strata_labels: Vec<String> = Vec::new();
    let mut excluded = Vec::new();
    let mut n_with_endpoint = 0;
    for r in patients {
        let Some(t) = endpoint_time(r, def.endpoint) else {
            continue;
        };
        n_with_endpoint += 1;
        let values: Vec<Option<f64>> = def.covariates.iter().map(|&c| covariate(r, c)).collect();
        let missing: Vec<String> = def
            .covariates
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(c, _)| c.as_str().to_string())
            .collect();
        if !missing.is_empty() {
            excluded.push((r.patient.clone(), missing));
            continue;
        }
        times.push(t.days as f64);
        events.push(t.event);
        rows.push(values.into_iter().flatten().collect());
        strata_labels.push(
            def.strata
                .iter()
                .map(|&s| stratum(r, s))
                .collect::<Vec<_>>()
                .join(" / "),
        );
    }
    // Strata as numbers (order of first appearance is irrelevant: only
    // equality matters).
    let mut levels: BTreeMap<&str, u32> = BTreeMap::new();
    for l in &strata_labels {
        let next = levels.len() as u32;
        levels.entry(l.as_str()).or_insert(next);
    }
    let strata: Vec<u32> = strata_labels.iter().map(|l| levels[l.as_str()]).collect();
    let x = DMatrix::from_fn(rows.len(), names.len(), |i, j| rows[i][j]);
    let options = CoxOptions {
        ties: def.ties,
        conf_level,
        ..CoxOptions::default()
    };
    let design = CoxDesign {
        weights: None,
        strata: (!def.strata.is_empty()).then_some(&strata[..]),
    };
    let (fit, not_estimable) = match fit_with(&times, &events, &x, &names, design, &options) {
        Ok(f) => (Some(f), None),
        Err(e) => (None, Some(e.to_string())),
    };
    CoxModel {
        name: def.name.clone(),
        endpoint: def.endpoint.label().into(),
        covariates: names,
        strata: def.strata.iter().map(|s| s.as_str().into()).collect(),
        n_with_endpoint,
        excluded,
        fit,
        not_estimable,
    }
}

/// The warnings of the fitted models, located at their declaration in
/// `study.toml`: a model that could not be estimated, a fit's own doubts
/// (monotone likelihood, no convergence), patients left out for a missing
/// covariate.
pub fn problems(models: &[CoxModel], config_text: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    for (k, m) in models.iter().enumerate() {
        let at = |key: &str, message: String| Problem {
            file: files::STUDY.to_string(),
            row: line_of_nth(config_text, "analysis.cox", k, key),
            field: Some(format!("analysis.cox[{}].{key}", k + 1)),
            kind: ProblemKind::Clinical,
            message,
        };
        if let Some(why) = &m.not_estimable {
            out.push(at(
                "covariates",
                format!(
                    "Cox model '{}' ({}) cannot be estimated: {why}",
                    m.name, m.endpoint
                ),
            ));
        }
        if let Some(f) = &m.fit {
            for w in &f.warnings {
                out.push(at(
                    "covariates",
                    format!("Cox model '{}' ({}): {w}", m.name, m.endpoint),
                ));
            }
        }
        if !m.excluded.is_empty() {
            let who: Vec<String> = m
                .excluded
                .iter()
                .map(|(p, c)| format!("{p} ({})", c.join(", ")))
                .collect();
            out.push(at(
                "covariates",
                format!(
                    "Cox model '{}' ({}): {} of {} patients left out for a missing covariate: {}",
                    m.name,
                    m.endpoint,
                    m.excluded.len(),
                    m.n_with_endpoint,
                    who.join("; ")
                ),
            ));
        }
    }
    out
}
