//! How each number of a command's JSON is printed in its document: the
//! format tables `templates/formats/<kind>.toml`, read by the templates
//! (`num(x, "json.path")` in `mibg.typ`) and, here, by Rust, so that a test
//! can find every number of the JSON in the PDF's text ([`expected_numbers`]).
//!
//! A format is
//! * `N` — N decimals: Rust `format!("{:.N}")`, the exact binary value
//!   rounded, ties to even;
//! * `"raw"` — the shortest text that reads back as the same number (Rust
//!   `format!("{}")`, never an exponent);
//! * `"pct:N"` — the value × 100 (IEEE multiplication), N decimals;
//! * `"sci:N"` — `m.mmm × 10ⁿ`, N decimals in the mantissa (Rust
//!   `format!("{:.Ne}")`, exponent in superscript digits);
//! * `"plot"` — a point of a series that the document draws in a figure
//!   and does not print (e.g. the 421 points of a dose-rate curve):
//!   [`expected_numbers`] leaves it out, so each such key is a visible,
//!   reviewed exception in the table.
//!
//! Negative numbers take the minus sign U+2212 (−). Keys are JSON paths with
//! `[]` for any array element (`schedule[].day`) or `[N]` for element N
//! (`cohort.dosimetry[1].summary.*`); a final `*` covers every path under
//! the key's prefix ([`FormatTable::lookup`] says which key wins).

use crate::{DocumentKind, Templates};
use serde_json::Value;
use std::collections::BTreeMap;

/// One number format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumberFormat {
    /// N decimals.
    Fixed(usize),
    /// Shortest round-trip text.
    Raw,
    /// × 100, N decimals.
    Percent(usize),
    /// Scientific, N decimals in the mantissa.
    Scientific(usize),
    /// Drawn in a figure, not printed.
    Plot,
}

/// A format table that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Not TOML, or a value that is not a format.
    #[error("{file}: {message}")]
    Invalid {
        /// The table file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The template set has no such table.
    #[error("the template set has no {0}")]
    Missing(String),
    /// A number in the JSON whose path has no format.
    #[error("{file}: no number format for '{path}' (every number of the JSON must have one)")]
    NoFormat {
        /// The table file.
        file: String,
        /// The JSON path.
        path: String,
    },
}

/// A document's format table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatTable {
    file: String,
    entries: BTreeMap<String, NumberFormat>,
}

impl FormatTable {
    /// The table of `kind` in a template set.
    pub fn for_kind(kind: DocumentKind, templates: &Templates) -> Result<Self, FormatError> {
        let file = kind.formats();
        let text = templates
            .get(file)
            .ok_or_else(|| FormatError::Missing(file.to_string()))?;
        let text = std::str::from_utf8(text).map_err(|_| FormatError::Invalid {
            file: file.to_string(),
            message: "not UTF-8".into(),
        })?;
        Self::parse(text, file)
    }

    /// Parses a table from TOML text.
    pub fn parse(text: &str, file: &str) -> Result<Self, FormatError> {
        let bad = |message: String| FormatError::Invalid {
            file: file.to_string(),
            message,
        };
        let table: toml::Table = text.parse().map_err(|e| bad(format!("{e}")))?;
        let mut entries = BTreeMap::new();
        for (key, v) in table {
            let f = match &v {
                toml::Value::Integer(n) if (0..=12).contains(n) => NumberFormat::Fixed(*n as usize),
                toml::Value::String(s) if s == "raw" => NumberFormat::Raw,
                toml::Value::String(s) if s == "plot" => NumberFormat::Plot,
                toml::Value::String(s) => {
                    let digits = |d: &str| d.parse::<usize>().ok().filter(|d| *d <= 12);
                    match s.split_once(':') {
                        Some(("pct", d)) if digits(d).is_some() => {
                            NumberFormat::Percent(digits(d).unwrap_or(0))
                        }
                        Some(("sci", d)) if digits(d).is_some() => {
                            NumberFormat::Scientific(digits(d).unwrap_or(0))
                        }
                        _ => {
                            return Err(bad(format!(
                                "{key} = {v}: not N, \"raw\", \"pct:N\", \"sci:N\" or \"plot\""
                            )));
                        }
                    }
                }
                _ => {
                    return Err(bad(format!(
                        "{key} = {v}: not N (0–12), \"raw\", \"pct:N\", \"sci:N\" or \"plot\""
                    )));
                }
            };
            entries.insert(key, f);
        }
        Ok(Self {
            file: file.to_string(),
            entries,
        })
    }

    /// The format of a number at `path` (a JSON path with indices, e.g.
    /// `cohort.dosimetry[1].summary.n`). Keys match a path segment by
    /// segment: `[]` matches any index, `[N]` only index N, a final `*` any
    /// rest. Of the keys that match, the one without `*` wins, then the one
    /// with more exact indices, then the longer one.
    pub fn lookup(&self, path: &str) -> Option<NumberFormat> {
        let path = tokens(path);
        self.entries
            .iter()
            .filter_map(|(k, f)| {
                let key = tokens(k);
                matches(&key, &path).map(|exact| {
                    let wildcard = key.last() == Some(&Token::Rest);
                    ((!wildcard, exact, k.len()), *f)
                })
            })
            .max_by_key(|(rank, _)| *rank)
            .map(|(_, f)| f)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Key(String),
    AnyIndex,
    Index(usize),
    Rest,
}

/// `a.b[2][].c` → Key a, Key b, Index 2, AnyIndex, Key c; `a.*` → Key a, Rest.
fn tokens(path: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for seg in path.split('.') {
        if seg == "*" {
            out.push(Token::Rest);
            continue;
        }
        let (name, mut rest) = seg.split_at(seg.find('[').unwrap_or(seg.len()));
        if !name.is_empty() {
            out.push(Token::Key(name.to_string()));
        }
        while let Some(end) = rest.find(']') {
            let inner = &rest[1..end];
            out.push(match inner.parse() {
                Ok(i) => Token::Index(i),
                Err(_) => Token::AnyIndex,
            });
            rest = &rest[end + 1..];
        }
    }
    out
}

/// Whether `key` matches `path`; the number of exact indices if so.
fn matches(key: &[Token], path: &[Token]) -> Option<usize> {
    let mut exact = 0;
    for (i, k) in key.iter().enumerate() {
        if *k == Token::Rest {
            return (path.len() > i).then_some(exact);
        }
        match (k, path.get(i)?) {
            (Token::Key(a), Token::Key(b)) if a == b => {}
            (Token::AnyIndex, Token::Index(_)) => {}
            (Token::Index(a), Token::Index(b)) if a == b => exact += 1,
            _ => return None,
        }
    }
    (key.len() == path.len()).then_some(exact)
}

/// A number as the templates print it.
pub fn format_number(n: &serde_json::Number, f: NumberFormat) -> String {
    let v = n.as_f64().unwrap_or(0.0);
    // −0 prints as 0 (the templates test x < 0 for the sign).
    let v = if v == 0.0 { 0.0 } else { v };
    let sign = if v < 0.0 { "\u{2212}" } else { "" };
    let a = v.abs();
    let body = match f {
        NumberFormat::Fixed(d) => format!("{a:.d$}"),
        NumberFormat::Raw | NumberFormat::Plot => {
            if let Some(i) = n.as_i64() {
                i.unsigned_abs().to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                format!("{a}")
            }
        }
        NumberFormat::Percent(d) => {
            let p = v * 100.0;
            return format!("{}{:.d$}", if p < 0.0 { "\u{2212}" } else { "" }, p.abs());
        }
        NumberFormat::Scientific(d) => {
            let s = format!("{a:.d$e}");
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let sup: String = e
                .chars()
                .map(|c| match c {
                    '-' => '⁻',
                    '0' => '⁰',
                    '1' => '¹',
                    '2' => '²',
                    '3' => '³',
                    '4' => '⁴',
                    '5' => '⁵',
                    '6' => '⁶',
                    '7' => '⁷',
                    '8' => '⁸',
                    _ => '⁹',
                })
                .collect();
            format!("{m} × 10{sup}")
        }
    };
    format!("{sign}{body}")
}

/// One number of a JSON document and how its document prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedNumber {
    /// The JSON path with indices, e.g. `schedule[2].day`.
    pub path: String,
    /// The path with every index as `[]`, e.g. `schedule[].day`.
    pub pattern: String,
    /// The printed text.
    pub text: String,
}

/// Every number of `json`, printed as `table` says; an error names the
/// first path without a format.
pub fn expected_numbers(
    table: &FormatTable,
    json: &Value,
) -> Result<Vec<ExpectedNumber>, FormatError> {
    let mut out = Vec::new();
    walk(table, json, String::new(), String::new(), &mut out)?;
    Ok(out)
}

fn walk(
    table: &FormatTable,
    v: &Value,
    path: String,
    pattern: String,
    out: &mut Vec<ExpectedNumber>,
) -> Result<(), FormatError> {
    let join = |base: &str, k: &str| {
        if base.is_empty() {
            k.to_string()
        } else {
            format!("{base}.{k}")
        }
    };
    match v {
        Value::Number(n) => {
            let f = table.lookup(&path).ok_or_else(|| FormatError::NoFormat {
                file: table.file.clone(),
                path: pattern.clone(),
            })?;
            if f != NumberFormat::Plot {
                out.push(ExpectedNumber {
                    path,
                    text: format_number(n, f),
                    pattern,
                });
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                walk(
                    table,
                    x,
                    format!("{path}[{i}]"),
                    format!("{pattern}[]"),
                    out,
                )?;
            }
        }
        Value::Object(map) => {
            for (k, x) in map {
                walk(table, x, join(&path, k), join(&pattern, k), out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn n(v: Value) -> serde_json::Number {
        match v {
            Value::Number(n) => n,
            _ => unreachable!(),
        }
    }

    #[test]
    fn formats_follow_rust_formatting_with_a_true_minus() {
        let f = |v: Value, fmt| format_number(&n(v), fmt);
        assert_eq!(f(json!(85.99095559676289), NumberFormat::Fixed(1)), "86.0");
        assert_eq!(f(json!(0.125), NumberFormat::Fixed(2)), "0.12"); // tie to even
        assert_eq!(f(json!(0.375), NumberFormat::Fixed(2)), "0.38");
        assert_eq!(f(json!(-1.5), NumberFormat::Fixed(0)), "\u{2212}2");
        assert_eq!(f(json!(-0.0), NumberFormat::Fixed(2)), "0.00");
        assert_eq!(f(json!(14), NumberFormat::Fixed(0)), "14");
        assert_eq!(f(json!(444.0), NumberFormat::Raw), "444");
        assert_eq!(f(json!(0.07647), NumberFormat::Raw), "0.07647");
        assert_eq!(f(json!(-3), NumberFormat::Raw), "\u{2212}3");
        assert_eq!(
            f(json!(0.06281946422203802), NumberFormat::Percent(1)),
            "6.3"
        );
        assert_eq!(
            f(json!(0.008084052559599212), NumberFormat::Scientific(4)),
            "8.0841 × 10⁻³"
        );
        assert_eq!(
            f(json!(1.622367452615235e-15), NumberFormat::Scientific(1)),
            "1.6 × 10⁻¹⁵"
        );
        assert_eq!(f(json!(99999.0), NumberFormat::Scientific(1)), "1.0 × 10⁵");
    }

    #[test]
    fn lookup_prefers_the_own_entry_then_the_longest_wildcard() {
        let t = FormatTable::parse(
            "\"a.b\" = 2\n\"a.*\" = \"raw\"\n\"a.c.*\" = \"pct:1\"\n\"x[].y\" = \"sci:3\"",
            "t.toml",
        )
        .unwrap();
        assert_eq!(t.lookup("a.b"), Some(NumberFormat::Fixed(2)));
        assert_eq!(t.lookup("a.d[3].e"), Some(NumberFormat::Raw));
        assert_eq!(t.lookup("a.c.z"), Some(NumberFormat::Percent(1)));
        assert_eq!(t.lookup("x[7].y"), Some(NumberFormat::Scientific(3)));
        assert_eq!(t.lookup("x[7]"), None);
        assert_eq!(
            t.lookup("a"),
            None,
            "a wildcard needs at least one more segment"
        );
        assert_eq!(t.lookup("b"), None);
        let t = FormatTable::parse(
            "\"s[].n\" = 0\n\"s[1].*\" = 2\n\"s[].*\" = 1\n\"t[][1]\" = 3\n\"t[][]\" = \"raw\"",
            "t.toml",
        )
        .unwrap();
        // No wildcard beats a wildcard; an exact index beats any index.
        assert_eq!(t.lookup("s[1].n"), Some(NumberFormat::Fixed(0)));
        assert_eq!(t.lookup("s[1].mean"), Some(NumberFormat::Fixed(2)));
        assert_eq!(t.lookup("s[0].mean"), Some(NumberFormat::Fixed(1)));
        assert_eq!(t.lookup("t[4][1]"), Some(NumberFormat::Fixed(3)));
        assert_eq!(t.lookup("t[4][0]"), Some(NumberFormat::Raw));
    }

    #[test]
    fn every_number_needs_a_format_and_bad_formats_are_errors() {
        let t =
            FormatTable::parse("\"a\" = 1\n\"l[]\" = 0\n\"c[][]\" = \"plot\"", "t.toml").unwrap();
        let got = expected_numbers(
            &t,
            &json!({"a": 2.25, "l": [1, 2], "s": "x", "c": [[0.5, 7.25]]}),
        )
        .unwrap();
        let texts: Vec<&str> = got.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["2.2", "1", "2"]);
        assert_eq!(got[2].path, "l[1]");
        let e = expected_numbers(&t, &json!({"b": 1})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.toml: no number format for 'b' (every number of the JSON must have one)"
        );
        for bad in [
            "\"a\" = 13",
            "\"a\" = \"pct\"",
            "\"a\" = \"sig:2\"",
            "\"a\" = 1.5",
        ] {
            assert!(FormatTable::parse(bad, "t.toml").is_err(), "{bad}");
        }
    }

    #[test]
    fn every_builtin_table_parses() {
        for k in [
            DocumentKind::Plan,
            DocumentKind::Dose,
            DocumentKind::StudyReport,
        ] {
            FormatTable::for_kind(k, &Templates::builtin()).unwrap();
        }
    }
}
