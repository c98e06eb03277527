//! The file format: plain numbers under unit-suffixed keys, parsed strictly
//! (unknown keys are errors), then validated into typed [`crate::Protocol`].

use crate::plausible::{self as pl, PlausibleRange};
use crate::{
    BsaFormula, CourseCaps, Infusion1Rule, Infusion2Rule, MelphalanRule, PlausibilityLimits,
    Protocol, ProtocolError, ProtocolInfo, RadiationProtection, SmallChildRule, StemCellRule,
};
use mibg_units::{
    AbsorbedDose, Activity, ActivityPerMass, DoseRate, DoseRateConstant, DrugPerArea,
    EquivalentDose, Mass,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProtocolFile {
    protocol: Info,
    infusion1: Infusion1,
    infusion2: Infusion2,
    caps: Caps,
    melphalan: Melphalan,
    stem_cells: StemCells,
    radiation_protection: RadProt,
    plausibility: Plausibility,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Info {
    name: String,
    source: String,
    #[serde(default)]
    version: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Infusion1 {
    activity_per_kg_mbq: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_activity_mbq: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Infusion2 {
    target_total_wb_gy: f64,
    interval_nominal_days: u32,
    interval_min_days: u32,
    interval_max_days: u32,
    max_activity_per_kg_mbq: f64,
    min_worthwhile_activity_mbq: f64,
    overshoot_margin_gy: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Caps {
    max_total_activity_gbq: f64,
    max_total_wb_gy: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Melphalan {
    dose_mg_per_m2: f64,
    #[serde(default)]
    bsa_formula: BsaFormula,
    days_after_infusion2: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    small_child: Option<SmallChild>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SmallChild {
    below_weight_kg: f64,
    divisor: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct StemCells {
    days_after_infusion2: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RadProt {
    patient_release_usv_h_at_1m: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    patient_release_max_retained_mbq: Option<f64>,
    stem_cell_return_usv_h_at_1m: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stem_cell_return_max_retained_mbq: Option<f64>,
    caregiver_constraint_msv: f64,
    public_constraint_msv: f64,
    dose_rate_constant_usv_m2_per_mbq_h: f64,
    self_attenuation_factor: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Plausibility {
    reading_noise_fraction: f64,
    outlier_alpha: f64,
    min_r_squared: f64,
    max_relative_tau_se: f64,
    max_bootstrap_failure_share: f64,
    background_factor: f64,
    max_total_dose_uncertainty_gy: f64,
}

/// Collects the first broken rule with its key.
struct Check<'a> {
    file: &'a str,
}

impl Check<'_> {
    fn fail(&self, key: &str, value: impl ToString, rule: &str) -> ProtocolError {
        ProtocolError::Invalid {
            file: self.file.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            rule: rule.to_string(),
        }
    }

    /// finite and lo < v (lo ≤ v when not `lo_open`); the upper limits are
    /// the plausible ranges' ([`Check::plausible`]).
    fn range(&self, key: &str, v: f64, lo: f64, lo_open: bool) -> Result<f64, ProtocolError> {
        if !v.is_finite() {
            return Err(self.fail(key, v, "must be a finite number"));
        }
        if lo_open && v <= lo {
            return Err(self.fail(key, v, &format!("must be > {lo}")));
        }
        if !lo_open && v < lo {
            return Err(self.fail(key, v, &format!("must be >= {lo}")));
        }
        Ok(v)
    }

    /// A value inside its plausible range ([`crate::plausible`]); the rule
    /// text names the value, the range with its reasoning and the probable
    /// unit slip.
    fn plausible(&self, key: &str, v: f64, r: &PlausibleRange) -> Result<f64, ProtocolError> {
        if !v.is_finite() {
            return Err(self.fail(key, v, "must be a finite number"));
        }
        match r.check(v) {
            Some(rule) => Err(self.fail(key, v, &rule)),
            None => Ok(v),
        }
    }

    /// A positive value inside its plausible range.
    fn positive_plausible(
        &self,
        key: &str,
        v: f64,
        r: &PlausibleRange,
    ) -> Result<f64, ProtocolError> {
        self.positive(key, v)?;
        self.plausible(key, v, r)
    }

    /// A non-negative value inside its plausible range.
    fn non_negative_plausible(
        &self,
        key: &str,
        v: f64,
        r: &PlausibleRange,
    ) -> Result<f64, ProtocolError> {
        self.non_negative(key, v)?;
        self.plausible(key, v, r)
    }

    /// A day count inside its plausible range.
    fn days(&self, key: &str, v: u32, r: &PlausibleRange) -> Result<u32, ProtocolError> {
        self.plausible(key, f64::from(v), r)?;
        Ok(v)
    }

    fn positive(&self, key: &str, v: f64) -> Result<f64, ProtocolError> {
        self.range(key, v, 0.0, true)
    }

    fn non_negative(&self, key: &str, v: f64) -> Result<f64, ProtocolError> {
        self.range(key, v, 0.0, false)
    }
}

impl ProtocolFile {
    pub(crate) fn validate(self, file: &str) -> Result<Protocol, ProtocolError> {
        let c = Check { file };
        if self.protocol.name.trim().is_empty() {
            return Err(c.fail("protocol.name", "\"\"", "must not be empty"));
        }
        if self.protocol.source.trim().is_empty() {
            return Err(c.fail("protocol.source", "\"\"", "must not be empty"));
        }

        let i1 = &self.infusion1;
        let infusion1 = Infusion1Rule {
            activity_per_kg: ActivityPerMass::from_mbq_per_kg(c.positive_plausible(
                "infusion1.activity_per_kg_mbq",
                i1.activity_per_kg_mbq,
                &pl::ACTIVITY_PER_KG,
            )?),
            max_activity: i1
                .max_activity_mbq
                .map(|v| {
                    c.positive_plausible("infusion1.max_activity_mbq", v, &pl::INFUSION_ACTIVITY)
                })
                .transpose()?
                .map(Activity::from_mbq),
        };

        let caps = CourseCaps {
            max_total_activity: Activity::from_gbq(c.positive_plausible(
                "caps.max_total_activity_gbq",
                self.caps.max_total_activity_gbq,
                &pl::COURSE_ACTIVITY,
            )?),
            max_total_wb: AbsorbedDose::from_gy(c.positive_plausible(
                "caps.max_total_wb_gy",
                self.caps.max_total_wb_gy,
                &pl::WB_DOSE,
            )?),
        };

        let i2 = &self.infusion2;
        let target = c.positive_plausible(
            "infusion2.target_total_wb_gy",
            i2.target_total_wb_gy,
            &pl::WB_DOSE,
        )?;
        if target > caps.max_total_wb.gy() {
            return Err(c.fail(
                "infusion2.target_total_wb_gy",
                target,
                &format!(
                    "must be <= caps.max_total_wb_gy ({})",
                    caps.max_total_wb.gy()
                ),
            ));
        }
        for (key, v) in [
            ("infusion2.interval_min_days", i2.interval_min_days),
            ("infusion2.interval_max_days", i2.interval_max_days),
            ("infusion2.interval_nominal_days", i2.interval_nominal_days),
        ] {
            c.days(key, v, &pl::INFUSION_INTERVAL_DAYS)?;
        }
        if i2.interval_max_days < i2.interval_min_days {
            return Err(c.fail(
                "infusion2.interval_max_days",
                i2.interval_max_days,
                &format!(
                    "must be >= infusion2.interval_min_days ({})",
                    i2.interval_min_days
                ),
            ));
        }
        if i2.interval_nominal_days < i2.interval_min_days
            || i2.interval_nominal_days > i2.interval_max_days
        {
            return Err(c.fail(
                "infusion2.interval_nominal_days",
                i2.interval_nominal_days,
                &format!(
                    "must lie within infusion2.interval_min_days..=interval_max_days ({}..={})",
                    i2.interval_min_days, i2.interval_max_days
                ),
            ));
        }
        let infusion2 = Infusion2Rule {
            target_total_wb: AbsorbedDose::from_gy(target),
            interval_nominal_days: i2.interval_nominal_days,
            interval_min_days: i2.interval_min_days,
            interval_max_days: i2.interval_max_days,
            max_activity_per_kg: ActivityPerMass::from_mbq_per_kg(c.positive_plausible(
                "infusion2.max_activity_per_kg_mbq",
                i2.max_activity_per_kg_mbq,
                &pl::ACTIVITY_PER_KG,
            )?),
            min_worthwhile_activity: Activity::from_mbq(c.non_negative_plausible(
                "infusion2.min_worthwhile_activity_mbq",
                i2.min_worthwhile_activity_mbq,
                &pl::MIN_WORTHWHILE_ACTIVITY,
            )?),
            overshoot_margin: AbsorbedDose::from_gy(c.non_negative_plausible(
                "infusion2.overshoot_margin_gy",
                i2.overshoot_margin_gy,
                &pl::OVERSHOOT_MARGIN,
            )?),
        };

        let m = &self.melphalan;
        let small_child = m
            .small_child
            .as_ref()
            .map(|s| -> Result<SmallChildRule, ProtocolError> {
                Ok(SmallChildRule {
                    below_weight: Mass::from_kg(c.positive_plausible(
                        "melphalan.small_child.below_weight_kg",
                        s.below_weight_kg,
                        &pl::SMALL_CHILD_WEIGHT,
                    )?),
                    divisor: c.positive_plausible(
                        "melphalan.small_child.divisor",
                        s.divisor,
                        &pl::SMALL_CHILD_DIVISOR,
                    )?,
                })
            })
            .transpose()?;
        c.days(
            "melphalan.days_after_infusion2",
            m.days_after_infusion2,
            &pl::DAYS_AFTER_INFUSION2,
        )?;
        c.days(
            "stem_cells.days_after_infusion2",
            self.stem_cells.days_after_infusion2,
            &pl::DAYS_AFTER_INFUSION2,
        )?;
        let melphalan = MelphalanRule {
            dose_per_area: DrugPerArea::from_mg_per_m2(c.positive_plausible(
                "melphalan.dose_mg_per_m2",
                m.dose_mg_per_m2,
                &pl::MELPHALAN_PER_M2,
            )?),
            bsa_formula: m.bsa_formula,
            days_after_infusion2: m.days_after_infusion2,
            small_child,
        };
        if self.stem_cells.days_after_infusion2 <= m.days_after_infusion2 {
            return Err(c.fail(
                "stem_cells.days_after_infusion2",
                self.stem_cells.days_after_infusion2,
                &format!(
                    "must be > melphalan.days_after_infusion2 ({}): stem cells are returned after melphalan",
                    m.days_after_infusion2
                ),
            ));
        }
        let stem_cells = StemCellRule {
            days_after_infusion2: self.stem_cells.days_after_infusion2,
        };

        let r = &self.radiation_protection;
        let opt_retained = |key: &str, v: Option<f64>| -> Result<Option<Activity>, ProtocolError> {
            v.map(|v| {
                c.positive_plausible(key, v, &pl::RETAINED_ACTIVITY)
                    .map(Activity::from_mbq)
            })
            .transpose()
        };
        let radiation_protection = RadiationProtection {
            patient_release_at_1m: DoseRate::from_usv_per_h(c.positive_plausible(
                "radiation_protection.patient_release_usv_h_at_1m",
                r.patient_release_usv_h_at_1m,
                &pl::DOSE_RATE_THRESHOLD,
            )?),
            patient_release_max_retained: opt_retained(
                "radiation_protection.patient_release_max_retained_mbq",
                r.patient_release_max_retained_mbq,
            )?,
            stem_cell_return_at_1m: DoseRate::from_usv_per_h(c.positive_plausible(
                "radiation_protection.stem_cell_return_usv_h_at_1m",
                r.stem_cell_return_usv_h_at_1m,
                &pl::DOSE_RATE_THRESHOLD,
            )?),
            stem_cell_return_max_retained: opt_retained(
                "radiation_protection.stem_cell_return_max_retained_mbq",
                r.stem_cell_return_max_retained_mbq,
            )?,
            caregiver_constraint: EquivalentDose::from_msv(c.positive_plausible(
                "radiation_protection.caregiver_constraint_msv",
                r.caregiver_constraint_msv,
                &pl::CAREGIVER_CONSTRAINT,
            )?),
            public_constraint: EquivalentDose::from_msv(c.positive_plausible(
                "radiation_protection.public_constraint_msv",
                r.public_constraint_msv,
                &pl::PUBLIC_CONSTRAINT,
            )?),
            dose_rate_constant: DoseRateConstant::from_usv_m2_per_mbq_h(c.positive_plausible(
                "radiation_protection.dose_rate_constant_usv_m2_per_mbq_h",
                r.dose_rate_constant_usv_m2_per_mbq_h,
                &pl::DOSE_RATE_CONSTANT,
            )?),
            self_attenuation_factor: c.positive_plausible(
                "radiation_protection.self_attenuation_factor",
                r.self_attenuation_factor,
                &pl::SELF_ATTENUATION,
            )?,
        };

        let q = &self.plausibility;
        let plausibility = PlausibilityLimits {
            reading_noise: c.positive_plausible(
                "plausibility.reading_noise_fraction",
                q.reading_noise_fraction,
                &pl::READING_NOISE,
            )?,
            outlier_alpha: c.positive_plausible(
                "plausibility.outlier_alpha",
                q.outlier_alpha,
                &pl::OUTLIER_ALPHA,
            )?,
            min_r_squared: c.positive_plausible(
                "plausibility.min_r_squared",
                q.min_r_squared,
                &pl::MIN_R_SQUARED,
            )?,
            max_relative_tau_se: c.positive_plausible(
                "plausibility.max_relative_tau_se",
                q.max_relative_tau_se,
                &pl::MAX_RELATIVE_TAU_SE,
            )?,
            max_bootstrap_failure_share: c.non_negative_plausible(
                "plausibility.max_bootstrap_failure_share",
                q.max_bootstrap_failure_share,
                &pl::MAX_BOOTSTRAP_FAILURE_SHARE,
            )?,
            background_factor: c.positive_plausible(
                "plausibility.background_factor",
                q.background_factor,
                &pl::BACKGROUND_FACTOR,
            )?,
            max_total_dose_uncertainty: AbsorbedDose::from_gy(c.positive_plausible(
                "plausibility.max_total_dose_uncertainty_gy",
                q.max_total_dose_uncertainty_gy,
                &pl::TOTAL_DOSE_UNCERTAINTY,
            )?),
        };

        Ok(Protocol {
            info: ProtocolInfo {
                name: self.protocol.name,
                source: self.protocol.source,
                version: self.protocol.version,
            },
            infusion1,
            infusion2,
            caps,
            melphalan,
            stem_cells,
            radiation_protection,
            plausibility,
            value_status: Vec::new(),
        })
    }
}

impl From<Protocol> for ProtocolFile {
    fn from(p: Protocol) -> Self {
        let r = p.radiation_protection;
        ProtocolFile {
            protocol: Info {
                name: p.info.name,
                source: p.info.source,
                version: p.info.version,
            },
            infusion1: Infusion1 {
                activity_per_kg_mbq: p.infusion1.activity_per_kg.mbq_per_kg(),
                max_activity_mbq: p.infusion1.max_activity.map(Activity::mbq),
            },
            infusion2: Infusion2 {
                target_total_wb_gy: p.infusion2.target_total_wb.gy(),
                interval_nominal_days: p.infusion2.interval_nominal_days,
                interval_min_days: p.infusion2.interval_min_days,
                interval_max_days: p.infusion2.interval_max_days,
                max_activity_per_kg_mbq: p.infusion2.max_activity_per_kg.mbq_per_kg(),
                min_worthwhile_activity_mbq: p.infusion2.min_worthwhile_activity.mbq(),
                overshoot_margin_gy: p.infusion2.overshoot_margin.gy(),
            },
            caps: Caps {
                max_total_activity_gbq: p.caps.max_total_activity.gbq(),
                max_total_wb_gy: p.caps.max_total_wb.gy(),
            },
            melphalan: Melphalan {
                dose_mg_per_m2: p.melphalan.dose_per_area.mg_per_m2(),
                bsa_formula: p.melphalan.bsa_formula,
                days_after_infusion2: p.melphalan.days_after_infusion2,
                small_child: p.melphalan.small_child.map(|s| SmallChild {
                    below_weight_kg: s.below_weight.kg(),
                    divisor: s.divisor,
                }),
            },
            stem_cells: StemCells {
                days_after_infusion2: p.stem_cells.days_after_infusion2,
            },
            radiation_protection: RadProt {
                patient_release_usv_h_at_1m: r.patient_release_at_1m.usv_per_h(),
                patient_release_max_retained_mbq: r.patient_release_max_retained.map(Activity::mbq),
                stem_cell_return_usv_h_at_1m: r.stem_cell_return_at_1m.usv_per_h(),
                stem_cell_return_max_retained_mbq: r
                    .stem_cell_return_max_retained
                    .map(Activity::mbq),
                caregiver_constraint_msv: r.caregiver_constraint.msv(),
                public_constraint_msv: r.public_constraint.msv(),
                dose_rate_constant_usv_m2_per_mbq_h: r.dose_rate_constant.usv_m2_per_mbq_h(),
                self_attenuation_factor: r.self_attenuation_factor,
            },
            plausibility: Plausibility {
                reading_noise_fraction: p.plausibility.reading_noise,
                outlier_alpha: p.plausibility.outlier_alpha,
                min_r_squared: p.plausibility.min_r_squared,
                max_relative_tau_se: p.plausibility.max_relative_tau_se,
                max_bootstrap_failure_share: p.plausibility.max_bootstrap_failure_share,
                background_factor: p.plausibility.background_factor,
                max_total_dose_uncertainty_gy: p.plausibility.max_total_dose_uncertainty.gy(),
            },
        }
    }
}
