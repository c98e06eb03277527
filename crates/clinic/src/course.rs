//! The course of treatment as a workflow (docs/reference/registry.md §2): which step a
//! course has reached, and what is missing to move on.
//!
//! States of one course, in order: enrolled → plan signed → infusion 1
//! given → readings → dosimetry → infusion 2 proposed (physicist) →
//! infusion 2 approved (physician) → infusion 2 given → post-infusion
//! readings → melphalan → stem cells → engraftment → response assessments →
//! follow-up. [`status`] is a pure function of the facts a store gathers
//! ([`CourseFacts`]); it holds no rule of its own beyond the order of the
//! steps: the readings rule is the dosimetry crate's
//! ([`mibg_dosimetry::readings::MIN_READINGS`],
//! [`mibg_dosimetry::DEFAULT_MIN_LAST_READING_H`]) and engraftment is the
//! toxicity crate's (CIBMTR, [`engraftment`]).

use jiff::civil::Date;
use mibg_toxicity::engraftment::Recovery;
use mibg_toxicity::records::{LabResult, Transfusion};
use mibg_units::Hours;
use serde::Serialize;
use std::fmt;

/// One step of the course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The patient is enrolled in the course.
    Enrolled,
    /// The plan (infusion-1 activity) is authored and approved.
    PlanSigned,
    /// Infusion 1 is recorded as given.
    Infusion1Given,
    /// Enough dose-rate readings after infusion 1 for dosimetry.
    Readings,
    /// The dosimetry of infusion 1 is stored.
    Dosimetry,
    /// The infusion-2 prescription is authored (physicist).
    Infusion2Proposed,
    /// The infusion-2 prescription is approved (physician, not the author).
    Infusion2Approved,
    /// Infusion 2 is recorded as given.
    Infusion2Given,
    /// Readings after infusion 2 (the delivered total).
    PostInfusionReadings,
    /// Melphalan given.
    Melphalan,
    /// Stem cells returned.
    StemCells,
    /// Neutrophil and platelet recovery.
    Engraftment,
    /// At least one response assessment after treatment.
    ResponseAssessment,
    /// A follow-up outcome (death or last contact) recorded.
    FollowUp,
}

impl Step {
    /// Every step, in workflow order.
    pub const ALL: [Step; 14] = [
        Step::Enrolled,
        Step::PlanSigned,
        Step::Infusion1Given,
        Step::Readings,
        Step::Dosimetry,
        Step::Infusion2Proposed,
        Step::Infusion2Approved,
        Step::Infusion2Given,
        Step::PostInfusionReadings,
        Step::Melphalan,
        Step::StemCells,
        Step::Engraftment,
        Step::ResponseAssessment,
        Step::FollowUp,
    ];
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Enrolled => "enrolled",
            Step::PlanSigned => "plan signed",
            Step::Infusion1Given => "infusion 1 given",
            Step::Readings => "readings",
            Step::Dosimetry => "dosimetry",
            Step::Infusion2Proposed => "infusion 2 proposed",
            Step::Infusion2Approved => "infusion 2 approved",
            Step::Infusion2Given => "infusion 2 given",
            Step::PostInfusionReadings => "post-infusion readings",
            Step::Melphalan => "melphalan",
            Step::StemCells => "stem cells",
            Step::Engraftment => "engraftment",
            Step::ResponseAssessment => "response assessment",
            Step::FollowUp => "follow-up",
        })
    }
}

/// The signatures of a prescription.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SignOffFacts {
    /// A prescription exists.
    pub exists: bool,
    /// It carries a valid author signature.
    pub authored: bool,
    /// It carries a valid approval by someone other than the author.
    pub approved: bool,
}

/// Recovery after the stem-cell return.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EngraftmentFacts {
    /// Neutrophils recovered (or never fell below the threshold).
    pub neutrophils: bool,
    /// Platelets recovered (or never fell below the threshold).
    pub platelets: bool,
}

/// What a store knows about one course.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CourseFacts {
    /// The course was imported from a study folder: its plan and
    /// prescriptions were signed outside the registry, so missing
    /// signatures are "not recorded" rather than missing.
    pub imported: bool,
    /// The plan (infusion 1).
    pub plan: SignOffFacts,
    /// Infusion 1 recorded as given.
    pub infusion1_given: bool,
    /// Times of the readings after infusion 1.
    pub readings1: Vec<Hours>,
    /// A dosimetry result of infusion 1 is stored.
    pub dosimetry_stored: bool,
    /// The stored dosimetry concludes that no second infusion is given
    /// (D1 at target, or A2 below the minimum worthwhile activity).
    pub no_second_infusion: bool,
    /// The infusion-2 prescription.
    pub prescription2: SignOffFacts,
    /// Infusion 2 recorded as given.
    pub infusion2_given: bool,
    /// Times of the readings after infusion 2.
    pub readings2: Vec<Hours>,
    /// Melphalan recorded.
    pub melphalan_given: bool,
    /// Stem-cell return recorded.
    pub stem_cells_given: bool,
    /// Recovery after the (last) stem-cell return, when computable.
    pub engraftment: Option<EngraftmentFacts>,
    /// A baseline response assessment is recorded.
    pub baseline_assessment: bool,
    /// Follow-up response assessments recorded.
    pub follow_up_assessments: usize,
    /// Death or last contact recorded.
    pub outcome_recorded: bool,
}

/// The state of one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "missing", rename_all = "snake_case")]
pub enum StepState {
    /// Done.
    Done,
    /// Not done: what is missing, in words.
    Missing(Vec<String>),
    /// Does not apply to this course (e.g. no second infusion).
    NotApplicable(String),
    /// Happened outside the registry (an imported course): not recorded here.
    NotRecorded,
}

impl StepState {
    fn passes(&self) -> bool {
        !matches!(self, StepState::Missing(_))
    }
}

/// Where a course stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CourseStatus {
    /// The last step reached (every step up to it done, not applicable or
    /// not recorded).
    pub reached: Step,
    /// The next step, if any, and what it is missing.
    pub next: Option<(Step, Vec<String>)>,
    /// Every step with its state.
    pub steps: Vec<(Step, StepState)>,
}

fn readings_state(times: &[Hours], infusion: u32) -> StepState {
    let need_n = mibg_dosimetry::readings::MIN_READINGS;
    let need_h = mibg_dosimetry::DEFAULT_MIN_LAST_READING_H;
    let n = times.len();
    let last = times.iter().map(|h| h.hours()).fold(f64::NAN, f64::max);
    let mut missing = Vec::new();
    if n < need_n {
        missing.push(format!(
            "{n} reading(s) after infusion {infusion}, need ≥ {need_n}"
        ));
    }
    if n == 0 || last < need_h {
        missing.push(if n == 0 {
            format!("no reading yet; the last must be ≥ {need_h} h after the end of infusion {infusion}")
        } else {
            format!("last reading at {last} h, need one ≥ {need_h} h after the end of infusion {infusion}")
        });
    }
    if missing.is_empty() {
        StepState::Done
    } else {
        StepState::Missing(missing)
    }
}

fn signed(s: SignOffFacts, imported: bool, approval: bool, what: &str) -> StepState {
    let ok = if approval { s.approved } else { s.authored };
    if ok {
        StepState::Done
    } else if imported {
        StepState::NotRecorded
    } else if !s.exists {
        StepState::Missing(vec![format!("no {what} prescription yet")])
    } else if approval {
        StepState::Missing(vec![format!(
            "the {what} prescription awaits approval by a physician other than its author"
        )])
    } else {
        StepState::Missing(vec![format!(
            "the {what} prescription awaits its author's signature"
        )])
    }
}

fn done_if(b: bool, missing: &str) -> StepState {
    if b {
        StepState::Done
    } else {
        StepState::Missing(vec![missing.to_string()])
    }
}

/// The state of every step and the step reached.
pub fn status(f: &CourseFacts) -> CourseStatus {
    let no2 = |s: StepState| {
        if f.no_second_infusion && !f.infusion2_given {
            StepState::NotApplicable("no second infusion (dosimetry of infusion 1)".into())
        } else {
            s
        }
    };
    let plan = {
        let authored = signed(f.plan, f.imported, false, "plan");
        match authored {
            StepState::Done => signed(f.plan, f.imported, true, "plan"),
            other => other,
        }
    };
    let dosimetry = if f.dosimetry_stored {
        StepState::Done
    } else if f.imported {
        StepState::NotRecorded
    } else {
        StepState::Missing(vec!["no dosimetry of infusion 1 stored".into()])
    };
    let engraftment = match (f.stem_cells_given, f.engraftment) {
        (_, Some(e)) if e.neutrophils && e.platelets => StepState::Done,
        (false, _) => StepState::Missing(vec!["stem cells not yet returned".into()]),
        (true, None) => {
            StepState::Missing(vec!["no blood counts after the stem-cell return".into()])
        }
        (true, Some(e)) => StepState::Missing(
            [
                (!e.neutrophils).then(|| "neutrophils not recovered".to_string()),
                (!e.platelets).then(|| "platelets not recovered".to_string()),
            ]
            .into_iter()
            .flatten()
            .collect(),
        ),
    };
    let response = if f.follow_up_assessments > 0 {
        StepState::Done
    } else if !f.baseline_assessment {
        StepState::Missing(vec![
            "no baseline assessment, no follow-up assessment".into(),
        ])
    } else {
        StepState::Missing(vec!["no follow-up assessment after treatment".into()])
    };
    let steps = vec![
        (Step::Enrolled, StepState::Done),
        (Step::PlanSigned, plan),
        (
            Step::Infusion1Given,
            done_if(f.infusion1_given, "infusion 1 not recorded as given"),
        ),
        (Step::Readings, readings_state(&f.readings1, 1)),
        (Step::Dosimetry, dosimetry),
        (
            Step::Infusion2Proposed,
            no2(signed(f.prescription2, f.imported, false, "infusion-2")),
        ),
        (
            Step::Infusion2Approved,
            no2(signed(f.prescription2, f.imported, true, "infusion-2")),
        ),
        (
            Step::Infusion2Given,
            no2(done_if(
                f.infusion2_given,
                "infusion 2 not recorded as given",
            )),
        ),
        (
            Step::PostInfusionReadings,
            no2(readings_state(&f.readings2, 2)),
        ),
        (
            Step::Melphalan,
            if f.melphalan_given {
                StepState::Done
            } else if f.imported {
                StepState::NotRecorded
            } else {
                StepState::Missing(vec!["melphalan not recorded".into()])
            },
        ),
        (
            Step::StemCells,
            done_if(f.stem_cells_given, "stem-cell return not recorded"),
        ),
        (Step::Engraftment, engraftment),
        (Step::ResponseAssessment, response),
        (
            Step::FollowUp,
            done_if(f.outcome_recorded, "no death or last contact recorded"),
        ),
    ];
    let first_open = steps.iter().position(|(_, s)| !s.passes());
    // Step 0 (enrolled) is always done, so an open step has a predecessor.
    let reached = match first_open {
        Some(i) => steps[i.max(1) - 1].0,
        None => Step::FollowUp,
    };
    let next = first_open.map(|i| {
        let missing = match &steps[i].1 {
            StepState::Missing(m) => m.clone(),
            _ => Vec::new(),
        };
        (steps[i].0, missing)
    });
    CourseStatus {
        reached,
        next,
        steps,
    }
}

/// Whether infusion `number` may be recorded as given now, from the
/// facts of its course (docs/reference/registry.md §2: what is given
/// follows what was prescribed and approved). Infusion 1 follows the
/// approved plan; infusion 2 follows infusion 1 and the approved
/// infusion-2 prescription, unless the dosimetry concluded that no second
/// infusion is given. An imported course (its signatures kept outside the
/// registry) needs no registry approval. `Err` says what is missing.
pub fn may_record_infusion(f: &CourseFacts, number: u32) -> Result<(), String> {
    match number {
        1 => {
            if f.infusion1_given {
                Err("infusion 1 is already recorded as given".into())
            } else if !f.imported && !f.plan.approved {
                Err(
                    "infusion 1 is recorded once the plan is approved by a physician other than its author"
                        .into(),
                )
            } else {
                Ok(())
            }
        }
        2 => {
            if f.infusion2_given {
                Err("infusion 2 is already recorded as given".into())
            } else if !f.infusion1_given {
                Err("infusion 2 follows infusion 1, which is not recorded as given".into())
            } else if f.no_second_infusion {
                Err("the dosimetry of infusion 1 concluded that no second infusion is given".into())
            } else if !f.imported && !f.prescription2.approved {
                Err(
                    "infusion 2 is recorded once its prescription is approved by a physician other than its author"
                        .into(),
                )
            } else {
                Ok(())
            }
        }
        n => Err(format!("infusion {n}: a course has infusions 1 and 2")),
    }
}

/// Neutrophil and platelet recovery after the last stem-cell return, by
/// the toxicity crate's engraftment rules (CIBMTR defaults,
/// [`mibg_toxicity::analysis::engraftment_episodes`], the episodes `mibg
/// toxicity` reports), from one patient's laboratory values and
/// transfusions. Only the neutrophil and platelet counts are read: a problem
/// in another test (a duplicated baseline, say) does not hide the state.
/// `None` without stem cells, without blood counts after the last return, or
/// when that return's episode cannot be dated.
pub fn engraftment(
    stem_cells: &[Date],
    labs: &[LabResult],
    transfusions: &[Transfusion],
) -> Option<EngraftmentFacts> {
    let options = mibg_toxicity::analysis::Options::default();
    let episodes = mibg_toxicity::analysis::engraftment_episodes(
        labs,
        stem_cells,
        transfusions,
        &options.engraftment,
    )
    .ok()?;
    let episode = episodes.last()?;
    let ok = |r: &Recovery| matches!(r, Recovery::Recovered { .. } | Recovery::NotApplicable);
    if matches!(episode.neutrophils, Recovery::NoData)
        && matches!(episode.platelets, Recovery::NoData)
    {
        return None;
    }
    Some(EngraftmentFacts {
        neutrophils: ok(&episode.neutrophils),
        platelets: ok(&episode.platelets),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_infusion_follows_its_approved_prescription() {
        let mut f = CourseFacts::default();
        assert!(
            may_record_infusion(&f, 1)
                .unwrap_err()
                .contains("plan is approved")
        );
        f.plan = SignOffFacts {
            exists: true,
            authored: true,
            approved: false,
        };
        assert!(may_record_infusion(&f, 1).is_err());
        f.plan.approved = true;
        assert_eq!(may_record_infusion(&f, 1), Ok(()));
        assert!(
            may_record_infusion(&f, 2)
                .unwrap_err()
                .contains("infusion 1")
        );
        f.infusion1_given = true;
        assert!(may_record_infusion(&f, 1).unwrap_err().contains("already"));
        f.prescription2 = SignOffFacts {
            exists: true,
            authored: true,
            approved: false,
        };
        assert!(may_record_infusion(&f, 2).unwrap_err().contains("approved"));
        f.prescription2.approved = true;
        assert_eq!(may_record_infusion(&f, 2), Ok(()));
        f.no_second_infusion = true;
        assert!(
            may_record_infusion(&f, 2)
                .unwrap_err()
                .contains("no second infusion")
        );
        f.no_second_infusion = false;
        f.infusion2_given = true;
        assert!(may_record_infusion(&f, 2).is_err());
        assert!(may_record_infusion(&f, 3).is_err());
        // An imported course: signatures were kept outside the registry.
        let g = CourseFacts {
            imported: true,
            ..CourseFacts::default()
        };
        assert_eq!(may_record_infusion(&g, 1), Ok(()));
    }

    use super::*;

    fn hours(v: &[f64]) -> Vec<Hours> {
        v.iter().map(|h| Hours::new(*h)).collect()
    }

    #[test]
    fn a_new_course_waits_for_its_plan() {
        let s = status(&CourseFacts::default());
        assert_eq!(s.reached, Step::Enrolled);
        assert_eq!(
            s.next,
            Some((Step::PlanSigned, vec!["no plan prescription yet".into()]))
        );
    }

    #[test]
    fn readings_follow_the_dosimetry_crates_rule() {
        let mut f = CourseFacts {
            plan: SignOffFacts {
                exists: true,
                authored: true,
                approved: true,
            },
            infusion1_given: true,
            readings1: hours(&[0.0, 4.0]),
            ..CourseFacts::default()
        };
        let s = status(&f);
        assert_eq!(s.reached, Step::Infusion1Given);
        let (step, missing) = s.next.unwrap();
        assert_eq!(step, Step::Readings);
        assert_eq!(
            missing,
            vec![
                "2 reading(s) after infusion 1, need ≥ 3".to_string(),
                "last reading at 4 h, need one ≥ 24 h after the end of infusion 1".to_string()
            ]
        );
        // Exactly the thresholds: 3 readings, last at 24 h.
        f.readings1 = hours(&[0.0, 4.0, 24.0]);
        let s = status(&f);
        assert_eq!(s.reached, Step::Readings);
        assert_eq!(s.next.unwrap().0, Step::Dosimetry);
        f.readings1 = hours(&[0.0, 4.0, 23.9]);
        assert_eq!(status(&f).reached, Step::Infusion1Given);
    }

    #[test]
    fn an_authored_prescription_awaits_a_second_person() {
        let f = CourseFacts {
            plan: SignOffFacts {
                exists: true,
                authored: true,
                approved: false,
            },
            ..CourseFacts::default()
        };
        let s = status(&f);
        assert_eq!(s.reached, Step::Enrolled);
        assert_eq!(
            s.next.unwrap().1,
            vec!["the plan prescription awaits approval by a physician other than its author"]
        );
    }

    #[test]
    fn no_second_infusion_skips_its_steps_and_imported_courses_skip_signatures() {
        let f = CourseFacts {
            imported: true,
            infusion1_given: true,
            readings1: hours(&[0.0, 24.0, 48.0, 72.0]),
            no_second_infusion: true,
            melphalan_given: false,
            stem_cells_given: true,
            engraftment: Some(EngraftmentFacts {
                neutrophils: true,
                platelets: false,
            }),
            baseline_assessment: true,
            ..CourseFacts::default()
        };
        let s = status(&f);
        assert_eq!(s.reached, Step::StemCells);
        assert_eq!(
            s.next,
            Some((Step::Engraftment, vec!["platelets not recovered".into()]))
        );
        assert!(matches!(s.steps[1].1, StepState::NotRecorded));
        assert!(matches!(s.steps[5].1, StepState::NotApplicable(_)));
        let done = CourseFacts {
            engraftment: Some(EngraftmentFacts {
                neutrophils: true,
                platelets: true,
            }),
            follow_up_assessments: 1,
            outcome_recorded: true,
            ..f
        };
        let s = status(&done);
        assert_eq!(s.reached, Step::FollowUp);
        assert_eq!(s.next, None);
    }

    #[test]
    fn steps_have_their_names() {
        assert_eq!(Step::PlanSigned.to_string(), "plan signed");
        assert_eq!(
            Step::PostInfusionReadings.to_string(),
            "post-infusion readings"
        );
        assert_eq!(Step::ALL.len(), 14);
    }

    fn through_dosimetry() -> CourseFacts {
        let signed = SignOffFacts {
            exists: true,
            authored: true,
            approved: true,
        };
        CourseFacts {
            plan: signed,
            infusion1_given: true,
            readings1: hours(&[0.0, 24.0, 72.0]),
            dosimetry_stored: true,
            ..CourseFacts::default()
        }
    }

    #[test]
    fn a_second_infusion_given_anyway_is_followed_as_usual() {
        let f = CourseFacts {
            no_second_infusion: true,
            infusion2_given: true,
            ..through_dosimetry()
        };
        let s = status(&f);
        assert_eq!(s.reached, Step::Dosimetry);
        assert_eq!(
            s.next,
            Some((
                Step::Infusion2Proposed,
                vec!["no infusion-2 prescription yet".into()]
            ))
        );
    }

    #[test]
    fn response_needs_a_follow_up_assessment() {
        let base = CourseFacts {
            no_second_infusion: true,
            melphalan_given: true,
            stem_cells_given: true,
            engraftment: Some(EngraftmentFacts {
                neutrophils: true,
                platelets: true,
            }),
            ..through_dosimetry()
        };
        let s = status(&base);
        assert_eq!(s.reached, Step::Engraftment);
        assert_eq!(
            s.next.unwrap().1,
            vec!["no baseline assessment, no follow-up assessment"]
        );
        let with_baseline = CourseFacts {
            baseline_assessment: true,
            ..base.clone()
        };
        assert_eq!(
            status(&with_baseline).next.unwrap().1,
            vec!["no follow-up assessment after treatment"]
        );
        let done = CourseFacts {
            follow_up_assessments: 1,
            ..with_baseline
        };
        assert_eq!(status(&done).next.unwrap().0, Step::FollowUp);
    }

    fn labs(rows: &[(&str, &str, &str)]) -> Vec<LabResult> {
        labs_flagged(rows, &[])
    }

    /// As `labs`, the rows at the indices in `baseline` flagged as baseline.
    fn labs_flagged(rows: &[(&str, &str, &str)], baseline: &[usize]) -> Vec<LabResult> {
        let mut csv = String::from("patient,date,test,value,unit,lln,uln,baseline\n");
        for (i, (d, t, v)) in rows.iter().enumerate() {
            let (unit, lln, uln) = match *t {
                "neutrophils" => ("10^9/L", "1.5", "8.0"),
                "haemoglobin" => ("g/L", "110", "150"),
                _ => ("10^9/L", "150", "450"),
            };
            let flag = if baseline.contains(&i) { "yes" } else { "" };
            csv.push_str(&format!("P,{d},{t},{v},{unit},{lln},{uln},{flag}\n"));
        }
        mibg_toxicity::csv_input::parse_labs(&csv, "labs").unwrap()
    }

    #[test]
    fn engraftment_follows_the_toxicity_crate() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let stem = [d("2020-01-10")];
        // ANC: nadir 0.1, then 3 values ≥ 0.5 (CIBMTR): recovered on day 10.
        // Platelets: nadir 10, then 3 values ≥ 20 without transfusion.
        let mut rows = vec![
            ("2020-01-12", "neutrophils", "0.1"),
            ("2020-01-20", "neutrophils", "0.6"),
            ("2020-01-21", "neutrophils", "0.7"),
            ("2020-01-22", "neutrophils", "0.9"),
            ("2020-01-12", "platelets", "10"),
        ];
        let low = engraftment(&stem, &labs(&rows), &[]).unwrap();
        assert_eq!(
            low,
            EngraftmentFacts {
                neutrophils: true,
                platelets: false
            }
        );
        rows.extend([
            ("2020-01-25", "platelets", "25"),
            ("2020-01-26", "platelets", "30"),
            ("2020-01-27", "platelets", "40"),
        ]);
        let both = engraftment(&stem, &labs(&rows), &[]).unwrap();
        assert_eq!(
            both,
            EngraftmentFacts {
                neutrophils: true,
                platelets: true
            }
        );
        // No counts after the stem cells, or no stem cells: not computable.
        let before = labs(&[("2020-01-05", "neutrophils", "3.0")]);
        assert_eq!(engraftment(&stem, &before, &[]), None);
        assert_eq!(engraftment(&[], &labs(&rows), &[]), None);
        // Only neutrophils measured: platelets have no data, not recovered.
        let anc_only = labs(&rows[..4]);
        assert_eq!(
            engraftment(&stem, &anc_only, &[]),
            Some(EngraftmentFacts {
                neutrophils: true,
                platelets: false
            })
        );
    }

    #[test]
    fn engraftment_reads_only_the_counts_after_the_last_return() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        // Return 1 on 2020-01-10 recovers both lines (as in the test above);
        // return 2 on 2020-02-10 has only an ANC nadir after it (0.2): its
        // episode, the course's state, has not recovered (CIBMTR: three
        // values >= 0.5 after the nadir), platelets have no data.
        let rows = [
            ("2020-01-12", "neutrophils", "0.1"),
            ("2020-01-20", "neutrophils", "0.6"),
            ("2020-01-21", "neutrophils", "0.7"),
            ("2020-01-22", "neutrophils", "0.9"),
            ("2020-01-12", "platelets", "10"),
            ("2020-01-25", "platelets", "25"),
            ("2020-01-26", "platelets", "30"),
            ("2020-01-27", "platelets", "40"),
            ("2020-02-12", "neutrophils", "0.2"),
        ];
        let both = [d("2020-01-10"), d("2020-02-10")];
        assert_eq!(
            engraftment(&both, &labs(&rows), &[]),
            Some(EngraftmentFacts {
                neutrophils: false,
                platelets: false
            })
        );
        // The returns in any order, one repeated: the same last episode.
        let shuffled = [d("2020-02-10"), d("2020-01-10"), d("2020-02-10")];
        assert_eq!(
            engraftment(&shuffled, &labs(&rows), &[]),
            engraftment(&both, &labs(&rows), &[])
        );
        // Two haemoglobin values flagged as baseline make the whole
        // toxicity analysis refuse the patient (a duplicated baseline); the
        // engraftment state does not read haemoglobin and stays known.
        let mut with_hb = rows[..8].to_vec();
        with_hb.extend([
            ("2019-12-01", "haemoglobin", "120"),
            ("2019-12-02", "haemoglobin", "121"),
        ]);
        let parsed = labs_flagged(&with_hb, &[8, 9]);
        assert_eq!(
            engraftment(&[d("2020-01-10")], &parsed, &[]),
            Some(EngraftmentFacts {
                neutrophils: true,
                platelets: true
            })
        );
        // A count flagged as baseline is a reference, not part of the
        // series: with the nadir flagged, the ANC series is 0.6, 0.7, 0.9,
        // never below 0.5, i.e. not applicable (counted as recovered).
        let anc = labs_flagged(&rows[..4], &[0]);
        assert_eq!(
            engraftment(&[d("2020-01-10")], &anc, &[]),
            Some(EngraftmentFacts {
                neutrophils: true,
                platelets: false
            })
        );
    }
}
