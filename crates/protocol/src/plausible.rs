//! Two-sided plausibility of every protocol value (issue 9, item 3).
//!
//! A protocol value can be *valid* (finite, positive, consistent with the
//! other values) and still be a typing error: the mCi/kg figure in the
//! MBq/kg field (12 instead of 444) is a valid activity per kg that gives a
//! 37× underdose. Every number of a protocol file therefore has a plausible
//! range, stated here with its reasoning, and a value outside it is an error
//! (never a warning) that names the unit slip that would explain it, e.g.
//! `12 MBq/kg is implausible (…); 12 mCi/kg = 444 MBq/kg?`.
//!
//! Every range is a design choice \[I\] built from the published values that
//! the reference pages cite (`docs/reference/dosimetry.md` §6.3, §6.2, §8.1–§8.4, §9): wide
//! enough to admit every published regimen with a margin, narrow enough that
//! the usual unit slips (mCi for MBq, GBq for MBq, cGy for Gy, weeks for
//! days, µSv for mSv, per cent for a fraction) fall outside. A centre that
//! really needs a value outside a range changes the range here, in code
//! review, not in a protocol file.

/// A unit (or decimal) slip that would explain an implausible value: the
/// value typed in `unit` instead of the field's unit, where
/// `value × factor` converts it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitSlip {
    /// The unit the number was probably typed in, e.g. `mCi/kg`.
    pub unit: &'static str,
    /// Multiplier from `unit` to the field's unit (e.g. 37 for mCi → MBq).
    pub factor: f64,
}

/// The plausible range of one protocol value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlausibleRange {
    /// The field's unit as printed, e.g. `MBq/kg` (empty for a pure number).
    pub unit: &'static str,
    /// Smallest plausible value (inclusive).
    pub lo: f64,
    /// Largest plausible value (inclusive).
    pub hi: f64,
    /// `true` when exactly 0 is also accepted (it means "none", e.g. no
    /// minimum worthwhile activity).
    pub zero_allowed: bool,
    /// Why these bounds, with the sources.
    pub why: &'static str,
    /// The unit slips to name, in order of preference.
    pub slips: &'static [UnitSlip],
}

const fn slip(unit: &'static str, factor: f64) -> UnitSlip {
    UnitSlip { unit, factor }
}

/// Activity per kg, both infusions (`infusion1.activity_per_kg_mbq`,
/// `infusion2.max_activity_per_kg_mbq`): **74–1110 MBq/kg** (2–30 mCi/kg)
/// \[I\]. Published first and second infusions span 3–21 mCi/kg (Matthay
/// 1998 phase I 3 → 18 mCi/kg; NANT double infusion 12–21 mCi/kg, cap
/// 21 mCi/kg; docs/reference/dosimetry.md §6.3 \[V\]); the range adds a third below and
/// above. 12 (mCi/kg for MBq/kg) and 0.444 (GBq/kg) fall outside.
pub const ACTIVITY_PER_KG: PlausibleRange = PlausibleRange {
    unit: "MBq/kg",
    lo: 74.0,
    hi: 1110.0,
    zero_allowed: false,
    why: "2-30 mCi/kg; published infusions span 3-21 mCi/kg, docs/reference/dosimetry.md §6.3",
    slips: &[slip("mCi/kg", 37.0), slip("GBq/kg", 1000.0)],
};

/// An absolute activity cap of one infusion (`infusion1.max_activity_mbq`):
/// **1000–100 000 MBq** \[I\]. Published single infusions reach 30.969 GBq
/// (Matthay 2001, docs/reference/dosimetry.md §6.3 \[V\]); a cap below 1 GBq would stop every child
/// above 2.3 kg at 444 MBq/kg. 40 (GBq) and 810 (mCi) fall outside.
pub const INFUSION_ACTIVITY: PlausibleRange = PlausibleRange {
    unit: "MBq",
    lo: 1000.0,
    hi: 100_000.0,
    zero_allowed: false,
    why: "1-100 GBq; published single infusions reach 31 GBq, docs/reference/dosimetry.md §6.3",
    slips: &[slip("GBq", 1000.0), slip("mCi", 37.0)],
};

/// Minimum worthwhile second activity
/// (`infusion2.min_worthwhile_activity_mbq`): **0** (no minimum) or
/// **100–10 000 MBq** \[I\]. Below 100 MBq an infusion is a tracer, not a
/// therapy (the UKCCSG tracer studies used 75 MBq, docs/reference/dosimetry.md §3.1 \[V\]); above 10 GBq
/// the "minimum" would exceed most published second infusions (docs/reference/dosimetry.md §6.3).
pub const MIN_WORTHWHILE_ACTIVITY: PlausibleRange = PlausibleRange {
    unit: "MBq",
    lo: 100.0,
    hi: 10_000.0,
    zero_allowed: true,
    why: "0 (no minimum) or 0.1-10 GBq; a 75 MBq infusion is a tracer study, docs/reference/dosimetry.md §3.1",
    slips: &[slip("GBq", 1000.0), slip("mCi", 37.0)],
};

/// Course total activity (`caps.max_total_activity_gbq`): **5–100 GBq**
/// \[I\]. Published two-infusion courses total 5.1–28.6 GBq (Norway,
/// docs/reference/dosimetry.md §10.2 \[V\]); UCSF single infusions reach 31 GBq (§6.3 \[V\]).
/// 40 000 (MBq) and 1081 (mCi) fall outside.
pub const COURSE_ACTIVITY: PlausibleRange = PlausibleRange {
    unit: "GBq",
    lo: 5.0,
    hi: 100.0,
    zero_allowed: false,
    why: "published courses total 5.1-28.6 GBq, single infusions up to 31 GBq, docs/reference/dosimetry.md §6.3, §10.2",
    slips: &[slip("MBq", 0.001), slip("mCi", 0.037)],
};

/// Whole-body absorbed doses of the course (`infusion2.target_total_wb_gy`,
/// `caps.max_total_wb_gy`): **1–8 Gy** \[I\]. Prescribed whole-body doses
/// are 1–2.5 Gy single (UKCCSG), 4 Gy in two infusions (Gaze 2005);
/// delivered doses reach 6.5 Gy (Matthay 2001) (docs/reference/dosimetry.md §6.3 \[V\]). 400 (cGy) and
/// 4000 (mGy) fall outside.
pub const WB_DOSE: PlausibleRange = PlausibleRange {
    unit: "Gy",
    lo: 1.0,
    hi: 8.0,
    zero_allowed: false,
    why: "published whole-body targets 1-4 Gy, delivered up to 6.5 Gy, docs/reference/dosimetry.md §6.3",
    slips: &[slip("cGy", 0.01), slip("mGy", 0.001)],
};

/// Overshoot margin (`infusion2.overshoot_margin_gy`): **0–2 Gy** \[I\]
/// (half the 4 Gy target; the seed uses 0.5 Gy). 50 (cGy) falls outside.
pub const OVERSHOOT_MARGIN: PlausibleRange = PlausibleRange {
    unit: "Gy",
    lo: 0.0,
    hi: 2.0,
    zero_allowed: true,
    why: "at most half of a 4 Gy target",
    slips: &[slip("cGy", 0.01), slip("mGy", 0.001)],
};

/// Days from infusion 1 to infusion 2 (`infusion2.interval_*_days`):
/// **7–42 days** \[I\]. Published intervals are 14 days (Gaze 2005, NANT;
/// docs/reference/dosimetry.md §6.2 \[V\]). 2 (weeks) falls outside.
pub const INFUSION_INTERVAL_DAYS: PlausibleRange = PlausibleRange {
    unit: "days",
    lo: 7.0,
    hi: 42.0,
    zero_allowed: false,
    why: "published intervals are 14 days, docs/reference/dosimetry.md §6.2",
    slips: &[slip("weeks", 7.0)],
};

/// Days from infusion 2 to melphalan or to stem-cell return
/// (`melphalan.days_after_infusion2`, `stem_cells.days_after_infusion2`):
/// **1–56 days** \[I\]. NANT: stem cells 14 days after the second infusion,
/// MIBG + CEM: melphalan 14–17 and stem cells 21 days after MIBG (docs/reference/dosimetry.md §6.2
/// \[V\]); 8 weeks is a generous ceiling.
pub const DAYS_AFTER_INFUSION2: PlausibleRange = PlausibleRange {
    unit: "days",
    lo: 1.0,
    hi: 56.0,
    zero_allowed: false,
    why: "published: stem cells 14-21 days after MIBG, docs/reference/dosimetry.md §6.2",
    slips: &[slip("weeks", 7.0)],
};

/// Melphalan dose per m² (`melphalan.dose_mg_per_m2`): **40–250 mg/m²**
/// \[I\]. The seed regimen gives 110 mg/m² (De Ioris 2025, docs/reference/dosimetry.md §9.3 \[V\]);
/// single-agent high-dose melphalan uses up to 200 mg/m² \[R\]. A per-kg
/// dose (3.7 mg/kg ≈ 110 mg/m² by the ÷30 convention, docs/reference/dosimetry.md §9.2 \[R\]) falls
/// outside.
pub const MELPHALAN_PER_M2: PlausibleRange = PlausibleRange {
    unit: "mg/m2",
    lo: 40.0,
    hi: 250.0,
    zero_allowed: false,
    why: "110 mg/m2 in the seed regimen, up to 200 mg/m2 single-agent, docs/reference/dosimetry.md §9.3",
    slips: &[slip("mg/kg (x30 kg/m2)", 30.0)],
};

/// Small-child weight threshold (`melphalan.small_child.below_weight_kg`):
/// **5–20 kg** \[I\] around the COG convention of 12 kg (docs/reference/dosimetry.md §9.2 \[R\]).
/// 26.5 (lb) and 12 000 (g) fall outside.
pub const SMALL_CHILD_WEIGHT: PlausibleRange = PlausibleRange {
    unit: "kg",
    lo: 5.0,
    hi: 20.0,
    zero_allowed: false,
    why: "the COG small-child threshold is 12 kg, docs/reference/dosimetry.md §9.2",
    slips: &[slip("lb", 0.453_592_37), slip("g", 0.001)],
};

/// Small-child divisor, kg per m² (`melphalan.small_child.divisor`):
/// **10–60** \[I\]: the COG value is 30 (docs/reference/dosimetry.md §9.2 \[R\]); real children have
/// 21–29 kg/m² (9 kg/0.433 m², 32 kg/1.1155 m², docs/reference/dosimetry.md §9.1 test vectors), so the
/// range leaves a wide margin while rejecting typos that would multiply the
/// melphalan dose.
pub const SMALL_CHILD_DIVISOR: PlausibleRange = PlausibleRange {
    unit: "kg/m2",
    lo: 10.0,
    hi: 60.0,
    zero_allowed: false,
    why: "children have 21-29 kg per m2; the COG divisor is 30, docs/reference/dosimetry.md §9.1-9.2",
    slips: &[],
};

/// Dose rate at 1 m for release or stem-cell return
/// (`radiation_protection.*_usv_h_at_1m`): **5–100 µSv/h** \[I\]. The US
/// release limit is 70 µSv/h (7 mrem/h), written instructions from
/// 20 µSv/h (2 mrem/h) (NRC RG 8.39, docs/reference/dosimetry.md §8.3 \[V\]); stem-cell return about
/// 20 µSv/h (docs/reference/dosimetry.md §6.5 \[R\]). 0.02 (mSv/h) and 2 (mrem/h) fall outside.
pub const DOSE_RATE_THRESHOLD: PlausibleRange = PlausibleRange {
    unit: "µSv/h",
    lo: 5.0,
    hi: 100.0,
    zero_allowed: false,
    why: "release limits are 20-70 µSv/h at 1 m (NRC), docs/reference/dosimetry.md §8.3, §6.5",
    slips: &[slip("mSv/h", 1000.0), slip("mrem/h", 10.0)],
};

/// Retained activity for release or stem-cell return
/// (`radiation_protection.*_max_retained_mbq`): **100–5000 MBq** \[I\].
/// NRC: 1.22 GBq (33 mCi); ARPANSA via Dorn: 600 MBq (docs/reference/dosimetry.md §8.3 \[V\]). 33 (mCi)
/// and 1.22 (GBq) fall outside.
pub const RETAINED_ACTIVITY: PlausibleRange = PlausibleRange {
    unit: "MBq",
    lo: 100.0,
    hi: 5000.0,
    zero_allowed: false,
    why: "release limits are 600-1220 MBq retained, docs/reference/dosimetry.md §8.3",
    slips: &[slip("mCi", 37.0), slip("GBq", 1000.0)],
};

/// Caregiver dose constraint per episode
/// (`radiation_protection.caregiver_constraint_msv`): **1–20 mSv** \[I\]
/// around the 5 mSv of NRC and ICRP (docs/reference/dosimetry.md §8.3–§8.4). 5000 (µSv) and 0.5 (rem)
/// fall outside.
pub const CAREGIVER_CONSTRAINT: PlausibleRange = PlausibleRange {
    unit: "mSv",
    lo: 1.0,
    hi: 20.0,
    zero_allowed: false,
    why: "the carer constraint is 5 mSv per episode, docs/reference/dosimetry.md §8.4",
    slips: &[slip("µSv", 0.001), slip("rem", 10.0)],
};

/// Public dose constraint (`radiation_protection.public_constraint_msv`):
/// **0.1–5 mSv** \[I\]: 1 mSv per year for the public, 0.1 mSv for work with
/// radiosensitive material (glowgreen, docs/reference/dosimetry.md §8.4). 1000 (µSv) falls outside.
pub const PUBLIC_CONSTRAINT: PlausibleRange = PlausibleRange {
    unit: "mSv",
    lo: 0.1,
    hi: 5.0,
    zero_allowed: false,
    why: "the public constraint is 1 mSv per year, docs/reference/dosimetry.md §8.4",
    slips: &[slip("µSv", 0.001)],
};

/// I-131 dose-rate constant at 1 m
/// (`radiation_protection.dose_rate_constant_usv_m2_per_mbq_h`):
/// **0.04–0.1 µSv·m²/(MBq·h)** \[I\] around the published 0.0521 (air
/// kerma, docs/reference/dosimetry.md §8.1 \[C\]), 0.059 (NRC 2.2 R·cm²/(mCi·h)) and 0.0765 (Dorn,
/// docs/reference/dosimetry.md §8.1 \[V\]). A per-GBq value (76.47) and the NRC constant in its own unit
/// (2.2 R·cm²/(mCi·h) = 2.2 × 10 µSv/R ÷ 10⁴ cm²/m² ÷ 37 MBq/mCi × 10³ ≈
/// 0.0595) fall outside.
pub const DOSE_RATE_CONSTANT: PlausibleRange = PlausibleRange {
    unit: "µSv·m²/(MBq·h)",
    lo: 0.04,
    hi: 0.1,
    zero_allowed: false,
    why: "published I-131 constants are 0.052-0.076, docs/reference/dosimetry.md §8.1",
    slips: &[
        slip("µSv·m²/(GBq·h)", 0.001),
        slip("R·cm²/(mCi·h)", 10.0 / 10_000.0 / 37.0 * 1000.0),
    ],
};

/// Patient self-attenuation factor
/// (`radiation_protection.self_attenuation_factor`): **0.3–1** \[I\]
/// (children 0.6–0.8 \[R\], 1 = none, docs/reference/dosimetry.md §8.1). 80 (per cent) falls outside.
pub const SELF_ATTENUATION: PlausibleRange = PlausibleRange {
    unit: "",
    lo: 0.3,
    hi: 1.0,
    zero_allowed: false,
    why: "children 0.6-0.8, 1 = no attenuation, docs/reference/dosimetry.md §8.1",
    slips: &[slip("%", 0.01)],
};

/// `plausibility.reading_noise_fraction`: **0.01–0.25** \[I\]: below 1 %
/// no whole-body probe is reproducible; above 25 % the physical checks
/// would pass a rising curve. 5 (per cent) falls outside.
pub const READING_NOISE: PlausibleRange = PlausibleRange {
    unit: "",
    lo: 0.01,
    hi: 0.25,
    zero_allowed: false,
    why: "a fraction: 1-25 % relative noise of one whole-body reading",
    slips: &[slip("%", 0.01)],
};

/// `plausibility.outlier_alpha`: **0.001–0.2** \[I\]: the conventional
/// levels of a family-wise test are 0.01–0.10.
pub const OUTLIER_ALPHA: PlausibleRange = PlausibleRange {
    unit: "",
    lo: 0.001,
    hi: 0.2,
    zero_allowed: false,
    why: "a probability: conventional family-wise levels are 0.01-0.10",
    slips: &[slip("%", 0.01)],
};

/// `plausibility.min_r_squared`: **0.5–0.999** \[I\]: a limit below 0.5
/// accepts a fit that explains less than half the variation; one above
/// 0.999 refuses ordinary 1–2 % measurement noise.
pub const MIN_R_SQUARED: PlausibleRange = PlausibleRange {
    unit: "",
    lo: 0.5,
    hi: 0.999,
    zero_allowed: false,
    why: "a fraction of explained variance",
    slips: &[slip("%", 0.01)],
};

/// `plausibility.max_relative_tau_se`: **0.05–1** \[I\]: a limit of 1
/// already accepts a τ whose 95 % interval spans zero.
pub const MAX_RELATIVE_TAU_SE: PlausibleRange = PlausibleRange {
    unit: "",
    lo: 0.05,
    hi: 1.0,
    zero_allowed: false,
    why: "a fraction: SE(tau)/tau",
    slips: &[slip("%", 0.01)],
};

/// `plausibility.max_bootstrap_failure_share`: **0–0.5** \[I\]: beyond half
/// the interval describes the replicates that happened to converge.
pub const MAX_BOOTSTRAP_FAILURE_SHARE: PlausibleRange = PlausibleRange {
    unit: "",
    lo: 0.0,
    hi: 0.5,
    zero_allowed: true,
    why: "a fraction of the bootstrap replicates",
    slips: &[slip("%", 0.01)],
};

/// `plausibility.background_factor`: **2–20** \[I\]: below 2 ordinary
/// fluctuations of a background of a few tenths of µSv/h would refuse;
/// above 20 a background typed ×10 or ×1/10 passes.
pub const BACKGROUND_FACTOR: PlausibleRange = PlausibleRange {
    unit: "",
    lo: 2.0,
    hi: 20.0,
    zero_allowed: false,
    why: "a factor between one reading's background and the others'",
    slips: &[],
};

/// `plausibility.max_total_dose_uncertainty_gy`: **0.1–2 Gy** \[I\]:
/// below 0.1 Gy (2.5 % of a 4 Gy target) ordinary readings would refuse;
/// beyond 2 Gy the limit admits half the target. 50 (cGy) falls outside.
pub const TOTAL_DOSE_UNCERTAINTY: PlausibleRange = PlausibleRange {
    unit: "Gy",
    lo: 0.1,
    hi: 2.0,
    zero_allowed: false,
    why: "a half-width of the 95 % interval of the total whole-body dose",
    slips: &[slip("cGy", 0.01), slip("mGy", 0.001)],
};

impl PlausibleRange {
    /// `true` when `v` lies in the range (or is an allowed 0).
    pub fn contains(&self, v: f64) -> bool {
        (self.zero_allowed && v == 0.0) || (self.lo <= v && v <= self.hi)
    }

    fn with_unit(&self, v: f64) -> String {
        if self.unit.is_empty() {
            fmt_num(v)
        } else {
            format!("{} {}", fmt_num(v), self.unit)
        }
    }

    /// The value as typed (never rounded: 0.99999 must not print as 1).
    fn typed_with_unit(&self, v: f64) -> String {
        if self.unit.is_empty() {
            fmt_typed(v)
        } else {
            format!("{} {}", fmt_typed(v), self.unit)
        }
    }

    /// The probable slip behind an implausible `v`: the first unit slip
    /// whose conversion lands in the range, else a slipped decimal point
    /// (×10, ×100, ×1000 or their inverses) that lands in it, else `None`
    /// (always `None` for a plausible `v`).
    pub fn likely_slip(&self, v: f64) -> Option<String> {
        if self.contains(v) {
            return None;
        }
        for s in self.slips {
            let c = v * s.factor;
            if self.contains(c) && c != 0.0 {
                let typed = if s.unit == "%" {
                    format!("{} %", fmt_typed(v))
                } else {
                    format!("{} {}", fmt_typed(v), s.unit)
                };
                return Some(format!("{typed} = {}?", self.with_unit(c)));
            }
        }
        // An implausible value is below or above the range: only a larger
        // (resp. smaller) value can land in it, the nearest slip first.
        let decimal = if v < self.lo {
            [10.0, 100.0, 1000.0]
        } else {
            [0.1, 0.01, 0.001]
        };
        for f in decimal {
            let c = v * f;
            if self.contains(c) && c != 0.0 {
                return Some(format!(
                    "a slipped decimal point ({} meant)?",
                    self.with_unit(c)
                ));
            }
        }
        None
    }

    /// The rule text of an implausible `v`, e.g. `12 MBq/kg is implausible
    /// (plausible 74-1110 MBq/kg: …); 12 mCi/kg = 444 MBq/kg?`; `None` when
    /// `v` is plausible.
    pub fn check(&self, v: f64) -> Option<String> {
        if self.contains(v) {
            return None;
        }
        let zero = if self.zero_allowed { "0 or " } else { "" };
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        let mut s = format!(
            "{} is implausible (plausible {zero}{}-{}{unit}: {})",
            self.typed_with_unit(v),
            fmt_num(self.lo),
            fmt_num(self.hi),
            self.why
        );
        if let Some(h) = self.likely_slip(v) {
            s.push_str("; ");
            s.push_str(&h);
        }
        Some(s)
    }
}

/// A number as typed: [`fmt_num`] when that is exact, otherwise the
/// shortest representation that reads back to the same value (0.99999,
/// 1e308).
pub fn fmt_typed(v: f64) -> String {
    let short = fmt_num(v);
    if short.len() <= 15 && short.parse::<f64>() == Ok(v) {
        short
    } else {
        format!("{v:?}")
    }
}

/// A number as a person would write it: up to 4 significant decimals, no
/// trailing zeros (444, 0.05, 12.5, 0.0595); magnitudes from 10¹⁵ or below
/// 10⁻⁶ in scientific notation with 4 significant digits (1e308, 2.5e-9),
/// so that an absurd value reads as one short number (a fuzz finding: a
/// weight of 1e308 printed as 309 digits, twice, in one message).
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor() as i32;
    if !(-6..15).contains(&mag) {
        let s = format!("{v:.3e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        return format!("{m}e{e}");
    }
    let decimals = (3 - mag).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example_names_the_mci_slip() {
        // Issue 9: activity_per_kg_mbq = 12 (the mCi/kg figure): 12 × 37 = 444.
        let e = ACTIVITY_PER_KG.check(12.0).unwrap();
        assert!(e.starts_with("12 MBq/kg is implausible"), "{e}");
        assert!(e.ends_with("; 12 mCi/kg = 444 MBq/kg?"), "{e}");
        assert!(ACTIVITY_PER_KG.check(444.0).is_none());
        // 0.444 GBq/kg = 444 MBq/kg.
        assert!(
            ACTIVITY_PER_KG
                .check(0.444)
                .unwrap()
                .ends_with("0.444 GBq/kg = 444 MBq/kg?")
        );
    }

    #[test]
    fn boundaries_are_inclusive() {
        for r in [
            ACTIVITY_PER_KG,
            INFUSION_ACTIVITY,
            MIN_WORTHWHILE_ACTIVITY,
            COURSE_ACTIVITY,
            WB_DOSE,
            OVERSHOOT_MARGIN,
            INFUSION_INTERVAL_DAYS,
            DAYS_AFTER_INFUSION2,
            MELPHALAN_PER_M2,
            SMALL_CHILD_WEIGHT,
            SMALL_CHILD_DIVISOR,
            DOSE_RATE_THRESHOLD,
            RETAINED_ACTIVITY,
            CAREGIVER_CONSTRAINT,
            PUBLIC_CONSTRAINT,
            DOSE_RATE_CONSTANT,
            SELF_ATTENUATION,
            READING_NOISE,
            OUTLIER_ALPHA,
            MIN_R_SQUARED,
            MAX_RELATIVE_TAU_SE,
            MAX_BOOTSTRAP_FAILURE_SHARE,
            BACKGROUND_FACTOR,
            TOTAL_DOSE_UNCERTAINTY,
        ] {
            assert!(r.lo <= r.hi);
            assert!(r.contains(r.lo) && r.contains(r.hi), "{r:?}");
            let below = r.lo * (1.0 - 1e-9) - 1e-12;
            let above = r.hi * (1.0 + 1e-9);
            assert_eq!(r.contains(below), r.zero_allowed && below == 0.0, "{r:?}");
            assert!(!r.contains(above), "{r:?}");
            assert!(r.check(above).unwrap().contains("is implausible"));
            assert_eq!(r.contains(0.0), r.zero_allowed || r.lo == 0.0);
        }
    }

    #[test]
    fn every_named_slip_lands_in_the_range_for_the_typical_value() {
        // The seed value typed in the slipped unit is refused and named.
        let cases: [(PlausibleRange, f64, &str); 14] = [
            (ACTIVITY_PER_KG, 12.0, "12 mCi/kg = 444 MBq/kg?"),
            (INFUSION_ACTIVITY, 30.0, "30 GBq = 30000 MBq?"),
            (MIN_WORTHWHILE_ACTIVITY, 1.0, "1 GBq = 1000 MBq?"),
            (COURSE_ACTIVITY, 40_000.0, "40000 MBq = 40 GBq?"),
            (WB_DOSE, 400.0, "400 cGy = 4 Gy?"),
            (OVERSHOOT_MARGIN, 50.0, "50 cGy = 0.5 Gy?"),
            (INFUSION_INTERVAL_DAYS, 2.0, "2 weeks = 14 days?"),
            (
                MELPHALAN_PER_M2,
                3.667,
                "3.667 mg/kg (x30 kg/m2) = 110 mg/m2?",
            ),
            (SMALL_CHILD_WEIGHT, 26.5, "26.5 lb = 12.02 kg?"),
            (DOSE_RATE_THRESHOLD, 2.0, "2 mrem/h = 20 µSv/h?"),
            (RETAINED_ACTIVITY, 33.0, "33 mCi = 1221 MBq?"),
            (CAREGIVER_CONSTRAINT, 0.5, "0.5 rem = 5 mSv?"),
            (PUBLIC_CONSTRAINT, 1000.0, "1000 µSv = 1 mSv?"),
            (SELF_ATTENUATION, 80.0, "80 % = 0.8?"),
        ];
        for (r, v, hint) in cases {
            let e = r.check(v).unwrap();
            assert!(e.ends_with(hint), "{e} / {hint}");
        }
        let e = DOSE_RATE_CONSTANT.check(2.2).unwrap();
        assert!(
            e.ends_with("2.2 R·cm²/(mCi·h) = 0.05946 µSv·m²/(MBq·h)?"),
            "{e}"
        );
        let e = DOSE_RATE_CONSTANT.check(76.47).unwrap();
        assert!(e.ends_with("= 0.07647 µSv·m²/(MBq·h)?"), "{e}");
        // No unit explains it: a decimal slip is named when one lands in range.
        let e = WB_DOSE.check(40.0).unwrap();
        assert!(e.ends_with("a slipped decimal point (4 Gy meant)?"), "{e}");
        // Nothing explains it: no hint.
        assert!(
            SMALL_CHILD_DIVISOR
                .check(1e6)
                .unwrap()
                .ends_with("docs/reference/dosimetry.md §9.1-9.2)")
        );
    }

    #[test]
    fn numbers_print_as_typed() {
        assert_eq!(fmt_num(444.0), "444");
        assert_eq!(fmt_num(0.05), "0.05");
        assert_eq!(fmt_num(12.5), "12.5");
        assert_eq!(fmt_num(0.059_459), "0.05946");
        assert_eq!(fmt_num(40_000.0), "40000");
        assert_eq!(fmt_num(-3.0), "-3");
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_typed(0.99999), "0.99999");
        assert_eq!(fmt_typed(444.0), "444");
        assert_eq!(fmt_typed(1e308), "1e308");
        assert!(
            MIN_R_SQUARED
                .check(0.99999)
                .unwrap()
                .starts_with("0.99999 is implausible")
        );
    }

    /// Fuzz finding (issue 9, item 7), input class "1e308": absurd
    /// magnitudes print as one short number, not hundreds of digits.
    #[test]
    fn extreme_magnitudes_print_in_scientific_notation() {
        assert_eq!(fmt_num(1e308), "1e308");
        assert_eq!(fmt_num(-2.5e20), "-2.5e20");
        assert_eq!(fmt_num(1.23456e-9), "1.235e-9");
        assert_eq!(fmt_typed(1e308), "1e308");
        assert_eq!(fmt_num(123_456_789.0), "123456789");
        assert_eq!(fmt_num(0.000_012_5), "0.0000125");
    }
}
