//! Every unit conversion and unit-changing product of `mibg-units`, each
//! against a hand value (issue 16). Sources: SI prefixes (exact); 1 Ci =
//! 3.7×10¹⁰ Bq by definition, so 1 mCi = 37 MBq exactly
//! (docs/reference/dosimetry.md §2); 1 day = 24 h; λ = ln 2 / T½.
//! Inputs are chosen so that a wrong operator (+ for ×, × for ÷, % for ÷)
//! gives a different number.

use mibg_units::*;

#[test]
fn activity() {
    assert_eq!(Activity::from_gbq(2.5).mbq(), 2500.0);
    assert_eq!(Activity::from_mbq(2500.0).gbq(), 2.5);
    assert_eq!(Activity::from_mci(2.5).mbq(), 92.5);
    assert_eq!(Activity::from_mbq(92.5).mci(), 2.5);
    assert_eq!(
        Activity::from_mbq(8880.0).describe(),
        "8880 MBq (240.0 mCi)"
    );
    assert_eq!(ActivityPerMass::from_mci_per_kg(12.0).mbq_per_kg(), 444.0);
    assert_eq!(ActivityPerMass::from_mbq_per_kg(92.5).mci_per_kg(), 2.5);
}

#[test]
fn doses() {
    assert_eq!(AbsorbedDose::from_mgy(1500.0).gy(), 1.5);
    assert_eq!(AbsorbedDose::from_gy(1.5).mgy(), 1500.0);
    assert_eq!(EquivalentDose::from_usv(2500.0).msv(), 2.5);
    assert_eq!(EquivalentDose::from_msv(2.5).usv(), 2500.0);
    assert_eq!(
        EquivalentDoseUsv::from_usv(2500.0)
            .to_equivalent_dose()
            .msv(),
        2.5
    );
}

#[test]
fn mass_length_time() {
    assert_eq!(Mass::from_g(2500.0).kg(), 2.5);
    assert_eq!(Mass::from_kg(2.5).g(), 2500.0);
    assert_eq!(Length::from_m(1.5).cm(), 150.0);
    assert_eq!(Length::from_mm(25.0).cm(), 2.5);
    assert_eq!(Length::from_cm(150.0).m(), 1.5);
    assert_eq!(Length::from_cm(2.5).mm(), 25.0);
    assert_eq!(Hours::from_days(2.5).hours(), 60.0);
    assert_eq!(Hours::new(60.0).days(), 2.5);
}

#[test]
fn rate_constant_and_half_life() {
    // I-131: λ = ln 2 / 192.497 h = 0.003600821 /h (hand).
    let l = RateConstant::from_half_life(Hours::new(192.497));
    assert!((l.per_h() - 0.003_600_821).abs() < 1e-9, "{}", l.per_h());
    assert!((RateConstant::per_hour(0.1).half_life().hours() - 6.931_471_8).abs() < 1e-6);
    // λ·t is dimensionless: 0.1 /h × 30 h = 3.
    assert!((RateConstant::per_hour(0.1) * Hours::new(30.0) - 3.0).abs() < 1e-12);
}

#[test]
fn time_integrated_activity_and_dose() {
    assert_eq!(TimeIntegratedActivity::from_gbq_h(2.5).mbq_h(), 2500.0);
    assert_eq!(TimeIntegratedActivity::from_mbq_h(2500.0).gbq_h(), 2.5);
    // D = Ã·S: 2.5 GBq·h × 0.004 Gy/(GBq·h) = 0.01 Gy (MIRD, docs/reference/dosimetry.md §5.1).
    let tia = TimeIntegratedActivity::from_mbq_h(2500.0);
    let s = SValue::from_gy_per_gbq_h(0.004);
    assert!(((tia * s).gy() - 0.01).abs() < 1e-15);
    assert!(((s * tia).gy() - 0.01).abs() < 1e-15);
    // D = A·d: 2.5 GBq × 0.6 Gy/GBq = 1.5 Gy; d = D/A; A = D/d.
    let a = Activity::from_mbq(2500.0);
    let d = DosePerActivity::from_gy_per_gbq(0.6);
    assert!(((a * d).gy() - 1.5).abs() < 1e-12);
    assert!(((d * a).gy() - 1.5).abs() < 1e-12);
    assert!(((AbsorbedDose::from_gy(1.5) / a).gy_per_gbq() - 0.6).abs() < 1e-12);
    assert!(((AbsorbedDose::from_gy(1.5) / d).mbq() - 2500.0).abs() < 1e-9);
}

#[test]
fn dose_rate_from_activity() {
    // Γ·A: 0.07647 µSv·m²/(MBq·h) × 2500 MBq = 191.175 µSv/h at 1 m
    // (docs/reference/dosimetry.md §8.1).
    let g = DoseRateConstant::from_usv_m2_per_mbq_h(0.07647);
    let a = Activity::from_mbq(2500.0);
    assert!(((g * a).usv_per_h() - 191.175).abs() < 1e-9);
    assert!(((a * g).usv_per_h() - 191.175).abs() < 1e-9);
}
