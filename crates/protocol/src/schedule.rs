//! The day-by-day schedule of a protocol. Day 0 is the day of infusion 1.
//!
//! Infusion 2 is planned on day `infusion2.interval_nominal_days` and allowed
//! from `interval_min_days` to `interval_max_days`. Melphalan and stem-cell
//! return are counted from infusion 2, so they move with it when infusion 2
//! moves within its window.

use crate::Protocol;
use serde::Serialize;

/// A scheduled event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// First 131I-mIBG infusion (day 0 by definition).
    Infusion1,
    /// Second 131I-mIBG infusion, sized by dosimetry of infusion 1.
    Infusion2,
    /// High-dose melphalan.
    Melphalan,
    /// Autologous stem-cell return (rescue).
    StemCellReturn,
}

/// One line of the schedule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScheduleEntry {
    /// Planned day (day 0 = infusion 1).
    pub day: u32,
    /// Earliest and latest allowed day, when the protocol gives a window.
    pub window: Option<(u32, u32)>,
    /// Calendar date of `day`, when the plan has a start date
    /// ([`crate::plan::Plan::with_start_date`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<jiff::civil::Date>,
    /// Calendar dates of `window`, when the plan has a start date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_dates: Option<(jiff::civil::Date, jiff::civil::Date)>,
    /// What happens.
    pub event: Event,
    /// Human description.
    pub description: String,
}

impl Protocol {
    /// The nominal schedule, in day order.
    pub fn schedule(&self) -> Vec<ScheduleEntry> {
        let i2 = &self.infusion2;
        let d2 = i2.interval_nominal_days;
        let shift = |after: u32| (i2.interval_min_days + after, i2.interval_max_days + after);
        let window = |w: (u32, u32)| (w.0 != w.1).then_some(w);
        let dm = d2 + self.melphalan.days_after_infusion2;
        let ds = d2 + self.stem_cells.days_after_infusion2;
        vec![
            ScheduleEntry {
                date: None,
                window_dates: None,
                day: 0,
                window: None,
                event: Event::Infusion1,
                description: format!(
                    "131I-mIBG infusion 1 ({} MBq/kg); whole-body dose-rate readings from end of infusion (pre-void first)",
                    self.infusion1.activity_per_kg.mbq_per_kg()
                ),
            },
            ScheduleEntry {
                date: None,
                window_dates: None,
                day: d2,
                window: window((i2.interval_min_days, i2.interval_max_days)),
                event: Event::Infusion2,
                description: format!(
                    "131I-mIBG infusion 2, activity from dosimetry of infusion 1 to reach {:.2} Gy whole-body in total",
                    i2.target_total_wb.gy()
                ),
            },
            ScheduleEntry {
                date: None,
                window_dates: None,
                day: dm,
                window: window(shift(self.melphalan.days_after_infusion2)),
                event: Event::Melphalan,
                description: format!(
                    "melphalan {} mg/m2 ({} days after infusion 2)",
                    self.melphalan.dose_per_area.mg_per_m2(),
                    self.melphalan.days_after_infusion2
                ),
            },
            ScheduleEntry {
                date: None,
                window_dates: None,
                day: ds,
                window: window(shift(self.stem_cells.days_after_infusion2)),
                event: Event::StemCellReturn,
                description: format!(
                    "autologous stem-cell return ({} days after infusion 2), once the dose rate at 1 m is <= {:.1} µSv/h",
                    self.stem_cells.days_after_infusion2,
                    self.radiation_protection.stem_cell_return_at_1m.usv_per_h()
                ),
            },
        ]
    }
}
