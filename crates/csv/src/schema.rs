//! What a table expects of its header, and the header check.

use crate::error::{CsvError, Location};
use crate::text::{excerpt, normalize_name, suggest};
use serde::Serialize;
use std::collections::HashMap;

/// How a table treats header cells it does not define and columns named
/// twice. Each table declares its strictness; the README lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Strictness {
    /// A column can change a clinical number (readings, S tables,
    /// laboratory values, infusions …): an unknown column or a column named
    /// twice is an **error**, because a misspelt optional column (e.g.
    /// `backgound`) would otherwise be silently ignored and change the result.
    Clinical,
    /// Nothing computed depends on an optional column: unknown and
    /// duplicated columns are **warnings**; unknown columns are ignored and
    /// of two duplicated columns the first is used.
    Informational,
    /// The user selects the columns to read from a wider file (survival
    /// data: `--time`, `--event`, `--group`, `--covariates`): other columns
    /// are not read, so neither rule applies to them; a selected column
    /// named twice is an **error**.
    Selection,
}

/// One declared column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Its name, as documented (matched after trimming, ignoring case).
    pub name: String,
    /// Whether the header must contain it.
    pub required: bool,
}

/// The columns a table declares and its [`Strictness`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Schema {
    table: String,
    columns: Vec<Column>,
    strictness: Strictness,
}

impl Schema {
    /// An empty schema; `table` names the kind of table in messages
    /// (e.g. "readings file").
    pub fn new(table: impl Into<String>, strictness: Strictness) -> Self {
        Self {
            table: table.into(),
            columns: Vec::new(),
            strictness,
        }
    }

    fn add(mut self, name: &str, required: bool) -> Self {
        let norm = normalize_name(name);
        match self
            .columns
            .iter_mut()
            .find(|c| normalize_name(&c.name) == norm)
        {
            Some(c) => c.required |= required,
            None => self.columns.push(Column {
                name: name.trim().to_string(),
                required,
            }),
        }
        self
    }

    /// Declares a required column (declaring a name twice keeps one column,
    /// required if either declaration is).
    pub fn required(self, name: impl AsRef<str>) -> Self {
        self.add(name.as_ref(), true)
    }

    /// Declares an optional column.
    pub fn optional(self, name: impl AsRef<str>) -> Self {
        self.add(name.as_ref(), false)
    }

    /// The declared columns, in declaration order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The table's strictness.
    pub fn strictness(&self) -> Strictness {
        self.strictness
    }

    /// The kind of table, for messages.
    pub fn table(&self) -> &str {
        &self.table
    }
}

/// A checked header: its line, its cells, and where each declared column is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    line: u64,
    cells: Vec<String>,
    /// Each declared column present (normalised name) and its position, in
    /// header order: a handful of columns, searched on every cell read, so a
    /// scan, not a hash.
    index: Vec<(String, usize)>,
}

impl Header {
    /// Physical line of the header.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The header cells, trimmed, as written.
    pub fn cells(&self) -> &[String] {
        &self.cells
    }

    /// Number of cells every row must have.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// `true` for a header without cells (never produced by the reader).
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// 0-based cell position of a declared column (matched ignoring case),
    /// `None` when the header does not have it.
    pub fn position(&self, column: &str) -> Option<usize> {
        let find = |name: &str| self.index.iter().find(|(k, _)| k == name).map(|&(_, i)| i);
        if let Some(i) = find(column) {
            return Some(i);
        }
        // A name already in normal form (lower-case ASCII, no surrounding
        // space: every name the crates ask for) has been looked up as is.
        let normal = column
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
            && column.trim() == column;
        if normal {
            None
        } else {
            find(&normalize_name(column))
        }
    }
}

/// 1-based position of header cell `i`.
fn pos32(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// Checks a header against a schema: returns the header, its errors and its
/// warnings (in header order; missing columns last).
pub(crate) fn check(
    source: &str,
    schema: &Schema,
    line: u64,
    cells: Vec<String>,
) -> (Header, Vec<CsvError>, Vec<CsvError>) {
    let declared: Vec<String> = schema
        .columns
        .iter()
        .map(|c| normalize_name(&c.name))
        .collect();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut columns: Vec<(String, usize)> = Vec::new();
    let mut first_at: HashMap<String, usize> = HashMap::new();
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let mut unknown: Vec<usize> = Vec::new();
    let informational = schema.strictness == Strictness::Informational;
    for (i, cell) in cells.iter().enumerate() {
        let norm = normalize_name(cell);
        let Some(j) = declared.iter().position(|d| *d == norm) else {
            if schema.strictness != Strictness::Selection {
                unknown.push(i);
            }
            continue;
        };
        match first_at.get(&norm) {
            Some(&first) => {
                let e = CsvError::DuplicateColumn {
                    location: Location::cell(source, line, schema.columns[j].name.clone()),
                    positions: (pos32(first), pos32(i)),
                    ignored: informational,
                };
                if informational {
                    warnings.push(e);
                } else {
                    errors.push(e);
                }
            }
            None => {
                first_at.insert(norm.clone(), i);
                columns.push((norm.clone(), i));
                index.insert(norm, i);
            }
        }
    }
    let missing: Vec<&Column> = schema
        .columns
        .iter()
        .filter(|c| c.required && !index.contains_key(&normalize_name(&c.name)))
        .collect();
    let known: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
    let mut explained: Vec<String> = Vec::new();
    for &i in &unknown {
        let cell = &cells[i];
        let suggestion = if cell.is_empty() {
            None
        } else {
            suggest(cell, missing.iter().map(|c| c.name.as_str()))
                .or_else(|| suggest(cell, known.iter().map(String::as_str)))
        };
        let e = CsvError::UnknownColumn {
            location: Location::cell(source, line, cell.clone()),
            position: pos32(i),
            suggestion: suggestion.map(str::to_string),
            known: known.clone().into_boxed_slice(),
            ignored: informational,
        };
        if informational {
            warnings.push(e);
        } else {
            if let Some(s) = suggestion {
                explained.push(normalize_name(s));
            }
            errors.push(e);
        }
    }
    // A required column already named by an unknown-column error's
    // suggestion is not reported a second time.
    for c in missing {
        if explained.contains(&normalize_name(&c.name)) {
            continue;
        }
        let matched: Vec<bool> = cells
            .iter()
            .map(|h| declared.contains(&normalize_name(h)))
            .collect();
        let candidates = cells
            .iter()
            .zip(&matched)
            .filter(|(_, m)| !**m)
            .map(|(h, _)| h.as_str());
        errors.push(CsvError::MissingColumn {
            location: Location::cell(source, line, c.name.clone()),
            suggestion: suggest(&c.name, candidates).map(str::to_string),
            header: cells.iter().map(|h| excerpt(h)).collect(),
        });
    }
    let header = Header {
        line,
        cells,
        index: columns,
    };
    (header, errors, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(s: &str) -> Vec<String> {
        s.split(',').map(|c| c.trim().to_string()).collect()
    }

    fn readings(strictness: Strictness) -> Schema {
        Schema::new("readings file", strictness)
            .required("hours")
            .required("reading")
            .optional("background")
    }

    #[test]
    fn matching_trims_and_ignores_case() {
        let (h, e, w) = check(
            "r.csv",
            &readings(Strictness::Clinical),
            2,
            cells(" Hours ,READING,Background"),
        );
        assert!(e.is_empty() && w.is_empty());
        assert_eq!(h.position("hours"), Some(0));
        assert_eq!(h.position("Reading"), Some(1));
        assert_eq!(h.position("background"), Some(2));
        assert_eq!(h.position("notes"), None);
        assert_eq!(h.line(), 2);
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn clinical_tables_reject_unknown_and_duplicate_columns() {
        let (_, e, w) = check(
            "r.csv",
            &readings(Strictness::Clinical),
            1,
            cells("hours,reading,backgound,reading"),
        );
        assert!(w.is_empty());
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(
            e[0].to_string(),
            "r.csv line 1, column 'reading': column 'reading' appears twice in the header (cells 2 and 4); keep one of them"
        );
        assert!(
            e[1].to_string().starts_with(
                "r.csv line 1, column 'backgound': unknown column 'backgound' (did you mean 'background'?)"
            ),
            "{}",
            e[1]
        );
    }

    #[test]
    fn informational_tables_warn() {
        let (h, e, w) = check(
            "t.csv",
            &readings(Strictness::Informational),
            1,
            cells("hours,reading,reading,comment"),
        );
        assert!(e.is_empty());
        assert_eq!(w.len(), 2);
        assert!(w[0].message().ends_with("the first is used"));
        assert!(w[1].message().ends_with("it is ignored"));
        assert_eq!(h.position("reading"), Some(1));
    }

    #[test]
    fn selection_tables_read_only_selected_columns() {
        let s = Schema::new("survival data", Strictness::Selection)
            .required("time")
            .required("event")
            .optional("age");
        let (h, e, _) = check("s.csv", &s, 1, cells("id,time,event,x,x"));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(h.position("event"), Some(2));
        let (_, e, _) = check("s.csv", &s, 1, cells("time,event,time"));
        assert!(matches!(e[0], CsvError::DuplicateColumn { .. }));
        let (_, e, _) = check("s.csv", &s, 1, cells("tme,event"));
        assert_eq!(
            e[0],
            CsvError::MissingColumn {
                location: Location::cell("s.csv", 1, "time"),
                suggestion: Some("tme".into()),
                header: vec!["'tme'".to_string(), "'event'".to_string()].into_boxed_slice(),
            }
        );
    }

    #[test]
    fn a_missing_column_explained_by_a_misspelling_is_reported_once() {
        let (_, e, _) = check(
            "r.csv",
            &readings(Strictness::Clinical),
            1,
            cells("hours,readng"),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message().contains("did you mean 'reading'?"));
        let (_, e, _) = check("r.csv", &readings(Strictness::Clinical), 1, cells("hours"));
        assert!(
            e[0].message()
                .starts_with("required column 'reading' is missing")
        );
        let (_, e, _) = check(
            "r.csv",
            &readings(Strictness::Informational),
            1,
            cells("hours,readng"),
        );
        assert_eq!(e.len(), 1);
        assert!(
            e[0].message().contains("is 'readng' meant to be it?"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn an_unnamed_header_cell_is_named_by_position() {
        let (_, e, _) = check(
            "r.csv",
            &readings(Strictness::Clinical),
            1,
            cells("hours,reading,"),
        );
        assert!(
            e[0].message().starts_with("column 3 has no name"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn declaring_a_column_twice_keeps_one() {
        let s = Schema::new("t", Strictness::Selection)
            .optional("arm")
            .required("ARM");
        assert_eq!(s.columns().len(), 1);
        assert!(s.columns()[0].required);
        assert_eq!(s.table(), "t");
        assert_eq!(s.strictness(), Strictness::Selection);
    }
}
