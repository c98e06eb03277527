//! One CSV layer for every mibg table (issue 9, item 4).
//!
//! Every table mibg reads — dose-rate readings, S-value tables, laboratory
//! values, adverse events, transfusions, survival data and every table of a
//! study folder — goes through this crate, so the same rules hold
//! everywhere. The crate does no I/O: it takes text (or bytes, for streaming
//! a large file in chunks) plus a *source label* (the file name) for messages.
//!
//! # The rules (documented once for users in the README, "CSV files")
//!
//! * **Encoding and layout.** UTF-8 (a UTF-8 byte-order mark is ignored);
//!   comma-separated; RFC 4180 quoting (`"a, b"`, `"say ""x"""`, line breaks
//!   inside quotes); lines end in LF or CRLF. Lines starting with `#` are
//!   comments. Blank lines, and lines whose cells are all empty (`,,,` left
//!   by a spreadsheet), are skipped. The first other line is the header.
//! * **Line numbers.** Every error and warning names the *physical line* of
//!   the file, as a text editor numbers it: comment lines, blank lines and
//!   line breaks inside quoted fields all count. A record spanning several
//!   lines is named by its first line.
//! * **Header matching.** A header cell matches a column name after
//!   trimming surrounding white space, ignoring letter case (`Reading`,
//!   ` reading ` and `READING` are `reading`). Column order is free.
//! * **Required and optional columns** are declared by each table
//!   ([`Schema`]). A missing required column is an error that names the
//!   header cell it was probably misspelt as.
//! * **Unknown and duplicated columns** follow the table's [`Strictness`]:
//!   *clinical* tables (where a column can change a clinical number) reject
//!   them; *informational* tables warn and ignore them (the first of two
//!   duplicated columns is used); *selection* tables (survival data, whose
//!   columns the user names) read only the selected columns and reject a
//!   selected column that appears twice. An unknown column that is a near
//!   miss of a declared one says so ("'backgound': did you mean
//!   'background'?").
//! * **Spreadsheet exports.** A header separated by `;` or tabs, or rows
//!   with decimal commas (`12,5`), are reported as such — once, and before
//!   anything else, since they explain every later problem.
//! * **Rows.** Every row must have as many cells as the header. Cells are
//!   trimmed; an empty cell is a missing value.
//! * **Messages** quote cell values cut to a readable length ([`excerpt`]);
//!   every error carries its position as fields ([`Location`]: source, line,
//!   column), so front ends never parse message text.
//!
//! # Use
//!
//! ```
//! use mibg_csv::{Schema, Strictness, TextReader};
//!
//! let schema = Schema::new("readings file", Strictness::Clinical)
//!     .required("hours")
//!     .required("reading")
//!     .optional("background");
//! let text = "# synthetic\nHours,reading\n0,100\n\n24,40\n";
//! let mut r = TextReader::new("r.csv", text, &schema);
//! let mut lines = Vec::new();
//! while let Some(row) = r.next_row() {
//!     let row = row.unwrap();
//!     lines.push((row.line(), row.get("reading").to_string()));
//! }
//! assert_eq!(lines, [(3, "100".to_string()), (5, "40".to_string())]);
//! ```
//!
//! Large files are streamed: [`Reader::read`] takes one chunk of bytes at a
//! time and yields rows with the same rules and line numbers;
//! [`Reader::finish`] marks the end of the data.

mod engine;
mod error;
mod reader;
mod schema;
mod text;

pub use error::{CsvError, Location};
pub use reader::{Event, Reader, Row, TextReader, decode};
pub use schema::{Column, Header, Schema, Strictness};
pub use text::{
    NumberProblem, excerpt, looks_like_decimal_comma, normalize_name, parse_number, suggest,
};
