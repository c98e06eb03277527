//! Laboratory values, adverse events and response assessments of a course
//! held in the registry, and the toxicity and response computed from them
//! (docs/reference/registry.md §2, §8).
//!
//! The store keeps records and gathers them within the caller's scope; it
//! holds no rule. Every check and every number comes from the library
//! functions the study folder and the study report use:
//!
//! * a laboratory value, typed in a form or uploaded as the study folder's
//!   `labs.csv`, is read by `mibg_toxicity::csv_input::parse_labs_all` (the
//!   one labs parser; every problem by line and field); an adverse event by
//!   `mibg_toxicity::csv_input::parse_events` (the CTCAE term table decides
//!   the grades a term allows);
//! * the grades, nadirs and engraftment are `mibg_toxicity::analysis::analyse`
//!   over the patient's stored values, and the engraftment days those of
//!   `mibg_clinic::cohort::patient::toxicity`, as in the study report;
//! * an assessment is checked by `mibg_response::input::parse` together with
//!   the patient's other assessments, and the response is
//!   `mibg_clinic::cohort::patient::response`, the study report's function,
//!   with the registry's study settings (or the documented defaults, named).

use crate::Store;
use crate::db::Ty;
use crate::error::StoreError;
use crate::records::{
    AdverseEvent, Assessment, AssessmentKind, Course, Infusion, Lab, Record, StemCells, Stored,
    Transfusion,
};
use crate::scope::{Area, Permission, Scope};
use jiff::civil::Date;
use mibg_clinic::cohort::{PatientEngraftment, PatientResponse};
use mibg_toxicity::analysis::PatientReport;

/// One problem of a form or an uploaded file: the physical line of the
/// file (none for a form), the field, and the rule broken.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EntryProblem {
    /// Physical line of the file, as a text editor numbers it.
    pub line: Option<u64>,
    /// The column or form field.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// What an entry or an upload did: saved (how many records), or refused
/// with every problem, having saved nothing.
pub type Entry<T> = Result<T, Vec<EntryProblem>>;

/// Which analysis settings a course's toxicity and response used.
#[derive(Clone, Debug)]
pub struct Settings {
    /// "the registry's study settings (study.toml)" or "the documented
    /// defaults (no study settings in the registry)".
    pub source: &'static str,
    /// The settings.
    pub analysis: mibg_study::config::Analysis,
}

/// The toxicity of one course: the stored records and the library's
/// analysis of them.
#[derive(Debug)]
pub struct CourseToxicity {
    /// The patient.
    pub patient_id: i64,
    /// The patient's study id.
    pub study_id: String,
    /// The settings used (the window).
    pub settings: Settings,
    /// The laboratory values of the patient, by date.
    pub labs: Vec<Stored<Lab>>,
    /// The adverse events of the patient, by date.
    pub events: Vec<Stored<AdverseEvent>>,
    /// The stem-cell returns of the course (day 0 of engraftment).
    pub stem_cells: Vec<Date>,
    /// The same returns as stored (ids and versions, for their change), by
    /// date.
    pub stem_cell_returns: Vec<Stored<StemCells>>,
    /// The transfusions of the patient, by date.
    pub transfusions: Vec<Stored<Transfusion>>,
    /// The date of infusion 1 of the course (start of the window).
    pub first_infusion: Option<Date>,
    /// The analysis (`None` without laboratory values or events), or why
    /// it could not run.
    pub report: Result<Option<PatientReport>, String>,
    /// Engraftment per stem-cell return, as the study report gives it.
    pub engraftment: Vec<PatientEngraftment>,
    /// The analysis options used (window, engraftment thresholds).
    pub options: mibg_toxicity::Options,
}

/// The response of one course's patient: the stored assessments, their
/// skeletal scores and the INRC classification.
#[derive(Debug)]
pub struct CourseResponse {
    /// The patient.
    pub patient_id: i64,
    /// The patient's study id.
    pub study_id: String,
    /// The settings used (criteria, thresholds).
    pub settings: Settings,
    /// The assessments, baseline first, then by date.
    pub assessments: Vec<Stored<Assessment>>,
    /// The MIBG skeletal total of each assessment by `mibg-response`
    /// (id, total as text), when the record is valid.
    pub skeletal: Vec<(i64, String)>,
    /// The classification (`None` without a baseline), or the library's
    /// refusal of the record.
    pub response: Result<Option<PatientResponse>, String>,
}

fn csv_text(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn from_csv_error(e: &mibg_toxicity::csv_input::CsvError, form: bool) -> EntryProblem {
    let l = e.location();
    EntryProblem {
        line: if form { None } else { l.line },
        field: l.column.clone(),
        message: e.detail(),
    }
}

/// A problem of a labs file made from a list ([`Store::add_lab_entries`]):
/// the file's line 2 is the list's item 0 (line 1 is the header).
fn list_problem(p: EntryProblem) -> EntryProblem {
    let item = p.line.filter(|l| *l >= 2).map(|l| l - 2);
    let field = match (item, p.field) {
        (Some(i), Some(f)) => format!("labs[{i}].{f}"),
        (Some(i), None) => format!("labs[{i}]"),
        (None, Some(f)) => f,
        (None, None) => "labs".into(),
    };
    EntryProblem {
        line: None,
        field: Some(field),
        message: p.message,
    }
}

const LAB_HEADER: [&str; 8] = [
    "patient", "date", "test", "value", "unit", "lln", "uln", "baseline",
];

fn lab_rows(key: &str, labs: &[Stored<Lab>]) -> Vec<Vec<String>> {
    labs.iter()
        .map(|l| {
            let r = &l.record;
            vec![
                key.to_string(),
                r.date.to_string(),
                r.test.clone(),
                r.value.clone(),
                r.unit.clone(),
                r.lln.clone().unwrap_or_default(),
                r.uln.clone().unwrap_or_default(),
                if r.baseline {
                    "yes".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect()
}

/// Stored laboratory values as the toxicity crate's records, under the
/// patient key `key`, read by its own labs parser (the one every labs file
/// goes through).
///
/// # Errors
///
/// [`StoreError::Corrupt`] when a stored row no longer parses.
pub(crate) fn parsed_labs(
    key: &str,
    labs: &[Stored<Lab>],
) -> Result<Vec<mibg_toxicity::LabResult>, StoreError> {
    mibg_toxicity::csv_input::parse_labs(&csv_text(&LAB_HEADER, &lab_rows(key, labs)), "labs")
        .map_err(|e| StoreError::Corrupt(format!("stored laboratory values: {e}")))
}

/// Stored transfusions as the toxicity crate's records, as
/// [`parsed_labs`].
///
/// # Errors
///
/// [`StoreError::Corrupt`] when a stored row no longer parses.
pub(crate) fn parsed_transfusions(
    key: &str,
    transfusions: &[Stored<crate::Transfusion>],
) -> Result<Vec<mibg_toxicity::Transfusion>, StoreError> {
    let rows: Vec<Vec<String>> = transfusions
        .iter()
        .map(|t| {
            vec![
                key.to_string(),
                t.record.date.to_string(),
                t.record.product.clone(),
            ]
        })
        .collect();
    mibg_toxicity::csv_input::parse_transfusions(
        &csv_text(&["patient", "date", "product"], &rows),
        "transfusions",
    )
    .map_err(|e| StoreError::Corrupt(format!("stored transfusions: {e}")))
}

/// A laboratory value as typed in a form (the cells of one labs-file row).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabEntry {
    /// Date, YYYY-MM-DD.
    pub date: String,
    /// Test code (`neutrophils`, `platelets`, …).
    pub test: String,
    /// Value.
    pub value: String,
    /// Unit.
    pub unit: String,
    /// Lower limit of normal (may be empty).
    pub lln: String,
    /// Upper limit of normal (may be empty).
    pub uln: String,
    /// A baseline value.
    pub baseline: bool,
}

impl LabEntry {
    fn row(&self, study_id: &str) -> Vec<String> {
        vec![
            study_id.to_string(),
            self.date.trim().to_string(),
            self.test.trim().to_string(),
            self.value.trim().to_string(),
            self.unit.trim().to_string(),
            self.lln.trim().to_string(),
            self.uln.trim().to_string(),
            if self.baseline {
                "yes".into()
            } else {
                String::new()
            },
        ]
    }
}

/// The stored form of a value the labs parser read.
fn lab_record(l: &mibg_toxicity::records::LabResult) -> Lab {
    Lab {
        date: l.date,
        test: l.test.code().to_string(),
        value: l.value.to_string(),
        unit: l.unit.symbol().to_string(),
        lln: l.lln.map(|x| x.to_string()),
        uln: l.uln.map(|x| x.to_string()),
        baseline: l.baseline,
    }
}

fn no_value(what: &str) -> EntryProblem {
    EntryProblem {
        line: None,
        field: None,
        message: format!("no {what}"),
    }
}

/// An adverse event typed in a form, read by the events parser (the CTCAE
/// v5.0 term table decides the grades a term allows).
fn event_from_form(
    study_id: &str,
    date: &str,
    term: &str,
    grade: &str,
) -> Result<AdverseEvent, Vec<EntryProblem>> {
    let text = csv_text(
        &["patient", "date", "term", "grade", "ctcae_version"],
        &[vec![
            study_id.to_string(),
            date.trim().to_string(),
            term.trim().to_string(),
            grade.trim().to_string(),
            "5.0".into(),
        ]],
    );
    match mibg_toxicity::csv_input::parse_events(&text, "form") {
        Ok(mut v) if v.len() == 1 => {
            let e = v.remove(0);
            Ok(AdverseEvent {
                date: e.date,
                term: e.term.code().to_string(),
                grade: i64::from(e.grade.get()),
                ctcae_version: Some(e.ctcae_version.as_str().to_string()),
            })
        }
        Ok(_) => Err(vec![no_value("event")]),
        Err(e) => Err(vec![from_csv_error(&e, true)]),
    }
}

impl Store {
    /// The analysis settings: the registry's study settings when a study
    /// folder was imported, else the documented defaults.
    pub async fn analysis_settings(&self) -> Result<Settings, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let row = tx
            .fetch_optional(
                "SELECT config_toml FROM study WHERE id = 1",
                &[],
                &[Ty::Text],
            )
            .await?;
        tx.rollback().await?;
        if let Some(text) = row.as_ref().and_then(|r| r[0].as_text()) {
            let cfg = toml::from_str::<mibg_study::StudyConfig>(text)
                .map_err(|e| StoreError::Corrupt(format!("stored study settings: {e}")))?;
            return Ok(Settings {
                source: "the registry's study settings (study.toml)",
                analysis: cfg.analysis,
            });
        }
        Ok(Settings {
            source: "the documented defaults (no study settings in the registry)",
            analysis: mibg_study::config::Analysis::default(),
        })
    }

    pub(crate) async fn live_course(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<Stored<Course>, StoreError> {
        let c = self.get::<Course>(scope, course_id).await?;
        if c.deleted {
            return Err(StoreError::NotFound {
                entity: "courses",
                id: course_id.to_string(),
            });
        }
        Ok(c)
    }

    pub(crate) async fn study_id_of(
        &self,
        scope: &Scope,
        patient: i64,
    ) -> Result<String, StoreError> {
        Ok(self
            .get::<crate::Patient>(scope, patient)
            .await?
            .record
            .study_id)
    }

    /// Laboratory values of a course's patient from a labs file in the
    /// study folder's format (`patient,date,test,value,unit,lln,uln[,baseline]`),
    /// read by the one labs parser; every row must name the course's
    /// patient. All or nothing: any problem saves nothing and every
    /// problem is returned by line and field. `form` marks a single value
    /// typed in a form (its problems name fields, not lines).
    pub async fn add_labs(
        &self,
        scope: &Scope,
        course_id: i64,
        file: &str,
        text: &str,
        form: bool,
    ) -> Result<Entry<usize>, StoreError> {
        scope.require(Permission::Write(Area::Toxicity))?;
        let course = self.live_course(scope, course_id).await?;
        let sid = self.study_id_of(scope, course.patient_id).await?;
        let labs = match mibg_toxicity::csv_input::parse_labs_all(text, file) {
            Ok(l) => l,
            Err(all) => return Ok(Err(all.iter().map(|e| from_csv_error(e, form)).collect())),
        };
        let wrong: Vec<EntryProblem> = labs
            .iter()
            .filter(|l| *l.patient != *sid)
            .map(|l| EntryProblem {
                line: l.origin.as_ref().map(|o| o.row),
                field: Some("patient".into()),
                message: format!(
                    "'{}' is not this course's patient ({sid}); nothing was saved",
                    mibg_csv::excerpt(&l.patient)
                ),
            })
            .collect();
        if !wrong.is_empty() {
            return Ok(Err(wrong));
        }
        if labs.is_empty() {
            return Ok(Err(vec![EntryProblem {
                line: None,
                field: None,
                message: format!("{file}: no laboratory value in the file"),
            }]));
        }
        let records: Vec<Lab> = labs.iter().map(lab_record).collect();
        let n = records.len();
        self.create_all(scope, course.patient_id, &records).await?;
        Ok(Ok(n))
    }

    /// Laboratory values sent as a list (the JSON API): read together as
    /// one labs file by the one labs parser ([`Store::add_labs`]), all or
    /// nothing. A problem names the value by its place in the list and its
    /// field (`labs[1].value`), not by a line of a file the caller never
    /// wrote.
    pub async fn add_lab_entries(
        &self,
        scope: &Scope,
        course_id: i64,
        entries: &[LabEntry],
    ) -> Result<Entry<usize>, StoreError> {
        scope.require(Permission::Write(Area::Toxicity))?;
        let course = self.live_course(scope, course_id).await?;
        if entries.is_empty() {
            return Ok(Err(vec![EntryProblem {
                line: None,
                field: Some("labs".into()),
                message: "no laboratory value in the list".into(),
            }]));
        }
        let sid = self.study_id_of(scope, course.patient_id).await?;
        let rows: Vec<Vec<String>> = entries.iter().map(|e| e.row(&sid)).collect();
        let text = csv_text(&LAB_HEADER, &rows);
        let r = self
            .add_labs(scope, course_id, "labs", &text, false)
            .await?;
        Ok(r.map_err(|all| all.into_iter().map(list_problem).collect()))
    }

    /// One laboratory value typed in a form: checked by the same parser as
    /// a file (a one-row labs file).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_lab(
        &self,
        scope: &Scope,
        course_id: i64,
        date: &str,
        test: &str,
        value: &str,
        unit: &str,
        lln: &str,
        uln: &str,
        baseline: bool,
    ) -> Result<Entry<usize>, StoreError> {
        scope.require(Permission::Write(Area::Toxicity))?;
        let course = self.live_course(scope, course_id).await?;
        let sid = self.study_id_of(scope, course.patient_id).await?;
        let row = vec![
            sid,
            date.trim().to_string(),
            test.trim().to_string(),
            value.trim().to_string(),
            unit.trim().to_string(),
            lln.trim().to_string(),
            uln.trim().to_string(),
            if baseline {
                "yes".into()
            } else {
                String::new()
            },
        ];
        let text = csv_text(&LAB_HEADER, &[row]);
        self.add_labs(scope, course_id, "form", &text, true).await
    }

    /// A record of a course's patient, not deleted, within the scope (the
    /// record an edit page shows): another patient's, a deleted one or one
    /// of another centre is "not found".
    pub async fn course_record<T: Record>(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
    ) -> Result<Stored<T>, StoreError> {
        let course = self.live_course(scope, course_id).await?;
        let r = self.get::<T>(scope, id).await?;
        if r.deleted || r.patient_id != course.patient_id {
            return Err(StoreError::NotFound {
                entity: T::TABLE,
                id: id.to_string(),
            });
        }
        Ok(r)
    }

    /// Changes a laboratory value of a course's patient: read again by the
    /// one labs parser (as a one-row labs file), then saved as a new
    /// version if `version` is still the current one (else
    /// [`StoreError::Conflict`] with the current values). A reason is
    /// required; every changed field is audited old → new. The grades are
    /// computed from the stored values whenever they are shown.
    pub async fn update_lab(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        entry: &LabEntry,
        reason: &str,
    ) -> Result<Entry<Stored<Lab>>, StoreError> {
        scope.require(Permission::Write(Area::Toxicity))?;
        let current = self.course_record::<Lab>(scope, course_id, id).await?;
        let sid = self.study_id_of(scope, current.patient_id).await?;
        let text = csv_text(&LAB_HEADER, &[entry.row(&sid)]);
        let lab = match mibg_toxicity::csv_input::parse_labs_all(&text, "form") {
            Ok(l) if l.len() == 1 => lab_record(&l[0]),
            Ok(_) => return Ok(Err(vec![no_value("laboratory value")])),
            Err(all) => return Ok(Err(all.iter().map(|e| from_csv_error(e, true)).collect())),
        };
        Ok(Ok(self.update(scope, id, version, &lab, reason).await?))
    }

    /// Changes an adverse event of a course's patient: the term and grade
    /// read again by the events parser (the term table), then saved as
    /// [`Store::update_lab`] does.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_adverse_event(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        date: &str,
        term: &str,
        grade: &str,
        reason: &str,
    ) -> Result<Entry<Stored<AdverseEvent>>, StoreError> {
        scope.require(Permission::Write(Area::Toxicity))?;
        let current = self
            .course_record::<AdverseEvent>(scope, course_id, id)
            .await?;
        let sid = self.study_id_of(scope, current.patient_id).await?;
        let e = match event_from_form(&sid, date, term, grade) {
            Ok(e) => e,
            Err(p) => return Ok(Err(p)),
        };
        Ok(Ok(self.update(scope, id, version, &e, reason).await?))
    }

    /// Flags a laboratory value, an adverse event or a transfusion of a
    /// course's patient deleted (the row and its history stay; a reason is
    /// required; the version must be current). It no longer counts in the
    /// grades (a platelet transfusion: in the platelet recovery).
    pub async fn delete_toxicity_record<T: Record>(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<Stored<T>, StoreError> {
        if !matches!(T::TABLE, "labs" | "adverse_events" | "transfusions") {
            return Err(StoreError::Forbidden(format!(
                "{} is not a toxicity record",
                T::TABLE
            )));
        }
        scope.require(Permission::Write(Area::Toxicity))?;
        self.course_record::<T>(scope, course_id, id).await?;
        self.delete::<T>(scope, id, version, reason).await
    }

    /// An adverse event of a course's patient with its CTCAE v5.0 grade:
    /// the term and the grade are checked by the events parser of
    /// `mibg-toxicity` (the term table: a grade the term does not allow, a
    /// term graded from laboratory values, are refused).
    pub async fn add_adverse_event(
        &self,
        scope: &Scope,
        course_id: i64,
        date: &str,
        term: &str,
        grade: &str,
    ) -> Result<Entry<Stored<AdverseEvent>>, StoreError> {
        scope.require(Permission::Write(Area::Toxicity))?;
        let course = self.live_course(scope, course_id).await?;
        let sid = self.study_id_of(scope, course.patient_id).await?;
        let e = match event_from_form(&sid, date, term, grade) {
            Ok(e) => e,
            Err(p) => return Ok(Err(p)),
        };
        let stored = self.create(scope, course.patient_id, &e).await?;
        Ok(Ok(stored))
    }

    /// The toxicity of a course: the patient's laboratory values and
    /// events graded by the toxicity crate's analysis, in the window from
    /// the course's infusion 1 to the study's days after its last
    /// stem-cell return, with engraftment per return.
    pub async fn course_toxicity(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<CourseToxicity, StoreError> {
        let course = self.live_course(scope, course_id).await?;
        let patient = course.patient_id;
        let study_id = self.study_id_of(scope, patient).await?;
        let settings = self.analysis_settings().await?;
        let mut labs: Vec<_> = self
            .list::<Lab>(scope, patient)
            .await?
            .into_iter()
            .filter(|l| !l.deleted)
            .collect();
        labs.sort_by_key(|a| (a.record.date, a.id));
        let mut events: Vec<_> = self
            .list::<AdverseEvent>(scope, patient)
            .await?
            .into_iter()
            .filter(|e| !e.deleted)
            .collect();
        events.sort_by_key(|a| (a.record.date, a.id));
        let mut transfusions: Vec<_> = self
            .list::<Transfusion>(scope, patient)
            .await?
            .into_iter()
            .filter(|t| !t.deleted)
            .collect();
        transfusions.sort_by_key(|t| (t.record.date, t.id));
        let mut stem_cell_returns: Vec<Stored<StemCells>> = self
            .list::<StemCells>(scope, patient)
            .await?
            .into_iter()
            .filter(|s| !s.deleted && s.record.course_id.is_none_or(|c| c == course_id))
            .collect();
        stem_cell_returns.sort_by_key(|s| (s.record.date, s.id));
        let stem_cells: Vec<Date> = stem_cell_returns.iter().map(|s| s.record.date).collect();
        let first_infusion = self
            .list::<Infusion>(scope, patient)
            .await?
            .into_iter()
            .find(|i| !i.deleted && i.record.course_id == course_id && i.record.number == 1)
            .map(|i| i.record.date);
        let mut out = CourseToxicity {
            patient_id: patient,
            study_id,
            settings,
            labs,
            events,
            stem_cells,
            stem_cell_returns,
            transfusions: transfusions.clone(),
            first_infusion,
            report: Ok(None),
            engraftment: Vec::new(),
            options: mibg_toxicity::Options::default(),
        };
        out.options.window_days = out.settings.analysis.toxicity.window_days_after_stem_cells;
        if out.labs.is_empty() && out.events.is_empty() {
            return Ok(out);
        }
        let key = "p";
        let stored = |what: &str, e: mibg_toxicity::csv_input::CsvError| {
            StoreError::Corrupt(format!("stored {what}: {e}"))
        };
        let lab_input = parsed_labs(key, &out.labs)?;
        let event_rows: Vec<Vec<String>> = out
            .events
            .iter()
            .map(|e| {
                vec![
                    key.to_string(),
                    e.record.date.to_string(),
                    e.record.term.clone(),
                    e.record.grade.to_string(),
                    e.record.ctcae_version.clone().unwrap_or_default(),
                ]
            })
            .collect();
        let event_input = mibg_toxicity::csv_input::parse_events(
            &csv_text(
                &["patient", "date", "term", "grade", "ctcae_version"],
                &event_rows,
            ),
            "adverse events",
        )
        .map_err(|e| stored("adverse events", e))?;
        let tr_input = parsed_transfusions(key, &transfusions)?;
        let input = mibg_toxicity::ToxicityInput {
            labs: lab_input,
            events: event_input,
            transfusions: tr_input,
            schedules: vec![mibg_toxicity::Schedule {
                patient: key.to_string(),
                window_start: out.first_infusion,
                stem_cells: out.stem_cells.clone(),
            }],
        };
        match mibg_toxicity::analyse(&input, &out.options) {
            Ok(r) => {
                let report = r.patients.into_iter().find(|p| p.patient == key);
                out.engraftment = mibg_clinic::cohort::patient::toxicity(report.as_ref()).1;
                out.report = Ok(report);
            }
            Err(e) => out.report = Err(e.to_string()),
        }
        Ok(out)
    }

    /// A response assessment of a course's patient (the JSON object of the
    /// `mibg response` format: `date`, `primary`, `soft_tissue`, `mibg`,
    /// `marrow`, `new_lesions`, …), checked by the response crate together
    /// with the patient's other assessments before it is saved.
    pub async fn add_assessment(
        &self,
        scope: &Scope,
        course_id: i64,
        kind: AssessmentKind,
        content: serde_json::Value,
    ) -> Result<Entry<Stored<Assessment>>, StoreError> {
        scope.require(Permission::Write(Area::Response))?;
        let course = self.live_course(scope, course_id).await?;
        let patient = course.patient_id;
        let sid = self.study_id_of(scope, patient).await?;
        let problem = |field: Option<&str>, message: String| {
            Ok(Err(vec![EntryProblem {
                line: None,
                field: field.map(str::to_string),
                message,
            }]))
        };
        let Some(date) = content
            .get("date")
            .and_then(|d| d.as_str())
            .and_then(|d| d.parse::<Date>().ok())
        else {
            return problem(Some("date"), "a date (YYYY-MM-DD) is required".into());
        };
        let existing: Vec<_> = self
            .list::<Assessment>(scope, patient)
            .await?
            .into_iter()
            .filter(|a| !a.deleted)
            .collect();
        let has_baseline = existing
            .iter()
            .any(|a| a.record.kind == AssessmentKind::Baseline);
        match kind {
            AssessmentKind::Baseline if has_baseline => {
                return problem(
                    Some("kind"),
                    format!("{sid} already has a baseline assessment; record a follow-up"),
                );
            }
            AssessmentKind::FollowUp if !has_baseline => {
                return problem(
                    Some("kind"),
                    "record the baseline assessment first (a follow-up is compared with it)".into(),
                );
            }
            _ => {}
        }
        let mut all = existing.clone();
        all.push(Stored {
            id: 0,
            centre_id: course.centre_id,
            patient_id: patient,
            version: 1,
            deleted: false,
            record: Assessment {
                kind,
                date,
                content: content.clone(),
            },
        });
        if let Err(e) = patient_record(&sid, &all) {
            return problem(None, e);
        }
        let stored = self
            .create(
                scope,
                patient,
                &Assessment {
                    kind,
                    date,
                    content,
                },
            )
            .await?;
        Ok(Ok(stored))
    }

    /// Changes a response assessment of a course's patient: checked by the
    /// response crate together with the patient's other assessments (one
    /// baseline; follow-ups need it), then saved as a new version if
    /// `version` is still current (else [`StoreError::Conflict`] with the
    /// current values). A reason is required; the change is audited old →
    /// new; the response is classified again whenever it is shown.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_assessment(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        kind: AssessmentKind,
        content: serde_json::Value,
        reason: &str,
    ) -> Result<Entry<Stored<Assessment>>, StoreError> {
        scope.require(Permission::Write(Area::Response))?;
        let current = self
            .course_record::<Assessment>(scope, course_id, id)
            .await?;
        let patient = current.patient_id;
        let sid = self.study_id_of(scope, patient).await?;
        let Some(date) = content
            .get("date")
            .and_then(|d| d.as_str())
            .and_then(|d| d.parse::<Date>().ok())
        else {
            return Ok(Err(vec![EntryProblem {
                line: None,
                field: Some("date".into()),
                message: "a date (YYYY-MM-DD) is required".into(),
            }]));
        };
        let mut all: Vec<_> = self
            .list::<Assessment>(scope, patient)
            .await?
            .into_iter()
            .filter(|a| !a.deleted && a.id != id)
            .collect();
        let record = Assessment {
            kind,
            date,
            content,
        };
        let other_baseline = all
            .iter()
            .any(|a| a.record.kind == AssessmentKind::Baseline);
        let problem = |field: &str, message: String| {
            Ok(Err(vec![EntryProblem {
                line: None,
                field: Some(field.into()),
                message,
            }]))
        };
        if kind == AssessmentKind::Baseline && other_baseline {
            return problem(
                "kind",
                format!("{sid} already has another baseline assessment"),
            );
        }
        if kind == AssessmentKind::FollowUp && !other_baseline {
            return problem(
                "kind",
                "this is the baseline: the follow-ups are compared with it".into(),
            );
        }
        all.push(Stored {
            record: record.clone(),
            ..current
        });
        if let Err(e) = patient_record(&sid, &all) {
            return problem("content", e);
        }
        Ok(Ok(self.update(scope, id, version, &record, reason).await?))
    }

    /// Flags a response assessment deleted (the row and its history stay; a
    /// reason is required; the version must be current). The baseline of a
    /// patient with follow-ups is refused: delete the follow-ups first.
    pub async fn delete_assessment(
        &self,
        scope: &Scope,
        course_id: i64,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<Entry<Stored<Assessment>>, StoreError> {
        scope.require(Permission::Write(Area::Response))?;
        let current = self
            .course_record::<Assessment>(scope, course_id, id)
            .await?;
        if current.record.kind == AssessmentKind::Baseline {
            let follow_ups = self
                .list::<Assessment>(scope, current.patient_id)
                .await?
                .into_iter()
                .filter(|a| !a.deleted && a.record.kind == AssessmentKind::FollowUp)
                .count();
            if follow_ups > 0 {
                return Ok(Err(vec![EntryProblem {
                    line: None,
                    field: Some("kind".into()),
                    message: format!(
                        "the baseline is compared with {follow_ups} follow-up assessment(s): delete those first"
                    ),
                }]));
            }
        }
        Ok(Ok(self
            .delete::<Assessment>(scope, id, version, reason)
            .await?))
    }

    /// The response of a course's patient by the study report's function,
    /// with the skeletal score of each assessment.
    pub async fn course_response(
        &self,
        scope: &Scope,
        course_id: i64,
    ) -> Result<CourseResponse, StoreError> {
        let course = self.live_course(scope, course_id).await?;
        let patient = course.patient_id;
        let study_id = self.study_id_of(scope, patient).await?;
        let settings = self.analysis_settings().await?;
        let mut assessments: Vec<_> = self
            .list::<Assessment>(scope, patient)
            .await?
            .into_iter()
            .filter(|a| !a.deleted)
            .collect();
        assessments.sort_by(|a, b| {
            (
                a.record.kind != AssessmentKind::Baseline,
                a.record.date,
                a.id,
            )
                .cmp(&(
                    b.record.kind != AssessmentKind::Baseline,
                    b.record.date,
                    b.id,
                ))
        });
        let mut out = CourseResponse {
            patient_id: patient,
            study_id,
            settings,
            assessments,
            skeletal: Vec::new(),
            response: Ok(None),
        };
        if !out
            .assessments
            .iter()
            .any(|a| a.record.kind == AssessmentKind::Baseline)
        {
            return Ok(out);
        }
        let rec = match patient_record(&out.study_id, &out.assessments) {
            Ok(r) => r,
            Err(e) => {
                out.response = Err(e);
                return Ok(out);
            }
        };
        let total = |a: &mibg_response::record::Assessment| match &a.bone {
            Some(mibg_response::record::Bone::Mibg { score, .. }) => {
                format!("{} {}", score.method(), score.skeletal())
            }
            Some(mibg_response::record::Bone::Fdg { avid_lesions }) => {
                format!("FDG: {avid_lesions} avid bone lesion(s)")
            }
            None => "no bone assessment".into(),
        };
        // `patient_record` keeps the order: baseline, then follow-ups by date.
        let mut totals = vec![total(&rec.baseline)];
        totals.extend(rec.follow_ups.iter().map(total));
        out.skeletal = out.assessments.iter().map(|a| a.id).zip(totals).collect();
        out.response = mibg_clinic::cohort::patient::response(
            &format!("registry assessments of {}", out.study_id),
            &rec,
            &out.settings.analysis.response,
        )
        .map(Some)
        .map_err(|p| p.message);
        Ok(out)
    }
}

/// The patient's record in the response crate's terms from stored
/// assessments (baseline first, then follow-ups by date), checked by its
/// parser; the error in words.
fn patient_record(
    study_id: &str,
    all: &[Stored<Assessment>],
) -> Result<mibg_response::record::PatientRecord, String> {
    let baseline = all
        .iter()
        .find(|a| a.record.kind == AssessmentKind::Baseline)
        .ok_or("no baseline assessment")?;
    let mut fus: Vec<&Stored<Assessment>> = all
        .iter()
        .filter(|a| a.record.kind == AssessmentKind::FollowUp)
        .collect();
    fus.sort_by_key(|a| (a.record.date, a.id));
    let doc = serde_json::json!({
        "patient": study_id,
        "baseline": baseline.record.content,
        "follow_up": fus.iter().map(|a| a.record.content.clone()).collect::<Vec<_>>(),
    });
    mibg_response::input::parse(
        &doc.to_string(),
        "assessment",
        mibg_response::input::Format::Json,
    )
    .map_err(|e| match e {
        mibg_response::input::InputError::Record { error, .. } => error.to_string(),
        other => other.to_string(),
    })
}
