//! Status markers of protocol values, read from the comments of the file.
//!
//! Every value in a protocol file should carry a trailing comment with its
//! source and a status marker (docs/reference/index.md, "Status markers"):
//! `[V]`, `[V2]`, `[C]` (checked) or `[R]`, `[I]`, `[U]` (not checked). The
//! **first** marker in a value's comment is its status; later markers in the
//! same comment belong to cited material. A value without a marker is
//! reported as [`Status::Unmarked`] and treated as unverified.

use serde::Serialize;

/// The status of one protocol value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// `[V]` verified in the cited source.
    Verified,
    /// `[V2]` verified only in a secondary source.
    VerifiedSecondary,
    /// `[C]` computed from cited data.
    Computed,
    /// `[R]` recalled, not checked against the primary source.
    Recalled,
    /// `[I]` interpretation or local design choice.
    Interpretation,
    /// `[U]` not available in any source.
    Unavailable,
    /// No marker in the comment.
    Unmarked,
}

impl Status {
    /// The marker as written in files, e.g. `[R]`; `(none)` for unmarked.
    pub fn marker(self) -> &'static str {
        match self {
            Status::Verified => "[V]",
            Status::VerifiedSecondary => "[V2]",
            Status::Computed => "[C]",
            Status::Recalled => "[R]",
            Status::Interpretation => "[I]",
            Status::Unavailable => "[U]",
            Status::Unmarked => "(no marker)",
        }
    }

    /// `true` for `[R]`, `[I]`, `[U]` and unmarked values: the ones a
    /// clinician must review before relying on them.
    pub fn needs_review(self) -> bool {
        matches!(
            self,
            Status::Recalled | Status::Interpretation | Status::Unavailable | Status::Unmarked
        )
    }
}

/// One value of a protocol file with its status and comment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueStatus {
    /// Dotted key path, e.g. `infusion2.interval_min_days`.
    pub key: String,
    /// The value as written in the file.
    pub value: String,
    /// The status from the first marker in the comment.
    pub status: Status,
    /// The comment text (source and notes), without the `#`.
    pub comment: String,
}

/// Scans `text` (a protocol TOML file) line by line and returns the status of
/// every `key = value` line, in file order.
///
/// Only the simple TOML used by protocol files is understood: `[table]`
/// headers, one `key = value` per line, `#` comments outside double-quoted
/// strings. This never fails; the full TOML parser validates the file.
pub fn scan(text: &str) -> Vec<ValueStatus> {
    let mut table = String::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let (code, comment) = split_comment(line);
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        if code.starts_with('[') && code.ends_with(']') {
            table = code
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            continue;
        }
        let Some((key, value)) = code.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let full = if table.is_empty() {
            key.to_string()
        } else {
            format!("{table}.{key}")
        };
        let comment = comment.unwrap_or("").trim().to_string();
        out.push(ValueStatus {
            key: full,
            value: value.trim().to_string(),
            status: first_marker(&comment),
            comment,
        });
    }
    out
}

/// The table (`[name]`) in force at byte offset `pos` of `text`, if any.
pub(crate) fn table_at(text: &str, pos: usize) -> Option<String> {
    let mut table = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > pos {
            break;
        }
        let (code, _) = split_comment(line);
        let code = code.trim();
        if code.starts_with('[') && code.ends_with(']') {
            table = Some(
                code.trim_matches(|c| c == '[' || c == ']')
                    .trim()
                    .to_string(),
            );
        }
        offset += line.len();
    }
    table
}

/// The code and the comment of one line: the first `#` outside a basic
/// (`"…"`, with `\` escapes) or literal (`'…'`, no escapes) string.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut in_string = false;
    let mut in_literal = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if in_literal => in_literal = c != '\'',
            '\\' if in_string => escaped = !escaped,
            '"' if !escaped => in_string = !in_string,
            '\'' if !in_string => in_literal = true,
            '#' if !in_string => return (&line[..i], Some(&line[i + 1..])),
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    (line, None)
}

fn first_marker(comment: &str) -> Status {
    let markers = [
        ("[V2]", Status::VerifiedSecondary),
        ("[V]", Status::Verified),
        ("[C]", Status::Computed),
        ("[R]", Status::Recalled),
        ("[I]", Status::Interpretation),
        ("[U]", Status::Unavailable),
    ];
    markers
        .iter()
        .filter_map(|(m, s)| comment.find(m).map(|i| (i, *s)))
        .min_by_key(|(i, _)| *i)
        .map_or(Status::Unmarked, |(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_marker_wins_and_tables_prefix_keys() {
        let text = "# header [V]\n[a]\nx = 1 # [I] adopted from X [V]\ny = \"q#r\" # [V2] s\n[a.b]\nz = 2\n";
        let s = scan(text);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].key, "a.x");
        assert_eq!(s[0].status, Status::Interpretation);
        assert_eq!(s[1].key, "a.y");
        assert_eq!(s[1].value, "\"q#r\"");
        assert_eq!(s[1].status, Status::VerifiedSecondary);
        assert_eq!(s[2].key, "a.b.z");
        assert_eq!(s[2].status, Status::Unmarked);
        assert!(s[2].status.needs_review());
        assert!(!Status::Verified.needs_review());
    }

    #[test]
    fn table_at_offset() {
        let text = "[a]\nx = 1\n[b]\ny = 2\n";
        assert_eq!(table_at(text, 5).as_deref(), Some("a"));
        assert_eq!(table_at(text, 17).as_deref(), Some("b"));
        assert_eq!(table_at("x = 1", 0), None);
    }
}
