//! Analysis datasets of a study (`mibg study export-analysis`): ADSL-like
//! (one row per patient) and ADTTE-like (one row per patient and
//! time-to-event endpoint) CSV tables with a data dictionary, in the layout
//! of CDISC ADaM (ADaM Implementation Guide v1.3, ADSL section 3.2 and the Basic
//! Data Structure for time-to-event, ADaM BDS-TTE: PARAMCD, AVAL, CNSR = 1
//! for a censored time, STARTDT, ADT, EVNTDESC), so that R, SAS or Stata
//! read them directly.
//!
//! Built from the same [`StudyReport`] as `mibg study report` (validate ≡
//! report ≡ export): no value is computed here; the rows are the report's
//! per-patient results. Pseudonymised: the patient's study code
//! (`patients.csv`), centre code, sex and age in years; no birth date, no
//! name. Every text cell that a spreadsheet would read as a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
//! prefixed with `'` (OWASP "CSV injection"); cells with a comma, a quote
//! or a line break are quoted (RFC 4180).

use super::types::{PatientResult, StudyReport, SurvivalTime};
use mibg_response::series::CutoffStatus;
use mibg_study::model::Sex;

/// The three files of the export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalysisDatasets {
    /// `adsl.csv`: one row per patient.
    pub adsl: String,
    /// `adtte.csv`: one row per patient and endpoint (OS, EFS).
    pub adtte: String,
    /// `dictionary.csv`: dataset, variable, label, type, unit, values.
    pub dictionary: String,
}

/// A text cell made safe for spreadsheets and CSV.
pub fn cell(text: &str) -> String {
    let neutral = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| {
        // Shortest text that reads back as the same double.
        let s = format!("{x}");
        if s == "-0" { "0".into() } else { s }
    })
}

fn yn(b: bool) -> &'static str {
    if b { "Y" } else { "N" }
}

fn cutoff(c: CutoffStatus) -> &'static str {
    match c {
        CutoffStatus::Achieved => "ACHIEVED",
        CutoffStatus::Maintained => "MAINTAINED",
        CutoffStatus::NotAchieved => "NOT ACHIEVED",
        CutoffStatus::NotApplicable => "NOT APPLICABLE",
        CutoffStatus::NotEvaluable => "NOT EVALUABLE",
    }
}

/// A variable: name, label, type, unit, values/derivation.
type Var = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const ADSL: &[Var] = &[
    (
        "STUDYID",
        "Study identifier (study.toml title)",
        "text",
        "",
        "",
    ),
    (
        "USUBJID",
        "Unique subject identifier (the pseudonymous study code of patients.csv)",
        "text",
        "",
        "",
    ),
    (
        "SITEID",
        "Treating centre (patients.csv centre)",
        "text",
        "",
        "",
    ),
    ("SEX", "Sex", "text", "", "F, M"),
    (
        "AGE",
        "Age at the first infusion ((first infusion − birth date) in days / 365.25)",
        "number",
        "years",
        "",
    ),
    (
        "BMINVFL",
        "Bone or bone-marrow involvement at baseline (MIBG skeletal score > 0 or positive marrow)",
        "text",
        "",
        "Y, N",
    ),
    (
        "STINVFL",
        "Primary tumour or soft-tissue target lesion at baseline",
        "text",
        "",
        "Y, N",
    ),
    (
        "DOSFL",
        "Dosimetry of infusion 1 available",
        "text",
        "",
        "Y, N",
    ),
    (
        "A1",
        "Administered activity of infusion 1",
        "number",
        "MBq",
        "",
    ),
    ("MODEL1", "Retention model of infusion 1", "text", "", ""),
    (
        "TAU1",
        "Time-integrated activity coefficient τ of infusion 1",
        "number",
        "h",
        "",
    ),
    (
        "D1",
        "Whole-body absorbed dose of infusion 1",
        "number",
        "Gy",
        "",
    ),
    (
        "A2PRES",
        "Second activity recommended by the protocol (0 = no second infusion)",
        "number",
        "MBq",
        "",
    ),
    (
        "A2CAP",
        "Cap that bound the second activity",
        "text",
        "",
        "empty when none bound",
    ),
    (
        "A2",
        "Administered activity of infusion 2",
        "number",
        "MBq",
        "empty without a second infusion",
    ),
    (
        "D2",
        "Whole-body absorbed dose of infusion 2 (its own readings)",
        "number",
        "Gy",
        "",
    ),
    (
        "DTOT",
        "Delivered whole-body dose D1 + D2 (D1 alone without a second infusion)",
        "number",
        "Gy",
        "",
    ),
    (
        "RSPFL",
        "Response assessment file present",
        "text",
        "",
        "Y, N",
    ),
    (
        "RSPEVLFL",
        "Evaluable for response (at least one evaluable follow-up)",
        "text",
        "",
        "Y, N",
    ),
    (
        "BOR",
        "Best overall response (the study's response criteria)",
        "text",
        "",
        "CR, PR, MR, SD, PD, NE (INRC category names)",
    ),
    (
        "SIOPENBL",
        "SIOPEN skeletal score at baseline",
        "number",
        "points",
        "",
    ),
    (
        "SIOPENPT",
        "SIOPEN skeletal score after treatment",
        "number",
        "points",
        "",
    ),
    (
        "SIOPENPC",
        "SIOPEN score reduction (before − after)/before × 100",
        "number",
        "%",
        "",
    ),
    (
        "SIOPENCT",
        "SIOPEN score below the study's cut-off after treatment",
        "text",
        "",
        "ACHIEVED, MAINTAINED, NOT ACHIEVED, NOT APPLICABLE, NOT EVALUABLE",
    ),
    (
        "STCUT",
        "Largest soft-tissue lesion below the study's cut-off after treatment",
        "text",
        "",
        "as SIOPENCT",
    ),
    (
        "OSDY",
        "Overall survival time (= ADTTE AVAL, PARAMCD OS)",
        "number",
        "days",
        "",
    ),
    (
        "OSCNSR",
        "Overall survival censored (= ADTTE CNSR)",
        "number",
        "",
        "0 = death, 1 = censored at last contact",
    ),
    (
        "EFSDY",
        "Event-free survival time (= ADTTE AVAL, PARAMCD EFS)",
        "number",
        "days",
        "",
    ),
    (
        "EFSCNSR",
        "Event-free survival censored (= ADTTE CNSR)",
        "number",
        "",
        "0 = event, 1 = censored at last contact",
    ),
    ("ALIVEFL", "Alive at last contact", "text", "", "Y, N"),
    (
        "HYPOTHFL",
        "Hypothyroidism after the first infusion (study.toml term and minimum grade)",
        "text",
        "",
        "Y, N",
    ),
    (
        "THYASSFL",
        "Thyroid assessment after the first infusion (thyroid.csv; the hypothyroidism denominator is ALIVEFL = Y and THYASSFL = Y, docs/reference/toxicity.md §9)",
        "text",
        "",
        "Y, N; empty when the study records no thyroid follow-up (every survivor is then counted)",
    ),
    (
        "NEXTTHER",
        "Subsequent therapies (therapies.csv codes, by start date, ';'-separated)",
        "text",
        "",
        "",
    ),
];

/// Prefix of the per-term worst-grade columns of ADSL.
pub const WORST_GRADE_PREFIX: &str = "WG_";

const ADTTE: &[Var] = &[
    ("STUDYID", "Study identifier", "text", "", ""),
    ("USUBJID", "Unique subject identifier", "text", "", ""),
    ("PARAMCD", "Parameter code", "text", "", "OS, EFS"),
    (
        "PARAM",
        "Parameter (study.toml endpoint definition)",
        "text",
        "",
        "",
    ),
    (
        "AVAL",
        "Analysis value: time from STARTDT to ADT",
        "number",
        "days",
        "",
    ),
    ("AVALU", "Unit of AVAL", "text", "", "DAYS"),
    (
        "CNSR",
        "Censoring (ADaM BDS-TTE: 0 = event, 1 = censored)",
        "number",
        "",
        "0, 1",
    ),
    (
        "STARTDT",
        "Time origin (study.toml endpoint origin)",
        "date",
        "ISO 8601",
        "",
    ),
    (
        "ADT",
        "Date of the event or of censoring",
        "date",
        "ISO 8601",
        "",
    ),
    (
        "EVNTDESC",
        "Event or censoring description",
        "text",
        "",
        "PROGRESSION, RELAPSE, SECOND MALIGNANCY, DEATH, LAST CONTACT",
    ),
    ("SRCDOM", "Source of ADT", "text", "", "followup.csv"),
];

/// A column name for a CTCAE term: upper case, non-alphanumerics → `_`.
pub fn grade_column(term: &str) -> String {
    let mut s = String::from(WORST_GRADE_PREFIX);
    for ch in term.chars() {
        if ch.is_ascii_alphanumeric() {
            s.push(ch.to_ascii_uppercase());
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    s.trim_end_matches('_').to_string()
}

/// Builds the analysis datasets from a study report.
pub fn analysis_datasets(r: &StudyReport) -> AnalysisDatasets {
    let mut terms: Vec<&str> = r
        .patients
        .iter()
        .flat_map(|p| p.worst_grades.iter().map(|(t, _)| t.as_str()))
        .collect();
    terms.sort_unstable();
    terms.dedup();
    let study = cell(&r.title);
    let mut adsl = String::new();
    let mut header: Vec<String> = ADSL.iter().map(|v| v.0.to_string()).collect();
    header.extend(terms.iter().map(|t| grade_column(t)));
    adsl.push_str(&header.join(","));
    adsl.push('\n');
    for p in &r.patients {
        adsl.push_str(&adsl_row(&study, p, &terms).join(","));
        adsl.push('\n');
    }
    let mut adtte = String::new();
    adtte.push_str(&ADTTE.iter().map(|v| v.0).collect::<Vec<_>>().join(","));
    adtte.push('\n');
    for p in &r.patients {
        for (code, def, t) in [
            ("OS", &r.cohort.os.definition, &p.os),
            ("EFS", &r.cohort.efs.definition, &p.efs),
        ] {
            if let Some(t) = t {
                adtte.push_str(&tte_row(&study, &p.patient, code, def, t).join(","));
                adtte.push('\n');
            }
        }
    }
    let mut dict = String::from("DATASET,VARIABLE,LABEL,TYPE,UNIT,VALUES\n");
    for v in ADSL {
        dict_row(&mut dict, "ADSL", v);
    }
    let term_rows: Vec<(String, String)> = terms
        .iter()
        .map(|t| {
            (
                grade_column(t),
                format!("Worst CTCAE grade of '{t}' in the toxicity window (study.toml); empty = not observed"),
            )
        })
        .collect();
    for (name, label) in &term_rows {
        dict.push_str(&format!(
            "ADSL,{},{},number,grade,0–5\n",
            cell(name),
            cell(label)
        ));
    }
    for v in ADTTE {
        dict_row(&mut dict, "ADTTE", v);
    }
    AnalysisDatasets {
        adsl,
        adtte,
        dictionary: dict,
    }
}

fn dict_row(dict: &mut String, ds: &str, v: &Var) {
    let cells: Vec<String> = [ds, v.0, v.1, v.2, v.3, v.4]
        .iter()
        .map(|s| cell(s))
        .collect();
    dict.push_str(&cells.join(","));
    dict.push('\n');
}

fn adsl_row(study: &str, p: &PatientResult, terms: &[&str]) -> Vec<String> {
    let d = p.dosimetry.as_ref();
    let rsp = p.response.as_ref();
    let sv = |t: &Option<SurvivalTime>| {
        (
            num(t.as_ref().map(|t| t.days as f64)),
            num(t.as_ref().map(|t| if t.event { 0.0 } else { 1.0 })),
        )
    };
    let (osdy, oscnsr) = sv(&p.os);
    let (efsdy, efscnsr) = sv(&p.efs);
    let mut row = vec![
        study.to_string(),
        cell(&p.patient),
        cell(&p.centre),
        match p.sex {
            Sex::F => "F".into(),
            Sex::M => "M".into(),
        },
        num(Some(p.age_years)),
        yn(p.involvement.bone_marrow).into(),
        yn(p.involvement.soft_tissue).into(),
        yn(d.is_some()).into(),
        num(d.map(|d| d.activity1_mbq.mbq())),
        d.map_or_else(String::new, |d| cell(&d.model1)),
        num(d.map(|d| d.tau1_h.hours())),
        num(d.map(|d| d.dose1_gy.gy())),
        num(d.map(|d| d.a2_prescribed_mbq.mbq())),
        d.and_then(|d| d.a2_binding_cap.as_deref())
            .map_or_else(String::new, cell),
        num(d.and_then(|d| d.activity2_mbq).map(|a| a.mbq())),
        num(d.and_then(|d| d.dose2_gy).map(|a| a.gy())),
        num(d.and_then(|d| d.delivered_total_gy).map(|a| a.gy())),
        yn(rsp.is_some()).into(),
        yn(rsp.is_some_and(|r| r.evaluable)).into(),
        rsp.map_or_else(String::new, |r| cell(&r.best)),
        num(rsp.and_then(|r| r.siopen_before).map(f64::from)),
        num(rsp.and_then(|r| r.siopen_after).map(f64::from)),
        num(rsp.and_then(|r| r.siopen_reduction_pct)),
        rsp.map_or_else(String::new, |r| cutoff(r.siopen_below).into()),
        rsp.map_or_else(String::new, |r| cutoff(r.soft_tissue_below).into()),
        osdy,
        oscnsr,
        efsdy,
        efscnsr,
        yn(p.alive).into(),
        yn(p.hypothyroidism).into(),
        p.thyroid_assessed
            .map_or_else(String::new, |a| yn(a).into()),
        cell(&p.therapies.join(";")),
    ];
    for t in terms {
        row.push(num(p
            .worst_grades
            .iter()
            .find(|(term, _)| term == t)
            .map(|(_, g)| f64::from(*g))));
    }
    row
}

fn tte_row(study: &str, patient: &str, code: &str, def: &str, t: &SurvivalTime) -> Vec<String> {
    let desc = match (t.event, t.event_type) {
        (true, Some(e)) => e.as_str().replace('_', " ").to_uppercase(),
        (true, None) => "EVENT".to_string(),
        (false, _) => "LAST CONTACT".to_string(),
    };
    vec![
        study.to_string(),
        cell(patient),
        code.to_string(),
        cell(def),
        t.days.to_string(),
        "DAYS".into(),
        if t.event { "0" } else { "1" }.into(),
        t.origin.to_string(),
        t.end.to_string(),
        desc,
        "followup.csv".into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_commas_quoted() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("SYN-01"), "SYN-01");
        assert_eq!(
            grade_column("Platelet count decreased"),
            "WG_PLATELET_COUNT_DECREASED"
        );
        assert_eq!(grade_column("a--b "), "WG_A_B");
    }

    /// A number is the shortest text that reads back as the same double
    /// (Rust's `Display` of f64), `-0` as `0`, a missing one empty; each
    /// cut-off status its ADaM-style upper-case text (the dictionary's
    /// values of SIOPENCT).
    #[test]
    fn numbers_flags_and_cutoffs() {
        assert_eq!(num(None), "");
        assert_eq!(num(Some(-0.0)), "0");
        assert_eq!(num(Some(0.0)), "0");
        assert_eq!(num(Some(-2.5)), "-2.5");
        assert_eq!(num(Some(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(num(Some(6440.0)), "6440");
        assert_eq!((yn(true), yn(false)), ("Y", "N"));
        let all = [
            CutoffStatus::Achieved,
            CutoffStatus::Maintained,
            CutoffStatus::NotAchieved,
            CutoffStatus::NotApplicable,
            CutoffStatus::NotEvaluable,
        ]
        .map(cutoff)
        .join(", ");
        assert_eq!(all, ADSL.iter().find(|v| v.0 == "SIOPENCT").unwrap().4);
    }
}
