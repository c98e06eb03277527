//! Tests: XML structure, axis placement, path coordinates by hand.

use super::*;

/// Checks that every start tag has its end tag, in order, and returns the
/// number of elements. A minimal XML well-formedness check for our output:
/// no comments, CDATA or processing instructions are produced.
fn check_xml(s: &str) -> Result<usize, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut count = 0;
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        if text.contains('>') {
            return Err(format!("stray '>' in text {text:?}"));
        }
        check_entities(text)?;
        let j = rest[i..].find('>').ok_or("unterminated tag")? + i;
        let tag = &rest[i + 1..j];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("unexpected </{name}>"))?;
            if open != name.trim() {
                return Err(format!("</{name}> closes <{open}>"));
            }
        } else {
            count += 1;
            let self_closing = tag.ends_with('/');
            let name: String = tag
                .trim_end_matches('/')
                .split_whitespace()
                .next()
                .ok_or("empty tag")?
                .to_string();
            // Attribute values must be quoted and escaped.
            let attrs = &tag[name.len()..];
            if !attrs.matches('"').count().is_multiple_of(2) {
                return Err(format!("unbalanced quotes in <{tag}>"));
            }
            check_entities(attrs)?;
            if attrs.contains('<') {
                return Err(format!("'<' in attributes of <{name}>"));
            }
            if !self_closing {
                stack.push(name);
            }
        }
        rest = &rest[j + 1..];
    }
    if !rest.trim().is_empty() {
        return Err(format!("trailing text {rest:?}"));
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> not closed"));
    }
    Ok(count)
}

fn check_entities(t: &str) -> Result<(), String> {
    for (i, _) in t.match_indices('&') {
        let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
            .iter()
            .any(|e| t[i..].starts_with(e));
        if !ok {
            return Err(format!("bare '&' in {t:?}"));
        }
    }
    Ok(())
}

fn map_0_10_by_0_1() -> (Resolved, Resolved) {
    (
        axis::resolve(&Axis::linear("x").range(0.0, 10.0), &[]),
        axis::resolve(&Axis::linear("y").range(0.0, 1.0), &[]),
    )
}

#[test]
fn xml_checker_can_fail() {
    assert!(check_xml("<a><b></a></b>").is_err());
    assert!(check_xml("<a>x & y</a>").is_err());
    assert!(check_xml("<a>").is_err());
    assert_eq!(check_xml("<a><b/>t &amp; u</a>"), Ok(2));
}

#[test]
fn step_path_by_hand() {
    // Plot area 0..100 px for x in 0..10 and y in 0..1 (y pixel 0 at the top):
    // (0, 1) → (0, 0); (2, 0.5) → (20, 50); (5, 0.25) → (50, 75); end 10 → 100.
    let (rx, ry) = map_0_10_by_0_1();
    let m = Map {
        rx: &rx,
        ry: &ry,
        x0: 0.0,
        x1: 100.0,
        y0: 0.0,
        y1: 100.0,
    };
    assert_eq!(
        step_path(&m, &[(0.0, 1.0), (2.0, 0.5), (5.0, 0.25)], Some(10.0)),
        "M 0.00 0.00 H 20.00 V 50.00 H 50.00 V 75.00 H 100.00"
    );
    // Without an end the path stops at the last jump.
    assert_eq!(
        step_path(&m, &[(0.0, 1.0), (2.0, 0.5)], None),
        "M 0.00 0.00 H 20.00 V 50.00"
    );
    assert_eq!(
        line_path(&m, &[(0.0, 0.0), (10.0, 1.0)]),
        "M 0.00 100.00 L 100.00 0.00"
    );
    // Stepped band: upper 1 → 0.8 at x=5, lower 1 → 0.4; end 10.
    assert_eq!(
        band_path(&m, &[(0.0, 1.0, 1.0), (5.0, 0.4, 0.8)], true, Some(10.0)),
        "M 0.00 0.00 L 50.00 0.00 L 50.00 20.00 L 100.00 20.00 L 100.00 60.00 L 50.00 60.00 L 50.00 0.00 L 0.00 0.00 Z"
    );
}

#[test]
fn log_axis_places_decades_evenly() {
    // y log axis 10..1000 over a 300 px plot starting at y0: 100 sits at the
    // middle, 10 at the bottom and 1000 at the top.
    let svg = Figure::new(400.0)
        .panel(
            Panel::new(Axis::linear("t (h)"), Axis::log10("µSv/h"))
                .series(Series::points("r", vec![(0.0, 400.0), (100.0, 20.0)])),
        )
        .to_svg();
    check_xml(&svg).unwrap();
    // No title: top = 8, panel pad 10 → y0 = 18, y1 = 318; 100 → 168.
    assert!(
        svg.contains(r#"<text x="84.00" y="172.00" text-anchor="end">100</text>"#),
        "{svg}"
    );
    assert!(svg.contains(r#"<text x="84.00" y="322.00" text-anchor="end">10</text>"#));
    assert!(svg.contains(r#"<text x="84.00" y="22.00" text-anchor="end">1000</text>"#));
    // The point (0, 400): x = 90 px; y = 318 − 300·log10(400/10)/2 = 318 − 300 × 0.80103 = 77.69.
    assert!(svg.contains(r#"<circle cx="90.00" cy="77.69""#), "{svg}");
}

#[test]
fn full_km_figure_is_valid_and_deterministic() {
    let build = || {
        Figure::new(720.0)
            .title("Event-free survival <by arm> & \"group\"")
            .panel(
                Panel::new(
                    Axis::linear("months"),
                    Axis::linear("survival").range(0.0, 1.0),
                )
                .series(Series::band(
                    "95% CI",
                    vec![(0.0, 1.0, 1.0), (3.0, 0.5, 0.95), (7.0, 0.3, 0.8)],
                    true,
                    Some(12.0),
                ))
                .series(Series::step(
                    "A",
                    vec![(0.0, 1.0), (3.0, 0.75), (7.0, 0.5)],
                    Some(12.0),
                ))
                .series(Series::step("B", vec![(0.0, 1.0), (5.0, 0.6)], Some(10.0)).dashed())
                .series(Series::ticks("censored", vec![(4.0, 0.75), (12.0, 0.5)])),
            )
            .table(
                TextTable::new("Number at risk")
                    .row_colored("A", PALETTE[0], vec![(0.0, "8".into()), (6.0, "4".into())])
                    .row(
                        "B",
                        vec![(0.0, "9".into()), (12.0, "1".into()), (99.0, "x".into())],
                    ),
            )
            .to_svg()
    };
    let a = build();
    assert_eq!(a, build(), "deterministic");
    let n = check_xml(&a).unwrap();
    assert!(n > 30, "{n}");
    assert!(a.contains("Event-free survival &lt;by arm&gt; &amp; &quot;group&quot;"));
    // The band shares the colour of curve A (first palette entry), B gets the second.
    assert!(a.contains(r##"fill="#0072B2" fill-opacity="0.20""##));
    assert!(a.contains(r##"stroke="#D55E00" stroke-width="1.8" stroke-dasharray="6 4""##));
    // Number-at-risk cells sit under their x; the out-of-range cell is dropped.
    assert!(a.contains(">Number at risk</text>"));
    assert!(!a.contains(">x</text>"));
    assert!(a.contains(r##"fill="#0072B2">A</text>"##));
}

#[test]
fn dose_figure_with_residual_panel_shares_x() {
    let svg = Figure::new(600.0)
        .share_x()
        .panel(
            Panel::new(Axis::linear("t"), Axis::log10("R"))
                .series(Series::points("data", vec![(0.0, 1.0), (120.0, 0.05)]))
                .series(Series::line(
                    "fit",
                    vec![(0.0, 1.0), (60.0, 0.2), (120.0, 0.05)],
                ))
                .series(Series::error_bars("", vec![(60.0, 0.15, 0.25)])),
        )
        .panel(
            Panel::new(Axis::linear("t"), Axis::linear("residual"))
                .height(100.0)
                .reference_y(0.0)
                .series(Series::points("", vec![(0.0, 0.01), (24.0, -0.02)])),
        )
        .to_svg();
    check_xml(&svg).unwrap();
    // Both panels span 0..120 h (the union): the 120 tick label appears twice.
    assert_eq!(svg.matches(">120</text>").count(), 2, "{svg}");
    assert!(svg.contains(r#"stroke-dasharray="4 3""#));
    // Values ≤ 0 on a log axis are skipped, not drawn at -∞.
    let svg = Figure::new(300.0)
        .panel(
            Panel::new(Axis::linear("t"), Axis::log10("R")).series(Series::line(
                "l",
                vec![(0.0, 1.0), (1.0, 0.0), (2.0, 0.1), (3.0, 0.05)],
            )),
        )
        .to_svg();
    check_xml(&svg).unwrap();
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    assert_eq!(svg.matches("<path d=\"M").count(), 1);
    assert!(
        svg.contains(" M "),
        "the path restarts after the gap: {svg}"
    );
}

#[test]
fn escaping_and_number_format() {
    assert_eq!(escape("a<b>&'\""), "a&lt;b&gt;&amp;&apos;&quot;");
    assert_eq!(escape("x\u{1}y"), "xy");
    assert_eq!(num(-0.001), "0.00");
    assert_eq!(
        num(2.345),
        "2.35".to_string().replace("2.35", &format!("{:.2}", 2.345))
    );
    assert_eq!(num(1234.5), "1234.50");
}
