//! Reading a table: header check, format checks, rows with their lines.

use crate::engine::{Engine, Piece};
use crate::error::{CsvError, Location};
use crate::schema::{Header, Schema, check};
use crate::text::{excerpt, looks_like_decimal_comma};
use std::collections::VecDeque;

/// What [`Reader::read`] found.
#[derive(Debug)]
pub enum Event<'r> {
    /// A data row (blank and comment lines are never rows).
    Row(Row<'r>),
    /// A problem. After a format or header error ([`CsvError::is_format`],
    /// [`CsvError::is_header`]) the reader ends; after a row with the wrong
    /// number of cells it goes on.
    Error(CsvError),
    /// The input is used up: call [`Reader::read`] with the next chunk, or
    /// [`Reader::finish`] at the end of the data.
    NeedInput,
    /// The end of the table.
    End,
}

#[derive(Debug)]
enum Step {
    Row,
    Error(CsvError),
    NeedInput,
    End,
}

/// A push-based table reader: feed it the data in chunks of any size and
/// it yields the checked header's problems and the rows, each with the
/// physical line it starts on.
///
/// Format problems are found before anything else: a header separated by
/// `;` or tabs ([`CsvError::WrongDelimiter`], naming a decimal comma of the
/// first data line if there is one), rows split by decimal commas
/// ([`CsvError::DecimalComma`]), bytes that are not UTF-8, a quote left
/// open. Each is reported once and ends the reading.
pub struct Reader {
    source: String,
    schema: Schema,
    engine: Engine,
    header: Option<Header>,
    queue: VecDeque<CsvError>,
    warnings: Vec<CsvError>,
    done: bool,
    suspect: Option<(char, u64)>,
    /// The current row's byte range in the text last given to `advance`,
    /// when it was not copied.
    row_at: Option<(usize, usize)>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("source", &self.source)
            .field("schema", &self.schema)
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl Reader {
    /// A reader of the table `source` (a label for messages) with `schema`.
    pub fn new(source: impl Into<String>, schema: Schema) -> Self {
        Self {
            source: source.into(),
            schema,
            engine: Engine::new(),
            header: None,
            queue: VecDeque::new(),
            warnings: Vec::new(),
            done: false,
            suspect: None,
            row_at: None,
        }
    }

    /// The source label.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The header, once it has been read.
    pub fn header(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    /// Warnings found so far (unknown or duplicated columns of an
    /// informational table).
    pub fn warnings(&self) -> &[CsvError] {
        &self.warnings
    }

    /// Reads from `input`, the next chunk of the data. Returns how many
    /// bytes of `input` were consumed (pass the rest again, or the next
    /// chunk after [`Event::NeedInput`]) and what was found. An empty
    /// `input` only hands out what is pending.
    pub fn read(&mut self, input: &[u8]) -> (usize, Event<'_>) {
        let (n, step) = self.advance(input, None, false);
        (n, self.event(step))
    }

    /// Signals the end of the data: call until [`Event::End`] (the last row,
    /// or an error found only at the end, may come first).
    pub fn finish(&mut self) -> Event<'_> {
        let (_, step) = self.advance(&[], None, true);
        self.event(step)
    }

    /// Reads all of `input` (the next chunk), handing each row to `f`; the
    /// first problem ends it. The fast way through a large file: one call
    /// per chunk instead of one per row. Call [`Reader::finish_rows`] at the
    /// end of the data.
    ///
    /// # Errors
    /// The first [`CsvError`] (converted), or the first error of `f`.
    pub fn read_rows<E: From<CsvError>>(
        &mut self,
        input: &[u8],
        f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.rows_of(input, None, f)
    }

    /// [`Reader::read_rows`] for a chunk already known to be UTF-8 text
    /// (faster: rows are not validated again).
    ///
    /// # Errors
    /// As [`Reader::read_rows`].
    pub fn read_rows_str<E: From<CsvError>>(
        &mut self,
        input: &str,
        f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.rows_of(input.as_bytes(), Some(input), f)
    }

    #[inline]
    fn rows_of<E: From<CsvError>>(
        &mut self,
        input: &[u8],
        text: Option<&str>,
        mut f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut off = 0;
        loop {
            let rest = text.and_then(|t| t.get(off..));
            let (n, step) = self.advance(&input[off..], rest, false);
            off += n;
            match step {
                Step::Row => f(&self.row_in(rest))?,
                Step::Error(e) => return Err(e.into()),
                Step::NeedInput | Step::End => return Ok(()),
            }
        }
    }

    /// Signals the end of the data to [`Reader::read_rows`]: hands the last
    /// row (if any) to `f`.
    ///
    /// # Errors
    /// As [`Reader::read_rows`].
    pub fn finish_rows<E: From<CsvError>>(
        &mut self,
        mut f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        loop {
            let (_, step) = self.advance(&[], None, true);
            match step {
                Step::Row => f(&self.row_in(None))?,
                Step::Error(e) => return Err(e.into()),
                Step::NeedInput | Step::End => return Ok(()),
            }
        }
    }

    fn event(&self, step: Step) -> Event<'_> {
        match step {
            Step::Row => Event::Row(self.row_in(None)),
            Step::Error(e) => Event::Error(e),
            Step::NeedInput => Event::NeedInput,
            Step::End => Event::End,
        }
    }

    fn location(&self, line: u64) -> Location {
        Location::line(self.source.clone(), line)
    }

    fn fail(&mut self, e: CsvError) {
        // A wrong delimiter explains any later problem: it comes first.
        if let Some((delimiter, line)) = self.suspect.take() {
            self.queue.push_back(CsvError::WrongDelimiter {
                location: self.location(line),
                delimiter,
                decimal_comma: None,
            });
        } else {
            self.queue.push_back(e);
        }
        self.done = true;
    }

    #[inline]
    fn advance(&mut self, input: &[u8], text: Option<&str>, eof: bool) -> (usize, Step) {
        let mut used = 0;
        loop {
            if let Some(e) = self.queue.pop_front() {
                return (used, Step::Error(e));
            }
            if self.done {
                return (used, Step::End);
            }
            let step_text = text.and_then(|t| t.get(used..));
            let (n, piece) = self.engine.step(&input[used..], step_text, eof);
            let base = used;
            used += n;
            match piece {
                Piece::NeedInput => return (used, Step::NeedInput),
                Piece::End => {
                    if self.header.is_none() {
                        // With a suspected delimiter, `fail` reports that instead.
                        let location = Location::file(self.source.clone());
                        self.fail(CsvError::NoHeader { location });
                    } else {
                        self.done = true;
                    }
                }
                Piece::NotUtf8 { line } => {
                    let location = self.location(line);
                    self.fail(CsvError::NotUtf8 {
                        location,
                        utf16: false,
                    });
                }
                Piece::Unterminated { line, lines } => {
                    let location = self.location(line);
                    self.fail(CsvError::UnterminatedQuote { location, lines });
                }
                Piece::Record => {
                    self.row_at = self.engine.borrowed().map(|(a, b)| (base + a, base + b));
                    let record = match (self.row_at, text) {
                        (Some((a, b)), Some(t)) => Some(&t[a..b]),
                        _ => None,
                    };
                    if let Some(step) = self.on_record(record) {
                        return (used, step);
                    }
                }
            }
        }
    }

    /// Handles a record; `Some` when the caller must see something.
    fn on_record(&mut self, record: Option<&str>) -> Option<Step> {
        let line = self.engine.record_line();
        // A blank line, or `,,,` from a spreadsheet (usually decided by the
        // first cell).
        let text = record.unwrap_or(self.engine.record());
        let starts_with_text = self
            .engine
            .spans()
            .first()
            .and_then(|&(a, _)| text.as_bytes().get(a))
            .is_some_and(|&b| b > b' ' && b != b',');
        if !starts_with_text
            && self
                .engine
                .spans()
                .iter()
                .all(|&(a, b)| trim(&text[a..b]).is_empty())
        {
            return None;
        }
        let found = self.engine.spans().len();
        if let Some(header) = &self.header
            && self.suspect.is_none()
            && found == header.len()
        {
            return Some(Step::Row); // the common case: no allocation
        }
        let cells: Vec<&str> = self
            .engine
            .spans()
            .iter()
            .map(|&(a, b)| &text[a..b])
            .collect();
        if let Some((delimiter, header_line)) = self.suspect.take() {
            let example = cells
                .join(",")
                .split(delimiter)
                .find(|t| looks_like_decimal_comma(t))
                .map(|t| excerpt(t.trim()));
            self.queue.push_back(CsvError::WrongDelimiter {
                location: self.location(header_line),
                delimiter,
                decimal_comma: example,
            });
            self.done = true;
            return None;
        }
        let Some(header) = &self.header else {
            let semicolons: usize = cells.iter().map(|c| c.matches(';').count()).sum();
            let tabs: usize = cells.iter().map(|c| c.matches('\t').count()).sum();
            if semicolons + tabs > 0 {
                let delimiter = if tabs > semicolons { '\t' } else { ';' };
                self.suspect = Some((delimiter, line));
                return None;
            }
            let owned: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
            let (header, errors, warnings) = check(&self.source, &self.schema, line, owned);
            self.header = Some(header);
            self.warnings.extend(warnings);
            if !errors.is_empty() {
                self.queue.extend(errors);
                self.done = true;
            }
            return None;
        };
        let expected = header.len();
        let pairs = cells
            .windows(2)
            .filter(|w| {
                let (a, b) = (w[0].trim(), w[1].trim());
                looks_like_decimal_comma(&format!("{a},{b}"))
            })
            .count();
        if found > expected && pairs >= found - expected {
            self.queue.push_back(CsvError::DecimalComma {
                location: self.location(line),
                found,
                expected,
                text: excerpt(&cells.join(",")),
            });
            self.done = true;
            return None;
        }
        Some(Step::Error(CsvError::FieldCount {
            location: self.location(line),
            found,
            expected,
        }))
    }

    /// The current row; `input` is the text last given to `advance` (the
    /// row may lie in it rather than in the engine's buffer).
    fn row_in<'a>(&'a self, input: Option<&'a str>) -> Row<'a> {
        let text = match (self.row_at, input) {
            (Some((a, b)), Some(t)) => &t[a..b],
            _ => self.engine.record(),
        };
        Row {
            source: &self.source,
            line: self.engine.record_line(),
            text,
            spans: self.engine.spans(),
            header: self.header.as_ref().expect("rows follow the header"),
        }
    }
}

/// `s.trim()`, quicker for the usual cell that starts and ends with a
/// visible ASCII character (white space is ASCII ≤ ' ' or non-ASCII).
#[inline]
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&f), Some(&l)) if f > b' ' && f < 0x80 && l > b' ' && l < 0x80 => s,
        _ => s.trim(),
    }
}

/// One data row: its physical line and its cells (trimmed).
#[derive(Clone, Copy, Debug)]
pub struct Row<'r> {
    source: &'r str,
    line: u64,
    text: &'r str,
    spans: &'r [(usize, usize)],
    header: &'r Header,
}

impl<'r> Row<'r> {
    /// Physical line on which the row starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Number of cells (always the header's).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// `true` for a row without cells (never produced by the reader).
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The source label.
    pub fn source(&self) -> &'r str {
        self.source
    }

    /// The header the row belongs to.
    pub fn header(&self) -> &'r Header {
        self.header
    }

    /// Cell `i` (0-based), trimmed; empty when out of range.
    #[inline]
    pub fn cell(&self, i: usize) -> &'r str {
        match self.spans.get(i) {
            Some(&(a, b)) => trim(&self.text[a..b]),
            None => "",
        }
    }

    /// The cell of a declared column, trimmed; empty when the header does
    /// not have the column.
    pub fn get(&self, column: &str) -> &'r str {
        self.header.position(column).map_or("", |i| self.cell(i))
    }

    /// Where a cell of this row is.
    pub fn location(&self, column: &str) -> Location {
        Location::cell(self.source, self.line, column)
    }
}

/// A [`Reader`] over a whole text.
pub struct TextReader<'t> {
    reader: Reader,
    bytes: &'t [u8],
    text: &'t str,
    pos: usize,
}

impl std::fmt::Debug for TextReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextReader")
            .field("reader", &self.reader)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl<'t> TextReader<'t> {
    /// A reader of `text`, labelled `source` in messages.
    pub fn new(source: impl Into<String>, text: &'t str, schema: &Schema) -> Self {
        Self {
            reader: Reader::new(source, schema.clone()),
            bytes: text.as_bytes(),
            text,
            pos: 0,
        }
    }

    /// The next row, or the next problem; `None` at the end. After a format
    /// or header error only `None` follows.
    pub fn next_row(&mut self) -> Option<Result<Row<'_>, CsvError>> {
        loop {
            let rest = &self.bytes[self.pos..];
            let text = self.text.get(self.pos..);
            let (n, step) = self.reader.advance(rest, text, rest.is_empty());
            self.pos += n;
            match step {
                Step::Row => return Some(Ok(self.reader.row_in(text))),
                Step::Error(e) => return Some(Err(e)),
                Step::NeedInput => {}
                Step::End => return None,
            }
        }
    }

    /// The header, once read.
    pub fn header(&self) -> Option<&Header> {
        self.reader.header()
    }

    /// Warnings found so far.
    pub fn warnings(&self) -> &[CsvError] {
        self.reader.warnings()
    }

    /// The source label.
    pub fn source(&self) -> &str {
        self.reader.source()
    }
}

/// Bytes as UTF-8 text, or the error naming the physical line of the first
/// byte that is not UTF-8 (and a UTF-16 file as such).
///
/// # Errors
/// [`CsvError::NotUtf8`].
pub fn decode<'b>(source: &str, bytes: &'b [u8]) -> Result<&'b str, CsvError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let utf16 = bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff");
        let line = if utf16 {
            1
        } else {
            1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
        };
        CsvError::NotUtf8 {
            location: Location::line(source, line),
            utf16,
        }
    })
}
