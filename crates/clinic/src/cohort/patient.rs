//! The per-patient steps of the cohort report: each takes one patient's
//! typed records and returns that patient's result, with the problems it
//! found located in the study folder (file, physical line, field) from the
//! domain crates' structured errors.
//!
//! The steps run for every patient in `mibg study validate` and in `mibg
//! study report` alike ([`super::assess`]), so a study that validates always
//! reports.

use super::types::{
    AcceptedOverride, Involvement, PatientDose, PatientEngraftment, PatientResponse, SurvivalTime,
};
use crate::dosimetry::{
    CourseInput, DosimetryError, DosimetryOptions as ActOptions, SecondInfusionInput,
    assess_course_dosimetry,
};
use jiff::civil::Date;
use mibg_dosimetry::gate::{Check, GateReport};
use mibg_dosimetry::plan::Decision;
use mibg_dosimetry::readings::{
    DEFAULT_ABOVE_PRE_VOID_TOLERANCE, Readings, ReadingsError, RowInput,
};
use mibg_dosimetry::{DoseError, check_weight_change};
use mibg_protocol::Protocol;
use mibg_response::inrc2017::{Inrc2017Options, OverallResponse2017};
use mibg_response::record::{PatientRecord, Primary};
use mibg_response::series::{
    self, CutoffStatus, EndpointParams, SeriesOptions, SoftTissueDenominator as RespDen, TimePoint,
};
use mibg_study::config::{
    DAYS_PER_YEAR, DosimetryOptions, EndpointDef, EventType, Origin, PostAssessment,
    ResponseOptions, SoftTissueDenominator,
};
use mibg_study::load::files;
use mibg_study::model::{FollowUpEvent, Infusion, Override, Patient, Reading, ThyroidAssessment};
use mibg_study::{Problem, ProblemKind, days_between};
use mibg_toxicity::analysis::PatientReport;
use mibg_toxicity::ctcae::Term;
use mibg_toxicity::engraftment::Recovery;
use mibg_toxicity::records::AdverseEvent;
use mibg_units::{Activity, Hours, Length};

/// Name of the check of the given infusion-1 activity against the
/// protocol's prescription (`Protocol::check_infusion1_given`).
pub const CHECK_INFUSION1_ACTIVITY: &str = "infusion1-activity";
/// Name of the check of the weight change between infusions 1 and 2
/// (`mibg_dosimetry::check_weight_change`).
pub const CHECK_WEIGHT_CHANGE: &str = "weight-change";
/// Name of the check that the readings reach far enough in time
/// (`mibg_dosimetry::DEFAULT_MIN_LAST_READING_H`).
pub const CHECK_LAST_READING: &str = "last-reading";
/// Every check that `overrides.csv` may name: the three data-entry checks
/// above, then the plausibility gate's checks by their `--accept` names
/// (`mibg_dosimetry::gate::Check`).
pub fn checks() -> Vec<&'static str> {
    [
        CHECK_INFUSION1_ACTIVITY,
        CHECK_WEIGHT_CHANGE,
        CHECK_LAST_READING,
    ]
    .into_iter()
    .chain(Check::ALL.iter().map(|c| c.name()))
    .collect()
}

/// What a step found besides its value: errors (the report cannot be
/// computed), warnings (doubtful but usable), and the refusals that a named
/// person accepted in `overrides.csv`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Findings {
    /// Errors, located in the study folder.
    pub errors: Vec<Problem>,
    /// Warnings, located in the study folder.
    pub warnings: Vec<Problem>,
    /// Accepted refusals.
    pub accepted: Vec<AcceptedOverride>,
}

impl Findings {
    /// True when the step found no error.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// A refusal of `check` at `at`: accepted when the patient has an
    /// override of that check (recorded), otherwise an error. Returns true
    /// when accepted.
    fn refuse(&mut self, overrides: &[&Override], check: &str, at: Problem) -> bool {
        if let Some(o) = overrides.iter().find(|o| o.check == check) {
            self.accepted.push(AcceptedOverride {
                patient: o.patient.clone(),
                check: o.check.clone(),
                accepted_by: o.accepted_by.clone(),
                reason: o.reason.clone(),
                row: o.row,
                finding: at.to_string(),
            });
            true
        } else {
            let mut at = at;
            at.message.push_str(&format!(
                " [check '{check}': if the value is right, accept it in overrides.csv]"
            ));
            self.errors.push(at);
            false
        }
    }
}

/// One patient's records, joined from every table of the folder.
#[derive(Clone, Debug)]
pub struct PatientRecords<'a> {
    /// The `patients.csv` row.
    pub patient: &'a Patient,
    /// Infusions, in infusion-number order.
    pub infusions: Vec<&'a Infusion>,
    /// Readings after every infusion, in file order.
    pub readings: Vec<&'a Reading>,
    /// Follow-up events.
    pub followup: Vec<&'a FollowUpEvent>,
    /// Overrides of named checks.
    pub overrides: Vec<&'a Override>,
}

impl PatientRecords<'_> {
    /// Infusion `n`, if recorded.
    pub fn infusion(&self, n: u32) -> Option<&Infusion> {
        self.infusions.iter().copied().find(|i| i.number == n)
    }
}

fn clinical(file: &str, row: Option<u64>, field: Option<&str>, message: String) -> Problem {
    Problem {
        file: file.to_string(),
        row,
        field: field.map(str::to_string),
        kind: ProblemKind::Clinical,
        message,
    }
}

/// The data-entry checks of the infusions, as `mibg dose` makes them: the
/// given infusion-1 activity against the protocol's prescription for the
/// infusion-1 weight (`Protocol::check_infusion1_given`, tolerance
/// `[analysis.dosimetry] max_activity_deviation`), and the weight change
/// from infusion 1 to infusion 2 (`mibg_dosimetry::check_weight_change`,
/// `max_weight_change`). A refusal is an error unless `overrides.csv`
/// accepts it.
pub fn infusion_checks(
    r: &PatientRecords<'_>,
    protocol: &Protocol,
    opts: &DosimetryOptions,
) -> Findings {
    let mut f = Findings::default();
    let Some(i1) = r.infusion(1) else {
        return f;
    };
    if let Err(e) =
        protocol.check_infusion1_given(i1.activity, i1.weight, opts.max_activity_deviation)
    {
        f.refuse(
            &r.overrides,
            CHECK_INFUSION1_ACTIVITY,
            clinical(
                files::INFUSIONS,
                Some(i1.row),
                Some("activity_mbq"),
                format!(
                    "infusion 1 of patient '{}' at {} kg: {e} ([analysis.dosimetry] max_activity_deviation)",
                    r.patient.id,
                    i1.weight.kg()
                ),
            ),
        );
    }
    if let Some(i2) = r.infusion(2) {
        match check_weight_change(i1.weight, i2.weight, opts.max_weight_change) {
            Ok(()) => {}
            Err(DoseError::ImplausibleWeightChange {
                change_percent,
                max_percent,
                ..
            }) => {
                f.refuse(
                    &r.overrides,
                    CHECK_WEIGHT_CHANGE,
                    clinical(
                        files::INFUSIONS,
                        Some(i2.row),
                        Some("weight_kg"),
                        format!(
                            "weight at infusion 2 {} kg differs from the weight at infusion 1 ({} kg, line {}) by {change_percent:+.0} %, more than the accepted ±{max_percent:.0} % between infusions (a typing error? [analysis.dosimetry] max_weight_change)",
                            i2.weight.kg(),
                            i1.weight.kg(),
                            i1.row
                        ),
                    ),
                );
            }
            Err(e) => f.errors.push(clinical(
                files::INFUSIONS,
                Some(i2.row),
                Some("weight_kg"),
                e.to_string(),
            )),
        }
    }
    f
}

/// The position in `readings.csv` of a readings-series error: the physical
/// line the dosimetry crate names (the series is built from the study's
/// own lines, [`RowInput`]), else the series' first line.
fn readings_problem(id: &str, n: u32, rows: &[&Reading], e: &ReadingsError) -> Problem {
    let loc = e.location();
    let row = loc.and_then(|l| l.line).or(rows.first().map(|r| r.row));
    let field = loc.and_then(|l| l.column.as_deref());
    clinical(
        files::READINGS,
        row,
        field,
        format!("readings of patient '{id}', infusion {n}: {e}"),
    )
}

fn series<'a>(rows: &[&'a Reading], n: u32) -> Vec<&'a Reading> {
    rows.iter().copied().filter(|r| r.infusion == n).collect()
}

fn readings_of(id: &str, n: u32, rows: &[&Reading]) -> Result<Readings, Problem> {
    // Each reading keeps its line of readings.csv and its background, so
    // that the plausibility gate names the study's line and can see a
    // background typed with a slipped decimal.
    let rows_in: Vec<RowInput> = rows
        .iter()
        .map(|r| RowInput {
            line: usize::try_from(r.row).unwrap_or(usize::MAX),
            time: r.hours,
            raw: r.reading,
            background: r.background.unwrap_or(0.0),
        })
        .collect();
    let label = format!("{} (patient {id}, infusion {n})", files::READINGS);
    Readings::from_rows(&label, &rows_in, DEFAULT_ABOVE_PRE_VOID_TOLERANCE)
        .map_err(|e| readings_problem(id, n, rows, &e))
}

/// The position of a dosimetry error of infusion `n`: the infusion row for
/// a mass, activity or S-value error, the last reading for readings that
/// end too early, the reading a plausibility check refused, the first
/// reading of the series for a fit error.
fn dose_problem(
    id: &str,
    n: u32,
    inf: &Infusion,
    rows: &[&Reading],
    e: &DosimetryError,
) -> Problem {
    let (file, row, field) = match e {
        DosimetryError::Dose(
            DoseError::ImplausibleMass { .. }
            | DoseError::ImplausibleWeightChange { .. }
            | DoseError::SValue(_),
        ) => (files::INFUSIONS, Some(inf.row), Some("weight_kg")),
        DosimetryError::Dose(DoseError::BadValue { .. })
        | DosimetryError::Infusion1Deviation { .. } => {
            (files::INFUSIONS, Some(inf.row), Some("activity_mbq"))
        }
        DosimetryError::Dose(DoseError::ReadingsTooShort { .. }) => {
            (files::READINGS, rows.last().map(|r| r.row), Some("hours"))
        }
        DosimetryError::Refused(r) => (
            files::READINGS,
            r.report
                .refusing()
                .find_map(|f| f.reading.as_ref())
                .map(|x| x.line as u64)
                .or(rows.first().map(|r| r.row)),
            Some("reading"),
        ),
        _ => (files::READINGS, rows.first().map(|r| r.row), None),
    };
    let message = match e {
        // The refusal lists every failed check with the line, the likely
        // slip and the result without the reading; `--accept` becomes an
        // override of the check in overrides.csv.
        DosimetryError::Refused(r) => {
            let checks: Vec<&str> = r.report.refusing().map(|f| f.check.name()).collect();
            let findings: Vec<String> = r
                .report
                .refusing()
                .map(|f| format!("[{}] {}", f.check.name(), f.message))
                .collect();
            format!(
                "dosimetry of patient '{id}', infusion {n}: the readings fail the plausibility gate: {} [check{} {}: if the readings are right, accept in overrides.csv]",
                findings.join("; "),
                if checks.len() == 1 { "" } else { "s" },
                checks
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        _ => format!("dosimetry of patient '{id}', infusion {n}: {e}"),
    };
    clinical(file, row, field, message)
}

/// Runs a dosimetry computation; readings that end too early are a
/// refusal that `overrides.csv` may accept (then the computation runs
/// again without that limit).
fn with_last_reading_override<T>(
    f: &mut Findings,
    overrides: &[&Override],
    run: impl Fn(Hours) -> Result<T, DosimetryError>,
    problem: impl Fn(&DosimetryError) -> Problem,
) -> Option<T> {
    match run(Hours::new(mibg_dosimetry::DEFAULT_MIN_LAST_READING_H)) {
        Ok(v) => Some(v),
        Err(e @ DosimetryError::Dose(DoseError::ReadingsTooShort { .. })) => {
            if f.refuse(overrides, CHECK_LAST_READING, problem(&e)) {
                match run(Hours::new(f64::MIN_POSITIVE)) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        f.errors.push(problem(&e));
                        None
                    }
                }
            } else {
                None
            }
        }
        Err(e) => {
            if let DosimetryError::Refused(r) = &e {
                // Checks accepted before another one refused were used.
                record_gate_overrides(f, overrides, &r.report);
            }
            f.errors.push(problem(&e));
            None
        }
    }
}

/// The plausibility checks a patient's `overrides.csv` rows accept.
fn accepted_gate_checks(overrides: &[&Override]) -> Vec<Check> {
    overrides
        .iter()
        .filter_map(|o| o.check.parse::<Check>().ok())
        .collect()
}

/// Records the overrides of plausibility checks that the gate used (a
/// failed check that the override accepted).
fn record_gate_overrides(f: &mut Findings, overrides: &[&Override], report: &GateReport) {
    for finding in report.findings.iter().filter(|x| x.accepted) {
        let name = finding.check.name();
        if let Some(o) = overrides.iter().find(|o| o.check == name)
            && !f
                .accepted
                .iter()
                .any(|a| a.check == name && a.finding == finding.message)
        {
            f.accepted.push(AcceptedOverride {
                patient: o.patient.clone(),
                check: o.check.clone(),
                accepted_by: o.accepted_by.clone(),
                reason: o.reason.clone(),
                row: o.row,
                finding: finding.message.clone(),
            });
        }
    }
}

/// The administered activity of an infusion as the study folder gives it:
/// the hot-lab record when `infusions.csv` has it (the net activity is then
/// computed by `mibg_dosimetry::administered`, the one rule), otherwise the
/// net activity as given.
fn administered_input(i: &Infusion) -> mibg_dosimetry::administered::AdministeredInput {
    match i.hot_lab {
        Some(h) => mibg_dosimetry::administered::AdministeredInput::HotLab(h),
        None => i.activity.into(),
    }
}

/// The dosimetry of one patient, by the one dosimetry act of `mibg dose`
/// ([`crate::dosimetry::assess_course_dosimetry`]): the plausibility gate
/// on each series, the infusion-1 readings fitted, D₁, A₂ by the protocol's
/// rules, and the delivered dose of infusion 2 from its own readings.
/// `None` without infusion-1 readings, or when [`infusion_checks`] refused
/// the infusion data (`checked` false): a D₁ from a wrong activity or
/// weight is never computed. A refused plausibility check is an error at
/// the reading's line unless `overrides.csv` accepts the check by name.
pub fn dosimetry(
    r: &PatientRecords<'_>,
    protocol: &Protocol,
    opts: &DosimetryOptions,
    checked: &Findings,
) -> (Option<PatientDose>, Findings) {
    let mut f = Findings::default();
    let id = r.patient.id.as_str();
    let (Some(i1), true) = (r.infusion(1), checked.is_ok()) else {
        return (None, f);
    };
    let i2 = r.infusion(2);
    let r1 = series(&r.readings, 1);
    if r1.is_empty() {
        return (None, f);
    }
    let readings1 = match readings_of(id, 1, &r1) {
        Ok(x) => x,
        Err(p) => {
            f.errors.push(p);
            return (None, f);
        }
    };
    let accepted = |check: &str| checked.accepted.iter().any(|a| a.check == check);
    let options = |min_last: Hours| ActOptions {
        // Checked (or accepted) by `infusion_checks`, with the same rule.
        max_activity_deviation: if accepted(CHECK_INFUSION1_ACTIVITY) {
            f64::MAX
        } else {
            opts.max_activity_deviation
        },
        max_weight_change: if accepted(CHECK_WEIGHT_CHANGE) {
            f64::MAX
        } else {
            opts.max_weight_change
        },
        min_last_reading: min_last,
        s_model: match opts.s_model {
            mibg_study::config::StudySModel::Phantoms => {
                mibg_dosimetry::SModel::reference_phantoms()
            }
            _ => mibg_dosimetry::SModel::default(),
        },
        uncertainty: None,
        radiation_protection: false,
        accept: accepted_gate_checks(&r.overrides),
        ..ActOptions::default()
    };
    let input = CourseInput {
        readings1,
        weight1: i1.weight,
        activity1: administered_input(i1),
        weight2: i2.map(|i| i.weight),
        second: None,
    };
    let Some(a) = with_last_reading_override(
        &mut f,
        &r.overrides,
        |min| assess_course_dosimetry(&input, protocol, &options(min)),
        |e| dose_problem(id, 1, i1, &r1, e),
    ) else {
        return (None, f);
    };
    record_gate_overrides(&mut f, &r.overrides, &a.plausibility);
    let first_row = r1[0].row;
    let min_last_used = a.assessment.request.min_last_reading;
    f.warnings.extend(a.warnings.iter().map(|w| {
        clinical(
            files::READINGS,
            Some(first_row),
            None,
            format!("patient '{id}', infusion 1 dosimetry: {w}"),
        )
    }));
    let mut out = PatientDose {
        activity1_mbq: i1.activity,
        model1: a.model.name().to_string(),
        s_model: options(min_last_used).s_model.name().to_string(),
        s_model_description: options(min_last_used).s_model.describe(),
        tau1_h: a.tau,
        dose1_gy: a.dose1,
        a2_prescribed_mbq: if a.decision == Decision::SecondInfusion {
            a.second_activity
        } else {
            Activity::from_mbq(0.0)
        },
        a2_statement: a.statement.clone(),
        a2_binding_cap: a.binding_cap.clone(),
        activity2_mbq: i2.map(|i| i.activity),
        dose2_gy: None,
        delivered_total_gy: if i2.is_none() { Some(a.dose1) } else { None },
    };
    let Some(i2) = i2 else {
        return (Some(out), f);
    };
    let r2 = series(&r.readings, 2);
    if r2.is_empty() {
        f.warnings.push(clinical(
            files::INFUSIONS,
            Some(i2.row),
            None,
            format!(
                "patient '{id}': no readings after infusion 2, delivered dose of infusion 2 unknown"
            ),
        ));
        return (Some(out), f);
    }
    let readings2 = match readings_of(id, 2, &r2) {
        Ok(x) => x,
        Err(p) => {
            f.errors.push(p);
            return (Some(out), f);
        }
    };
    // Infusion 1 is assessed again with the same options (the last-reading
    // limit that infusion 1 needed), now with infusion 2 as given.
    let min1 = a.assessment.request.min_last_reading;
    let input2 = CourseInput {
        second: Some(SecondInfusionInput {
            readings: readings2,
            activity: administered_input(i2),
        }),
        ..input.clone()
    };
    let second = with_last_reading_override(
        &mut f,
        &r.overrides,
        |min| {
            let mut o = options(min1);
            o.min_last_reading = min1.min(min);
            assess_course_dosimetry(&input2, protocol, &o)
        },
        |e| dose_problem(id, 2, i2, &r2, e),
    );
    if let Some(c) = second
        && let Some(s) = &c.after_second
    {
        record_gate_overrides(&mut f, &r.overrides, &s.plausibility);
        out.dose2_gy = Some(s.dose2);
        out.delivered_total_gy = Some(s.delivered_total);
        // The warnings of infusion 2 (its notes, such as how the residual of
        // infusion 1 is counted, belong to `mibg dose`'s fuller output).
        f.warnings.extend(s.details.warnings.iter().map(|w| {
            clinical(
                files::READINGS,
                Some(r2[0].row),
                None,
                format!("patient '{id}', infusion 2 dosimetry: {w}"),
            )
        }));
    }
    (Some(out), f)
}

fn largest_baseline(rec: &PatientRecord, with_primary: bool) -> Option<Length> {
    let mut m: Option<Length> = None;
    let mut take = |l: Length| m = Some(m.map_or(l, |x: Length| x.max(l)));
    if with_primary && let Some(Primary::Present { diameters, .. }) = &rec.baseline.primary {
        diameters.iter().for_each(|d| take(*d));
    }
    if let Some(st) = &rec.baseline.soft_tissue {
        st.targets.iter().for_each(|t| take(t.diameter));
    }
    m
}

/// Baseline involvement: bone/marrow = a MIBG skeletal score (or FDG-avid
/// lesion count) above 0 or a positive marrow sample; soft tissue = a
/// primary tumour present or a soft-tissue target lesion.
pub fn involvement(rec: &PatientRecord) -> Involvement {
    use mibg_response::record::Bone;
    let b = &rec.baseline;
    let bone = match &b.bone {
        Some(Bone::Mibg { score, .. }) => score.skeletal().max > 0,
        Some(Bone::Fdg { avid_lesions }) => *avid_lesions > 0,
        None => false,
    };
    let marrow = b
        .marrow
        .as_ref()
        .and_then(|m| m.max_percent())
        .is_some_and(|x| x > 0.0);
    let primary = matches!(b.primary, Some(Primary::Present { .. }));
    let targets = b
        .soft_tissue
        .as_ref()
        .is_some_and(|s| !s.targets.is_empty());
    Involvement {
        bone_marrow: bone || marrow,
        soft_tissue: primary || targets,
    }
}

/// The response of one patient by the study's criteria (INRC 2017 or
/// 1993), the best overall response and the seed endpoints, by the response
/// crate. A patient without a follow-up assessment is not evaluable (NE).
///
/// # Errors
/// The response crate's refusal of the record, located at its file.
pub fn response(
    path: &str,
    rec: &PatientRecord,
    cfg: &ResponseOptions,
) -> Result<PatientResponse, Problem> {
    let params = EndpointParams {
        siopen_cutoff: cfg.siopen_threshold,
        soft_tissue_cutoff: Length::from_mm(cfg.soft_tissue_threshold_mm),
        soft_tissue_includes_primary: cfg.soft_tissue_includes_primary,
        soft_tissue_denominator: RespDen::WithSoftTissueAtBaseline,
        time_point: match cfg.post_assessment {
            PostAssessment::FirstFollowUp => TimePoint::FirstFollowUp,
            PostAssessment::LastFollowUp => TimePoint::LastFollowUp,
        },
    };
    let series = SeriesOptions {
        confirmation: Default::default(),
        endpoints: params,
    };
    let refused = |e: mibg_response::record::RecordError| Problem {
        file: path.to_string(),
        row: None,
        field: None,
        kind: ProblemKind::Domain,
        message: e.to_string(),
    };
    let (follow_ups, best, because, endpoints) = if cfg.criteria == "inrc1993" {
        let r = series::report_1993(rec, &series).map_err(refused)?;
        (
            r.assessments
                .iter()
                .map(|a| (a.date, a.overall.to_string()))
                .collect::<Vec<_>>(),
            r.best.response.to_string(),
            r.best.because,
            r.endpoints,
        )
    } else {
        let r = series::report_2017(rec, &Inrc2017Options::default(), &series).map_err(refused)?;
        (
            r.assessments
                .iter()
                .map(|a| (a.date, a.overall.to_string()))
                .collect::<Vec<_>>(),
            r.best.response.to_string(),
            r.best.because,
            r.endpoints,
        )
    };
    // No follow-up assessment at all: not evaluable (the response crate's
    // best response of an empty series is its "stable" category).
    let evaluable = !rec.follow_ups.is_empty() && best != "NE";
    let best = if rec.follow_ups.is_empty() {
        OverallResponse2017::NE.to_string()
    } else {
        best
    };
    let before = largest_baseline(rec, cfg.soft_tissue_includes_primary);
    let mut soft = endpoints.soft_tissue_below_cutoff;
    if cfg.soft_tissue_denominator == SoftTissueDenominator::BaselineAtOrAboveThreshold
        && before.is_none_or(|b| b.mm() < cfg.soft_tissue_threshold_mm)
    {
        soft = CutoffStatus::NotApplicable;
    }
    Ok(PatientResponse {
        follow_ups,
        best,
        best_because: because,
        evaluable,
        siopen_before: endpoints.siopen_before.and_then(|s| s.exact()),
        siopen_after: endpoints.siopen_after.and_then(|s| s.exact()),
        siopen_reduction_pct: endpoints.siopen_reduction_pct,
        siopen_below: endpoints.siopen_below_cutoff,
        largest_soft_tissue_before_mm: before,
        largest_soft_tissue_after_mm: endpoints.largest_soft_tissue,
        soft_tissue_below: soft,
    })
}

fn recovered_day(r: &Recovery) -> Option<i64> {
    match r {
        Recovery::Recovered { day, .. } => Some(*day),
        _ => None,
    }
}

/// One patient's toxicity outcome from the toxicity crate's analysis:
/// worst CTCAE grade per term in the window and engraftment per stem-cell
/// infusion (nothing without toxicity records).
pub fn toxicity(report: Option<&PatientReport>) -> (Vec<(String, u8)>, Vec<PatientEngraftment>) {
    let Some(r) = report else {
        return (Vec::new(), Vec::new());
    };
    (
        r.worst
            .iter()
            .map(|w| (w.term.to_string(), w.grade.get()))
            .collect(),
        r.engraftment
            .iter()
            .map(|e| PatientEngraftment {
                stem_cells: e.stem_cells,
                neutrophil_day: recovered_day(&e.neutrophils),
                platelet_day: recovered_day(&e.platelets),
                neutrophils: e.neutrophils.clone(),
                platelets: e.platelets.clone(),
            })
            .collect(),
    )
}

/// Whether the patient had `term` at grade ≥ `min_grade` at any time on or
/// after the first infusion (the study's thyroid outcome).
pub fn hypothyroidism(
    events: &[&AdverseEvent],
    first_infusion: Option<Date>,
    term: Term,
    min_grade: u8,
) -> bool {
    events.iter().any(|e| {
        e.term == term && e.grade.get() >= min_grade && first_infusion.is_some_and(|f| e.date >= f)
    })
}

/// Whether the patient had a thyroid assessment on or after the first
/// infusion: a row of `thyroid.csv` dated then, or the hypothyroidism
/// itself (a graded diagnosis is an assessment). None when the study
/// records no thyroid follow-up (no `thyroid.csv`): the denominator of the
/// hypothyroidism rate is then every survivor, and the report says so.
/// The rule: "survivors with thyroid follow-up" (docs/reference/toxicity.md
/// §9; De Ioris et al., ESMO Open 2025;10(4):104541: 6 of 14 survivors).
pub fn thyroid_assessed(
    recorded: bool,
    assessments: &[&ThyroidAssessment],
    first_infusion: Option<Date>,
    hypothyroidism: bool,
) -> Option<bool> {
    if !recorded {
        return None;
    }
    Some(hypothyroidism || first_infusion.is_some_and(|f| assessments.iter().any(|a| a.date >= f)))
}

/// Age at the first infusion: days from the birth date / 365.25, else the
/// recorded age; NaN when neither is known.
pub fn age_years(pt: &Patient, first_infusion: Option<Date>) -> f64 {
    match (pt.birth_date, pt.age_years, first_infusion) {
        (Some(b), _, Some(f)) => days_between(b, f) as f64 / DAYS_PER_YEAR,
        (_, Some(a), _) => a,
        _ => f64::NAN,
    }
}

/// The time origin of a survival endpoint for one patient.
pub fn origin_date(origin: Origin, r: &PatientRecords<'_>) -> Option<Date> {
    match origin {
        Origin::FirstInfusion => r.infusion(1).map(|i| i.date),
        Origin::SecondInfusion => r.infusion(2).map(|i| i.date),
        Origin::Enrolment => r.patient.enrolment_date,
    }
}

/// Time from `origin` to the first event of `def` on or after it, else to
/// the last contact (or death) as censored. `None` without any of them.
pub fn survival_time(
    def: &EndpointDef,
    origin: Date,
    events: &[&FollowUpEvent],
) -> Option<SurvivalTime> {
    let first_event = events
        .iter()
        .filter(|e| def.events.contains(&e.event) && e.date >= origin)
        .min_by_key(|e| e.date);
    if let Some(e) = first_event {
        return Some(SurvivalTime {
            origin,
            end: e.date,
            days: days_between(origin, e.date),
            event: true,
            event_type: Some(e.event),
        });
    }
    let last = events
        .iter()
        .filter(|e| matches!(e.event, EventType::LastContact | EventType::Death))
        .map(|e| e.date)
        .max()?;
    Some(SurvivalTime {
        origin,
        end: last,
        days: days_between(origin, last),
        event: false,
        event_type: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mibg_study::model::Sex;
    use mibg_toxicity::ctcae::{CtcaeVersion, Grade};
    use mibg_units::Mass;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn patient() -> Patient {
        Patient {
            id: "P1".into(),
            sex: Sex::F,
            birth_date: Some(date("2015-03-01")),
            age_years: None,
            weight: Mass::from_kg(20.0),
            height: Length::from_cm(115.0),
            centre: String::new(),
            enrolment_date: None,
            row: 2,
        }
    }

    fn infusion(n: u32, day: &str, mbq: f64, kg: f64, row: u64) -> Infusion {
        Infusion {
            patient: "P1".into(),
            number: n,
            date: date(day),
            activity: Activity::from_mbq(mbq),
            hot_lab: None,
            start: None,
            end: None,
            weight: Mass::from_kg(kg),
            row,
        }
    }

    /// A mono-exponential retention with an effective half-life of 20 h,
    /// read at the seed schedule (rows 2…).
    fn readings(n: u32, hours: &[f64]) -> Vec<Reading> {
        hours
            .iter()
            .enumerate()
            .map(|(i, &h)| Reading {
                patient: "P1".into(),
                infusion: n,
                hours: Hours::new(h),
                time: None,
                reading: 400.0 * (-(2f64.ln()) * h / 20.0).exp(),
                background: None,
                row: 10 * u64::from(n) + i as u64,
            })
            .collect()
    }

    fn records<'a>(
        pt: &'a Patient,
        inf: &'a [Infusion],
        rd: &'a [Reading],
        ov: &'a [Override],
    ) -> PatientRecords<'a> {
        PatientRecords {
            patient: pt,
            infusions: inf.iter().collect(),
            readings: rd.iter().collect(),
            followup: Vec::new(),
            overrides: ov.iter().collect(),
        }
    }

    fn accept(check: &str) -> Override {
        Override {
            patient: "P1".into(),
            check: check.into(),
            accepted_by: "A. Physicist".into(),
            reason: "checked".into(),
            row: 2,
        }
    }

    #[test]
    fn the_prescribed_infusion1_activity_passes_and_slips_are_refused_at_their_cell() {
        let pt = patient();
        let opts = DosimetryOptions::default();
        let seed = Protocol::seed();
        // 444 MBq/kg × 20 kg = 8880 MBq (seed protocol).
        let ok = [infusion(1, "2021-03-01", 8880.0, 20.0, 3)];
        assert!(infusion_checks(&records(&pt, &ok, &[], &[]), &seed, &opts).is_ok());
        // +25 % is the limit (11100 MBq passes, 11200 does not).
        let edge = [infusion(1, "2021-03-01", 11100.0, 20.0, 3)];
        assert!(infusion_checks(&records(&pt, &edge, &[], &[]), &seed, &opts).is_ok());
        for (mbq, slip) in [(88800.0, "decimal point"), (240.0, "mCi"), (11200.0, "")] {
            let bad = [infusion(1, "2021-03-01", mbq, 20.0, 3)];
            let f = infusion_checks(&records(&pt, &bad, &[], &[]), &seed, &opts);
            assert_eq!(f.errors.len(), 1, "{mbq}");
            let e = &f.errors[0];
            assert_eq!(
                (e.file.as_str(), e.row, e.field.as_deref(), e.kind),
                (
                    "infusions.csv",
                    Some(3),
                    Some("activity_mbq"),
                    ProblemKind::Clinical
                )
            );
            assert!(e.message.contains(slip), "{}", e.message);
            assert!(e.message.contains("infusion1-activity"), "{}", e.message);
        }
        // A looser limit from study.toml admits it.
        let loose = DosimetryOptions {
            max_activity_deviation: 0.3,
            ..opts.clone()
        };
        let bad = [infusion(1, "2021-03-01", 11200.0, 20.0, 3)];
        assert!(infusion_checks(&records(&pt, &bad, &[], &[]), &seed, &loose).is_ok());
        // An override accepts it and records who did.
        let ov = [accept(CHECK_INFUSION1_ACTIVITY)];
        let f = infusion_checks(&records(&pt, &bad, &[], &ov), &seed, &opts);
        assert!(f.is_ok());
        assert_eq!(f.accepted.len(), 1);
        assert_eq!(f.accepted[0].accepted_by, "A. Physicist");
        assert!(f.accepted[0].finding.contains("infusions.csv line 3"));
        // An override of another check does not.
        let ov = [accept(CHECK_WEIGHT_CHANGE)];
        assert!(!infusion_checks(&records(&pt, &bad, &[], &ov), &seed, &opts).is_ok());
    }

    #[test]
    fn a_weight_change_beyond_the_limit_is_refused_at_the_second_infusion() {
        let pt = patient();
        let opts = DosimetryOptions::default();
        let seed = Protocol::seed();
        // 20 → 24 kg is exactly +20 %: accepted; 24.2 kg is not.
        let inf = [
            infusion(1, "2021-03-01", 8880.0, 20.0, 3),
            infusion(2, "2021-03-15", 7000.0, 24.0, 4),
        ];
        assert!(infusion_checks(&records(&pt, &inf, &[], &[]), &seed, &opts).is_ok());
        let inf = [
            infusion(1, "2021-03-01", 8880.0, 20.0, 3),
            infusion(2, "2021-03-15", 7000.0, 24.2, 4),
        ];
        let f = infusion_checks(&records(&pt, &inf, &[], &[]), &seed, &opts);
        assert_eq!(f.errors.len(), 1);
        let e = &f.errors[0];
        assert_eq!((e.row, e.field.as_deref()), (Some(4), Some("weight_kg")));
        assert!(e.message.contains("by +21 %"), "{}", e.message);
        let ov = [accept(CHECK_WEIGHT_CHANGE)];
        let f = infusion_checks(&records(&pt, &inf, &[], &ov), &seed, &opts);
        assert!(f.is_ok() && f.accepted.len() == 1);
        // With the change accepted, the dosimetry runs (and is not refused
        // a second time by the same rule inside the dosimetry crate).
        let rd = readings(1, &[0.0, 4.0, 24.0, 48.0, 72.0, 96.0]);
        let r = records(&pt, &inf, &rd, &ov);
        let (d, f2) = dosimetry(&r, &Protocol::seed(), &opts, &f);
        assert!(f2.is_ok(), "{:?}", f2.errors);
        assert!(d.is_some());
    }

    #[test]
    fn dosimetry_is_the_dosimetry_crates_assessment_of_the_infusion1_readings() {
        let pt = patient();
        let opts = DosimetryOptions::default();
        let inf = [infusion(1, "2021-03-01", 8880.0, 20.0, 3)];
        let rd = readings(1, &[0.0, 4.0, 24.0, 48.0, 72.0, 96.0]);
        let r = records(&pt, &inf, &rd, &[]);
        let rules = Protocol::seed();
        let (d, f) = dosimetry(&r, &rules, &opts, &Findings::default());
        assert!(f.is_ok(), "{:?}", f.errors);
        let d = d.unwrap();
        // Independent: τ of a mono-exponential with T_eff = 20 h is
        // 20/ln 2 = 28.85 h (the fit may choose another model on exact
        // data; τ agrees to 0.5 %).
        assert!(
            (d.tau1_h.hours() / (20.0 / 2f64.ln()) - 1.0).abs() < 0.005,
            "{}",
            d.tau1_h.hours()
        );
        assert_eq!(d.activity1_mbq.mbq(), 8880.0);
        assert_eq!(d.delivered_total_gy, Some(d.dose1_gy));
        // A second infusion is planned (D₁ below the 4 Gy target) and its
        // activity is the plan's, within the 777 MBq/kg cap.
        assert!(d.dose1_gy.gy() < 4.0);
        assert!(d.a2_prescribed_mbq.mbq() > 1000.0 && d.a2_prescribed_mbq.mbq() <= 777.0 * 20.0);
        assert!(
            d.a2_statement.starts_with("Second infusion"),
            "{}",
            d.a2_statement
        );
        // No readings: no dosimetry, no problem.
        let (d, f) = dosimetry(
            &records(&pt, &inf, &[], &[]),
            &rules,
            &opts,
            &Findings::default(),
        );
        assert!(d.is_none() && f.is_ok());
        // Refused infusion data: no dosimetry computed from it.
        let refused = Findings {
            errors: vec![clinical("infusions.csv", Some(3), None, "x".into())],
            ..Findings::default()
        };
        let (d, _) = dosimetry(&r, &rules, &opts, &refused);
        assert!(d.is_none());
    }

    #[test]
    fn readings_problems_point_at_the_study_row_and_field() {
        let pt = patient();
        let opts = DosimetryOptions::default();
        let inf = [infusion(1, "2021-03-01", 8880.0, 20.0, 3)];
        // Times in days: the last reading at 4 "h" is refused at its row.
        let rd = readings(1, &[0.0, 0.17, 1.0, 2.0, 3.0, 4.0]);
        let r = records(&pt, &inf, &rd, &[]);
        let rules = Protocol::seed();
        let (d, f) = dosimetry(&r, &rules, &opts, &Findings::default());
        assert!(d.is_none());
        let e = &f.errors[0];
        assert_eq!(
            (e.file.as_str(), e.row, e.field.as_deref()),
            ("readings.csv", Some(15), Some("hours"))
        );
        assert!(e.message.contains("days instead of hours"), "{}", e.message);
        // Accepted by an override: the dosimetry runs without the limit.
        let ov = [accept(CHECK_LAST_READING)];
        let r = records(&pt, &inf, &rd, &ov);
        let (d, f) = dosimetry(&r, &rules, &opts, &Findings::default());
        assert!(d.is_some() && f.is_ok() && f.accepted.len() == 1);
        // A reading above the pre-void one: its own line (the third of the
        // series, study line 12), column 'reading'.
        let mut rd = readings(1, &[0.0, 4.0, 24.0, 48.0, 72.0, 96.0]);
        rd[2].reading = 1000.0;
        let r = records(&pt, &inf, &rd, &[]);
        let (_, f) = dosimetry(&r, &rules, &opts, &Findings::default());
        let e = &f.errors[0];
        assert_eq!((e.row, e.field.as_deref()), (Some(12), Some("reading")));
        // Too few readings: the first row of the series.
        let rd = readings(1, &[0.0, 24.0]);
        let r = records(&pt, &inf, &rd, &[]);
        let (_, f) = dosimetry(&r, &rules, &opts, &Findings::default());
        assert_eq!(f.errors[0].row, Some(10));
        assert!(
            f.errors[0].message.contains("at least 3"),
            "{}",
            f.errors[0].message
        );
    }

    #[test]
    fn background_is_subtracted_and_every_readings_error_points_at_its_row() {
        let pt = patient();
        let opts = DosimetryOptions::default();
        let rules = Protocol::seed();
        let inf = [infusion(1, "2021-03-01", 8880.0, 20.0, 3)];
        let plain = readings(1, &[0.0, 4.0, 24.0, 48.0, 72.0, 96.0]);
        let (d0, _) = dosimetry(
            &records(&pt, &inf, &plain, &[]),
            &rules,
            &opts,
            &Findings::default(),
        );
        // The same net readings recorded with a background of 50: same τ.
        let mut bg = plain.clone();
        for r in &mut bg {
            r.reading += 50.0;
            r.background = Some(50.0);
        }
        let (d1, f) = dosimetry(
            &records(&pt, &inf, &bg, &[]),
            &rules,
            &opts,
            &Findings::default(),
        );
        assert!(f.is_ok(), "{:?}", f.errors);
        let (t0, t1) = (d0.unwrap().tau1_h.hours(), d1.unwrap().tau1_h.hours());
        assert!((t0 / t1 - 1.0).abs() < 1e-9, "{t0} {t1}");
        // A time not after the previous one: that reading's row, 'hours'.
        let mut rd = plain.clone();
        rd[3].hours = Hours::new(20.0);
        let (_, f) = dosimetry(
            &records(&pt, &inf, &rd, &[]),
            &rules,
            &opts,
            &Findings::default(),
        );
        let e = &f.errors[0];
        assert_eq!((e.row, e.field.as_deref()), (Some(13), Some("hours")));
        // An implausible mass for the dosimetry (1 kg): the infusion row.
        let tiny = [infusion(1, "2021-03-01", 444.0, 1.0, 3)];
        let (d, f) = dosimetry(
            &records(&pt, &tiny, &plain, &[]),
            &rules,
            &opts,
            &Findings::default(),
        );
        assert!(d.is_none());
        let e = &f.errors[0];
        assert_eq!(
            (e.file.as_str(), e.row, e.field.as_deref()),
            ("infusions.csv", Some(3), Some("weight_kg"))
        );
    }

    #[test]
    fn involvement_and_response_of_a_seed_patient() {
        // SYN-02 (examples/seed-study/assessments/SYN-02.toml): SIOPEN 17 at
        // baseline (2+3+1+3+3+2+1+2 by hand), primary 72 mm, one follow-up.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/seed-study/assessments/SYN-02.toml"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let rec =
            mibg_response::input::parse(&text, "SYN-02.toml", mibg_response::input::Format::Toml)
                .unwrap();
        let inv = involvement(&rec);
        assert!(inv.bone_marrow && inv.soft_tissue);
        // Bone/marrow involvement from each source alone: no scan and a
        // clean marrow → none; an FDG scan with 2 avid lesions (0: none);
        // a marrow sample with 10 % tumour.
        use mibg_response::record::Bone;
        let mut b = rec.clone();
        b.baseline.bone = None;
        assert_eq!(
            b.baseline.marrow.as_ref().and_then(|m| m.max_percent()),
            Some(0.0)
        );
        assert!(!involvement(&b).bone_marrow);
        b.baseline.bone = Some(Bone::Fdg { avid_lesions: 2 });
        assert!(involvement(&b).bone_marrow);
        b.baseline.bone = Some(Bone::Fdg { avid_lesions: 0 });
        assert!(!involvement(&b).bone_marrow);
        let marrow_text = text.replacen("tumour_pct = 0", "tumour_pct = 10", 1);
        let mut m = mibg_response::input::parse(
            &marrow_text,
            "SYN-02.toml",
            mibg_response::input::Format::Toml,
        )
        .unwrap();
        m.baseline.bone = None;
        assert!(involvement(&m).bone_marrow);
        let cfg = ResponseOptions::default();
        let r = response("assessments/SYN-02.toml", &rec, &cfg).unwrap();
        assert_eq!(r.siopen_before, Some(17));
        assert!(r.evaluable);
        assert_eq!(r.largest_soft_tissue_before_mm.map(|l| l.mm()), Some(72.0));
        // 72 mm ≥ 50 mm: in the soft-tissue denominator; with a threshold
        // above 72 mm it is not.
        assert_ne!(r.soft_tissue_below, CutoffStatus::NotApplicable);
        let high = ResponseOptions {
            soft_tissue_threshold_mm: 80.0,
            ..cfg.clone()
        };
        let r = response("a", &rec, &high).unwrap();
        assert_eq!(r.soft_tissue_below, CutoffStatus::NotApplicable);
        // A lesion exactly at the threshold is in the denominator (≥).
        let at = ResponseOptions {
            soft_tissue_threshold_mm: 72.0,
            ..cfg.clone()
        };
        assert_ne!(
            response("a", &rec, &at).unwrap().soft_tissue_below,
            CutoffStatus::NotApplicable
        );
        // Every patient with soft tissue at baseline: in the denominator.
        let all = ResponseOptions {
            soft_tissue_threshold_mm: 80.0,
            soft_tissue_denominator: SoftTissueDenominator::SoftTissueAtBaseline,
            ..cfg.clone()
        };
        assert_ne!(
            response("a", &rec, &all).unwrap().soft_tissue_below,
            CutoffStatus::NotApplicable
        );
        // Without the primary, no soft-tissue lesion at baseline.
        let no_primary = ResponseOptions {
            soft_tissue_includes_primary: false,
            ..cfg.clone()
        };
        assert_eq!(
            response("a", &rec, &no_primary)
                .unwrap()
                .largest_soft_tissue_before_mm,
            None
        );
        // No follow-up: not evaluable, NE.
        let mut none = rec.clone();
        none.follow_ups.clear();
        let r = response("a", &none, &cfg).unwrap();
        assert!(!r.evaluable);
        assert_eq!(r.best, "NE");
        // INRC 1993 is a named alternative and gives a category too.
        let old = ResponseOptions {
            criteria: "inrc1993".into(),
            ..cfg
        };
        assert!(!response("a", &rec, &old).unwrap().best.is_empty());
    }

    #[test]
    fn survival_times_by_hand() {
        let ev = |e: EventType, d: &str| FollowUpEvent {
            patient: "P1".into(),
            event: e,
            date: date(d),
            cause: None,
            row: 2,
        };
        let efs = mibg_study::config::default_efs();
        let os = mibg_study::config::default_os();
        let o = date("2021-03-01");
        let evs = [
            ev(EventType::Progression, "2021-06-09"),
            ev(EventType::LastContact, "2022-03-01"),
        ];
        let refs: Vec<&FollowUpEvent> = evs.iter().collect();
        // 2021-03-01 → 2021-06-09: 30 + 31 + 30 + 8 = 100 days, an event.
        let t = survival_time(&efs, o, &refs).unwrap();
        assert_eq!((t.days, t.event), (100, true));
        assert_eq!(t.event_type, Some(EventType::Progression));
        // OS: censored at the last contact, 365 days.
        let t = survival_time(&os, o, &refs).unwrap();
        assert_eq!((t.days, t.event, t.event_type), (365, false, None));
        // An event before the origin does not count.
        let t = survival_time(&efs, date("2021-07-01"), &refs).unwrap();
        assert!(!t.event);
        // Origins: first infusion, second infusion, enrolment.
        let mut pt = patient();
        pt.enrolment_date = Some(date("2021-02-01"));
        let inf = [
            infusion(1, "2021-03-01", 8880.0, 20.0, 3),
            infusion(2, "2021-03-15", 7000.0, 20.0, 4),
        ];
        let r = records(&pt, &inf, &[], &[]);
        assert_eq!(origin_date(Origin::FirstInfusion, &r), Some(o));
        assert_eq!(
            origin_date(Origin::SecondInfusion, &r),
            Some(date("2021-03-15"))
        );
        assert_eq!(origin_date(Origin::Enrolment, &r), Some(date("2021-02-01")));
        assert!(survival_time(&os, o, &[]).is_none());
    }

    #[test]
    fn age_hypothyroidism_and_toxicity_of_one_patient() {
        let pt = patient();
        // 2015-03-01 → 2021-03-01: 2192 days / 365.25 = 6.0014 years.
        let a = age_years(&pt, Some(date("2021-03-01")));
        assert!((a - 2192.0 / 365.25).abs() < 1e-12);
        let mut p2 = patient();
        p2.birth_date = None;
        p2.age_years = Some(7.5);
        assert_eq!(age_years(&p2, None), 7.5);
        p2.age_years = None;
        assert!(age_years(&p2, None).is_nan());
        let hypo = Term::parse("Hypothyroidism").unwrap();
        let e = |d: &str, g: u8| AdverseEvent {
            patient: "P1".into(),
            date: date(d),
            term: hypo,
            grade: Grade::new(g).unwrap(),
            ctcae_version: CtcaeVersion::V5_0,
            origin: None,
        };
        let first = Some(date("2021-03-01"));
        let g2 = e("2021-09-01", 2);
        let g1 = e("2021-09-01", 1);
        let before = e("2021-02-01", 3);
        assert!(hypothyroidism(&[&g2], first, hypo, 2));
        assert!(!hypothyroidism(&[&g1], first, hypo, 2));
        assert!(!hypothyroidism(&[&before], first, hypo, 2));
        assert!(hypothyroidism(&[&g2], date("2021-09-01").into(), hypo, 2));
        assert!(!hypothyroidism(&[&g2], None, hypo, 2));
        let (w, e) = toxicity(None);
        assert!(w.is_empty() && e.is_empty());
    }
}
