//! Typed physical quantities shared by every mibg crate.
//!
//! Each quantity is a newtype over `f64` holding one canonical unit, named in
//! the type's documentation and in every accessor (`Activity::mbq`,
//! `AbsorbedDose::gy`). Conversions are explicit methods; there is no implicit
//! unit anywhere, and no public function in mibg takes a bare `f64` whose unit
//! lives only in a parameter name.
//!
//! Arithmetic that has a physical meaning is implemented with operators, so the
//! compiler checks dimensional consistency:
//!
//! ```
//! use mibg_units::*;
//! let a = Activity::from_mci(12.0) ;            // 12 mCi = 444 MBq exactly
//! assert!((a.mbq() - 444.0).abs() < 1e-12);
//! let per_kg = ActivityPerMass::from_mbq_per_kg(444.0);
//! let a1 = per_kg * Mass::from_kg(20.0);       // 8880 MBq
//! let tia = a1 * Hours::new(50.0);             // MBq·h
//! let s = SValue::from_gy_per_gbq_h(0.005);
//! let d: AbsorbedDose = tia * s;               // Gy
//! assert!((d.gy() - 8.88 * 50.0 * 0.005).abs() < 1e-12);
//! ```
//!
//! Serialisation (`serde`) is transparent: a quantity serialises as the bare
//! number in its canonical unit, so wire formats must carry the unit in the
//! field name (`activity_mbq`, `dose_gy`).
//!
//! This crate does no I/O.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub};

/// Megabecquerels per millicurie, exact by definition: 1 Ci = 3.7 × 10¹⁰ Bq
/// (BIPM SI Brochure, 9th ed., Table 8, non-SI units), so 1 mCi = 37 MBq.
pub const MBQ_PER_MCI: f64 = 37.0;

macro_rules! quantity {
    (
        $(#[$meta:meta])*
        $name:ident, $unit:literal, $ctor:ident, $get:ident
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(f64);

        impl $name {
            /// The zero quantity.
            pub const ZERO: Self = Self(0.0);

            #[doc = concat!("Creates the quantity from a value in ", $unit, ".")]
            pub const fn $ctor(value: f64) -> Self {
                Self(value)
            }

            #[doc = concat!("The value in ", $unit, ".")]
            pub const fn $get(self) -> f64 {
                self.0
            }

            /// `true` when the value is finite (not NaN or ±∞).
            pub fn is_finite(self) -> bool {
                self.0.is_finite()
            }

            /// The larger of two quantities.
            pub fn max(self, other: Self) -> Self {
                Self(self.0.max(other.0))
            }

            /// The smaller of two quantities.
            pub fn min(self, other: Self) -> Self {
                Self(self.0.min(other.0))
            }

            /// Absolute value.
            pub fn abs(self) -> Self {
                Self(self.0.abs())
            }

            #[doc = concat!("The unit symbol of the canonical unit: `", $unit, "`.")]
            pub const UNIT: &'static str = $unit;
        }

        impl Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }
        impl AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }
        impl Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }
        impl Neg for $name {
            type Output = Self;
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }
        impl Mul<f64> for $name {
            type Output = Self;
            fn mul(self, rhs: f64) -> Self {
                Self(self.0 * rhs)
            }
        }
        impl Mul<$name> for f64 {
            type Output = $name;
            fn mul(self, rhs: $name) -> $name {
                $name(self * rhs.0)
            }
        }
        impl Div<f64> for $name {
            type Output = Self;
            fn div(self, rhs: f64) -> Self {
                Self(self.0 / rhs)
            }
        }
        /// The ratio of two quantities of the same kind is a pure number.
        impl Div for $name {
            type Output = f64;
            fn div(self, rhs: Self) -> f64 {
                self.0 / rhs.0
            }
        }
        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|q| q.0).sum())
            }
        }
    };
}

/// Product and quotient relations between quantities: `A * B = C`, and the
/// two inverse divisions `C / A = B`, `C / B = A`.
macro_rules! product {
    ($a:ident * $b:ident = $c:ident) => {
        impl Mul<$b> for $a {
            type Output = $c;
            fn mul(self, rhs: $b) -> $c {
                $c(self.0 * rhs.0)
            }
        }
        impl Mul<$a> for $b {
            type Output = $c;
            fn mul(self, rhs: $a) -> $c {
                $c(self.0 * rhs.0)
            }
        }
        impl Div<$a> for $c {
            type Output = $b;
            fn div(self, rhs: $a) -> $b {
                $b(self.0 / rhs.0)
            }
        }
        impl Div<$b> for $c {
            type Output = $a;
            fn div(self, rhs: $b) -> $a {
                $a(self.0 / rhs.0)
            }
        }
    };
}

quantity!(
    /// Radioactivity. Canonical unit: megabecquerel (MBq).
    ///
    /// Always shown to users in MBq *and* mCi (see [`Activity::describe`]).
    Activity, "MBq", from_mbq, mbq
);

impl Activity {
    /// From gigabecquerels (1 GBq = 1000 MBq).
    pub const fn from_gbq(gbq: f64) -> Self {
        Self(gbq * 1000.0)
    }
    /// From millicuries (1 mCi = 37 MBq, [`MBQ_PER_MCI`]).
    pub const fn from_mci(mci: f64) -> Self {
        Self(mci * MBQ_PER_MCI)
    }
    /// In gigabecquerels.
    pub const fn gbq(self) -> f64 {
        self.0 / 1000.0
    }
    /// In millicuries.
    pub const fn mci(self) -> f64 {
        self.0 / MBQ_PER_MCI
    }
    /// Human text in both unit systems, e.g. `8880 MBq (240.0 mCi)`.
    pub fn describe(self) -> String {
        format!("{:.0} MBq ({:.1} mCi)", self.0, self.mci())
    }
}

quantity!(
    /// Absorbed dose. Canonical unit: gray (Gy = J/kg).
    AbsorbedDose, "Gy", from_gy, gy
);

impl AbsorbedDose {
    /// From milligray.
    pub const fn from_mgy(mgy: f64) -> Self {
        Self(mgy / 1000.0)
    }
    /// In milligray.
    pub const fn mgy(self) -> f64 {
        self.0 * 1000.0
    }
}

quantity!(
    /// Equivalent or effective dose to a person (radiation protection).
    /// Canonical unit: millisievert (mSv).
    EquivalentDose, "mSv", from_msv, msv
);

impl EquivalentDose {
    /// From microsieverts.
    pub const fn from_usv(usv: f64) -> Self {
        Self(usv / 1000.0)
    }
    /// In microsieverts.
    pub const fn usv(self) -> f64 {
        self.0 * 1000.0
    }
}

quantity!(
    /// Ambient dose-equivalent rate, e.g. measured at 1 m from the patient.
    /// Canonical unit: microsievert per hour (µSv/h).
    DoseRate, "µSv/h", from_usv_per_h, usv_per_h
);

product!(DoseRate * Hours = EquivalentDoseUsv);

quantity!(
    /// Dose-rate constant of a point source: dose rate at 1 m per unit
    /// activity. Canonical unit: µSv·m²/(MBq·h), i.e. µSv/h at 1 m per MBq.
    ///
    /// For I-131 see docs/reference/dosimetry.md §8.1 (e.g. 0.07647 µSv·m²/(MBq·h), the
    /// specific gamma dose-rate constant used by Dorn/SAMI). Multiply by an
    /// [`Activity`] to get the [`DoseRate`] at 1 m.
    DoseRateConstant, "µSv·m²/(MBq·h)", from_usv_m2_per_mbq_h, usv_m2_per_mbq_h
);

impl Mul<Activity> for DoseRateConstant {
    type Output = DoseRate;
    /// Dose rate at 1 m from an unattenuated point source of this activity.
    fn mul(self, rhs: Activity) -> DoseRate {
        DoseRate(self.0 * rhs.0)
    }
}
impl Mul<DoseRateConstant> for Activity {
    type Output = DoseRate;
    fn mul(self, rhs: DoseRateConstant) -> DoseRate {
        DoseRate(self.0 * rhs.0)
    }
}

quantity!(
    /// A dose-rate reading integrated over time, in µSv (an intermediate of
    /// `DoseRate × Hours`); convert with [`EquivalentDoseUsv::to_equivalent_dose`].
    EquivalentDoseUsv, "µSv", from_usv, usv
);

impl EquivalentDoseUsv {
    /// As an [`EquivalentDose`] (mSv).
    pub const fn to_equivalent_dose(self) -> EquivalentDose {
        EquivalentDose::from_usv(self.0)
    }
}

quantity!(
    /// Body mass. Canonical unit: kilogram (kg).
    Mass, "kg", from_kg, kg
);

impl Mass {
    /// From grams.
    pub const fn from_g(g: f64) -> Self {
        Self(g / 1000.0)
    }
    /// In grams.
    pub const fn g(self) -> f64 {
        self.0 * 1000.0
    }
}

quantity!(
    /// Length (height, lesion diameter, distance). Canonical unit: centimetre (cm).
    Length, "cm", from_cm, cm
);

impl Length {
    /// From metres.
    pub const fn from_m(m: f64) -> Self {
        Self(m * 100.0)
    }
    /// From millimetres.
    pub const fn from_mm(mm: f64) -> Self {
        Self(mm / 10.0)
    }
    /// In metres.
    pub const fn m(self) -> f64 {
        self.0 / 100.0
    }
    /// In millimetres.
    pub const fn mm(self) -> f64 {
        self.0 * 10.0
    }
}

quantity!(
    /// A span of time (not an instant). Canonical unit: hour (h).
    Hours, "h", new, hours
);

impl Hours {
    /// From days (1 d = 24 h).
    pub const fn from_days(days: f64) -> Self {
        Self(days * 24.0)
    }
    /// In days.
    pub const fn days(self) -> f64 {
        self.0 / 24.0
    }
}

quantity!(
    /// Area, used for body-surface area. Canonical unit: square metre (m²).
    Area, "m²", from_m2, m2
);

quantity!(
    /// Rate constant of an exponential process. Canonical unit: per hour (h⁻¹).
    RateConstant, "1/h", per_hour, per_h
);

impl RateConstant {
    /// The rate constant λ = ln 2 / T½ of a half-life.
    pub fn from_half_life(t_half: Hours) -> Self {
        Self(std::f64::consts::LN_2 / t_half.0)
    }
    /// The half-life ln 2 / λ (infinite for λ = 0).
    pub fn half_life(self) -> Hours {
        Hours(std::f64::consts::LN_2 / self.0)
    }
}

/// λ·t is dimensionless.
impl Mul<Hours> for RateConstant {
    type Output = f64;
    fn mul(self, rhs: Hours) -> f64 {
        self.0 * rhs.0
    }
}

quantity!(
    /// Time-integrated activity (cumulated activity, Ã). Canonical unit: MBq·h.
    TimeIntegratedActivity, "MBq·h", from_mbq_h, mbq_h
);

impl TimeIntegratedActivity {
    /// From GBq·h.
    pub const fn from_gbq_h(gbq_h: f64) -> Self {
        Self(gbq_h * 1000.0)
    }
    /// In GBq·h.
    pub const fn gbq_h(self) -> f64 {
        self.0 / 1000.0
    }
}

product!(Activity * Hours = TimeIntegratedActivity);

quantity!(
    /// Whole-body S value: absorbed dose per unit time-integrated activity.
    /// Canonical unit: Gy per GBq·h (numerically equal to mGy per MBq·h).
    SValue, "Gy/(GBq·h)", from_gy_per_gbq_h, gy_per_gbq_h
);

impl Mul<SValue> for TimeIntegratedActivity {
    type Output = AbsorbedDose;
    fn mul(self, rhs: SValue) -> AbsorbedDose {
        AbsorbedDose(self.gbq_h() * rhs.0)
    }
}
impl Mul<TimeIntegratedActivity> for SValue {
    type Output = AbsorbedDose;
    fn mul(self, rhs: TimeIntegratedActivity) -> AbsorbedDose {
        rhs * self
    }
}

quantity!(
    /// Absorbed dose per administered activity. Canonical unit: Gy/GBq.
    DosePerActivity, "Gy/GBq", from_gy_per_gbq, gy_per_gbq
);

impl Mul<DosePerActivity> for Activity {
    type Output = AbsorbedDose;
    fn mul(self, rhs: DosePerActivity) -> AbsorbedDose {
        AbsorbedDose(self.gbq() * rhs.0)
    }
}
impl Mul<Activity> for DosePerActivity {
    type Output = AbsorbedDose;
    fn mul(self, rhs: Activity) -> AbsorbedDose {
        rhs * self
    }
}
impl Div<Activity> for AbsorbedDose {
    type Output = DosePerActivity;
    fn div(self, rhs: Activity) -> DosePerActivity {
        DosePerActivity(self.0 / rhs.gbq())
    }
}
impl Div<DosePerActivity> for AbsorbedDose {
    type Output = Activity;
    fn div(self, rhs: DosePerActivity) -> Activity {
        Activity::from_gbq(self.0 / rhs.0)
    }
}

quantity!(
    /// Activity per body mass, the prescription unit of infusion 1.
    /// Canonical unit: MBq/kg.
    ActivityPerMass, "MBq/kg", from_mbq_per_kg, mbq_per_kg
);

impl ActivityPerMass {
    /// From mCi/kg (1 mCi = 37 MBq).
    pub const fn from_mci_per_kg(mci_per_kg: f64) -> Self {
        Self(mci_per_kg * MBQ_PER_MCI)
    }
    /// In mCi/kg.
    pub const fn mci_per_kg(self) -> f64 {
        self.0 / MBQ_PER_MCI
    }
}

product!(ActivityPerMass * Mass = Activity);

quantity!(
    /// Mass of a drug (e.g. melphalan). Canonical unit: milligram (mg).
    DrugMass, "mg", from_mg, mg
);

quantity!(
    /// Drug dose per body-surface area. Canonical unit: mg/m².
    DrugPerArea, "mg/m²", from_mg_per_m2, mg_per_m2
);

product!(DrugPerArea * Area = DrugMass);

quantity!(
    /// Drug dose per body mass. Canonical unit: mg/kg.
    DrugPerMass, "mg/kg", from_mg_per_kg, mg_per_kg
);

product!(DrugPerMass * Mass = DrugMass);

macro_rules! display {
    ($($name:ident => $prec:literal),* $(,)?) => {
        $(
            impl fmt::Display for $name {
                /// Value with its unit; an explicit precision overrides the default.
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    let p = f.precision().unwrap_or($prec);
                    write!(f, "{:.*} {}", p, self.0, Self::UNIT)
                }
            }
        )*
    };
}

display!(
    Activity => 0,
    AbsorbedDose => 3,
    EquivalentDose => 3,
    EquivalentDoseUsv => 1,
    DoseRate => 2,
    DoseRateConstant => 5,
    Mass => 1,
    Length => 1,
    Hours => 1,
    Area => 3,
    RateConstant => 5,
    TimeIntegratedActivity => 0,
    SValue => 6,
    DosePerActivity => 4,
    ActivityPerMass => 1,
    DrugMass => 1,
    DrugPerArea => 1,
    DrugPerMass => 2,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// 12 mCi/kg is the seed protocol's 444 MBq/kg (De Ioris 2025 abstract;
    /// 12 × 37 = 444 by hand).
    #[test]
    fn seed_prescription_units_agree() {
        let p = ActivityPerMass::from_mci_per_kg(12.0);
        assert_eq!(p.mbq_per_kg(), 444.0);
        let a = p * Mass::from_kg(20.0);
        assert_eq!(a.mbq(), 8880.0);
        assert_eq!(a.gbq(), 8.88);
        assert_eq!(a.mci(), 240.0);
    }

    /// Matthay 2001: 555 MBq/kg = 15 mCi/kg (Matthay et al., J Nucl Med 2001;42:1713; 1 mCi = 37 MBq, docs/reference/dosimetry.md §2).
    #[test]
    fn matthay_prescription() {
        assert_eq!(ActivityPerMass::from_mbq_per_kg(555.0).mci_per_kg(), 15.0);
    }

    #[test]
    fn dose_chain_by_hand() {
        // 8.88 GBq for τ = 40 h gives Ã = 355.2 GBq·h; × 0.0112 Gy/(GBq·h)
        // = 3.97824 Gy (hand calculation).
        let a = Activity::from_gbq(8.88);
        let tia = a * Hours::new(40.0);
        assert!((tia.gbq_h() - 355.2).abs() < 1e-9);
        let d = tia * SValue::from_gy_per_gbq_h(0.0112);
        assert!((d.gy() - 3.97824).abs() < 1e-12);
        let dpa = d / a;
        assert!((dpa.gy_per_gbq() - 0.448).abs() < 1e-12);
        let back = d / dpa;
        assert!((back.mbq() - 8880.0).abs() < 1e-9);
        assert!(((dpa * a).gy() - d.gy()).abs() < 1e-12);
    }

    #[test]
    fn half_life_round_trip() {
        // ENSDF I-131 half-life 8.0252 d = 192.6048 h (docs/reference/dosimetry.md §2), a pure
        // days → hours round trip.
        let t = Hours::from_days(8.0252);
        assert!((t.hours() - 192.6048).abs() < 1e-9);
        let l = RateConstant::from_half_life(t);
        // ln 2 / 192.6048 h = 0.003598805329 h⁻¹ (computed independently with Python math.log).
        assert!((l.per_h() - 0.003598805329).abs() < 1e-12);
        assert!((l.half_life().hours() - 192.6048).abs() < 1e-9);
    }

    #[test]
    fn melphalan_by_area_and_mass() {
        let d = DrugPerArea::from_mg_per_m2(110.0) * Area::from_m2(0.8);
        assert!((d.mg() - 88.0).abs() < 1e-12);
        let d = DrugPerMass::from_mg_per_kg(110.0 / 30.0) * Mass::from_kg(9.0);
        assert!((d.mg() - 33.0).abs() < 1e-12);
    }

    #[test]
    fn dose_rate_constant_times_activity() {
        // docs/reference/dosimetry.md §8.1 example: 0.0765 µSv·m²/(MBq·h) × 8880 MBq ≈ 680 µSv/h
        // (0.0765 × 8880 = 679.32 by hand).
        let r = DoseRateConstant::from_usv_m2_per_mbq_h(0.0765) * Activity::from_mbq(8880.0);
        assert!((r.usv_per_h() - 679.32).abs() < 1e-9);
    }

    #[test]
    fn dose_rate_integrates_to_dose() {
        let e = DoseRate::from_usv_per_h(25.0) * Hours::new(4.0);
        assert_eq!(e.to_equivalent_dose().msv(), 0.1);
    }

    #[test]
    fn display_has_unit_and_both_activity_units() {
        assert_eq!(
            Activity::from_mbq(8880.0).describe(),
            "8880 MBq (240.0 mCi)"
        );
        assert_eq!(format!("{:.2}", AbsorbedDose::from_gy(4.0)), "4.00 Gy");
        assert_eq!(format!("{}", Mass::from_kg(20.0)), "20.0 kg");
    }

    #[test]
    fn serde_is_transparent_in_canonical_unit() {
        let j = serde_json::to_string(&Activity::from_gbq(1.5)).unwrap();
        assert_eq!(j, "1500.0");
        let a: Activity = serde_json::from_str("37").unwrap();
        assert_eq!(a.mci(), 1.0);
    }
}
