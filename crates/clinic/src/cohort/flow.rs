//! The patient flow of a study report (CONSORT 2010 statement, Schulz et
//! al., BMJ 2010;340:c332, item 13a and figure 1): from the enrolled
//! patients to each analysis population of the report, with the number left
//! out for every reason. Counted from the report's per-patient results with
//! the same rules as its denominators (the populations' sizes equal the
//! estimates' n; a test holds them to it), drawn by `mibg_plot::flow`.

use super::types::{PatientResult, StudyReport};
use mibg_plot::flow::{Flow, Stage};
use mibg_response::series::CutoffStatus;

fn reasons(items: &[(&str, usize)]) -> Vec<(String, usize)> {
    items
        .iter()
        .filter(|(_, k)| *k > 0)
        .map(|(r, k)| ((*r).to_string(), *k))
        .collect()
}

fn count(p: &[PatientResult], f: impl Fn(&PatientResult) -> bool) -> usize {
    p.iter().filter(|r| f(r)).count()
}

/// The populations of the report and why each patient is outside each.
pub fn patient_flow(r: &StudyReport) -> Flow {
    let p = &r.patients;
    let no_file = count(p, |r| r.response.is_none());
    let cutoff = |status: fn(&PatientResult) -> Option<CutoffStatus>,
                  not_applicable: &str,
                  label: String,
                  n: u64| {
        Stage {
            label,
            n: n as usize,
            excluded: reasons(&[
                ("no response assessment file", no_file),
                (
                    not_applicable,
                    count(p, |r| status(r) == Some(CutoffStatus::NotApplicable)),
                ),
                (
                    "not assessable after treatment",
                    count(p, |r| status(r) == Some(CutoffStatus::NotEvaluable)),
                ),
            ]),
        }
    };
    let c = &r.cohort;
    let stages = vec![
        Stage {
            label: "Dosimetry of infusion 1 (readings)".into(),
            n: count(p, |r| r.dosimetry.is_some()),
            excluded: reasons(&[(
                "no readings after infusion 1",
                count(p, |r| r.dosimetry.is_none()),
            )]),
        },
        Stage {
            label: format!("Evaluable for response: {}", c.response_rate.name),
            n: c.response_rate.n as usize,
            excluded: reasons(&[
                ("no response assessment file", no_file),
                (
                    "no evaluable follow-up assessment",
                    count(p, |r| r.response.as_ref().is_some_and(|x| !x.evaluable)),
                ),
            ]),
        },
        cutoff(
            |r| r.response.as_ref().map(|x| x.siopen_below),
            "no bone involvement at baseline (SIOPEN 0 or no score)",
            c.siopen_endpoint.name.clone(),
            c.siopen_endpoint.n,
        ),
        cutoff(
            |r| r.response.as_ref().map(|x| x.soft_tissue_below),
            "outside the soft-tissue denominator at baseline",
            c.soft_tissue_endpoint.name.clone(),
            c.soft_tissue_endpoint.n,
        ),
        Stage {
            label: "Overall and event-free survival".into(),
            n: c.os.n as usize,
            excluded: reasons(&[("no survival time", count(p, |r| r.os.is_none()))]),
        },
        Stage {
            label: if p.iter().any(|r| r.thyroid_assessed.is_some()) {
                format!(
                    "{} (survivors with thyroid follow-up)",
                    c.hypothyroidism.name
                )
            } else {
                format!(
                    "{} (survivors; thyroid follow-up not recorded)",
                    c.hypothyroidism.name
                )
            },
            n: c.hypothyroidism.n as usize,
            excluded: reasons(&[
                ("died before the last contact", count(p, |r| !r.alive)),
                (
                    "alive, no thyroid assessment after the first infusion",
                    count(p, |r| r.alive && r.thyroid_assessed == Some(false)),
                ),
            ]),
        },
    ];
    Flow {
        title: "Patient flow (CONSORT 2010 style)".into(),
        enrolled_label: "Enrolled (patients.csv)".into(),
        enrolled: p.len(),
        stages,
    }
}
