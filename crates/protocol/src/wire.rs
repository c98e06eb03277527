//! The file format: plain numbers under unit-suffixed keys, parsed strictly
//! (unknown keys are errors), then validated into typed [`crate::Protocol`].

use crate::{
    BsaFormula, CourseCaps, Infusion1Rule, Infusion2Rule, MelphalanRule, Protocol, ProtocolError,
    ProtocolInfo, RadiationProtection, SmallChildRule, StemCellRule,
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

/// Largest day count in a protocol (infusion-2 window, melphalan and
/// stem-cell days): one year \[I\]. Keeps the schedule's day arithmetic far
/// from `u32` overflow; a course longer than a year is a typo.
pub(crate) const MAX_DAYS: u32 = 365;
/// Largest absolute activity in a protocol (per infusion, per course,
/// minimum worthwhile A₂): 200 GBq \[I\], several times the largest published
/// activities (UCSF single infusion 30.969 GBq, Norway course 28.6 GBq;
/// docs/reference/dosimetry.md §6.3, §10.2). Keeps every derived limit finite.
pub(crate) const MAX_ACTIVITY_MBQ: f64 = 200_000.0;
/// Largest activity per kg in a protocol (both infusions): 1500 MBq/kg
/// \[I\] (about 40 mCi/kg; the highest published level is 21 mCi/kg, docs/reference/dosimetry.md §6.3).
pub(crate) const MAX_ACTIVITY_PER_KG_MBQ: f64 = 1500.0;
/// Plausible range of the small-child divisor (kg per m²) \[I\]: the COG
/// value is 30 (docs/reference/dosimetry.md §9.2 \[R\]); real children have 21–29 kg/m² (9 kg/0.433 m²,
/// 32 kg/1.1155 m², docs/reference/dosimetry.md §9.1 test vectors), so 10–60 leaves a wide margin
/// while rejecting typos that would multiply the melphalan dose.
pub(crate) const SMALL_CHILD_DIVISOR: (f64, f64) = (10.0, 60.0);

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

    /// finite and lo < v ≤ hi (open below when `lo_open`).
    fn range(
        &self,
        key: &str,
        v: f64,
        lo: f64,
        lo_open: bool,
        hi: f64,
    ) -> Result<f64, ProtocolError> {
        if !v.is_finite() {
            return Err(self.fail(key, v, "must be a finite number"));
        }
        if lo_open && v <= lo {
            return Err(self.fail(key, v, &format!("must be > {lo}")));
        }
        if !lo_open && v < lo {
            return Err(self.fail(key, v, &format!("must be >= {lo}")));
        }
        if v > hi {
            return Err(self.fail(key, v, &format!("must be <= {hi}")));
        }
        Ok(v)
    }

    /// A day count ≤ [`MAX_DAYS`].
    fn days(&self, key: &str, v: u32) -> Result<u32, ProtocolError> {
        if v > MAX_DAYS {
            return Err(self.fail(key, v, &format!("must be <= {MAX_DAYS}")));
        }
        Ok(v)
    }

    fn positive(&self, key: &str, v: f64) -> Result<f64, ProtocolError> {
        self.range(key, v, 0.0, true, f64::MAX)
    }

    fn non_negative(&self, key: &str, v: f64) -> Result<f64, ProtocolError> {
        self.range(key, v, 0.0, false, f64::MAX)
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
            activity_per_kg: ActivityPerMass::from_mbq_per_kg(c.range(
                "infusion1.activity_per_kg_mbq",
                i1.activity_per_kg_mbq,
                0.0,
                true,
                MAX_ACTIVITY_PER_KG_MBQ,
            )?),
            max_activity: i1
                .max_activity_mbq
                .map(|v| c.range("infusion1.max_activity_mbq", v, 0.0, true, MAX_ACTIVITY_MBQ))
                .transpose()?
                .map(Activity::from_mbq),
        };

        let caps = CourseCaps {
            max_total_activity: Activity::from_gbq(c.range(
                "caps.max_total_activity_gbq",
                self.caps.max_total_activity_gbq,
                0.0,
                true,
                MAX_ACTIVITY_MBQ / 1000.0,
            )?),
            max_total_wb: AbsorbedDose::from_gy(
                c.positive("caps.max_total_wb_gy", self.caps.max_total_wb_gy)?,
            ),
        };

        let i2 = &self.infusion2;
        let target = c.positive("infusion2.target_total_wb_gy", i2.target_total_wb_gy)?;
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
        c.days("infusion2.interval_max_days", i2.interval_max_days)?;
        if i2.interval_min_days < 1 {
            return Err(c.fail(
                "infusion2.interval_min_days",
                i2.interval_min_days,
                "must be >= 1",
            ));
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
            max_activity_per_kg: ActivityPerMass::from_mbq_per_kg(c.range(
                "infusion2.max_activity_per_kg_mbq",
                i2.max_activity_per_kg_mbq,
                0.0,
                true,
                MAX_ACTIVITY_PER_KG_MBQ,
            )?),
            min_worthwhile_activity: Activity::from_mbq(c.range(
                "infusion2.min_worthwhile_activity_mbq",
                i2.min_worthwhile_activity_mbq,
                0.0,
                false,
                MAX_ACTIVITY_MBQ,
            )?),
            overshoot_margin: AbsorbedDose::from_gy(
                c.non_negative("infusion2.overshoot_margin_gy", i2.overshoot_margin_gy)?,
            ),
        };

        let m = &self.melphalan;
        let small_child = m
            .small_child
            .as_ref()
            .map(|s| -> Result<SmallChildRule, ProtocolError> {
                Ok(SmallChildRule {
                    below_weight: Mass::from_kg(c.range(
                        "melphalan.small_child.below_weight_kg",
                        s.below_weight_kg,
                        0.0,
                        true,
                        40.0,
                    )?),
                    divisor: c.range(
                        "melphalan.small_child.divisor",
                        s.divisor,
                        SMALL_CHILD_DIVISOR.0,
                        false,
                        SMALL_CHILD_DIVISOR.1,
                    )?,
                })
            })
            .transpose()?;
        c.days("melphalan.days_after_infusion2", m.days_after_infusion2)?;
        c.days(
            "stem_cells.days_after_infusion2",
            self.stem_cells.days_after_infusion2,
        )?;
        let melphalan = MelphalanRule {
            dose_per_area: DrugPerArea::from_mg_per_m2(c.range(
                "melphalan.dose_mg_per_m2",
                m.dose_mg_per_m2,
                0.0,
                true,
                300.0,
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
        let opt_pos = |key: &str, v: Option<f64>| -> Result<Option<Activity>, ProtocolError> {
            v.map(|v| c.positive(key, v).map(Activity::from_mbq))
                .transpose()
        };
        let radiation_protection = RadiationProtection {
            patient_release_at_1m: DoseRate::from_usv_per_h(c.positive(
                "radiation_protection.patient_release_usv_h_at_1m",
                r.patient_release_usv_h_at_1m,
            )?),
            patient_release_max_retained: opt_pos(
                "radiation_protection.patient_release_max_retained_mbq",
                r.patient_release_max_retained_mbq,
            )?,
            stem_cell_return_at_1m: DoseRate::from_usv_per_h(c.positive(
                "radiation_protection.stem_cell_return_usv_h_at_1m",
                r.stem_cell_return_usv_h_at_1m,
            )?),
            stem_cell_return_max_retained: opt_pos(
                "radiation_protection.stem_cell_return_max_retained_mbq",
                r.stem_cell_return_max_retained_mbq,
            )?,
            caregiver_constraint: EquivalentDose::from_msv(c.positive(
                "radiation_protection.caregiver_constraint_msv",
                r.caregiver_constraint_msv,
            )?),
            public_constraint: EquivalentDose::from_msv(c.positive(
                "radiation_protection.public_constraint_msv",
                r.public_constraint_msv,
            )?),
            dose_rate_constant: DoseRateConstant::from_usv_m2_per_mbq_h(c.range(
                "radiation_protection.dose_rate_constant_usv_m2_per_mbq_h",
                r.dose_rate_constant_usv_m2_per_mbq_h,
                0.0,
                true,
                1.0,
            )?),
            self_attenuation_factor: c.range(
                "radiation_protection.self_attenuation_factor",
                r.self_attenuation_factor,
                0.0,
                true,
                1.0,
            )?,
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
        }
    }
}
