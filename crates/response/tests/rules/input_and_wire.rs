//! Reading records and writing results: file formats by extension, the
//! primary's "none" status, and lengths written in millimetres rounded to
//! 1e-6 mm (crates/response/src/wire.rs) so that a cm ↔ mm conversion does
//! not show as 49.900000000000006 (issue 16).

use crate::common::*;
use mibg_response::input::{self, Format};
use mibg_response::inrc1993;
use mibg_response::record::*;
use mibg_response::series::{EndpointParams, endpoints};
use mibg_units::Length;

#[test]
fn format_by_extension() {
    assert_eq!(Format::from_name("a/b.json"), Some(Format::Json));
    assert_eq!(Format::from_name("B.JSON"), Some(Format::Json));
    assert_eq!(Format::from_name("b.toml"), Some(Format::Toml));
    assert_eq!(Format::from_name("no_extension"), None);
}

const BASE_TOML: &str = r#"
patient = "T1"
[baseline]
date = "2024-01-10"
primary = { status = "present", diameters_mm = [50], uptake = "present" }
[[follow_up]]
date = "2024-03-01"
"#;

/// "none" (resected or not identifiable) carries neither diameters nor
/// uptake: either one given is refused.
#[test]
fn primary_none_takes_no_diameters_or_uptake() {
    for extra in [r#", diameters_mm = [0]"#, r#", uptake = "absent""#] {
        let text = format!("{BASE_TOML}primary = {{ status = \"none\"{extra} }}\n");
        let e = input::parse(&text, "t.toml", Format::Toml)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.toml: follow-up 2024-03-01: primary: status \"none\" takes no diameters_mm or uptake",
            "{extra}"
        );
    }
    let text = format!("{BASE_TOML}primary = {{ status = \"none\" }}\n");
    let r = input::parse(&text, "t.toml", Format::Toml).unwrap();
    assert_eq!(r.follow_ups[0].primary, Some(Primary::None));
}

/// JSON lengths are millimetres rounded to 1e-6 mm: 4.99 cm (49.900000000000006
/// mm in binary) is written 49.9; 35.5 mm stays 35.5.
#[test]
fn lengths_are_written_in_mm_rounded() {
    let cm = Length::from_cm(4.99);
    assert_ne!(cm.mm(), 49.9, "the conversion this rounding exists for");
    let mut rec = primary_only(80.0, &[(35.5, Uptake::Improved)]);
    rec.follow_ups[0].primary = Some(Primary::Present {
        diameters: vec![cm],
        uptake: Uptake::Improved,
    });
    let e = endpoints(&rec, &EndpointParams::default());
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["largest_soft_tissue_mm"], serde_json::json!(49.9));
    assert_eq!(
        v["params"]["soft_tissue_cutoff_mm"],
        serde_json::json!(50.0)
    );
    // No measurement: null.
    let mut none = rec.clone();
    none.follow_ups[0].primary = None;
    let v = serde_json::to_value(endpoints(&none, &EndpointParams::default())).unwrap();
    assert_eq!(v["largest_soft_tissue_mm"], serde_json::Value::Null);
    // INRC 1993 lesion values (baseline 80, nadir 80, current 49.9 mm).
    let a = inrc1993::assess(&rec).unwrap().pop().unwrap();
    let v = serde_json::to_value(&a.lesions[0]).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"lesion": "primary", "value": {"baseline_mm": 80.0, "nadir_mm": 80.0, "current_mm": 49.9}})
    );
    // INRC 2017 measures: primary sum 35.5 mm.
    let rec = primary_only(80.0, &[(35.5, Uptake::Improved)]);
    let a = last(&rec, &d());
    let v = serde_json::to_value(&a.measures).unwrap();
    assert_eq!(v["primary_sum_mm"], serde_json::json!(35.5));
}

/// MIBG segments are a table of segment name = score or "NE"
/// (docs/reference/response.md §4.3: one value per named segment, "not
/// assessable" written NE): a bare number where that table belongs is a
/// syntax error that says what was expected, in TOML and in JSON.
#[test]
fn segments_that_are_not_a_table_say_what_is_expected() {
    let expected = "expected a table of segment name = score or \"NE\"";
    let toml =
        format!("{BASE_TOML}mibg = {{ method = \"siopen\", tracer = \"123I\", segments = 3 }}\n");
    let e = input::parse(&toml, "t.toml", Format::Toml).unwrap_err();
    assert!(matches!(e, input::InputError::Syntax { .. }), "{e}");
    assert!(e.to_string().contains(expected), "{e}");
    let json = r#"{"patient": "J", "baseline": {"date": "2024-01-10", "mibg": {"method": "siopen", "tracer": "123I", "segments": 3}}}"#;
    let e = input::parse(json, "d.json", Format::Json).unwrap_err();
    assert!(matches!(e, input::InputError::Syntax { .. }), "{e}");
    assert!(e.to_string().contains(expected), "{e}");
}
