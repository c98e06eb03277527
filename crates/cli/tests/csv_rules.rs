//! The CSV rules of every table, end to end through the real binary
//! (issue 9 item 4; README "CSV files").
//!
//! Each case under `tests/data/csv/<case>/case.json` names a command, the
//! table it reads (a valid file), its strictness and three of its columns.
//! Every rule is applied to that file, and the outcome is checked:
//!
//! * accepted layouts (BOM, CRLF, comment and blank lines, `,,` lines,
//!   header names in other case with spaces, a quoted multi-line `notes`
//!   cell) give the same result as the file itself;
//! * a `;` or tab delimiter, decimal commas (quoted or splitting a row),
//!   bytes that are not UTF-8 and an unclosed quote are refused, as the
//!   first problem, naming the line;
//! * a misspelt column is an error naming the column it probably means
//!   (clinical and selection tables) or a warning (the informational table);
//!   a duplicated column likewise;
//! * a bad cell after comments and a multi-line quoted cell is named by its
//!   physical line and its column; a 1 MB value is cut in the message; a row
//!   with a missing cell is named by its line.
//!
//! `mibg dose`, `mibg toxicity` and `mibg survival` stop at the first error
//! (exit 1, stderr); `mibg study validate --json` lists problems as JSON with
//! `file`, `row` (the physical line), `field` and `kind`.

mod common;

use common::{mibg, repo_root};
use serde_json::Value;
use std::path::{Path, PathBuf};

struct Case {
    name: String,
    command: Vec<String>,
    base: String,
    file_name: String,
    study: Option<String>,
    strictness: String,
    misspell: String,
    numeric: Option<String>,
    corrupt: String,
}

fn cases() -> Vec<Case> {
    let dir = repo_root().join("tests/data/csv");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    names.sort();
    assert!(names.len() >= 13, "{names:?}");
    names
        .into_iter()
        .map(|p| {
            let v: Value =
                serde_json::from_str(&std::fs::read_to_string(p.join("case.json")).unwrap())
                    .unwrap();
            let s = |k: &str| v[k].as_str().map(str::to_string);
            let text = std::fs::read_to_string(repo_root().join(s("input").unwrap())).unwrap();
            // The base: the file without its comment lines (the rules add
            // their own), so that data rows start on line 2.
            let base: String = text
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| format!("{l}\n"))
                .collect();
            Case {
                name: p.file_name().unwrap().to_string_lossy().to_string(),
                command: v["command"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
                base,
                file_name: s("file_name").unwrap(),
                study: s("study"),
                strictness: s("strictness").unwrap(),
                misspell: s("misspell").unwrap(),
                numeric: s("numeric"),
                corrupt: s("corrupt").unwrap(),
            }
        })
        .collect()
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    tmp: PathBuf,
    _dir: tempfile::TempDir,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

impl Case {
    fn run(&self, content: &[u8]) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().to_path_buf();
        let target = match &self.study {
            Some(study) => {
                let s = tmp.join("study");
                copy_dir(&repo_root().join(study), &s);
                s.join(&self.file_name)
            }
            None => tmp.join(&self.file_name),
        };
        std::fs::write(&target, content).unwrap();
        let study_dir = tmp.join("study");
        let args: Vec<String> = self
            .command
            .iter()
            .map(|a| match a.as_str() {
                "{file}" => target.display().to_string(),
                "{dir}" => study_dir.display().to_string(),
                other => other.to_string(),
            })
            .collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = mibg(&refs);
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
            tmp,
            _dir: dir,
        }
    }

    fn header(&self) -> Vec<String> {
        self.base
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.base
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    }

    fn col(&self, name: &str) -> usize {
        self.header()
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{}: no column {name}", self.name))
    }

    fn is_study(&self) -> bool {
        self.study.is_some()
    }
}

fn join(h: &[String], rows: &[Vec<String>], sep: &str) -> String {
    let mut s = h.join(sep) + "\n";
    for r in rows {
        s.push_str(&r.join(sep));
        s.push('\n');
    }
    s
}

/// The output without what legitimately differs between layouts: line
/// numbers (`row`, `line`) and the temporary path.
fn normalise(v: &mut Value, tmp: &str) {
    match v {
        Value::Object(m) => {
            m.remove("row");
            m.remove("line");
            for x in m.values_mut() {
                normalise(x, tmp);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| normalise(x, tmp)),
        Value::String(s) => *s = s.replace(tmp, "TMP"),
        _ => {}
    }
}

fn result(c: &Case, r: &Run) -> Value {
    assert_eq!(
        r.code,
        Some(0),
        "{}: should succeed\nstdout: {}\nstderr: {}",
        c.name,
        r.stdout,
        r.stderr
    );
    let mut v: Value = serde_json::from_str(&r.stdout).unwrap();
    normalise(&mut v, &r.tmp.display().to_string());
    v
}

/// One problem expected: in stderr for the fail-fast commands, in the JSON
/// list (errors, or warnings) for `study validate`.
struct Expect<'a> {
    line: Option<u64>,
    column: Option<&'a str>,
    phrase: &'a str,
    /// `study validate` kind (`format`, `unknown_column`, …); `None` = any.
    kind: Option<&'a str>,
    /// The problem must be the first error (format problems).
    first: bool,
    warning: bool,
}

fn check(c: &Case, r: &Run, e: &Expect, rule: &str) {
    let ctx = format!("{} / {rule}", c.name);
    if c.is_study() {
        let v: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|_| panic!("{ctx}: not JSON: {}\n{}", r.stdout, r.stderr));
        let list = if e.warning { "warnings" } else { "errors" };
        if !e.warning {
            assert_eq!(r.code, Some(1), "{ctx}: {}", r.stdout);
        }
        let items = v[list].as_array().unwrap();
        let matches = |p: &Value| {
            p["file"] == c.file_name.as_str()
                && e.line.is_none_or(|l| p["row"] == l)
                && e.column.is_none_or(|col| p["field"] == col)
                && e.kind.is_none_or(|k| p["kind"] == k)
                && p["message"].as_str().unwrap().contains(e.phrase)
        };
        let found = if e.first {
            items.first().is_some_and(matches)
        } else {
            items.iter().any(matches)
        };
        assert!(
            found,
            "{ctx}: expected {list}{} with line {:?}, column {:?}, kind {:?}, containing {:?}; got {:#}",
            if e.first { "[0]" } else { "" },
            e.line,
            e.column,
            e.kind,
            e.phrase,
            v[list]
        );
        for p in items {
            assert!(
                p["message"].as_str().unwrap().len() < 1000,
                "{ctx}: long message {p}"
            );
        }
        if e.first {
            assert!(
                !items.iter().any(|p| p["kind"] == "unknown_patient"),
                "{ctx}: cascade {}",
                v[list]
            );
        }
    } else {
        assert_eq!(
            r.code,
            Some(1),
            "{ctx}: should fail\nstdout: {}\nstderr: {}",
            r.stdout,
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{ctx}: partial output");
        let mut want = vec![e.phrase.to_string()];
        if let Some(l) = e.line {
            want.push(format!("{} line {l}", c.file_name));
        }
        if let Some(col) = e.column {
            want.push(format!("column '{col}'"));
        }
        for w in &want {
            assert!(
                r.stderr.contains(w.as_str()),
                "{ctx}: expected {w:?} in {}",
                r.stderr
            );
        }
        assert!(
            r.stderr.len() < 1000,
            "{ctx}: {} bytes of stderr",
            r.stderr.len()
        );
        assert_eq!(
            r.stderr.lines().count(),
            1,
            "{ctx}: one error: {}",
            r.stderr
        );
    }
}

fn err<'a>(
    line: Option<u64>,
    column: Option<&'a str>,
    phrase: &'a str,
    kind: &'a str,
) -> Expect<'a> {
    Expect {
        line,
        column,
        phrase,
        kind: (kind != "any").then_some(kind),
        first: false,
        warning: false,
    }
}

/// The same result as the file itself for every accepted layout.
#[test]
fn accepted_layouts_give_the_same_result() {
    for c in cases() {
        let base = result(&c, &c.run(c.base.as_bytes()));
        let h = c.header();
        let rows = c.rows();
        let mut variants: Vec<(&str, Vec<u8>)> = Vec::new();
        variants.push(("BOM", format!("\u{feff}{}", c.base).into_bytes()));
        variants.push(("CRLF", c.base.replace('\n', "\r\n").into_bytes()));
        let mut commented = format!("# a comment\n\n{}\n", h.join(","));
        for r in &rows {
            commented.push_str(&format!(
                "# another\n{}\n\n{}\n",
                r.join(","),
                ",".repeat(h.len() - 1)
            ));
        }
        variants.push(("comments, blank lines, ,, lines", commented.into_bytes()));
        let loud: Vec<String> = h
            .iter()
            .map(|x| format!(" {} ", x.to_uppercase()))
            .collect();
        variants.push((
            "header case and spaces",
            join(&loud, &rows, ",").into_bytes(),
        ));
        let mut notes = h.clone();
        notes.push("notes".into());
        let noted: Vec<Vec<String>> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut r = r.clone();
                r.push(if i == 0 {
                    "\"two, \"\"quoted\"\"\nlines\"".into()
                } else {
                    String::new()
                });
                r
            })
            .collect();
        variants.push((
            "a quoted multi-line notes cell",
            join(&notes, &noted, ",").into_bytes(),
        ));
        for (rule, text) in variants {
            let r = c.run(&text);
            assert_eq!(result(&c, &r), base, "{} / {rule}", c.name);
        }
    }
}

/// A `;` or tab delimiter is the first and only problem, on the header line.
#[test]
fn a_wrong_delimiter_is_the_first_problem() {
    for c in cases() {
        let h = c.header();
        let rows = c.rows();
        let mut semi = rows.clone();
        if let Some(n) = &c.numeric {
            let i = c.col(n);
            for r in &mut semi {
                r[i] = r[i].replace('.', ",");
            }
        }
        for (rule, text, phrase) in [
            ("semicolons", join(&h, &semi, ";"), "separated by ';'"),
            ("tabs", join(&h, &rows, "\t"), "separated by tabs"),
        ] {
            let r = c.run(text.as_bytes());
            let mut e = err(Some(1), None, phrase, "format");
            e.first = true;
            check(&c, &r, &e, rule);
        }
    }
}

/// Decimal commas: quoted in a cell (named with its line and column), or
/// splitting a row (named with its line, once).
#[test]
fn decimal_commas_are_named() {
    for c in cases() {
        let Some(n) = &c.numeric else { continue };
        let i = c.col(n);
        let h = c.header();
        let comma = |v: &str| {
            if v.contains('.') {
                v.replace('.', ",")
            } else {
                format!("{v},5")
            }
        };
        let mut quoted = c.rows();
        quoted[0][i] = format!("\"{}\"", comma(&quoted[0][i]));
        let r = c.run(join(&h, &quoted, ",").as_bytes());
        check(
            &c,
            &r,
            &err(Some(2), Some(n), "has a comma", "format"),
            "quoted decimal comma",
        );
        let mut split = c.rows();
        for row in &mut split {
            row[i] = comma(&row[i]);
        }
        let r = c.run(join(&h, &split, ",").as_bytes());
        let mut e = err(Some(2), None, "decimal commas", "format");
        e.first = true;
        check(&c, &r, &e, "decimal commas splitting rows");
    }
}

/// A misspelt column: an error naming the column it probably means, or a
/// warning for the informational table.
#[test]
fn misspelt_and_duplicated_columns() {
    for c in cases() {
        let mut h = c.header();
        let i = c.col(&c.misspell);
        // Swap the two adjacent, different letters nearest the middle.
        let chars: Vec<char> = c.misspell.chars().collect();
        let mid = chars.len() / 2;
        let k = (1..chars.len())
            .filter(|&k| chars[k - 1] != chars[k])
            .min_by_key(|&k| k.abs_diff(mid))
            .unwrap();
        let mut m = chars.clone();
        m.swap(k - 1, k);
        let wrong: String = m.into_iter().collect();
        h[i] = wrong.clone();
        let r = c.run(join(&h, &c.rows(), ",").as_bytes());
        let hint = format!("did you mean '{}'?", c.misspell);
        let meant = format!("is '{wrong}' meant to be it?");
        match c.strictness.as_str() {
            "clinical" => check(
                &c,
                &r,
                &err(Some(1), Some(&wrong), &hint, "unknown_column"),
                "misspelt column",
            ),
            "selection" => check(
                &c,
                &r,
                &err(Some(1), Some(&c.misspell), &meant, "missing_column"),
                "misspelt column",
            ),
            "informational" => {
                let mut w = err(Some(1), Some(&wrong), &hint, "unknown_column");
                w.warning = true;
                check(&c, &r, &w, "misspelt column (warning)");
                check(
                    &c,
                    &r,
                    &err(Some(1), Some(&c.misspell), &meant, "missing_column"),
                    "misspelt required column",
                );
            }
            other => panic!("{other}"),
        }
        // The corrupt column (a clinical value) twice.
        let j = c.col(&c.corrupt);
        let mut h2 = c.header();
        h2.push(c.corrupt.clone());
        let rows2: Vec<Vec<String>> = c
            .rows()
            .into_iter()
            .map(|mut r| {
                let v = r[j].clone();
                r.push(v);
                r
            })
            .collect();
        let r = c.run(join(&h2, &rows2, ",").as_bytes());
        let mut e = err(Some(1), Some(&c.corrupt), "appears twice", "duplicate");
        if c.strictness == "informational" {
            e.warning = true;
            assert_eq!(r.code, Some(0), "{}: {}", c.name, r.stdout);
        }
        check(&c, &r, &e, "duplicated column");
    }
}

/// Errors name the physical line: comment lines, blank lines and a quoted
/// multi-line cell before the bad cell all count.
#[test]
fn errors_name_physical_lines_and_cut_long_values() {
    for c in cases() {
        let h = c.header();
        let rows = c.rows();
        let j = c.col(&c.corrupt);
        let mut text = format!("# comment\n{},notes\n\n", h.join(","));
        let mut line = 4u64; // comment, header, blank
        for (k, r) in rows.iter().enumerate() {
            let last = k + 1 == rows.len();
            let mut r = r.clone();
            if last {
                r[j] = "abc".into();
            }
            let note = if k == 0 { "\"a\nb\"" } else { "" };
            let row = format!("{},{note}\n", r.join(","));
            if last {
                break_line(&c, &mut text, &row, line);
                break;
            }
            line += row.matches('\n').count() as u64;
            text.push_str(&row);
            text.push_str("# between rows\n");
            line += 1;
        }
        // A 1 MB value in the first row.
        let mut long = c.rows();
        long[0][j] = "9".repeat(1_000_000) + "x";
        let r = c.run(join(&h, &long, ",").as_bytes());
        check(
            &c,
            &r,
            &err(Some(2), Some(&c.corrupt), "(1000001 characters)", "any"),
            "long value",
        );
        // A row with a cell missing.
        let mut short = c.rows();
        let k = short.len().min(2) - 1;
        short[k].pop();
        let r = c.run(join(&h, &short, ",").as_bytes());
        check(
            &c,
            &r,
            &err(Some(k as u64 + 2), None, "where the header has", "syntax"),
            "missing cell",
        );
    }
}

fn break_line(c: &Case, text: &mut String, row: &str, line: u64) {
    text.push_str(row);
    let r = c.run(text.as_bytes());
    let e = err(Some(line), Some(&c.corrupt), "'abc'", "any");
    check(c, &r, &e, "bad cell after comments and a multi-line cell");
}

/// Bytes that are not UTF-8 (a Windows-1252 export) and a quote never
/// closed are format problems naming their line.
#[test]
fn encoding_and_unclosed_quotes() {
    for c in cases() {
        let h = c.header();
        let j = c.col(&c.corrupt);
        let rows = c.rows();
        let k = rows.len().min(2) - 1;
        let mut bytes = Vec::new();
        for (n, r) in rows.iter().enumerate() {
            let mut line = r.join(",").into_bytes();
            if n == k {
                // "é" in Windows-1252 at the end of the corrupt cell
                let mut cells: Vec<Vec<u8>> = r.iter().map(|x| x.clone().into_bytes()).collect();
                cells[j].push(0xe9);
                line = cells.join(&b',');
            }
            bytes.extend_from_slice(&line);
            bytes.push(b'\n');
        }
        let text = [format!("{}\n", h.join(",")).into_bytes(), bytes].concat();
        let r = c.run(&text);
        let mut e = err(Some(k as u64 + 2), None, "not UTF-8", "format");
        e.first = true;
        check(&c, &r, &e, "Windows-1252 byte");
        let mut open = c.rows();
        open[0][j] = format!("\"{}", open[0][j]);
        let r = c.run(join(&h, &open, ",").as_bytes());
        let mut e = err(Some(2), None, "never closed", "format");
        e.first = true;
        check(&c, &r, &e, "unclosed quote");
    }
}

/// `study report`: a readings rule broken in `readings.csv` names the line
/// of that file (comment lines counted), not the reading's place in its
/// series.
#[test]
fn study_report_names_the_line_of_a_reading() {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study");
    copy_dir(&repo_root().join("tests/data/study/one-patient"), &study);
    let text = std::fs::read_to_string(study.join("readings.csv")).unwrap();
    let text = text.replace("P1,1,8,250.92,0.10", "P1,1,8,450.92,0.10");
    std::fs::write(study.join("readings.csv"), format!("# comment\n{text}")).unwrap();
    let out = dir.path().join("out");
    let e = common::fails(&[
        "study",
        "report",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        e.contains("readings.csv line 5")
            && e.contains("column 'reading'")
            && e.contains("pre-void reading 400 (line 3)"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written");
}
