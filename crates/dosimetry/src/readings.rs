//! Whole-body retention readings: parsing a CSV text and deriving the
//! retention fraction (domain notes `dosimetry.md` §3.2–§3.3).
//!
//! ```text
//! R(t_i) = (M_i − B_i) / (M_0 − B_0)     M = reading, B = background
//! ```
//!
//! The first row is the pre-void reading, taken right after the end of the
//! infusion; it defines 100 % retention. Readings are in any unit
//! proportional to whole-body activity (µSv/h at 1 m, counts per second…):
//! only their ratios are used, so they stay plain numbers.

use jiff::Timestamp;
use mibg_units::Hours;
use serde::Serialize;

/// The fewest readings a retention curve can be computed from.
pub const MIN_READINGS: usize = 3;

/// Default tolerance for a reading above the pre-void one: **5 %** \[I\].
///
/// After the end of infusion whole-body activity can only fall, so a net
/// reading above the pre-void reading is a measurement or geometry error. A
/// few per cent are tolerated (counting statistics, patient position; the
/// domain notes §3.2 ask for a fixed geometry but give no tolerance). Readings
/// above 100 % but within the tolerance are kept and produce a warning.
pub const DEFAULT_ABOVE_PRE_VOID_TOLERANCE: f64 = 0.05;

/// How to read a readings file.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ReadingsOptions {
    /// The instant of the end of the infusion, needed when the file gives
    /// clock times (`time` column) instead of `hours`.
    pub infusion_end: Option<Timestamp>,
    /// A net reading may exceed the pre-void one by at most this fraction
    /// (default [`DEFAULT_ABOVE_PRE_VOID_TOLERANCE`]).
    pub above_pre_void_tolerance: f64,
}

impl Default for ReadingsOptions {
    fn default() -> Self {
        Self {
            infusion_end: None,
            above_pre_void_tolerance: DEFAULT_ABOVE_PRE_VOID_TOLERANCE,
        }
    }
}

/// One whole-body reading with every intermediate (§3.3: store raw, background,
/// net and R).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    /// Data row number (1 = first row after the header).
    pub row: usize,
    /// Time after the end of the infusion.
    pub time_h: Hours,
    /// The clock time of the reading, when the file gave one.
    pub clock_time: Option<Timestamp>,
    /// The raw reading, in the file's (arbitrary, activity-proportional) unit.
    pub raw: f64,
    /// The background subtracted from it, in the same unit (0 if none given).
    pub background: f64,
    /// Net reading `raw − background`.
    pub net: f64,
    /// Retention fraction `net / net₀` (1 for the pre-void reading).
    pub retention: f64,
}

/// A validated series of readings after one infusion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Readings {
    /// Where the readings came from (a file name), for messages.
    pub source: String,
    /// The readings, strictly increasing in time; the first is the pre-void one.
    pub readings: Vec<Reading>,
    /// Which time column the file used: `hours` or `time`.
    pub time_column: String,
    /// Doubtful-but-usable findings (e.g. a reading slightly above pre-void).
    pub warnings: Vec<String>,
}

impl Readings {
    /// Times after the end of infusion, in hours.
    pub fn times_h(&self) -> Vec<f64> {
        self.readings.iter().map(|r| r.time_h.hours()).collect()
    }
    /// Retention fractions.
    pub fn retention(&self) -> Vec<f64> {
        self.readings.iter().map(|r| r.retention).collect()
    }
    /// Number of readings.
    pub fn len(&self) -> usize {
        self.readings.len()
    }
    /// `true` when there are no readings (never for a validated series).
    pub fn is_empty(&self) -> bool {
        self.readings.is_empty()
    }

    /// Builds a validated series from times (h after end of infusion) and raw
    /// readings without background, applying the same rules as
    /// [`parse_readings`]. Rows are numbered from 1.
    ///
    /// # Errors
    /// As [`parse_readings`].
    pub fn from_pairs(
        source: &str,
        pairs: &[(Hours, f64)],
        tolerance: f64,
    ) -> Result<Self, ReadingsError> {
        let rows = pairs
            .iter()
            .enumerate()
            .map(|(i, &(t, m))| RawRow {
                row: i + 1,
                line: i + 2,
                time_h: t.hours(),
                clock_time: None,
                raw: m,
                background: 0.0,
                time_field: "hours",
            })
            .collect();
        validate(source, rows, "hours", tolerance)
    }
}

/// A readings file that cannot be used. Every message names the source, the
/// row (and file line), the field and the rule broken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadingsError {
    /// The text is not valid CSV.
    #[error("{source_name} line {line}: malformed CSV: {message}")]
    Csv {
        /// File name.
        source_name: String,
        /// File line (1-based).
        line: u64,
        /// What the CSV reader reported.
        message: String,
    },
    /// A required column is missing from the header.
    #[error("{source_name}: missing column '{column}' (header has: {found}); {rule}")]
    MissingColumn {
        /// File name.
        source_name: String,
        /// The missing column.
        column: String,
        /// The header as found.
        found: String,
        /// What the header must contain.
        rule: String,
    },
    /// Both `hours` and `time` are present.
    #[error("{source_name}: both 'hours' and 'time' columns given; use exactly one time column")]
    TwoTimeColumns {
        /// File name.
        source_name: String,
    },
    /// Clock times without an infusion-end instant.
    #[error(
        "{source_name}: the 'time' column gives clock times, so the end-of-infusion instant is needed (--infusion-end, ISO 8601 with offset, e.g. 2026-03-02T14:30:00+01:00)"
    )]
    NeedInfusionEnd {
        /// File name.
        source_name: String,
    },
    /// An infusion-end instant given for a file whose times are already
    /// hours after the end of infusion: one of the two is a mistake.
    #[error(
        "{source_name}: the 'hours' column already counts from the end of infusion, but an end-of-infusion instant was also given (--infusion-end); give clock times in a 'time' column, or drop the instant"
    )]
    UnusedInfusionEnd {
        /// File name.
        source_name: String,
    },
    /// An empty cell.
    #[error("{source_name} row {row} (line {line}), field '{field}': empty; a value is required")]
    Empty {
        /// File name.
        source_name: String,
        /// Data row (1-based).
        row: usize,
        /// File line.
        line: usize,
        /// Column name.
        field: String,
    },
    /// A cell that is not a finite number.
    #[error(
        "{source_name} row {row} (line {line}), field '{field}': '{value}' is not a finite number"
    )]
    NotANumber {
        /// File name.
        source_name: String,
        /// Data row (1-based).
        row: usize,
        /// File line.
        line: usize,
        /// Column name.
        field: String,
        /// The cell text.
        value: String,
    },
    /// A clock time that is not ISO 8601 with an offset.
    #[error(
        "{source_name} row {row} (line {line}), field 'time': '{value}' is not an ISO 8601 instant with a UTC offset or Z ({message})"
    )]
    BadTime {
        /// File name.
        source_name: String,
        /// Data row (1-based).
        row: usize,
        /// File line.
        line: usize,
        /// The cell text.
        value: String,
        /// The parser's reason.
        message: String,
    },
    /// A negative value (time before end of infusion, reading, background).
    #[error("{source_name} row {row} (line {line}), field '{field}': {value} is negative; {rule}")]
    Negative {
        /// File name.
        source_name: String,
        /// Data row (1-based).
        row: usize,
        /// File line.
        line: usize,
        /// Column name.
        field: String,
        /// The value.
        value: f64,
        /// The rule.
        rule: String,
    },
    /// Times not strictly increasing.
    #[error(
        "{source_name} row {row} (line {line}), field '{field}': {value_h} h is not after the previous reading ({previous_h} h); times must be strictly increasing"
    )]
    NotIncreasing {
        /// File name.
        source_name: String,
        /// Data row (1-based).
        row: usize,
        /// File line.
        line: usize,
        /// Column name.
        field: String,
        /// This time, hours after end of infusion.
        value_h: f64,
        /// The previous time.
        previous_h: f64,
    },
    /// Net reading (reading − background) not positive.
    #[error(
        "{source_name} row {row} (line {line}), field 'reading': net reading {net} (reading {raw} − background {background}) is not positive; a whole-body reading must exceed background"
    )]
    NonPositiveNet {
        /// File name.
        source_name: String,
        /// Data row (1-based).
        row: usize,
        /// File line.
        line: usize,
        /// Raw reading.
        raw: f64,
        /// Background.
        background: f64,
        /// Net.
        net: f64,
    },
    /// A net reading above the pre-void one beyond the tolerance.
    #[error(
        "{source_name} row {row} (line {line}), field 'reading': net reading {net} is {percent:.1} % of the pre-void reading {pre_void} (row 1); whole-body activity cannot rise after the infusion (tolerance {tolerance_percent:.1} %)"
    )]
    AbovePreVoid {
        /// File name.
        source_name: String,
        /// Data row (1-based).
        row: usize,
        /// File line.
        line: usize,
        /// Net reading.
        net: f64,
        /// Pre-void net reading.
        pre_void: f64,
        /// net / pre-void in per cent.
        percent: f64,
        /// Allowed excess in per cent (100 % + this).
        tolerance_percent: f64,
    },
    /// Fewer than [`MIN_READINGS`] readings.
    #[error(
        "{source_name}: {count} reading(s); at least {min} are needed (the pre-void reading and two later ones) to fit a retention curve"
    )]
    TooFew {
        /// File name.
        source_name: String,
        /// Readings found.
        count: usize,
        /// Minimum.
        min: usize,
    },
    /// The tolerance option itself is invalid.
    #[error("above-pre-void tolerance {0} must be a finite fraction in [0, 1]")]
    BadTolerance(f64),
}

struct RawRow {
    row: usize,
    line: usize,
    time_h: f64,
    clock_time: Option<Timestamp>,
    raw: f64,
    background: f64,
    time_field: &'static str,
}

/// Parses a readings CSV text.
///
/// The header must contain `reading` and exactly one of `hours` (hours after
/// the end of infusion 1) or `time` (an ISO 8601 instant with a UTC offset or
/// `Z`, then `options.infusion_end` is required and hours are computed from
/// UTC instants, §3.3). An optional `background` column is subtracted. Other
/// columns (e.g. `note`) are ignored. Lines starting with `#` are comments.
/// Column names are case-insensitive and trimmed.
///
/// # Errors
/// [`ReadingsError`] naming `source`, row, field and rule for: malformed CSV,
/// missing columns, empty or non-numeric cells, bad clock times, negative
/// values, times not strictly increasing, net readings ≤ 0, a net reading
/// above the pre-void one by more than `options.above_pre_void_tolerance`,
/// fewer than [`MIN_READINGS`] readings.
pub fn parse_readings(
    source: &str,
    text: &str,
    options: &ReadingsOptions,
) -> Result<Readings, ReadingsError> {
    let src = source.to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .flexible(false)
        .from_reader(text.as_bytes());
    let csv_err = |e: csv::Error| ReadingsError::Csv {
        source_name: src.clone(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    let header: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let found = header.join(", ");
    let (hours_col, time_col) = (col("hours"), col("time"));
    if hours_col.is_some() && time_col.is_some() {
        return Err(ReadingsError::TwoTimeColumns { source_name: src });
    }
    let time_rule = "the header needs 'hours' (after end of infusion) or 'time' (ISO 8601), 'reading', and optionally 'background'".to_string();
    if hours_col.is_none() && time_col.is_none() {
        return Err(ReadingsError::MissingColumn {
            source_name: src,
            column: "hours".into(),
            found,
            rule: time_rule,
        });
    }
    let Some(reading_col) = col("reading") else {
        return Err(ReadingsError::MissingColumn {
            source_name: src,
            column: "reading".into(),
            found,
            rule: time_rule,
        });
    };
    let background_col = col("background");
    if time_col.is_some() && options.infusion_end.is_none() {
        return Err(ReadingsError::NeedInfusionEnd { source_name: src });
    }
    if hours_col.is_some() && options.infusion_end.is_some() {
        return Err(ReadingsError::UnusedInfusionEnd { source_name: src });
    }

    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(csv_err)?;
        let row = i + 1;
        let line = rec.position().map_or(row + 1, |p| p.line() as usize);
        let cell = |c: usize, field: &str| -> Result<&str, ReadingsError> {
            let v = rec.get(c).unwrap_or("").trim();
            if v.is_empty() {
                Err(ReadingsError::Empty {
                    source_name: src.clone(),
                    row,
                    line,
                    field: field.into(),
                })
            } else {
                Ok(v)
            }
        };
        let number = |c: usize, field: &str| -> Result<f64, ReadingsError> {
            let v = cell(c, field)?;
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(ReadingsError::NotANumber {
                    source_name: src.clone(),
                    row,
                    line,
                    field: field.into(),
                    value: v.into(),
                }),
            }
        };
        let (time_h, clock_time, time_field) = if let Some(c) = hours_col {
            (number(c, "hours")?, None, "hours")
        } else {
            let c = time_col.expect("checked above");
            let v = cell(c, "time")?;
            let ts: Timestamp = v.parse().map_err(|e: jiff::Error| ReadingsError::BadTime {
                source_name: src.clone(),
                row,
                line,
                value: v.into(),
                message: e.to_string(),
            })?;
            let end = options.infusion_end.expect("checked above");
            let secs = ts.as_nanosecond() - end.as_nanosecond();
            (secs as f64 / 3.6e12, Some(ts), "time")
        };
        let raw = number(reading_col, "reading")?;
        let background = match background_col {
            Some(c) => number(c, "background")?,
            None => 0.0,
        };
        rows.push(RawRow {
            row,
            line,
            time_h,
            clock_time,
            raw,
            background,
            time_field,
        });
    }
    let time_column = if hours_col.is_some() { "hours" } else { "time" };
    validate(source, rows, time_column, options.above_pre_void_tolerance)
}

fn validate(
    source: &str,
    rows: Vec<RawRow>,
    time_column: &str,
    tolerance: f64,
) -> Result<Readings, ReadingsError> {
    let src = || source.to_string();
    if !(tolerance.is_finite() && (0.0..=1.0).contains(&tolerance)) {
        return Err(ReadingsError::BadTolerance(tolerance));
    }
    let mut out: Vec<Reading> = Vec::with_capacity(rows.len());
    let mut warnings = Vec::new();
    let mut pre_void = f64::NAN;
    for r in &rows {
        if r.time_h < 0.0 {
            return Err(ReadingsError::Negative {
                source_name: src(),
                row: r.row,
                line: r.line,
                field: r.time_field.into(),
                value: r.time_h,
                rule: "readings are taken after the end of the infusion (t ≥ 0 h)".into(),
            });
        }
        for (field, value) in [("reading", r.raw), ("background", r.background)] {
            if value < 0.0 {
                return Err(ReadingsError::Negative {
                    source_name: src(),
                    row: r.row,
                    line: r.line,
                    field: field.into(),
                    value,
                    rule: format!("a {field} cannot be negative"),
                });
            }
        }
        if let Some(prev) = out.last()
            && r.time_h <= prev.time_h.hours()
        {
            return Err(ReadingsError::NotIncreasing {
                source_name: src(),
                row: r.row,
                line: r.line,
                field: r.time_field.into(),
                value_h: r.time_h,
                previous_h: prev.time_h.hours(),
            });
        }
        let net = r.raw - r.background;
        if net <= 0.0 {
            return Err(ReadingsError::NonPositiveNet {
                source_name: src(),
                row: r.row,
                line: r.line,
                raw: r.raw,
                background: r.background,
                net,
            });
        }
        if out.is_empty() {
            pre_void = net;
        }
        let retention = net / pre_void;
        if retention > 1.0 + tolerance {
            return Err(ReadingsError::AbovePreVoid {
                source_name: src(),
                row: r.row,
                line: r.line,
                net,
                pre_void,
                percent: retention * 100.0,
                tolerance_percent: tolerance * 100.0,
            });
        }
        if !out.is_empty() && retention > 1.0 {
            warnings.push(format!(
                "{source} row {}: net reading is {:.1} % of the pre-void reading (within the {:.1} % tolerance; kept)",
                r.row,
                retention * 100.0,
                tolerance * 100.0
            ));
        }
        out.push(Reading {
            row: r.row,
            time_h: Hours::new(r.time_h),
            clock_time: r.clock_time,
            raw: r.raw,
            background: r.background,
            net,
            retention,
        });
    }
    if out.len() < MIN_READINGS {
        return Err(ReadingsError::TooFew {
            source_name: src(),
            count: out.len(),
            min: MIN_READINGS,
        });
    }
    Ok(Readings {
        source: source.to_string(),
        readings: out,
        time_column: time_column.into(),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "hours,reading,background\n0,400.10,0.10\n4,311.27,0.10\n8,250.92,0.10\n";

    fn parse(text: &str) -> Result<Readings, ReadingsError> {
        parse_readings("r.csv", text, &ReadingsOptions::default())
    }

    #[test]
    fn retention_from_net_readings() {
        // §10.3 table: R(4 h) = (311.27 − 0.10)/(400.10 − 0.10) = 0.777925.
        let r = parse(GOOD).unwrap();
        assert_eq!(r.len(), 3);
        assert!((r.readings[1].retention - 0.777925).abs() < 1e-12);
        assert_eq!(r.readings[0].retention, 1.0);
    }

    #[test]
    fn clock_times_use_utc_instants() {
        // 23:00+01:00 is 22:00Z; a reading across the DST-free offset change
        // 2026-03-29T10:00+02:00 = 08:00Z is 34 h after 2026-03-28T22:00Z.
        let text = "time,reading\n2026-03-28T23:00:00+01:00,100\n2026-03-29T10:00:00+02:00,60\n2026-03-30T08:00:00Z,30\n";
        let opts = ReadingsOptions {
            infusion_end: Some("2026-03-28T22:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let r = parse_readings("t.csv", text, &opts).unwrap();
        let t = r.times_h();
        assert!((t[0] - 0.0).abs() < 1e-12);
        assert!((t[1] - 10.0).abs() < 1e-12);
        assert!((t[2] - 34.0).abs() < 1e-12);
    }

    #[test]
    fn errors_name_file_row_field_rule() {
        let e = parse("hours,reading\n0,100\n4,-3\n8,50\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("r.csv row 2 (line 3), field 'reading': -3 is negative"),
            "{e}"
        );
        let e = parse("hours,reading\n0,100\n4,abc\n8,50\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("field 'reading': 'abc' is not a finite number"),
            "{e}"
        );
        let e = parse("hours,reading\n0,100\n4,90\n4,50\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 3") && e.contains("strictly increasing"),
            "{e}"
        );
        let e = parse("hours,reading\n0,100\n4,90\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 reading(s); at least 3"), "{e}");
        let e = parse("hours,value\n0,100\n").unwrap_err().to_string();
        assert!(e.contains("missing column 'reading'"), "{e}");
        let e = parse("t,reading\n0,100\n").unwrap_err().to_string();
        assert!(e.contains("missing column 'hours'"), "{e}");
        let e = parse("hours,reading\n0,100\n4,106\n8,50\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("106.0 % of the pre-void") && e.contains("row 2"),
            "{e}"
        );
        let e = parse("hours,reading,background\n0,100,1\n4,1,1\n8,50,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not positive"), "{e}");
        let e = parse("time,reading\n2026-01-01T00:00Z,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--infusion-end"), "{e}");
        let e = parse("hours,reading\n0,100\n,90\n8,50\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("field 'hours': empty"), "{e}");
    }

    #[test]
    fn slightly_above_pre_void_is_a_warning() {
        let r = parse("hours,reading\n0,100\n1,103\n8,50\n").unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("103.0 %"));
    }

    #[test]
    fn clock_time_without_offset_is_rejected() {
        let opts = ReadingsOptions {
            infusion_end: Some("2026-03-28T22:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let e = parse_readings("t.csv", "time,reading\n2026-03-28T23:00:00,1\n", &opts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an ISO 8601 instant"), "{e}");
    }
}
