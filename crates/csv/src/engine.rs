//! Records with their physical line numbers, pushed in chunks.
//!
//! The CSV grammar (RFC 4180 quoting, LF/CRLF) is `csv-core`'s, the engine
//! of the `csv` crate; this module feeds it one record at a time and does
//! the bookkeeping the `csv` crate does not: it skips comment and blank
//! lines itself, so that it knows the physical line on which each record
//! starts (the `csv` crate's positions point at the skipped lines instead),
//! strips a UTF-8 byte-order mark even when it arrives split across chunks,
//! validates UTF-8 once per record and notices a quote left open at the
//! end of the file.
//!
//! A line without any quote character that ends within the input is split
//! at its commas directly (the fast path that keeps `mibg survival` as fast
//! as its former hand-written parser); csv-core reads every other record.
//! Both give the same cells: a property test compares them.

/// What [`Engine::step`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A record is ready ([`Engine::record`], [`Engine::spans`],
    /// [`Engine::record_line`]).
    Record,
    /// The input is used up; more is needed.
    NeedInput,
    /// The end of the data.
    End,
    /// Bytes that are not UTF-8, on this physical line.
    NotUtf8 { line: u64 },
    /// A quote opened on line `line` was never closed; it swallowed `lines`
    /// line breaks up to the end of the data.
    Unterminated { line: u64, lines: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The first bytes of the data: a possible byte-order mark.
    Bom,
    /// Between records: skipping line ends and comment lines.
    Start,
    /// Inside a comment line.
    Comment,
    /// Inside a record (csv-core is parsing it).
    InRecord,
}

const BOM: &[u8] = b"\xef\xbb\xbf";

pub(crate) struct Engine {
    core: csv_core::Reader,
    state: State,
    /// Bytes held back while looking for a byte-order mark, then replayed.
    pre: Vec<u8>,
    pre_pos: usize,
    out: Vec<u8>,
    ends: Vec<usize>,
    nout: usize,
    nend: usize,
    record: String,
    /// Byte range of each cell in `record`.
    spans: Vec<(usize, usize)>,
    /// When the current record was read by the fast path from text known
    /// to be UTF-8, its byte range in the input of the last `step` call
    /// (the record is not copied into `record`).
    borrowed: Option<(usize, usize)>,
    /// Use csv-core for every record (tests compare both paths).
    pub(crate) no_fast_path: bool,
    /// Physical line of the next byte.
    line: u64,
    record_line: u64,
    quotes: u64,
}

impl Engine {
    pub(crate) fn new() -> Self {
        Self {
            core: csv_core::ReaderBuilder::new().build(),
            state: State::Bom,
            pre: Vec::new(),
            pre_pos: 0,
            out: vec![0; 1024],
            ends: vec![0; 64],
            nout: 0,
            nend: 0,
            record: String::new(),
            spans: Vec::new(),
            borrowed: None,
            no_fast_path: false,
            line: 1,
            record_line: 0,
            quotes: 0,
        }
    }

    /// The current record's text.
    pub(crate) fn record(&self) -> &str {
        &self.record
    }

    /// The byte range of the current record in the input of the last
    /// [`Engine::step`] call, when it was not copied into [`Engine::record`].
    pub(crate) fn borrowed(&self) -> Option<(usize, usize)> {
        self.borrowed
    }

    /// Byte range of each cell of the current record in its text.
    pub(crate) fn spans(&self) -> &[(usize, usize)] {
        &self.spans
    }

    /// Physical line on which the current record starts.
    pub(crate) fn record_line(&self) -> u64 {
        self.record_line
    }

    /// Consumes bytes of `input` until a record, the end of the input, or
    /// the end of the data (`eof`: no input will follow). Returns the bytes
    /// of `input` consumed.
    /// `text`, when given, is `input` itself known to be UTF-8 (it spares
    /// the validation of each record).
    #[inline]
    pub(crate) fn step(&mut self, input: &[u8], text: Option<&str>, eof: bool) -> (usize, Piece) {
        self.borrowed = None;
        let mut used = 0;
        if self.state == State::Bom {
            let want = BOM.len().saturating_sub(self.pre.len()).min(input.len());
            self.pre.extend_from_slice(&input[..want]);
            used = want;
            if self.pre.len() < BOM.len() && !eof {
                return (used, Piece::NeedInput);
            }
            if self.pre == BOM {
                self.pre.clear();
            }
            self.state = State::Start;
        }
        if self.pre_pos < self.pre.len() {
            let pre = std::mem::take(&mut self.pre);
            let rest_is_eof = eof && used == input.len();
            let (n, piece) = self.step_inner(&pre[self.pre_pos..], None, false);
            self.pre_pos += n;
            self.pre = pre;
            match piece {
                Piece::NeedInput => {} // replayed everything; go on with the input
                other => return (used, other),
            }
            let rest = text.and_then(|t| t.get(used..));
            let (n, piece) = self.step_inner(&input[used..], rest, rest_is_eof);
            self.shift_borrowed(used);
            return (used + n, piece);
        }
        let rest = text.and_then(|t| t.get(used..));
        let (n, piece) = self.step_inner(&input[used..], rest, eof);
        self.shift_borrowed(used);
        (used + n, piece)
    }

    fn shift_borrowed(&mut self, by: usize) {
        if by > 0
            && let Some((a, b)) = self.borrowed
        {
            self.borrowed = Some((a + by, b + by));
        }
    }

    /// A complete line without quotes at the start of `rest`, split at its
    /// commas: what csv-core would read, found with one byte scan. `None`
    /// when the line has a quote or does not end within `rest`.
    #[inline]
    fn fast_line(&mut self, rest: &[u8], text: Option<&str>) -> Option<(usize, Piece)> {
        self.spans.clear();
        let mut start = 0;
        let mut i = 0;
        let term = loop {
            let &b = rest.get(i)?;
            match b {
                b',' => {
                    self.spans.push((start, i));
                    start = i + 1;
                }
                b'\n' | b'\r' => break b,
                b'"' => return None,
                _ => {}
            }
            i += 1;
        };
        self.spans.push((start, i));
        self.record_line = self.line;
        let piece = if text.is_some_and(|t| t.is_char_boundary(i)) {
            self.borrowed = Some((0, i));
            Piece::Record
        } else {
            self.borrowed = None;
            match std::str::from_utf8(&rest[..i]) {
                Ok(s) => {
                    self.record.clear();
                    self.record.push_str(s);
                    Piece::Record
                }
                Err(_) => Piece::NotUtf8 { line: self.line },
            }
        };
        // csv-core ends a record at either byte; a `\n` after a `\r` is
        // skipped as the start of the next one.
        if term == b'\n' {
            self.line += 1;
        }
        Some((i + 1, piece))
    }

    #[inline]
    fn step_inner(&mut self, input: &[u8], text: Option<&str>, eof: bool) -> (usize, Piece) {
        let mut pos = 0;
        loop {
            match self.state {
                State::Bom => unreachable!("handled by step"),
                State::Start => {
                    while pos < input.len() {
                        match input[pos] {
                            b'\n' => {
                                self.line += 1;
                                pos += 1;
                            }
                            b'\r' => pos += 1,
                            b'#' => {
                                self.state = State::Comment;
                                pos += 1;
                                break;
                            }
                            _ => {
                                if !self.no_fast_path
                                    && let Some((n, piece)) = self
                                        .fast_line(&input[pos..], text.and_then(|t| t.get(pos..)))
                                {
                                    if let Some((a, b)) = self.borrowed {
                                        self.borrowed = Some((a + pos, b + pos));
                                    }
                                    return (pos + n, piece);
                                }
                                self.state = State::InRecord;
                                self.record_line = self.line;
                                self.quotes = 0;
                                self.nout = 0;
                                self.nend = 0;
                                break;
                            }
                        }
                    }
                    if self.state == State::Start {
                        return (pos, if eof { Piece::End } else { Piece::NeedInput });
                    }
                }
                State::Comment => match input[pos..].iter().position(|&b| b == b'\n') {
                    Some(k) => {
                        pos += k + 1;
                        self.line += 1;
                        self.state = State::Start;
                    }
                    None => {
                        return (input.len(), if eof { Piece::End } else { Piece::NeedInput });
                    }
                },
                State::InRecord => {
                    let inp = &input[pos..];
                    if inp.is_empty() && !eof {
                        return (pos, Piece::NeedInput);
                    }
                    let before = self.core.line();
                    let (res, nin, nout, nend) = self.core.read_record(
                        inp,
                        &mut self.out[self.nout..],
                        &mut self.ends[self.nend..],
                    );
                    self.quotes += inp[..nin].iter().filter(|&&b| b == b'"').count() as u64;
                    pos += nin;
                    self.nout += nout;
                    self.nend += nend;
                    self.line += self.core.line() - before;
                    match res {
                        csv_core::ReadRecordResult::InputEmpty => {
                            return (pos, Piece::NeedInput);
                        }
                        csv_core::ReadRecordResult::OutputFull => {
                            let n = self.out.len() * 2;
                            self.out.resize(n, 0);
                        }
                        csv_core::ReadRecordResult::OutputEndsFull => {
                            let n = self.ends.len() * 2;
                            self.ends.resize(n, 0);
                        }
                        csv_core::ReadRecordResult::Record => {
                            self.state = State::Start;
                            let spanned = self.line - self.record_line;
                            if inp.is_empty() && self.quotes % 2 == 1 && spanned > 0 {
                                return (
                                    pos,
                                    Piece::Unterminated {
                                        line: self.record_line,
                                        lines: spanned,
                                    },
                                );
                            }
                            let bytes = &self.out[..self.nout];
                            match std::str::from_utf8(bytes) {
                                Ok(s) => {
                                    self.borrowed = None;
                                    self.record.clear();
                                    self.record.push_str(s);
                                    self.spans.clear();
                                    let mut start = 0;
                                    for &end in &self.ends[..self.nend] {
                                        self.spans.push((start, end));
                                        start = end;
                                    }
                                    return (pos, Piece::Record);
                                }
                                Err(e) => {
                                    let nl = bytes[..e.valid_up_to()]
                                        .iter()
                                        .filter(|&&b| b == b'\n')
                                        .count()
                                        as u64;
                                    return (
                                        pos,
                                        Piece::NotUtf8 {
                                            line: self.record_line + nl,
                                        },
                                    );
                                }
                            }
                        }
                        csv_core::ReadRecordResult::End => {
                            self.state = State::Start;
                            return (pos, Piece::End);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record as (line, cells), feeding `chunk` bytes at a time.
    fn records(text: &[u8], chunk: usize) -> Vec<Result<(u64, Vec<String>), Piece>> {
        let fast = records_with(text, chunk, false);
        assert_eq!(
            fast,
            records_with(text, chunk, true),
            "fast path ≠ csv-core"
        );
        fast
    }

    fn records_with(
        text: &[u8],
        chunk: usize,
        no_fast_path: bool,
    ) -> Vec<Result<(u64, Vec<String>), Piece>> {
        let mut e = Engine::new();
        e.no_fast_path = no_fast_path;
        let mut out = Vec::new();
        let mut pos = 0;
        loop {
            let end = (pos + chunk).min(text.len());
            let eof = pos == text.len();
            let (n, piece) = e.step(&text[pos..end], None, eof);
            pos += n;
            match piece {
                Piece::Record => {
                    assert!(e.borrowed().is_none());
                    let cells = e
                        .spans()
                        .iter()
                        .map(|&(a, b)| e.record()[a..b].to_string())
                        .collect();
                    out.push(Ok((e.record_line(), cells)));
                }
                Piece::NeedInput => {}
                Piece::End => return out,
                other => {
                    out.push(Err(other));
                    return out;
                }
            }
        }
    }

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn physical_lines_count_comments_blanks_and_quoted_breaks() {
        let text = b"# c1\n\na,b\r\n\"x\ny\",2\r\n# c2\n\n3,4";
        for chunk in [1, 2, 3, 5, 1000] {
            let r = records(text, chunk);
            assert_eq!(
                r,
                vec![
                    Ok((3, cells(&["a", "b"]))),
                    Ok((4, cells(&["x\ny", "2"]))),
                    Ok((8, cells(&["3", "4"]))),
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_dropped_even_split_across_chunks() {
        let text = b"\xef\xbb\xbfa,b\n1,2\n";
        for chunk in [1, 2, 4, 100] {
            let r = records(text, chunk);
            assert_eq!(r[0], Ok((1, cells(&["a", "b"]))), "chunk {chunk}");
            assert_eq!(r[1], Ok((2, cells(&["1", "2"]))));
        }
        // Short data that only starts like a byte-order mark is kept.
        assert_eq!(records(b"ab", 1), vec![Ok((1, cells(&["ab"])))]);
        assert_eq!(records(b"a\n", 1), vec![Ok((1, cells(&["a"])))]);
        assert_eq!(records(b"", 1), vec![]);
        assert_eq!(records(b"\xef\xbb\xbf", 1), vec![]);
    }

    #[test]
    fn an_unclosed_quote_is_found_at_the_end() {
        let text = b"a,b\n1,\"open\n2,3\n4,5\n";
        for chunk in [1, 7, 100] {
            let r = records(text, chunk);
            assert_eq!(
                r.last(),
                Some(&Err(Piece::Unterminated { line: 2, lines: 3 })),
                "chunk {chunk}"
            );
        }
        // A stray quote in an unquoted cell on the last line is a character.
        let r = records(b"a,b\n1,5\" tall", 100);
        assert_eq!(r[1], Ok((2, cells(&["1", "5\" tall"]))));
        // A closed multi-line quote at the very end is fine.
        let r = records(b"a,b\n1,\"x\ny\"", 100);
        assert_eq!(r[1], Ok((2, cells(&["1", "x\ny"]))));
    }

    #[test]
    fn invalid_utf8_is_named_by_its_line() {
        let text = b"a,b\n1,2\n3,\"x\ny\xe9\"\n";
        assert_eq!(
            records(text, 100).last(),
            Some(&Err(Piece::NotUtf8 { line: 4 }))
        );
    }

    #[test]
    fn long_records_grow_the_buffers() {
        let cell = "z".repeat(5000);
        let many = vec!["1"; 200].join(",");
        let text = format!("{cell},{many}\n");
        let r = records(text.as_bytes(), 333);
        let Ok((1, c)) = &r[0] else { panic!() };
        assert_eq!(c.len(), 201);
        assert_eq!(c[0], cell);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]
            /// The fast path for unquoted lines reads exactly what csv-core
            /// reads, in any chunking.
            #[test]
            fn fast_path_equals_csv_core(
                text in "(\u{feff})?([a#,\"\r\n0é ]|\r\n){0,120}",
                chunk in 1usize..30,
            ) {
                prop_assert_eq!(
                    records_with(text.as_bytes(), chunk, false),
                    records_with(text.as_bytes(), chunk, true)
                );
            }

            /// Arbitrary bytes too (invalid UTF-8 included).
            #[test]
            fn fast_path_equals_csv_core_on_bytes(
                bytes in proptest::collection::vec(
                    prop_oneof![Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b'#'), Just(0xe9u8), Just(b'a')],
                    0..120),
                chunk in 1usize..30,
            ) {
                prop_assert_eq!(records_with(&bytes, chunk, false), records_with(&bytes, chunk, true));
            }
        }
    }
}
