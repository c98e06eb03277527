//! The text and HTML renderings of the seed study's report
//! (`cohort::render`, behind `mibg study report` and `--out`), on the
//! library itself: the command line's tests run the binary, so a wrong
//! rendering rule of this crate had no test of its own.
//!
//! Independent values: the abstract of De Ioris et al., ESMO Open
//! 2025;10(4):104541 (`../shared/seed`, which the seed study reproduces):
//! 26 patients, median age 5.9 years (range 2.5–17.2), 23 with bone or
//! marrow involvement, 21 with primary or soft-tissue disease, SIOPEN score
//! 10 (1–70) before and 6 (0–70) after, ORR 48 % (95 % CI 28–69) with one
//! progression, SIOPEN < 7 in 52 % (32–73), soft tissue < 5 cm in 67 %
//! (43–91), hypothyroidism in 6 of the 14 alive, 65 % CAR-T and 50 %
//! busulfan–melphalan, 3-year OS 55 % (33–73) and EFS 42 % (23–60), no toxic
//! death and one grade 4 mucositis. The medians against R `survival` 3.5-3
//! (`tests/data/export/seed_adtte/expected.json`: OS 1175 days, lower 512,
//! upper not reached; EFS 464 and 233 days), in years of 365.25 days by
//! hand; the Cox rows against R's fits (`tests/data/study/seed-cox`).

mod common;
use common::seed;
use mibg_clinic::cohort::render::{render_html, render_text};
use mibg_clinic::cohort::report;

fn has(text: &str, line: &str) {
    assert!(
        text.lines().any(|l| l == line),
        "no line {line:?} in\n{text}"
    );
}

fn starts(text: &str, start: &str) {
    assert!(
        text.lines().any(|l| l.starts_with(start)),
        "no line starting {start:?} in\n{text}"
    );
}

#[test]
fn the_text_report_shows_the_published_figures() {
    let t = render_text(&report(&seed()).unwrap());
    let first: Vec<&str> = t.lines().take(4).collect();
    assert_eq!(
        first,
        [
            "SYNTHETIC DATA — not patient data",
            "Synthetic seed study: 131I-mIBG + melphalan in relapsed/refractory neuroblastoma",
            "Protocol: Tandem 131I-mIBG + melphalan 110 mg/m2 with ASCR (seed study) (version 2026-11-27)",
            "",
        ]
    );
    has(&t, "Patients                                 26");
    has(
        &t,
        "Age, years: median (range)               5.9 (2.5–17.2)",
    );
    has(&t, "Bone/bone-marrow involvement             23");
    has(&t, "Primary/soft-tissue disease              21");
    has(
        &t,
        "SIOPEN at baseline                       10 (1–70)  (n = 23)",
    );
    has(&t, "SIOPEN after treatment                   6 (0–70)");
    // CR 3 + PR 9 = 12 of 25 evaluable = 48 %; one progression.
    has(
        &t,
        "Best overall response (INRC 2017, Park et al. J Clin Oncol 2017, default options): CR 3, MR 4, NE 1, PD 1, PR 9, SD 8",
    );
    starts(
        &t,
        "Overall response rate (CR + PR): 48 % (28–69)  [12/25, Clopper–Pearson (exact), 95 % CI; ",
    );
    starts(
        &t,
        "SIOPEN skeletal score < 7 achieved or maintained: 52 % (32–73)  [12/23, Wald (normal approximation), 95 % CI; ",
    );
    starts(
        &t,
        "Largest soft-tissue lesion < 50 mm after treatment: 67 % (43–91)  [10/15, ",
    );
    starts(
        &t,
        "Hypothyroidism (grade ≥ 2) at any time after the first infusion: 43 % (18–71)  [6/14, ",
    );
    starts(
        &t,
        "Proceeded to busulfan–melphalan (busulfan_melphalan): 50 % ",
    );
    starts(&t, "Proceeded to GD2-CAR-T cells (gd2_car_t): 65 % ");
    let km = "[Kaplan–Meier, Greenwood variance, log-log 95 % CI]";
    starts(&t, "OS at 1 year: ");
    starts(&t, "OS at 2 years: ");
    has(&t, &format!("OS at 3 years: 55 % (33–73), 9 at risk  {km}"));
    has(
        &t,
        &format!("EFS at 3 years: 42 % (23–60), 8 at risk  {km}"),
    );
    // 1175/365.25 = 3.22, 512/365.25 = 1.40; 464/365.25 = 1.27, 233/365.25 = 0.64.
    has(
        &t,
        "OS median: 3.2 years (95 % CI 1.4–not reached); 12 events in 26 patients",
    );
    has(
        &t,
        "EFS median: 1.3 years (95 % CI 0.6–not reached); 16 events in 26 patients",
    );
    // R: age HR exp(−0.066175) = 0.936 (0.807–1.085), p = 0.380; SIOPEN
    // exp(0.0062376) = 1.006 (0.984–1.029), p = 0.585; LR χ² 1.09, Wald
    // 1.04, score 1.06; C 0.538 (SE 0.067); 4 iterations.
    has(
        &t,
        "Cox model 'age and baseline SIOPEN score' (EFS): 26 patients, 16 events; Efron ties",
    );
    has(
        &t,
        "  age_years                HR 0.936 (95 % CI 0.807–1.085), p = 0.380",
    );
    has(
        &t,
        "  siopen_before            HR 1.006 (95 % CI 0.984–1.029), p = 0.585",
    );
    starts(&t, "  Likelihood ratio χ² 1.09 (df 2), p = ");
    has(
        &t,
        "  Concordance (Harrell's C) 0.538 (SE 0.067); 4 Newton–Raphson iterations",
    );
    has(
        &t,
        "Cox model 'age, stratified by marrow involvement' (OS): 26 patients, 12 events; Efron ties; strata: bone_marrow_involved",
    );
    has(
        &t,
        "  Mucositis oral                             4 /   1 /   0   of 26",
    );
    has(&t, "Toxic deaths: 0");
    // Only terms with a grade 3, 4 or 5: nausea and vomiting (grades 1 and
    // 2 only in events.csv) are not listed.
    let listed: Vec<&str> = t
        .lines()
        .skip_while(|l| !l.starts_with("Toxicity (worst CTCAE"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert!(!t.contains("Nausea") && !t.contains("Vomiting"));
    has(
        &t,
        "Whole-body S model: analytic for 26 patient(s) (per patient in the HTML/JSON report)",
    );
    // The seed's one warning: SYN-18's second activity 8.1 % off the plan.
    has(&t, "1 warning(s) (see the HTML/JSON report)");
    assert!(t.ends_with("1 warning(s) (see the HTML/JSON report)\n"));
}

#[test]
fn the_html_report_shows_the_published_figures() {
    let h = render_html(&report(&seed()).unwrap());
    assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n"));
    assert!(h.ends_with("</body>\n</html>\n"));
    for want in [
        "<title>Synthetic seed study: 131I-mIBG + melphalan in relapsed/refractory neuroblastoma</title>",
        "<p class=\"banner\">SYNTHETIC DATA — not patient data</p>",
        "<p>Protocol: Tandem 131I-mIBG + melphalan 110 mg/m2 with ASCR (seed study) (version 2026-11-27). Data cut-off 2024-10-31. Generated by mibg ",
        "<tr><td>Patients</td><td>26 (11 female, 15 male)</td></tr>",
        "<tr><td>Age at the first infusion, years: median (range)</td><td>5.9 (2.5–17.2)</td></tr>",
        "<tr><td>Bone / bone-marrow involvement</td><td>23 of 26</td></tr>",
        "<tr><td>Primary or soft-tissue disease</td><td>21 of 26</td></tr>",
        "<tr><td>SIOPEN score after treatment: median (range)</td><td>6 (0–70)</td></tr>",
        "<p>Best overall response (INRC 2017, Park et al. J Clin Oncol 2017, default options): CR 3, MR 4, NE 1, PD 1, PR 9, SD 8.</p>",
        "<tr><td>Overall response rate (CR + PR)</td><td>48 % (28–69)</td><td class=\"n\">12/25</td>",
        "<td>Clopper–Pearson (exact), 95 % CI</td><td class=\"small\">48.00 (",
        "<tr><td>OS</td><td>3 years</td><td>55 % (33–73)</td><td class=\"n\">9</td><td>3.2 years (95 % CI 1.4–not reached)</td><td class=\"n\">12/26</td>",
        "<tr><td>EFS</td><td>3 years</td><td>42 % (23–60)</td><td class=\"n\">8</td><td>1.3 years (95 % CI 0.6–not reached)</td><td class=\"n\">16/26</td>",
        "<tr><td>OS</td><td>1 year</td>",
        "<h3>Cox model 'age and baseline SIOPEN score' (EFS): 26 patients, 16 events; Efron ties</h3>",
        "<tr><td>age_years</td><td>HR 0.936 (95 % CI 0.807–1.085), p = 0.380</td></tr>",
        "Toxic deaths: 0.</p>",
        // One grade 4 mucositis of 26: 1 (4 %), half-up.
        "<tr><td>Mucositis oral</td><td class=\"n\">26</td>",
        "<td>1 (4 %)</td>",
        // SYN-01: 2.5 years old (913 days), A2 given 4980 MBq, EFS 77 days
        // (progression 2017-03-29), OS 356 days (death 2018-01-02).
        "<tr><td>SYN-01</td><td class=\"n\">2.5</td>",
        "<td class=\"n\">4980</td>",
        "<td class=\"n\">77</td><td class=\"n\">356</td></tr>",
        // Its worst grades of 3 and more only (nausea and vomiting, grade 2,
        // are left out of the "Worst grade ≥ 3" column).
        "<td class=\"small\">Neutrophil count decreased 4; Platelet count decreased 4; Anemia 3; Febrile neutropenia 3; Mucositis oral 4</td>",
        "<h2>Warnings</h2>\n<ul>\n<li>readings.csv line 318: patient 'SYN-18'",
    ] {
        assert!(h.contains(want), "no {want:?} in the HTML");
    }
    // Two Kaplan–Meier figures, inline.
    assert_eq!(h.matches("<svg").count(), 3, "the flow and two curves");
    // No override section when nothing was accepted.
    assert!(!h.contains("overrides.csv)</h2>"));
}

/// A study that is not synthetic has no banner; one without a title is
/// titled "Study report" in HTML; accepted overrides are listed in both,
/// each with who accepted what and why.
#[test]
fn banner_title_and_overrides_follow_the_study() {
    let mut s = seed();
    common::edit(
        &mut s,
        "study.toml",
        "synthetic = true",
        "synthetic = false",
    );
    common::edit(
        &mut s,
        "study.toml",
        "title = \"Synthetic seed study: 131I-mIBG + melphalan in relapsed/refractory neuroblastoma\"",
        "title = \"\"",
    );
    // SYN-01's 96.33 h reading with its decimal point slipped (25.44 →
    // 254.4), and every check the gate names accepted by name (as in
    // dosimetry_problems.rs).
    common::edit(
        &mut s,
        "readings.csv",
        "SYN-01,1,96.33,25.44,0.1",
        "SYN-01,1,96.33,254.4,0.1",
    );
    common::accept_every_refusal(&mut s, "checked the log");
    let r = report(&s).unwrap();
    assert!(!r.overrides.is_empty());
    let t = render_text(&r);
    assert!(t.starts_with("\nProtocol: "), "{t}");
    assert!(!t.contains("SYNTHETIC"));
    for o in &r.overrides {
        let line = format!(
            "Accepted: SYN-01 {} by A. Physicist (overrides.csv line {}: checked the log) — {}",
            o.check, o.row, o.finding
        );
        has(&t, &line);
    }
    let h = render_html(&r);
    assert!(h.contains("<title>Study report</title>"));
    assert!(h.contains("<h1>Study report</h1>"));
    assert!(!h.contains("banner\">"));
    assert!(h.contains(
        "<h2>Checks accepted by a named person (overrides.csv)</h2>\n<ul>\n<li>Accepted: SYN-01 physical-decay by A. Physicist (overrides.csv line 2: checked the log) — line 10 (96.33 h"
    ));
}

/// The Kaplan–Meier figure draws each step at its time in years (days /
/// 365.25) on an axis from 0 to the next whole year after the last time:
/// the step path's horizontal moves (`H x`) are the curve's times mapped
/// linearly onto the panel (x = 90 + 606 · years / axis end, the panel's
/// left edge and width in the SVG, written to 0.01 px), in order, and a
/// tick at each censored time.
#[test]
fn the_kaplan_meier_steps_are_drawn_at_their_times_in_years() {
    use mibg_clinic::cohort::render::km_svg;
    let r = report(&seed()).unwrap();
    for (s, c) in [(&r.cohort.os, &r.curves.os), (&r.cohort.efs, &r.curves.efs)] {
        let svg = km_svg(s, c);
        assert!(
            svg.contains("<clipPath id=\"clip0\"><rect x=\"90.00\" y=\"40.00\" width=\"606.00\"")
        );
        let step = svg
            .split("<path d=\"")
            .skip(1)
            .find(|p| p.contains("stroke-width=\"1.8\""))
            .expect("the step path");
        let d = &step[..step.find('"').unwrap()];
        let xs: Vec<f64> = d
            .split(" H ")
            .skip(1)
            .map(|t| t.split(' ').next().unwrap().parse().unwrap())
            .collect();
        let last = c.days.last().copied().unwrap() / 365.25;
        let end = last.ceil();
        let want: Vec<f64> = c
            .days
            .iter()
            .map(|d| 90.0 + 606.0 * (d / 365.25) / end)
            .collect();
        // One move per time, and a last one to the curve's end (its last
        // time again).
        assert_eq!(xs.len(), want.len() + 1, "{}", s.name);
        for (x, w) in xs.iter().zip(want.iter().chain(want.last())) {
            assert!((x - w).abs() <= 0.005 + 1e-9, "{}: {x} vs {w}", s.name);
        }
        assert!(xs.windows(2).all(|w| w[0] <= w[1]), "{}", s.name);
        // A vertical tick (stroke width 1.5) at each censored time, by the
        // same map (the legend, after the plot, draws one more).
        let plot = &svg[..svg.find("<g class=\"legend\">").unwrap()];
        let ticks: Vec<f64> = plot
            .split("<line x1=\"")
            .skip(1)
            .filter(|l| l.contains("stroke-width=\"1.5\""))
            .map(|l| l[..l.find('"').unwrap()].parse().unwrap())
            .collect();
        assert_eq!(ticks.len(), c.censored.len(), "{}", s.name);
        assert!(!ticks.is_empty());
        for (x, (d, _)) in ticks.iter().zip(&c.censored) {
            let w = 90.0 + 606.0 * (d / 365.25) / end;
            assert!((x - w).abs() <= 0.005 + 1e-9, "{}: tick {x} vs {w}", s.name);
        }
    }
}

/// The text report counts the patients by whole-body S model, and those
/// without a dosimetry of infusion 1 apart: SYN-02 without its infusion-1
/// readings (readings.csv) is the one of 26.
#[test]
fn patients_without_dosimetry_are_counted_apart() {
    let mut s = seed();
    let text = s.files["readings.csv"].clone();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("SYN-02,1,"))
        .collect();
    assert_eq!(text.lines().count() - kept.len(), 9, "SYN-02's 9 readings");
    s.insert("readings.csv", kept.join("\n") + "\n");
    let r = report(&s).unwrap();
    assert!(
        r.patients
            .iter()
            .find(|p| p.patient == "SYN-02")
            .unwrap()
            .dosimetry
            .is_none()
    );
    has(
        &render_text(&r),
        "Whole-body S model: analytic for 25 patient(s); no dosimetry of infusion 1 for 1 patient(s) (per patient in the HTML/JSON report)",
    );
}

/// A term whose only grade ≥ 3 is a grade 5 is listed in the text report's
/// toxicity table (grade 3 / 4 / 5 = 0 / 0 / 1): SYN-01's sepsis of grade 5
/// on 2017-03-01, within the toxicity window (stem cells 2017-02-08).
#[test]
fn a_term_with_only_a_grade_5_is_listed() {
    let mut s = seed();
    common::edit(
        &mut s,
        "events.csv",
        "SYN-01,2017-01-12,Vomiting,2,5.0",
        "SYN-01,2017-01-12,Vomiting,2,5.0\nSYN-01,2017-03-01,Sepsis,5,5.0",
    );
    let t = render_text(&report(&s).unwrap());
    has(
        &t,
        "  Sepsis                                     0 /   0 /   1   of 26",
    );
}
