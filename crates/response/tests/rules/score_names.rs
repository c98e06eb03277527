//! How MIBG scores are written in files, traces and reports
//! (docs/reference/response.md §4.1–§4.3): the method and tracer names, a
//! not-assessable segment written "NE", and a total that is an interval when
//! segments are not assessable.

use mibg_response::score::{MibgMethod, MibgScore, ScoreTotal, SegmentScore, Tracer};

#[test]
fn method_and_tracer_names() {
    // docs/reference/response.md §4.1 (SIOPEN), §4.2 (Curie), §4.3 (123I / 131I).
    assert_eq!(MibgMethod::Siopen.to_string(), "SIOPEN");
    assert_eq!(MibgMethod::Curie.to_string(), "Curie");
    assert_eq!(Tracer::I123.to_string(), "123I");
    assert_eq!(Tracer::I131.to_string(), "131I");
}

#[test]
fn segment_scores_are_written_as_integers_or_ne() {
    // docs/reference/response.md §4.3: a segment is an extent score or "not assessable", written NE.
    assert_eq!(SegmentScore::Scored(4).to_string(), "4");
    assert_eq!(SegmentScore::Scored(0).to_string(), "0");
    assert_eq!(SegmentScore::NotAssessable.to_string(), "NE");
}

#[test]
fn a_total_with_not_assessable_segments_is_an_interval() {
    // docs/reference/response.md §4.3: SIOPEN 1,NE,0,…,0,2: the NE segment may hold 0–6, so the
    // total is 3–9 (3 + 0 to 3 + 6); exact totals are written as the number.
    let s = MibgScore::parse_list(MibgMethod::Siopen, "1,NE,0,0,0,0,0,0,0,0,0,2").unwrap();
    assert_eq!(s.total(), ScoreTotal { min: 3, max: 9 });
    assert_eq!(s.total().to_string(), "3–9 (not-assessable segments)");
    let s = MibgScore::parse_list(MibgMethod::Siopen, "1,0,0,0,0,0,0,0,0,0,0,2").unwrap();
    assert_eq!(s.total().to_string(), "3");
    // Curie: the soft-tissue segment (10th) NE leaves the skeletal score exact
    // (docs/reference/response.md §2.5: skeletal = first 9) and the total 4–7.
    let c = MibgScore::parse_list(MibgMethod::Curie, "1,0,0,0,3,0,0,0,0,NE").unwrap();
    assert_eq!(c.skeletal().exact(), Some(4));
    assert_eq!(c.total().to_string(), "4–7 (not-assessable segments)");
}

/// A segment value that is neither an integer nor NE is quoted in the error
/// (docs/reference/response.md §4.3: reject what is not a score, and say
/// what was given), whole up to 40 characters and cut after 40 with its full
/// length said (the fuzzing finding of issue 9: a megabyte-long value is not
/// echoed whole). 3 characters and exactly 40 are quoted as typed; 41 are
/// the first 40, "…" and "(41 characters)".
#[test]
fn a_bad_segment_value_is_quoted_whole_up_to_40_characters() {
    let msg = |v: &str| {
        MibgScore::parse_list(MibgMethod::Siopen, &format!("{v},0,0,0,0,0,0,0,0,0,0,0"))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        msg("abc"),
        "SIOPEN segment 'skull' = 'abc': expected an integer 0–6 or NE"
    );
    let forty = "x".repeat(40);
    assert_eq!(
        msg(&forty),
        format!("SIOPEN segment 'skull' = '{forty}': expected an integer 0–6 or NE")
    );
    let forty_one = "x".repeat(41);
    assert_eq!(
        msg(&forty_one),
        format!(
            "SIOPEN segment 'skull' = '{forty}… (41 characters)': expected an integer 0–6 or NE"
        )
    );
}

/// A name that is not a segment of the method is refused with the method's
/// segments in order: the ten Curie segments of
/// docs/reference/response.md §4.2 (head, cervical and thoracic spine, ribs
/// and sternum, lumbar and sacral spine, pelvis, upper arms, forearms and
/// hands, femurs, lower legs and feet, soft tissue); the name is quoted
/// whole up to 40 characters.
#[test]
fn an_unknown_segment_name_lists_the_method_segments() {
    use mibg_response::score::SegmentInput;
    let e = MibgScore::from_named(MibgMethod::Curie, [("skull", SegmentInput::Int(0))])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "'skull' is not a Curie segment (segments: head, cervical_thoracic_spine, ribs_sternum, lumbar_sacral_spine, pelvis, upper_arms, forearms_hands, femurs, lower_legs_feet, soft_tissue)"
    );
}
