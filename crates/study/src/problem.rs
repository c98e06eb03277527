//! Problems found while reading and checking a study: each names the file,
//! the physical line (as a text editor numbers it), the column (or field)
//! and the rule.

use serde::Serialize;
use std::fmt;

/// The class of a problem, so that tools and tests can tell them apart
/// without parsing messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A required file is absent from the study folder.
    MissingFile,
    /// The file is not in the expected CSV format: columns separated by `;`
    /// or tabs, numbers with decimal commas, bytes that are not UTF-8, a
    /// quote never closed. Listed before every other problem, since it
    /// explains the problems that follow.
    Format,
    /// A file or row cannot be parsed (CSV or TOML syntax, a row with the
    /// wrong number of cells, an empty file).
    Syntax,
    /// A required column is absent from a CSV header.
    MissingColumn,
    /// A column that the format does not define (ignored; a warning).
    UnknownColumn,
    /// A required cell is empty.
    MissingValue,
    /// A cell cannot be read as its type (number, date, …).
    BadValue,
    /// A value is outside its allowed range or set.
    NotAllowed,
    /// The same key appears twice (patient id, infusion number …).
    Duplicate,
    /// A row refers to a patient that `patients.csv` does not define.
    UnknownPatient,
    /// A row refers to something else that does not exist (an infusion
    /// number without a row in `infusions.csv`, …).
    UnknownReference,
    /// Dates in the wrong order (assessment before baseline, death before
    /// an infusion, an event after death or after the last contact …).
    Chronology,
    /// Records that contradict each other or are incomplete as a whole
    /// (a patient without any infusion, without last contact or death …).
    Inconsistent,
    /// A problem reported by a domain parser (response assessments,
    /// toxicity tables) in its own words.
    Domain,
    /// A clinical check of one patient's data refused it or doubts it (the
    /// infusion-1 activity against the protocol, the weight change between
    /// infusions, the readings and their fit).
    Clinical,
}

/// One problem, located as precisely as possible.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// File name relative to the study folder, e.g. `followup.csv`.
    pub file: String,
    /// Physical line of the file, as a text editor numbers it (comment and
    /// blank lines count), when the problem belongs to one line.
    pub row: Option<u64>,
    /// Column or key, when the problem belongs to one field.
    pub field: Option<String>,
    /// The class of problem.
    pub kind: ProblemKind,
    /// What is wrong and which rule is broken.
    pub message: String,
}

impl Problem {
    /// A problem about a whole file.
    pub fn file(file: &str, kind: ProblemKind, message: impl Into<String>) -> Self {
        Problem {
            file: file.to_string(),
            row: None,
            field: None,
            kind,
            message: message.into(),
        }
    }

    /// A problem about one row (and optionally one field).
    pub fn at(
        file: &str,
        row: u64,
        field: Option<&str>,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            file: file.to_string(),
            row: Some(row),
            field: field.map(str::to_string),
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, " line {row}")?;
        }
        if let Some(field) = &self.field {
            let sep = if self.row.is_some() { "," } else { "" };
            let what = if self.file.ends_with(".csv") {
                "column"
            } else {
                "field"
            };
            write!(f, "{sep} {what} {}", mibg_csv::excerpt(field))?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything found wrong with a study: errors make it unusable, warnings
/// are doubtful-but-usable data that every report repeats.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Problems {
    /// Problems that prevent analysis.
    pub errors: Vec<Problem>,
    /// Doubtful but usable data.
    pub warnings: Vec<Problem>,
}

impl Problems {
    /// Records an error.
    pub fn error(&mut self, p: Problem) {
        self.errors.push(p);
    }

    /// Records a warning.
    pub fn warn(&mut self, p: Problem) {
        self.warnings.push(p);
    }

    /// True when there is no error (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Sorts both lists by file, row and field, for stable output; format
    /// problems (wrong delimiter, decimal commas, encoding) come first,
    /// since they explain the problems that follow.
    pub fn sort(&mut self) {
        let key = |p: &Problem| {
            (
                p.kind != ProblemKind::Format,
                p.file.clone(),
                p.row.unwrap_or(0),
                p.field.clone(),
            )
        };
        self.errors.sort_by_key(key);
        self.warnings.sort_by_key(key);
    }
}
