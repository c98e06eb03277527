//! End-to-end tests of `mibg plan`.
mod common;
use common::*;

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).expect("one JSON document")
}

#[test]
fn seed_plan_for_a_20_kg_child_by_hand() {
    let out = ok(&["plan", "--weight-kg", "20", "--height-cm", "115"]);
    // 444 MBq/kg × 20 kg = 8880 MBq = 240 mCi (÷ 37).
    assert!(
        out.contains("activity      8880 MBq = 8.880 GBq = 240.0 mCi"),
        "{out}"
    );
    // Mosteller √(115 × 20 / 3600) = 0.7993 m²; × 110 mg/m² = 87.9 mg.
    assert!(out.contains("BSA           0.80 m2 by Mosteller"), "{out}");
    assert!(
        out.contains("dose          87.9 mg = 110 mg/m2 x 0.7993 m2 (per-m2 rule)"),
        "{out}"
    );
    assert!(
        out.contains("day  14 (12-16)   131I-mIBG infusion 2"),
        "{out}"
    );
    assert!(
        out.contains("day  28 (26-30)   autologous stem-cell return"),
        "{out}"
    );
    assert!(
        out.contains("[R] melphalan.small_child.divisor = 30.0"),
        "{out}"
    );
    assert!(out.contains("De Ioris"), "{out}");
}

#[test]
fn json_has_unit_suffixed_fields() {
    let v = json(&["plan", "--weight-kg", "20", "--height-cm", "115", "--json"]);
    assert_eq!(v["infusion1"]["activity_mbq"], 8880.0);
    assert_eq!(v["infusion1"]["prescribed_mbq_per_kg"], 444.0);
    assert!(v["infusion1"]["cap"].is_null());
    assert_eq!(v["weight_kg"], 20.0);
    assert_eq!(v["melphalan"]["bsa_formula"], "mosteller");
    assert_eq!(v["melphalan"]["basis"]["rule"], "per_area");
    let mg = v["melphalan"]["dose_mg"].as_f64().unwrap();
    assert!((mg - 87.9235).abs() < 1e-3, "{mg}");
    assert_eq!(v["schedule"][3]["event"], "stem_cell_return");
    assert_eq!(v["schedule"][3]["day"], 28);
    assert!(!v["unverified_parameters"].as_array().unwrap().is_empty());
    assert!(v["warnings"].is_array());
    // The full protocol used is recorded, in the file's key names.
    assert_eq!(v["protocol"]["infusion1"]["activity_per_kg_mbq"], 444.0);
    assert_eq!(v["protocol"]["caps"]["max_total_activity_gbq"], 40.0);
}

#[test]
fn small_child_rule_is_named() {
    // 9 kg < 12 kg: 110 / 30 = 3.667 mg/kg × 9 kg = 33.0 mg.
    let out = ok(&["plan", "--weight-kg", "9", "--height-cm", "75"]);
    assert!(out.contains("dose          33.0 mg = 3.667 mg/kg x 9.0 kg (small-child rule: weight < 12 kg, mg/kg = mg/m2 / 30)"), "{out}");
    assert!(out.contains("(per m2 it would be 47.6 mg)"), "{out}");
}

#[test]
fn example_protocol_is_a_file_not_code() {
    // 555 MBq/kg × 60 kg = 33300 MBq > 30000 MBq cap of the example file.
    let out = ok(&[
        "plan",
        "--weight-kg",
        "60",
        "--height-cm",
        "165",
        "--protocol",
        "examples/protocols/matthay-555.toml",
    ]);
    assert!(out.contains("activity      30000 MBq"), "{out}");
    assert!(out.contains("cap           APPLIED: 555 MBq/kg x 60 kg = 33300 MBq exceeds infusion1.max_activity_mbq = 30000 MBq"), "{out}");
    assert!(out.contains("by Haycock"), "{out}");
    // 30000 / 60 = 500 MBq/kg given.
    assert!(out.contains("per kg        500.0 MBq/kg"), "{out}");
}

#[test]
fn malformed_protocol_names_key_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(repo_root().join("protocols/seed.toml")).unwrap();
    let bad = dir.path().join("protocol.toml");
    std::fs::write(
        &bad,
        seed.replace("target_total_wb_gy = 4.0", "target_total_wb_gy = -4"),
    )
    .unwrap();
    let err = fails(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "115",
        "--protocol",
        bad.to_str().unwrap(),
    ]);
    assert!(
        err.contains("protocol.toml: infusion2.target_total_wb_gy = -4: must be > 0"),
        "{err}"
    );

    std::fs::write(&bad, seed.replace("[caps]\n", "[caps]\nmax_gbq = 3\n")).unwrap();
    let err = fails(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "115",
        "--protocol",
        bad.to_str().unwrap(),
    ]);
    assert!(
        err.contains("(in [caps]): unknown field `max_gbq`"),
        "{err}"
    );
}

#[test]
fn protocol_rates_are_printed_as_written_not_rounded() {
    // Review: "{:.0}" printed a 112.5 mg/m2 protocol as "112 mg/m2" (and
    // 444.4 MBq/kg as 444) beside a dose computed from 112.5: the physician
    // could not check the arithmetic. 112.5 × 0.7993 m² (20 kg, 115 cm,
    // Mosteller √(115·20/3600) = 0.79931, hand) = 89.92 mg.
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(repo_root().join("protocols/seed.toml")).unwrap();
    let f = dir.path().join("protocol.toml");
    std::fs::write(
        &f,
        seed.replace("dose_mg_per_m2 = 110.0", "dose_mg_per_m2 = 112.5")
            .replace("activity_per_kg_mbq = 444.0", "activity_per_kg_mbq = 444.4"),
    )
    .unwrap();
    let out = ok(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "115",
        "--protocol",
        f.to_str().unwrap(),
    ]);
    assert!(
        out.contains("dose          89.9 mg = 112.5 mg/m2 x 0.7993 m2 (per-m2 rule)"),
        "{out}"
    );
    assert!(
        out.contains("melphalan 112.5 mg/m2 (13 days after"),
        "{out}"
    );
    assert!(out.contains("131I-mIBG infusion 1 (444.4 MBq/kg)"), "{out}");
}

#[test]
fn implausible_input_and_missing_file_are_errors() {
    let err = fails(&["plan", "--weight-kg", "200", "--height-cm", "115"]);
    assert!(
        err.contains("weight 200 kg: must be a number between 2 and 150 kg"),
        "{err}"
    );
    let err = fails(&["plan", "--weight-kg", "20", "--height-cm", "1.15"]);
    assert!(err.contains("height 1.15 cm"), "{err}");
    let err = fails(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "115",
        "--protocol",
        "nope.toml",
    ]);
    assert!(err.contains("cannot read protocol file nope.toml"), "{err}");
}
