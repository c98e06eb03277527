//! `assess_course_dosimetry` called as a library (the study and the
//! application call it this way): options, infusion 2 through the gate,
//! radiation protection on and off, the result as JSON.

use mibg_clinic::dosimetry::{
    CourseInput, DosimetryError, DosimetryOptions, SecondInfusionInput, assess_course_dosimetry,
};
use mibg_dosimetry::gate::Check;
use mibg_dosimetry::{Decision, ReadingsOptions, UncertaintyOptions, parse_readings};
use mibg_protocol::Protocol;
use mibg_units::{AbsorbedDose, Activity, Hours, Mass};
use std::path::PathBuf;

fn readings(rel: &str, edit: impl Fn(String) -> String) -> mibg_dosimetry::Readings {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    let text = edit(std::fs::read_to_string(p).unwrap());
    parse_readings(rel, &text, &ReadingsOptions::default()).unwrap()
}

fn input() -> CourseInput {
    CourseInput {
        readings1: readings("examples/dose/readings.csv", |s| s),
        weight1: Mass::from_kg(20.0),
        activity1: Activity::from_mbq(8880.0).into(),
        weight2: None,
        second: None,
    }
}

fn quick() -> DosimetryOptions {
    DosimetryOptions {
        uncertainty: None,
        ..DosimetryOptions::default()
    }
}

#[test]
fn options_out_of_range_are_errors() {
    let p = Protocol::seed();
    let bad = |o: DosimetryOptions, what: &str| {
        let e = assess_course_dosimetry(&input(), &p, &o).unwrap_err();
        assert!(matches!(e, DosimetryError::Option { .. }), "{e}");
        assert!(e.to_string().contains(what), "{e}");
    };
    let mut o = quick();
    o.uncertainty = Some(UncertaintyOptions {
        replicates: 99,
        seed: 1,
    });
    bad(o, "bootstrap replicates 99");
    let mut o = quick();
    o.contact.hours_per_day = Hours::new(24.5);
    bad(o, "must be <= 24");
    let mut o = quick();
    o.target = Some(AbsorbedDose::from_gy(0.0));
    bad(o, "target (Gy) 0");
    let mut o = quick();
    o.max_activity_deviation = f64::NAN;
    bad(o, "maximum activity deviation");
    // At the edges: 100 replicates and 24 h a day are accepted.
    let mut o = quick();
    o.uncertainty = Some(UncertaintyOptions {
        replicates: 100,
        seed: 1,
    });
    o.contact.hours_per_day = Hours::new(24.0);
    assert!(assess_course_dosimetry(&input(), &p, &o).is_ok());
}

#[test]
fn the_activity_check_comes_first() {
    let mut i = input();
    i.activity1 = Activity::from_mbq(240.0).into();
    let e = assess_course_dosimetry(&i, &Protocol::seed(), &quick()).unwrap_err();
    match &e {
        DosimetryError::Infusion1Deviation { activity_mbq, .. } => assert_eq!(*activity_mbq, 240.0),
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("an activity in mCi?"), "{e}");
    // An implausible weight is the dosimetry's own error, not a deviation.
    let mut i = input();
    i.weight1 = Mass::from_kg(200.0);
    let e = assess_course_dosimetry(&i, &Protocol::seed(), &quick()).unwrap_err();
    assert!(matches!(e, DosimetryError::Dose(_)), "{e}");
    assert!(e.to_string().contains("a weight in pounds"), "{e}");
}

#[test]
fn infusion_2_goes_through_the_gate() {
    let mut i = input();
    i.second = Some(SecondInfusionInput {
        readings: readings("examples/dose/readings2.csv", |s| {
            s.replace("72.25,35.72", "72.25,3.572")
        }),
        activity: Activity::from_mbq(3964.0).into(),
    });
    let e = assess_course_dosimetry(&i, &Protocol::seed(), &quick()).unwrap_err();
    let DosimetryError::Refused(r) = &e else {
        panic!("{e}")
    };
    assert_eq!(
        r.context.as_deref(),
        Some("infusion 2; the fit checks were not run")
    );
    let f = &r.report.findings[0];
    assert_eq!(f.reading.as_ref().unwrap().line, 11);
    assert!(
        f.likely_slip.as_deref().unwrap().starts_with("×1/10?"),
        "{f:?}"
    );
    let w = f.without_reading.as_ref().unwrap();
    assert!(
        w.delivered_total.is_some() && w.statement.contains("delivered total"),
        "{w:?}"
    );
    // Accepted, it is carried into the result and its warnings.
    let mut o = quick();
    // (The mono fit it leaves also fails R².)
    o.accept = vec![Check::Rise, Check::Outlier, Check::RSquared, Check::Rise];
    let d = assess_course_dosimetry(&i, &Protocol::seed(), &o).unwrap();
    let s = d.after_second.as_ref().unwrap();
    assert!(!s.plausibility.refused && !s.plausibility.findings.is_empty());
    assert!(
        d.warnings
            .iter()
            .any(|w| w.starts_with("infusion 2: plausibility check 'rise' failed and was ACCEPTED")),
        "{:?}",
        d.warnings
    );
    assert_eq!(
        d.options.accept,
        vec![Check::Rise, Check::Outlier, Check::RSquared]
    );
    // Radiation protection is then after the measured infusion 2.
    assert_eq!(d.radiation_protection.as_ref().unwrap().infusion, 2);
    assert!(
        d.radiation_protection
            .as_ref()
            .unwrap()
            .residual_infusion1
            .is_none()
    );
}

#[test]
fn radiation_protection_can_be_left_out_and_the_result_serialises() {
    let mut o = quick();
    o.radiation_protection = false;
    let d = assess_course_dosimetry(&input(), &Protocol::seed(), &o).unwrap();
    assert!(d.radiation_protection.is_none());
    assert_eq!(d.decision, Decision::SecondInfusion);
    // Without the bootstrap A2's interval is the delta method's, around A2.
    let [lo, hi] = d.interval95.second_activity_mbq.unwrap();
    assert!(lo < d.second_activity.mbq() && d.second_activity.mbq() < hi);
    assert!(d.interval95.method.starts_with("delta method only"));
    let j = serde_json::to_value(&d).unwrap();
    assert_eq!(j["plausibility"]["refused"], false);
    assert!((j["tia_gbq_h"].as_f64().unwrap() - d.tia.gbq_h()).abs() < 1e-12);
    assert_eq!(
        j["options"]["protocol"],
        Protocol::seed().info.name.as_str()
    );
    assert!(
        j["explanation"][1]
            .as_str()
            .unwrap()
            .contains("every check passed")
    );
    assert!(j.get("assessment").is_none());
    // With the protocol label given, it is recorded.
    let mut o = quick();
    o.protocol_label = Some("local.toml".into());
    let d = assess_course_dosimetry(&input(), &Protocol::seed(), &o).unwrap();
    assert_eq!(d.options.protocol, "local.toml");
    // A planned infusion 2 carries the residual of infusion 1 (docs/reference/dosimetry.md §6.1).
    let rp = d.radiation_protection.unwrap();
    assert_eq!(rp.infusion, 2);
    let r = rp.residual_infusion1.unwrap().mbq();
    assert!(r > 0.0 && r < 100.0, "{r}");
    // Target met: radiation protection after infusion 1.
    let mut o = quick();
    o.target = Some(AbsorbedDose::from_gy(2.5));
    let d = assess_course_dosimetry(&input(), &Protocol::seed(), &o).unwrap();
    assert_eq!(d.decision, Decision::NoSecondInfusion);
    assert_eq!(d.radiation_protection.unwrap().infusion, 1);
}

/// The numbers the result states beside the fit: parameters, the delta
/// interval of D1 without the bootstrap, the overshoot threshold, the dose
/// rate at t = 0 with the residual of infusion 1, the bootstrap tally.
#[test]
fn stated_numbers() {
    let p = Protocol::seed();
    let d = assess_course_dosimetry(&input(), &p, &quick()).unwrap();
    let names: Vec<&str> = d.parameters.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["a", "lambda1_per_h", "lambda2_per_h"]);
    assert!(d.parameters.iter().all(|x| x.standard_error.unwrap() > 0.0));
    assert_eq!(d.parameters[1].unit, "1/h");
    assert_eq!(d.parameters[0].unit, "1");
    // D1 ± 1.96 × A1 [GBq] × S × SE(τ) (delta method).
    let h = 1.96 * 8.88 * d.s_value1.gy_per_gbq_h() * d.tau_se.unwrap().hours();
    let iv = d.interval95.absorbed_dose_gy.unwrap();
    assert!(
        (iv[0] - (d.dose1.gy() - h)).abs() < 1e-12 && (iv[1] - (d.dose1.gy() + h)).abs() < 1e-12
    );
    // target 4 Gy + margin 0.5 Gy.
    assert_eq!(d.interval95.overshoot_threshold_gy, 4.5);
    // Estimated dose rate at t = 0: Γ × (A2 + residual of infusion 1), f = 1.
    let rp = d.radiation_protection.as_ref().unwrap();
    let res = rp.residual_infusion1.unwrap().mbq();
    let want = 0.07647 * (d.second_activity.mbq() + res);
    assert!((rp.initial_dose_rate.usv_per_h() / want - 1.0).abs() < 1e-12);
    assert!(
        rp.initial_dose_rate_method
            .contains("residual of infusion 1")
    );
    // With the bootstrap, its tally reaches the gate.
    let mut o = quick();
    o.uncertainty = Some(UncertaintyOptions {
        replicates: 200,
        seed: 7,
    });
    let d = assess_course_dosimetry(&input(), &p, &o).unwrap();
    let b = d
        .plausibility
        .outcomes
        .iter()
        .find(|x| x.check == Check::BootstrapFailures)
        .unwrap();
    assert_eq!(b.status, mibg_dosimetry::gate::CheckStatus::Passed);
    assert!(b.detail.starts_with("0 of 200 replicates"), "{}", b.detail);
}

/// The gate's limits come from the protocol, not from the defaults: a
/// stricter total-dose interval (±0.1 Gy) refuses the example (±0.14 Gy).
#[test]
fn the_protocol_sets_the_gate() {
    let text = mibg_protocol::SEED_TOML.replace(
        "max_total_dose_uncertainty_gy = 0.5",
        "max_total_dose_uncertainty_gy = 0.1",
    );
    let p = Protocol::from_toml(&text, "strict.toml").unwrap();
    let e = assess_course_dosimetry(&input(), &p, &quick()).unwrap_err();
    assert!(
        e.to_string().contains("[total-dose-uncertainty]") && e.to_string().contains("±0.1 Gy"),
        "{e}"
    );
}

/// A measured dose rate at t = 0 (readings in µSv/h): the pre-void reading
/// of the example, 408.12 − 0.12 = 408 µSv/h at 1 m after 8880 MBq, scaled
/// to the planned infusion 2 and its residual of infusion 1; read at 2 m,
/// the inverse-square law makes it 408 × (2 m / 1 m)² = 1632 µSv/h at 1 m,
/// and the method says at which distance it was read.
#[test]
fn a_measured_initial_rate_says_where_it_was_read() {
    use mibg_clinic::dosimetry::ReadingUnit;
    use mibg_radprot::DistanceLaw;
    use mibg_units::Length;
    let mut o = quick();
    o.reading_unit = ReadingUnit::UsvPerHourAt1m;
    o.distance_law = DistanceLaw::InverseSquare;
    let d = assess_course_dosimetry(&input(), &Protocol::seed(), &o).unwrap();
    let rp = d.radiation_protection.as_ref().unwrap();
    assert_eq!(rp.infusion, 2);
    let a2_and_residual = d.second_activity.mbq() + rp.residual_infusion1.unwrap().mbq();
    let want = 408.0 * a2_and_residual / 8880.0;
    assert!(
        (rp.initial_dose_rate.usv_per_h() / want - 1.0).abs() < 1e-12,
        "{} vs {want}",
        rp.initial_dose_rate.usv_per_h()
    );
    assert!(
        rp.initial_dose_rate_method
            .starts_with("measured: pre-void reading 408 µSv/h at 1 m after "),
        "{}",
        rp.initial_dose_rate_method
    );
    o.reading_distance = Length::from_m(2.0);
    let d = assess_course_dosimetry(&input(), &Protocol::seed(), &o).unwrap();
    let rp = d.radiation_protection.as_ref().unwrap();
    assert!(
        (rp.initial_dose_rate.usv_per_h() / (4.0 * want) - 1.0).abs() < 1e-12,
        "{} vs {}",
        rp.initial_dose_rate.usv_per_h(),
        4.0 * want
    );
    assert!(
        rp.initial_dose_rate_method.starts_with(
            "measured: pre-void reading 408 µSv/h at 2 m = 1632.00 µSv/h at 1 m (inverse square (point source)) after "
        ),
        "{}",
        rp.initial_dose_rate_method
    );
}

/// The family's planned infusion 2 starts when it is said to end: given
/// 10 days after infusion 1 (not the protocol's 14), the planned curve's
/// residual of infusion 1 is the one left after 10 × 24 = 240 h, and it
/// is more than after the default 14 days (336 h): less time to decay.
#[test]
fn the_family_plans_infusion_2_at_its_given_end() {
    use mibg_clinic::family::FamilyOptions;
    use mibg_clinic::patterns::standard_patterns;
    let zoned = |s: &str| {
        s.parse::<jiff::Timestamp>()
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC)
    };
    let family = FamilyOptions {
        patterns: standard_patterns(),
        patterns_source: "standard".into(),
        infusion1_end: zoned("2026-03-02T13:30:00Z"),
        infusion2_end: Some(zoned("2026-03-12T13:30:00Z")),
        courses_per_year: 1,
        split: mibg_radprot::BudgetSplit::Equal,
    };
    let mut o = quick();
    o.family = Some(family.clone());
    let d = assess_course_dosimetry(&input(), &Protocol::seed(), &o).unwrap();
    let f = d.family.as_ref().unwrap();
    let planned = &f.infusions[1].curve;
    assert!(
        planned.starts_with("planned: infusion-1 retention assumed, plus ")
            && planned.ends_with(" MBq of infusion 1 left after 240 h"),
        "{planned}"
    );
    let mut o14 = quick();
    o14.family = Some(FamilyOptions {
        infusion2_end: None,
        ..family
    });
    let d14 = assess_course_dosimetry(&input(), &Protocol::seed(), &o14).unwrap();
    let default = &d14.family.as_ref().unwrap().infusions[1].curve;
    assert!(default.ends_with(" left after 336 h"), "{default}");
    let mbq = |s: &str| -> f64 {
        s.split(" plus ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(mbq(planned) > mbq(default), "{planned} / {default}");
    // Infusion 2 cannot end with infusion 1 (a gap of 0 h) or before it.
    for (end, gap) in [
        ("2026-03-02T13:30:00Z", "0"),
        ("2026-03-01T13:30:00Z", "-24"),
    ] {
        let mut o = quick();
        o.family = Some(FamilyOptions {
            infusion2_end: Some(zoned(end)),
            ..o14.family.clone().unwrap()
        });
        let e = assess_course_dosimetry(&input(), &Protocol::seed(), &o).unwrap_err();
        assert!(matches!(e, DosimetryError::Option { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            format!(
                "end of infusion 2 (h after infusion 1) {gap}: must be after the end of infusion 1"
            )
        );
    }
}
