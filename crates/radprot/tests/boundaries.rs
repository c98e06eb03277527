//! Boundary-value tests of the radiation-protection rules (issue 16): release
//! and stem-cell-return thresholds (docs/reference/dosimetry.md §8.3, §6.5),
//! the caregiver dose with its physical-decay tail bound (docs/reference/dosimetry.md §8.2, §4.2) and the
//! near-field warnings (docs/reference/dosimetry.md §8.1). Physical decay makes every expected value a
//! closed form: R(t) = 2^(−t/T½), T½ = 192.497 h (docs/reference/dosimetry.md §2), ∫ₐᵇ R = T½/ln 2 ·
//! (2^(−a/T½) − 2^(−b/T½)).

use mibg_radprot::contact::INDEFINITE_HORIZON;
use mibg_radprot::{
    ContactEnd, ContactPattern, DistanceLaw, DoseConstraint, I131_HALF_LIFE, PhysicalDecay,
    ReleaseRule, caregiver_dose, release_time, time_to_dose_rate, time_to_retained_activity,
};
use mibg_units::{Activity, DoseRate, EquivalentDose, Hours, Length};
use std::f64::consts::LN_2;

const T: f64 = 192.497;

fn integral(a: f64, b: f64) -> f64 {
    T / LN_2 * ((-a / T).exp2() - (-b / T).exp2())
}

fn pattern(d_m: f64, hpd: f64, start: f64, end: ContactEnd, law: DistanceLaw) -> ContactPattern {
    ContactPattern {
        distance: Length::from_m(d_m),
        hours_per_day: Hours::new(hpd),
        start: Hours::new(start),
        end,
        law,
    }
}

fn dose(p: &ContactPattern) -> mibg_radprot::CaregiverEstimate {
    caregiver_dose(
        &PhysicalDecay::i131(),
        DoseRate::from_usv_per_h(100.0),
        p,
        &DoseConstraint::caregiver(),
    )
    .unwrap()
}

#[test]
fn half_life_is_8_0207_days() {
    // docs/reference/dosimetry.md §2: T½(I-131) = 8.0207 d = 192.497 h.
    assert_eq!(I131_HALF_LIFE.hours(), T);
    assert_eq!(INDEFINITE_HORIZON.hours(), 90.0 * 24.0);
}

// The tail beyond the 90-day horizon is bounded by physical decay (docs/reference/dosimetry.md §4.2:
// clearance is never slower than physical decay); for a physical-decay curve the
// bound is exact, so the tail is R(2160 h)·T½/ln 2·(1 − 2^(−rest/T½)), positive.
#[test]
fn tail_bound_beyond_the_horizon_is_the_physical_decay_integral() {
    let h = 2160.0;
    // Contact for 100 days from 0: rest = 10 days = 240 h beyond the horizon.
    let e = dose(&pattern(
        1.0,
        24.0,
        0.0,
        ContactEnd::For(Hours::from_days(100.0)),
        DistanceLaw::InverseSquare,
    ));
    let tail = 100.0 * integral(h, h + 240.0);
    assert!(
        (e.tail_bound.usv() - tail).abs() < 1e-9 * tail,
        "{} vs {tail}",
        e.tail_bound.usv()
    );
    assert!(e.tail_bound.usv() > 0.0);
    let total = 100.0 * integral(0.0, 2400.0);
    assert!((e.dose.usv() - total).abs() < 1e-7 * total);
    // Indefinite: rest = ∞, tail = R(2160)·T/ln 2 = 100 × 2^(−2160/T)·T/ln 2.
    let e = dose(&pattern(
        1.0,
        24.0,
        0.0,
        ContactEnd::Indefinite,
        DistanceLaw::InverseSquare,
    ));
    let tail = 100.0 * (-h / T).exp2() * T / LN_2;
    assert!((e.tail_bound.usv() - tail).abs() < 1e-9 * tail);
    assert!(e.end.is_none());
    // Exactly at the horizon: no tail; one hour beyond it: the tail of one hour.
    let at = dose(&pattern(
        1.0,
        24.0,
        0.0,
        ContactEnd::For(Hours::from_days(90.0)),
        DistanceLaw::InverseSquare,
    ));
    assert_eq!(at.tail_bound.usv(), 0.0);
    let beyond = dose(&pattern(
        1.0,
        24.0,
        0.0,
        ContactEnd::Until(Hours::new(h + 1.0)),
        DistanceLaw::InverseSquare,
    ));
    let one = 100.0 * integral(h, h + 1.0);
    assert!((beyond.tail_bound.usv() - one).abs() < 1e-9 * one);
    // A late start moves the horizon with it: start 48 h, For(95 d) → horizon
    // 48 + 2160, rest 5 d.
    let late = dose(&pattern(
        1.0,
        24.0,
        48.0,
        ContactEnd::For(Hours::from_days(95.0)),
        DistanceLaw::InverseSquare,
    ));
    let tail = 100.0 * integral(48.0 + h, 48.0 + h + 120.0);
    assert!((late.tail_bound.usv() - tail).abs() < 1e-9 * tail);
}

// Occupancy E = hours per day / 24 in (0, 24]; distance factor (1 m/d)^n with n = 2
// (inverse square) or 1.5 (Cormack–Shearer), docs/reference/dosimetry.md §8.1.
#[test]
fn occupancy_and_distance_factor() {
    let e = dose(&pattern(
        2.0,
        6.0,
        24.0,
        ContactEnd::For(Hours::from_days(7.0)),
        DistanceLaw::InverseSquare,
    ));
    assert_eq!(e.occupancy, 0.25);
    assert_eq!(e.distance_factor, 0.25);
    let want = 100.0 * 0.25 * 0.25 * integral(24.0, 24.0 + 168.0);
    assert!((e.dose.usv() - want).abs() < 1e-7 * want);
    let c = dose(&pattern(
        2.0,
        24.0,
        0.0,
        ContactEnd::For(Hours::from_days(1.0)),
        DistanceLaw::CormackShearer,
    ));
    assert!((c.distance_factor - 2f64.powf(-1.5)).abs() < 1e-15);
    // 24 h/day is allowed, 24.001 is not; 0 is not.
    assert!(
        caregiver_dose(
            &PhysicalDecay::i131(),
            DoseRate::from_usv_per_h(1.0),
            &pattern(
                1.0,
                24.0,
                0.0,
                ContactEnd::Indefinite,
                DistanceLaw::InverseSquare
            ),
            &DoseConstraint::caregiver()
        )
        .is_ok()
    );
    for hpd in [24.001, 0.0, -1.0] {
        assert!(
            caregiver_dose(
                &PhysicalDecay::i131(),
                DoseRate::from_usv_per_h(1.0),
                &pattern(
                    1.0,
                    hpd,
                    0.0,
                    ContactEnd::Indefinite,
                    DistanceLaw::InverseSquare
                ),
                &DoseConstraint::caregiver()
            )
            .is_err(),
            "{hpd} h/day"
        );
    }
    // End before start is refused; end at the start gives 0.
    assert!(
        caregiver_dose(
            &PhysicalDecay::i131(),
            DoseRate::from_usv_per_h(1.0),
            &pattern(
                1.0,
                6.0,
                10.0,
                ContactEnd::Until(Hours::new(9.999)),
                DistanceLaw::InverseSquare
            ),
            &DoseConstraint::caregiver()
        )
        .is_err()
    );
    let zero = dose(&pattern(
        1.0,
        6.0,
        10.0,
        ContactEnd::Until(Hours::new(10.0)),
        DistanceLaw::InverseSquare,
    ));
    assert_eq!(zero.dose.usv(), 0.0);
}

// Constraint comparison: exceeds when dose > limit (docs/reference/dosimetry.md §8.4); fraction = dose/limit.
#[test]
fn exceeds_only_above_the_constraint() {
    // 24 h/day at 1 m from 0 to ∞: 100 × T/ln 2 = 27 771.6 µSv = 27.77 mSv.
    let full = 100.0 * T / LN_2;
    let c = |limit_msv: f64| {
        caregiver_dose(
            &PhysicalDecay::i131(),
            DoseRate::from_usv_per_h(100.0),
            &pattern(
                1.0,
                24.0,
                0.0,
                ContactEnd::Indefinite,
                DistanceLaw::InverseSquare,
            ),
            &DoseConstraint {
                limit: EquivalentDose::from_msv(limit_msv),
                ..DoseConstraint::caregiver()
            },
        )
        .unwrap()
    };
    assert!(c(full / 1000.0 * 0.999).exceeds);
    assert!(!c(full / 1000.0 * 1.001).exceeds);
    assert!((c(20.0).fraction_of_constraint - full / 20_000.0).abs() < 1e-6);
}

// Near-field caveats (docs/reference/dosimetry.md §8.1): below 0.3 m neither model is reliable; below 1 m
// inverse-square overestimates. At 0.3 m and 1 m exactly the stricter caveat
// does not apply.
#[test]
fn near_field_warnings_at_their_edges() {
    let w = |d: f64, law| {
        dose(&pattern(
            d,
            6.0,
            0.0,
            ContactEnd::For(Hours::from_days(1.0)),
            law,
        ))
        .warnings
    };
    let below_03 = |v: &Vec<String>| v.iter().any(|s| s.contains("below 0.3 m"));
    let below_1 = |v: &Vec<String>| v.iter().any(|s| s.contains("< 1 m with inverse-square"));
    assert!(below_03(&w(0.299, DistanceLaw::CormackShearer)));
    assert!(!below_03(&w(0.3, DistanceLaw::CormackShearer)));
    assert!(below_1(&w(0.3, DistanceLaw::InverseSquare)));
    assert!(below_1(&w(0.999, DistanceLaw::InverseSquare)));
    assert!(!below_1(&w(1.0, DistanceLaw::InverseSquare)));
    assert!(!below_1(&w(0.5, DistanceLaw::CormackShearer)));
    assert!(w(1.0, DistanceLaw::InverseSquare).is_empty());
}

// Release and stem-cell return (docs/reference/dosimetry.md §8.3, §6.5): met when the dose rate at 1 m is at
// or below the threshold. 100 µSv/h falling by physical decay reaches 20 µSv/h
// at T½·log₂ 5 = 192.497 × 2.321928 = 446.965 h (hand).
#[test]
fn dose_rate_threshold_times() {
    let c = PhysicalDecay::i131();
    let h = Hours::from_days(90.0);
    let t = time_to_dose_rate(
        &c,
        DoseRate::from_usv_per_h(100.0),
        DoseRate::from_usv_per_h(20.0),
        h,
    )
    .unwrap();
    assert!((t.hours() - T * 5f64.log2()).abs() < 1e-5, "{}", t.hours());
    // Already at the threshold at t = 0: met at once; just above: not at once.
    let at = time_to_dose_rate(
        &c,
        DoseRate::from_usv_per_h(20.0),
        DoseRate::from_usv_per_h(20.0),
        h,
    )
    .unwrap();
    assert_eq!(at.hours(), 0.0);
    let above = time_to_dose_rate(
        &c,
        DoseRate::from_usv_per_h(20.02),
        DoseRate::from_usv_per_h(20.0),
        h,
    )
    .unwrap();
    // 2^(−t/T) = 20/20.02 → t = T·log₂(1.001) = 0.27766 h (hand).
    assert!(
        (above.hours() - T * 1.001f64.log2()).abs() < 1e-5,
        "{}",
        above.hours()
    );
    // Not within the horizon: 100 → 20 takes 447 h > 400 h.
    assert!(
        time_to_dose_rate(
            &c,
            DoseRate::from_usv_per_h(100.0),
            DoseRate::from_usv_per_h(20.0),
            Hours::new(400.0)
        )
        .is_err()
    );
    // Retained activity: 5000 MBq → 1220 MBq (NRC 1.22 GBq, docs/reference/dosimetry.md §8.3) at T·log₂(5000/1220) (hand).
    let ta = time_to_retained_activity(
        &c,
        Activity::from_mbq(5000.0),
        Activity::from_mbq(1220.0),
        h,
    )
    .unwrap();
    assert!((ta.hours() - T * (5000.0f64 / 1220.0).log2()).abs() < 1e-5);
}

// The rule is met when either criterion is met (NRC RG 8.39, docs/reference/dosimetry.md §8.3): the earlier applies.
#[test]
fn release_rule_takes_the_earlier_criterion() {
    let c = PhysicalDecay::i131();
    let rule = |mbq: Option<f64>| ReleaseRule {
        dose_rate_at_1m: DoseRate::from_usv_per_h(20.0),
        max_retained: mbq.map(Activity::from_mbq),
    };
    let h = Hours::from_days(90.0);
    let by_rate = T * 5f64.log2(); // 446.965 h
    // Retained limit 2500 of 5000 MBq: T × 1 = 192.497 h, earlier.
    let r = release_time(
        &c,
        DoseRate::from_usv_per_h(100.0),
        Activity::from_mbq(5000.0),
        &rule(Some(2500.0)),
        h,
    )
    .unwrap();
    assert!((r.time.unwrap().hours() - T).abs() < 1e-5);
    assert!((r.by_dose_rate.unwrap().hours() - by_rate).abs() < 1e-5);
    assert!(r.note.unwrap().contains("the earlier applies"));
    // Retained limit 500 of 5000: T·log₂ 10 = 639.5 h, later: the dose rate decides.
    let r = release_time(
        &c,
        DoseRate::from_usv_per_h(100.0),
        Activity::from_mbq(5000.0),
        &rule(Some(500.0)),
        h,
    )
    .unwrap();
    assert!((r.time.unwrap().hours() - by_rate).abs() < 1e-5);
    // No retained-activity criterion: the dose rate alone, no note.
    let r = release_time(
        &c,
        DoseRate::from_usv_per_h(100.0),
        Activity::from_mbq(5000.0),
        &rule(None),
        h,
    )
    .unwrap();
    assert!((r.time.unwrap().hours() - by_rate).abs() < 1e-5);
    assert_eq!((r.by_retained_activity, r.note), (None, None));
    // Dose rate not reached within 400 h but activity (2500, 192.5 h) is: it decides.
    let r = release_time(
        &c,
        DoseRate::from_usv_per_h(100.0),
        Activity::from_mbq(5000.0),
        &rule(Some(2500.0)),
        Hours::new(400.0),
    )
    .unwrap();
    assert!((r.time.unwrap().hours() - T).abs() < 1e-5);
    assert!(r.by_dose_rate.is_none());
    // Neither within 100 h.
    let r = release_time(
        &c,
        DoseRate::from_usv_per_h(100.0),
        Activity::from_mbq(5000.0),
        &rule(Some(2500.0)),
        Hours::new(100.0),
    )
    .unwrap();
    assert_eq!(r.time, None);
    assert!(r.note.is_some());
}

// Distance laws (docs/reference/dosimetry.md §8.1): factor (1 m/d)^n, n = 2 or
// 1.5; distances below 1 cm refused; readings converted to 1 m only from 1 to 3 m
// inclusive (rate.rs READING_DISTANCE_RANGE_M [I]).
#[test]
fn distance_factor_and_reading_range_edges() {
    use mibg_radprot::READING_DISTANCE_RANGE_M;
    assert_eq!(DistanceLaw::InverseSquare.exponent(), 2.0);
    assert_eq!(DistanceLaw::CormackShearer.exponent(), 1.5);
    assert_eq!(DistanceLaw::InverseSquare.name(), "inverse-square");
    // 0.5 m: (1/0.5)² = 4; (1/0.5)^1.5 = 2.8284 (hand).
    assert_eq!(
        DistanceLaw::InverseSquare
            .factor(Length::from_m(0.5))
            .unwrap(),
        4.0
    );
    assert!(
        (DistanceLaw::CormackShearer
            .factor(Length::from_m(0.5))
            .unwrap()
            - 2f64.powf(1.5))
        .abs()
            < 1e-12
    );
    // 1 cm is the smallest distance: (100)² = 10 000; 0.99 cm refused.
    assert!(
        (DistanceLaw::InverseSquare
            .factor(Length::from_cm(1.0))
            .unwrap()
            - 10_000.0)
            .abs()
            < 1e-6
    );
    assert!(
        DistanceLaw::InverseSquare
            .factor(Length::from_cm(0.99))
            .is_err()
    );
    assert!(
        DistanceLaw::InverseSquare
            .factor(Length::from_cm(0.0))
            .is_err()
    );
    // Reading at 2 m of 10 µSv/h → 10 × 2² = 40 µSv/h at 1 m (inverse square),
    // 10 × 2^1.5 = 28.284 (Cormack–Shearer) (hand).
    assert_eq!(READING_DISTANCE_RANGE_M, (1.0, 3.0));
    let r = DoseRate::from_usv_per_h(10.0);
    assert_eq!(
        DistanceLaw::InverseSquare
            .to_1m(r, Length::from_m(2.0))
            .unwrap()
            .usv_per_h(),
        40.0
    );
    assert!(
        (DistanceLaw::CormackShearer
            .to_1m(r, Length::from_m(2.0))
            .unwrap()
            .usv_per_h()
            - 10.0 * 2f64.powf(1.5))
        .abs()
            < 1e-9
    );
    assert_eq!(
        DistanceLaw::InverseSquare
            .to_1m(r, Length::from_m(1.0))
            .unwrap()
            .usv_per_h(),
        10.0
    );
    assert_eq!(
        DistanceLaw::InverseSquare
            .to_1m(r, Length::from_m(3.0))
            .unwrap()
            .usv_per_h(),
        90.0
    );
    assert!(
        DistanceLaw::InverseSquare
            .to_1m(r, Length::from_cm(99.9))
            .is_err()
    );
    assert!(
        DistanceLaw::InverseSquare
            .to_1m(r, Length::from_cm(300.1))
            .is_err()
    );
    assert!(
        DistanceLaw::InverseSquare
            .to_1m(DoseRate::from_usv_per_h(-1.0), Length::from_m(2.0))
            .is_err()
    );
}

// Initial dose rate from the activity (docs/reference/dosimetry.md §8.1): Γ × A × self-attenuation, the
// factor in (0, 1]; and from a pre-void reading scaled by administered/measured.
#[test]
fn initial_dose_rates() {
    use mibg_radprot::{
        dose_rate_at, initial_dose_rate_from_activity, initial_dose_rate_from_reading,
        retained_activity,
    };
    use mibg_units::DoseRateConstant;
    let g = DoseRateConstant::from_usv_m2_per_mbq_h(0.07647);
    let a = Activity::from_mbq(2500.0);
    // 0.07647 × 2500 × 0.8 = 152.94 µSv/h (hand).
    let d = initial_dose_rate_from_activity(a, g, 0.8).unwrap();
    assert!((d.usv_per_h() - 152.94).abs() < 1e-9);
    assert!(
        (initial_dose_rate_from_activity(a, g, 1.0)
            .unwrap()
            .usv_per_h()
            - 191.175)
            .abs()
            < 1e-9
    );
    for f in [0.0, 1.001, -0.5, f64::NAN] {
        assert!(initial_dose_rate_from_activity(a, g, f).is_err(), "{f}");
    }
    // 30 µSv/h measured with 1000 MBq, 5000 MBq given → 150 µSv/h (hand).
    let r = initial_dose_rate_from_reading(
        DoseRate::from_usv_per_h(30.0),
        Activity::from_mbq(1000.0),
        Activity::from_mbq(5000.0),
    )
    .unwrap();
    assert!((r.usv_per_h() - 150.0).abs() < 1e-12);
    // One half-life later at 2 m (inverse square): 150 × ½ × ¼ = 18.75 µSv/h.
    let c = PhysicalDecay::i131();
    let at = dose_rate_at(
        &c,
        r,
        Hours::new(T),
        Length::from_m(2.0),
        DistanceLaw::InverseSquare,
    )
    .unwrap();
    assert!((at.usv_per_h() - 18.75).abs() < 1e-9);
    // Retained activity after two half-lives: 5000 / 4 = 1250 MBq.
    let ret = retained_activity(&c, Activity::from_mbq(5000.0), Hours::new(2.0 * T)).unwrap();
    assert!((ret.mbq() - 1250.0).abs() < 1e-9);
    assert!(retained_activity(&c, Activity::from_mbq(5000.0), Hours::new(-1.0)).is_err());
}

// Names of the distance laws as printed in every output (docs/reference/dosimetry.md §8.1: the law is named).
#[test]
fn distance_law_descriptions() {
    assert_eq!(
        DistanceLaw::InverseSquare.describe(),
        "inverse square (point source)"
    );
    assert_eq!(
        DistanceLaw::CormackShearer.describe(),
        "Cormack & Shearer (1 m / d)^1.5"
    );
}

// The tail-share caveat: a curve that does not clear (R = 1, allowed by
// the contract only as an extreme) over 90 days has a tail of T½/ln 2 =
// 277.7 h against 2160 h inside the horizon: 11 % (hand) > 5 %, warned;
// physical decay's tail is 0.04 %, not warned.
#[test]
fn tail_share_caveat_above_5_percent() {
    let flat = mibg_radprot::retention_fn(|_| 1.0);
    let e = caregiver_dose(
        &flat,
        DoseRate::from_usv_per_h(1.0),
        &pattern(
            1.0,
            24.0,
            0.0,
            ContactEnd::Indefinite,
            DistanceLaw::InverseSquare,
        ),
        &DoseConstraint::caregiver(),
    )
    .unwrap();
    let share = (T / LN_2) / (2160.0 + T / LN_2);
    assert!((e.tail_bound / e.dose - share).abs() < 1e-9);
    assert!(
        e.warnings
            .iter()
            .any(|w| w
                .starts_with("11 % of the estimate is the physical-decay bound beyond 90 days")),
        "{:?}",
        e.warnings
    );
    let p = dose(&pattern(
        1.0,
        24.0,
        0.0,
        ContactEnd::Indefinite,
        DistanceLaw::InverseSquare,
    ));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

// A dose exactly at the constraint does not exceed it (docs/reference/dosimetry.md §8.4: "exceeds" is dose > limit).
#[test]
fn a_dose_equal_to_the_constraint_does_not_exceed_it() {
    let p = pattern(
        1.0,
        6.0,
        0.0,
        ContactEnd::Indefinite,
        DistanceLaw::InverseSquare,
    );
    let d = dose(&p).dose;
    let at = caregiver_dose(
        &PhysicalDecay::i131(),
        DoseRate::from_usv_per_h(100.0),
        &p,
        &DoseConstraint {
            limit: d,
            ..DoseConstraint::caregiver()
        },
    )
    .unwrap();
    assert!(!at.exceeds);
    assert_eq!(at.fraction_of_constraint, 1.0);
}

// The first crossing on the scan grid (threshold.rs: step ≤ 0.5 h from 0,
// then bisection): a curve that dips below the level between 150.3 and
// 150.6 h and stays below from 200 h is met at 150.3 h, not 200 h.
#[test]
fn the_first_crossing_on_the_grid_is_reported() {
    let dip = mibg_radprot::retention_fn(|t: Hours| {
        let t = t.hours();
        if (150.3..150.6).contains(&t) || t >= 200.0 {
            0.1
        } else {
            1.0
        }
    });
    let t = time_to_dose_rate(
        &dip,
        DoseRate::from_usv_per_h(10.0),
        DoseRate::from_usv_per_h(5.0),
        Hours::new(400.0),
    )
    .unwrap();
    assert!((t.hours() - 150.3).abs() < 1e-5, "{}", t.hours());
}

// The tail-share caveat at its 5 % edge (contact.rs TAIL_SHARE_CAVEAT: a
// caveat only when the tail bound is MORE than 5 % of the dose). By hand:
// 1 mSv of tail in 20 mSv is 1/20 = 5 % exactly (the double 1/20 is the
// double 0.05) → no caveat; 1.01 mSv in 20 mSv is 5.05 % → caveat, printed
// rounded to "5 %"; 0.99 mSv is 4.95 % → none. A zero dose (0/0) has none.
#[test]
fn tail_share_caveat_only_above_exactly_5_percent() {
    use mibg_radprot::tail_share_caveat;
    let msv = EquivalentDose::from_msv;
    assert_eq!(tail_share_caveat(msv(1.0), msv(20.0)), None);
    assert_eq!(tail_share_caveat(msv(0.99), msv(20.0)), None);
    assert_eq!(
        tail_share_caveat(msv(1.01), msv(20.0)).as_deref(),
        Some(
            "5 % of the estimate is the physical-decay bound beyond 90 days: the estimate is conservative"
        )
    );
    assert_eq!(tail_share_caveat(msv(0.0), msv(0.0)), None);
    // Through caregiver_dose: the flat curve's 11 % above is the same caveat.
    let flat = mibg_radprot::retention_fn(|_| 1.0);
    let e = caregiver_dose(
        &flat,
        DoseRate::from_usv_per_h(1.0),
        &pattern(
            1.0,
            24.0,
            0.0,
            ContactEnd::Indefinite,
            DistanceLaw::InverseSquare,
        ),
        &DoseConstraint::caregiver(),
    )
    .unwrap();
    assert_eq!(
        e.warnings,
        vec![tail_share_caveat(e.tail_bound, e.dose).unwrap()]
    );
}
