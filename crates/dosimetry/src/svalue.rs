//! Whole-body S values S(WB←WB; m) for I-131 (`docs/reference/dosimetry.md` §5).
//!
//! Default: the analytic two-component model of docs/reference/dosimetry.md §5.3 (Method B),
//!
//! ```text
//! S(m) = Δ_np / m + k_γ / m^(2/3)      Gy·GBq⁻¹·h⁻¹, m in kg
//! ```
//!
//! with Δ_np = 0.11065 Gy·kg·GBq⁻¹·h⁻¹ (ICRP 107 electrons, φ_np = 1, docs/reference/dosimetry.md §2 \[C\])
//! and k_γ = 0.0188 Gy·kg^(2/3)·GBq⁻¹·h⁻¹ (Lassmann et al. 2008, **\[R\]: recalled,
//! not checked**). Both are parameters ([`AnalyticS`]) and the result records
//! the values used. Named alternative: a user-supplied phantom table
//! interpolated log–log in mass (docs/reference/dosimetry.md §5.4, Method C, [`STable`]).

use mibg_csv::{
    CsvError, Location, NumberProblem, Schema, Strictness, TextReader, excerpt, parse_number,
};
use mibg_units::{Mass, SValue};
use serde::Serialize;

/// Δ_np of I-131 in dose units: 0.11065 Gy·kg·GBq⁻¹·h⁻¹ (docs/reference/dosimetry.md §2, \[C\]:
/// 3.0737×10⁻¹⁴ J per decay × 3.6×10¹² decays per GBq·h).
pub const DELTA_NP_GY_KG_PER_GBQ_H: f64 = 0.11065;
/// Photon coefficient k_γ = 0.0188 Gy·kg^(2/3)·GBq⁻¹·h⁻¹ (docs/reference/dosimetry.md §5.3, Lassmann et al.
/// 2008, EJNMMI 35:1405) — **\[R\] recalled, not verified against the source.**
pub const K_GAMMA_GY_KG23_PER_GBQ_H: f64 = 0.0188;
/// Mass range of validity of the analytic model: about 3–80 kg (docs/reference/dosimetry.md §5.3: "Do not
/// use the model outside about 3–80 kg").
pub const ANALYTIC_VALID_KG: (f64, f64) = (3.0, 80.0);
/// Δ_p of I-131 in dose units: 0.22077 Gy·kg·GBq⁻¹·h⁻¹ (docs/reference/dosimetry.md §2, \[C\]).
pub const DELTA_P_GY_KG_PER_GBQ_H: f64 = 0.22077;
/// Physical range of S·m for a whole-body I-131 S value, Gy·kg/(GBq·h),
/// checked on every phantom-table row ([`parse_s_table`]).
///
/// Upper: Δ_np + Δ_p = 0.33142 (every emitted electron and photon absorbed,
/// φ = 1, docs/reference/dosimetry.md §5.1), + 0.5 % for rounding in published tables. Lower: 0.9·Δ_np
/// \[I\] (electrons are essentially all absorbed in a whole body, φ_np ≈ 1,
/// docs/reference/dosimetry.md §5.1; photons add more). A row outside is a unit error, most often
/// OLINDA's mGy/(MBq·s), which is 3600× smaller than Gy/(GBq·h).
pub const TABLE_S_TIMES_MASS_RANGE: (f64, f64) = (
    0.9 * DELTA_NP_GY_KG_PER_GBQ_H,
    1.005 * (DELTA_NP_GY_KG_PER_GBQ_H + DELTA_P_GY_KG_PER_GBQ_H),
);

/// The analytic model's coefficients.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AnalyticS {
    /// Electron term Δ_np, Gy·kg·GBq⁻¹·h⁻¹.
    pub delta_np: f64,
    /// Photon term k_γ, Gy·kg^(2/3)·GBq⁻¹·h⁻¹.
    pub k_gamma: f64,
    /// Lowest mass the model is used for, kg.
    pub min_kg: f64,
    /// Highest mass the model is used for, kg.
    pub max_kg: f64,
}

impl Default for AnalyticS {
    /// [`DELTA_NP_GY_KG_PER_GBQ_H`], [`K_GAMMA_GY_KG23_PER_GBQ_H`], [`ANALYTIC_VALID_KG`].
    fn default() -> Self {
        Self {
            delta_np: DELTA_NP_GY_KG_PER_GBQ_H,
            k_gamma: K_GAMMA_GY_KG23_PER_GBQ_H,
            min_kg: ANALYTIC_VALID_KG.0,
            max_kg: ANALYTIC_VALID_KG.1,
        }
    }
}

/// The shipped whole-body S table of I-131 at the ICRP 89 reference masses,
/// newborn to adult (`protocols/s-values/i131-whole-body-phantoms.csv`, whose
/// header records source, derivation and status). **\[U\]**: published
/// phantom values could not be obtained; the rows are the docs/reference/dosimetry.md §5.3 model at the
/// reference masses until they are replaced (docs/reference/dosimetry.md §5.4).
pub const REFERENCE_PHANTOMS_CSV: &str =
    include_str!("../../../protocols/s-values/i131-whole-body-phantoms.csv");
/// The label of [`REFERENCE_PHANTOMS_CSV`] in messages and results.
pub const REFERENCE_PHANTOMS_LABEL: &str = "shipped I-131 reference-phantom table (protocols/s-values/i131-whole-body-phantoms.csv, ICRP 89 masses, values [U])";

/// What a table does beyond its first and last masses.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Extrapolation {
    /// Refused (the default for a user's table).
    None,
    /// The power law of the end segment, S(m) = S_end·(m/m_end)^b with b the
    /// log–log slope of the two end rows, from `min_kg` to `max_kg`
    /// (docs/reference/dosimetry.md §5.4) \[I\]. Whole-body S falls with
    /// mass between m⁻¹ (electrons) and m^(−2/3) (photons, docs/reference/dosimetry.md §5.3), so the end
    /// segment's exponent, which lies between them, is carried on.
    PowerLaw {
        /// Lowest mass, kg.
        min_kg: f64,
        /// Highest mass, kg.
        max_kg: f64,
    },
}

/// A phantom table: (mass, S) rows, interpolated log–log in mass (docs/reference/dosimetry.md §5.4).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct STable {
    /// Where the table came from (file name), for messages and provenance.
    pub source: String,
    /// Rows sorted by strictly increasing mass.
    pub rows: Vec<(Mass, SValue)>,
    /// Beyond the first and last rows.
    pub extrapolation: Extrapolation,
}

impl STable {
    /// The table extended by the end segments' power laws over the
    /// protocol's weight range (`mibg_protocol::plan::WEIGHT_RANGE_KG`,
    /// 2–150 kg).
    #[must_use]
    pub fn extended_to_protocol_range(mut self) -> Self {
        let (lo, hi) = mibg_protocol::plan::WEIGHT_RANGE_KG;
        self.extrapolation = Extrapolation::PowerLaw {
            min_kg: lo.min(self.rows[0].0.kg()),
            max_kg: hi.max(self.rows[self.rows.len() - 1].0.kg()),
        };
        self
    }
}

impl SModel {
    /// The shipped reference-phantom table ([`REFERENCE_PHANTOMS_CSV`]),
    /// log–log interpolation, power-law extension to 2–150 kg.
    ///
    /// # Panics
    /// Never: the embedded table is parsed by a test.
    pub fn reference_phantoms() -> Self {
        Self::Table(
            parse_s_table(REFERENCE_PHANTOMS_LABEL, REFERENCE_PHANTOMS_CSV)
                .expect("the shipped S table parses")
                .extended_to_protocol_range(),
        )
    }
}

/// How S is obtained.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum SModel {
    /// docs/reference/dosimetry.md §5.3 analytic two-component model (default).
    Analytic(AnalyticS),
    /// docs/reference/dosimetry.md §5.4 phantom table, log–log interpolation, no extrapolation.
    Table(STable),
}

impl Default for SModel {
    fn default() -> Self {
        Self::Analytic(AnalyticS::default())
    }
}

/// An S value that cannot be computed, or a bad table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SValueError {
    /// Mass outside the model's range.
    #[error(
        "mass {mass_kg} kg is outside the range of the {model} S model ({min_kg}–{max_kg} kg); {hint}"
    )]
    OutOfRange {
        /// Mass.
        mass_kg: f64,
        /// Model name.
        model: String,
        /// Lowest mass.
        min_kg: f64,
        /// Highest mass.
        max_kg: f64,
        /// What to do.
        hint: String,
    },
    /// The layout of an S table file (delimiter, decimal commas, encoding,
    /// header, cells per row): the rules of every mibg table (`mibg-csv`).
    #[error(transparent)]
    Table(#[from] CsvError),
    /// A row of an S table that breaks a rule.
    #[error("{location}: {rule}")]
    BadTable {
        /// Source, physical line and column (the whole file for "too few rows").
        location: Location,
        /// The rule broken.
        rule: String,
    },
}

impl SValueError {
    /// Where the problem is, for a problem of an S table file.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Table(e) => Some(e.location()),
            Self::BadTable { location, .. } => Some(location),
            Self::OutOfRange { .. } => None,
        }
    }
}

impl SModel {
    /// Name for reports: `analytic`, `phantoms` (the shipped table) or `table`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Analytic(_) => "analytic",
            Self::Table(t) if t.source == REFERENCE_PHANTOMS_LABEL => "phantoms",
            Self::Table(_) => "table",
        }
    }

    /// A one-line description with coefficients/source and status.
    pub fn describe(&self) -> String {
        match self {
            Self::Analytic(a) => format!(
                "analytic two-component model S(m) = {}/m + {}/m^(2/3) Gy/(GBq·h) (docs/reference/dosimetry.md §5.3; Δ_np ICRP 107 [C], k_γ Lassmann 2008 [R: not verified])",
                a.delta_np, a.k_gamma
            ),
            Self::Table(t) => format!(
                "phantom table {} ({} rows {}–{} kg, log–log interpolation in mass{}, docs/reference/dosimetry.md §5.4)",
                t.source,
                t.rows.len(),
                t.rows[0].0.kg(),
                t.rows[t.rows.len() - 1].0.kg(),
                match t.extrapolation {
                    Extrapolation::PowerLaw { min_kg, max_kg } => format!(
                        "; beyond the rows the end segment's power law, {min_kg}–{max_kg} kg"
                    ),
                    Extrapolation::None => "; not extrapolated".into(),
                }
            ),
        }
    }

    /// S(WB←WB) for a patient of mass `m`.
    ///
    /// Analytic: `Δ_np/m + k_γ/m^(2/3)`. Table: with masses m_i ≤ m ≤ m_(i+1),
    /// `ln S = ln S_i + (ln m − ln m_i)/(ln m_(i+1) − ln m_i)·(ln S_(i+1) − ln S_i)`.
    ///
    /// # Errors
    /// [`SValueError::OutOfRange`] outside the model's mass range (no extrapolation).
    pub fn s_value(&self, m: Mass) -> Result<SValue, SValueError> {
        let kg = m.kg();
        match self {
            Self::Analytic(a) => {
                if !(kg >= a.min_kg && kg <= a.max_kg) {
                    return Err(SValueError::OutOfRange {
                        mass_kg: kg,
                        model: "analytic".into(),
                        min_kg: a.min_kg,
                        max_kg: a.max_kg,
                        hint: "use the shipped reference-phantom table (--s-model phantoms, 2–150 kg) or your own (--s-model table --s-table FILE)".into(),
                    });
                }
                Ok(SValue::from_gy_per_gbq_h(
                    a.delta_np / kg + a.k_gamma / kg.powf(2.0 / 3.0),
                ))
            }
            Self::Table(t) => {
                let (lo, hi) = match t.extrapolation {
                    Extrapolation::PowerLaw { min_kg, max_kg } => (min_kg, max_kg),
                    Extrapolation::None => (t.rows[0].0.kg(), t.rows[t.rows.len() - 1].0.kg()),
                };
                if !(kg >= lo && kg <= hi) {
                    return Err(SValueError::OutOfRange {
                        mass_kg: kg,
                        model: format!("table {}", t.source),
                        min_kg: lo,
                        max_kg: hi,
                        hint: match t.extrapolation {
                            Extrapolation::None => "the table is not extrapolated; add rows covering this mass (or --s-extrapolate power-law)".into(),
                            Extrapolation::PowerLaw { .. } => "outside the protocol's weight range".into(),
                        },
                    });
                }
                let i = t
                    .rows
                    .partition_point(|r| r.0.kg() <= kg)
                    .clamp(1, t.rows.len() - 1);
                let (m0, s0) = (
                    t.rows[i - 1].0.kg().ln(),
                    t.rows[i - 1].1.gy_per_gbq_h().ln(),
                );
                let (m1, s1) = (t.rows[i].0.kg().ln(), t.rows[i].1.gy_per_gbq_h().ln());
                // Between rows: interpolation; beyond (allowed only with
                // a power-law extrapolation, checked above): the same line
                // in log–log space carried on from the end segment.
                let f = (kg.ln() - m0) / (m1 - m0);
                Ok(SValue::from_gy_per_gbq_h((s0 + f * (s1 - s0)).exp()))
            }
        }
    }
}

/// Parses a phantom S table: CSV with header `mass_kg,s_gy_per_gbq_h` and
/// optionally the free-text columns `phantom`, `source`, `notes` (never read).
/// It is a *clinical* table: any other column, or a column named twice, is
/// an error; the layout follows the rules of every mibg table (`mibg-csv`).
/// At least 2 rows, masses strictly increasing, all values > 0, S·m within
/// [`TABLE_S_TIMES_MASS_RANGE`].
///
/// # Errors
/// [`SValueError::Table`] for the layout, [`SValueError::BadTable`] naming
/// the physical line, column and rule.
pub fn parse_s_table(source: &str, text: &str) -> Result<STable, SValueError> {
    let schema = Schema::new("S table", Strictness::Clinical)
        .required("mass_kg")
        .required("s_gy_per_gbq_h")
        .optional("phantom")
        .optional("source")
        .optional("notes");
    let mut reader = TextReader::new(source, text, &schema);
    let mut rows: Vec<(Mass, SValue)> = Vec::new();
    while let Some(row) = reader.next_row() {
        let row = row?;
        let bad = |field: &str, rule: String| SValueError::BadTable {
            location: row.location(field),
            rule,
        };
        let num = |field: &str| -> Result<f64, SValueError> {
            let v = row.get(field);
            match parse_number(v) {
                Ok(x) if x > 0.0 => Ok(x),
                Ok(_) => Err(bad(
                    field,
                    format!("{} is not a positive number", excerpt(v)),
                )),
                Err(p @ NumberProblem::DecimalComma(_)) => Err(bad(field, p.to_string())),
                Err(_) if v.is_empty() => {
                    Err(bad(field, "empty; a positive number is required".into()))
                }
                Err(_) => Err(bad(
                    field,
                    format!("{} is not a positive number", excerpt(v)),
                )),
            }
        };
        let m = num("mass_kg")?;
        let s = num("s_gy_per_gbq_h")?;
        if let Some(last) = rows.last()
            && m <= last.0.kg()
        {
            return Err(bad(
                "mass_kg",
                format!("{m} kg is not above the previous row; masses must increase strictly"),
            ));
        }
        let (lo, hi) = TABLE_S_TIMES_MASS_RANGE;
        if !(lo..=hi).contains(&(s * m)) {
            return Err(bad(
                "s_gy_per_gbq_h",
                format!(
                    "S = {s} Gy/(GBq·h) at {m} kg gives S·m = {:.4} Gy·kg/(GBq·h), outside the physical range {lo:.4}–{hi:.4} for the I-131 whole body (electrons absorbed, at most all photon energy, docs/reference/dosimetry.md §2/§5.1); is the column in another unit? (1 mGy/(MBq·s) = 3600 Gy/(GBq·h))",
                    s * m
                ),
            ));
        }
        rows.push((Mass::from_kg(m), SValue::from_gy_per_gbq_h(s)));
    }
    if rows.len() < 2 {
        return Err(SValueError::BadTable {
            location: Location::file(source),
            rule: format!(
                "{} row(s); at least 2 are needed to interpolate",
                rows.len()
            ),
        });
    }
    Ok(STable {
        source: source.into(),
        rows,
        extrapolation: Extrapolation::None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_matches_domain_table() {
        // docs/reference/dosimetry.md §5.4 model table ([C]) and §10.3: S(20 kg) = 8.0841e-3.
        let m = SModel::default();
        for (kg, s) in [
            (20.0, 8.0841e-3),
            (3.5, 3.977e-2),
            (9.72, 1.551e-2),
            (19.0, 8.464e-3),
            (33.2, 5.153e-3),
            (56.8, 3.220e-3),
            (70.0, 2.688e-3),
            (73.7, 2.571e-3),
        ] {
            let v = m.s_value(Mass::from_kg(kg)).unwrap().gy_per_gbq_h();
            assert!((v / s - 1.0).abs() < 5e-4, "{kg} kg: {v} vs {s}");
        }
        assert!(m.s_value(Mass::from_kg(2.0)).is_err());
        assert!(m.s_value(Mass::from_kg(90.0)).is_err());
    }

    /// The shipped table against the docs/reference/dosimetry.md §5.4 [C]
    /// table (4 significant figures, so 5e-4 relative; the 10 kg row of the
    /// doc reads 1.512e-2 for 1.51153e-2): every row, reproduced exactly by
    /// the interpolation, and the reference masses.
    #[test]
    fn shipped_phantom_table() {
        let SModel::Table(t) = SModel::reference_phantoms() else {
            panic!("a table")
        };
        let doc = [
            (3.5, 3.977e-2),
            (10.0, 1.512e-2),
            (19.0, 8.464e-3),
            (32.0, 5.323e-3),
            (56.0, 3.260e-3),
            (73.0, 2.592e-3),
        ];
        assert_eq!(t.rows.len(), doc.len());
        let m = SModel::reference_phantoms();
        for ((mass, s), (kg, v)) in t.rows.iter().zip(doc) {
            assert_eq!(mass.kg(), kg);
            assert!((s.gy_per_gbq_h() / v - 1.0).abs() < 5e-4, "{kg}");
            let at = m.s_value(*mass).unwrap().gy_per_gbq_h();
            assert!((at / s.gy_per_gbq_h() - 1.0).abs() < 1e-12, "{kg}");
        }
        assert_eq!(
            t.extrapolation,
            Extrapolation::PowerLaw {
                min_kg: 2.0,
                max_kg: 150.0
            }
        );
        assert!(m.describe().contains("[U]"), "{}", m.describe());
        assert!(m.describe().contains("2–150 kg"), "{}", m.describe());
    }

    /// The rule beyond the rows, by hand (Python 3.11, from the rounded
    /// table values): b_lo = ln(0.015115/0.039770)/ln(10/3.5) = −0.921513;
    /// S(2) = 0.039770·(2/3.5)^b_lo = 0.0666068. b_hi =
    /// ln(0.0025921/0.0032603)/ln(73/56) = −0.865123; S(150) =
    /// 0.0025921·(150/73)^b_hi = 0.00139017. Between rows, S(20) =
    /// exp(ln 0.008464 + ln(20/19)/ln(32/19)·ln(0.005323/0.008464)) = 0.0080864.
    #[test]
    fn shipped_table_between_and_beyond() {
        let m = SModel::reference_phantoms();
        let s = |kg: f64| m.s_value(Mass::from_kg(kg)).unwrap().gy_per_gbq_h();
        assert!((s(2.0) / 0.066_606_8 - 1.0).abs() < 2e-6, "{}", s(2.0));
        assert!((s(150.0) / 0.001_390_17 - 1.0).abs() < 5e-6, "{}", s(150.0));
        assert!((s(20.0) / 0.008_086_4 - 1.0).abs() < 1e-5, "{}", s(20.0));
        assert!(m.s_value(Mass::from_kg(1.99)).is_err());
        assert!(m.s_value(Mass::from_kg(150.01)).is_err());
        // A user's table is not extrapolated unless asked.
        let t = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n10,0.01\n40,0.0025\n").unwrap();
        assert!(
            SModel::Table(t.clone())
                .s_value(Mass::from_kg(5.0))
                .is_err()
        );
        let e = SModel::Table(t.extended_to_protocol_range());
        // Power law S = 0.1/m carried on: S(5) = 0.02, S(100) = 0.001.
        assert!((e.s_value(Mass::from_kg(5.0)).unwrap().gy_per_gbq_h() - 0.02).abs() < 1e-15);
        assert!((e.s_value(Mass::from_kg(100.0)).unwrap().gy_per_gbq_h() - 0.001).abs() < 1e-15);
    }

    #[test]
    fn table_interpolates_log_log() {
        // Two rows following S = 0.1·m^(−1): log–log interpolation is exact
        // for a power law, so S(20) = 0.005.
        let t = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n10,0.01\n40,0.0025\n").unwrap();
        let m = SModel::Table(t);
        let v = m.s_value(Mass::from_kg(20.0)).unwrap().gy_per_gbq_h();
        assert!((v - 0.005).abs() < 1e-15);
        assert!((m.s_value(Mass::from_kg(10.0)).unwrap().gy_per_gbq_h() - 0.01).abs() < 1e-15);
        assert!((m.s_value(Mass::from_kg(40.0)).unwrap().gy_per_gbq_h() - 0.0025).abs() < 1e-15);
        assert!(m.s_value(Mass::from_kg(41.0)).is_err());
    }

    /// OLINDA tabulates S in mGy/(MBq·s); pasted into the Gy/(GBq·h) column
    /// it is 3600× too small (70 kg: 7.466e-7 instead of 2.688e-3, docs/reference/dosimetry.md §5.4),
    /// which would inflate A₂ up to the caps. Physical bounds on S·m for the
    /// whole body of I-131 (docs/reference/dosimetry.md §2): ≥ 0.9·Δ_np = 0.099585 and ≤ Δ_np + Δ_p =
    /// 0.11065 + 0.22077 = 0.33142 Gy·kg/(GBq·h) (+0.5 % rounding).
    #[test]
    fn table_in_the_wrong_unit_is_refused() {
        let e = parse_s_table(
            "olinda.csv",
            "mass_kg,s_gy_per_gbq_h\n56.8,8.946e-7\n70,7.466e-7\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("olinda.csv line 2, column 's_gy_per_gbq_h'"),
            "{e}"
        );
        assert!(e.contains("mGy/(MBq·s)"), "{e}");
        // Above the all-energy-absorbed bound: 20 kg × 0.02 = 0.4 > 0.333.
        let e = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n10,0.01\n20,0.02\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3"), "{e}");
        // The docs/reference/dosimetry.md §5.4 model values themselves pass (newborn 3.5 kg: S·m = 0.139;
        // 73.7 kg: 0.189).
        parse_s_table(
            "s.csv",
            "mass_kg,s_gy_per_gbq_h\n3.5,3.977e-2\n73.7,2.571e-3\n",
        )
        .unwrap();
    }

    #[test]
    fn bad_tables() {
        let e = parse_s_table("s.csv", "mass,s\n1,2\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown column 'mass' (did you mean 'mass_kg'?)"),
            "{e}"
        );
        assert_eq!(e.location(), Some(&Location::cell("s.csv", 1, "mass")));
        let e = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n10,0.01\n5,0.02\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("increase"), "{e}");
        let e =
            parse_s_table("s.csv", "# c\nmass_kg,s_gy_per_gbq_h\n10,-1\n20,0.02\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("s.csv line 3, column 's_gy_per_gbq_h': '-1' is not a positive number"),
            "{e}"
        );
        let e = parse_s_table("s.csv", "mass_kg;s_gy_per_gbq_h\n10;0,01\n").unwrap_err();
        assert!(
            matches!(e, SValueError::Table(CsvError::WrongDelimiter { .. })),
            "{e}"
        );
        let e = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h\n10,\"0,01\"\n").unwrap_err();
        assert!(e.to_string().contains("'0,01' has a comma"), "{e}");
        let e = parse_s_table("s.csv", "mass_kg,s_gy_per_gbq_h,source\n10,0.01,x\n").unwrap_err();
        assert_eq!(e.location(), Some(&Location::file("s.csv")));
        assert!(e.to_string().contains("1 row(s); at least 2"), "{e}");
        assert_eq!(
            SValueError::OutOfRange {
                mass_kg: 1.0,
                model: "m".into(),
                min_kg: 2.0,
                max_kg: 3.0,
                hint: String::new()
            }
            .location(),
            None
        );
    }
}
