//! Original International Neuroblastoma Response Criteria (INRC 1993;
//! Brodeur GM et al., J Clin Oncol 1993;11:1466–1477), for legacy data, as
//! recalled in docs/reference/response.md §3 \[R\]: CR, VGPR, PR, MR, NR, PD.
//!
//! A lesion-wise rule set without sums: the primary (sum of the longest
//! diameters of its foci) and each target lesion are followed separately,
//! bone by the number of positive bone sites, marrow by the number of
//! positive samples. Percentages use the recorded diameters (1-D); studies
//! that measured in 3-D must convert before using this module.
//!
//! Interpretations \[I\] (documented in the README):
//! * "no tumour" at a soft-tissue site = every focus < 10 mm with tracer
//!   uptake resolved and non-targets resolved (as in INRC 2017 CR);
//! * the > 25 % increase of PD is measured against the smallest value on
//!   study (nadir, baseline included); an increase of exactly 25 % is neither
//!   PD nor "< 25 %", and gives NR;
//! * without catecholamines, CR and VGPR cannot be established: the response
//!   is capped at PR and a warning says so;
//! * when `positive_bone_sites` is not recorded, the number of MIBG segments
//!   with a score > 0 stands in for it (warning);
//! * VGPR allowed residual 99mTc bone-scan changes; in MIBG-era data bone is
//!   counted by positive sites, so VGPR and CR both need 0 positive bone sites.

use crate::record::{
    Assessment, Bone, Catecholamines, NonTarget, PatientRecord, Primary, RecordError, SoftTissue,
    Uptake,
};
use crate::score::SegmentScore;
use jiff::civil::Date;
use mibg_units::Length;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Overall INRC 1993 response, ordered worst to best (NE lowest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OverallResponse1993 {
    /// Not evaluable.
    NE,
    /// Progressive disease.
    PD,
    /// No response.
    NR,
    /// Mixed response.
    MR,
    /// Partial response.
    PR,
    /// Very good partial response.
    VGPR,
    /// Complete response.
    CR,
}

impl fmt::Display for OverallResponse1993 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The change of one measurable lesion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LesionChange {
    /// `primary`, a target id, or `positive bone sites`.
    pub lesion: String,
    /// Baseline, nadir (smallest before this follow-up, baseline included)
    /// and current value.
    pub value: LesionValue,
}

/// The values of a lesion series: diameters or counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LesionValue {
    /// Diameters (sum of foci for the primary). JSON: mm.
    Diameter {
        /// At baseline.
        #[serde(rename = "baseline_mm", serialize_with = "crate::wire::mm")]
        baseline: Length,
        /// Nadir.
        #[serde(rename = "nadir_mm", serialize_with = "crate::wire::mm")]
        nadir: Length,
        /// Now.
        #[serde(rename = "current_mm", serialize_with = "crate::wire::mm")]
        current: Length,
    },
    /// Counts (positive bone sites).
    Count {
        /// At baseline.
        baseline: i64,
        /// Nadir.
        nadir: i64,
        /// Now.
        current: i64,
    },
}

/// INRC 1993 result of one follow-up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assessment1993 {
    /// Date.
    pub date: Date,
    /// Overall response.
    pub overall: OverallResponse1993,
    /// Rule trace.
    pub because: String,
    /// Lesion-wise changes used.
    pub lesions: Vec<LesionChange>,
    /// Findings that need review.
    pub warnings: Vec<String>,
}

fn tenths(l: Length) -> i64 {
    (l.mm() * 10.0).round() as i64
}

/// A measurable lesion series in integer units (tenths of mm, or bone-site counts).
struct Series {
    name: String,
    base: i64,
    nadir: i64,
    cur: i64,
    /// True for diameters, false for counts.
    length: bool,
}

impl Series {
    /// Reduction > 50 % vs baseline: `2·cur < base`.
    fn gt50(&self) -> bool {
        2 * self.cur < self.base
    }
    /// Reduction ≥ 90 % vs baseline: `10·cur ≤ base` (VGPR "90–99 %").
    fn ge90(&self) -> bool {
        10 * self.cur <= self.base
    }
    /// Increase > 25 % vs nadir: `4·(cur − nadir) > nadir` (with cur > nadir).
    fn pd(&self) -> bool {
        self.cur > self.nadir && 4 * (self.cur - self.nadir) > self.nadir
    }
    /// Increase of 25 % or more vs nadir (so not "< 25 %").
    fn ge25(&self) -> bool {
        self.cur > self.nadir && 4 * (self.cur - self.nadir) >= self.nadir
    }
    fn change(&self) -> String {
        let unit = if self.length { " mm" } else { "" };
        let v = |t: i64| {
            if self.length {
                format!("{}", t as f64 / 10.0)
            } else {
                t.to_string()
            }
        };
        let p = if self.base == 0 {
            String::new()
        } else {
            format!(
                " ({} vs baseline {}{unit})",
                crate::inrc2017::pct(self.cur, self.base),
                v(self.base)
            )
        };
        format!("{} {}{unit}{p}", self.name, v(self.cur))
    }
}

fn primary_sum(p: &Primary) -> i64 {
    match p {
        Primary::None => 0,
        Primary::Present { diameters, .. } => diameters.iter().map(|d| tenths(*d)).sum(),
    }
}

fn primary_gone(p: &Primary) -> bool {
    match p {
        Primary::None => true,
        Primary::Present { diameters, uptake } => {
            *uptake == Uptake::Absent && diameters.iter().all(|d| tenths(*d) < 100)
        }
    }
}

fn soft_gone(s: &SoftTissue) -> bool {
    s.targets.iter().all(|t| tenths(t.diameter) < 100)
        && matches!(s.non_target, NonTarget::None | NonTarget::Resolved)
        && s.uptake == Uptake::Absent
}

fn bone_sites(a: &Assessment, warnings: &mut Vec<String>, at: &str) -> Option<i64> {
    if let Some(n) = a.positive_bone_sites {
        return Some(i64::from(n));
    }
    match &a.bone {
        Some(Bone::Mibg { score, .. }) => {
            if score.not_assessable().is_empty() {
                warnings.push(format!(
                    "{at}: positive_bone_sites not recorded; counted MIBG segments with a score > 0"
                ));
                Some(
                    score
                        .segments()
                        .filter(|(_, s)| matches!(s, SegmentScore::Scored(v) if *v > 0))
                        .count() as i64,
                )
            } else {
                None
            }
        }
        Some(Bone::Fdg { avid_lesions }) => Some(i64::from(*avid_lesions)),
        None => None,
    }
}

/// Classifies every follow-up of `record` by INRC 1993.
///
/// # Errors
/// [`RecordError`] if the record fails [`PatientRecord::validate`].
pub fn assess(record: &PatientRecord) -> Result<Vec<Assessment1993>, RecordError> {
    record.validate()?;
    Ok((0..record.follow_ups.len())
        .map(|i| assess_one(record, i))
        .collect())
}

fn assess_one(rec: &PatientRecord, i: usize) -> Assessment1993 {
    use OverallResponse1993 as R;
    let base = &rec.baseline;
    let fu = &rec.follow_ups[i];
    let history = || std::iter::once(base).chain(rec.follow_ups[..i].iter());
    let mut warnings = Vec::new();
    let mut missing = Vec::new();
    let mut series: Vec<Series> = Vec::new();

    // Primary.
    let mut primary_ok_gone = true;
    match (&base.primary, &fu.primary) {
        (None, _) => missing.push("primary not assessed at baseline"),
        (Some(Primary::None), _) => {}
        (Some(_), None) => missing.push("primary not assessed at this follow-up"),
        (Some(bp), Some(cp)) => {
            let nadir = history()
                .filter_map(|a| a.primary.as_ref())
                .map(primary_sum)
                .min()
                .unwrap_or(primary_sum(bp));
            series.push(Series {
                name: "primary".into(),
                base: primary_sum(bp),
                nadir,
                cur: primary_sum(cp),
                length: true,
            });
            primary_ok_gone = primary_gone(cp);
        }
    }
    // Soft-tissue targets.
    let mut soft_ok_gone = true;
    match (&base.soft_tissue, &fu.soft_tissue) {
        (None, _) => missing.push("soft tissue not assessed at baseline"),
        (Some(b), _) if b.targets.is_empty() && b.non_target == NonTarget::None => {}
        (Some(_), None) => missing.push("soft tissue not assessed at this follow-up"),
        (Some(b), Some(c)) => {
            for t in &b.targets {
                let find = |s: &SoftTissue| {
                    s.targets
                        .iter()
                        .find(|x| x.id == t.id)
                        .map(|x| tenths(x.diameter))
                };
                let cur = find(c).unwrap_or(0);
                let nadir = history()
                    .filter_map(|a| a.soft_tissue.as_ref())
                    .filter_map(find)
                    .min()
                    .unwrap_or(tenths(t.diameter));
                series.push(Series {
                    name: format!("'{}'", t.id),
                    base: tenths(t.diameter),
                    nadir,
                    cur,
                    length: true,
                });
            }
            soft_ok_gone = soft_gone(c);
        }
    }
    // Bone sites.
    let at = format!("follow-up {}", fu.date);
    // The baseline fallback warning is given once, with the first follow-up.
    let mut base_warnings = Vec::new();
    let bb = bone_sites(base, &mut base_warnings, &format!("baseline {}", base.date));
    if i == 0 {
        warnings.append(&mut base_warnings);
    }
    let bf = bone_sites(fu, &mut warnings, &at);
    let mut bone_ok_gone = true;
    let mut bone_pr = true;
    match (bb, bf) {
        (None, _) => missing.push("bone sites not known at baseline"),
        (Some(0), _) => {}
        (Some(_), None) => missing.push("bone sites not known at this follow-up"),
        (Some(b), Some(c)) => {
            bone_ok_gone = c == 0;
            bone_pr = 2 * c < b;
            series.push(Series {
                name: "positive bone sites".into(),
                base: b,
                nadir: b,
                cur: c,
                length: false,
            });
        }
    }
    // Marrow (positive samples; quantitative rules do not apply, ‡).
    let (mut marrow_gone, mut marrow_pr, mut marrow_pd) = (true, true, false);
    match (&base.marrow, &fu.marrow) {
        (None, _) => missing.push("marrow not assessed at baseline"),
        (Some(b), None) if b.positive() == 0 => {}
        (Some(_), None) => missing.push("marrow not assessed at this follow-up"),
        (Some(b), Some(c)) => {
            let (bp, cp) = (b.positive(), c.positive());
            marrow_gone = cp == 0;
            marrow_pd = bp == 0 && cp > 0;
            // PR: ≤ 1 positive sample, and only if that is fewer than at baseline (†).
            marrow_pr = cp == 0 || (cp == 1 && cp < bp);
        }
    }
    let lesions: Vec<LesionChange> = series
        .iter()
        .map(|s| {
            let l = |t: i64| Length::from_mm(t as f64 / 10.0);
            LesionChange {
                lesion: s.name.trim_matches('\'').to_string(),
                value: if s.length {
                    LesionValue::Diameter {
                        baseline: l(s.base),
                        nadir: l(s.nadir),
                        current: l(s.cur),
                    }
                } else {
                    LesionValue::Count {
                        baseline: s.base,
                        nadir: s.nadir,
                        current: s.cur,
                    }
                },
            }
        })
        .collect();
    let done = |overall, because: String, warnings| Assessment1993 {
        date: fu.date,
        overall,
        because,
        lesions: lesions.clone(),
        warnings,
    };
    // PD.
    let mut pd: Vec<String> = fu
        .new_lesions
        .pd_reasons()
        .iter()
        .map(|s| s.to_string())
        .collect();
    for s in series.iter().filter(|s| s.pd()) {
        pd.push(format!(
            "{} is > 25 % above its nadir {}",
            s.change(),
            if s.length {
                format!("{} mm", s.nadir as f64 / 10.0)
            } else {
                s.nadir.to_string()
            }
        ));
    }
    if marrow_pd {
        pd.push("previously negative marrow positive for tumour".into());
    }
    if !pd.is_empty() {
        return done(R::PD, format!("PD because {}", pd.join("; ")), warnings);
    }
    if !missing.is_empty() {
        return done(
            R::NE,
            format!("NE because {}", missing.join(", ")),
            warnings,
        );
    }
    let trace = series
        .iter()
        .map(Series::change)
        .collect::<Vec<_>>()
        .join(", ");
    let trace = if trace.is_empty() {
        String::new()
    } else {
        format!(" ({trace})")
    };
    let mets_gone = soft_ok_gone && bone_ok_gone && marrow_gone;
    let cat = fu.catecholamines;
    let primary_series = series.iter().find(|s| s.name == "primary");
    let capped = |w: &mut Vec<String>| {
        w.push(format!(
            "{at}: catecholamines not recorded or elevated; CR/VGPR cannot be established"
        ))
    };
    if primary_ok_gone && mets_gone {
        if cat == Some(Catecholamines::Normal) {
            return done(
                R::CR,
                format!(
                    "CR because no tumour at the primary or metastatic sites, catecholamines normal{trace}"
                ),
                warnings,
            );
        }
        capped(&mut warnings);
    } else if mets_gone && primary_series.is_none_or(Series::ge90) {
        if cat == Some(Catecholamines::Normal) {
            return done(
                R::VGPR,
                format!(
                    "VGPR because primary decreased ≥ 90 %, no metastatic tumour, catecholamines normal{trace}"
                ),
                warnings,
            );
        }
        capped(&mut warnings);
    }
    let soft_targets_pr = series
        .iter()
        .filter(|s| s.length && s.name != "primary")
        .all(Series::gt50);
    let primary_pr = primary_ok_gone || primary_series.is_none_or(Series::gt50);
    if primary_pr && soft_targets_pr && bone_pr && marrow_pr {
        return done(
            R::PR,
            format!(
                "PR because primary and all measurable metastatic sites decreased > 50 %, bone sites decreased > 50 % and ≤ 1 positive marrow sample{trace}"
            ),
            warnings,
        );
    }
    let any50 = series.iter().any(Series::gt50);
    let any25 = series.iter().find(|s| s.ge25());
    if any50 && any25.is_none() {
        return done(
            R::MR,
            format!(
                "MR because a lesion decreased > 50 % but others did not, no new lesions, no increase ≥ 25 %{trace}"
            ),
            warnings,
        );
    }
    let why = match any25 {
        Some(s) => format!(
            "{} increased by exactly 25 % (neither PD nor < 25 %)",
            s.name
        ),
        None => "no lesion decreased > 50 % or the marrow prevents PR".into(),
    };
    done(
        R::NR,
        format!("NR because {why}, no new lesions, no increase > 25 %{trace}"),
        warnings,
    )
}
