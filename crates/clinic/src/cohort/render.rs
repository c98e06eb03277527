//! Rendering a [`StudyReport`]: a self-contained HTML page (tables and inline
//! SVG, readable offline: no script, no external file), the Kaplan–Meier
//! SVG figures, and a plain-text cohort summary for the terminal.
//!
//! Percentages are shown rounded half-up to whole percent, as publications
//! round (`docs/reference/statistics.md` §0); the JSON carries the unrounded values.

use super::types::{
    AcceptedOverride, CoxModel, Curve, Descriptive, Estimate, MedianOut, StudyReport,
    SurvivalSummary,
};
use mibg_plot::{Axis, Figure, Panel, Series, TextTable};
use mibg_study::config::DAYS_PER_YEAR;
use std::fmt::Write as _;

/// Rounds half-up to a whole number (publication rounding, `docs/reference/statistics.md` §0).
pub fn round_half_up(x: f64) -> f64 {
    (x + 0.5).floor()
}

fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{:.0}", round_half_up(v)))
}

/// "48 % (28–69)" for an estimate, "–" when undefined.
pub fn estimate_text(e: &Estimate) -> String {
    match e.percent {
        None => "– (no patient in the denominator)".into(),
        Some(p) => format!(
            "{} % ({}–{})",
            pct(Some(p)),
            pct(e.lower_pct),
            pct(e.upper_pct)
        ),
    }
}

fn num(v: Option<f64>, dec: usize) -> String {
    v.map_or("–".into(), |x| format!("{x:.dec$}"))
}

/// "5.9 (2.5–17.2)" for a summary (median and range).
pub fn median_range(d: &Descriptive, dec: usize) -> String {
    let s = &d.summary;
    format!(
        "{} ({}–{})",
        num(s.median, dec),
        num(s.min, dec),
        num(s.max, dec)
    )
}

/// "1 year", "3 years", "2.5 years".
fn year_count(y: f64) -> String {
    if y == 1.0 {
        "1 year".to_string()
    } else {
        format!("{y} years")
    }
}

fn years(days: Option<f64>) -> String {
    days.map_or("not reached".into(), |d| {
        format!("{:.1}", d / DAYS_PER_YEAR)
    })
}

fn median_text(m: &MedianOut) -> String {
    format!(
        "{} years (95 % CI {}–{})",
        years(m.days),
        years(m.lower_days),
        years(m.upper_days)
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn method_label(e: &Estimate) -> String {
    format!("{}, {:.0} % CI", e.method.label(), e.conf_level * 100.0)
}

/// The Kaplan–Meier figure of one endpoint: step curve, stepped CI band,
/// censoring ticks, and the numbers at risk at each whole year.
pub fn km_svg(s: &SurvivalSummary, c: &Curve) -> String {
    let mut step = vec![(0.0, 1.0)];
    let mut band = Vec::new();
    for i in 0..c.days.len() {
        let y = c.days[i] / DAYS_PER_YEAR;
        step.push((y, c.surv[i]));
        if let (Some(l), Some(u)) = (c.lower[i], c.upper[i]) {
            band.push((y, l, u));
        }
    }
    let end = c.days.last().copied().unwrap_or(0.0) / DAYS_PER_YEAR;
    let ticks: Vec<(f64, f64)> = c
        .censored
        .iter()
        .map(|&(d, s)| (d / DAYS_PER_YEAR, s))
        .collect();
    let label = format!("{} ({})", s.name, s.method);
    let panel = Panel::new(
        Axis::linear("years from the first infusion").range(0.0, end.ceil().max(1.0)),
        Axis::linear(format!("{} probability", s.name)).range(0.0, 1.0),
    )
    .series(Series::band("95 % CI", band, true, Some(end)))
    .series(Series::step(&s.name, step, Some(end)))
    .series(Series::ticks("censored", ticks));
    // The landmark estimates are in the table above the plot; unlabelled
    // horizontal lines at their heights were read as thresholds.
    Figure::new(720.0)
        .title(label)
        .panel(panel)
        .table(TextTable::new("Number at risk").row(
            s.name.clone(),
            c.at_risk.iter().map(|&(y, n)| (y, n.to_string())).collect(),
        ))
        .to_svg()
}

/// How the report names the response criteria it applied (study.toml
/// `[response] criteria`): the study report uses the criteria's default
/// options for every ambiguity (docs/reference/response.md §2), and says so.
fn criteria_label(criteria: &str) -> &'static str {
    match criteria {
        "inrc1993" => "INRC 1993, Brodeur et al. J Clin Oncol 1993",
        _ => "INRC 2017, Park et al. J Clin Oncol 2017, default options",
    }
}

/// The self-contained HTML report.
pub fn render_html(r: &StudyReport) -> String {
    let c = &r.cohort;
    let mut h = String::new();
    let title = if r.title.is_empty() {
        "Study report"
    } else {
        &r.title
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n\
body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}\n\
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}}\n\
th{{background:#eee}}td.n{{text-align:right}}.banner{{background:#b00;color:#fff;padding:.6em 1em;font-weight:bold}}\n\
.small{{font-size:85%;color:#555}}\n.warn{{color:#8a4b00}}\n</style>\n</head>\n<body>\n",
        esc(title)
    );
    if r.synthetic {
        h.push_str("<p class=\"banner\">SYNTHETIC DATA — not patient data</p>\n");
    }
    let _ = writeln!(h, "<h1>{}</h1>", esc(title));
    let _ = writeln!(
        h,
        "<p>Protocol: {}. {}Generated by mibg {} from the raw study files.</p>",
        esc(&r.protocol),
        r.data_cutoff
            .as_ref()
            .map_or(String::new(), |d| format!("Data cut-off {}. ", esc(d))),
        env!("CARGO_PKG_VERSION")
    );

    h.push_str("<h2>Patient flow</h2>\n");
    h.push_str(&super::flow::patient_flow(r).to_svg());
    h.push_str("<h2>Cohort</h2>\n<table>\n<tr><th>Characteristic</th><th>Value</th></tr>\n");
    let row = |h: &mut String, k: &str, v: String| {
        let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(&v));
    };
    row(
        &mut h,
        "Patients",
        format!("{} ({} female, {} male)", c.n, c.female, c.male),
    );
    row(
        &mut h,
        "Age at the first infusion, years: median (range)",
        median_range(&c.age_years, 1),
    );
    row(
        &mut h,
        "Bone / bone-marrow involvement",
        format!("{} of {}", c.bone_marrow_involved, c.n),
    );
    row(
        &mut h,
        "Primary or soft-tissue disease",
        format!("{} of {}", c.soft_tissue_involved, c.n),
    );
    row(
        &mut h,
        "SIOPEN skeletal score at baseline: median (range)",
        format!(
            "{} — {}",
            median_range(&c.siopen_before, 0),
            c.siopen_before.population
        ),
    );
    row(
        &mut h,
        "SIOPEN score after treatment: median (range)",
        median_range(&c.siopen_after, 0),
    );
    row(
        &mut h,
        "SIOPEN reduction, %: median (range)",
        median_range(&c.siopen_reduction_pct, 1),
    );
    for d in &c.dosimetry {
        let dec = if d.name.contains("MBq") { 0 } else { 2 };
        row(
            &mut h,
            &format!("{}: median (range)", d.name),
            median_range(d, dec),
        );
    }
    row(
        &mut h,
        "Median follow-up",
        format!(
            "{} — {}",
            median_text(&c.median_followup),
            c.median_followup.method
        ),
    );
    h.push_str("</table>\n");

    h.push_str("<h2>Response and endpoints</h2>\n");
    let best: Vec<String> = c
        .best_response
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        h,
        "<p>Best overall response ({}): {}.</p>",
        esc(criteria_label(&r.analysis.response.criteria)),
        esc(&best.join(", "))
    );
    h.push_str(
        "<table>\n<tr><th>Estimate</th><th>% (95 % CI)</th><th>x / n</th><th>Denominator</th><th>CI method</th><th>Exact</th></tr>\n",
    );
    for e in c.estimates() {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}/{}</td><td>{}</td><td>{}</td><td class=\"small\">{} ({}–{})</td></tr>",
            esc(&e.name),
            esc(&estimate_text(e)),
            e.x,
            e.n,
            esc(&e.denominator_rule),
            esc(&method_label(e)),
            num(e.percent, 2),
            num(e.lower_pct, 2),
            num(e.upper_pct, 2)
        );
        for w in &e.warnings {
            let _ = writeln!(
                h,
                "<tr><td colspan=\"6\" class=\"warn\">⚠ {}</td></tr>",
                esc(w)
            );
        }
    }
    h.push_str("</table>\n");

    h.push_str("<h2>Survival</h2>\n<table>\n<tr><th>Endpoint</th><th>Landmark</th><th>% (95 % CI)</th><th>At risk</th><th>Median</th><th>Events / n</th><th>Method</th></tr>\n");
    for s in [&c.os, &c.efs] {
        for l in &s.landmarks {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{} % ({}–{}){}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}/{}</td><td>{}</td></tr>",
                esc(&s.name),
                year_count(l.years),
                pct(Some(l.percent)),
                pct(l.lower_pct),
                pct(l.upper_pct),
                if l.beyond_last_time {
                    " (beyond the last observed time)"
                } else {
                    ""
                },
                l.n_risk,
                esc(&median_text(&s.median)),
                s.n_events,
                s.n,
                esc(&s.method)
            );
        }
    }
    h.push_str("</table>\n");
    for s in [&c.os, &c.efs] {
        let _ = writeln!(h, "<p class=\"small\">{}</p>", esc(&s.definition));
    }
    for m in &c.cox {
        let _ = writeln!(h, "<h3>{}</h3>", esc(&cox_heading(m)));
        h.push_str("<table>\n<tr><th>Covariate</th><th>Hazard ratio (CI), p</th></tr>\n");
        for (name, cell) in cox_rows(m) {
            let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(&name), esc(&cell));
        }
        h.push_str("</table>\n");
        for line in cox_tests(m) {
            let _ = writeln!(h, "<p class=\"small\">{}</p>", esc(&line));
        }
    }
    h.push_str(&km_svg(&c.os, &r.curves.os));
    h.push('\n');
    h.push_str(&km_svg(&c.efs, &r.curves.efs));
    h.push('\n');

    h.push_str("<h2>Toxicity (CTCAE v5.0, worst grade per patient)</h2>\n");
    let _ = writeln!(
        h,
        "<p>Window: first infusion to {} days after the last stem-cell infusion. Toxic deaths: {}.</p>",
        r.analysis.toxicity.window_days_after_stem_cells, c.toxic_deaths
    );
    h.push_str("<table>\n<tr><th>Term</th><th>n</th><th>Grade 1–2</th><th>Grade 3</th><th>Grade 4</th><th>Grade 5</th><th>Denominator</th></tr>\n");
    for t in &c.toxicity {
        let cell = |k: usize| {
            if t.denominator == 0 {
                "–".to_string()
            } else {
                format!(
                    "{k} ({:.0} %)",
                    round_half_up(100.0 * k as f64 / t.denominator as f64)
                )
            }
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"small\">{}</td></tr>",
            esc(&t.term),
            t.denominator,
            cell(t.grade_1_2),
            cell(t.grade_3),
            cell(t.grade_4),
            cell(t.grade_5),
            esc(&t.denominator_rule)
        );
    }
    h.push_str("</table>\n<table>\n<tr><th>Engraftment</th><th>median (range)</th><th>n recovered</th><th>Population</th></tr>\n");
    for d in &c.engraftment {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{} (missing {})</td><td class=\"small\">{}</td></tr>",
            esc(&d.name),
            median_range(d, 0),
            d.summary.n,
            d.summary.missing,
            esc(&d.population)
        );
    }
    h.push_str("</table>\n");

    h.push_str("<h2>Patients</h2>\n<table>\n<tr><th>Patient</th><th>Age</th><th>S model</th><th>D1 (Gy)</th><th>A2 prescribed (MBq)</th><th>A2 given (MBq)</th><th>Delivered WB (Gy)</th><th>Best response</th><th>SIOPEN before → after (reduction)</th><th>Largest soft tissue (mm)</th><th>Worst grade ≥ 3</th><th>ANC / PLT day</th><th>Therapies</th><th>EFS (days)</th><th>OS (days)</th></tr>\n");
    for p in &r.patients {
        let d = p.dosimetry.as_ref();
        let resp = p.response.as_ref();
        let worst: Vec<String> = p
            .worst_grades
            .iter()
            .filter(|(_, g)| *g >= 3)
            .map(|(t, g)| format!("{t} {g}"))
            .collect();
        let eng = p.engraftment.first().map_or("–".to_string(), |e| {
            format!(
                "{} / {}",
                e.neutrophil_day.map_or("–".into(), |x| x.to_string()),
                e.platelet_day.map_or("–".into(), |x| x.to_string())
            )
        });
        let surv = |s: &Option<super::types::SurvivalTime>| {
            s.as_ref().map_or("–".into(), |t| {
                format!("{}{}", t.days, if t.event { "" } else { "+" })
            })
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{:.1}</td><td title=\"{}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"small\">{}</td><td>{}</td><td class=\"small\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&p.patient),
            p.age_years,
            d.map_or(String::new(), |d| esc(&d.s_model_description)),
            d.map_or("–".into(), |d| esc(&d.s_model)),
            d.map_or("–".into(), |d| format!("{:.2}", d.dose1_gy.gy())),
            d.map_or("–".into(), |d| format!(
                "{:.0}",
                d.a2_prescribed_mbq.mbq()
            )),
            d.and_then(|d| d.activity2_mbq)
                .map_or("–".into(), |a| format!("{:.0}", a.mbq())),
            d.and_then(|d| d.delivered_total_gy)
                .map_or("–".into(), |x| format!("{:.2}", x.gy())),
            resp.map_or("NE".into(), |r| r.best.clone()),
            resp.map_or("–".into(), |r| format!(
                "{} → {} ({})",
                r.siopen_before.map_or("–".into(), |x| x.to_string()),
                r.siopen_after.map_or("–".into(), |x| x.to_string()),
                r.siopen_reduction_pct
                    .map_or("–".into(), |x| format!("{x:.1} %"))
            )),
            resp.map_or("–".into(), |r| format!(
                "{} → {}",
                r.largest_soft_tissue_before_mm
                    .map_or("–".into(), |x| format!("{:.0}", x.mm())),
                r.largest_soft_tissue_after_mm
                    .map_or("–".into(), |x| format!("{:.0}", x.mm()))
            )),
            esc(&worst.join("; ")),
            eng,
            esc(&p.therapies.join(", ")),
            surv(&p.efs),
            surv(&p.os)
        );
    }
    h.push_str("</table>\n<p class=\"small\">+ = censored at the last contact.</p>\n");
    if !r.overrides.is_empty() {
        h.push_str("<h2>Checks accepted by a named person (overrides.csv)</h2>\n<ul>\n");
        for o in &r.overrides {
            let _ = writeln!(h, "<li>{}</li>", esc(&override_text(o)));
        }
        h.push_str("</ul>\n");
    }
    if !r.warnings.is_empty() {
        h.push_str("<h2>Warnings</h2>\n<ul>\n");
        for w in &r.warnings {
            let _ = writeln!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// "Cox model 'age' (EFS): 20 patients, 12 events; Efron ties; strata: sex".
pub fn cox_heading(m: &CoxModel) -> String {
    let mut s = format!("Cox model '{}' ({})", m.name, m.endpoint);
    if let Some(f) = &m.fit {
        let _ = write!(
            s,
            ": {} patients, {} events; {} ties",
            f.n,
            f.n_events,
            match f.ties {
                mibg_stats::cox::Ties::Efron => "Efron",
                mibg_stats::cox::Ties::Breslow => "Breslow",
            }
        );
    }
    if !m.strata.is_empty() {
        let _ = write!(s, "; strata: {}", m.strata.join(", "));
    }
    if !m.excluded.is_empty() {
        let _ = write!(
            s,
            "; {} of {} left out for a missing covariate",
            m.excluded.len(),
            m.n_with_endpoint
        );
    }
    s
}

/// One (covariate, "HR 0.97 (95 % CI 0.91–1.03), p = 0.35") per covariate.
pub fn cox_rows(m: &CoxModel) -> Vec<(String, String)> {
    let Some(f) = &m.fit else {
        return vec![(
            "not estimable".into(),
            m.not_estimable.clone().unwrap_or_default(),
        )];
    };
    let g = |v: Option<f64>| v.map_or("–".into(), |x| format!("{x:.3}"));
    (0..f.covariates.len())
        .map(|k| {
            (
                f.covariates[k].clone(),
                format!(
                    "HR {} ({:.0} % CI {}–{}), p = {}{}",
                    g(f.hr[k]),
                    f.conf_level * 100.0,
                    g(f.hr_lower[k]),
                    g(f.hr_upper[k]),
                    p_text(f.p[k]),
                    if f.possibly_infinite.contains(&f.covariates[k]) {
                        " (may be infinite)"
                    } else {
                        ""
                    }
                ),
            )
        })
        .collect()
}

fn p_text(p: Option<f64>) -> String {
    match p {
        None => "–".into(),
        Some(p) if p < 0.001 => "< 0.001".into(),
        Some(p) => format!("{p:.3}"),
    }
}

/// The global tests, the concordance and the fit's warnings.
pub fn cox_tests(m: &CoxModel) -> Vec<String> {
    let Some(f) = &m.fit else {
        return Vec::new();
    };
    let mut v = vec![
        format!(
            "Likelihood ratio χ² {:.2} (df {}), p = {}; Wald χ² {}, p = {}; score (log-rank) χ² {:.2}, p = {}",
            f.lr_chisq,
            f.lr_df,
            p_text(Some(f.lr_p)),
            f.wald_chisq.map_or("–".into(), |w| format!("{w:.2}")),
            p_text(f.wald_p),
            f.score_chisq,
            p_text(Some(f.score_p))
        ),
        format!(
            "Concordance (Harrell's C) {} (SE {}); {} Newton–Raphson iterations",
            f.concordance.map_or("–".into(), |c| format!("{c:.3}")),
            f.concordance_se.map_or("–".into(), |c| format!("{c:.3}")),
            f.iterations
        ),
    ];
    v.extend(f.warnings.iter().map(|w| format!("warning: {w}")));
    v
}

/// "Accepted: P1 infusion1-activity by A. Physicist (overrides.csv line 2:
/// reason) — finding".
pub fn override_text(o: &AcceptedOverride) -> String {
    let reason = if o.reason.is_empty() {
        String::new()
    } else {
        format!(": {}", o.reason)
    };
    format!(
        "Accepted: {} {} by {} (overrides.csv line {}{reason}) — {}",
        o.patient, o.check, o.accepted_by, o.row, o.finding
    )
}

/// A plain-text cohort summary for the terminal.
pub fn render_text(r: &StudyReport) -> String {
    let c = &r.cohort;
    let mut t = String::new();
    if r.synthetic {
        t.push_str("SYNTHETIC DATA — not patient data\n");
    }
    let _ = writeln!(t, "{}", r.title);
    let _ = writeln!(t, "Protocol: {}", r.protocol);
    let _ = writeln!(t);
    let _ = writeln!(t, "Patients                                 {}", c.n);
    let _ = writeln!(
        t,
        "Age, years: median (range)               {}",
        median_range(&c.age_years, 1)
    );
    let _ = writeln!(
        t,
        "Bone/bone-marrow involvement             {}",
        c.bone_marrow_involved
    );
    let _ = writeln!(
        t,
        "Primary/soft-tissue disease              {}",
        c.soft_tissue_involved
    );
    let _ = writeln!(
        t,
        "SIOPEN at baseline                       {}  (n = {})",
        median_range(&c.siopen_before, 0),
        c.siopen_before.summary.n
    );
    let _ = writeln!(
        t,
        "SIOPEN after treatment                   {}",
        median_range(&c.siopen_after, 0)
    );
    let _ = writeln!(
        t,
        "SIOPEN reduction, %                      {}",
        median_range(&c.siopen_reduction_pct, 1)
    );
    for d in &c.dosimetry {
        let dec = if d.name.contains("MBq") { 0 } else { 2 };
        let _ = writeln!(t, "{:<40} {}", d.name, median_range(d, dec));
    }
    let _ = writeln!(t);
    let best: Vec<String> = c
        .best_response
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        t,
        "Best overall response ({}): {}",
        criteria_label(&r.analysis.response.criteria),
        best.join(", ")
    );
    for e in c.estimates() {
        let _ = writeln!(
            t,
            "{}: {}  [{}/{}, {}; {}]",
            e.name,
            estimate_text(e),
            e.x,
            e.n,
            method_label(e),
            e.denominator_rule
        );
        for w in &e.warnings {
            let _ = writeln!(t, "  warning: {w}");
        }
    }
    let _ = writeln!(t);
    for s in [&c.os, &c.efs] {
        for l in &s.landmarks {
            let _ = writeln!(
                t,
                "{} at {}: {} % ({}–{}), {} at risk  [{}]",
                s.name,
                year_count(l.years),
                pct(Some(l.percent)),
                pct(l.lower_pct),
                pct(l.upper_pct),
                l.n_risk,
                s.method
            );
        }
        let _ = writeln!(
            t,
            "{} median: {}; {} events in {} patients",
            s.name,
            median_text(&s.median),
            s.n_events,
            s.n
        );
    }
    let _ = writeln!(t, "Median follow-up: {}", median_text(&c.median_followup));
    for m in &c.cox {
        let _ = writeln!(t);
        let _ = writeln!(t, "{}", cox_heading(m));
        for row in cox_rows(m) {
            let _ = writeln!(t, "  {:<24} {}", row.0, row.1);
        }
        for line in cox_tests(m) {
            let _ = writeln!(t, "  {line}");
        }
    }
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "Toxicity (worst CTCAE v5.0 grade, patients): grade 3 / 4 / 5"
    );
    for row in c
        .toxicity
        .iter()
        .filter(|r| r.grade_3 + r.grade_4 + r.grade_5 > 0)
    {
        let _ = writeln!(
            t,
            "  {:<40} {:>3} / {:>3} / {:>3}   of {}",
            row.term, row.grade_3, row.grade_4, row.grade_5, row.denominator
        );
    }
    let _ = writeln!(t, "Toxic deaths: {}", c.toxic_deaths);
    for d in &c.engraftment {
        let _ = writeln!(
            t,
            "{}: median (range) {}, {} recovered",
            d.name,
            median_range(d, 0),
            d.summary.n
        );
    }
    // The whole-body S model of each patient's dosimetry, counted by model
    // (the per-patient value is in the HTML and JSON reports; a terminal
    // summary of a large registry must not list every patient).
    let mut models: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let mut without = 0usize;
    for p in &r.patients {
        match &p.dosimetry {
            Some(d) => *models.entry(d.s_model.as_str()).or_default() += 1,
            None => without += 1,
        }
    }
    let mut parts: Vec<String> = models
        .iter()
        .map(|(m, n)| format!("{m} for {n} patient(s)"))
        .collect();
    if without > 0 {
        parts.push(format!(
            "no dosimetry of infusion 1 for {without} patient(s)"
        ));
    }
    let _ = writeln!(
        t,
        "Whole-body S model: {} (per patient in the HTML/JSON report)",
        parts.join("; ")
    );
    if !r.overrides.is_empty() {
        t.push('\n');
        for o in &r.overrides {
            let _ = writeln!(t, "{}", override_text(o));
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(
            t,
            "\n{} warning(s) (see the HTML/JSON report)",
            r.warnings.len()
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Publication rounding (docs/reference/statistics.md §0): halves go up.
    #[test]
    fn percentages_round_half_up_to_whole_percent() {
        assert_eq!(round_half_up(0.5), 1.0);
        assert_eq!(round_half_up(47.5), 48.0);
        assert_eq!(round_half_up(47.49), 47.0);
        assert_eq!(round_half_up(2.0), 2.0);
        assert_eq!(round_half_up(-0.5), 0.0);
        assert_eq!(pct(Some(47.5)), "48");
        assert_eq!(pct(Some(4.0)), "4");
        assert_eq!(pct(None), "–");
    }

    #[test]
    fn numbers_years_and_medians() {
        assert_eq!(num(Some(5.94), 1), "5.9");
        assert_eq!(num(Some(70.0), 0), "70");
        assert_eq!(num(None, 2), "–");
        assert_eq!(year_count(1.0), "1 year");
        assert_eq!(year_count(2.0), "2 years");
        assert_eq!(year_count(2.5), "2.5 years");
        // 1175 days / 365.25 = 3.217 years; 233 / 365.25 = 0.638.
        assert_eq!(years(Some(1175.0)), "3.2");
        assert_eq!(years(Some(233.0)), "0.6");
        assert_eq!(years(None), "not reached");
        let m = MedianOut {
            days: Some(1175.0),
            lower_days: Some(512.0),
            upper_days: None,
            method: String::new(),
        };
        assert_eq!(median_text(&m), "3.2 years (95 % CI 1.4–not reached)");
    }

    #[test]
    fn html_text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">R&D</a>"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&lt;/a&gt;"
        );
    }

    /// p below 0.001 is shown as "< 0.001", from 0.001 with three decimals.
    #[test]
    fn p_values_at_their_edge() {
        assert_eq!(p_text(None), "–");
        assert_eq!(p_text(Some(0.000_999)), "< 0.001");
        assert_eq!(p_text(Some(0.001)), "0.001");
        assert_eq!(p_text(Some(0.379_854_7)), "0.380");
    }

    #[test]
    fn an_override_names_who_accepted_what_and_why() {
        let mut o = AcceptedOverride {
            patient: "SYN-01".into(),
            check: "physical-decay".into(),
            accepted_by: "A. Physicist".into(),
            reason: "checked the log".into(),
            row: 2,
            finding: "line 10".into(),
        };
        assert_eq!(
            override_text(&o),
            "Accepted: SYN-01 physical-decay by A. Physicist (overrides.csv line 2: checked the log) — line 10"
        );
        o.reason.clear();
        assert_eq!(
            override_text(&o),
            "Accepted: SYN-01 physical-decay by A. Physicist (overrides.csv line 2) — line 10"
        );
    }

    #[test]
    fn a_cox_model_without_a_fit_says_why_and_counts_who_was_left_out() {
        let m = CoxModel {
            name: "age".into(),
            endpoint: "OS".into(),
            covariates: vec!["age_years".into()],
            strata: vec!["sex".into(), "centre".into()],
            n_with_endpoint: 26,
            excluded: vec![
                ("SYN-02".into(), vec!["age_years".into()]),
                ("SYN-07".into(), vec!["age_years".into()]),
            ],
            fit: None,
            not_estimable: Some("no event".into()),
        };
        assert_eq!(
            cox_heading(&m),
            "Cox model 'age' (OS); strata: sex, centre; 2 of 26 left out for a missing covariate"
        );
        assert_eq!(
            cox_rows(&m),
            [("not estimable".to_string(), "no event".to_string())]
        );
        assert!(cox_tests(&m).is_empty());
    }

    #[test]
    fn the_criteria_are_named_with_their_source() {
        assert_eq!(
            criteria_label("inrc1993"),
            "INRC 1993, Brodeur et al. J Clin Oncol 1993"
        );
        assert_eq!(
            criteria_label("inrc2017"),
            "INRC 2017, Park et al. J Clin Oncol 2017, default options"
        );
    }
}
