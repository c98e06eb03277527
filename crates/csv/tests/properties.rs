//! Properties: no input makes the reader panic; chunking never changes
//! what is read; valid tables round-trip with their physical lines.

use mibg_csv::{Event, Reader, Schema, Strictness, TextReader};
use proptest::prelude::*;

fn schema() -> Schema {
    Schema::new("t", Strictness::Clinical)
        .required("a")
        .optional("b")
        .optional("c")
}

type Out = Vec<Result<(u64, Vec<String>), String>>;

fn whole(text: &str) -> Out {
    let s = schema();
    let mut r = TextReader::new("p.csv", text, &s);
    let mut out = Vec::new();
    while let Some(item) = r.next_row() {
        out.push(
            item.map(|row| {
                (
                    row.line(),
                    (0..row.len()).map(|i| row.cell(i).to_string()).collect(),
                )
            })
            .map_err(|e| e.to_string()),
        );
    }
    out
}

fn chunked(bytes: &[u8], chunks: &[usize]) -> Out {
    let mut r = Reader::new("p.csv", schema());
    let mut out = Vec::new();
    let (mut pos, mut k) = (0, 0);
    loop {
        let size = chunks
            .get(k % chunks.len().max(1))
            .copied()
            .unwrap_or(1)
            .max(1);
        let end = (pos + size).min(bytes.len());
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
            Event::Error(e) => out.push(Err(e.to_string())),
            Event::NeedInput => k += 1,
            Event::End => return out,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes never panic, in any chunking.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        chunks in proptest::collection::vec(1usize..50, 1..8),
    ) {
        let _ = chunked(&bytes, &chunks);
    }

    /// Arbitrary CSV-ish text never panics and reads the same whole or in
    /// chunks.
    #[test]
    fn chunking_never_changes_the_result(
        text in "(\u{feff})?([abc#;\t ,\"\r\n0-9é]|\r\n){0,300}",
        chunks in proptest::collection::vec(1usize..40, 1..8),
    ) {
        prop_assert_eq!(whole(&text), chunked(text.as_bytes(), &chunks));
    }

    /// Valid rows written by the `csv` crate (quoting cells with commas,
    /// quotes and line breaks) are read back cell for cell, each on the
    /// physical line it starts on.
    #[test]
    fn valid_rows_round_trip(
        rows in proptest::collection::vec(
            proptest::collection::vec("[a-z0-9é,\"\n ;.-]{0,12}", 3), 0..30),
        crlf in any::<bool>(),
        comments in proptest::collection::vec(any::<bool>(), 0..30),
    ) {
        // Cells are trimmed, and a line of empty cells is blank: normalise
        // the input the way the rules do.
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| r.into_iter().map(|c| c.trim().to_string()).collect::<Vec<_>>())
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .collect();
        let term = if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') };
        let mut text = String::from("# generated\n");
        let mut line = 2u64;
        text.push_str(if crlf { "a,b,c\r\n" } else { "a,b,c\n" });
        line += 1;
        let mut expected = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            if comments.get(i).copied().unwrap_or(false) {
                text.push_str("#,comment\n");
                line += 1;
            }
            let mut w = csv::WriterBuilder::new()
                .terminator(term)
                .quote_style(csv::QuoteStyle::Always)
                .from_writer(Vec::new());
            w.write_record(r).unwrap();
            let rec = String::from_utf8(w.into_inner().unwrap()).unwrap();
            expected.push(Ok((line, r.clone())));
            line += rec.matches('\n').count() as u64;
            text.push_str(&rec);
        }
        prop_assert_eq!(whole(&text), expected.clone());
        prop_assert_eq!(chunked(text.as_bytes(), &[3, 1, 17]), expected);
    }
}
