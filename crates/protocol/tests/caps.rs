//! The caps on the second activity (docs/reference/dosimetry.md §6.4), the
//! one implementation (`mibg_protocol::caps`) used by the protocol's
//! planning bound and by the dose computation of `mibg-dosimetry`. Every
//! expected value is a hand calculation written beside it.

use mibg_protocol::caps::{AllowedCaps, CapKind, CapRules, lowest_cap};
use mibg_units::{AbsorbedDose, Activity, ActivityPerMass, DosePerActivity, Mass};

fn mbq(v: f64) -> Activity {
    Activity::from_mbq(v)
}

/// Every cap set: 777 MBq/kg (the seed protocol), 12 GBq per infusion,
/// 40 GBq per course, 4.5 Gy in total.
fn all() -> CapRules {
    CapRules {
        max_activity_per_kg: Some(ActivityPerMass::from_mbq_per_kg(777.0)),
        max_activity_per_infusion: Some(Activity::from_gbq(12.0)),
        max_total_activity: Some(Activity::from_gbq(40.0)),
        max_total_dose: Some(AbsorbedDose::from_gy(4.5)),
    }
}

fn allowed_mbq(caps: &AllowedCaps) -> Vec<(CapKind, f64)> {
    caps.iter().flatten().map(|&(k, a)| (k, a.mbq())).collect()
}

fn close(a: f64, b: f64) -> bool {
    // Products and quotients of doubles: 1e-9 relative.
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn each_cap_allows_its_hand_value_in_order() {
    // 20 kg, A1 = 8880 MBq, D1 = 2.0 Gy, d2 = 0.25 Gy/GBq (by hand):
    // per kg 777 × 20 = 15540 MBq; per infusion 12000 MBq;
    // course 40000 − 8880 = 31120 MBq; dose (4.5 − 2.0)/0.25 = 10 GBq = 10000 MBq.
    let caps = all().allowed(
        Mass::from_kg(20.0),
        mbq(8880.0),
        Some((
            AbsorbedDose::from_gy(2.0),
            DosePerActivity::from_gy_per_gbq(0.25),
        )),
    );
    let got = allowed_mbq(&caps);
    let want = [
        (CapKind::MaxActivityPerKg, 15540.0),
        (CapKind::MaxActivityPerInfusion, 12000.0),
        (CapKind::MaxTotalActivity, 31120.0),
        (CapKind::MaxTotalDose, 10000.0),
    ];
    assert_eq!(got.len(), 4, "{got:?}");
    for ((k, a), (wk, wa)) in got.iter().zip(want) {
        assert_eq!(*k, wk);
        assert!(close(*a, wa), "{k:?}: {a} MBq, want {wa} MBq");
    }
}

#[test]
fn course_and_dose_caps_never_go_below_zero() {
    // A1 = 45000 MBq > 40000 MBq course: 40000 − 45000 < 0 → 0.
    // D1 = 5.0 Gy > 4.5 Gy: (4.5 − 5.0)/0.25 < 0 → 0.
    let caps = all().allowed(
        Mass::from_kg(20.0),
        mbq(45_000.0),
        Some((
            AbsorbedDose::from_gy(5.0),
            DosePerActivity::from_gy_per_gbq(0.25),
        )),
    );
    let got = allowed_mbq(&caps);
    assert_eq!(got[2], (CapKind::MaxTotalActivity, 0.0));
    assert_eq!(got[3], (CapKind::MaxTotalDose, 0.0));
}

#[test]
fn a_cap_the_rules_do_not_set_allows_anything() {
    // No rule set: no cap at all, whatever the dosimetry.
    let none = CapRules::default().allowed(
        Mass::from_kg(20.0),
        mbq(8880.0),
        Some((
            AbsorbedDose::from_gy(2.0),
            DosePerActivity::from_gy_per_gbq(0.25),
        )),
    );
    assert_eq!(none, [None; 4]);
    // Every rule set, but no dosimetry (the planning-time bound): the dose
    // cap cannot be evaluated and is absent; the other three are present.
    let planning = all().allowed(Mass::from_kg(20.0), mbq(8880.0), None);
    assert!(planning[3].is_none());
    assert_eq!(planning.iter().flatten().count(), 3);
}

#[test]
fn the_lowest_cap_below_the_start_binds() {
    // Start 14000 MBq; caps 15540 (per kg), 12000 (per infusion), 31120,
    // 10000 (dose): min = 10000 MBq, the dose cap.
    let caps = all().allowed(
        Mass::from_kg(20.0),
        mbq(8880.0),
        Some((
            AbsorbedDose::from_gy(2.0),
            DosePerActivity::from_gy_per_gbq(0.25),
        )),
    );
    let (a, k) = lowest_cap(mbq(14_000.0), &caps);
    assert!(close(a.mbq(), 10_000.0), "{a:?}");
    assert_eq!(k, Some(CapKind::MaxTotalDose));
    // Start 9000 MBq, below every cap: nothing binds, the start stays.
    assert_eq!(lowest_cap(mbq(9000.0), &caps), (mbq(9000.0), None));
}

#[test]
fn a_cap_equal_to_the_start_does_not_bind() {
    // 777 × 20 = 15540 MBq = the start: the wanted activity is allowed as
    // it is, no cap bound it.
    let rules = CapRules {
        max_activity_per_kg: Some(ActivityPerMass::from_mbq_per_kg(777.0)),
        ..CapRules::default()
    };
    let caps = rules.allowed(Mass::from_kg(20.0), mbq(8880.0), None);
    assert_eq!(lowest_cap(mbq(15_540.0), &caps), (mbq(15_540.0), None));
    // One MBq more wanted: the per-kg cap binds at 15540 MBq.
    assert_eq!(
        lowest_cap(mbq(15_541.0), &caps),
        (mbq(15_540.0), Some(CapKind::MaxActivityPerKg))
    );
}

#[test]
fn of_two_equal_caps_the_first_in_order_is_named() {
    // 20 kg: per kg 777 × 20 = 15540 MBq; A1 = 24460 MBq: course
    // 40000 − 24460 = 15540 MBq. A tie: the per-kg cap (first) is named.
    let rules = CapRules {
        max_activity_per_kg: Some(ActivityPerMass::from_mbq_per_kg(777.0)),
        max_total_activity: Some(Activity::from_gbq(40.0)),
        ..CapRules::default()
    };
    let caps = rules.allowed(Mass::from_kg(20.0), mbq(24_460.0), None);
    assert_eq!(
        lowest_cap(mbq(f64::INFINITY), &caps),
        (mbq(15_540.0), Some(CapKind::MaxActivityPerKg))
    );
    // One MBq more of A1: the course cap, 15539 MBq, is lower and binds.
    let caps = rules.allowed(Mass::from_kg(20.0), mbq(24_461.0), None);
    assert_eq!(
        lowest_cap(mbq(f64::INFINITY), &caps),
        (mbq(15_539.0), Some(CapKind::MaxTotalActivity))
    );
}

#[test]
fn cap_names_are_the_protocol_keys() {
    assert_eq!(CapKind::MaxActivityPerKg.name(), "max_activity_per_kg");
    assert_eq!(
        CapKind::MaxActivityPerInfusion.name(),
        "max_activity_per_infusion"
    );
    assert_eq!(CapKind::MaxTotalActivity.name(), "max_total_activity");
    assert_eq!(CapKind::MaxTotalDose.name(), "max_total_dose");
}
