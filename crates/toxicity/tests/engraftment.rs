//! Engraftment after stem-cell infusion (docs/reference/toxicity.md §8): nadir rule, gaps,
//! same-day values, platelet transfusions in the 7-day window, censoring,
//! primary graft failure, two stem-cell infusions. Expected days by hand.

use jiff::civil::{Date, date};
use mibg_toxicity::engraftment::{
    CountPoint, DailyValue, EngraftmentOptions, GraftFailure, Recovery, days_between, episode,
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
