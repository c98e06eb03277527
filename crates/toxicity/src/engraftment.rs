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
//! 2. **Neutrophils**: the **nadir** is the lowest value of the episode;
//!    its date is the first day it occurs. Counting starts only *after* the
//!    nadir (CIBMTR Forms Instruction Manual, "Initial ANC recovery": "do
//!    not start counting until the ANC has reached its post-transplant
//!    nadir"; docs/reference/toxicity.md §8.1). If the nadir is not below the threshold,
//!    recovery is *not applicable* (the count never fell).
//! 3. Recovery is the **first of `consecutive` consecutive values ≥ threshold
//!    on different days**. Gaps between measurements are allowed (CIBMTR: "if
//!    daily values are not available, three consecutive values more than a
//!    day apart are acceptable as long as the ANC stays ≥ 0.5 in between" —
//!    consecutive *measurements* guarantee no intervening lower value);
//!    [`EngraftmentOptions::max_gap_days`] optionally limits the gap.
//! 4. **Platelets** ([`PlateletRule`]): by default the CIBMTR *initial
//!    platelet recovery* (Forms Instruction Manual, "Initial platelet
//!    recovery", docs/reference/toxicity.md §8.2: "the date of the first of three
//!    consecutive laboratory values ≥ 20 × 10⁹/L obtained on different days",
//!    every one free of platelet transfusion for the preceding seven days;
//!    "not applicable" if the count never fell below 20 × 10⁹/L and no
//!    platelet transfusion was given). A recovery presupposes a fall, so the
//!    search starts after the first day on which the count was below the
//!    (primary) threshold or a platelet transfusion was given, whichever
//!    comes first \[I\]: the first qualifying run after that is the
//!    recovery, even if the count later falls again. The secondary threshold
//!    (50 × 10⁹/L, "reported the same way") starts at the same day; when
//!    the count never fell below the primary threshold and no transfusion
//!    was given, after its first value below the secondary threshold \[I\].
//!    [`PlateletRule::AfterNadir`] (mibg's earlier rule, an undocumented
//!    \[I\] default until issue 9) starts after the episode's lowest value
//!    instead; whenever the two rules give different days the episode
//!    carries a warning naming both.
//!    The transfusion rule: **no platelet transfusion from 7 days
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
    /// Where the platelet recovery search starts (default: CIBMTR initial
    /// recovery; module docs, step 4).
    pub platelet_rule: PlateletRule,
}

/// Where the search for platelet recovery starts (module docs, step 4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PlateletRule {
    /// CIBMTR *initial platelet recovery* (Forms Instruction Manual, "Initial
    /// platelet recovery"; docs/reference/toxicity.md §8.2): the first qualifying run after
    /// the count first fell below the threshold or a platelet transfusion was
    /// given, even if the count falls again later. Default.
    #[default]
    InitialRecovery,
    /// The first qualifying run after the lowest platelet value of the
    /// episode (the CIBMTR neutrophil rule applied to platelets; mibg's
    /// rule before issue 9). Dates recovery after a later, deeper fall.
    AfterNadir,
}

impl PlateletRule {
    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        match self {
            PlateletRule::InitialRecovery => "initial-recovery",
            PlateletRule::AfterNadir => "after-nadir",
        }
    }

    /// A human description for reports.
    pub fn describe(self) -> &'static str {
        match self {
            PlateletRule::InitialRecovery => {
                "CIBMTR initial recovery: the first run after the count first fell below the threshold or a platelet transfusion"
            }
            PlateletRule::AfterNadir => "the first run after the episode's lowest platelet value",
        }
    }
}

/// An engraftment option, as named in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EngraftmentField {
    /// [`EngraftmentOptions::anc_threshold`]
    AncThreshold,
    /// [`EngraftmentOptions::platelet_threshold`]
    PlateletThreshold,
    /// [`EngraftmentOptions::platelet_secondary_threshold`]
    PlateletSecondaryThreshold,
    /// [`EngraftmentOptions::consecutive`]
    Consecutive,
    /// [`EngraftmentOptions::platelet_transfusion_free_days`]
    PlateletTransfusionFreeDays,
    /// [`EngraftmentOptions::graft_failure_day`]
    GraftFailureDay,
    /// [`EngraftmentOptions::max_gap_days`]
    MaxGapDays,
}

impl std::fmt::Display for EngraftmentField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EngraftmentField::AncThreshold => "ANC threshold",
            EngraftmentField::PlateletThreshold => "platelet threshold",
            EngraftmentField::PlateletSecondaryThreshold => "secondary platelet threshold",
            EngraftmentField::Consecutive => "number of consecutive values",
            EngraftmentField::PlateletTransfusionFreeDays => "platelet-transfusion-free days",
            EngraftmentField::GraftFailureDay => "graft-failure day",
            EngraftmentField::MaxGapDays => "largest gap between values (days)",
        })
    }
}

/// An engraftment option outside its plausible range; threshold values
/// that look like counts per mm³ name that slip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngraftmentOptionError {
    /// A threshold given per mm³ (= per µL) where ×10⁹/L is expected.
    #[error(
        "{which} {value} x10^9/L looks like a count per mm³ (= per µL): {value}/mm³ = {converted} x10^9/L; give the threshold in x10^9/L (1 x10^9/L = 1000/mm³)"
    )]
    ThresholdPerMm3 {
        /// The threshold.
        which: EngraftmentField,
        /// The value given.
        value: Exact,
        /// The value / 1000.
        converted: Exact,
    },
    /// A threshold outside its plausible range.
    #[error("{which} {value} x10^9/L: must be greater than 0 and at most {max} x10^9/L")]
    ThresholdRange {
        /// The threshold.
        which: EngraftmentField,
        /// The value given.
        value: Exact,
        /// The largest plausible threshold.
        max: Exact,
    },
    /// A whole-number option outside its range.
    #[error("{which} {value}: must be between {min} and {max}")]
    Range {
        /// The option.
        which: EngraftmentField,
        /// The value given.
        value: i64,
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
}

impl EngraftmentOptionError {
    /// The option that is out of range.
    pub fn field(&self) -> EngraftmentField {
        match self {
            EngraftmentOptionError::ThresholdPerMm3 { which, .. }
            | EngraftmentOptionError::ThresholdRange { which, .. }
            | EngraftmentOptionError::Range { which, .. } => *which,
        }
    }
}

/// Largest plausible ANC threshold, ×10⁹/L. Published recovery thresholds
/// are 0.5 (CIBMTR, ASTCT; docs/reference/toxicity.md §8.1) and 1.0 (some protocols); the
/// lower limit of normal is 1.5. 5 leaves room and excludes /mm³ values
/// (500/mm³ typed as 500) \[I\].
pub const MAX_ANC_THRESHOLD: Exact = Exact::int(5);
/// Largest plausible platelet threshold, ×10⁹/L. Published thresholds are
/// 20 and 50 (CIBMTR; docs/reference/toxicity.md §8.2), some centres 100; the lower limit
/// of normal is 150. 150 excludes /mm³ values (20000/mm³ typed as 20000)
/// \[I\].
pub const MAX_PLATELET_THRESHOLD: Exact = Exact::int(150);
/// Smallest ANC threshold in the literature, ×10⁹/L (CTCAE v6.0 grade 4,
/// 0.1; docs/reference/toxicity.md §6.2): a value that is this or more once divided by
/// 1000 is named as a /mm³ slip.
const MIN_TYPICAL_ANC_THRESHOLD: Exact = Exact::ratio(1, 10);
/// Smallest platelet threshold in the literature, ×10⁹/L (CTCAE v6.0
/// grade 4, 10; docs/reference/toxicity.md §6.2), for the /mm³ slip.
const MIN_TYPICAL_PLATELET_THRESHOLD: Exact = Exact::int(10);

impl EngraftmentOptions {
    /// Checks every option against its plausible range (thresholds in
    /// ×10⁹/L, naming the /mm³ slip: `--anc-threshold 500` used to mark every
    /// patient as graft failure).
    ///
    /// # Errors
    /// The first option out of range.
    pub fn check(&self) -> Result<(), EngraftmentOptionError> {
        for (which, value, min_typical, max) in [
            (
                EngraftmentField::AncThreshold,
                self.anc_threshold,
                MIN_TYPICAL_ANC_THRESHOLD,
                MAX_ANC_THRESHOLD,
            ),
            (
                EngraftmentField::PlateletThreshold,
                self.platelet_threshold,
                MIN_TYPICAL_PLATELET_THRESHOLD,
                MAX_PLATELET_THRESHOLD,
            ),
            (
                EngraftmentField::PlateletSecondaryThreshold,
                self.platelet_secondary_threshold,
                MIN_TYPICAL_PLATELET_THRESHOLD,
                MAX_PLATELET_THRESHOLD,
            ),
        ] {
            let v = value.e9_per_l();
            if v > Exact::int(0) && v <= max {
                continue;
            }
            let converted = CellCount::from_per_mm3(v).e9_per_l();
            if converted >= min_typical && converted <= max {
                return Err(EngraftmentOptionError::ThresholdPerMm3 {
                    which,
                    value: v,
                    converted,
                });
            }
            return Err(EngraftmentOptionError::ThresholdRange {
                which,
                value: v,
                max,
            });
        }
        let consecutive = i64::try_from(self.consecutive).unwrap_or(i64::MAX);
        let ranges = [
            // CIBMTR 3, some centres 2 (docs/reference/toxicity.md §8.2)
            (EngraftmentField::Consecutive, consecutive, 1, 14),
            // CIBMTR 7 days
            (
                EngraftmentField::PlateletTransfusionFreeDays,
                self.platelet_transfusion_free_days,
                0,
                60,
            ),
            // ASTCT day +30 (PBSC), +42 (cord blood)
            (
                EngraftmentField::GraftFailureDay,
                self.graft_failure_day,
                1,
                365,
            ),
            (
                EngraftmentField::MaxGapDays,
                self.max_gap_days.unwrap_or(1),
                1,
                365,
            ),
        ];
        for (which, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(EngraftmentOptionError::Range {
                    which,
                    value,
                    min,
                    max,
                });
            }
        }
        Ok(())
    }
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
            platelet_rule: PlateletRule::InitialRecovery,
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

/// "day +14 (2025-03-15)", "not recovered (censored at day +40)", …
fn describe_recovery(r: &Recovery) -> String {
    match r {
        Recovery::Recovered { date, day } => format!("day +{day} ({date})"),
        Recovery::Censored { last_day, .. } => {
            format!("not recovered (censored at day +{last_day})")
        }
        Recovery::NotApplicable => "not applicable".into(),
        Recovery::NoData => "no values".into(),
    }
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

/// Where the recovery search starts.
#[derive(Clone, Copy)]
enum SearchFrom {
    /// After the (first) date of the episode's lowest value (CIBMTR, ANC).
    AfterNadir,
    /// After this date (platelets: the first day below the threshold or with
    /// a platelet transfusion; `None`: nothing qualifies).
    After(Option<Date>),
    /// After the first value below the threshold (the fallback of docs/reference/toxicity.md §8.3, used
    /// only to detect a recovery followed by a deeper dip).
    AfterFirstBelow,
}

/// Finds the first run of `options.consecutive` values ≥ `threshold` after
/// the start (module docs). `transfusion_block` returns `true` when a run
/// from `first` to `last` is spoiled by a transfusion.
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
        SearchFrom::After(Some(d)) => series
            .iter()
            .position(|v| v.date > d)
            .unwrap_or(series.len()),
        SearchFrom::After(None) => series.len(),
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
    // A run is spoiled by a platelet transfusion in [first − free days, last]
    // (docs/reference/toxicity.md §8.3: "no platelet transfusion in
    // [date(v[i]) − 7 d, date(v[i+2])]"): days_between(t, first) ≤ free
    // says t ≥ first − free.
    let block = |first: Date, last: Date| {
        plt_tx
            .iter()
            .any(|&t| days_between(t, first) <= free && t <= last)
    };
    let first_tx = plt_tx.iter().copied().filter(|&t| inside(t)).min();
    let transfused_in_episode = first_tx.is_some();
    let first_below = |t: CellCount| plt_series.iter().find(|v| v.value < t).map(|v| v.date);
    let earliest = |a: Option<Date>, b: Option<Date>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // CIBMTR initial recovery: after the first fall below the (primary)
    // threshold or the first platelet transfusion (module docs, step 4).
    let fell = earliest(first_below(options.platelet_threshold), first_tx);
    let initial_start = |t: CellCount| {
        if t == options.platelet_threshold {
            fell
        } else {
            fell.or_else(|| first_below(t))
        }
    };
    let platelet_search = |t: CellCount, rule: PlateletRule| {
        let from = match rule {
            PlateletRule::InitialRecovery => SearchFrom::After(initial_start(t)),
            PlateletRule::AfterNadir => SearchFrom::AfterNadir,
        };
        search(
            &plt_series,
            stem_cells,
            t,
            from,
            options,
            &block,
            !transfused_in_episode,
        )
    };
    let other_rule = match options.platelet_rule {
        PlateletRule::InitialRecovery => PlateletRule::AfterNadir,
        PlateletRule::AfterNadir => PlateletRule::InitialRecovery,
    };
    let mut platelet_results = Vec::with_capacity(2);
    for t in [
        options.platelet_threshold,
        options.platelet_secondary_threshold,
    ] {
        let chosen = platelet_search(t, options.platelet_rule);
        let other = platelet_search(t, other_rule);
        if chosen != other {
            warnings.push(format!(
                "platelet recovery (>= {} x10^9/L): {} rule: {}; {} rule: {}; reported by the {} rule{}",
                t.e9_per_l(),
                PlateletRule::InitialRecovery.name(),
                describe_recovery(if options.platelet_rule == PlateletRule::InitialRecovery { &chosen } else { &other }),
                PlateletRule::AfterNadir.name(),
                describe_recovery(if options.platelet_rule == PlateletRule::AfterNadir { &chosen } else { &other }),
                options.platelet_rule.name(),
                if options.platelet_rule == PlateletRule::InitialRecovery {
                    " (the count fell again after its initial recovery)"
                } else {
                    " (the CIBMTR initial-recovery day differs)"
                },
            ));
        }
        platelet_results.push(chosen);
    }
    let platelets_secondary = platelet_results.pop().unwrap_or(Recovery::NoData);
    let platelets_rec = platelet_results.pop().unwrap_or(Recovery::NoData);
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
