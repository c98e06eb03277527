//! The CSV rules, one test per rule, on whole texts and on chunked input.

use mibg_csv::{CsvError, Event, Location, Reader, Schema, Strictness, TextReader, decode};

type Out = Vec<Result<(u64, Vec<String>), CsvError>>;

fn schema(strictness: Strictness) -> Schema {
    Schema::new("test table", strictness)
        .required("hours")
        .required("reading")
        .optional("background")
}

/// Every row (line, cells) and every error of a whole text.
fn read(text: &str, strictness: Strictness) -> Out {
    let s = schema(strictness);
    let mut r = TextReader::new("t.csv", text, &s);
    let mut out = Vec::new();
    while let Some(item) = r.next_row() {
        out.push(item.map(|row| {
            (
                row.line(),
                (0..row.len()).map(|i| row.cell(i).to_string()).collect(),
            )
        }));
    }
    out
}

/// The same through the streaming reader, `chunk` bytes at a time.
fn read_chunked(bytes: &[u8], strictness: Strictness, chunk: usize) -> Out {
    let mut r = Reader::new("t.csv", schema(strictness));
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let end = (pos + chunk).min(bytes.len());
        let (n, ev) = if pos == bytes.len() {
            (0, r.finish())
        } else {
            r.read(&bytes[pos..end])
        };
        pos += n;
        match ev {
            Event::Row(row) => out.push(Ok((
                row.line(),
                (0..row.len()).map(|i| row.cell(i).to_string()).collect(),
            ))),
            Event::Error(e) => out.push(Err(e)),
            Event::NeedInput => {}
            Event::End => return out,
        }
    }
}

fn row(line: u64, cells: &[&str]) -> Result<(u64, Vec<String>), CsvError> {
    Ok((line, cells.iter().map(|c| c.to_string()).collect()))
}

fn only_error(out: &Out) -> &CsvError {
    assert_eq!(out.len(), 1, "{out:?}");
    out[0].as_ref().unwrap_err()
}

#[test]
fn comments_blank_lines_bom_crlf_and_quoted_line_breaks() {
    let text = "\u{feff}# synthetic data\r\n\r\nHours , Reading\r\n0,\"100\"\r\n\r\n,,\r\n# note\r\n\"4\",\"9\n0\"\r\n8,80";
    let expected = vec![
        row(4, &["0", "100"]),
        row(8, &["4", "9\n0"]),
        row(10, &["8", "80"]),
    ];
    assert_eq!(read(text, Strictness::Clinical), expected);
    for chunk in [1, 2, 3, 7, 64] {
        assert_eq!(
            read_chunked(text.as_bytes(), Strictness::Clinical, chunk),
            expected,
            "chunk {chunk}"
        );
    }
}

#[test]
fn cells_are_trimmed_and_empty_cells_are_missing_values() {
    let out = read("hours,reading,background\n 1 , 2 ,\n", Strictness::Clinical);
    assert_eq!(out, vec![row(2, &["1", "2", ""])]);
}

#[test]
fn a_semicolon_header_is_the_first_and_only_error_and_names_the_decimal_comma() {
    let text = "# export\nhours;reading;background\n0;400,10;0,10\n4;311,27;0,10\n";
    let e = only_error(&read(text, Strictness::Clinical)).clone();
    assert_eq!(
        e,
        CsvError::WrongDelimiter {
            location: Location::line("t.csv", 2),
            delimiter: ';',
            decimal_comma: Some("'400,10'".into()),
        }
    );
    assert_eq!(
        e.to_string(),
        "t.csv line 2: columns are separated by ';' and numbers have decimal commas ('400,10') (a spreadsheet export in another locale?); save the file as CSV with ',' between columns and '.' as the decimal point"
    );
    assert!(e.is_format());
    // Without data rows, and without decimal commas.
    let e = only_error(&read("hours;reading\n", Strictness::Clinical)).clone();
    assert!(
        matches!(
            e,
            CsvError::WrongDelimiter {
                decimal_comma: None,
                ..
            }
        ),
        "{e}"
    );
    let e = only_error(&read("hours;reading\n0;100\n", Strictness::Clinical)).clone();
    assert!(
        matches!(
            e,
            CsvError::WrongDelimiter {
                decimal_comma: None,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn a_tab_separated_header_is_named() {
    let e = only_error(&read("hours\treading\n0\t100\n", Strictness::Clinical)).clone();
    assert!(matches!(
        e,
        CsvError::WrongDelimiter {
            delimiter: '\t',
            ..
        }
    ));
    assert!(e.to_string().contains("separated by tabs"), "{e}");
}

#[test]
fn the_delimiter_comes_before_an_encoding_problem() {
    let mut bytes = b"hours;reading\n".to_vec();
    bytes.extend_from_slice(b"0;\xe9\n");
    let out = read_chunked(&bytes, Strictness::Clinical, 5);
    assert!(
        matches!(only_error(&out), CsvError::WrongDelimiter { .. }),
        "{out:?}"
    );
}

#[test]
fn decimal_commas_in_a_comma_file_are_reported_once_at_their_first_line() {
    let text = "hours,reading,background\n0,400.1,0\n4,311,27,0,10\n8,250,92,0,10\n";
    let out = read(text, Strictness::Clinical);
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(out[0], row(2, &["0", "400.1", "0"]));
    let e = out[1].as_ref().unwrap_err();
    assert_eq!(
        e,
        &CsvError::DecimalComma {
            location: Location::line("t.csv", 3),
            found: 5,
            expected: 3,
            text: "'4,311,27,0,10'".into(),
        }
    );
    assert!(e.to_string().contains("decimal commas"), "{e}");
}

#[test]
fn a_row_with_the_wrong_number_of_cells_is_an_error_and_reading_goes_on() {
    let text = "hours,reading\n0,100\n4\n8,a,x\n12,40\n";
    let out = read(text, Strictness::Clinical);
    assert_eq!(out.len(), 4, "{out:?}");
    assert_eq!(
        out[1].as_ref().unwrap_err().to_string(),
        "t.csv line 3: 1 cell where the header has 2"
    );
    assert_eq!(
        out[2].as_ref().unwrap_err().to_string(),
        "t.csv line 4: 3 cells where the header has 2"
    );
    assert_eq!(out[3], row(5, &["12", "40"]));
}

#[test]
fn clinical_tables_stop_at_unknown_or_duplicate_columns() {
    let out = read("hours,reading,backgound\n0,100,1\n", Strictness::Clinical);
    let e = only_error(&out);
    assert_eq!(e.location(), &Location::cell("t.csv", 1, "backgound"));
    assert!(e.to_string().contains("did you mean 'background'?"), "{e}");
    let out = read("hours,reading,reading\n0,100,1\n", Strictness::Clinical);
    assert!(matches!(
        only_error(&out),
        CsvError::DuplicateColumn {
            positions: (2, 3),
            ignored: false,
            ..
        }
    ));
}

#[test]
fn informational_tables_warn_and_read_on() {
    let s = schema(Strictness::Informational);
    let mut r = TextReader::new("t.csv", "hours,reading,comment,reading\n0,100,x,7\n", &s);
    let first = r.next_row().unwrap().unwrap();
    assert_eq!(
        first.get("reading"),
        "100",
        "the first of two duplicated columns is used"
    );
    assert!(r.next_row().is_none());
    let w = r.warnings();
    assert_eq!(w.len(), 2);
    assert!(matches!(
        w[0],
        CsvError::DuplicateColumn { ignored: true, .. }
    ));
    assert!(matches!(
        w[1],
        CsvError::UnknownColumn { ignored: true, .. }
    ));
}

#[test]
fn a_missing_required_column_names_the_header() {
    let out = read("hours,value\n0,1\n", Strictness::Clinical);
    assert_eq!(out.len(), 2, "{out:?}");
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.location(), &Location::cell("t.csv", 1, "value"));
    assert!(matches!(
        e,
        CsvError::UnknownColumn {
            suggestion: None,
            ..
        }
    ));
    let e = out[1].as_ref().unwrap_err();
    assert_eq!(e.location(), &Location::cell("t.csv", 1, "reading"));
    let e = only_error(&read("hours\n0\n", Strictness::Clinical)).clone();
    assert_eq!(
        e.to_string(),
        "t.csv line 1, column 'reading': required column 'reading' is missing from the header (found: 'hours')"
    );
}

#[test]
fn empty_files_and_comment_only_files_have_no_header() {
    for text in ["", "\n\n", "# only a comment\n", "\u{feff}", ",,,\n"] {
        let e = only_error(&read(text, Strictness::Clinical)).clone();
        assert_eq!(
            e,
            CsvError::NoHeader {
                location: Location::file("t.csv")
            },
            "{text:?}"
        );
    }
    // A header without rows is a valid, empty table.
    assert!(read("hours,reading\n", Strictness::Clinical).is_empty());
}

#[test]
fn an_unclosed_quote_names_its_line_and_cuts_nothing_long_into_the_message() {
    let mut text = String::from("hours,reading\n0,100\n4,\"90\n");
    for i in 0..1000 {
        text.push_str(&format!("{i},{i}\n"));
    }
    let e = only_error(&read(&text, Strictness::Clinical)[1..].to_vec()).clone();
    assert_eq!(
        e,
        CsvError::UnterminatedQuote {
            location: Location::line("t.csv", 3),
            lines: 1001,
        }
    );
    assert!(e.to_string().len() < 200, "{e}");
}

#[test]
fn long_values_are_cut_in_messages() {
    let cell = "7".repeat(1 << 20);
    let text = format!("hours,reading\n0,100\n4,{cell},1,2\n");
    let out = read(&text, Strictness::Clinical);
    let e = out[1].as_ref().unwrap_err();
    assert!(e.to_string().len() < 300, "{} bytes", e.to_string().len());
}

#[test]
fn bytes_that_are_not_utf8_are_named_by_line() {
    let bytes = b"hours,reading\n0,100\n4,9\xe90\n";
    let out = read_chunked(bytes, Strictness::Clinical, 4);
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[1],
        Err(CsvError::NotUtf8 {
            location: Location::line("t.csv", 3),
            utf16: false
        })
    );
    let e = decode("t.csv", bytes).unwrap_err();
    assert_eq!(e.location().line, Some(3));
    let e = decode("t.csv", b"\xff\xfeh\0").unwrap_err();
    assert!(e.to_string().contains("UTF-16"), "{e}");
    assert_eq!(decode("t.csv", b"ok").unwrap(), "ok");
}

#[test]
fn selection_tables_ignore_unselected_columns() {
    let s = Schema::new("survival data", Strictness::Selection)
        .required("time")
        .required("event");
    let mut r = TextReader::new("s.csv", "id,time,event,id\n1,5,1,1\n", &s);
    let row = r.next_row().unwrap().unwrap();
    assert_eq!(
        (row.get("time"), row.get("event"), row.get("id")),
        ("5", "1", "")
    );
    assert_eq!(row.location("time"), Location::cell("s.csv", 2, "time"));
    assert_eq!(row.source(), "s.csv");
    assert_eq!(row.header().cells(), ["id", "time", "event", "id"]);
    assert_eq!(row.cell(9), "");
    assert!(r.warnings().is_empty());
}
