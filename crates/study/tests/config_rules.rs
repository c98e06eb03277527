//! `study.toml`: every default as its source gives it, every plausibility
//! range at its edges (`config::ranges`: at the limit, just inside, just
//! outside), the unit-slip hints, the line each problem points at, and the
//! Cox model declarations. Expected values come from the doc comments of
//! `crates/study/src/config.rs`, each citing its source (the seed study's
//! methods, De Ioris et al. 2025, in docs/reference/statistics.md §10 and
//! docs/reference/response.md §6; the protocol and dosimetry crates' data-entry
//! defaults), never from a run of the code.

use mibg_study::config::{
    self, CoxCovariate, CoxStratum, Endpoint, EventType, Origin, PostAssessment,
    SoftTissueDenominator, StudyConfig, StudySModel,
};
use mibg_study::{Problem, ProblemKind, Problems};

/// The problems `config::check` finds in a `study.toml` text.
fn problems(text: &str) -> Vec<Problem> {
    let cfg: StudyConfig = toml::from_str(text).expect("valid TOML");
    let mut p = Problems::default();
    config::check(&cfg, text, &mut p);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.is_ok(), p.errors.is_empty());
    p.errors
}

/// The one problem of `text`: its field, line and message.
fn one(text: &str) -> (String, Option<u64>, String) {
    let mut p = problems(text);
    assert_eq!(p.len(), 1, "{text}: {p:#?}");
    let p = p.remove(0);
    assert_eq!(p.file, "study.toml");
    assert_eq!(p.kind, ProblemKind::NotAllowed, "{p:?}");
    (p.field.unwrap_or_default(), p.row, p.message)
}

fn ok(text: &str) {
    let p = problems(text);
    assert!(p.is_empty(), "{text}: {p:#?}");
}

#[test]
fn every_default_is_the_documented_one() {
    let cfg: StudyConfig = toml::from_str("").unwrap();
    assert_eq!(cfg, StudyConfig::default());
    assert_eq!(cfg.protocol.name, "seed");
    assert_eq!(cfg.protocol.file, None);
    let a = &cfg.analysis;
    // 95 % intervals, survival at 3 years (the seed paper's landmark).
    assert_eq!(a.conf_level, 0.95);
    assert_eq!(a.landmark_years, vec![3.0]);
    // CI methods: the seed paper's Wald intervals for the SIOPEN and
    // soft-tissue endpoints (10/15 → 43–91 %), log-log for Kaplan–Meier
    // (docs/reference/statistics.md §10.2), Clopper–Pearson elsewhere
    // (docs/reference/statistics.md §1).
    use mibg_stats::km::ConfType;
    use mibg_stats::proportion::Method;
    assert_eq!(a.ci.response_rate, Method::ClopperPearson);
    assert_eq!(a.ci.siopen_endpoint, Method::Wald);
    assert_eq!(a.ci.soft_tissue_endpoint, Method::Wald);
    assert_eq!(a.ci.subsequent_therapy, Method::ClopperPearson);
    assert_eq!(a.ci.hypothyroidism, Method::ClopperPearson);
    assert_eq!(a.ci.toxicity, Method::ClopperPearson);
    assert_eq!(a.ci.survival, ConfType::LogLog);
    // Response: INRC 2017, ORR = CR + PR, the last follow-up assessment,
    // SIOPEN < 7 (≤ 6), soft tissue < 5 cm, the primary counted, the
    // denominator of lesions that had to shrink below it.
    let r = &a.response;
    assert_eq!(r.criteria, "inrc2017");
    assert!(!r.count_minor_response);
    assert_eq!(r.post_assessment, PostAssessment::LastFollowUp);
    assert_eq!(r.siopen_threshold, 7);
    assert_eq!(r.soft_tissue_threshold_mm, 50.0);
    assert!(r.soft_tissue_includes_primary);
    assert_eq!(
        r.soft_tissue_denominator,
        SoftTissueDenominator::BaselineAtOrAboveThreshold
    );
    // EFS (INRG): progression, relapse, second malignancy or death; OS:
    // death; both from the first infusion (docs/reference/statistics.md §10.3).
    assert_eq!(a.efs.origin, Origin::FirstInfusion);
    assert_eq!(
        a.efs.events,
        vec![
            EventType::Progression,
            EventType::Relapse,
            EventType::SecondMalignancy,
            EventType::Death
        ]
    );
    assert_eq!(a.os.origin, Origin::FirstInfusion);
    assert_eq!(a.os.events, vec![EventType::Death]);
    // Toxicity: window to day +60, hypothyroidism at grade ≥ 2
    // (replacement therapy).
    assert_eq!(a.toxicity.window_days_after_stem_cells, 60);
    assert_eq!(a.toxicity.hypothyroidism_term, "Hypothyroidism");
    assert_eq!(a.toxicity.hypothyroidism_min_grade, 2);
    // Dosimetry: `mibg dose`'s defaults, ±25 % activity, ±20 % weight,
    // the analytic S model.
    assert_eq!(a.dosimetry.max_activity_deviation, 0.25);
    assert_eq!(a.dosimetry.max_weight_change, 0.20);
    assert_eq!(a.dosimetry.s_model, StudySModel::Analytic);
    assert!(a.cox.is_empty());
    // Each key given alone keeps the other defaults of its table.
    let cfg: StudyConfig =
        toml::from_str("[analysis.response]\ncount_minor_response = true\n").unwrap();
    assert_eq!(cfg.analysis.response.siopen_threshold, 7);
    assert!(cfg.analysis.response.soft_tissue_includes_primary);
    let cfg: StudyConfig = toml::from_str("[analysis.ci]\ntoxicity = \"wilson\"\n").unwrap();
    assert_eq!(cfg.analysis.ci.siopen_endpoint, Method::Wald);
    assert_eq!(cfg.analysis.ci.soft_tissue_endpoint, Method::Wald);
    assert_eq!(cfg.analysis.ci.survival, ConfType::LogLog);
    let cfg: StudyConfig =
        toml::from_str("[analysis.toxicity]\nhypothyroidism_term = \"Hypothyroidism\"\n").unwrap();
    assert_eq!(cfg.analysis.toxicity.hypothyroidism_min_grade, 2);
    let cfg: StudyConfig =
        toml::from_str("[analysis.dosimetry]\ns_model = \"phantoms\"\n").unwrap();
    assert_eq!(cfg.analysis.dosimetry.max_activity_deviation, 0.25);
    assert_eq!(cfg.analysis.dosimetry.max_weight_change, 0.20);
    let cfg: StudyConfig = toml::from_str("[analysis]\nconf_level = 0.9\n").unwrap();
    assert_eq!(cfg.analysis.landmark_years, vec![3.0]);
    // The defaults pass their own checks.
    ok("");
}

#[test]
fn the_names_of_endpoints_covariates_and_strata() {
    assert_eq!(Endpoint::Efs.label(), "EFS");
    assert_eq!(Endpoint::Os.label(), "OS");
    for (c, name) in [
        (CoxCovariate::AgeYears, "age_years"),
        (CoxCovariate::Male, "male"),
        (CoxCovariate::BoneMarrowInvolved, "bone_marrow_involved"),
        (CoxCovariate::SoftTissueInvolved, "soft_tissue_involved"),
        (CoxCovariate::SiopenBefore, "siopen_before"),
        (CoxCovariate::Dose1Gy, "dose1_gy"),
        (CoxCovariate::DeliveredTotalGy, "delivered_total_gy"),
    ] {
        assert_eq!(c.as_str(), name);
    }
    for (s, name) in [
        (CoxStratum::Sex, "sex"),
        (CoxStratum::Centre, "centre"),
        (CoxStratum::BoneMarrowInvolved, "bone_marrow_involved"),
        (CoxStratum::SoftTissueInvolved, "soft_tissue_involved"),
    ] {
        assert_eq!(s.as_str(), name);
    }
}

#[test]
fn data_cutoff_from_1980_to_2100() {
    ok("[study]\ndata_cutoff = \"1980-01-01\"\n");
    ok("[study]\ndata_cutoff = \"2100-12-31\"\n");
    let why = "(no 131I-mIBG study data before 1980; a typing error in the year?)";
    assert_eq!(
        one("[study]\ntitle = \"t\"\ndata_cutoff = \"1979-12-31\"\n"),
        (
            "study.data_cutoff".into(),
            Some(3),
            format!("[study] data_cutoff 1979-12-31 is outside 1980-01-01 – 2100-12-31 {why}")
        )
    );
    assert_eq!(
        one("[study]\ndata_cutoff = \"2101-01-01\"\n").2,
        format!("[study] data_cutoff 2101-01-01 is outside 1980-01-01 – 2100-12-31 {why}")
    );
    let p = problems("[study]\ndata_cutoff = \"2020-13-01\"\n");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].kind, ProblemKind::BadValue);
    assert_eq!(p[0].row, Some(2));
    assert_eq!(
        p[0].message,
        "[study] data_cutoff '2020-13-01' is not a date (YYYY-MM-DD)"
    );
}

#[test]
fn conf_level_from_0_50_to_0_999() {
    ok("[analysis]\nconf_level = 0.5\n");
    ok("[analysis]\nconf_level = 0.999\n");
    let msg = |v: &str, hint: &str| {
        format!("[analysis] conf_level {v} must lie between 0.5 and 0.999 (a fraction){hint}")
    };
    assert_eq!(
        one("[analysis]\nconf_level = 0.4999\n"),
        ("analysis.conf_level".into(), Some(2), msg("0.4999", ""))
    );
    assert_eq!(
        one("[analysis]\nconf_level = 0.9991\n").2,
        msg("0.9991", "")
    );
    // 95 is a percentage: 95 / 100 = 0.95 lies in the range. 100 / 100 = 1
    // does not: no hint.
    assert_eq!(
        one("[analysis]\nconf_level = 95\n").2,
        msg("95", " (a percentage? 95 means 0.95)")
    );
    assert_eq!(one("[analysis]\nconf_level = 100\n").2, msg("100", ""));
    // A number far out of ordinary size is written in scientific notation;
    // 0, infinity and NaN as themselves.
    assert_eq!(one("[analysis]\nconf_level = 1e300\n").2, msg("1e300", ""));
    assert_eq!(one("[analysis]\nconf_level = 0.00005\n").2, msg("5e-5", ""));
    assert_eq!(one("[analysis]\nconf_level = 0.0\n").2, msg("0", ""));
    assert_eq!(one("[analysis]\nconf_level = inf\n").2, msg("inf", ""));
    assert_eq!(one("[analysis]\nconf_level = nan\n").2, msg("NaN", ""));
    assert_eq!(one("[analysis]\nconf_level = 0.25\n").2, msg("0.25", ""));
}

#[test]
fn landmark_years_above_0_and_at_most_30() {
    ok("[analysis]\nlandmark_years = [1, 3, 30]\n");
    let msg = |v: &str, hint: &str| {
        format!(
            "[analysis] landmark_years: {v} must be a number of years above 0 and at most 30{hint}"
        )
    };
    assert_eq!(
        one("[analysis]\nlandmark_years = [0]\n"),
        ("analysis.landmark_years".into(), Some(2), msg("0", ""))
    );
    // 30.5 months = 2.54 years, 30.5 days = 0.084 years: both readings.
    assert_eq!(
        one("[analysis]\nlandmark_years = [30.5]\n").2,
        msg(
            "30.5",
            " (months? 12 months = 1 year; or days? 365 days = 1 year)"
        )
    );
    // 400 months = 33.3 years (over 30), 400 days = 1.10 years: days only;
    // 11000 days = 30.1 years, 11000 months = 917 years: no reading fits.
    assert_eq!(
        one("[analysis]\nlandmark_years = [400]\n").2,
        msg("400", " (days? 365 days = 1 year)")
    );
    assert_eq!(
        one("[analysis]\nlandmark_years = [11000]\n").2,
        msg("11000", "")
    );
    // 365 days / 365.25 = 0.999 years: a days slip; 365 / 12 = 30.4 months
    // is not within 30.
    assert_eq!(
        one("[analysis]\nlandmark_years = [365]\n").2,
        msg("365", " (days? 365 days = 1 year)")
    );
    // 36 months / 12 = 3 years, and 36 / 365.25 = 0.099 years also lies
    // above 0: both readings are named.
    assert_eq!(
        one("[analysis]\nlandmark_years = [36]\n").2,
        msg(
            "36",
            " (months? 12 months = 1 year; or days? 365 days = 1 year)"
        )
    );
    // Every value is checked: two bad values, two problems.
    assert_eq!(
        problems("[analysis]\nlandmark_years = [0, 3, 31]\n").len(),
        2
    );
}

#[test]
fn siopen_threshold_from_1_to_72() {
    ok("[analysis.response]\nsiopen_threshold = 1\n");
    ok("[analysis.response]\nsiopen_threshold = 72\n");
    let msg = |v: u32| {
        format!(
            "[analysis.response] siopen_threshold {v} must lie between 1 and 72 (the SIOPEN skeletal score is 0–72)"
        )
    };
    assert_eq!(
        one("[analysis.response]\nsiopen_threshold = 0\n"),
        ("analysis.response.siopen_threshold".into(), Some(2), msg(0))
    );
    assert_eq!(
        one("[analysis.response]\nsiopen_threshold = 73\n").2,
        msg(73)
    );
}

#[test]
fn soft_tissue_threshold_from_10_to_300_mm() {
    ok("[analysis.response]\nsoft_tissue_threshold_mm = 10\n");
    ok("[analysis.response]\nsoft_tissue_threshold_mm = 300\n");
    let msg = |v: &str, hint: &str| {
        format!(
            "[analysis.response] soft_tissue_threshold_mm {v} must lie between 10 and 300 mm{hint}"
        )
    };
    // 9.99 cm = 99.9 mm would be in range: the cm hint.
    assert_eq!(
        one("[analysis.response]\nsoft_tissue_threshold_mm = 9.99\n"),
        (
            "analysis.response.soft_tissue_threshold_mm".into(),
            Some(2),
            msg("9.99", " (in cm? 5 cm = 50 mm)")
        )
    );
    // 0.0099 m = 9.9 mm, 0.0099 cm = 0.099 mm: no reading fits.
    assert_eq!(
        one("[analysis.response]\nsoft_tissue_threshold_mm = 0.0099\n").2,
        msg("0.0099", "")
    );
    assert_eq!(
        one("[analysis.response]\nsoft_tissue_threshold_mm = 300.5\n").2,
        msg("300.5", "")
    );
    // 5 cm = 50 mm (5 / 0.1); 0.05 m = 50 mm (0.05 / 0.001).
    assert_eq!(
        one("[analysis.response]\nsoft_tissue_threshold_mm = 5\n").2,
        msg("5", " (in cm? 5 cm = 50 mm)")
    );
    assert_eq!(
        one("[analysis.response]\nsoft_tissue_threshold_mm = 0.05\n").2,
        msg("0.05", " (in metres?)")
    );
    // 0.5: 5 mm read as cm, 500 mm read as metres: neither in range.
    assert_eq!(
        one("[analysis.response]\nsoft_tissue_threshold_mm = 0.5\n").2,
        msg("0.5", "")
    );
}

#[test]
fn criteria_and_endpoint_events() {
    ok("[analysis.response]\ncriteria = \"inrc1993\"\n");
    assert_eq!(
        one("[analysis.response]\ncriteria = \"inrc\"\n"),
        (
            "analysis.response.criteria".into(),
            Some(2),
            "[analysis.response] criteria 'inrc' is not one of inrc2017, inrc1993".into()
        )
    );
    let msg = "events must name at least one of progression, relapse, second_malignancy, death (last_contact censors)";
    assert_eq!(
        one("[analysis.efs]\nevents = []\n"),
        (
            "analysis.efs.events".into(),
            Some(2),
            format!("[analysis.efs] {msg}")
        )
    );
    // last_contact among real events is refused too.
    assert_eq!(
        one("[analysis.os]\nevents = [\"death\", \"last_contact\"]\n"),
        (
            "analysis.os.events".into(),
            Some(2),
            format!("[analysis.os] {msg}")
        )
    );
    ok("[analysis.os]\nevents = [\"death\"]\n[analysis.efs]\nevents = [\"progression\"]\n");
}

#[test]
fn toxicity_window_from_7_to_365_days() {
    ok("[analysis.toxicity]\nwindow_days_after_stem_cells = 7\n");
    ok("[analysis.toxicity]\nwindow_days_after_stem_cells = 365\n");
    let msg = |w: i64, hint: &str| {
        format!(
            "[analysis.toxicity] window_days_after_stem_cells {w} must lie between 7 and 365 days{hint}"
        )
    };
    let months = " (months? the window is in days)";
    let hours = " (hours? the window is in days)";
    let field = "analysis.toxicity.window_days_after_stem_cells".to_string();
    // 6 months = 180 days (6 × 30) would be in range; 0 and negative
    // windows get no hint.
    assert_eq!(
        one("[analysis.toxicity]\nwindow_days_after_stem_cells = 6\n"),
        (field, Some(2), msg(6, months))
    );
    assert_eq!(
        one("[analysis.toxicity]\nwindow_days_after_stem_cells = 0\n").2,
        msg(0, "")
    );
    assert_eq!(
        one("[analysis.toxicity]\nwindow_days_after_stem_cells = -2\n").2,
        msg(-2, "")
    );
    // 366 h = 15 days (366 / 24, integer division) would be in range;
    // 8784 h = 366 days would not, nor 8760 h / 24 = 365... at the edge:
    // 8760 / 24 = 365 is in range (hint), 8784 / 24 = 366 is not.
    assert_eq!(
        one("[analysis.toxicity]\nwindow_days_after_stem_cells = 366\n").2,
        msg(366, hours)
    );
    assert_eq!(
        one("[analysis.toxicity]\nwindow_days_after_stem_cells = 8760\n").2,
        msg(8760, hours)
    );
    assert_eq!(
        one("[analysis.toxicity]\nwindow_days_after_stem_cells = 8784\n").2,
        msg(8784, "")
    );
    // 1 month = 30 days is in range: the months hint from w × 30 ≥ 7; at
    // w × 30 just above 365 (13 × 30 = 390) the value itself is in range,
    // so the edge of the hint is seen only below 7: 1 … 6 all get it.
    assert_eq!(
        one("[analysis.toxicity]\nwindow_days_after_stem_cells = 1\n").2,
        msg(1, months)
    );
}

#[test]
fn hypothyroidism_grade_and_term() {
    ok("[analysis.toxicity]\nhypothyroidism_min_grade = 1\n");
    ok("[analysis.toxicity]\nhypothyroidism_min_grade = 5\n");
    let msg = |g: u8| {
        format!("[analysis.toxicity] hypothyroidism_min_grade {g} is not a CTCAE grade (1–5)")
    };
    assert_eq!(
        one("[analysis.toxicity]\nhypothyroidism_min_grade = 0\n"),
        (
            "analysis.toxicity.hypothyroidism_min_grade".into(),
            Some(2),
            msg(0)
        )
    );
    assert_eq!(
        one("[analysis.toxicity]\nhypothyroidism_min_grade = 6\n").2,
        msg(6)
    );
    assert_eq!(
        one("[analysis.toxicity]\nhypothyroidism_term = \"Thyroid trouble\"\n").2,
        "[analysis.toxicity] hypothyroidism_term 'Thyroid trouble' is not a CTCAE term known to mibg"
    );
}

#[test]
fn dosimetry_limits_above_0_01_and_at_most_1() {
    for key in ["max_activity_deviation", "max_weight_change"] {
        ok(&format!("[analysis.dosimetry]\n{key} = 0.01\n"));
        ok(&format!("[analysis.dosimetry]\n{key} = 1.0\n"));
        let msg = |v: &str, hint: &str| {
            format!(
                "[analysis.dosimetry] {key} {v} must lie between 0.01 and 1 (a fraction: 0.25 = ±25 %){hint}"
            )
        };
        assert_eq!(
            one(&format!("[analysis.dosimetry]\n\n{key} = 0.0099\n")),
            (
                format!("analysis.dosimetry.{key}"),
                Some(3),
                msg("0.0099", "")
            )
        );
        // 1.01 % would be 0.0101, in range: the percentage hint.
        assert_eq!(
            one(&format!("[analysis.dosimetry]\n{key} = 1.01\n")).2,
            msg("1.01", " (a percentage? 25 means 0.25)")
        );
        // 25 % = 0.25; 101 / 100 = 1.01 is out of range too: no hint.
        assert_eq!(
            one(&format!("[analysis.dosimetry]\n{key} = 25\n")).2,
            msg("25", " (a percentage? 25 means 0.25)")
        );
        assert_eq!(
            one(&format!("[analysis.dosimetry]\n{key} = 101\n")).2,
            msg("101", "")
        );
    }
}

#[test]
fn a_problem_points_at_its_line_in_its_section() {
    // The key is found in its own section only (the same key name in
    // another section is not it), counting every line from 1.
    let text = "# a study\n[analysis.response]\ncriteria = \"inrc2017\"\n\n[analysis.efs]\norigin = \"first_infusion\"\n  events = []\n";
    assert_eq!(config::line_of(text, "analysis.efs", "events"), Some(7));
    assert_eq!(config::line_of(text, "analysis.efs", "origin"), Some(6));
    assert_eq!(
        config::line_of(text, "analysis.response", "criteria"),
        Some(3)
    );
    assert_eq!(config::line_of(text, "analysis.response", "events"), None);
    assert_eq!(config::line_of(text, "analysis.os", "events"), None);
    // A key that only starts like another is not it.
    assert_eq!(
        config::line_of(
            "[analysis]\nconf_level_x = 1\nconf_level = 2\n",
            "analysis",
            "conf_level"
        ),
        Some(3)
    );
    // An array table's header counts as a section.
    assert_eq!(
        config::line_of("[[analysis.cox]]\nname = \"m\"\n", "analysis.cox", "name"),
        Some(2)
    );
    // The nth [[analysis.cox]] table: its key, or its header when the key
    // is not written; None past the last table.
    let cox = "[analysis]\nconf_level = 0.95\n\n[[analysis.cox]]\nname = \"a\"\n\n[[ analysis.cox ]]\nendpoint = \"os\"\nname = \"b\"\n[analysis.os]\nname = 1\n";
    assert_eq!(config::line_of_nth(cox, "analysis.cox", 0, "name"), Some(5));
    assert_eq!(config::line_of_nth(cox, "analysis.cox", 1, "name"), Some(9));
    assert_eq!(
        config::line_of_nth(cox, "analysis.cox", 0, "strata"),
        Some(4)
    );
    assert_eq!(
        config::line_of_nth(cox, "analysis.cox", 1, "strata"),
        Some(7)
    );
    assert_eq!(config::line_of_nth(cox, "analysis.cox", 2, "name"), None);
    assert_eq!(config::line_of_nth(cox, "analysis.os", 0, "name"), None);
}

#[test]
fn cox_model_declarations() {
    let model = |body: &str| format!("[[analysis.cox]]\n{body}");
    ok(&model(
        "name = \"m\"\nendpoint = \"os\"\ncovariates = [\"age_years\"]\nstrata = [\"centre\"]\n",
    ));
    let one_cox = |text: &str| {
        let (field, row, msg) = one(text);
        (field, row, msg)
    };
    assert_eq!(
        one_cox(&model(
            "name = \" \"\nendpoint = \"os\"\ncovariates = [\"male\"]\n"
        )),
        (
            "analysis.cox[1].name".into(),
            Some(2),
            "[[analysis.cox]] model 1: name must not be empty".into()
        )
    );
    let two = format!(
        "{}\n{}",
        model("name = \"m\"\nendpoint = \"os\"\ncovariates = [\"male\"]\n"),
        model("endpoint = \"efs\"\nname = \" m\"\ncovariates = [\"male\"]\n")
    );
    assert_eq!(
        one_cox(&two),
        (
            "analysis.cox[2].name".into(),
            // Model 1 is lines 1–4, a blank line 5, model 2's header 6,
            // its endpoint 7, its name 8.
            Some(8),
            "[[analysis.cox]] model 2: name ' m' is used by an earlier model".into()
        )
    );
    assert_eq!(
        one_cox(&model("name = \"m\"\nendpoint = \"os\"\ncovariates = []\n")),
        (
            "analysis.cox[1].covariates".into(),
            Some(4),
            "[[analysis.cox]] model 1: covariates must name at least one of age_years, male, bone_marrow_involved, soft_tissue_involved, siopen_before, dose1_gy, delivered_total_gy".into()
        )
    );
    assert_eq!(
        one_cox(&model(
            "name = \"m\"\nendpoint = \"os\"\ncovariates = [\"dose1_gy\", \"dose1_gy\"]\n"
        ))
        .2,
        "[[analysis.cox]] model 1: covariate 'dose1_gy' is listed twice"
    );
    assert_eq!(
        one_cox(&model(
            "name = \"m\"\nendpoint = \"os\"\ncovariates = [\"male\"]\nstrata = [\"centre\", \"centre\"]\n"
        )),
        (
            "analysis.cox[1].strata".into(),
            Some(5),
            "[[analysis.cox]] model 1: stratum 'centre' is listed twice".into()
        )
    );
    // A stratum that is also a covariate: each pair.
    for (stratum, covariate) in [
        ("sex", "male"),
        ("bone_marrow_involved", "bone_marrow_involved"),
        ("soft_tissue_involved", "soft_tissue_involved"),
    ] {
        assert_eq!(
            one_cox(&model(&format!(
                "name = \"m\"\nendpoint = \"os\"\ncovariates = [\"{covariate}\"]\nstrata = [\"{stratum}\"]\n"
            )))
            .2,
            format!("[[analysis.cox]] model 1: '{stratum}' is both a stratum and a covariate: a covariate is constant within its strata and has no coefficient")
        );
    }
    // Strata that are not covariates of the model are fine.
    ok(&model(
        "name = \"m\"\nendpoint = \"efs\"\ncovariates = [\"age_years\"]\nstrata = [\"sex\", \"bone_marrow_involved\", \"soft_tissue_involved\"]\n",
    ));
}
