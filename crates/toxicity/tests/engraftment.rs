//! Engraftment after stem-cell infusion (docs/reference/toxicity.md §8): nadir rule, gaps,
//! same-day values, platelet transfusions in the 7-day window, censoring,
//! primary graft failure, two stem-cell infusions. Expected days by hand.

use jiff::civil::{Date, date};
use mibg_toxicity::engraftment::{
    CountPoint, DailyValue, EngraftmentField, EngraftmentOptionError, EngraftmentOptions,
    GraftFailure, PlateletRule, Recovery, days_between, episode,
};
use mibg_toxicity::{CellCount, Exact, Product, Transfusion};

const SC: Date = date(2025, 3, 1); // day 0

fn day(n: i64) -> Date {
    SC.checked_add(jiff::Span::new().days(n)).unwrap()
}

fn series(points: &[(i64, &str)]) -> Vec<DailyValue> {
    points
        .iter()
        .map(|(d, v)| DailyValue {
            date: day(*d),
            value: CellCount::from_1e9_per_l(Exact::parse_decimal(v).unwrap()),
        })
        .collect()
}

fn plt_tx(days: &[i64]) -> Vec<Transfusion> {
    days.iter()
        .map(|d| Transfusion {
            patient: "P".into(),
            date: day(*d),
            product: Product::Platelets,
            origin: None,
        })
        .collect()
}

fn pt(n: i64, v: Exact) -> CountPoint {
    CountPoint {
        date: day(n),
        value_1e9_per_l: CellCount::from_1e9_per_l(v),
    }
}

fn recovered(day_n: i64) -> Recovery {
    Recovery::Recovered {
        date: day(day_n),
        day: day_n,
    }
}

#[test]
fn values_before_the_nadir_do_not_count() {
    // ANC ≥ 0.5 on days 0, 1, 2 (three consecutive values!) must not be
    // engraftment on day 0 (CIBMTR: counting starts after the nadir).
    // Nadir 0.0 first on day 6; recovery run 12, 13, 14 → day 12.
    let anc = series(&[
        (0, "2.1"),
        (1, "1.4"),
        (2, "0.9"),
        (4, "0.3"),
        (6, "0.0"),
        (8, "0.0"),
        (10, "0.2"),
        (11, "0.4"),
        (12, "0.6"),
        (13, "0.8"),
        (14, "1.2"),
    ]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.anc_nadir, Some(pt(6, Exact::ZERO)));
    assert_eq!(e.neutrophils, recovered(12));
    assert_eq!(e.primary_graft_failure, GraftFailure::No);
}

#[test]
fn exactly_the_threshold_counts() {
    // "≥ 0.5": a run of 0.5, 0.5, 0.5 is a recovery.
    let anc = series(&[(5, "0.1"), (9, "0.5"), (10, "0.5"), (11, "0.5")]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, recovered(9));
}

#[test]
fn gaps_in_daily_counts_are_allowed_unless_limited() {
    // CIBMTR: without daily values, three consecutive values more than a day
    // apart are acceptable. Values on days 12, 14, 17 → recovery day 12.
    let anc = series(&[
        (6, "0.0"),
        (12, "0.6"),
        (14, "0.7"),
        (17, "0.9"),
        (18, "1.0"),
        (19, "1.1"),
    ]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, recovered(12));
    // With gaps limited to 1 day, the first run of daily values is 17, 18, 19.
    let strict = EngraftmentOptions {
        max_gap_days: Some(1),
        ..EngraftmentOptions::default()
    };
    let e = episode(SC, None, &anc, &[], &[], &strict);
    assert_eq!(e.neutrophils, recovered(17));
}

#[test]
fn an_intervening_low_value_breaks_the_run() {
    let anc = series(&[
        (6, "0.0"),
        (12, "0.6"),
        (13, "0.4"),
        (14, "0.6"),
        (15, "0.7"),
        (16, "0.8"),
    ]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, recovered(14));
}

#[test]
fn several_values_on_one_day_count_as_the_lowest() {
    // Day 12 has 0.6 and 0.4: the day is below threshold ([I], engraftment docs).
    let anc = series(&[
        (6, "0.0"),
        (12, "0.6"),
        (12, "0.4"),
        (13, "0.6"),
        (14, "0.7"),
        (15, "0.8"),
    ]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, recovered(13));
}

#[test]
fn two_consecutive_values_option() {
    let anc = series(&[
        (6, "0.0"),
        (12, "0.6"),
        (13, "0.4"),
        (14, "0.6"),
        (15, "0.7"),
    ]);
    let two = EngraftmentOptions {
        consecutive: 2,
        ..EngraftmentOptions::default()
    };
    assert_eq!(
        episode(SC, None, &anc, &[], &[], &two).neutrophils,
        recovered(14)
    );
}

#[test]
fn platelet_transfusion_inside_the_seven_day_window_blocks() {
    // Platelets ≥ 20 from day 15 on; a platelet transfusion on day 10.
    // Rule: no transfusion in [first − 7 d, last] (docs/reference/toxicity.md §8.3 (a)).
    // Run 15–17: 15 − 10 = 5 ≤ 7 → blocked; 16–18: 6 → blocked; 17–19: 7 → blocked
    // (day 10 is one of the 7 preceding days of day 17); 18–20: 8 → recovered day 18.
    let plt = series(&[
        (5, "30"),
        (9, "8"),
        (11, "15"),
        (15, "22"),
        (16, "25"),
        (17, "28"),
        (18, "31"),
        (19, "35"),
        (20, "40"),
    ]);
    let e = episode(
        SC,
        None,
        &[],
        &plt,
        &plt_tx(&[10]),
        &EngraftmentOptions::default(),
    );
    assert_eq!(e.platelet_nadir, Some(pt(9, Exact::int(8))));
    assert_eq!(e.platelets, recovered(18));
    // Without the transfusion: day 15.
    let e = episode(SC, None, &[], &plt, &[], &EngraftmentOptions::default());
    assert_eq!(e.platelets, recovered(15));
}

#[test]
fn a_platelet_transfusion_during_the_run_blocks_it() {
    // Transfusion on day 16, inside the run 15–17: every run containing or
    // following within 7 days is blocked; first clean run starts day 24.
    let plt = series(&[
        (9, "8"),
        (15, "22"),
        (16, "25"),
        (17, "28"),
        (20, "30"),
        (23, "30"),
        (24, "33"),
        (25, "34"),
        (26, "36"),
    ]);
    let e = episode(
        SC,
        None,
        &[],
        &plt,
        &plt_tx(&[16]),
        &EngraftmentOptions::default(),
    );
    assert_eq!(e.platelets, recovered(24));
}

#[test]
fn secondary_platelet_threshold_is_reported_the_same_way() {
    let plt = series(&[
        (9, "8"),
        (15, "22"),
        (16, "25"),
        (17, "28"),
        (25, "52"),
        (26, "55"),
        (27, "60"),
    ]);
    let e = episode(SC, None, &[], &plt, &[], &EngraftmentOptions::default());
    assert_eq!(e.platelets, recovered(15));
    assert_eq!(e.platelets_secondary, recovered(25));
}

#[test]
fn never_engrafted_is_censored_and_graft_failure_is_flagged_after_day_30() {
    // ANC < 0.5 through day 35: censored at day 35, primary graft failure (ASTCT).
    let anc = series(&[
        (5, "0.1"),
        (10, "0.0"),
        (20, "0.1"),
        (30, "0.3"),
        (35, "0.4"),
    ]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(
        e.neutrophils,
        Recovery::Censored {
            last_date: day(35),
            last_day: 35
        }
    );
    assert_eq!(e.primary_graft_failure, GraftFailure::Yes);
    // Follow-up ends on day 20: censored, graft failure not assessable.
    let short = series(&[(5, "0.1"), (10, "0.0"), (20, "0.1")]);
    let e = episode(SC, None, &short, &[], &[], &EngraftmentOptions::default());
    assert_eq!(
        e.neutrophils,
        Recovery::Censored {
            last_date: day(20),
            last_day: 20
        }
    );
    assert_eq!(e.primary_graft_failure, GraftFailure::NotAssessable);
    // Values ≥ 0.5 on days 29 and 30 and data ending there: a recovery dated
    // day 29 is still possible → not assessable rather than failure.
    let open = series(&[(10, "0.0"), (29, "0.6"), (30, "0.7")]);
    let e = episode(SC, None, &open, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.primary_graft_failure, GraftFailure::NotAssessable);
}

#[test]
fn late_recovery_after_day_30_is_primary_graft_failure() {
    let anc = series(&[(10, "0.0"), (31, "0.6"), (32, "0.7"), (33, "0.9")]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, recovered(31));
    assert_eq!(e.primary_graft_failure, GraftFailure::Yes);
    // Recovery on day 30 exactly is in time ("by day +30").
    let anc = series(&[(10, "0.0"), (30, "0.6"), (31, "0.7"), (32, "0.9")]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.primary_graft_failure, GraftFailure::No);
}

#[test]
fn counts_that_never_fell_are_not_applicable() {
    let anc = series(&[(1, "3.0"), (5, "1.0"), (10, "0.8"), (15, "2.0")]);
    let plt = series(&[(1, "200"), (5, "60"), (10, "25"), (15, "90")]);
    let e = episode(SC, None, &anc, &plt, &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, Recovery::NotApplicable);
    assert_eq!(e.platelets, Recovery::NotApplicable);
    // Follow-up ends on day 15: the ANC could still fall and not recover by
    // day +30, so primary graft failure cannot be excluded yet (review: this
    // was reported as "no").
    assert_eq!(e.primary_graft_failure, GraftFailure::NotAssessable);
    // Followed to day +30 without ever falling below 0.5: no graft failure.
    let mut to_30 = anc.clone();
    to_30.extend(series(&[(30, "2.5")]));
    let e = episode(SC, None, &to_30, &plt, &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, Recovery::NotApplicable);
    assert_eq!(e.primary_graft_failure, GraftFailure::No);
    // Only pre-aplasia values (days 0-3 after melphalan): not assessable.
    let early = series(&[(0, "3.1"), (3, "2.4")]);
    let e = episode(SC, None, &early, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, Recovery::NotApplicable);
    assert_eq!(e.primary_graft_failure, GraftFailure::NotAssessable);
    // A platelet transfusion in the episode makes platelet recovery applicable
    // (CIBMTR "not applicable" needs both: never < 20 and never transfused).
    let e = episode(
        SC,
        None,
        &anc,
        &plt,
        &plt_tx(&[6]),
        &EngraftmentOptions::default(),
    );
    // Platelets 25 (day 10, the nadir) and 90 (day 15): one value after the
    // nadir, no run of three → censored at day 15.
    assert_eq!(
        e.platelets,
        Recovery::Censored {
            last_date: day(15),
            last_day: 15
        }
    );
}

#[test]
fn no_values_is_no_data() {
    let e = episode(SC, None, &[], &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, Recovery::NoData);
    assert_eq!(e.primary_graft_failure, GraftFailure::NotAssessable);
}

#[test]
fn two_stem_cell_infusions_are_separate_episodes() {
    // Stem cells on day 0 and day 40 (e.g. one per mIBG course). Episode 1 ends
    // on day 39; values from day 40 belong to episode 2, whose day 0 is day 40.
    let anc = series(&[
        (5, "0.0"),
        (14, "0.6"),
        (15, "0.9"),
        (16, "1.5"),
        (30, "2.0"),
        (40, "1.8"),
        (45, "0.1"),
        (47, "0.0"),
        (55, "0.7"),
        (56, "0.8"),
        (57, "1.0"),
    ]);
    let sc2 = day(40);
    let e1 = episode(
        SC,
        Some(day(39)),
        &anc,
        &[],
        &[],
        &EngraftmentOptions::default(),
    );
    let e2 = episode(sc2, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e1.neutrophils, recovered(14));
    assert_eq!(e1.anc_nadir, Some(pt(5, Exact::ZERO)));
    assert_eq!(e2.anc_nadir, Some(pt(47, Exact::ZERO)));
    // Day 55 is day +15 after the second infusion.
    assert_eq!(
        e2.neutrophils,
        Recovery::Recovered {
            date: day(55),
            day: 15
        }
    );
    assert_eq!(days_between(sc2, day(55)), 15);
}

#[test]
fn an_episode_cut_short_by_the_next_infusion_is_censored_there() {
    // No recovery before the second infusion on day 25: censored at the last
    // value of episode 1 (day 24), graft failure not assessable (before day 30).
    let anc = series(&[
        (5, "0.0"),
        (20, "0.2"),
        (24, "0.3"),
        (26, "0.6"),
        (27, "0.7"),
        (28, "0.8"),
    ]);
    let e1 = episode(
        SC,
        Some(day(24)),
        &anc,
        &[],
        &[],
        &EngraftmentOptions::default(),
    );
    assert_eq!(
        e1.neutrophils,
        Recovery::Censored {
            last_date: day(24),
            last_day: 24
        }
    );
    assert_eq!(e1.primary_graft_failure, GraftFailure::NotAssessable);
}

#[test]
fn a_recovery_followed_by_a_deeper_dip_is_warned() {
    // ANC 0.2 (day 5), recovers 0.6/0.8/1.0 (days 12–14), then falls to 0.0 on
    // day 20 (the episode's nadir) and recovers again from day 25. CIBMTR dates
    // recovery after the nadir (day 25), and the earlier recovery is reported.
    let anc = series(&[
        (5, "0.2"),
        (12, "0.6"),
        (13, "0.8"),
        (14, "1.0"),
        (20, "0.0"),
        (25, "0.7"),
        (26, "0.9"),
        (27, "1.1"),
    ]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, recovered(25));
    assert_eq!(e.warnings.len(), 1, "{:?}", e.warnings);
    assert!(e.warnings[0].contains(&day(12).to_string()));
    // The ordinary course has no such warning.
    let anc = series(&[(5, "0.0"), (12, "0.6"), (13, "0.8"), (14, "1.0")]);
    assert!(
        episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default())
            .warnings
            .is_empty()
    );
}

/// Platelets recover (≥ 20 on days 12, 13, 14), fall again to a deeper
/// nadir (5 on day 20) and recover again (days 25–27). CIBMTR initial
/// recovery: day 12 (docs/reference/toxicity.md §8.2, "the first of three consecutive
/// values"); the nadir rule: day 25 (hand).
fn recovery_then_deeper_fall() -> Vec<DailyValue> {
    series(&[
        (0, "150"),
        (2, "60"),
        (5, "15"),
        (7, "8"),
        (12, "25"),
        (13, "30"),
        (14, "35"),
        (18, "12"),
        (20, "5"),
        (25, "30"),
        (26, "32"),
        (27, "40"),
    ])
}

#[test]
fn initial_platelet_recovery_is_the_first_qualifying_run() {
    let plt = recovery_then_deeper_fall();
    let e = episode(SC, None, &[], &plt, &[], &EngraftmentOptions::default());
    assert_eq!(e.platelets, recovered(12));
    assert_eq!(e.platelet_nadir, Some(pt(20, Exact::int(5))));
    // The nadir rule would say day 25: the result warns with both days.
    assert_eq!(e.warnings.len(), 1, "{:?}", e.warnings);
    let w = &e.warnings[0];
    assert!(w.contains(">= 20 x10^9/L"), "{w}");
    assert!(
        w.contains("initial-recovery rule: day +12 (2025-03-13)"),
        "{w}"
    );
    assert!(w.contains("after-nadir rule: day +25 (2025-03-26)"), "{w}");
    assert!(w.contains("reported by the initial-recovery rule"), "{w}");
    assert!(w.contains("fell again"), "{w}");
}

#[test]
fn the_nadir_rule_is_a_named_option_with_a_warning() {
    let plt = recovery_then_deeper_fall();
    let opts = EngraftmentOptions {
        platelet_rule: PlateletRule::AfterNadir,
        ..EngraftmentOptions::default()
    };
    let e = episode(SC, None, &[], &plt, &[], &opts);
    assert_eq!(e.platelets, recovered(25));
    assert_eq!(e.warnings.len(), 1, "{:?}", e.warnings);
    let w = &e.warnings[0];
    assert!(w.contains("initial-recovery rule: day +12"), "{w}");
    assert!(w.contains("after-nadir rule: day +25"), "{w}");
    assert!(w.contains("reported by the after-nadir rule"), "{w}");
    assert!(w.contains("CIBMTR initial-recovery day differs"), "{w}");
}

#[test]
fn rules_that_agree_give_no_warning() {
    // A single fall and recovery: both rules give day 15.
    let plt = series(&[(3, "40"), (9, "8"), (15, "22"), (16, "25"), (17, "28")]);
    for rule in [PlateletRule::InitialRecovery, PlateletRule::AfterNadir] {
        let opts = EngraftmentOptions {
            platelet_rule: rule,
            ..EngraftmentOptions::default()
        };
        let e = episode(SC, None, &[], &plt, &[], &opts);
        assert_eq!(e.platelets, recovered(15));
        assert!(e.warnings.is_empty(), "{:?}", e.warnings);
    }
}

#[test]
fn platelet_counts_before_the_fall_do_not_count() {
    // ≥ 20 on days 0, 1, 2 (before melphalan aplasia): not a recovery. The
    // count first falls below 20 on day 6; recovery run 14–16 → day 14.
    let plt = series(&[
        (0, "180"),
        (1, "150"),
        (2, "120"),
        (6, "18"),
        (9, "9"),
        (14, "21"),
        (15, "24"),
        (16, "30"),
    ]);
    let e = episode(SC, None, &[], &plt, &[], &EngraftmentOptions::default());
    assert_eq!(e.platelets, recovered(14));
    // Secondary threshold 50: searched from the same day (the fall below 20),
    // never reached → censored at the last value.
    assert_eq!(
        e.platelets_secondary,
        Recovery::Censored {
            last_date: day(16),
            last_day: 16
        }
    );
}

#[test]
fn a_transfusion_starts_the_search_when_no_count_below_was_measured() {
    // Never measured below 20 (transfused on day 3 at 22), then ≥ 20 every
    // day: the first run whose first day is ≥ 8 days after the transfusion
    // (7 transfusion-free days before it) and after the transfusion: day 11.
    let mut pts = vec![(0, "30"), (1, "25"), (2, "22")];
    let later: Vec<(i64, String)> = (4..=14).map(|d| (d, "26".to_string())).collect();
    pts.extend(later.iter().map(|(d, v)| (*d, v.as_str())));
    let plt = series(&pts);
    let e = episode(
        SC,
        None,
        &[],
        &plt,
        &plt_tx(&[3]),
        &EngraftmentOptions::default(),
    );
    assert_eq!(e.platelets, recovered(11));
    // The secondary threshold starts at the same day (the transfusion),
    // though the count was below 50 from day 0.
    assert_eq!(
        e.platelets_secondary,
        Recovery::Censored {
            last_date: day(14),
            last_day: 14
        }
    );
}

#[test]
fn secondary_threshold_alone_starts_at_its_own_fall() {
    // Never below 20 and no transfusion: the primary is not applicable; the
    // secondary (50) starts after the first value below 50 (day 4).
    let plt = series(&[(0, "120"), (4, "35"), (8, "55"), (9, "60"), (10, "70")]);
    let e = episode(SC, None, &[], &plt, &[], &EngraftmentOptions::default());
    assert_eq!(e.platelets, Recovery::NotApplicable);
    assert_eq!(e.platelets_secondary, recovered(8));
}

#[test]
fn thresholds_in_per_mm3_are_refused_naming_the_slip() {
    let mm3 = |anc: i128, plt: i128| EngraftmentOptions {
        anc_threshold: CellCount::from_1e9_per_l(Exact::int(anc)),
        platelet_threshold: CellCount::from_1e9_per_l(Exact::int(plt)),
        ..EngraftmentOptions::default()
    };
    let e = mm3(500, 20).check().unwrap_err();
    assert_eq!(e.field(), EngraftmentField::AncThreshold);
    assert!(matches!(e, EngraftmentOptionError::ThresholdPerMm3 { .. }));
    let msg = e.to_string();
    assert!(msg.contains("500/mm³ = 0.5 x10^9/L"), "{msg}");
    let e = mm3(1, 20000).check().unwrap_err();
    assert_eq!(e.field(), EngraftmentField::PlateletThreshold);
    assert!(e.to_string().contains("20000/mm³ = 20 x10^9/L"), "{e}");
    // Out of range but not a /mm³ value: the range is named.
    let e = mm3(50, 20).check().unwrap_err();
    assert!(
        matches!(e, EngraftmentOptionError::ThresholdRange { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("at most 5 x10^9/L"), "{e}");
    let e = mm3(1, 200).check().unwrap_err();
    assert!(e.to_string().contains("at most 150 x10^9/L"), "{e}");
    // The largest plausible values pass; the smallest /mm³ slips are named.
    assert!(mm3(5, 150).check().is_ok());
    let e = mm3(100, 20).check().unwrap_err();
    assert!(
        matches!(e, EngraftmentOptionError::ThresholdPerMm3 { .. }),
        "{e}"
    );
    let e = mm3(99, 20).check().unwrap_err();
    assert!(
        matches!(e, EngraftmentOptionError::ThresholdRange { .. }),
        "{e}"
    );
    let e = mm3(1, 9999).check().unwrap_err();
    assert!(
        matches!(e, EngraftmentOptionError::ThresholdRange { .. }),
        "{e}"
    );
    let e = mm3(1, 10000).check().unwrap_err();
    assert!(
        matches!(e, EngraftmentOptionError::ThresholdPerMm3 { .. }),
        "{e}"
    );
    let secondary = EngraftmentOptions {
        platelet_secondary_threshold: CellCount::from_1e9_per_l(Exact::int(50_000)),
        ..EngraftmentOptions::default()
    };
    assert_eq!(
        secondary.check().unwrap_err().field(),
        EngraftmentField::PlateletSecondaryThreshold
    );
    assert!(EngraftmentOptions::default().check().is_ok());
}

#[test]
fn whole_number_options_are_range_checked() {
    let d = EngraftmentOptions::default;
    let field = |o: EngraftmentOptions| o.check().unwrap_err().field();
    assert_eq!(
        field(EngraftmentOptions {
            consecutive: 0,
            ..d()
        }),
        EngraftmentField::Consecutive
    );
    assert_eq!(
        field(EngraftmentOptions {
            consecutive: 15,
            ..d()
        }),
        EngraftmentField::Consecutive
    );
    assert!(
        EngraftmentOptions {
            consecutive: 14,
            ..d()
        }
        .check()
        .is_ok()
    );
    assert!(
        EngraftmentOptions {
            consecutive: 1,
            ..d()
        }
        .check()
        .is_ok()
    );
    assert_eq!(
        field(EngraftmentOptions {
            platelet_transfusion_free_days: -1,
            ..d()
        }),
        EngraftmentField::PlateletTransfusionFreeDays
    );
    assert_eq!(
        field(EngraftmentOptions {
            platelet_transfusion_free_days: 61,
            ..d()
        }),
        EngraftmentField::PlateletTransfusionFreeDays
    );
    assert!(
        EngraftmentOptions {
            platelet_transfusion_free_days: 0,
            ..d()
        }
        .check()
        .is_ok()
    );
    assert!(
        EngraftmentOptions {
            platelet_transfusion_free_days: 60,
            ..d()
        }
        .check()
        .is_ok()
    );
    assert_eq!(
        field(EngraftmentOptions {
            graft_failure_day: 0,
            ..d()
        }),
        EngraftmentField::GraftFailureDay
    );
    assert_eq!(
        field(EngraftmentOptions {
            graft_failure_day: 366,
            ..d()
        }),
        EngraftmentField::GraftFailureDay
    );
    assert!(
        EngraftmentOptions {
            graft_failure_day: 365,
            ..d()
        }
        .check()
        .is_ok()
    );
    assert_eq!(
        field(EngraftmentOptions {
            max_gap_days: Some(0),
            ..d()
        }),
        EngraftmentField::MaxGapDays
    );
    assert_eq!(
        field(EngraftmentOptions {
            max_gap_days: Some(366),
            ..d()
        }),
        EngraftmentField::MaxGapDays
    );
    assert!(
        EngraftmentOptions {
            max_gap_days: Some(365),
            ..d()
        }
        .check()
        .is_ok()
    );
    let e = EngraftmentOptions {
        consecutive: 0,
        ..d()
    }
    .check()
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "number of consecutive values 0: must be between 1 and 14"
    );
}

/// The analysis refuses a /mm³ threshold (it marked every patient as graft
/// failure without a word).
#[test]
fn analysis_refuses_a_per_mm3_threshold() {
    use mibg_toxicity::analysis::AnalysisError;
    let opts = mibg_toxicity::Options {
        engraftment: EngraftmentOptions {
            anc_threshold: CellCount::from_1e9_per_l(Exact::int(500)),
            ..EngraftmentOptions::default()
        },
        ..mibg_toxicity::Options::default()
    };
    let input = mibg_toxicity::ToxicityInput::default();
    let err = mibg_toxicity::analyse(&input, &opts).unwrap_err();
    assert!(matches!(err, AnalysisError::EngraftmentOption(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("engraftment: ANC threshold 500"),
        "{err}"
    );
}

/// Episode warnings reach the single warning list a study report prints,
/// naming the patient and the stem-cell date.
#[test]
fn episode_warnings_are_listed_with_the_patient() {
    let mut csv = String::from("patient,date,test,value,unit,lln,uln\n");
    for (d, v) in [
        (0, "150"),
        (2, "60"),
        (5, "15"),
        (7, "8"),
        (12, "25"),
        (13, "30"),
        (14, "35"),
        (18, "12"),
        (20, "5"),
        (25, "30"),
        (26, "32"),
        (27, "40"),
    ] {
        csv.push_str(&format!("P7,{},platelets,{v},10^9/L,150,400\n", day(d)));
    }
    let input = mibg_toxicity::ToxicityInput {
        labs: mibg_toxicity::csv_input::parse_labs(&csv, "labs.csv").unwrap(),
        schedules: vec![mibg_toxicity::Schedule {
            patient: "P7".into(),
            window_start: None,
            stem_cells: vec![SC],
        }],
        ..Default::default()
    };
    let r = mibg_toxicity::analyse(&input, &mibg_toxicity::Options::default()).unwrap();
    let all = r.warnings_with_engraftment();
    let w: Vec<&String> = all
        .iter()
        .filter(|w| w.contains("platelet recovery"))
        .collect();
    assert_eq!(w.len(), 1, "{all:?}");
    assert!(
        w[0].starts_with("patient P7, stem cells 2025-03-01: platelet recovery (>= 20"),
        "{}",
        w[0]
    );
    assert!(all.starts_with(&r.warnings), "cohort warnings first");
}

/// A count exactly at the threshold is not a fall (recovery is ≥ threshold):
/// 20 on day 1 does not start the search; the fall is day 6 (10), the run
/// days 10–12 (hand).
#[test]
fn a_count_at_the_threshold_is_not_a_fall() {
    let plt = series(&[
        (1, "20"),
        (2, "25"),
        (3, "26"),
        (4, "27"),
        (6, "10"),
        (10, "25"),
        (11, "26"),
        (12, "27"),
    ]);
    let e = episode(SC, None, &[], &plt, &[], &EngraftmentOptions::default());
    assert_eq!(e.platelets, recovered(10));
}

#[test]
fn a_zero_threshold_is_refused_and_rules_are_described() {
    let zero = EngraftmentOptions {
        anc_threshold: CellCount::from_1e9_per_l(Exact::int(0)),
        ..EngraftmentOptions::default()
    };
    assert!(matches!(
        zero.check(),
        Err(EngraftmentOptionError::ThresholdRange { .. })
    ));
    assert_eq!(PlateletRule::default(), PlateletRule::InitialRecovery);
    assert!(
        PlateletRule::InitialRecovery
            .describe()
            .starts_with("CIBMTR initial recovery")
    );
    assert!(
        PlateletRule::AfterNadir
            .describe()
            .contains("lowest platelet value")
    );
    assert_eq!(PlateletRule::InitialRecovery.name(), "initial-recovery");
    assert_eq!(PlateletRule::AfterNadir.name(), "after-nadir");
}

#[test]
fn follow_up_to_exactly_day_30_without_recovery_is_graft_failure() {
    // docs/reference/toxicity.md §8, "by day +30": followed to day 30 with ANC
    // < 0.5 throughout, no recovery dated ≤ day 30 is possible → failure;
    // followed only to day 29 → not assessable.
    let anc = series(&[(10, "0.0"), (20, "0.1"), (30, "0.4")]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.primary_graft_failure, GraftFailure::Yes);
    let anc = series(&[(10, "0.0"), (20, "0.1"), (29, "0.4")]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.primary_graft_failure, GraftFailure::NotAssessable);
}

#[test]
fn a_recovery_before_the_nadir_counts_only_after_a_value_below_the_threshold() {
    // CIBMTR ANC recovery: ≥ 0.5 ×10⁹/L on 3 consecutive values after the
    // count has fallen below 0.5 (docs/reference/toxicity.md §8). A value of
    // exactly 0.5 is not below the threshold, so the values ≥ 0.5 on days
    // 1–3 that follow it are no recovery; the first fall below is day 4 (0.3)
    // and the early recovery is days 5, 6, 7. The deeper nadir (day 10) dates
    // the reported recovery on day 12 and the early one is a warning (hand).
    let anc = series(&[
        (0, "0.5"),
        (1, "0.6"),
        (2, "0.6"),
        (3, "0.6"),
        (4, "0.3"),
        (5, "0.6"),
        (6, "0.7"),
        (7, "0.8"),
        (10, "0.0"),
        (12, "0.6"),
        (13, "0.6"),
        (14, "0.6"),
    ]);
    let e = episode(SC, None, &anc, &[], &[], &EngraftmentOptions::default());
    assert_eq!(e.neutrophils, recovered(12));
    let early: Vec<_> = e
        .warnings
        .iter()
        .filter(|w| w.contains("before falling to its nadir"))
        .collect();
    assert_eq!(early.len(), 1, "{:?}", e.warnings);
    assert!(
        early[0].contains(&format!("from {}", day(5))),
        "{}",
        early[0]
    );
}

#[test]
fn after_nadir_rule_counts_from_the_day_after_the_nadir_even_when_it_never_fell() {
    // PlateletRule::AfterNadir: "the first run after the episode's lowest
    // platelet value" (docs/reference/toxicity.md §8). Platelets never fell below
    // 20 ×10⁹/L but were transfused on day 2, so recovery applies (CIBMTR:
    // "not applicable" needs both never < 20 and never transfused). The nadir
    // (25, day 10) is itself ≥ 20 but is not part of the run: the first three
    // values after it (days 11–13, no transfusion in the 7 days before day 11)
    // date the recovery on day 11 (hand).
    let anc = series(&[(1, "3.0"), (5, "1.0"), (10, "0.8"), (15, "2.0")]);
    let plt = series(&[
        (1, "200"),
        (5, "60"),
        (10, "25"),
        (11, "30"),
        (12, "30"),
        (13, "30"),
    ]);
    let options = EngraftmentOptions {
        platelet_rule: PlateletRule::AfterNadir,
        ..EngraftmentOptions::default()
    };
    let e = episode(SC, None, &anc, &plt, &plt_tx(&[2]), &options);
    assert_eq!(e.platelets, recovered(11));
}

#[test]
fn a_platelet_transfusion_on_the_last_day_of_a_run_spoils_it() {
    // docs/reference/toxicity.md §8.3: no platelet transfusion in
    // [date(v[i]) − 7 d, date(v[i+2])], both ends included. Platelets 8 on
    // day 9, then ≥ 20 on days 15, 16, 17, 26, 27, 28; a transfusion on day 17.
    // Run 15–17: day 17 is its last value → spoiled. Runs 16–26 and 17–27
    // contain day 17 → spoiled. Run 26–28: 26 − 17 = 9 > 7 days and 17 is
    // before the run → clean: recovery on day 26.
    let plt = series(&[
        (9, "8"),
        (15, "22"),
        (16, "25"),
        (17, "28"),
        (26, "30"),
        (27, "31"),
        (28, "33"),
    ]);
    let e = episode(
        SC,
        None,
        &[],
        &plt,
        &plt_tx(&[17]),
        &EngraftmentOptions::default(),
    );
    assert_eq!(e.platelets, recovered(26));
    // The transfusion one day after the run (day 18) is outside
    // [15 − 7, 17]: the run 15–17 stands.
    let e = episode(
        SC,
        None,
        &[],
        &plt,
        &plt_tx(&[18]),
        &EngraftmentOptions::default(),
    );
    assert_eq!(e.platelets, recovered(15));
}

#[test]
fn a_secondary_threshold_below_the_primary_counts_from_the_day_after_the_primary_fall() {
    // Module docs, step 4: the secondary threshold's search starts at the
    // same day as the primary's: after the first day below the primary
    // threshold (here 20). A centre reporting ≥ 10 as its secondary threshold:
    // platelets 15 on day 5 (first below 20), 12, 12 on days 6–7, 5 on
    // day 8 (below 10), 12, 12, 12 on days 9–11.
    // Primary (20): nothing ≥ 20 after day 5 → censored at day 11.
    // Secondary (10): values after day 5: 12, 12, 5, 12, 12, 12 → the first
    // three consecutive ≥ 10 are days 9–11 → day 9. (Day 5 itself, 15 ≥ 10,
    // is the day of the fall and does not start a run.)
    let plt = series(&[
        (5, "15"),
        (6, "12"),
        (7, "12"),
        (8, "5"),
        (9, "12"),
        (10, "12"),
        (11, "12"),
    ]);
    let options = EngraftmentOptions {
        platelet_secondary_threshold: CellCount::from_1e9_per_l(Exact::int(10)),
        ..EngraftmentOptions::default()
    };
    assert!(options.check().is_ok());
    let e = episode(SC, None, &[], &plt, &[], &options);
    assert_eq!(
        e.platelets,
        Recovery::Censored {
            last_date: day(11),
            last_day: 11
        }
    );
    assert_eq!(e.platelets_secondary, recovered(9));
}
