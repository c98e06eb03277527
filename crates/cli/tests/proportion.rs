//! End-to-end tests of `mibg proportion`: the seed study's published figures
//! (De Ioris et al., ESMO Open 2025; docs/reference/statistics.md §10) and the JSON form.

mod common;
use common::{fails, ok};
use serde_json::Value;

#[test]
fn seed_study_response_rate_is_clopper_pearson() {
    let out = ok(&["proportion", "12/25", "--method", "clopper-pearson"]);
    assert!(out.contains("48% (28–69)"), "{out}");
}

#[test]
fn seed_study_subgroup_rates_are_wald() {
    let out = ok(&["proportion", "12/23", "--method", "wald"]);
    assert!(out.contains("52% (32–73)"), "{out}");
    let out = ok(&["proportion", "10/15", "--method", "wald"]);
    assert!(out.contains("67% (43–91)"), "{out}");
    // and exact would not have given the published figure
    let out = ok(&["proportion", "10/15", "--method", "exact"]);
    assert!(out.contains("67% (38–88)"), "{out}");
}

#[test]
fn all_methods_by_default_and_json() {
    let json: Value = serde_json::from_str(&ok(&["proportion", "12/25", "--json"])).unwrap();
    let iv = json["intervals"].as_array().unwrap();
    assert_eq!(iv.len(), 7);
    assert_eq!(iv[0]["method"], "clopper-pearson");
    // R 4.2.2: binom.test(12, 25)$conf.int = 0.277968009669947 0.686942955542968
    assert!((iv[0]["lower"].as_f64().unwrap() - 0.277_968_009_669_947).abs() < 1e-12);
    assert!((iv[0]["upper"].as_f64().unwrap() - 0.686_942_955_542_968).abs() < 1e-12);
    assert_eq!(json["x"], 12);
    assert_eq!(json["n"], 25);
    let ninety: Value = serde_json::from_str(&ok(&[
        "proportion",
        "12/25",
        "--conf-level",
        "0.9",
        "--json",
    ]))
    .unwrap();
    assert_eq!(ninety["conf_level"], 0.9);
}

#[test]
fn invalid_fractions_fail_cleanly() {
    assert!(fails(&["proportion", "26/25"]).contains("numerator cannot exceed"));
    assert!(fails(&["proportion", "0/0"]).contains("denominator must be at least 1"));
    assert!(fails(&["proportion", "12"]).contains("expected X/N"));
    assert!(fails(&["proportion", "a/25"]).contains("X must be a whole number"));
}

/// The README's `mibg proportion` example is real output.
#[test]
fn readme_example_is_current() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let start = readme.find("$ mibg proportion ").expect("README example");
    let block = &readme[start..];
    let end = block.find("\n```").unwrap();
    let (cmd, expected) = block[..end].split_once('\n').unwrap();
    let args: Vec<&str> = cmd
        .trim_start_matches("$ mibg ")
        .split_whitespace()
        .collect();
    assert_eq!(ok(&args).trim_end(), expected.trim_end(), "README: {cmd}");
}

/// Issue 13: "100 % (100–100)" from Wald at 10/10 carries a warning naming
/// Clopper–Pearson, whose lower limit is 0.025^(1/10) = 69.15 % (closed
/// form at x = n; R `binom.test(10, 10)`: 0.6915029).
#[test]
fn a_degenerate_wald_interval_is_flagged() {
    let out = ok(&["proportion", "10/10", "--method", "wald"]);
    assert!(out.contains("100% (100–100)"), "{out}");
    assert!(
        out.contains("warning: the Wald (normal approximation) interval of 10/10 is degenerate")
            && out.contains("Clopper–Pearson (exact): 69.2–100.0 %"),
        "{out}"
    );
    let json: Value =
        serde_json::from_str(&ok(&["proportion", "10/10", "--method", "wald", "--json"])).unwrap();
    assert_eq!(json["warnings"].as_array().unwrap().len(), 1);
    let json: Value =
        serde_json::from_str(&ok(&["proportion", "12/25", "--method", "wald", "--json"])).unwrap();
    assert_eq!(json["warnings"].as_array().unwrap().len(), 0);
}
