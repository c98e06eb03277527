//! Positions and the errors of the CSV layer.

use serde::Serialize;
use std::fmt;

/// Where a problem is: the source label, the physical line of the file (the
/// header's line for a header problem) and the column, each when known.
///
/// Displayed as `readings.csv line 3, column 'reading'`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    /// The source label (a file name).
    pub source: String,
    /// Physical line of the file, 1-based, as a text editor numbers it.
    pub line: Option<u64>,
    /// Column name (as the table defines it).
    pub column: Option<String>,
}

impl Location {
    /// A whole file.
    pub fn file(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            line: None,
            column: None,
        }
    }

    /// One line of a file.
    pub fn line(source: impl Into<String>, line: u64) -> Self {
        Self {
            source: source.into(),
            line: Some(line),
            column: None,
        }
    }

    /// One cell (or one header cell) of a file.
    pub fn cell(source: impl Into<String>, line: u64, column: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            line: Some(line),
            column: Some(column.into()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(c) = &self.column {
            write!(
                f,
                "{} column {}",
                if self.line.is_some() { "," } else { "" },
                crate::excerpt(c)
            )?;
        }
        Ok(())
    }
}

/// A problem with the layout of a CSV file (as opposed to the value of a
/// cell, which each table checks itself).
///
/// Displayed as `{location}: {message}`; [`CsvError::location`] and
/// [`CsvError::message`] give the two parts, and every variant carries its
/// details as fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CsvError {
    /// No header line: the file is empty or holds only comments and blank lines.
    NoHeader {
        /// The file.
        location: Location,
    },
    /// The header is separated by `;` or tabs (a spreadsheet export in a
    /// locale with decimal commas, or "tab-delimited text").
    WrongDelimiter {
        /// The header line.
        location: Location,
        /// `;` or `\t`.
        delimiter: char,
        /// A value with a decimal comma from the first data line, if any.
        decimal_comma: Option<String>,
    },
    /// A row has more cells than the header because its numbers are written
    /// with decimal commas (`0,400,10` for `0;400,10`).
    DecimalComma {
        /// The first such line.
        location: Location,
        /// Cells found.
        found: usize,
        /// Cells in the header.
        expected: usize,
        /// The line, cut to a readable length.
        text: String,
    },
    /// The bytes are not UTF-8 text.
    NotUtf8 {
        /// The line of the first invalid byte.
        location: Location,
        /// `true` when the file starts with a UTF-16 byte-order mark.
        utf16: bool,
    },
    /// A quoted field opened and never closed: it ran to the end of the file.
    UnterminatedQuote {
        /// The line where the record with the open quote starts.
        location: Location,
        /// Lines swallowed by the open quote.
        lines: u64,
    },
    /// A row whose number of cells differs from the header's.
    FieldCount {
        /// The row's line.
        location: Location,
        /// Cells found.
        found: usize,
        /// Cells in the header.
        expected: usize,
    },
    /// A required column is absent from the header.
    MissingColumn {
        /// The header line and the missing column.
        location: Location,
        /// A header cell that is probably this column misspelt.
        suggestion: Option<String>,
        /// The header as found (each cell cut to a readable length).
        header: Box<[String]>,
    },
    /// A header cell that the table does not define.
    UnknownColumn {
        /// The header line and the cell text (trimmed).
        location: Location,
        /// 1-based position of the cell in the header.
        position: u32,
        /// The declared column it probably means.
        suggestion: Option<String>,
        /// Every column the table defines.
        known: Box<[String]>,
        /// `true` for a warning (informational table): the column is ignored.
        ignored: bool,
    },
    /// A column named twice in the header.
    DuplicateColumn {
        /// The header line and the column.
        location: Location,
        /// 1-based positions of the first and the repeated cell.
        positions: (u32, u32),
        /// `true` for a warning (informational table): the first is used.
        ignored: bool,
    },
}

impl CsvError {
    /// Where the problem is.
    pub fn location(&self) -> &Location {
        match self {
            Self::NoHeader { location }
            | Self::WrongDelimiter { location, .. }
            | Self::DecimalComma { location, .. }
            | Self::NotUtf8 { location, .. }
            | Self::UnterminatedQuote { location, .. }
            | Self::FieldCount { location, .. }
            | Self::MissingColumn { location, .. }
            | Self::UnknownColumn { location, .. }
            | Self::DuplicateColumn { location, .. } => location,
        }
    }

    /// `true` for problems of the whole file's format (delimiter, decimal
    /// commas, encoding, an unclosed quote): they explain every later
    /// problem, so they are reported first and reading stops.
    pub fn is_format(&self) -> bool {
        matches!(
            self,
            Self::WrongDelimiter { .. }
                | Self::DecimalComma { .. }
                | Self::NotUtf8 { .. }
                | Self::UnterminatedQuote { .. }
        )
    }

    /// `true` for a header problem (missing, unknown or duplicated column).
    pub fn is_header(&self) -> bool {
        matches!(
            self,
            Self::MissingColumn { .. } | Self::UnknownColumn { .. } | Self::DuplicateColumn { .. }
        )
    }

    /// The message without the location.
    pub fn message(&self) -> String {
        match self {
            Self::NoHeader { .. } => {
                "no header row (the file is empty or holds only comments and blank lines)".into()
            }
            Self::WrongDelimiter {
                delimiter,
                decimal_comma,
                ..
            } => {
                let sep = if *delimiter == '\t' {
                    "tabs".to_string()
                } else {
                    format!("'{delimiter}'")
                };
                let commas = match decimal_comma {
                    Some(v) => format!(" and numbers have decimal commas ({v})"),
                    None => String::new(),
                };
                format!(
                    "columns are separated by {sep}{commas} (a spreadsheet export in another locale?); save the file as CSV with ',' between columns and '.' as the decimal point"
                )
            }
            Self::DecimalComma {
                found,
                expected,
                text,
                ..
            } => format!(
                "{} where the header has {expected}: numbers seem to be written with decimal commas ({text}); write numbers with '.' as the decimal point (or quote cells that contain commas)",
                cells(*found)
            ),
            Self::NotUtf8 { utf16: true, .. } => {
                "the file is UTF-16 text (\"Unicode text\"); save it as CSV in UTF-8".into()
            }
            Self::NotUtf8 { utf16: false, .. } => {
                "not UTF-8 text (saved as Windows-1252 or Latin-1?); save the file as CSV in UTF-8"
                    .into()
            }
            Self::UnterminatedQuote { lines, .. } => format!(
                "a quoted cell (\"…) is never closed and runs over {lines} line(s) to the end of the file; close the quote or remove it"
            ),
            Self::FieldCount {
                found, expected, ..
            } => format!("{} where the header has {expected}", cells(*found)),
            Self::MissingColumn {
                location,
                suggestion,
                header,
            } => {
                let column = location.column.as_deref().unwrap_or("");
                let hint = match suggestion {
                    Some(s) => format!("; is {} meant to be it?", crate::excerpt(s)),
                    None => String::new(),
                };
                format!(
                    "required column '{column}' is missing from the header (found: {}){hint}",
                    header.join(", ")
                )
            }
            Self::UnknownColumn {
                location,
                position,
                suggestion,
                known,
                ignored,
            } => {
                let column = location.column.as_deref().unwrap_or("");
                let what = if column.is_empty() {
                    format!("column {position} has no name in the header")
                } else {
                    format!("unknown column {}", crate::excerpt(column))
                };
                let hint = match suggestion {
                    Some(s) => format!(" (did you mean '{s}'?)"),
                    None => String::new(),
                };
                let action = if *ignored {
                    "; it is ignored"
                } else {
                    "; a misspelt column would otherwise be silently ignored"
                };
                format!(
                    "{what}{hint}; the columns of this table are {}{action}",
                    known.join(", ")
                )
            }
            Self::DuplicateColumn {
                location,
                positions,
                ignored,
            } => {
                let column = location.column.as_deref().unwrap_or("");
                let action = if *ignored {
                    "; the first is used"
                } else {
                    "; keep one of them"
                };
                format!(
                    "column '{column}' appears twice in the header (cells {} and {}){action}",
                    positions.0, positions.1
                )
            }
        }
    }
}

/// "1 cell", "3 cells".
fn cells(n: usize) -> String {
    if n == 1 {
        "1 cell".into()
    } else {
        format!("{n} cells")
    }
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message())
    }
}

impl std::error::Error for CsvError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_display_what_is_known() {
        assert_eq!(Location::file("a.csv").to_string(), "a.csv");
        assert_eq!(Location::line("a.csv", 3).to_string(), "a.csv line 3");
        assert_eq!(
            Location::cell("a.csv", 3, "x").to_string(),
            "a.csv line 3, column 'x'"
        );
        let l = Location {
            source: "a.csv".into(),
            line: None,
            column: Some("x".into()),
        };
        assert_eq!(l.to_string(), "a.csv column 'x'");
    }

    #[test]
    fn classes() {
        let loc = Location::line("a.csv", 1);
        let fmt = CsvError::NotUtf8 {
            location: loc.clone(),
            utf16: false,
        };
        assert!(fmt.is_format() && !fmt.is_header());
        let h = CsvError::DuplicateColumn {
            location: loc.clone(),
            positions: (1, 2),
            ignored: false,
        };
        assert!(h.is_header() && !h.is_format());
        let c = CsvError::FieldCount {
            location: loc,
            found: 1,
            expected: 2,
        };
        assert!(!c.is_header() && !c.is_format());
        assert_eq!(c.to_string(), "a.csv line 1: 1 cell where the header has 2");
    }
}
