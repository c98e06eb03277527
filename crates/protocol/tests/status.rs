//! Status markers read from protocol comments (docs/reference/index.md,
//! "Status markers") and the position named in a protocol error: a value
//! whose marker is misread is listed (or not) for review wrongly.

use mibg_protocol::status::scan;
use mibg_protocol::{Protocol, SEED_TOML, Status};

#[test]
fn markers_as_written_in_files() {
    // docs/reference/index.md, "Status markers": [V] [V2] [C] [R] [I] [U].
    for (s, m) in [
        (Status::Verified, "[V]"),
        (Status::VerifiedSecondary, "[V2]"),
        (Status::Computed, "[C]"),
        (Status::Recalled, "[R]"),
        (Status::Interpretation, "[I]"),
        (Status::Unavailable, "[U]"),
        (Status::Unmarked, "(no marker)"),
    ] {
        assert_eq!(s.marker(), m);
    }
}

#[test]
fn comments_inside_strings_and_array_values_are_not_misread() {
    let v = scan(
        "[a]\n\
         name = \"x # not a comment\"   # [R] recalled\n\
         quoted = \"say \\\" # still inside\" # [I] ours\n\
         list = [1, 2]   # [V] source\n\
         after = 3   # [U]\n",
    );
    let got: Vec<(&str, &str, Status)> = v
        .iter()
        .map(|s| (s.key.as_str(), s.value.as_str(), s.status))
        .collect();
    assert_eq!(
        got,
        vec![
            ("a.name", "\"x # not a comment\"", Status::Recalled),
            (
                "a.quoted",
                "\"say \\\" # still inside\"",
                Status::Interpretation
            ),
            // An array value is a value, not a table header: the next key is still in [a].
            ("a.list", "[1, 2]", Status::Verified),
            ("a.after", "3", Status::Unavailable),
        ]
    );
    // The comment is the text after '#', trimmed.
    assert_eq!(v[0].comment, "[R] recalled");
    assert_eq!(v[1].comment, "[I] ours");
    // The comment is the text after '#', trimmed.
    assert_eq!(v[0].comment, "[R] recalled");
    assert_eq!(v[1].comment, "[I] ours");
}

#[test]
fn errors_name_the_table_and_key() {
    // An array value must not be taken for a table header when naming the table.
    let text = SEED_TOML.replacen(
        "max_activity_per_kg_mbq = 777.0",
        "max_activity_per_kg_mbq = \"777\"",
        1,
    );
    let e = Protocol::from_toml(&text, "p.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("(in [infusion2]): infusion2.max_activity_per_kg_mbq: "),
        "{e}"
    );
    // A control character in a comment after '=': the error names no key
    // (the text before it is a comment, not a key).
    let text = SEED_TOML.replacen("[caps]", "[caps]\n# note = \u{1}", 1);
    let e = Protocol::from_toml(&text, "p.toml")
        .unwrap_err()
        .to_string();
    assert!(!e.contains("caps.#"), "{e}");
    assert!(e.contains("(in [caps]): "), "{e}");
}

#[test]
fn an_error_at_a_table_header_names_that_table() {
    // A second [infusion1] header after [stem_cells]: the error is at the
    // header line itself, which opens [infusion1], not the table before it.
    let text = SEED_TOML.replacen(
        "[radiation_protection]",
        "[infusion1]\n[radiation_protection]",
        1,
    );
    let e = Protocol::from_toml(&text, "p.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("(in [infusion1])"), "{e}");
}

#[test]
fn literal_strings_have_no_escapes_and_hide_their_hash() {
    // TOML literal strings ('…') take a backslash and a double quote as
    // they are; a '#' inside one is not a comment.
    let text = r#"path = 'C:\dir\' # [V] a
q = 'say "hi" # no' # [I] b
multi = '''x # y''' # [C] c
apostrophe = "it's" # [R] d
"#;
    let v = scan(text);
    let got: Vec<(&str, &str, Status)> = v
        .iter()
        .map(|s| (s.key.as_str(), s.value.as_str(), s.status))
        .collect();
    assert_eq!(
        got,
        vec![
            ("path", r"'C:\dir\'", Status::Verified),
            ("q", r#"'say "hi" # no'"#, Status::Interpretation),
            ("multi", "'''x # y'''", Status::Computed),
            // An apostrophe inside a basic string opens no literal string.
            ("apostrophe", "\"it's\"", Status::Recalled),
        ]
    );
}

#[test]
fn no_slip_is_suggested_for_a_plausible_value() {
    use mibg_protocol::plausible::{COURSE_ACTIVITY, OVERSHOOT_MARGIN};
    // 40 GBq is inside 5–100 GBq (plausible.rs COURSE_ACTIVITY): no slip.
    assert_eq!(COURSE_ACTIVITY.likely_slip(40.0), None);
    assert_eq!(OVERSHOOT_MARGIN.likely_slip(0.5), None);
    // 40 000 (MBq typed as GBq) lands in the range ×0.001: the MBq slip is named.
    assert!(
        COURSE_ACTIVITY
            .likely_slip(40_000.0)
            .unwrap()
            .contains("40 GBq")
    );
    // 1 GBq is too small: ×10 lands (10 GBq), not ×0.1.
    let s = COURSE_ACTIVITY.likely_slip(1.0).unwrap();
    assert!(s.contains("slipped decimal point (10 GBq meant)"), "{s}");
    // 101 GBq: ×0.1 lands (10.1 GBq; ×0.037 for mCi gives 3.7, outside).
    let s = COURSE_ACTIVITY.likely_slip(101.0).unwrap();
    assert!(s.contains("slipped decimal point (10.1 GBq meant)"), "{s}");
}

#[test]
fn a_missing_key_is_reported_in_its_own_table() {
    // The error of a missing key points at the table's header line (column
    // 1): the table named is that one, not the one before it.
    let line = SEED_TOML
        .lines()
        .find(|l| l.starts_with("activity_per_kg_mbq"))
        .unwrap();
    let text = SEED_TOML.replacen(line, "", 1);
    let e = Protocol::from_toml(&text, "p.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("(in [infusion1])"), "{e}");
    assert!(e.contains("activity_per_kg_mbq"), "{e}");
}

#[test]
fn an_array_value_is_not_a_table_header() {
    // `extra = [1, 2]` ends with ']' but is a key: the error names [infusion2].
    let text = SEED_TOML.replacen(
        "target_total_wb_gy = 4.0",
        "extra = [1, 2]\ntarget_total_wb_gy = 4.0",
        1,
    );
    let e = Protocol::from_toml(&text, "p.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("(in [infusion2])"), "{e}");
}
