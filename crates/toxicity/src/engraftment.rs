//! Haematopoietic recovery (engraftment) after a stem-cell infusion
//! (docs/reference/toxicity.md §8).
//!
//! # Algorithm (docs/reference/toxicity.md §8.3, defaults CIBMTR)
//!
//! For each stem-cell infusion (day 0) an *episode* runs from day 0 up to the
//! day before the next stem-cell infusion (or without end). Within it:
//!
//! 1. The daily series: one value per calendar day, the **lowest** of the
//!    day when several were drawn \[I\] (a recovery must hold for every value).
//! 2. The **nadir** is the lowest value of the episode; its date is the
//!    first day it occurs. Counting starts only *after* the nadir (CIBMTR:
//!    "do not start counting until the ANC has reached its post-transplant
//!    nadir"). If the nadir is not below the threshold, recovery is *not
//!    applicable* (the count never fell).
//! 3. Recovery is the **first of `consecutive` consecutive values ≥ threshold
//!    on different days**. Gaps between measurements are allowed (CIBMTR: "if
//!    daily values are not available, three consecutive values more than a
//!    day apart are acceptable as long as the ANC stays ≥ 0.5 in between" —
//!    consecutive *measurements* guarantee no intervening lower value);
//!    [`EngraftmentOptions::max_gap_days`] optionally limits the gap.
//! 4. Platelets additionally need **no platelet transfusion from 7 days
//!    before the first value through the last value** (CIBMTR: "all of those
//!    dates must be free of platelet transfusion for the preceding seven
//!    days"; docs/reference/toxicity.md §8.3 (a)). Transfusions from any episode count.
//! 5. No recovery by the end of the data → **censored** at the last value.
//!    If the ANC had already met the recovery rule *before* the nadir (it
//!    recovered and then fell deeper), the episode carries a warning naming
//!    the earlier date (possible secondary graft failure); the recovery stays
//!    dated after the nadir, as CIBMTR says.
//! 6. **Primary graft failure** (ASTCT): neutrophil recovery not reached by
//!    day +30. Flagged when recovery came after day +30, or when the episode
//!    was followed to day +30 or later without recovery and no run of values
//!    ≥ threshold that began by day +30 is still open at the end of the data;
//!    otherwise *not assessable* (the data, or the episode bounded by the next
//!    infusion, end too early). An ANC that never fell below the threshold is
//!    no failure only when followed to day +30 (before that it may still
//!    fall and not recover: not assessable). Pancytopenia, part of the ASTCT
//!    definition, is not checked.

use crate::exact::Exact;
use crate::labunits::CellCount;
use crate::records::{Product, Transfusion};
use jiff::civil::Date;
use serde::Serialize;

/// Engraftment thresholds (defaults: CIBMTR / ASTCT, docs/reference/toxicity.md §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EngraftmentOptions {
    /// ANC threshold, ×10⁹/L (default 0.5; CIBMTR).
    #[serde(rename = "anc_threshold_1e9_per_l")]
    pub anc_threshold: CellCount,
    /// Platelet threshold, ×10⁹/L (default 20; CIBMTR).
    #[serde(rename = "platelet_threshold_1e9_per_l")]
    pub platelet_threshold: CellCount,
    /// Secondary platelet threshold, ×10⁹/L (default 50; CIBMTR, "reported the same way").
    #[serde(rename = "platelet_secondary_threshold_1e9_per_l")]
    pub platelet_secondary_threshold: CellCount,
    /// Number of consecutive values on different days (default 3; some centres use 2).
    pub consecutive: usize,
    /// Days free of platelet transfusion before the first value (default 7).
    pub platelet_transfusion_free_days: i64,
    /// Largest gap in days between consecutive values of a run (`None`, the
    /// default: any gap, per CIBMTR).
    pub max_gap_days: Option<i64>,
    /// Day by which neutrophils must have recovered (default 30; ASTCT PBSC).
    pub graft_failure_day: i64,
    /// Apply the after-nadir rule to platelets too (default `true` \[I\]: CIBMTR
    /// states it for the ANC; without it, pre-aplasia counts would count).
    pub platelets_after_nadir: bool,
}

impl Default for EngraftmentOptions {
    fn default() -> Self {
        Self {
            anc_threshold: CellCount::from_1e9_per_l(Exact::ratio(1, 2)),
            platelet_threshold: CellCount::from_1e9_per_l(Exact::int(20)),
            platelet_secondary_threshold: CellCount::from_1e9_per_l(Exact::int(50)),
            consecutive: 3,
            platelet_transfusion_free_days: 7,
            max_gap_days: None,
            graft_failure_day: 30,
            platelets_after_nadir: true,
        }
    }
}

/// One value of a daily series (canonical unit ×10⁹/L).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyValue {
    /// Date.
    pub date: Date,
    /// Count.
    pub value: CellCount,
}

/// A count on a date (×10⁹/L).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CountPoint {
    /// Date.
    pub date: Date,
    /// Count (serialised in ×10⁹/L).
    pub value_1e9_per_l: CellCount,
}

impl From<DailyValue> for CountPoint {
    fn from(v: DailyValue) -> Self {
        Self {
            date: v.date,
            value_1e9_per_l: v.value,
        }
    }
}

/// The outcome of a recovery search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Recovery {
    /// Recovered: the first of the qualifying values.
    Recovered {
        /// Date of the first qualifying value.
        date: Date,
        /// Days after the stem-cell infusion (day 0).
        day: i64,
    },
    /// Not (yet) recovered: censored at the last value of the episode.
    Censored {
        /// Date of the last value.
        last_date: Date,
        /// Its day after the stem-cell infusion.
        last_day: i64,
    },
    /// The count never fell below the threshold after the infusion
    /// (platelets: and no platelet transfusion was given in the episode).
    NotApplicable,
    /// No values in the episode.
    NoData,
}

/// Primary graft failure flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GraftFailure {
    /// Neutrophils recovered by the graft-failure day, or never fell below the
    /// threshold in values followed to that day.
    No,
    /// Neutrophils had not recovered by the graft-failure day.
    Yes,
    /// The data or the episode end before the graft-failure day without recovery.
    NotAssessable,
}

/// Recovery after one stem-cell infusion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Episode {
    /// Stem-cell infusion date (day 0).
    pub stem_cells: Date,
    /// Last day of the episode (the day before the next infusion), if bounded.
    pub until: Option<Date>,
    /// ANC nadir of the episode.
    pub anc_nadir: Option<CountPoint>,
    /// Neutrophil recovery (≥ anc_threshold).
    pub neutrophils: Recovery,
    /// Platelet nadir of the episode.
    pub platelet_nadir: Option<CountPoint>,
    /// Platelet recovery (≥ platelet_threshold, transfusion-free).
    pub platelets: Recovery,
    /// Platelet recovery at the secondary threshold.
    pub platelets_secondary: Recovery,
    /// Primary graft failure.
    pub primary_graft_failure: GraftFailure,
    /// Doubtful but usable findings (e.g. a recovery followed by a deeper dip).
    pub warnings: Vec<String>,
}

/// Days from `a` to `b` (calendar days).
pub fn days_between(a: Date, b: Date) -> i64 {
    a.duration_until(b).as_hours() / 24
}

/// Reduces values to one per day (the lowest), sorted by date.
pub fn daily_lowest(values: &[DailyValue]) -> Vec<DailyValue> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.date.cmp(&b.date).then(a.value.cmp(&b.value)));
    v.dedup_by(|later, first| later.date == first.date);
    v
}

/// The lowest value of a daily series and the first date it occurs.
pub fn nadir(series: &[DailyValue]) -> Option<DailyValue> {
    series
        .iter()
        .copied()
        .reduce(|best, v| if v.value < best.value { v } else { best })
}

/// Finds the first run of `options.consecutive` values ≥ `threshold` after the
/// nadir (module docs). `transfusion_block` returns `true` when a run from
/// `first` to `last` is spoiled by a transfusion.
/// Where the recovery search starts.
#[derive(Clone, Copy)]
enum SearchFrom {
    /// After the (first) date of the episode's lowest value (CIBMTR).
    AfterNadir,
    /// After the first value below the threshold (the fallback of docs/reference/toxicity.md §8.3, used
    /// only to detect a recovery followed by a deeper dip).
    AfterFirstBelow,
    /// From the first value.
    Start,
}

fn search(
    series: &[DailyValue],
    day0: Date,
    threshold: CellCount,
    from: SearchFrom,
    options: &EngraftmentOptions,
    transfusion_block: &dyn Fn(Date, Date) -> bool,
    never_fell_applies: bool,
) -> Recovery {
    let Some(low) = nadir(series) else {
        return Recovery::NoData;
    };
    if low.value >= threshold && never_fell_applies {
        return Recovery::NotApplicable;
    }
    let start = match from {
        SearchFrom::AfterNadir => series
            .iter()
            .position(|v| v.date > low.date)
            .unwrap_or(series.len()),
        SearchFrom::AfterFirstBelow => series
            .iter()
            .position(|v| v.value < threshold)
            .map_or(series.len(), |i| i + 1),
        SearchFrom::Start => 0,
    };
    let n = options.consecutive.max(1);
    let cand = &series[start..];
    let mut i = 0;
    while i + n <= cand.len() {
        let run = &cand[i..i + n];
        let all_above = run.iter().all(|v| v.value >= threshold);
        let gaps_ok = options.max_gap_days.is_none_or(|g| {
            run.windows(2)
                .all(|w| days_between(w[0].date, w[1].date) <= g)
        });
        if all_above && gaps_ok && !transfusion_block(run[0].date, run[n - 1].date) {
            return Recovery::Recovered {
                date: run[0].date,
                day: days_between(day0, run[0].date),
            };
        }
        i += 1;
    }
    let last = series[series.len() - 1];
    Recovery::Censored {
        last_date: last.date,
        last_day: days_between(day0, last.date),
    }
}

/// Recovery after one stem-cell infusion.
///
/// `anc` and `platelets` are the patient's values in ×10⁹/L (any dates; the
/// episode bounds are applied here), `transfusions` the patient's
/// transfusions, `until` the last day of the episode (the day before the
/// next stem-cell infusion).
pub fn episode(
    stem_cells: Date,
    until: Option<Date>,
    anc: &[DailyValue],
    platelets: &[DailyValue],
    transfusions: &[Transfusion],
    options: &EngraftmentOptions,
) -> Episode {
    let inside = |d: Date| d >= stem_cells && until.is_none_or(|u| d <= u);
    let anc_series: Vec<DailyValue> = daily_lowest(
        &anc.iter()
            .copied()
            .filter(|v| inside(v.date))
            .collect::<Vec<_>>(),
    );
    let plt_series: Vec<DailyValue> = daily_lowest(
        &platelets
            .iter()
            .copied()
            .filter(|v| inside(v.date))
            .collect::<Vec<_>>(),
    );
    let no_block = |_: Date, _: Date| false;
    let neutrophils = search(
        &anc_series,
        stem_cells,
        options.anc_threshold,
        SearchFrom::AfterNadir,
        options,
        &no_block,
        true,
    );
    let mut warnings = Vec::new();
    // A recovery that happened before the nadir means the count fell again,
    // deeper, after recovering: report it rather than silently dating the
    // recovery after the later dip.
    if let Recovery::Recovered { date: early, .. } = search(
        &anc_series,
        stem_cells,
        options.anc_threshold,
        SearchFrom::AfterFirstBelow,
        options,
        &no_block,
        true,
    ) && nadir(&anc_series).is_some_and(|low| early < low.date)
    {
        warnings.push(format!(
            "ANC was >= {} x10^9/L on {} values from {early} before falling to its nadir; recovery is dated after the nadir (CIBMTR): check for secondary graft failure",
            options.anc_threshold.e9_per_l(),
            options.consecutive
        ));
    }
    let plt_tx: Vec<Date> = transfusions
        .iter()
        .filter(|t| t.product == Product::Platelets)
        .map(|t| t.date)
        .collect();
    let free = options.platelet_transfusion_free_days;
    let block = |first: Date, last: Date| {
        plt_tx.iter().any(|&t| {
            let before = days_between(t, first); // ≥ 0 when t ≤ first
            (before >= 0 && before <= free) || (t > first && t <= last)
        })
    };
    let transfused_in_episode = plt_tx.iter().any(|&t| inside(t));
    let platelets_rec = search(
        &plt_series,
        stem_cells,
        options.platelet_threshold,
        if options.platelets_after_nadir {
            SearchFrom::AfterNadir
        } else {
            SearchFrom::Start
        },
        options,
        &block,
        !transfused_in_episode,
    );
    let platelets_secondary = search(
        &plt_series,
        stem_cells,
        options.platelet_secondary_threshold,
        if options.platelets_after_nadir {
            SearchFrom::AfterNadir
        } else {
            SearchFrom::Start
        },
        options,
        &block,
        !transfused_in_episode,
    );
    let limit = options.graft_failure_day;
    let primary_graft_failure = match &neutrophils {
        Recovery::Recovered { day, .. } if *day <= limit => GraftFailure::No,
        Recovery::Recovered { .. } => GraftFailure::Yes,
        // Never below the threshold: no failure only if followed to the
        // limit day; before it the count may still fall and not recover.
        Recovery::NotApplicable => match anc_series.last() {
            Some(v) if days_between(stem_cells, v.date) >= limit => GraftFailure::No,
            _ => GraftFailure::NotAssessable,
        },
        Recovery::Censored { last_day, .. } => {
            // A trailing run of values ≥ threshold that began by the limit day
            // could still become a recovery dated ≤ the limit: not assessable.
            let trailing_start = anc_series
                .iter()
                .rev()
                .take_while(|v| v.value >= options.anc_threshold)
                .last()
                .map(|v| days_between(stem_cells, v.date));
            if trailing_start.is_some_and(|d| d <= limit) || *last_day < limit {
                GraftFailure::NotAssessable
            } else {
                GraftFailure::Yes
            }
        }
        Recovery::NoData => GraftFailure::NotAssessable,
    };
    Episode {
        stem_cells,
        until,
        anc_nadir: nadir(&anc_series).map(CountPoint::from),
        neutrophils,
        platelet_nadir: nadir(&plt_series).map(CountPoint::from),
        platelets: platelets_rec,
        platelets_secondary,
        primary_graft_failure,
        warnings,
    }
}
