//! Grading one laboratory value against a CTCAE table.

use crate::ctcae::{Applies, Bound, Cmp, CtcaeTable, CtcaeVersion, Grade, Term};
use crate::exact::Exact;
use crate::labunits::{LabTest, LabUnit};
use serde::Serialize;

/// Where the GGT/ALP abnormal-baseline grade-1 edge "2.0–2.5×baseline" lies
/// (docs/reference/toxicity.md §4 \[I\]: admiral uses `>= 2*BASE` for ALP but `> 2*BASE` for GGT).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineEdge {
    /// value ≥ 2.0×baseline is grade 1 (the CTCAE text's inclusive "2.0–"; default).
    #[default]
    Inclusive,
    /// value > 2.0×baseline is grade 1 (admiral's GGT code).
    Exclusive,
}

/// Whether creatinine grades 2–3 also use the baseline criteria.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CreatinineBaseline {
    /// ">1.5–3.0×baseline" and ">3.0×baseline" apply alongside the ULN
    /// criteria and the worse wins (CTCAE v5 text, admiral; default, docs/reference/toxicity.md §4).
    #[default]
    BaselineAndUln,
    /// Only the ULN criteria (PharmaForest `ctcae5_creat`, a known divergence).
    UlnOnly,
}

/// Options of laboratory grading; recorded in every result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GradingOptions {
    /// GGT/ALP abnormal-baseline grade-1 edge.
    pub baseline_edge: BaselineEdge,
    /// Creatinine baseline criteria.
    pub creatinine_baseline: CreatinineBaseline,
}

/// A patient's baseline of one test: the value and its own ULN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Baseline {
    /// Baseline value.
    pub value: Exact,
    /// Its unit.
    pub unit: LabUnit,
    /// The ULN of the baseline result, in `unit` (if reported).
    pub uln: Option<Exact>,
}

impl Baseline {
    /// "Baseline abnormal" = baseline > its ULN (PharmaForest `BASE > ANRHI`;
    /// admiral's `BNRIND = "HIGH"`), docs/reference/toxicity.md §4. Unknown without a ULN.
    pub fn is_abnormal(&self) -> Option<bool> {
        self.uln.map(|u| self.value > u)
    }
}

/// Baseline state used for a grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineState {
    /// The term has no baseline rule (counts, haemoglobin; creatinine under
    /// [`CreatinineBaseline::UlnOnly`]).
    NotApplicable,
    /// No baseline value: the ULN (normal-baseline) criteria were used.
    Unknown,
    /// Baseline ≤ its ULN.
    Normal,
    /// Baseline > its ULN: the ×baseline criteria were used.
    Abnormal,
}

/// One laboratory value to grade.
#[derive(Clone, Copy, Debug)]
pub struct LabInput {
    /// The test.
    pub test: LabTest,
    /// The value.
    pub value: Exact,
    /// Its unit.
    pub unit: LabUnit,
    /// Lower limit of normal of this result's own reference range, in `unit`.
    pub lln: Option<Exact>,
    /// Upper limit of normal of this result's own reference range, in `unit`.
    pub uln: Option<Exact>,
}

/// The grade of one value, with the rule that gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LabGrade {
    /// CTCAE term.
    pub term: Term,
    /// Grade (0 when no rule is met).
    pub grade: Grade,
    /// CTCAE version of the table used.
    pub ctcae_version: CtcaeVersion,
    /// CTCAE text of the grade met (`None` for grade 0).
    pub criterion: Option<&'static str>,
    /// Baseline state used.
    pub baseline: BaselineState,
}

/// Why a value cannot be graded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GradingError {
    /// The unit does not belong to the test.
    #[error("unit {unit} is not a unit of {test}")]
    UnitNotForTest {
        /// Test.
        test: LabTest,
        /// Unit.
        unit: LabUnit,
    },
    /// A decreasing test needs the LLN for grade 1.
    #[error("{test} needs the lower limit of normal (lln) of its reference range for grade 1")]
    MissingLln {
        /// Test.
        test: LabTest,
    },
    /// An increasing test needs the ULN.
    #[error("{test} needs the upper limit of normal (uln) of its reference range")]
    MissingUln {
        /// Test.
        test: LabTest,
    },
    /// The baseline cannot be put on the value's unit exactly.
    #[error(
        "baseline of {test} is in {from} and the value in {to}: no exact conversion (report both in one unit)"
    )]
    BaselineUnit {
        /// Test.
        test: LabTest,
        /// Baseline unit.
        from: LabUnit,
        /// Value unit.
        to: LabUnit,
    },
    /// The table has no term for this test (not in this CTCAE version).
    #[error("{version} has no grading rule for {test}")]
    NoRule {
        /// Test.
        test: LabTest,
        /// Version.
        version: CtcaeVersion,
    },
    /// The table has no absolute threshold in this unit (table defect).
    #[error("{version} prints no threshold for {test} in {unit}")]
    NoThresholdInUnit {
        /// Test.
        test: LabTest,
        /// Unit.
        unit: LabUnit,
        /// Version.
        version: CtcaeVersion,
    },
}

/// Grades one laboratory value.
///
/// Rules are evaluated highest grade first; the first met gives the grade
/// (docs/reference/toxicity.md §2). Interval semantics are those of admiral/PharmaForest:
/// "<1.5–1.0" means 1.0 ≤ x < 1.5, ">3.0–5.0×ULN" means 3×ULN < x ≤ 5×ULN.
/// All comparisons are exact ([`Exact`]). Rules marked for a normal baseline
/// are used when the baseline is normal *or unknown*; rules marked for an
/// abnormal baseline when `baseline` is above its own ULN. Criteria on the
/// baseline (×baseline) are false when there is no baseline.
///
/// # Errors
///
/// [`GradingError`]: unit not of the test, missing LLN (decreasing tests) or
/// ULN (increasing tests), a baseline in a unit not exactly convertible.
pub fn grade_lab(
    table: &CtcaeTable,
    input: &LabInput,
    baseline: Option<&Baseline>,
    options: &GradingOptions,
) -> Result<LabGrade, GradingError> {
    let test = input.test;
    if !test.accepts(input.unit) {
        return Err(GradingError::UnitNotForTest {
            test,
            unit: input.unit,
        });
    }
    if test.is_decreasing() && input.lln.is_none() {
        return Err(GradingError::MissingLln { test });
    }
    if !test.is_decreasing() && input.uln.is_none() {
        return Err(GradingError::MissingUln { test });
    }
    let rules = table.lab_rules(test).ok_or(GradingError::NoRule {
        test,
        version: table.version,
    })?;
    let use_baseline = !(test == LabTest::Creatinine
        && options.creatinine_baseline == CreatinineBaseline::UlnOnly);
    let baseline = if use_baseline { baseline } else { None };
    let base_value = match baseline {
        Some(b) => {
            if !test.exact_between(b.unit, input.unit) {
                return Err(GradingError::BaselineUnit {
                    test,
                    from: b.unit,
                    to: input.unit,
                });
            }
            Some(
                test.convert(b.value, b.unit, input.unit)
                    .ok_or(GradingError::UnitNotForTest { test, unit: b.unit })?,
            )
        }
        None => None,
    };
    let has_baseline_rule = rules.rules.iter().any(|r| {
        r.applies != Applies::Always
            || r.any_of
                .iter()
                .any(|c| matches!(c.bound, Bound::Baseline(_)))
    });
    let state = match (has_baseline_rule && use_baseline, baseline) {
        (false, _) => BaselineState::NotApplicable,
        (true, None) => BaselineState::Unknown,
        (true, Some(b)) => match b.is_abnormal() {
            None => BaselineState::Unknown,
            Some(false) => BaselineState::Normal,
            Some(true) => BaselineState::Abnormal,
        },
    };
    for rule in rules.rules {
        let applies = match rule.applies {
            Applies::Always => true,
            Applies::BaselineNormal => state != BaselineState::Abnormal,
            Applies::BaselineAbnormal => state == BaselineState::Abnormal,
        };
        if !applies {
            continue;
        }
        let mut met = false;
        for crit in rule.any_of {
            let bound = match crit.bound {
                Bound::Lln => input.lln,
                Bound::Uln(m) => input.uln.map(|u| m * u),
                Bound::Baseline(m) => base_value.map(|b| m * b),
                Bound::Absolute(list) => Some(
                    list.iter()
                        .find(|(u, _)| *u == input.unit)
                        .map(|(_, v)| *v)
                        .ok_or(GradingError::NoThresholdInUnit {
                            test,
                            unit: input.unit,
                            version: table.version,
                        })?,
                ),
            };
            let Some(bound) = bound else { continue };
            let v = input.value;
            met |= match crit.cmp {
                Cmp::Below => v < bound,
                Cmp::Above => v > bound,
                Cmp::AtLeast => v >= bound,
                Cmp::AtLeastConfigurable => match options.baseline_edge {
                    BaselineEdge::Inclusive => v >= bound,
                    BaselineEdge::Exclusive => v > bound,
                },
            };
        }
        if met {
            return Ok(LabGrade {
                term: rules.term,
                grade: rule.grade,
                ctcae_version: table.version,
                criterion: Some(rule.text),
                baseline: state,
            });
        }
    }
    Ok(LabGrade {
        term: rules.term,
        grade: Grade::G0,
        ctcae_version: table.version,
        criterion: None,
        baseline: state,
    })
}
