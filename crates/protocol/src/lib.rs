//! The treatment regimen as data.
//!
//! A protocol file (TOML) describes one two-infusion 131I-mIBG regimen: the
//! infusion-1 prescription, the rules that bound infusion 2, global caps,
//! high-dose melphalan, stem-cell rescue timing and radiation-protection
//! thresholds. The seed study's regimen ships as `protocols/seed.toml` and is
//! embedded as the default ([`Protocol::seed`]); other regimens are other
//! files, not code.
//!
//! ```
//! use mibg_protocol::{Protocol, plan::plan};
//! use mibg_units::{Length, Mass};
//! let p = Protocol::seed();
//! assert_eq!(p.infusion1.activity_per_kg.mbq_per_kg(), 444.0);
//! let plan = plan(&p, Mass::from_kg(20.0), Length::from_cm(115.0)).unwrap();
//! assert_eq!(plan.infusion1.activity.mbq(), 8880.0);
//! ```
//!
//! Modules: [`bsa`] (body-surface area), [`caps`] (the caps on the second
//! activity, the one implementation every caller uses), [`melphalan`] (dose rules),
//! [`schedule`] (day-by-day plan), [`status`] (status markers read from the
//! file's comments), [`plan`] (a patient's plan from weight and height),
//! [`plausible`] (the two-sided plausible range of every value, with the
//! unit slip named when a value falls outside).
//!
//! This crate does no I/O: callers hand it the file's text and a label.

pub mod bsa;
pub mod caps;
pub mod melphalan;
pub mod plan;
pub mod plausible;
pub mod schedule;
pub mod status;
mod wire;

pub use bsa::BsaFormula;
pub use status::{Status, ValueStatus};

use mibg_units::{
    AbsorbedDose, Activity, ActivityPerMass, DoseRate, DoseRateConstant, DrugPerArea,
    EquivalentDose, Mass,
};
use serde::Serialize;

/// The text of the seed protocol, `protocols/seed.toml`.
pub const SEED_TOML: &str = include_str!("../../../protocols/seed.toml");

/// The label used for the seed protocol in messages.
pub const SEED_LABEL: &str = "protocols/seed.toml (built in)";

/// A validated treatment protocol. Every quantity is typed; every value has
/// passed the rules listed on its field. Serialises in the file format
/// (unit-suffixed keys, as in `protocols/seed.toml`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(into = "wire::ProtocolFile")]
pub struct Protocol {
    /// `[protocol]`: name and source.
    pub info: ProtocolInfo,
    /// `[infusion1]`: the prescription of the first infusion.
    pub infusion1: Infusion1Rule,
    /// `[infusion2]`: the target and the rules bounding the second infusion.
    pub infusion2: Infusion2Rule,
    /// `[caps]`: limits over the whole course (both infusions).
    pub caps: CourseCaps,
    /// `[melphalan]`: high-dose melphalan.
    pub melphalan: MelphalanRule,
    /// `[stem_cells]`: autologous stem-cell rescue timing.
    pub stem_cells: StemCellRule,
    /// `[radiation_protection]`: release and stem-cell-return thresholds,
    /// dose constraints, dose-rate constant.
    pub radiation_protection: RadiationProtection,
    /// `[plausibility]`: the limits of the plausibility gate on the
    /// dosimetry path (a reading or a fit that breaks one refuses the second
    /// activity unless the check is accepted by name).
    pub plausibility: PlausibilityLimits,
    /// The status marker of every value, read from the file's comments, in
    /// file order (see [`status`]).
    pub value_status: Vec<ValueStatus>,
}

/// `[protocol]`: identification of the regimen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProtocolInfo {
    /// `protocol.name`: short human name of the regimen (non-empty).
    pub name: String,
    /// `protocol.source`: the publication(s) or local document it follows (non-empty).
    pub source: String,
    /// `protocol.version`: free-text version or date of the file (may be empty).
    pub version: String,
}

/// `[infusion1]`: activity of the first infusion.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Infusion1Rule {
    /// `infusion1.activity_per_kg_mbq`: prescribed activity per kg body
    /// weight (seed 444 MBq/kg = 12 mCi/kg). Plausible: [`plausible::ACTIVITY_PER_KG`].
    pub activity_per_kg: ActivityPerMass,
    /// `infusion1.max_activity_mbq` (optional): absolute cap on infusion 1;
    /// when weight × rate exceeds it, the cap is given and the plan says so.
    /// Plausible: [`plausible::INFUSION_ACTIVITY`].
    pub max_activity: Option<Activity>,
}

/// `[infusion2]`: how the second activity is bounded. The second activity
/// itself comes from dosimetry of infusion 1 (docs/reference/dosimetry.md §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Infusion2Rule {
    /// `infusion2.target_total_wb_gy`: target cumulative whole-body absorbed
    /// dose of infusions 1 + 2 (D₁ + D₂), seed 4 Gy. A₂ is sized so that
    /// D₁ + A₂·d₂ = target. Rule: > 0 and ≤ `caps.max_total_wb_gy`.
    pub target_total_wb: AbsorbedDose,
    /// `infusion2.interval_nominal_days`: planned days from infusion 1
    /// (day 0) to infusion 2 (seed 14). Rule: min ≤ nominal ≤ max.
    pub interval_nominal_days: u32,
    /// `infusion2.interval_min_days`: earliest allowed day of infusion 2.
    /// Plausible: [`plausible::INFUSION_INTERVAL_DAYS`].
    pub interval_min_days: u32,
    /// `infusion2.interval_max_days`: latest allowed day of infusion 2.
    /// Rule: ≥ min; plausible: [`plausible::INFUSION_INTERVAL_DAYS`].
    pub interval_max_days: u32,
    /// `infusion2.max_activity_per_kg_mbq`: cap on A₂ per kg of body weight
    /// on the day of infusion 2. Plausible: [`plausible::ACTIVITY_PER_KG`].
    pub max_activity_per_kg: ActivityPerMass,
    /// `infusion2.min_worthwhile_activity_mbq`: if the computed A₂ is below
    /// this, recommend no second infusion (docs/reference/dosimetry.md §6.4). Plausible:
    /// [`plausible::MIN_WORTHWHILE_ACTIVITY`] (0 = no minimum).
    pub min_worthwhile_activity: Activity,
    /// `infusion2.overshoot_margin_gy`: the dose helper reports the
    /// probability that the predicted total exceeds `target_total_wb` by more
    /// than this margin, i.e. P(D₁ + D₂ > target + margin). Plausible:
    /// [`plausible::OVERSHOOT_MARGIN`].
    pub overshoot_margin: AbsorbedDose,
}

/// `[caps]`: limits over the whole course.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CourseCaps {
    /// `caps.max_total_activity_gbq`: maximum A₁ + A₂ (licence or pharmacy
    /// limit); A₂ ≤ this − A₁. Plausible: [`plausible::COURSE_ACTIVITY`].
    pub max_total_activity: Activity,
    /// `caps.max_total_wb_gy`: hard ceiling on the planned cumulative
    /// whole-body dose D₁ + D₂. Rule: > 0 and ≥ `infusion2.target_total_wb_gy`.
    pub max_total_wb: AbsorbedDose,
}

/// `[melphalan]`: high-dose melphalan before stem-cell rescue.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MelphalanRule {
    /// `melphalan.dose_mg_per_m2`: dose per body-surface area (seed
    /// 110 mg/m²). Plausible: [`plausible::MELPHALAN_PER_M2`].
    pub dose_per_area: DrugPerArea,
    /// `melphalan.bsa_formula`: `mosteller` (default), `haycock`, `dubois`
    /// or `gehan_george`.
    pub bsa_formula: BsaFormula,
    /// `melphalan.days_after_infusion2`: day of melphalan counted from
    /// infusion 2 (day of melphalan = day of infusion 2 + this). Plausible:
    /// [`plausible::DAYS_AFTER_INFUSION2`].
    pub days_after_infusion2: u32,
    /// `[melphalan.small_child]` (optional): per-kg dosing for small children.
    /// Absent: every child is dosed per m².
    pub small_child: Option<SmallChildRule>,
}

/// `[melphalan.small_child]`: below a weight threshold the per-m² dose is
/// converted to a per-kg dose: mg/kg = (mg/m²) ÷ divisor (COG convention,
/// docs/reference/dosimetry.md §9.2 \[R\]: threshold 12 kg, divisor 30; unverified, so both are
/// parameters).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SmallChildRule {
    /// `melphalan.small_child.below_weight_kg`: the rule applies when weight
    /// < this (strictly). Plausible: [`plausible::SMALL_CHILD_WEIGHT`].
    pub below_weight: Mass,
    /// `melphalan.small_child.divisor`: the conversion divisor, a pure number
    /// (conventionally 30, i.e. 1 m² ≙ 30 kg). Rule: ≥ 10 and ≤ 60 (kg per m²
    /// of real children is 21–29; the bound catches typos) \[I\].
    pub divisor: f64,
}

/// `[stem_cells]`: autologous stem-cell rescue timing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StemCellRule {
    /// `stem_cells.days_after_infusion2`: planned day of stem-cell return
    /// counted from infusion 2. Rule: > `melphalan.days_after_infusion2`
    /// (stem cells follow melphalan); plausible: [`plausible::DAYS_AFTER_INFUSION2`]. The return also needs the dose rate at
    /// 1 m to be ≤ `radiation_protection.stem_cell_return_usv_h_at_1m`.
    pub days_after_infusion2: u32,
}

/// `[radiation_protection]`: thresholds and constraints (docs/reference/dosimetry.md §8).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RadiationProtection {
    /// `radiation_protection.patient_release_usv_h_at_1m`: the patient may
    /// leave the shielded room when the dose rate at 1 m is ≤ this. Plausible:
    /// [`plausible::DOSE_RATE_THRESHOLD`].
    pub patient_release_at_1m: DoseRate,
    /// `radiation_protection.patient_release_max_retained_mbq` (optional):
    /// alternative release rule on retained activity (e.g. NRC 1.22 GBq,
    /// docs/reference/dosimetry.md §8.3). Plausible: [`plausible::RETAINED_ACTIVITY`].
    pub patient_release_max_retained: Option<Activity>,
    /// `radiation_protection.stem_cell_return_usv_h_at_1m`: stem cells may be
    /// returned when the dose rate at 1 m is ≤ this (docs/reference/dosimetry.md §6.5 \[U\]). Plausible:
    /// [`plausible::DOSE_RATE_THRESHOLD`].
    pub stem_cell_return_at_1m: DoseRate,
    /// `radiation_protection.stem_cell_return_max_retained_mbq` (optional):
    /// alternative stem-cell-return rule on retained activity (docs/reference/dosimetry.md §6.5). Plausible:
    /// [`plausible::RETAINED_ACTIVITY`].
    pub stem_cell_return_max_retained: Option<Activity>,
    /// `radiation_protection.caregiver_constraint_msv`: dose constraint per
    /// treatment episode for an adult carer or comforter (docs/reference/dosimetry.md §8.4, 5 mSv).
    /// Plausible: [`plausible::CAREGIVER_CONSTRAINT`].
    pub caregiver_constraint: EquivalentDose,
    /// `radiation_protection.public_constraint_msv`: constraint for members of
    /// the public, children and pregnant women (docs/reference/dosimetry.md §8.4, 1 mSv). Plausible:
    /// [`plausible::PUBLIC_CONSTRAINT`].
    pub public_constraint: EquivalentDose,
    /// `radiation_protection.dose_rate_constant_usv_m2_per_mbq_h`: I-131
    /// dose-rate constant at 1 m used when the dose rate must be estimated
    /// from retained activity (docs/reference/dosimetry.md §8.1). Plausible: [`plausible::DOSE_RATE_CONSTANT`].
    pub dose_rate_constant: DoseRateConstant,
    /// `radiation_protection.self_attenuation_factor`: pure number in (0, 1]
    /// multiplying the point-source dose rate for patient self-attenuation
    /// (1 = none, conservative; children 0.6–0.8 \[R\], docs/reference/dosimetry.md §8.1).
    pub self_attenuation_factor: f64,
}

/// `[plausibility]`: limits of the plausibility gate that every dosimetry
/// result passes before it may prescribe (`mibg_dosimetry::gate`). Each is
/// a pure number (a fraction or a probability) with the plausible range of
/// [`plausible`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PlausibilityLimits {
    /// `plausibility.reading_noise_fraction`: the relative measurement noise
    /// tolerated between two whole-body readings (seed 0.05). A reading may
    /// exceed physical decay from any earlier reading by at most this
    /// fraction, and a reading is an outlier only when it also deviates from
    /// the fit without it by more than this fraction.
    pub reading_noise: f64,
    /// `plausibility.outlier_alpha`: family-wise false-alarm probability of
    /// the Bonferroni outlier test over the readings of one series (seed 0.05).
    pub outlier_alpha: f64,
    /// `plausibility.min_r_squared`: a retention fit with a lower R² may not
    /// prescribe (seed 0.98).
    pub min_r_squared: f64,
    /// `plausibility.max_relative_tau_se`: a fit whose SE(τ)/τ is larger may
    /// not prescribe (seed 0.10).
    pub max_relative_tau_se: f64,
    /// `plausibility.max_bootstrap_failure_share`: when more than this
    /// fraction of bootstrap replicates cannot be refitted, the 95 % interval
    /// is not trusted and the fit may not prescribe (seed 0.10).
    pub max_bootstrap_failure_share: f64,
    /// `plausibility.background_factor`: a reading's background may differ
    /// from the median of the other readings' backgrounds by at most this
    /// factor (seed 5; a background typed ×10 is a slip).
    pub background_factor: f64,
    /// `plausibility.max_total_dose_uncertainty_gy`: the 95 % interval of
    /// the predicted total whole-body dose may reach at most this far from
    /// the prediction (seed 0.5 Gy, the overshoot margin).
    pub max_total_dose_uncertainty: AbsorbedDose,
}

/// A protocol file that cannot be used. The message names the file, the key
/// and the rule broken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The file is not valid TOML, has an unknown key, lacks a required key,
    /// or a value has the wrong type.
    #[error("{file}: {message}")]
    Syntax {
        /// The source label (usually the file name).
        file: String,
        /// Location and parser message.
        message: String,
    },
    /// A value breaks a rule.
    #[error("{file}: {key} = {value}: {rule}")]
    Invalid {
        /// The source label (usually the file name).
        file: String,
        /// Dotted key, e.g. `infusion2.target_total_wb_gy`.
        key: String,
        /// The value as given.
        value: String,
        /// The rule broken, e.g. `must be > 0`.
        rule: String,
    },
}

/// The longest syntax message, in characters.
const MAX_MESSAGE: usize = 300;

/// `text` cut to `max` characters, with the full length said: a key or a
/// value of a megabyte (a slipped paste) is quoted readably in an error
/// (issue 9), never echoed whole.
fn excerpt(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    format!("{head}… ({n} characters)")
}

impl Protocol {
    /// The seed protocol (De Ioris 2025 regimen), `protocols/seed.toml`.
    ///
    /// # Panics
    /// Never in a released build: the embedded file is parsed by a unit test.
    pub fn seed() -> Protocol {
        Protocol::from_toml(SEED_TOML, SEED_LABEL).expect("the embedded seed protocol is valid")
    }

    /// Parses and validates a protocol file. `file` labels error messages.
    ///
    /// # Errors
    /// [`ProtocolError::Syntax`] for TOML errors, unknown or missing keys and
    /// wrong types; [`ProtocolError::Invalid`] naming the key, its value and
    /// the rule for every value outside its documented range.
    pub fn from_toml(text: &str, file: &str) -> Result<Protocol, ProtocolError> {
        let raw: wire::ProtocolFile = toml::from_str(text).map_err(|e| {
            let mut message = String::new();
            if let Some(span) = e.span() {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                message.push_str(&format!("line {line}"));
                let table = status::table_at(text, span.start);
                if let Some(t) = &table {
                    message.push_str(&format!(" (in [{t}])"));
                }
                message.push_str(": ");
                // Name the key when the error points at a value.
                let start = span.start.min(text.len());
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                if let Some((key, _)) = text[line_start..start].split_once('=') {
                    let key = key.trim();
                    if !key.is_empty() && !key.starts_with('#') {
                        let full = table.map_or(key.to_string(), |t| format!("{t}.{key}"));
                        message.push_str(&format!("{full}: "));
                    }
                }
            }
            message.push_str(e.message().trim());
            ProtocolError::Syntax {
                file: file.to_string(),
                message: excerpt(&message, MAX_MESSAGE),
            }
        })?;
        let mut p = raw.validate(file)?;
        p.value_status = status::scan(text);
        Ok(p)
    }

    /// The values whose status needs review (`[R]`, `[I]`, `[U]` or no
    /// marker), in file order.
    pub fn unverified(&self) -> Vec<&ValueStatus> {
        self.value_status
            .iter()
            .filter(|v| v.status.needs_review())
            .collect()
    }
}

#[cfg(test)]
mod tests;
