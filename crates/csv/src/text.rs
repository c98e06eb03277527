//! Small text helpers shared by every table: value excerpts for messages,
//! header-name normalisation and near-miss suggestions, number parsing with
//! the decimal-comma hint.

use serde::Serialize;

/// Longest value (in characters) quoted whole in a message.
const EXCERPT_MAX: usize = 40;
/// Characters kept of a longer value.
const EXCERPT_KEEP: usize = 32;

/// A cell value quoted for a message, cut to a readable length.
///
/// Values of at most 40 characters are quoted whole (`'12,5'`); longer ones
/// keep their first 32 characters and say how long they were
/// (`'aaaa…' (1048576 characters)`), so that a runaway field (an unclosed
/// quote, a pasted document) never floods an error. Line breaks, tabs and
/// other control characters are shown escaped (`\n`, `\t`, `\u{1b}`).
pub fn excerpt(value: &str) -> String {
    let n = value.chars().count();
    let mut out = String::with_capacity(value.len().min(4 * EXCERPT_MAX) + 24);
    out.push('\'');
    let keep = if n > EXCERPT_MAX { EXCERPT_KEEP } else { n };
    for c in value.chars().take(keep) {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    if n > EXCERPT_MAX {
        out.push_str(&format!("…' ({n} characters)"));
    } else {
        out.push('\'');
    }
    out
}

/// A header cell or column name in the form used for matching: surrounding
/// white space trimmed, letters in lower case.
pub fn normalize_name(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Letters and digits only, lower case: `Activity (MBq)` → `activitymbq`.
fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Optimal-string-alignment distance (Levenshtein plus transposition of
/// two adjacent characters), on characters.
fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// How many edits a name of `len` characters may be away from a candidate
/// and still be suggested: 1 up to 5 characters, 2 up to 9, 3 beyond.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=5 => 1,
        6..=9 => 2,
        _ => 3,
    }
}

/// The candidate that `name` was most probably meant to be, if any is close.
///
/// A candidate is close when it has the same letters and digits
/// (`Activity (MBq)` ~ `activity_mbq`), when it is a few edits away (at most
/// 1 edit for names up to 5 characters, 2 up to 9, 3 beyond; swapping two
/// adjacent letters is one edit: `backgound` ~ `background`), or when one
/// name's letters begin the other's and are at least 4 long (`weight` ~
/// `weight_kg`). The closest candidate wins; ties go to the earlier one.
pub fn suggest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let norm = normalize_name(name);
    let sq = squash(&norm);
    let mut best: Option<(usize, &'c str)> = None;
    for c in candidates {
        let cn = normalize_name(c);
        let csq = squash(&cn);
        if cn == norm {
            continue;
        }
        let score = if !sq.is_empty() && sq == csq {
            Some(0)
        } else {
            let (ln, lc) = (norm.chars().count(), cn.chars().count());
            let len = ln.max(lc);
            // The distance is at least the difference in length: skip the
            // quadratic table when that alone is too far (a fuzz finding:
            // a 1 MB header cell built a 1M × 10 table per column name,
            // 0.6 s and 800 MB for one error message).
            let d = if ln.abs_diff(lc) <= allowed_edits(len) {
                osa_distance(&norm, &cn)
            } else {
                usize::MAX
            };
            if d <= allowed_edits(len) {
                Some(d)
            } else if sq.chars().count() >= 4
                && csq.chars().count() >= 4
                && (csq.starts_with(&sq) || sq.starts_with(&csq))
            {
                Some(3)
            } else {
                None
            }
        };
        if let Some(s) = score
            && best.is_none_or(|(b, _)| s < b)
        {
            best = Some((s, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `true` when `cell` looks like a number written with a decimal comma
/// (`12,5`, `-0,25`, `1.234,5`) — or with a comma as a thousands separator
/// (`1,234`), which is just as unreadable.
pub fn looks_like_decimal_comma(cell: &str) -> bool {
    let s = cell.trim();
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let Some((left, right)) = s.split_once(',') else {
        return false;
    };
    !left.is_empty()
        && !right.is_empty()
        && left.ends_with(|c: char| c.is_ascii_digit())
        && left.chars().all(|c| c.is_ascii_digit() || c == '.')
        && right.chars().all(|c| c.is_ascii_digit())
}

/// Why a cell is not a number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NumberProblem {
    /// Not a number at all (the excerpt of the cell).
    NotANumber(String),
    /// `inf`, `NaN` and the like.
    NotFinite(String),
    /// A decimal comma or a thousands separator.
    DecimalComma(String),
}

impl std::fmt::Display for NumberProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotANumber(v) => write!(f, "{v} is not a number"),
            Self::NotFinite(v) => write!(f, "{v} is not a finite number"),
            Self::DecimalComma(v) => write!(
                f,
                "{v} has a comma; write numbers with '.' as the decimal point and no thousands separator"
            ),
        }
    }
}

impl std::error::Error for NumberProblem {}

/// Parses a (trimmed, non-empty) cell as a finite decimal number in the
/// notation of Rust's `f64` parser (`12`, `-0.5`, `1e-3`; never a locale
/// format).
///
/// # Errors
/// [`NumberProblem`]: a decimal comma is named as such.
#[inline]
pub fn parse_number(cell: &str) -> Result<f64, NumberProblem> {
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(NumberProblem::NotFinite(excerpt(cell))),
        Err(_) if looks_like_decimal_comma(cell) => Err(NumberProblem::DecimalComma(excerpt(cell))),
        Err(_) => Err(NumberProblem::NotANumber(excerpt(cell))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_long_values_and_escape_control_characters() {
        assert_eq!(excerpt("12,5"), "'12,5'");
        assert_eq!(excerpt(&"a".repeat(40)), format!("'{}'", "a".repeat(40)));
        let long = "x".repeat(1 << 20);
        let e = excerpt(&long);
        assert_eq!(e, format!("'{}…' (1048576 characters)", "x".repeat(32)));
        assert_eq!(excerpt("a\nb\tc\r\u{1b}"), "'a\\nb\\tc\\r\\u{1b}'");
        // Characters, not bytes: 41 'é' are cut, 40 are not.
        assert!(excerpt(&"é".repeat(41)).ends_with("(41 characters)"));
        assert_eq!(excerpt(&"é".repeat(40)).chars().count(), 42);
    }

    #[test]
    /// Fuzz finding (issue 9, item 7), input class "huge field": a 1 MB
    /// header cell is no near miss of any column (and is not compared
    /// letter by letter with each).
    fn huge_header_cell_is_no_near_miss() {
        let huge = "x".repeat(1 << 20);
        assert_eq!(suggest(&huge, ["patient", "date", "value"]), None);
        // The prefix rule still applies to a long name.
        let long = format!("weight{}", "g".repeat(1 << 20));
        assert_eq!(suggest(&long, ["date", "weight"]), Some("weight"));
    }

    #[test]
    fn suggestions_find_near_misses_only() {
        let cols = ["hours", "time", "reading", "background"];
        assert_eq!(suggest("backgound", cols), Some("background"));
        assert_eq!(suggest("Backround", cols), Some("background"));
        assert_eq!(suggest("readings", cols), Some("reading"));
        assert_eq!(suggest("hour", cols), Some("hours"));
        assert_eq!(suggest("tiem", cols), Some("time"));
        assert_eq!(suggest("patient", cols), None);
        assert_eq!(suggest("x", cols), None);
        assert_eq!(
            suggest("reading", cols),
            None,
            "an exact match is not a suggestion"
        );
        let study = ["activity_mbq", "weight_kg", "cd34_e6_per_kg"];
        assert_eq!(suggest("Activity (MBq)", study), Some("activity_mbq"));
        assert_eq!(suggest("activity mbq", study), Some("activity_mbq"));
        assert_eq!(suggest("weight", study), Some("weight_kg"));
        assert_eq!(suggest("cd34", study), Some("cd34_e6_per_kg"));
        assert_eq!(suggest("activity", study), Some("activity_mbq"));
    }

    #[test]
    fn osa_counts_a_transposition_as_one_edit() {
        assert_eq!(osa_distance("ab", "ba"), 1);
        assert_eq!(osa_distance("kitten", "sitting"), 3);
        assert_eq!(osa_distance("", "abc"), 3);
        assert_eq!(allowed_edits(5), 1);
        assert_eq!(allowed_edits(6), 2);
        assert_eq!(allowed_edits(9), 2);
        assert_eq!(allowed_edits(10), 3);
        assert_eq!(allowed_edits(2), 0);
        assert_eq!(allowed_edits(3), 1);
    }

    #[test]
    fn numbers_and_decimal_commas() {
        assert_eq!(parse_number("12.5"), Ok(12.5));
        assert_eq!(parse_number("-1e-3"), Ok(-0.001));
        assert_eq!(
            parse_number("12,5"),
            Err(NumberProblem::DecimalComma("'12,5'".into()))
        );
        assert_eq!(
            parse_number("inf"),
            Err(NumberProblem::NotFinite("'inf'".into()))
        );
        assert_eq!(
            parse_number("abc"),
            Err(NumberProblem::NotANumber("'abc'".into()))
        );
        for yes in ["12,5", "-0,25", "1.234,5", "1,234", "+3,0"] {
            assert!(looks_like_decimal_comma(yes), "{yes}");
        }
        for no in ["12", "a,5", "12,", ",5", "1,2,3", "12.5", "1,2a", "1.,2"] {
            assert!(!looks_like_decimal_comma(no), "{no}");
        }
        assert!(
            parse_number("12,5")
                .unwrap_err()
                .to_string()
                .contains("'.' as the decimal point")
        );
    }
}
