//! End-to-end tests of `mibg response` and `mibg score`.
mod common;
use common::*;
use std::io::Write;

const EXAMPLE: &str = "examples/response/patient.toml";

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).unwrap()
}

/// Writes `text` to a temporary file named `name` and returns (dir, path).
fn temp(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::File::create(&p)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let s = p.to_string_lossy().to_string();
    (dir, s)
}

#[test]
fn example_trace_is_explained_per_component() {
    // Hand check (tests/data/response/seed_like_pr/expected.toml): 62 → 40 mm = −35.5 %;
    // node 24 → 14 mm = −41.7 %; SIOPEN 4/10 = 0.40; marrow 30 % → 3 %.
    let out = ok(&["response", EXAMPLE]);
    assert!(
        out.starts_with("patient EX-01: INRC 2017 (baseline 2024-01-15)\n"),
        "{out}"
    );
    assert!(out.contains("follow-up 2024-04-22: PR\n"));
    assert!(out.contains("  primary:    PR because longest diameter 40 mm (−35.5 % vs baseline 62 mm) ≤ −30 % and uptake improved\n"));
    assert!(out.contains("  metastatic: PR because sum of target diameters −41.7 % vs baseline 24 mm (≤ −30 %) and relative SIOPEN score 0.40 ≤ 0.5 (4 vs baseline 10), no new lesions\n"));
    assert!(out.contains("  marrow:     MD because tumour 3 % vs baseline 30 %: baseline > 20 %, now 0 < tumour ≤ 5 %\n"));
    assert!(out.contains("best overall response: PR ("));
    assert!(out.contains("SIOPEN skeletal score 10 → 2, reduction 80.0 %; < 7: achieved"));
    assert!(out.contains("largest soft-tissue lesion 38 mm (primary included); < 50 mm: achieved"));
    assert!(out.contains("options: INRC 2017 defaults"));
}

#[test]
fn json_report_records_options_and_gaps() {
    let v = json(&["response", EXAMPLE, "--json"]);
    assert_eq!(v["criteria"], "INRC 2017");
    assert_eq!(v["assessments"][0]["overall"], "PR");
    assert_eq!(v["assessments"][0]["marrow"]["md"], "improved");
    assert_eq!(
        v["assessments"][0]["gaps"][0]["gap"],
        "marrow_md_integration"
    );
    assert_eq!(v["assessments"][0]["measures"]["relative_mibg_score"], 0.4);
    assert_eq!(v["options"]["all_cr_with_marrow_md"], "pr");
    assert_eq!(v["best"]["response"], "PR");
    assert_eq!(v["endpoints"]["siopen_below_cutoff"], "achieved");
}

#[test]
fn gap_option_changes_and_is_recorded() {
    // docs/reference/response.md §2.7 gap 1: all CR with persistent marrow MD: PR by default, MR by marrow policy.
    let f = data("response/all_cr_marrow_md/input.toml");
    let f = f.to_str().unwrap();
    assert_eq!(
        json(&["response", f, "--json"])["assessments"][0]["overall"],
        "PR"
    );
    let v = json(&[
        "response",
        f,
        "--json",
        "--all-cr-marrow-md",
        "marrow-policy",
    ]);
    assert_eq!(v["assessments"][0]["overall"], "MR");
    assert_eq!(v["options"]["all_cr_with_marrow_md"], "marrow_policy");
    let text = ok(&["response", f, "--all-cr-marrow-md", "marrow-policy"]);
    assert!(
        text.contains(
            "options changed from the defaults: all_cr_with_marrow_md = \"marrow_policy\""
        ),
        "{text}"
    );
}

#[test]
fn inrc1993_legacy_and_json_input() {
    let f = data("response/legacy_1993/input.toml");
    let out = ok(&["response", f.to_str().unwrap(), "--criteria", "inrc1993"]);
    assert!(out.contains("follow-up 2003-08-01: VGPR"), "{out}");
    let f = data("response/marrow_only_json/input.json");
    let v = json(&["response", f.to_str().unwrap(), "--json"]);
    assert_eq!(v["assessments"][1]["overall"], "PD");
    let err = fails(&[
        "response",
        f.to_str().unwrap(),
        "--criteria",
        "inrc1993",
        "--tracers",
        "mixed",
    ]);
    assert!(err.contains("do not apply to --criteria inrc1993"), "{err}");
}

#[test]
fn confirmation_and_endpoint_parameters() {
    let f = data("response/relapse_new_bone_site/input.toml");
    let f = f.to_str().unwrap();
    assert_eq!(json(&["response", f, "--json"])["best"]["response"], "PR");
    let v = json(&["response", f, "--json", "--confirm-days", "28"]);
    assert_eq!(v["best"]["response"], "SD");
    assert_eq!(v["best"]["confirmation"]["min_days"], 28);
    let v = json(&[
        "response",
        EXAMPLE,
        "--json",
        "--time-point",
        "2024-04-22",
        "--siopen-cutoff",
        "4",
    ]);
    assert_eq!(v["endpoints"]["time_point_date"], "2024-04-22");
    assert_eq!(v["endpoints"]["siopen_below_cutoff"], "not_achieved");
}

#[test]
fn errors_name_assessment_field_and_rule() {
    let text = std::fs::read_to_string(repo_root().join(EXAMPLE))
        .unwrap()
        .replacen("pelvis = 2", "pelvis = 7", 1);
    let (_d, p) = temp("bad.toml", &text);
    let err = fails(&["response", &p]);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("bad.toml: follow-up 2024-04-22: mibg.segments: SIOPEN segment 'pelvis' = 7, allowed 0–6"), "{err}");

    let (_d, p) = temp(
        "typo.toml",
        &text.replacen("tumour_pct = 10", "tumor_pct = 10", 1),
    );
    let err = fails(&["response", &p]);
    assert!(err.contains("unknown field `tumor_pct`"), "{err}");

    let missing = std::fs::read_to_string(repo_root().join(EXAMPLE))
        .unwrap()
        .replacen("spine = 1\n", "", 1);
    let (_d, p) = temp("missing.toml", &missing);
    let err = fails(&["response", &p]);
    assert!(
        err.contains("SIOPEN segment 'spine' missing: a missing segment is never 0"),
        "{err}"
    );

    let (_d, p) = temp("broken.json", "{ \"patient\": \"x\", ");
    let err = fails(&["response", &p]);
    assert!(
        err.contains("broken.json: ") && err.contains("line 1"),
        "{err}"
    );

    let (_d, p) = temp("x.yaml", "patient: x");
    assert!(fails(&["response", &p]).contains("must end in .json or .toml"));
    assert!(fails(&["response", "no/such/file.toml"]).contains("cannot read no/such/file.toml"));
    assert!(fails(&["response", EXAMPLE, "--time-point", "soon"]).contains("--time-point 'soon'"));

    let bad_marrow = std::fs::read_to_string(repo_root().join(EXAMPLE))
        .unwrap()
        .replacen("tumour_pct = 30", "tumour_pct = 130", 1);
    let (_d, p) = temp("m.toml", &bad_marrow);
    let err = fails(&["response", &p]);
    assert!(
        err.contains("baseline 2024-01-15: marrow sample 3: tumour_pct: 130 % is outside 0–100 %"),
        "{err}"
    );
}

#[test]
fn readme_error_example() {
    assert_eq!(
        fails(&["response", "examples/response/invalid-segment.toml"]),
        "error: examples/response/invalid-segment.toml: follow-up 2024-04-22: mibg.segments: SIOPEN segment 'pelvis' = 7, allowed 0–6\n"
    );
}

#[test]
fn readme_example_output_is_current() {
    // The README pastes the full output of the example: keep them identical.
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let out = ok(&["response", EXAMPLE]);
    assert!(
        readme.contains(&format!("$ mibg response {EXAMPLE}\n{out}```")),
        "README example output is stale"
    );
    let out = ok(&["score", "siopen", "2,1,0,0,0,0,3,3,1,0,0,0"]);
    assert!(readme.contains(&out));
}

#[test]
fn score_siopen_and_curie() {
    // Hand sums: 2+1+3+3+1 = 10; Curie skeletal 1+2+0+0+1+0+0+1+0 = 5, + soft tissue 1 = 6.
    let out = ok(&["score", "siopen", "2,1,0,0,0,0,3,3,1,0,0,0"]);
    assert!(out.starts_with("SIOPEN skeletal score: 10 / 72\n"), "{out}");
    assert!(out.contains("  pelvis                     3\n"));
    let out = ok(&["score", "curie", "1,2,0,0,1,0,0,1,0,1"]);
    assert!(
        out.starts_with("Curie score: skeletal 5 / 27, total 6 / 30 (with soft tissue)\n"),
        "{out}"
    );
    let v = json(&["score", "siopen", "1,NE,0,0,0,0,0,0,0,0,0,0", "--json"]);
    assert_eq!(v["skeletal"]["min"], 1);
    assert_eq!(v["skeletal"]["max"], 7);
    assert_eq!(v["not_assessable"][0], "thoracic_cage");
}

#[test]
fn score_errors() {
    assert_eq!(
        fails(&["score", "siopen", "0,0,0,0,0,0,0,7,0,0,0,0"]),
        "error: SIOPEN segment 'pelvis' = 7, allowed 0–6\n"
    );
    assert!(fails(&["score", "curie", "0,0,0"]).contains("Curie needs exactly 10 segment scores"));
    assert!(
        fails(&["score", "siopen", "-1,0,0,0,0,0,0,0,0,0,0,0"])
            .contains("'skull' = -1, allowed 0–6")
    );
    assert!(fails(&["score", "siopen", "0,,0,0,0,0,0,0,0,0,0,0"]).contains("'thoracic_cage' = ''"));
}

#[test]
fn every_gap_flag_reaches_the_options() {
    let v = json(&[
        "response",
        EXAMPLE,
        "--json",
        "--all-cr-marrow-md",
        "unclassified",
        "--marrow-md-integration",
        "always-response",
        "--marrow-md-5-to-20",
        "sd",
        "--baseline-score-zero",
        "progression",
        "--primary-pr-uptake",
        "size-only",
        "--pd-increase",
        "more-than-20",
        "--node-cr",
        "below-15mm",
        "--relative-score-floor",
        "literal",
        "--tracers",
        "mixed",
        "--marrow-min-aspirates",
        "1",
        "--marrow-min-trephines",
        "0",
    ]);
    let o = &v["options"];
    assert_eq!(o["all_cr_with_marrow_md"], "unclassified");
    assert_eq!(o["marrow_md_integration"], "always_response");
    assert_eq!(o["marrow_md_from_5_to_20"], "sd");
    assert_eq!(o["baseline_score_zero"], "any_score_is_progression");
    assert_eq!(o["primary_pr_uptake"], "size_only");
    assert_eq!(o["pd_increase"], "more_than_20");
    assert_eq!(o["node_cr"], "below_15mm");
    assert_eq!(o["relative_score_floor"], "literal");
    assert_eq!(o["tracers"], "allow_mixed");
    assert_eq!(o["marrow_min_aspirates"], 1);
    assert_eq!(o["marrow_min_trephines"], 0);
    let v = json(&[
        "response",
        EXAMPLE,
        "--json",
        "--marrow-md-integration",
        "pr-row-allows-md",
    ]);
    assert_eq!(v["options"]["marrow_md_integration"], "pr_row_allows_md");
    // usage errors (clap) exit with 2.
    let out = mibg(&["response", EXAMPLE, "--tracers", "sometimes"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Review: bad input of every kind the brief lists is an error naming the
/// assessment, field and rule, exit 1, nothing on stdout (`fails` checks both).
#[test]
fn bad_inputs_are_errors_never_results() {
    let ex = std::fs::read_to_string(repo_root().join(EXAMPLE)).unwrap();
    let baseline_only = ex.split("[[follow_up]]").next().unwrap().to_string();
    let cases: [(&str, String, &str); 6] = [
        (
            "empty.toml",
            baseline_only,
            "follow_up: no follow-up assessment; a response needs at least one assessment after baseline 2024-01-15",
        ),
        (
            "neg.toml",
            ex.replacen("diameters_mm = [40]", "diameters_mm = [-40]", 1),
            "follow-up 2024-04-22: primary.diameters_mm: -40 mm must be a finite number ≥ 0",
        ),
        (
            "nan.toml",
            ex.replacen("diameters_mm = [40]", "diameters_mm = [nan]", 1),
            "follow-up 2024-04-22: primary.diameters_mm: NaN mm must be a finite number ≥ 0",
        ),
        (
            "dup.toml",
            ex.replacen("date = \"2024-07-15\"", "date = \"2024-04-22\"", 1),
            "follow-up 2024-04-22: date: must be after the previous assessment (2024-04-22)",
        ),
        (
            "before.toml",
            ex.replacen("date = \"2024-04-22\"", "date = \"2023-12-01\"", 1),
            "follow-up 2023-12-01: date: must be after the previous assessment (2024-01-15)",
        ),
        (
            "neg_seg.toml",
            ex.replacen("pelvis = 2", "pelvis = -2", 1),
            "follow-up 2024-04-22: mibg.segments: SIOPEN segment 'pelvis' = -2, allowed 0–6",
        ),
    ];
    for (name, text, want) in cases {
        let (_d, p) = temp(name, &text);
        let err = fails(&["response", &p]);
        assert!(err.contains(want), "{name}: {err}");
    }
}

/// Review: a --time-point date with no follow-up was accepted and every
/// endpoint came out "not evaluable" with exit 0; a typo must be an error.
#[test]
fn time_point_date_must_be_a_follow_up() {
    let err = fails(&["response", EXAMPLE, "--time-point", "2024-05-01"]);
    assert!(
        err.contains("--time-point 2024-05-01: examples/response/patient.toml has no follow-up on that date (follow-ups: 2024-04-22, 2024-07-15)"),
        "{err}"
    );
    // SIOPEN scores are 0–72: "< 0" never holds, "< 73" always does.
    for bad in ["0", "73"] {
        let err = fails(&["response", EXAMPLE, "--siopen-cutoff", bad]);
        assert!(
            err.contains(&format!("--siopen-cutoff {bad}: must be 1–72")),
            "{err}"
        );
    }
    let v = json(&["response", EXAMPLE, "--json", "--time-point", "2024-07-15"]);
    assert_eq!(v["endpoints"]["time_point_date"], "2024-07-15");
}

/// `mibg response template`: the unfilled template is refused at the line
/// of its first placeholder; filled with the values of
/// examples/response/patient.toml's baseline and first follow-up (fictitious
/// EX-01: primary 62 → 40 mm, −35.5 %, PR by INRC 2017's ≥ 30 % decrease),
/// it gives that file's first assessment exactly; --out never overwrites.
#[test]
fn template_is_refused_until_filled_then_read_by_the_parser() {
    let tmp = tempfile::tempdir().unwrap();
    let template = common::ok(&["response", "template"]);
    assert!(template.contains("never \"no disease\""));
    assert!(template.contains("Units:"));
    let blank = tmp.path().join("blank.toml");
    std::fs::write(&blank, &template).unwrap();
    let err = common::fails(&["response", blank.to_str().unwrap()]);
    assert!(err.contains("line 25") && err.contains("<MM>"), "{err}");
    let mut t = template
        .replace("<STUDY CODE>", "EX-01")
        .replace("<BASELINE DATE>", "2024-01-15")
        .replace("<FOLLOW-UP DATE>", "2024-04-22")
        .replace("<LESION NAME>", "left para-aortic node");
    let fill = |t: &mut String, token: &str, values: &[&str]| {
        for v in values {
            *t = t.replacen(token, v, 1);
        }
        assert!(!t.contains(token), "{token} left");
    };
    fill(&mut t, "<MM>", &["62", "24", "40", "14"]);
    fill(
        &mut t,
        "<SCORE>",
        &[
            "2", "1", "0", "0", "0", "0", "3", "3", "1", "0", "0", "0", // baseline
            "1", "0", "0", "0", "0", "0", "1", "2", "0", "0", "0", "0", // follow-up
        ],
    );
    fill(&mut t, "<PCT>", &["10", "0", "30", "5", "0", "0", "3", "0"]);
    let filled = tmp.path().join("filled.toml");
    std::fs::write(&filled, &t).unwrap();
    let mine: serde_json::Value = serde_json::from_str(&common::ok(&[
        "response",
        filled.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    let reference: serde_json::Value = serde_json::from_str(&common::ok(&[
        "response",
        "examples/response/patient.toml",
        "--json",
    ]))
    .unwrap();
    assert_eq!(mine["assessments"][0], reference["assessments"][0]);
    assert_eq!(mine["assessments"][0]["overall"], "PR");
    // --out writes the file once, and never over an existing one.
    let out = tmp.path().join("new.toml");
    common::ok(&["response", "template", "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), template);
    let err = common::fails(&["response", "template", "--out", out.to_str().unwrap()]);
    assert!(err.contains("exists"), "{err}");
}
