//! Tests of the typst side: the template formatter against Rust's, the
//! world's isolation, rendering errors.

use super::*;
use crate::numbers::{NumberFormat, format_number};
use crate::world::DocWorld;

fn today() -> Datetime {
    Datetime::from_ymd_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

/// Compiles `main` (a file added to the built-in set) with `data.json` and a
/// minimal `document.json`; returns typst's errors as text.
fn compile(main: &str, source: &str, data: &Value) -> Result<PagedDocument, String> {
    let templates = Templates::builtin()
        .with_file(main, source.as_bytes().to_vec())
        .unwrap();
    let doc = json!({
        "kind": "plan", "title": "t", "paper": "a4", "generator": "test",
        "created_utc": "2026-12-01 09:00:00 UTC", "content_sha256": "0", "signed": false,
        "signatures": [], "images": {}, "formats": "/formats/plan.toml",
    });
    let files = BTreeMap::from([
        ("data.json".to_string(), serde_json::to_vec(data).unwrap()),
        (
            "document.json".to_string(),
            serde_json::to_vec(&doc).unwrap(),
        ),
    ]);
    let world = DocWorld::new(&templates, main, files, today());
    typst::compile::<PagedDocument>(&world).output.map_err(|d| {
        d.iter()
            .map(|d| describe(&world, d))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn spec(f: NumberFormat) -> Value {
    match f {
        NumberFormat::Fixed(d) => json!(d),
        NumberFormat::Raw => json!("raw"),
        NumberFormat::Percent(d) => json!(format!("pct:{d}")),
        NumberFormat::Scientific(d) => json!(format!("sci:{d}")),
        NumberFormat::Plot => json!("plot"),
    }
}

/// SplitMix64, for a reproducible spread of test values.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The typst formatter of mibg.typ prints every value exactly as the Rust
/// reference ([`format_number`], i.e. `format!`) does: exact ties (0.125,
/// 2.5, …), values one ulp beside them, negative values, integers, and
/// 400 pseudo-random values over 10⁻⁹…10⁹, in every format.
#[test]
fn the_template_formatter_prints_exactly_what_rust_prints() {
    let mut values: Vec<Value> = vec![
        json!(0),
        json!(14),
        json!(-3),
        json!(1296646727),
        json!(0.0),
        json!(0.5),
        json!(1.5),
        json!(2.5),
        json!(0.125),
        json!(0.375),
        json!(2.675),
        json!(1.005),
        json!(-0.001),
        json!(-2.5),
        json!(9.9999),
        json!(99.95),
        json!(0.0095),
        json!(1e-9),
        json!(123456789.987654),
        json!(0.008084052559599212),
        json!(1.622367452615235e-15),
        // Below typst's decimal range (a caregiver dose bound of 10⁻⁵³ mSv).
        json!(2.532945060658199e-53),
        json!(-7.1e-25),
        json!(1e-300),
    ];
    for tie in [0.125_f64, 2.5, 0.375, 1.5] {
        values.push(json!(f64::from_bits(tie.to_bits() + 1)));
        values.push(json!(f64::from_bits(tie.to_bits() - 1)));
    }
    let mut s = 0x4d49_4247_u64;
    for _ in 0..400 {
        let mantissa = (splitmix(&mut s) >> 11) as f64 / (1u64 << 53) as f64;
        let exp = (splitmix(&mut s) % 19) as i32 - 9;
        let sign = if splitmix(&mut s).is_multiple_of(4) {
            -1.0
        } else {
            1.0
        };
        values.push(json!(sign * mantissa * 10f64.powi(exp)));
    }
    let formats = [
        NumberFormat::Fixed(0),
        NumberFormat::Fixed(1),
        NumberFormat::Fixed(2),
        NumberFormat::Fixed(4),
        NumberFormat::Raw,
        NumberFormat::Percent(1),
        NumberFormat::Scientific(1),
        NumberFormat::Scientific(4),
    ];
    let mut cases = Vec::new();
    for v in &values {
        let Value::Number(n) = v else { unreachable!() };
        for f in formats {
            cases.push(json!({"x": v, "f": spec(f), "want": format_number(n, f)}));
        }
    }
    let source = r#"#import "mibg.typ": *
#for c in data {
  let got = format-with(c.x, c.f)
  assert(got == c.want, message: "x = " + repr(c.x) + ", f = " + repr(c.f) + ": template " + got + ", Rust " + c.want)
}
"#;
    compile("fmt-check.typ", source, &json!(cases)).unwrap();
}

#[test]
fn a_number_without_a_format_entry_stops_the_rendering_with_its_key() {
    let e = compile(
        "bad.typ",
        "#import \"mibg.typ\": *\n#num(1.5, \"no.such.key\")\n",
        &json!({}),
    )
    .unwrap_err();
    assert!(e.contains("no number format for 'no.such.key'"), "{e}");
    assert!(
        e.contains("mibg.typ:"),
        "the error names the file and line: {e}"
    );
}

#[test]
fn templates_see_no_system_file_and_no_package() {
    let e = compile("f.typ", "#read(\"/etc/passwd\")\n", &json!({})).unwrap_err();
    assert!(e.contains("f.typ:1:"), "{e}");
    assert!(e.contains("not found"), "{e}");
    let e = compile("g.typ", "#import \"@preview/cetz:0.3.0\": *\n", &json!({})).unwrap_err();
    assert!(e.contains("packages are not available"), "{e}");
}

#[test]
fn a_signature_for_other_content_is_refused_before_typesetting() {
    let data = json!({"x": 1});
    let mut doc = Document::new(DocumentKind::Plan, &data);
    doc.signatures.push(Signature {
        printed_name: "Dr A".into(),
        signed_at: "2026-12-01T09:30:00Z".parse().unwrap(),
        meaning: Meaning::Approved,
        content_sha256: content_hash(&json!({"x": 2})),
        identity_check: "test".into(),
    });
    let opts = RenderOptions::new("2026-12-01T09:00:00Z".parse().unwrap());
    assert!(matches!(
        render(&doc, &opts),
        Err(DocumentError::Signature(
            SignatureError::ContentMismatch { .. }
        ))
    ));
}

#[test]
fn image_names_are_checked() {
    let data = json!({});
    let mut doc = Document::new(DocumentKind::Plan, &data);
    doc.images.push(("../x.svg".into(), b"<svg/>".to_vec()));
    let opts = RenderOptions::new("2026-12-01T09:00:00Z".parse().unwrap());
    assert!(matches!(
        render(&doc, &opts),
        Err(DocumentError::ImageName(_))
    ));
}

#[test]
fn paper_names_parse() {
    assert_eq!("a4".parse::<Paper>().unwrap(), Paper::A4);
    assert_eq!("Letter".parse::<Paper>().unwrap(), Paper::UsLetter);
    assert_eq!("us-letter".parse::<Paper>().unwrap(), Paper::UsLetter);
    assert!("a5".parse::<Paper>().is_err());
}
