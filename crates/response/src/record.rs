//! Assessment records of one patient: what the radiologist, the
//! nuclear-medicine physician and the pathologist reported at baseline and at
//! each follow-up. Constructible directly in Rust (the study pipeline builds
//! them from CSV) or parsed from JSON/TOML by [`crate::input`]; either way,
//! [`PatientRecord::validate`] checks the semantic rules before any
//! classification.

use crate::score::{MibgMethod, MibgScore, Tracer};
use jiff::civil::Date;
use mibg_units::Length;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Tracer uptake (MIBG, or FDG-PET for MIBG-non-avid tumours) of a lesion
/// group. At baseline only [`Uptake::Absent`], [`Uptake::Present`] or
/// [`Uptake::NotAssessed`] are allowed; at follow-up the reader states the
/// change against baseline ([`Uptake::Absent`] = completely resolved or never
/// present, [`Uptake::Improved`], [`Uptake::Stable`], [`Uptake::Worse`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Uptake {
    /// No uptake (at follow-up: completely resolved).
    Absent,
    /// Uptake present (baseline only).
    Present,
    /// Follow-up: improved versus baseline, not resolved.
    Improved,
    /// Follow-up: stable versus baseline.
    Stable,
    /// Follow-up: worse versus baseline.
    Worse,
    /// Not assessed at this time point.
    NotAssessed,
}

impl Uptake {
    /// Wire name.
    pub fn name(self) -> &'static str {
        match self {
            Uptake::Absent => "absent",
            Uptake::Present => "present",
            Uptake::Improved => "improved",
            Uptake::Stable => "stable",
            Uptake::Worse => "worse",
            Uptake::NotAssessed => "not_assessed",
        }
    }
}

/// The primary tumour at one assessment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Primary {
    /// No primary tumour. At baseline: resected before study entry or not
    /// identifiable, so the primary component is "not involved" (NI). At
    /// follow-up: resected since baseline (0 mm, no uptake).
    None,
    /// A measurable primary.
    Present {
        /// Longest diameter of each focus (one for a unifocal primary; the
        /// sum is used for multifocal primaries, docs/reference/response.md §2.2 \[R\]).
        /// Contiguous lymph nodes are part of the primary.
        diameters: Vec<Length>,
        /// Tracer uptake at the primary site.
        uptake: Uptake,
    },
}

/// Kind of a target lesion: how it is measured (RECIST 1.1, docs/reference/response.md §2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LesionKind {
    /// Lymph node: short axis.
    Node,
    /// Any other soft-tissue lesion: longest diameter.
    NonNodal,
}

/// A non-primary target lesion (non-contiguous nodes and soft-tissue
/// metastases), identified by `id` so that it can be followed over time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetLesion {
    /// Identifier, the same at every assessment (e.g. "left supraclavicular node").
    pub id: String,
    /// Node (short axis) or non-nodal (longest diameter).
    pub kind: LesionKind,
    /// Short axis (node) or longest diameter (non-nodal). 0 if it disappeared.
    pub diameter: Length,
}

/// Non-target soft-tissue lesions, as a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonTarget {
    /// No non-target lesions (baseline), or none ever (follow-up).
    None,
    /// Baseline: present.
    Present,
    /// Follow-up: all resolved (nodes normal, everything < 10 mm).
    Resolved,
    /// Follow-up: stable or smaller.
    StableOrSmaller,
    /// Follow-up: increased.
    Increased,
    /// Not assessed.
    NotAssessed,
}

/// Non-primary soft-tissue disease at one assessment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SoftTissue {
    /// Target lesions (baseline: the selected targets; follow-up: the same ids).
    pub targets: Vec<TargetLesion>,
    /// Non-target lesions.
    pub non_target: NonTarget,
    /// Tracer uptake of the non-primary soft-tissue lesions.
    pub uptake: Uptake,
    /// Clinician override: residual lesions ≥ 10 mm were biopsied and found
    /// free of tumour, so they do not prevent CR (docs/reference/response.md §2.8 \[I\]; off
    /// unless set).
    pub residual_biopsy_negative: bool,
}

/// Osteomedullary (bone) disease by functional imaging.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "modality", rename_all = "snake_case")]
pub enum Bone {
    /// An MIBG scan with its tracer and semi-quantitative score.
    Mibg {
        /// The tracer of the scan.
        tracer: Tracer,
        /// The score (SIOPEN or Curie).
        score: MibgScore,
    },
    /// FDG-PET count of avid bone lesions, for MIBG-non-avid disease.
    Fdg {
        /// Number of FDG-avid bone lesions.
        avid_lesions: u32,
    },
}

/// Aspirate or trephine biopsy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleKind {
    /// Bone-marrow aspirate (cytology / immunocytology).
    Aspirate,
    /// Trephine biopsy (histology / immunohistochemistry).
    Trephine,
}

/// Body side of a marrow sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Left.
    Left,
    /// Right.
    Right,
}

/// Tumour infiltration of a marrow sample, in percent of cells (0–100).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Infiltration(f64);

impl Infiltration {
    /// From a percentage.
    ///
    /// # Errors
    /// `Err(rule)` unless finite and within 0–100.
    pub fn from_percent(pct: f64) -> Result<Self, String> {
        if pct.is_finite() && (0.0..=100.0).contains(&pct) {
            Ok(Self(pct))
        } else {
            Err(format!("{pct} % is outside 0–100 %"))
        }
    }
    /// The percentage.
    pub fn percent(self) -> f64 {
        self.0
    }
}

/// One bone-marrow sample.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MarrowSample {
    /// Aspirate or trephine.
    pub kind: SampleKind,
    /// Side.
    pub side: Side,
    /// Tumour infiltration.
    pub tumour: Infiltration,
}

/// Bone marrow at one time point: every sample taken (Burchill 2017:
/// bilateral aspirates and bilateral trephines).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Marrow {
    /// Samples.
    pub samples: Vec<MarrowSample>,
}

impl Marrow {
    /// The highest infiltration over all samples (docs/reference/response.md §2.6 \[I\]).
    pub fn max_percent(&self) -> Option<f64> {
        self.samples
            .iter()
            .map(|s| s.tumour.percent())
            .reduce(f64::max)
    }
    /// Number of samples of a kind.
    pub fn count(&self, kind: SampleKind) -> usize {
        self.samples.iter().filter(|s| s.kind == kind).count()
    }
    /// Number of samples with tumour (> 0 %).
    pub fn positive(&self) -> usize {
        self.samples
            .iter()
            .filter(|s| s.tumour.percent() > 0.0)
            .count()
    }
}

/// New lesions seen at a follow-up (reader-entered flags, docs/reference/response.md §2.4
/// PD items 1–4 and docs/reference/response.md §2.5: never derived from segment scores).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewLesions {
    /// PD 1: a new soft-tissue lesion on CT/MRI that is MIBG- or FDG-avid.
    pub soft_tissue_avid: bool,
    /// PD 2: a new soft-tissue lesion confirmed as neuroblastoma by biopsy.
    pub soft_tissue_biopsy_proven: bool,
    /// PD 3: a new MIBG-avid bone site.
    pub mibg_avid_bone: bool,
    /// PD 4: a new FDG-avid bone site with consistent CT/MRI or histology.
    pub fdg_avid_bone_corroborated: bool,
    /// A new FDG-avid bone site *without* corroboration: not PD, flagged.
    pub fdg_avid_bone_uncorroborated: bool,
}

impl NewLesions {
    /// The PD-defining new lesions present, as text (empty if none).
    pub fn pd_reasons(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.soft_tissue_avid {
            v.push("new avid soft-tissue lesion");
        }
        if self.soft_tissue_biopsy_proven {
            v.push("new biopsy-proven soft-tissue lesion");
        }
        if self.mibg_avid_bone {
            v.push("new MIBG-avid bone site");
        }
        if self.fdg_avid_bone_corroborated {
            v.push("new corroborated FDG-avid bone site");
        }
        v
    }
    /// Any PD-defining new lesion.
    pub fn any(&self) -> bool {
        !self.pd_reasons().is_empty()
    }
}

/// Urinary catecholamines (HVA/VMA). Used by INRC 1993 only; INRC 2017 no
/// longer uses them (docs/reference/response.md §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Catecholamines {
    /// Normal.
    Normal,
    /// Elevated.
    Elevated,
}

/// Everything recorded at one time point. `None` in a section means "not
/// assessed at this time point" (never "no disease").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assessment {
    /// Date of the assessment.
    pub date: Date,
    /// Primary tumour.
    pub primary: Option<Primary>,
    /// Non-primary soft-tissue disease.
    pub soft_tissue: Option<SoftTissue>,
    /// Bone disease by MIBG (or FDG).
    pub bone: Option<Bone>,
    /// Bone marrow.
    pub marrow: Option<Marrow>,
    /// New lesions (must be all false at baseline).
    pub new_lesions: NewLesions,
    /// Urinary catecholamines (INRC 1993 only).
    pub catecholamines: Option<Catecholamines>,
    /// Number of positive bone sites (INRC 1993 only); when absent, INRC 1993
    /// counts the MIBG segments with a score > 0.
    pub positive_bone_sites: Option<u32>,
}

impl Assessment {
    /// An assessment on `date` with nothing recorded yet.
    pub fn new(date: Date) -> Self {
        Self {
            date,
            primary: None,
            soft_tissue: None,
            bone: None,
            marrow: None,
            new_lesions: NewLesions::default(),
            catecholamines: None,
            positive_bone_sites: None,
        }
    }
}

/// Which assessment an error or trace refers to: `baseline 2024-01-10` or
/// `follow-up 2024-04-02`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    /// Baseline or follow-up.
    pub baseline: bool,
    /// Its date.
    pub date: Date,
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.baseline {
            "baseline"
        } else {
            "follow-up"
        };
        write!(f, "{kind} {}", self.date)
    }
}

/// A semantic error in a record: which assessment, which field, which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {field}: {rule}")]
#[non_exhaustive]
pub struct RecordError {
    /// The assessment (`baseline 2024-01-10`, `follow-up 2024-04-02`), or
    /// `record`.
    pub at: String,
    /// The field.
    pub field: String,
    /// The rule broken.
    pub rule: String,
}

impl RecordError {
    /// Builds an error.
    pub fn new(at: impl fmt::Display, field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            at: at.to_string(),
            field: field.into(),
            rule: rule.into(),
        }
    }
}

/// One patient's assessments: a baseline (before the therapy being evaluated)
/// and follow-ups in date order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatientRecord {
    /// Patient identifier (pseudonymised).
    pub patient: String,
    /// Baseline assessment.
    pub baseline: Assessment,
    /// Follow-up assessments, strictly after baseline, in increasing date order.
    pub follow_ups: Vec<Assessment>,
}

/// Largest plausible lesion diameter, mm: anything above is a unit or typing
/// error (a child's trunk is far smaller), and the bound keeps the integer
/// arithmetic of the classifiers far from overflow.
pub const MAX_DIAMETER_MM: f64 = 1000.0;

fn check_length(at: Label, field: &str, l: Length) -> Result<(), RecordError> {
    if !l.is_finite() || l.mm() < 0.0 {
        return Err(RecordError::new(
            at,
            field,
            format!("{} mm must be a finite number ≥ 0", l.mm()),
        ));
    }
    if l.mm() > MAX_DIAMETER_MM {
        return Err(RecordError::new(
            at,
            field,
            format!(
                "{} mm is implausible (more than {MAX_DIAMETER_MM} mm); check the unit",
                l.mm()
            ),
        ));
    }
    Ok(())
}

impl PatientRecord {
    /// The label of follow-up `i` (0-based).
    pub fn label(&self, i: Option<usize>) -> Label {
        match i {
            None => Label {
                baseline: true,
                date: self.baseline.date,
            },
            Some(i) => Label {
                baseline: false,
                date: self.follow_ups[i].date,
            },
        }
    }

    /// Checks the semantic rules of the record.
    ///
    /// # Errors
    /// The first [`RecordError`] found: follow-ups not strictly after baseline
    /// and in increasing date order; negative or non-finite diameters; a
    /// baseline target lesion of 0 mm; duplicate target ids or follow-up
    /// targets that differ from the baseline targets; uptake values not
    /// allowed at baseline (improved/stable/worse) or follow-up (present); new
    /// lesions flagged at baseline; different MIBG methods at baseline and
    /// follow-up, or MIBG at one and FDG at the other.
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.patient.trim().is_empty() {
            return Err(RecordError::new("record", "patient", "must not be empty"));
        }
        let mut prev = self.baseline.date;
        for (i, f) in self.follow_ups.iter().enumerate() {
            if f.date <= prev {
                return Err(RecordError::new(
                    self.label(Some(i)),
                    "date",
                    format!(
                        "must be after the previous assessment ({prev}); follow-ups are listed in date order"
                    ),
                ));
            }
            prev = f.date;
        }
        let base_targets = self.validate_one(None)?;
        for i in 0..self.follow_ups.len() {
            let at = self.label(Some(i));
            let ids = self.validate_one(Some(i))?;
            if let (Some(b), Some(f)) =
                (&self.baseline.soft_tissue, &self.follow_ups[i].soft_tissue)
                && b.non_target == NonTarget::Present
                && f.non_target == NonTarget::None
            {
                return Err(RecordError::new(
                    at,
                    "soft_tissue.non_target",
                    "'none' but non-target lesions were present at baseline; use resolved, stable_or_smaller or increased",
                ));
            }
            if let Some(ids) = ids {
                let base = base_targets.clone().unwrap_or_default();
                if ids != base {
                    let fmt = |s: &BTreeSet<String>| {
                        s.iter()
                            .map(|x| format!("'{x}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    return Err(RecordError::new(
                        at,
                        "soft_tissue.targets",
                        format!(
                            "target lesions [{}] differ from the baseline targets [{}]; follow the same targets (a disappeared lesion has diameter 0, a new lesion is a new-lesion flag)",
                            fmt(&ids),
                            fmt(&base)
                        ),
                    ));
                }
            }
            self.check_bone_compatible(i)?;
        }
        Ok(())
    }

    fn check_bone_compatible(&self, i: usize) -> Result<(), RecordError> {
        let at = self.label(Some(i));
        match (&self.baseline.bone, &self.follow_ups[i].bone) {
            (Some(Bone::Mibg { score: b, .. }), Some(Bone::Mibg { score: f, .. }))
                if b.method() != f.method() =>
            {
                Err(RecordError::new(
                    at,
                    "bone.mibg.method",
                    format!(
                        "{} score cannot be compared with the baseline {} score; use the same method at every assessment",
                        f.method(),
                        b.method()
                    ),
                ))
            }
            (Some(Bone::Mibg { .. }), Some(Bone::Fdg { .. }))
            | (Some(Bone::Fdg { .. }), Some(Bone::Mibg { .. })) => Err(RecordError::new(
                at,
                "bone",
                "modality differs from baseline (MIBG vs FDG); bone response compares like with like",
            )),
            _ => Ok(()),
        }
    }

    /// Validates one assessment; returns its target ids if soft tissue was recorded.
    fn validate_one(&self, i: Option<usize>) -> Result<Option<BTreeSet<String>>, RecordError> {
        let at = self.label(i);
        let a = match i {
            None => &self.baseline,
            Some(i) => &self.follow_ups[i],
        };
        let is_base = i.is_none();
        let check_uptake = |field: &str, u: Uptake| -> Result<(), RecordError> {
            let ok = if is_base {
                matches!(u, Uptake::Absent | Uptake::Present | Uptake::NotAssessed)
            } else {
                u != Uptake::Present
            };
            if ok {
                Ok(())
            } else if is_base {
                Err(RecordError::new(
                    at,
                    field,
                    format!(
                        "'{}' is a change; at baseline use absent or present",
                        u.name()
                    ),
                ))
            } else {
                Err(RecordError::new(
                    at,
                    field,
                    "'present' is not allowed at follow-up; state the change against baseline: absent (resolved), improved, stable or worse",
                ))
            }
        };
        if let Some(Primary::Present { diameters, uptake }) = &a.primary {
            if diameters.is_empty() {
                return Err(RecordError::new(
                    at,
                    "primary.diameters_mm",
                    "at least one diameter is required (use status \"none\" if there is no primary)",
                ));
            }
            for d in diameters {
                check_length(at, "primary.diameters_mm", *d)?;
            }
            if is_base && diameters.iter().all(|d| d.mm() == 0.0) {
                return Err(RecordError::new(
                    at,
                    "primary.diameters_mm",
                    "a baseline primary of 0 mm is not measurable; use status \"none\"",
                ));
            }
            check_uptake("primary.uptake", *uptake)?;
        }
        let mut ids = None;
        if let Some(st) = &a.soft_tissue {
            let mut set = BTreeSet::new();
            for t in &st.targets {
                let field = format!("soft_tissue.targets '{}'.diameter_mm", t.id);
                check_length(at, &field, t.diameter)?;
                if is_base && t.diameter.mm() == 0.0 {
                    return Err(RecordError::new(
                        at,
                        field,
                        "a baseline target lesion must have a diameter > 0",
                    ));
                }
                if !set.insert(t.id.clone()) {
                    return Err(RecordError::new(
                        at,
                        "soft_tissue.targets",
                        format!("target id '{}' appears twice", t.id),
                    ));
                }
            }
            let nt_ok = if is_base {
                matches!(
                    st.non_target,
                    NonTarget::None | NonTarget::Present | NonTarget::NotAssessed
                )
            } else {
                st.non_target != NonTarget::Present
            };
            if !nt_ok {
                return Err(RecordError::new(
                    at,
                    "soft_tissue.non_target",
                    if is_base {
                        "at baseline use none or present"
                    } else {
                        "at follow-up use none, resolved, stable_or_smaller or increased"
                    },
                ));
            }
            check_uptake("soft_tissue.uptake", st.uptake)?;
            ids = Some(set);
        }
        if let Some(m) = &a.marrow
            && m.samples.is_empty()
        {
            return Err(RecordError::new(
                at,
                "marrow.samples",
                "no samples; omit the marrow section if marrow was not assessed",
            ));
        }
        if is_base && (a.new_lesions.any() || a.new_lesions.fdg_avid_bone_uncorroborated) {
            return Err(RecordError::new(
                at,
                "new_lesions",
                "new lesions cannot be flagged at baseline",
            ));
        }
        Ok(ids)
    }

    /// The MIBG method of the baseline scan, if any.
    pub fn mibg_method(&self) -> Option<MibgMethod> {
        match &self.baseline.bone {
            Some(Bone::Mibg { score, .. }) => Some(score.method()),
            _ => None,
        }
    }
}
