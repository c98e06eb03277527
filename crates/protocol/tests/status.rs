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
