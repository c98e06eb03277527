//! The files of a study folder that other crates define the format of: the
//! protocol (`mibg-protocol`), the response assessments (`mibg-response`)
//! and the toxicity tables (`mibg-toxicity`). Each is parsed by its own
//! crate's parser; every error becomes a [`Problem`] whose file, physical line
//! and column are read from the error's fields, never from its text.

use crate::load::files;
use crate::problem::{Problem, ProblemKind, Problems};
use mibg_protocol::{Protocol, ProtocolError};
use mibg_response::input::{Format, InputError, parse as parse_assessment};
use mibg_response::record::PatientRecord;
use mibg_toxicity::csv_input::{CsvError, FieldProblem};
use std::collections::BTreeMap;

/// A study problem from a protocol-file error: the key is the field.
pub fn protocol_problem(file: &str, e: &ProtocolError) -> Problem {
    let field = match e {
        ProtocolError::Invalid { key, .. } => Some(key.clone()),
        _ => None,
    };
    Problem {
        file: file.to_string(),
        row: None,
        field,
        kind: ProblemKind::Domain,
        message: e.to_string(),
    }
}

/// The protocol named by `[protocol]` of `study.toml`: the built-in seed
/// protocol, or a protocol file of the folder (which overrides the name).
/// `None` (with a problem) when the name is unknown, the file is missing or
/// the file is not a valid protocol.
pub fn resolve_protocol(
    name: &str,
    file: Option<&str>,
    files_in: &BTreeMap<String, String>,
    p: &mut Problems,
) -> Option<Protocol> {
    if let Some(f) = file {
        return match files_in.get(f) {
            Some(t) => match Protocol::from_toml(t, f) {
                Ok(pr) => Some(pr),
                Err(e) => {
                    p.error(protocol_problem(f, &e));
                    None
                }
            },
            None => {
                p.error(Problem {
                    file: files::STUDY.to_string(),
                    row: None,
                    field: Some("protocol.file".into()),
                    kind: ProblemKind::MissingFile,
                    message: format!("[protocol] file '{f}' is not in the study folder"),
                });
                None
            }
        };
    }
    if name == "seed" {
        Some(Protocol::seed())
    } else {
        p.error(Problem {
            file: files::STUDY.to_string(),
            row: None,
            field: Some("protocol.name".into()),
            kind: ProblemKind::NotAllowed,
            message: format!(
                "[protocol] name '{name}' is not a built-in protocol (\"seed\"); give file = \"…\" instead"
            ),
        });
        None
    }
}

/// A study problem from a toxicity-table error, its position taken from the
/// error's fields (physical line, column): a layout problem keeps its class
/// from the CSV layer (format problems are listed first), a decimal comma
/// in a cell is a format problem, any other cell a bad value.
pub fn csv_problem(file: &str, e: &CsvError) -> Problem {
    match e {
        CsvError::Table(t) => crate::table::csv_problem(file, t),
        other => {
            let loc = other.location();
            let kind = match other {
                CsvError::Field {
                    problem: FieldProblem::DecimalComma(_),
                    ..
                } => ProblemKind::Format,
                _ => ProblemKind::BadValue,
            };
            Problem {
                file: file.to_string(),
                row: loc.line,
                field: loc.column.clone(),
                kind,
                message: other.detail(),
            }
        }
    }
}

/// A study problem from an assessment-file error: the line where the parser
/// stopped, when it gives one.
pub fn assessment_problem(path: &str, e: &InputError) -> Problem {
    let (row, kind, message) = match e {
        InputError::Syntax { message, line, .. } => (*line, ProblemKind::Syntax, message.clone()),
        InputError::Record { error, .. } => (None, ProblemKind::Domain, error.to_string()),
        other => (None, ProblemKind::Domain, other.to_string()),
    };
    Problem {
        file: path.to_string(),
        row,
        field: None,
        kind,
        message,
    }
}

/// One assessment file parsed by the response crate's parser: its record
/// added to `records` (by patient), or its problem (a file whose `patient`
/// differs from its name is one).
pub(crate) fn parse_assessment_file(
    path: &str,
    id: &str,
    text: &str,
    records: &mut BTreeMap<String, (String, PatientRecord)>,
    p: &mut Problems,
) {
    let format = if path.ends_with(".json") {
        Format::Json
    } else {
        Format::Toml
    };
    match parse_assessment(text, path, format) {
        Ok(rec) if rec.patient != *id => p.error(Problem {
            file: path.to_string(),
            row: None,
            field: Some("patient".into()),
            kind: ProblemKind::Inconsistent,
            message: format!(
                "the file is named for patient '{id}' but says patient = '{}'",
                rec.patient
            ),
        }),
        Ok(rec) => {
            records.insert(id.to_string(), (path.to_string(), rec));
        }
        Err(e) => p.error(assessment_problem(path, &e)),
    }
}
