//! Whole-body retention readings: parsing a CSV text and deriving the
//! retention fraction (`docs/reference/dosimetry.md` §3.2–§3.3).
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
use mibg_csv::{
    CsvError, Header, Location, NumberProblem, Schema, Strictness, TextReader, excerpt,
    parse_number,
};
use mibg_units::Hours;
use serde::Serialize;

/// The fewest readings a retention curve can be computed from.
pub const MIN_READINGS: usize = 3;

/// Default tolerance for a reading above the pre-void one: **5 %** \[I\].
///
/// After the end of infusion whole-body activity can only fall, so a net
/// reading above the pre-void reading is a measurement or geometry error. A
/// few per cent are tolerated (counting statistics, patient position;
/// docs/reference/dosimetry.md §3.2 asks for a fixed geometry but gives no tolerance). Readings
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

/// One whole-body reading with every intermediate (docs/reference/dosimetry.md §3.3: store raw, background,
/// net and R).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    /// Reading number (1 = the pre-void reading, the first data row).
    pub row: usize,
    /// Physical line of the file the reading came from (1-based, header,
    /// comment and blank lines counted), for messages that point at the file.
    pub line: usize,
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
    /// [`parse_readings`]. Readings are numbered from 1 and placed on lines
    /// 2, 3, … (as in a file with its header on line 1); use
    /// [`Readings::from_rows`] when the lines are known.
    ///
    /// # Errors
    /// As [`parse_readings`].
    pub fn from_pairs(
        source: &str,
        pairs: &[(Hours, f64)],
        tolerance: f64,
    ) -> Result<Self, ReadingsError> {
        let rows: Vec<RowInput> = pairs
            .iter()
            .enumerate()
            .map(|(i, &(time, raw))| RowInput {
                line: i + 2,
                time,
                raw,
                background: 0.0,
            })
            .collect();
        Self::from_rows(source, &rows, tolerance)
    }
}

/// One reading handed to [`Readings::from_rows`] by a caller that parsed its
/// own table (e.g. a study folder): its physical line, time and values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RowInput {
    /// Physical line of the source file (1-based).
    pub line: usize,
    /// Time after the end of the infusion.
    pub time: Hours,
    /// Raw reading.
    pub raw: f64,
    /// Background in the same unit (0 if none).
    pub background: f64,
}

impl Readings {
    /// Builds a validated series from rows that carry their physical line
    /// numbers (rows are numbered from 1 in the given order), applying the
    /// same rules as [`parse_readings`]. Every message and every
    /// plausibility finding then points at the line of the caller's file.
    ///
    /// # Errors
    /// As [`parse_readings`].
    pub fn from_rows(
        source: &str,
        rows: &[RowInput],
        tolerance: f64,
    ) -> Result<Self, ReadingsError> {
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, r)| RawRow {
                row: i + 1,
                line: r.line,
                time_h: r.time.hours(),
                clock_time: None,
                raw: r.raw,
                background: r.background,
                time_field: "hours",
            })
            .collect();
        validate(source, rows, "hours", tolerance)
    }
}

/// A readings file that cannot be used. Every message names the source,
/// the physical line, the column and the rule broken; the position is a
/// field ([`ReadingsError::location`]), never only text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadingsError {
    /// The layout of the file: delimiter, decimal commas, encoding, header
    /// (missing, unknown or duplicated columns), a row with the wrong number
    /// of cells — the rules of every mibg table (`mibg-csv`).
    #[error(transparent)]
    Table(#[from] CsvError),
    /// Neither `hours` nor `time` in the header.
    #[error(
        "{location}: the header needs a time column, 'hours' (after the end of infusion) or 'time' (ISO 8601 clock times); found: {header}"
    )]
    MissingTimeColumn {
        /// The header line.
        location: Location,
        /// The header as found.
        header: String,
    },
    /// Both `hours` and `time` are present.
    #[error("{location}: both 'hours' and 'time' columns given; use exactly one time column")]
    TwoTimeColumns {
        /// The header line.
        location: Location,
    },
    /// Clock times without an infusion-end instant.
    #[error(
        "{location}: the 'time' column gives clock times, so the end-of-infusion instant is needed (--infusion-end, ISO 8601 with offset, e.g. 2026-03-02T14:30:00+01:00)"
    )]
    NeedInfusionEnd {
        /// The header line and column.
        location: Location,
    },
    /// An infusion-end instant given for a file whose times are already
    /// hours after the end of infusion: one of the two is a mistake.
    #[error(
        "{location}: the 'hours' column already counts from the end of infusion, but an end-of-infusion instant was also given (--infusion-end); give clock times in a 'time' column, or drop the instant"
    )]
    UnusedInfusionEnd {
        /// The header line and column.
        location: Location,
    },
    /// An empty cell.
    #[error("{location}: empty; a value is required")]
    Empty {
        /// Source, line, column.
        location: Location,
    },
    /// A cell that is not a finite number.
    #[error("{location}: {problem}")]
    NotANumber {
        /// Source, line, column.
        location: Location,
        /// Why (a decimal comma is named as such).
        problem: NumberProblem,
    },
    /// A clock time that is not ISO 8601 with an offset.
    #[error("{location}: {value} is not an ISO 8601 instant with a UTC offset or Z ({message})")]
    BadTime {
        /// Source, line, column.
        location: Location,
        /// The cell text, cut to a readable length.
        value: String,
        /// The parser's reason.
        message: String,
    },
    /// A negative value (time before end of infusion, reading, background).
    #[error("{location}: {value} is negative; {rule}")]
    Negative {
        /// Source, line, column.
        location: Location,
        /// The value.
        value: f64,
        /// The rule.
        rule: String,
    },
    /// Times not strictly increasing.
    #[error(
        "{location}: {value_h} h is not after the previous reading ({previous_h} h, line {previous_line}); times must be strictly increasing {}",
        crate::slip::time_order_hint()
    )]
    NotIncreasing {
        /// Source, line, column.
        location: Location,
        /// This time, hours after end of infusion.
        value_h: f64,
        /// The previous time.
        previous_h: f64,
        /// The previous reading's line.
        previous_line: u64,
    },
    /// Net reading (reading − background) not positive.
    #[error(
        "{location}: net reading {net} (reading {raw} − background {background}) is not positive; a whole-body reading must exceed background {}",
        crate::slip::non_positive_net_hint()
    )]
    NonPositiveNet {
        /// Source, line, column `reading`.
        location: Location,
        /// Raw reading.
        raw: f64,
        /// Background.
        background: f64,
        /// Net.
        net: f64,
    },
    /// A net reading above the pre-void one beyond the tolerance.
    #[error(
        "{location}: net reading {net} is {percent:.1} % of the pre-void reading {pre_void} (line {pre_void_line}); whole-body activity cannot rise after the infusion (tolerance {tolerance_percent:.1} %) {}",
        crate::slip::above_pre_void_hint(*percent)
    )]
    AbovePreVoid {
        /// Source, line, column `reading`.
        location: Location,
        /// Net reading.
        net: f64,
        /// Pre-void net reading.
        pre_void: f64,
        /// The pre-void reading's line.
        pre_void_line: u64,
        /// net / pre-void in per cent.
        percent: f64,
        /// Allowed excess in per cent (100 % + this).
        tolerance_percent: f64,
    },
    /// Fewer than [`MIN_READINGS`] readings.
    #[error(
        "{location}: {count} reading(s); at least {min} are needed (the pre-void reading and two later ones) to fit a retention curve"
    )]
    TooFew {
        /// The file.
        location: Location,
        /// Readings found.
        count: usize,
        /// Minimum.
        min: usize,
    },
    /// The tolerance option itself is invalid.
    #[error("above-pre-void tolerance {0} must be a finite fraction in [0, 1]")]
    BadTolerance(f64),
}

impl ReadingsError {
    /// Where the problem is (source, physical line, column), when it
    /// belongs to the file.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Table(e) => Some(e.location()),
            Self::MissingTimeColumn { location, .. }
            | Self::TwoTimeColumns { location }
            | Self::NeedInfusionEnd { location }
            | Self::UnusedInfusionEnd { location }
            | Self::Empty { location }
            | Self::NotANumber { location, .. }
            | Self::BadTime { location, .. }
            | Self::Negative { location, .. }
            | Self::NotIncreasing { location, .. }
            | Self::NonPositiveNet { location, .. }
            | Self::AbovePreVoid { location, .. }
            | Self::TooFew { location, .. } => Some(location),
            Self::BadTolerance(_) => None,
        }
    }
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

/// The readings table: a *clinical* table (an unknown or duplicated
/// column is an error, so that a misspelt `background` is never silently
/// ignored). `notes` is free text and never read.
fn schema() -> Schema {
    Schema::new("readings file", Strictness::Clinical)
        .optional("hours")
        .optional("time")
        .required("reading")
        .optional("background")
        .optional("notes")
}

/// Parses a readings CSV text.
///
/// The header must contain `reading` and exactly one of `hours` (hours after
/// the end of infusion 1) or `time` (an ISO 8601 instant with a UTC offset or
/// `Z`, then `options.infusion_end` is required and hours are computed from
/// UTC instants, docs/reference/dosimetry.md §3.3). An optional `background` column is subtracted; an
/// optional `notes` column is free text. Any other column is an error (a
/// misspelt `background` would otherwise change the result in silence). The
/// layout follows the rules of every mibg table (`mibg-csv`: comment lines,
/// BOM, CRLF, quoted line breaks, header names trimmed and case-insensitive,
/// a wrong delimiter or decimal commas reported first); messages name the
/// physical line.
///
/// # Errors
/// [`ReadingsError`] naming `source`, line, column and rule for: the layout
/// ([`ReadingsError::Table`]), a missing time column, empty or non-numeric
/// cells, bad clock times, negative values, times not strictly increasing,
/// net readings ≤ 0, a net reading above the pre-void one by more than
/// `options.above_pre_void_tolerance`, fewer than [`MIN_READINGS`] readings.
pub fn parse_readings(
    source: &str,
    text: &str,
    options: &ReadingsOptions,
) -> Result<Readings, ReadingsError> {
    parse_readings_all(source, text, options).map_err(|mut all| all.swap_remove(0))
}

/// Parses a readings CSV text as [`parse_readings`] does, but goes on after
/// a problem: every problem of the file, for an upload that must list them
/// all. The cells of every row come first (in file order: hours or time,
/// reading, background), then the rules between readings, checked on the
/// rows whose cells are readable (a row that breaks a rule is left out of
/// the comparisons with the next one), then the count. A layout problem
/// (delimiter, encoding, header, the time columns) ends the reading. The
/// first problem is the one [`parse_readings`] reports.
///
/// # Errors
/// Every [`ReadingsError`] found (never an empty list).
pub fn parse_readings_all(
    source: &str,
    text: &str,
    options: &ReadingsOptions,
) -> Result<Readings, Vec<ReadingsError>> {
    let schema = schema();
    let mut reader = TextReader::new(source, text, &schema);
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut time_column: Option<&'static str> = None;
    while let Some(row) = reader.next_row() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                problems.push(ReadingsError::from(e));
                continue;
            }
        };
        let header = row.header();
        let time_field = match time_column {
            Some(t) => t,
            None => {
                let t = match check_time_columns(source, header, options) {
                    Ok(t) => t,
                    Err(e) => {
                        problems.push(e);
                        return Err(problems);
                    }
                };
                time_column = Some(t);
                t
            }
        };
        let line = usize::try_from(row.line()).unwrap_or(usize::MAX);
        let cell = |field: &str| -> Result<&str, ReadingsError> {
            let v = row.get(field);
            if v.is_empty() {
                Err(ReadingsError::Empty {
                    location: row.location(field),
                })
            } else {
                Ok(v)
            }
        };
        let number = |field: &str| -> Result<f64, ReadingsError> {
            parse_number(cell(field)?).map_err(|problem| ReadingsError::NotANumber {
                location: row.location(field),
                problem,
            })
        };
        let time = if time_field == "hours" {
            number("hours").map(|h| (h, None))
        } else {
            cell("time").and_then(|v| {
                let ts: Timestamp = v.parse().map_err(|e: jiff::Error| ReadingsError::BadTime {
                    location: row.location("time"),
                    value: excerpt(v),
                    message: e.to_string(),
                })?;
                let end = options.infusion_end.expect("checked with the header");
                let secs = ts.as_nanosecond() - end.as_nanosecond();
                Ok((secs as f64 / 3.6e12, Some(ts)))
            })
        };
        let raw = number("reading");
        let background = if header.position("background").is_some() {
            number("background")
        } else {
            Ok(0.0)
        };
        match (time, raw, background) {
            (Ok((time_h, clock_time)), Ok(raw), Ok(background)) => rows.push(RawRow {
                row: rows.len() + 1,
                line,
                time_h,
                clock_time,
                raw,
                background,
                time_field,
            }),
            (t, r, b) => {
                problems.extend(t.err());
                problems.extend(r.err());
                problems.extend(b.err());
            }
        }
    }
    // A header without rows still has its time columns checked.
    let time_column = match (time_column, reader.header()) {
        (Some(t), _) => t,
        (None, Some(h)) => match check_time_columns(source, h, options) {
            Ok(t) => t,
            Err(e) => {
                problems.push(e);
                return Err(problems);
            }
        },
        (None, None) => "hours",
    };
    if problems.iter().any(|p| match p {
        ReadingsError::Table(e) => e.is_format() || e.is_header(),
        _ => false,
    }) {
        return Err(problems);
    }
    let unreadable = problems.len();
    match validate_all(
        source,
        rows,
        time_column,
        options.above_pre_void_tolerance,
        unreadable,
    ) {
        Ok(r) if problems.is_empty() => Ok(r),
        Ok(_) => Err(problems),
        Err(more) => {
            problems.extend(more);
            Err(problems)
        }
    }
}

/// Exactly one of `hours` and `time`, and the infusion-end instant exactly
/// when the times are clock times.
fn check_time_columns(
    source: &str,
    header: &Header,
    options: &ReadingsOptions,
) -> Result<&'static str, ReadingsError> {
    let at = |column: &str| Location::cell(source, header.line(), column);
    match (header.position("hours"), header.position("time")) {
        (Some(_), Some(_)) => Err(ReadingsError::TwoTimeColumns {
            location: Location::line(source, header.line()),
        }),
        (None, None) => Err(ReadingsError::MissingTimeColumn {
            location: at("hours"),
            header: header
                .cells()
                .iter()
                .map(|c| excerpt(c))
                .collect::<Vec<_>>()
                .join(", "),
        }),
        (None, Some(_)) if options.infusion_end.is_none() => Err(ReadingsError::NeedInfusionEnd {
            location: at("time"),
        }),
        (Some(_), None) if options.infusion_end.is_some() => {
            Err(ReadingsError::UnusedInfusionEnd {
                location: at("hours"),
            })
        }
        (Some(_), None) => Ok("hours"),
        (None, Some(_)) => Ok("time"),
    }
}

fn validate(
    source: &str,
    rows: Vec<RawRow>,
    time_column: &str,
    tolerance: f64,
) -> Result<Readings, ReadingsError> {
    validate_all(source, rows, time_column, tolerance, 0).map_err(|mut all| all.swap_remove(0))
}

/// The rules between readings, every problem: a row that breaks one is
/// left out of the comparisons with the next rows. `unreadable` rows were
/// refused before (their cells): the count is checked only without them.
fn validate_all(
    source: &str,
    rows: Vec<RawRow>,
    time_column: &str,
    tolerance: f64,
    unreadable: usize,
) -> Result<Readings, Vec<ReadingsError>> {
    if !(tolerance.is_finite() && (0.0..=1.0).contains(&tolerance)) {
        return Err(vec![ReadingsError::BadTolerance(tolerance)]);
    }
    let at = |line: usize, column: &str| Location::cell(source, line as u64, column);
    let mut out: Vec<Reading> = Vec::with_capacity(rows.len());
    let mut warnings = Vec::new();
    let mut problems = Vec::new();
    let mut pre_void = f64::NAN;
    for r in &rows {
        let before = problems.len();
        if r.time_h < 0.0 {
            problems.push(ReadingsError::Negative {
                location: at(r.line, r.time_field),
                value: r.time_h,
                rule: "readings are taken after the end of the infusion (t ≥ 0 h)".into(),
            });
        }
        for (field, value) in [("reading", r.raw), ("background", r.background)] {
            if value < 0.0 {
                problems.push(ReadingsError::Negative {
                    location: at(r.line, field),
                    value,
                    rule: format!("a {field} cannot be negative"),
                });
            }
        }
        if r.time_h >= 0.0
            && let Some(prev) = out.last()
            && r.time_h <= prev.time_h.hours()
        {
            problems.push(ReadingsError::NotIncreasing {
                location: at(r.line, r.time_field),
                value_h: r.time_h,
                previous_h: prev.time_h.hours(),
                previous_line: prev.line as u64,
            });
        }
        let net = r.raw - r.background;
        if problems.len() == before && net <= 0.0 {
            problems.push(ReadingsError::NonPositiveNet {
                location: at(r.line, "reading"),
                raw: r.raw,
                background: r.background,
                net,
            });
        }
        if problems.len() > before {
            continue;
        }
        if out.is_empty() {
            pre_void = net;
        }
        let retention = net / pre_void;
        if retention > 1.0 + tolerance {
            problems.push(ReadingsError::AbovePreVoid {
                location: at(r.line, "reading"),
                net,
                pre_void,
                pre_void_line: out[0].line as u64,
                percent: retention * 100.0,
                tolerance_percent: tolerance * 100.0,
            });
            continue;
        }
        if !out.is_empty() && retention > 1.0 {
            warnings.push(format!(
                "{source} line {}: net reading is {:.1} % of the pre-void reading (within the {:.1} % tolerance; kept)",
                r.line,
                retention * 100.0,
                tolerance * 100.0
            ));
        }
        out.push(Reading {
            row: r.row,
            line: r.line,
            time_h: Hours::new(r.time_h),
            clock_time: r.clock_time,
            raw: r.raw,
            background: r.background,
            net,
            retention,
        });
    }
    if problems.is_empty() && unreadable == 0 && out.len() < MIN_READINGS {
        problems.push(ReadingsError::TooFew {
            location: Location::file(source),
            count: out.len(),
            min: MIN_READINGS,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
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
        // docs/reference/dosimetry.md §10.3 table: R(4 h) = (311.27 − 0.10)/(400.10 − 0.10) = 0.777925.
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
    fn errors_name_file_line_column_rule() {
        let e = parse("hours,reading\n0,100\n4,-3\n8,50\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.csv line 3, column 'reading': -3 is negative; a reading cannot be negative"
        );
        assert_eq!(e.location(), Some(&Location::cell("r.csv", 3, "reading")));
        let e = parse("hours,reading\n0,100\n4,abc\n8,50\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("r.csv line 3, column 'reading': 'abc' is not a number"),
            "{e}"
        );
        let e = parse("# c\nhours,reading\n0,100\n4,90\n4,50\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "r.csv line 5, column 'hours': 4 h is not after the previous reading (4 h, line 4); times must be strictly increasing (is this time or the previous one mistyped: a slipped decimal point, days typed as hours, or two rows swapped?)"
        );
        let e = parse("hours,reading\n0,100\n4,90\n").unwrap_err();
        assert!(e.to_string().contains("2 reading(s); at least 3"), "{e}");
        assert_eq!(e.location(), Some(&Location::file("r.csv")));
        let e = parse("hours,value\n0,100\n").unwrap_err().to_string();
        assert!(e.contains("unknown column 'value'"), "{e}");
        let e = parse("hours,reding\n0,100\n").unwrap_err().to_string();
        assert!(e.contains("did you mean 'reading'?"), "{e}");
        let e = parse("t,reading\n0,100\n").unwrap_err().to_string();
        assert!(e.contains("unknown column 't'"), "{e}");
        let e = parse("reading\n100\n").unwrap_err().to_string();
        assert!(e.contains("the header needs a time column"), "{e}");
        let e = parse("hours,reading,time\n0,100,x\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("both 'hours' and 'time'"), "{e}");
        let e = parse("hours,reading\n0,100\n4,106\n8,50\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("106.0 % of the pre-void reading 100 (line 2)") && e.contains("line 3"),
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
        assert!(e.contains("line 3, column 'hours': empty"), "{e}");
    }

    /// Issue 9: a misspelt background column changed A2 by 10 % with
    /// "Warnings: none"; two `reading` columns used the first in silence.
    #[test]
    fn misspelt_and_duplicated_columns_are_errors() {
        let e = parse("hours,reading,backgound\n0,100,10\n4,90,10\n8,50,10\n").unwrap_err();
        assert!(
            matches!(&e, ReadingsError::Table(CsvError::UnknownColumn { suggestion: Some(s), .. }) if s == "background"),
            "{e}"
        );
        let e = parse("hours,reading,reading\n0,100,1\n4,90,1\n8,50,1\n").unwrap_err();
        assert!(
            matches!(e, ReadingsError::Table(CsvError::DuplicateColumn { .. })),
            "{e}"
        );
        // `notes` is free text; header names are trimmed and case-insensitive.
        let r = parse(" Hours ,READING,notes\n0,100,pre-void\n4,90,\n8,50,\"a, b\"\n").unwrap();
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn spreadsheet_exports_are_named_first() {
        let e = parse("hours;reading;background\n0;400,10;0,10\n4;311,27;0,10\n").unwrap_err();
        assert!(
            matches!(
                e,
                ReadingsError::Table(CsvError::WrongDelimiter { delimiter: ';', .. })
            ),
            "{e}"
        );
        let e = parse("hours,reading\n0,400,10\n4,311,27\n8,250\n").unwrap_err();
        assert!(
            matches!(e, ReadingsError::Table(CsvError::DecimalComma { .. })),
            "{e}"
        );
        let e = parse("hours,reading\n0,\"400,10\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'400,10' has a comma"), "{e}");
    }

    #[test]
    fn lines_count_comments_blank_lines_and_quoted_breaks() {
        let text = "\u{feff}# patient X\r\nhours,reading,notes\r\n\r\n0,100,\"two\nlines\"\r\n4,90,\r\n# c\r\n8,50,\r\n";
        let r = parse(text).unwrap();
        let lines: Vec<usize> = r.readings.iter().map(|x| x.line).collect();
        assert_eq!(lines, [4, 6, 8]);
        let rows: Vec<usize> = r.readings.iter().map(|x| x.row).collect();
        assert_eq!(rows, [1, 2, 3]);
        let e = parse("# c\nhours,reading\n0,100\n4,90\n8,x\n").unwrap_err();
        assert_eq!(e.location().and_then(|l| l.line), Some(5));
    }

    #[test]
    fn from_rows_keeps_the_callers_lines() {
        let h = Hours::new;
        let row = |line, t, raw| RowInput {
            line,
            time: h(t),
            raw,
            background: 1.0,
        };
        let r = Readings::from_rows(
            "s.csv",
            &[row(7, 0.0, 101.0), row(9, 4.0, 91.0), row(12, 8.0, 51.0)],
            0.05,
        )
        .unwrap();
        assert_eq!(r.readings[1].line, 9);
        assert!((r.readings[1].retention - 0.9).abs() < 1e-12);
        let e = Readings::from_rows(
            "s.csv",
            &[row(7, 0.0, 100.0), row(9, 4.0, 90.0), row(12, 4.0, 50.0)],
            0.05,
        )
        .unwrap_err();
        assert_eq!(e.location(), Some(&Location::cell("s.csv", 12, "hours")));
        let r = Readings::from_pairs(
            "p",
            &[(h(0.0), 100.0), (h(4.0), 90.0), (h(8.0), 50.0)],
            0.05,
        )
        .unwrap();
        assert_eq!(r.readings[2].line, 4);
        assert!(matches!(
            Readings::from_pairs("p", &[], 2.0),
            Err(ReadingsError::BadTolerance(_))
        ));
        assert_eq!(ReadingsError::BadTolerance(2.0).location(), None);
    }

    #[test]
    fn slightly_above_pre_void_is_a_warning() {
        let r = parse("hours,reading\n0,100\n1,103\n8,50\n").unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0].starts_with("r.csv line 3: net reading is 103.0 %"),
            "{}",
            r.warnings[0]
        );
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
